/**
 * Page citations of rulebooks (docs/RULEBOOKS.md, "Citations").
 *
 * - In text (session notes, descriptions, any entry): `[[SRD 5.1#p254]]` — an entry link whose
 *   target ends in `#p` and a **printed** page label (`#p254`, `#pxii`, `#p A-3`), with the usual
 *   `[[rulebook/SRD 5.1#p254]]` and `[[SRD 5.1#p254|grappling]]` forms. A plain `[[SRD 5.1]]` stays
 *   a link to the book entry; nothing else changes meaning.
 * - In a `source:` field of an entry's YAML: `source: SRD 5.1#p254` (no brackets: `[` starts a list
 *   in YAML). A `source:` without `#p` ("SRD 5.1") stays free text.
 *
 * The label is what the page shows in print; the book's own PDF labels, else its page offset,
 * turn it into the PDF page (src/core/rulebooks/pages.ts).
 */
import type { EntityKind } from '../db/kinds';
import { labelOf, pageOfLabel, type LabelSource } from '../rulebooks/pages';
import type { PdfOutlineEntry } from '../rulebooks/port';
import { nameKey } from './resolve';
import { scanLinks, type EntityLink, type LinkSyntax } from './scan';

export interface Citation {
  /** The whole citation in the text (the `[[…]]`, or the value of `source:`): offset and length. */
  readonly offset: number;
  readonly length: number;
  /** The book's name as written. */
  readonly book: string;
  /** The printed page label as written. */
  readonly label: string;
  readonly alias?: string;
  readonly form: 'link' | 'source';
}

/** A book as citations need it: the rulebook entry's fields. */
export interface CitableBook extends LabelSource {
  readonly id: string;
  readonly name: string;
  readonly page_count?: number | null;
  readonly campaign_id?: string | null;
}

export type CitationTarget<B extends CitableBook = CitableBook> =
  | { readonly status: 'resolved'; readonly book: B; readonly page: number }
  | { readonly status: 'unknown-book'; readonly message: string }
  | { readonly status: 'ambiguous-book'; readonly books: readonly B[]; readonly message: string }
  | { readonly status: 'no-such-page'; readonly book: B; readonly message: string };

/** A rulebook entry as citations need it (fields of another shape are left out). */
export function citableBook(book: { readonly id: string; readonly name: string; readonly campaign_id?: string | null; readonly [field: string]: unknown }): CitableBook {
  return {
    id: book.id,
    name: book.name,
    page_count: typeof book.page_count === 'number' ? book.page_count : null,
    page_labels: Array.isArray(book.page_labels) ? book.page_labels.map(String) : null,
    page_offset: typeof book.page_offset === 'number' ? book.page_offset : null,
    campaign_id: book.campaign_id ?? null,
  };
}

const PAGE = /^(.*\S)\s*#p\s*([^\s#|[\]]{1,20})$/u;

/** The book and label of a link that cites a page, or undefined for an ordinary entry link. */
export function citationOfLink(link: Pick<EntityLink, 'name' | 'kind'>): { book: string; label: string } | undefined {
  if (link.kind !== undefined && link.kind !== ('rulebook' satisfies EntityKind)) return undefined;
  const m = PAGE.exec(link.name);
  return m ? { book: m[1]!, label: m[2]! } : undefined;
}

/** `SRD 5.1#p254` (quotes allowed) as a `source:` value: the book and the label. */
export function citationOfSource(value: string): { book: string; label: string } | undefined {
  const v = value.trim().replace(/^(["'])(.*)\1$/u, '$2').trim();
  const m = PAGE.exec(v);
  return m ? { book: m[1]!, label: m[2]! } : undefined;
}

/** Every citation in a document: `[[Book#pN]]` links, and in YAML the `source: Book#pN` values. */
export function scanCitations(text: string, syntax: LinkSyntax): Citation[] {
  const out: Citation[] = [];
  for (const link of scanLinks(text, syntax)) {
    const c = citationOfLink(link);
    if (c) out.push({ offset: link.offset, length: link.length, ...c, ...(link.alias !== undefined ? { alias: link.alias } : {}), form: 'link' });
  }
  if (syntax === 'yaml') {
    const field = /^([ \t]*(?:-[ \t]+)?source:[ \t]*)(.*)$/gmu;
    for (let m = field.exec(text); m; m = field.exec(text)) {
      // A YAML comment starts at a `#` after white space; `SRD 5.1#p254` has none before its `#`.
      const value = m[2]!.replace(/[ \t]+#.*$/u, '').trimEnd();
      const c = citationOfSource(value);
      if (c) out.push({ offset: m.index + m[1]!.length, length: value.length, ...c, form: 'source' });
    }
  }
  return out.sort((a, b) => a.offset - b.offset);
}

/**
 * The book and PDF page a citation points at. Books are matched by name as links are (case and
 * spacing aside); the one in the citing entry's campaign first, then the shared library, then any.
 */
export function resolveCitation<B extends CitableBook>(c: { book: string; label: string }, books: readonly B[], context: { campaign_id?: string | null } = {}): CitationTarget<B> {
  const found = bookNamed(c.book, books, context);
  if (found.status !== 'resolved') return found;
  const book = found.book;
  const count = book.page_count ?? 0;
  const page = pageOfLabel(book, count, c.label);
  if (page === undefined) {
    let firstPage = 1;
    while (firstPage < count && labelOf(book, firstPage) === null) firstPage++;
    const first = count > 0 ? labelOf(book, firstPage) : null;
    const last = count > 0 ? labelOf(book, count) : null;
    const range = first !== null && last !== null ? ` (its pages run from ${first} to ${last})` : count > 0 ? ` (it has ${count} pages)` : '';
    return { status: 'no-such-page', book, message: `"${book.name}" has no page ${c.label}${range}.` };
  }
  return { status: 'resolved', book, page };
}

/** The book a citation names: the one in the citing entry's campaign first, then the library's, then any. */
export function bookNamed<B extends CitableBook>(name: string, books: readonly B[], context: { campaign_id?: string | null } = {}): Extract<CitationTarget<B>, { status: 'unknown-book' | 'ambiguous-book' }> | { readonly status: 'resolved'; readonly book: B } {
  const named = books.filter((b) => nameKey(b.name) === nameKey(name));
  if (named.length === 0) return { status: 'unknown-book', message: `No rulebook is named "${name}"; add it, or check the name.` };
  const own = named.filter((b) => (b.campaign_id ?? null) === (context.campaign_id ?? null));
  const library = named.filter((b) => (b.campaign_id ?? null) === null);
  const pick = own.length > 0 ? own : library.length > 0 ? library : named;
  if (pick.length > 1) return { status: 'ambiguous-book', books: pick, message: `Several rulebooks are named "${name}"; rename one.` };
  return { status: 'resolved', book: pick[0]! };
}

/** A citation being typed: the book named before a `#`, and the range of what follows it (the label so far). */
export interface CitationInProgress {
  readonly book: string;
  /** Offsets of the text after the `#` up to the end of the label typed (to be replaced). */
  readonly start: number;
  readonly end: number;
  readonly form: 'link' | 'source';
}

const LABEL_CHARS = /^[^\s#|[\]]{0,21}/u;

/**
 * Whether the cursor at `offset` is in the page part of a citation: after `[[Book#` (a link not
 * closed before the cursor, on its line) or, in YAML, after `source: Book#`.
 */
export function citationBeingTyped(text: string, offset: number, syntax: LinkSyntax): CitationInProgress | undefined {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const before = text.slice(lineStart, offset);
  const rest = LABEL_CHARS.exec(text.slice(offset, offset + 21))![0];
  const open = before.lastIndexOf('[[');
  if (open >= 0 && !before.includes(']]', open)) {
    const inner = before.slice(open + 2);
    const hash = inner.lastIndexOf('#');
    const typed = inner.slice(hash + 1);
    const book = inner.slice(0, Math.max(hash, 0)).replace(/^rulebook\//iu, '').trim();
    if (hash > 0 && book && !inner.includes('|') && LABEL_CHARS.exec(typed)![0] === typed && typed.length <= 21) return { book, start: offset - typed.length, end: offset + rest.length, form: 'link' };
  }
  if (syntax === 'yaml') {
    // No space before the `#`: in YAML, ` #` starts a comment.
    const m = /^[ \t]*(?:-[ \t]+)?source:[ \t]*["']?([^#"']*\S)#([^\s#|[\]]{0,21})$/u.exec(before);
    if (m) return { book: m[1]!.trim(), start: offset - m[2]!.length, end: offset + rest.length, form: 'source' };
  }
  return undefined;
}

/** A page worth offering when a citation's page is typed: a chapter or section of the book's outline. */
export interface PageChoice {
  /** The printed label, as a citation writes it. */
  readonly label: string;
  /** The 1-based PDF page. */
  readonly page: number;
  readonly title: string;
  readonly level: number;
}

/**
 * The outline's chapters and sections (two levels) that have a printed page label, in book
 * order, at most `limit`: what `[[Book#` offers (a book with no outline offers none).
 */
export function pageChoices(book: LabelSource & { readonly page_count?: number | null }, outline: readonly PdfOutlineEntry[], limit = 300): PageChoice[] {
  const out: PageChoice[] = [];
  const count = book.page_count ?? Number.POSITIVE_INFINITY;
  for (const o of outline) {
    if (out.length >= limit) break;
    if (o.level > 1 || o.page === undefined || o.page < 1 || o.page > count || !o.title.trim()) continue;
    const label = labelOf(book, o.page);
    if (label === null) continue;
    out.push({ label, page: o.page, title: o.title.trim().replace(/\s+/gu, ' '), level: o.level });
  }
  return out;
}

/**
 * How to cite a page: `SRD 5.1#p254` (in `[[…]]` in text, bare in `source:`); undefined for a page
 * with no printed label (front matter before printed page 1).
 */
export function citationText(book: { name: string } & LabelSource, page: number): string | undefined {
  const label = labelOf(book, page);
  return label === null ? undefined : `${book.name}#p${label}`;
}

/**
 * The citations an entry holds, wherever they are in it: `[[Book#pN]]` in any text field (notes,
 * descriptions, nested features …) and `source: Book#pN` fields at any depth.
 */
export function citationsInBody(body: unknown): { book: string; label: string }[] {
  const out: { book: string; label: string }[] = [];
  const walk = (value: unknown, key: string | undefined, depth: number): void => {
    if (depth > 64) return;
    if (typeof value === 'string') {
      const source = key === 'source' ? citationOfSource(value) : undefined;
      if (source) out.push(source);
      else if (value.includes('#p')) for (const c of scanCitations(value, 'markdown')) out.push({ book: c.book, label: c.label });
    } else if (Array.isArray(value)) {
      for (const v of value) walk(v, undefined, depth + 1);
    } else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) walk(v, k, depth + 1);
    }
  };
  walk(body, undefined, 0);
  return out;
}

/**
 * For one book: which entries cite which of its PDF pages ("cited by" in the viewer). Each entry
 * is listed once per page, in the order given.
 */
export function citedPages<E extends { readonly id: string; readonly campaign_id?: string | null }>(entries: Iterable<{ readonly entry: E; readonly body: unknown }>, books: readonly CitableBook[], bookId: string): Map<number, E[]> {
  const pages = new Map<number, E[]>();
  for (const { entry, body } of entries) {
    const seen = new Set<number>();
    for (const c of citationsInBody(body)) {
      const t = resolveCitation(c, books, { campaign_id: entry.campaign_id ?? null });
      if (t.status !== 'resolved' || t.book.id !== bookId || seen.has(t.page)) continue;
      seen.add(t.page);
      const list = pages.get(t.page) ?? [];
      list.push(entry);
      pages.set(t.page, list);
    }
  }
  return pages;
}
