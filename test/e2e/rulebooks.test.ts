import * as assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { type Workbench, expandRow, openCampaignVaultView, openWorkbench, root, row, runFromPalette } from './workbench';

/** The content of the active webview (code-server nests it in two iframes). */
const webviewFrame = (page: Page): FrameLocator => page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');

async function typeInQuickInput(page: Page, text: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(text);
  await page.keyboard.press('Enter');
}

/** How many sampled pixels of the viewer's canvas are dark (ink), and its size. */
async function ink(frame: FrameLocator): Promise<{ width: number; height: number; dark: number }> {
  return frame.locator('#canvas').evaluate((c: HTMLCanvasElement) => {
    const ctx = c.getContext('2d')!;
    const { data } = ctx.getImageData(0, 0, c.width, c.height);
    let dark = 0;
    for (let i = 0; i < data.length; i += 4 * 5) if (data[i]! < 128 && data[i + 1]! < 128 && data[i + 2]! < 128 && data[i + 3]! > 0) dark++;
    return { width: c.width, height: c.height, dark };
  });
}

const BOOK = 'Mimimal OpenD6 System Reference Document';

describe(`Campaign Vault: a rulebook in the workbench (${process.env.CV_VSCODE ?? 'newest'})`, function () {
  this.timeout(240_000);
  let wb: Workbench;

  before(async () => {
    wb = await openWorkbench({
      prepare: (workspace) => copyFileSync(join(root, 'test/fixtures/rulebooks/minimal-opend6-srd.pdf'), join(workspace, 'minimal-opend6-srd.pdf')),
    });
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await wb?.reportFailure(this.currentTest.title);
  });
  after(async () => {
    await wb?.close();
  });

  it('adds a PDF from the palette into the Shared Library and lists it with its page count', async () => {
    const { page } = wb;
    await openCampaignVaultView(page);
    await page.locator('.welcome-view-content').getByRole('button', { name: 'Create Vault' }).click();
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Create without encryption' }).click();
    await page.locator('.welcome-view-content').getByRole('button', { name: 'New Campaign' }).click();
    await typeInQuickInput(page, 'Mini Six One-Shot');
    await row(page, 'Mini Six One-Shot').waitFor({ state: 'visible' });
    await runFromPalette(page, 'Campaign Vault: Add Rulebook…');
    // code-server's file dialog is a quick input that takes a path.
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'minimal-opend6-srd.pdf' }).first().waitFor({ state: 'visible' });
    await input.fill(join(wb.workspace, 'minimal-opend6-srd.pdf'));
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'minimal-opend6-srd.pdf' }).first().waitFor({ state: 'visible' });
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Shared Library' }).first().click();
    await page.locator('.notification-toast', { hasText: /Added the rulebook .*: 83 pages/ }).waitFor({ state: 'visible', timeout: 120_000 });
    await expandRow(page, 'Shared Library');
    await expandRow(page, 'Rulebooks');
    await row(page, BOOK).filter({ hasText: '83 pages' }).waitFor({ state: 'visible' });
  });

  it('opens the book from the tree and draws its page; the page box turns pages', async () => {
    const { page } = wb;
    await row(page, BOOK).click();
    const frame = webviewFrame(page);
    const pageBox = frame.locator('#page');
    await pageBox.waitFor({ state: 'visible', timeout: 60_000 });
    await frame.locator('#canvas[width]').waitFor({ state: 'visible', timeout: 60_000 });
    await pageBox.fill('5');
    await pageBox.press('Enter');
    await frame.locator('#count', { hasText: 'of 83' }).waitFor({ state: 'visible' });
    await frame.locator('#canvas[aria-label="Page 5"]').waitFor({ state: 'attached', timeout: 30_000 });
    const drawn = await ink(frame);
    assert.ok(drawn.width > 200 && drawn.height > 200, `the canvas is ${drawn.width}×${drawn.height}`);
    assert.ok(drawn.dark > 100, `page 5 has ink on it (${drawn.dark} dark pixels sampled)`);
    await frame.locator('#next').click();
    await frame.locator('#canvas[aria-label="Page 6"]').waitFor({ state: 'attached', timeout: 30_000 });
    assert.equal(await pageBox.inputValue(), '6');
    await runFromPalette(page, 'Notifications: Clear All Notifications');
    await page.locator('.notification-toast').first().waitFor({ state: 'detached' });
    await wb.screenshot('rulebook-viewer');
  });
});
