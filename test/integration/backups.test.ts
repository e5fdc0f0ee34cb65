import * as assert from 'node:assert/strict';
import { existsSync, promises as fs, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { DataManager } from '../../src/core/api';
import type { PruneReport, SnapshotInfo, VerifyReport } from '../../src/core/backup/types';
import type { KdfParams } from '../../src/core/crypto/kdf';
import type { IntegrityReport } from '../../src/core/integrity';
import { ZSTD_DB_LEVEL } from '../../src/core/backup/codec';
import { nodeHostZstd } from '../../src/node/codec';
import { nodeDataManager } from '../../src/node/dataManager';
import type { CampaignVaultApi, CampaignVaultTesting } from '../../src/vscode/api';
import { BackupRepository } from '../../src/core/backup/repository';
import { isVaultError } from '../../src/core/errors';
import { repositoryDeps } from '../../src/node/backups';
import { ScriptedPrompter } from '../support/scriptedPrompter';
import { until } from '../support/until';

const EXTENSION_ID = 'campaign-vault.campaign-vault';
const FAST_KDF: KdfParams = { algorithm: 'argon2id', memoryKiB: 8, iterations: 1, parallelism: 1 };

describe('Campaign Vault: backups, restore and integrity in VS Code', function () {
  this.timeout(120_000);
  let api: CampaignVaultApi;
  let testing: CampaignVaultTesting;
  let folder: vscode.WorkspaceFolder;
  let vaultDir: string;
  const ui = new ScriptedPrompter();
  const run = <T>(command: string, ...args: unknown[]) => vscode.commands.executeCommand<T>(`campaignVault.${command}`, ...args);
  const dm = (): DataManager => testing.dataManager(folder.uri)!;
  const snapshots = async () => (await testing.backupViews('backups')).filter((i) => i.contextValue === 'snapshot');
  let campaignId = '';
  let zanna = '';
  let mapHash = '';
  const scratch = mkdtempSync(join(tmpdir(), 'cv-backups-it-'));

  before(async () => {
    api = await vscode.extensions.getExtension<CampaignVaultApi>(EXTENSION_ID)!.activate();
    testing = api._testing!;
    folder = vscode.workspace.workspaceFolders![0]!;
    vaultDir = join(folder.uri.fsPath, '.campaign-vault');
    await fs.rm(vaultDir, { recursive: true, force: true });
    testing.setKdf(FAST_KDF);
    testing.setPrompter(ui);
    await run('refresh');
    await dm().createVault();
    await run('refresh');
    const c = await dm().createCampaign({ name: 'Lost Mine of Phandelver' });
    campaignId = c.id;
    zanna = (await dm().createCharacter({ name: 'Zanna', campaign_id: c.id, class: 'Wizard', level: 3 })).id;
    await dm().createNpc({ name: 'Sildar Hallwinter', campaign_id: c.id });
    mapHash = String((await dm().addFile(new Uint8Array(40_000).map((_, i) => i % 253), { name: 'Phandalin map', campaign_id: c.id })).hash);
    await run('refreshBackups');
  });

  afterEach(function () {
    ui.finishTest(this.currentTest?.state);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('campaignVault.backup').update('keepLast', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await dm()?.lock();
    await fs.rm(vaultDir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
    testing?.setPrompter(undefined);
    testing?.setKdf(undefined);
    await run('refresh');
  });

  it('Create Backup asks for a note, shows the snapshot in the Backups view and the time in the status bar', async () => {
    assert.deepEqual(await snapshots(), [], 'no backups yet: the view shows its welcome');
    assert.match(testing.backupStatus().text, /No backup yet/);
    ui.play({ input: 'backup-note', answer: 'before session 1' });
    const snap = await run<SnapshotInfo>('createBackup');
    assert.equal(snap.note, 'before session 1');
    assert.equal(snap.counts.files, 1);
    assert.match(ui.shown('backed-up')[0]?.text ?? '', new RegExp(`Backup ${snap.shortId} made`));
    assert.equal(ui.progresses.at(-1)?.cancellable, true);
    const items = await snapshots();
    assert.equal(items.length, 1);
    assert.match(items[0]!.description ?? '', /manual · before session 1/);
    assert.match(testing.backupStatus().text, /Backup just now/);
    assert.ok(existsSync(join(vaultDir, 'backups', 'repo.json')), 'the repository is inside the vault folder by default');
  });

  it('a cancelled backup records nothing', async () => {
    ui.play({ input: 'backup-note', answer: '' });
    ui.cancel.add('backup');
    assert.equal(await run('createBackup'), undefined);
    assert.match(ui.shown('cancelled')[0]?.text ?? '', /cancelled/i);
    assert.equal((await snapshots()).length, 1);
  });

  it('Restore Backup… from the view puts the whole vault back after a safety backup', async () => {
    await dm().updateCharacter(zanna, { level: 9 });
    await dm().createCampaign({ name: 'Curse of Strahd' });
    const [item] = await snapshots();
    ui.play({ pick: 'restore-how', label: 'The whole vault, here' });
    ui.answers['confirm-restore'] = 'Restore';
    await run('restoreBackup', item!.node);
    assert.equal((await dm().getCharacter(zanna))?.level, 3);
    assert.equal((await dm().listCampaigns()).length, 1);
    assert.match(ui.shown('restored')[0]?.text ?? '', /Restored the backup/);
    const after = await snapshots();
    assert.equal(after.length, 2);
    assert.match(after[0]!.description ?? '', /safety/, 'the newest is the safety backup of the state before');
  });

  it('restores one entry, and the whole vault into a new folder', async () => {
    const items = await snapshots();
    const first = items.at(-1)!;
    await dm().updateCharacter(zanna, { level: 12 });
    ui.play({ pick: 'restore-how', label: 'One entry' }, { pick: 'restore-kind', label: 'Character' }, { input: 'restore-entry', answer: 'Zanna' });
    await run('restoreBackup', first.node);
    assert.equal((await dm().getCharacter(zanna))?.level, 3);
    const target = join(scratch, 'restored');
    ui.play({ pick: 'restore-how', label: 'into a new folder' });
    await run('restoreBackup', first.node, { folder: vscode.Uri.file(target) });
    const other = nodeDataManager(target, { app: 'integration test', stateDir: join(scratch, 'state') });
    await other.unlock({ none: true });
    try {
      assert.deepEqual((await other.listCharacters()).map((c) => c.name), ['Zanna']);
      const [asset] = await other.listAssets();
      assert.equal((await other.readFile(String(asset!.hash))).length, 40_000);
    } finally {
      await other.lock();
    }
    // The same folder again: it is not empty now, so the restore is refused, naming it, and leaves it alone.
    const before = await fs.readdir(target);
    ui.play({ pick: 'restore-how', label: 'into a new folder' });
    assert.equal(await run('restoreBackup', first.node, { folder: vscode.Uri.file(target) }), undefined);
    assert.match(ui.shown('error')[0]?.text ?? '', /restored is not empty: choose a new or empty folder/);
    assert.deepEqual(await fs.readdir(target), before);
  });

  it('Verify Backups re-reads everything and says all is well; a damaged data file is reported in the Integrity view', async () => {
    ui.play({ pick: 'verify-mode', label: 'Re-read everything' });
    const ok = await run<VerifyReport>('verifyBackups');
    assert.equal(ok.ok, true);
    assert.match(ui.shown('verified')[0]?.text ?? '', /intact/);
    const dataDir = join(vaultDir, 'backups', 'data');
    const sub = (await fs.readdir(dataDir))[0]!;
    const pack = join(dataDir, sub, (await fs.readdir(join(dataDir, sub)))[0]!);
    const bytes = await fs.readFile(pack);
    const copy = Buffer.from(bytes);
    copy[60] = copy[60]! ^ 0xff;
    await fs.writeFile(pack, copy);
    try {
      ui.play({ pick: 'verify-mode', label: 'Re-read everything' });
      const bad = await run<VerifyReport>('verifyBackups');
      assert.equal(bad.ok, false);
      const view = await testing.backupViews('integrity');
      assert.ok(view.some((i) => /Errors/.test(i.label) && i.children.some((c) => /damaged/.test(c.label))), JSON.stringify(view));
    } finally {
      await fs.writeFile(pack, bytes);
    }
  });

  it('Check Integrity finds a lost file, the Integrity view lists it, and Repair brings it back from the backup', async () => {
    const report = await run<IntegrityReport>('checkIntegrity');
    assert.equal(report.ok, true, JSON.stringify(report.findings));
    assert.match(ui.shown('checked')[0]?.text ?? '', /whole/);
    await fs.rm(join(vaultDir, 'blobs', mapHash.slice(0, 2), `${mapHash}.cvb`));
    ui.clear();
    const broken = await run<IntegrityReport>('checkIntegrity');
    assert.deepEqual(broken.findings.filter((f) => f.severity === 'error').map((f) => f.code), ['files.missing']);
    const view = await testing.backupViews('integrity');
    const errors = view.find((i) => /Errors \(1\)/.test(i.label))!;
    assert.match(errors.children[0]!.label, /Phandalin map/);
    assert.match(errors.children[0]!.contextValue ?? '', /fixable/);
    const node = (await testing.backupViews('integrity')).find((i) => /Errors/.test(i.label))!.node as { findings: unknown[]; folder: vscode.WorkspaceFolder };
    ui.answers['confirm-repair'] = 'Repair';
    await run('repairIntegrity', { type: 'finding', folder: node.folder, finding: node.findings[0] });
    assert.match(ui.shown('repaired')[0]?.text ?? '', /Repaired 1 problem/);
    assert.equal((await dm().readFile(mapHash)).length, 40_000);
    const clean = await testing.backupViews('integrity');
    assert.ok(clean.some((i) => /No problems found/.test(i.label)), JSON.stringify(clean));
  });

  it('forgets the Integrity view’s findings when the vault locks: what they name is not on screen while it is locked', async () => {
    await fs.rm(join(vaultDir, 'blobs', mapHash.slice(0, 2), `${mapHash}.cvb`));
    await run<IntegrityReport>('checkIntegrity');
    const shown = (view: Awaited<ReturnType<typeof testing.backupViews>>) => view.flatMap((i) => [i.label, i.description ?? '', ...i.children.flatMap((c) => [c.label, c.description ?? ''])]).join(' | ');
    assert.match(shown(await testing.backupViews('integrity')), /Phandalin map/);
    await dm().lock();
    await until('the findings gone from the Integrity view', async () => !shown(await testing.backupViews('integrity')).includes('Phandalin'));
    await dm().unlock({ none: true });
    await run('refresh');
    ui.answers['confirm-repair'] = 'Repair';
    await run('repairIntegrity');
    assert.equal((await dm().readFile(mapHash)).length, 40_000);
  });

  it('a scheduled backup runs when the interval has passed and something changed, and not otherwise', async () => {
    // The restores above changed the vault since the last backup: the first pass backs it up.
    await testing.backupTick(Date.now() + 61 * 60_000);
    const before = (await snapshots()).length;
    await testing.backupTick(Date.now() + 122 * 60_000);
    assert.equal((await snapshots()).length, before, 'nothing changed since the last backup');
    await dm().updateCharacter(zanna, { level: 4 });
    await testing.backupTick(Date.now() + 10 * 60_000);
    assert.equal((await snapshots()).length, before, 'the interval has not passed');
    await testing.backupTick(Date.now() + 61 * 60_000);
    const after = await snapshots();
    assert.equal(after.length, before + 1);
    assert.match(after[0]!.description ?? '', /scheduled/);
  });

  it('the scheduled integrity check says nothing while all is well, and speaks up when a file is lost', async () => {
    const start = Date.now() + 200 * 3_600_000;
    await testing.backupTick(start);
    await testing.backupTick(start + 25 * 3_600_000);
    assert.deepEqual(ui.shown('scheduled'), [], 'a whole vault: no notification');
    await fs.rm(join(vaultDir, 'blobs', mapHash.slice(0, 2), `${mapHash}.cvb`));
    await testing.backupTick(start + 50 * 3_600_000);
    assert.match(ui.shown('scheduled')[0]?.text ?? '', /scheduled integrity check found 1 error/);
    ui.answers['confirm-repair'] = 'Repair';
    await run('repairIntegrity');
    assert.equal((await dm().readFile(mapHash)).length, 40_000);
  });

  it('Prune Backups asks first, then keeps what the retention settings say', async () => {
    const config = vscode.workspace.getConfiguration('campaignVault.backup');
    await config.update('keepLast', 1, vscode.ConfigurationTarget.Workspace);
    for (const k of ['keepHourly', 'keepDaily', 'keepWeekly', 'keepMonthly']) await config.update(k, 0, vscode.ConfigurationTarget.Workspace);
    try {
      const total = (await snapshots()).length;
      ui.answers['confirm-prune'] = 'Delete';
      const r = await run<PruneReport>('pruneBackups');
      assert.equal(r.kept.length, 1);
      assert.equal(r.forgotten.length, total - 1);
      assert.match(ui.shown('confirm-prune')[0]?.text ?? '', new RegExp(`Delete ${total - 1} of ${total} backups`));
      assert.equal((await snapshots()).length, 1);
      ui.play({ pick: 'verify-mode', label: 'Re-read everything' });
      assert.equal((await run<VerifyReport>('verifyBackups')).ok, true);
    } finally {
      for (const k of ['keepLast', 'keepHourly', 'keepDaily', 'keepWeekly', 'keepMonthly']) await config.update(k, undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('compresses with the extension host\'s own zstd where its Node has one, in frames the WebAssembly build decodes', async () => {
    const zlib = (await import('node:zlib')) as unknown as { zstdCompressSync?: unknown };
    const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
    // What the extension's backups call (src/node/segmentWorkers.ts and the worker).
    const host = nodeHostZstd();
    // Node 22.15 and later have zstd in zlib (VS Code 1.139 here runs Node 24); Node 20 (VS Code 1.100) has none.
    assert.equal(host !== undefined, typeof zlib.zstdCompressSync === 'function');
    assert.equal(host !== undefined, major > 22 || (major === 22 && minor >= 15), `Node ${process.versions.node}`);
    if (!host) return;
    // The WebAssembly build the extension bundles, loaded here from node_modules (its own instance).
    const wasm = await import('@bokuweb/zstd-wasm');
    await wasm.init();
    const page = new TextEncoder().encode(JSON.stringify(Array.from({ length: 4000 }, (_, i) => ({ id: i, name: `Goblin ${i % 97}`, hp: (i * 7) % 31, notes: 'Sneaky; ambushes travellers on the Triboar Trail.' }))));
    for (const data of [page, new Uint8Array(0), page.subarray(0, 1000)]) {
      const frame = host(data, ZSTD_DB_LEVEL);
      // The frame states its content size (the repository refuses frames without it).
      const fhd = frame[4]!;
      assert.ok(fhd >>> 6 !== 0 || (fhd & 0x20) !== 0, `${data.length} bytes: the frame states its size`);
      assert.deepEqual(wasm.decompress(frame), data, `${data.length} bytes: the WebAssembly build decodes Node's frame`);
    }
    // As small as the WebAssembly build makes it (the same library).
    const native = host(page, ZSTD_DB_LEVEL).length;
    const other = wasm.compress(page, ZSTD_DB_LEVEL).length;
    assert.ok(native <= other * 1.02, `${native} bytes against ${other}`);
  });

  it('exports a portable backup with its own password and imports it back', async () => {
    const file = vscode.Uri.file(join(scratch, 'table.cvbackup'));
    ui.play({ pick: 'portable-scope', label: 'The whole vault' }, { input: 'new-password', answer: 'mind flayer tadpole 7' }, { input: 'new-password-confirm', answer: 'mind flayer tadpole 7' });
    assert.equal(await run('exportPortableBackup', folder.uri, file), file.fsPath);
    await dm().deleteNpc((await dm().getNpc('Sildar Hallwinter', { campaign_id: campaignId }))!.id);
    // A wrong password is said in the box, which stays open for the right one (the import is its check).
    ui.play({ input: 'portable-password', answer: 'wrong password' }, { input: 'portable-password', answer: 'mind flayer tadpole 7' });
    await run('importPortableBackup', folder.uri, file);
    const [asked, again] = ui.inputs.filter((i) => i.id === 'portable-password');
    assert.match(again?.initialMessage?.message ?? '', /Wrong password for this backup file/);
    assert.equal(again?.accept, asked?.accept, 'the box asking again is not the same box');
    assert.equal(ui.shown('error').length, 0);
    assert.match(ui.shown('imported')[0]?.text ?? '', /Imported/);
  });

  it('Restore Backup… marks a backup that cannot be read at the top of the list, and choosing it says so instead of restoring another', async () => {
    ui.play({ input: 'backup-note', answer: 'to be damaged' });
    const snap = (await run<SnapshotInfo>('createBackup'))!;
    const file = join(vaultDir, 'backups', 'snapshots', snap.id);
    const bytes = await fs.readFile(file);
    await fs.truncate(file, 100);
    try {
      ui.play({ pick: 'snapshot', label: `Backup ${snap.shortId} cannot be read` });
      assert.equal(await run('restoreBackup', folder.uri), undefined);
      const items = ui.picks.find((p) => p.id === 'snapshot')!.items;
      assert.match(items[0]!.label, new RegExp(`\\$\\(warning\\) Backup ${snap.shortId} cannot be read`));
      assert.ok(items.length >= 2, 'the readable backups are listed below it');
      assert.match(ui.shown('error')[0]?.text ?? '', new RegExp(`Backup ${snap.shortId} cannot be read, so it cannot be restored`));
    } finally {
      await fs.writeFile(file, bytes);
    }
  });
  it('Encrypt Vault re-encrypts the backups made before: afterwards nothing of them opens without the password (issue 15)', async () => {
    const repoDir = join(vaultDir, 'backups');
    const before = (await dm().backupVault().identity()).header.encryption;
    assert.equal(before, 'none', 'this file\'s vault starts without a password');
    ui.play({ input: 'backup-note', answer: 'before the password' });
    const older = await run<SnapshotInfo>('createBackup');
    assert.ok(await BackupRepository.openWithSecret(repositoryDeps(repoDir, 'integration test'), { none: true }), 'without a password, as the vault');
    const listed = (await snapshots()).length;
    const PW = 'a password at last';
    ui.play({ input: 'new-password', answer: PW }, { input: 'new-password-confirm', answer: PW });
    assert.equal(await run('encryptVault'), true);
    assert.match(ui.shown('encrypted')[0]?.text ?? '', /portable backup files exported before are not changed/);
    for (let i = 0; i < 400 && ui.shown('backups-reencrypted').length === 0 && ui.shown('backups-reencrypt-unfinished').length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(ui.shown('backups-reencrypt-unfinished').length, 0, ui.shown('backups-reencrypt-unfinished')[0]?.text);
    assert.match(ui.shown('backups-reencrypted')[0]?.text ?? '', new RegExp(`The ${listed} backups of the vault made before are re-encrypted: they need the password now`));
    const progress = ui.progresses.find((p) => p.id === 'reencrypt-backups');
    assert.equal(progress?.cancellable, true);
    assert.match(progress?.title ?? '', /until this is done, they can be read without it/);
    await assert.rejects(BackupRepository.openWithSecret(repositoryDeps(repoDir, 'integration test'), { none: true }), (e: unknown) => isVaultError(e, 'wrong-password'));
    const withPassword = await BackupRepository.openWithSecret(repositoryDeps(repoDir, 'integration test'), { password: PW });
    assert.ok((await withPassword.listSnapshotNames()).includes(older.id));
    assert.equal((await snapshots()).length, listed, 'every backup is still listed');
  });
});
