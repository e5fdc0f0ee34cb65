import { ByteReader, ByteWriter, equalBytes } from '../bytes';
import { AuthenticationError, NONCE_BYTES, TAG_BYTES, type AeadKey } from '../crypto/aead';
import { VaultError } from '../errors';
import type { UnlockedKeys } from './keys';

/**
 * The append-only journal: one encrypted, authenticated record per committed transaction.
 *
 *   file header (56 bytes): magic "CVJR" · u8 format(1) · u8 0 · u16 0 · vaultId[16] ·
 *                           u64 generation · u32 keyId · salt[16] · u32 0
 *   record: u32 length · u32 (length XOR 0x524A5643) · ciphertext ‖ tag   (length counts both)
 *
 * The record key is HKDF(DK[keyId], salt, "journal"); the nonce is the record's sequence number
 * (1, 2, …) and the associated data is the file header plus that number, so a record cannot be
 * moved, dropped from the middle, or carried to another journal without failing authentication.
 */
export const JOURNAL_MAGIC = [0x43, 0x56, 0x4a, 0x52]; // "CVJR"
export const JOURNAL_HEADER_BYTES = 56;
const FORMAT = 1;
const LENGTH_CHECK = 0x524a5643;
const RECORD_PREFIX = 8;
/** A single transaction larger than this is refused (and a length field saying more is damage). */
export const MAX_RECORD = 256 * 1024 * 1024;

export interface JournalHeader {
  readonly vaultId: Uint8Array;
  readonly generation: number;
  readonly keyId: number;
  readonly salt: Uint8Array;
}

export function encodeJournalHeader(h: JournalHeader): Uint8Array {
  return new ByteWriter(JOURNAL_HEADER_BYTES)
    .bytes(new Uint8Array(JOURNAL_MAGIC))
    .u8(FORMAT)
    .u8(0)
    .u16(0)
    .bytes(h.vaultId)
    .u64(h.generation)
    .u32(h.keyId)
    .bytes(h.salt)
    .u32(0)
    .done();
}

function damaged(what: string, why: string): never {
  throw new VaultError('corrupt', `${what}: ${why}`);
}

export function decodeJournalHeader(bytes: Uint8Array, what: string): JournalHeader {
  if (bytes.length < JOURNAL_HEADER_BYTES) damaged(what, 'shorter than its header');
  const r = new ByteReader(bytes.subarray(0, JOURNAL_HEADER_BYTES));
  if (!equalBytes(r.bytes(4), new Uint8Array(JOURNAL_MAGIC))) throw new VaultError('not-a-vault', `${what}: not a vault journal`);
  if (r.u8() !== FORMAT || r.u8() !== 0 || r.u16() !== 0) damaged(what, 'unknown journal format');
  const vaultId = r.bytes(16).slice();
  let generation: number;
  try {
    generation = r.u64();
  } catch {
    return damaged(what, 'generation out of range');
  }
  const keyId = r.u32();
  const salt = r.bytes(16).slice();
  if (r.u32() !== 0) damaged(what, 'reserved bits set');
  return { vaultId, generation, keyId, salt };
}

function recordNonce(seq: number): Uint8Array {
  const nonce = new Uint8Array(NONCE_BYTES);
  new DataView(nonce.buffer).setBigUint64(4, BigInt(seq), false);
  return nonce;
}

function recordAad(header: Uint8Array, seq: number): Uint8Array {
  const aad = new Uint8Array(header.length + 8);
  aad.set(header);
  new DataView(aad.buffer).setBigUint64(header.length, BigInt(seq), true);
  return aad;
}

export function journalKey(keys: UnlockedKeys, h: JournalHeader): Promise<AeadKey> {
  return keys.objectKey(h.keyId, h.salt, 'journal');
}

/** One framed record, ready to append. */
export async function encodeRecord(keys: UnlockedKeys, key: AeadKey, header: Uint8Array, seq: number, plaintext: Uint8Array): Promise<Uint8Array> {
  const length = plaintext.length + TAG_BYTES;
  if (length > MAX_RECORD) throw new VaultError('invalid', `transaction of ${plaintext.length} bytes`, { hint: 'The change is too large to save at once.' });
  const ct = await keys.suite.seal(key, recordNonce(seq), plaintext, recordAad(header, seq));
  const out = new Uint8Array(RECORD_PREFIX + ct.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, length, true);
  view.setUint32(4, (length ^ LENGTH_CHECK) >>> 0, true);
  out.set(ct, RECORD_PREFIX);
  return out;
}

export interface ReadJournal {
  readonly header: JournalHeader;
  /** Plaintexts of the valid records, in order; record i has sequence number i + 1. */
  readonly records: Uint8Array[];
  /** Bytes of the valid prefix (header + whole valid records). */
  readonly validLength: number;
  /** True when bytes after the valid prefix were dropped as an interrupted append. */
  readonly tornTail: boolean;
}

/**
 * Reads a journal's valid prefix. Only the very end of a file may be damaged — that is an append a
 * crash interrupted, which was never acknowledged, and it is dropped. Damage anywhere else (a bad
 * record followed by more data, a length field that fails its check) is `corrupt`: those records
 * were acknowledged, so silently dropping them would lose work.
 */
export async function readJournal(bytes: Uint8Array, keys: UnlockedKeys, expectedGeneration: number, what: string): Promise<ReadJournal> {
  const header = decodeJournalHeader(bytes, what);
  if (!equalBytes(header.vaultId, keys.vaultId)) damaged(what, 'belongs to another vault');
  if (header.generation !== expectedGeneration) damaged(what, `is generation ${header.generation}, expected ${expectedGeneration}`);
  if (!keys.hasDataKey(header.keyId)) damaged(what, `sealed with unknown data key ${header.keyId}`);
  const head = bytes.subarray(0, JOURNAL_HEADER_BYTES);
  const key = await journalKey(keys, header);
  const records: Uint8Array[] = [];
  let pos = JOURNAL_HEADER_BYTES;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  while (pos < bytes.length) {
    const remaining = bytes.length - pos;
    if (remaining < RECORD_PREFIX) return { header, records, validLength: pos, tornTail: true };
    const length = view.getUint32(pos, true);
    const check = view.getUint32(pos + 4, true);
    if (((length ^ LENGTH_CHECK) >>> 0) !== check || length < TAG_BYTES || length > MAX_RECORD) {
      // A zero-filled tail is what a crash leaves when the size was extended but the data never landed.
      if (bytes.subarray(pos).every((b) => b === 0)) return { header, records, validLength: pos, tornTail: true };
      damaged(what, `record ${records.length + 1} has a damaged length at byte ${pos}`);
    }
    if (remaining < RECORD_PREFIX + length) return { header, records, validLength: pos, tornTail: true };
    const seq = records.length + 1;
    try {
      records.push(await keys.suite.open(key, recordNonce(seq), bytes.subarray(pos + RECORD_PREFIX, pos + RECORD_PREFIX + length), recordAad(head, seq)));
    } catch (e) {
      if (!(e instanceof AuthenticationError)) throw e;
      if (pos + RECORD_PREFIX + length === bytes.length) return { header, records, validLength: pos, tornTail: true };
      damaged(what, `record ${seq} failed authentication and more records follow it`);
    }
    pos += RECORD_PREFIX + length;
  }
  return { header, records, validLength: pos, tornTail: false };
}
