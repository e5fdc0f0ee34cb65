import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { waitForWorkbench } from '../../scripts/lib/harness.mjs';
import { type Workbench, expandRow, openCampaignVaultView, openWorkbench, root, row } from './workbench';

const PASSWORD = 'cloud giant castle 12';

/** An encrypted vault with nested locations and a session, made with the command-line tool. */
function vaultWithPlaces(workspace: string): void {
  const cli = (...args: string[]) =>
    execFileSync(process.execPath, [join(root, 'dist/cli.js'), ...args, '--dir', workspace], { env: { ...process.env, CAMPAIGN_VAULT_PASSWORD: PASSWORD }, stdio: 'pipe' })
      .toString()
      .trim();
  cli('init');
  cli('create', 'campaign', '--name', 'Storm King');
  const coast = cli('create', 'location', '--name', 'Sword Coast', '--campaign', 'Storm King');
  cli('create', 'location', '--name', 'Triboar', '--campaign', 'Storm King', '--set', `parent_id=${coast}`);
  cli('create', 'session', '--name', 'Uthgardt Barrows', '--campaign', 'Storm King', '--set', 'number=3', '--set', 'notes=# Session 3\n\nThe giants attacked Triboar.');
}

async function unlockFromStatusBar(page: Page): Promise<void> {
  await page.locator('.statusbar-item', { hasText: 'Vault locked' }).first().click();
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(PASSWORD);
  await page.keyboard.press('Enter');
  await page.locator('.statusbar-item', { hasText: 'Vault unlocked' }).first().waitFor({ state: 'visible' });
}

const expanded = async (page: Page, label: string) => (await row(page, label).getAttribute('aria-expanded')) === 'true';

describe(`Campaign Vault: the Campaigns view in the workbench (${process.env.CV_VSCODE ?? 'newest'})`, function () {
  this.timeout(180_000);
  let wb: Workbench;

  before(async () => {
    wb = await openWorkbench({ prepare: vaultWithPlaces });
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await wb?.reportFailure(this.currentTest.title);
  });
  after(async () => {
    await wb?.close();
  });

  it('expands a location with locations under it on a click, and opens it from its inline "Open"', async () => {
    const { page } = wb;
    await unlockFromStatusBar(page);
    await openCampaignVaultView(page);
    await expandRow(page, 'Storm King');
    await expandRow(page, 'Locations');
    await row(page, 'Sword Coast').click();
    await row(page, 'Triboar').waitFor({ state: 'visible' });
    assert.equal(await expanded(page, 'Sword Coast'), true);
    assert.equal(await page.locator('.tab').count(), 0, 'the click opened an editor instead of expanding');
    await row(page, 'Sword Coast').hover();
    await row(page, 'Sword Coast').getByRole('button', { name: 'Open', exact: true }).click();
    await page.locator('.tab', { hasText: 'Sword Coast.yaml' }).waitFor({ state: 'visible' });
    assert.equal(await expanded(page, 'Sword Coast'), true, 'Open left the location expanded');
    await wb.screenshot('location-expanded');
  });

  it('opens a session as its notes with the Markdown preview beside them', async () => {
    const { page } = wb;
    await expandRow(page, 'Sessions');
    await row(page, 'Uthgardt Barrows').click();
    await page.locator('.tab', { hasText: 'Uthgardt Barrows.md' }).first().waitFor({ state: 'visible' });
    await page.locator('.tab', { hasText: 'Preview Uthgardt Barrows.md' }).waitFor({ state: 'visible' });
    const preview = page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
    await preview.getByRole('heading', { name: 'Session 3' }).waitFor({ state: 'visible' });
    await wb.screenshot('session-notes');
  });

  it('shows the same nodes expanded after Lock and Unlock, and after a reload', async () => {
    const { page } = wb;
    await page.locator('.statusbar-item', { hasText: 'Vault unlocked' }).first().click();
    await page.locator('.statusbar-item', { hasText: 'Vault locked' }).first().waitFor({ state: 'visible' });
    await row(page, 'Storm King').waitFor({ state: 'detached' });
    await unlockFromStatusBar(page);
    await openCampaignVaultView(page);
    await row(page, 'Triboar').waitFor({ state: 'visible' });
    await row(page, 'Uthgardt Barrows').waitFor({ state: 'visible' });
    for (const label of ['Storm King', 'Locations', 'Sword Coast', 'Sessions']) assert.equal(await expanded(page, label), true, `${label} is collapsed after Unlock`);
    assert.equal(await expanded(page, 'Characters'), false, 'a node never expanded stays collapsed');

    await page.reload();
    await waitForWorkbench(page);
    await unlockFromStatusBar(page);
    await openCampaignVaultView(page);
    await row(page, 'Triboar').waitFor({ state: 'visible' });
    for (const label of ['Storm King', 'Locations', 'Sword Coast']) assert.equal(await expanded(page, label), true, `${label} is collapsed after a reload`);
    await wb.screenshot('expanded-after-reload');
  });
});
