/**
 * Find in a rulebook (pure; docs/RULEBOOKS.md, "Find in the book"). The same matcher runs on the
 * host over the page text the vault stores (to count the matches of the whole book) and in the
 * viewer's webview over the text pdf.js lays on the drawn page (to highlight them), so both agree
 * on what matches. Matching ignores case, accents, ligatures, typographic quotes and dashes, runs
 * of white space, and a word hyphenated at the end of a line.
 *
 * Two modes: `phrase` (the find box: the query as typed, anywhere, like any editor's find) and
 * `words` (a Quick Search hit opened: each word of the query on its own, stemmed as search stems
 * it, so "grapple" highlights "Grappling" on the page the search found).
 */
import { stem } from './stem';

export type FindMode = 'phrase' | 'words';

/** A match: offsets into the text searched (end exclusive). */
export interface FindRange {
  readonly start: number;
  readonly end: number;
}

/** Matches kept per page at most (a query of one letter on a long page). */
export const MAX_MATCHES_PER_PAGE = 1000;
/** The longest query taken (longer ones are cut). */
export const MAX_QUERY = 200;

const STOP_WORDS = new Set(['a', 'an', 'and', 'at', 'by', 'for', 'in', 'of', 'on', 'or', 'the', 'to', 'with']);
const SIMPLE: Readonly<Record<string, string>> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201A': "'",
  '\u201B': "'",
  '\u2032': "'",
  '\u201C': '"',
  '\u201D': '"',
  '\u201E': '"',
  '\u2033': '"',
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2013': '-',
  '\u2014': '-',
  '\u2212': '-',
};

/** Text folded for finding; `from[i]`/`to[i]`: where folded character i came from in the original. */
export interface FoldedText {
  readonly folded: string;
  readonly from: readonly number[];
  readonly to: readonly number[];
}

const isSpace = (ch: string) => /^[\s\u00A0\u2000-\u200B\u202F\u205F\u3000]$/u.test(ch);
const isLetter = (ch: string | undefined) => ch !== undefined && /^\p{L}$/u.test(ch);

/** Folds `text` character by character (see the module's comment), keeping where each piece came from. */
export function foldForFind(text: string): FoldedText {
  let folded = '';
  const from: number[] = [];
  const to: number[] = [];
  const push = (s: string, start: number, end: number) => {
    for (let k = 0; k < s.length; k++) {
      from.push(start);
      to.push(end);
    }
    folded += s;
  };
  for (let i = 0; i < text.length; ) {
    const ch = String.fromCodePoint(text.codePointAt(i)!);
    const next = i + ch.length;
    if (ch === '\u00AD') {
      i = next; // a soft hyphen is not there for finding
      continue;
    }
    if (isSpace(ch)) {
      let j = next;
      while (j < text.length && isSpace(text[j]!)) j++;
      if (folded.length > 0 && !folded.endsWith(' ')) push(' ', i, j);
      i = j;
      continue;
    }
    if (ch === '-' || ch === '\u2010') {
      // "grap-\nple": a word broken at the end of a line is one word.
      let j = next;
      while (j < text.length && (text[j] === ' ' || text[j] === '\t')) j++;
      if (text[j] === '\n' || text[j] === '\r') {
        while (j < text.length && isSpace(text[j]!)) j++;
        const before = text[i - 1];
        const after = text[j];
        if (isLetter(before) && after !== undefined && isLetter(after) && after === after.toLowerCase()) {
          i = j;
          continue;
        }
      }
    }
    const simple = SIMPLE[ch];
    const f = simple ?? ch.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
    push(f, i, next);
    i = next;
  }
  return { folded, from, to };
}

/** The query as the matcher takes it: folded, trimmed, at most {@link MAX_QUERY} characters. */
export function foldQuery(query: string): string {
  return foldForFind(query.slice(0, MAX_QUERY)).folded.trim();
}

/** The stems a `words` query looks for (short joining words dropped when there are others). */
export function queryStems(query: string): string[] {
  const words = foldQuery(query).match(/[\p{L}\p{N}]+/gu) ?? [];
  const kept = words.length > 1 ? words.filter((w) => !STOP_WORDS.has(w)) : words;
  return [...new Set((kept.length > 0 ? kept : words).map(stem))];
}

/**
 * Where `query` occurs in `text` (in order, not overlapping, at most {@link MAX_MATCHES_PER_PAGE}).
 * An empty query matches nothing.
 */
export function findMatches(text: string, query: string, mode: FindMode = 'phrase'): FindRange[] {
  const f = foldForFind(text);
  const out: FindRange[] = [];
  const range = (a: number, b: number): FindRange => ({ start: f.from[a]!, end: f.to[b - 1]! });
  if (mode === 'phrase') {
    const q = foldQuery(query);
    if (!q) return out;
    for (let at = f.folded.indexOf(q); at >= 0 && out.length < MAX_MATCHES_PER_PAGE; at = f.folded.indexOf(q, at + q.length)) out.push(range(at, at + q.length));
    return out;
  }
  const stems = queryStems(query);
  if (stems.length === 0) return out;
  for (const m of f.folded.matchAll(/[\p{L}\p{N}]+/gu)) {
    const s = stem(m[0]);
    if (stems.some((q) => s === q || (q.length >= 4 && s.startsWith(q)))) {
      out.push(range(m.index, m.index + m[0].length));
      if (out.length >= MAX_MATCHES_PER_PAGE) break;
    }
  }
  return out;
}

/** A page's matches, as the host counts them for the viewer. */
export interface PageMatches {
  readonly page: number;
  readonly count: number;
}

/** The n-th match (0-based) of a book whose pages have `pages` matches: its page and its index on that page. */
export function nthMatch(pages: readonly PageMatches[], n: number): { page: number; index: number } | undefined {
  let left = n;
  for (const p of pages) {
    if (left < p.count) return { page: p.page, index: left };
    left -= p.count;
  }
  return undefined;
}

/** The first match (0-based, over the book) on page `page` or after it; wraps to the first match. */
export function firstMatchFrom(pages: readonly PageMatches[], page: number): number {
  let n = 0;
  for (const p of pages) {
    if (p.page >= page) return n;
    n += p.count;
  }
  return 0;
}

/** The total of matches. */
export function totalMatches(pages: readonly PageMatches[]): number {
  return pages.reduce((n, p) => n + p.count, 0);
}
