/**
 * Durations of sounds from their headers (src/core/assets/audio.ts). There are no audio fixtures:
 * every file here is built byte by byte from the formats' specifications, written down below —
 * WAV: the RIFF `fmt `/`fact`/`data` chunks of Microsoft/IBM's "Multimedia Programming Interface and
 * Data Specifications 1.0"; MP3: the frame header of ISO/IEC 11172-3 §2.4.1.3 (and 13818-3 for
 * MPEG-2), the Xing/Info and VBRI headers, ID3v2.4 §3.1 and ID3v1; Ogg: RFC 3533 §6 (page header,
 * lacing, CRC-32 with polynomial 0x04c11db7), the Vorbis I identification header (§4.2.2), and
 * RFC 7845 §5.1 (OpusHead; granule positions at 48 kHz minus the pre-skip); FLAC: RFC 9639 §8.2
 * (STREAMINFO). Each format also gets damaged, truncated and lying variants: they give no duration
 * (or nothing), never a throw.
 */
import * as assert from 'node:assert/strict';
import { AUDIO_WINDOW, MAX_AUDIO_SECONDS, audioInfoOf, readAudioInfo, type ByteSource } from '../../src/core/assets/audio';
import { sniff } from '../../src/core/files/sniff';

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
const le16 = (n: number) => [n & 255, (n >>> 8) & 255];
const le32 = (n: number) => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255];
const be32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const bytes = (...parts: (number[] | Uint8Array)[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const zeros = (n: number) => new Array<number>(n).fill(0);

// ---- WAV -----------------------------------------------------------------------------------------

/** A RIFF chunk: id, little-endian length, body, a pad byte when the length is odd. */
const chunk = (id: string, body: number[], declared = body.length) => [...ascii(id), ...le32(declared), ...body, ...(body.length & 1 ? [0] : [])];
/** `fmt ` of WAVEFORMAT: format tag, channels, samples per second, average bytes per second, block align, bits per sample. */
const fmt = (o: { format?: number; channels?: number; rate?: number; bits?: number; byteRate?: number } = {}) => {
  const { format = 1, channels = 1, rate = 8000, bits = 8 } = o;
  const block = (channels * bits) / 8;
  return chunk('fmt ', [...le16(format), ...le16(channels), ...le32(rate), ...le32(o.byteRate ?? rate * block), ...le16(block), ...le16(bits)]);
};
function wav(chunks: number[][]): Uint8Array {
  const body = chunks.flat();
  return bytes(ascii('RIFF'), le32(4 + body.length), ascii('WAVE'), body);
}

// ---- MP3 -----------------------------------------------------------------------------------------

/** MPEG-1 Layer III, no CRC, 128 kbit/s, 44.1 kHz, no padding, stereo: 144 × 128000 / 44100 = 417 bytes, 1152 samples. */
const MPEG1_L3_128 = [0xff, 0xfb, 0x90, 0x00];
const FRAME1 = 417;
/** MPEG-2 Layer III, no CRC, 64 kbit/s, 22.05 kHz, mono: 72 × 64000 / 22050 = 208 bytes, 576 samples. */
const MPEG2_L3_64_MONO = [0xff, 0xf3, 0x80, 0xc0];
const FRAME2 = 208;
const frame = (header: number[], length: number, body: number[] = []) => [...header, ...body, ...zeros(length - header.length - body.length)];
const frames = (header: number[], length: number, n: number) => new Array<number[]>(n).fill(frame(header, length)).flat();
/** An ID3v2.4 tag with `size` bytes of body (a syncsafe size: 7 bits a byte). */
const id3v2 = (size: number) => [...ascii('ID3'), 4, 0, 0, (size >> 21) & 127, (size >> 14) & 127, (size >> 7) & 127, size & 127, ...zeros(size)];
const id3v1 = () => [...ascii('TAG'), ...zeros(125)];
/** The Xing header after the side information (32 bytes for MPEG-1 stereo, 9 for MPEG-2 mono): flags 1 = frame count. */
const xing = (side: number, count: number, tag = 'Xing') => [...zeros(side), ...ascii(tag), ...be32(0x1), ...be32(count)];
/** VBRI, 32 bytes after the header: id, version, delay, quality, bytes, frames. */
const vbri = (count: number, totalBytes: number) => [...zeros(32), ...ascii('VBRI'), 0, 1, 0, 0, 0, 75, ...be32(totalBytes), ...be32(count)];

// ---- Ogg -----------------------------------------------------------------------------------------

/** RFC 3533 §6: CRC-32, polynomial 0x04c11db7, initial 0, MSB first, over the page with its CRC field zero. */
function oggCrc(page: number[]): number {
  let c = 0;
  for (const b of page) {
    c = (c ^ (b << 24)) >>> 0;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? ((c << 1) ^ 0x04c11db7) >>> 0 : (c << 1) >>> 0;
  }
  return c;
}
interface PageOptions {
  readonly flags?: number;
  /** Low and high 32 bits; [-1, -1] is "no packet ends here". */
  readonly granule: readonly [number, number];
  readonly serial?: number;
  readonly seq: number;
  readonly packets: readonly number[][];
}
function page(o: PageOptions): number[] {
  const lacing = o.packets.flatMap((p) => [...new Array<number>(Math.floor(p.length / 255)).fill(255), p.length % 255]);
  const head = [...ascii('OggS'), 0, o.flags ?? 0, ...le32(o.granule[0]), ...le32(o.granule[1]), ...le32(o.serial ?? 0x1234), ...le32(o.seq), 0, 0, 0, 0, lacing.length, ...lacing];
  const whole = [...head, ...o.packets.flat()];
  whole.splice(22, 4, ...le32(oggCrc(whole)));
  return whole;
}
/** Vorbis identification header: type 1, "vorbis", version 0, channels, rate, three bitrates, block sizes, framing bit. */
const vorbisId = (rate: number, channels = 2) => [1, ...ascii('vorbis'), ...le32(0), channels, ...le32(rate), ...le32(0), ...le32(128000), ...le32(0), 0xb8, 1];
/** OpusHead: version 1, channels, pre-skip, input sample rate, output gain, mapping family 0. */
const opusHead = (preSkip: number, channels = 2, inputRate = 44100) => [...ascii('OpusHead'), 1, channels, ...le16(preSkip), ...le32(inputRate), 0, 0, 0];
const audioPacket = (n: number, fill = 0x55) => new Array<number>(n).fill(fill);

// ---- FLAC ----------------------------------------------------------------------------------------

/** "fLaC", a last-metadata-block header of type 0 (STREAMINFO) and 34 bytes, and STREAMINFO itself. */
function flac(o: { rate: number; channels?: number; bits?: number; total: bigint; length?: number }): Uint8Array {
  const packed = (BigInt(o.rate) << 44n) | (BigInt((o.channels ?? 2) - 1) << 41n) | (BigInt((o.bits ?? 16) - 1) << 36n) | o.total;
  const eight = [...new Array<number>(8)].map((_, i) => Number((packed >> BigInt(56 - 8 * i)) & 255n));
  const info = [0x10, 0x00, 0x10, 0x00, 0, 0, 14, 0, 0x20, 0, ...eight, ...zeros(16)];
  return bytes(ascii('fLaC'), [0x80, 0, 0, o.length ?? 34], info, zeros(64));
}

/** A file of `size` bytes that is all zeros but for `head` at 0 and `tail` at its end, counting what is read. */
function virtualFile(size: number, head: Uint8Array, tail: Uint8Array = new Uint8Array()) {
  const reads: [number, number][] = [];
  const src: ByteSource = {
    size,
    read(at, length) {
      reads.push([at, length]);
      const end = Math.min(size, at + length);
      const out = new Uint8Array(Math.max(0, end - at));
      for (let i = 0; i < out.length; i++) {
        const p = at + i;
        out[i] = p < head.length ? head[p]! : p >= size - tail.length ? tail[p - (size - tail.length)]! : 0;
      }
      return out;
    },
  };
  return { src, reads };
}

describe('core/assets: the duration of a sound from its headers', () => {
  describe('WAV', () => {
    it('divides the data by the bytes per second (PCM), past other chunks and their pad bytes', () => {
      const w = wav([fmt({ rate: 8000 }), chunk('LIST', ascii('INFOISFT')), chunk('junk', [1, 2, 3]), chunk('data', zeros(20_000))]);
      assert.deepEqual(audioInfoOf(w), { mime: 'audio/wav', codec: 'pcm', sampleRate: 8000, channels: 1, duration: 2.5 });
      const stereo16 = wav([fmt({ rate: 44100, channels: 2, bits: 16 }), chunk('data', zeros(44100 * 4 * 0.5))]);
      assert.equal(audioInfoOf(stereo16)?.duration, 0.5);
      assert.deepEqual(sniff(w), { mime: 'audio/wav', asset_type: 'audio' });
    });

    it('uses the fact chunk of a compressed WAV (samples ÷ rate)', () => {
      const adpcm = wav([fmt({ format: 0x11, rate: 22050, bits: 4, byteRate: 11100 }), chunk('fact', le32(22050 * 3)), chunk('data', zeros(1000))]);
      assert.equal(audioInfoOf(adpcm)?.duration, 3);
      assert.equal(audioInfoOf(adpcm)?.codec, 'wav');
    });

    it('counts only the bytes there are when the file is cut short, and the rest of the file for a streamed size', () => {
      const cut = wav([fmt(), chunk('data', zeros(8000), 80_000)]);
      assert.equal(audioInfoOf(cut)?.duration, 1);
      const streamed = wav([fmt(), chunk('data', zeros(4000), 0xffffffff)]);
      assert.equal(audioInfoOf(streamed)?.duration, 0.5);
      assert.equal(audioInfoOf(wav([fmt(), chunk('data', [128, 128])]))?.duration, undefined, '0.25 ms rounds to 0: none (the schema wants more than 0)');
      assert.equal(audioInfoOf(wav([fmt(), chunk('data', zeros(8))]))?.duration, 0.001);
    });

    it('gives no duration for a missing fmt, zero rates, a lying chunk size, or a header cut inside', () => {
      assert.equal(audioInfoOf(wav([chunk('data', zeros(100))]))?.duration, undefined);
      assert.equal(audioInfoOf(wav([fmt({ byteRate: 0 }), chunk('data', zeros(100))]))?.duration, undefined);
      assert.equal(audioInfoOf(wav([fmt({ rate: 0 }), chunk('data', zeros(100))]))?.duration, undefined);
      const liar = wav([fmt(), chunk('LIST', [1, 2, 3, 4], 0xfffffff0), chunk('data', zeros(100))]);
      assert.equal(audioInfoOf(liar)?.duration, undefined, 'the chunk claims 4 GB: data is never found');
      const slow = virtualFile(1_000_044, wav([fmt({ byteRate: 1 }), chunk('data', [], 1_000_000)]));
      assert.equal(readAudioInfo(slow.src)?.duration, undefined, '11 days at 1 byte/s: not believed');
      const whole = wav([fmt(), chunk('data', zeros(800))]);
      for (const n of [0, 4, 12, 20, 30, 40, 44]) assert.doesNotThrow(() => audioInfoOf(whole.subarray(0, n)), `cut at ${n}`);
      assert.equal(audioInfoOf(whole.subarray(0, 30))?.duration, undefined);
    });
  });

  describe('MP3', () => {
    it('estimates a constant-bitrate file from its size, past an ID3v2 tag and without the ID3v1 tag', () => {
      const cbr = bytes(frames(MPEG1_L3_128, FRAME1, 100));
      assert.deepEqual(audioInfoOf(cbr), { mime: 'audio/mpeg', codec: 'mp3', sampleRate: 44100, channels: 2, duration: 2.606 }); // 41700 × 8 / 128000
      const tagged = bytes(id3v2(5000), frames(MPEG1_L3_128, FRAME1, 100), id3v1());
      assert.equal(audioInfoOf(tagged)?.duration, 2.606);
      assert.deepEqual(sniff(tagged), { mime: 'audio/mpeg', asset_type: 'audio' });
    });

    it('reads the frame count of a Xing/Info header (MPEG-1 stereo and MPEG-2 mono side information)', () => {
      const vbr = bytes(frame(MPEG1_L3_128, FRAME1, xing(32, 300)), frames(MPEG1_L3_128, FRAME1, 300));
      assert.equal(audioInfoOf(vbr)?.duration, 7.837); // 300 × 1152 / 44100
      const info = bytes(id3v2(100), frame(MPEG1_L3_128, FRAME1, xing(32, 300, 'Info')), frames(MPEG1_L3_128, FRAME1, 300));
      assert.equal(audioInfoOf(info)?.duration, 7.837);
      const mono2 = bytes(frame(MPEG2_L3_64_MONO, FRAME2, xing(9, 100)), frames(MPEG2_L3_64_MONO, FRAME2, 100));
      assert.deepEqual(audioInfoOf(mono2), { mime: 'audio/mpeg', codec: 'mp3', sampleRate: 22050, channels: 1, duration: 2.612 }); // 100 × 576 / 22050
    });

    it('reads the frame count of a VBRI header', () => {
      const v = bytes(frame(MPEG1_L3_128, FRAME1, vbri(200, 200 * FRAME1)), frames(MPEG1_L3_128, FRAME1, 200));
      assert.equal(audioInfoOf(v)?.duration, 5.224); // 200 × 1152 / 44100
    });

    it('does not believe a frame count the file has no room for, and gives nothing for junk or a broken ID3 size', () => {
      const liar = bytes(frame(MPEG1_L3_128, FRAME1, xing(32, 0xffffffff)), frames(MPEG1_L3_128, FRAME1, 10));
      assert.deepEqual(audioInfoOf(liar), { mime: 'audio/mpeg', codec: 'mp3', sampleRate: 44100, channels: 2 });
      assert.equal(audioInfoOf(bytes(frame(MPEG1_L3_128, FRAME1, vbri(1_000_000, 1)), frames(MPEG1_L3_128, FRAME1, 3)))?.duration, undefined);
      assert.equal(audioInfoOf(bytes([0xff, 0xfb, 0xf0, 0x00], zeros(500))), undefined, 'bitrate index 15 is "bad"');
      assert.equal(audioInfoOf(bytes([0xff, 0xfb, 0x90, 0x00], zeros(500), [0x12, 0x34])), undefined, 'a header whose next frame is no header');
      assert.equal(audioInfoOf(bytes(ascii('ID3'), [4, 0, 0, 0x80, 0, 0, 0], frames(MPEG1_L3_128, FRAME1, 3))), undefined, 'a size byte over 0x7f');
      assert.equal(audioInfoOf(bytes(id3v2(0), [0], zeros(10))), undefined, 'a tag and nothing after it');
      assert.equal(audioInfoOf(bytes(ascii('ID3'), [4, 0, 0, 0x7f, 0x7f, 0x7f, 0x7f])), undefined, 'a tag claiming 256 MB of a 10-byte file');
      const whole = bytes(frame(MPEG1_L3_128, FRAME1, xing(32, 300)), frames(MPEG1_L3_128, FRAME1, 300));
      for (const n of [1, 3, 4, 20, 40, 48, 417]) assert.doesNotThrow(() => audioInfoOf(whole.subarray(0, n)), `cut at ${n}`);
      assert.equal(audioInfoOf(whole.subarray(0, 40))?.duration, undefined, 'cut inside the Xing header, shorter than a frame: no duration');
    });
  });

  describe('Ogg', () => {
    const vorbis = (last: [number, number], pages: number[][] = []) =>
      bytes(
        page({ flags: 0x02, granule: [0, 0], seq: 0, packets: [vorbisId(44100)] }),
        page({ granule: [0, 0], seq: 1, packets: [audioPacket(300, 3)] }),
        ...pages,
        page({ flags: 0x04, granule: last, seq: 9, packets: [audioPacket(200)] }),
      );

    it('divides the last granule position by the Vorbis sample rate', () => {
      const v = vorbis([44100 * 3 + 22050, 0]);
      assert.deepEqual(audioInfoOf(v), { mime: 'audio/ogg', codec: 'vorbis', sampleRate: 44100, channels: 2, duration: 3.5 });
      assert.deepEqual(sniff(v), { mime: 'audio/ogg', asset_type: 'audio' });
    });

    it('counts Opus at 48 kHz less the pre-skip, whatever the input rate', () => {
      const o = bytes(
        page({ flags: 0x02, granule: [0, 0], seq: 0, packets: [opusHead(312)] }),
        page({ granule: [0, 0], seq: 1, packets: [ascii('OpusTags'), ...[]] }),
        page({ granule: [48000 + 312, 0], seq: 2, packets: [audioPacket(600)] }),
        page({ flags: 0x04, granule: [96000 + 312, 0], seq: 3, packets: [audioPacket(100)] }),
      );
      assert.deepEqual(audioInfoOf(o), { mime: 'audio/ogg', codec: 'opus', sampleRate: 44100, channels: 2, duration: 2 });
    });

    it('skips pages where no packet ends, pages of other streams, a damaged or cut last page', () => {
      const mid = page({ granule: [44100, 0], seq: 2, packets: [audioPacket(100)] });
      const open = page({ granule: [0xffffffff, 0xffffffff], seq: 3, packets: [audioPacket(255 * 2)] });
      const other = page({ granule: [44100 * 100, 0], serial: 0x9999, seq: 4, packets: [audioPacket(50)] });
      const noEnd = bytes(page({ flags: 0x02, granule: [0, 0], seq: 0, packets: [vorbisId(44100)] }), mid, open, other);
      assert.equal(audioInfoOf(noEnd)?.duration, 1, 'the last page with a granule position, of this stream');
      const good = vorbis([44100 * 5, 0], [mid]);
      const damaged = good.slice();
      damaged[damaged.length - 1]! ^= 0xff; // the last page's CRC no longer holds
      assert.equal(audioInfoOf(damaged)?.duration, 1, 'the damaged page is not believed; the one before is');
      assert.equal(audioInfoOf(good.subarray(0, good.length - 10))?.duration, 1, 'a cut page is not read');
    });

    it('gives no duration for an absurd granule, a damaged first page or an unknown codec, and never throws', () => {
      assert.equal(audioInfoOf(vorbis([0, 0x00300000]))?.duration, undefined, 'beyond 2^53');
      assert.equal(audioInfoOf(vorbis([0xfffffff0, 0x0000ffff]))?.duration, undefined, 'ages, not a recording');
      const v = vorbis([44100, 0]);
      const bad = v.slice();
      bad[30]! ^= 1;
      assert.equal(audioInfoOf(bad), undefined, 'the first page fails its CRC');
      assert.equal(audioInfoOf(bytes(page({ flags: 0x02, granule: [0, 0], seq: 0, packets: [ascii('Speex   ')] }), page({ granule: [800, 0], seq: 1, packets: [[1]] }))), undefined);
      assert.deepEqual(audioInfoOf(bytes(page({ flags: 0x02, granule: [0, 0], seq: 0, packets: [vorbisId(0)] }))), { mime: 'audio/ogg', codec: 'vorbis', channels: 2 });
      for (let n = 0; n < 80; n += 7) assert.doesNotThrow(() => audioInfoOf(v.subarray(0, n)), `cut at ${n}`);
      // A tail of 2,000 page headers of this stream that all fail their checksum: a few are checked, then none is believed.
      const bogus = page({ granule: [44100 * 9, 0], seq: 5, packets: [audioPacket(4)] });
      bogus[22]! ^= 0xff;
      const many = bytes(v, ...new Array<number[]>(2000).fill(bogus));
      assert.equal(audioInfoOf(many)?.duration, undefined);
    });
  });

  describe('FLAC', () => {
    it('divides the total samples of STREAMINFO by its rate, also after an ID3v2 tag', () => {
      const f = flac({ rate: 44100, total: 176_400n });
      assert.deepEqual(audioInfoOf(f), { mime: 'audio/flac', codec: 'flac', sampleRate: 44100, channels: 2, duration: 4 });
      assert.deepEqual(sniff(f), { mime: 'audio/flac', asset_type: 'audio' });
      assert.equal(audioInfoOf(bytes(id3v2(300), flac({ rate: 96000, channels: 6, bits: 24, total: 96000n * 61n })))?.duration, 61);
    });

    it('gives no duration for unknown totals, a zero rate, a STREAMINFO of the wrong size, a lie, or a cut header', () => {
      assert.equal(audioInfoOf(flac({ rate: 44100, total: 0n }))?.duration, undefined);
      assert.equal(audioInfoOf(flac({ rate: 0, total: 1000n }))?.duration, undefined);
      assert.equal(audioInfoOf(flac({ rate: 44100, total: 1000n, length: 33 }))?.duration, undefined);
      assert.equal(audioInfoOf(flac({ rate: 1, total: (1n << 36n) - 1n }))?.duration, undefined, '2,000 years');
      const f = flac({ rate: 44100, total: 176_400n });
      for (const n of [4, 8, 20, 41]) {
        assert.doesNotThrow(() => audioInfoOf(f.subarray(0, n)));
        assert.equal(audioInfoOf(f.subarray(0, n))?.duration, undefined, `cut at ${n}`);
      }
    });
  });

  it('reads a few bounded windows of a 1 GB file, never the whole of it', () => {
    const header = wav([fmt({ rate: 44100, channels: 2, bits: 16 }), chunk('data', [], 1e9 - 44)]);
    const { src, reads } = virtualFile(1e9, header);
    assert.equal(readAudioInfo(src)?.duration, 5668.934); // 999,999,956 bytes ÷ 176,400
    assert.ok(reads.length <= 8 && reads.every(([, n]) => n <= AUDIO_WINDOW), JSON.stringify(reads));
    const mp3 = virtualFile(1e9, bytes(id3v2(10), frames(MPEG1_L3_128, FRAME1, 4)), bytes(frames(MPEG1_L3_128, FRAME1, 2)));
    assert.equal(readAudioInfo(mp3.src)?.duration, 62_499.999); // CBR over the whole size: (1e9 − 20) × 8 / 128000
    assert.ok(mp3.reads.length <= 8 && mp3.reads.every(([, n]) => n <= AUDIO_WINDOW));
    const week = virtualFile(MAX_AUDIO_SECONDS * 2, wav([fmt({ rate: 1, byteRate: 1 }), chunk('data', [], 0xffffffff)]));
    assert.equal(readAudioInfo(week.src)?.duration, undefined, 'two weeks: not believed');
  });

  it('says nothing of files that are no sound, and survives random bytes', () => {
    for (const f of [bytes(ascii('%PDF-1.7'), zeros(100)), bytes([0x89, 0x50, 0x4e, 0x47]), new Uint8Array(), bytes(ascii('RIFF'), le32(4), ascii('WEBP'))]) assert.equal(audioInfoOf(f), undefined);
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 255;
    for (const prefix of [ascii('RIFF'), ascii('OggS'), ascii('fLaC'), ascii('ID3'), [0xff, 0xfb]]) {
      for (let k = 0; k < 50; k++) {
        const f = bytes(prefix, prefix[0] === 0x52 ? [0, 0, 0, 0, ...ascii('WAVE')] : [], [...new Array<number>(200)].map(rand));
        assert.doesNotThrow(() => audioInfoOf(f));
        const d = audioInfoOf(f)?.duration;
        assert.ok(d === undefined || (d > 0 && d <= MAX_AUDIO_SECONDS));
      }
    }
  });
});
