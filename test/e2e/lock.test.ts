import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { type Workbench, expandRow, openCampaignVaultView, openWorkbench, root, row, runFromPalette } from './workbench';

const PASSWORD = 'lantern of the deep 7';
/** Decrypted text of the two entries opened: none of it may be on screen once the vault is locked. */
const SECRETS = ['Curse of Strahd', 'Ireena', 'Kolyana', 'Marked thrice by the vampire', 'Ismark', 'silver key'];

/** An encrypted vault in the workspace, made with the command-line tool before the workbench starts. */
function encryptedVault(workspace: string): void {
  const cli = (...args: string[]) => execFileSync(process.execPath, [join(root, 'dist/cli.js'), ...args, '--dir', workspace], { env: { ...process.env, CAMPAIGN_VAULT_PASSWORD: PASSWORD }, stdio: 'pipe' });
  // The web workbench auto-saves after a second by default; the edit typed below must stay unsaved.
  mkdirSync(join(workspace, '.vscode'), { recursive: true });
  writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'files.autoSave': 'off' }));
  cli('init');
  cli('create', 'campaign', '--name', 'Curse of Strahd');
  cli('create', 'character', '--name', 'Ireena Kolyana', '--campaign', 'Curse of Strahd', '--set', 'class=Fighter', '--set', 'level=3', '--set', 'biography=Marked thrice by the vampire of Barovia');
  cli('create', 'npc', '--name', 'Ismark the Lesser', '--campaign', 'Curse of Strahd', '--set', 'notes=Hides the silver key in the church');
}

/** Everything the workbench shows as text: the page, every frame (webviews) and the window title. */
async function visibleText(page: Page): Promise<string> {
  const texts = await Promise.all(page.frames().map((f) => f.evaluate(() => document.body?.innerText ?? '').catch(() => '')));
  return [await page.title(), ...texts].join('\n');
}

async function unlockFromStatusBar(page: Page): Promise<void> {
  await page.locator('.statusbar-item', { hasText: 'Vault locked' }).first().click();
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(PASSWORD);
  await page.keyboard.press('Enter');
  await page.locator('.statusbar-item', { hasText: 'Vault unlocked' }).first().waitFor({ state: 'visible' });
}

describe(`Campaign Vault: Lock takes an encrypted campaign off the screen (${process.env.CV_VSCODE ?? 'newest'})`, function () {
  this.timeout(180_000);
  let wb: Workbench;

  before(async () => {
    wb = await openWorkbench({ prepare: encryptedVault });
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await wb?.reportFailure(this.currentTest.title);
  });
  after(async () => {
    await wb?.close();
  });

  it('shows a character sheet and a YAML entry of the unlocked vault', async () => {
    const { page } = wb;
    await unlockFromStatusBar(page);
    await openCampaignVaultView(page);
    await expandRow(page, 'Curse of Strahd');
    await row(page, 'NPCs').filter({ hasText: '1' }).waitFor({ state: 'visible' });
    await expandRow(page, 'NPCs');
    await row(page, 'Ismark the Lesser').dblclick(); // kept open (not a preview the next entry replaces)
    await page.locator('.editor-instance .view-lines', { hasText: 'silver key' }).first().waitFor({ state: 'visible' });
    await expandRow(page, 'Characters');
    await row(page, 'Ireena Kolyana').click();
    await page.locator('.tab', { hasText: 'Ireena Kolyana.yaml' }).waitFor({ state: 'visible' });
    await page.locator('.editor-instance .view-lines', { hasText: 'Marked thrice by the vampire' }).first().waitFor({ state: 'visible' });
    await runFromPalette(page, 'Campaign Vault: Open as Character Sheet');
    const sheet = page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
    await sheet.getByText('Ireena Kolyana', { exact: true }).first().waitFor({ state: 'visible' });
    // An unsaved edit, typed into the YAML.
    await page.locator('.editor-instance .view-lines', { hasText: 'Marked thrice' }).first().click();
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Shift+Home');
    await page.keyboard.insertText('xp: 900');
    await page.locator('.tab.dirty', { hasText: 'Ireena Kolyana.yaml' }).first().waitFor({ state: 'visible' });
    await sheet.getByText('900', { exact: true }).first().waitFor({ state: 'visible' }); // the extension host has the edit
    const before = await visibleText(page);
    // The check below reads what this reads: here it must find the entries.
    for (const s of ['Ireena Kolyana', 'Ismark the Lesser', 'Marked thrice by the vampire']) assert.ok(before.includes(s), `"${s}" is not on screen before Lock`);
    await wb.screenshot('before-lock');
  });

  it('locks from the status bar after "Save and Lock", and then no decrypted text is anywhere on screen', async () => {
    const { page } = wb;
    await page.locator('.statusbar-item', { hasText: 'Vault unlocked' }).first().click();
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible' });
    assert.match(await dialog.innerText(), /has unsaved changes/);
    await dialog.getByRole('button', { name: 'Save and Lock' }).click();
    await page.locator('.statusbar-item', { hasText: 'Vault locked' }).first().waitFor({ state: 'visible' });
    await page.locator('.tab').first().waitFor({ state: 'detached' });
    await page.locator('.welcome-view-content', { hasText: /locked/i }).first().waitFor({ state: 'visible' });
    await page.waitForTimeout(1000); // anything that would still show up
    const file = await wb.screenshot('after-lock');
    const text = await visibleText(page);
    const shown = SECRETS.filter((s) => text.includes(s));
    assert.deepEqual(shown, [], `decrypted text on screen after Lock (screenshot ${file}):\n${text}`);
  });

  it('brings the sheet and the YAML back after Unlock, with the saved edit', async () => {
    const { page } = wb;
    await unlockFromStatusBar(page);
    await page.locator('.tab', { hasText: 'Ismark the Lesser.yaml' }).waitFor({ state: 'visible' });
    await page.locator('.tab', { hasText: 'Ireena Kolyana.yaml' }).first().waitFor({ state: 'visible' });
    const sheet = page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
    await sheet.getByText('Ireena Kolyana', { exact: true }).first().waitFor({ state: 'visible' });
    // The edit was saved into the vault: the YAML, read from it again, has it.
    await page.locator('.editor-instance .view-lines', { hasText: 'xp: 900' }).first().waitFor({ state: 'visible' });
    assert.equal(await page.locator('.tab.dirty').count(), 0);
    await wb.screenshot('after-unlock');
  });
});
