import * as assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as vscode from 'vscode';
import type { DataManager } from '../../src/core/api';
import type { KdfParams } from '../../src/core/crypto/kdf';
import type { CampaignVaultApi, CampaignVaultTesting } from '../../src/vscode/api';
import { ScriptedPrompter } from '../support/scriptedPrompter';
import { until } from '../support/until';

const EXTENSION_ID = 'campaign-vault.campaign-vault';
const FAST_KDF: KdfParams = { algorithm: 'argon2id', memoryKiB: 8, iterations: 1, parallelism: 1 };
const IMAGES = resolve(__dirname, '../../../test/fixtures/images');
const MB = 1024 * 1024;

describe('Campaign Vault: the cache settings (campaignVault.cache.*) apply without a reload', function () {
  this.timeout(180_000);
  let testing: CampaignVaultTesting;
  let folder: vscode.WorkspaceFolder;
  let vaultDir: string;
  const ui = new ScriptedPrompter();
  const dm = (): DataManager => testing.dataManager(folder.uri)!;
  const config = () => vscode.workspace.getConfiguration('campaignVault.cache');
  const reset = async () => {
    await config().update('maxSizeMB', undefined, vscode.ConfigurationTarget.Global);
    await config().update('ttlDays', undefined, vscode.ConfigurationTarget.Global);
  };

  before(async () => {
    const api = await vscode.extensions.getExtension<CampaignVaultApi>(EXTENSION_ID)!.activate();
    testing = api._testing!;
    folder = vscode.workspace.workspaceFolders![0]!;
    vaultDir = join(folder.uri.fsPath, '.campaign-vault');
    await fs.rm(vaultDir, { recursive: true, force: true });
    testing.setKdf(FAST_KDF);
    testing.setPrompter(ui);
    await vscode.commands.executeCommand('campaignVault.refresh');
    await dm().createVault('cached thumbnails 12');
    await vscode.commands.executeCommand('campaignVault.refresh');
  });

  afterEach(function () {
    ui.finishTest(this.currentTest?.state);
  });

  after(async () => {
    await reset();
    await dm()?.lock();
    await fs.rm(vaultDir, { recursive: true, force: true });
    testing?.setPrompter(undefined);
    testing?.setKdf(undefined);
    await vscode.commands.executeCommand('campaignVault.refresh');
  });

  it('starts with the defaults: 500 MB on disk, 30 days', async () => {
    const cache = await testing.cache();
    assert.equal(cache.maxDiskBytes, 500 * MB);
    assert.equal(cache.ttlMs, 30 * 86_400_000);
  });

  it('a smaller maxSizeMB evicts the least recently used thumbnails from disk at once; the default again keeps new ones', async () => {
    for (const name of ['texture-iran-small.jpg', 'page-0-X0.png', 'smile.png', 'image.jpg']) {
      const { asset } = await dm().assets.add(new Uint8Array(readFileSync(join(IMAGES, name))), { name });
      await dm().assets.thumbnail(asset);
    }
    const before = await testing.cache();
    assert.ok(before.stats.diskBytes > 0, 'the thumbnails are on disk');
    const evictedBefore = before.stats.namespaces.find((n) => n.namespace === 'thumbnails')?.evictions ?? 0;
    const limitMB = before.stats.diskBytes / 3 / MB;
    await config().update('maxSizeMB', limitMB, vscode.ConfigurationTarget.Global);
    const after = await until('the smaller limit to apply', async () => {
      const c = await testing.cache();
      return c.maxDiskBytes === Math.round(limitMB * MB) && c.stats.diskBytes <= c.maxDiskBytes ? c : undefined;
    });
    const thumbs = after.stats.namespaces.find((n) => n.namespace === 'thumbnails')!;
    assert.ok(thumbs.evictions > evictedBefore, `evictions ${evictedBefore} → ${thumbs.evictions}`);
    assert.ok(after.stats.diskBytes < before.stats.diskBytes);

    await config().update('maxSizeMB', undefined, vscode.ConfigurationTarget.Global);
    await until('the default limit again', async () => (await testing.cache()).maxDiskBytes === 500 * MB);
  });

  it('a new ttlDays applies; a value out of range is not used (the default is) and the user is told once', async () => {
    await config().update('ttlDays', 7, vscode.ConfigurationTarget.Global);
    await until('a TTL of 7 days', async () => (await testing.cache()).ttlMs === 7 * 86_400_000);
    await config().update('maxSizeMB', -20, vscode.ConfigurationTarget.Global);
    const told = await until('the warning about maxSizeMB', () => ui.shown('cache-setting')[0]);
    assert.equal(told.severity, 'warning');
    assert.match(told.text, /campaignVault\.cache\.maxSizeMB must be a number from 0 to 102400; it is -20, so 500 is used/);
    assert.equal((await testing.cache()).maxDiskBytes, 500 * MB);
    assert.equal((await testing.cache()).ttlMs, 7 * 86_400_000, 'the valid setting still applies');
    await config().update('ttlDays', 8, vscode.ConfigurationTarget.Global);
    await until('a TTL of 8 days', async () => (await testing.cache()).ttlMs === 8 * 86_400_000);
    assert.equal(ui.shown('cache-setting').length, 1, 'told once, not on every change');
    await reset();
    await until('the defaults again', async () => (await testing.cache()).ttlMs === 30 * 86_400_000);
  });
});
