/**
 * The compression codecs of the backup repository (docs/COMPRESSION.md). Every stored chunk
 * records the id of the codec that made it, so a backup restores wherever its codec decodes; ids
 * are on disk and are never reused.
 *
 * New segments get zstd ({@link preferredCodec}: zstd 1.5 in WebAssembly, @bokuweb/zstd-wasm; level
 * 5 for the database, 3 for the rest), which compressing whole segments lets use its window;
 * deflate (raw RFC 1951, fflate in pure JavaScript; Node's zlib writes the same format faster,
 * src/node/codec.ts) where that WebAssembly cannot load, and for chunks compressed one by one
 * ({@link compressChunk}'s default). `none` stores data that does not compress.
 *
 * Decoding trusts nothing it reads: the output is counted as it is produced and may never exceed
 * the expected length, so a damaged or hostile chunk fails with VaultError('corrupt') instead of
 * allocating what its header claims.
 */
import { compress as zstdCompress, decompress as zstdDecompress, init as zstdInit } from '@bokuweb/zstd-wasm';
// The same module instance the package's functions use (its package.json exports only the
// functions, which always copy their output into a fresh array): compressInto and
// decompressedDigest work in its memory directly. Bundled, like the package itself.
import { Module as zstdModule } from '../../../node_modules/@bokuweb/zstd-wasm/dist/common/module';
import { Inflate, deflateSync, inflateSync } from 'fflate';
import { createXXHash128, type IHasher } from 'hash-wasm';
import { VaultError } from '../errors';

/** On-disk codec ids. Never reuse or renumber one: old backups name their chunks' codec by it. */
export const CODEC_IDS = { none: 0, deflate: 1, zstd: 2 } as const;

export interface Codec {
  readonly id: number;
  readonly name: string;
  compress(data: Uint8Array): Promise<Uint8Array>;
  /** Exactly `rawLength` bytes or VaultError('corrupt'): output counted as produced, never beyond rawLength. */
  decompress(data: Uint8Array, rawLength: number): Promise<Uint8Array>;
  /**
   * Compresses `data` into `out` (from its start) when the result takes at most `limit` bytes and
   * fits; returns its length, or `undefined` with nothing written. No fresh buffer for the output:
   * memory the caller reuses (docs/BACKUPS.md, "Speed").
   */
  compressInto?(data: Uint8Array, out: Uint8Array, limit: number): Promise<number | undefined>;
  /** {@link segmentDigest} of what {@link decompress} gives, without the decompressed bytes leaving the codec. */
  decompressedDigest?(data: Uint8Array, rawLength: number): Promise<Uint8Array>;
}

/**
 * Database chunk size in bytes: 16 KiB, a multiple of every SQLite page size up to it (512 …
 * 16384; sql.js uses 4096). Measured with the whole repository (docs/BENCHMARKS.md): 8 KiB chunks
 * did not make a one-record change's backup smaller (more chunks touched, more ids listed) and made
 * the index larger.
 */
export const DB_CHUNK_BYTES = 16 * 1024;

/** The largest chunk any codec decodes (files are cut into 1 MiB blocks; 16 MiB leaves room for
 * groups of chunks compressed together): a bound on allocation. */
export const MAX_RAW_BYTES = 16 * 1024 * 1024;

/** zstd's level for new chunks (decoding does not depend on it). */
export const ZSTD_LEVEL = 3;
/**
 * zstd's level for database segments: 5 compresses our database images to about 91 % of what
 * `zstd -3` makes of the whole file (level 3 in segments: 99-106 %), at 60-70 MB/s here instead of
 * 150; files (mostly images and PDFs, stored as they are) keep level 3.
 */
export const ZSTD_DB_LEVEL = 5;

/** Store uncompressed unless compression saves at least 1/16 (6.25 %) of the chunk (docs/COMPRESSION.md). */
const MIN_SAVING_SHIFT = 4;
/** Chunks from this size on are first judged by compressing a sample. */
const SAMPLE_FROM = 64 * 1024;
/** At least this many slices, and one per {@link SAMPLE_SPACING} bytes: a segment holds many files. */
const SAMPLE_SLICES = 4;
const SAMPLE_SLICE = 4096;
const SAMPLE_SPACING = 256 * 1024;

/** deflate's level for new chunks: zlib's default (levels 3–9 differ by under 1 % on our data). */
export const DEFLATE_LEVEL = 6;

/** Streams up to this size are inflated in one call (database chunks); larger ones in pieces. */
const SMALL_STREAM = 64 * 1024;
/** Bytes of compressed input handed to the inflater at a time. */
const INFLATE_PIECE = 1024;

const HINT = 'A piece of a backup is damaged: it does not decompress to what was stored.';

/** VaultError('corrupt') for a chunk that does not decode to what was stored. */
export function corrupt(detail: string, cause?: unknown): VaultError {
  return new VaultError('corrupt', detail, { hint: HINT, ...(cause === undefined ? {} : { cause }) });
}

/**
 * No valid chunk is much larger compressed than raw (zstd's and deflate's worst case is a few
 * bytes per block), so a longer input is damage; the bound also caps the work spent on it.
 */
export function checkSizes(codec: string, data: Uint8Array, rawLength: number): void {
  if (!Number.isSafeInteger(rawLength) || rawLength < 0 || rawLength > MAX_RAW_BYTES) throw corrupt(`${codec}: impossible raw length ${rawLength}`);
  if (data.length > rawLength + (rawLength >>> 7) + 1024) throw corrupt(`${codec}: ${data.length} stored bytes for ${rawLength} raw bytes`);
}

// ── none ──────────────────────────────────────────────────────────────────────────────────

const none: Codec = {
  id: CODEC_IDS.none,
  name: 'none',
  compress: (data) => Promise.resolve(data.slice()),
  decompress: (data, rawLength) => {
    if (!Number.isSafeInteger(rawLength) || rawLength < 0 || rawLength > MAX_RAW_BYTES || data.length !== rawLength) {
      return Promise.reject(corrupt(`none: ${data.length} stored bytes, ${rawLength} expected`));
    }
    return Promise.resolve(data.slice());
  },
};

// ── deflate (raw RFC 1951, fflate) ────────────────────────────────────────────────────────

const deflate: Codec = {
  id: CODEC_IDS.deflate,
  name: 'deflate',
  compress: (data) => Promise.resolve(deflateSync(data, { level: DEFLATE_LEVEL })),
  decompress: (data, rawLength) => {
    try {
      checkSizes('deflate', data, rawLength);
      if (data.length === 0) throw corrupt('deflate: empty stream');
      if (data.length <= SMALL_STREAM) {
        // Into a buffer of rawLength + 1 that never grows: fflate drops what does not fit, so a
        // longer output shows as rawLength + 1 bytes. The input's size bounds the work (1032:1).
        const fixed = inflateSync(data, { out: new Uint8Array(rawLength + 1) });
        if (fixed.length !== rawLength) throw corrupt(`deflate: ${fixed.length > rawLength ? 'more than ' : ''}${fixed.length} bytes, ${rawLength} expected`);
        return Promise.resolve(fixed.subarray(0, rawLength));
      }
      const out = new Uint8Array(rawLength);
      let produced = 0;
      let ended = false;
      // The streaming inflater hands over what each push produced: count it and stop at the first
      // byte beyond rawLength. Input goes in small pieces because one push inflates all it is
      // given (deflate expands at most 1032:1, so a piece yields at most about 1 MiB).
      const inflater = new Inflate((chunk, final) => {
        if (produced + chunk.length > rawLength) throw corrupt(`deflate: more than ${rawLength} bytes`);
        out.set(chunk, produced);
        produced += chunk.length;
        if (final) ended = true;
      });
      for (let off = 0; off < data.length || off === 0; off += INFLATE_PIECE) {
        inflater.push(data.subarray(off, off + INFLATE_PIECE), off + INFLATE_PIECE >= data.length);
      }
      if (!ended || produced !== rawLength) throw corrupt(`deflate: ${produced} bytes${ended ? '' : ' and no end of stream'}, ${rawLength} expected`);
      return Promise.resolve(out);
    } catch (e) {
      return Promise.reject(e instanceof VaultError ? e : corrupt(`deflate: ${String(e)}`, e));
    }
  },
};

// ── zstd (WebAssembly) ────────────────────────────────────────────────────────────────────

/**
 * zstd 1.5 compiled to WebAssembly (@bokuweb/zstd-wasm). Its `zstd.wasm` is read from beside the
 * module: node_modules when running from source and in tests, `dist/` in the bundles (esbuild.mjs
 * copies it there, as it does sql.js's). Loaded once; a host where it cannot load writes deflate.
 */
// The module is one per process, but several bundles of this code may load it (each test file is
// its own bundle): a second `init` would replace the instance under the first. So the loading is
// shared through the global object.
const LOADING = Symbol.for('campaign-vault/zstd-wasm-loading');
type Holder = { [LOADING]?: Promise<void> };

function loadZstd(): Promise<void> {
  const g = globalThis as Holder;
  g[LOADING] ??= zstdInit().catch((e: unknown) => {
    g[LOADING] = undefined;
    throw new VaultError('unsupported', `zstd wasm failed to load: ${String(e)}`, {
      cause: e,
      hint: 'This editor cannot run the zstd decompressor (WebAssembly) that these backups need.',
    });
  });
  return g[LOADING];
}

const ZSTD_MAGIC = 0xfd2fb528;

/**
 * The content size a zstd frame header declares, or a reason to refuse it: a frame we did not
 * write (no size, a dictionary, reserved bits, another magic) is damage.
 */
function zstdDeclaredSize(data: Uint8Array): number | string {
  if (data.length < 6) return 'too short for a frame header';
  const magic = (data[0]! | (data[1]! << 8) | (data[2]! << 16) | (data[3]! << 24)) >>> 0;
  if (magic !== ZSTD_MAGIC) return 'not a zstd frame';
  const fhd = data[4]!;
  const fcsFlag = fhd >>> 6;
  const singleSegment = (fhd >>> 5) & 1;
  if (fhd & 0x08) return 'reserved bit set';
  if (fhd & 0x03) return 'dictionary frames are not written by us';
  const fcsBytes = [singleSegment ? 1 : 0, 2, 4, 8][fcsFlag]!;
  if (fcsBytes === 0) return 'no content size';
  const at = 5 + (singleSegment ? 0 : 1);
  if (data.length < at + fcsBytes) return 'truncated frame header';
  let size = 0;
  for (let i = fcsBytes - 1; i >= 0; i--) size = size * 256 + data[at + i]!;
  return fcsBytes === 2 ? size + 256 : size;
}

/**
 * zstd compression the host has natively (Node's zlib from 22.15 on: VS Code's newer extension
 * hosts), the same library as the WebAssembly build and about twice as fast: the same format, so
 * every host decodes what it writes. Decoding stays with the WebAssembly build (bounded as above,
 * and hashed in place for the read-back). Must write the frame's content size.
 */
export type HostZstd = (data: Uint8Array, level: number) => Uint8Array;
let hostZstd: HostZstd | undefined;

/** Compress new zstd chunks with `compress` (the host's own zstd), or again with the WebAssembly build. */
export function useHostZstd(compress: HostZstd | undefined): void {
  hostZstd = compress;
}

function zstdAt(level: number): Codec {
  return {
    id: CODEC_IDS.zstd,
    name: 'zstd',
    async compress(data) {
      await loadZstd();
      return hostZstd ? hostZstd(data, level) : zstdCompress(data, level);
    },
    async decompress(data, rawLength) {
      checkZstdFrame(data, rawLength);
      await loadZstd();
      let out: Uint8Array;
      try {
        out = zstdDecompress(data);
      } catch (e) {
        throw corrupt(`zstd: ${String(e)}`, e);
      }
      if (out.length !== rawLength) throw corrupt(`zstd: ${out.length} bytes, ${rawLength} expected`);
      return out;
    },
    async compressInto(data, out, limit) {
      await loadZstd();
      if (hostZstd) {
        const frame = hostZstd(data, level);
        if (frame.length > limit || frame.length > out.length) return undefined;
        out.set(frame);
        return frame.length;
      }
      const bound = zstd()._ZSTD_compressBound(data.length);
      return inZstdMemory(data, bound, (z, src, dst) => {
        const n = z._ZSTD_compress(dst, bound, src, data.length, level);
        if (z._ZSTD_isError(n)) throw new Error(`zstd: compression failed (${n})`);
        if (n > limit || n > out.length) return undefined;
        out.set(z.HEAPU8.subarray(dst, dst + n));
        return n;
      });
    },
    async decompressedDigest(data, rawLength) {
      checkZstdFrame(data, rawLength);
      await loadZstd();
      const hasher = await digester();
      // Decoded into zstd's memory (exactly rawLength of room) and hashed there, all in one
      // synchronous stretch: no other job can grow that memory (which moves it) in between.
      return inZstdMemory(data, rawLength, (z, src, dst) => {
        const n = z._ZSTD_decompress(dst, rawLength, src, data.length);
        if (z._ZSTD_isError(n)) throw corrupt(`zstd: does not decode (${n})`);
        if (n !== rawLength) throw corrupt(`zstd: ${n} bytes, ${rawLength} expected`);
        return digestNow(hasher, z.HEAPU8.subarray(dst, dst + n));
      });
    },
  };
}

/** What the bundled zstd WebAssembly offers, as we use it. */
interface ZstdWasm {
  readonly HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(at: number): void;
  _ZSTD_compressBound(bytes: number): number;
  _ZSTD_compress(dst: number, capacity: number, src: number, bytes: number, level: number): number;
  _ZSTD_decompress(dst: number, capacity: number, src: number, bytes: number): number;
  _ZSTD_isError(code: number): number;
}
const zstd = (): ZstdWasm => zstdModule as ZstdWasm;

/**
 * Runs `fn` (synchronously) with `data` copied into zstd's memory and `room` bytes for its output,
 * and frees both. `HEAPU8` is read afresh: memory growth replaces it.
 */
function inZstdMemory<T>(data: Uint8Array, room: number, fn: (z: ZstdWasm, src: number, dst: number) => T): T {
  const z = zstd();
  const src = z._malloc(Math.max(1, data.length));
  const dst = z._malloc(Math.max(1, room));
  try {
    if (!src || !dst) throw new Error(`zstd: no memory for ${data.length} + ${room} bytes`);
    z.HEAPU8.set(data, src);
    return fn(z, src, dst);
  } finally {
    if (dst) z._free(dst);
    if (src) z._free(src);
  }
}

/**
 * A frame we wrote declares its content size, and exactly `rawLength`: the decoder allocates what
 * the header declares and decodes into exactly that much. Anything else is damage.
 */
function checkZstdFrame(data: Uint8Array, rawLength: number): void {
  checkSizes('zstd', data, rawLength);
  const declared = zstdDeclaredSize(data);
  if (typeof declared === 'string') throw corrupt(`zstd: ${declared}`);
  if (declared !== rawLength) throw corrupt(`zstd: frame declares ${declared} bytes, ${rawLength} expected`);
}


const zstdCodec: Codec = zstdAt(ZSTD_LEVEL);

// ── choosing ──────────────────────────────────────────────────────────────────────────────

const BY_ID: ReadonlyMap<number, Codec> = new Map([none, deflate, zstdCodec].map((c) => [c.id, c]));

export const DEFAULT_CODEC: Codec = deflate;

/** The codec new chunks get: zstd (measured in docs/COMPRESSION.md), or deflate where zstd's WebAssembly cannot load. */
export async function preferredCodec(kind: 'db' | 'other' = 'other'): Promise<Codec> {
  try {
    await loadZstd();
    return kind === 'db' ? zstdAt(ZSTD_DB_LEVEL) : zstdCodec;
  } catch {
    return deflate;
  }
}

/** The codec a stored chunk names; an id this version does not know is damage (or a newer writer). */
export function codecFor(id: number): Codec {
  const c = BY_ID.get(id);
  if (!c) throw corrupt(`unknown codec id ${id}`);
  return c;
}

/** The most bytes a compressed chunk of `raw` bytes may take to be stored compressed. */
const keepLimit = (raw: number) => raw - (raw >>> MIN_SAVING_SHIFT);
const worthIt = (raw: number, packed: number) => packed <= keepLimit(raw);

/**
 * Slices spread evenly over the chunk: at least four, and one per 256 KiB (1.6 % of the bytes). An
 * image or a PDF is incompressible throughout or not at all, but a 16 MiB segment holds hundreds
 * of them: four slices of one could all land on photographs and store a segment of PDFs as it is.
 */
function sampleOf(data: Uint8Array): Uint8Array {
  const slices = Math.max(SAMPLE_SLICES, Math.floor(data.length / SAMPLE_SPACING));
  const out = new Uint8Array(slices * SAMPLE_SLICE);
  const step = Math.floor((data.length - SAMPLE_SLICE) / (slices - 1));
  for (let i = 0; i < slices; i++) out.set(data.subarray(i * step, i * step + SAMPLE_SLICE), i * SAMPLE_SLICE);
  return out;
}

/**
 * Compresses unless that saves too little (incompressible images/PDFs): then codec none. Cheap on
 * incompressible data: chunks of 64 KiB and more are first judged by compressing samples (16 KiB,
 * or 1.6 % of a larger chunk), and stored as they are when the sample does not shrink by 1/16.
 */
export async function compressChunk(data: Uint8Array, codec: Codec = DEFAULT_CODEC): Promise<{ codec: number; bytes: Uint8Array }> {
  const r = await compressOrKeep(data, codec);
  return r.bytes === data ? { codec: r.codec, bytes: data.slice() } : r;
}

/**
 * {@link compressChunk} without the copy: data stored as it is comes back as `data` itself. With
 * `out` (at least `data.length` bytes), a codec that can write there does ({@link Codec.compressInto}),
 * and the bytes returned lie in `out`.
 */
export async function compressOrKeep(data: Uint8Array, codec: Codec = DEFAULT_CODEC, out?: Uint8Array): Promise<{ codec: number; bytes: Uint8Array }> {
  if (codec.id !== CODEC_IDS.none && data.length > 0) {
    if (data.length >= SAMPLE_FROM) {
      const sample = sampleOf(data);
      if (!worthIt(sample.length, (await codec.compress(sample)).length)) return { codec: CODEC_IDS.none, bytes: data };
    }
    if (out && codec.compressInto) {
      const n = await codec.compressInto(data, out, keepLimit(data.length));
      if (n !== undefined) return { codec: codec.id, bytes: out.subarray(0, n) };
    } else {
      const packed = await codec.compress(data);
      if (worthIt(data.length, packed.length)) return { codec: codec.id, bytes: packed };
    }
  }
  return { codec: CODEC_IDS.none, bytes: data };
}

export async function decompressChunk(codec: number, data: Uint8Array, rawLength: number): Promise<Uint8Array> {
  return codecFor(codec).decompress(data, rawLength);
}

/**
 * What a segment's bytes hash to: taken when a segment is compressed, so that reading it back can
 * check "decrypt, decompress, hash" without keeping the segment's bytes until then. XXH3-128, not a
 * cryptographic hash: the check is against faults (a codec, memory, a disk), not an adversary
 * (decryption has authenticated the stored bytes by then, and every chunk's keyed id is checked
 * when it is read), and at about 5.5 GB/s against BLAKE3's 0.8 GB/s it costs almost nothing.
 * Never stored: only the process that wrote a segment compares with it.
 */
let digestHasher: Promise<IHasher> | undefined;
export async function segmentDigest(bytes: Uint8Array): Promise<Uint8Array> {
  return digestNow(await digester(), bytes);
}

const digester = () => (digestHasher ??= createXXHash128());

/** {@link segmentDigest} with the hasher at hand: synchronous, for bytes that may move on the next await. */
function digestNow(h: IHasher, bytes: Uint8Array): Uint8Array {
  h.init();
  h.update(bytes);
  return h.digest('binary');
}

/** A segment compressed: its codec, the stored bytes, and (when compressed) the digest of its raw bytes. */
export interface CompressedSegment {
  readonly codec: number;
  readonly bytes: Uint8Array;
  /** {@link segmentDigest} of the raw bytes; only for a segment the codec changed (not `none`). */
  readonly digest?: Uint8Array;
}

/**
 * Compresses and decompresses segments for the repository: on this thread by default; the Node
 * hosts pass one that runs on worker threads (src/node/segmentWorkers.ts), so the next segment is
 * hashed and read while earlier ones compress. Same formats and checks either way.
 */
export interface SegmentCodec {
  /**
   * {@link compressOrKeep} with the codec new segments of this kind get ({@link preferredCodec}):
   * a segment stored as it is comes back as `raw` itself, so the caller must not change `raw`
   * until it is done with `bytes`. A compressed one comes with the digest of `raw`; given `out`
   * (at least `raw.length` bytes, from {@link allocate}), it may lie there instead of in fresh
   * memory. `raw` itself is never written.
   */
  compress(raw: Uint8Array, kind: 'db' | 'other', out?: Uint8Array): Promise<CompressedSegment>;
  /** {@link decompressChunk}. */
  decompress(codec: number, data: Uint8Array, rawLength: number): Promise<Uint8Array>;
  /** The {@link segmentDigest} of what `data` decompresses to (a read-back check needs no more). */
  decompressedDigest(codec: number, data: Uint8Array, rawLength: number): Promise<Uint8Array>;
  /**
   * Memory for segments that this codec reads without copying them (shared with its worker
   * threads); plain memory when not given.
   */
  allocate?(bytes: number): Uint8Array;
}

/** {@link SegmentCodec.compress} on this thread: what the workers run, too. */
export async function compressSegment(raw: Uint8Array, kind: 'db' | 'other', out?: Uint8Array): Promise<CompressedSegment> {
  const r = await compressOrKeep(raw, await preferredCodec(kind), out);
  return r.codec === CODEC_IDS.none ? r : { ...r, digest: await segmentDigest(raw) };
}

/** {@link SegmentCodec.decompressedDigest} on this thread: what the workers run, too. */
export async function decompressedDigest(codec: number, data: Uint8Array, rawLength: number): Promise<Uint8Array> {
  const c = codecFor(codec);
  return c.decompressedDigest ? c.decompressedDigest(data, rawLength) : segmentDigest(await c.decompress(data, rawLength));
}

export const inlineSegmentCodec: SegmentCodec = {
  compress: compressSegment,
  decompress: decompressChunk,
  decompressedDigest,
};
