import * as assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataManager } from '../../src/core/api';
import { BackupRepository, type RepositoryDeps } from '../../src/core/backup/repository';
import { BackupService } from '../../src/core/backup/service';
import { isVaultError } from '../../src/core/errors';
import { repositoryDeps } from '../../src/node/backups';
import { silentLogger } from '../../src/node/dataManager';
import { loadSqlJs } from '../../src/node/sqljs';
import { FaultyFileStore } from '../support/faultyFileStore';
import { tempVault, type TestVault } from '../support/vaults';

// Issue 15, finding 2: a vault that had backups before it got a password. The repository kept the
// unencrypted vault's (public) key in a key slot, which opened every snapshot — those made before
// and those made after — without any password.

const PASSWORD = 'now the campaign is secret';
const SECRET = 'The innkeeper is the lich in disguise';

function allFiles(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...allFiles(p));
    else out.push(p);
  }
  return out;
}

describe('core/backup: encrypting a vault re-encrypts the backups made before', function () {
  this.timeout(120_000);
  let v: TestVault;
  let dm: DataManager;
  let repoDir: string;

  const service = (deps: RepositoryDeps = repositoryDeps(repoDir, 'unit test')) =>
    new BackupService({ vault: dm.backupVault(), repo: deps, extensionVersion: '0.0.0-test', sql: loadSqlJs, logger: silentLogger });

  /** The repository opens without a password: what anyone with the folder could do. */
  const openWithoutPassword = () => BackupRepository.openWithSecret(repositoryDeps(repoDir, 'unit test'), { none: true });

  /** Three backups of an unencrypted vault with a secret NPC and a handout; their database images by id. */
  async function backupsBeforeEncryption(): Promise<Map<string, Uint8Array>> {
    await dm.createVault();
    const c = await dm.createCampaign({ name: 'Curse of the Crypt' });
    const backups = service();
    const images = new Map<string, Uint8Array>();
    await dm.createNpc({ name: 'Old Tom', campaign_id: c.id, notes: SECRET });
    images.set((await backups.create({ note: 'first' })).id, new Uint8Array());
    await dm.addFile(new Uint8Array(300_000).map((_, i) => (i * 7) % 251), { name: 'Map of the crypt' });
    images.set((await backups.create({ note: 'second' })).id, new Uint8Array());
    await dm.createNpc({ name: 'Sister Vael', campaign_id: c.id, notes: 'Knows the way down.' });
    images.set((await backups.create({ kind: 'scheduled' })).id, new Uint8Array());
    for (const id of images.keys()) images.set(id, await backups.databaseImage(id));
    backups.close();
    return images;
  }

  /** Nothing of the repository opens without the password, and every snapshot is there, byte for byte. */
  async function assertReencrypted(images: ReadonlyMap<string, Uint8Array>): Promise<void> {
    await assert.rejects(openWithoutPassword(), (e: unknown) => isVaultError(e, 'wrong-password'), 'the backups still open without a password');
    for (const f of ['repo.json', 'repo.2.json']) {
      const config = JSON.parse(readFileSync(join(repoDir, f), 'utf8')) as { headers: Record<string, { encryption: string }> };
      assert.deepEqual(Object.values(config.headers).map((h) => h.encryption), ['aes-256-gcm'], `${f} keeps a header without a password`);
    }
    assert.equal(existsSync(join(repoDir, 'rekey')), false);
    assert.equal(existsSync(join(repoDir, 'retired')), false);
    const withPassword = await BackupRepository.openWithSecret(repositoryDeps(repoDir, 'unit test'), { password: PASSWORD });
    assert.deepEqual(await withPassword.listSnapshotNames(), [...images.keys()].sort());
    const backups = service();
    for (const [id, image] of images) assert.ok(Buffer.from(await backups.databaseImage(id)).equals(image), `snapshot ${id.slice(0, 8)} changed`);
    backups.close();
  }

  beforeEach(() => {
    v = tempVault();
    dm = v.manager();
    repoDir = join(v.root, '.campaign-vault', 'backups');
  });
  afterEach(async () => {
    await dm.lock();
    v.dispose();
  });

  it('before: a repository of an unencrypted vault opens without a password (by design, like the vault)', async () => {
    await backupsBeforeEncryption();
    assert.ok(await openWithoutPassword());
  });

  it('the next backup after Encrypt re-encrypts every earlier snapshot first: nothing opens without the password', async () => {
    const images = await backupsBeforeEncryption();
    await dm.encrypt(PASSWORD);
    const backups = service();
    const after = await backups.create({ note: 'after encrypting' });
    backups.close();
    const list = (await service().list()).snapshots;
    assert.deepEqual(list.map((s) => s.note ?? s.kind), ['first', 'second', 'scheduled', 'after encrypting'], 'ids, notes, kinds and order are kept');
    images.set(after.id, await service().databaseImage(after.id));
    await assertReencrypted(images);
  });

  it('reencrypt() does it at once, reports what it copied, and is a no-op afterwards; restore works with the password only', async () => {
    const images = await backupsBeforeEncryption();
    await dm.encrypt(PASSWORD);
    const backups = service();
    const report = await backups.reencrypt();
    assert.equal(report?.copied, 3);
    assert.deepEqual(report?.lost, []);
    assert.equal(await backups.reencrypt(), undefined, 'nothing left to do');
    backups.close();
    await assertReencrypted(images);
    // The whole story from an empty folder: the vault gone, the password restores the oldest backup, secret included.
    const target = tempVault('cv-rekey-target-');
    try {
      const lost = new BackupService({ vault: dm.backupVault(), repo: repositoryDeps(repoDir, 'unit test'), repository: await BackupRepository.openWithSecret(repositoryDeps(repoDir, 'unit test'), { password: PASSWORD }), extensionVersion: '0', sql: loadSqlJs, logger: silentLogger });
      const oldest = [...images.keys()][0]!;
      await lost.restore(oldest, { folder: target.root, password: 'restored' }, { newVault: DataManager.newVaultFactory(() => target.manager()) });
      const restored = target.manager();
      await restored.unlock({ password: 'restored' });
      assert.equal((await restored.listNpcs()).find((n) => n.name === 'Old Tom')?.notes, SECRET);
      await restored.lock();
    } finally {
      target.dispose();
    }
  });

  it('an unreadable snapshot is not copied but named; the others are', async () => {
    const images = await backupsBeforeEncryption();
    const [first] = [...images.keys()];
    // A damaged manifest: it cannot be read, so it cannot be copied.
    const manifest = join(repoDir, 'snapshots', first!);
    const bytes = readFileSync(manifest);
    bytes[bytes.length - 5]! ^= 0xff;
    writeFileSync(manifest, bytes);
    await dm.encrypt(PASSWORD);
    const report = await service().reencrypt();
    assert.deepEqual(report?.lost.map((l) => l.id), [first]);
    images.delete(first!);
    await assertReencrypted(images);
  });

  it('killed at any step, it resumes: the old repository stays whole until the copy is complete, and the next run finishes', async () => {
    const images = await backupsBeforeEncryption();
    await dm.encrypt(PASSWORD);
    const saved = `${repoDir}-before`;
    cpSync(repoDir, saved, { recursive: true });
    let steps = 0;
    for (let at = 1; ; at += 1) {
      rmSync(repoDir, { recursive: true, force: true });
      cpSync(saved, repoDir, { recursive: true });
      const faulty = new FaultyFileStore(repositoryDeps(repoDir, 'unit test').files);
      faulty.fault = { at, code: 'io' };
      try {
        await service({ ...repositoryDeps(repoDir, 'unit test'), files: faulty }).reencrypt();
        break;
      } catch (e) {
        assert.ok(isVaultError(e, 'io'), `step ${at}: ${String(e)}`);
        steps = at;
      }
      // Killed at this step: every snapshot is still listed (under the old key or the new one)…
      const list = await service().list();
      assert.deepEqual(list.snapshots.map((s) => s.id).sort(), [...images.keys()].sort(), `after an interruption at step ${at}`);
      // …opening it finished a swap whose copy was complete, so nothing is left half-swapped…
      assert.equal(existsSync(join(repoDir, 'rekey', 'complete')), false, `step ${at}: the swap was not finished`);
      assert.equal(existsSync(join(repoDir, 'retired')), false, `step ${at}: the old repository was not deleted`);
      // …and the next run (or backup) finishes the job.
      await service().reencrypt();
      await assertReencrypted(images);
    }
    rmSync(saved, { recursive: true, force: true });
    assert.ok(steps > 10, `only ${steps} steps were interrupted`);
    await assertReencrypted(images);
  });

  it('a cancelled re-encryption keeps the old backups in place and says so; the next backup finishes it', async () => {
    const images = await backupsBeforeEncryption();
    await dm.encrypt(PASSWORD);
    await assert.rejects(service().reencrypt({ token: { isCancellationRequested: true } }), (e: unknown) => isVaultError(e, 'cancelled') && /can still be read without the password/.test(e.userMessage));
    assert.ok(await openWithoutPassword(), 'until it is done, the old backups are as they were');
    const backups = service();
    images.set((await backups.create()).id, new Uint8Array());
    const last = [...images.keys()].at(-1)!;
    images.set(last, await backups.databaseImage(last));
    backups.close();
    await assertReencrypted(images);
  });

  it('backups of a vault encrypted from the start are left as they are', async () => {
    await dm.createVault(PASSWORD);
    const backups = service();
    await backups.create();
    const before = allFiles(repoDir).filter((f) => !f.endsWith('/lock')).sort();
    assert.equal(await backups.reencrypt(), undefined);
    assert.deepEqual(allFiles(repoDir).filter((f) => !f.endsWith('/lock')).sort(), before);
  });
});
