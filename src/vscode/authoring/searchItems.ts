/**
 * Quick Search's list items, built without `vscode` (a QuickPickItem is a plain object) so that
 * plain-Node tests can check them.
 */
import { KINDS } from '../../core/db/kinds';
import type { PageHit } from '../../core/rulebooks/search';
import type { IndexedEntity, SearchIndex } from '../../core/search';
import { ENGLISH, KIND_ICONS, type L10n } from './preview';

export interface SearchItem {
  readonly label: string;
  readonly description: string;
  readonly detail?: string;
  /** Keeps VS Code's own filter from hiding what our fuzzy search found. */
  readonly alwaysShow: true;
  readonly entity: IndexedEntity;
  /** The search's score (BM25, names boosted), to merge with page hits. */
  readonly score: number;
}

export const MAX_RESULTS = 50;

/** Strips `$(…)` icon syntax and line breaks from user text shown in a label. */
function plain(text: string): string {
  return text.replace(/\$\(/g, '$\u200B(').replace(/\s+/gu, ' ');
}

export function searchItems(index: SearchIndex, query: string, l10n: L10n = ENGLISH): SearchItem[] {
  return index.search(query, { limit: MAX_RESULTS }).map((hit) => {
    const e = hit.entity;
    const where = e.kind === 'campaign' ? l10n.t('campaign') : `${KINDS[e.kind].label} · ${plain(index.campaignName(e.campaign_id) ?? (e.campaign_id ? l10n.t('campaign') : l10n.t('library')))}`;
    return {
      label: `$(${KIND_ICONS[e.kind]}) ${plain(e.name)}`,
      description: where,
      ...(hit.snippet ? { detail: plain(hit.snippet) } : {}),
      alwaysShow: true,
      entity: e,
      score: hit.score,
    };
  });
}

/** A rulebook page in Quick Search: "SRD 5.1 · p. 195 · Grappling", its snippet below. */
export interface PageItem {
  readonly label: string;
  readonly description: string;
  readonly detail?: string;
  readonly alwaysShow: true;
  readonly hit: PageHit;
}

export function pageItems(hits: readonly PageHit[], l10n: L10n = ENGLISH): PageItem[] {
  return hits.map((hit) => {
    const printed = hit.label ?? String(hit.page);
    const where = printed === String(hit.page) ? l10n.t('p. {0}', printed) : l10n.t('p. {0} (page {1})', printed, hit.page);
    return {
      label: `$(book) ${plain(hit.rulebook)} · ${where}${hit.heading ? ` · ${plain(hit.heading)}` : ''}`,
      description: l10n.t('rulebook page'),
      ...(hit.snippet ? { detail: plain(hit.snippet) } : {}),
      alwaysShow: true,
      hit,
    };
  });
}

/**
 * Quick Search's list: entries and rulebook pages in one ranking, best first (as the CLI's
 * `search` merges them, docs/RULEBOOKS.md "Search"), so the page that defines a rule is not
 * listed below every stat block that mentions it.
 */
export function quickSearchItems(index: SearchIndex, pageHits: readonly PageHit[], query: string, l10n: L10n = ENGLISH): (SearchItem | PageItem)[] {
  const scoreOf = (item: SearchItem | PageItem) => ('hit' in item ? item.hit.score : item.score);
  return [...searchItems(index, query, l10n), ...pageItems(pageHits, l10n)].sort((a, b) => scoreOf(b) - scoreOf(a)).slice(0, MAX_RESULTS);
}
