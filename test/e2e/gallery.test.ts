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

const FILES = ['texture-iran-small.jpg', 'page-0-X0.png', 'backpack.svg'];

describe(`Campaign Vault: the asset gallery in the workbench (${process.env.CV_VSCODE ?? 'newest'})`, function () {
  this.timeout(240_000);
  let wb: Workbench;

  before(async () => {
    wb = await openWorkbench({
      prepare: (workspace) => FILES.forEach((f) => copyFileSync(join(root, 'test/fixtures/images', f), join(workspace, f))),
    });
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await wb?.reportFailure(this.currentTest.title);
  });
  after(async () => {
    await wb?.close();
  });

  it('adds pictures with Add Asset… from the palette into a campaign', async () => {
    const { page } = wb;
    await openCampaignVaultView(page);
    await page.locator('.welcome-view-content').getByRole('button', { name: 'Create Vault' }).click();
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Create without encryption' }).click();
    await page.locator('.welcome-view-content').getByRole('button', { name: 'New Campaign' }).click();
    await typeInQuickInput(page, 'Curse of the Salt Marsh');
    await row(page, 'Curse of the Salt Marsh').waitFor({ state: 'visible' });
    for (const file of FILES) {
      await runFromPalette(page, 'Campaign Vault: Add Asset…');
      // code-server's file dialog is a quick input that takes a path.
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible' });
      await page.locator('.quick-input-list .monaco-list-row', { hasText: file }).first().waitFor({ state: 'visible' });
      await input.fill(join(wb.workspace, file));
      await page.locator('.quick-input-list .monaco-list-row', { hasText: file }).first().waitFor({ state: 'visible' });
      await page.keyboard.press('Enter');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Curse of the Salt Marsh' }).first().click();
      await page.locator('.quick-input-list .monaco-list-row', { hasText: file.endsWith('.jpg') ? 'Map' : 'By content' }).first().click();
      await typeInQuickInput(page, 'marsh');
      await page.locator('.notification-toast', { hasText: `Added the asset “${file.replace(/\.\w+$/, '')}”` }).waitFor({ state: 'visible', timeout: 60_000 });
    }
  });

  it('a click on the Assets node opens the gallery with thumbnails; a map opens in the viewer and zooms', async () => {
    const { page } = wb;
    await runFromPalette(page, 'Notifications: Clear All Notifications');
    await expandRow(page, 'Curse of the Salt Marsh');
    await row(page, 'Assets').click();
    const frame = webviewFrame(page);
    await frame.locator('.tile').nth(2).waitFor({ state: 'visible', timeout: 60_000 });
    await frame.locator('.tile .frame img').nth(1).waitFor({ state: 'visible', timeout: 60_000 });
    const drawn = await frame.locator('.tile .frame img').evaluateAll((imgs: HTMLImageElement[]) => imgs.map((i) => [i.naturalWidth, i.naturalHeight, i.src.startsWith('blob:')]));
    assert.equal(drawn.length, 2, 'two pictures; the SVG gets an icon');
    for (const [w, h, blob] of drawn) {
      assert.ok(Number(w) > 0 && Number(w) <= 256 && Number(h) > 0 && Number(h) <= 256, `a thumbnail of ${String(w)}×${String(h)}`);
      assert.equal(blob, true, 'from a blob: URL');
    }
    await frame.locator('.tile .icon').first().waitFor({ state: 'visible' });
    await wb.screenshot('gallery');
    await frame.locator('#search').fill('texture');
    await frame.locator('#count', { hasText: '1 / 3' }).waitFor({ state: 'visible' });
    await frame.locator('.tile').first().dblclick();
    const picture = frame.locator('#picture');
    await frame.locator('#zoom', { hasText: '%' }).waitFor({ state: 'visible', timeout: 30_000 });
    assert.deepEqual(await picture.evaluate((i: HTMLImageElement) => [i.naturalWidth, i.naturalHeight]), [1460, 900], 'the whole picture, not the thumbnail');
    const before = await frame.locator('#zoom').textContent();
    await frame.locator('#stage').press('+');
    await frame.locator('#stage').press('+');
    const after = await frame.locator('#zoom').textContent();
    assert.ok(parseInt(after ?? '0') > parseInt(before ?? '0'), `zoomed from ${String(before)} to ${String(after)}`);
    await wb.screenshot('gallery-viewer');
    await frame.locator('#stage').press('Escape');
    await frame.locator('#viewer').waitFor({ state: 'hidden' });
  });

  it('selects two tiles, tags them, renames one with F2 and removes one with Delete after the confirmation; the thumbnails held stay', async () => {
    const { page } = wb;
    const frame = webviewFrame(page);
    const tile = (name: string) => frame.locator(`.tile[aria-label="${name}"]`);
    await frame.locator('#search').fill('');
    await frame.locator('#count', { hasText: '3 / 3' }).waitFor({ state: 'visible' });
    const src = async (name: string) => tile(name).locator('img').getAttribute('src');
    const heldBefore = await src('texture-iran-small');
    assert.match(heldBefore ?? '', /^blob:/);

    await tile('page-0-X0').click();
    await tile('texture-iran-small').click({ modifiers: ['Control'] });
    await frame.locator('#selected', { hasText: '2 selected' }).waitFor({ state: 'visible' });
    assert.deepEqual(await frame.locator('.tile[aria-selected="true"]').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label'))), ['page-0-X0', 'texture-iran-small']);
    await wb.screenshot('gallery-selection');

    await frame.locator('#tags').click();
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Add Tags' }).first().click();
    await typeInQuickInput(page, 'harbour, night');
    await frame.locator('#tag option[value="harbour"]').waitFor({ state: 'attached', timeout: 30_000 });
    await frame.locator('#tag').selectOption('harbour');
    await frame.locator('#count', { hasText: '2 / 3' }).waitFor({ state: 'visible' });
    await frame.locator('#tag').selectOption('');

    await tile('page-0-X0').click();
    await frame.locator('#selected', { hasText: '1 selected' }).waitFor({ state: 'visible' });
    await tile('page-0-X0').press('F2');
    await typeInQuickInput(page, 'Portrait of the reeve');
    await tile('Portrait of the reeve').waitFor({ state: 'visible', timeout: 30_000 });

    await tile('backpack').click();
    await tile('backpack').press('Delete');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible' });
    assert.match((await dialog.textContent()) ?? '', /Move the asset “backpack” to the trash\?/);
    await wb.screenshot('gallery-remove');
    await dialog.getByRole('button', { name: 'Move to Trash' }).click();
    await frame.locator('#count', { hasText: '2 / 2' }).waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await tile('backpack').count(), 0);
    assert.equal(await src('texture-iran-small'), heldBefore, 'the thumbnail the webview held is kept, not sent again');
    await wb.screenshot('gallery-edited');
  });

  it('a picture linked in a session’s notes as a drop writes it is shown by the Markdown preview, read from the vault', async () => {
    const { page } = wb;
    const id = await webviewFrame(page).locator('.tile[aria-label="texture-iran-small"]').getAttribute('data-id');
    assert.ok(id);
    await runFromPalette(page, 'View: Close All Editors');
    await page.locator('.tab').first().waitFor({ state: 'detached' });
    await row(page, 'Sessions').hover();
    await row(page, 'Sessions').locator('.action-label[aria-label="New Entry"]').click();
    await typeInQuickInput(page, 'Session 1');
    await page.locator('.tab', { hasText: 'Session 1.yaml' }).waitFor({ state: 'visible' });
    await expandRow(page, 'Sessions');
    await row(page, 'Session 1').click();
    await page.locator('.tab', { hasText: 'Preview Session 1.md' }).waitFor({ state: 'visible' });
    // The preview's frame: the one shown (the gallery's, closed above, may linger hidden for a moment).
    const preview = page.frameLocator('iframe.webview.ready >> visible=true').last().frameLocator('#active-frame');
    // Type only once the preview has loaded the (empty) notes, then save: it follows both.
    await preview.locator('body.vscode-body').waitFor({ state: 'attached', timeout: 30_000 });
    await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    // What the drop provider inserts for this tile (the drag itself cannot cross from the webview's iframe in Playwright).
    await page.keyboard.insertText(`The harbour:\n\n![texture-iran-small](assets/${id}/texture-iran-small.jpg)\n`);
    await page.keyboard.press('Control+S');
    await page.locator('.tab.dirty', { hasText: 'Session 1.md' }).waitFor({ state: 'detached' });
    await preview.getByText('The harbour:').waitFor({ state: 'visible', timeout: 30_000 });
    const img = preview.locator('img[alt="texture-iran-small"]');
    await img.waitFor({ state: 'visible', timeout: 30_000 });
    const size = await img.evaluate(
      (i: HTMLImageElement) =>
        new Promise<[number, number]>((resolve) => {
          if (i.complete) resolve([i.naturalWidth, i.naturalHeight]);
          else {
            i.addEventListener('load', () => resolve([i.naturalWidth, i.naturalHeight]));
            i.addEventListener('error', () => resolve([0, 0]));
          }
        }),
    );
    assert.deepEqual(size, [1460, 900], 'the picture itself, loaded by the preview through the campaign: file system');
    await wb.screenshot('gallery-note-preview');
  });
});
