// A small RGB PNG writer for the benches' generated pictures (fflate's zlib, CRC-32 per chunk).
import { zlibSync } from 'fflate';

const CRC = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  let c = 0xffffffff;
  for (let i = 4; i < 8 + body.length; i++) c = CRC[(c ^ out[i]!) & 0xff]! ^ (c >>> 8);
  v.setUint32(8 + body.length, (c ^ 0xffffffff) >>> 0);
  return out;
}

/**
 * An RGB PNG of RGBA pixels `px` (`w`×`h`, alpha dropped): rows unfiltered, or Sub-filtered as most
 * editors write them, deflated at `level`.
 */
export function encodePng(px: Uint8ClampedArray, w: number, h: number, opts: { readonly filter: 'none' | 'sub'; readonly level: 1 | 6 }): Uint8Array {
  const raw = new Uint8Array(h * (1 + w * 3));
  for (let y = 0; y < h; y++) {
    const row = y * (1 + w * 3);
    if (opts.filter === 'sub') raw[row] = 1;
    for (let x = 0; x < w; x++) {
      for (let k = 0; k < 3; k++) {
        const v = px[(y * w + x) * 4 + k]!;
        const left = opts.filter === 'sub' && x > 0 ? px[(y * w + x - 1) * 4 + k]! : 0;
        raw[row + 1 + x * 3 + k] = (v - left) & 0xff;
      }
    }
  }
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, w);
  v.setUint32(4, h);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const parts = [Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlibSync(raw, { level: opts.level })), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
