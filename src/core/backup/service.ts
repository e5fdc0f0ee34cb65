import type { SqlJsStatic } from 'sql.js';
import type { BackupSource, DatabaseSource, DataManager } from '../api';
import { Engine } from '../db/engine';
import { fromUtf8, toHex, utf8 } from '../bytes';
import { KINDS, type EntityKind } from '../db/kinds';
import { VaultError, isVaultError } from '../errors';
import type { Logger } from '../ports';
import { quoteName } from '../paths';
import { BackupRepository, chunkKey, decodeTree, encodeTree, packPath, type ChunkLocation, type RepoWriter, type RepositoryDeps } from './repository';
import { applyRetention } from './retention';
import type {
  BackupCancellation,
  BackupOptions,
  BackupProgress,
  Finding,
  PruneReport,
  RestoreResult,
  RestoreTarget,
  RetentionPolicy,
  SnapshotInfo,
  SnapshotSizes,
  VerifyOptions,
  VerifyReport,
} from './types';
import { objectName, type PackTable } from './format';
import type { VaultFiles } from './port';

export type { VaultFiles } from './port';

/** One file of a snapshot: the vault's hash, its size and its blocks' chunk ids. */
interface FileEntry {
  readonly hash: string;
  readonly size: number;
  readonly blocks: readonly string[];
}

/** A snapshot manifest as stored (sealed JSON in `snapshots/<id>`). */
export interface Manifest extends SnapshotInfo {
  /** 2 when the database has a journal (older versions refuse it rather than restore the snapshot without its records). */
  readonly v: 1 | 2;
  readonly vaultId: string;
  readonly repoId: string;
  /** The highest audit sequence number in the snapshot: "did anything change since?". */
  readonly auditSeq: number;
  /**
   * The database image: its size, chunk size, and the root tree (a tree chunk listing the trees of
   * chunk ids). With `journal`, the image is the vault's own snapshot (`snapshot`: its tag) and the
   * database is that image with the journal's records replayed on it, as the vault loads itself;
   * the records are one stream (each a u32 length and its bytes) cut into chunks of `chunkBytes`.
   */
  readonly database: {
    readonly size: number;
    readonly chunkBytes: number;
    readonly root: string;
    readonly journal?: { readonly snapshot: string; readonly records: number; readonly size: number; readonly root: string };
  };
  /** 16 buckets by the first hex digit of the file hash: chunk id of the bucket's JSON, or null. */
  readonly files: readonly (string | null)[];
}

/** The file store of a DataManager, as the backups use it. */
export function vaultFiles(dm: DataManager): VaultFiles {
  return { read: (h) => dm.readFile(h), readMany: (h) => dm.readFiles(h), write: (d) => dm.writeFile(d), writeMany: (d) => dm.writeFiles(d), has: (h) => dm.hasFile(h) };
}

export interface BackupServiceOptions {
  readonly dm: DataManager;
  readonly repo: RepositoryDeps;
  readonly extensionVersion: string;
  /** The vault's files; the DataManager's file store by default. */
  readonly files?: VaultFiles;
  /** A repository opened already (with the password alone, when the vault is gone). */
  readonly repository?: BackupRepository;
  readonly sql: () => Promise<SqlJsStatic>;
  readonly logger: Logger;
}

const BUCKETS = 16;

function toInfo(m: Manifest): SnapshotInfo {
  return {
    id: m.id,
    shortId: m.id.slice(0, 8),
    time: m.time,
    kind: m.kind,
    ...(m.note ? { note: m.note } : {}),
    extensionVersion: m.extensionVersion,
    schemaVersion: m.schemaVersion,
    sizes: m.sizes,
    counts: m.counts,
    ...(m.missingFiles?.length ? { missingFiles: m.missingFiles } : {}),
  };
}

const isChunkId = (x: unknown) => typeof x === 'string' && /^[0-9a-f]{64}$/.test(x);

function checkManifest(doc: unknown, what: string): Manifest {
  const m = doc as Partial<Manifest>;
  const j = m?.database?.journal;
  const ok =
    m && (m.v === 1 ? j === undefined : m.v === 2 && j && typeof j.snapshot === 'string' && Number.isSafeInteger(j.records) && j.records >= 0 && Number.isSafeInteger(j.size) && j.size >= 0 && isChunkId(j.root)) &&
    typeof m.id === 'string' && typeof m.time === 'string' && typeof m.kind === 'string' &&
    m.database && Number.isInteger(m.database.size) && Number.isInteger(m.database.chunkBytes) && m.database.chunkBytes > 0 && isChunkId(m.database.root) &&
    Array.isArray(m.files) && m.files.length === BUCKETS && typeof m.sizes === 'object' && typeof m.counts === 'object';
  if (!ok) throw new VaultError('corrupt', `${what}: not a snapshot manifest`, { hint: 'A backup\'s description file is damaged.' });
  return { ...(m as Manifest), shortId: m.id!.slice(0, 8) };
}

/** Where a restore into a folder creates its vault, and how it is followed and cancelled. */
export interface RestoreExtra {
  newVault?: (folder: string) => { dm: DataManager; files?: VaultFiles };
  token?: BackupCancellation;
  progress?: BackupProgress;
}

/**
 * Backups of one vault into one repository: create, list, restore (whole or one entry, in place or
 * into a new folder), verify and prune. Every repository write holds the repository lock.
 */
export class BackupService {
  private repo: BackupRepository | undefined;

  private readonly files: VaultFiles;

  constructor(private readonly opts: BackupServiceOptions) {
    this.files = opts.files ?? vaultFiles(opts.dm);
    this.repo = opts.repository;
  }

  private opening: Promise<BackupRepository> | undefined;

  /** The tail of this service's queue of operations on the repository's data. */
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * Runs operations that read or write the repository's data one after another in this process: a
   * scheduled backup and a Verify started meanwhile would otherwise share the in-memory index (verify
   * reloads it under a running backup) or see a prune's half-deleted packs as damage, and a second
   * backup would fail on the repository lock this process itself holds. Other processes are kept
   * out by that lock. Each operation starts from the disk: decoded segments kept by an earlier one
   * may be stale (a file damaged or replaced since), and verify must see what is there now.
   */
  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      this.repo?.dropCache();
      return task();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The open repository; concurrent callers share one opening (or creation). */
  private open(source?: { keys: BackupSource['keys']; header: BackupSource['header'] }, create = false): Promise<BackupRepository> {
    if (this.repo && (!source || this.repo.vaultId === source.keys.vaultIdHex)) return Promise.resolve(this.repo);
    const pending = this.opening ?? this.openNow(source, create);
    this.opening = pending;
    return pending.finally(() => {
      if (this.opening === pending) this.opening = undefined;
    });
  }

  private async openNow(source: { keys: BackupSource['keys']; header: BackupSource['header'] } | undefined, create: boolean): Promise<BackupRepository> {
    const vault = source ?? (await this.opts.dm.backupKeys());
    if (!(await BackupRepository.exists(this.opts.repo.files))) {
      if (!create) throw new VaultError('not-found', 'no backups yet', { hint: 'There are no backups yet. Run "Create Backup" first.' });
      this.repo = await BackupRepository.init(this.opts.repo, vault);
    } else {
      this.repo = await BackupRepository.openWithVault(this.opts.repo, vault);
    }
    return this.repo;
  }

  /** Forgets the open repository (after the vault was locked or its folder changed). */
  close(): void {
    this.repo?.keys.wipe();
    this.repo = undefined;
    this.decoded = new Map();
  }

  // ── create ─────────────────────────────────────────────────────────────────────────────────

  create(opts: BackupOptions = {}): Promise<SnapshotInfo> {
    return this.exclusive(() => this.createNow(opts));
  }

  /**
   * One backup. When the vault's snapshot file cannot be read (damaged on disk while the vault is
   * open: just when a backup matters most), the backup starts again from the database in memory,
   * exported; what the first attempt wrote is reused.
   */
  private async createNow(opts: BackupOptions): Promise<SnapshotInfo> {
    try {
      return await this.createFrom(opts, false);
    } catch (e) {
      if (!(e instanceof SnapshotUnreadable)) throw e;
      this.opts.logger.warn(`backup: the vault's snapshot file could not be read (${String(e.cause)}); backing up the database in memory instead`);
      return this.createFrom(opts, true);
    }
  }

  private async createFrom(opts: BackupOptions, image: boolean): Promise<SnapshotInfo> {
    const token = opts.token;
    const cancelled = () => {
      if (token?.isCancellationRequested) throw new VaultError('cancelled', 'backup cancelled', { hint: 'Backup cancelled. No backup was recorded; what was already written is reused next time.' });
    };
    opts.progress?.report({ message: 'Reading the vault' });
    const { source, repo, release } = await this.sourceAndLock(image);
    try {
      const w = await repo.writer();
      this.decoding = new Map();
      const db = source.database;
      const dbBytes = db.kind === 'image' ? db.image.length : db.snapshot.size + recordsBytes(db.records);
      const total = dbBytes + source.files.reduce((n, f) => n + f.size, 0);
      let done = 0;
      const { manifests } = await this.manifests(repo);
      const parentFiles = await this.latestFiles(repo, manifests);
      const buckets: FileEntry[][] = Array.from({ length: BUCKETS }, () => []);
      const skipped: string[] = [];
      // Files the newest snapshot has (same hash) are not read again; the others are read in
      // batches whose reads overlap.
      const toRead: { hash: string; size: number }[] = [];
      for (const f of source.files) {
        const known = parentFiles.get(f.hash);
        if (known && known.blocks.every((b) => repo.has(b))) {
          w.reusedChunks += known.blocks.length;
          buckets[parseInt(f.hash[0]!, 16) % BUCKETS]!.push(known);
          done += f.size;
        } else toRead.push(f);
      }
      const readBatch = async (batch: { hash: string; size: number }[]): Promise<(Uint8Array | Error)[]> =>
        this.files.readMany ? this.files.readMany(batch.map((f) => f.hash)) : Promise.all(batch.map((f) => this.files.read(f.hash).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))))));
      const batches: { hash: string; size: number }[][] = [];
      for (let i = 0; i < toRead.length; ) {
        const batch: { hash: string; size: number }[] = [];
        let bytes = 0;
        while (i < toRead.length && batch.length < 32 && (batch.length === 0 || bytes + toRead[i]!.size <= 32 * 1024 * 1024)) {
          bytes += toRead[i]!.size;
          batch.push(toRead[i++]!);
        }
        batches.push(batch);
      }
      // The first batch of files is read while the database is chunked, and each next one while
      // the one before is hashed, compressed and written.
      let next = batches.length > 0 ? readBatch(batches[0]!) : undefined;
      next?.catch(() => undefined);
      const database = await this.storeDatabase(repo, w, db, manifests, (bytes) => {
        done += bytes;
        cancelled();
        opts.progress?.report({ message: 'Backing up the database', fraction: done / Math.max(1, total) });
      });
      for (const [b, batch] of batches.entries()) {
        const results = await next!;
        next = b + 1 < batches.length ? readBatch(batches[b + 1]!) : undefined;
        // Should this backup stop (cancelled, a write failed), the read ahead is not waited for.
        next?.catch(() => undefined);
        cancelled();
        opts.progress?.report({ message: 'Backing up files', fraction: done / Math.max(1, total) });
        for (const [k, f] of batch.entries()) {
          const data = results[k]!;
          done += f.size;
          if (data instanceof Error) {
            // A damaged or lost file must not stop every backup: it is left out and named, and the
            // snapshot says so (an earlier snapshot that has it keeps it: see `known` above).
            if (!isVaultError(data, 'corrupt') && !isVaultError(data, 'not-found')) throw data;
            skipped.push(f.hash);
            this.opts.logger.warn(`backup: file ${f.hash.slice(0, 12)} left out: ${data.message}`);
            continue;
          }
          const blocks: string[] = [];
          for (let off = 0; off < data.length || off === 0; off += repo.params.fileBlockBytes) {
            blocks.push(await w.add('file', data.subarray(off, Math.min(data.length, off + repo.params.fileBlockBytes))));
            if (data.length === 0) break;
          }
          buckets[parseInt(f.hash[0]!, 16) % BUCKETS]!.push({ hash: f.hash, size: data.length, blocks });
        }
      }
      const files: (string | null)[] = [];
      for (const b of buckets) {
        if (b.length === 0) {
          files.push(null);
          continue;
        }
        b.sort((x, y) => (x.hash < y.hash ? -1 : 1));
        const id = await w.add('files', utf8(JSON.stringify(b)));
        this.decoding.set(id, b);
        files.push(id);
      }
      cancelled();
      opts.progress?.report({ message: 'Writing the index', fraction: 0.97 });
      await w.finish();
      cancelled();
      const id = this.newSnapshotId();
      const sizes: SnapshotSizes = { logical: total, database: dbBytes, added: w.bytesAdded, newChunks: w.newChunks, reusedChunks: w.reusedChunks };
      const manifest: Manifest = {
        v: database.journal ? 2 : 1,
        id,
        shortId: id.slice(0, 8),
        time: new Date(this.opts.repo.clock.now()).toISOString(),
        kind: opts.kind ?? 'manual',
        ...(opts.note?.trim() ? { note: opts.note.trim().slice(0, 500) } : {}),
        extensionVersion: this.opts.extensionVersion,
        schemaVersion: source.schemaVersion,
        vaultId: source.keys.vaultIdHex,
        repoId: repo.id,
        auditSeq: source.auditSeq,
        counts: { ...source.counts, files: source.files.length - skipped.length },
        ...(skipped.length > 0 ? { missingFiles: skipped } : {}),
        sizes,
        database,
        files,
      };
      // The commit point: until this file is durable there is no snapshot.
      await repo.writeSnapshotFile(id, manifest);
      this.decoded = this.decoding;
      opts.progress?.report({ message: 'Done', fraction: 1 });
      this.opts.logger.info(`backup ${id.slice(0, 8)}: ${w.newChunks} new chunks, ${w.reusedChunks} reused, ${w.bytesAdded} bytes added`);
      return toInfo(manifest);
    } finally {
      repo.dropCache();
      await release();
    }
  }

  /** Random, so any 8 digits of it tell snapshots apart (order comes from the manifests' times). */
  private newSnapshotId(): string {
    return toHex(this.opts.repo.random.bytes(16));
  }

  /**
   * What the vault hands a backup, and the open repository with its lock held. When the repository
   * is open already, its lock is taken while the vault is read (both wait on the disk).
   */
  private async sourceAndLock(image: boolean): Promise<{ source: BackupSource; repo: BackupRepository; release: () => Promise<void> }> {
    const early = this.repo;
    const [source, lock] = await Promise.allSettled([this.opts.dm.backupSource({ image }), early?.acquireLock()]);
    const earlyRelease = lock.status === 'fulfilled' ? lock.value : undefined;
    try {
      if (source.status === 'rejected') throw source.reason;
      if (lock.status === 'rejected') throw lock.reason;
      const repo = await this.open(source.value, true);
      if (repo === early && earlyRelease) return { source: source.value, repo, release: earlyRelease };
      await earlyRelease?.();
      return { source: source.value, repo, release: await repo.acquireLock() };
    } catch (e) {
      await earlyRelease?.();
      throw e;
    }
  }

  /** The files of the newest readable snapshot, to skip reading files that did not change. */
  private async latestFiles(repo: BackupRepository, manifests: readonly Manifest[]): Promise<Map<string, FileEntry>> {
    for (const m of [...manifests].reverse()) {
      try {
        const out = new Map<string, FileEntry>();
        for (const f of await this.filesOf(repo, m, true)) out.set(f.hash, f);
        return out;
      } catch (e) {
        this.opts.logger.warn(`snapshot ${m.shortId} unreadable: ${String(e)}`);
      }
    }
    return new Map();
  }

  /** A snapshot's files; `remembered`: see {@link decodeOnce}. */
  private async filesOf(repo: BackupRepository, m: Manifest, remembered = false): Promise<FileEntry[]> {
    const out: FileEntry[] = [];
    for (const b of m.files) {
      if (!b) continue;
      const list = await this.decodeOnce(remembered, b, async () => {
        const parsed = JSON.parse(fromUtf8(await repo.readChunk(b, 'files'))) as FileEntry[];
        if (!Array.isArray(parsed)) throw new VaultError('corrupt', 'file list damaged', { hint: 'Part of this backup is damaged.' });
        return parsed;
      });
      out.push(...list);
    }
    return out;
  }

  /** The chunk ids under a root tree (a tree listing trees of chunk ids), and those trees; `remembered`: see {@link decodeOnce}. */
  private treeIds(repo: BackupRepository, root: string, remembered = false): Promise<{ readonly trees: readonly string[]; readonly ids: readonly string[] }> {
    return this.decodeOnce(remembered, root, async () => {
      const trees = decodeTree(await repo.readChunk(root, 'tree'), `root tree ${root.slice(0, 12)}`);
      const ids: string[] = [];
      for (const t of trees) ids.push(...decodeTree(await repo.readChunk(t, 'tree'), `tree ${t.slice(0, 12)}`));
      return { trees, ids };
    });
  }

  /**
   * The file lists and database trees the last backup decoded, by chunk id, for the next backup to
   * reuse: a chunk id is a keyed hash of the chunk's bytes, so what was decoded under it stays right
   * for as long as the id exists, and a backup still checks in the freshly loaded index that every
   * chunk it reuses is there. Verify, restore and prune never use this: they read from the disk.
   */
  private decoded = new Map<string, unknown>();
  /** What the running backup decoded or reused (becomes {@link decoded} when it succeeds). */
  private decoding = new Map<string, unknown>();

  private async decodeOnce<T>(remembered: boolean, id: string, decode: () => Promise<T>): Promise<T> {
    if (!remembered) return decode();
    const value = this.decoded.has(id) ? (this.decoded.get(id) as T) : await decode();
    this.decoding.set(id, value);
    return value;
  }

  /** Every chunk a snapshot references: its roots, trees, database and journal chunks, file lists and file blocks. */
  private async chunksOf(repo: BackupRepository, m: Manifest): Promise<string[]> {
    const out = this.manifestChunks(m);
    for (const root of [m.database.root, m.database.journal?.root]) {
      if (!root) continue;
      const { trees, ids } = await this.treeIds(repo, root);
      out.push(...trees, ...ids);
    }
    for (const f of await this.filesOf(repo, m)) out.push(...f.blocks);
    return out;
  }

  /** The chunks a manifest names itself. */
  private manifestChunks(m: Manifest): string[] {
    return [m.database.root, ...(m.database.journal ? [m.database.journal.root] : []), ...m.files.filter((b): b is string => b !== null)];
  }

  /** Chunks `ids` into the repository as trees of `treeFanout` ids under one root tree; returns the root. */
  private async addTree(repo: BackupRepository, w: RepoWriter, ids: readonly string[]): Promise<string> {
    const trees: string[] = [];
    for (let i = 0; i < ids.length; i += repo.params.treeFanout) trees.push(await w.add('tree', encodeTree(ids.slice(i, i + repo.params.treeFanout))));
    // The list of trees is a chunk too (binary ids, 32 bytes each), so the manifest stays small.
    const root = await w.add('tree', encodeTree(trees));
    this.decoding.set(root, { trees, ids });
    return root;
  }

  /**
   * Stores bytes, given as consecutive pieces of any sizes, in chunks of the repository's database
   * chunk size (page-aligned for SQLite's pages up to that size; the same chunks whatever the
   * pieces, so the same database stored as an image or decrypted from the vault deduplicates);
   * returns the root tree.
   */
  private async addChunked(repo: BackupRepository, w: RepoWriter, pieces: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, progress: (bytes: number) => void): Promise<string> {
    const ids: string[] = [];
    let pending = 0;
    for await (const chunk of fixedChunks(pieces, repo.params.dbChunkBytes)) {
      ids.push(await w.add('db', chunk));
      pending += chunk.length;
      if (ids.length % 256 === 0) {
        progress(pending);
        pending = 0;
      }
    }
    progress(pending);
    return this.addTree(repo, w, ids);
  }

  /**
   * Stores the database. An image goes in page-aligned chunks. The vault's own form goes as its
   * snapshot the same way — unless a snapshot here has that very snapshot (same tag) with all its
   * chunks, which are then reused without reading it — and its journal records as one stream of
   * chunks: an append-only stream, so only its end is new in the next backup.
   */
  private async storeDatabase(repo: BackupRepository, w: RepoWriter, db: DatabaseSource, manifests: readonly Manifest[], progress: (bytes: number) => void): Promise<Manifest['database']> {
    const chunkBytes = repo.params.dbChunkBytes;
    if (db.kind === 'image') return { size: db.image.length, chunkBytes, root: await this.addChunked(repo, w, [db.image], progress) };
    let root = await this.knownSnapshot(repo, w, manifests, db.snapshot.tag);
    if (root) progress(db.snapshot.size);
    else root = await this.addChunked(repo, w, unreadableAs(db.snapshot.read()), progress);
    const stream = encodeRecords(db.records);
    const journalRoot = await this.addChunked(repo, w, [stream], progress);
    return { size: db.snapshot.size, chunkBytes, root, journal: { snapshot: db.snapshot.tag, records: db.records.length, size: stream.length, root: journalRoot } };
  }

  /** The root of the newest snapshot that stored the vault snapshot `tag` and still has all its chunks. */
  private async knownSnapshot(repo: BackupRepository, w: RepoWriter, manifests: readonly Manifest[], tag: string): Promise<string | undefined> {
    for (const m of [...manifests].reverse()) {
      if (m.database.journal?.snapshot !== tag) continue;
      try {
        const { trees, ids } = await this.treeIds(repo, m.database.root, true);
        if (![m.database.root, ...trees, ...ids].every((id) => repo.has(id))) continue;
        w.reusedChunks += ids.length;
        return m.database.root;
      } catch (e) {
        this.opts.logger.warn(`snapshot ${m.shortId}: database tree unreadable: ${String(e)}`);
      }
    }
    return undefined;
  }

  // ── list ───────────────────────────────────────────────────────────────────────────────────

  /** Snapshots, oldest first; damaged manifests are listed apart. Empty when there is no repository yet. */
  async list(): Promise<{ snapshots: SnapshotInfo[]; damaged: { id: string; reason: string }[] }> {
    if (!(await BackupRepository.exists(this.opts.repo.files))) return { snapshots: [], damaged: [] };
    const repo = await this.open();
    const { manifests, damaged } = await this.manifests(repo);
    return { snapshots: manifests.map(toInfo), damaged };
  }

  private async manifests(repo: BackupRepository): Promise<{ manifests: Manifest[]; damaged: { id: string; reason: string }[] }> {
    const manifests: Manifest[] = [];
    const damaged: { id: string; reason: string }[] = [];
    for (const name of await repo.listSnapshotNames()) {
      try {
        const m = checkManifest(await repo.readSnapshotFile(name), `snapshots/${name}`);
        if (m.vaultId !== repo.vaultId) throw new VaultError('corrupt', 'snapshot of another vault', { hint: 'A backup of another vault was found among these backups.' });
        manifests.push(m);
      } catch (e) {
        damaged.push({ id: name, reason: isVaultError(e) ? e.message : String(e) });
      }
    }
    manifests.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.id < b.id ? -1 : 1));
    return { manifests, damaged };
  }

  /** Whether anything changed since the newest snapshot (for scheduled backups). */
  async changedSinceLast(): Promise<boolean> {
    if (!(await BackupRepository.exists(this.opts.repo.files))) return true;
    const repo = await this.open();
    const { manifests } = await this.manifests(repo);
    const last = manifests.at(-1);
    if (!last) return true;
    // A query, not an export: the schedule asks this every minute once the interval has passed.
    return (await this.opts.dm.auditSequence()) !== last.auditSeq;
  }

  /** A snapshot by full id, unique prefix, or `latest`. */
  async resolve(ref: string): Promise<Manifest> {
    const repo = await this.open();
    const { manifests } = await this.manifests(repo);
    const r = ref.trim().toLowerCase();
    const found = r === 'latest' ? manifests.slice(-1) : manifests.filter((m) => m.id.startsWith(r));
    if (found.length === 1) return found[0]!;
    throw new VaultError(found.length === 0 ? 'not-found' : 'invalid', `snapshot ${ref}`, {
      hint: found.length === 0 ? `There is no backup ${quoteName(ref)}. "backups" lists them.` : `More than one backup starts with ${quoteName(ref)}; give more of its id.`,
    });
  }

  // ── restore ────────────────────────────────────────────────────────────────────────────────

  /** A snapshot's database image, checked (the restore drill compares it with the original). */
  databaseImage(ref: string): Promise<Uint8Array> {
    return this.exclusive(() => this.databaseImageNow(ref));
  }

  private async databaseImageNow(ref: string): Promise<Uint8Array> {
    const repo = await this.open();
    try {
      return await this.image(repo, await this.resolve(ref));
    } finally {
      repo.dropCache();
    }
  }

  /**
   * The snapshot's database image, checked chunk by chunk and in length; with a journal, the
   * records are replayed on it as the vault does on unlock.
   */
  private async image(repo: BackupRepository, m: Manifest): Promise<Uint8Array> {
    const base = await this.joinChunks(repo, m.database.root, m.database.size, 'database');
    const j = m.database.journal;
    // No records after the snapshot (a backup right after a checkpoint): the snapshot is the database.
    if (!j || j.records === 0) return base;
    const records = decodeRecords(await this.joinChunks(repo, j.root, j.size, 'journal'), j.records);
    const engine = Engine.load(await this.opts.sql(), base, records, `backup ${m.shortId}: journal record`);
    try {
      return engine.export();
    } finally {
      engine.close();
    }
  }

  /** The chunks under `root` put together: exactly `size` bytes. */
  private async joinChunks(repo: BackupRepository, root: string, size: number, what: string): Promise<Uint8Array> {
    return this.joined(repo, (await this.treeIds(repo, root)).ids, 'db', size, `${what} chunks`);
  }

  /** Chunks read, checked and put together; exactly `size` bytes, or this backup is damaged. */
  private async joined(repo: BackupRepository, ids: readonly string[], type: 'db' | 'file', size: number, what: string): Promise<Uint8Array> {
    const out = new Uint8Array(size);
    let off = 0;
    for (const id of ids) {
      const chunk = await repo.readChunk(id, type);
      if (off + chunk.length > out.length) throw new VaultError('corrupt', `${what} exceed the recorded size`, { hint: 'This backup is damaged.' });
      out.set(chunk, off);
      off += chunk.length;
    }
    if (off !== out.length) throw new VaultError('corrupt', `${what} short of the recorded size`, { hint: 'This backup is damaged.' });
    return out;
  }

  private fileData(repo: BackupRepository, f: FileEntry): Promise<Uint8Array> {
    return this.joined(repo, f.blocks, 'file', f.size, 'file blocks');
  }

  /**
   * Writes the snapshot's files the target does not have. A file lands under the target's own
   * name for it (another vault, or this one since it got a password, keys names differently):
   * the renames come back so the assets can be pointed at them.
   */
  private async restoreFiles(repo: BackupRepository, m: Manifest, target: VaultFiles): Promise<{ written: number; renamed: Map<string, string> }> {
    const renamed = new Map<string, string>();
    let written = 0;
    const write = async (items: { f: FileEntry; data: Uint8Array }[]) => {
      const put = target.writeMany ? await target.writeMany(items.map((x) => x.data)) : await Promise.all(items.map((x) => target.write(x.data)));
      items.forEach(({ f }, i) => {
        const p = put[i]!;
        if (p.size !== f.size) throw new VaultError('corrupt', `file ${f.hash.slice(0, 12)} restored with another size`, { hint: 'A restored file does not match the backup.' });
        if (p.hash !== f.hash) renamed.set(f.hash, p.hash);
        written++;
      });
    };
    // Which files the target lacks, asked before anything is written (the target answers one
    // question at a time, after any write it is doing: asked later, each would wait for one).
    const all = await this.filesOf(repo, m);
    const missing: FileEntry[] = [];
    for (let i = 0; i < all.length; i += 64) {
      const slice = all.slice(i, i + 64);
      const have = await Promise.all(slice.map((f) => target.has(f.hash)));
      slice.forEach((f, k) => have[k] || missing.push(f));
    }
    // One batch is written (mostly waiting for the disk) while the next is read from the
    // repository and checked (work for this thread).
    let writing: Promise<void> | undefined;
    let batch: { f: FileEntry; data: Uint8Array }[] = [];
    let batchBytes = 0;
    const flush = async () => {
      const items = batch;
      batch = [];
      batchBytes = 0;
      await writing;
      writing = write(items);
      // Awaited at the next batch or at the end; until then a failure must not count as unhandled.
      writing.catch(() => undefined);
    };
    try {
      for (const f of missing) {
        const data = await this.fileData(repo, f);
        batch.push({ f, data });
        batchBytes += data.length;
        if (batch.length >= 32 || batchBytes >= 32 * 1024 * 1024) await flush();
      }
      if (batch.length > 0) await flush();
      await writing;
    } catch (e) {
      // Nothing is left writing behind a failure.
      await writing?.catch(() => undefined);
      throw e;
    }
    return { written, renamed };
  }

  /**
   * Restores the whole vault. In place: a safety snapshot first, then the files the vault lacks,
   * then the database as one atomic swap (the old state is kept as a safety copy, too). Into a
   * folder: a new vault there. Everything is read and checked before anything is replaced.
   */
  restore(ref: string, target: RestoreTarget, extra: RestoreExtra = {}): Promise<RestoreResult> {
    return this.exclusive(() => this.restoreNow(ref, target, extra));
  }

  private async restoreNow(ref: string, target: RestoreTarget, extra: RestoreExtra): Promise<RestoreResult> {
    const repo = await this.open();
    const m = await this.resolve(ref);
    // Cancellable until the swap: before it nothing of the vault has changed (files only add).
    const cancelled = () => {
      if (extra.token?.isCancellationRequested) throw new VaultError('cancelled', 'restore cancelled', { hint: 'Restore cancelled. The vault was not changed.' });
    };
    try {
      extra.progress?.report({ message: 'Reading the backup', fraction: 0.1 });
      const image = await this.image(repo, m);
      const detail = { snapshot: m.id, time: m.time, kind: m.kind };
      cancelled();
      if ('inPlace' in target) {
        extra.progress?.report({ message: 'A safety backup of the vault as it is', fraction: 0.3 });
        const safety = await this.createNow({ kind: 'safety', note: `Before restoring the backup of ${m.time}` });
        cancelled();
        // Files first (they only add), then the database in one atomic swap that also points
        // assets at files stored under new names.
        extra.progress?.report({ message: 'Putting files back', fraction: 0.6 });
        const files = await this.restoreFiles(repo, m, this.files);
        cancelled();
        extra.progress?.report({ message: 'Replacing the database', fraction: 0.9 });
        await this.opts.dm.replaceDatabase(image, { action: 'restore-backup', detail, renamedFiles: files.renamed });
        return { snapshot: toInfo(m), safetySnapshot: safety, entities: this.countOf(m), files: files.written };
      }
      if (!extra.newVault) throw new VaultError('unsupported', 'no vault factory', { hint: 'Restoring into a folder is not available here.' });
      const fresh = extra.newVault(target.folder);
      const created = await fresh.dm.createVault(target.password, { fromImage: { image, detail } });
      try {
        const files = await this.restoreFiles(repo, m, fresh.files ?? vaultFiles(fresh.dm));
        if (files.renamed.size > 0) await fresh.dm.repointFiles(files.renamed);
        return { snapshot: toInfo(m), ...(created.recoveryKey ? { recoveryKey: created.recoveryKey } : {}), entities: this.countOf(m), files: files.written };
      } finally {
        await fresh.dm.lock();
      }
    } finally {
      repo.dropCache();
    }
  }

  private countOf(m: Manifest): number {
    return Object.entries(m.counts).reduce((n, [k, v]) => (k === 'files' ? n : n + v), 0);
  }

  /**
   * Puts one stored file back from the newest snapshot that has it (repair of a missing or damaged
   * file). False when no snapshot has it under this vault's current name for it.
   */
  restoreFile(hash: string): Promise<boolean> {
    return this.exclusive(() => this.restoreFileNow(hash));
  }

  private async restoreFileNow(hash: string): Promise<boolean> {
    if (!(await BackupRepository.exists(this.opts.repo.files))) return false;
    const repo = await this.open();
    try {
      const { manifests } = await this.manifests(repo);
      for (const m of manifests.reverse()) {
        let f: FileEntry | undefined;
        try {
          f = (await this.filesOf(repo, m)).find((x) => x.hash === hash);
          if (!f) continue;
          const put = await this.files.write(await this.fileData(repo, f));
          if (put.hash === hash) return true;
        } catch (e) {
          this.opts.logger.warn(`restoring file ${hash.slice(0, 12)} from ${m.shortId}: ${String(e)}`);
        }
      }
      return false;
    } finally {
      repo.dropCache();
    }
  }

  /** Restores one entry as it was in a snapshot (and its file, for an asset). */
  restoreEntity(ref: string, kind: EntityKind, idOrName: string): Promise<{ snapshot: SnapshotInfo; entity: { id: string; name: string; version: number } }> {
    return this.exclusive(() => this.restoreEntityNow(ref, kind, idOrName));
  }

  private async restoreEntityNow(ref: string, kind: EntityKind, idOrName: string): Promise<{ snapshot: SnapshotInfo; entity: { id: string; name: string; version: number } }> {
    const repo = await this.open();
    const m = await this.resolve(ref);
    const SQL = await this.opts.sql();
    const db = new SQL.Database(await this.image(repo, m));
    try {
      const spec = KINDS[kind];
      const res = db.exec(`SELECT * FROM ${spec.table} WHERE id = ? OR name = ? COLLATE NOCASE ORDER BY deleted_at IS NOT NULL, updated_at DESC LIMIT 2`, [idOrName, idOrName.normalize('NFC')]);
      const rows = (res[0]?.values ?? []).map((v) => Object.fromEntries(res[0]!.columns.map((c, i) => [c, v[i]])));
      if (rows.length === 0) throw new VaultError('not-found', `${kind} ${idOrName} not in snapshot`, { hint: `The backup of ${m.time} has no ${spec.label} ${quoteName(idOrName)}.` });
      const row = rows[0]!;
      let text: string | undefined;
      try {
        const t = db.exec('SELECT text, entity_version FROM entity_texts WHERE kind = ? AND entity_id = ?', [kind, String(row.id)]);
        const tv = t[0]?.values[0];
        if (tv && Number(tv[1]) === Number(row.version)) text = String(tv[0]);
      } catch {
        // Snapshots from before migration 3 have no entry texts.
      }
      if (kind === 'asset' && typeof row.hash === 'string' && !(await this.files.has(row.hash))) {
        const f = (await this.filesOf(repo, m)).find((x) => x.hash === row.hash);
        if (f) {
          const put = await this.files.write(await this.fileData(repo, f));
          if (put.hash !== row.hash) {
            row.hash = put.hash;
            row.body = JSON.stringify({ ...(JSON.parse(String(row.body)) as Record<string, unknown>), hash: put.hash });
          }
        }
      }
      const entity = await this.opts.dm.restoreEntityRow(kind, row, text);
      return { snapshot: toInfo(m), entity: { id: entity.id, name: entity.name, version: entity.version } };
    } finally {
      db.close();
      repo.dropCache();
    }
  }

  // ── verify ─────────────────────────────────────────────────────────────────────────────────

  verify(opts: VerifyOptions = {}): Promise<VerifyReport> {
    return this.exclusive(() => this.verifyNow(opts));
  }

  private async verifyNow(opts: VerifyOptions): Promise<VerifyReport> {
    const findings: Finding[] = [];
    if (!(await BackupRepository.exists(this.opts.repo.files))) {
      return { ok: true, snapshots: 0, packsChecked: 0, bytesRead: 0, findings: [{ code: 'backup.none', severity: 'info', message: 'There are no backups yet.', fixable: false }], damagedSnapshots: [] };
    }
    const repo = await this.open();
    for (const f of await repo.checkConfigCopies()) {
      findings.push({ code: 'backup.config-copy', severity: 'warning', message: `One of the two copies of the backups' key file (${f}) is missing or damaged; the other one still works.`, where: f, fixable: true });
    }
    await repo.loadIndex((where, e) =>
      findings.push(
        where.startsWith('index/')
          ? { code: 'backup.index-damaged', severity: 'warning', message: `A backup index file is damaged (${String(isVaultError(e) ? e.message : e)}); it can be rebuilt from the packs.`, where, fixable: true }
          : { code: 'backup.pack-damaged', severity: 'error', message: `A backup data file is damaged (${String(isVaultError(e) ? e.message : e)}).`, where, fixable: false },
      ),
    );
    const { manifests, damaged } = await this.manifests(repo);
    for (const d of damaged) findings.push({ code: 'backup.snapshot-damaged', severity: 'error', message: `The description of backup ${d.id.slice(0, 8)} is damaged; that backup cannot be restored. (${d.reason})`, where: `snapshots/${d.id}`, fixable: false });
    const bad = new Set<string>();
    const refs = new Map<string, Set<string>>();
    const note = (id: string, snap: string) => {
      let s = refs.get(chunkKey(id));
      if (!s) refs.set(chunkKey(id), (s = new Set()));
      s.add(snap);
    };
    for (const m of manifests) {
      for (const id of this.manifestChunks(m)) note(id, m.id);
      try {
        for (const id of await this.chunksOf(repo, m)) note(id, m.id);
      } catch (e) {
        findings.push({ code: 'backup.tree-damaged', severity: 'error', message: `Part of the table of contents of backup ${m.shortId} is missing or damaged (${isVaultError(e) ? e.message : String(e)}).`, where: `snapshots/${m.id}`, fixable: false });
        bad.add(`snapshot:${m.id}`);
      }
    }
    const missing = [...refs.keys()].filter((id) => !repo.has(id));
    missing.forEach((id) => bad.add(id));
    if (missing.length > 0) {
      findings.push({ code: 'backup.chunk-missing', severity: 'error', message: `${missing.length} piece${missing.length === 1 ? ' is' : 's are'} of backed-up data missing from the repository.`, fixable: false });
    }
    const packs = groupByPack(repo);
    let packsChecked = 0;
    let bytesRead = 0;
    const present = new Set(await repo.listPacks());
    const names = [...packs.keys()].sort();
    for (const name of names) {
      if (opts.token?.isCancellationRequested) throw new VaultError('cancelled', 'verify cancelled');
      if (!present.has(name)) {
        findings.push({ code: 'backup.pack-missing', severity: 'error', message: 'A backup data file is missing.', where: packPath(name), fixable: false });
        for (const c of packs.get(name)!) bad.add(chunkKey(toHex(c.entry.id)));
        continue;
      }
      if (!opts.readData && !opts.subset) continue;
      if (opts.subset && parseInt(name.slice(0, 2), 16) % opts.subset.of !== opts.subset.n - 1) continue;
      opts.progress?.report({ message: `Reading backup data ${packsChecked + 1}`, fraction: packsChecked / names.length });
      let bytes: Uint8Array;
      try {
        bytes = await this.opts.repo.files.read(packPath(name));
      } catch (e) {
        findings.push({ code: 'backup.pack-unreadable', severity: 'error', message: `A backup data file cannot be read (${isVaultError(e) ? e.message : String(e)}).`, where: packPath(name), fixable: false });
        for (const c of packs.get(name)!) bad.add(chunkKey(toHex(c.entry.id)));
        continue;
      }
      packsChecked++;
      bytesRead += bytes.length;
      const nameOk = (await objectName(bytes)) === name;
      let damagedChunks = 0;
      for (const c of packs.get(name)!) {
        try {
          await repo.decodeChunk(bytes, c, packPath(name));
        } catch {
          damagedChunks++;
          bad.add(chunkKey(toHex(c.entry.id)));
        }
      }
      if (!nameOk || damagedChunks > 0) {
        findings.push({
          code: 'backup.pack-damaged',
          severity: 'error',
          message: damagedChunks > 0 ? `A backup data file is damaged: ${damagedChunks} of its ${packs.get(name)!.length} pieces fail their checks.` : 'A backup data file was changed on disk (its content no longer matches its name), though every piece in it still checks out.',
          where: packPath(name),
          fixable: false,
        });
      }
    }
    const damagedSnapshots = new Set<string>(damaged.map((d) => d.id));
    for (const b of bad) {
      if (b.startsWith('snapshot:')) damagedSnapshots.add(b.slice(9));
      for (const s of refs.get(b) ?? []) damagedSnapshots.add(s);
    }
    for (const s of damagedSnapshots) {
      const m = manifests.find((x) => x.id === s);
      if (m) findings.push({ code: 'backup.snapshot-affected', severity: 'error', message: `The backup of ${m.time} (${m.shortId}) cannot be restored completely because of the damage above.`, where: `snapshots/${s}`, fixable: false });
    }
    return {
      ok: !findings.some((f) => f.severity === 'error'),
      snapshots: manifests.length,
      packsChecked,
      bytesRead,
      findings,
      damagedSnapshots: [...damagedSnapshots].sort(),
    };
  }

  // ── prune ──────────────────────────────────────────────────────────────────────────────────

  /**
   * Forgets the snapshots the policy does not keep, then deletes data no snapshot references:
   * packs with nothing referenced are deleted; packs mostly unreferenced are rewritten. Order:
   * snapshots, new packs, the new index, old index files, old packs — a kill at any point leaves
   * every kept snapshot whole. Refuses when a snapshot cannot be read (its data might be deleted).
   */
  prune(policy: RetentionPolicy, opts: { dryRun?: boolean; token?: BackupCancellation } = {}): Promise<PruneReport> {
    return this.exclusive(() => this.pruneNow(policy, opts));
  }

  private async pruneNow(policy: RetentionPolicy, opts: { dryRun?: boolean; token?: BackupCancellation }): Promise<PruneReport> {
    const repo = await this.open();
    const release = await repo.acquireLock();
    try {
      await repo.loadIndex((where, e) => this.opts.logger.warn(`${where}: ${String(e)}`));
      const { manifests, damaged } = await this.manifests(repo);
      if (damaged.length > 0) {
        throw new VaultError('corrupt', `${damaged.length} snapshots unreadable`, { hint: 'Some backups cannot be read, so pruning stopped to keep their data. Run "Verify Backups" first.' });
      }
      const keep = applyRetention(manifests, policy);
      const kept = manifests.filter((m) => keep.has(m.id));
      const forgotten = manifests.filter((m) => !keep.has(m.id));
      const used = new Set<string>();
      for (const m of kept) for (const id of await this.chunksOf(repo, m)) used.add(chunkKey(id));
      if (opts.dryRun) return { kept: kept.map((m) => m.id), forgotten: forgotten.map((m) => m.id), packsDeleted: 0, packsRewritten: 0, bytesFreed: 0 };
      // Cancellable until the first deletion; after that it runs to the end (every step is safe to stop, but a half-pruned repository helps no one).
      if (opts.token?.isCancellationRequested) throw new VaultError('cancelled', 'prune cancelled', { hint: 'Prune cancelled. Nothing was deleted.' });
      for (const m of forgotten) await repo.deleteSnapshotFile(m.id);
      const packs = groupByPack(repo);
      const idOf = (c: ChunkLocation) => chunkKey(toHex(c.entry.id));
      const drop: string[] = [];
      const rewrite: string[] = [];
      let bytesFreed = 0;
      for (const [name, entries] of packs) {
        const usedBytes = entries.filter((e) => used.has(idOf(e))).reduce((n, e) => n + e.entry.rawLength, 0);
        const allBytes = entries.reduce((n, e) => n + e.entry.rawLength, 0);
        if (usedBytes === 0) drop.push(name);
        else if (usedBytes < allBytes / 2) rewrite.push(name);
      }
      // Packs no index names (an interrupted backup) hold nothing a snapshot references.
      for (const name of await repo.listPacks()) if (!packs.has(name)) drop.push(name);
      const keepLocations = new Map<string, PackTable>();
      for (const name of packs.keys()) {
        if (drop.includes(name) || rewrite.includes(name)) continue;
        const table = repo.tableOf(name);
        if (table) keepLocations.set(name, table);
      }
      let packsRewritten = 0;
      if (rewrite.length > 0) {
        const w = await repo.writer();
        const moving = new Set<string>();
        for (const name of rewrite) {
          for (const e of packs.get(name)!) if (used.has(idOf(e))) moving.add(idOf(e));
        }
        w.forceStore(moving);
        for (const name of rewrite) {
          const bytes = await repo.readPack(name);
          for (const e of packs.get(name)!) {
            if (!used.has(idOf(e))) continue;
            await w.add(e.entry.type, await repo.decodeChunk(bytes, e, packPath(name)));
          }
          packsRewritten++;
        }
        await w.flushAll();
        for (const [name, table] of w.written) keepLocations.set(name, table);
      }
      const oldIndexFiles = repo.indexFileNames;
      const newIndex = await repo.writeIndex(keepLocations);
      for (const f of oldIndexFiles) if (f !== newIndex) await repo.deleteIndexFile(f);
      for (const name of [...drop, ...rewrite]) {
        bytesFreed += (await this.opts.repo.files.stat(packPath(name)))?.size ?? 0;
        await repo.deletePack(name);
      }
      this.opts.logger.info(`prune: forgot ${forgotten.length}, deleted ${drop.length} packs, rewrote ${packsRewritten}`);
      return { kept: kept.map((m) => m.id), forgotten: forgotten.map((m) => m.id), packsDeleted: drop.length, packsRewritten, bytesFreed };
    } finally {
      repo.dropCache();
      await release();
    }
  }

  /** Repairs what verify marks fixable in the repository: a damaged configuration copy, damaged index files. */
  repairRepository(codes: readonly string[]): Promise<string[]> {
    return this.exclusive(() => this.repairRepositoryNow(codes));
  }

  private async repairRepositoryNow(codes: readonly string[]): Promise<string[]> {
    const repo = await this.open();
    const fixed: string[] = [];
    const release = await repo.acquireLock();
    try {
      if (codes.includes('backup.config-copy')) {
        await repo.rewriteConfig();
        fixed.push('backup.config-copy');
      }
      if (codes.includes('backup.index-damaged')) {
        await repo.rebuildIndex();
        fixed.push('backup.index-damaged');
      }
    } finally {
      await release();
    }
    return fixed;
  }

  /** The newest snapshot, for the status bar. */
  async latest(): Promise<SnapshotInfo | undefined> {
    return (await this.list()).snapshots.at(-1);
  }
}

/** The index's chunk locations by pack, each pack's in segment order (so each segment is decoded once). */
function groupByPack(repo: BackupRepository): Map<string, ChunkLocation[]> {
  const packs = new Map<string, ChunkLocation[]>();
  for (const loc of repo.allLocations.values()) {
    let l = packs.get(loc.pack);
    if (!l) packs.set(loc.pack, (l = []));
    l.push(loc);
  }
  for (const l of packs.values()) l.sort((a, b) => a.entry.segment - b.entry.segment || a.entry.offset - b.entry.offset);
  return packs;
}

/** The vault's snapshot file failed to read (see BackupService.createNow). */
class SnapshotUnreadable extends Error {
  constructor(cause: unknown) {
    super(`vault snapshot unreadable: ${String(cause)}`, { cause });
  }
}

/** The vault snapshot's pieces, with a failure to read them told apart from the backup's own failures. */
async function* unreadableAs(pieces: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    yield* pieces;
  } catch (e) {
    throw new SnapshotUnreadable(e);
  }
}

/**
 * Consecutive pieces of any sizes as chunks of `size` bytes, cut at the same offsets whatever the
 * pieces (the last chunk may be shorter; no bytes at all make one empty chunk). A chunk split
 * between pieces is put together in a copy; every other chunk is a view of its piece. A piece may
 * be reused for the next one once its chunks are taken (nothing of it is kept).
 */
export async function* fixedChunks(pieces: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let carry: Uint8Array | undefined;
  let any = false;
  for await (let piece of pieces) {
    if (carry) {
      const joined = new Uint8Array(Math.min(size, carry.length + piece.length));
      joined.set(carry);
      joined.set(piece.subarray(0, joined.length - carry.length), carry.length);
      piece = piece.subarray(joined.length - carry.length);
      carry = undefined;
      if (joined.length < size) {
        carry = joined;
        continue;
      }
      any = true;
      yield joined;
    }
    for (; piece.length >= size; piece = piece.subarray(size)) {
      any = true;
      yield piece.subarray(0, size);
    }
    if (piece.length > 0) carry = piece.slice();
  }
  if (carry || !any) yield carry ?? new Uint8Array(0);
}

/** The size of {@link encodeRecords}'s stream. */
const recordsBytes = (records: readonly Uint8Array[]) => records.reduce((n, r) => n + 4 + r.length, 0);

/** Journal records as one stream: each a u32 (little-endian) length and its bytes. */
function encodeRecords(records: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(recordsBytes(records));
  const view = new DataView(out.buffer);
  let off = 0;
  for (const r of records) {
    view.setUint32(off, r.length, true);
    out.set(r, off + 4);
    off += 4 + r.length;
  }
  return out;
}

function decodeRecords(stream: Uint8Array, count: number): Uint8Array[] {
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  const records: Uint8Array[] = [];
  let off = 0;
  while (off < stream.length) {
    const length = off + 4 <= stream.length ? view.getUint32(off, true) : -1;
    if (length < 0 || off + 4 + length > stream.length) break;
    records.push(stream.subarray(off + 4, off + 4 + length));
    off += 4 + length;
  }
  if (off !== stream.length || records.length !== count) throw new VaultError('corrupt', `journal of ${records.length} records in ${stream.length} bytes, ${count} expected`, { hint: 'This backup is damaged.' });
  return records;
}
