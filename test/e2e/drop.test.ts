import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import type { FrameLocator, Page } from 'playwright-core';
import { crc32 } from '../support/images';
import { type Workbench, expandRow, openCampaignVaultView, openWorkbench, root, row, runFromPalette } from './workbench';

/** The content of the active webview (code-server nests it in two iframes). */
const webviewFrame = (page: Page): FrameLocator => page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');

const SIDE = 4096;

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32([...head.subarray(4), ...data]) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** A 4096 × 4096 RGB map drawn in code: sea, land in squares, and a grid every 256 pixels. */
function bigMap(): Buffer {
  const stride = 1 + SIDE * 3;
  const raw = Buffer.alloc(stride * SIDE);
  for (let y = 0; y < SIDE; y++) {
    const line = y * stride;
    for (let x = 0; x < SIDE; x++) {
      const grid = x % 256 === 0 || y % 256 === 0;
      const land = (Math.floor(x / 512) + Math.floor(y / 512)) % 3 === 0;
      const [r, g, b] = grid ? [40, 40, 40] : land ? [120, 160, 80] : [40, 90, 160];
      raw[line + 1 + x * 3] = r;
      raw[line + 2 + x * 3] = g;
      raw[line + 3 + x * 3] = b;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(SIDE, 0);
  ihdr.writeUInt32BE(SIDE, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/**
 * Drags a file from the desktop onto a row of the sidebar's tree, as the browser reports it to the
 * page: dragenter, dragover and drop on the row, with a DataTransfer holding a File (name and
 * bytes, no path — what a web page gets from the desktop).
 */
async function dropFileOnRow(page: Page, label: string, file: { name: string; type: string; bytes: Buffer }): Promise<void> {
  const target = row(page, label);
  await target.waitFor({ state: 'visible' });
  const handle = await target.elementHandle();
  await page.evaluate(
    ({ element, name, type, base64 }) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], name, { type }));
      const box = (element as HTMLElement).getBoundingClientRect();
      const at = { clientX: box.left + box.width / 2, clientY: box.top + box.height / 2 };
      for (const kind of ['dragenter', 'dragover', 'drop']) {
        element!.dispatchEvent(new DragEvent(kind, { bubbles: true, cancelable: true, dataTransfer: data, ...at }));
      }
    },
    { element: handle, name: file.name, type: file.type, base64: file.bytes.toString('base64') },
  );
}

describe(`Campaign Vault: a map dragged from the desktop onto the Campaigns view (${process.env.CV_VSCODE ?? 'newest'})`, function () {
  this.timeout(240_000);
  let wb: Workbench;

  before(async () => {
    wb = await openWorkbench();
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await wb?.reportFailure(this.currentTest.title);
  });
  after(async () => {
    await wb?.close();
  });

  it('a 4096 × 4096 map dropped on a campaign’s Assets node is added (the kind and tags asked), counted, and shown in the gallery', async () => {
    const { page } = wb;
    const map = bigMap();
    await openCampaignVaultView(page);
    await page.locator('.welcome-view-content').getByRole('button', { name: 'Create Vault' }).click();
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Create without encryption' }).click();
    await page.locator('.welcome-view-content').getByRole('button', { name: 'New Campaign' }).click();
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill('Tomb of the Drowned King');
    await page.keyboard.press('Enter');
    await expandRow(page, 'Tomb of the Drowned King');
    await runFromPalette(page, 'Notifications: Clear All Notifications');

    await dropFileOnRow(page, 'Assets', { name: 'drowned-crypt.png', type: 'image/png', bytes: map });
    // Add Asset's own questions: the kind, then the tags.
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Map' }).first().click();
    await input.waitFor({ state: 'visible' });
    await input.fill('crypt, session 4');
    await page.keyboard.press('Enter');
    await page.locator('.notification-toast', { hasText: 'Added the asset “drowned-crypt”' }).waitFor({ state: 'visible', timeout: 60_000 });
    await row(page, 'Assets').locator('.label-description', { hasText: /^1$/ }).waitFor({ state: 'visible' });
    await wb.screenshot('drop-added');

    await row(page, 'Assets').click();
    const frame = webviewFrame(page);
    await frame.locator('.tile .frame img').first().waitFor({ state: 'visible', timeout: 60_000 });
    const [w, h, blob] = await frame.locator('.tile .frame img').first().evaluate((i: HTMLImageElement) => [i.naturalWidth, i.naturalHeight, i.src.startsWith('blob:')]);
    assert.ok(Number(w) === 256 && Number(h) === 256, `a 256-pixel thumbnail, not ${String(w)}×${String(h)}`);
    assert.equal(blob, true);
    await frame.locator('.tile', { hasText: 'drowned-crypt' }).waitFor({ state: 'visible' });
    await wb.screenshot('drop-gallery');
  });

  it('a PDF dropped on Rulebooks becomes a book, and a link …/rulebook?book=…&page=12 opened in VS Code shows that page', async () => {
    const { page } = wb;
    await runFromPalette(page, 'Notifications: Clear All Notifications');
    await dropFileOnRow(page, 'Rulebooks', { name: 'minimal-opend6-srd.pdf', type: 'application/pdf', bytes: readFileSync(join(root, 'test/fixtures/rulebooks/minimal-opend6-srd.pdf')) });
    const added = page.locator('.notification-toast', { hasText: /Added the rulebook .*: 83 pages/ });
    await added.waitFor({ state: 'visible', timeout: 120_000 });
    const book = /“(.+)”/.exec((await added.innerText()) ?? '')?.[1];
    assert.ok(book, 'the message names the book');
    await row(page, 'Rulebooks').locator('.label-description', { hasText: /^1$/ }).waitFor({ state: 'visible' });

    // VS Code's own way in for a link (what the operating system hands it): Developer: Open URL.
    await runFromPalette(page, 'Developer: Open URL');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`code-oss://campaign-vault.campaign-vault/rulebook?book=${encodeURIComponent(book)}&page=12`);
    await page.keyboard.press('Enter');
    // VS Code asks before it hands a link to an extension.
    const allow = page.locator('.monaco-dialog-box').getByRole('button', { name: 'Open' });
    await allow.waitFor({ state: 'visible' });
    await wb.screenshot('link-confirm');
    await allow.click();
    const frame = webviewFrame(page);
    await frame.locator('#canvas[aria-label="Page 12"]').waitFor({ state: 'attached', timeout: 60_000 });
    await frame.locator('#count', { hasText: 'of 83' }).waitFor({ state: 'visible' });
    await wb.screenshot('link-page');
  });
});
