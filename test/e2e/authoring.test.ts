import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { type Workbench, expandRow, openCampaignVaultView, openWorkbench, row, runFromPalette } from './workbench';


/** The content of the active webview (code-server nests it in two iframes). */
const sheetFrame = (page: Page): FrameLocator => page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');

/** Waits until an input of the sheet shows `value`. */
async function waitForValue(page: Page, input: Locator, value: string): Promise<void> {
  const started = Date.now();
  while ((await input.inputValue()) !== value) {
    if (Date.now() - started > 15_000) throw new Error(`the sheet shows ${await input.inputValue()}, not ${value}`);
    await page.waitForTimeout(200);
  }
}

async function typeInQuickInput(page: Page, text: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(text);
  await page.keyboard.press('Enter');
}

/** Replaces the whole text of the active text editor by typing, as a user would. */
async function replaceEditorText(page: Page, text: string): Promise<void> {
  await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  // Typing a newline auto-indents; insert each line at column 0 instead.
  for (const [i, line] of text.split('\n').entries()) {
    if (i > 0) {
      // A suggestion list open after the line (completions of names and values) would take the Enter.
      await page.keyboard.press('Escape');
      await page.keyboard.press('Enter');
      await page.keyboard.press('Home');
      await page.keyboard.press('Shift+Home');
      await page.keyboard.press('Delete');
    }
    await page.keyboard.insertText(line);
  }
}

describe(`Campaign Vault: authoring a campaign in the workbench (${process.env.CV_VSCODE ?? 'newest'})`, function () {
  this.timeout(180_000);
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

  it('creates a vault and a campaign from the sidebar', async () => {
    const { page } = wb;
    await openCampaignVaultView(page);
    await page.locator('.welcome-view-content').getByRole('button', { name: 'Create Vault' }).click();
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Create without encryption' }).click();
    await page.locator('.welcome-view-content').getByRole('button', { name: 'New Campaign' }).click();
    await typeInQuickInput(page, 'Lost Mine of Phandelver');
    await row(page, 'Lost Mine of Phandelver').waitFor({ state: 'visible' });
    await page.locator('.tab', { hasText: 'campaign.yaml' }).waitFor({ state: 'visible' });
  });

  it('imports a Foundry hero through the file dialog and opens its YAML from the tree', async () => {
    const { page } = wb;
    await runFromPalette(page, 'Campaign Vault: Import…');
    // code-server's file dialog is a quick input that takes a path.
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    // Wait for the dialog to show the workspace folder before typing over it.
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'characters' }).first().waitFor({ state: 'visible' });
    await input.fill(join(wb.workspace, 'characters', 'randal-human-fighter.yml'));
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'randal-human-fighter.yml' }).first().waitFor({ state: 'visible' });
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Lost Mine of Phandelver' }).first().click();
    await page.locator('.notification-toast', { hasText: /Imported 1 character, \d+ items into Lost Mine of Phandelver/ }).waitFor({ state: 'visible' });
    await openCampaignVaultView(page);
    await expandRow(page, 'Lost Mine of Phandelver');
    await row(page, 'Characters').filter({ hasText: '1' }).waitFor({ state: 'visible' });
    await expandRow(page, 'Characters');
    const randal = row(page, 'Randal (Human Fighter)');
    await randal.waitFor({ state: 'visible' });
    await randal.click();
    await page.locator('.tab', { hasText: 'Randal (Human Fighter).yaml' }).waitFor({ state: 'visible' });
    await page.locator('.editor-instance .view-lines', { hasText: 'class: Fighter' }).first().waitFor({ state: 'visible' });
    await wb.screenshot('imported-hero');
  });

  it('opens the imported hero\'s sheet beside its YAML; the sheet follows an HP change, and writes one back', async () => {
    const { page } = wb;
    await runFromPalette(page, 'Campaign Vault: Open as Character Sheet');
    const sheet = sheetFrame(page);
    await sheet.getByText('Randal (Human Fighter)', { exact: true }).first().waitFor({ state: 'visible' });
    const hp = sheet.locator('input[aria-label="Current hit points"]').first();
    await waitForValue(page, hp, '12');
    // In the YAML beside it, find the current HP and type over it.
    await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    // Find scrolls the line into view; then click it, select its text and type over it.
    await page.keyboard.press('Control+F');
    await page.keyboard.insertText('current: 12');
    await page.keyboard.press('Enter');
    await page.locator('.editor-instance .view-line', { hasText: 'current: 12' }).first().click();
    await page.keyboard.press('End');
    await page.keyboard.press('Shift+Home');
    await page.keyboard.insertText('current: 5');
    await waitForValue(page, hp, '5');
    // And the other way: a field typed in the sheet lands in the YAML.
    await hp.fill('9');
    await hp.press('Enter');
    await page.locator('.editor-instance .view-lines', { hasText: 'current: 9' }).first().waitFor({ state: 'visible' });
    await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+S');
    await page.locator('.tab.dirty', { hasText: 'Randal (Human Fighter).yaml' }).first().waitFor({ state: 'detached' });
    await wb.screenshot('character-sheet');
  });

  it("opens an item the sheet links to (the importer's item_id) by clicking its name", async () => {
    const { page } = wb;
    const sheet = sheetFrame(page);
    const crowbar = sheet.getByRole('button', { name: 'Crowbar', exact: true });
    await crowbar.scrollIntoViewIfNeeded();
    await wb.screenshot('sheet-linked-items');
    await crowbar.click();
    await page.locator('.tab', { hasText: 'Crowbar.yaml' }).waitFor({ state: 'visible' });
  });

  it('adds a character from the tree, edits its YAML and saves it', async () => {
    const { page } = wb;
    await runFromPalette(page, 'View: Close All Editors');
    await page.locator('.tab').first().waitFor({ state: 'detached' });
    await row(page, 'Characters').hover();
    await row(page, 'Characters').locator('.action-label[aria-label="New Entry"]').click();
    await typeInQuickInput(page, 'Zanna');
    await page.locator('.tab', { hasText: 'Zanna.yaml' }).waitFor({ state: 'visible' });
    await replaceEditorText(page, 'name: Zanna\nclass: Wizard\nlevel: 1\nrace: Gnome\nabilities:\n  str: 8\n  dex: 12\n  con: 15\n  int: 17\n  wis: 13\n  cha: 10\nhp:\n  max: 8\n  current: 8');
    await page.keyboard.press('Control+S');
    await page.locator('.tab.dirty', { hasText: 'Zanna.yaml' }).waitFor({ state: 'detached' });
    await row(page, 'Zanna').filter({ hasText: 'Gnome Wizard · level 1' }).waitFor({ state: 'visible' });
    await wb.screenshot('sidebar-campaign');
  });

  it('shows a value outside the rules on the sheet, marked with why, and a one-line personality', async () => {
    const { page } = wb;
    // Type over Zanna's Dexterity in the YAML, and add a personality written as one line.
    await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+F');
    await page.keyboard.insertText('dex: 12');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Escape');
    await page.locator('.editor-instance .view-line', { hasText: 'dex: 12' }).first().click();
    await page.keyboard.press('End');
    await page.keyboard.press('Shift+Home');
    await page.keyboard.insertText('dex: 99');
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Shift+Home');
    await page.keyboard.insertText('personality: Smiles too much');
    await page.locator('.editor-instance .view-lines', { hasText: 'personality: Smiles too much' }).first().waitFor({ state: 'visible' });
    await runFromPalette(page, 'Campaign Vault: Open as Character Sheet');
    const sheet = sheetFrame(page);
    const dex = sheet.locator('input[aria-label="Dexterity score"]').first();
    await waitForValue(page, dex, '99');
    assert.equal(await dex.getAttribute('aria-invalid'), 'true');
    assert.match((await dex.getAttribute('aria-description')) ?? '', /Dexterity 99 is above 30, the most the rules allow/);
    // Initiative +44 is shown, marked, and says why.
    const initiative = sheet.locator('[role="group"][aria-label="Initiative"] .value').first();
    await initiative.waitFor({ state: 'visible' });
    assert.match(await initiative.innerText(), /\+44/);
    assert.match((await initiative.getAttribute('class')) ?? '', /\binvalid\b/);
    assert.equal(await initiative.getAttribute('aria-description'), 'Outside the rules: Dexterity 99 is above 30, the most the rules allow.');
    assert.equal(await initiative.locator('.invalid-mark').count(), 1);
    // Only the Dexterity modifier is marked: the other five scores are fine.
    assert.equal(await sheet.locator('.ability-mod.invalid').count(), 1);
    await sheet.getByText('Smiles too much', { exact: true }).first().waitFor({ state: 'visible' });
    await wb.screenshot('sheet-outside-rules');
    // Put the file back as it was saved (the sheet and the text are one document), and close the sheet.
    await runFromPalette(page, 'View: Revert and Close Editor');
    await page.locator('.tab.dirty', { hasText: 'Zanna.yaml' }).first().waitFor({ state: 'detached' });
    await runFromPalette(page, 'Notifications: Clear All Notifications');
    await page.locator('.editor-instance .view-lines', { hasText: 'dex: 12' }).first().waitFor({ state: 'visible' });
  });

  it('marks invalid YAML as it is typed; auto save, refused meanwhile, resumes once it is valid again', async () => {
    const { page } = wb;
    const editor = page.locator('.editor-instance .monaco-editor .view-lines').first();
    await editor.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Shift+Home');
    await page.keyboard.insertText('level: [1');
    await page.locator('.squiggly-error').first().waitFor({ state: 'visible' });
    await runFromPalette(page, 'View: Focus Problems (Errors, Warnings, Infos)');
    await page.locator('.markers-panel .monaco-list-row', { hasText: /Campaign Vault/ }).first().waitFor({ state: 'visible' });
    await wb.screenshot('yaml-diagnostic');
    // The web workbench auto saves after a second: that save is refused, and VS Code says so.
    const refused = page.locator('.notifications-toasts .notification-list-item', { hasText: "Failed to save 'Zanna.yaml'" });
    await refused.first().waitFor({ state: 'visible' });
    // Typing a valid state again saves it with no Ctrl+S, and the stale toast goes with it.
    await editor.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Shift+Home');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await page.locator('.tab.dirty', { hasText: 'Zanna.yaml' }).waitFor({ state: 'detached' });
    await refused.first().waitFor({ state: 'detached' });
    assert.equal(await page.locator('.squiggly-error').count(), 0);
  });

  it('shows a hostile name as text, in the tree and in the sheet, and runs none of it', async () => {
    const { page } = wb;
    const hostile = '<img src=x onerror="document.title=1">Mask';
    await openCampaignVaultView(page);
    await row(page, 'NPCs').hover();
    await row(page, 'NPCs').locator('.action-label[aria-label="New Entry"]').click();
    await typeInQuickInput(page, hostile);
    await page.locator('.tab', { hasText: 'Mask.yaml' }).waitFor({ state: 'visible' });
    await row(page, 'NPCs').filter({ hasText: '1' }).waitFor({ state: 'visible' });
    // Expand NPCs with the keyboard (a click on a row that just gained children can land mid-redraw).
    for (let i = 0; i < 5 && !(await row(page, hostile).isVisible()); i++) {
      await row(page, 'NPCs').click();
      if ((await row(page, 'NPCs').getAttribute('aria-expanded')) !== 'true') await page.keyboard.press('ArrowRight');
      await page.waitForTimeout(300);
    }
    await row(page, hostile).waitFor({ state: 'visible' });
    await page.locator('.tab', { hasText: 'Mask.yaml' }).click();
    await runFromPalette(page, 'Campaign Vault: Open as Character Sheet');
    const sheet = sheetFrame(page);
    await sheet.getByText(hostile, { exact: true }).first().waitFor({ state: 'visible' });
    assert.equal(await sheet.locator('img').count(), 0, 'the name became an element');
    assert.notEqual(await page.title(), '1');
    await wb.screenshot('hostile-name');
  });

  it('backs up from the palette: the snapshot appears in the Backups view and the status bar says when', async () => {
    const { page } = wb;
    await openCampaignVaultView(page);
    await runFromPalette(page, 'Campaign Vault: Create Backup');
    await typeInQuickInput(page, 'before session 1');
    await page.locator('.notifications-toasts', { hasText: /Backup [0-9a-f]{8} made/ }).waitFor({ state: 'visible' });
    await page.locator('.sidebar .monaco-list-row', { hasText: 'manual · before session 1' }).first().waitFor({ state: 'visible' });
    await page.locator('.statusbar-item', { hasText: 'Backup just now' }).waitFor({ state: 'visible' });
    await runFromPalette(page, 'Campaign Vault: Check Integrity');
    await page.locator('.notifications-toasts', { hasText: 'The vault is whole' }).waitFor({ state: 'visible' });
    await wb.screenshot('backups');
  });
});
