import * as vscode from 'vscode';
import type { PageHit } from '../../core/rulebooks/search';
import type { VaultCatalog } from '../../core/search';
import { DisposableStore } from '../lifecycle';
import type { Prompter } from '../prompter';
import type { EntityRef } from './deps';
import type { PageSearch } from '../rulebooks/pageSearch';
import { quickSearchItems, type PageItem, type SearchItem } from './searchItems';

export interface QuickSearchDeps {
  /** The catalog of the unlocked vault, or undefined. */
  catalog(): VaultCatalog | undefined;
  /** Fires when the catalog changed, so an open list follows edits made meanwhile. */
  readonly onDidUpdate: vscode.Event<void>;
  open(entity: EntityRef): unknown;
  /** The rulebook pages' search of the unlocked vault (hits ranked among the entries'). */
  pages?(): PageSearch | undefined;
  /** Opens a book at a page hit, with the query that found it highlighted. */
  openPage?(hit: PageHit, query: string): unknown;
  readonly ui: () => Prompter;
}

/**
 * Campaign Vault: Quick Search. A list that searches names and text of every entity as you type
 * (fuzzy on names, prefix on words) and the rulebook pages that match ("SRD · p. 195 · Grappling"),
 * in one ranking; Enter opens the entity, or the book at that page. `initial` (a string) fills the box.
 */
export async function quickSearch(deps: QuickSearchDeps, initial?: unknown): Promise<void> {
  const catalog = deps.catalog();
  if (!catalog) {
    void deps.ui().message({ id: 'cannot-run', severity: 'info', text: vscode.l10n.t('Campaign Vault: unlock a vault to search it.') });
    return;
  }
  const store = new DisposableStore();
  const pages = deps.pages?.();
  const pick = store.add(vscode.window.createQuickPick<(SearchItem | PageItem | vscode.QuickPickItem) & vscode.QuickPickItem>());
  pick.title = vscode.l10n.t('Quick Search');
  pick.placeholder = vscode.l10n.t('Search names and text of characters, NPCs, sessions, locations, items, spells, and rulebook pages…');
  pick.matchOnDescription = false;
  pick.matchOnDetail = false;
  pick.busy = true;
  const update = () => {
    // The vault locked (its catalog was dropped): nothing of it stays on screen.
    if (deps.catalog() !== catalog) pick.hide();
    else {
      pick.items = quickSearchItems(catalog.index, pages ? pages.search(pick.value, 20) : [], pick.value, vscode.l10n);
    }
  };
  store.add(pick.onDidChangeValue(update));
  store.add(deps.onDidUpdate(update));
  store.add(
    pick.onDidAccept(() => {
      const [chosen] = pick.selectedItems;
      if (!chosen) return;
      if ('hit' in chosen) {
        pick.hide();
        void Promise.resolve(deps.openPage?.(chosen.hit, pick.value));
        return;
      }
      if (!('entity' in chosen)) return;
      pick.hide();
      const e = chosen.entity;
      const campaign_name = catalog.index.campaignName(e.campaign_id);
      void Promise.resolve(deps.open({ id: e.id, kind: e.kind, name: e.name, campaign_id: e.campaign_id, ...(campaign_name ? { campaign_name } : {}) }));
    }),
  );
  const closed = new Promise<void>((resolve) => store.add(pick.onDidHide(() => resolve())));
  if (typeof initial === 'string') pick.value = initial;
  pick.show();
  await Promise.all([catalog.ready(), pages?.ready()]);
  pick.busy = false;
  update();
  await closed;
  store.dispose();
}
