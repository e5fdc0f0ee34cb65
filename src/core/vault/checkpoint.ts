// Snapshots: writing a checkpoint (with an optional safety copy), and handing the committed state
// — the newest snapshot and the journal records after it — to a backup. Parts of VaultStore.
import { VaultError } from '../errors';
import { DB_DIR } from './layout';
import { comparePositions, recordPosition } from './position';
import { openSealed, seal } from './sealed';
import {
  JOURNAL_RE,
  SNAPSHOT_RE,
  assertLockHeld,
  assertOpen,
  assertWritable,
  freshJournal,
  gens,
  readJournals,
  removeLeftovers,
  safetyFile,
  safetyIdentity,
  snapshotFile,
  snapshotIdentity,
  snapshotMeta,
  type StoreState,
} from './storeState';

/** See {@link VaultStore.committedState}. */
export interface CommittedState {
  /**
   * `read` decrypts the snapshot a chunk at a time (each authenticated; a failure throws), each
   * into the same buffer: a chunk is valid until the next one is asked for.
   */
  readonly snapshot: { readonly tag: string; readonly size: number; read(): AsyncIterable<Uint8Array> };
  /** Transaction records after the snapshot, in commit order. */
  readonly records: readonly Uint8Array[];
  /** The journals' size on disk (records with their framing and headers). */
  readonly recordBytes: number;
}

/** {@link VaultStore.checkpoint}: the journal switch happens before the first await. */
export function checkpoint(s: StoreState, database: Uint8Array, opts: { safetyCopyOf?: Uint8Array; note?: string }): Promise<number> {
  assertWritable(s);
  const generation = Math.max(s.journal.generation, s.snapshotGeneration) + 1;
  s.journal = freshJournal(generation);
  const wasDirty = s.dirtyAfterFailure;
  s.dirtyAfterFailure = false;
  const run = async () => {
    let sealed: Uint8Array;
    try {
      if (opts.safetyCopyOf) {
        const safety = await seal(safetyIdentity(generation), opts.safetyCopyOf, { keys: s.keys, random: s.deps.random });
        await s.deps.files.writeAtomic(safetyFile(generation), safety);
      }
      sealed = await seal(snapshotIdentity(generation), database, { keys: s.keys, random: s.deps.random });
      await assertLockHeld(s);
      await s.deps.files.writeAtomic(snapshotFile(generation), sealed);
    } catch (e) {
      // The snapshot did not land, so the journals it would have replaced are still needed, and
      // the in-memory state after a failed append is still only in memory.
      if (wasDirty) s.dirtyAfterFailure = true;
      throw e;
    }
    if (generation >= s.snapshotGeneration) s.snapshotMeta = snapshotMeta(sealed, snapshotFile(generation));
    s.snapshotGeneration = Math.max(s.snapshotGeneration, generation);
    s.journalBytes = 0;
    if (comparePositions({ generation, records: 0 }, s.position) > 0) s.position = { generation, records: 0 };
    await recordPosition(s, false);
    await removeLeftovers(s, await s.deps.files.list(DB_DIR), generation);
    s.deps.logger.debug(`checkpoint ${generation}${opts.note ? ` (${opts.note})` : ''}: ${database.length} bytes`);
    return generation;
  };
  const result = s.checkpointChain.then(run, run);
  s.checkpointChain = result.catch(() => undefined);
  return result;
}

/** {@link VaultStore.committedState}: undefined unless the disk holds exactly what is in memory. */
export async function committedState(s: StoreState): Promise<CommittedState | undefined> {
  assertOpen(s);
  await s.checkpointChain;
  const meta = s.snapshotMeta;
  if (s.dirtyAfterFailure || s.journal.poisoned || s.header.rotation || !meta) return undefined;
  const gen = s.snapshotGeneration;
  const names = await s.deps.files.list(DB_DIR);
  if (gens(names, SNAPSHOT_RE).at(-1) !== gen) return undefined;
  const { records, journalBytes, last } = await readJournals(s.deps, s.keys, gens(names, JOURNAL_RE).filter((g) => g >= gen), false);
  if (comparePositions(last ?? { generation: gen, records: 0 }, s.position) !== 0) return undefined;
  const file = snapshotFile(gen);
  const { files } = s.deps;
  const keys = s.keys;
  const tag = meta.tag;
  async function* read(): AsyncGenerator<Uint8Array> {
    // Only a writer in another window (this one being read-only) can have replaced it since.
    const bytes = await files.readIfExists(file);
    if (!bytes || snapshotMeta(bytes, file).tag !== tag) throw new VaultError('in-use', `${file} replaced during a backup`, { hint: 'Another window saved the vault during the backup. Try again.' });
    // One buffer for every chunk, not a fresh megabyte each (docs/BACKUPS.md, "Speed").
    yield* (await openSealed(bytes, snapshotIdentity(gen), keys, file, { reuse: true })).pieces;
  }
  return { snapshot: { tag, size: meta.size, read }, records, recordBytes: journalBytes };
}
