import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackupService } from '../../src/core/backup/service';
import { isVaultError } from '../../src/core/errors';
import { repositoryDeps } from '../../src/node/backups';
import { silentLogger } from '../../src/node/dataManager';
import { loadSqlJs } from '../../src/node/sqljs';
import { IMPORTED_SPELLS, repoDir, restoredFolder } from '../crash/backupWorker';
import { PASSWORD, crashManager } from '../crash/manager';

const WORKER = join(__dirname, '..', 'crash', 'backupWorker.js');

interface Run {
  readonly output: string;
  readonly killed: boolean;
  readonly acked: boolean;
  readonly ops?: number;
  readonly base?: number;
}

function runWorker(dir: string, stateDir: string, operation: string, target: string, killAt: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, dir, stateDir, operation, target, String(killAt)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== null && code !== 0) return reject(new Error(`worker exited ${code}: ${out.slice(-2000)}`));
      const ops = /^OPS (\d+)$/m.exec(out);
      resolve({ output: out, killed: signal === 'SIGKILL', acked: /^ACK /m.test(out), ...(ops ? { ops: Number(ops[1]) } : {}) });
    });
  });
}

const MAP = new Uint8Array(30_000).map((_, i) => (i * 13) % 251);

/**
 * Kill loops around backup, prune, restore and repair (RELIABILITY.md row 9): a child process
 * is killed (SIGKILL, the file operation half done) at every mutating file operation of the
 * repository and of the vault, then a fresh process checks: the vault opens with its audit chain
 * whole, every backup still verifies with all its data re-read, and the state is the old one or
 * the new one, never a mix.
 */
describe('crash safety: backup, prune, restore and repair killed at every file operation', function () {
  this.timeout(10 * 60_000);
  let root: string;
  let base: string;
  let zanna = '';
  let mapHash = '';
  let levels: { before: number; snapshot: number };

  const open = async (dir: string, stateDir: string) => {
    const { dm } = crashManager(dir, stateDir, 0);
    await dm.unlock(PASSWORD);
    const backups = new BackupService({ vault: dm.backupVault(), repo: repositoryDeps(repoDir(dir), 'crash check'), extensionVersion: 'crash', sql: loadSqlJs, logger: silentLogger });
    return { dm, backups };
  };

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'cv-backup-crash-'));
    base = join(root, 'base');
    const { dm, backups } = await (async () => {
      const { dm } = crashManager(join(base, 'vault'), join(base, 'state'), 0);
      await dm.createVault(PASSWORD);
      const backups = new BackupService({ vault: dm.backupVault(), repo: repositoryDeps(repoDir(join(base, 'vault')), 'crash base'), extensionVersion: 'crash', sql: loadSqlJs, logger: silentLogger });
      return { dm, backups };
    })();
    const c = await dm.createCampaign({ name: 'Crash Campaign' });
    zanna = (await dm.createCharacter({ name: 'Zanna', campaign_id: c.id, level: 3 })).id;
    for (let i = 0; i < 20; i++) await dm.createNpc({ name: `NPC ${i}`, campaign_id: c.id, notes: `notes ${i} `.repeat(50) });
    mapHash = String((await dm.addFile(MAP, { name: 'Map', campaign_id: c.id })).hash);
    await backups.create({ note: 'first' });
    await dm.updateCharacter(zanna, { level: 11 });
    await backups.create({ note: 'second' });
    await dm.updateCharacter(zanna, { level: 17 });
    levels = { before: 17, snapshot: 3 };
    await dm.lock();
  });

  after(() => (process.env.CV_KEEP ? console.log(root) : rmSync(root, { recursive: true, force: true })));

  function copy(tag: string): { dir: string; stateDir: string } {
    const run = join(root, tag);
    cpSync(base, run, { recursive: true });
    return { dir: join(run, 'vault'), stateDir: join(run, 'state') };
  }

  /** Runs `operation` once without a kill to count its file operations, then kills it at each. */
  async function loop(operation: string, target: 'repo' | 'vault' | 'new', prepare: (dir: string, stateDir: string) => Promise<void>, check: (dir: string, stateDir: string, run: Run) => Promise<void>): Promise<number> {
    const probe = copy(`${operation}-${target}-probe`);
    await prepare(probe.dir, probe.stateDir);
    const full = await runWorker(probe.dir, probe.stateDir, operation, target, 0);
    assert.ok(full.acked && full.ops !== undefined, full.output);
    await check(probe.dir, probe.stateDir, full);
    let points = 0;
    for (let k = 1; k <= full.ops!; k++) {
      const run = copy(`${operation}-${target}-${k}`);
      await prepare(run.dir, run.stateDir);
      const r = await runWorker(run.dir, run.stateDir, operation, target, k);
      assert.ok(r.killed || r.acked, `k=${k}: neither killed nor finished: ${r.output}`);
      await check(run.dir, run.stateDir, r).catch((e: unknown) => {
        throw new Error(`${operation}, killed at ${target} file operation ${k}: ${e instanceof Error ? e.message : String(e)}`);
      });
      points++;
      rmSync(join(run.dir, '..'), { recursive: true, force: true });
    }
    return points;
  }

  async function whole(dir: string, stateDir: string): Promise<{ snapshots: number; level: number; map: 'ok' | 'missing' }> {
    const { dm, backups } = await open(dir, stateDir);
    try {
      const audit = await dm.verifyAudit();
      assert.equal(audit.ok, true, `audit chain: ${JSON.stringify(audit.problems?.[0])}`);
      const report = await backups.verify({ readData: true });
      assert.equal(report.ok, true, JSON.stringify(report.findings));
      const level = Number((await dm.getCharacter(zanna))?.level);
      const map = await dm.readFile(mapHash).then(
        (d) => {
          assert.ok(Buffer.from(d).equals(Buffer.from(MAP)), 'the map came back different');
          return 'ok' as const;
        },
        (e: unknown) => {
          if (isVaultError(e, 'not-found')) return 'missing' as const;
          throw e;
        },
      );
      return { snapshots: report.snapshots, level, map };
    } finally {
      await dm.lock();
    }
  }

  /** A vault restored into a folder: opens, its history intact, the backup's state, the map whole, nothing for the check to report. */
  async function restoredWhole(dir: string, stateDir: string): Promise<void> {
    const { dm } = crashManager(dir, stateDir, 0);
    await dm.unlock(PASSWORD);
    try {
      assert.equal((await dm.verifyAudit()).ok, true);
      assert.equal(Number((await dm.getCharacter(zanna))?.level), levels.snapshot);
      // A new vault names its files with its own key: the map is found through its asset.
      const map = await dm.getAsset('Map', { campaign_id: (await dm.listCampaigns())[0]!.id });
      assert.ok(Buffer.from(await dm.readFile(String(map?.hash))).equals(Buffer.from(MAP)), 'the map came back different');
      const report = await dm.checkIntegrity({ deep: true });
      assert.equal(report.ok, true, JSON.stringify(report.findings));
    } finally {
      await dm.lock();
    }
  }

  const nothing = async () => undefined;

  it('backup: no snapshot or a whole one, and the repository always verifies', async () => {
    const points = await loop('backup', 'repo', nothing, async (dir, stateDir, run) => {
      const s = await whole(dir, stateDir);
      assert.ok(s.snapshots === 2 || s.snapshots === 3, `${s.snapshots} snapshots`);
      if (run.acked) assert.equal(s.snapshots, 3, 'an acknowledged backup is there');
    });
    assert.ok(points >= 3, `only ${points} crash points`);
  });

  it('prune: every backup left is whole, and the one kept is always there', async () => {
    const points = await loop('prune', 'repo', nothing, async (dir, stateDir, run) => {
      const s = await whole(dir, stateDir);
      assert.ok(s.snapshots >= 1 && s.snapshots <= 2, `${s.snapshots} snapshots`);
      if (run.acked) assert.equal(s.snapshots, 1);
    });
    assert.ok(points >= 3, `only ${points} crash points`);
  });

  for (const target of ['repo', 'vault'] as const) {
    it(`restore in place (killed in the ${target === 'repo' ? 'safety backup' : 'vault'}): the old vault or the restored one, never a mix`, async () => {
      const points = await loop('restore', target, nothing, async (dir, stateDir, run) => {
        const s = await whole(dir, stateDir);
        assert.ok(s.level === levels.before || s.level === levels.snapshot, `level ${s.level}`);
        if (run.acked) assert.equal(s.level, levels.snapshot);
        assert.equal(s.map, 'ok');
      });
      assert.ok(points >= 2, `only ${points} crash points`);
    });
  }

  it('restore into a folder (killed while the new vault is built): the folder is absent or holds the whole restored vault, and a retry cleans up and says so', async () => {
    const points = await loop('restore-to', 'new', nothing, async (dir, stateDir, run) => {
      const target = restoredFolder(dir);
      const leftovers = readdirSync(join(dir, '..')).filter((n) => n.startsWith('.restored.restoring-'));
      if (run.acked) assert.deepEqual(leftovers, [], 'a finished restore leaves no staging folder');
      if (existsSync(target)) {
        // Moved into place in one step: then it is whole.
        await restoredWhole(target, stateDir);
        return;
      }
      assert.ok(!run.acked, 'an acknowledged restore is there');
      // Once: a half-built vault in the folder, and a retry refused as "not empty". Now the retry
      // removes what the killed one left and restores.
      const again = await runWorker(dir, stateDir, 'restore-to', 'repo', 0);
      assert.ok(again.acked, again.output);
      assert.deepEqual(readdirSync(join(dir, '..')).filter((n) => n.startsWith('.restored.restoring-')), []);
      await restoredWhole(target, stateDir);
    });
    assert.ok(points >= 3, `only ${points} crash points`);
  });

  it('a bulk import: none of it or all of it, never a part (each entry was once its own write)', async () => {
    const points = await loop('import', 'vault', nothing, async (dir, stateDir, run) => {
      const { dm } = crashManager(dir, stateDir, 0);
      await dm.unlock(PASSWORD);
      try {
        const n = (await dm.listSpells({ limit: 1000 })).filter((x) => x.name.startsWith('Imported spell')).length;
        assert.ok(n === 0 || n === IMPORTED_SPELLS, `${n} of ${IMPORTED_SPELLS} spells imported`);
        if (run.acked) assert.equal(n, IMPORTED_SPELLS);
        assert.equal((await dm.verifyAudit()).ok, true);
      } finally {
        await dm.lock();
      }
    });
    assert.ok(points >= 1, `only ${points} crash points`);
  });

  it('repair of a lost file: the file is missing or back whole; nothing else changes', async () => {
    const lose = async (dir: string) => rmSync(join(dir, '.campaign-vault', 'blobs', mapHash.slice(0, 2), `${mapHash}.cvb`));
    const points = await loop('repair', 'vault', lose, async (dir, stateDir, run) => {
      const s = await whole(dir, stateDir);
      assert.equal(s.level, levels.before);
      if (run.acked) assert.equal(s.map, 'ok');
    });
    assert.ok(points >= 1, `only ${points} crash points`);
  });
});
