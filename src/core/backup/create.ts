import { toHex, utf8 } from '../bytes';
import { VaultError, isVaultError } from '../errors';
import { BUCKETS, encodeRecords, readManifests, recordsBytes, toInfo, type FileEntry, type Manifest } from './manifest';
import type { BackupSource, DatabaseSource } from './port';
import type { BackupRepository, RepoWriter } from './repository';
import type { BackupContext } from './snapshots';
import { encodeTree } from './trees';
import type { BackupOptions, SnapshotInfo, SnapshotSizes } from './types';

/**
 * Writes one backup of `source` into `repo` (whose lock the caller holds): the database, the files
 * the newest snapshot does not have already, the file lists, the index, and last the manifest —
 * the commit point. Files that cannot be read are left out and named in the snapshot.
 */
export async function writeSnapshot(ctx: BackupContext, repo: BackupRepository, source: BackupSource, opts: BackupOptions): Promise<SnapshotInfo> {
  const token = opts.token;
  const cancelled = () => {
    if (token?.isCancellationRequested) throw new VaultError('cancelled', 'backup cancelled', { hint: 'Backup cancelled. No backup was recorded; what was already written is reused next time.' });
  };
  const vaultFiles = ctx.vault.files;
  const w = await repo.writer();
  ctx.snapshots.beginBackup();
  const db = source.database;
  const dbBytes = db.kind === 'image' ? db.image.length : db.snapshot.size + recordsBytes(db.records);
  const total = dbBytes + source.files.reduce((n, f) => n + f.size, 0);
  let done = 0;
  const { manifests } = await readManifests(repo);
  const parentFiles = await ctx.snapshots.latestFiles(repo, manifests);
  const buckets: FileEntry[][] = Array.from({ length: BUCKETS }, () => []);
  const skipped: string[] = [];
  // Files the newest snapshot has (same hash) are not read again; the others are read in
  // batches whose reads overlap.
  const toRead: { hash: string; size: number }[] = [];
  for (const f of source.files) {
    const known = parentFiles.get(f.hash);
    if (known && known.blocks.every((b) => repo.has(b))) {
      w.reuse(known.blocks.length);
      buckets[parseInt(f.hash[0]!, 16) % BUCKETS]!.push(known);
      done += f.size;
    } else toRead.push(f);
  }
  const readBatch = async (batch: { hash: string; size: number }[]): Promise<(Uint8Array | Error)[]> =>
    vaultFiles.readMany ? vaultFiles.readMany(batch.map((f) => f.hash)) : Promise.all(batch.map((f) => vaultFiles.read(f.hash).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))))));
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
  const database = await storeDatabase(ctx, repo, w, db, manifests, (bytes) => {
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
        ctx.logger.warn(`backup: file ${f.hash.slice(0, 12)} left out: ${data.message}`);
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
    ctx.snapshots.remember(id, b);
    files.push(id);
  }
  cancelled();
  opts.progress?.report({ message: 'Writing the index', fraction: 0.97 });
  await w.finish();
  cancelled();
  // Random, so any 8 digits of it tell snapshots apart (order comes from the manifests' times).
  const id = toHex(ctx.repo.random.bytes(16));
  const added = w.stats;
  const sizes: SnapshotSizes = { logical: total, database: dbBytes, added: added.bytesAdded, newChunks: added.newChunks, reusedChunks: added.reusedChunks };
  const manifest: Manifest = {
    v: database.journal ? 2 : 1,
    id,
    shortId: id.slice(0, 8),
    time: new Date(ctx.repo.clock.now()).toISOString(),
    kind: opts.kind ?? 'manual',
    ...(opts.note?.trim() ? { note: opts.note.trim().slice(0, 500) } : {}),
    extensionVersion: ctx.extensionVersion,
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
  ctx.snapshots.commitBackup();
  opts.progress?.report({ message: 'Done', fraction: 1 });
  ctx.logger.info(`backup ${id.slice(0, 8)}: ${added.newChunks} new chunks, ${added.reusedChunks} reused, ${added.bytesAdded} bytes added`);
  return toInfo(manifest);
}

/** Chunks `ids` into the repository as trees of `treeFanout` ids under one root tree; returns the root and the trees. */
export async function storeTree(repo: BackupRepository, w: RepoWriter, ids: readonly string[]): Promise<{ root: string; trees: string[] }> {
  const trees: string[] = [];
  for (let i = 0; i < ids.length; i += repo.params.treeFanout) trees.push(await w.add('tree', encodeTree(ids.slice(i, i + repo.params.treeFanout))));
  // The list of trees is a chunk too (binary ids, 32 bytes each), so the manifest stays small.
  return { root: await w.add('tree', encodeTree(trees)), trees };
}

/** {@link storeTree}, remembered for the next backup. */
async function addTree(ctx: BackupContext, repo: BackupRepository, w: RepoWriter, ids: readonly string[]): Promise<string> {
  const { root, trees } = await storeTree(repo, w, ids);
  ctx.snapshots.remember(root, { trees, ids });
  return root;
}

/**
 * Stores bytes, given as consecutive pieces of any sizes, in chunks of the repository's database
 * chunk size (page-aligned for SQLite's pages up to that size; the same chunks whatever the
 * pieces, so the same database stored as an image or decrypted from the vault deduplicates);
 * returns the root tree.
 */
async function addChunked(ctx: BackupContext, repo: BackupRepository, w: RepoWriter, pieces: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, progress: (bytes: number) => void): Promise<string> {
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
  return addTree(ctx, repo, w, ids);
}

/**
 * Stores the database. An image goes in page-aligned chunks. The vault's own form goes as its
 * snapshot the same way — unless a snapshot here has that very snapshot (same tag) with all its
 * chunks, which are then reused without reading it — and its journal records as one stream of
 * chunks: an append-only stream, so only its end is new in the next backup.
 */
async function storeDatabase(ctx: BackupContext, repo: BackupRepository, w: RepoWriter, db: DatabaseSource, manifests: readonly Manifest[], progress: (bytes: number) => void): Promise<Manifest['database']> {
  const chunkBytes = repo.params.dbChunkBytes;
  if (db.kind === 'image') return { size: db.image.length, chunkBytes, root: await addChunked(ctx, repo, w, [db.image], progress) };
  let root = await knownSnapshot(ctx, repo, w, manifests, db.snapshot.tag);
  if (root) progress(db.snapshot.size);
  else root = await addChunked(ctx, repo, w, unreadableAs(db.snapshot.read()), progress);
  const stream = encodeRecords(db.records);
  const journalRoot = await addChunked(ctx, repo, w, [stream], progress);
  return { size: db.snapshot.size, chunkBytes, root, journal: { snapshot: db.snapshot.tag, records: db.records.length, size: stream.length, root: journalRoot } };
}

/** The root of the newest snapshot that stored the vault snapshot `tag` and still has all its chunks. */
async function knownSnapshot(ctx: BackupContext, repo: BackupRepository, w: RepoWriter, manifests: readonly Manifest[], tag: string): Promise<string | undefined> {
  for (const m of [...manifests].reverse()) {
    if (m.database.journal?.snapshot !== tag) continue;
    try {
      const { trees, ids } = await ctx.snapshots.treeIds(repo, m.database.root, true);
      if (![m.database.root, ...trees, ...ids].every((id) => repo.has(id))) continue;
      w.reuse(ids.length);
      return m.database.root;
    } catch (e) {
      ctx.logger.warn(`snapshot ${m.shortId}: database tree unreadable: ${String(e)}`);
    }
  }
  return undefined;
}

/** The vault's snapshot file failed to read (see BackupService.createNow). */
export class SnapshotUnreadable extends Error {
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
