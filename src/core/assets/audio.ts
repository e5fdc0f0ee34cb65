/**
 * How long a sound lasts, read from its headers without decoding a sample (issue 18, item 2):
 * WAV, MP3 (Xing/Info and VBRI headers, else constant bitrate), Ogg Vorbis and Ogg Opus, FLAC.
 *
 * Pure and bounded: it asks a {@link ByteSource} for a few windows of at most
 * {@link AUDIO_WINDOW} bytes (the start, the start of the audio after an ID3v2 tag, the last
 * bytes, a few RIFF chunk headers), never the whole file, so it works the same on a 1 GB file.
 * It never throws: a damaged, truncated or lying header gives no duration (or no info at all),
 * and the asset is added without one. A duration is only given when it is plausible: finite,
 * above zero, under {@link MAX_AUDIO_SECONDS}, and (for MP3 frame counts) not more frames than
 * the file has bytes for.
 *
 * Specifications: WAV — Microsoft/IBM "Multimedia Programming Interface and Data Specifications
 * 1.0" (1991), RIFF `fmt `/`fact`/`data` chunks; MP3 — ISO/IEC 11172-3 and 13818-3 frame headers
 * (with MPEG 2.5), the Xing/Info VBR header, Fraunhofer's VBRI header, ID3v2.4 §3.1 (tag size,
 * syncsafe) and ID3v1 (128 bytes, `TAG`); Ogg — RFC 3533 (pages, granule position, CRC),
 * Vorbis I specification §4.2.2 (identification header), RFC 7845 §4 and §5.1 (Opus granule at
 * 48 kHz, pre-skip); FLAC — RFC 9639 §8.2 (STREAMINFO).
 */
export interface AudioInfo {
  readonly mime: 'audio/wav' | 'audio/mpeg' | 'audio/ogg' | 'audio/flac';
  readonly codec: 'pcm' | 'wav' | 'mp1' | 'mp2' | 'mp3' | 'vorbis' | 'opus' | 'flac';
  /** Seconds, to the millisecond; undefined when the headers do not say or say something implausible. */
  readonly duration?: number;
  readonly sampleRate?: number;
  readonly channels?: number;
}

/** The bytes of a file, read in windows (fewer bytes than asked at its end). */
export interface ByteSource {
  readonly size: number;
  read(at: number, length: number): Uint8Array;
}

/** The most bytes asked for at once. */
export const AUDIO_WINDOW = 64 * 1024;
/** A week: a longer "duration" is a lie, not a recording. */
export const MAX_AUDIO_SECONDS = 7 * 24 * 3600;
/** RIFF chunks looked at before `data` (a WAV with more is not read further). */
const MAX_CHUNKS = 64;
/** Ogg pages looked at from the end for the last granule position. */
const MAX_PAGE_CHECKS = 32;
/** The smallest MPEG audio frame there is (Layer III, MPEG 2.5, 8 kbit/s at 12 kHz: 48 bytes). */
const MIN_MPEG_FRAME = 24;

export function bytesSource(data: Uint8Array): ByteSource {
  return { size: data.length, read: (at, length) => data.subarray(Math.max(0, at), Math.max(0, Math.min(data.length, at + length))) };
}

const ascii = (d: Uint8Array, at: number, n: number) => (at + n <= d.length ? String.fromCharCode(...d.subarray(at, at + n)) : '');
const be32 = (d: Uint8Array, i: number) => d[i]! * 0x1000000 + ((d[i + 1]! << 16) | (d[i + 2]! << 8) | d[i + 3]!);
const le16 = (d: Uint8Array, i: number) => d[i]! | (d[i + 1]! << 8);
const le32 = (d: Uint8Array, i: number) => (d[i]! | (d[i + 1]! << 8) | (d[i + 2]! << 16)) + d[i + 3]! * 0x1000000;

/** A duration if it is believable, in seconds to the millisecond. */
function plausible(seconds: number): number | undefined {
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_AUDIO_SECONDS) return undefined;
  const ms = Math.round(seconds * 1000);
  // Under half a millisecond is no sound to speak of (and the asset's schema wants more than 0).
  return ms > 0 ? ms / 1000 : undefined;
}

const withDuration = (info: AudioInfo, seconds: number | undefined): AudioInfo => {
  const d = seconds === undefined ? undefined : plausible(seconds);
  return d === undefined ? info : { ...info, duration: d };
};

/** What the sound's headers say, or undefined when it is none of the formats here. Never throws. */
export function readAudioInfo(src: ByteSource): AudioInfo | undefined {
  try {
    const head = src.read(0, AUDIO_WINDOW);
    if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 4) === 'WAVE') return wav(src);
    if (ascii(head, 0, 4) === 'OggS') return ogg(src, head);
    let at = 0;
    if (ascii(head, 0, 3) === 'ID3') {
      const skip = id3v2Size(head);
      if (skip === undefined) return undefined;
      at = skip;
    }
    const start = at === 0 ? head : src.read(at, AUDIO_WINDOW);
    if (ascii(start, 0, 4) === 'fLaC') return flac(start);
    return mpeg(src, at, start, at > 0);
  } catch {
    return undefined;
  }
}

/** The whole length of an ID3v2 tag (header, body, footer), or undefined for a damaged header. */
function id3v2Size(d: Uint8Array): number | undefined {
  if (d.length < 10 || d[3]! > 4 || d[3] === 0xff || d[4] === 0xff) return undefined;
  const size = [d[6]!, d[7]!, d[8]!, d[9]!];
  if (size.some((b) => b >= 0x80)) return undefined;
  const body = (size[0]! << 21) | (size[1]! << 14) | (size[2]! << 7) | size[3]!;
  return 10 + body + (d[5]! & 0x10 ? 10 : 0);
}

// ---- WAV --------------------------------------------------------------------------------------

function wav(src: ByteSource): AudioInfo | undefined {
  let fmt: { format: number; channels: number; rate: number; byteRate: number } | undefined;
  let factSamples: number | undefined;
  let at = 12;
  for (let n = 0; n < MAX_CHUNKS && at + 8 <= src.size; n++) {
    const h = src.read(at, 8 + 16);
    if (h.length < 8) break;
    const id = ascii(h, 0, 4);
    const len = le32(h, 4);
    if (id === 'fmt ' && h.length >= 24 && len >= 16) fmt = { format: le16(h, 8), channels: le16(h, 10), rate: le32(h, 12), byteRate: le32(h, 16) };
    else if (id === 'fact' && h.length >= 12 && len >= 4) factSamples = le32(h, 8);
    else if (id === 'data') {
      if (!fmt) return { mime: 'audio/wav', codec: 'wav' };
      const pcm = fmt.format === 1 || fmt.format === 3 || fmt.format === 0xfffe;
      const info: AudioInfo = { mime: 'audio/wav', codec: pcm ? 'pcm' : 'wav', ...(fmt.rate > 0 ? { sampleRate: fmt.rate } : {}), ...(fmt.channels > 0 ? { channels: fmt.channels } : {}) };
      if (fmt.channels === 0 || fmt.rate === 0) return info;
      // A streamed WAV says 0 or 0xFFFFFFFF; a truncated one claims more than there is: count what is there.
      const there = src.size - (at + 8);
      const bytes = len === 0 || len === 0xffffffff ? there : Math.min(len, there);
      if (!pcm && factSamples !== undefined && factSamples > 0) return withDuration(info, factSamples / fmt.rate);
      return fmt.byteRate > 0 ? withDuration(info, bytes / fmt.byteRate) : info;
    }
    if (len > src.size) break; // a chunk longer than the file: nothing after it to find
    at += 8 + len + (len & 1);
  }
  return fmt ? { mime: 'audio/wav', codec: fmt.format === 1 ? 'pcm' : 'wav', sampleRate: fmt.rate, channels: fmt.channels } : { mime: 'audio/wav', codec: 'wav' };
}

// ---- MP3 (MPEG-1/2/2.5 audio) -------------------------------------------------------------------

const KBPS: Record<string, readonly number[]> = {
  // [version 1 | 2 (also 2.5)][layer 1..3], index 1..14
  '1-1': [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  '1-2': [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  '1-3': [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  '2-1': [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  '2-2': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  '2-3': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const RATES: Record<number, readonly number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

interface Frame {
  /** 1, 2 or 2.5 (`2.5` shares MPEG-2's tables). */
  readonly mpeg1: boolean;
  readonly layer: 1 | 2 | 3;
  readonly kbps: number;
  readonly rate: number;
  readonly mono: boolean;
  readonly length: number;
  readonly samples: number;
}

/** The MPEG audio frame header at `i`, or undefined (free-format bitrates are not read). */
function frameAt(d: Uint8Array, i: number): Frame | undefined {
  if (i + 4 > d.length || d[i] !== 0xff || (d[i + 1]! & 0xe0) !== 0xe0) return undefined;
  const version = (d[i + 1]! >> 3) & 3;
  const layerBits = (d[i + 1]! >> 1) & 3;
  const bitrateIndex = d[i + 2]! >> 4;
  const rateIndex = (d[i + 2]! >> 2) & 3;
  if (version === 1 || layerBits === 0 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return undefined;
  const layer = (4 - layerBits) as 1 | 2 | 3;
  const mpeg1 = version === 3;
  const kbps = KBPS[`${mpeg1 ? 1 : 2}-${layer}`]![bitrateIndex]!;
  const rate = RATES[version]![rateIndex]!;
  const padding = (d[i + 2]! >> 1) & 1;
  const length = layer === 1 ? (Math.floor((12 * kbps * 1000) / rate) + padding) * 4 : Math.floor(((layer === 3 && !mpeg1 ? 72 : 144) * kbps * 1000) / rate) + padding;
  const samples = layer === 1 ? 384 : layer === 3 && !mpeg1 ? 576 : 1152;
  return { mpeg1, layer, kbps, rate, mono: d[i + 3]! >> 6 === 3, length, samples };
}

function mpeg(src: ByteSource, start: number, d: Uint8Array, tagged: boolean): AudioInfo | undefined {
  // The first frame: a header whose next frame is a header too (or the file ends there). After an
  // ID3 tag, a little junk is skipped; without one, the file must start with a frame.
  let i = -1;
  let frame: Frame | undefined;
  for (let j = 0; j + 4 <= d.length && (tagged || j === 0); j++) {
    const f = frameAt(d, j);
    if (!f) continue;
    const next = j + f.length;
    if (start + next >= src.size || next + 4 > d.length || frameAt(d, next)) {
      i = j;
      frame = f;
      break;
    }
  }
  if (!frame) return undefined;
  const info: AudioInfo = { mime: 'audio/mpeg', codec: `mp${frame.layer}` as AudioInfo['codec'], sampleRate: frame.rate, channels: frame.mono ? 1 : 2 };
  const audioStart = start + i;
  const tail = src.read(src.size - 128, 3);
  const audioBytes = src.size - audioStart - (ascii(tail, 0, 3) === 'TAG' ? 128 : 0);
  const fromFrames = (frames: number) => (frames > 0 && frames * MIN_MPEG_FRAME <= audioBytes ? withDuration(info, (frames * frame.samples) / frame.rate) : info);
  // Xing/Info: after the side information (ISO 11172-3 §2.4.1.7: 32/17 bytes for MPEG-1, 17/9 for MPEG-2).
  const side = frame.layer === 3 ? (frame.mpeg1 ? (frame.mono ? 17 : 32) : frame.mono ? 9 : 17) : 0;
  const x = i + 4 + side;
  const tag = ascii(d, x, 4);
  if ((tag === 'Xing' || tag === 'Info') && x + 12 <= d.length) {
    const flags = be32(d, x + 4);
    if (flags & 1) return fromFrames(be32(d, x + 8));
  }
  // VBRI: 32 bytes after the frame header; frames at offset 14 of it.
  const v = i + 4 + 32;
  if (ascii(d, v, 4) === 'VBRI' && v + 18 <= d.length) return fromFrames(be32(d, v + 14));
  // Constant bitrate: the bytes of audio at the first frame's bitrate (not less than one whole frame).
  return audioBytes >= frame.length ? withDuration(info, (audioBytes * 8) / (frame.kbps * 1000)) : info;
}

// ---- Ogg (Vorbis, Opus) -----------------------------------------------------------------------

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** The Ogg page checksum (RFC 3533 §6: CRC-32, polynomial 0x04c11db7, no reflection, 0 start), with its own field as zeros. */
function oggCrc(page: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < page.length; i++) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ (i >= 22 && i < 26 ? 0 : page[i]!)) & 0xff]!) >>> 0;
  return crc;
}

/** The page at `at` of `d` when it is whole and its checksum holds: its length. */
function oggPage(d: Uint8Array, at: number): number | undefined {
  if (ascii(d, at, 4) !== 'OggS' || d[at + 4] !== 0 || at + 27 > d.length) return undefined;
  const segments = d[at + 26]!;
  if (at + 27 + segments > d.length) return undefined;
  let body = 0;
  for (let s = 0; s < segments; s++) body += d[at + 27 + s]!;
  const length = 27 + segments + body;
  if (at + length > d.length) return undefined;
  return oggCrc(d.subarray(at, at + length)) === le32(d, at + 22) ? length : undefined;
}

function ogg(src: ByteSource, head: Uint8Array): AudioInfo | undefined {
  // Not a whole first page that begins a stream: no facts (the file is still Ogg by its magic).
  if (oggPage(head, 0) === undefined || !(head[5]! & 0x02)) return undefined;
  const serial = le32(head, 14);
  const packet = 27 + head[26]!;
  let rate: number;
  let preSkip = 0;
  let codec: 'vorbis' | 'opus';
  let channels: number;
  let sampleRate: number;
  if (head[packet] === 1 && ascii(head, packet + 1, 6) === 'vorbis') {
    codec = 'vorbis';
    channels = head[packet + 11]!;
    rate = sampleRate = le32(head, packet + 12);
  } else if (ascii(head, packet, 8) === 'OpusHead') {
    codec = 'opus';
    channels = head[packet + 9]!;
    preSkip = le16(head, packet + 10);
    rate = 48_000; // RFC 7845 §4: the granule position counts 48 kHz samples, whatever the input rate
    sampleRate = le32(head, packet + 12) || 48_000;
  } else {
    return undefined;
  }
  const info: AudioInfo = { mime: 'audio/ogg', codec, ...(sampleRate > 0 ? { sampleRate } : {}), ...(channels > 0 ? { channels } : {}) };
  if (rate === 0) return info;
  // The last whole page of this stream with a granule position (a page where no packet ends has -1).
  const from = Math.max(0, src.size - AUDIO_WINDOW);
  const tail = src.read(from, AUDIO_WINDOW);
  // At most MAX_PAGE_CHECKS checksums (a tail built of "OggS" every few bytes must not cost megabytes of CRC each).
  let checks = 0;
  for (let at = tail.length - 27; at >= 0; at--) {
    if (tail[at] !== 0x4f || ascii(tail, at, 4) !== 'OggS' || le32(tail, at + 14) !== serial) continue;
    if (++checks > MAX_PAGE_CHECKS) return info;
    if (oggPage(tail, at) === undefined) continue;
    const lo = le32(tail, at + 6);
    const hi = le32(tail, at + 10);
    if (hi === 0xffffffff && lo === 0xffffffff) continue;
    if (hi >= 0x200000) return info; // beyond 2^53 samples: a lie
    const granule = hi * 0x100000000 + lo;
    return granule > preSkip ? withDuration(info, (granule - preSkip) / rate) : info;
  }
  return info;
}

// ---- FLAC -------------------------------------------------------------------------------------

function flac(d: Uint8Array): AudioInfo {
  const info: AudioInfo = { mime: 'audio/flac', codec: 'flac' };
  // STREAMINFO is the first metadata block (type 0) and 34 bytes long.
  if (d.length < 8 + 34 || (d[4]! & 0x7f) !== 0 || ((d[5]! << 16) | (d[6]! << 8) | d[7]!) !== 34) return info;
  const s = 8;
  const rate = (d[s + 10]! << 12) | (d[s + 11]! << 4) | (d[s + 12]! >> 4);
  const channels = ((d[s + 12]! >> 1) & 7) + 1;
  const total = (d[s + 13]! & 0x0f) * 0x100000000 + be32(d, s + 14);
  if (rate === 0) return { ...info, channels };
  const known = { ...info, sampleRate: rate, channels };
  return total > 0 ? withDuration(known, total / rate) : known;
}

/** `audioInfo` of bytes in memory. */
export function audioInfoOf(data: Uint8Array): AudioInfo | undefined {
  return readAudioInfo(bytesSource(data));
}

/** A duration as a clock shows it: `0:07`, `3:25`, `1:02:03` (seconds rounded). */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}
