import { VaultError } from '../errors';

/**
 * What an image says about itself in its first bytes, read without decoding a pixel: type, pixel
 * size, orientation, and whether it carries a location (EXIF GPS). A header that claims more
 * pixels than {@link MAX_PIXELS} is refused here, before any decoder sees it (a PNG that claims
 * 100,000 × 100,000 is 40 GB of pixels once decoded). SVG is read as text: its size, and whether
 * it holds script or refers to anything outside itself (it is never run or fetched either way).
 */
export interface ImageInfo {
  readonly mime: 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp' | 'image/svg+xml';
  /** Pixels as stored (before the EXIF orientation turns them); undefined for an SVG without a size. */
  readonly width?: number;
  readonly height?: number;
  /** EXIF orientation 1–8 (1: as stored); 5–8 swap width and height on screen. */
  readonly orientation: number;
  /** A GPS position in the EXIF data: where a photo was taken. */
  readonly hasLocation: boolean;
  /** SVG only: `<script>`, event handlers or `javascript:` links (never run). */
  readonly hasScript?: boolean;
  /** SVG only: references to other files or the network (never fetched). */
  readonly hasExternalReferences?: boolean;
}

/** 16384 × 16384: a very large battle map still fits; a decompression bomb does not. */
export const MAX_PIXELS = 16384 * 16384;
/** Enough of the file to find the size of every format here (JPEG may put a big EXIF first). */
export const HEADER_BYTES = 256 * 1024;

const ascii = (data: Uint8Array, at: number, n: number) => String.fromCharCode(...data.subarray(at, at + n));
const be16 = (d: Uint8Array, i: number) => (d[i]! << 8) | d[i + 1]!;
const be32 = (d: Uint8Array, i: number) => ((d[i]! << 24) >>> 0) + (d[i + 1]! << 16) + (d[i + 2]! << 8) + d[i + 3]!;
const le16 = (d: Uint8Array, i: number) => d[i]! | (d[i + 1]! << 8);
const le24 = (d: Uint8Array, i: number) => d[i]! | (d[i + 1]! << 8) | (d[i + 2]! << 16);
const le32 = (d: Uint8Array, i: number) => (d[i]! | (d[i + 1]! << 8) | (d[i + 2]! << 16)) + d[i + 3]! * 0x1000000;

function damaged(what: string, why: string): VaultError {
  return new VaultError('invalid', `${what}: ${why}`, { hint: `This ${what} is damaged or truncated (${why}).` });
}

/**
 * The image's header facts, or `undefined` when the bytes are no image this reads. Throws
 * `VaultError('invalid')` for a header that is cut short or lies, and also `VaultError('invalid')`
 * for one that claims more than {@link MAX_PIXELS} (before any decoder runs).
 */
export function readImageInfo(head: Uint8Array, maxPixels = MAX_PIXELS): ImageInfo | undefined {
  const info = png(head) ?? jpeg(head) ?? gif(head) ?? webp(head) ?? svg(head);
  if (!info) return undefined;
  if (info.width !== undefined && info.height !== undefined) {
    if (info.width < 1 || info.height < 1) throw damaged('image', `it claims ${info.width} × ${info.height} pixels`);
    if (info.width * info.height > maxPixels) {
      throw new VaultError('invalid', `image of ${info.width} × ${info.height} pixels`, {
        hint: `The image claims ${info.width.toLocaleString('en')} × ${info.height.toLocaleString('en')} pixels, more than the ${Math.sqrt(maxPixels).toLocaleString('en')} × ${Math.sqrt(maxPixels).toLocaleString('en')} an asset may have; it was not decoded. Scale it down first.`,
      });
    }
  }
  return info;
}

function png(d: Uint8Array): ImageInfo | undefined {
  if (!(d.length >= 8 && d[0] === 0x89 && ascii(d, 1, 3) === 'PNG')) return undefined;
  if (d.length < 24 || ascii(d, 12, 4) !== 'IHDR') throw damaged('PNG', 'its header chunk is missing');
  let hasLocation = false;
  // eXIf may come before the image data; look through the chunks that are in the head.
  for (let at = 8; at + 8 <= d.length; ) {
    const len = be32(d, at);
    const type = ascii(d, at + 4, 4);
    if (type === 'eXIf' && at + 8 + len <= d.length) hasLocation = exif(d.subarray(at + 8, at + 8 + len)).hasLocation;
    if (type === 'IDAT' || type === 'IEND') break;
    at += 12 + len;
  }
  return { mime: 'image/png', width: be32(d, 16), height: be32(d, 20), orientation: 1, hasLocation };
}

function gif(d: Uint8Array): ImageInfo | undefined {
  if (!(d.length >= 6 && (ascii(d, 0, 6) === 'GIF87a' || ascii(d, 0, 6) === 'GIF89a'))) return undefined;
  if (d.length < 10) throw damaged('GIF', 'it ends inside its header');
  return { mime: 'image/gif', width: le16(d, 6), height: le16(d, 8), orientation: 1, hasLocation: false };
}

function webp(d: Uint8Array): ImageInfo | undefined {
  if (!(d.length >= 12 && ascii(d, 0, 4) === 'RIFF' && ascii(d, 8, 4) === 'WEBP')) return undefined;
  if (d.length < 30) throw damaged('WebP', 'it ends inside its header');
  const chunk = ascii(d, 12, 4);
  let width: number;
  let height: number;
  if (chunk === 'VP8 ') {
    if (d[23] !== 0x9d || d[24] !== 0x01 || d[25] !== 0x2a) throw damaged('WebP', 'its frame has no start code');
    width = le16(d, 26) & 0x3fff;
    height = le16(d, 28) & 0x3fff;
  } else if (chunk === 'VP8L') {
    if (d[20] !== 0x2f) throw damaged('WebP', 'its lossless header has no signature');
    const bits = le32(d, 21);
    width = (bits & 0x3fff) + 1;
    height = ((bits >>> 14) & 0x3fff) + 1;
  } else if (chunk === 'VP8X') {
    width = le24(d, 24) + 1;
    height = le24(d, 27) + 1;
  } else {
    throw damaged('WebP', `its first chunk is ${JSON.stringify(chunk)}`);
  }
  let hasLocation = false;
  let orientation = 1;
  for (let at = 12; at + 8 <= d.length; ) {
    const len = le32(d, at + 4);
    if (ascii(d, at, 4) === 'EXIF' && at + 8 + len <= d.length) ({ hasLocation, orientation } = exif(d.subarray(at + 8, at + 8 + len)));
    at += 8 + len + (len & 1);
  }
  return { mime: 'image/webp', width, height, orientation, hasLocation };
}

/** JPEG: walk the segments up to the first frame header (SOF0–SOF15 but DHT, JPG and DAC). */
function jpeg(d: Uint8Array): ImageInfo | undefined {
  if (!(d.length >= 3 && d[0] === 0xff && d[1] === 0xd8 && d[2] === 0xff)) return undefined;
  let orientation = 1;
  let hasLocation = false;
  let at = 2;
  while (at + 4 <= d.length) {
    if (d[at] !== 0xff) throw damaged('JPEG', `no segment marker at byte ${at}`);
    const marker = d[at + 1]!;
    if (marker === 0xff) {
      at++;
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) break;
    const len = be16(d, at + 2);
    if (len < 2) throw damaged('JPEG', 'a segment claims a length under 2');
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (at + 9 > d.length) break;
      return { mime: 'image/jpeg', height: be16(d, at + 5), width: be16(d, at + 7), orientation, hasLocation };
    }
    if (marker === 0xe1 && at + 2 + len <= d.length && ascii(d, at + 4, 6) === 'Exif\u0000\u0000') {
      ({ orientation, hasLocation } = exif(d.subarray(at + 10, at + 2 + len)));
    }
    at += 2 + len;
  }
  throw damaged('JPEG', 'no frame header in its first bytes');
}

/** Orientation (tag 0x0112) and the GPS IFD pointer (tag 0x8825) of IFD0 of a TIFF structure. */
function exif(t: Uint8Array): { orientation: number; hasLocation: boolean } {
  const none = { orientation: 1, hasLocation: false };
  if (t.length < 8) return none;
  const little = t[0] === 0x49 && t[1] === 0x49;
  if (!little && !(t[0] === 0x4d && t[1] === 0x4d)) return none;
  const u16 = (i: number) => (little ? le16(t, i) : be16(t, i));
  const u32 = (i: number) => (little ? le32(t, i) : be32(t, i));
  const ifd = u32(4);
  if (ifd + 2 > t.length) return none;
  const count = u16(ifd);
  let orientation = 1;
  let hasLocation = false;
  for (let i = 0; i < count && ifd + 2 + i * 12 + 12 <= t.length; i++) {
    const e = ifd + 2 + i * 12;
    const tag = u16(e);
    if (tag === 0x0112) {
      const v = u16(e + 8);
      if (v >= 1 && v <= 8) orientation = v;
    }
    if (tag === 0x8825) {
      const gps = u32(e + 8);
      // A GPS IFD with at least one entry other than the version: a position.
      if (gps + 2 <= t.length) {
        const n = u16(gps);
        for (let j = 0; j < n && gps + 2 + j * 12 + 12 <= t.length; j++) if (u16(gps + 2 + j * 12) !== 0) hasLocation = true;
      }
    }
  }
  return { orientation, hasLocation };
}

function svg(d: Uint8Array): ImageInfo | undefined {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(d.subarray(0, Math.min(d.length, HEADER_BYTES))).replace(/^\uFEFF/, '');
  const start = /^\s*(?:<\?xml[^>]*>\s*)?(?:<!--[\s\S]*?-->\s*|<!DOCTYPE[^>]*>\s*)*<svg[\s>]/i.exec(text);
  if (!start) return undefined;
  const open = /<svg\b[^>]*>/i.exec(text)?.[0] ?? '';
  const attr = (name: string) => new RegExp(`\\s${name}\\s*=\\s*["']([^"']*)["']`, 'i').exec(open)?.[1];
  const px = (v: string | undefined) => {
    const m = v ? /^\s*([0-9]*\.?[0-9]+)\s*(px)?\s*$/.exec(v) : null;
    return m ? Math.round(Number(m[1])) : undefined;
  };
  let width = px(attr('width'));
  let height = px(attr('height'));
  const box = attr('viewBox')?.trim().split(/[\s,]+/).map(Number);
  if ((width === undefined || height === undefined) && box?.length === 4 && box.every(Number.isFinite) && box[2]! > 0 && box[3]! > 0) {
    width ??= Math.round(box[2]!);
    height ??= Math.round(box[3]!);
  }
  const hasScript = /<script\b|\son[a-z]+\s*=|javascript:/i.test(text);
  const hasExternalReferences = /(?:href|src)\s*=\s*["']\s*(?!#|data:)[^"']+["']|url\(\s*["']?\s*(?!#|data:)[^)]+\)|@import|<!ENTITY[^>]+SYSTEM/i.test(text);
  return { mime: 'image/svg+xml', ...(width !== undefined ? { width } : {}), ...(height !== undefined ? { height } : {}), orientation: 1, hasLocation: false, hasScript, hasExternalReferences };
}

/**
 * A copy of the image without its location: for JPEG the EXIF and XMP segments are dropped and an
 * EXIF holding only the orientation put back (so the picture still turns the right way); for PNG
 * the `eXIf` chunk is dropped; for WebP the `EXIF` and `XMP ` chunks (and their flags). Pixels are
 * not touched. Other formats carry no EXIF and come back as they are.
 */
export function withoutLocation(data: Uint8Array): Uint8Array {
  const info = readImageInfo(data.subarray(0, HEADER_BYTES), Number.MAX_SAFE_INTEGER);
  if (!info) return data;
  if (info.mime === 'image/jpeg') return jpegWithout(data, info.orientation);
  if (info.mime === 'image/png') return pngWithout(data);
  if (info.mime === 'image/webp') return webpWithout(data);
  return data;
}

function jpegWithout(d: Uint8Array, orientation: number): Uint8Array {
  const parts: Uint8Array[] = [d.subarray(0, 2)];
  if (orientation !== 1) parts.push(orientationExif(orientation));
  let at = 2;
  while (at + 4 <= d.length && d[at] === 0xff) {
    const marker = d[at + 1]!;
    if (marker === 0xda || marker === 0xd9) break;
    const len = be16(d, at + 2);
    const isExif = marker === 0xe1 && ascii(d, at + 4, 6) === 'Exif\u0000\u0000';
    const isXmp = marker === 0xe1 && ascii(d, at + 4, 28) === 'http://ns.adobe.com/xap/1.0/';
    if (!isExif && !isXmp) parts.push(d.subarray(at, at + 2 + len));
    at += 2 + len;
  }
  parts.push(d.subarray(at));
  return concat(parts);
}

/** An APP1 EXIF segment with one IFD0 entry: the orientation. */
function orientationExif(orientation: number): Uint8Array {
  const tiff = [0x4d, 0x4d, 0, 0x2a, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0];
  const body = [...'Exif'].map((c) => c.charCodeAt(0)).concat([0, 0], tiff);
  return Uint8Array.from([0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body]);
}

function pngWithout(d: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [d.subarray(0, 8)];
  for (let at = 8; at + 12 <= d.length; ) {
    const len = be32(d, at);
    const end = Math.min(d.length, at + 12 + len);
    if (ascii(d, at + 4, 4) !== 'eXIf') parts.push(d.subarray(at, end));
    at = end;
  }
  return concat(parts);
}

function webpWithout(d: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let at = 12; at + 8 <= d.length; ) {
    const len = le32(d, at + 4);
    const end = Math.min(d.length, at + 8 + len + (len & 1));
    const type = ascii(d, at, 4);
    if (type === 'VP8X') {
      const chunk = d.slice(at, end);
      chunk[8] = chunk[8]! & ~0x0c; // the EXIF (0x08) and XMP (0x04) flags
      parts.push(chunk);
    } else if (type !== 'EXIF' && type !== 'XMP ') {
      parts.push(d.subarray(at, end));
    }
    at = end;
  }
  const body = concat(parts);
  const out = new Uint8Array(12 + body.length);
  out.set(d.subarray(0, 12));
  out.set(body, 12);
  const riff = body.length + 4;
  out[4] = riff & 0xff;
  out[5] = (riff >> 8) & 0xff;
  out[6] = (riff >> 16) & 0xff;
  out[7] = (riff >>> 24) & 0xff;
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
