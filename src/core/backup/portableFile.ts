// The encrypted container of a portable backup (docs/PORTABLE.md), and what its archive may hold:
// a 48-byte header (magic, format, Argon2id parameters, salt, chunk size, length) and a ZIP archive
// encrypted in chunks with age's STREAM construction over AES-256-GCM. The archive holds
// `manifest.json`, the entries as our YAML export (src/core/import/vault.ts) and the files of assets
// as `files/<hash>`. The export is in ./portable.ts, the import in ./portableImport.ts.
import { ByteReader, ByteWriter, equalBytes, wipe } from '../bytes';
import { AuthenticationError, TAG_BYTES, defaultSuite, type AeadKey, type CipherSuite } from '../crypto/aead';
import { DEFAULT_KDF, checkKdfParams, deriveKek, hkdf, type KdfParams } from '../crypto/kdf';
import { ENTITY_KINDS, KINDS, type EntityKind } from '../db/kinds';
import { chunkCount, chunkNonce } from '../vault/sealed';
import { VaultError, type VaultErrorCode } from '../errors';
import type { Random } from '../ports';

export const PORTABLE_MAGIC = [0x43, 0x56, 0x50, 0x42]; // "CVPB"
export const PORTABLE_FORMAT = 1;
export const PORTABLE_HEADER_BYTES = 48;
export const PORTABLE_MANIFEST_FORMAT = 'campaign-vault-portable';
const SALT_BYTES = 16;
const DEFAULT_CHUNK = 1 << 20;
const MIN_CHUNK = 1 << 12;
const MAX_CHUNK = 1 << 24;
/** The archive is held in memory; 2 GiB is more than the whole vault can hold. */
const MAX_PLAINTEXT = 2 ** 31;
export const MAX_MANIFEST_BYTES = 1024 * 1024;
const KEY_INFO = 'campaign-vault/v1/portable';
/** What `files/<hash>` may be called: the hash as the file store gives it, safe as a file name everywhere. */
export const FILE_HASH = /^[A-Za-z0-9][A-Za-z0-9_+=-]{0,199}$/;

export interface PortableManifest {
  readonly format: typeof PORTABLE_MANIFEST_FORMAT;
  readonly formatVersion: number;
  readonly createdAt: string;
  readonly scope: 'vault' | 'campaign';
  /** For a campaign backup: the campaign. */
  readonly campaign?: { readonly id: string; readonly name: string };
  /** Every campaign in the file and the folder under `entries/campaigns/` that holds it. */
  readonly campaigns: readonly { readonly id: string; readonly name: string; readonly folder: string }[];
  readonly sourceVaultId: string;
  readonly extensionVersion: string;
  /** Whether asset contents were included (`files/<hash>`); false when the exporter had no file store. */
  readonly filesIncluded: boolean;
  /** BLAKE3 (unkeyed) of each file's content by its name: file names are keyed per vault, so the importing vault checks content with these. */
  readonly fileDigests?: Readonly<Record<string, string>>;
  /** Entries per kind (campaign, character, …) and `files`. */
  readonly counts: Readonly<Record<string, number>>;
}

export interface PortableContents {
  readonly manifest: PortableManifest;
  /** The YAML files under `entries/`, with their paths in the archive. */
  readonly entries: readonly { readonly path: string; readonly text: string }[];
  /** Asset contents by hash, each read (inflated and checked) only when asked. */
  readonly files: ReadonlyMap<string, PortableFile>;
}

/** An asset file in a portable backup: its declared size, and its bytes when read. */
export interface PortableFile {
  readonly size: number;
  read(): Promise<Uint8Array>;
}

/** A VaultError whose sentence is about the backup file, not the vault (the hint replaces the generic sentence). */
export class PortableError extends VaultError {
  override get userMessage(): string {
    return this.hint ?? super.userMessage;
  }
}

export const NOTHING = ' Nothing was changed.';
export const fail = (code: VaultErrorCode, detail: string, sentence: string, cause?: unknown): never => {
  throw new PortableError(code, `portable backup: ${detail}`, { hint: sentence + NOTHING, ...(cause === undefined ? {} : { cause }) });
};
export const damaged = (detail: string): never => fail('corrupt', detail, 'The backup file is damaged.');
export const hostile = (why: string): never => fail('invalid', why, `This backup file cannot be imported safely: ${why}.`);

// ── the encrypted container ──────────────────────────────────────────────────────────────────

interface Header {
  readonly kdf: KdfParams;
  readonly salt: Uint8Array;
  readonly chunkSize: number;
  readonly length: number;
}

function encodeHeader(h: Header): Uint8Array {
  return new ByteWriter(PORTABLE_HEADER_BYTES)
    .bytes(new Uint8Array(PORTABLE_MAGIC))
    .u8(PORTABLE_FORMAT)
    .u8(0)
    .u16(0)
    .u32(h.kdf.memoryKiB)
    .u32(h.kdf.iterations)
    .u32(h.kdf.parallelism)
    .bytes(h.salt)
    .u32(h.chunkSize)
    .u64(h.length)
    .done();
}

/** Everything checked before a byte is allocated or the KDF runs. */
function decodeHeader(bytes: Uint8Array): Header {
  const magic = new Uint8Array(PORTABLE_MAGIC);
  if (bytes.length < 4 || !equalBytes(bytes.subarray(0, 4), magic)) fail('not-a-vault', 'bad magic', 'This file is not a Campaign Vault portable backup.');
  if (bytes.length < PORTABLE_HEADER_BYTES) damaged('shorter than its header');
  const r = new ByteReader(bytes.subarray(0, PORTABLE_HEADER_BYTES));
  r.bytes(4);
  const format = r.u8();
  if (format > PORTABLE_FORMAT) fail('newer-format', `format ${format}`, 'This backup file was written by a newer version of Campaign Vault. Update the extension to import it.');
  if (format !== PORTABLE_FORMAT) damaged(`unknown format ${format}`);
  if (r.u8() !== 0 || r.u16() !== 0) damaged('reserved bits set');
  const raw = { algorithm: 'argon2id', memoryKiB: r.u32(), iterations: r.u32(), parallelism: r.u32() };
  let kdf: KdfParams;
  try {
    kdf = checkKdfParams(raw);
  } catch (e) {
    return fail('corrupt', `KDF parameters refused (${JSON.stringify(raw)})`, 'This backup file asks for key-derivation settings outside the safe range; it is damaged or was made to cause harm.', e);
  }
  const salt = r.bytes(SALT_BYTES).slice();
  const chunkSize = r.u32();
  let length: number;
  try {
    length = r.u64();
  } catch {
    return damaged('declared length out of range');
  }
  if (chunkSize < MIN_CHUNK || chunkSize > MAX_CHUNK) damaged(`chunk size ${chunkSize}`);
  if (length > MAX_PLAINTEXT) damaged(`declared length ${length}`);
  const expected = PORTABLE_HEADER_BYTES + length + TAG_BYTES * chunkCount(length, chunkSize);
  if (bytes.length !== expected) {
    fail('corrupt', `size ${bytes.length}, expected ${expected}`, `The backup file is damaged: it is ${bytes.length < expected ? 'shorter' : 'longer'} than it says (cut off or added to while it was copied?).`);
  }
  return { kdf, salt, chunkSize, length };
}

async function fileKey(password: string, h: Header, suite: CipherSuite): Promise<AeadKey> {
  const kek = await deriveKek(password, h.salt, h.kdf);
  const raw = await hkdf(kek, h.salt, KEY_INFO);
  try {
    return await suite.importKey(raw);
  } finally {
    wipe(kek, raw);
  }
}

/** Encrypts `plaintext` under `password` as a portable backup file. */
export async function sealPortable(plaintext: Uint8Array, password: string, opts: { kdf?: KdfParams; suite?: CipherSuite; random: Random; chunkSize?: number }): Promise<Uint8Array> {
  if (plaintext.length > MAX_PLAINTEXT) throw new PortableError('unsupported', 'portable backup too large', { hint: 'This is too much for one backup file (more than 2 GiB). Back up one campaign at a time.' });
  const suite = opts.suite ?? defaultSuite();
  const header: Header = { kdf: checkKdfParams(opts.kdf ?? DEFAULT_KDF), salt: opts.random.bytes(SALT_BYTES), chunkSize: opts.chunkSize ?? DEFAULT_CHUNK, length: plaintext.length };
  const head = encodeHeader(header);
  const key = await fileKey(password, header, suite);
  const n = chunkCount(plaintext.length, header.chunkSize);
  const out = new Uint8Array(PORTABLE_HEADER_BYTES + plaintext.length + TAG_BYTES * n);
  out.set(head, 0);
  let offset = PORTABLE_HEADER_BYTES;
  for (let i = 0; i < n; i++) {
    const part = plaintext.subarray(i * header.chunkSize, Math.min(plaintext.length, (i + 1) * header.chunkSize));
    const ct = await suite.seal(key, chunkNonce(i, i === n - 1), part, head);
    out.set(ct, offset);
    offset += ct.length;
  }
  return out;
}

/** Decrypts a portable backup file; no plaintext of a damaged file is returned. */
export async function openPortable(bytes: Uint8Array, password: string, suite: CipherSuite = defaultSuite()): Promise<Uint8Array> {
  const h = decodeHeader(bytes);
  const head = bytes.subarray(0, PORTABLE_HEADER_BYTES);
  const key = await fileKey(password, h, suite);
  const n = chunkCount(h.length, h.chunkSize);
  const out = new Uint8Array(h.length);
  let offset = PORTABLE_HEADER_BYTES;
  for (let i = 0; i < n; i++) {
    const len = Math.min(h.chunkSize, h.length - i * h.chunkSize) + TAG_BYTES;
    try {
      out.set(await suite.open(key, chunkNonce(i, i === n - 1), bytes.subarray(offset, offset + len), head), i * h.chunkSize);
    } catch (e) {
      out.fill(0);
      if (!(e instanceof AuthenticationError)) throw e;
      // The first chunk cannot tell a wrong password from damage; a later one can.
      if (i === 0) fail('wrong-password', 'chunk 0 failed authentication', 'Wrong password for this backup file, or the file is damaged.', e);
      damaged(`chunk ${i} of ${n} failed authentication`);
    }
    offset += len;
  }
  return out;
}

const TABLE_TO_KIND = new Map(ENTITY_KINDS.map((k) => [KINDS[k].table, k]));

/** The kind of an export file from its path within a campaign's folder (`campaign.yaml`, `npcs/x.yaml`). */
export function kindOfPath(rel: string): EntityKind | undefined {
  if (rel === 'campaign.yaml') return 'campaign';
  const parts = rel.split('/');
  return parts.length === 2 && parts[1]!.endsWith('.yaml') ? TABLE_TO_KIND.get(parts[0]!) : undefined;
}
