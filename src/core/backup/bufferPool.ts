/**
 * Large buffers kept for reuse during one backup (docs/BACKUPS.md, "Speed"). A fresh buffer of
 * megabytes is memory the system must map and fault in page by page, then unmap when the garbage
 * collector frees it; on the virtual machines measured that cost more than copying the bytes into
 * it (about 1 GB/s against 20 GB/s). A backup moves every byte through several such buffers, so it
 * keeps a few and reuses them. Only buffers this pool made come back into it. Small things (as in
 * a backup of a few changes) are better off in buffers of their own: see {@link takeFor}.
 */
export class BufferPool {
  private readonly free: Uint8Array[] = [];
  private readonly mine = new WeakSet<ArrayBufferLike>();

  /**
   * @param size   bytes of each pooled buffer; larger requests get a buffer of their own
   * @param keep   at most this many idle buffers are kept
   * @param make   where memory comes from (shared memory, for buffers worker threads read)
   * @param from   the fewest bytes {@link takeFor} takes a pooled buffer for
   */
  constructor(
    readonly size: number,
    private readonly keep: number,
    private readonly make: (bytes: number) => Uint8Array = (n) => new Uint8Array(n),
    private readonly from = 0,
  ) {}

  /**
   * A whole pooled buffer for `length` bytes when that pays (`from` to `size` bytes), else
   * `undefined`: the caller uses a buffer of its own, which for a small thing is cheap and holds
   * no pooled megabytes while it waits.
   */
  takeFor(length: number): Uint8Array | undefined {
    return length >= this.from && length <= this.size ? this.take(this.size) : undefined;
  }

  /** `length` bytes (their content is whatever was there before). */
  take(length: number): Uint8Array {
    if (length > this.size) return this.make(length);
    let buffer = this.free.pop();
    if (!buffer) {
      buffer = this.make(this.size);
      this.mine.add(buffer.buffer);
    }
    return buffer.subarray(0, length);
  }

  /** Whether `bytes` lie in a buffer this pool made. */
  owns(bytes: Uint8Array): boolean {
    return this.mine.has(bytes.buffer);
  }

  /** Hands a buffer from {@link take} back; the caller must no longer use it. Others are ignored. */
  give(bytes: Uint8Array): void {
    if (!this.mine.has(bytes.buffer) || this.free.length >= this.keep) return;
    if (this.free.some((b) => b.buffer === bytes.buffer)) return;
    this.free.push(new Uint8Array(bytes.buffer, 0, this.size));
  }
}

/**
 * A backup's pools. Each buffer's pages are faulted in once, when first written, and a buffer
 * written only in part stays cheap: so what is small or compressed keeps to pools of its own, and
 * only large raw segments fill whole buffers.
 */
export interface BackupPools {
  /** Large segments, put together there (in memory the segment codec's workers read). */
  readonly segments: BufferPool;
  /** Packs, and packs read back. */
  readonly packs: BufferPool;
  /** Segments while small (plain memory): a new segment starts here and moves to `segments` once large. */
  readonly staging?: BufferPool;
  /** Compressed segments: what compression writes, and what reading a pack back decrypts them into. */
  readonly compressed?: BufferPool;
}

/** Hands `bytes` back to whichever of the pools made them (none: nothing happens). */
export function release(pools: BackupPools | undefined, bytes: Uint8Array): void {
  if (!pools) return;
  for (const pool of [pools.segments, pools.packs, pools.staging, pools.compressed]) {
    if (pool?.owns(bytes)) {
      pool.give(bytes);
      return;
    }
  }
}
