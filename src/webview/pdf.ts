// pdf.js in a webview, as the rulebook viewer and the gallery use it: its worker started from a
// blob: URL of its script (the CSP allows no other worker source), and a document read through a
// range transport whose bytes come only by message from the host — nothing runs (no eval, no XFA,
// no wasm decoders) and nothing is fetched but the ranges pdf.js asks for.
import { getDocument, GlobalWorkerOptions, PDFDataRangeTransport, type PDFDocumentLoadingTask } from 'pdfjs-dist';

let worker: Promise<void> | undefined;

/** Starts pdf.js's worker from its script at `uri` (a webview resource), once per webview. */
export function startPdfWorker(uri: string): Promise<void> {
  worker ??= (async () => {
    const script = await (await fetch(uri)).blob();
    const url = URL.createObjectURL(new Blob([script], { type: 'text/javascript' }));
    GlobalWorkerOptions.workerPort = new Worker(url, { type: 'module' });
  })();
  return worker;
}

export interface RangedPdf {
  /** Hands pdf.js the bytes of a range the host sent. */
  readonly transport: PDFDataRangeTransport;
  readonly task: PDFDocumentLoadingTask;
}

/**
 * Opens a PDF of `length` bytes whose first bytes are `initial`; `request(begin, end)` asks the
 * host for more (its answer goes to `transport.onDataRange`). Start the worker first.
 */
export function openRangedPdf(length: number, initial: Uint8Array, request: (begin: number, end: number) => void, rangeChunkSize?: number): RangedPdf {
  const transport = new PDFDataRangeTransport(length, initial) as PDFDataRangeTransport & { requestDataRange(begin: number, end: number): void };
  transport.requestDataRange = request;
  const task = getDocument({
    range: transport,
    length,
    ...(rangeChunkSize ? { rangeChunkSize } : {}),
    disableAutoFetch: true,
    disableStream: true,
    isEvalSupported: false,
    enableXfa: false,
    useWasm: false,
    stopAtErrors: false,
  });
  return { transport, task };
}
