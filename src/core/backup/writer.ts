import { sameBytes, toHex } from '../bytes';
import { isVaultError } from '../errors';
import { BufferPool, release, type BackupPools } from './bufferPool';
import { CODEC_IDS, type CompressedSegment } from './codec';
import { PackWriter, checkSegment, objectName, openSegment, readPackTable, type BlobTypeName, type PackEntry, type PackTable, type SegmentCheck } from './format';
import type { BackupRepository } from './repository';
import { chunkKey, packPath, repoError } from './trees';

/** Segments of one pack compressing at once (on worker threads, when the host has them). */
const SEGMENTS_IN_FLIGHT = 3;
/**
 * Idle segment buffers a writer keeps: enough for the segments filling, compressing and waiting to
 * be sealed, of each kind, and those a read-back decrypts into, so a steady backup allocates none.
 */
const POOLED_SEGMENTS = 12;
/** Idle pack buffers a writer keeps: one filling and one being written, of each kind. */
const POOLED_PACKS = 4;
/** A pack moves into a pooled buffer from this size: a backup of a few changes makes no large buffer. */
const POOLED_FROM = 1024 * 1024;

/**
 * Accumulates new chunks into packs: database chunks and file blocks into data packs, trees and
 * file lists into meta packs; consecutive chunks of one kind share a segment (compressed together).
 * Every pack is read back and checked before it counts.
 */
export class RepoWriter {
  private data: { pack: PackWriter; kind: BlobTypeName | undefined } | undefined;
  private meta: { pack: PackWriter; kind: BlobTypeName | undefined } | undefined;
  /** Chunks added to open packs, not yet written. */
  private readonly pending = new Set<string>();
  /** Packs written by this writer (for its index file). */
  private readonly packs = new Map<string, PackTable>();
  private added = { bytes: 0, newChunks: 0, reusedChunks: 0 };
  private force = new Set<string>();
  private readonly compress: (raw: Uint8Array, type: BlobTypeName, out?: Uint8Array) => Promise<CompressedSegment>;

  /** Buffers reused from pack to pack (see {@link BackupPools}). */
  private readonly pools: BackupPools;

  constructor(private readonly repo: BackupRepository) {
    const codec = repo.codec;
    this.compress = (raw, type, out) => codec.compress(raw, type === 'db' ? 'db' : 'other', out);
    const { segmentBytes, packBytes } = repo.params;
    const shared = codec.allocate?.bind(codec);
    this.pools = {
      // A segment of a quarter of the largest or more is put together in one.
      segments: new BufferPool(segmentBytes, POOLED_SEGMENTS, shared, segmentBytes / 4),
      // Room for a full pack and the segment that fills it, so a pack rarely outgrows its buffer.
      packs: new BufferPool(packBytes + segmentBytes + 1024 * 1024, POOLED_PACKS, undefined, POOLED_FROM),
      // Every segment starts here (never touched beyond what it holds), until it is large.
      staging: new BufferPool(segmentBytes / 4, POOLED_SEGMENTS),
      // Compressed segments: a database's are a sixth of its raw ones, so these fill only in part.
      compressed: new BufferPool(segmentBytes, POOLED_SEGMENTS, shared, POOLED_FROM / 4),
    };
  }

  /** Bytes written so far (packs and the index file), chunks stored and chunks found stored already. */
  get stats(): { readonly bytesAdded: number; readonly newChunks: number; readonly reusedChunks: number } {
    return { bytesAdded: this.added.bytes, newChunks: this.added.newChunks, reusedChunks: this.added.reusedChunks };
  }

  /** The packs this writer wrote, with their tables. */
  get written(): ReadonlyMap<string, PackTable> {
    return this.packs;
  }

  /** Counts `chunks` a snapshot refers to again without adding them (the index has them all). */
  reuse(chunks: number): void {
    this.added.reusedChunks += chunks;
  }

  /** Prune: these chunks are stored again even though the index has them (their pack is being rewritten). */
  forceStore(ids: ReadonlySet<string>): void {
    this.force = new Set([...ids].map(chunkKey));
  }

  /** Stores a chunk unless the repository already has it; returns its id (hex). */
  async add(type: BlobTypeName, data: Uint8Array): Promise<string> {
    const id = await this.repo.keys.chunkId(data);
    const hex = toHex(id);
    const key = chunkKey(hex);
    const known = this.repo.locate(hex);
    // Chunks are referred to by the first 16 bytes of their id; two different chunks sharing them
    // (a 1 in 2^64 chance per pair, with keyed ids nobody can aim at) are refused, never confused.
    if (known && toHex(known.entry.id) !== hex) throw repoError(`chunk id prefix ${key} taken`, 'Two pieces of data share an id prefix; this backup cannot be made. Please report this.');
    if (this.pending.has(key) || (known && !this.force.has(key))) {
      this.added.reusedChunks++;
      return hex;
    }
    const which = type === 'tree' || type === 'files' ? 'meta' : 'data';
    let open = this[which];
    // A new segment when the kind changes (a database chunk and an image do not compress together)
    // or the segment is full.
    if (open && (open.kind !== type || open.pack.openBytes + data.length > this.repo.params.segmentBytes)) {
      open.pack.closeSegment();
      // Segments compress while the next ones fill; a few at most, so memory stays bounded.
      await open.pack.settle(SEGMENTS_IN_FLIGHT);
      // A full pack closes here, between segments, never inside one: every segment is as large as
      // it may be (a database compresses like the whole file), whatever the timing of the
      // compression that the pack's size estimate depends on.
      if (open.pack.byteLength >= this.repo.params.packBytes) {
        await this.flushBehind(which);
        open = undefined;
      }
    }
    if (!open) {
      open = { pack: new PackWriter(this.repo.keys, this.repo.deps.random, this.compress, this.pools), kind: undefined };
      this[which] = open;
    }
    open.kind = type;
    open.pack.add(id, type, data);
    this.pending.add(key);
    this.force.delete(key);
    this.added.newChunks++;
    return hex;
  }

  /** A full pack of each kind being written and checked while the next one fills. */
  private readonly flushing: Record<'data' | 'meta', Promise<void> | undefined> = { data: undefined, meta: undefined };

  /**
   * Writes and checks the open pack of this kind while the caller goes on filling the next one;
   * one at a time per kind (waiting for the one before), so memory stays bounded and a failure
   * surfaces at the next pack or at {@link flushAll}.
   */
  private async flushBehind(which: 'data' | 'meta'): Promise<void> {
    await this.flushing[which];
    const run = this.flush(which);
    // Tracked (which also handles its failure until someone awaits it): the lock waits for it.
    this.repo.track(run);
    this.flushing[which] = run;
  }

  private async flush(which: 'data' | 'meta'): Promise<void> {
    const open = this[which];
    this[which] = undefined;
    if (!open || open.pack.count === 0) return;
    const { bytes, table, expected } = await open.pack.finish();
    const name = await objectName(bytes);
    const path = packPath(name);
    await this.repo.deps.files.writeAtomic(path, bytes);
    await checkReadBack(this.repo, path, bytes, table, expected, this.pools);
    release(this.pools, bytes);
    this.repo.addToIndex(name, table);
    for (const e of table.entries) this.pending.delete(chunkKey(toHex(e.id)));
    this.packs.set(name, table);
    this.added.bytes += bytes.length;
  }

  /** Writes the open packs (each read back and checked). */
  async flushAll(): Promise<void> {
    // Both at once, so their disk flushes overlap; neither is left running when the other fails.
    const results = await Promise.allSettled(
      (['data', 'meta'] as const).map(async (which) => {
        const behind = this.flushing[which];
        this.flushing[which] = undefined;
        await behind;
        await this.flush(which);
      }),
    );
    for (const r of results) if (r.status === 'rejected') throw r.reason;
  }

  /** Writes the open packs and the index file of everything this writer wrote. */
  async finish(): Promise<void> {
    await this.flushAll();
    const name = await this.repo.writeIndex(this.packs);
    if (name) this.added.bytes += (await this.repo.deps.files.stat(`index/${name}`))?.size ?? 0;
  }
}

/**
 * Reads a pack just written back from the disk and checks it before it counts (restic's lesson):
 * its header and its own table decrypt and match what was written, and every segment decrypts
 * (authenticated: these are the bytes sealed). A compressed segment then decompresses to bytes
 * with the digest taken of its raw bytes when it was compressed (`expected`): the bytes whose
 * keyed ids the table lists. That checks what hashing each chunk again would, at a fraction of
 * the cost; a segment stored as it is (codec none) is those bytes once it authenticates.
 */
export async function checkReadBack(repo: BackupRepository, path: string, written: Uint8Array, table: PackTable, expected: readonly SegmentCheck[], pools?: BackupPools): Promise<void> {
  const fail = (what: string) => repoError(`${path}: ${what}`, 'The backup could not be written correctly; the disk may be failing.');
  // Damage found here is in what was just written: say so, not "this backup is damaged".
  const asWriteFailure = (e: unknown): never => {
    throw isVaultError(e, 'corrupt') ? fail(e.message) : e;
  };
  const files = repo.deps.files;
  // Large packs are read back into a pooled buffer (small ones into their own: see BufferPool).
  const into = files.readInto ? pools?.packs.takeFor(written.length) : undefined;
  try {
    const back = into ? await files.readInto!(path, into) : await files.read(path);
    if (back.length !== written.length) throw fail(`read back ${back.length} bytes of ${written.length}`);
    const stored = await readPackTable(repo.keys, back, path).catch(asWriteFailure);
    const same = (a: PackEntry, b: PackEntry) => sameBytes(a.id, b.id) && a.type === b.type && a.segment === b.segment && a.offset === b.offset && a.rawLength === b.rawLength;
    if (stored.entries.length !== table.entries.length || stored.entries.some((e, i) => !same(e, table.entries[i]!))) throw fail('its table did not read back as written');
    if (stored.segments.length !== expected.length) throw fail('its segments did not read back as written');
    // Two at a time (decompressed and hashed on worker threads where the host has them).
    await eachLimited(stored.segments, 2, async (segment, i) => {
      const want = expected[i]!;
      if (segment.rawLength !== want.rawLength || (segment.codec === CODEC_IDS.none) !== !want.digest) throw fail(`segment ${i + 1} did not read back as written`);
      if (!want.digest) {
        // Stored as it is, a segment that authenticates is the bytes that were sealed: its
        // plaintext is not kept (no buffer of a segment's size for it).
        if ((await checkSegment(repo.keys, back, segment, i, path).catch(asWriteFailure)) !== want.rawLength) throw fail(`segment ${i + 1} did not read back as written`);
        return;
      }
      // Decrypted into a reused buffer when large (where the workers read it without a copy).
      const scratch = (pools?.compressed ?? pools?.segments)?.takeFor(segment.length);
      try {
        const plain = await openSegment(repo.keys, back, segment, i, path, scratch).catch(asWriteFailure);
        const digest = await repo.codec.decompressedDigest(segment.codec, plain, segment.rawLength).catch((e: unknown) => {
          throw fail(`segment ${i + 1} does not decompress (${String(e)})`);
        });
        if (!sameBytes(digest, want.digest)) throw fail(`segment ${i + 1} did not read back as written`);
      } finally {
        if (scratch) release(pools, scratch);
      }
    });
  } finally {
    if (into) release(pools, into);
  }
}

/** Runs `fn` on every item, at most `limit` at once; the first failure rejects. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
let next = 0;
const run = async () => {
  while (next < items.length) {
    const i = next++;
    await fn(items[i]!, i);
  }
};
await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
}
