import * as assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { type Workbench, openCampaignVaultView, openWorkbench, runFromPalette } from './workbench';

describe(`Campaign Vault in the workbench (VS Code via code-server, ${process.env.CV_VSCODE ?? 'newest'})`, function () {
  this.timeout(120_000);
  let wb: Workbench;

  before(async () => {
    wb = await openWorkbench();
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await wb?.reportFailure(this.currentTest.title);
    // Leave no toast or palette open for the next test.
    await wb?.page.keyboard.press('Escape');
  });
  after(async () => {
    await wb?.close();
  });

  it('is installed from the packaged .vsix', () => {
    const installed = readdirSync(wb.run.extensionsDir).filter((d) => d.startsWith('campaign-vault.campaign-vault-'));
    assert.equal(installed.length, 1, `extensions dir holds ${readdirSync(wb.run.extensionsDir).join(', ')}`);
  });

  it('opens its view from the activity bar and shows the welcome content', async () => {
    await openCampaignVaultView(wb.page);
    const welcome = wb.page.locator('.welcome-view-content', { hasText: 'encrypted inside this workspace' });
    await welcome.waitFor({ state: 'visible' });
    await wb.page.getByRole('button', { name: 'Create Vault' }).waitFor({ state: 'visible' });
    await wb.screenshot('sidebar-welcome');
  });

  it('shows in the status bar that the workspace has no vault yet', async () => {
    await wb.page.locator('.statusbar-item', { hasText: 'No vault' }).first().waitFor({ state: 'visible' });
  });

  it('runs "Campaign Vault: Show Status" from the F1 palette and shows its result', async () => {
    await runFromPalette(wb.page, 'Campaign Vault: Show Status');
    const toast = wb.page.locator('.notification-toast', { hasText: 'No vault in this workspace yet' });
    await toast.waitFor({ state: 'visible' });
    assert.match(await toast.innerText(), /Campaign Vault 0\.1\.0/);
    await wb.page.waitForTimeout(500);
    await wb.screenshot('palette-show-status');
  });

  it('opens its log from the welcome view, showing that it started', async () => {
    await openCampaignVaultView(wb.page);
    await wb.page.locator('.welcome-view-content a', { hasText: 'Show the log' }).click();
    await wb.page.locator('.panel .view-lines', { hasText: 'Campaign Vault ready' }).first().waitFor({ state: 'visible' });
    await wb.screenshot('log');
  });
});
