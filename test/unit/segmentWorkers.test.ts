import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CODEC_IDS, ZSTD_DB_LEVEL, compressChunk, inlineSegmentCodec, preferredCodec, segmentDigest } from '../../src/core/backup/codec';
import { isVaultError } from '../../src/core/errors';
import { WorkerSegmentCodec, nodeSegmentCodec, segmentWorkerScript } from '../../src/node/segmentWorkers';
import { nodeRandom } from '../../src/node/system';

const fixtures = path.resolve(__dirname, '../../../test/fixtures');

/** Text that compresses like a database (the SRD monsters as JSON), cut to `n` bytes. */
function textLike(n: number, salt: number): Uint8Array {
  const json = readFileSync(path.join(fixtures, 'srd-5e-bits/5e-SRD-Monsters.json'));
  const out = new Uint8Array(n);
  for (let o = 0; o < n; o += json.length) out.set(json.subarray(0, Math.min(json.length, n - o)), o);
  out[0] = salt & 0xff;
  return out;
}

describe('node/segmentWorkers: backup segments compressed on worker threads', function () {
  this.timeout(60_000);

  it('runs on real worker threads (the bundled dist/segment-worker.js), not on this one', () => {
    assert.ok(segmentWorkerScript(), 'node esbuild.mjs builds dist/segment-worker.js');
    assert.ok(nodeSegmentCodec() instanceof WorkerSegmentCodec);
  });

  it('writes exactly what this thread writes, and reads it back', async () => {
    const codec = nodeSegmentCodec();
    const data = textLike(3 * 1024 * 1024, 1);
    const there = await codec.compress(data, 'db');
    const here = await compressChunk(data, await preferredCodec('db'));
    assert.equal(there.codec, CODEC_IDS.zstd);
    assert.deepEqual(there, { ...here, digest: await segmentDigest(data) }, `the same zstd level ${ZSTD_DB_LEVEL} frame, and the digest of the raw bytes`);
    assert.deepEqual(await codec.decompressedDigest(there.codec, there.bytes, data.length), await segmentDigest(data), 'a read-back check gets the digest alone');
    assert.deepEqual(await codec.decompress(there.codec, there.bytes, data.length), data);
    // Incompressible data is stored as it is, as on this thread.
    const noise = nodeRandom.bytes(256 * 1024);
    assert.deepEqual(await codec.compress(noise, 'other'), { codec: CODEC_IDS.none, bytes: noise });
  });

  it('keeps many jobs at once apart: each answer goes to its own question', async () => {
    const codec = nodeSegmentCodec();
    const inputs = Array.from({ length: 24 }, (_, i) => textLike(64 * 1024 + i * 4099, i));
    const packed = await Promise.all(inputs.map((d, i) => codec.compress(d, i % 2 ? 'db' : 'other')));
    const back = await Promise.all(packed.map((p, i) => codec.decompress(p.codec, p.bytes, inputs[i]!.length)));
    back.forEach((b, i) => assert.deepEqual(b, inputs[i], `job ${i}`));
  });

  it('sends a view alone, not the buffer around it, and leaves the caller its bytes', async () => {
    const codec = nodeSegmentCodec();
    const big = textLike(4 * 1024 * 1024, 7);
    const view = big.subarray(1024 * 1024, 2 * 1024 * 1024);
    const packed = await codec.compress(view, 'db');
    assert.equal(big.byteLength, 4 * 1024 * 1024, 'nothing of the caller was transferred away');
    assert.deepEqual(await codec.decompress(packed.codec, packed.bytes, view.length), view);
  });

  it('reads segments in its shared memory where they lie: stored as they are, they come back as the caller\'s own bytes', async () => {
    const codec = nodeSegmentCodec();
    const shared = codec.allocate!(2 * 1024 * 1024);
    assert.ok(shared.buffer instanceof SharedArrayBuffer);
    const noise = shared.subarray(0, 1024 * 1024);
    noise.set(nodeRandom.bytes(noise.length));
    const stored = await codec.compress(noise, 'other');
    assert.equal(stored.codec, CODEC_IDS.none);
    assert.equal(stored.bytes, noise, 'no copy made, none sent back');
    const text = shared.subarray(1024 * 1024);
    text.set(textLike(text.length, 3));
    const packed = await codec.compress(text, 'db');
    assert.deepEqual(packed, await inlineSegmentCodec.compress(text.slice(), 'db'), 'the same frame and digest as this thread makes');
    // Decompressed from shared memory too (a read-back check decrypts there).
    const back = codec.allocate!(packed.bytes.length);
    back.set(packed.bytes);
    assert.deepEqual(await codec.decompress(packed.codec, back, text.length), text.slice());
    assert.deepEqual(await codec.decompressedDigest(packed.codec, back, text.length), packed.digest);
    assert.equal(shared.byteLength, 2 * 1024 * 1024, 'the caller keeps its memory');
  });

  it('compresses into the caller\'s shared `out`: the frame lands there, and `raw` is left as it was', async () => {
    const codec = nodeSegmentCodec();
    const raw = codec.allocate!(1024 * 1024);
    raw.set(textLike(raw.length, 9));
    const copy = raw.slice();
    const out = codec.allocate!(raw.length);
    const packed = await codec.compress(raw, 'db', out);
    assert.equal(packed.codec, CODEC_IDS.zstd);
    assert.equal(packed.bytes.buffer, out.buffer, 'the compressed bytes lie in `out`, not in fresh memory');
    assert.deepEqual(packed, { ...(await inlineSegmentCodec.compress(copy, 'db')), bytes: packed.bytes }, 'the same digest');
    assert.deepEqual(packed.bytes.slice(), (await inlineSegmentCodec.compress(copy, 'db')).bytes, 'the same frame');
    assert.deepEqual(raw, copy, 'raw untouched');
    // Plain memory for `out` cannot be written by a worker: the bytes come over as before.
    const plainOut = new Uint8Array(raw.length);
    const sent = await codec.compress(raw, 'db', plainOut);
    assert.notEqual(sent.bytes.buffer, plainOut.buffer);
    assert.deepEqual(sent.bytes, packed.bytes.slice());
  });

  it('where a host has no SharedArrayBuffer, segments live in plain memory and each job gets a copy', async () => {
    const codec = nodeSegmentCodec();
    const g = globalThis as { SharedArrayBuffer?: unknown };
    const saved = g.SharedArrayBuffer;
    delete g.SharedArrayBuffer;
    try {
      const plain = codec.allocate!(300_000);
      assert.ok(plain.buffer instanceof ArrayBuffer);
      plain.set(textLike(plain.length, 5));
      const packed = await codec.compress(plain, 'db');
      assert.equal(plain.byteLength, 300_000, 'the caller keeps its bytes');
      assert.deepEqual(await codec.decompressedDigest(packed.codec, packed.bytes, plain.length), packed.digest);
    } finally {
      g.SharedArrayBuffer = saved;
    }
  });

  it('a damaged segment fails in the worker as damage ("corrupt"), with its reason', async () => {
    const codec = nodeSegmentCodec();
    const data = textLike(200_000, 3);
    const packed = await codec.compress(data, 'db');
    const bad = packed.bytes.slice();
    const at = Math.floor(bad.length / 2);
    bad[at] = bad[at]! ^ 0x55;
    await assert.rejects(codec.decompress(packed.codec, bad, data.length), (e: unknown) => isVaultError(e, 'corrupt'));
    await assert.rejects(codec.decompress(packed.codec, packed.bytes, data.length + 1), (e: unknown) => isVaultError(e, 'corrupt') && /expected/.test(e.message));
    await assert.rejects(codec.decompressedDigest(packed.codec, bad, data.length), (e: unknown) => isVaultError(e, 'corrupt'));
  });

  it('a worker that cannot start: this thread takes over, and the results are the same', async () => {
    const codec = new WorkerSegmentCodec(path.join(fixtures, 'no-such-worker.js'), 1);
    const data = textLike(500_000, 9);
    const packed = await codec.compress(data, 'db');
    assert.deepEqual(packed, await inlineSegmentCodec.compress(data, 'db'));
    assert.deepEqual(await codec.decompress(packed.codec, packed.bytes, data.length), data);
    assert.deepEqual(await codec.decompressedDigest(packed.codec, packed.bytes, data.length), packed.digest);
    await codec.dispose();
  });
});
