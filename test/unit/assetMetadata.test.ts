import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readImageInfo, withoutLocation } from '../../src/core/assets/metadata';
import { isVaultError } from '../../src/core/errors';

const FIXTURES = join(__dirname, '../../../test/fixtures/images');
const fixture = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, name)));
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
const be32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const le32 = (n: number) => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255];

function crc32(bytes: number[]): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

/**
 * A big-endian TIFF structure as EXIF stores it (TIFF 6.0 and EXIF 2.3, written down here from the
 * specifications): IFD0 with the orientation and a pointer to a GPS IFD that holds "N" and a latitude.
 */
function exifWithGps(orientation: number): number[] {
  const ifd0 = [0, 2, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0x88, 0x25, 0, 4, 0, 0, 0, 1, ...be32(38), 0, 0, 0, 0];
  // GPS IFD at 38: GPSLatitudeRef (1) "N", GPSLatitude (2) three rationals at 68.
  const gps = [0, 2, 0, 1, 0, 2, 0, 0, 0, 2, ...ascii('N'), 0, 0, 0, 0, 2, 0, 5, 0, 0, 0, 3, ...be32(68), 0, 0, 0, 0];
  const lat = [...be32(48), ...be32(1), ...be32(51), ...be32(1), ...be32(1234), ...be32(100)];
  return [0x4d, 0x4d, 0, 0x2a, ...be32(8), ...ifd0, ...gps, ...lat];
}

/** smile.jpg with an APP1 EXIF segment (a GPS position) right after its start of image. */
function jpegWithGps(orientation = 6): Uint8Array {
  const jpeg = fixture('smile.jpg');
  const body = [...ascii('Exif'), 0, 0, ...exifWithGps(orientation)];
  const app1 = [0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 255, ...body];
  return Uint8Array.from([...jpeg.subarray(0, 2), ...app1, ...jpeg.subarray(2)]);
}

/** The bytes from the first start-of-scan marker on: the compressed pixels. */
function scan(jpeg: Uint8Array): Uint8Array {
  for (let i = 2; i < jpeg.length - 1; i++) if (jpeg[i] === 0xff && jpeg[i + 1] === 0xda) return jpeg.subarray(i);
  throw new Error('no scan');
}

const refused = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(fn, (e: unknown) => {
    assert.ok(isVaultError(e, 'invalid'), String(e));
    assert.match((e as { userMessage: string }).userMessage, pattern);
    return true;
  });

describe('core/assets/metadata: image facts from the header, without decoding', () => {
  // Expected sizes are what `file(1)` reports for the fixtures (see test/fixtures/images/SOURCES.md).
  it('reads the pixel size of PNG, baseline and progressive JPEG, and SVG', () => {
    assert.deepEqual(readImageInfo(fixture('page-0-X0.png')), { mime: 'image/png', width: 324, height: 450, orientation: 1, hasLocation: false });
    assert.deepEqual(readImageInfo(fixture('smile.png')), { mime: 'image/png', width: 16, height: 16, orientation: 1, hasLocation: false });
    assert.deepEqual(readImageInfo(fixture('image.jpg')), { mime: 'image/jpeg', width: 300, height: 200, orientation: 1, hasLocation: false });
    assert.deepEqual(readImageInfo(fixture('texture-iran-small.jpg')), { mime: 'image/jpeg', width: 1460, height: 900, orientation: 1, hasLocation: false });
    assert.deepEqual(readImageInfo(fixture('backpack.svg')), { mime: 'image/svg+xml', width: 347, height: 366, orientation: 1, hasLocation: false, hasScript: false, hasExternalReferences: false });
  });

  it('reads GIF and WebP (lossy, lossless, extended) headers as their specifications lay them out', () => {
    assert.deepEqual(readImageInfo(Uint8Array.from([...ascii('GIF89a'), 0x40, 0x01, 0xc8, 0x00, 0, 0, 0])), { mime: 'image/gif', width: 320, height: 200, orientation: 1, hasLocation: false });
    const riff = (chunk: number[]) => Uint8Array.from([...ascii('RIFF'), ...le32(chunk.length + 4), ...ascii('WEBP'), ...chunk]);
    const vp8 = [...ascii('VP8 '), ...le32(10), 0, 0, 0, 0x9d, 0x01, 0x2a, 0x00, 0x04, 0x00, 0x03, 0, 0];
    assert.deepEqual(readImageInfo(riff(vp8)), { mime: 'image/webp', width: 1024, height: 768, orientation: 1, hasLocation: false });
    // VP8L: 14 bits of width - 1, then 14 bits of height - 1, little-endian, after the 0x2f signature.
    const bits = (4095 & 0x3fff) | ((2047 & 0x3fff) << 14);
    const vp8l = [...ascii('VP8L'), ...le32(6), 0x2f, ...le32(bits), 0, 0, 0, 0, 0, 0, 0];
    assert.deepEqual(readImageInfo(riff(vp8l)), { mime: 'image/webp', width: 4096, height: 2048, orientation: 1, hasLocation: false });
  });

  it('refuses a header that claims 100,000 × 100,000 pixels before anything decodes it', () => {
    const png = fixture('smile.png').slice();
    png.set(be32(100_000), 16);
    png.set(be32(100_000), 20);
    refused(() => readImageInfo(png), /100,000 × 100,000 pixels/);
  });

  it('refuses truncated and lying headers with a plain reason', () => {
    refused(() => readImageInfo(fixture('smile.png').subarray(0, 16)), /PNG is damaged or truncated/);
    refused(() => readImageInfo(fixture('texture-iran-small.jpg').subarray(0, 100)), /JPEG is damaged or truncated/);
    const zero = fixture('smile.png').slice();
    zero.set(be32(0), 16);
    refused(() => readImageInfo(zero), /0 × 16 pixels/);
  });

  it('is not fooled into reading a TIFF or a text file as an image', () => {
    assert.equal(readImageInfo(fixture('smile.tiff')), undefined);
    assert.equal(readImageInfo(Uint8Array.from(ascii('name: Strahd\n'))), undefined);
  });

  it('flags script and outside references in an SVG (it never runs or fetches them)', () => {
    const svg = (s: string) => readImageInfo(Uint8Array.from(Buffer.from(s)));
    assert.equal(svg('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)" viewBox="0 0 10 20"/>')?.hasScript, true);
    assert.equal(svg('<svg><script>fetch("x")</script></svg>')?.hasScript, true);
    assert.equal(svg('<svg><a href="javascript:alert(1)">x</a></svg>')?.hasScript, true);
    const external = svg('<svg viewBox="0 0 10 20"><image href="https://example.com/spy.png"/></svg>');
    assert.deepEqual([external?.hasExternalReferences, external?.width, external?.height], [true, 10, 20]);
    assert.equal(svg('<svg><style>@import url(https://x/y.css)</style></svg>')?.hasExternalReferences, true);
    assert.equal(svg('<svg><use href="#local"/><rect fill="url(#grad)"/></svg>')?.hasExternalReferences, false);
  });

  it('finds a GPS position and the orientation in a JPEG, and a copy without the position keeps orientation and pixels', () => {
    const photo = jpegWithGps(6);
    assert.deepEqual(readImageInfo(photo), { mime: 'image/jpeg', width: 16, height: 16, orientation: 6, hasLocation: true });
    const clean = withoutLocation(photo);
    assert.deepEqual(readImageInfo(clean), { mime: 'image/jpeg', width: 16, height: 16, orientation: 6, hasLocation: false });
    assert.deepEqual(scan(clean), scan(photo), 'the compressed pixels are untouched');
    assert.ok(!Buffer.from(clean).includes(Buffer.from(be32(1234))), 'the latitude is gone');
    assert.deepEqual(withoutLocation(fixture('smile.png')), fixture('smile.png'), 'nothing to remove: the same bytes');
  });

  it('finds and removes the eXIf chunk of a PNG and the EXIF chunk of a WebP', () => {
    const png = fixture('smile.png');
    const exif = exifWithGps(1);
    const chunk = [...be32(exif.length), ...ascii('eXIf'), ...exif];
    const withExif = Uint8Array.from([...png.subarray(0, 33), ...chunk, ...be32(crc32(chunk.slice(4))), ...png.subarray(33)]);
    assert.equal(readImageInfo(withExif)?.hasLocation, true);
    const cleanPng = withoutLocation(withExif);
    assert.deepEqual(cleanPng, png, 'exactly the original PNG again');

    const vp8x = [...ascii('VP8X'), ...le32(10), 0x08, 0, 0, 0, ...[63, 0, 0], ...[31, 0, 0]];
    const exifChunk = [...ascii('EXIF'), ...le32(exif.length), ...exif, ...(exif.length & 1 ? [0] : [])];
    const body = [...ascii('WEBP'), ...vp8x, ...exifChunk];
    const webp = Uint8Array.from([...ascii('RIFF'), ...le32(body.length), ...body]);
    assert.deepEqual(readImageInfo(webp), { mime: 'image/webp', width: 64, height: 32, orientation: 1, hasLocation: true });
    const cleanWebp = withoutLocation(webp);
    assert.deepEqual(readImageInfo(cleanWebp), { mime: 'image/webp', width: 64, height: 32, orientation: 1, hasLocation: false });
    assert.equal(cleanWebp[20]! & 0x08, 0, 'the EXIF flag is cleared');
    assert.equal(new DataView(cleanWebp.buffer).getUint32(4, true), cleanWebp.length - 8, 'the RIFF size fits');
  });
});
