/**
 * Node's zlib for the deflate codec (docs/COMPRESSION.md): the same format as the core's fflate
 * codec (raw RFC 1951, id CODEC_IDS.deflate), so either decodes what the other wrote, about twice
 * as fast on the extension host and the CLI. Bombs are bounded the same way: zlib stops at
 * `maxOutputLength`, counted on the bytes it produces.
 */
import * as zlib from 'node:zlib';
import { isVaultError } from '../core/errors';
import { CODEC_IDS, DEFLATE_LEVEL, checkSizes, codecFor, corrupt, type Codec, type HostZstd } from '../core/backup/codec';

export const nodeDeflateCodec: Codec = {
  id: CODEC_IDS.deflate,
  name: 'deflate',
  compress: (data) => Promise.resolve(new Uint8Array(zlib.deflateRawSync(data, { level: DEFLATE_LEVEL }))),
  decompress: (data, rawLength) => {
    try {
      checkSizes('deflate', data, rawLength);
      if (data.length === 0) throw corrupt('deflate: empty stream');
      // One byte more than expected may be produced, so that "too long" is seen, never more.
      const out = zlib.inflateRawSync(data, { maxOutputLength: rawLength + 1 });
      if (out.length !== rawLength) throw corrupt(`deflate: ${out.length} bytes, ${rawLength} expected`);
      return Promise.resolve(new Uint8Array(out.buffer, out.byteOffset, out.length));
    } catch (e) {
      return Promise.reject(isVaultError(e) ? e : corrupt(`deflate (zlib): ${String(e)}`, e));
    }
  },
};

/** The fastest implementation on Node of the codec a stored chunk names. */
export function nodeCodecFor(id: number): Codec {
  return id === CODEC_IDS.deflate ? nodeDeflateCodec : codecFor(id);
}

/** What Node 22.15 and later add to zlib (not in the Node 20 typings this project builds with). */
interface ZlibWithZstd {
  zstdCompressSync?(data: Uint8Array, options: { params: Record<number, number>; pledgedSrcSize: number }): Buffer;
  constants: { ZSTD_c_compressionLevel?: number };
}

/**
 * Node's own zstd for compressing new backup chunks, where this Node has it (22.15 and later: the
 * extension host of newer VS Code; Node 20, as in VS Code 1.100, has none: `undefined`). The size
 * is pledged, so each frame states its content size as the repository's frames must.
 */
export function nodeHostZstd(): HostZstd | undefined {
  const z = zlib as unknown as ZlibWithZstd;
  const levelParam = z.constants.ZSTD_c_compressionLevel;
  if (typeof z.zstdCompressSync !== 'function' || levelParam === undefined) return undefined;
  const compress = z.zstdCompressSync.bind(zlib);
  return (data, level) => {
    const frame = compress(data, { params: { [levelParam]: level }, pledgedSrcSize: data.length });
    return new Uint8Array(frame.buffer, frame.byteOffset, frame.length);
  };
}
