/**
 * What the rulebook service needs to read a PDF: its details and its pages' text, one page at a
 * time. Core never parses a PDF itself; the Node side (src/node/pdfText.ts) runs pdf.js in a worker
 * thread. Everything crossing this port is plain data (structured-cloneable).
 */
import type { Cancellation } from '../session/types';

/** Limits that keep a hostile or enormous PDF from taking the machine down (a clear error instead). */
export interface PdfLimits {
  /** The largest file accepted, in bytes. */
  readonly maxBytes: number;
  /** The most pages a book may have. */
  readonly maxPages: number;
  /** Text items on one page beyond which the page is refused (a content-stream bomb). */
  readonly maxItemsPerPage: number;
  /** Characters kept per page (the rest of an absurdly long page is dropped). */
  readonly maxCharsPerPage: number;
  /** Heap the extraction may use, in MiB (the worker is stopped beyond it). */
  readonly maxHeapMiB: number;
  /** Outline entries kept (the rest are dropped). */
  readonly maxOutline: number;
}

export const DEFAULT_PDF_LIMITS: PdfLimits = {
  maxBytes: 512 * 1024 * 1024,
  maxPages: 5000,
  maxItemsPerPage: 200_000,
  maxCharsPerPage: 200_000,
  maxHeapMiB: 768,
  maxOutline: 5000,
};

/** One outline (bookmark) entry, flattened: depth 0 is a chapter. `page` is 1-based, absent when it points nowhere. */
export interface PdfOutlineEntry {
  readonly title: string;
  readonly level: number;
  readonly page?: number;
}

export interface PdfInfo {
  readonly pageCount: number;
  readonly title?: string;
  readonly author?: string;
  /** The printed page labels, one per page (`/PageLabels`); undefined when the PDF has none. */
  readonly labels?: readonly string[];
  readonly outline: readonly PdfOutlineEntry[];
}

/** One line of a page's text as laid out, with the font size it was set in (points). */
export interface PdfLine {
  readonly text: string;
  readonly size: number;
}

export interface PdfPage {
  /** 1-based page index. */
  readonly page: number;
  readonly lines: readonly PdfLine[];
}

/** An opened PDF. `pages()` yields every page in order; `close()` frees it (also after a failure). */
export interface PdfDocument {
  readonly info: PdfInfo;
  pages(token?: Cancellation): AsyncIterable<PdfPage>;
  close(): Promise<void>;
}

/**
 * Opens a PDF's bytes. Refuses a PDF with a VaultError `invalid` whose hint says why and whose
 * `params.reason` is `password-needed` / `password-wrong` (give `password`), `damaged` (damaged or
 * truncated) or `too-large` (over a limit: bytes, pages, text per page, memory, time — a PDF bomb).
 * A cancelled extraction ends with `cancelled`.
 */
export interface PdfTextExtractor {
  open(data: Uint8Array, opts?: { readonly password?: string; readonly limits?: Partial<PdfLimits> }): Promise<PdfDocument>;
}
