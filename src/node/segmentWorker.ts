/**
 * The worker thread behind {@link WorkerSegmentCodec} (src/node/segmentWorkers.ts), bundled as
 * dist/segment-worker.js: compresses and decompresses backup segments with the core's codecs
 * (zstd's WebAssembly loads once per worker, from the zstd.wasm beside this bundle). Each message
 * is one job; the answer carries its id, the result (transferred, not copied) or the error.
 */
import { parentPort } from 'node:worker_threads';
import { compressSegment, decompressChunk, decompressedDigest, useHostZstd, type CompressedSegment } from '../core/backup/codec';
import { isVaultError } from '../core/errors';
import { nodeHostZstd } from './codec';
import type { SegmentJob, SegmentReply } from './segmentWorkers';

/** A buffer that can be transferred whole: the bytes themselves, not a view into something larger. */
function own(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer ? bytes : bytes.slice();
}

// Node's own zstd where this Node has it (compression only; the same frames).
useHostZstd(nodeHostZstd());

async function run(job: SegmentJob): Promise<CompressedSegment | { codec: number; digest: Uint8Array }> {
  if (job.op === 'compress') return compressSegment(job.data, job.kind, job.out);
  if (job.op === 'digest') return { codec: job.codec, digest: await decompressedDigest(job.codec, job.data, job.rawLength) };
  return { codec: job.codec, bytes: await decompressChunk(job.codec, job.data, job.rawLength) };
}

parentPort?.on('message', (job: SegmentJob) => {
  run(job).then(
    (r) => {
      const digest = r.digest ? { digest: r.digest.slice() } : {};
      // Stored as it is: the caller has those bytes already (shared memory, or its own copy). A
      // digest job answers with the digest alone.
      if (!('bytes' in r) || (job.op === 'compress' && r.bytes === job.data)) {
        parentPort!.postMessage({ id: job.id, codec: r.codec, ...digest } satisfies SegmentReply);
        return;
      }
      // Written into the caller's shared `out`: only the length goes back.
      if (job.op === 'compress' && job.out && r.bytes.buffer === job.out.buffer) {
        parentPort!.postMessage({ id: job.id, codec: r.codec, length: r.bytes.length, ...digest } satisfies SegmentReply);
        return;
      }
      const out = own(r.bytes);
      const reply: SegmentReply = { id: job.id, codec: r.codec, bytes: out, ...digest };
      parentPort!.postMessage(reply, [out.buffer as ArrayBuffer]);
    },
    (e: unknown) => {
      const reply: SegmentReply = {
        id: job.id,
        error: isVaultError(e) ? { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) } : { message: e instanceof Error ? e.message : String(e) },
      };
      parentPort!.postMessage(reply);
    },
  );
});
