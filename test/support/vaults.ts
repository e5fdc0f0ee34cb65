import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataManager, type DataManagerOptions } from '../../src/core/api';
import type { KdfParams } from '../../src/core/crypto/kdf';
import type { FileStore } from '../../src/core/ports';
import { LOCK_FILE } from '../../src/core/vault/layout';
import { silentLogger } from '../../src/node/dataManager';
import { NodeFileStore } from '../../src/node/fileStore';
import { NodeVaultLock, currentOwner } from '../../src/node/lock';
import { loadSqlJs } from '../../src/node/sqljs';
import { NodeStateStore } from '../../src/node/state';
import { nodeCipherSuite, nodeRandom, systemClock } from '../../src/node/system';

/** Argon2id fast enough for tests (the product never uses it). */
export const TEST_KDF: KdfParams = { algorithm: 'argon2id', memoryKiB: 64, iterations: 1, parallelism: 1 };

export interface TestVault {
  readonly root: string;
  readonly stateDir: string;
  readonly files: NodeFileStore;
  /** A DataManager on this folder; `wrap` can put a fault-injecting store in between. */
  manager(opts?: Partial<DataManagerOptions> & { wrap?: (f: FileStore) => FileStore; app?: string }): DataManager;
  dispose(): void;
}

export function tempVault(prefix = 'cv-test-'): TestVault {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const stateDir = join(root, '..', `${root.split('/').pop()}-state`);
  const files = new NodeFileStore(root);
  return {
    root,
    stateDir,
    files,
    manager(opts = {}) {
      const { wrap, app, ...rest } = opts;
      return new DataManager({
        files: wrap ? wrap(files) : files,
        lock: new NodeVaultLock(files.resolve(LOCK_FILE)),
        state: new NodeStateStore(stateDir),
        clock: systemClock,
        random: nodeRandom,
        logger: silentLogger,
        sql: loadSqlJs,
        owner: currentOwner(app ?? 'unit test'),
        suite: nodeCipherSuite,
        kdf: TEST_KDF,
        ...rest,
      });
    },
    dispose() {
      rmSync(root, { recursive: true, force: true });
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Path → SHA-256 of every file under `dir` (to prove nothing was written). */
export function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(p).isDirectory()) walk(p, r);
      else out[r] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir, '');
  return out;
}
