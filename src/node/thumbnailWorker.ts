/**
 * The worker thread behind {@link WorkerThumbnailMaker} (src/node/thumbnails.ts), bundled as
 * dist/thumbnail-worker.js: decodes a PNG, JPEG or WebP with the @jsquash wasm codecs (squoosh's
 * builds of the png crate, mozjpeg and libwebp; the .wasm files are copied beside this bundle by
 * esbuild.mjs and compiled on first use, never fetched), reduces it by area averaging, turns it
 * as its EXIF orientation says and encodes a lossy WebP (docs/THUMBNAILS.md says why these).
 * The header is checked first (size bomb, truncation, type): no decoder sees a file it refuses.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parentPort } from 'node:worker_threads';
import pngDecode, { init as pngInit } from '@jsquash/png/decode.js';
import jpegDecode, { init as jpegInit } from '@jsquash/jpeg/decode.js';
import webpDecode, { init as webpDecInit } from '@jsquash/webp/decode.js';
import webpEncode, { init as webpEncInit } from '@jsquash/webp/encode.js';
import { isVaultError } from '../core/errors';
import { fitWithin, orient, reduce, thumbnailSource, type ThumbnailRequest } from '../core/assets/thumbnail';

export interface ThumbnailJob {
  readonly id: number;
  readonly data: Uint8Array;
  readonly request: ThumbnailRequest;
  readonly maxPixels?: number;
}

export type ThumbnailReply =
  | { readonly id: number; readonly type: 'done'; readonly data: Uint8Array; readonly width: number; readonly height: number }
  | { readonly id: number; readonly type: 'error'; readonly code: 'invalid' | 'unsupported'; readonly message: string; readonly hint: string };

/** WebP quality of thumbnails (libwebp's scale, 0–100). */
const QUALITY = 80;

// The codecs build an ImageData, which Node lacks.
const g = globalThis as Record<string, unknown>;
g.ImageData ??= class ImageData {
  constructor(
    readonly data: Uint8ClampedArray,
    readonly width: number,
    readonly height: number,
  ) {}
};

const wasmFile = (name: string) => WebAssembly.compile(readFileSync(path.join(__dirname, name)));
const once = <T>(f: () => Promise<T>) => {
  let p: Promise<T> | undefined;
  return () => (p ??= f());
};
const codecs = {
  png: once(async () => void (await pngInit(await wasmFile('thumb-png.wasm')))),
  jpeg: once(async () => void (await jpegInit(await wasmFile('thumb-jpeg-dec.wasm')))),
  webpDec: once(async () => void (await webpDecInit(await wasmFile('thumb-webp-dec.wasm')))),
  // Node 20 has wasm SIMD: @jsquash/webp then loads its SIMD encoder, whose module this is.
  webpEnc: once(async () => void (await webpEncInit(await wasmFile('thumb-webp-enc.wasm')))),
};

interface Pixels {
  readonly data: Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
}

async function decode(data: Uint8Array, mime: string): Promise<Pixels> {
  const copy = data.slice().buffer;
  if (mime === 'image/png') {
    await codecs.png();
    return pngDecode(copy);
  }
  if (mime === 'image/jpeg') {
    await codecs.jpeg();
    // As stored: the orientation is applied after the reduction (fewer pixels to turn).
    return jpegDecode(copy, { preserveOrientation: false });
  }
  await codecs.webpDec();
  return webpDecode(copy);
}

async function make(job: ThumbnailJob): Promise<Extract<ThumbnailReply, { type: 'done' }>> {
  const info = thumbnailSource(job.data, undefined, job.maxPixels);
  let image: Pixels;
  try {
    image = await decode(job.data, info.mime);
  } catch (e) {
    throw new DecodeError(info.mime, e);
  }
  if (image.width !== info.width || image.height !== info.height) throw new DecodeError(info.mime, `decoded ${image.width} × ${image.height}, header said ${info.width} × ${info.height}`);
  const fit = fitWithin(image.width, image.height, job.request.size);
  const small = reduce(image.data, image.width, image.height, fit.width, fit.height);
  const turned = orient(small, fit.width, fit.height, job.request.orientation);
  await codecs.webpEnc();
  const webp = new Uint8Array(await webpEncode({ data: turned.data, width: turned.width, height: turned.height, colorSpace: 'srgb' } as ImageData, { quality: QUALITY }));
  return { id: job.id, type: 'done', data: webp, width: turned.width, height: turned.height };
}

class DecodeError extends Error {
  constructor(
    readonly mime: string,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

parentPort?.on('message', (job: ThumbnailJob) => {
  make(job).then(
    (r) => parentPort!.postMessage(r, [r.data.buffer as ArrayBuffer]),
    (e: unknown) => {
      let reply: ThumbnailReply;
      if (isVaultError(e)) reply = { id: job.id, type: 'error', code: e.code === 'unsupported' ? 'unsupported' : 'invalid', message: e.message, hint: e.userMessage };
      else {
        const kind = e instanceof DecodeError ? e.mime.replace('image/', '').toUpperCase() : 'image';
        const detail = e instanceof Error ? e.message : String(e);
        reply = { id: job.id, type: 'error', code: 'invalid', message: `${kind} decoding failed: ${detail}`, hint: `This ${kind} cannot be drawn: its decoder refused it (${detail}).` };
      }
      parentPort!.postMessage(reply);
    },
  );
});
