import { deflateSync, inflateSync } from 'fflate';
import { concatBytes, toHex, utf8 } from '../bytes';
import { NONCE_BYTES, type AeadKey, type CipherSuite } from '../crypto/aead';
import { hkdf, hmac } from '../crypto/kdf';
import type { FileStore, Logger, Random } from '../ports';
import { DiskTier } from './disk';
import { MemoryTier } from './memory';

/**
 * The cache manager of the seed: a memory tier (LRU, byte-capped, TTL) in front of a disk tier on
 * this machine (outside the workspace, never in `.campaign-vault/`), per vault and namespace.
 *
 * - **Disposable**: everything here can be computed again; deleting the cache folder loses nothing.
 * - **Sealed**: a disk entry is AES-GCM under a key derived from the vault's, named by a keyed
 *   hash (no entry name or asset name on disk), with its vault, namespace and name as associated
 *   data. A namespace that holds decrypted content (`disk: false`) never reaches the disk.
 * - **Never serves damage**: an entry that does not authenticate, decompress or parse is deleted
 *   and computed again.
 * - **Computes once**: concurrent requests for one key share one computation.
 * - **Counts**: hits (memory, disk), misses, evictions, discarded entries and bytes per namespace.
 */
export interface CacheOptions {
  /** Bytes on disk over every vault (the seed's default: 500 MB). */
  readonly maxDiskBytes: number;
  /** Bytes in memory over every vault. */
  readonly maxMemoryBytes: number;
  /** How long an entry is served after it was made, in milliseconds. */
  readonly ttlMs: number;
}

export const DEFAULT_CACHE_OPTIONS: CacheOptions = { maxDiskBytes: 500 * 1024 * 1024, maxMemoryBytes: 64 * 1024 * 1024, ttlMs: 30 * 24 * 3600 * 1000 };

export interface CacheDeps {
  /** Where the disk tier lives; without it the cache is memory only. */
  readonly disk?: FileStore;
  readonly suite: CipherSuite;
  readonly random: Random;
  readonly now: () => number;
  readonly log: Logger;
}

export interface NamespaceOptions {
  /** Whether entries may be written to disk (sealed). False for anything decrypted from the vault. */
  readonly disk: boolean;
}

export interface NamespaceStats {
  readonly namespace: string;
  readonly memoryHits: number;
  readonly diskHits: number;
  readonly misses: number;
  readonly evictions: number;
  readonly discarded: number;
  readonly memoryBytes: number;
  readonly diskBytes: number;
}

export interface CacheStats {
  readonly namespaces: readonly NamespaceStats[];
  readonly memoryBytes: number;
  readonly diskBytes: number;
  /** Hits over requests, 0 to 1 (`NaN` before any request). */
  readonly hitRate: number;
}

interface Counters {
  memoryHits: number;
  diskHits: number;
  misses: number;
  evictions: number;
  discarded: number;
}

const MAGIC = utf8('CVC1');
const FLAG_DEFLATED = 1;
/** Smaller values are not worth deflating. */
const DEFLATE_FROM = 1024;
const HEADER = MAGIC.length + 1 + NONCE_BYTES;
const NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;

export class CacheManager {
  private readonly memory: MemoryTier;
  private readonly disk?: DiskTier;
  private readonly counters = new Map<string, Counters>();
  private readonly vaults = new Map<string, VaultCache>();
  private current: CacheOptions;

  constructor(
    options: CacheOptions,
    private readonly deps: CacheDeps,
  ) {
    this.current = checkOptions(options);
    this.memory = new MemoryTier({ maxBytes: options.maxMemoryBytes, ttlMs: options.ttlMs, now: deps.now, onEvict: (key) => this.count(nsOf(key)).evictions++ });
    if (deps.disk) this.disk = new DiskTier(deps.disk, { maxBytes: options.maxDiskBytes, now: deps.now, log: deps.log, onEvict: (path) => this.count(path.split('/')[1]!).evictions++ });
  }

  /** The limits in force (changed by {@link configure}). */
  get options(): CacheOptions {
    return this.current;
  }

  /**
   * New limits, applied now: a smaller disk limit evicts the least recently used files at once (down
   * to 90 % of it), a smaller memory cap the least recently used values; a new TTL applies to every
   * entry from its next read (it counts from when the entry was made, so a shorter one may expire
   * entries at once, a longer one keeps entries that the old one would have dropped).
   */
  async configure(options: Partial<CacheOptions>): Promise<void> {
    const next = checkOptions({ ...this.current, ...options });
    this.current = next;
    this.memory.configure({ maxBytes: next.maxMemoryBytes, ttlMs: next.ttlMs });
    await this.disk?.configure({ maxBytes: next.maxDiskBytes });
  }

  /**
   * The cache of one vault, sealed under `key` (32 bytes derived from the vault's keys, so it
   * changes when they do: entries sealed before no longer open and are computed again).
   */
  async forVault(vaultId: string, key: Uint8Array): Promise<VaultCache> {
    if (!/^[0-9a-f]{8,64}$/.test(vaultId)) throw new Error(`cache: a vault id is hex, not ${JSON.stringify(vaultId)}`);
    const sealKey = await hkdf(key, utf8(vaultId), 'campaign-vault/v1/cache/seal');
    const nameKey = await hkdf(key, utf8(vaultId), 'campaign-vault/v1/cache/names');
    const cache = new VaultCache(this, vaultId, await this.deps.suite.importKey(sealKey), nameKey);
    sealKey.fill(0);
    this.vaults.get(vaultId)?.close();
    this.vaults.set(vaultId, cache);
    return cache;
  }

  /** Counters and sizes, per namespace and in all. */
  async stats(): Promise<CacheStats> {
    const namespaces: NamespaceStats[] = [];
    let hits = 0;
    let requests = 0;
    for (const [namespace, c] of [...this.counters].sort((a, b) => a[0].localeCompare(b[0]))) {
      const diskBytes = this.disk ? await this.disk.bytesWhere((path) => path.split('/')[1] === namespace) : 0;
      namespaces.push({ namespace, ...c, memoryBytes: this.memory.bytesWhere((key) => nsOf(key) === namespace), diskBytes });
      hits += c.memoryHits + c.diskHits;
      requests += c.memoryHits + c.diskHits + c.misses;
    }
    return { namespaces, memoryBytes: this.memory.bytes, diskBytes: this.disk ? await this.disk.bytes() : 0, hitRate: hits / requests };
  }

  /** @internal */
  count(namespace: string): Counters {
    let c = this.counters.get(namespace);
    if (!c) this.counters.set(namespace, (c = { memoryHits: 0, diskHits: 0, misses: 0, evictions: 0, discarded: 0 }));
    return c;
  }

  /** @internal */
  get tiers(): { memory: MemoryTier; disk?: DiskTier; deps: CacheDeps } {
    return { memory: this.memory, ...(this.disk ? { disk: this.disk } : {}), deps: this.deps };
  }

  /** @internal */
  closed(vaultId: string, cache: VaultCache): void {
    if (this.vaults.get(vaultId) === cache) this.vaults.delete(vaultId);
  }
}

function checkOptions(o: CacheOptions): CacheOptions {
  for (const [name, v] of [['maxDiskBytes', o.maxDiskBytes], ['maxMemoryBytes', o.maxMemoryBytes], ['ttlMs', o.ttlMs]] as const) {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`cache: ${name} must be a finite number of 0 or more, not ${v}`);
  }
  return { maxDiskBytes: o.maxDiskBytes, maxMemoryBytes: o.maxMemoryBytes, ttlMs: o.ttlMs };
}

/** Memory keys: `<vault>\0<namespace>\0<key>`. */
function memoryKey(vaultId: string, namespace: string, key: string): string {
  return `${vaultId}\u0000${namespace}\u0000${key}`;
}

function nsOf(memKey: string): string {
  return memKey.split('\u0000')[1]!;
}

export class VaultCache {
  private readonly pending = new Map<string, Promise<Uint8Array>>();
  private open = true;
  private generation = 0;

  /** @internal */
  constructor(
    private readonly manager: CacheManager,
    readonly vaultId: string,
    private readonly sealKey: AeadKey,
    private readonly nameKey: Uint8Array,
  ) {}

  /** A namespace of this vault's cache (`thumbnails`, `file-chunks` …). */
  namespace(name: string, options: NamespaceOptions): CacheNamespace {
    if (!NAME.test(name)) throw new Error(`cache: a namespace is lower-case letters, digits and dashes, not ${JSON.stringify(name)}`);
    return new CacheNamespace(this, name, options);
  }

  /** Lock: what is decrypted in memory goes; the sealed disk entries stay. */
  dropMemory(): void {
    const mine = `${this.vaultId}\u0000`;
    this.manager.tiers.memory.clear((key) => key.startsWith(mine));
    this.pending.clear();
    this.generation++;
  }

  /** Key rotation, Encrypt Vault: nothing of this vault stays, in memory or on disk. */
  async clear(): Promise<void> {
    this.dropMemory();
    await this.manager.tiers.disk?.deleteUnder(`${this.vaultId}/`);
  }

  /** This vault locked: memory dropped, the keys forgotten, further use refused. */
  close(): void {
    if (!this.open) return;
    this.dropMemory();
    this.open = false;
    this.nameKey.fill(0);
    this.manager.closed(this.vaultId, this);
  }

  /** @internal */
  async getOrCompute(ns: string, options: NamespaceOptions, key: string, compute: () => Promise<Uint8Array>): Promise<Uint8Array> {
    this.assertOpen();
    const memKey = memoryKey(this.vaultId, ns, key);
    const { memory } = this.manager.tiers;
    const counters = this.manager.count(ns);
    const held = memory.get(memKey);
    if (held) {
      counters.memoryHits++;
      return held;
    }
    const running = this.pending.get(memKey);
    if (running) {
      counters.memoryHits++;
      return running;
    }
    // Dropped meanwhile (Lock): what was computed is returned, not kept.
    const generation = this.generation;
    const kept = () => this.open && this.generation === generation;
    const work = (async () => {
      const fromDisk = options.disk ? await this.readDisk(ns, key) : undefined;
      if (fromDisk) {
        counters.diskHits++;
        if (kept()) memory.set(memKey, fromDisk);
        return fromDisk;
      }
      counters.misses++;
      const value = await compute();
      if (kept()) {
        memory.set(memKey, value);
        if (options.disk) await this.writeDisk(ns, key, value);
      }
      return value;
    })();
    this.pending.set(memKey, work);
    try {
      return await work;
    } finally {
      if (this.pending.get(memKey) === work) this.pending.delete(memKey);
    }
  }

  /** @internal */
  async delete(ns: string, options: NamespaceOptions, key: string): Promise<void> {
    this.assertOpen();
    this.manager.tiers.memory.delete(memoryKey(this.vaultId, ns, key));
    if (options.disk) await this.manager.tiers.disk?.delete(await this.path(ns, key));
  }

  private assertOpen(): void {
    if (!this.open) throw new Error('cache: this vault is locked');
  }

  private async path(ns: string, key: string): Promise<string> {
    const mac = await hmac(this.nameKey, utf8(`${ns}\u0000${key}`));
    return `${this.vaultId}/${ns}/${toHex(mac.subarray(0, 16))}`;
  }

  private aad(path: string, flags: number): Uint8Array {
    return concatBytes(utf8(path), Uint8Array.of(flags));
  }

  private async readDisk(ns: string, key: string): Promise<Uint8Array | undefined> {
    const disk = this.manager.tiers.disk;
    if (!disk) return undefined;
    const path = await this.path(ns, key);
    const file = await disk.read(path);
    if (!file) return undefined;
    const { deps } = this.manager.tiers;
    try {
      if (file.length < HEADER + 16 + 8 || !MAGIC.every((b, i) => file[i] === b)) throw new Error('not a cache entry');
      const flags = file[MAGIC.length]!;
      const nonce = file.subarray(MAGIC.length + 1, HEADER);
      const plain = await deps.suite.open(this.sealKey, nonce, file.subarray(HEADER), this.aad(path, flags));
      const made = new DataView(plain.buffer, plain.byteOffset, 8).getFloat64(0);
      if (!(made <= deps.now() && deps.now() - made < this.manager.options.ttlMs)) {
        await disk.delete(path);
        return undefined;
      }
      const body = plain.subarray(8);
      return flags & FLAG_DEFLATED ? inflateSync(body) : body.slice();
    } catch (e) {
      this.manager.count(ns).discarded++;
      deps.log.debug(`cache: discarded a damaged or stale entry of ${ns}: ${String(e)}`);
      await disk.delete(path);
      return undefined;
    }
  }

  private async writeDisk(ns: string, key: string, value: Uint8Array): Promise<void> {
    const disk = this.manager.tiers.disk;
    if (!disk) return;
    const { deps } = this.manager.tiers;
    let flags = 0;
    let body = value;
    if (value.length >= DEFLATE_FROM) {
      const deflated = deflateSync(value, { level: 6 });
      if (deflated.length < value.length * 0.9) {
        body = deflated;
        flags |= FLAG_DEFLATED;
      }
    }
    const plain = new Uint8Array(8 + body.length);
    new DataView(plain.buffer).setFloat64(0, deps.now());
    plain.set(body, 8);
    const path = await this.path(ns, key);
    const nonce = deps.random.bytes(NONCE_BYTES);
    const sealed = await deps.suite.seal(this.sealKey, nonce, plain, this.aad(path, flags));
    await disk.write(path, concatBytes(MAGIC, Uint8Array.of(flags), nonce, sealed));
  }
}

export class CacheNamespace {
  /** @internal */
  constructor(
    private readonly vault: VaultCache,
    readonly name: string,
    readonly options: NamespaceOptions,
  ) {}

  /** The cached value, else `compute()`'s (computed once however many ask at the same time). */
  getOrCompute(key: string, compute: () => Promise<Uint8Array>): Promise<Uint8Array> {
    return this.vault.getOrCompute(this.name, this.options, key, compute);
  }

  delete(key: string): Promise<void> {
    return this.vault.delete(this.name, this.options, key);
  }
}
