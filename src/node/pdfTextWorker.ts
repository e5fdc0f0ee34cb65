/**
 * The worker thread behind {@link WorkerPdfTextExtractor} (src/node/pdfText.ts), bundled as
 * dist/pdf-text-worker.js: pdf.js (pdfjs-dist 5.6, legacy build) reads one PDF, page by page on
 * request, and answers with plain lines and their font sizes. pdf.js runs its own "worker" inside
 * this thread (no second thread), never evaluates code from the PDF (isEvalSupported false, no
 * scripting, no XFA) and never loads the optional native canvas (see pdfPolyfill.ts, esbuild.mjs).
 */
import { pdfWarnings } from './pdfPolyfill';
import { parentPort } from 'node:worker_threads';
import * as pdfjs from 'pdfjs-dist/legacy/build/pdf.mjs';
// @ts-expect-error -- the worker module has no type declarations; it is only handed to pdf.js.
import * as pdfjsWorker from 'pdfjs-dist/legacy/build/pdf.worker.mjs';
import type { PdfInfo, PdfLimits, PdfLine, PdfOutlineEntry } from '../core/rulebooks/port';

(globalThis as Record<string, unknown>).pdfjsWorker = pdfjsWorker;

export type PdfWorkerRequest =
  | { readonly op: 'open'; readonly data: Uint8Array; readonly password?: string; readonly limits: PdfLimits }
  | { readonly op: 'page'; readonly page: number };

export type PdfWorkerReply =
  | { readonly type: 'info'; readonly info: PdfInfo; readonly warnings: readonly string[]; readonly nativeCanvas: boolean }
  | { readonly type: 'page'; readonly page: number; readonly lines: readonly PdfLine[] }
  | { readonly type: 'error'; readonly error: { readonly message: string; readonly hint: string; readonly reason: PdfRefusal } };

type Doc = Awaited<ReturnType<typeof pdfjs.getDocument>['promise']>;

let doc: Doc | undefined;
let limits: PdfLimits | undefined;

/** Why a PDF was refused (crosses to the host as the VaultError's `params.reason`). */
export type PdfRefusal = 'password-needed' | 'password-wrong' | 'damaged' | 'too-large';

class Refused extends Error {
  constructor(
    readonly code: PdfRefusal,
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

function refusal(e: unknown, what: string): Refused {
  if (e instanceof Refused) return e;
  const err = e as { name?: string; code?: number; message?: string };
  const detail = err?.message ?? String(e);
  if (err?.name === 'PasswordException') {
    return err.code === 2
      ? new Refused('password-wrong', `PDF password wrong: ${detail}`, 'The PDF’s password is wrong.')
      : new Refused('password-needed', `PDF needs a password: ${detail}`, 'The PDF is protected by a password; give its password to add it.');
  }
  if (err?.name === 'InvalidPDFException') return new Refused('damaged', `invalid PDF: ${detail}`, `The file is not a readable PDF: it is damaged or truncated (${detail}).`);
  return new Refused('damaged', `${what}: ${detail}`, `The PDF is damaged: ${what} failed (${detail}).`);
}

function text(v: unknown, max = 1000): string | undefined {
  return typeof v === 'string' && v.trim() ? v.trim().slice(0, max) : undefined;
}

async function pageOf(d: Doc, dest: unknown): Promise<number | undefined> {
  try {
    const explicit = typeof dest === 'string' ? await d.getDestination(dest) : dest;
    if (!Array.isArray(explicit)) return undefined;
    const target: unknown = explicit[0];
    // wkhtmltopdf writes bare 0-based page numbers instead of page references.
    const index = typeof target === 'number' ? target : target && typeof target === 'object' ? await d.getPageIndex(target as Parameters<Doc['getPageIndex']>[0]) : undefined;
    return index !== undefined && Number.isInteger(index) && index >= 0 && index < d.numPages ? index + 1 : undefined;
  } catch {
    return undefined;
  }
}

interface OutlineNode {
  readonly title: string;
  readonly dest: unknown;
  readonly items: readonly OutlineNode[];
}

async function flatOutline(d: Doc, max: number): Promise<PdfOutlineEntry[]> {
  const out: PdfOutlineEntry[] = [];
  const roots = ((await d.getOutline().catch(() => null)) ?? []) as unknown as OutlineNode[];
  const walk = async (items: readonly OutlineNode[], level: number): Promise<void> => {
    for (const it of items) {
      if (out.length >= max || level > 100) return;
      const title = text(it.title)?.replace(/\s+/gu, ' ');
      if (title) {
        const page = await pageOf(d, it.dest);
        out.push({ title, level, ...(page !== undefined ? { page } : {}) });
      }
      await walk(it.items ?? [], level + 1);
    }
  };
  await walk(roots, 0);
  return out;
}

async function open(data: Uint8Array, password: string | undefined, lim: PdfLimits): Promise<PdfInfo> {
  limits = lim;
  if (data.length > lim.maxBytes) throw new Refused('too-large', `PDF of ${data.length} bytes`, `The PDF is larger than ${Math.round(lim.maxBytes / 1048576)} MiB, the most a rulebook may be.`);
  let d: Doc;
  try {
    d = await pdfjs.getDocument({
      data,
      ...(password !== undefined ? { password } : {}),
      isEvalSupported: false,
      enableXfa: false,
      disableFontFace: true,
      useSystemFonts: false,
      stopAtErrors: false,
      verbosity: 0,
    }).promise;
  } catch (e) {
    throw refusal(e, 'opening it');
  }
  doc = d;
  if (d.numPages < 1) throw new Refused('damaged', 'PDF without pages', 'The PDF has no pages.');
  if (d.numPages > lim.maxPages) throw new Refused('too-large', `PDF of ${d.numPages} pages`, `The PDF has ${d.numPages} pages; a rulebook may have at most ${lim.maxPages}.`);
  const meta = await d.getMetadata().catch(() => undefined);
  const infoDict = (meta?.info ?? {}) as Record<string, unknown>;
  const labels = await d.getPageLabels().catch(() => null);
  const title = text(infoDict.Title);
  const author = text(infoDict.Author);
  return {
    pageCount: d.numPages,
    ...(title ? { title } : {}),
    ...(author ? { author } : {}),
    ...(labels && labels.length === d.numPages && labels.some((l, i) => l !== String(i + 1)) ? { labels: labels.map((l) => (l ?? '').slice(0, 100)) } : {}),
    outline: await flatOutline(d, lim.maxOutline),
  };
}

interface Item {
  readonly str: string;
  readonly transform: readonly number[];
  readonly width: number;
  readonly hasEOL: boolean;
}

/** The page's text items as lines (a break at each end of line and where the baseline moves), each with its largest font size. */
async function page(n: number): Promise<PdfLine[]> {
  if (!doc || !limits) throw new Refused('damaged', 'no PDF open', 'No PDF is open.');
  let p: Awaited<ReturnType<Doc['getPage']>>;
  let items: Item[];
  try {
    p = await doc.getPage(n);
    const content = await p.getTextContent({ disableNormalization: false });
    items = content.items.filter((i): i is typeof i & Item => 'str' in i) as unknown as Item[];
  } catch (e) {
    throw refusal(e, `reading page ${n}`);
  }
  if (items.length > limits.maxItemsPerPage) {
    throw new Refused('too-large', `page ${n} has ${items.length} text items`, `Page ${n} of the PDF holds more than ${limits.maxItemsPerPage} pieces of text; it looks built to exhaust the reader (a PDF bomb).`);
  }
  const lines: PdfLine[] = [];
  let line = '';
  let size = 0;
  let lastY: number | undefined;
  let lastEnd: number | undefined;
  const flush = () => {
    if (line.trim()) lines.push({ text: line, size: Math.round(size * 100) / 100 });
    line = '';
    size = 0;
    lastEnd = undefined;
  };
  for (const it of items) {
    const [a = 0, b = 0, c = 0, d = 0, x = 0, y = 0] = it.transform;
    const h = Math.hypot(c, d) || Math.hypot(a, b);
    if (lastY !== undefined && it.str && Math.abs(y - lastY) > Math.max(1, h * 0.5)) flush();
    if (it.str) {
      // A gap between two pieces that carry no space of their own is a space.
      if (lastEnd !== undefined && line && !/\s$/u.test(line) && !/^\s/u.test(it.str) && x - lastEnd > h * 0.15) line += ' ';
      line += it.str;
      if (it.str.trim()) size = Math.max(size, h);
      lastY = y;
      lastEnd = x + it.width;
    }
    if (it.hasEOL) flush();
  }
  flush();
  p.cleanup();
  return lines;
}

function canvasLoaded(): boolean {
  const cache = (typeof require === 'function' ? require.cache : {}) ?? {};
  return Object.keys(cache).some((k) => k.includes('@napi-rs'));
}

parentPort?.on('message', (req: PdfWorkerRequest) => {
  const run = async (): Promise<PdfWorkerReply> => {
    if (req.op === 'open') return { type: 'info', info: await open(req.data, req.password, req.limits), warnings: pdfWarnings.splice(0), nativeCanvas: canvasLoaded() };
    return { type: 'page', page: req.page, lines: await page(req.page) };
  };
  run().then(
    (reply) => parentPort!.postMessage(reply),
    (e: unknown) => {
      const r = refusal(e, req.op === 'open' ? 'opening it' : `reading page ${req.page}`);
      parentPort!.postMessage({ type: 'error', error: { reason: r.code, message: r.message, hint: r.hint } } satisfies PdfWorkerReply);
    },
  );
});
