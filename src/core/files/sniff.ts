/**
 * What kind of file a byte string is, from its first bytes ("magic numbers"), for assets added
 * without a media type: PNG, JPEG, GIF, WebP, PDF, MP3, Ogg, WAV and FLAC. Nothing else is guessed; an
 * unknown file gets no media type and the kind `other`. Sixteen bytes are enough for all of them.
 */
export type AssetType = 'image' | 'map' | 'handout' | 'pdf' | 'audio' | 'other';

export interface Sniffed {
  readonly mime: string | null;
  readonly asset_type: AssetType;
}

const startsWith = (data: Uint8Array, sig: readonly number[], at = 0) => data.length >= at + sig.length && sig.every((b, i) => data[at + i] === b);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

/** An MPEG audio frame header: 11 sync bits, a valid version and layer, a bitrate that is not "bad" or "free". */
function mpegFrame(data: Uint8Array): boolean {
  if (data.length < 4 || data[0] !== 0xff || (data[1]! & 0xe0) !== 0xe0) return false;
  const version = (data[1]! >> 3) & 3; // 1 is reserved
  const layer = (data[1]! >> 1) & 3; // 0 is reserved
  const bitrate = data[2]! >> 4; // 15 is bad
  const rate = (data[2]! >> 2) & 3; // 3 is reserved
  return version !== 1 && layer !== 0 && bitrate !== 15 && bitrate !== 0 && rate !== 3;
}

export function sniff(data: Uint8Array): Sniffed {
  if (startsWith(data, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { mime: 'image/png', asset_type: 'image' };
  if (startsWith(data, [0xff, 0xd8, 0xff])) return { mime: 'image/jpeg', asset_type: 'image' };
  if (startsWith(data, ascii('GIF87a')) || startsWith(data, ascii('GIF89a'))) return { mime: 'image/gif', asset_type: 'image' };
  if (startsWith(data, ascii('RIFF')) && startsWith(data, ascii('WEBP'), 8)) return { mime: 'image/webp', asset_type: 'image' };
  if (startsWith(data, ascii('%PDF-'))) return { mime: 'application/pdf', asset_type: 'pdf' };
  if (startsWith(data, ascii('OggS'))) return { mime: 'audio/ogg', asset_type: 'audio' };
  if (startsWith(data, ascii('RIFF')) && startsWith(data, ascii('WAVE'), 8)) return { mime: 'audio/wav', asset_type: 'audio' };
  if (startsWith(data, ascii('fLaC'))) return { mime: 'audio/flac', asset_type: 'audio' };
  if (startsWith(data, ascii('ID3')) || mpegFrame(data)) return { mime: 'audio/mpeg', asset_type: 'audio' };
  return { mime: null, asset_type: 'other' };
}
