import { fromHex, toHex } from '../bytes';
import { VaultError } from '../errors';
import type { FileStore } from '../ports';
import type { VaultHeader } from '../vault/header';
import type { UnlockSecret, UnlockedKeys } from '../vault/keys';
import { compressChunk, decompressChunk, inlineSegmentCodec, preferredCodec, type SegmentCodec } from './codec';
import {
  DEFAULT_PARAMS,
  checkConfigCopies,
  configExists,
  createConfig,
  openConfigWithSecret,
  openConfigWithVault,
  writeConfig,
  type RepoConfig,
  type RepoParams,
  type RepositoryDeps,
} from './config';
import {
  MAX_FILE_BYTES,
  MAX_PACK_BYTES,
  MAX_SEGMENT_RAW,
  checkTable,
  objectName,
  openCompressedJson,
  openJson,
  openSegment,
  readPackTable,
  sealCompressedJson,
  sealJson,
  type BlobTypeName,
  type PackEntry,
  type PackTable,
  type RepoKeys,
  type SegmentEntry,
} from './format';
import { HEX64, chunkKey, packPath, repoError } from './trees';
import { RepoWriter } from './writer';

export { DEFAULT_PARAMS, REPO_FORMAT, REPO_FORMAT_VERSION, type RepoConfig, type RepoParams, type RepositoryDeps } from './config';
export { REF_BYTES, chunkKey, decodeTree, encodeTree, packPath } from './trees';
export { RepoWriter } from './writer';

/**
 * A content-addressed backup repository (docs/BACKUPS.md), restic's design on our formats:
 *
 *   repo.json, repo.2.json   configuration: id, vault id, parameters, the repository key wrapped for
 *                            each master key the vault has had, copies of the vault headers (so the
 *                            password or recovery key opens it without the vault); MAC'd
 *   data/<hh>/<name>         packs of encrypted, compressed chunks; name = BLAKE3 of the bytes
 *   index/<name>             which chunk is in which pack (rebuildable from the packs)
 *   snapshots/<id>           manifests, written last: the commit point of a backup
 *   lock                     one writer at a time (backup, prune)
 *
 * Objects are written once, atomically, and read back and checked before they count.
 */

/** Where a chunk is: its pack, its entry there, and the segment holding it. */
export interface ChunkLocation {
  readonly pack: string;
  readonly entry: PackEntry;
  readonly segment: SegmentEntry;
}

export class BackupRepository {
  private index = new Map<string, ChunkLocation>();
  private indexFiles = new Set<string>();
  private indexLoaded = false;

  private constructor(
    readonly deps: RepositoryDeps,
    private config: RepoConfig,
    readonly keys: RepoKeys,
    /** Configuration copies that failed to read when it was opened (rewritten by {@link rewriteConfig}). */
    private damaged: readonly string[],
  ) {}

  get id(): string {
    return this.config.repoId;
  }

  /** Configuration copies that could not be read when the repository was opened and are not rewritten since. */
  get damagedConfig(): readonly string[] {
    return this.damaged;
  }

  /** Reads both configuration copies again: those missing, unreadable, or not identical to the one in use. */
  checkConfigCopies(): Promise<string[]> {
    return checkConfigCopies(this.deps.files, this.config, this.keys);
  }

  get vaultId(): string {
    return this.config.vaultId;
  }

  get params(): RepoParams {
    return this.config.params;
  }

  /** Whether the folder holds a repository (a configuration file), without reading it. */
  static exists(files: FileStore): Promise<boolean> {
    return configExists(files);
  }

  /** Creates a repository for the open vault in an empty folder (or a folder without a repository). */
  static async init(deps: RepositoryDeps, vault: { keys: UnlockedKeys; header: VaultHeader }, params: RepoParams = DEFAULT_PARAMS): Promise<BackupRepository> {
    // Under the repository lock, so two programs starting the first backup at once make one repository.
    const release = await BackupRepository.lock(deps);
    try {
      const { config, keys } = await createConfig(deps, vault, params);
      return new BackupRepository(deps, config, keys, []);
    } finally {
      await release();
    }
  }

  private static async lock(deps: RepositoryDeps): Promise<() => Promise<void>> {
    const r = await deps.lock.acquire(deps.owner);
    if (!r.acquired) {
      const h = r.holder;
      throw new VaultError('in-use', 'backup repository locked', {
        hint: h ? `The backups are being written by ${h.app} (process ${h.pid} on ${h.host}, since ${h.since}). Try again when it has finished.` : 'The backups are being written by another program. Try again when it has finished.',
      });
    }
    return r.release;
  }

  /**
   * Opens the repository with the open vault's keys. A repository of another vault is refused. When
   * the vault's master key is new (the vault got a password since) or its header changed (a new
   * password), the configuration learns the new key and header.
   */
  static async openWithVault(deps: RepositoryDeps, vault: { keys: UnlockedKeys; header: VaultHeader }): Promise<BackupRepository> {
    const { config, keys, damaged } = await openConfigWithVault(deps, vault);
    return new BackupRepository(deps, config, keys, damaged);
  }

  /**
   * Opens the repository without the vault (restore after the vault was lost): the password or
   * recovery key is tried against every vault header the repository keeps, newest first.
   */
  static async openWithSecret(deps: RepositoryDeps, secret: UnlockSecret): Promise<BackupRepository> {
    const { config, keys, damaged } = await openConfigWithSecret(deps, secret);
    return new BackupRepository(deps, config, keys, damaged);
  }

  /** Writes both configuration copies again from the one in use (repair of a damaged copy). */
  async rewriteConfig(): Promise<void> {
    await writeConfig(this.deps.files, this.config);
    this.damaged = [];
  }

  /**
   * Rebuilds the index from the packs' own tables (repair of a damaged index file): one new index
   * of every readable pack is written and read back before the old index files are deleted.
   * Call under {@link acquireLock}.
   */
  async rebuildIndex(): Promise<number> {
    const packs = new Map<string, PackTable>();
    for (const name of await this.listPacks()) {
      try {
        const bytes = await this.deps.files.read(packPath(name), { maxBytes: MAX_PACK_BYTES });
        if ((await objectName(bytes)) !== name) continue;
        packs.set(name, await readPackTable(this.keys, bytes, packPath(name)));
      } catch (e) {
        this.deps.logger.warn(`rebuilding the index: ${packPath(name)} left out: ${String(e)}`);
      }
    }
    const old = await this.listNames('index', false);
    const fresh = await this.writeIndex(packs);
    for (const f of old) if (f !== fresh) await this.deleteIndexFile(f);
    await this.loadIndex();
    return packs.size;
  }

  /** Whether the earlier keys include an unencrypted vault's (its backups are readable by anyone). */
  get hasPlainHeaders(): boolean {
    return Object.values(this.config.headers).some((h) => h.encryption === 'none');
  }

  /** Where segments are compressed and decompressed. */
  get codec(): SegmentCodec {
    return this.deps.codec ?? inlineSegmentCodec;
  }

  /**
   * Takes the repository lock. Releasing it first waits for writes still running in the background
   * (a pack being written behind a backup that failed meanwhile): every write holds the lock.
   */
  async acquireLock(): Promise<() => Promise<void>> {
    const release = await BackupRepository.lock(this.deps);
    return async () => {
      await Promise.allSettled([...this.inFlight]);
      await release();
    };
  }

  private readonly inFlight = new Set<Promise<unknown>>();

  /** A write running in the background; {@link acquireLock}'s release waits for it. */
  track(write: Promise<unknown>): void {
    this.inFlight.add(write);
    void write.then(
      () => this.inFlight.delete(write),
      () => this.inFlight.delete(write),
    );
  }

  // ── index ──────────────────────────────────────────────────────────────────────────────────

  /** Lists object files under a folder with two-hex-digit subfolders (data/) or flat (index/, snapshots/). */
  private async listNames(dir: string, nested: boolean): Promise<string[]> {
    if (!nested) return (await this.deps.files.list(dir)).filter((n) => HEX64.test(n) || /^[0-9a-f]{32}$/.test(n));
    const out: string[] = [];
    for (const sub of await this.deps.files.list(dir)) {
      if (!/^[0-9a-f]{2}$/.test(sub)) continue;
      for (const n of await this.deps.files.list(`${dir}/${sub}`)) if (HEX64.test(n) && n.startsWith(sub)) out.push(n);
    }
    return out;
  }

  async listPacks(): Promise<string[]> {
    return this.listNames('data', true);
  }

  /**
   * Loads every index file; packs no index names (left by an interrupted backup or prune) are
   * adopted by reading their own tables, so their chunks are reused. Damaged files are reported to
   * `onDamage` and skipped.
   */
  async loadIndex(onDamage?: (where: string, e: unknown) => void): Promise<void> {
    const index = new Map<string, ChunkLocation>();
    const indexFiles = new Set<string>();
    const indexed = new Set<string>();
    for (const name of await this.listNames('index', false)) {
      try {
        const bytes = await this.deps.files.read(`index/${name}`, { maxBytes: MAX_FILE_BYTES });
        if ((await objectName(bytes)) !== name) throw repoError(`index/${name}: content does not match its name`, 'A backup index file is damaged.');
        const doc = (await openCompressedJson(this.keys, 'index', bytes, `index/${name}`, decompressChunk)) as { packs?: IndexedPack[] };
        const found: [string, PackTable][] = [];
        for (const p of doc.packs ?? []) found.push([p.id, tableOf(p, `index/${name}`)]);
        for (const [pack, table] of found) {
          indexed.add(pack);
          addTable(index, pack, table);
        }
        indexFiles.add(name);
      } catch (e) {
        onDamage?.(`index/${name}`, e);
      }
    }
    for (const pack of await this.listPacks()) {
      if (indexed.has(pack)) continue;
      try {
        const bytes = await this.deps.files.read(packPath(pack), { maxBytes: MAX_PACK_BYTES });
        if ((await objectName(bytes)) !== pack) throw repoError(`${packPath(pack)}: content does not match its name`, 'A backup pack is damaged.');
        addTable(index, pack, await readPackTable(this.keys, bytes, packPath(pack)));
      } catch (e) {
        onDamage?.(packPath(pack), e);
      }
    }
    this.index = index;
    this.indexFiles = indexFiles;
    this.indexLoaded = true;
  }

  private async ensureIndex(): Promise<void> {
    if (!this.indexLoaded) await this.loadIndex((where, e) => this.deps.logger.warn(`${where}: ${String(e)}`));
  }

  has(id: string): boolean {
    return this.index.has(chunkKey(id));
  }

  locate(id: string): ChunkLocation | undefined {
    return this.index.get(chunkKey(id));
  }

  get chunkCount(): number {
    return this.index.size;
  }

  get allLocations(): ReadonlyMap<string, ChunkLocation> {
    return this.index;
  }

  get indexFileNames(): readonly string[] {
    return [...this.indexFiles];
  }

  // ── reading ────────────────────────────────────────────────────────────────────────────────

  private packCache = new Map<string, Uint8Array>();
  private segmentCache = new Map<string, Uint8Array>();

  async readPack(name: string): Promise<Uint8Array> {
    const cached = this.packCache.get(name);
    if (cached) return cached;
    const bytes = await this.deps.files.read(packPath(name), { maxBytes: MAX_PACK_BYTES });
    this.packCache.set(name, bytes);
    while (this.packCache.size > 2) this.packCache.delete(this.packCache.keys().next().value!);
    return bytes;
  }

  dropCache(): void {
    this.packCache.clear();
    this.segmentCache.clear();
  }

  /** Decrypts, decompresses and checks one chunk against its id. */
  async readChunk(id: string, expectedType?: BlobTypeName): Promise<Uint8Array> {
    await this.ensureIndex();
    const loc = this.index.get(chunkKey(id));
    if (!loc) throw repoError(`chunk ${id.slice(0, 12)} is missing`, 'Part of this backup is missing from the repository. Verify the backups for details.', 'verify-backups');
    if (expectedType && loc.entry.type !== expectedType) throw repoError(`chunk ${id.slice(0, 12)} has the wrong type`, 'Part of this backup is damaged.');
    return this.decodeChunk(await this.readPack(loc.pack), loc, packPath(loc.pack));
  }

  /** A segment's plaintext (decrypted and decompressed), kept for the next chunks read from it. */
  async decodeSegment(pack: Uint8Array, name: string, segment: SegmentEntry, index: number, what: string): Promise<Uint8Array> {
    const key = `${name}/${index}`;
    const cached = this.segmentCache.get(key);
    if (cached) return cached;
    const stored = await openSegment(this.keys, pack, segment, index, what);
    if (segment.rawLength > MAX_SEGMENT_RAW) throw repoError(`${what}: segment ${index + 1} is too large`, 'Part of this backup is damaged.');
    const raw = await this.codec.decompress(segment.codec, stored, segment.rawLength).catch((e: unknown) => {
      throw repoError(`${what}: segment ${index + 1} does not decompress (${String(e)})`, 'Part of this backup is damaged.');
    });
    this.segmentCache.set(key, raw);
    while (this.segmentCache.size > 2) this.segmentCache.delete(this.segmentCache.keys().next().value!);
    return raw;
  }

  async decodeChunk(pack: Uint8Array, loc: ChunkLocation, what: string): Promise<Uint8Array> {
    const raw = await this.decodeSegment(pack, loc.pack, loc.segment, loc.entry.segment, what);
    const data = raw.subarray(loc.entry.offset, loc.entry.offset + loc.entry.rawLength);
    if (data.length !== loc.entry.rawLength) throw repoError(`${what}: a chunk lies outside its segment`, 'Part of this backup is damaged.');
    if (toHex(await this.keys.chunkId(data)) !== toHex(loc.entry.id)) throw repoError(`${what}: a chunk in segment ${loc.entry.segment + 1} does not match its id`, 'Part of this backup is damaged.');
    return data;
  }

  /** The chunk locations of one pack (from the index), in pack order. */
  locationsOf(pack: string): ChunkLocation[] {
    return [...this.index.values()].filter((l) => l.pack === pack).sort((a, b) => a.entry.segment - b.entry.segment || a.entry.offset - b.entry.offset);
  }

  // ── writing ────────────────────────────────────────────────────────────────────────────────

  /** A writer for one backup (or one prune's repacking); call under {@link acquireLock}. */
  async writer(): Promise<RepoWriter> {
    await this.ensureIndex();
    return new RepoWriter(this);
  }

  /** Records a new pack in the in-memory index (after it was written and checked). */
  addToIndex(pack: string, table: PackTable): void {
    addTable(this.index, pack, table);
  }

  /** The table of a pack the index knows (its segments and chunks), for a consolidated index. */
  tableOf(pack: string): PackTable | undefined {
    const locs = this.locationsOf(pack);
    if (locs.length === 0) return undefined;
    const segments: SegmentEntry[] = [];
    for (const l of locs) segments[l.entry.segment] = l.segment;
    return { segments, entries: locs.map((l) => l.entry) };
  }

  /** Writes an index file for `packs` and reads it back. */
  async writeIndex(packs: ReadonlyMap<string, PackTable>): Promise<string | undefined> {
    if (packs.size === 0) return undefined;
    const doc: { v: 1; packs: IndexedPack[] } = {
      v: 1,
      packs: [...packs].map(([id, t]) => ({
        id,
        segments: Array.from(t.segments, (g) => (g ? [g.offset, g.length, g.rawLength, g.codec] : null)),
        entries: t.entries.map((e) => [toHex(e.id), e.type, e.segment, e.offset, e.rawLength]),
      })),
    };
    const codec = await preferredCodec();
    const bytes = await sealCompressedJson(this.keys, this.deps.random, 'index', doc, (raw) => compressChunk(raw, codec));
    const name = await objectName(bytes);
    await this.deps.files.writeAtomic(`index/${name}`, bytes);
    const back = await this.deps.files.read(`index/${name}`, { maxBytes: MAX_FILE_BYTES });
    if ((await objectName(back)) !== name) throw repoError(`index/${name} did not read back intact`, 'The backup could not be written correctly; the disk may be failing.');
    await openCompressedJson(this.keys, 'index', back, `index/${name}`, decompressChunk);
    this.indexFiles.add(name);
    return name;
  }

  async deleteIndexFile(name: string): Promise<void> {
    await this.deps.files.delete(`index/${name}`);
    this.indexFiles.delete(name);
  }

  async deletePack(name: string): Promise<void> {
    await this.deps.files.delete(packPath(name));
    for (const [id, loc] of this.index) if (loc.pack === name) this.index.delete(id);
    this.packCache.delete(name);
  }

  // ── snapshot files ─────────────────────────────────────────────────────────────────────────

  async listSnapshotNames(): Promise<string[]> {
    return (await this.listNames('snapshots', false)).filter((n) => /^[0-9a-f]{32}$/.test(n)).sort();
  }

  async writeSnapshotFile(id: string, manifest: unknown): Promise<void> {
    const bytes = await sealJson(this.keys, this.deps.random, 'snapshot', manifest);
    await this.deps.files.writeAtomic(`snapshots/${id}`, bytes);
    const back = await this.deps.files.read(`snapshots/${id}`, { maxBytes: MAX_FILE_BYTES });
    const doc = (await openJson(this.keys, 'snapshot', back, `snapshots/${id}`)) as { id?: string };
    if (doc.id !== id) throw repoError(`snapshots/${id} did not read back intact`, 'The backup could not be written correctly; the disk may be failing.');
  }

  async readSnapshotFile(id: string): Promise<unknown> {
    const what = `snapshots/${id}`;
    const doc = (await openJson(this.keys, 'snapshot', await this.deps.files.read(what, { maxBytes: MAX_FILE_BYTES }), what)) as { id?: string };
    if (doc.id !== id) throw repoError(`${what}: holds snapshot ${String(doc.id)} (swapped or renamed)`, 'A backup\'s description file is damaged.');
    return doc;
  }

  async deleteSnapshotFile(id: string): Promise<void> {
    await this.deps.files.delete(`snapshots/${id}`);
  }
}

/** A pack as an index file lists it. */
interface IndexedPack {
  readonly id: string;
  readonly segments: ([number, number, number, number] | null)[];
  readonly entries: [string, BlobTypeName, number, number, number][];
}

function tableOf(p: IndexedPack, what: string): PackTable {
  if (typeof p?.id !== 'string' || !HEX64.test(p.id) || !Array.isArray(p.segments) || !Array.isArray(p.entries)) {
    throw repoError(`${what}: damaged entry`, 'A backup index file is damaged.');
  }
  const table: PackTable = {
    segments: p.segments.map((g) => (g === null ? (undefined as unknown as SegmentEntry) : { offset: g[0], length: g[1], rawLength: g[2], codec: g[3] })),
    entries: p.entries.map(([id, type, segment, offset, rawLength]) => ({ id: fromHex(id), type, segment, offset, rawLength })),
  };
  checkTable(table, undefined, what);
  return table;
}

function addTable(index: Map<string, ChunkLocation>, pack: string, table: PackTable): void {
  for (const entry of table.entries) index.set(chunkKey(toHex(entry.id)), { pack, entry, segment: table.segments[entry.segment]! });
}
