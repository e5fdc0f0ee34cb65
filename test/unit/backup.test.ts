import * as assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataManager } from '../../src/core/api';
import { BackupRepository, DEFAULT_PARAMS, decodeTree } from '../../src/core/backup/repository';
import { inlineSegmentCodec, type SegmentCodec } from '../../src/core/backup/codec';
import { applyRetention, isoWeek } from '../../src/core/backup/retention';
import { BackupService, fixedChunks, type NewVaultFactory, type VaultFiles } from '../../src/core/backup/service';
import { DEFAULT_RETENTION } from '../../src/core/backup/types';
import { VaultError, isVaultError } from '../../src/core/errors';
import { checkEverything, repairEverything } from '../../src/core/health';
import type { FileStore } from '../../src/core/ports';
import { repositoryDeps } from '../../src/node/backups';
import { silentLogger } from '../../src/node/dataManager';
import { loadSqlJs } from '../../src/node/sqljs';
import { FaultyFileStore } from '../support/faultyFileStore';
import { TEST_KDF, tempVault, type TestVault } from '../support/vaults';
import { exportPortable, importPortable } from '../../src/core/backup/portable';
import { nodeCipherSuite, nodeRandom, systemClock } from '../../src/node/system';

const PASSWORD = 'correct horse';

/** The open database as one exported image (what a backup of the database in memory stores). */
async function exportImage(dm: DataManager): Promise<Uint8Array> {
  const { database } = await dm.backupVault().source({ image: true });
  assert.equal(database.kind, 'image');
  return database.image;
}

/** Restores into a new folder make their vault with `make` (a DataManager on the target folder). */
const newVaultOf = (make: () => DataManager): NewVaultFactory => DataManager.newVaultFactory(make);

/** Every file under a folder (relative path → bytes), to compare repositories before and after. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p, rel ? `${rel}/${n}` : n);
      else out.push(rel ? `${rel}/${n}` : n);
    }
  };
  walk(dir, '');
  return out.sort();
}

async function fill(dm: DataManager, n = 40): Promise<{ campaign: string; heroes: string[] }> {
  const c = await dm.createCampaign({ name: 'Lost Mines of Phandelver', system: 'D&D 5e', description: 'Goblins on the Triboar Trail. '.repeat(20) });
  const heroes: string[] = [];
  for (let i = 0; i < n; i++) {
    const h = await dm.createCharacter({ name: `Hero ${i}`, campaign_id: c.id, class: 'Fighter', level: 1 + (i % 20), biography: `Born in Neverwinter, hero ${i} `.repeat(30) });
    heroes.push(h.id);
  }
  return { campaign: c.id, heroes };
}

describe('core/backup: the backup repository', function () {
  this.timeout(60_000);
  let v: TestVault;
  let dm: DataManager;
  let repoDir: string;
  let backups: BackupService;

  function service(files = repositoryDeps(repoDir, 'unit test')): BackupService {
    return new BackupService({ vault: dm.backupVault(), repo: files, extensionVersion: '0.0.0-test', sql: loadSqlJs, logger: silentLogger });
  }

  beforeEach(async () => {
    v = tempVault();
    dm = v.manager();
    await dm.createVault(PASSWORD);
    repoDir = join(v.root, '.campaign-vault', 'backups');
    backups = service();
  });
  afterEach(async () => {
    await dm.lock();
    v.dispose();
  });

  it('makes a snapshot, lists it, and a second one without changes stores almost nothing', async () => {
    await fill(dm);
    const first = await backups.create({ note: 'before the session' });
    assert.match(first.id, /^[0-9a-f]{32}$/);
    assert.equal(first.kind, 'manual');
    assert.equal(first.note, 'before the session');
    assert.equal(first.counts.character, 40);
    assert.ok(first.sizes.added > 0 && first.sizes.added < first.sizes.database, `compressed: ${first.sizes.added} of ${first.sizes.database}`);
    const second = await backups.create({ kind: 'scheduled' });
    assert.equal(second.sizes.newChunks, 0, 'nothing changed: every chunk is reused');
    assert.equal(second.sizes.added, 0);
    const { snapshots, damaged } = await backups.list();
    assert.deepEqual(snapshots.map((s) => s.id), [first.id, second.id]);
    assert.deepEqual(damaged, []);
    assert.equal(await backups.changedSinceLast(), false);
    await dm.createNpc({ name: 'Sildar Hallwinter', campaign_id: (await dm.listCampaigns())[0]!.id });
    assert.equal(await backups.changedSinceLast(), true);
  });

  it('an incremental backup after a one-record change adds a few pages, not the database', async () => {
    const { heroes } = await fill(dm, 300);
    const full = await backups.create();
    await dm.updateCharacter(heroes[150]!, { level: 20 });
    const inc = await backups.create();
    assert.ok(inc.sizes.newChunks > 0 && inc.sizes.newChunks < 20, `new chunks: ${inc.sizes.newChunks}`);
    assert.ok(inc.sizes.added < 64 * 1024, `added ${inc.sizes.added} bytes (full: ${full.sizes.added})`);
  });

  it('backs up the database as the vault stores it: its snapshot once, then only the end of its journal', async () => {
    const { heroes } = await fill(dm, 30);
    await dm.lock();
    let store!: FaultyFileStore;
    dm = v.manager({ wrap: (f) => (store = new FaultyFileStore(f)) });
    await dm.unlock(PASSWORD);
    backups = service();
    const snapshotReads = () => store.log.filter((l) => /^read(IfExists)? \.campaign-vault\/db\/snapshot-/.test(l)).length;
    const opened = snapshotReads();
    await dm.updateCharacter(heroes[0]!, { level: 7 });
    const images = new Map<string, Buffer>();
    const backUp = async () => {
      const image = Buffer.from(await exportImage(dm));
      const info = await backups.create();
      images.set(info.id, image);
      return { info, m: await backups.resolve(info.id) };
    };
    const first = await backUp();
    assert.equal(snapshotReads() - opened, 1, 'the first backup reads the vault\'s snapshot');
    assert.equal(first.m.v, 2);
    assert.ok(first.m.database.journal && first.m.database.journal.records >= 1, 'with the journal records after it');

    await dm.updateCharacter(heroes[1]!, { level: 9 });
    const second = await backUp();
    assert.equal(snapshotReads() - opened, 1, 'the next backup does not read it again');
    assert.equal(second.m.database.root, first.m.database.root, 'the same snapshot chunks');
    assert.equal(second.m.database.journal?.records, first.m.database.journal.records + 1, 'and one more record');
    assert.ok(second.info.sizes.newChunks <= 4, `new chunks: ${second.info.sizes.newChunks} (the journal's last chunk and its trees)`);

    // A checkpoint makes a new vault snapshot with an empty journal: read once, stored by its changed pages.
    await dm.checkpoint();
    const third = await backUp();
    assert.equal(snapshotReads() - opened, 2);
    assert.notEqual(third.m.database.journal?.snapshot, first.m.database.journal.snapshot);
    assert.equal(third.m.database.journal?.records, 0);
    assert.ok(third.info.sizes.newChunks < 20, `new chunks: ${third.info.sizes.newChunks}`);

    for (const [id, image] of images) assert.ok(Buffer.from(await backups.databaseImage(id)).equals(image), `snapshot ${id.slice(0, 8)} restores byte-identical`);
    assert.equal((await backups.verify({ readData: true })).ok, true);
  });

  it('the next backup in the same window reads nothing the last one wrote: it remembers its file lists and trees by chunk id', async () => {
    const { heroes } = await fill(dm, 20);
    await dm.addFile(new Uint8Array(5000).fill(7), { name: 'Map of Phandalin' });
    const deps = repositoryDeps(repoDir, 'unit test');
    const logged = new FaultyFileStore(deps.files);
    backups = service({ ...deps, files: logged });
    await backups.create();
    await dm.updateCharacter(heroes[3]!, { level: 5 });
    logged.log.length = 0;
    const inc = await backups.create();
    const read = logged.log.filter((l) => l.startsWith('read data/')).map((l) => l.slice('read '.length));
    const written = logged.log.filter((l) => l.startsWith('writeAtomic data/')).map((l) => l.slice('writeAtomic '.length));
    assert.ok(written.length > 0);
    assert.deepEqual(read.sort(), written.sort(), 'only its own packs, read back once written');
    assert.ok(inc.sizes.newChunks <= 4, `new chunks: ${inc.sizes.newChunks}`);
    // A fresh service (another window) reads them from the disk and makes the same backup.
    await dm.updateCharacter(heroes[4]!, { level: 6 });
    const other = await service().create();
    assert.ok(other.sizes.newChunks <= 4, `new chunks: ${other.sizes.newChunks}`);
    assert.equal((await backups.verify({ readData: true })).ok, true);
  });

  it('backs up an exported image when the disk is not what is open: a window that only reads and is behind, or a write that failed', async () => {
    const { heroes } = await fill(dm, 10);
    // A second window opens the vault read-only. While the disk holds what it loaded, it backs up
    // the vault's own form; once the writer has moved on, the image it has open.
    const reader = v.manager({ app: 'second window' });
    await reader.unlock(PASSWORD);
    assert.ok(reader.readOnlyReason, 'the second window only reads');
    const fromReader = new BackupService({ vault: reader.backupVault(), repo: repositoryDeps(repoDir, 'unit test'), extensionVersion: '0.0.0-test', sql: loadSqlJs, logger: silentLogger });
    const readerImage = Buffer.from(await exportImage(reader));
    const current = await fromReader.create();
    assert.equal((await backups.resolve(current.id)).v, 2);
    await dm.updateCharacter(heroes[2]!, { level: 4 });
    const a = await fromReader.create();
    await reader.lock();
    const ma = await backups.resolve(a.id);
    assert.equal(ma.v, 1);
    assert.equal(ma.database.journal, undefined);
    for (const id of [current.id, a.id]) assert.ok(Buffer.from(await backups.databaseImage(id)).equals(readerImage), 'what the reader had open');

    // A write whose journal append failed is rolled back in memory, but its record may be on disk.
    await dm.lock();
    let store!: FaultyFileStore;
    dm = v.manager({ wrap: (f) => (store = new FaultyFileStore(f)) });
    await dm.unlock(PASSWORD);
    backups = service();
    store.fault = { at: store.mutations + 1, code: 'io', tornBytes: 30 };
    await assert.rejects(dm.updateCharacter(heroes[0]!, { level: 19 }));
    store.fault = undefined;
    const image = Buffer.from(await exportImage(dm));
    const b = await backups.create();
    assert.equal((await backups.resolve(b.id)).v, 1, 'exported, not read from the disk');
    assert.ok(Buffer.from(await backups.databaseImage(b.id)).equals(image));
    assert.ok(Buffer.from(await backups.databaseImage(a.id)).equals(readerImage));
    assert.equal((await dm.getCharacter(heroes[0]!))?.level, 1, 'the failed write is not in the vault');

    // The next write checkpoints first; after it the vault's own form is used again.
    await dm.updateCharacter(heroes[1]!, { level: 3 });
    const c = await backups.create();
    assert.equal((await backups.resolve(c.id)).v, 2);
    assert.ok(Buffer.from(await backups.databaseImage(c.id)).equals(Buffer.from(await exportImage(dm))));
    assert.equal((await backups.verify({ readData: true })).ok, true);
  });

  it('a vault file damaged on disk while the vault is open does not stop a backup: it backs up what is in memory', async () => {
    const { heroes } = await fill(dm, 12);
    await dm.updateCharacter(heroes[0]!, { level: 3 });
    await dm.updateCharacter(heroes[1]!, { level: 4 });
    const dbDir = join(v.root, '.campaign-vault', 'db');
    const flip = (name: RegExp, at: (size: number) => number) => {
      const file = join(dbDir, readdirSync(dbDir).find((n) => name.test(n))!);
      const bytes = readFileSync(file);
      bytes[at(bytes.length)]! ^= 0x10;
      writeFileSync(file, bytes);
    };
    // The snapshot, read for the first backup: damaged in its middle.
    flip(/^snapshot-.*\.cvs$/, (n) => n >> 1);
    const image = Buffer.from(await exportImage(dm));
    const a = await backups.create();
    assert.equal((await backups.resolve(a.id)).v, 1, 'the database in memory, exported');
    assert.ok(Buffer.from(await backups.databaseImage(a.id)).equals(image));
    // The journal: a damaged first record with more after it.
    flip(/^journal-.*\.cvj$/, () => 56 + 8 + 4);
    await dm.updateCharacter(heroes[2]!, { level: 5 });
    const image2 = Buffer.from(await exportImage(dm));
    const b = await backups.create();
    assert.equal((await backups.resolve(b.id)).v, 1);
    assert.ok(Buffer.from(await backups.databaseImage(b.id)).equals(image2));
    assert.equal((await backups.verify({ readData: true })).ok, true);
  });

  it('restores the whole vault in place, after a safety snapshot, and the result checks out', async () => {
    const { heroes } = await fill(dm, 10);
    const snap = await backups.create();
    const before = await exportImage(dm);
    await dm.updateCharacter(heroes[0]!, { level: 20, biography: 'rewritten' });
    await dm.deleteCharacter(heroes[1]!);
    await dm.createCampaign({ name: 'Curse of Strahd' });
    const r = await backups.restore(snap.shortId, { inPlace: true });
    assert.equal(r.snapshot.id, snap.id);
    assert.ok(r.safetySnapshot, 'a safety snapshot is taken first');
    assert.equal(r.safetySnapshot.kind, 'safety');
    assert.equal((await dm.getCharacter(heroes[0]!))?.level, 1);
    assert.equal((await dm.getCharacter(heroes[1]!))?.deleted_at, null);
    assert.equal((await dm.listCampaigns()).length, 1);
    assert.equal((await dm.verifyAudit()).ok, true);
    const log = await dm.auditLog({ limit: 1 });
    assert.equal(log[0]?.action, 'restore-backup');
    // Survives reopening, and the safety snapshot brings the later state back.
    await dm.lock();
    dm = v.manager();
    await dm.unlock(PASSWORD);
    backups = service();
    assert.equal((await dm.listCampaigns()).length, 1);
    await backups.restore(r.safetySnapshot.id, { inPlace: true });
    assert.equal((await dm.getCharacter(heroes[0]!))?.biography, 'rewritten');
    assert.equal((await dm.listCampaigns()).length, 2);
    // The restored image equals the snapshot's apart from the audit row the restore added.
    assert.ok(before.length > 0);
  });

  it('restores into a new folder as a new vault with its own password', async () => {
    await fill(dm, 5);
    const snap = await backups.create();
    const target = tempVault('cv-restore-');
    try {
      const r = await backups.restore(snap.id, { folder: target.root, password: 'new secret' }, { newVault: newVaultOf(() => target.manager()) });
      assert.match(r.recoveryKey ?? '', /^[0-9A-Z-]+$/);
      const other = target.manager();
      await other.unlock('new secret');
      try {
        assert.equal((await other.listCharacters()).length, 5);
        assert.notEqual(other.vaultId, dm.vaultId, 'a new vault, not a second copy of the same one');
        assert.equal((await other.verifyAudit()).ok, true);
      } finally {
        await other.lock();
      }
    } finally {
      target.dispose();
    }
  });

  it('restoring into a new folder reads the next files while the last ones are written; a write that fails stops it with nothing left writing', async () => {
    await fill(dm, 5);
    for (let i = 0; i < 120; i++) await dm.addFile(nodeRandom.bytes(20 * 1024), { name: `Handout ${i + 1}` });
    const events: string[] = [];
    const logged = new FaultyFileStore(repositoryDeps(repoDir, 'unit test').files);
    const deps = { ...repositoryDeps(repoDir, 'unit test'), files: logged };
    // Small packs, so that reading the files back means reading one pack after another.
    (await BackupRepository.init(deps, await dm.backupVault().identity(), { ...DEFAULT_PARAMS, segmentBytes: 64 * 1024, packBytes: 128 * 1024 })).keys.wipe();
    const snap = await service(deps).create();
    const targets: TestVault[] = [];
    const restoreInto = async (failAt: number) => {
      const target = tempVault('cv-restore-');
      targets.push(target);
      {
        let calls = 0;
        let inFlight = 0;
        const files = (tdm: DataManager): VaultFiles => ({
          ...tdm.vaultFiles(),
          writeMany: async (datas) => {
            const n = ++calls;
            inFlight++;
            events.push(`write ${n}`);
            logged.log.length = 0;
            try {
              await new Promise((r) => setTimeout(r, 30));
              if (n === failAt) throw new VaultError('disk-full', 'injected: the disk is full');
              return await tdm.writeFiles(datas);
            } finally {
              // What the restore read from the repository while this batch was being written.
              events.push(`written ${n}: ${logged.log.filter((l) => l.startsWith('read data/')).length} packs read meanwhile`);
              inFlight--;
            }
          },
        });
        const run = backups.restore(snap.id, { folder: target.root }, { newVault: async (folder, image, from, password) => {
          const tdm = target.manager();
          return { ...(await DataManager.newVaultFactory(() => tdm)(folder, image, from, password)), files: files(tdm) };
        } });
        return { run: run.then((r) => ({ r, inFlight }), (e: unknown) => Promise.reject(Object.assign(e as Error, { inFlight }))), calls: () => calls };
      }
    };
    try {
      backups = service(deps);
      const ok = await restoreInto(0);
      const { r } = await ok.run;
      assert.equal(r.files, 120);
      assert.ok(ok.calls() >= 4, `${ok.calls()} batches`);
      assert.ok(events.some((e) => /written \d+: [1-9]\d* packs read meanwhile/.test(e)), `packs are read while a batch is written: ${events.join(', ')}`);
      const failing = await restoreInto(2);
      await assert.rejects(failing.run, (e: unknown) => isVaultError(e, 'disk-full') && (e as unknown as { inFlight: number }).inFlight === 0);
      assert.equal(failing.calls(), 2, 'no batch is written after the one that failed');
    } finally {
      for (const t of targets) t.dispose();
    }
  });

  it('restores one entry as it was: an edited one and a purged one', async () => {
    const { heroes } = await fill(dm, 4);
    await dm.create('character', { name: 'Typed', campaign_id: (await dm.listCampaigns())[0]!.id, level: 2 }, { text: '# my comment\nname: Typed\nlevel: 2\n' });
    const snap = await backups.create();
    await dm.updateCharacter(heroes[2]!, { level: 17 });
    await dm.deleteCharacter(heroes[3]!);
    await dm.purge('character', heroes[3]!);
    const typed = (await dm.getCharacter('Typed'))!;
    await dm.updateCharacter(typed.id, { level: 9 });
    const a = await backups.restoreEntity(snap.id, 'character', heroes[2]!);
    assert.equal((await dm.getCharacter(heroes[2]!))?.level, 3);
    assert.equal(a.entity.version, 3, 'restored as a new version');
    await backups.restoreEntity(snap.id, 'character', 'Hero 3');
    assert.equal((await dm.getCharacter(heroes[3]!))?.name, 'Hero 3');
    await backups.restoreEntity(snap.id, 'character', 'typed');
    assert.equal(await dm.entryText('character', typed.id), '# my comment\nname: Typed\nlevel: 2\n', 'the text as typed comes back too');
    await assert.rejects(backups.restoreEntity(snap.id, 'character', 'Nobody'), (e: unknown) => isVaultError(e, 'not-found'));
    assert.equal((await dm.verifyAudit()).ok, true);
  });

  it('verify finds a flipped byte, names the file and the snapshots it affects; the others still restore', async () => {
    const { heroes } = await fill(dm, 30);
    const a = await backups.create();
    await dm.updateCharacter(heroes[5]!, { level: 11 });
    const b = await backups.create();
    assert.equal((await backups.verify({ readData: true })).ok, true);
    // b's own pack holds the changed pages; damage it.
    const packs = listFiles(repoDir).filter((f) => f.startsWith('data/'));
    const newest = packs.map((p) => ({ p, t: statSync(join(repoDir, p)).mtimeMs })).sort((x, y) => y.t - x.t);
    const victim = newest.find((x) => statSync(join(repoDir, x.p)).size > 1000)!.p;
    const bytes = readFileSync(join(repoDir, victim));
    bytes[100]! ^= 0x01;
    writeFileSync(join(repoDir, victim), bytes);
    const structural = await backups.verify();
    assert.equal(structural.ok, true, 'a structure check does not read the data');
    const report = await backups.verify({ readData: true });
    assert.equal(report.ok, false);
    const damage = report.findings.find((f) => f.code === 'backup.pack-damaged');
    assert.ok(damage, JSON.stringify(report.findings));
    assert.equal(damage.where, victim);
    assert.deepEqual(report.damagedSnapshots, [b.id]);
    await assert.rejects(backups.restore(b.id, { inPlace: true }), (e: unknown) => isVaultError(e, 'corrupt'));
    await backups.restore(a.id, { inPlace: true });
    assert.equal((await dm.getCharacter(heroes[5]!))?.level, 6);
  });

  it('verify reports a missing pack and a snapshot from another vault', async () => {
    await fill(dm, 5);
    const a = await backups.create();
    // Another vault's snapshot dropped into this repository.
    const w = tempVault('cv-other-');
    const odm = w.manager();
    await odm.createVault();
    try {
      await odm.createCampaign({ name: 'Elsewhere' });
      const other = new BackupService({ vault: odm.backupVault(), repo: repositoryDeps(join(w.root, 'repo'), 'unit test'), extensionVersion: '0', sql: loadSqlJs, logger: silentLogger });
      const os = await other.create();
      cpSync(join(w.root, 'repo', 'snapshots', os.id), join(repoDir, 'snapshots', os.id));
    } finally {
      await odm.lock();
      w.dispose();
    }
    const listed = await backups.list();
    assert.deepEqual(listed.snapshots.map((s) => s.id), [a.id]);
    assert.equal(listed.damaged.length, 1);
    assert.match(listed.damaged[0]!.reason, /another backup repository/);
    const pack = listFiles(repoDir).find((f) => f.startsWith('data/'))!;
    rmSync(join(repoDir, pack));
    const report = await service().verify();
    assert.equal(report.ok, false);
    assert.ok(report.findings.some((f) => f.code === 'backup.pack-missing' || f.code === 'backup.chunk-missing'), JSON.stringify(report.findings));
    assert.ok(report.findings.some((f) => f.code === 'backup.snapshot-damaged'));
  });

  it('opens the repository with the password alone (the vault lost) and refuses a wrong one', async () => {
    await fill(dm, 3);
    const snap = await backups.create();
    const deps = repositoryDeps(repoDir, 'unit test');
    await assert.rejects(BackupRepository.openWithSecret(deps, { password: 'wrong' }), (e: unknown) => isVaultError(e, 'wrong-password'));
    const repo = await BackupRepository.openWithSecret(deps, { password: PASSWORD });
    assert.equal(repo.vaultId, dm.vaultId);
    assert.deepEqual(await repo.listSnapshotNames(), [snap.id]);
    // One damaged copy of repo.json is survivable.
    writeFileSync(join(repoDir, 'repo.json'), '{"format": "campaign-vault-backups", garbage');
    const again = await BackupRepository.openWithSecret(deps, { password: PASSWORD });
    assert.deepEqual(again.damagedConfig, ['repo.json']);
    const report = await service().verify();
    assert.ok(report.findings.some((f) => f.code === 'backup.config-copy'));
    // A sparse 3 GB copy is damaged too, found from its first megabyte (once read whole: "disk error").
    truncateSync(join(repoDir, 'repo.json'), 3 * 1024 ** 3);
    const sparse = await BackupRepository.openWithSecret(deps, { password: PASSWORD });
    assert.deepEqual(sparse.damagedConfig, ['repo.json']);
  });

  it('refuses a repository folder that holds another vault\'s backups', async () => {
    await fill(dm, 1);
    await backups.create();
    const w = tempVault('cv-other-');
    const odm = w.manager();
    await odm.createVault();
    try {
      const other = new BackupService({ vault: odm.backupVault(), repo: repositoryDeps(repoDir, 'unit test'), extensionVersion: '0', sql: loadSqlJs, logger: silentLogger });
      await assert.rejects(other.create(), (e: unknown) => isVaultError(e, 'invalid') && /another vault/.test((e as Error & { userMessage: string }).userMessage));
    } finally {
      await odm.lock();
      w.dispose();
    }
  });

  it('a full disk in the middle of a backup: a clear error, no snapshot, and the next backup reuses what was written', async () => {
    await fill(dm, 200);
    await backups.create();
    const { heroes } = await fill2(dm);
    await dm.updateCharacter(heroes[0]!, { level: 5 });
    const deps = repositoryDeps(repoDir, 'unit test');
    const faulty = new FaultyFileStore(deps.files);
    faulty.fault = { at: 2, persistent: true, code: 'disk-full' };
    const before = listFiles(repoDir).filter((f) => f.startsWith('snapshots/'));
    await assert.rejects(service({ ...deps, files: faulty }).create(), (e: unknown) => isVaultError(e, 'disk-full'));
    assert.deepEqual(listFiles(repoDir).filter((f) => f.startsWith('snapshots/')), before, 'no snapshot was recorded');
    assert.ok(!listFiles(repoDir).some((f) => f.endsWith('.tmp')), 'no temporary files left');
    assert.equal((await service().verify({ readData: true })).ok, true, 'the repository is intact');
    const next = await service().create();
    assert.ok(next.sizes.reusedChunks > 0);
    assert.equal((await service().verify({ readData: true })).ok, true);
  });

  for (const what of ['database', 'files stored as they are'] as const) {
  it(`a pack that reads back other than written (a failing disk) stops the backup: it says so, records no snapshot, and the next one works (${what})`, async () => {
    await fill(dm, what === 'database' ? 100 : 0);
    // Noise does not compress: its segments are stored as they are, and read back by authenticating them alone.
    if (what !== 'database') for (let i = 0; i < 40; i++) await dm.addFile(nodeRandom.bytes(100_000), { name: `Noise ${i + 1}` });
    const deps = repositoryDeps(repoDir, 'unit test');
    let flipped = '';
    const read = async (p: string) => {
      const bytes = await deps.files.read(p);
      if (flipped || !p.startsWith('data/') || (what !== 'database' && bytes.length < 1_000_000)) return bytes;
      flipped = p;
      const other = bytes.slice();
      other[other.length >> 1] = other[other.length >> 1]! ^ 0x10;
      return other;
    };
    // Every way of reading lies alike (a read back goes into a reused buffer).
    const lying: FileStore = Object.assign(Object.create(deps.files) as FileStore, {
      read,
      readInto: async (p: string, out: Uint8Array) => {
        const bytes = await read(p);
        if (bytes.length > out.length) return bytes;
        out.set(bytes);
        return out.subarray(0, bytes.length);
      },
    });
    await assert.rejects(service({ ...deps, files: lying }).create(), (e: unknown) => isVaultError(e, 'corrupt') && /written correctly/.test(e.userMessage) && e.message.includes(flipped));
    assert.ok(flipped, 'a pack was read back');
    assert.deepEqual((await backups.list()).snapshots, []);
    const next = await service().create();
    assert.equal((await service().verify({ readData: true })).ok, true);
    assert.deepEqual((await backups.list()).snapshots.map((s) => s.id), [next.id]);
  });
  }

  it('a chunk is copied when it is added: the caller may reuse its memory at once (as the database snapshot\'s reading does)', async () => {
    const deps = repositoryDeps(repoDir, 'unit test');
    const repo = await BackupRepository.init(deps, await dm.backupVault().identity(), { ...DEFAULT_PARAMS, segmentBytes: 64 * 1024, packBytes: 128 * 1024 });
    const release = await repo.acquireLock();
    try {
      const w = await repo.writer();
      const scratch = new Uint8Array(16 * 1024);
      const added: [string, Uint8Array][] = [];
      // Enough for several segments and packs, all from one buffer refilled before each add.
      for (let i = 0; i < 40; i++) {
        scratch.set(i % 2 ? nodeRandom.bytes(scratch.length) : new Uint8Array(scratch.length).fill(i));
        added.push([await w.add(i % 3 ? 'db' : 'file', scratch), scratch.slice()]);
      }
      scratch.fill(0xff);
      await w.finish();
      for (const [id, bytes] of added) assert.deepEqual(await repo.readChunk(id), bytes, `chunk ${id.slice(0, 8)}`);
    } finally {
      await release();
      repo.keys.wipe();
    }
  });

  it('a compressed segment that decompresses to other bytes than were compressed (a codec fault) fails the read-back check: no snapshot', async () => {
    await fill(dm, 300);
    let calls = 0;
    const faulty: SegmentCodec = {
      ...inlineSegmentCodec,
      // The second compressed segment read back decompresses to other bytes than went in.
      decompressedDigest: async (codec, data, n) => {
        const digest = await inlineSegmentCodec.decompressedDigest(codec, data, n);
        if (++calls === 2) digest[0]! ^= 1;
        return digest;
      },
    };
    const deps = { ...repositoryDeps(repoDir, 'unit test'), codec: faulty };
    (await BackupRepository.init(deps, await dm.backupVault().identity(), { ...DEFAULT_PARAMS, segmentBytes: 64 * 1024 })).keys.wipe();
    await assert.rejects(service(deps).create(), (e: unknown) => isVaultError(e, 'corrupt') && /segment \d+ did not read back as written/.test(e.message) && /written correctly/.test(e.userMessage));
    assert.ok(calls >= 2);
    assert.deepEqual((await backups.list()).snapshots, []);
    await service().create();
    assert.equal((await service().verify({ readData: true })).ok, true);
  });

  it('a segment that fails to compress stops the backup cleanly: no snapshot, the lock released, the next one works', async () => {
    await fill(dm, 300);
    const deps = repositoryDeps(repoDir, 'unit test');
    let calls = 0;
    const failing: SegmentCodec = {
      compress: (raw, kind) => (++calls === 2 ? Promise.reject(new VaultError('io', 'injected compression failure')) : inlineSegmentCodec.compress(raw, kind)),
      decompress: (codec, data, n) => inlineSegmentCodec.decompress(codec, data, n),
      decompressedDigest: (codec, data, n) => inlineSegmentCodec.decompressedDigest(codec, data, n),
    };
    // Small segments, so that the failing one is not the last: others are compressing beside it.
    const small = { ...deps, codec: failing };
    const repo = await BackupRepository.init(small, await dm.backupVault().source(), { ...DEFAULT_PARAMS, segmentBytes: 64 * 1024 });
    await assert.rejects(new BackupService({ vault: dm.backupVault(), repo: small, repository: repo, extensionVersion: '0.0.0-test', sql: loadSqlJs, logger: silentLogger }).create(), (e: unknown) => isVaultError(e, 'io') && /injected/.test(e.message));
    assert.ok(calls >= 2);
    assert.deepEqual((await backups.list()).snapshots, []);
    const next = await service().create();
    assert.equal((await service().verify({ readData: true })).ok, true);
    assert.deepEqual((await backups.list()).snapshots.map((s) => s.id), [next.id]);
  });

  it('a backup reuses its segment buffers from pack to pack: dozens of segments, a handful of buffers, and every byte restores', async () => {
    const { heroes } = await fill(dm, 300);
    // Files smaller than a segment (as every file block is with the default parameters).
    for (let i = 0; i < 300; i++) await dm.addFile(nodeRandom.bytes(30 * 1024), { name: `Handout scan ${i + 1}` });
    let allocated = 0;
    let intoOut = 0;
    const counting: SegmentCodec = {
      compress: async (raw, kind, out) => {
        const r = await inlineSegmentCodec.compress(raw, kind, out);
        if (out && r.bytes.buffer === out.buffer) intoOut++;
        return r;
      },
      decompress: (codec, data, n) => inlineSegmentCodec.decompress(codec, data, n),
      decompressedDigest: (codec, data, n) => inlineSegmentCodec.decompressedDigest(codec, data, n),
      allocate: (n) => {
        allocated++;
        return new Uint8Array(n);
      },
    };
    const deps = { ...repositoryDeps(repoDir, 'unit test'), codec: counting };
    // Segments of 128 KiB: one change (a journal chunk of at most 16 KiB, a few trees) is small beside them.
    (await BackupRepository.init(deps, await dm.backupVault().identity(), { ...DEFAULT_PARAMS, segmentBytes: 128 * 1024, packBytes: 256 * 1024 })).keys.wipe();
    const info = await service(deps).create();
    const repo = await BackupRepository.openWithVault(deps, await dm.backupVault().identity());
    await repo.loadIndex();
    let segments = 0;
    for (const name of await repo.listPacks()) segments += repo.tableOf(name)!.segments.length;
    assert.ok(allocated > 0, 'segments are put together in the codec\'s memory');
    assert.ok(segments >= 4 * allocated, `${segments} segments in ${allocated} buffers`);
    assert.ok(intoOut > 0, 'large segments are compressed into pooled buffers too');
    const image = await exportImage(dm);
    assert.ok(Buffer.from(await service(deps).databaseImage(info.id)).equals(image), 'the database restores byte-identical');
    // A backup of one change makes no large buffer at all (each would be memory to map and fault in).
    const before = allocated;
    await dm.updateCharacter(heroes[0]!, { level: 7 });
    await service(deps).create();
    assert.equal(allocated, before, 'no segment buffer for a small backup');
    assert.equal((await service(deps).verify({ readData: true })).ok, true);
  });

  it('a pack closes between segments, never inside one: every database segment but the last is whole', async () => {
    await fill(dm, 300);
    // Compressing on this thread, segments are sealed at once with their real (small) sizes, so a
    // pack's size estimate reaches its limit in the middle of a segment.
    const deps = { ...repositoryDeps(repoDir, 'unit test'), codec: inlineSegmentCodec };
    const segmentBytes = 64 * 1024;
    await assert.rejects(BackupRepository.init(deps, await dm.backupVault().identity(), { ...DEFAULT_PARAMS, packBytes: 48 * 1024 }), (e: unknown) => isVaultError(e, 'invalid'));
    // A pack limit that the estimates reach in the middle of a segment (not a multiple of a segment's).
    (await BackupRepository.init(deps, await dm.backupVault().identity(), { ...DEFAULT_PARAMS, segmentBytes, packBytes: 72 * 1024 })).keys.wipe();
    const m = await service(deps).resolve((await service(deps).create()).id);
    const repo = await BackupRepository.openWithVault(deps, await dm.backupVault().identity());
    await repo.loadIndex();
    // Where each chunk is (pack and segment), and each segment's size.
    const where = new Map<string, string>();
    const sizeOf = new Map<string, number>();
    for (const name of await repo.listPacks()) {
      const table = repo.tableOf(name)!;
      // Trees name a chunk by the first 16 bytes of its id.
      table.entries.forEach((e) => where.set(Buffer.from(e.id).toString('hex').slice(0, 32), `${name}/${e.segment}`));
      table.segments.forEach((g, i) => g && sizeOf.set(`${name}/${i}`, g.rawLength));
    }
    // The segments of the database's snapshot and of its journal, each in the order its chunks were
    // stored. Each file's last segment holds what is left of it; every other one must be whole.
    const cut: number[] = [];
    const all: number[] = [];
    for (const root of [m.database.root, m.database.journal!.root]) {
      const order: string[] = [];
      for (const t of decodeTree(await repo.readChunk(root, 'tree'), 'root')) {
        for (const id of decodeTree(await repo.readChunk(t, 'tree'), 'tree')) {
          const segment = where.get(id.slice(0, 32))!;
          if (!order.includes(segment)) order.push(segment);
        }
      }
      const sizes = order.map((k) => sizeOf.get(k)!);
      all.push(...sizes);
      cut.push(...sizes.slice(0, -1).filter((n) => n !== segmentBytes));
    }
    repo.keys.wipe();
    assert.ok(all.length > 4, `${all.length} database segments`);
    assert.deepEqual(cut, [], `segment sizes in order: ${all.join(', ')}`);
  });

  it('packs are written behind the backup, and letting go of the repository lock waits for them', async () => {
    let openGate!: () => void;
    const gate = new Promise<void>((r) => (openGate = r));
    class GatedPacks extends FaultyFileStore {
      waiting = 0;
      override async writeAtomic(path: string, data: Uint8Array): Promise<void> {
        if (path.startsWith('data/')) {
          this.waiting++;
          await gate;
          this.waiting--;
        }
        return super.writeAtomic(path, data);
      }
    }
    const deps = repositoryDeps(repoDir, 'unit test');
    const files = new GatedPacks(deps.files);
    const repo = await BackupRepository.init({ ...deps, files }, await dm.backupVault().identity(), { ...DEFAULT_PARAMS, segmentBytes: 32 * 1024, packBytes: 64 * 1024 });
    const release = await repo.acquireLock();
    const w = await repo.writer();
    // Incompressible blocks of 40 KiB, one segment each: when the third starts a segment, the pack
    // holding the first two is full and is written behind, while add() returns.
    for (let i = 0; i < 3; i++) await w.add('file', nodeRandom.bytes(40 * 1024));
    // (Compressing it first may wait for a worker thread to start.)
    for (let t = 0; t < 100 && files.waiting === 0; t++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(files.waiting, 1, 'the full pack is being written while the backup goes on');
    // The backup stops here (a failure, a cancellation): the lock is let go only after the write.
    let released = false;
    const letGo = release().then(() => (released = true));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(released, false, 'still held while a pack is being written');
    openGate();
    await letGo;
    assert.equal(files.waiting, 0);
    assert.ok(listFiles(repoDir).some((f) => f.startsWith('data/')), 'the pack landed, under the lock');
    repo.keys.wipe();
    // The pack no index names is adopted by the next backup.
    assert.equal((await service().create()).kind, 'manual');
    assert.equal((await service().verify({ readData: true })).ok, true);
  });

  it('a cancelled backup records no snapshot', async () => {
    await fill(dm, 50);
    await assert.rejects(backups.create({ token: { isCancellationRequested: true } }), (e: unknown) => isVaultError(e, 'cancelled'));
    assert.deepEqual((await backups.list()).snapshots, []);
    const s = await backups.create();
    assert.equal((await backups.list()).snapshots[0]?.id, s.id);
  });

  it('prune keeps what the policy says, deletes unreferenced data, and every kept snapshot still restores', async () => {
    const { heroes } = await fill(dm, 60);
    const made: string[] = [];
    for (let i = 0; i < 6; i++) {
      await dm.updateCharacter(heroes[i * 7]!, { biography: `Chapter ${i}: `.repeat(200 + i) });
      made.push((await backups.create()).id);
    }
    const sizeBefore = listFiles(repoDir).reduce((n, f) => n + statSync(join(repoDir, f)).size, 0);
    const r = await backups.prune({ last: 2, hourly: 0, daily: 0, weekly: 0, monthly: 0 });
    assert.deepEqual(r.kept, made.slice(-2));
    assert.deepEqual(r.forgotten, made.slice(0, 4));
    const sizeAfter = listFiles(repoDir).reduce((n, f) => n + statSync(join(repoDir, f)).size, 0);
    assert.ok(sizeAfter < sizeBefore, `${sizeAfter} < ${sizeBefore}`);
    const report = await service().verify({ readData: true });
    assert.equal(report.ok, true, JSON.stringify(report.findings));
    for (const id of r.kept) await service().restore(id, { inPlace: true });
    assert.equal((await dm.verifyAudit()).ok, true);
  });

  it('backs up files once, restores a lost file in place and every file into a new vault (under its own names)', async () => {
    const { campaign } = await fill(dm, 3);
    const jpg = readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'files', 'smile.jpg'));
    const big = new Uint8Array(2.5 * 1024 * 1024).map((_, i) => (i * 7919) % 251);
    const a = await dm.addFile(jpg, { name: 'Smile.jpg', campaign_id: campaign });
    const b = await dm.addFile(big, { name: 'Map of the Sword Coast', campaign_id: campaign });
    const first = await backups.create();
    assert.equal(first.counts.files, 2);
    assert.ok(first.sizes.logical >= big.length + jpg.length);
    const second = await backups.create();
    assert.equal(second.sizes.newChunks, 0, 'unchanged files are not stored again');
    // A file lost from the vault comes back with an in-place restore.
    const hash = String(b.hash);
    rmSync(join(v.root, '.campaign-vault', 'blobs', hash.slice(0, 2), `${hash}.cvb`));
    await assert.rejects(dm.readFile(hash), (e: unknown) => isVaultError(e, 'not-found'));
    // The safety snapshot still holds the lost file (from the earlier snapshot), and the restore brings it back.
    const r = await backups.restore(first.id, { inPlace: true });
    assert.equal(r.safetySnapshot?.missingFiles, undefined);
    assert.equal(r.files, 1);
    assert.ok(Buffer.from(await dm.readFile(hash)).equals(Buffer.from(big)));
    // A file damaged before any backup had it is left out of the next one, and named.
    const lonely = await dm.addFile(new Uint8Array([1, 2, 3, 4, 5]), { name: 'Handout', campaign_id: campaign });
    const lh = String(lonely.hash);
    const lp = join(v.root, '.campaign-vault', 'blobs', lh.slice(0, 2), `${lh}.cvb`);
    const damaged = readFileSync(lp);
    damaged[damaged.length - 1]! ^= 1;
    writeFileSync(lp, damaged);
    const partial = await backups.create();
    assert.deepEqual(partial.missingFiles, [lh]);
    // Into a new vault: its file names are keyed by its own key, and its assets follow.
    const target = tempVault('cv-restore-files-');
    try {
      const res = await backups.restore(first.id, { folder: target.root }, { newVault: newVaultOf(() => target.manager()) });
      assert.equal(res.files, 2);
      const other = target.manager();
      await other.unlock({ none: true });
      try {
        const assets = await other.listAssets();
        const map = assets.find((x) => x.name === 'Map of the Sword Coast')!;
        assert.notEqual(map.hash, hash, 'another vault names the file with its own key');
        assert.ok(Buffer.from(await other.readFile(String(map.hash))).equals(Buffer.from(big)));
        const smile = assets.find((x) => x.name === 'Smile.jpg')!;
        assert.ok(Buffer.from(await other.readFile(String(smile.hash))).equals(jpg));
        assert.equal((await other.verifyAudit()).ok, true);
      } finally {
        await other.lock();
      }
    } finally {
      target.dispose();
    }
    void a;
  });

  it('the whole check finds a lost file and an unused one; repair restores the first from a backup and deletes the second', async () => {
    const { campaign } = await fill(dm, 2);
    const kept = await dm.addFile(new Uint8Array(5000).fill(7), { name: 'Map', campaign_id: campaign });
    const gone = await dm.addFile(new Uint8Array(3000).fill(9), { name: 'Old map', campaign_id: campaign });
    await backups.create();
    assert.equal((await checkEverything(dm.healthVault(), backups, { deep: true })).ok, true);
    await dm.deleteAsset(gone.id);
    await dm.purge('asset', gone.id);
    const hash = String(kept.hash);
    rmSync(join(v.root, '.campaign-vault', 'blobs', hash.slice(0, 2), `${hash}.cvb`));
    const report = await checkEverything(dm.healthVault(), backups, { deep: true });
    assert.equal(report.ok, false);
    assert.deepEqual(report.findings.map((f) => f.code).sort(), ['files.missing', 'files.orphan']);
    const { fixed, after } = await repairEverything(dm.healthVault(), backups);
    assert.deepEqual(fixed.map((f) => f.code).sort(), ['files.missing', 'files.orphan']);
    assert.equal(after.ok, true, JSON.stringify(after.findings));
    assert.equal(after.findings.length, 0);
    assert.ok(Buffer.from(await dm.readFile(hash)).equals(Buffer.alloc(5000, 7)));
  });

  it('repairs a damaged copy of the key file and a damaged index (rebuilt from the packs)', async () => {
    await fill(dm, 5);
    await backups.create();
    writeFileSync(join(repoDir, 'repo.2.json'), 'garbage');
    const index = listFiles(repoDir).find((f) => f.startsWith('index/'))!;
    const bytes = readFileSync(join(repoDir, index));
    bytes[bytes.length - 3]! ^= 0x10;
    writeFileSync(join(repoDir, index), bytes);
    const fresh = service();
    const report = await fresh.verify({ readData: true });
    assert.deepEqual(report.findings.map((f) => f.code).sort(), ['backup.config-copy', 'backup.index-damaged']);
    assert.ok(report.findings.every((f) => f.fixable && f.severity === 'warning'));
    const { fixed, after } = await repairEverything(dm.healthVault(), fresh);
    assert.deepEqual(fixed.map((f) => f.code).sort(), ['backup.config-copy', 'backup.index-damaged']);
    assert.equal(after.ok, true, JSON.stringify(after.findings));
    assert.equal((await service().verify({ readData: true })).findings.length, 0);
    await service().restore('latest', { inPlace: true });
  });

  it('one copy of the key file naming another vault (a flipped digit) does not make the backups "another vault\'s"', async () => {
    await fill(dm, 2);
    const snap = await backups.create();
    const text = readFileSync(join(repoDir, 'repo.json'), 'utf8');
    const c = JSON.parse(text) as { vaultId: string };
    writeFileSync(join(repoDir, 'repo.json'), text.replace(c.vaultId, `${c.vaultId[0] === '0' ? '1' : '0'}${c.vaultId.slice(1)}`));
    const again = service();
    assert.deepEqual((await again.list()).snapshots.map((x) => x.id), [snap.id]);
    assert.deepEqual((await again.verify()).findings.map((f) => f.code), ['backup.config-copy']);
  });

  it('a cancelled restore or prune changes nothing', async () => {
    const { heroes } = await fill(dm, 3);
    const snap = await backups.create();
    await dm.updateCharacter(heroes[0]!, { level: 9 });
    await backups.create();
    await assert.rejects(backups.restore(snap.id, { inPlace: true }, { token: { isCancellationRequested: true } }), (e: unknown) => isVaultError(e, 'cancelled'));
    assert.equal((await dm.getCharacter(heroes[0]!))?.level, 9);
    assert.equal((await backups.list()).snapshots.length, 2, 'no safety snapshot either');
    const files = listFiles(repoDir);
    await assert.rejects(backups.prune({ last: 1, hourly: 0, daily: 0, weekly: 0, monthly: 0 }, { token: { isCancellationRequested: true } }), (e: unknown) => isVaultError(e, 'cancelled'));
    assert.deepEqual(listFiles(repoDir).filter((f) => f !== 'lock'), files.filter((f) => f !== 'lock'));
  });

  it('two backups started at once on a new repository make one repository with both snapshots', async () => {
    await fill(dm, 3);
    const other = service();
    const [a, b] = await Promise.allSettled([backups.create(), other.create()]);
    const made = [a, b].filter((x) => x.status === 'fulfilled').length;
    const refused = [a, b].filter((x) => x.status === 'rejected' && isVaultError(x.reason, 'in-use')).length;
    assert.equal(made + refused, 2, JSON.stringify([a, b]));
    assert.ok(made >= 1);
    assert.equal((await service().list()).snapshots.length, made);
    assert.equal((await service().verify({ readData: true })).ok, true);
  });

  it('one window\'s operations wait for each other: a scheduled backup, a manual one, verify and prune started together all succeed', async () => {
    const { heroes } = await fill(dm, 30);
    await backups.create({ kind: 'scheduled' });
    await dm.updateCharacter(heroes[0]!, { level: 12 });
    // As when the schedule's minute comes while the game master runs Create Backup, then Check
    // Integrity: none may fail on the lock its own window holds, nor report damage that is only a
    // backup or prune half-way.
    const [scheduled, manual, verified, pruned, again] = await Promise.allSettled([
      backups.create({ kind: 'scheduled' }),
      backups.create({ note: 'before session 1' }),
      backups.verify({ readData: true }),
      backups.prune({ last: 2, hourly: 0, daily: 0, weekly: 0, monthly: 0 }),
      backups.verify({ readData: true }),
    ]);
    for (const r of [scheduled, manual, verified, pruned, again]) assert.equal(r.status, 'fulfilled', r.status === 'rejected' ? String(r.reason) : '');
    for (const r of [verified, again]) assert.deepEqual(r.status === 'fulfilled' && r.value.findings, []);
    const kept = (await backups.list()).snapshots;
    assert.deepEqual(kept.map((s) => s.note), [undefined, 'before session 1']);
    assert.equal((await service().verify({ readData: true })).ok, true);
  });

  it('the restore drill: every snapshot restores byte-identical to the database it was made from', async () => {
    const { heroes } = await fill(dm, 20);
    const made: { id: string; image: Uint8Array }[] = [];
    for (let i = 0; i < 3; i++) {
      await dm.updateCharacter(heroes[i]!, { level: 10 + i });
      const image = await exportImage(dm);
      made.push({ id: (await backups.create()).id, image });
    }
    for (const m of made) {
      const target = tempVault('cv-drill-');
      try {
        await backups.restore(m.id, { folder: target.root }, { newVault: newVaultOf(() => target.manager()) });
        const restored = target.manager();
        await restored.unlock({ none: true });
        assert.equal((await restored.verifyAudit()).ok, true);
        await restored.lock();
      } finally {
        target.dispose();
      }
      // Byte-identical: the chunks put back together are exactly the image that was backed up.
      assert.ok(Buffer.from(await backups.databaseImage(m.id)).equals(Buffer.from(m.image)), `snapshot ${m.id} restores byte-identical`);
    }
    assert.equal((await backups.verify({ readData: true })).ok, true);
  });
});

async function fill2(dm: DataManager): Promise<{ heroes: string[] }> {
  const c = await dm.createCampaign({ name: 'Storm King\'s Thunder' });
  const heroes: string[] = [];
  for (let i = 0; i < 50; i++) heroes.push((await dm.createCharacter({ name: `Giant slayer ${i}`, campaign_id: c.id, biography: `Giant ${i} `.repeat(100) })).id);
  return { heroes };
}

describe('core/backup: portable backups with the vault\'s own file store', function () {
  this.timeout(60_000);

  it('moves a campaign with its files to another vault, whose file names are keyed differently', async () => {
    const a = tempVault('cv-port-a-');
    const b = tempVault('cv-port-b-');
    const src = a.manager();
    const dst = b.manager();
    await src.createVault();
    await dst.createVault();
    try {
      const c = await src.createCampaign({ name: 'Tomb of Annihilation' });
      const data = new Uint8Array(70_000).map((_, i) => (i * 31) % 256);
      const asset = await src.addFile(data, { name: 'Chult map', campaign_id: c.id });
      const opts = { password: 'p', kdf: TEST_KDF, suite: nodeCipherSuite, random: nodeRandom, clock: systemClock, extensionVersion: '0' };
      const bytes = await exportPortable(src, { ...opts, campaign: c.id, files: src.vaultFiles() });
      await importPortable(dst, bytes, { password: 'p', suite: nodeCipherSuite, files: dst.vaultFiles() });
      const moved = (await dst.listAssets())[0]!;
      assert.notEqual(moved.hash, asset.hash, 'the other vault names the file with its own key');
      assert.ok(Buffer.from(await dst.readFile(String(moved.hash))).equals(Buffer.from(data)));
      assert.equal((await checkEverything(dst.healthVault(), undefined, { deep: true })).ok, true);
    } finally {
      await src.lock();
      await dst.lock();
      a.dispose();
      b.dispose();
    }
  });
});

describe('core/backup: fixed chunks from pieces', () => {
  const collect = async (pieces: Uint8Array[], size: number) => {
    const out: Buffer[] = [];
    for await (const c of fixedChunks(pieces, size)) out.push(Buffer.from(c));
    return out;
  };

  it('cuts at the same offsets however the bytes arrive', async () => {
    const whole = new Uint8Array(100_003).map((_, i) => (i * 7919) % 251);
    const expected: Buffer[] = [];
    for (let off = 0; off < whole.length; off += 4096) expected.push(Buffer.from(whole.subarray(off, off + 4096)));
    let seed = 5;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let trial = 0; trial < 20; trial++) {
      const pieces: Uint8Array[] = [];
      for (let off = 0; off < whole.length; ) {
        // Empty pieces, single bytes, pieces smaller and larger than a chunk.
        const len = [0, 1, rand(4096), 4096, rand(20_000)][rand(5)]!;
        pieces.push(whole.subarray(off, Math.min(whole.length, off + len)));
        off += len;
      }
      assert.deepEqual(await collect(pieces, 4096), expected, `split into ${pieces.length} pieces`);
    }
  });

  it('takes nothing of a piece beyond its turn: a piece\'s buffer may be refilled with the next one (as the snapshot\'s reading does)', async () => {
    const whole = new Uint8Array(50_000).map((_, i) => (i * 7919) % 251);
    const expected: Buffer[] = [];
    for (let off = 0; off < whole.length; off += 4096) expected.push(Buffer.from(whole.subarray(off, off + 4096)));
    // Pieces of 3000 bytes (not a multiple of the chunk size), each in the same buffer.
    async function* refilled(): AsyncGenerator<Uint8Array> {
      const buffer = new Uint8Array(3000);
      for (let off = 0; off < whole.length; off += buffer.length) {
        const piece = whole.subarray(off, off + buffer.length);
        buffer.set(piece);
        yield buffer.subarray(0, piece.length);
        buffer.fill(0xee);
      }
    }
    const out: Buffer[] = [];
    for await (const c of fixedChunks(refilled(), 4096)) out.push(Buffer.from(c));
    assert.deepEqual(out, expected);
  });

  it('makes one empty chunk of nothing, and no empty chunk after an exact multiple', async () => {
    assert.deepEqual(await collect([], 16), [Buffer.alloc(0)]);
    assert.deepEqual(await collect([new Uint8Array(0), new Uint8Array(0)], 16), [Buffer.alloc(0)]);
    assert.deepEqual((await collect([new Uint8Array(20), new Uint8Array(12)], 16)).map((c) => c.length), [16, 16]);
  });
});

describe('core/backup: retention', () => {
  const at = (iso: string, id: string) => ({ id, time: iso });

  it('keeps the last N and the newest of each hour, day, week and month', () => {
    const snaps = [
      at('2026-01-15T10:00:00Z', 'jan'),
      at('2026-02-10T09:00:00Z', 'feb-a'),
      at('2026-02-20T09:00:00Z', 'feb-b'),
      at('2026-11-29T08:00:00Z', 'sun'),
      at('2026-11-30T08:00:00Z', 'mon-8'),
      at('2026-11-30T08:30:00Z', 'mon-830'),
      at('2026-11-30T09:15:00Z', 'mon-915'),
    ];
    const keep = applyRetention(snaps, { last: 1, hourly: 2, daily: 2, weekly: 0, monthly: 2 });
    assert.deepEqual([...keep.keys()].sort(), ['feb-b', 'mon-830', 'mon-915', 'sun'].sort());
    assert.deepEqual(keep.get('mon-915'), ['last', 'hourly', 'daily', 'monthly']);
    assert.deepEqual(keep.get('mon-830'), ['hourly']);
    assert.deepEqual(keep.get('sun'), ['daily']);
    assert.deepEqual(keep.get('feb-b'), ['monthly']);
    assert.equal(applyRetention(snaps, { last: 0, hourly: 0, daily: 0, weekly: 0, monthly: 0 }).size, 0);
    assert.equal(applyRetention(snaps, DEFAULT_RETENTION).size, 7);
  });

  it('numbers ISO weeks across a year boundary', () => {
    assert.equal(isoWeek(new Date('2026-11-30T00:00:00Z')), '2026-W49');
    assert.equal(isoWeek(new Date('2027-01-01T00:00:00Z')), '2026-W53');
    assert.equal(isoWeek(new Date('2024-12-30T00:00:00Z')), '2025-W01');
  });
});

