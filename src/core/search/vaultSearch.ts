/**
 * One search over a vault's entries and its rulebooks' pages (docs/RULEBOOKS.md, "Search"): the
 * entries' index (searchIndex.ts) and the pages' (rulebooks/search.ts) are asked alike and their
 * hits merged by score. Each index keeps its own tuning (names fuzzy for entries; headings,
 * stemming and sections for pages), so the merge is by raw BM25 scores, both boosted alike.
 */
import type { EntityKind } from '../db/kinds';
import type { PageHit, PageIndex } from '../rulebooks/search';
import type { SearchIndex } from './searchIndex';

/** An entry that matched: `type` is its kind. */
export interface EntryHit {
  readonly type: EntityKind;
  readonly id: string;
  readonly name: string;
  readonly campaign_id: string | null;
  readonly snippet: string;
  readonly score: number;
}

export type VaultHit = EntryHit | PageHit;

export interface VaultSearchOptions {
  /** Only entries of these kinds (no pages). */
  readonly kinds?: readonly EntityKind[];
  /** Only rulebook pages (no entries). */
  readonly rulebooks?: boolean;
  readonly campaign_id?: string | null;
  readonly limit?: number;
}

export function searchVault(entries: SearchIndex | undefined, pages: PageIndex | undefined, query: string, opts: VaultSearchOptions = {}): VaultHit[] {
  const limit = opts.limit ?? 50;
  const scope = opts.campaign_id !== undefined ? { campaign_id: opts.campaign_id } : {};
  const entryHits: EntryHit[] =
    opts.rulebooks || !entries
      ? []
      : entries.search(query, { ...scope, limit, ...(opts.kinds ? { kinds: opts.kinds } : {}) }).map((h) => ({ type: h.entity.kind, id: h.entity.id, name: h.entity.name, campaign_id: h.entity.campaign_id, snippet: h.snippet, score: h.score }));
  const pageHits: PageHit[] = opts.kinds || !pages ? [] : pages.search(query, { ...scope, limit });
  return [...entryHits, ...pageHits].sort((a, b) => b.score - a.score).slice(0, limit);
}
