import { fromBase64, fromHex, fromUtf8, toBase64, toHex, utf8 } from '../bytes';
import { canonicalJson } from '../canonical';
import { AuthenticationError, type CipherSuite } from '../crypto/aead';
import { hmac } from '../crypto/kdf';
import { VaultError, isVaultError } from '../errors';
import type { Clock, FileStore, Logger, Random, VaultLock } from '../ports';
import { parseHeader, type VaultHeader } from '../vault/header';
import { unlockKeys, type UnlockSecret, type UnlockedKeys } from '../vault/keys';
import { DB_CHUNK_BYTES, type SegmentCodec } from './codec';
import { MAX_SEGMENT_RAW, RepoKeys, objectName } from './format';
import { repoError } from './trees';

/**
 * A backup repository's configuration (`repo.json` and its copy `repo.2.json`): its id, its vault's
 * id, its parameters, the repository key wrapped for each master key the vault has had (slots), and
 * copies of the vault headers, so the password or recovery key opens it without the vault; MAC'd.
 * Here: parsing it defensively, and making, opening and extending it with a vault's keys or a secret.
 */

export const REPO_FORMAT = 'campaign-vault-backups';
export const REPO_FORMAT_VERSION = 1;
export const CONFIG_FILES = ['repo.json', 'repo.2.json'] as const;
/** Larger than any configuration can be (a few key slots and vault headers of at most 64 KiB each): read no further. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

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

/** The vault as the repository knows it: its keys and its header. */
type Vault = { keys: UnlockedKeys; header: VaultHeader };

export const DEFAULT_PARAMS: RepoParams = { dbChunkBytes: DB_CHUNK_BYTES, fileBlockBytes: 1024 * 1024, treeFanout: 64, packBytes: 16 * 1024 * 1024, segmentBytes: 16 * 1024 * 1024 };

/** Whether repository parameters are within what this version reads (and writes). */
export function validParams(p: RepoParams | undefined): boolean {
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
  if (bytes.length > MAX_CONFIG_BYTES) throw repoError(`${what}: more than ${MAX_CONFIG_BYTES} bytes`, 'The backup repository\'s configuration is damaged.');
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

/** Reads both configuration copies again: those missing, unreadable, or not identical to `config`. */
export async function checkConfigCopies(files: FileStore, config: RepoConfig, keys: RepoKeys): Promise<string[]> {
  const bad: string[] = [];
  for (const f of CONFIG_FILES) {
    const bytes = await files.readIfExists(f, { maxBytes: MAX_CONFIG_BYTES });
    try {
      if (!bytes) throw new Error('missing');
      const { mac, ...rest } = parseConfig(bytes, f);
      if (mac !== config.mac || (await configMac(keys, rest)) !== mac) throw new Error('not the current configuration, or not authentic');
    } catch {
      bad.push(f);
    }
  }
  return bad;
}

/** The repository id a configuration copy names; undefined when it cannot be read or parsed. */
export async function readConfigRepoId(files: FileStore, name: string): Promise<string | undefined> {
  const bytes = await files.readIfExists(name, { maxBytes: MAX_CONFIG_BYTES });
  try {
    return bytes ? parseConfig(bytes, name).repoId : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the folder holds a repository (a configuration file), without reading it. */
export async function configExists(files: FileStore): Promise<boolean> {
  for (const f of CONFIG_FILES) if (await files.stat(f)) return true;
  return false;
}

/** The configuration from the first copy that parses; damaged copies are named. */
async function readConfigs(files: FileStore, logger?: Logger): Promise<{ configs: RepoConfig[]; damaged: string[] }> {
  const configs: RepoConfig[] = [];
  const damaged: string[] = [];
  let notOurs: VaultError | undefined;
  for (const f of CONFIG_FILES) {
    const bytes = await files.readIfExists(f, { maxBytes: MAX_CONFIG_BYTES });
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

/** Writes both configuration copies. */
export async function writeConfig(files: FileStore, config: RepoConfig): Promise<void> {
  const bytes = utf8(`${JSON.stringify(config, null, 2)}\n`);
  for (const f of CONFIG_FILES) await files.writeAtomic(f, bytes);
}

/** A new repository's configuration for the open vault (a new id and key), written. Call under the repository lock. */
export async function createConfig(deps: RepositoryDeps, vault: Vault, params: RepoParams): Promise<{ config: RepoConfig; keys: RepoKeys }> {
  if (await configExists(deps.files)) throw new VaultError('exists', 'repository exists', { hint: 'This folder already holds backups.' });
  // A configuration this version could not read back is never written.
  if (!validParams(params)) throw new VaultError('invalid', `repository parameters out of range: ${JSON.stringify(params)}`);
  const repoId = toHex(deps.random.bytes(16));
  const repoKey = deps.random.bytes(32);
  const keys = await RepoKeys.create(fromHex(repoId), repoKey, deps.suite);
  const slot = await makeSlot(deps, vault, repoId, repoKey);
  repoKey.fill(0);
  const unsigned: Omit<RepoConfig, 'mac'> = {
    format: REPO_FORMAT,
    formatVersion: REPO_FORMAT_VERSION,
    repoId,
    vaultId: vault.keys.vaultIdHex,
    createdAt: new Date(deps.clock.now()).toISOString(),
    params,
    slots: [slot],
    headers: { [slot.header]: vault.header },
  };
  const config = { ...unsigned, mac: await configMac(keys, unsigned) };
  await writeConfig(deps.files, config);
  return { config, keys };
}

async function makeSlot(deps: RepositoryDeps, vault: Vault, repoId: string, repoKey: Uint8Array): Promise<RepoSlot> {
  const { id, kek } = await slotSecrets(vault.keys, repoId);
  const nonce = deps.random.bytes(12);
  const key = await deps.suite.importKey(kek);
  kek.fill(0);
  const wrapped = await deps.suite.seal(key, nonce, repoKey, utf8(`campaign-vault/v1/backup/repo-key/${repoId}`));
  return { id, header: await headerKey(vault.header), nonce: toBase64(nonce), wrapped: toBase64(wrapped), addedAt: new Date(deps.clock.now()).toISOString() };
}

async function unwrap(deps: RepositoryDeps, config: RepoConfig, vault: UnlockedKeys): Promise<Uint8Array | undefined> {
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
async function verified(deps: RepositoryDeps, config: RepoConfig, repoKey: Uint8Array): Promise<RepoKeys | undefined> {
  const keys = await RepoKeys.create(fromHex(config.repoId), repoKey, deps.suite);
  const { mac, ...rest } = config;
  return (await configMac(keys, rest)) === mac ? keys : undefined;
}

/**
 * Opens the configuration with the open vault's keys. A repository of another vault is refused.
 * When the vault's master key is new (the vault got a password since) or its header changed (a new
 * password), the configuration learns the new key and header (written again).
 */
export async function openConfigWithVault(deps: RepositoryDeps, vault: Vault): Promise<{ config: RepoConfig; keys: RepoKeys; damaged: readonly string[] }> {
  const { configs, damaged } = await readConfigs(deps.files, deps.logger);
  let otherVault: string | undefined;
  for (const config of configs) {
    // A copy naming another vault is either another vault's repository or damage: the other
    // copy decides, and only when no copy opens is it "another vault".
    if (config.vaultId !== vault.keys.vaultIdHex) {
      otherVault = config.vaultId;
      continue;
    }
    let repoKey = await unwrap(deps, config, vault.keys);
    // A master key the repository has not seen (the vault was unencrypted and got a password):
    // the earlier master key was public, so a stored plain header still opens the repository.
    if (!repoKey) {
      for (const h of Object.values(config.headers)) {
        if (h.encryption !== 'none') continue;
        const old = await unlockKeys(h, { none: true }, deps.suite).catch(() => undefined);
        repoKey = old ? await unwrap(deps, config, old) : undefined;
        old?.wipe();
        if (repoKey) break;
      }
    }
    if (!repoKey) continue;
    const keys = await verified(deps, config, repoKey);
    if (!keys) {
      repoKey.fill(0);
      continue;
    }
    try {
      const learned = await learn(deps, config, keys, vault, repoKey);
      return learned ? { config: learned, keys, damaged: [] } : { config, keys, damaged };
    } finally {
      repoKey.fill(0);
    }
  }
  if (otherVault !== undefined) {
    throw new VaultError('invalid', `repository of vault ${otherVault}`, { hint: 'This folder holds the backups of another vault. Choose another folder for this vault\'s backups.' });
  }
  throw new VaultError('wrong-password', 'no slot for this vault key', {
    hint: 'These backups cannot be opened with this vault\'s key, or their configuration is damaged.',
  });
}

/**
 * Opens the configuration without the vault (restore after the vault was lost): the password or
 * recovery key is tried against every vault header the repository keeps, newest first.
 */
export async function openConfigWithSecret(deps: RepositoryDeps, secret: UnlockSecret): Promise<{ config: RepoConfig; keys: RepoKeys; damaged: readonly string[] }> {
  const { configs, damaged } = await readConfigs(deps.files, deps.logger);
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
      const repoKey = await unwrap(deps, config, vault);
      vault.wipe();
      if (!repoKey) continue;
      const keys = await verified(deps, config, repoKey);
      repoKey.fill(0);
      if (keys) return { config, keys, damaged };
    }
  }
  throw new VaultError('wrong-password', wrong ? 'wrong password for repository' : 'repository key slots damaged', {
    hint: 'Wrong password or recovery key for these backups, or their key file is damaged.',
  });
}

/**
 * Adds a slot for a new master key, and keeps the newest vault header for each slot: the new
 * configuration (written), or undefined when it knows this key and header already.
 */
async function learn(deps: RepositoryDeps, config: RepoConfig, keys: RepoKeys, vault: Vault, repoKey: Uint8Array): Promise<RepoConfig | undefined> {
  const { id } = await slotSecrets(vault.keys, config.repoId);
  const hk = await headerKey(vault.header);
  const existing = config.slots.find((s) => s.id === id);
  if (existing && existing.header === hk) return undefined;
  const slots = existing ? config.slots.map((s) => (s.id === id ? { ...s, header: hk } : s)) : [...config.slots, await makeSlot(deps, vault, config.repoId, repoKey)];
  const used = new Set(slots.map((s) => s.header));
  const headers: Record<string, VaultHeader> = { [hk]: vault.header };
  for (const [k, h] of Object.entries(config.headers)) if (used.has(k)) headers[k] ??= h;
  const { mac: _old, ...rest } = config;
  const unsigned = { ...rest, slots, headers };
  const learned = { ...unsigned, mac: await configMac(keys, unsigned) };
  await writeConfig(deps.files, learned);
  return learned;
}
