import { VaultError } from '../errors';
import { quoteName } from '../paths';
import { HEADER_BYTES, MAX_PIXELS, readImageInfo, type ImageInfo } from './metadata';

/**
 * Thumbnails of images (docs/THUMBNAILS.md): the port a platform implements (on Node: wasm
 * decoders in a worker thread, src/node/thumbnails.ts) and the pure pieces every implementation
 * shares — which images can be drawn, the size a thumbnail gets, the check that a file is whole
 * before a decoder sees it, the area-average reduction and the EXIF turn.
 */
export interface ThumbnailRequest {
  /** The longest side of the result, in pixels ({@link MIN_THUMBNAIL}–{@link MAX_THUMBNAIL}); smaller images are not enlarged. */
  readonly size: number;
  /** EXIF orientation 1–8 to apply (1: as stored). */
  readonly orientation: number;
  readonly mime: string;
}

export interface Thumbnail {
  readonly data: Uint8Array;
  /** Always `image/webp` here (measured choice: docs/THUMBNAILS.md). */
  readonly mime: string;
  /** On screen, after the orientation. */
  readonly width: number;
  readonly height: number;
}

/** Makes one thumbnail from the bytes of an image. Throws VaultError for bytes it cannot or will not draw. */
export interface ThumbnailMaker {
  make(bytes: Uint8Array, request: ThumbnailRequest): Promise<Thumbnail>;
  /** Ends any thread or instance it keeps warm. */
  dispose?(): Promise<void>;
}

export const MIN_THUMBNAIL = 64;
export const MAX_THUMBNAIL = 1024;
export const DEFAULT_THUMBNAIL = 256;
/** The larger preview size of the gallery. */
export const PREVIEW_THUMBNAIL = 1024;

/** The types a thumbnail can be made of (decoders exist for them). */
export const DRAWABLE = ['image/png', 'image/jpeg', 'image/webp'] as const;

export function checkSize(size: number): number {
  if (!Number.isInteger(size) || size < MIN_THUMBNAIL || size > MAX_THUMBNAIL) {
    throw new VaultError('invalid', `thumbnail size ${size}`, { hint: `A thumbnail is ${MIN_THUMBNAIL} to ${MAX_THUMBNAIL} pixels, not ${String(size)}.` });
  }
  return size;
}

/** Why this content has no thumbnail here, in words for the user; undefined when it can be drawn. */
export function notDrawable(mime: string, name?: string): VaultError | undefined {
  if ((DRAWABLE as readonly string[]).includes(mime)) return undefined;
  const what = name === undefined ? 'This file' : quoteName(name);
  const why =
    mime === 'image/svg+xml'
      ? 'SVG is drawn by the gallery (a webview), not by the command line: there is no SVG rasterizer in Campaign Vault outside it'
      : mime === 'application/pdf'
        ? 'PDF pages are drawn by the gallery (pdf.js in a webview); the command line cannot draw them without a native canvas'
        : mime.startsWith('audio/')
          ? 'a sound has no picture (the gallery shows an icon)'
          : mime === 'image/gif'
            ? 'GIF is not decoded yet'
            : `${mime} is not an image Campaign Vault decodes`;
    return new VaultError('unsupported', `no thumbnail for ${mime}`, { hint: `${what} has no thumbnail here: ${why}.` });
}

/**
 * The facts a thumbnail needs, from the header, before any decoder runs: the type, the stored
 * size and orientation. Refuses a dimension bomb ({@link MAX_PIXELS}), a damaged header, a file
 * that is not whole (cut short: a decoder would fill the rest with grey or fail in its own words),
 * and anything that is not a PNG, JPEG or WebP.
 */
export function thumbnailSource(bytes: Uint8Array, name?: string, maxPixels = MAX_PIXELS): ImageInfo & { width: number; height: number } {
  const info = readImageInfo(bytes.subarray(0, HEADER_BYTES), maxPixels);
  if (!info) throw notDrawable(bytes.length === 0 ? 'empty' : 'application/octet-stream', name)!;
  const refused = notDrawable(info.mime, name);
  if (refused) throw refused;
  if (info.width === undefined || info.height === undefined) throw damaged(info.mime, 'it has no pixel size', name);
  const cut = truncation(bytes, info.mime);
  if (cut) throw damaged(info.mime, cut, name);
  return info as ImageInfo & { width: number; height: number };
}

function damaged(mime: string, why: string, name?: string): VaultError {
  const kind = mime.replace('image/', '').toUpperCase();
  return new VaultError('invalid', `${kind}: ${why}`, { hint: `${name === undefined ? `This ${kind}` : quoteName(name)} cannot be drawn: it is damaged or truncated (${why}).` });
}

const be32 = (d: Uint8Array, i: number) => ((d[i]! << 24) >>> 0) + (d[i + 1]! << 16) + (d[i + 2]! << 8) + d[i + 3]!;
const le32 = (d: Uint8Array, i: number) => (d[i]! | (d[i + 1]! << 8) | (d[i + 2]! << 16)) + d[i + 3]! * 0x1000000;

/** Why the file is not whole, or undefined: the end every format marks is there. */
export function truncation(d: Uint8Array, mime: string): string | undefined {
  if (mime === 'image/png') {
    // Walk the chunks: each must fit, and the last is IEND.
    let at = 8;
    while (at + 12 <= d.length) {
      const len = be32(d, at);
      const type = String.fromCharCode(d[at + 4]!, d[at + 5]!, d[at + 6]!, d[at + 7]!);
      if (at + 12 + len > d.length) return `it ends inside its ${JSON.stringify(type)} chunk`;
      if (type === 'IEND') return undefined;
      at += 12 + len;
    }
    return 'it ends before its IEND chunk';
  }
  if (mime === 'image/jpeg') {
    // Past the first scan's header, the image data must be followed by an end-of-image marker.
    let at = 2;
    while (at + 4 <= d.length && d[at] === 0xff) {
      const marker = d[at + 1]!;
      if (marker === 0xff) {
        at++;
        continue;
      }
      if (marker === 0xda) break;
      at += 2 + ((d[at + 2]! << 8) | d[at + 3]!);
    }
    if (at + 4 > d.length || d[at + 1] !== 0xda) return 'it ends before its image data';
    for (let i = d.length - 2; i > at; i--) if (d[i] === 0xff && d[i + 1] === 0xd9) return undefined;
    return 'it ends inside its image data (no end-of-image marker)';
  }
  if (mime === 'image/webp') {
    const riff = le32(d, 4) + 8;
    return riff > d.length ? `it holds ${d.length} of the ${riff} bytes its header announces` : undefined;
  }
  return undefined;
}

/** The thumbnail's size as stored (before the orientation turns it): fits `size` × `size`, never enlarged. */
export function fitWithin(width: number, height: number, size: number): { width: number; height: number } {
  const scale = Math.min(1, size / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * Area-average reduction of RGBA pixels (each output pixel is the mean of the source pixels it
 * covers, whole rows and columns: exact for whole-number ratios, a box filter otherwise). One
 * pass over the source; no float image is kept.
 */
export function reduce(src: Uint8Array | Uint8ClampedArray, sw: number, sh: number, dw: number, dh: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(dw * dh * 4);
  if (dw === sw && dh === sh) {
    out.set(src.subarray(0, sw * sh * 4));
    return out;
  }
  const column = new Int32Array(sw);
  for (let x = 0; x < sw; x++) column[x] = Math.min(dw - 1, Math.floor((x * dw) / sw));
  const perColumn = new Uint32Array(dw);
  for (let x = 0; x < sw; x++) perColumn[column[x]!]!++;
  const acc = new Float64Array(dw * 4);
  let row = 0;
  let rows = 0;
  const flush = () => {
    for (let x = 0; x < dw; x++) {
      const n = perColumn[x]! * rows;
      const o = (row * dw + x) * 4;
      const a = x * 4;
      out[o] = acc[a]! / n; // a clamped array rounds
      out[o + 1] = acc[a + 1]! / n;
      out[o + 2] = acc[a + 2]! / n;
      out[o + 3] = acc[a + 3]! / n;
    }
    acc.fill(0);
    rows = 0;
  };
  for (let y = 0; y < sh; y++) {
    const target = Math.min(dh - 1, Math.floor((y * dh) / sh));
    if (target !== row) {
      flush();
      row = target;
    }
    rows++;
    let i = y * sw * 4;
    for (let x = 0; x < sw; x++, i += 4) {
      const a = column[x]! * 4;
      acc[a] = acc[a]! + src[i]!;
      acc[a + 1] = acc[a + 1]! + src[i + 1]!;
      acc[a + 2] = acc[a + 2]! + src[i + 2]!;
      acc[a + 3] = acc[a + 3]! + src[i + 3]!;
    }
  }
  flush();
  return out;
}

/**
 * Turns RGBA pixels as EXIF orientation `o` says (1: as stored; 2 mirrored; 3 half turn; 4 flipped;
 * 5 transposed; 6 quarter turn clockwise; 7 transverse; 8 quarter turn anticlockwise).
 */
export function orient(src: Uint8ClampedArray, w: number, h: number, o: number): { data: Uint8ClampedArray; width: number; height: number } {
  if (o < 2 || o > 8) return { data: src, width: w, height: h };
  const swap = o >= 5;
  const W = swap ? h : w;
  const H = swap ? w : h;
  const out = new Uint8ClampedArray(src.length);
  const s32 = new Uint32Array(src.buffer, src.byteOffset, w * h);
  const d32 = new Uint32Array(out.buffer, 0, W * H);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let X: number;
      let Y: number;
      switch (o) {
        case 2: X = w - 1 - x; Y = y; break;
        case 3: X = w - 1 - x; Y = h - 1 - y; break;
        case 4: X = x; Y = h - 1 - y; break;
        case 5: X = y; Y = x; break;
        case 6: X = h - 1 - y; Y = x; break;
        case 7: X = h - 1 - y; Y = w - 1 - x; break;
        default: X = y; Y = w - 1 - x; break; // 8
      }
      d32[Y * W + X] = s32[y * w + x]!;
    }
  }
  return { data: out, width: W, height: H };
}
