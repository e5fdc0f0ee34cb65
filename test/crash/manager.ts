// The vault every crash worker opens: real Node ports, with a file store that kills the process
// at its k-th mutating operation. Kept apart from worker.ts so other workers can import it
// without also running that worker's main (a bundle is its own require.main).
import { DataManager } from '../../src/core/api';
import { MIGRATIONS } from '../../src/core/db/migrations';
import { LOCK_FILE } from '../../src/core/vault/layout';
import { silentLogger } from '../../src/node/dataManager';
import { NodeFileStore } from '../../src/node/fileStore';
import { NodeVaultLock, currentOwner } from '../../src/node/lock';
import { loadSqlJs } from '../../src/node/sqljs';
import { NodeStateStore } from '../../src/node/state';
import { nodeCipherSuite, nodeRandom, systemClock } from '../../src/node/system';
import { CrashingFileStore } from './crashingFileStore';

export const CRASH_KDF = { algorithm: 'argon2id' as const, memoryKiB: 64, iterations: 1, parallelism: 1 };
export const PASSWORD = 'crash test';
export const NEW_PASSWORD = 'crash test 2';

export function crashManager(dir: string, stateDir: string, killAt: number, migrations = MIGRATIONS): { dm: DataManager; store: CrashingFileStore } {
  const files = new NodeFileStore(dir);
  const store = new CrashingFileStore(files, killAt);
  const dm = new DataManager({
    files: store,
    lock: new NodeVaultLock(files.resolve(LOCK_FILE)),
    state: new NodeStateStore(stateDir),
    clock: systemClock,
    random: nodeRandom,
    logger: silentLogger,
    sql: loadSqlJs,
    owner: currentOwner('crash worker'),
    suite: nodeCipherSuite,
    kdf: CRASH_KDF,
    migrations,
    // Small, so background checkpoints happen while writes go on.
    checkpointBytes: 6 * 1024,
  });
  return { dm, store };
}

