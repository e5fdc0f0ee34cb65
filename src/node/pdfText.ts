/**
 * PDF text for rulebooks on Node (docs/RULEBOOKS.md): pdf.js runs in a worker thread
 * (src/node/pdfTextWorker.ts, bundled as dist/pdf-text-worker.js), one thread per PDF being read,
 * asked for one page at a time — so the host's event loop stays free, only one page's text is in
 * flight, and the thread's heap is capped (a PDF bomb ends the thread, not the host). Cancel and a
 * stuck page end the thread too.
 */
import { Worker } from 'node:worker_threads';
import { VaultError } from '../core/errors';
import type { Logger } from '../core/ports';
import { DEFAULT_PDF_LIMITS, type PdfDocument, type PdfInfo, type PdfLimits, type PdfPage, type PdfTextExtractor } from '../core/rulebooks/port';
import type { Cancellation } from '../core/session/types';
import type { PdfWorkerReply, PdfWorkerRequest } from './pdfTextWorker';
import { workerScript } from './segmentWorkers';

export const PDF_TEXT_WORKER_FILE = 'pdf-text-worker.js';

/** A page that takes longer than this is given up on (a PDF built to stall the reader). */
const PAGE_TIMEOUT_MS = 120_000;
const CANCEL_POLL_MS = 100;

export function pdfTextWorkerScript(): string | undefined {
  return workerScript(PDF_TEXT_WORKER_FILE);
}

const tooBig = (limits: PdfLimits) =>
  new VaultError('invalid', 'PDF worker out of memory', {
    params: { reason: 'too-large' },
    hint: `Reading the PDF needed more than ${limits.maxHeapMiB} MiB of memory; it is too large or too complex (it may be a PDF bomb) and was not added.`,
  });

const cancelled = () => new VaultError('cancelled', 'PDF reading cancelled', { hint: 'Reading the PDF was cancelled; nothing was saved.' });

/** One PDF open in its own worker thread. */
class WorkerPdfDocument implements PdfDocument {
  info!: PdfInfo;
  private pending: { resolve(r: PdfWorkerReply): void; reject(e: Error): void } | undefined;
  private ended: Error | undefined;

  constructor(
    private readonly worker: Worker,
    private readonly limits: PdfLimits,
    private readonly logger?: Logger,
  ) {
    worker.on('message', (r: PdfWorkerReply) => {
      const p = this.pending;
      this.pending = undefined;
      p?.resolve(r);
    });
    worker.on('error', (e: Error & { code?: string }) => this.end(e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? tooBig(this.limits) : new VaultError('io', `PDF worker failed: ${e.message}`, { cause: e, hint: `Reading the PDF failed (${e.message}).` })));
    worker.on('exit', (code) => this.end(new VaultError('io', `PDF worker exited with ${code}`, { hint: 'Reading the PDF stopped unexpectedly.' })));
  }

  private end(e: Error): void {
    this.ended ??= e;
    const p = this.pending;
    this.pending = undefined;
    p?.reject(this.ended);
  }

  /** Sends one request and waits for its answer, ending the thread on cancel or when a page takes too long. */
  async ask(req: PdfWorkerRequest, token?: Cancellation, transfer: ArrayBuffer[] = []): Promise<PdfWorkerReply> {
    if (this.ended) throw this.ended;
    const reply = new Promise<PdfWorkerReply>((resolve, reject) => (this.pending = { resolve, reject }));
    this.worker.postMessage(req, transfer);
    const started = Date.now();
    const watch = setInterval(() => {
      if (token?.isCancellationRequested) this.stop(cancelled());
      else if (Date.now() - started > PAGE_TIMEOUT_MS) {
        this.stop(new VaultError('invalid', `PDF ${req.op} timed out`, { params: { reason: 'too-large' }, hint: `${req.op === 'page' ? `Page ${req.page}` : 'Opening the PDF'} took longer than ${PAGE_TIMEOUT_MS / 1000} s; the PDF looks built to stall the reader and was not added.` }));
      }
    }, CANCEL_POLL_MS);
    try {
      const r = await reply;
      if (r.type === 'error') throw new VaultError('invalid', r.error.message, { hint: r.error.hint, remedy: null, params: { reason: r.error.reason } });
      return r;
    } finally {
      clearInterval(watch);
    }
  }

  private stop(e: Error): void {
    this.end(e);
    void this.worker.terminate();
  }

  async *pages(token?: Cancellation): AsyncIterable<PdfPage> {
    for (let n = 1; n <= this.info.pageCount; n++) {
      if (token?.isCancellationRequested) {
        this.stop(cancelled());
        throw cancelled();
      }
      const r = await this.ask({ op: 'page', page: n }, token);
      if (r.type !== 'page') throw new VaultError('io', 'unexpected PDF worker reply', { hint: 'Reading the PDF failed.' });
      yield { page: r.page, lines: r.lines };
    }
    this.logger?.debug(`pdf: read ${this.info.pageCount} pages`);
  }

  async close(): Promise<void> {
    this.ended ??= new VaultError('invalid', 'PDF closed', { hint: 'The PDF was closed.' });
    await this.worker.terminate();
  }
}

/** Reads PDFs in worker threads running `script` (dist/pdf-text-worker.js). */
export class WorkerPdfTextExtractor implements PdfTextExtractor {
  constructor(
    private readonly script: string,
    private readonly logger?: Logger,
  ) {}

  async open(data: Uint8Array, opts: { readonly password?: string; readonly limits?: Partial<PdfLimits> } = {}): Promise<PdfDocument> {
    const limits: PdfLimits = { ...DEFAULT_PDF_LIMITS, ...opts.limits };
    if (data.length > limits.maxBytes) throw new VaultError('invalid', `PDF of ${data.length} bytes`, { params: { reason: 'too-large' }, hint: `The PDF is larger than ${Math.round(limits.maxBytes / 1048576)} MiB, the most a rulebook may be.` });
    const worker = new Worker(this.script, { resourceLimits: { maxOldGenerationSizeMb: limits.maxHeapMiB, maxYoungGenerationSizeMb: 64 }, stdout: true, stderr: true });
    worker.stdout.resume();
    worker.stderr.resume();
    const doc = new WorkerPdfDocument(worker, limits, this.logger);
    try {
      // pdf.js takes the bytes over (it detaches them): it gets its own copy. Not `data.slice()`:
      // on a Node Buffer (what VS Code's workspace.fs.readFile gives) that is a view of the caller's
      // memory, and transferring it would detach the caller's bytes.
      const copy = new Uint8Array(data);
      const r = await doc.ask({ op: 'open', data: copy, ...(opts.password !== undefined ? { password: opts.password } : {}), limits }, undefined, [copy.buffer as ArrayBuffer]);
      if (r.type !== 'info') throw new VaultError('io', 'unexpected PDF worker reply', { hint: 'Reading the PDF failed.' });
      for (const w of r.warnings) this.logger?.debug(`pdf.js: ${w}`);
      if (r.nativeCanvas) this.logger?.warn('pdf.js loaded a native canvas module; it should not');
      doc.info = r.info;
      return doc;
    } catch (e) {
      await worker.terminate();
      throw e;
    }
  }
}

/** The extractor for this build: undefined when the worker bundle is missing (then adding a rulebook is refused). */
export function nodePdfTextExtractor(logger?: Logger): PdfTextExtractor | undefined {
  const script = pdfTextWorkerScript();
  return script ? new WorkerPdfTextExtractor(script, logger) : undefined;
}
