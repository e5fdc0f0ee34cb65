/**
 * Thumbnails on Node (docs/THUMBNAILS.md): one worker thread (src/node/thumbnailWorker.ts, bundled
 * as dist/thumbnail-worker.js) kept warm between requests, so the wasm codecs are compiled once and
 * the host's event loop never decodes. Requests are answered one at a time in order. A job that
 * takes too long, or a thread that dies (out of memory, a codec that aborts), fails that request
 * with a clear error and the next request starts a fresh thread. An idle thread ends by itself.
 */
import { Worker } from 'node:worker_threads';
import { MAX_PIXELS } from '../core/assets/metadata';
import type { Thumbnail, ThumbnailMaker, ThumbnailRequest } from '../core/assets/thumbnail';
import { VaultError } from '../core/errors';
import type { Logger } from '../core/ports';
import { workerScript } from './segmentWorkers';
import type { ThumbnailJob, ThumbnailReply } from './thumbnailWorker';

export const THUMBNAIL_WORKER_FILE = 'thumbnail-worker.js';

export interface WorkerThumbnailOptions {
  /** A job that runs longer is given up on and its thread ended (default 60 s). */
  readonly timeoutMs?: number;
  /** An idle thread ends after this long (default 30 s). */
  readonly idleMs?: number;
  /** The JS heap of the thread (pixels live in wasm memory, which is capped at 2 GiB by wasm32). */
  readonly maxHeapMiB?: number;
  /** The pixel budget checked before decoding (default MAX_PIXELS). */
  readonly maxPixels?: number;
}

interface Pending {
  readonly job: ThumbnailJob;
  readonly resolve: (t: Thumbnail) => void;
  readonly reject: (e: Error) => void;
}

export class WorkerThumbnailMaker implements ThumbnailMaker {
  private worker: Worker | undefined;
  private readonly queue: Pending[] = [];
  private running: (Pending & { timer: NodeJS.Timeout }) | undefined;
  private idle: NodeJS.Timeout | undefined;
  private nextId = 1;
  /** Threads started (a test and the bench read it: a warm maker starts one). */
  started = 0;

  /** Whether a thread is running (a warm one between requests, until idle or disposed). */
  get alive(): boolean {
    return this.worker !== undefined;
  }

  constructor(
    private readonly script: string,
    private readonly opts: WorkerThumbnailOptions = {},
    private readonly logger?: Logger,
  ) {}

  make(bytes: Uint8Array, request: ThumbnailRequest): Promise<Thumbnail> {
    return new Promise<Thumbnail>((resolve, reject) => {
      const job: ThumbnailJob = { id: this.nextId++, data: bytes, request, maxPixels: this.opts.maxPixels ?? MAX_PIXELS };
      this.queue.push({ job, resolve, reject });
      this.pump();
    });
  }

  async dispose(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (this.idle) clearTimeout(this.idle);
    const gone = new VaultError('cancelled', 'thumbnail maker closed', { hint: 'Making thumbnails was stopped.' });
    for (const p of this.queue.splice(0)) p.reject(gone);
    if (this.running) this.finish(undefined, gone);
    await w?.terminate();
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.script, {
      resourceLimits: { maxOldGenerationSizeMb: this.opts.maxHeapMiB ?? 512, maxYoungGenerationSizeMb: 64 },
      stdout: true,
      stderr: true,
    });
    w.stdout.resume();
    w.stderr.resume();
    w.unref();
    this.started++;
    w.on('message', (r: ThumbnailReply) => {
      if (!this.running || r.id !== this.running.job.id) return;
      if (r.type === 'done') this.finish({ data: r.data, mime: 'image/webp', width: r.width, height: r.height });
      else this.finish(undefined, new VaultError(r.code, r.message, { hint: r.hint }));
    });
    w.on('error', (e: Error & { code?: string }) => this.died(w, e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'it ran out of memory' : e.message));
    w.on('exit', (code) => this.died(w, `the thread stopped (${code})`));
    this.worker = w;
    return w;
  }

  private died(w: Worker, why: string): void {
    if (this.worker !== w) return;
    this.worker = undefined;
    this.logger?.warn(`thumbnail worker ended: ${why}`);
    if (this.running) this.finish(undefined, new VaultError('invalid', `thumbnail worker: ${why}`, { hint: `The image could not be drawn: ${why} while decoding it (it may be damaged or built to exhaust memory).` }));
  }

  private finish(result: Thumbnail | undefined, error?: Error): void {
    const r = this.running;
    if (!r) return;
    this.running = undefined;
    clearTimeout(r.timer);
    if (error) r.reject(error);
    else r.resolve(result!);
    this.pump();
  }

  private pump(): void {
    if (this.running) return;
    const next = this.queue.shift();
    if (!next) {
      if (this.worker && !this.idle) {
        this.idle = setTimeout(() => {
          this.idle = undefined;
          const w = this.worker;
          this.worker = undefined;
          void w?.terminate();
        }, this.opts.idleMs ?? 30_000);
        this.idle.unref();
      }
      return;
    }
    if (this.idle) {
      clearTimeout(this.idle);
      this.idle = undefined;
    }
    let w: Worker;
    try {
      w = this.thread();
    } catch (e) {
      next.reject(new VaultError('io', `thumbnail worker could not start: ${String(e)}`, { hint: 'The thumbnail worker could not start.' }));
      this.pump();
      return;
    }
    const timeoutMs = this.opts.timeoutMs ?? 60_000;
    const timer = setTimeout(() => {
      const stuck = this.worker;
      this.worker = undefined;
      this.finish(undefined, new VaultError('invalid', 'thumbnail timed out', { hint: `Drawing the image took longer than ${Math.round(timeoutMs / 1000)} s; it was given up on.` }));
      void stuck?.terminate();
    }, timeoutMs);
    this.running = { ...next, timer };
    // The thread gets its own copy (the caller keeps its bytes; a Buffer's slice() would be a view).
    const data = new Uint8Array(next.job.data);
    w.postMessage({ ...next.job, data }, [data.buffer as ArrayBuffer]);
  }
}

export function thumbnailWorkerScript(): string | undefined {
  return workerScript(THUMBNAIL_WORKER_FILE);
}

/** The maker for this build: undefined when the worker bundle is missing (then thumbnails are refused). */
export function nodeThumbnailMaker(logger?: Logger, opts?: WorkerThumbnailOptions): ThumbnailMaker | undefined {
  const script = thumbnailWorkerScript();
  return script ? new WorkerThumbnailMaker(script, opts, logger) : undefined;
}
