// Placeholder until the measured codec lands (see docs/COMPRESSION.md): raw deflate via fflate.
import { deflateSync, inflateSync } from 'fflate';
import { VaultError } from '../errors';

export const CODEC_IDS = { none: 0, deflate: 1 } as const;
export const DB_CHUNK_BYTES = 16 * 1024;

export async function compressChunk(data: Uint8Array): Promise<{ codec: number; bytes: Uint8Array }> {
  const out = deflateSync(data, { level: 6 });
  return out.length < data.length - data.length / 16 ? { codec: CODEC_IDS.deflate, bytes: out } : { codec: CODEC_IDS.none, bytes: data };
}

export async function decompressChunk(codec: number, data: Uint8Array, rawLength: number): Promise<Uint8Array> {
  let out: Uint8Array;
  if (codec === CODEC_IDS.none) out = data;
  else if (codec === CODEC_IDS.deflate) {
    try {
      out = inflateSync(data, { out: new Uint8Array(rawLength) });
    } catch {
      throw new VaultError('corrupt', 'chunk does not decompress');
    }
  } else throw new VaultError('corrupt', `unknown codec ${codec}`);
  if (out.length !== rawLength) throw new VaultError('corrupt', 'chunk has the wrong length');
  return out;
}
