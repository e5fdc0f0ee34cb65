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
  /** A screenshot and, in the test log, what the workbench showed when a test failed. */
  reportFailure(title: string): Promise<void>;
  close(): Promise<void>;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const rowWith = (page: Page, label: string, state = '') =>
  page.locator(`.sidebar .monaco-list-row${state}`, { has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(label)}$`) }) }).first();

/** The tree row of the sidebar (the Campaigns view) with this exact label. */
export const row = (page: Page, label: string) => rowWith(page, label);

/**
 * Expands a tree row that is on the way to what a test is about (a campaign, a kind) with a click.
 * A click that lands while VS Code redraws the tree (the refreshes right after an Unlock) can be
 * lost, the row collapsed again: then it is clicked once more, and the test log says so.
 */
export async function expandRow(page: Page, label: string): Promise<void> {
  const expanded = rowWith(page, label, '[aria-expanded="true"]');
  if (await expanded.isVisible()) return;
  await row(page, label).click();
  const soon = await expanded.waitFor({ state: 'visible', timeout: 10_000 }).then(
    () => true,
    () => false,
  );
  if (soon) return;
  console.log(`    (the click on "${label}" did not expand it; clicking it again)`);
  await rowWith(page, label, '[aria-expanded="false"]').click();
  await expanded.waitFor({ state: 'visible' });
}

export interface WorkbenchOptions {
  /** Runs on the copied workspace before code-server starts (e.g. puts a vault there). */
  readonly prepare?: (workspace: string, run: RunDir) => void | Promise<void>;
}

export async function openWorkbench(options: WorkbenchOptions = {}): Promise<Workbench> {
  const which = process.env.CV_VSCODE ?? 'newest';
  const vsix = process.env.CV_VSIX;
  if (!vsix || !existsSync(vsix)) throw new Error('CV_VSIX must name the packaged .vsix (npm test builds it)');
  const cs = codeServer(root, which);
  const runDir = process.env.CV_RUN_DIR ?? join(root, '.test-results', `e2e-${which}`);
  rmSync(runDir, { recursive: true, force: true });
  const run = prepareRunDir(runDir);
  installVsix(cs, run, vsix);
  const workspace = copyWorkspace(join(root, 'test/fixtures/sample-campaign'), run, 'sample-campaign');
  await options.prepare?.(workspace, run);
  const server = await startCodeServer(cs, run, { folder: workspace });
  const browser = await launchBrowser(run);
  const page = browser.pages()[0] ?? (await browser.newPage());
  await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
  await waitForWorkbench(page);
  const shots = process.env.CV_SCREENSHOTS ?? join(runDir, 'screenshots');
  mkdirSync(shots, { recursive: true });
  const wb: Workbench = {
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
    async reportFailure(title) {
      const file = await wb.screenshot(`failed-${title.replace(/\W+/g, '-')}`).catch((e: unknown) => `(no screenshot: ${String(e)})`);
      console.log(`The workbench when "${title}" failed (${file}):\n${await describeWorkbench(page)}`);
    },
    async close() {
      await browser.close().catch(() => undefined);
      await server.stop();
    },
  };
  return wb;
}

/** Runs a command from the F1 palette by its full title. */
export async function runFromPalette(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  // Enter runs the focused row: wait until the filter has put this command there, not only
  // somewhere in the list (the recently used commands head the list until the filter applies).
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: title }).first().waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
}

/**
 * What the workbench shows that a failed wait might have missed: the notifications (toasts and the
 * notification center), an open quick input, and the status bar, for the test log.
 */
export async function describeWorkbench(page: Page): Promise<string> {
  return page
    .evaluate(() => {
      const texts = (selector: string) => [...document.querySelectorAll(selector)].map((e) => (e as HTMLElement).innerText.replace(/\s+/g, ' ').trim()).filter(Boolean);
      const quick = document.querySelector('.quick-input-widget') as HTMLElement | null;
      return [
        `notifications: ${JSON.stringify(texts('.notifications-toasts .notification-list-item, .notifications-center .notification-list-item'))}`,
        `quick input: ${quick && quick.style.display !== 'none' ? JSON.stringify(texts('.quick-input-widget .quick-input-title, .quick-input-widget .quick-input-message, .quick-input-list .monaco-list-row.focused')) : 'closed'}`,
        `status bar: ${JSON.stringify(texts('.statusbar-item'))}`,
      ].join('\n');
    })
    .catch((e: unknown) => `(could not read the workbench: ${String(e)})`);
}
