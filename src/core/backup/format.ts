import { createBLAKE3, type IHasher } from 'hash-wasm';
import { release, type BackupPools } from './bufferPool';
import { CODEC_IDS, type CompressedSegment } from './codec';
import { ByteReader, ByteWriter, concatBytes, equalBytes, fromUtf8, toHex, utf8 } from '../bytes';
import { AuthenticationError, openInto, sealInto, TAG_BYTES, verify, type AeadKey, type CipherSuite } from '../crypto/aead';
import { hkdf } from '../crypto/kdf';
import { VaultError, isVaultError } from '../errors';
import type { Random } from '../ports';
import { chunkNonce } from '../vault/sealed';

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
  throw new VaultError('corrupt', `${what}: ${why}`, { hint: `A backup file is damaged (${what}). Verify the backups to see which of them it affects.`, remedy: 'verify-backups', params: { file: what } });
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

const nonce = (counter: number, last = false): Uint8Array => chunkNonce(counter >>> 0, last);

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

/**
 * A compressed JSON document in a sealed file (indexes: thousands of hex ids): codec u8 ‖ raw
 * length u32 ‖ the codec's output, then sealed as any file.
 */
export async function sealCompressedJson(
  keys: RepoKeys,
  random: Random,
  type: FileTypeName,
  value: unknown,
  compress: (raw: Uint8Array) => Promise<{ codec: number; bytes: Uint8Array }>,
): Promise<Uint8Array> {
  const raw = utf8(JSON.stringify(value));
  const { codec, bytes } = await compress(raw);
  return sealFile(keys, random, type, concatBytes(new ByteWriter(5).u8(codec).u32(raw.length).done(), bytes));
}

export async function openCompressedJson(
  keys: RepoKeys,
  type: FileTypeName,
  bytes: Uint8Array,
  what: string,
  decompress: (codec: number, data: Uint8Array, rawLength: number) => Promise<Uint8Array>,
): Promise<unknown> {
  const plain = await openFile(keys, type, bytes, what);
  if (plain.length < 5) corrupt(what, 'is too short');
  const r = new ByteReader(plain.subarray(0, 5));
  const codec = r.u8();
  const rawLength = r.u32();
  let text: string;
  try {
    text = fromUtf8(await decompress(codec, plain.subarray(5), rawLength));
    return JSON.parse(text) as unknown;
  } catch (e) {
    if (isVaultError(e)) throw e;
    return corrupt(what, 'holds no valid JSON');
  }
}

// ── packs ───────────────────────────────────────────────────────────────────────────────────

/**
 * A segment: consecutive new chunks of a pack compressed together as one stream (so a database
 * compresses about as well as the whole file would), then encrypted as one message.
 */
export interface SegmentEntry {
  /** Where its ciphertext starts in the pack, and how long it is (tag included). */
  readonly offset: number;
  readonly length: number;
  /** Bytes of the chunks it holds, uncompressed. */
  readonly rawLength: number;
  readonly codec: number;
}

/** One chunk of a pack: its id, type, segment, and where it lies in the segment's plaintext. */
export interface PackEntry {
  readonly id: Uint8Array;
  readonly type: BlobTypeName;
  readonly segment: number;
  readonly offset: number;
  readonly rawLength: number;
}

/** A sealed segment's raw length and, for a compressed one, the digest of its raw bytes. */
export interface SegmentCheck {
  readonly rawLength: number;
  readonly digest?: Uint8Array;
}

export interface PackTable {
  readonly segments: readonly SegmentEntry[];
  readonly entries: readonly PackEntry[];
}

const SEGMENT_BYTES = 4 + 4 + 4 + 1;
const ENTRY_BYTES = ID_BYTES + 1 + 4 + 4 + 4;
/** The largest segment plaintext: a bound on what one read may allocate. */
export const MAX_SEGMENT_RAW = 16 * 1024 * 1024;

function segmentAad(head: Uint8Array, index: number): Uint8Array {
  return concatBytes(head, new ByteWriter(4).u32(index).done());
}

/**
 * A pack: header (`CVBP` ‖ 1 ‖ 0 0 0 ‖ repository id ‖ salt), its segments one after the other
 * (segment *i* sealed with nonce *i*, associated data header ‖ *i*), the encrypted table of
 * segments and chunks (the last nonce, final flag), and the table's length (u32). A segment's
 * plaintext is what its codec made of its chunks' bytes; each chunk is checked against its keyed
 * id after decoding, so a chunk cannot be swapped, moved or changed unnoticed.
 */
export class PackWriter {
  /** The pack so far (header and sealed segments), in a buffer that grows when it must. */
  private buffer: Uint8Array;
  private readonly segments: SegmentEntry[] = [];
  private readonly entries: PackEntry[] = [];
  /** What reading each sealed segment back must give: its length and, when compressed, its digest. */
  private readonly expected: SegmentCheck[] = [];
  /** Closed segments still being compressed (in pack order), and their raw bytes. */
  private readonly compressing: { raw: Uint8Array; out?: Uint8Array; type: BlobTypeName; result: Promise<CompressedSegment> }[] = [];
  /**
   * The open segment: its chunks copied one after the other as they are added (so a caller may
   * reuse its memory once {@link add} returns), into a buffer of its own while small and a pooled
   * one once large.
   */
  private open: { buffer: Uint8Array; raw: number; type?: BlobTypeName } = { buffer: NO_BYTES, raw: 0 };
  private size = PACK_HEADER_BYTES;
  private readonly head: Uint8Array;
  private readonly salt: Uint8Array;

  constructor(
    private readonly keys: RepoKeys,
    random: Random,
    private readonly compress: (raw: Uint8Array, type: BlobTypeName, out?: Uint8Array) => Promise<CompressedSegment>,
    /** Reused buffers: for segments (put together there, and compressed into) and for the pack itself. */
    private readonly pools?: BackupPools,
  ) {
    this.salt = random.bytes(16);
    // Small at first: a backup of a few changes never touches (or makes) a pooled buffer.
    this.buffer = new Uint8Array(PACK_HEADER_BYTES + 64 * 1024);
    const w = new ByteWriter(PACK_HEADER_BYTES);
    w.bytes(PACK_MAGIC);
    w.u8(1);
    w.u8(0);
    w.u16(0);
    w.bytes(keys.repoId);
    w.bytes(this.salt);
    this.head = w.done();
    this.buffer.set(this.head, 0);
  }

  /**
   * About how large the pack is so far, for deciding when it is full: sealed segments as they are,
   * segments still compressing and the open one {@link estimate}d.
   */
  get byteLength(): number {
    return this.compressing.reduce((n, c) => n + estimate(c.type, c.raw.length), this.size + estimate(this.open.type, this.open.raw));
  }

  /** Raw bytes in the open segment. */
  get openBytes(): number {
    return this.open.raw;
  }

  get count(): number {
    return this.entries.length;
  }

  /** Adds a chunk to the open segment: its bytes are copied there at once. */
  add(id: Uint8Array, type: BlobTypeName, data: Uint8Array): void {
    const open = this.open;
    this.entries.push({ id, type, segment: this.segments.length + this.compressing.length, offset: open.raw, rawLength: data.length });
    const need = open.raw + data.length;
    if (need > open.buffer.length) {
      // A small segment (a few trees before the kind changes) stays in a buffer of its own: a
      // pooled one is as large as the largest segment, and this one may wait for its pack until
      // the end. It moves into a pooled buffer once it is large enough for one.
      const larger = this.pools?.segments.takeFor(need) ?? this.pools?.staging?.takeFor(need) ?? new Uint8Array(Math.max(need, 2 * open.buffer.length, 64 * 1024));
      larger.set(open.buffer.subarray(0, open.raw));
      release(this.pools, open.buffer);
      open.buffer = larger;
    }
    open.buffer.set(data, open.raw);
    open.raw = need;
    open.type = type;
  }

  /**
   * Closes the open segment (nothing when it is empty) and starts compressing it; {@link settle}
   * and {@link finish} seal segments in pack order as their compression completes.
   */
  closeSegment(): void {
    if (this.open.raw === 0 && this.open.type === undefined) return;
    const raw = this.open.buffer.subarray(0, this.open.raw);
    const pooled = this.pools?.segments.owns(raw) === true;
    const type = this.open.type ?? 'db';
    this.open = { buffer: NO_BYTES, raw: 0 };
    // A large segment is compressed into a reused buffer too, not into fresh memory.
    const out = pooled ? (this.pools!.compressed ?? this.pools!.segments).take(raw.length) : undefined;
    const result = this.compress(raw, type, out);
    // Awaited by settle(); until then a failure must not count as unhandled.
    result.catch(() => undefined);
    this.compressing.push({ raw, type, result, ...(out ? { out } : {}) });
  }

  /** Seals compressed segments, oldest first, until at most `keep` are still compressing. */
  async settle(keep = 0): Promise<void> {
    while (this.compressing.length > keep) {
      const next = this.compressing[0]!;
      const { codec, bytes, digest } = await next.result;
      this.compressing.shift();
      if (codec !== CODEC_IDS.none && !digest) throw new Error('a compressed segment came without its digest');
      const key = await this.keys.aead(this.salt, 'pack');
      const index = this.segments.length;
      const length = await sealInto(this.keys.suite, key, nonce(index), bytes, segmentAad(this.head, index), this.room(bytes.length + TAG_BYTES));
      this.segments.push({ offset: this.size, length, rawLength: next.raw.length, codec });
      this.expected.push(digest ? { rawLength: next.raw.length, digest } : { rawLength: next.raw.length });
      this.size += length;
      // Sealed, and its digest taken: the raw bytes are no longer needed (the buffers serve the next segment).
      release(this.pools, next.raw);
      if (next.out) release(this.pools, next.out);
    }
  }

  /**
   * The free part of the buffer, at least `bytes` long. The buffer grows into a pooled one once the
   * pack is large enough for one, else to twice what it needs.
   */
  private room(bytes: number): Uint8Array {
    const need = this.size + bytes;
    if (need > this.buffer.length) {
      const larger = this.pools?.packs.takeFor(need) ?? new Uint8Array(2 * need);
      larger.set(this.buffer.subarray(0, this.size));
      release(this.pools, this.buffer);
      this.buffer = larger;
    }
    return this.buffer.subarray(this.size);
  }

  /**
   * The finished pack, its table, and what reading each segment back must give. `bytes` may lie
   * in a pooled buffer: hand it back with {@link BufferPool.give} once written.
   */
  async finish(): Promise<{ bytes: Uint8Array; table: PackTable; expected: readonly SegmentCheck[] }> {
    this.closeSegment();
    await this.settle(0);
    const w = new ByteWriter(8 + this.segments.length * SEGMENT_BYTES + this.entries.length * ENTRY_BYTES);
    w.u32(this.segments.length);
    for (const g of this.segments) w.u32(g.offset).u32(g.length).u32(g.rawLength).u8(g.codec);
    w.u32(this.entries.length);
    for (const e of this.entries) w.bytes(e.id).u8(BlobType[e.type]).u32(e.segment).u32(e.offset).u32(e.rawLength);
    const plain = w.done();
    const key = await this.keys.aead(this.salt, 'pack');
    const length = await sealInto(this.keys.suite, key, nonce(0xffffffff, true), plain, this.head, this.room(plain.length + TAG_BYTES + 4));
    new DataView(this.buffer.buffer, this.buffer.byteOffset + this.size + length, 4).setUint32(0, length, true);
    this.size += length + 4;
    return { bytes: this.buffer.subarray(0, this.size), table: { segments: this.segments, entries: this.entries }, expected: this.expected };
  }
}

/** About how large `raw` bytes of this kind become: a database compresses 4:1 or better, files mostly not at all. */
function estimate(type: BlobTypeName | undefined, raw: number): number {
  return type === 'db' ? raw / 4 : raw;
}

const NO_BYTES = new Uint8Array(0);

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

/**
 * Checks a table's segments and chunks against each other. A pack's own table must cover the pack
 * exactly (`tableStart`); an index may list only some segments of a pack (after a prune).
 */
export function checkTable(table: PackTable, tableStart: number | undefined, what: string): void {
  let expected = PACK_HEADER_BYTES;
  for (const g of table.segments) {
    if (g === undefined) {
      if (tableStart !== undefined) corrupt(what, 'has a damaged table of contents');
      continue;
    }
    const bad = tableStart !== undefined ? g.offset !== expected || g.offset + g.length > tableStart : g.offset < expected;
    if (bad || g.length < TAG_BYTES || g.rawLength > MAX_SEGMENT_RAW || !Number.isInteger(g.codec)) corrupt(what, 'has a damaged table of contents');
    expected = g.offset + g.length;
  }
  if (tableStart !== undefined && expected !== tableStart) corrupt(what, 'has a damaged table of contents');
  for (const e of table.entries) {
    const g = table.segments[e.segment];
    if (!g || e.offset + e.rawLength > g.rawLength) corrupt(what, 'has a damaged table of contents');
  }
}

/** Reads a pack's own table (to rebuild an index or adopt a pack left by an interrupted backup). */
export async function readPackTable(keys: RepoKeys, bytes: Uint8Array, what: string): Promise<PackTable> {
  const { head, salt } = packHeader(keys, bytes, what);
  const tableLength = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 4, 4).getUint32(0, true);
  const start = bytes.length - 4 - tableLength;
  if (tableLength < TAG_BYTES + 8 || start < PACK_HEADER_BYTES) corrupt(what, 'has a damaged table of contents');
  const key = await keys.aead(salt, 'pack');
  let plain: Uint8Array;
  try {
    plain = await keys.suite.open(key, nonce(0xffffffff, true), bytes.subarray(start, bytes.length - 4), head);
  } catch (e) {
    if (e instanceof AuthenticationError) corrupt(what, 'has a damaged table of contents');
    throw e;
  }
  try {
    const r = new ByteReader(plain);
    const segments: SegmentEntry[] = [];
    const ns = r.u32();
    if (ns * SEGMENT_BYTES > r.remaining) corrupt(what, 'has a damaged table of contents');
    for (let i = 0; i < ns; i++) segments.push({ offset: r.u32(), length: r.u32(), rawLength: r.u32(), codec: r.u8() });
    const n = r.u32();
    if (n * ENTRY_BYTES !== r.remaining) corrupt(what, 'has a damaged table of contents');
    const entries: PackEntry[] = [];
    for (let i = 0; i < n; i++) {
      const id = r.bytes(ID_BYTES).slice();
      const type = BLOB_TYPE_NAMES[r.u8()];
      if (!type) corrupt(what, 'has a damaged table of contents');
      entries.push({ id, type, segment: r.u32(), offset: r.u32(), rawLength: r.u32() });
    }
    const table = { segments, entries };
    checkTable(table, start, what);
    return table;
  } catch (e) {
    if (e instanceof RangeError) corrupt(what, 'has a damaged table of contents');
    throw e;
  }
}

/**
 * Decrypts one segment of a pack: the codec's output, to be decompressed by the caller; into `out`
 * (a view of it) when given.
 */
export async function openSegment(keys: RepoKeys, pack: Uint8Array, segment: SegmentEntry, index: number, what: string, out?: Uint8Array): Promise<Uint8Array> {
  return inSegment(keys, pack, segment, index, what, (key, nonce, sealed, aad) => {
    if (out && sealed.length - TAG_BYTES <= out.length) return openInto(keys.suite, key, nonce, sealed, aad, out).then((n) => out.subarray(0, n));
    return keys.suite.open(key, nonce, sealed, aad);
  });
}

/**
 * Authenticates a segment without keeping its bytes (for one stored as it is, being sealed is all a
 * read-back has to prove); returns their length.
 */
export async function checkSegment(keys: RepoKeys, pack: Uint8Array, segment: SegmentEntry, index: number, what: string): Promise<number> {
  return inSegment(keys, pack, segment, index, what, (key, nonce, sealed, aad) => verify(keys.suite, key, nonce, sealed, aad));
}

async function inSegment<T>(keys: RepoKeys, pack: Uint8Array, segment: SegmentEntry, index: number, what: string, fn: (key: AeadKey, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array) => Promise<T>): Promise<T> {
  const { head, salt } = packHeader(keys, pack, what);
  if (segment.offset + segment.length > pack.length) corrupt(what, 'is truncated');
  const key = await keys.aead(salt, 'pack');
  try {
    return await fn(key, nonce(index), pack.subarray(segment.offset, segment.offset + segment.length), segmentAad(head, index));
  } catch (e) {
    if (e instanceof AuthenticationError) corrupt(what, `segment ${index + 1} failed authentication (damaged)`);
    throw e;
  }
}
