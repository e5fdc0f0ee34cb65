import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { deflateSync } from 'fflate';
import {
  CODEC_IDS,
  DB_CHUNK_BYTES,
  DEFAULT_CODEC,
  MAX_RAW_BYTES,
  codecFor,
  compressChunk,
  compressOrKeep,
  decompressChunk,
  decompressedDigest,
  preferredCodec,
  segmentDigest,
  useHostZstd,
  type Codec,
} from '../../src/core/backup/codec';
import { isVaultError } from '../../src/core/errors';
import { nodeCodecFor, nodeDeflateCodec } from '../../src/node/codec';
import { loadSqlJs } from '../../src/node/sqljs';
import { nodeRandom } from '../../src/node/system';

const fixtures = path.resolve(__dirname, '../../../test/fixtures');
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(path.join(fixtures, 'codec', name)));
const named = (c: Codec, name: string): Codec => ({ id: c.id, name, compress: (d) => c.compress(d), decompress: (d, n) => c.decompress(d, n) });
/** Every codec, and Node's zlib implementation of deflate beside fflate's. */
const codecs: Codec[] = [...Object.values(CODEC_IDS).map((id) => codecFor(id)), named(nodeDeflateCodec, 'deflate (node:zlib)')];

async function rejectsCorrupt(p: Promise<unknown>, what: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => isVaultError(e, 'corrupt'), what);
}

/** A real sql.js database image holding the SRD monsters and spells as JSON text, as our vault stores entities. */
async function databaseImage(): Promise<Uint8Array> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database();
  db.exec('CREATE TABLE entities (id INTEGER PRIMARY KEY, name TEXT NOT NULL, body TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO entities (name, body) VALUES (?, ?)');
  for (const file of ['5e-SRD-Monsters.json', '5e-SRD-Spells.json']) {
    const records = JSON.parse(readFileSync(path.join(fixtures, 'srd-full', '5e-bits', file), 'utf8')) as { name: string }[];
    for (const r of records) insert.run([r.name, JSON.stringify(r)]);
  }
  insert.free();
  db.exec('CREATE INDEX entities_name ON entities (name)');
  const image = db.export();
  db.close();
  return image;
}

/** The frame header of a zstd frame with a 4-byte content size (as zstd writes for 64 KiB … 4 GiB). */
function setZstdContentSize(frame: Uint8Array, size: number): Uint8Array {
  const out = frame.slice();
  assert.equal(out[4]! >>> 6, 2, 'expected a 4-byte content size');
  const at = 5 + ((out[4]! >>> 5) & 1 ? 0 : 1);
  new DataView(out.buffer).setUint32(at, size, true);
  return out;
}

describe('core/backup/codec', function () {
  this.timeout(60_000);
  let db: Uint8Array;
  const samples: Record<string, () => Uint8Array> = {
    'empty': () => new Uint8Array(0),
    '1 byte': () => new Uint8Array([42]),
    'random 100 KiB': () => nodeRandom.bytes(100 * 1024),
    'JPEG': () => fixture('image.jpg'),
    'TIFF': () => fixture('smile.tiff'),
    'PDF': () => fixture('002-trivial-libre-office-writer.pdf'),
    'database chunk': () => db.subarray(DB_CHUNK_BYTES, 2 * DB_CHUNK_BYTES),
    'database image': () => db,
  };

  before(async () => {
    db = await databaseImage();
    assert.ok(db.length > 1024 * 1024, `database image of ${db.length} bytes`);
  });

  it('ids are the on-disk ones and every id names its codec', () => {
    assert.deepEqual(CODEC_IDS, { none: 0, deflate: 1, zstd: 2 });
    for (const [name, id] of Object.entries(CODEC_IDS)) {
      assert.equal(codecFor(id).id, id);
      assert.equal(codecFor(id).name, name);
    }
    assert.equal(DEFAULT_CODEC.id, CODEC_IDS.deflate);
    assert.equal(nodeCodecFor(CODEC_IDS.deflate), nodeDeflateCodec);
    assert.equal(nodeCodecFor(CODEC_IDS.zstd), codecFor(CODEC_IDS.zstd));
    // A multiple of every SQLite page size up to it.
    for (let page = 512; page <= DB_CHUNK_BYTES; page *= 2) assert.equal(DB_CHUNK_BYTES % page, 0);
  });

  for (const codec of codecs) {
    for (const [name, make] of Object.entries(samples)) {
      it(`${codec.name}: round trip of ${name}`, async () => {
        const data = make();
        const packed = await codec.compress(data);
        const back = await codec.decompress(packed, data.length);
        assert.equal(back.length, data.length);
        assert.ok(Buffer.from(back).equals(Buffer.from(data)), 'bytes differ');
        if (codec.id !== CODEC_IDS.none && name.startsWith('database')) {
          assert.ok(packed.length < data.length / 2, `${codec.name} packed ${name} to ${packed.length} of ${data.length}`);
        }
      });
    }

    it(`${codec.name}: asking for another length than was stored is corrupt`, async () => {
      const data = db.subarray(0, 40_000);
      const packed = await codec.compress(data);
      await rejectsCorrupt(codec.decompress(packed, data.length - 1), 'one byte less');
      await rejectsCorrupt(codec.decompress(packed, data.length + 1), 'one byte more');
      await rejectsCorrupt(codec.decompress(packed, -1), 'negative');
      await rejectsCorrupt(codec.decompress(packed, 1.5), 'fraction');
      await rejectsCorrupt(codec.decompress(packed, MAX_RAW_BYTES + 1), 'beyond the bound');
    });

    if (codec.id === CODEC_IDS.none) continue;

    it(`${codec.name}: every truncation of a chunk is corrupt`, async () => {
      const data = db.subarray(3 * DB_CHUNK_BYTES, 4 * DB_CHUNK_BYTES);
      const packed = await codec.compress(data);
      for (let cut = 0; cut < packed.length; cut++) {
        await rejectsCorrupt(codec.decompress(packed.subarray(0, cut), data.length), `cut at ${cut} of ${packed.length}`);
      }
    });

    it(`${codec.name}: garbage is corrupt, never a crash`, async () => {
      const data = db.subarray(DB_CHUNK_BYTES, 2 * DB_CHUNK_BYTES);
      const packed = await codec.compress(data);
      for (let i = 0; i < 300; i++) {
        const junk = nodeRandom.bytes(1 + (i % 97) * 31);
        await rejectsCorrupt(codec.decompress(junk, data.length), `random ${junk.length} bytes`);
      }
      // Bit flips in a real chunk: either an error, or (where the format has no checksum and the
      // flip lands in literal bytes) output of exactly the right length; never more, never a throw
      // of another kind. The backup's hash of the plaintext catches the second case.
      let caught = 0;
      for (let i = 0; i < packed.length; i += Math.max(1, Math.floor(packed.length / 400))) {
        const bad = packed.slice();
        bad[i]! ^= 1 << (i % 8);
        try {
          const out = await codec.decompress(bad, data.length);
          assert.equal(out.length, data.length);
        } catch (e) {
          assert.ok(isVaultError(e, 'corrupt'), `flip at ${i}: ${String(e)}`);
          caught++;
        }
      }
      assert.ok(caught > 0, 'no flip was detected at all');
    });
  }

  it('zstd: a bomb (a tiny frame of 64 MiB) is refused before it is inflated', async () => {
    const zstd = codecFor(CODEC_IDS.zstd);
    const bomb = await zstd.compress(new Uint8Array(64 * 1024 * 1024));
    assert.ok(bomb.length < 4096, `bomb of ${bomb.length} bytes`);
    const heap = process.memoryUsage().arrayBuffers;
    await rejectsCorrupt(zstd.decompress(bomb, 4096), 'declares more than expected');
    await rejectsCorrupt(zstd.decompress(bomb, 64 * 1024 * 1024), 'beyond MAX_RAW_BYTES');
    // The header lies: it declares the expected size, the blocks hold 1 MiB.
    const liar = setZstdContentSize(await zstd.compress(new Uint8Array(1024 * 1024)), 70_000);
    await rejectsCorrupt(zstd.decompress(liar, 70_000), 'blocks beyond the declared size');
    assert.ok(process.memoryUsage().arrayBuffers - heap < 32 * 1024 * 1024, 'allocated what the bomb asked for');
  });

  it('zstd: frames we never write (no content size, a dictionary, another magic) are corrupt', async () => {
    const zstd = codecFor(CODEC_IDS.zstd);
    const data = db.subarray(0, 70_000);
    const frame = await zstd.compress(data);
    const noSize = frame.slice();
    noSize[4] = noSize[4]! & 0x3f & ~0x20; // FCS flag 0, not single-segment: no content size
    await rejectsCorrupt(zstd.decompress(noSize, data.length), 'no content size');
    const dict = frame.slice();
    dict[4] = dict[4]! | 0x01;
    await rejectsCorrupt(zstd.decompress(dict, data.length), 'dictionary id');
    const skippable = frame.slice();
    skippable.set([0x50, 0x2a, 0x4d, 0x18], 0);
    await rejectsCorrupt(zstd.decompress(skippable, data.length), 'skippable frame');
  });

  it('zstd: compressInto writes the frame compress makes into the caller\'s memory, and nothing when it would not save enough', async () => {
    const zstd = codecFor(CODEC_IDS.zstd);
    const data = db.subarray(0, 300_000);
    const frame = await zstd.compress(data);
    const out = new Uint8Array(data.length).fill(0xee);
    const n = await zstd.compressInto!(data, out, data.length);
    assert.equal(n, frame.length);
    assert.deepEqual(out.subarray(0, n), frame, 'the same frame, in the caller\'s memory');
    assert.equal(out[n!], 0xee, 'nothing beyond it');
    const untouched = new Uint8Array(data.length).fill(0xee);
    assert.equal(await zstd.compressInto!(data, untouched, frame.length - 1), undefined, 'over the limit');
    assert.equal(await zstd.compressInto!(data, untouched.subarray(0, frame.length - 1), data.length), undefined, 'larger than out');
    assert.ok(untouched.every((b) => b === 0xee), 'nothing written when it does not fit');
    // compressChunk's rule, through compressOrKeep with `out`: incompressible data stays as it is.
    const noise = nodeRandom.bytes(100_000);
    const kept = await compressOrKeep(noise, zstd, new Uint8Array(noise.length));
    assert.deepEqual(kept, { codec: CODEC_IDS.none, bytes: noise });
    const packed = await compressOrKeep(data, zstd, out);
    assert.equal(packed.bytes.buffer, out.buffer);
    assert.deepEqual(await decompressChunk(packed.codec, packed.bytes, data.length), data);
  });

  it('zstd: decompressedDigest is the digest of what decompress gives, and refuses what decompress refuses', async () => {
    const zstd = codecFor(CODEC_IDS.zstd);
    const data = db.subarray(0, 200_000);
    const frame = await zstd.compress(data);
    assert.deepEqual(await zstd.decompressedDigest!(frame, data.length), await segmentDigest(data));
    assert.deepEqual(await decompressedDigest(CODEC_IDS.zstd, frame, data.length), await segmentDigest(data));
    assert.deepEqual(await decompressedDigest(CODEC_IDS.deflate, deflateSync(data), data.length), await segmentDigest(data), 'any codec, through its bytes');
    await rejectsCorrupt(zstd.decompressedDigest!(frame, data.length - 1), 'another length than stored');
    const liar = setZstdContentSize(await zstd.compress(new Uint8Array(1024 * 1024)), 70_000);
    await rejectsCorrupt(zstd.decompressedDigest!(liar, 70_000), 'blocks beyond the declared size');
    const flipped = frame.slice();
    flipped[Math.floor(flipped.length / 2)]! ^= 0xff;
    await decompressedDigest(CODEC_IDS.zstd, flipped, data.length).then(
      (d) => assert.notDeepEqual(d, Buffer.from([]), 'a flipped byte that still decodes gives another digest'),
      (e: unknown) => assert.ok(isVaultError(e, 'corrupt'), String(e)),
    );
    for (let cut = 0; cut < frame.length; cut += 997) await rejectsCorrupt(zstd.decompressedDigest!(frame.subarray(0, cut), data.length), `cut at ${cut}`);
  });

  it('zstd: with the host\'s own zstd installed, new chunks are compressed by it, and decode as before', async () => {
    const { compress } = await import('@bokuweb/zstd-wasm');
    // A real zstd standing in for the host's (Node 20 has none): counted, so its use is seen.
    let calls = 0;
    useHostZstd((data, level) => {
      calls++;
      return compress(data, level);
    });
    try {
      const zstd = await preferredCodec('db');
      const data = db.subarray(0, 300_000);
      const frame = await zstd.compress(data);
      const out = new Uint8Array(data.length);
      const n = await zstd.compressInto!(data, out, data.length);
      assert.equal(calls, 2, 'compress and compressInto both used it');
      assert.deepEqual(out.subarray(0, n), frame);
      assert.equal(await zstd.compressInto!(data, new Uint8Array(data.length), frame.length - 1), undefined, 'nothing over the limit');
      assert.deepEqual(await decompressChunk(CODEC_IDS.zstd, frame, data.length), data);
    } finally {
      useHostZstd(undefined);
    }
    const before = calls;
    await codecFor(CODEC_IDS.zstd).compress(db.subarray(0, 1000));
    assert.equal(calls, before, 'uninstalled: the WebAssembly build again');
  });

  describe('deflate bombs', () => {
    // 64 MiB of zeros in 65 KB (inflated in one call), and 160 MiB in 160 KB (inflated in pieces).
    let small: Uint8Array;
    let large: Uint8Array;
    before(() => {
      small = deflateSync(new Uint8Array(64 * 1024 * 1024), { level: 9 });
      large = deflateSync(new Uint8Array(160 * 1024 * 1024), { level: 9 });
      assert.ok(small.length <= 64 * 1024 && large.length > 64 * 1024, `${small.length} and ${large.length} bytes`);
    });

    for (const deflate of [codecFor(CODEC_IDS.deflate), named(nodeDeflateCodec, 'deflate (node:zlib)')]) {
      it(`${deflate.name}: a bomb stops at the first byte beyond the expected length`, async () => {
        const heap = process.memoryUsage().arrayBuffers;
        // rawLength large enough to let the input through the size check, far below what it inflates to.
        await rejectsCorrupt(deflate.decompress(small, 2 * 1024 * 1024), 'inflates beyond rawLength');
        await rejectsCorrupt(deflate.decompress(large, large.length), 'a large bomb');
        // Counted with garbage not yet collected: well below the 64 and 160 MiB the bombs hold.
        assert.ok(process.memoryUsage().arrayBuffers - heap < 24 * 1024 * 1024, 'allocated what the bomb asked for');
      });
    }
  });

  it('an unknown codec id is corrupt, with a sentence for the game master', async () => {
    for (const id of [3, 99, -1, 1.5, Number.NaN]) {
      assert.throws(() => codecFor(id), (e: unknown) => isVaultError(e, 'corrupt') && /damaged/.test(e.userMessage));
      await rejectsCorrupt(decompressChunk(id, new Uint8Array(4), 4), `id ${id}`);
    }
  });

  it('compressChunk stores incompressible data as none, and compresses what compresses', async () => {
    for (const [name, data] of [
      ['JPEG (zstd saves 3.6 %)', fixture('image.jpg')],
      ['PDF (zstd saves 5.4 %)', fixture('002-trivial-libre-office-writer.pdf')],
      ['random 1 MiB block', nodeRandom.bytes(1024 * 1024)],
      ['random 100 bytes', nodeRandom.bytes(100)],
      ['1 byte', new Uint8Array([7])],
      ['empty', new Uint8Array(0)],
    ] as const) {
      const r = await compressChunk(data);
      assert.equal(r.codec, CODEC_IDS.none, name);
      assert.deepEqual(r.bytes, data, name);
      assert.deepEqual(await decompressChunk(r.codec, r.bytes, data.length), data, name);
    }
    for (const [name, data] of [
      ['TIFF', fixture('smile.tiff')],
      ['database chunk', db.subarray(DB_CHUNK_BYTES, 2 * DB_CHUNK_BYTES)],
      ['database in a 1 MiB block', db.subarray(0, 1024 * 1024)],
    ] as const) {
      for (const codec of [DEFAULT_CODEC, codecFor(CODEC_IDS.zstd), nodeDeflateCodec]) {
        const r = await compressChunk(data, codec);
        assert.equal(r.codec, codec.id, `${name} with ${codec.name}`);
        assert.ok(r.bytes.length < data.length * 0.7, `${name}: ${r.bytes.length} of ${data.length}`);
        assert.deepEqual(await decompressChunk(r.codec, r.bytes, data.length), data);
      }
    }
    // Asked for none, it stores as it is.
    assert.equal((await compressChunk(db.subarray(0, 4096), codecFor(CODEC_IDS.none))).codec, CODEC_IDS.none);
  });

  it('compressChunk judges a large incompressible block by a sample, without compressing all of it', async () => {
    let compressed = 0;
    const counting: Codec = {
      ...DEFAULT_CODEC,
      compress: (d) => {
        compressed += d.length;
        return DEFAULT_CODEC.compress(d);
      },
    };
    const block = nodeRandom.bytes(1024 * 1024);
    assert.equal((await compressChunk(block, counting)).codec, CODEC_IDS.none);
    assert.ok(compressed <= 64 * 1024, `compressed ${compressed} bytes of a 1 MiB random block`);
  });

  it('compressChunk samples a large segment of many files widely: photographs where four samples fall do not hide the PDFs between them', async () => {
    // 4 MiB of compressible text with random bytes (photographs) at exactly where four evenly
    // spread 4 KiB samples would look: such a sample says "incompressible", a wider one does not.
    const segment = new Uint8Array(4 * 1024 * 1024);
    const text = new TextEncoder().encode('Adult Red Dragon. Huge dragon, chaotic evil. Armor Class 19 (natural armor). ');
    for (let o = 0; o < segment.length; o += text.length) segment.set(text.subarray(0, Math.min(text.length, segment.length - o)), o);
    const step = Math.floor((segment.length - 4096) / 3);
    for (let i = 0; i < 4; i++) segment.set(nodeRandom.bytes(4096), i * step);
    const r = await compressChunk(segment, DEFAULT_CODEC);
    assert.equal(r.codec, DEFAULT_CODEC.id);
    assert.ok(r.bytes.length < segment.length / 10, `${r.bytes.length} bytes`);
  });

  it('fflate and node:zlib read each other\'s deflate (one format, one id)', async () => {
    for (const data of [db.subarray(0, DB_CHUNK_BYTES), db.subarray(0, 1024 * 1024), fixture('smile.tiff'), new Uint8Array(0), new Uint8Array([1])]) {
      const fromNode = await nodeDeflateCodec.compress(data);
      const fromCore = await codecFor(CODEC_IDS.deflate).compress(data);
      assert.deepEqual(await codecFor(CODEC_IDS.deflate).decompress(fromNode, data.length), data);
      assert.deepEqual(await nodeDeflateCodec.decompress(fromCore, data.length), data);
    }
  });

  it('a stored chunk of another codec decodes by its own id (zstd and deflate side by side)', async () => {
    const data = db.subarray(5 * DB_CHUNK_BYTES, 6 * DB_CHUNK_BYTES);
    const z = await compressChunk(data, codecFor(CODEC_IDS.zstd));
    const d = await compressChunk(data, DEFAULT_CODEC);
    assert.notEqual(z.codec, d.codec);
    assert.deepEqual(await decompressChunk(z.codec, z.bytes, data.length), data);
    assert.deepEqual(await decompressChunk(d.codec, d.bytes, data.length), data);
    await rejectsCorrupt(decompressChunk(d.codec, z.bytes, data.length), 'zstd bytes read as deflate');
    await rejectsCorrupt(decompressChunk(z.codec, d.bytes, data.length), 'deflate bytes read as zstd');
  });
});
