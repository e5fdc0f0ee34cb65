import { createBLAKE3, type IHasher } from 'hash-wasm';
import { ByteReader, ByteWriter, concatBytes, equalBytes, fromUtf8, toHex, utf8 } from '../bytes';
import { AuthenticationError, NONCE_BYTES, TAG_BYTES, type AeadKey, type CipherSuite } from '../crypto/aead';
import { hkdf } from '../crypto/kdf';
import { VaultError } from '../errors';
import type { Random } from '../ports';

/**
 * The backup repository's binary formats (docs/BACKUPS.md): packs of encrypted chunks, and small
 * encrypted files (indexes, snapshot manifests). Every byte is authenticated with a key derived
 * from the repository key; object names are hashes of the encrypted bytes, so a flipped bit is
 * found by re-hashing without any key, and located to one chunk by decrypting.
 */

export const PACK_MAGIC = utf8('CVBP');
export const FILE_MAGIC = utf8('CVBF');
export const PACK_HEADER_BYTES = 40;
export const FILE_HEADER_BYTES = 44;
/** Largest encrypted file (index, manifest) and largest pack read back: anything bigger is damage. */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;
export const MAX_PACK_BYTES = 128 * 1024 * 1024;
export const ID_BYTES = 32;

export const BlobType = { db: 0, file: 1, tree: 2, files: 3 } as const;
export type BlobTypeName = keyof typeof BlobType;
const BLOB_TYPE_NAMES = Object.keys(BlobType) as BlobTypeName[];

export const FileType = { index: 1, snapshot: 2 } as const;
export type FileTypeName = keyof typeof FileType;

function corrupt(what: string, why: string): never {
  throw new VaultError('corrupt', `${what}: ${why}`, { hint: `A backup file is damaged (${what}). Run "Verify Backups" to see which backups it affects.` });
}

/** The repository key and everything derived from it; created once per open repository. */
export class RepoKeys {
  private readonly aeadKeys = new Map<string, Promise<AeadKey>>();

  private constructor(
    readonly repoId: Uint8Array,
    private readonly key: Uint8Array,
    readonly suite: CipherSuite,
    private readonly idKey: Uint8Array,
    private readonly idHasher: IHasher,
  ) {}

  static async create(repoId: Uint8Array, key: Uint8Array, suite: CipherSuite): Promise<RepoKeys> {
    const idKey = await hkdf(key, repoId, 'campaign-vault/v1/backup/chunk-id');
    return new RepoKeys(repoId, key.slice(), suite, idKey, await createBLAKE3(256, idKey));
  }

  /** One AEAD key per (salt, purpose); salts are random per pack and per file. */
  aead(salt: Uint8Array, purpose: string): Promise<AeadKey> {
    const k = `${toHex(salt)}/${purpose}`;
    let key = this.aeadKeys.get(k);
    if (!key) {
      key = hkdf(this.key, salt, `campaign-vault/v1/backup/${purpose}`).then((raw) => this.suite.importKey(raw));
      if (this.aeadKeys.size > 512) this.aeadKeys.clear();
      this.aeadKeys.set(k, key);
    }
    return key;
  }

  /** The MAC key of repo.json. */
  configMacKey(): Promise<Uint8Array> {
    return hkdf(this.key, this.repoId, 'campaign-vault/v1/backup/config-mac');
  }

  /** A chunk's id: keyed BLAKE3 of its plaintext, so ids reveal nothing about known content. */
  async chunkId(data: Uint8Array): Promise<Uint8Array> {
    // One hasher, used synchronously from init to digest, so interleaved callers cannot mix.
    this.idHasher.init();
    this.idHasher.update(data);
    return this.idHasher.digest('binary');
  }

  wipe(): void {
    this.key.fill(0);
    this.idKey.fill(0);
    this.aeadKeys.clear();
  }
}

/** Content address of an object file: BLAKE3-256 of its bytes (no key: anyone can check it). */
let nameHasher: Promise<IHasher> | undefined;

export async function objectName(bytes: Uint8Array): Promise<string> {
  const h = await (nameHasher ??= createBLAKE3(256));
  h.init();
  h.update(bytes);
  return h.digest('hex');
}

function nonce(counter: number, last = false): Uint8Array {
  const n = new Uint8Array(NONCE_BYTES);
  new DataView(n.buffer).setUint32(7, counter >>> 0, false);
  n[11] = last ? 1 : 0;
  return n;
}

// ── small encrypted files ───────────────────────────────────────────────────────────────────

/**
 * `CVBF` ‖ version 1 ‖ type ‖ 0 0 ‖ repository id (16) ‖ salt (16) ‖ length u32 ‖ ciphertext ‖ tag.
 * One AEAD message under HKDF(repo key, salt, type); the 44-byte header is the associated data.
 */
export async function sealFile(keys: RepoKeys, random: Random, type: FileTypeName, plaintext: Uint8Array): Promise<Uint8Array> {
  const w = new ByteWriter(FILE_HEADER_BYTES);
  w.bytes(FILE_MAGIC);
  w.u8(1);
  w.u8(FileType[type]);
  w.u16(0);
  w.bytes(keys.repoId);
  const salt = random.bytes(16);
  w.bytes(salt);
  w.u32(plaintext.length);
  const head = w.done();
  const key = await keys.aead(salt, `file/${type}`);
  return concatBytes(head, await keys.suite.seal(key, nonce(0, true), plaintext, head));
}

export async function openFile(keys: RepoKeys, type: FileTypeName, bytes: Uint8Array, what: string): Promise<Uint8Array> {
  if (bytes.length < FILE_HEADER_BYTES + TAG_BYTES || bytes.length > MAX_FILE_BYTES) corrupt(what, `has an impossible size (${bytes.length} bytes)`);
  const r = new ByteReader(bytes.subarray(0, FILE_HEADER_BYTES));
  if (!equalBytes(r.bytes(4), FILE_MAGIC)) corrupt(what, 'is not a backup file');
  if (r.u8() !== 1) corrupt(what, 'has an unknown format version');
  const t = r.u8();
  if (t !== FileType[type]) corrupt(what, `is not a ${type} file`);
  r.u16();
  if (!equalBytes(r.bytes(16), keys.repoId)) corrupt(what, 'belongs to another backup repository (another vault)');
  const salt = r.bytes(16);
  const length = r.u32();
  if (bytes.length !== FILE_HEADER_BYTES + length + TAG_BYTES) corrupt(what, 'is truncated or has bytes appended');
  const key = await keys.aead(salt, `file/${type}`);
  try {
    return await keys.suite.open(key, nonce(0, true), bytes.subarray(FILE_HEADER_BYTES), bytes.subarray(0, FILE_HEADER_BYTES));
  } catch (e) {
    if (e instanceof AuthenticationError) corrupt(what, 'failed authentication (changed or damaged)');
    throw e;
  }
}

export async function sealJson(keys: RepoKeys, random: Random, type: FileTypeName, value: unknown): Promise<Uint8Array> {
  return sealFile(keys, random, type, utf8(JSON.stringify(value)));
}

export async function openJson(keys: RepoKeys, type: FileTypeName, bytes: Uint8Array, what: string): Promise<unknown> {
  const text = fromUtf8(await openFile(keys, type, bytes, what));
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return corrupt(what, 'holds no valid JSON');
  }
}

// ── packs ───────────────────────────────────────────────────────────────────────────────────

/** Where a chunk lives: in which pack, at which offset, and how long it is encrypted and raw. */
export interface PackEntry {
  readonly id: Uint8Array;
  readonly type: BlobTypeName;
  readonly offset: number;
  /** Encrypted length (codec byte + payload + tag). */
  readonly length: number;
  /** Plaintext length of the chunk. */
  readonly rawLength: number;
}

const ENTRY_BYTES = ID_BYTES + 1 + 4 + 4 + 4;

/**
 * A pack: header (`CVBP` ‖ 1 ‖ 0 0 0 ‖ repository id ‖ salt), the encrypted chunks one after the
 * other, the encrypted table of its entries, and the table's length (u32). Chunk *i* is sealed with
 * nonce *i*; its associated data is the header, its id and its type, so a chunk cannot be moved,
 * swapped or retyped. The table uses the last nonce with the final flag.
 */
export class PackWriter {
  private readonly parts: Uint8Array[] = [];
  private readonly entries: PackEntry[] = [];
  private size = PACK_HEADER_BYTES;
  private readonly head: Uint8Array;
  private readonly salt: Uint8Array;

  constructor(
    private readonly keys: RepoKeys,
    random: Random,
  ) {
    this.salt = random.bytes(16);
    const w = new ByteWriter(PACK_HEADER_BYTES);
    w.bytes(PACK_MAGIC);
    w.u8(1);
    w.u8(0);
    w.u16(0);
    w.bytes(keys.repoId);
    w.bytes(this.salt);
    this.head = w.done();
    this.parts.push(this.head);
  }

  get byteLength(): number {
    return this.size;
  }

  get count(): number {
    return this.entries.length;
  }

  /** Adds a chunk already compressed: `stored` = codec byte ‖ payload. */
  async add(id: Uint8Array, type: BlobTypeName, stored: Uint8Array, rawLength: number): Promise<void> {
    const key = await this.keys.aead(this.salt, 'pack');
    const ct = await this.keys.suite.seal(key, nonce(this.entries.length), stored, chunkAad(this.head, id, type));
    this.entries.push({ id, type, offset: this.size, length: ct.length, rawLength });
    this.parts.push(ct);
    this.size += ct.length;
  }

  /** The finished pack and its entries. */
  async finish(): Promise<{ bytes: Uint8Array; entries: PackEntry[] }> {
    const w = new ByteWriter(4 + this.entries.length * ENTRY_BYTES);
    w.u32(this.entries.length);
    for (const e of this.entries) {
      w.bytes(e.id);
      w.u8(BlobType[e.type]);
      w.u32(e.offset);
      w.u32(e.length);
      w.u32(e.rawLength);
    }
    const key = await this.keys.aead(this.salt, 'pack');
    const table = await this.keys.suite.seal(key, nonce(0xffffffff, true), w.done(), this.head);
    return { bytes: concatBytes(...this.parts, table, new ByteWriter(4).u32(table.length).done()), entries: this.entries };
  }
}

function chunkAad(head: Uint8Array, id: Uint8Array, type: BlobTypeName): Uint8Array {
  return concatBytes(head, id, new Uint8Array([BlobType[type]]));
}

function packHeader(keys: RepoKeys, bytes: Uint8Array, what: string): { head: Uint8Array; salt: Uint8Array } {
  if (bytes.length < PACK_HEADER_BYTES + 4 + TAG_BYTES || bytes.length > MAX_PACK_BYTES) corrupt(what, `has an impossible size (${bytes.length} bytes)`);
  const head = bytes.subarray(0, PACK_HEADER_BYTES);
  const r = new ByteReader(head);
  if (!equalBytes(r.bytes(4), PACK_MAGIC)) corrupt(what, 'is not a backup pack');
  if (r.u8() !== 1) corrupt(what, 'has an unknown format version');
  r.u8();
  r.u16();
  if (!equalBytes(r.bytes(16), keys.repoId)) corrupt(what, 'belongs to another backup repository (another vault)');
  return { head, salt: r.bytes(16) };
}

/** Reads a pack's own table of entries (to rebuild an index or adopt a pack left by an interrupted backup). */
export async function readPackTable(keys: RepoKeys, bytes: Uint8Array, what: string): Promise<PackEntry[]> {
  const { head, salt } = packHeader(keys, bytes, what);
  const tableLength = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 4, 4).getUint32(0, true);
  const start = bytes.length - 4 - tableLength;
  if (tableLength < TAG_BYTES + 4 || start < PACK_HEADER_BYTES) corrupt(what, 'has a damaged table of contents');
  const key = await keys.aead(salt, 'pack');
  let table: Uint8Array;
  try {
    table = await keys.suite.open(key, nonce(0xffffffff, true), bytes.subarray(start, bytes.length - 4), head);
  } catch (e) {
    if (e instanceof AuthenticationError) corrupt(what, 'has a damaged table of contents');
    throw e;
  }
  const r = new ByteReader(table);
  const n = r.u32();
  if (table.length !== 4 + n * ENTRY_BYTES) corrupt(what, 'has a damaged table of contents');
  const entries: PackEntry[] = [];
  let expected = PACK_HEADER_BYTES;
  for (let i = 0; i < n; i++) {
    const id = r.bytes(ID_BYTES).slice();
    const t = r.u8();
    const type = BLOB_TYPE_NAMES[t];
    const offset = r.u32();
    const length = r.u32();
    const rawLength = r.u32();
    if (!type || offset !== expected || length < TAG_BYTES + 1 || offset + length > start) corrupt(what, 'has a damaged table of contents');
    expected = offset + length;
    entries.push({ id, type, offset, length, rawLength });
  }
  if (expected !== start) corrupt(what, 'has a damaged table of contents');
  return entries;
}

/**
 * Decrypts one chunk of a pack (`index` = its position in the pack): the codec byte and payload.
 * Fails as `corrupt` when its bytes, id, type or position were changed.
 */
export async function openChunk(keys: RepoKeys, pack: Uint8Array, entry: PackEntry, index: number, what: string): Promise<Uint8Array> {
  const { head, salt } = packHeader(keys, pack, what);
  if (entry.offset + entry.length > pack.length) corrupt(what, 'is truncated');
  const key = await keys.aead(salt, 'pack');
  try {
    return await keys.suite.open(key, nonce(index), pack.subarray(entry.offset, entry.offset + entry.length), chunkAad(head, entry.id, entry.type));
  } catch (e) {
    if (e instanceof AuthenticationError) corrupt(what, `chunk ${index + 1} failed authentication (damaged)`);
    throw e;
  }
}
