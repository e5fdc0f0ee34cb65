import { fromBase64, fromHex, fromUtf8, sameBytes, toBase64, toHex, utf8 } from '../bytes';
import { canonicalJson } from '../canonical';
import { AuthenticationError, type CipherSuite } from '../crypto/aead';
import { hmac } from '../crypto/kdf';
import { VaultError, isVaultError } from '../errors';
import type { Clock, FileStore, Logger, Random, VaultLock } from '../ports';
import { parseHeader, type VaultHeader } from '../vault/header';
import { unlockKeys, type UnlockSecret, type UnlockedKeys } from '../vault/keys';
import { BufferPool, release, type BackupPools } from './bufferPool';
import { CODEC_IDS, DB_CHUNK_BYTES, compressChunk, decompressChunk, inlineSegmentCodec, preferredCodec, type CompressedSegment, type SegmentCodec } from './codec';
import {
  MAX_SEGMENT_RAW,
  PackWriter,
  RepoKeys,
  checkTable,
  objectName,
  openCompressedJson,
  openJson,
  checkSegment,
  openSegment,
  readPackTable,
  sealCompressedJson,
  sealJson,
  type BlobTypeName,
  type PackEntry,
  type PackTable,
  type SegmentCheck,
  type SegmentEntry,
} from './format';

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

export const REPO_FORMAT = 'campaign-vault-backups';
export const REPO_FORMAT_VERSION = 1;
const CONFIG_FILES = ['repo.json', 'repo.2.json'] as const;

export interface RepoParams {
  readonly dbChunkBytes: number;
  readonly fileBlockBytes: number;
  /** Chunk ids per tree chunk (the database's chunk list is stored in trees of this many ids). */
  readonly treeFanout: number;
  /** A pack is closed once it holds at least this many bytes. */
  readonly packBytes: number;
  /** Consecutive new chunks are compressed together in segments of up to this many bytes. */
  readonly segmentBytes: number;
}

interface RepoSlot {
  /** Identifies the master key (HKDF of it), not secret. */
  readonly id: string;
  /** Which stored vault header unlocks that master key. */
  readonly header: string;
  readonly nonce: string;
  readonly wrapped: string;
  readonly addedAt: string;
}

export interface RepoConfig {
  readonly format: typeof REPO_FORMAT;
  readonly formatVersion: number;
  readonly repoId: string;
  readonly vaultId: string;
  readonly createdAt: string;
  readonly params: RepoParams;
  readonly slots: readonly RepoSlot[];
  readonly headers: Readonly<Record<string, VaultHeader>>;
  readonly mac: string;
}

export interface RepositoryDeps {
  /** Rooted at the repository folder. */
  readonly files: FileStore;
  readonly random: Random;
  readonly clock: Clock;
  readonly suite: CipherSuite;
  readonly logger: Logger;
  /** The repository's writer lock (its `lock` file). */
  readonly lock: VaultLock;
  readonly owner: { readonly pid: number; readonly host: string; readonly app: string };
  /** Where segments are compressed and decompressed; on this thread when not given. */
  readonly codec?: SegmentCodec;
}

/** Where a chunk is: its pack, its entry there, and the segment holding it. */
export interface ChunkLocation {
  readonly pack: string;
  readonly entry: PackEntry;
  readonly segment: SegmentEntry;
}

function repoError(why: string, hint: string): VaultError {
  return new VaultError('corrupt', why, { hint });
}

const HEX64 = /^[0-9a-f]{64}$/;
export const packPath = (name: string) => `data/${name.slice(0, 2)}/${name}`;

/** Whether repository parameters are within what this version reads (and writes). */
function validParams(p: RepoParams | undefined): boolean {
  return (
    !!p &&
    Number.isInteger(p.dbChunkBytes) && p.dbChunkBytes >= 512 && p.dbChunkBytes <= 1 << 22 &&
    Number.isInteger(p.fileBlockBytes) && p.fileBlockBytes >= 4096 && p.fileBlockBytes <= 1 << 24 &&
    Number.isInteger(p.treeFanout) && p.treeFanout >= 2 && p.treeFanout <= 4096 &&
    Number.isInteger(p.packBytes) && p.packBytes >= 1 << 16 && p.packBytes <= 1 << 26 &&
    Number.isInteger(p.segmentBytes) && p.segmentBytes >= 1 << 12 && p.segmentBytes <= MAX_SEGMENT_RAW
  );
}

function parseConfig(bytes: Uint8Array, what: string): RepoConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(fromUtf8(bytes)) as unknown;
  } catch {
    throw repoError(`${what}: not JSON`, 'The backup repository\'s configuration is damaged.');
  }
  const c = raw as Partial<RepoConfig>;
  if (!c || typeof c !== 'object' || c.format !== REPO_FORMAT) {
    throw new VaultError('not-a-vault', `${what}: not a backup repository`, { hint: 'This folder holds no Campaign Vault backups.' });
  }
  if (typeof c.formatVersion !== 'number' || c.formatVersion > REPO_FORMAT_VERSION) {
    throw new VaultError('newer-format', `${what}: format ${String(c.formatVersion)}`, { hint: 'These backups were written by a newer version of Campaign Vault. Update the extension to use them.' });
  }
  const okParams = validParams(c.params);
  if (
    typeof c.repoId !== 'string' || !/^[0-9a-f]{32}$/.test(c.repoId) || typeof c.vaultId !== 'string' || !/^[0-9a-f]{32}$/.test(c.vaultId) ||
    !okParams || !Array.isArray(c.slots) || typeof c.headers !== 'object' || c.headers === null || typeof c.mac !== 'string'
  ) {
    throw repoError(`${what}: fields missing or out of range`, 'The backup repository\'s configuration is damaged.');
  }
  const headers: Record<string, VaultHeader> = {};
  for (const [k, h] of Object.entries(c.headers)) headers[k] = parseHeader(utf8(JSON.stringify(h)));
  for (const s of c.slots as RepoSlot[]) {
    if (typeof s?.id !== 'string' || typeof s.header !== 'string' || !headers[s.header] || typeof s.nonce !== 'string' || typeof s.wrapped !== 'string') {
      throw repoError(`${what}: a key slot is damaged`, 'The backup repository\'s configuration is damaged.');
    }
  }
  return { ...(c as RepoConfig), headers };
}

async function configMac(keys: RepoKeys, config: Omit<RepoConfig, 'mac'>): Promise<string> {
  return toBase64(await hmac(await keys.configMacKey(), utf8(canonicalJson(config))));
}

async function slotSecrets(vault: UnlockedKeys, repoId: string): Promise<{ id: string; kek: Uint8Array }> {
  const id = toHex((await vault.subkey(`backup/slot-id/${repoId}`)).subarray(0, 16));
  return { id, kek: await vault.subkey(`backup/repo-kek/${repoId}`) };
}

async function headerKey(header: VaultHeader): Promise<string> {
  return (await objectName(utf8(canonicalJson(header)))).slice(0, 32);
}

export const DEFAULT_PARAMS: RepoParams = { dbChunkBytes: DB_CHUNK_BYTES, fileBlockBytes: 1024 * 1024, treeFanout: 64, packBytes: 16 * 1024 * 1024, segmentBytes: 16 * 1024 * 1024 };

export class BackupRepository {
  private index = new Map<string, ChunkLocation>();
  private indexFiles = new Set<string>();
  private indexLoaded = false;

  private constructor(
    readonly deps: RepositoryDeps,
    private config: RepoConfig,
    readonly keys: RepoKeys,
    /** Configuration copies that failed to read when it was opened (rewritten by {@link learn}). */
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
  async checkConfigCopies(): Promise<string[]> {
    const bad: string[] = [];
    for (const f of CONFIG_FILES) {
      const bytes = await this.deps.files.readIfExists(f);
      try {
        if (!bytes) throw new Error('missing');
        const { mac, ...rest } = parseConfig(bytes, f);
        if (mac !== this.config.mac || (await configMac(this.keys, rest)) !== mac) throw new Error('not the current configuration, or not authentic');
      } catch {
        bad.push(f);
      }
    }
    return bad;
  }

  get vaultId(): string {
    return this.config.vaultId;
  }

  get params(): RepoParams {
    return this.config.params;
  }

  /** Whether the folder holds a repository (a configuration file), without reading it. */
  static async exists(files: FileStore): Promise<boolean> {
    for (const f of CONFIG_FILES) if (await files.stat(f)) return true;
    return false;
  }

  /** The configuration from the first copy that parses; damaged copies are named. */
  private static async readConfigs(files: FileStore, logger?: Logger): Promise<{ configs: RepoConfig[]; damaged: string[] }> {
    const configs: RepoConfig[] = [];
    const damaged: string[] = [];
    let notOurs: VaultError | undefined;
    for (const f of CONFIG_FILES) {
      const bytes = await files.readIfExists(f);
      if (!bytes) {
        damaged.push(f);
        continue;
      }
      try {
        configs.push(parseConfig(bytes, f));
      } catch (e) {
        if (isVaultError(e) && (e.code === 'newer-format' || e.code === 'not-a-vault')) notOurs ??= e;
        damaged.push(f);
        logger?.warn(`${f}: ${String(e)}`);
      }
    }
    if (configs.length === 0) {
      if (notOurs) throw notOurs;
      throw new VaultError('not-found', 'no readable repo.json', { hint: 'This folder holds no readable Campaign Vault backups.' });
    }
    return { configs, damaged };
  }

  private static async writeConfig(files: FileStore, config: RepoConfig): Promise<void> {
    const bytes = utf8(`${JSON.stringify(config, null, 2)}\n`);
    for (const f of CONFIG_FILES) await files.writeAtomic(f, bytes);
  }

  /** Creates a repository for the open vault in an empty folder (or a folder without a repository). */
  static async init(deps: RepositoryDeps, vault: { keys: UnlockedKeys; header: VaultHeader }, params: RepoParams = DEFAULT_PARAMS): Promise<BackupRepository> {
    // Under the repository lock, so two programs starting the first backup at once make one repository.
    const release = await BackupRepository.lock(deps);
    try {
      return await BackupRepository.initLocked(deps, vault, params);
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

  private static async initLocked(deps: RepositoryDeps, vault: { keys: UnlockedKeys; header: VaultHeader }, params: RepoParams): Promise<BackupRepository> {
    if (await BackupRepository.exists(deps.files)) throw new VaultError('exists', 'repository exists', { hint: 'This folder already holds backups.' });
    // A configuration this version could not read back is never written.
    if (!validParams(params)) throw new VaultError('invalid', `repository parameters out of range: ${JSON.stringify(params)}`);
    const repoId = toHex(deps.random.bytes(16));
    const repoKey = deps.random.bytes(32);
    const keys = await RepoKeys.create(fromHex(repoId), repoKey, deps.suite);
    const slot = await BackupRepository.makeSlot(deps, vault, repoId, repoKey);
    repoKey.fill(0);
    const unsigned: Omit<RepoConfig, 'mac'> = {
      format: REPO_FORMAT,
      formatVersion: REPO_FORMAT_VERSION,
      repoId,
      vaultId: vault.keys.vaultIdHex,
      createdAt: new Date(deps.clock.now()).toISOString(),
      params,
      slots: [slot.slot],
      headers: { [slot.slot.header]: vault.header },
    };
    const config = { ...unsigned, mac: await configMac(keys, unsigned) };
    await BackupRepository.writeConfig(deps.files, config);
    return new BackupRepository(deps, config, keys, []);
  }

  private static async makeSlot(deps: RepositoryDeps, vault: { keys: UnlockedKeys; header: VaultHeader }, repoId: string, repoKey: Uint8Array): Promise<{ slot: RepoSlot }> {
    const { id, kek } = await slotSecrets(vault.keys, repoId);
    const nonce = deps.random.bytes(12);
    const key = await deps.suite.importKey(kek);
    kek.fill(0);
    const wrapped = await deps.suite.seal(key, nonce, repoKey, utf8(`campaign-vault/v1/backup/repo-key/${repoId}`));
    return { slot: { id, header: await headerKey(vault.header), nonce: toBase64(nonce), wrapped: toBase64(wrapped), addedAt: new Date(deps.clock.now()).toISOString() } };
  }

  private static async unwrap(deps: RepositoryDeps, config: RepoConfig, vault: UnlockedKeys): Promise<Uint8Array | undefined> {
    const { id, kek } = await slotSecrets(vault, config.repoId);
    const slot = config.slots.find((s) => s.id === id);
    if (!slot) return undefined;
    const key = await deps.suite.importKey(kek);
    kek.fill(0);
    try {
      return await deps.suite.open(key, fromBase64(slot.nonce), fromBase64(slot.wrapped), utf8(`campaign-vault/v1/backup/repo-key/${config.repoId}`));
    } catch (e) {
      if (e instanceof AuthenticationError) return undefined;
      throw e;
    }
  }

  /** Checks a configuration's MAC; returns the keys when it holds. */
  private static async verified(deps: RepositoryDeps, config: RepoConfig, repoKey: Uint8Array): Promise<RepoKeys | undefined> {
    const keys = await RepoKeys.create(fromHex(config.repoId), repoKey, deps.suite);
    const { mac, ...rest } = config;
    return (await configMac(keys, rest)) === mac ? keys : undefined;
  }

  /**
   * Opens the repository with the open vault's keys. A repository of another vault is refused. When
   * the vault's master key is new (the vault got a password since) or its header changed (a new
   * password), the configuration learns the new key and header.
   */
  static async openWithVault(deps: RepositoryDeps, vault: { keys: UnlockedKeys; header: VaultHeader }): Promise<BackupRepository> {
    const { configs, damaged } = await BackupRepository.readConfigs(deps.files, deps.logger);
    let otherVault: string | undefined;
    for (const config of configs) {
      // A copy naming another vault is either another vault's repository or damage: the other
      // copy decides, and only when no copy opens is it "another vault".
      if (config.vaultId !== vault.keys.vaultIdHex) {
        otherVault = config.vaultId;
        continue;
      }
      let repoKey = await BackupRepository.unwrap(deps, config, vault.keys);
      // A master key the repository has not seen (the vault was unencrypted and got a password):
      // the earlier master key was public, so a stored plain header still opens the repository.
      if (!repoKey) {
        for (const h of Object.values(config.headers)) {
          if (h.encryption !== 'none') continue;
          const old = await unlockKeys(h, { none: true }, deps.suite).catch(() => undefined);
          repoKey = old ? await BackupRepository.unwrap(deps, config, old) : undefined;
          old?.wipe();
          if (repoKey) break;
        }
      }
      if (!repoKey) continue;
      const keys = await BackupRepository.verified(deps, config, repoKey);
      if (!keys) {
        repoKey.fill(0);
        continue;
      }
      const repo = new BackupRepository(deps, config, keys, damaged);
      await repo.learn(vault, repoKey);
      repoKey.fill(0);
      return repo;
    }
    if (otherVault !== undefined) {
      throw new VaultError('invalid', `repository of vault ${otherVault}`, { hint: 'This folder holds the backups of another vault. Choose another folder for this vault\'s backups.' });
    }
    throw new VaultError('wrong-password', 'no slot for this vault key', {
      hint: 'These backups cannot be opened with this vault\'s key, or their configuration is damaged.',
    });
  }

  /**
   * Opens the repository without the vault (restore after the vault was lost): the password or
   * recovery key is tried against every vault header the repository keeps, newest first.
   */
  static async openWithSecret(deps: RepositoryDeps, secret: UnlockSecret): Promise<BackupRepository> {
    const { configs, damaged } = await BackupRepository.readConfigs(deps.files, deps.logger);
    let wrong = false;
    for (const config of configs) {
      for (const slot of [...config.slots].reverse()) {
        const header = config.headers[slot.header]!;
        let vault: UnlockedKeys;
        try {
          vault = await unlockKeys(header, secret, deps.suite);
        } catch (e) {
          if (isVaultError(e) && e.code === 'wrong-password') {
            wrong = true;
            continue;
          }
          throw e;
        }
        const repoKey = await BackupRepository.unwrap(deps, config, vault);
        vault.wipe();
        if (!repoKey) continue;
        const keys = await BackupRepository.verified(deps, config, repoKey);
        repoKey.fill(0);
        if (keys) return new BackupRepository(deps, config, keys, damaged);
      }
    }
    throw new VaultError('wrong-password', wrong ? 'wrong password for repository' : 'repository key slots damaged', {
      hint: 'Wrong password or recovery key for these backups, or their key file is damaged.',
    });
  }

  /** Adds a slot for a new master key, and keeps the newest vault header for each slot. */
  private async learn(vault: { keys: UnlockedKeys; header: VaultHeader }, repoKey: Uint8Array): Promise<void> {
    const { id } = await slotSecrets(vault.keys, this.config.repoId);
    const hk = await headerKey(vault.header);
    const existing = this.config.slots.find((s) => s.id === id);
    if (existing && existing.header === hk) return;
    const slots = existing
      ? this.config.slots.map((s) => (s.id === id ? { ...s, header: hk } : s))
      : [...this.config.slots, (await BackupRepository.makeSlot(this.deps, vault, this.config.repoId, repoKey)).slot];
    const used = new Set(slots.map((s) => s.header));
    const headers: Record<string, VaultHeader> = { [hk]: vault.header };
    for (const [k, h] of Object.entries(this.config.headers)) if (used.has(k)) headers[k] ??= h;
    const { mac: _old, ...rest } = this.config;
    const unsigned = { ...rest, slots, headers };
    this.config = { ...unsigned, mac: await configMac(this.keys, unsigned) };
    await BackupRepository.writeConfig(this.deps.files, this.config);
    this.damaged = [];
  }

  /** Writes both configuration copies again from the one in use (repair of a damaged copy). */
  async rewriteConfig(): Promise<void> {
    await BackupRepository.writeConfig(this.deps.files, this.config);
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
        const bytes = await this.deps.files.read(packPath(name));
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
        const bytes = await this.deps.files.read(`index/${name}`);
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
        const bytes = await this.deps.files.read(packPath(pack));
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
    const bytes = await this.deps.files.read(packPath(name));
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
    if (!loc) throw repoError(`chunk ${id.slice(0, 12)} is missing`, 'Part of this backup is missing from the repository. Run "Verify Backups" for details.');
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

  /**
   * Reads a pack just written back from the disk and checks it before it counts (restic's lesson):
   * its header and its own table decrypt and match what was written, and every segment decrypts
   * (authenticated: these are the bytes sealed). A compressed segment then decompresses to bytes
   * with the digest taken of its raw bytes when it was compressed (`expected`): the bytes whose
   * keyed ids the table lists. That checks what hashing each chunk again would, at a fraction of
   * the cost; a segment stored as it is (codec none) is those bytes once it authenticates.
   */
  async checkReadBack(path: string, written: Uint8Array, table: PackTable, expected: readonly SegmentCheck[], pools?: BackupPools): Promise<void> {
    const fail = (what: string) => repoError(`${path}: ${what}`, 'The backup could not be written correctly; the disk may be failing.');
    // Damage found here is in what was just written: say so, not "this backup is damaged".
    const asWriteFailure = (e: unknown): never => {
      throw isVaultError(e, 'corrupt') ? fail(e.message) : e;
    };
    const files = this.deps.files;
    // Large packs are read back into a pooled buffer (small ones into their own: see BufferPool).
    const into = files.readInto ? pools?.packs.takeFor(written.length) : undefined;
    try {
      const back = into ? await files.readInto!(path, into) : await files.read(path);
      if (back.length !== written.length) throw fail(`read back ${back.length} bytes of ${written.length}`);
      const stored = await readPackTable(this.keys, back, path).catch(asWriteFailure);
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
          if ((await checkSegment(this.keys, back, segment, i, path).catch(asWriteFailure)) !== want.rawLength) throw fail(`segment ${i + 1} did not read back as written`);
          return;
        }
        // Decrypted into a reused buffer when large (where the workers read it without a copy).
        const scratch = (pools?.compressed ?? pools?.segments)?.takeFor(segment.length);
        try {
          const plain = await openSegment(this.keys, back, segment, i, path, scratch).catch(asWriteFailure);
          const digest = await this.codec.decompressedDigest(segment.codec, plain, segment.rawLength).catch((e: unknown) => {
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
    const back = await this.deps.files.read(`index/${name}`);
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
    const back = await this.deps.files.read(`snapshots/${id}`);
    const doc = (await openJson(this.keys, 'snapshot', back, `snapshots/${id}`)) as { id?: string };
    if (doc.id !== id) throw repoError(`snapshots/${id} did not read back intact`, 'The backup could not be written correctly; the disk may be failing.');
  }

  async readSnapshotFile(id: string): Promise<unknown> {
    const what = `snapshots/${id}`;
    const doc = (await openJson(this.keys, 'snapshot', await this.deps.files.read(what), what)) as { id?: string };
    if (doc.id !== id) throw repoError(`${what}: holds snapshot ${String(doc.id)} (swapped or renamed)`, 'A backup\'s description file is damaged.');
    return doc;
  }

  async deleteSnapshotFile(id: string): Promise<void> {
    await this.deps.files.delete(`snapshots/${id}`);
  }
}

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
  readonly written = new Map<string, PackTable>();
  bytesAdded = 0;
  newChunks = 0;
  reusedChunks = 0;
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
      this.reusedChunks++;
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
    this.newChunks++;
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
    await this.repo.checkReadBack(path, bytes, table, expected, this.pools);
    release(this.pools, bytes);
    this.repo.addToIndex(name, table);
    for (const e of table.entries) this.pending.delete(chunkKey(toHex(e.id)));
    this.written.set(name, table);
    this.bytesAdded += bytes.length;
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
    const before = this.bytesAdded;
    const name = await this.repo.writeIndex(this.written);
    if (name) this.bytesAdded = before + ((await this.repo.deps.files.stat(`index/${name}`))?.size ?? 0);
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

/**
 * How a chunk is referred to: the first 16 bytes (32 hex digits) of its 32-byte keyed id. Trees
 * list references, so a one-record change rewrites half as many bytes of chunk lists; the full id
 * is kept in packs and indexes and checked on every read.
 */
export const REF_BYTES = 16;
export const chunkKey = (id: string): string => id.slice(0, REF_BYTES * 2);

/** Splits a list of chunk ids into tree chunks of `fanout` ids (32 bytes each). */
export function encodeTree(ids: readonly string[]): Uint8Array {
  const out = new Uint8Array(ids.length * REF_BYTES);
  ids.forEach((id, i) => out.set(fromHex(chunkKey(id)), i * REF_BYTES));
  return out;
}

export function decodeTree(bytes: Uint8Array, what: string): string[] {
  if (bytes.length % REF_BYTES !== 0) throw repoError(`${what}: damaged chunk list`, 'Part of this backup is damaged.');
  const ids: string[] = [];
  for (let o = 0; o < bytes.length; o += REF_BYTES) ids.push(toHex(bytes.subarray(o, o + REF_BYTES)));
  return ids;
}
