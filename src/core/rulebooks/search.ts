/**
 * Rulebook pages in full-text search (pure; docs/RULEBOOKS.md, "Search"). Each page is cut into
 * sections at its headings; a section is one document with its heading (weighs most), the outline
 * titles that point at it and its text. Terms are folded and stemmed ("grapple" finds
 * "Grappling"); a section holding the whole query as a phrase ranks higher, more so in its
 * heading. A page's score is its best section's.
 */
import MiniSearch from 'minisearch';
import { foldTerm, snippet } from '../search/text';
import { outlineTitlesByPage } from './pages';
import { stem } from './stem';
import type { PdfOutlineEntry } from './port';
import type { RulebookPage } from './service';

/** A page that matched. `page` is the 1-based PDF page index, `label` the printed page label. */
export interface PageHit {
  readonly type: 'page';
  readonly rulebook: string;
  readonly rulebook_id: string;
  readonly campaign_id: string | null;
  readonly page: number;
  readonly label: string | null;
  /** The heading of the section that matched (or the last one before it). */
  readonly heading: string | null;
  readonly snippet: string;
  readonly score: number;
}

export interface PageSearchOptions {
  readonly limit?: number;
  /** Only these books (ids). */
  readonly rulebooks?: readonly string[];
  /** Only books of this campaign (null: the shared library). */
  readonly campaign_id?: string | null;
}

/** The book an index holds pages of. */
export interface IndexedBook {
  readonly id: string;
  readonly name: string;
  readonly campaign_id: string | null;
  readonly outline?: readonly PdfOutlineEntry[];
}

interface Section {
  readonly key: string;
  readonly book: string;
  readonly page: number;
  readonly label: string | null;
  readonly heading: string | null;
  /** The heading this section continues under when it has none of its own. */
  readonly context: string | null;
  readonly outline: string;
  readonly text: string;
}

type Doc = Pick<Section, 'key' | 'outline' | 'text'> & { readonly heading: string; readonly context: string };

export { stem };

const BOOST = { heading: 3, outline: 2, context: 0.5, text: 1 };
const PHRASE_IN_HEADING = 2.5;
const PHRASE_IN_TEXT = 1.5;
const HEADING_IS_QUERY = 4;

const processTerm = (term: string): string | null => {
  const f = foldTerm(term);
  return f ? stem(f) : null;
};

/** Folded text with white space collapsed, for phrase matching. */
const flat = (s: string) => foldTerm(s).replace(/[^\p{L}\p{N}]+/gu, ' ').trim();

/** Whether a heading says just what the query says (stemmed, ignoring section numbers and case). */
function sameTerms(heading: string, query: string): boolean {
  const terms = (s: string) => flat(s).split(' ').filter((t) => t && !/^[\d.]+$/u.test(t)).map(stem).join(' ');
  const h = terms(heading);
  return h !== '' && h === terms(query);
}

export class PageIndex {
  private readonly sections = new Map<string, Section>();
  private readonly books = new Map<string, IndexedBook>();
  private readonly lastHeading = new Map<string, string | null>();
  private mini = PageIndex.create();

  private static create(): MiniSearch<Doc> {
    return new MiniSearch<Doc>({
      idField: 'key',
      fields: ['heading', 'outline', 'context', 'text'],
      storeFields: [],
      processTerm,
      searchOptions: { boost: BOOST, prefix: (term) => term.length >= 4, fuzzy: false, combineWith: 'AND' },
    });
  }

  get pageCount(): number {
    return new Set([...this.sections.values()].map((s) => `${s.book}:${s.page}`)).size;
  }

  /**
   * Adds pages of a book; call in page order (a section without a heading of its own continues
   * under the last heading seen on an earlier page).
   */
  addPages(book: IndexedBook, pages: readonly RulebookPage[]): void {
    this.books.set(book.id, book);
    const titles = outlineTitlesByPage(book.outline ?? []);
    let last = this.lastHeading.get(book.id) ?? null;
    const docs: Doc[] = [];
    for (const p of pages) {
      const starts = [0, ...p.headings.map((h) => h.at).filter((at) => at > 0)];
      const parts = starts.map((from, i) => ({ i, from, own: p.headings.find((h) => h.at === from)?.title ?? null, text: p.text.slice(from, starts[i + 1] ?? p.text.length) }));
      const kept = parts.filter((part) => part.text.trim() || part.own);
      if (kept.length === 0) continue;
      // Outline titles go to the section whose heading they name, else to the page's first section.
      const outlineOf = new Map<number, string[]>();
      for (const t of titles.get(p.page) ?? []) {
        const match = kept.find((part) => part.own !== null && (flat(part.own).includes(flat(t)) || flat(t).includes(flat(part.own)))) ?? kept[0]!;
        outlineOf.set(match.i, [...(outlineOf.get(match.i) ?? []), t]);
      }
      for (const part of kept) {
        const section: Section = { key: `${book.id}:${p.page}:${part.i}`, book: book.id, page: p.page, label: p.label, heading: part.own, context: part.own === null ? last : null, outline: (outlineOf.get(part.i) ?? []).join('\n'), text: part.text };
        this.sections.set(section.key, section);
        docs.push({ key: section.key, heading: part.own ?? '', context: section.context ?? '', outline: section.outline, text: part.text });
        if (part.own) last = part.own;
      }
    }
    this.lastHeading.set(book.id, last);
    for (const d of docs) if (this.mini.has(d.key)) this.mini.discard(d.key);
    this.mini.addAll(docs);
  }

  /** Forgets a book's pages (deleted, or about to be indexed afresh). */
  removeBook(id: string): void {
    for (const [key, s] of this.sections) {
      if (s.book !== id) continue;
      if (this.mini.has(key)) this.mini.discard(key);
      this.sections.delete(key);
    }
    this.books.delete(id);
    this.lastHeading.delete(id);
  }

  /** Forgets everything (on lock): no decrypted text lingers. */
  clear(): void {
    this.sections.clear();
    this.books.clear();
    this.lastHeading.clear();
    this.mini = PageIndex.create();
  }

  search(query: string, opts: PageSearchOptions = {}): PageHit[] {
    const phrase = flat(query);
    if (!phrase) return [];
    const only = opts.rulebooks ? new Set(opts.rulebooks) : undefined;
    const filter = (r: { id: unknown }) => {
      const s = this.sections.get(String(r.id));
      if (!s) return false;
      const book = this.books.get(s.book);
      return !!book && (!only || only.has(book.id)) && (opts.campaign_id === undefined || book.campaign_id === opts.campaign_id);
    };
    const best = new Map<string, { section: Section; score: number; terms: string[] }>();
    for (const r of this.mini.search(query, { filter })) {
      const s = this.sections.get(String(r.id))!;
      let score = r.score;
      const multiWord = phrase.includes(' ');
      if (s.heading && sameTerms(s.heading, query)) score *= HEADING_IS_QUERY;
      else if (s.heading && flat(s.heading).includes(phrase)) score *= PHRASE_IN_HEADING;
      else if (multiWord && flat(s.text).includes(phrase)) score *= PHRASE_IN_TEXT;
      const pageKey = `${s.book}:${s.page}`;
      const had = best.get(pageKey);
      if (!had || score > had.score) best.set(pageKey, { section: s, score, terms: r.terms });
    }
    return [...best.values()]
      .sort((a, b) => b.score - a.score || a.section.page - b.section.page)
      .slice(0, opts.limit ?? 50)
      .map(({ section: s, score, terms }) => {
        const book = this.books.get(s.book)!;
        return {
          type: 'page' as const,
          rulebook: book.name,
          rulebook_id: book.id,
          campaign_id: book.campaign_id,
          page: s.page,
          label: s.label,
          heading: s.heading ?? s.context,
          snippet: snippet(s.text, [phrase, ...terms, ...phrase.split(' ')]),
          score,
        };
      });
  }
}
