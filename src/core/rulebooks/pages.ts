/**
 * A rulebook's pages as stored and searched (pure): a page's lines become its plain text and its
 * headings (lines set larger than the page's body text), each page gets the outline chapter it
 * belongs to, and a page index its printed label.
 */
import type { PdfLine, PdfOutlineEntry } from './port';

/** A heading on a page: its text and where it starts in the page's text. */
export interface PageHeading {
  readonly title: string;
  readonly at: number;
}

/** One page as the vault keeps it (table rulebook_pages). */
export interface StoredPage {
  /** 1-based page index. */
  readonly page: number;
  readonly text: string;
  readonly headings: readonly PageHeading[];
  /** The top-level outline entry the page belongs to. */
  readonly chapter: string | null;
}

/** A line counts as a heading when set at least this much larger than the page's body text. */
const HEADING_RATIO = 1.2;
const MAX_HEADING = 160;

/**
 * The page's text (lines joined with line breaks, white space inside a line collapsed, at most
 * `maxChars` characters) and its headings. The body size is the size most characters are set in.
 */
export function pageFromLines(page: number, lines: readonly PdfLine[], chapter: string | null, maxChars = Infinity, outlineTitles: readonly string[] = []): StoredPage {
  const titled = new Set(outlineTitles.map(squash));
  const bySize = new Map<number, number>();
  for (const l of lines) bySize.set(round(l.size), (bySize.get(round(l.size)) ?? 0) + l.text.length);
  let body = 0;
  let most = -1;
  for (const [size, n] of bySize) if (n > most || (n === most && size < body)) [body, most] = [size, n];
  let text = '';
  const headings: PageHeading[] = [];
  let previousHeading = false;
  for (const l of lines) {
    const t = l.text.replace(/\s+/gu, ' ').trim();
    if (!t) continue;
    if (text.length + t.length + 1 > maxChars) break;
    // Set larger than the body, or (a bold heading the same size) the very title of a bookmark to this page.
    const heading = (body > 0 && round(l.size) >= body * HEADING_RATIO && t.length <= MAX_HEADING && /\p{L}/u.test(t)) || titled.has(squash(t));
    if (heading && previousHeading && headings.length > 0 && text.endsWith('\n')) {
      // A heading set over two lines is one heading.
      const last = headings.pop()!;
      headings.push({ title: `${last.title} ${t}`, at: last.at });
      text = `${text.slice(0, -1)} ${t}\n`;
    } else {
      if (heading) headings.push({ title: t, at: text.length });
      text += `${t}\n`;
    }
    previousHeading = heading;
  }
  return { page, text: text.trimEnd(), headings, chapter };
}

function squash(s: string): string {
  return s.toLowerCase().replace(/\s+/gu, ' ').trim();
}

function round(size: number): number {
  return Math.round(Math.abs(size) * 10) / 10;
}

/** For each page (index 0 is page 1), the title of the top-level outline entry it falls under. */
export function chaptersByPage(outline: readonly PdfOutlineEntry[], pageCount: number): (string | null)[] {
  const starts = outline.filter((o) => o.level === 0 && o.page !== undefined).sort((a, b) => a.page! - b.page!);
  const out: (string | null)[] = [];
  let k = -1;
  for (let p = 1; p <= pageCount; p++) {
    while (k + 1 < starts.length && starts[k + 1]!.page! <= p) k++;
    out.push(k >= 0 ? starts[k]!.title : null);
  }
  return out;
}

/** The book details a printed label is worked out from (the rulebook entry's fields). */
export interface LabelSource {
  readonly page_labels?: readonly string[] | null;
  readonly page_offset?: number | null;
}

/**
 * The printed label of a page: the PDF's own label when it has page labels; otherwise the page
 * index less the book's page offset (a book whose printed page 1 is the PDF's page 3 has offset 2);
 * null for the pages before printed page 1.
 */
export function labelOf(book: LabelSource, page: number): string | null {
  const own = book.page_labels?.[page - 1];
  if (own) return own;
  const printed = page - (book.page_offset ?? 0);
  return printed >= 1 ? String(printed) : null;
}

/** The page index (1-based) that carries a printed label; the first such page when several do. */
export function pageOfLabel(book: LabelSource, pageCount: number, label: string): number | undefined {
  const wanted = label.trim();
  for (let p = 1; p <= pageCount; p++) if (labelOf(book, p) === wanted) return p;
  const lower = wanted.toLowerCase();
  for (let p = 1; p <= pageCount; p++) if (labelOf(book, p)?.toLowerCase() === lower) return p;
  return undefined;
}

/** The outline entries that point at a page (their titles name what the page holds). */
export function outlineTitlesByPage(outline: readonly PdfOutlineEntry[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const o of outline) {
    if (o.page === undefined) continue;
    const list = out.get(o.page) ?? [];
    list.push(o.title);
    out.set(o.page, list);
  }
  return out;
}
