// Small images made in the test, for what the fixtures do not hold: a photo with a GPS position
// and a decompression bomb's header. Written from the specifications (PNG, TIFF 6.0 / EXIF 2.3).
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
const be32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];

export function crc32(bytes: readonly number[]): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

/** A big-endian TIFF structure as EXIF stores it: IFD0 with the orientation and a GPS IFD holding "N" and a latitude. */
function exifWithGps(orientation: number): number[] {
  const ifd0 = [0, 2, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0x88, 0x25, 0, 4, 0, 0, 0, 1, ...be32(38), 0, 0, 0, 0];
  const gps = [0, 2, 0, 1, 0, 2, 0, 0, 0, 2, ...ascii('N'), 0, 0, 0, 0, 2, 0, 5, 0, 0, 0, 3, ...be32(68), 0, 0, 0, 0];
  const lat = [...be32(48), ...be32(1), ...be32(51), ...be32(1), ...be32(1234), ...be32(100)];
  return [0x4d, 0x4d, 0, 0x2a, ...be32(8), ...ifd0, ...gps, ...lat];
}

/** A JPEG with an APP1 EXIF segment (a GPS position) right after its start of image. */
export function jpegWithGps(jpeg: Uint8Array, orientation = 1): Uint8Array {
  const body = [...ascii('Exif'), 0, 0, ...exifWithGps(orientation)];
  const app1 = [0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 255, ...body];
  return Uint8Array.from([...jpeg.subarray(0, 2), ...app1, ...jpeg.subarray(2)]);
}

/** A PNG's signature and IHDR claiming `width` × `height` pixels, and nothing else: a bomb's header. */
export function pngHeader(width: number, height: number): Uint8Array {
  const ihdr = [...ascii('IHDR'), ...be32(width), ...be32(height), 8, 6, 0, 0, 0];
  return Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...be32(13), ...ihdr, ...be32(crc32(ihdr))]);
}
