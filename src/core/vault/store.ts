import { toHex, utf8 } from '../bytes';
import { defaultSuite, type AeadKey, type CipherSuite } from '../crypto/aead';
import type { KdfParams } from '../crypto/kdf';
import { VaultError } from '../errors';
import type { Clock, FileStore, Logger, Random, StateStore, VaultLock } from '../ports';
import { parseHeader, serializeHeader, type VaultHeader } from './header';
import { JOURNAL_HEADER_BYTES, encodeJournalHeader, encodeRecord, journalKey, readJournal, type JournalHeader } from './journal';
import { createKeys, newEncryptedMasterKey, rewrapPassword, signHeader, unlockKeys, wrapDataKey, type UnlockSecret, type UnlockedKeys } from './keys';
import { DB_DIR, HEADER_FILE } from './layout';
import { openSealed, peekSealedHeader, seal, unseal, type SealedIdentity } from './sealed';

export interface VaultStoreDeps {
  readonly files: FileStore;
  readonly lock: VaultLock;
  readonly state: StateStore;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  /** Defaults to WebCrypto, else @noble/ciphers. */
  readonly suite?: CipherSuite;
  /** Shown to a second window that finds the vault in use. */
  readonly owner: { readonly pid: number; readonly host: string; readonly app: string };
}

const SNAPSHOT_RE = /^snapshot-(\d{1,15})\.cvs$/;
const JOURNAL_RE = /^journal-(\d{1,15})\.cvj$/;
const SNAPSHOT_OBJECT_ID = utf8('db-snapshot\0\0\0\0\0');
const SAFETY_OBJECT_ID = utf8('db-safety-copy\0\0');

const pad = (n: number) => String(n).padStart(12, '0');
export const snapshotFile = (gen: number) => `${DB_DIR}/snapshot-${pad(gen)}.cvs`;
export const journalFile = (gen: number) => `${DB_DIR}/journal-${pad(gen)}.cvj`;
const snapshotIdentity = (gen: number): SealedIdentity => ({ kind: 'snapshot', objectId: SNAPSHOT_OBJECT_ID, generation: gen });

/** Where the vault's history stands: the newest generation and the records in its journal. */
export interface Position {
  readonly generation: number;
  readonly records: number;
}

const comparePositions = (a: Position, b: Position) => a.generation - b.generation || a.records - b.records;

/** What {@link VaultStore.open} hands to the database layer to rebuild the database. */
export interface LoadedState {
  readonly snapshot: Uint8Array;
  /** Transaction records after the snapshot, in commit order. */
  readonly records: Uint8Array[];
}

/** One file of `.campaign-vault/` as {@link VaultStore.readBack} found it. */
export interface FileReadBack {
  /** Path inside the workspace folder. */
  readonly file: string;
  /**
   * `header`: vault.json; `snapshot`: the newest snapshot; `journal`: a journal it loads;
   * `safety`: a safety copy; `leftover`: a file a finished checkpoint made obsolete, or a temporary
   * file of an interrupted write; `unknown`: not a vault file; `gone`: listed, then vanished.
   */
  readonly kind: 'header' | 'snapshot' | 'journal' | 'safety' | 'leftover' | 'unknown' | 'gone';
  /** Why it failed to authenticate or parse; absent when it is sound. */
  readonly problem?: string;
  /** Journals: valid records, and whether an interrupted append was dropped at the end. */
  readonly records?: number;
  readonly tornTail?: boolean;
}

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

export interface ReadBack {
  readonly files: readonly FileReadBack[];
  /** The newest snapshot and the records after it, when all of them read back. */
  readonly loaded?: LoadedState;
}

interface ActiveJournal {
  readonly generation: number;
  header?: Uint8Array;
  key?: Promise<AeadKey>;
  nextSeq: number;
  /** An append failed: this file may end in a partial record, so it takes no more appends. */
  poisoned: boolean;
}

export interface OpenOptions {
  /** Open without taking the writer lock (and without writing anything). */
  readonly readOnly?: boolean;
  /** Open even though this copy is older than the one last seen on this machine. */
  readonly acceptRollback?: boolean;
}

/**
 * The vault on disk: header and keys, sealed database snapshots, the journal, the writer lock
 * and rollback detection. It knows nothing of SQL: it stores opaque snapshots and records.
 * See docs/FORMAT.md for the bytes and for why a crash at any point loses nothing acknowledged.
 */
export class VaultStore {
  private journal: ActiveJournal;
  private checkpointChain: Promise<unknown> = Promise.resolve();
  private snapshotGeneration: number;
  private released = false;
  /** Set after an append failed: the next write must first checkpoint (see {@link mustCheckpoint}). */
  private dirtyAfterFailure = false;
  private journalBytes = 0;
  private generationAtRotation = 0;
  /** The newest snapshot's tag and plaintext size (see {@link committedState}). */
  private snapshotMeta: { tag: string; size: number } | undefined;

  private constructor(
    private readonly deps: VaultStoreDeps,
    private header: VaultHeader,
    private readonly keys: UnlockedKeys,
    private readonly lockRelease: (() => Promise<void>) | undefined,
    private readonly lockStillHeld: (() => Promise<boolean>) | undefined,
    snapshotGeneration: number,
    journal: ActiveJournal,
    private position: Position,
  ) {
    this.snapshotGeneration = snapshotGeneration;
    this.journal = journal;
  }

  get readOnly(): boolean {
    return this.lockRelease === undefined;
  }

  get vaultId(): string {
    return this.header.vaultId;
  }

  get encrypted(): boolean {
    return this.header.encryption !== 'none';
  }

  get currentHeader(): VaultHeader {
    return this.header;
  }

  get unlockedKeys(): UnlockedKeys {
    return this.keys;
  }

  /** Bytes appended to journals since the last checkpoint (drives background checkpoints). */
  get journalSize(): number {
    return this.journalBytes;
  }

  /** An append failed earlier; the in-memory state must be checkpointed before the next write. */
  get mustCheckpoint(): boolean {
    return this.dirtyAfterFailure;
  }

  static async readHeader(files: FileStore): Promise<VaultHeader | undefined> {
    const bytes = await files.readIfExists(HEADER_FILE);
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
      store.snapshotMeta = snapshotMeta(sealed, snapshotFile(1));
      await store.recordPosition(false);
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
      const seen = await readPosition(deps.state, header.vaultId);
      if (seen && comparePositions(position, seen) < 0 && !opts.acceptRollback) {
        throw new VaultError('rolled-back', `found ${describePosition(position)}, last seen ${describePosition(seen)}`);
      }
      // An interrupted append is only possible if the vault was not closed cleanly at this position.
      if (seen?.clean && comparePositions(position, seen) === 0 && last?.tornTail) {
        throw new VaultError('corrupt', `${journalFile(last.generation)}: bytes after the last record, but the vault was closed cleanly`);
      }
      // Append to the newest journal unless its end was damaged; then start the next generation.
      let journal: ActiveJournal;
      if (!last) journal = freshJournal(snapshotGen);
      else if (last.tornTail || !last.header || !last.parsed) journal = freshJournal(last.generation + 1);
      else journal = { generation: last.generation, header: last.header, key: journalKey(keys, last.parsed), nextSeq: last.records + 1, poisoned: false };
      const store = new VaultStore(deps, header, keys, release, stillHeld, snapshotGen, journal, position);
      store.journalBytes = journalBytes;
      store.snapshotMeta = snapshotMeta(sealedSnapshot, snapshotFile(snapshotGen));
      if (!store.readOnly) {
        await store.removeLeftovers(names, snapshotGen);
        await store.recordPosition(false);
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
    this.assertWritable();
    if (this.dirtyAfterFailure) throw new VaultError('io', 'a checkpoint is needed after a failed write');
    const j = this.journal;
    if (j.poisoned) throw new VaultError('io', 'journal retired after a failed write');
    let prefix: Uint8Array | undefined;
    if (!j.header) {
      const h: JournalHeader = { vaultId: this.keys.vaultId, generation: j.generation, keyId: this.keys.activeDataKey, salt: this.deps.random.bytes(16) };
      j.header = encodeJournalHeader(h);
      j.key = journalKey(this.keys, h);
      prefix = j.header;
    }
    const seq = j.nextSeq;
    const framed = await encodeRecord(this.keys, await j.key!, j.header, seq, record);
    const bytes = prefix ? concat(prefix, framed) : framed;
    try {
      await this.deps.files.append(journalFile(j.generation), bytes);
    } catch (e) {
      j.poisoned = true;
      this.dirtyAfterFailure = true;
      throw e;
    }
    j.nextSeq = seq + 1;
    this.journalBytes += bytes.length;
    this.position = { generation: j.generation, records: seq };
  }

  /**
   * Writes `database` (exported by the caller while no transaction runs) as the new snapshot.
   * The switch to a new journal happens synchronously, before the first await, so writes that
   * commit while the snapshot is being sealed go to the new journal and are replayed after it.
   */
  checkpoint(database: Uint8Array, opts: { safetyCopyOf?: Uint8Array; note?: string } = {}): Promise<number> {
    this.assertWritable();
    const generation = Math.max(this.journal.generation, this.snapshotGeneration) + 1;
    this.journal = freshJournal(generation);
    const wasDirty = this.dirtyAfterFailure;
    this.dirtyAfterFailure = false;
    const run = async () => {
      let sealed: Uint8Array;
      try {
        if (opts.safetyCopyOf) {
          const safety = await seal({ kind: 'safety', objectId: SAFETY_OBJECT_ID, generation }, opts.safetyCopyOf, { keys: this.keys, random: this.deps.random });
          await this.deps.files.writeAtomic(`${DB_DIR}/safety-${pad(generation)}.cvs`, safety);
        }
        sealed = await seal(snapshotIdentity(generation), database, { keys: this.keys, random: this.deps.random });
        await this.assertLockHeld();
        await this.deps.files.writeAtomic(snapshotFile(generation), sealed);
      } catch (e) {
        // The snapshot did not land, so the journals it would have replaced are still needed, and
        // the in-memory state after a failed append is still only in memory.
        if (wasDirty) this.dirtyAfterFailure = true;
        throw e;
      }
      if (generation >= this.snapshotGeneration) this.snapshotMeta = snapshotMeta(sealed, snapshotFile(generation));
      this.snapshotGeneration = Math.max(this.snapshotGeneration, generation);
      this.journalBytes = 0;
      if (comparePositions({ generation, records: 0 }, this.position) > 0) this.position = { generation, records: 0 };
      await this.recordPosition(false);
      await this.removeLeftovers(await this.deps.files.list(DB_DIR), generation);
      this.deps.logger.debug(`checkpoint ${generation}${opts.note ? ` (${opts.note})` : ''}: ${database.length} bytes`);
      return generation;
    };
    const result = this.checkpointChain.then(run, run);
    this.checkpointChain = result.catch(() => undefined);
    return result;
  }

  /** Changes the password: one header write, nothing else touched. */
  async changePassword(newPassword: string, kdf?: KdfParams): Promise<void> {
    this.assertWritable();
    if (this.header.encryption === 'none') throw new VaultError('unsupported', 'vault is not encrypted', { hint: 'Encrypt the vault first.' });
    const next = await rewrapPassword(this.header, this.keys, newPassword, this.deps.random, kdf);
    await this.writeHeader(next);
  }

  /**
   * Step 1 of a data-key rotation (or of encrypting an unencrypted vault): writes a header that
   * holds both keys and marks the rotation, and makes the new key active. Step 2 is a checkpoint
   * (every object re-sealed under the new key); step 3 is {@link finishRotation}. A crash between
   * steps is resumed by {@link rotationPending} on the next open.
   */
  async beginRotation(encryptWith?: { password: string; kdf?: KdfParams }): Promise<{ recoveryKey?: string }> {
    this.assertWritable();
    if (this.header.rotation) return {};
    const from = this.header.activeDataKey;
    const to = Math.max(...this.header.dataKeys.map((d) => d.id)) + 1;
    const newKey = this.deps.random.bytes(32);
    const { mac: _mac, ...rest } = this.header;
    let next: Omit<VaultHeader, 'mac'>;
    let masterKey = this.keys.exportMasterKey();
    let recoveryKey: string | undefined;
    if (encryptWith) {
      if (this.header.encryption !== 'none') throw new VaultError('unsupported', 'vault is already encrypted');
      const m = await newEncryptedMasterKey(this.header, encryptWith.password, this.deps.random, this.keys.suite, encryptWith.kdf);
      masterKey = m.masterKey;
      recoveryKey = m.recoveryKey;
      next = {
        ...rest,
        encryption: 'aes-256-gcm',
        kdf: m.kdf,
        keySlots: m.keySlots,
        dataKeys: [await wrapDataKey(this.keys.suite, this.deps.random, this.header.vaultId, masterKey, from, this.keys.exportDataKey(from))],
      };
    } else {
      next = { ...rest, dataKeys: [...rest.dataKeys] };
    }
    next = {
      ...next,
      dataKeys: [...next.dataKeys, await wrapDataKey(this.keys.suite, this.deps.random, this.header.vaultId, masterKey, to, newKey)],
      activeDataKey: to,
      rotation: { from, to, startedAt: new Date(this.deps.clock.now()).toISOString() },
    };
    const signed = await signHeader(masterKey, next);
    // Journal records appended from here on are sealed with the new key: start a fresh journal.
    if (this.journal.header) this.journal = freshJournal(this.journal.generation + 1);
    this.generationAtRotation = this.snapshotGeneration;
    await this.writeHeader(signed);
    if (encryptWith) this.keys.replaceMasterKey(masterKey);
    this.keys.addDataKey(to, newKey);
    this.keys.activeDataKey = to;
    return recoveryKey ? { recoveryKey } : {};
  }

  /**
   * Undoes step 1 of a rotation that was cancelled before anything was sealed with the new key
   * (the caller guarantees that: no write and no checkpoint ran since {@link beginRotation}).
   */
  async abortRotation(): Promise<void> {
    const r = this.header.rotation;
    if (!r || this.journal.header || this.snapshotGeneration > this.generationAtRotation) {
      throw new VaultError('unsupported', 'rotation cannot be undone any more');
    }
    const { mac: _mac, rotation: _rotation, ...rest } = this.header;
    const next = await signHeader(this.keys.exportMasterKey(), { ...rest, dataKeys: rest.dataKeys.filter((d) => d.id !== r.to), activeDataKey: r.from });
    await this.writeHeader(next);
    this.keys.activeDataKey = r.from;
    this.keys.dropDataKey(r.to);
  }

  get rotationPending(): boolean {
    return this.header.rotation !== undefined;
  }

  /** Step 3: drops the old key from the header once nothing sealed with it remains. */
  async finishRotation(): Promise<void> {
    const r = this.header.rotation;
    if (!r) return;
    await this.checkpointChain;
    const { mac: _mac, rotation: _rotation, ...rest } = this.header;
    const next = await signHeader(this.keys.exportMasterKey(), { ...rest, dataKeys: rest.dataKeys.filter((d) => d.id !== r.from) });
    await this.writeHeader(next);
    this.keys.dropDataKey(r.from);
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
  async committedState(): Promise<CommittedState | undefined> {
    if (this.released) throw new VaultError('locked', 'vault store closed');
    await this.checkpointChain;
    const meta = this.snapshotMeta;
    if (this.dirtyAfterFailure || this.journal.poisoned || this.header.rotation || !meta) return undefined;
    const gen = this.snapshotGeneration;
    const names = await this.deps.files.list(DB_DIR);
    if (gens(names, SNAPSHOT_RE).at(-1) !== gen) return undefined;
    const { records, journalBytes, last } = await readJournals(this.deps, this.keys, gens(names, JOURNAL_RE).filter((g) => g >= gen), false);
    if (comparePositions(last ?? { generation: gen, records: 0 }, this.position) !== 0) return undefined;
    const file = snapshotFile(gen);
    const { files } = this.deps;
    const keys = this.keys;
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

  /**
   * Re-reads the vault's files from disk and authenticates each one: the header's MAC, every
   * snapshot and safety copy (every chunk), every journal record. Writes nothing. Waits for a
   * running checkpoint first, so it never sees one half done. Returns what each file holds and,
   * when the newest snapshot and the journals after it all read back, the state they load
   * (so the caller can compare it with what is open). For the integrity check (docs/INTEGRITY.md).
   */
  async readBack(): Promise<ReadBack> {
    if (this.released) throw new VaultError('locked', 'vault store closed');
    await this.checkpointChain;
    const files: FileReadBack[] = [];
    const problem = (e: unknown) => (e instanceof VaultError ? e.message : String(e));
    const bytesOrGone = async (file: string): Promise<Uint8Array | undefined> => {
      const bytes = await this.deps.files.readIfExists(file);
      if (bytes === undefined) files.push({ file, kind: 'gone' });
      return bytes;
    };
    const headerBytes = await bytesOrGone(HEADER_FILE);
    if (headerBytes) {
      try {
        const onDisk = parseHeader(headerBytes);
        const { mac: _mac, ...rest } = onDisk;
        const masterKey = this.keys.exportMasterKey().slice();
        try {
          const expected = await signHeader(masterKey, rest);
          if (expected.mac !== onDisk.mac) files.push({ file: HEADER_FILE, kind: 'header', problem: 'header MAC mismatch' });
          else if (onDisk.vaultId !== this.header.vaultId) files.push({ file: HEADER_FILE, kind: 'header', problem: 'header of another vault' });
          else files.push({ file: HEADER_FILE, kind: 'header' });
        } finally {
          masterKey.fill(0);
        }
      } catch (e) {
        files.push({ file: HEADER_FILE, kind: 'header', problem: problem(e) });
      }
    }
    const names = (await this.deps.files.list(DB_DIR)).sort();
    const snapshots = gens(names, SNAPSHOT_RE);
    const newest = snapshots.at(-1);
    let snapshot: Uint8Array | undefined;
    let loadable = newest !== undefined;
    const records: Uint8Array[] = [];
    for (const name of names) {
      const file = `${DB_DIR}/${name}`;
      const s = SNAPSHOT_RE.exec(name);
      const j = JOURNAL_RE.exec(name);
      const safety = /^safety-(\d{1,15})\.cvs$/.exec(name);
      if (s) {
        const gen = Number(s[1]);
        const bytes = await bytesOrGone(file);
        if (!bytes) {
          if (gen === newest) loadable = false;
          continue;
        }
        try {
          const plain = await unseal(bytes, snapshotIdentity(gen), this.keys, file);
          if (gen === newest) snapshot = plain;
          files.push({ file, kind: gen === newest ? 'snapshot' : 'leftover' });
        } catch (e) {
          if (gen === newest) loadable = false;
          files.push({ file, kind: gen === newest ? 'snapshot' : 'leftover', problem: problem(e) });
        }
      } else if (j) {
        const gen = Number(j[1]);
        const current = newest !== undefined && gen >= newest;
        const bytes = await bytesOrGone(file);
        if (!bytes) {
          if (current) loadable = false;
          continue;
        }
        if (bytes.length < JOURNAL_HEADER_BYTES) {
          // Created but its first append never completed: an interrupted, unacknowledged write.
          files.push({ file, kind: current ? 'journal' : 'leftover', records: 0, tornTail: true });
          continue;
        }
        try {
          const read = await readJournal(bytes, this.keys, gen, file);
          if (current) records.push(...read.records);
          files.push({ file, kind: current ? 'journal' : 'leftover', records: read.records.length, tornTail: read.tornTail });
        } catch (e) {
          if (current) loadable = false;
          files.push({ file, kind: current ? 'journal' : 'leftover', problem: problem(e) });
        }
      } else if (safety) {
        const gen = Number(safety[1]);
        const bytes = await bytesOrGone(file);
        if (!bytes) continue;
        try {
          await unseal(bytes, { kind: 'safety', objectId: SAFETY_OBJECT_ID, generation: gen }, this.keys, file);
          files.push({ file, kind: 'safety' });
        } catch (e) {
          files.push({ file, kind: 'safety', problem: problem(e) });
        }
      } else if (name.endsWith('.tmp')) {
        files.push({ file, kind: 'leftover' });
      } else {
        files.push({ file, kind: 'unknown' });
      }
    }
    if (newest === undefined) files.push({ file: DB_DIR, kind: 'snapshot', problem: 'no database snapshot' });
    return { files, ...(loadable && snapshot ? { loaded: { snapshot, records } } : {}) };
  }

  /** Releases the lock and wipes the keys. The store cannot be used afterwards. */
  async close(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.checkpointChain;
    try {
      // A retired journal may end in a partial record: that is not a clean close.
      if (!this.readOnly) await this.recordPosition(!this.journal.poisoned && !this.dirtyAfterFailure);
    } finally {
      this.keys.wipe();
      await this.deps.files.closeHandles?.();
      await this.lockRelease?.();
    }
  }

  private async writeHeader(next: VaultHeader): Promise<void> {
    await this.assertLockHeld();
    await this.deps.files.writeAtomic(HEADER_FILE, serializeHeader(next));
    this.header = next;
  }

  private assertWritable(): void {
    if (this.released) throw new VaultError('locked', 'vault store closed');
    if (this.readOnly) throw new VaultError('read-only-session', 'opened without the writer lock');
  }

  private async assertLockHeld(): Promise<void> {
    if (this.lockStillHeld && !(await this.lockStillHeld())) {
      throw new VaultError('in-use', 'the writer lock was taken over by another process');
    }
  }

  /**
   * Remembers outside the vault how far it got, and whether it was closed cleanly there: the
   * next open refuses an older position (a rollback) and, after a clean close, a damaged tail.
   */
  private async recordPosition(clean: boolean): Promise<void> {
    const key = `vault/${this.header.vaultId}/position`;
    const seen = await readPosition(this.deps.state, this.header.vaultId);
    const order = seen ? comparePositions(this.position, seen) : 1;
    if (order > 0 || (order === 0 && seen?.clean !== clean)) {
      await this.deps.state.set(key, JSON.stringify({ ...this.position, clean }));
    }
  }

  /** Files a finished checkpoint made obsolete, and temporary files of interrupted writes. */
  private async removeLeftovers(names: string[], keepFrom: number): Promise<void> {
    for (const name of names) {
      const s = SNAPSHOT_RE.exec(name);
      const j = JOURNAL_RE.exec(name);
      const obsolete = (s && Number(s[1]) < keepFrom) || (j && Number(j[1]) < keepFrom) || name.endsWith('.tmp');
      if (obsolete) await this.deps.files.delete(`${DB_DIR}/${name}`);
    }
    // Keep only the newest safety copy.
    const safety = names.filter((n) => /^safety-\d+\.cvs$/.test(n)).sort();
    for (const old of safety.slice(0, -1)) await this.deps.files.delete(`${DB_DIR}/${old}`);
  }
}

/**
 * Reads journals in order and keeps each one's valid prefix (an interrupted append at the end of a
 * file is dropped, as on open). `last` describes the newest one.
 */
async function readJournals(deps: VaultStoreDeps, keys: UnlockedKeys, generations: readonly number[], warn: boolean): Promise<{ records: Uint8Array[]; journalBytes: number; last: JournalEnd | undefined }> {
  const records: Uint8Array[] = [];
  let last: JournalEnd | undefined;
  let journalBytes = 0;
  for (const gen of generations) {
    const bytes = await deps.files.read(journalFile(gen));
    if (bytes.length < JOURNAL_HEADER_BYTES) {
      // Created but never completed its first append: an interrupted, unacknowledged write.
      last = { generation: gen, records: 0, tornTail: true };
      continue;
    }
    const j = await readJournal(bytes, keys, gen, journalFile(gen));
    if (j.tornTail && warn) deps.logger.warn(`${journalFile(gen)}: dropped an interrupted append at byte ${j.validLength}`);
    records.push(...j.records);
    journalBytes += j.validLength;
    last = { generation: gen, records: j.records.length, tornTail: j.tornTail, header: bytes.slice(0, JOURNAL_HEADER_BYTES), parsed: j.header };
  }
  return { records, journalBytes, last };
}

interface JournalEnd {
  readonly generation: number;
  readonly records: number;
  readonly tornTail: boolean;
  readonly header?: Uint8Array;
  readonly parsed?: JournalHeader;
}

/** A snapshot file's tag (its generation and the random salt it was sealed with: unique to that file) and plaintext size. */
function snapshotMeta(sealed: Uint8Array, what: string): { tag: string; size: number } {
  const h = peekSealedHeader(sealed, what);
  return { tag: `${h.generation}-${toHex(h.salt)}`, size: h.plaintextLength };
}

function freshJournal(generation: number): ActiveJournal {
  return { generation, nextSeq: 1, poisoned: false };
}

function gens(names: string[], re: RegExp): number[] {
  return names
    .map((n) => re.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function describePosition(p: Position): string {
  return `generation ${p.generation}, record ${p.records}`;
}

async function readPosition(state: StateStore, vaultId: string): Promise<(Position & { clean?: boolean }) | undefined> {
  const raw = await state.get(`vault/${vaultId}/position`);
  if (!raw) return undefined;
  try {
    const p = JSON.parse(raw) as Position & { clean?: boolean };
    if (Number.isSafeInteger(p.generation) && Number.isSafeInteger(p.records)) return p;
  } catch {
    // A damaged state file only weakens rollback detection; it never blocks opening.
  }
  return undefined;
}

export function inUse(holder: { pid: number; host: string; app: string; since?: string } | undefined): VaultError {
  const who = holder ? `${holder.app} (process ${holder.pid} on ${holder.host}${holder.since ? `, since ${holder.since}` : ''})` : 'another process';
  return new VaultError('in-use', `vault locked by ${who}`, { hint: `It is in use by ${who}.` });
}

