import { fromBase64, fromHex, fromUtf8 } from '../bytes';
import { checkKdfParams, type KdfParams } from '../crypto/kdf';
import { VaultError } from '../errors';
import { FORMAT_MAGIC, FORMAT_VERSION, HEADER_FILE, MAX_HEADER_BYTES } from './layout';

/** A master key wrapped for one way of unlocking. */
export type KeySlot =
  | { readonly slot: 'password'; readonly nonce: string; readonly wrapped: string }
  | { readonly slot: 'recovery'; readonly nonce: string; readonly wrapped: string }
  /** An unencrypted vault: the master key in the clear, so objects are authenticated but not secret. */
  | { readonly slot: 'plain'; readonly key: string };

/** A data key wrapped by the master key. `id` is written into every object it seals. */
export interface WrappedDataKey {
  readonly id: number;
  readonly nonce: string;
  readonly wrapped: string;
}

/** vault.json: everything needed to unlock, nothing secret in the clear (unless unencrypted). */
export interface VaultHeader {
  readonly format: typeof FORMAT_MAGIC;
  readonly formatVersion: number;
  /** 16 random bytes, hex; bound into every object's associated data. */
  readonly vaultId: string;
  readonly createdAt: string;
  readonly encryption: 'aes-256-gcm' | 'none';
  /** Present when a password slot exists. */
  readonly kdf?: KdfParams & { readonly salt: string };
  readonly keySlots: readonly KeySlot[];
  readonly dataKeys: readonly WrappedDataKey[];
  /** The data key new objects are sealed with. */
  readonly activeDataKey: number;
  /** Set while a key rotation is under way, so it can be finished after a crash. */
  readonly rotation?: { readonly from: number; readonly to: number; readonly startedAt: string };
  /** HMAC-SHA-256 over the canonical JSON of everything else, keyed from the master key. */
  readonly mac: string;
}

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

function corrupt(why: string): never {
  throw new VaultError('corrupt', `${HEADER_FILE}: ${why}`, { hint: 'The key file (vault.json) is damaged.' });
}

function b64(value: unknown, what: string, min: number, max: number): string {
  if (typeof value !== 'string' || value.length > 4 * Math.ceil(max / 3) || !B64.test(value)) corrupt(`${what} is not base64`);
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(value);
  } catch {
    return corrupt(`${what} is not base64`);
  }
  if (bytes.length < min || bytes.length > max) corrupt(`${what} has ${bytes.length} bytes`);
  return value;
}

const HEADER_FIELDS = new Set(['format', 'formatVersion', 'vaultId', 'createdAt', 'encryption', 'kdf', 'keySlots', 'dataKeys', 'activeDataKey', 'rotation', 'mac']);
const KDF_FIELDS = new Set(['algorithm', 'memoryKiB', 'iterations', 'parallelism', 'salt']);
const SLOT_FIELDS = { plain: new Set(['slot', 'key']), wrapped: new Set(['slot', 'nonce', 'wrapped']) };
const DATA_KEY_FIELDS = new Set(['id', 'nonce', 'wrapped']);
const ROTATION_FIELDS = new Set(['from', 'to', 'startedAt']);

/**
 * The MAC covers the fields this version knows (the parsed header), so a field it does not know
 * would go unsigned: anything else is refused, at every level.
 */
function onlyKnown(value: unknown, known: ReadonlySet<string>, where: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  const unknown = Object.keys(value).filter((k) => !known.has(k));
  if (unknown.length > 0) corrupt(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.slice(0, 3).map((k) => JSON.stringify(k.slice(0, 40))).join(', ')} in ${where}`);
}

/**
 * Parses and checks a header before anything is derived or allocated from it: size, JSON,
 * magic, version (a newer one is refused with its own error), no field this version does not know
 * (the MAC could not cover it), field types and lengths, and the KDF parameters against
 * {@link checkKdfParams}'s bounds.
 */
export function parseHeader(bytes: Uint8Array): VaultHeader {
  if (bytes.length > MAX_HEADER_BYTES) corrupt(`${bytes.length} bytes, more than a header can be`);
  let raw: unknown;
  try {
    raw = JSON.parse(fromUtf8(bytes));
  } catch {
    throw new VaultError('not-a-vault', `${HEADER_FILE} is not JSON`);
  }
  const h = raw as Record<string, unknown>;
  if (typeof h !== 'object' || h === null || Array.isArray(h) || h.format !== FORMAT_MAGIC) {
    throw new VaultError('not-a-vault', `${HEADER_FILE} is not a Campaign Vault header`);
  }
  if (typeof h.formatVersion !== 'number' || !Number.isSafeInteger(h.formatVersion) || h.formatVersion < 1) corrupt('bad formatVersion');
  if (h.formatVersion > FORMAT_VERSION) {
    throw new VaultError('newer-format', `${HEADER_FILE}: format ${h.formatVersion} > ${FORMAT_VERSION}`);
  }
  // After the version: a newer version's new fields say "newer version", not "damaged".
  onlyKnown(h, HEADER_FIELDS, 'the header');
  onlyKnown(h.kdf, KDF_FIELDS, 'kdf');
  if (Array.isArray(h.keySlots)) h.keySlots.forEach((s: unknown, i: number) => onlyKnown(s, (s as { slot?: unknown } | null)?.slot === 'plain' ? SLOT_FIELDS.plain : SLOT_FIELDS.wrapped, `keySlots[${i}]`));
  if (Array.isArray(h.dataKeys)) h.dataKeys.forEach((d: unknown, i: number) => onlyKnown(d, DATA_KEY_FIELDS, `dataKeys[${i}]`));
  onlyKnown(h.rotation, ROTATION_FIELDS, 'rotation');
  if (typeof h.vaultId !== 'string' || !/^[0-9a-f]{32}$/.test(h.vaultId)) corrupt('bad vaultId');
  fromHex(h.vaultId);
  if (typeof h.createdAt !== 'string' || h.createdAt.length > 40) corrupt('bad createdAt');
  if (h.encryption !== 'aes-256-gcm' && h.encryption !== 'none') corrupt(`unknown encryption ${String(h.encryption)}`);
  let kdf: VaultHeader['kdf'];
  if (h.kdf !== undefined) {
    const k = h.kdf as Record<string, unknown>;
    const params = checkKdfParams(k);
    kdf = { ...params, salt: b64(k?.salt, 'kdf.salt', 16, 64) };
  }
  if (!Array.isArray(h.keySlots) || h.keySlots.length === 0 || h.keySlots.length > 8) corrupt('bad keySlots');
  const keySlots: KeySlot[] = h.keySlots.map((s: Record<string, unknown>, i: number): KeySlot => {
    if (typeof s !== 'object' || s === null) corrupt(`keySlots[${i}]`);
    if (s.slot === 'plain') return { slot: 'plain', key: b64(s.key, 'plain key', 32, 32) };
    if (s.slot !== 'password' && s.slot !== 'recovery') corrupt(`keySlots[${i}].slot`);
    return { slot: s.slot, nonce: b64(s.nonce, 'slot nonce', 12, 12), wrapped: b64(s.wrapped, 'wrapped key', 48, 48) };
  });
  const plain = keySlots.some((s) => s.slot === 'plain');
  if (plain !== (h.encryption === 'none')) corrupt('key slots do not match the encryption setting');
  if (keySlots.some((s) => s.slot === 'password') && !kdf) corrupt('password slot without KDF parameters');
  if (!Array.isArray(h.dataKeys) || h.dataKeys.length === 0 || h.dataKeys.length > 4) corrupt('bad dataKeys');
  const dataKeys: WrappedDataKey[] = h.dataKeys.map((d: Record<string, unknown>, i: number) => {
    if (typeof d !== 'object' || d === null || typeof d.id !== 'number' || !Number.isSafeInteger(d.id) || d.id < 1 || d.id > 0xffffffff) {
      corrupt(`dataKeys[${i}].id`);
    }
    return { id: d.id as number, nonce: b64(d.nonce, 'data key nonce', 12, 12), wrapped: b64(d.wrapped, 'wrapped data key', 48, 48) };
  });
  if (typeof h.activeDataKey !== 'number' || !dataKeys.some((d) => d.id === h.activeDataKey)) corrupt('activeDataKey is not among dataKeys');
  let rotation: VaultHeader['rotation'];
  if (h.rotation !== undefined && h.rotation !== null) {
    const r = h.rotation as Record<string, unknown>;
    if (!dataKeys.some((d) => d.id === r.from) || !dataKeys.some((d) => d.id === r.to) || typeof r.startedAt !== 'string') corrupt('bad rotation');
    rotation = { from: r.from as number, to: r.to as number, startedAt: r.startedAt as string };
  }
  const mac = b64(h.mac, 'mac', 32, 32);
  return {
    format: FORMAT_MAGIC,
    formatVersion: h.formatVersion,
    vaultId: h.vaultId,
    createdAt: h.createdAt,
    encryption: h.encryption,
    ...(kdf ? { kdf } : {}),
    keySlots,
    dataKeys,
    activeDataKey: h.activeDataKey,
    ...(rotation ? { rotation } : {}),
    mac,
  };
}

export function serializeHeader(header: VaultHeader): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(header, null, 2)}\n`);
}
