import { equalBytes, fromBase64, fromHex, toBase64, toHex, utf8, wipe } from '../bytes';
import { canonicalJson } from '../canonical';
import { AuthenticationError, KEY_BYTES, NONCE_BYTES, type AeadKey, type CipherSuite } from '../crypto/aead';
import { DEFAULT_KDF, deriveKek, hkdf, hmac, type KdfParams } from '../crypto/kdf';
import { formatRecoveryKey, parseRecoveryKey } from '../crypto/recoveryKey';
import { VaultError } from '../errors';
import type { Random } from '../ports';
import type { KeySlot, VaultHeader, WrappedDataKey } from './header';
import { FORMAT_MAGIC, FORMAT_VERSION } from './layout';

/**
 * The key hierarchy:
 *
 *   password ──Argon2id──▶ KEK ─┐
 *   recovery key ──HKDF──▶ KEK ─┴─wraps──▶ master key (MK) ──wraps──▶ data key(s) (DK, numbered)
 *                                            │                          │
 *                                            └─HKDF─▶ header MAC key    └─HKDF(salt)─▶ one key per object
 *
 * Changing the password rewraps the MK (one record). Rotating the data key adds a new DK wrapped
 * by the MK and re-seals every object; the recovery key stays valid because it wraps the MK.
 */
export class UnlockedKeys {
  private readonly objectKeys = new Map<string, Promise<AeadKey>>();
  private wiped = false;

  constructor(
    readonly vaultId: Uint8Array,
    private masterKey: Uint8Array,
    private readonly dataKeys: Map<number, Uint8Array>,
    public activeDataKey: number,
    readonly suite: CipherSuite,
  ) {}

  get vaultIdHex(): string {
    return toHex(this.vaultId);
  }

  hasDataKey(id: number): boolean {
    return this.dataKeys.has(id);
  }

  /** The AEAD key for one object: HKDF(DK[keyId], salt, purpose). Cached per (key, salt, purpose). */
  objectKey(keyId: number, salt: Uint8Array, purpose: string): Promise<AeadKey> {
    this.assertLive();
    const cacheKey = `${keyId}/${toHex(salt)}/${purpose}`;
    let key = this.objectKeys.get(cacheKey);
    if (!key) {
      const dk = this.dataKeys.get(keyId);
      if (!dk) throw new VaultError('corrupt', `object sealed with unknown data key ${keyId}`);
      key = hkdf(dk, salt, `campaign-vault/v1/${purpose}`).then(async (raw) => {
        try {
          return await this.suite.importKey(raw);
        } finally {
          wipe(raw);
        }
      });
      if (this.objectKeys.size > 256) this.objectKeys.clear();
      this.objectKeys.set(cacheKey, key);
    }
    return key;
  }

  /** A 32-byte subkey of the master key for a named purpose (header MAC, audit chain, blob ids). */
  async subkey(purpose: string): Promise<Uint8Array> {
    this.assertLive();
    return hkdf(this.masterKey, new Uint8Array(0), `campaign-vault/v1/${purpose}`);
  }

  /** When an unencrypted vault gets a password: the new master key replaces the public one. */
  replaceMasterKey(next: Uint8Array): void {
    this.assertLive();
    wipe(this.masterKey);
    this.masterKey = next;
  }

  /** For rotation: adds a fresh data key. */
  addDataKey(id: number, raw: Uint8Array): void {
    this.dataKeys.set(id, raw);
  }

  dropDataKey(id: number): void {
    wipe(this.dataKeys.get(id));
    this.dataKeys.delete(id);
  }

  exportDataKey(id: number): Uint8Array {
    const k = this.dataKeys.get(id);
    if (!k) throw new VaultError('corrupt', `unknown data key ${id}`);
    return k;
  }

  exportMasterKey(): Uint8Array {
    this.assertLive();
    return this.masterKey;
  }

  /** Overwrites every key held in memory; any later use throws `locked`. */
  wipe(): void {
    wipe(this.masterKey, ...this.dataKeys.values());
    this.dataKeys.clear();
    this.objectKeys.clear();
    this.wiped = true;
  }

  get isWiped(): boolean {
    return this.wiped;
  }

  private assertLive(): void {
    if (this.wiped) throw new VaultError('locked', 'keys were wiped');
  }
}

export type UnlockSecret =
  | { readonly password: string }
  | { readonly recoveryKey: string }
  /** An unencrypted vault. */
  | { readonly none: true }
  /** A master key remembered on this machine (VS Code's SecretStorage). */
  | { readonly masterKey: Uint8Array };

const slotAad = (vaultId: string, slot: string) => utf8(`campaign-vault/v1/master-key/${slot}/${vaultId}`);
const dataKeyAad = (vaultId: string, id: number) => utf8(`campaign-vault/v1/data-key/${id}/${vaultId}`);

async function recoveryKek(recovery: Uint8Array, vaultId: string): Promise<Uint8Array> {
  return hkdf(recovery, fromHex(vaultId), 'campaign-vault/v1/recovery-kek');
}

async function wrap(suite: CipherSuite, kek: Uint8Array, secret: Uint8Array, aad: Uint8Array, random: Random) {
  const nonce = random.bytes(NONCE_BYTES);
  const key = await suite.importKey(kek);
  const wrapped = await suite.seal(key, nonce, secret, aad);
  return { nonce: toBase64(nonce), wrapped: toBase64(wrapped) };
}

async function unwrap(suite: CipherSuite, kek: Uint8Array, nonce: string, wrapped: string, aad: Uint8Array): Promise<Uint8Array> {
  const key = await suite.importKey(kek);
  return suite.open(key, fromBase64(nonce), fromBase64(wrapped), aad);
}

async function headerMac(masterKey: Uint8Array, header: Omit<VaultHeader, 'mac'>): Promise<string> {
  const key = await hkdf(masterKey, new Uint8Array(0), 'campaign-vault/v1/header-mac');
  try {
    const { mac: _ignored, ...rest } = header as VaultHeader;
    return toBase64(await hmac(key, utf8(canonicalJson(rest))));
  } finally {
    wipe(key);
  }
}

/** Recomputes the MAC over a header whose fields changed. */
export async function signHeader(masterKey: Uint8Array, header: Omit<VaultHeader, 'mac'>): Promise<VaultHeader> {
  return { ...header, mac: await headerMac(masterKey, header) } as VaultHeader;
}

export interface CreateKeysOptions {
  /** Omit for an unencrypted vault (objects are authenticated, not secret). */
  readonly password?: string;
  readonly kdf?: KdfParams;
  readonly random: Random;
  readonly suite: CipherSuite;
  readonly now: string;
}

export interface CreatedKeys {
  readonly header: VaultHeader;
  readonly keys: UnlockedKeys;
  /** Shown once; only for encrypted vaults. */
  readonly recoveryKey?: string;
}

async function passwordSlots(
  suite: CipherSuite,
  random: Random,
  vaultId: string,
  masterKey: Uint8Array,
  password: string,
  kdfParams: KdfParams,
): Promise<{ kdf: VaultHeader['kdf']; slot: KeySlot }> {
  const salt = random.bytes(16);
  const kek = await deriveKek(password, salt, kdfParams);
  try {
    const w = await wrap(suite, kek, masterKey, slotAad(vaultId, 'password'), random);
    return { kdf: { ...kdfParams, salt: toBase64(salt) }, slot: { slot: 'password', ...w } };
  } finally {
    wipe(kek);
  }
}

async function recoverySlot(suite: CipherSuite, random: Random, vaultId: string, masterKey: Uint8Array) {
  const recovery = random.bytes(32);
  const kek = await recoveryKek(recovery, vaultId);
  try {
    const w = await wrap(suite, kek, masterKey, slotAad(vaultId, 'recovery'), random);
    return { slot: { slot: 'recovery', ...w } as KeySlot, recoveryKey: formatRecoveryKey(recovery) };
  } finally {
    wipe(kek, recovery);
  }
}

export async function wrapDataKey(suite: CipherSuite, random: Random, vaultId: string, masterKey: Uint8Array, id: number, dk: Uint8Array): Promise<WrappedDataKey> {
  const wrapKey = await hkdf(masterKey, new Uint8Array(0), 'campaign-vault/v1/wrap-data-key');
  try {
    return { id, ...(await wrap(suite, wrapKey, dk, dataKeyAad(vaultId, id), random)) };
  } finally {
    wipe(wrapKey);
  }
}

/** New keys and header for a new vault. */
export async function createKeys(opts: CreateKeysOptions): Promise<CreatedKeys> {
  const { random, suite } = opts;
  const vaultIdBytes = random.bytes(16);
  const vaultId = toHex(vaultIdBytes);
  const masterKey = random.bytes(KEY_BYTES);
  const dataKey = random.bytes(KEY_BYTES);
  let keySlots: KeySlot[];
  let kdf: VaultHeader['kdf'];
  let recoveryKey: string | undefined;
  if (opts.password !== undefined) {
    const p = await passwordSlots(suite, random, vaultId, masterKey, opts.password, opts.kdf ?? DEFAULT_KDF);
    const r = await recoverySlot(suite, random, vaultId, masterKey);
    kdf = p.kdf;
    keySlots = [p.slot, r.slot];
    recoveryKey = r.recoveryKey;
  } else {
    keySlots = [{ slot: 'plain', key: toBase64(masterKey) }];
  }
  const header = await signHeader(masterKey, {
    format: FORMAT_MAGIC,
    formatVersion: FORMAT_VERSION,
    vaultId,
    createdAt: opts.now,
    encryption: opts.password !== undefined ? 'aes-256-gcm' : 'none',
    ...(kdf ? { kdf } : {}),
    keySlots,
    dataKeys: [await wrapDataKey(suite, random, vaultId, masterKey, 1, dataKey)],
    activeDataKey: 1,
  });
  const keys = new UnlockedKeys(vaultIdBytes, masterKey, new Map([[1, dataKey]]), 1, suite);
  return { header, keys, ...(recoveryKey ? { recoveryKey } : {}) };
}

/**
 * Unlocks a parsed header. A wrong password (or recovery key) and a damaged key file are the
 * same to AES-GCM and get the same error; nothing is written either way.
 */
export async function unlockKeys(header: VaultHeader, secret: UnlockSecret, suite: CipherSuite): Promise<UnlockedKeys> {
  let masterKey: Uint8Array;
  if ('masterKey' in secret) {
    if (secret.masterKey.length !== KEY_BYTES) throw new VaultError('wrong-password', 'remembered key has the wrong length');
    masterKey = secret.masterKey.slice();
  } else if ('none' in secret) {
    const plain = header.keySlots.find((s) => s.slot === 'plain');
    if (!plain || plain.slot !== 'plain') throw new VaultError('wrong-password', 'vault is encrypted: a password is needed');
    masterKey = fromBase64(plain.key);
  } else if ('password' in secret) {
    const slot = header.keySlots.find((s) => s.slot === 'password');
    if (!slot || slot.slot !== 'password' || !header.kdf) throw new VaultError('wrong-password', 'vault has no password slot');
    // No password is ever empty (Argon2 refuses one): an empty answer is simply the wrong one.
    if (secret.password.length === 0) throw new VaultError('wrong-password', 'empty password');
    const kek = await deriveKek(secret.password, fromBase64(header.kdf.salt), header.kdf);
    try {
      masterKey = await unwrap(suite, kek, slot.nonce, slot.wrapped, slotAad(header.vaultId, 'password'));
    } catch (e) {
      if (e instanceof AuthenticationError) throw new VaultError('wrong-password', 'password slot did not authenticate');
      throw e;
    } finally {
      wipe(kek);
    }
  } else {
    const slot = header.keySlots.find((s) => s.slot === 'recovery');
    if (!slot || slot.slot !== 'recovery') throw new VaultError('wrong-password', 'vault has no recovery slot');
    const recovery = parseRecoveryKey(secret.recoveryKey);
    const kek = await recoveryKek(recovery, header.vaultId);
    try {
      masterKey = await unwrap(suite, kek, slot.nonce, slot.wrapped, slotAad(header.vaultId, 'recovery'));
    } catch (e) {
      if (e instanceof AuthenticationError) throw new VaultError('wrong-password', 'recovery slot did not authenticate');
      throw e;
    } finally {
      wipe(kek, recovery);
    }
  }
  const expected = await headerMac(masterKey, header);
  if (!equalBytes(fromBase64(expected), fromBase64(header.mac))) {
    wipe(masterKey);
    if ('masterKey' in secret) throw new VaultError('wrong-password', 'remembered key does not match this vault');
    throw new VaultError('corrupt', 'vault header MAC mismatch', { hint: 'The key file (vault.json) was changed outside Campaign Vault.' });
  }
  const wrapKey = await hkdf(masterKey, new Uint8Array(0), 'campaign-vault/v1/wrap-data-key');
  const dataKeys = new Map<number, Uint8Array>();
  try {
    for (const d of header.dataKeys) {
      try {
        dataKeys.set(d.id, await unwrap(suite, wrapKey, d.nonce, d.wrapped, dataKeyAad(header.vaultId, d.id)));
      } catch (e) {
        if (e instanceof AuthenticationError) throw new VaultError('corrupt', `data key ${d.id} did not authenticate`);
        throw e;
      }
    }
  } finally {
    wipe(wrapKey);
  }
  return new UnlockedKeys(fromHex(header.vaultId), masterKey, dataKeys, header.activeDataKey, suite);
}

/** A header whose password slot is rewrapped for a new password (and a new salt). */
export async function rewrapPassword(
  header: VaultHeader,
  keys: UnlockedKeys,
  newPassword: string,
  random: Random,
  kdfParams: KdfParams = DEFAULT_KDF,
): Promise<VaultHeader> {
  const mk = keys.exportMasterKey();
  const p = await passwordSlots(keys.suite, random, header.vaultId, mk, newPassword, kdfParams);
  const { mac: _mac, ...rest } = header;
  return signHeader(mk, { ...rest, kdf: p.kdf, keySlots: [p.slot, ...header.keySlots.filter((s) => s.slot === 'recovery')] });
}

/**
 * For encrypting an unencrypted vault: a new master key with password and recovery slots.
 * The caller must rotate the data key afterwards, because the old one was readable by anyone.
 */
export async function newEncryptedMasterKey(
  header: VaultHeader,
  password: string,
  random: Random,
  suite: CipherSuite,
  kdfParams: KdfParams = DEFAULT_KDF,
): Promise<{ masterKey: Uint8Array; kdf: VaultHeader['kdf']; keySlots: KeySlot[]; recoveryKey: string }> {
  const masterKey = random.bytes(KEY_BYTES);
  const p = await passwordSlots(suite, random, header.vaultId, masterKey, password, kdfParams);
  const r = await recoverySlot(suite, random, header.vaultId, masterKey);
  return { masterKey, kdf: p.kdf, keySlots: [p.slot, r.slot], recoveryKey: r.recoveryKey };
}

