import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataManager } from '../../src/core/api';
import { BackupService } from '../../src/core/backup/service';
import { repositoryDeps } from '../../src/node/backups';
import { silentLogger } from '../../src/node/dataManager';
import { loadSqlJs } from '../../src/node/sqljs';
import { tempVault, type TestVault } from '../support/vaults';

function filesUnder(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const n of readdirSync(join(dir, rel))) {
    const r = rel ? `${rel}/${n}` : n;
    if (statSync(join(dir, r)).isDirectory()) out.push(...filesUnder(dir, r));
    else out.push(r);
  }
  return out.sort();
}

/** sfc32-style generator: the same mutations on every machine. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * RELIABILITY.md row 6 for the backup repository: a flipped bit anywhere in any of its files is
 * found by verify (with the data re-read) and named, and every snapshot it does not affect still
 * restores byte-identical.
 */
describe('core/backup: a flipped bit anywhere in the repository', function () {
  this.timeout(5 * 60_000);
  let v: TestVault;
  let dm: DataManager;
  let pristine: string;
  let work: string;
  const images = new Map<string, Buffer>();

  const service = (dir: string) => new BackupService({ vault: dm.backupVault(), repo: repositoryDeps(dir, 'mutation test'), extensionVersion: '0', sql: loadSqlJs, logger: silentLogger });

  before(async () => {
    v = tempVault('cv-mutate-');
    dm = v.manager();
    await dm.createVault('correct horse');
    const c = await dm.createCampaign({ name: 'Mutations' });
    const heroes: string[] = [];
    for (let i = 0; i < 12; i++) heroes.push((await dm.createCharacter({ name: `Hero ${i}`, campaign_id: c.id, biography: `Hero ${i} of the north. `.repeat(60) })).id);
    await dm.addFile(new Uint8Array(9000).map((_, i) => (i * 31) % 256), { name: 'Map', campaign_id: c.id });
    pristine = mkdtempSync(join(tmpdir(), 'cv-mutate-repo-'));
    const b = service(pristine);
    for (let i = 0; i < 2; i++) {
      await dm.updateCharacter(heroes[i]!, { level: 5 + i });
      const { database } = await dm.backupVault().source({ image: true });
      assert.equal(database.kind, 'image');
      const image = Buffer.from(database.image);
      images.set((await b.create()).id, image);
    }
    work = mkdtempSync(join(tmpdir(), 'cv-mutate-work-'));
  });

  after(async () => {
    await dm.lock();
    v.dispose();
    rmSync(pristine, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('is detected and located every time, and the unaffected snapshots restore byte-identical', async () => {
    const files = filesUnder(pristine).filter((f) => f !== 'lock');
    assert.ok(files.some((f) => f.startsWith('data/')) && files.some((f) => f.startsWith('index/')) && files.some((f) => f.startsWith('snapshots/')));
    const random = prng(20261130);
    const tried: string[] = [];
    let restoredIntact = 0;
    // Each file gets a flip at its start, one at its end, and a few in between.
    const plan: { file: string; offset: number }[] = [];
    for (const file of files) {
      const size = statSync(join(pristine, file)).size;
      plan.push({ file, offset: 0 }, { file, offset: size - 1 });
      for (let k = 0; k < 3; k++) plan.push({ file, offset: Math.floor(random() * size) });
    }
    for (const { file, offset } of plan) {
      const dir = join(work, String(tried.length));
      cpSync(pristine, dir, { recursive: true });
      const bytes = readFileSync(join(dir, file));
      bytes[offset]! ^= 1 << Math.floor(random() * 8);
      writeFileSync(join(dir, file), bytes);
      tried.push(`${file}@${offset}`);
      const s = service(dir);
      const report = await s.verify({ readData: true });
      assert.ok(report.findings.length > 0, `${file} byte ${offset}: nothing found`);
      const named = report.findings.some((f) => f.where === file || (f.where !== undefined && file.endsWith(f.where)) || (file.startsWith('repo') && f.code === 'backup.config-copy'));
      const snapshotHit = report.findings.some((f) => f.code === 'backup.snapshot-damaged' || f.code === 'backup.snapshot-affected' || f.code === 'backup.chunk-missing' || f.code === 'backup.tree-damaged');
      assert.ok(named || snapshotHit, `${file} byte ${offset}: the damage is not located: ${JSON.stringify(report.findings)}`);
      for (const [id, image] of images) {
        if (report.damagedSnapshots.includes(id)) continue;
        const restored = Buffer.from(await s.databaseImage(id));
        assert.ok(restored.equals(image), `${file} byte ${offset}: snapshot ${id.slice(0, 8)} is not reported damaged but restores differently`);
        restoredIntact++;
      }
      s.close();
      rmSync(dir, { recursive: true, force: true });
    }
    assert.ok(tried.length >= 30, `only ${tried.length} mutations`);
    assert.ok(restoredIntact > 0, 'no snapshot restored after any mutation');
  });
});
