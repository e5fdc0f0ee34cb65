/**
 * The messages between the rulebook viewer's webview (src/webview/rulebook) and its host
 * (src/vscode/rulebooks/viewer.ts), declared once for both sides. The PDF's bytes cross only as
 * messages (never as a file): the host answers the webview's range requests from the book's file,
 * read from the vault's encrypted file store.
 */
import { MAX_QUERY, type FindMode, type PageMatches } from './find';

/** What to find (and highlight) in the book. */
export interface FindRequest {
  readonly query: string;
  readonly mode: FindMode;
}

/**
 * The book's outline as the viewer's sidebar lists it: the entries of a rulebook entry's `outline`
 * that point at one of its pages (titles cut at 300 characters, levels 0 to 8, at most 5,000).
 */
export function viewerOutline(book: { readonly page_count?: unknown; readonly outline?: unknown }): ViewerOutlineEntry[] {
  const count = Number(book.page_count ?? 0);
  const out: ViewerOutlineEntry[] = [];
  for (const o of Array.isArray(book.outline) ? (book.outline as unknown[]) : []) {
    if (typeof o !== 'object' || o === null) continue;
    const { title, level, page } = o as Record<string, unknown>;
    if (typeof title !== 'string' || typeof page !== 'number' || !Number.isInteger(page) || page < 1 || page > count) continue;
    out.push({ title: title.slice(0, 300), level: typeof level === 'number' && Number.isInteger(level) ? Math.max(0, Math.min(8, level)) : 0, page });
    if (out.length >= 5000) break;
  }
  return out;
}

/** An entry of the book's outline, as the sidebar lists it. */
export interface ViewerOutlineEntry {
  readonly title: string;
  /** 0 for a chapter, 1 for a section in it… */
  readonly level: number;
  /** 1-based page. */
  readonly page: number;
}

/** Host → webview. */
export type ViewerHostMessage =
  | {
      readonly type: 'open';
      readonly title: string;
      /** The PDF's size in bytes. */
      readonly length: number;
      /** The first bytes of the PDF (pdf.js reads the rest by range). */
      readonly initial: Uint8Array;
      /** The 1-based page to show first. */
      readonly page: number;
      /** The worker script of pdf.js (a local resource of the webview), started from a blob: URL. */
      readonly workerUri: string;
      /** The printed page labels, one per page, when the book has them (or a page offset gives them). */
      readonly labels: readonly string[] | null;
      /** The book's outline (its bookmarks that point at a page), for the sidebar. */
      readonly outline: readonly ViewerOutlineEntry[];
      /** What to highlight on the first page (and find in the book), e.g. a Quick Search query. */
      readonly highlight: FindRequest | null;
      /** Whether the book has no text to find in (a scanned book). */
      readonly noText: boolean;
      /** Words of the chrome, translated by the host. */
      readonly strings: ViewerStrings;
    }
  | { readonly type: 'range'; readonly begin: number; readonly data: Uint8Array }
  | { readonly type: 'goto'; readonly page: number; readonly highlight: FindRequest | null }
  /** The answer to `find`: the pages where it occurs and how often, in page order. */
  | { readonly type: 'found'; readonly query: string; readonly mode: FindMode; readonly pages: readonly PageMatches[] }
  /** The entries that cite `page` (by its printed label or index), for the "Cited by" bar. */
  | { readonly type: 'citedBy'; readonly page: number; readonly entries: readonly { readonly id: string; readonly label: string }[] }
  /** The answer to `password`: the PDF's password, or null when the user gave none. */
  | { readonly type: 'password'; readonly password: string | null };

export interface ViewerStrings {
  readonly previous: string;
  readonly next: string;
  readonly page: string;
  readonly of: string;
  readonly fitWidth: string;
  readonly zoomIn: string;
  readonly zoomOut: string;
  readonly loading: string;
  readonly failed: string;
  readonly password: string;
  readonly citedBy: string;
  readonly find: string;
  readonly findPrevious: string;
  readonly findNext: string;
  readonly findClose: string;
  /** "{0} of {1}" with {0} the match shown and {1} how many there are. */
  readonly matchOf: string;
  readonly noMatches: string;
  readonly noText: string;
  readonly outline: string;
  readonly noOutline: string;
}

/** Webview → host. */
export type ViewerWebviewMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'range'; readonly begin: number; readonly end: number }
  /** A page was drawn: its number, the book's page count, and whether anything but white was painted. */
  | { readonly type: 'rendered'; readonly page: number; readonly pages: number; readonly inked: boolean }
  /** The PDF has a password: ask the user for it (`wrong`: the one given did not open it). */
  | { readonly type: 'password'; readonly wrong: boolean }
  | { readonly type: 'error'; readonly message: string }
  /** Open an entry of the "Cited by" bar (the host opens only ids it listed). */
  | { readonly type: 'openEntry'; readonly id: string }
  /** Find in the book: the host answers with `found`. */
  | { readonly type: 'find'; readonly query: string; readonly mode: FindMode }
  /** The drawn page's highlights: how many, and the text of the current one (for tests and the log). */
  | { readonly type: 'highlighted'; readonly page: number; readonly count: number; readonly current: string | null };

const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x);

/** A message from the webview, checked; undefined when it is not one (the webview is not trusted). */
export function parseViewerMessage(raw: unknown): ViewerWebviewMessage | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
      return { type: 'ready' };
    case 'range':
      return isInt(m.begin) && isInt(m.end) && m.begin >= 0 && m.end > m.begin ? { type: 'range', begin: m.begin, end: m.end } : undefined;
    case 'rendered':
      return isInt(m.page) && isInt(m.pages) && typeof m.inked === 'boolean' ? { type: 'rendered', page: m.page, pages: m.pages, inked: m.inked } : undefined;
    case 'password':
      return typeof m.wrong === 'boolean' ? { type: 'password', wrong: m.wrong } : undefined;
    case 'error':
      return typeof m.message === 'string' ? { type: 'error', message: m.message.slice(0, 2000) } : undefined;
    case 'openEntry':
      return typeof m.id === 'string' && /^[0-9a-zA-Z-]{1,64}$/.test(m.id) ? { type: 'openEntry', id: m.id } : undefined;
    case 'find':
      return typeof m.query === 'string' && m.query.length <= MAX_QUERY * 4 && (m.mode === 'phrase' || m.mode === 'words') ? { type: 'find', query: m.query, mode: m.mode } : undefined;
    case 'highlighted':
      return isInt(m.page) && isInt(m.count) && m.count >= 0 && (m.current === null || typeof m.current === 'string') ? { type: 'highlighted', page: m.page, count: m.count, current: m.current === null ? null : m.current.slice(0, 400) } : undefined;
    default:
      return undefined;
  }
}

/** The largest range the host sends in one message (pdf.js asks in chunks of {@link RANGE_CHUNK}). */
export const MAX_RANGE = 4 * 1024 * 1024;
/** pdf.js's `rangeChunkSize`, and the bytes sent with `open`. */
export const RANGE_CHUNK = 64 * 1024;
