import { ByteReader, ByteWriter, equalBytes } from '../bytes';
import { AuthenticationError, NONCE_BYTES, TAG_BYTES, openInto } from '../crypto/aead';
import { VaultError } from '../errors';
import type { Random } from '../ports';
import type { UnlockedKeys } from './keys';

/**
 * A sealed object: a whole file (database snapshot, blob, backup pack) encrypted in chunks, age's
 * STREAM construction with AES-256-GCM. The header is the associated data of every chunk, so the
 * vault id, the kind, the object id and the generation are all authenticated; each chunk's nonce
 * is its index plus a final-chunk flag, so truncating, reordering or appending is detected.
 *
 *   magic "CVOB" · u8 format(1) · u8 kind · u16 0 · vaultId[16] · objectId[16] · u64 generation ·
 *   u32 keyId · salt[16] · u32 chunkSize · u64 plaintextLength          (80 bytes)
 *   then ceil(len / chunkSize) (at least 1) chunks of ciphertext ‖ 16-byte tag
 */
export const SEALED_MAGIC = [0x43, 0x56, 0x4f, 0x42]; // "CVOB"
export const SEALED_HEADER_BYTES = 80;
const FORMAT = 1;
export const DEFAULT_CHUNK = 1 << 20;
const MIN_CHUNK = 1 << 12;
const MAX_CHUNK = 1 << 24;
/** sql.js cannot hold more; anything larger is damage or hostility. */
export const MAX_PLAINTEXT = 2 ** 31;

export const ObjectKind = {
  snapshot: 1,
  blob: 2,
  safety: 3,
  backupPack: 4,
  backupIndex: 5,
  cache: 6,
} as const;
export type ObjectKindName = keyof typeof ObjectKind;

export interface SealedIdentity {
  readonly kind: ObjectKindName;
  /** 16 bytes naming the object (for a snapshot: derived from its generation). */
  readonly objectId: Uint8Array;
  readonly generation: number;
}

export interface SealedHeader extends SealedIdentity {
  readonly vaultId: Uint8Array;
  readonly keyId: number;
  readonly salt: Uint8Array;
  readonly chunkSize: number;
  readonly plaintextLength: number;
}

/** How many chunks a stream of `length` bytes has (at least one, so an empty stream is authenticated too). */
export function chunkCount(length: number, chunkSize: number): number {
  return Math.max(1, Math.ceil(length / chunkSize));
}

/** The nonce of chunk `index` of a stream (age's STREAM): 7 zero bytes, the index (u32 BE), a final-chunk flag. */
export function chunkNonce(index: number, last: boolean): Uint8Array {
  const nonce = new Uint8Array(NONCE_BYTES);
  new DataView(nonce.buffer).setUint32(7, index, false);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

/** Exact size of a sealed object of `plaintextLength` bytes. */
export function sealedSize(plaintextLength: number, chunkSize = DEFAULT_CHUNK): number {
  return SEALED_HEADER_BYTES + plaintextLength + TAG_BYTES * chunkCount(plaintextLength, chunkSize);
}

function damaged(what: string, why: string): never {
  throw new VaultError('corrupt', `${what}: ${why}`);
}

export function encodeSealedHeader(h: SealedHeader): Uint8Array {
  return new ByteWriter(SEALED_HEADER_BYTES)
    .bytes(new Uint8Array(SEALED_MAGIC))
    .u8(FORMAT)
    .u8(ObjectKind[h.kind])
    .u16(0)
    .bytes(h.vaultId)
    .bytes(h.objectId)
    .u64(h.generation)
    .u32(h.keyId)
    .bytes(h.salt)
    .u32(h.chunkSize)
    .u64(h.plaintextLength)
    .done();
}

/**
 * Reads and checks a sealed header against what the caller expects to find, before any
 * allocation: the file size must be exactly what the declared length implies.
 */
export function decodeSealedHeader(bytes: Uint8Array, fileSize: number, what: string): SealedHeader {
  if (bytes.length < SEALED_HEADER_BYTES) damaged(what, 'shorter than its header');
  const r = new ByteReader(bytes.subarray(0, SEALED_HEADER_BYTES));
  if (!equalBytes(r.bytes(4), new Uint8Array(SEALED_MAGIC))) throw new VaultError('not-a-vault', `${what}: not a sealed vault object`);
  const format = r.u8();
  if (format !== FORMAT) damaged(what, `unknown object format ${format}`);
  const kindCode = r.u8();
  const kind = (Object.keys(ObjectKind) as ObjectKindName[]).find((k) => ObjectKind[k] === kindCode);
  if (!kind) damaged(what, `unknown object kind ${kindCode}`);
  if (r.u16() !== 0) damaged(what, 'reserved bits set');
  const vaultId = r.bytes(16).slice();
  const objectId = r.bytes(16).slice();
  let generation: number;
  let plaintextLength: number;
  try {
    generation = r.u64();
    const keyId = r.u32();
    const salt = r.bytes(16).slice();
    const chunkSize = r.u32();
    plaintextLength = r.u64();
    if (chunkSize < MIN_CHUNK || chunkSize > MAX_CHUNK) damaged(what, `chunk size ${chunkSize}`);
    if (plaintextLength > MAX_PLAINTEXT) damaged(what, `declared length ${plaintextLength}`);
    if (sealedSize(plaintextLength, chunkSize) !== fileSize) damaged(what, `size ${fileSize} does not match declared length ${plaintextLength}`);
    return { kind, vaultId, objectId, generation, keyId, salt, chunkSize, plaintextLength };
  } catch (e) {
    if (e instanceof RangeError) damaged(what, e.message);
    throw e;
  }
}

export interface SealOptions {
  readonly keys: UnlockedKeys;
  readonly random: Random;
  readonly chunkSize?: number;
  /** Defaults to the active data key. */
  readonly keyId?: number;
}

export async function seal(identity: SealedIdentity, plaintext: Uint8Array, opts: SealOptions): Promise<Uint8Array> {
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK;
  const header: SealedHeader = {
    ...identity,
    vaultId: opts.keys.vaultId,
    keyId: opts.keyId ?? opts.keys.activeDataKey,
    salt: opts.random.bytes(16),
    chunkSize,
    plaintextLength: plaintext.length,
  };
  const head = encodeSealedHeader(header);
  const key = await opts.keys.objectKey(header.keyId, header.salt, `object/${identity.kind}`);
  const n = chunkCount(plaintext.length, chunkSize);
  const out = new Uint8Array(sealedSize(plaintext.length, chunkSize));
  out.set(head, 0);
  let offset = SEALED_HEADER_BYTES;
  for (let i = 0; i < n; i++) {
    const part = plaintext.subarray(i * chunkSize, Math.min(plaintext.length, (i + 1) * chunkSize));
    const ct = await opts.keys.suite.seal(key, chunkNonce(i, i === n - 1), part, head);
    out.set(ct, offset);
    offset += ct.length;
  }
  return out;
}

/**
 * Opens a sealed object and checks that it is the one expected: this vault, this kind, this object
 * id and generation. Any mismatch or failed tag is `corrupt`; no plaintext of a bad object is
 * returned.
 */
export async function unseal(bytes: Uint8Array, expected: SealedIdentity, keys: UnlockedKeys, what: string): Promise<Uint8Array> {
  const { length, pieces } = await openSealed(bytes, expected, keys, what);
  let out: Uint8Array | undefined;
  let offset = 0;
  try {
    for await (const pt of pieces) {
      // One chunk (most files, every object up to 1 MiB): its decrypted bytes as they come, without
      // a second copy.
      if (offset === 0 && pt.length === length) return pt;
      out ??= new Uint8Array(length);
      out.set(pt, offset);
      offset += pt.length;
    }
  } catch (e) {
    out?.fill(0);
    throw e;
  }
  return out!;
}

/**
 * {@link unseal} a chunk at a time: the header is checked at once, and each chunk is decrypted and
 * authenticated as `pieces` reaches it (a failure there is `corrupt`, and the caller must discard
 * what it took so far). For a large object read once in order (a backup storing the database), so
 * that it never needs the whole plaintext in one fresh buffer. With `reuse`, every chunk is
 * decrypted into one buffer: each is valid only until the next is asked for.
 */
export async function openSealed(bytes: Uint8Array, expected: SealedIdentity, keys: UnlockedKeys, what: string, opts: { reuse?: boolean } = {}): Promise<{ length: number; pieces: AsyncGenerator<Uint8Array> }> {
  const h = decodeSealedHeader(bytes, bytes.length, what);
  if (!equalBytes(h.vaultId, keys.vaultId)) damaged(what, 'belongs to another vault');
  if (h.kind !== expected.kind) damaged(what, `is a ${h.kind}, expected a ${expected.kind}`);
  if (!equalBytes(h.objectId, expected.objectId)) damaged(what, 'is another object (swapped or renamed)');
  if (h.generation !== expected.generation) damaged(what, `is generation ${h.generation}, expected ${expected.generation}`);
  if (!keys.hasDataKey(h.keyId)) damaged(what, `sealed with unknown data key ${h.keyId}`);
  const head = bytes.subarray(0, SEALED_HEADER_BYTES);
  const key = await keys.objectKey(h.keyId, h.salt, `object/${h.kind}`);
  const n = chunkCount(h.plaintextLength, h.chunkSize);
  async function* pieces(): AsyncGenerator<Uint8Array> {
    let offset = SEALED_HEADER_BYTES;
    const scratch = opts.reuse ? new Uint8Array(Math.min(h.chunkSize, h.plaintextLength)) : undefined;
    for (let i = 0; i < n; i++) {
      const len = Math.min(h.chunkSize, h.plaintextLength - i * h.chunkSize) + TAG_BYTES;
      const sealed = bytes.subarray(offset, offset + len);
      const nonce = chunkNonce(i, i === n - 1);
      try {
        yield scratch ? scratch.subarray(0, await openInto(keys.suite, key, nonce, sealed, head, scratch)) : await keys.suite.open(key, nonce, sealed, head);
      } catch (e) {
        if (e instanceof AuthenticationError) damaged(what, `chunk ${i} failed authentication`);
        throw e;
      }
      offset += len;
    }
  }
  return { length: h.plaintextLength, pieces: pieces() };
}

/** Reads only the header (for integrity checks and rotation: which key sealed it). */
export function peekSealedHeader(bytes: Uint8Array, what: string): SealedHeader {
  return decodeSealedHeader(bytes, bytes.length, what);
}

