import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import {
  type CodeServer,
  type RunDir,
  type RunningServer,
  codeServer,
  copyWorkspace,
  installVsix,
  launchBrowser,
  openCampaignVaultView,
  prepareRunDir,
  startCodeServer,
  waitForWorkbench,
} from '../../scripts/lib/harness.mjs';

export { openCampaignVaultView };

export const root = resolve(__dirname, '../../..');

/** A real workbench in chromium, served by code-server with the packaged .vsix installed. */
export interface Workbench {
  cs: CodeServer;
  run: RunDir;
  server: RunningServer;
  browser: BrowserContext;
  page: Page;
  workspace: string;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function openWorkbench(): Promise<Workbench> {
  const which = process.env.CV_VSCODE ?? 'newest';
  const vsix = process.env.CV_VSIX;
  if (!vsix || !existsSync(vsix)) throw new Error('CV_VSIX must name the packaged .vsix (npm test builds it)');
  const cs = codeServer(root, which);
  const runDir = process.env.CV_RUN_DIR ?? join(root, '.test-results', `e2e-${which}`);
  rmSync(runDir, { recursive: true, force: true });
  const run = prepareRunDir(runDir);
  installVsix(cs, run, vsix);
  const workspace = copyWorkspace(join(root, 'test/fixtures/sample-campaign'), run, 'sample-campaign');
  const server = await startCodeServer(cs, run, { folder: workspace });
  const browser = await launchBrowser(run);
  const page = browser.pages()[0] ?? (await browser.newPage());
  await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
  await waitForWorkbench(page);
  const shots = process.env.CV_SCREENSHOTS ?? join(runDir, 'screenshots');
  mkdirSync(shots, { recursive: true });
  return {
    cs,
    run,
    server,
    browser,
    page,
    workspace,
    async screenshot(name) {
      const file = join(shots, `${cs.vscode}-${name}.png`);
      await page.screenshot({ path: file });
      return file;
    },
    async close() {
      await browser.close().catch(() => undefined);
      await server.stop();
    },
  };
}

/** Runs a command from the F1 palette by its full title. */
export async function runFromPalette(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
}
