/**
 * The cache's memory tier: least recently used first out, capped in bytes, each value valid for a
 * time to live. A `Map` keeps insertion order, so re-inserting on every hit makes its first key the
 * least recently used one.
 */
export interface MemoryTierOptions {
  /** Bytes of values held at most; a value larger than this is not kept. */
  readonly maxBytes: number;
  /** How long a value is served after it was set, in milliseconds. */
  readonly ttlMs: number;
  readonly now: () => number;
  /** Told of every value evicted to make room (not of expired or deleted ones). */
  readonly onEvict?: (key: string, bytes: number) => void;
}

interface Slot {
  readonly value: Uint8Array;
  readonly expires: number;
}

export class MemoryTier {
  private readonly slots = new Map<string, Slot>();
  private held = 0;

  constructor(private options: MemoryTierOptions) {}

  /**
   * New cap and TTL: a smaller cap evicts the least recently used values now; the TTL applies to
   * values set from now on and shortens (never lengthens) the life of those already held.
   */
  configure(limits: { readonly maxBytes: number; readonly ttlMs: number }): void {
    const shorter = limits.ttlMs < this.options.ttlMs;
    this.options = { ...this.options, ...limits };
    if (shorter) {
      const latest = this.options.now() + limits.ttlMs;
      for (const [k, slot] of this.slots) if (slot.expires > latest) this.slots.set(k, { value: slot.value, expires: latest });
    }
    this.shrink();
  }

  get bytes(): number {
    return this.held;
  }

  get size(): number {
    return this.slots.size;
  }

  get(key: string): Uint8Array | undefined {
    const slot = this.slots.get(key);
    if (!slot) return undefined;
    this.slots.delete(key);
    if (slot.expires <= this.options.now()) {
      this.held -= slot.value.byteLength;
      return undefined;
    }
    this.slots.set(key, slot);
    return slot.value;
  }

  set(key: string, value: Uint8Array): void {
    this.delete(key);
    if (value.byteLength > this.options.maxBytes) return;
    this.slots.set(key, { value, expires: this.options.now() + this.options.ttlMs });
    this.held += value.byteLength;
    this.shrink();
  }

  /** Least recently used values out until the bytes held fit the cap. */
  private shrink(): void {
    for (const [k, slot] of this.slots) {
      if (this.held <= this.options.maxBytes) break;
      this.slots.delete(k);
      this.held -= slot.value.byteLength;
      this.options.onEvict?.(k, slot.value.byteLength);
    }
  }

  delete(key: string): boolean {
    const slot = this.slots.get(key);
    if (!slot) return false;
    this.slots.delete(key);
    this.held -= slot.value.byteLength;
    return true;
  }

  /** Drops every value whose key `which` accepts (all of them without one). */
  clear(which: (key: string) => boolean = () => true): void {
    for (const [k, slot] of this.slots) {
      if (!which(k)) continue;
      this.slots.delete(k);
      this.held -= slot.value.byteLength;
    }
  }

  /** Bytes held under the keys `which` accepts. */
  bytesWhere(which: (key: string) => boolean): number {
    let n = 0;
    for (const [k, slot] of this.slots) if (which(k)) n += slot.value.byteLength;
    return n;
  }
}
