/**
 * Backup segments compressed and decompressed on worker threads (docs/BACKUPS.md, "Speed"): the
 * thread that runs the backup hashes chunks, reads files and seals while earlier segments compress
 * beside it, on the machine's other cores. The worker (src/node/segmentWorker.ts) is bundled as
 * dist/segment-worker.js and runs the core's own codecs, so what it writes is what this thread
 * would write. Without that file (a bundle built without it) everything runs on this thread.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { inlineSegmentCodec, useHostZstd, type CompressedSegment, type SegmentCodec } from '../core/backup/codec';
import { VaultError, type VaultErrorCode } from '../core/errors';
import type { Logger } from '../core/ports';
import { nodeHostZstd } from './codec';

/** One job for a worker; `data` is handed over (transferred), never shared. */
export type SegmentJob =
  | { readonly id: number; readonly op: 'compress'; readonly kind: 'db' | 'other'; readonly data: Uint8Array; readonly out?: Uint8Array }
  | { readonly id: number; readonly op: 'decompress' | 'digest'; readonly codec: number; readonly rawLength: number; readonly data: Uint8Array };

/**
 * `bytes` is left out when a segment is stored as it is (then they are the job's own, shared,
 * bytes), when they were written into the job's shared `out` (then `length` says how many), and
 * for a digest job, whose answer is `digest` alone.
 */
export type SegmentReply =
  | { readonly id: number; readonly codec: number; readonly bytes?: Uint8Array; readonly length?: number; readonly digest?: Uint8Array; readonly error?: undefined }
  | { readonly id: number; readonly error: { readonly code?: VaultErrorCode; readonly message: string; readonly hint?: string } };

export const SEGMENT_WORKER_FILE = 'segment-worker.js';

/** A worker with nothing to do for this long is ended (the extension host keeps no idle threads). */
const IDLE_MS = 30_000;

/**
 * The worker script: beside this code in dist/ (the extension and the CLI); for the test bundles
 * (out/test/…) and the benchmark (out/bench/), the project's dist/, which `node esbuild.mjs` builds.
 */
export function segmentWorkerScript(): string | undefined {
  return workerScript(SEGMENT_WORKER_FILE);
}

/** A bundled worker script by file name, found the same way (beside this code, else the project's dist/). */
export function workerScript(file: string): string | undefined {
  return [__dirname, path.resolve(__dirname, '../../dist'), path.resolve(__dirname, '../../../dist')].map((d) => path.join(d, file)).find((f) => existsSync(f));
}

/** Whether the bytes lie in shared memory (which a worker reads where it is). */
function inSharedMemory(bytes: Uint8Array): boolean {
  return typeof SharedArrayBuffer === 'function' && bytes.buffer instanceof SharedArrayBuffer;
}

/** A worker thread that could not start or stopped (as opposed to a job that failed in it). */
class WorkerFailure extends Error {}

interface Slot {
  readonly worker: Worker;
  readonly pending: Map<number, { resolve(r: Reply): void; reject(e: Error): void }>;
  idle?: NodeJS.Timeout;
  dead?: boolean;
}

type JobInput = Omit<Extract<SegmentJob, { op: 'compress' }>, 'id'> | Omit<Extract<SegmentJob, { op: 'decompress' | 'digest' }>, 'id'>;
type Reply = { codec: number; bytes?: Uint8Array; length?: number; digest?: Uint8Array };

export class WorkerSegmentCodec implements SegmentCodec {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  /** Set when a worker failed: from then on this thread does the work (a backup never fails for want of a thread). */
  private broken = false;

  constructor(
    private readonly script: string,
    readonly size: number,
    private readonly logger?: Logger,
  ) {}

  async compress(raw: Uint8Array, kind: 'db' | 'other', out?: Uint8Array): Promise<CompressedSegment> {
    if (this.broken) return inlineSegmentCodec.compress(raw, kind, out);
    // The caller keeps `raw` (a segment stored as it is is sealed from it): the worker reads it
    // where it is when it lies in shared memory ({@link allocate}), else it gets a copy. It writes
    // a compressed segment into `out` when that is shared too, else sends the bytes over.
    const shared = inSharedMemory(raw);
    const into = shared && out && inSharedMemory(out) ? { out } : {};
    return this.run({ op: 'compress', kind, data: shared ? raw : raw.slice(), ...into }).then(
      (r) => ({ codec: r.codec, bytes: r.bytes ?? (r.length !== undefined && out ? out.subarray(0, r.length) : raw), ...(r.digest ? { digest: r.digest } : {}) }),
      // `raw` is as it was (a worker writes only into `out`), so this thread can start over.
      (e: unknown) => (this.failedOver(e) ? inlineSegmentCodec.compress(raw, kind, out) : Promise.reject(e)),
    );
  }

  async decompressedDigest(codec: number, data: Uint8Array, rawLength: number): Promise<Uint8Array> {
    if (this.broken) return inlineSegmentCodec.decompressedDigest(codec, data, rawLength);
    return this.run({ op: 'digest', codec, rawLength, data: inSharedMemory(data) ? data : data.slice() }).then(
      (r) => r.digest ?? Promise.reject(new Error('a worker gave no digest')),
      (e: unknown) => (this.failedOver(e) ? inlineSegmentCodec.decompressedDigest(codec, data, rawLength) : Promise.reject(e)),
    );
  }

  /**
   * Shared memory: a segment put together there goes to a worker without a copy. Plain memory
   * where a host has no SharedArrayBuffer (then each job gets a copy, as before).
   */
  allocate(bytes: number): Uint8Array {
    return typeof SharedArrayBuffer === 'function' ? new Uint8Array(new SharedArrayBuffer(bytes)) : new Uint8Array(bytes);
  }

  async decompress(codec: number, data: Uint8Array, rawLength: number): Promise<Uint8Array> {
    if (this.broken) return inlineSegmentCodec.decompress(codec, data, rawLength);
    // Shared memory is read where it is; anything else is copied for the worker.
    return this.run({ op: 'decompress', codec, rawLength, data: inSharedMemory(data) ? data : data.slice() }).then(
      (r) => r.bytes ?? Promise.reject(new Error('a worker gave no bytes')),
      (e: unknown) => (this.failedOver(e) ? inlineSegmentCodec.decompress(codec, data, rawLength) : Promise.reject(e)),
    );
  }

  /** Whether `e` is a worker's failure (not the job's): then this thread takes over. */
  private failedOver(e: unknown): boolean {
    if (!(e instanceof WorkerFailure)) return false;
    if (!this.broken) this.logger?.warn(`backup worker failed (${e.message}); compressing on the main thread from now on`);
    this.broken = true;
    return true;
  }

  /** Ends every worker (they end by themselves when idle, too). */
  async dispose(): Promise<void> {
    await Promise.all(this.slots.splice(0).map((s) => this.end(s)));
  }

  private run(job: JobInput): Promise<Reply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      let slot: Slot;
      try {
        slot = this.pick();
      } catch (e) {
        reject(new WorkerFailure(`could not start: ${String(e)}`, { cause: e }));
        return;
      }
      slot.pending.set(id, { resolve, reject });
      if (slot.idle) clearTimeout(slot.idle);
      slot.idle = undefined;
      // Referenced while it has work, so a command-line run waits for its answers.
      slot.worker.ref();
      // Shared memory is shared, not transferred; anything else is the job's own copy.
      slot.worker.postMessage({ ...job, id }, inSharedMemory(job.data) ? [] : [job.data.buffer as ArrayBuffer]);
    });
  }

  /** The least busy worker; a new one while there are fewer than `size` and all are busy. */
  private pick(): Slot {
    let best: Slot | undefined;
    for (const s of this.slots) if (!best || s.pending.size < best.pending.size) best = s;
    if (best && (best.pending.size === 0 || this.slots.length >= this.size)) return best;
    return this.spawn();
  }

  private spawn(): Slot {
    const worker = new Worker(this.script);
    const slot: Slot = { worker, pending: new Map() };
    worker.unref();
    worker.on('message', (r: SegmentReply) => {
      const p = slot.pending.get(r.id);
      if (!p) return;
      slot.pending.delete(r.id);
      if (slot.pending.size === 0) {
        worker.unref();
        slot.idle = setTimeout(() => {
          const at = this.slots.indexOf(slot);
          if (at >= 0 && slot.pending.size === 0) void this.end(this.slots.splice(at, 1)[0]!);
        }, IDLE_MS);
        slot.idle.unref();
      }
      if (r.error) p.reject(r.error.code ? new VaultError(r.error.code, r.error.message, r.error.hint ? { hint: r.error.hint } : undefined) : new Error(r.error.message));
      else p.resolve({ codec: r.codec, ...(r.bytes ? { bytes: r.bytes } : {}), ...(r.length !== undefined ? { length: r.length } : {}), ...(r.digest ? { digest: r.digest } : {}) });
    });
    const fail = (e: Error) => {
      if (slot.dead) return;
      slot.dead = true;
      const at = this.slots.indexOf(slot);
      if (at >= 0) this.slots.splice(at, 1);
      if (slot.idle) clearTimeout(slot.idle);
      for (const p of slot.pending.values()) p.reject(new WorkerFailure(e.message, { cause: e }));
      slot.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exited with code ${code}`)));
    this.slots.push(slot);
    return slot;
  }

  private async end(slot: Slot): Promise<void> {
    slot.dead = true;
    if (slot.idle) clearTimeout(slot.idle);
    await slot.worker.terminate();
  }
}

let shared: SegmentCodec | undefined;

/**
 * This process's segment codec: worker threads (one fewer than the cores, at least one, at most
 * three) when the worker script is there, else this thread.
 */
export function nodeSegmentCodec(logger?: Logger): SegmentCodec {
  if (shared) return shared;
  // This thread compresses too (indexes, and everything when no worker runs): with Node's own
  // zstd where this Node has it, as the workers do.
  useHostZstd(nodeHostZstd());
  const script = segmentWorkerScript();
  if (!script) {
    logger?.warn(`${SEGMENT_WORKER_FILE} not found beside ${__dirname}: backups compress on the main thread`);
    shared = inlineSegmentCodec;
  } else {
    shared = new WorkerSegmentCodec(script, Math.max(2, Math.min(3, availableParallelism() - 1)), logger);
  }
  return shared;
}
