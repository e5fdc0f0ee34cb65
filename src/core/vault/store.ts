import { defaultSuite } from '../crypto/aead';
import type { KdfParams } from '../crypto/kdf';
import { VaultError } from '../errors';
import type { FileStore } from '../ports';
import { abortRotation, beginRotation, changePassword, finishRotation } from './rotation';
import { checkpoint, committedState, type CommittedState } from './checkpoint';
import { parseHeader, serializeHeader, type VaultHeader } from './header';
import { encodeJournalHeader, encodeRecord, journalKey, type JournalHeader } from './journal';
import { createKeys, unlockKeys, type UnlockSecret, type UnlockedKeys } from './keys';
import { DB_DIR, HEADER_FILE, MAX_HEADER_BYTES } from './layout';
import { checkPosition, recordPosition } from './position';
import { readBack, type ReadBack } from './readBack';
import { seal, unseal } from './sealed';
import {
  JOURNAL_RE,
  SNAPSHOT_RE,
  assertWritable,
  freshJournal,
  gens,
  journalFile,
  readJournals,
  removeLeftovers,
  snapshotFile,
  snapshotIdentity,
  snapshotMeta,
  type ActiveJournal,
  type LoadedState,
  type Position,
  type StoreState,
  type VaultStoreDeps,
} from './storeState';

// The store is split by concern: checkpoint.ts (snapshots, safety copies, the committed state for
// backups), rotation.ts (password and data-key changes), readBack.ts (the integrity check's
// re-read), position.ts (rollback detection), storeState.ts (what they share). This file keeps the
// class, its lifecycle (create, open, append, close) and the types importers use.
export type { CommittedState } from './checkpoint';
export type { FileReadBack, ReadBack } from './readBack';
export { journalFile, snapshotFile, type LoadedState, type Position, type VaultStoreDeps } from './storeState';

export interface OpenOptions {
  /** Open without taking the writer lock (and without writing anything). */
  readonly readOnly?: boolean;
  /**
   * Open even though this copy is older than the one last seen on this machine — only after the
   * user was warned what that can mean. Opened for writing, the choice is remembered for this copy
   * (it does not ask again), not for any other older copy.
   */
  readonly acceptRollback?: boolean;
}

/**
 * The vault on disk: header and keys, sealed database snapshots, the journal, the writer lock
 * and rollback detection. It knows nothing of SQL: it stores opaque snapshots and records.
 * See docs/FORMAT.md for the bytes and for why a crash at any point loses nothing acknowledged.
 */
export class VaultStore {
  private readonly s: StoreState;

  private constructor(
    deps: VaultStoreDeps,
    header: VaultHeader,
    keys: UnlockedKeys,
    lockRelease: (() => Promise<void>) | undefined,
    lockStillHeld: (() => Promise<boolean>) | undefined,
    snapshotGeneration: number,
    journal: ActiveJournal,
    position: Position,
  ) {
    this.s = {
      deps,
      header,
      keys,
      lockRelease,
      lockStillHeld,
      journal,
      checkpointChain: Promise.resolve(),
      snapshotGeneration,
      released: false,
      dirtyAfterFailure: false,
      journalBytes: 0,
      generationAtRotation: 0,
      snapshotMeta: undefined,
      position,
    };
  }

  get readOnly(): boolean {
    return this.s.lockRelease === undefined;
  }

  get vaultId(): string {
    return this.s.header.vaultId;
  }

  get encrypted(): boolean {
    return this.s.header.encryption !== 'none';
  }

  get currentHeader(): VaultHeader {
    return this.s.header;
  }

  get unlockedKeys(): UnlockedKeys {
    return this.s.keys;
  }

  /** Bytes appended to journals since the last checkpoint (drives background checkpoints). */
  get journalSize(): number {
    return this.s.journalBytes;
  }

  /** An append failed earlier; the in-memory state must be checkpointed before the next write. */
  get mustCheckpoint(): boolean {
    return this.s.dirtyAfterFailure;
  }

  static async readHeader(files: FileStore): Promise<VaultHeader | undefined> {
    const bytes = await files.readIfExists(HEADER_FILE, { maxBytes: MAX_HEADER_BYTES });
    return bytes === undefined ? undefined : parseHeader(bytes);
  }

  /**
   * Creates a vault holding `initialDatabase`. The header is written last: until it lands, the
   * folder holds no vault, so a crash during creation leaves nothing half-made behind.
   */
  static async create(
    deps: VaultStoreDeps,
    initialDatabase: Uint8Array,
    opts: { password?: string; kdf?: KdfParams },
  ): Promise<{ store: VaultStore; recoveryKey?: string }> {
    if (await deps.files.stat(HEADER_FILE)) throw new VaultError('exists', `${HEADER_FILE} exists`, { hint: 'This folder already holds a vault.' });
    const lock = await deps.lock.acquire(deps.owner);
    if (!lock.acquired) throw inUse(lock.holder);
    try {
      const suite = deps.suite ?? defaultSuite();
      const created = await createKeys({ ...opts, random: deps.random, suite, now: new Date(deps.clock.now()).toISOString() });
      // Leftovers of an earlier attempt that crashed before its header landed.
      for (const name of await deps.files.list(DB_DIR)) await deps.files.delete(`${DB_DIR}/${name}`);
      const sealed = await seal(snapshotIdentity(1), initialDatabase, { keys: created.keys, random: deps.random });
      await deps.files.writeAtomic(snapshotFile(1), sealed);
      await deps.files.writeAtomic(HEADER_FILE, serializeHeader(created.header));
      const store = new VaultStore(deps, created.header, created.keys, lock.release, lock.stillHeld, 1, freshJournal(1), { generation: 1, records: 0 });
      store.s.snapshotMeta = snapshotMeta(sealed, snapshotFile(1));
      await recordPosition(store.s, false);
      return { store, ...(created.recoveryKey ? { recoveryKey: created.recoveryKey } : {}) };
    } catch (e) {
      await lock.release();
      throw e;
    }
  }

  /**
   * Unlocks and loads: the newest snapshot and every journal record after it. Writes nothing when
   * the secret is wrong. Takes the writer lock unless `readOnly`; when another live process holds
   * it, opens read-only and says so through {@link readOnlyReason}.
   */
  static async open(deps: VaultStoreDeps, secret: UnlockSecret, opts: OpenOptions = {}): Promise<{ store: VaultStore; loaded: LoadedState; readOnlyReason?: VaultError }> {
    const header = await VaultStore.readHeader(deps.files);
    if (!header) throw new VaultError('not-found', `${HEADER_FILE} missing`, { hint: 'There is no vault in this folder.' });
    const suite = deps.suite ?? defaultSuite();
    const keys = await unlockKeys(header, secret, suite);
    let release: (() => Promise<void>) | undefined;
    let stillHeld: (() => Promise<boolean>) | undefined;
    let readOnlyReason: VaultError | undefined;
    if (!opts.readOnly) {
      const lock = await deps.lock.acquire(deps.owner);
      if (lock.acquired) {
        release = lock.release;
        stillHeld = lock.stillHeld;
      } else {
        readOnlyReason = inUse(lock.holder);
      }
    }
    try {
      const names = await deps.files.list(DB_DIR);
      const snapshots = gens(names, SNAPSHOT_RE);
      const journals = gens(names, JOURNAL_RE);
      const snapshotGen = snapshots.at(-1);
      if (snapshotGen === undefined) throw new VaultError('corrupt', 'no database snapshot', { hint: 'The vault has no database file.' });
      const sealedSnapshot = await deps.files.read(snapshotFile(snapshotGen));
      const snapshot = await unseal(sealedSnapshot, snapshotIdentity(snapshotGen), keys, snapshotFile(snapshotGen));
      const { records, journalBytes, last } = await readJournals(deps, keys, journals.filter((g) => g >= snapshotGen), true);
      const position: Position = last ? { generation: last.generation, records: last.records } : { generation: snapshotGen, records: 0 };
      const meta = snapshotMeta(sealedSnapshot, snapshotFile(snapshotGen));
      const { acceptedCopy } = await checkPosition(deps.state, header.vaultId, position, { acceptRollback: opts.acceptRollback === true, tornTail: last?.tornTail === true, tag: meta.tag });
      // Append to the newest journal unless its end was damaged; then start the next generation.
      let journal: ActiveJournal;
      if (!last) journal = freshJournal(snapshotGen);
      else if (last.tornTail || !last.header || !last.parsed) journal = freshJournal(last.generation + 1);
      else journal = { generation: last.generation, header: last.header, key: journalKey(keys, last.parsed), nextSeq: last.records + 1, poisoned: false };
      const store = new VaultStore(deps, header, keys, release, stillHeld, snapshotGen, journal, position);
      store.s.journalBytes = journalBytes;
      store.s.snapshotMeta = meta;
      if (acceptedCopy) store.s.acceptedCopy = acceptedCopy;
      if (!store.readOnly) {
        await removeLeftovers(store.s, names, snapshotGen);
        await recordPosition(store.s, false);
      }
      return { store, loaded: { snapshot, records }, ...(readOnlyReason ? { readOnlyReason } : {}) };
    } catch (e) {
      keys.wipe();
      await release?.();
      throw e;
    }
  }

  /**
   * Appends one committed transaction and resolves once it is durable. On failure the journal
   * file is retired (it may end in a partial record) and {@link mustCheckpoint} is set.
   */
  async append(record: Uint8Array): Promise<void> {
    const s = this.s;
    assertWritable(s);
    if (s.dirtyAfterFailure) throw new VaultError('io', 'a checkpoint is needed after a failed write');
    const j = s.journal;
    if (j.poisoned) throw new VaultError('io', 'journal retired after a failed write');
    let prefix: Uint8Array | undefined;
    if (!j.header) {
      const h: JournalHeader = { vaultId: s.keys.vaultId, generation: j.generation, keyId: s.keys.activeDataKey, salt: s.deps.random.bytes(16) };
      j.header = encodeJournalHeader(h);
      j.key = journalKey(s.keys, h);
      prefix = j.header;
    }
    const seq = j.nextSeq;
    const framed = await encodeRecord(s.keys, await j.key!, j.header, seq, record);
    const bytes = prefix ? concat(prefix, framed) : framed;
    try {
      await s.deps.files.append(journalFile(j.generation), bytes);
    } catch (e) {
      j.poisoned = true;
      s.dirtyAfterFailure = true;
      throw e;
    }
    j.nextSeq = seq + 1;
    s.journalBytes += bytes.length;
    s.position = { generation: j.generation, records: seq };
  }

  /**
   * Writes `database` (exported by the caller while no transaction runs) as the new snapshot.
   * The switch to a new journal happens synchronously, before the first await, so writes that
   * commit while the snapshot is being sealed go to the new journal and are replayed after it.
   */
  checkpoint(database: Uint8Array, opts: { safetyCopyOf?: Uint8Array; note?: string } = {}): Promise<number> {
    return checkpoint(this.s, database, opts);
  }

  /** Changes the password: one header write, nothing else touched. */
  changePassword(newPassword: string, kdf?: KdfParams): Promise<void> {
    return changePassword(this.s, newPassword, kdf);
  }

  /**
   * Step 1 of a data-key rotation (or of encrypting an unencrypted vault): writes a header that
   * holds both keys and marks the rotation, and makes the new key active. Step 2 is a checkpoint
   * (every object re-sealed under the new key); step 3 is {@link finishRotation}. A crash between
   * steps is resumed by {@link rotationPending} on the next open.
   */
  beginRotation(encryptWith?: { password: string; kdf?: KdfParams }): Promise<{ recoveryKey?: string }> {
    return beginRotation(this.s, encryptWith);
  }

  /**
   * Undoes step 1 of a rotation that was cancelled before anything was sealed with the new key
   * (the caller guarantees that: no write and no checkpoint ran since {@link beginRotation}).
   */
  abortRotation(): Promise<void> {
    return abortRotation(this.s);
  }

  get rotationPending(): boolean {
    return this.s.header.rotation !== undefined;
  }

  /** Step 3: drops the old key from the header once nothing sealed with it remains. */
  finishRotation(): Promise<void> {
    return finishRotation(this.s);
  }

  /**
   * The committed state as the disk holds it — the newest snapshot and the journal records after
   * it — for a backup that stores the database the way the vault does instead of exporting it. Only
   * when the disk holds exactly what the caller has in memory: the snapshot this store loaded or
   * wrote, the journals ending exactly where this store stands (a read-only store's writer may have
   * moved on), no failed append waiting for a checkpoint, no key rotation under way; otherwise
   * undefined. Waits for a running checkpoint. The caller holds the database between
   * transactions. The snapshot is read only on demand: a backup that has it already (same tag)
   * never reads it.
   */
  committedState(): Promise<CommittedState | undefined> {
    return committedState(this.s);
  }

  /**
   * Re-reads the vault's files from disk and authenticates each one: the header's MAC, every
   * snapshot and safety copy (every chunk), every journal record. Writes nothing. Waits for a
   * running checkpoint first, so it never sees one half done. Returns what each file holds and,
   * when the newest snapshot and the journals after it all read back, the state they load
   * (so the caller can compare it with what is open). For the integrity check (docs/INTEGRITY.md).
   */
  readBack(): Promise<ReadBack> {
    return readBack(this.s);
  }

  /** Releases the lock and wipes the keys. The store cannot be used afterwards. */
  async close(): Promise<void> {
    const s = this.s;
    if (s.released) return;
    s.released = true;
    await s.checkpointChain;
    try {
      // A retired journal may end in a partial record: that is not a clean close.
      if (!this.readOnly) await recordPosition(s, !s.journal.poisoned && !s.dirtyAfterFailure);
    } finally {
      s.keys.wipe();
      await s.deps.files.closeHandles?.();
      await s.lockRelease?.();
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export function inUse(holder: { pid: number; host: string; app: string; since?: string } | undefined): VaultError {
  const who = holder ? `${holder.app} (process ${holder.pid} on ${holder.host}${holder.since ? `, since ${holder.since}` : ''})` : 'another process';
  return new VaultError('in-use', `vault locked by ${who}`, { hint: `It is in use by ${who}.`, remedy: 'close-other-writers' });
}
