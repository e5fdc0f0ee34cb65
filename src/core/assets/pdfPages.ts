import type { PdfDocument, PdfTextExtractor } from '../rulebooks/port';

/**
 * The page count of a PDF asset, through the PDF reader the rulebooks use (pdf.js in a worker
 * thread on Node: off the host's thread, its heap capped — src/node/pdfText.ts). pdf.js reads the
 * page tree's `/Count` (or the linearization dictionary's), checking it is an integer; the count
 * is then kept only when it is believable: 1 to {@link MAX_PDF_PAGES}, and no more pages than
 * the file has bytes for (a page object takes at least {@link MIN_PAGE_BYTES}). Anything else —
 * a damaged, protected or hostile PDF, a reader that is missing or takes longer than
 * {@link PDF_PAGES_TIMEOUT_MS} — gives no count, never an error: the asset is added without one.
 */
export const MAX_PDF_PAGES = 20_000;
/** `1 0 obj<</Type/Page>>endobj` and its cross-reference entry: fewer bytes cannot hold a page. */
export const MIN_PAGE_BYTES = 24;
export const PDF_PAGES_TIMEOUT_MS = 15_000;
/** The reader's heap for counting pages (rulebooks get more: they read every page's text). */
const HEAP_MIB = 256;

export async function pdfPageCount(reader: PdfTextExtractor | undefined, data: Uint8Array, timeoutMs = PDF_PAGES_TIMEOUT_MS): Promise<number | undefined> {
  if (!reader) return undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const opening = reader.open(data, { limits: { maxPages: MAX_PDF_PAGES, maxOutline: 0, maxHeapMiB: HEAP_MIB } });
  // Closed whenever it opens, even after the time is up.
  const closed = opening.then(
    (doc) => doc,
    () => undefined,
  );
  try {
    const doc: PdfDocument | undefined = await Promise.race([closed, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)))]);
    const n = doc?.info.pageCount;
    return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= MAX_PDF_PAGES && n * MIN_PAGE_BYTES <= data.length ? n : undefined;
  } finally {
    clearTimeout(timer);
    void closed.then((doc) => doc?.close()).catch(() => undefined);
  }
}
