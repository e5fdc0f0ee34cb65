import * as vscode from 'vscode';
import type { VaultCatalog } from '../../core/search';
import type { EntityRef } from '../authoring';
import { searchItems, type SearchItem } from '../authoring/searchItems';

export interface QuickSearchDeps {
  /** The catalog of the unlocked vault, or undefined. */
  catalog(): VaultCatalog | undefined;
  /** Fires when the catalog changed, so an open list follows edits made meanwhile. */
  readonly onDidUpdate: vscode.Event<void>;
  open(entity: EntityRef): unknown;
}

/**
 * Campaign Vault: Quick Search. A list that searches names and text of every entity as you type
 * (fuzzy on names, prefix on words); Enter opens the entity. `initial` (a string) fills the box.
 */
export async function quickSearch(deps: QuickSearchDeps, initial?: unknown): Promise<void> {
  const catalog = deps.catalog();
  if (!catalog) {
    void vscode.window.showInformationMessage('Campaign Vault: unlock a vault to search it.');
    return;
  }
  const pick = vscode.window.createQuickPick<SearchItem & vscode.QuickPickItem>();
  const disposables: vscode.Disposable[] = [pick];
  pick.title = 'Quick Search';
  pick.placeholder = 'Search names and text of characters, NPCs, sessions, locations, items, spells…';
  pick.matchOnDescription = false;
  pick.matchOnDetail = false;
  pick.busy = true;
  const update = () => {
    pick.items = searchItems(catalog.index, pick.value);
  };
  disposables.push(
    pick.onDidChangeValue(update),
    deps.onDidUpdate(update),
    pick.onDidAccept(() => {
      const [chosen] = pick.selectedItems;
      if (!chosen) return;
      pick.hide();
      const e = chosen.entity;
      const campaign_name = catalog.index.campaignName(e.campaign_id);
      void Promise.resolve(deps.open({ id: e.id, kind: e.kind, name: e.name, campaign_id: e.campaign_id, ...(campaign_name ? { campaign_name } : {}) }));
    }),
  );
  const closed = new Promise<void>((resolve) => disposables.push(pick.onDidHide(() => resolve())));
  if (typeof initial === 'string') pick.value = initial;
  pick.show();
  await catalog.ready();
  pick.busy = false;
  update();
  await closed;
  for (const d of disposables) d.dispose();
}
