// Where the time of an unlock and of a checkpoint goes, step by step, redone with the vault's own
// public building blocks on a locked vault (nothing here changes the vault):
//   unlock     = KDF + unwrap (unlockKeys) → read the snapshot → unseal → open it in sql.js
//   checkpoint = export from sql.js → seal → atomic durable write
// plus what touching fresh memory costs on this machine, which every step that allocates pays.
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { utf8 } from '../src/core/bytes';
import { DB_DIR } from '../src/core/vault/layout';
import { unlockKeys } from '../src/core/vault/keys';
import { seal, unseal } from '../src/core/vault/sealed';
import { VaultStore, snapshotFile } from '../src/core/vault/store';
import { NodeFileStore } from '../src/node/fileStore';
import { loadSqlJs } from '../src/node/sqljs';
import { nodeCipherSuite, nodeRandom } from '../src/node/system';
import { now } from './stats';

export interface Breakdown {
  readonly snapshotBytes: number;
  readonly unlockKeysMs: number;
  readonly readMs: number;
  readonly unsealMs: number;
  readonly sqlOpenMs: number;
  readonly exportMs: number;
  readonly sealMs: number;
  readonly writeMs: number;
  /** Allocating and writing once to as many fresh bytes as the snapshot holds. */
  readonly freshMemoryMs: number;
}

/** The snapshot's object id as docs/FORMAT.md gives it ("db-snapshot", NUL-padded to 16 bytes). */
const SNAPSHOT_OBJECT_ID = utf8('db-snapshot\0\0\0\0\0');

export async function breakdown(folder: string, password: string, scratch: string): Promise<Breakdown> {
  const files = new NodeFileStore(folder);
  const header = await VaultStore.readHeader(files);
  if (!header) throw new Error(`no vault in ${folder}`);
  let t0 = now();
  const keys = await unlockKeys(header, { password }, nodeCipherSuite);
  const unlockKeysMs = now() - t0;
  const gens = readdirSync(path.join(folder, DB_DIR))
    .map((n) => /^snapshot-(\d+)\.cvs$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  const generation = gens.at(-1);
  if (generation === undefined) throw new Error('no snapshot');
  t0 = now();
  const sealedBytes = await files.read(snapshotFile(generation));
  const readMs = now() - t0;
  t0 = now();
  const plain = await unseal(sealedBytes, { kind: 'snapshot', objectId: SNAPSHOT_OBJECT_ID, generation }, keys, 'snapshot');
  const unsealMs = now() - t0;
  const SQL = await loadSqlJs();
  t0 = now();
  const db = new SQL.Database(plain);
  db.exec('SELECT count(*) FROM campaigns');
  const sqlOpenMs = now() - t0;
  t0 = now();
  const exported = db.export();
  const exportMs = now() - t0;
  db.close();
  t0 = now();
  const resealed = await seal({ kind: 'snapshot', objectId: SNAPSHOT_OBJECT_ID, generation: generation + 1 }, exported, { keys, random: nodeRandom });
  const sealMs = now() - t0;
  const out = new NodeFileStore(scratch);
  t0 = now();
  await out.writeAtomic('breakdown-snapshot.cvs', resealed);
  const writeMs = now() - t0;
  await out.delete('breakdown-snapshot.cvs');
  keys.wipe();
  t0 = now();
  const fresh = new Uint8Array(sealedBytes.length);
  fresh.fill(1);
  const freshMemoryMs = now() - t0;
  return { snapshotBytes: sealedBytes.length, unlockKeysMs, readMs, unsealMs, sqlOpenMs, exportMs, sealMs, writeMs, freshMemoryMs };
}
