/**
 * The process the backup kill loops kill. Usage:
 *   node backupWorker.js <vault dir> <state dir> <operation> <target> <killAt>
 * Operations: backup | prune | restore | restore-to | repair | import (a bulk import of
 * {@link IMPORTED_SPELLS} spells into the library). <target> says whose file operations
 * are counted (and the k-th one killed, SIGKILL, half done): `repo` (the backup repository), `vault`
 * (the vault's own files) or `new` (the new vault a restore into a folder builds, in
 * {@link restoredFolder}). Prints `OPS <n>` with the number of mutating file operations when it
 * finishes (killAt 0), so the parent knows how many crash points there are.
 */
import { writeSync } from 'node:fs';
import { join } from 'node:path';
import { DataManager } from '../../src/core/api';
import { BackupService } from '../../src/core/backup/service';
import { repairEverything } from '../../src/core/health';
import { importDrafts } from '../../src/core/import';
import { repositoryDeps } from '../../src/node/backups';
import { silentLogger } from '../../src/node/dataManager';
import type { NodeFileStore } from '../../src/node/fileStore';
import { restoreIntoFolder } from '../../src/node/restoreFolder';
import { loadSqlJs } from '../../src/node/sqljs';
import { CrashingFileStore } from './crashingFileStore';
import { PASSWORD, crashManager } from './manager';

const say = (line: string) => writeSync(1, `${line}\n`);

export const repoDir = (vaultDir: string) => join(vaultDir, '.campaign-vault', 'backups');
/** How many spells the `import` operation imports at once. */
export const IMPORTED_SPELLS = 60;

/** Where `restore-to` puts the new vault: beside the vault's folder. */
export const restoredFolder = (vaultDir: string) => join(vaultDir, '..', 'restored');

async function main(): Promise<void> {
  const [dir, stateDir, operation, target, killAtText] = process.argv.slice(2);
  const killAt = Number(killAtText ?? 0);
  const { dm, store } = crashManager(dir!, stateDir!, target === 'vault' ? killAt : 0);
  const deps = repositoryDeps(repoDir(dir!), 'backup crash worker');
  const repoStore = new CrashingFileStore(deps.files as NodeFileStore, target === 'repo' ? killAt : 0);
  const backups = new BackupService({ vault: dm.backupVault(), repo: { ...deps, files: repoStore }, extensionVersion: 'crash', sql: loadSqlJs, logger: silentLogger });
  let newStore: CrashingFileStore | undefined;
  await dm.unlock(PASSWORD);
  say('READY');
  if (operation === 'backup') {
    const s = await backups.create({ note: 'crash' });
    say(`ACK ${s.id}`);
  } else if (operation === 'prune') {
    const r = await backups.prune({ last: 1, hourly: 0, daily: 0, weekly: 0, monthly: 0 });
    say(`ACK ${r.kept.join(',')}`);
  } else if (operation === 'restore') {
    const { snapshots } = await backups.list();
    await backups.restore(snapshots[0]!.id, { inPlace: true });
    say(`ACK ${snapshots[0]!.id}`);
  } else if (operation === 'restore-to') {
    const { snapshots } = await backups.list();
    const r = await restoreIntoFolder(backups, snapshots[0]!.id, restoredFolder(dir!), {
      password: PASSWORD,
      newVault: DataManager.newVaultFactory((folder) => {
        const made = crashManager(folder, stateDir!, target === 'new' ? killAt : 0);
        newStore = made.store;
        return made.dm;
      }),
    });
    say(`ACK ${r.snapshot.id}`);
  } else if (operation === 'import') {
    const drafts = Array.from({ length: IMPORTED_SPELLS }, (_, i) => ({ kind: 'spell' as const, body: { name: `Imported spell ${i}`, level: i % 10, description: 'words '.repeat(100) }, links: [], file: 'spells.json', where: `[${i}]` }));
    const r = await importDrafts(dm, drafts);
    say(`ACK ${r.created.length}`);
  } else if (operation === 'repair') {
    const r = await repairEverything(dm.healthVault(), backups);
    say(`ACK ${r.fixed.length}`);
  }
  await dm.lock();
  // Every counted operation, from the unlock on: the parent kills at each of them in turn.
  say(`OPS ${target === 'vault' ? store.operations : target === 'new' ? (newStore?.operations ?? 0) : repoStore.operations}`);
}

if (require.main === module) {
  void main().catch((e: unknown) => {
    say(`ERROR ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exitCode = 1;
  });
}
