// The archive inside a portable backup: written with fflate's zipSync, read by a small reader of
// our own that trusts nothing in it. fflate's readers do not expose the central directory's
// external attributes (so a symlink cannot be told from a file) and inflate a whole entry at once
// (so a bomb is only noticed after it has filled memory); here the central directory is parsed
// with every field checked, and each entry is inflated by fflate's streaming Inflate a slice at a
// time, counting the bytes it actually produces and stopping as soon as a limit is passed.
import { Inflate, deflateSync, zipSync, type Zippable } from 'fflate';
import { createCRC32, type IHasher } from 'hash-wasm';
import { fromUtf8 } from '../bytes';
import { assertSafeRelativePath, quoteName } from '../paths';

/** Limits on what an archive may hold, counted on the bytes actually produced. */
export interface PortableLimits {
  /** Entries in the archive (files; it holds no folders). */
  readonly maxEntries: number;
  /** Bytes one entry may inflate to. */
  readonly maxEntryBytes: number;
  /** Bytes all entries together may inflate to. */
  readonly maxTotalBytes: number;
}

export const DEFAULT_PORTABLE_LIMITS: PortableLimits = {
  maxEntries: 100_000,
  maxEntryBytes: 512 * 1024 * 1024,
  maxTotalBytes: 2 * 1024 * 1024 * 1024 - 1,
};

/** One CRC-32 hasher for every entry (used synchronously from init to digest, so reads cannot mix). */
let crcHasher: Promise<IHasher> | undefined;

/** Compressed bytes handed to the inflater at a time: a deflate stream expands at most ~1032×, so one step yields ≤ 16.5 MiB. */
const INFLATE_SLICE = 16 * 1024;

/** Why an archive is refused; portable.ts turns it into the user's sentence. */
export class ArchiveRefused extends Error {
  override readonly name = 'ArchiveRefused';
}

const refuse = (why: string): never => {
  throw new ArchiveRefused(why);
};

export interface ArchiveEntry {
  readonly name: string;
  readonly data: Uint8Array;
}

/** Level 6 for text; for files, deflate only when a sample shows it pays (images and PDFs are mostly compressed already). */
function levelFor(name: string, data: Uint8Array): 0 | 6 {
  if (!name.startsWith('files/') || data.length < 1024) return 6;
  const sample = data.subarray(0, 64 * 1024);
  return deflateSync(sample, { level: 1 }).length < sample.length * 0.9 ? 6 : 0;
}

/** A ZIP of `entries` (names already checked by the caller), no folder entries, UTF-8 names. */
export function writeArchive(entries: readonly ArchiveEntry[], mtime: number): Uint8Array {
  const zippable: Zippable = {};
  for (const e of entries) zippable[e.name] = [e.data, { level: levelFor(e.name, e.data), mtime: new Date(mtime) }];
  return zipSync(zippable);
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const DOS_DIRECTORY = 0x10;
const EOCD_SIG = 0x06054b50;
const CEN_SIG = 0x02014b50;
const LOC_SIG = 0x04034b50;

interface CentralEntry {
  readonly name: string;
  readonly nameBytes: Uint8Array;
  readonly method: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localOffset: number;
}

/** The key two names collide under on a case-insensitive, normalising file system (macOS, Windows). */
export function collisionKey(name: string): string {
  return name.normalize('NFKC').toLowerCase().normalize('NFKC');
}

/**
 * Reads every entry of a ZIP archive, refusing anything our writer would not produce or that could
 * hurt: ZIP64, several disks, encryption, methods other than stored and deflate, names that are not
 * UTF-8 or not safe relative paths (`..`, absolute, drive letters, backslashes, control characters,
 * Windows reserved names), symlinks, folders and other non-files, duplicate names and names that
 * collide after NFC/NFKC normalisation or case folding, local headers that disagree with the
 * directory, overlapping or out-of-bounds entries, bytes before, between or after entries, wrong
 * CRC-32s and sizes, and more entries or bytes than `limits` allow (bytes counted as they are
 * inflated, never taken from the headers).
 */
export async function readArchive(zip: Uint8Array, limits: PortableLimits): Promise<ArchiveEntry[]> {
  const out: ArchiveEntry[] = [];
  for (const e of openArchive(zip, limits)) out.push({ name: e.name, data: await e.read() });
  return out;
}

/** An entry of an opened archive: its name and declared size, read (inflated and checked) only when asked. */
export interface LazyEntry {
  readonly name: string;
  /** The size its headers declare: reading refuses as soon as more than this comes out. */
  readonly size: number;
  /** Inflates the entry (never more than its declared size), checks its CRC-32; `maxBytes` refuses a larger declared size unread. */
  read(maxBytes?: number): Promise<Uint8Array>;
}

/**
 * Checks an archive's structure as {@link readArchive} does, without inflating anything: each
 * entry is read when the caller asks, so what a caller refuses from its name or declared size is
 * never inflated (an archive of bombs nothing refers to costs nothing).
 */
export function openArchive(zip: Uint8Array, limits: PortableLimits): LazyEntry[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);

  // End of central directory: exactly at the end of the file, after its own comment.
  if (zip.length < 22) refuse('too short to be an archive');
  let eocd = -1;
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 22 - 0xffff); at--) {
    if (u32(at) === EOCD_SIG && at + 22 + u16(at + 20) === zip.length) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) refuse('no end-of-archive record');
  const count = u16(eocd + 10);
  const cdSize = u32(eocd + 12);
  const cdOffset = u32(eocd + 16);
  if (u16(eocd + 4) !== 0 || u16(eocd + 6) !== 0 || u16(eocd + 8) !== count) refuse('spans several disks');
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) refuse('uses ZIP64, which portable backups never need');
  if (count > limits.maxEntries) refuse(`holds ${count} entries (at most ${limits.maxEntries})`);
  if (cdOffset + cdSize !== eocd) refuse('its directory is not where the end record says');

  const entries: CentralEntry[] = [];
  const keys = new Map<string, string>();
  let declaredTotal = 0;
  let at = cdOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > eocd || u32(at) !== CEN_SIG) refuse(`directory record ${i} is damaged`);
    const madeBy = u16(at + 4) >> 8;
    const flags = u16(at + 8);
    const method = u16(at + 10);
    const crc = u32(at + 16);
    const compressedSize = u32(at + 20);
    const size = u32(at + 24);
    const nameLen = u16(at + 28);
    const extraLen = u16(at + 30);
    const commentLen = u16(at + 32);
    const disk = u16(at + 34);
    const external = u32(at + 38);
    const localOffset = u32(at + 42);
    const next = at + 46 + nameLen + extraLen + commentLen;
    if (next > eocd) refuse(`directory record ${i} runs past the directory`);
    const nameBytes = zip.subarray(at + 46, at + 46 + nameLen);
    let name: string;
    try {
      name = fromUtf8(nameBytes);
    } catch {
      return refuse(`entry ${i} has a name that is not UTF-8`);
    }
    // quoteName escapes control, formatting and non-ASCII characters, so a hostile name prints safely.
    const q = quoteName(name);
    const mode = madeBy === 3 ? external >>> 16 : 0;
    if ((mode & S_IFMT) === S_IFLNK) refuse(`entry ${q} is a symbolic link`);
    if (name.endsWith('/') || (mode & S_IFMT) === S_IFDIR || (external & DOS_DIRECTORY) !== 0) refuse(`entry ${q} is a folder`);
    if ((mode & S_IFMT) !== 0 && (mode & S_IFMT) !== S_IFREG) refuse(`entry ${q} is not a regular file`);
    try {
      assertSafeRelativePath(name);
    } catch (e) {
      return refuse(`entry ${q} has an unsafe name (${e instanceof Error ? e.message.replace(/^unsafe path .*?: /, '') : String(e)})`);
    }
    if (flags & 0x0001 || flags & 0x0040 || flags & 0x2000) refuse(`entry ${q} is encrypted by the archive`);
    if (method !== 0 && method !== 8) refuse(`entry ${q} uses compression method ${method}`);
    if (method === 0 && compressedSize !== size) refuse(`entry ${q} is stored with two different sizes`);
    if (disk !== 0) refuse(`entry ${q} is on another disk`);
    if (compressedSize === 0xffffffff || size === 0xffffffff || localOffset === 0xffffffff) refuse(`entry ${q} uses ZIP64`);
    const key = collisionKey(name);
    const prior = keys.get(key);
    if (prior !== undefined) refuse(prior === name ? `the name ${q} appears twice` : `the names ${quoteName(prior)} and ${q} are the same file on Windows and macOS`);
    keys.set(key, name);
    // Declared sizes only allow an early refusal; the limits are enforced again on real output.
    if (size > limits.maxEntryBytes) refuse(`entry ${q} is larger than ${limits.maxEntryBytes} bytes`);
    declaredTotal += size;
    if (declaredTotal > limits.maxTotalBytes) refuse(`its entries add up to more than ${limits.maxTotalBytes} bytes`);
    entries.push({ name, nameBytes, method, crc, compressedSize, size, localOffset });
    at = next;
  }
  if (at !== eocd) refuse('bytes after the directory');

  // Entries must tile the space before the directory: no overlap (a "zip bomb" that reuses one
  // compressed body for many entries), no gaps, nothing prepended.
  const byOffset = [...entries].sort((a, b) => a.localOffset - b.localOffset);
  let expected = 0;
  const dataStart = new Map<CentralEntry, number>();
  for (const e of byOffset) {
    const q = quoteName(e.name);
    if (e.localOffset !== expected) refuse(e.localOffset < expected ? `entry ${q} overlaps another entry` : `unexplained bytes before entry ${q}`);
    if (e.localOffset + 30 > cdOffset || u32(e.localOffset) !== LOC_SIG) refuse(`entry ${q} has no local header`);
    const lo = e.localOffset;
    const flags = u16(lo + 6);
    const nameLen = u16(lo + 26);
    const extraLen = u16(lo + 28);
    if (u16(lo + 8) !== e.method) refuse(`entry ${q}: its headers disagree on the compression method`);
    const localName = zip.subarray(lo + 30, lo + 30 + nameLen);
    if (localName.length !== e.nameBytes.length || !localName.every((b, k) => b === e.nameBytes[k])) refuse(`entry ${q}: its headers disagree on the name`);
    if ((flags & 0x0008) === 0 && (u32(lo + 14) !== e.crc || u32(lo + 18) !== e.compressedSize || u32(lo + 22) !== e.size)) refuse(`entry ${q}: its headers disagree on the sizes`);
    const start = lo + 30 + nameLen + extraLen;
    let end = start + e.compressedSize;
    if (flags & 0x0008) end += u32(end) === 0x08074b50 ? 16 : 12; // data descriptor
    if (end > cdOffset) refuse(`entry ${q} runs past the end of the data`);
    dataStart.set(e, start);
    expected = end;
  }
  if (expected !== cdOffset) refuse('unexplained bytes before the directory');

  // Inflated when read, counting what comes out against the limits and the declared size.
  let total = 0;
  return entries.map((e): LazyEntry => ({
    name: e.name,
    size: e.size,
    read: async (maxBytes?: number) => {
      const q = quoteName(e.name);
      if (maxBytes !== undefined && e.size > maxBytes) refuse(`entry ${q} is larger than ${maxBytes} bytes`);
      const input = zip.subarray(dataStart.get(e)!, dataStart.get(e)! + e.compressedSize);
      const parts: Uint8Array[] = [];
      let produced = 0;
      const take = (chunk: Uint8Array) => {
        produced += chunk.length;
        total += chunk.length;
        // A header that lies about the size is found at the first slice beyond it, not after inflating
        // up to the limits (the declared sizes are within them, so they bind first).
        if (produced > e.size) refuse(`entry ${q} inflates to more than the ${e.size} bytes its header declares`);
        if (produced > limits.maxEntryBytes) refuse(`entry ${q} inflates to more than ${limits.maxEntryBytes} bytes`);
        if (total > limits.maxTotalBytes) refuse(`its entries inflate to more than ${limits.maxTotalBytes} bytes`);
        if (chunk.length > 0) parts.push(chunk);
      };
      if (e.method === 0) take(input);
      else {
        const inflater = new Inflate((chunk) => take(chunk));
        try {
          for (let off = 0; off < input.length; off += INFLATE_SLICE) inflater.push(input.subarray(off, Math.min(input.length, off + INFLATE_SLICE)), false);
          inflater.push(new Uint8Array(0), true);
        } catch (err) {
          if (err instanceof ArchiveRefused) throw err;
          refuse(`entry ${q} cannot be inflated (${err instanceof Error ? err.message : String(err)})`);
        }
      }
      if (produced !== e.size) refuse(`entry ${q} inflates to ${produced} bytes, not the ${e.size} its header declares`);
      const data = parts.length === 1 ? parts[0]! : new Uint8Array(produced);
      if (parts.length !== 1) {
        let o = 0;
        for (const p of parts) {
          data.set(p, o);
          o += p.length;
        }
      }
      const crc32 = await (crcHasher ??= createCRC32());
      crc32.init();
      crc32.update(data);
      if (parseInt(crc32.digest('hex'), 16) !== e.crc) refuse(`entry ${q} fails its CRC-32 check`);
      return data;
    },
  }));
}
