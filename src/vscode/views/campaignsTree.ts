import * as vscode from 'vscode';
import type { DataManager, Entity } from '../../core/api';
import { KINDS, type EntityKind } from '../../core/db/kinds';
import { CAMPAIGN_KINDS, LIBRARY_KINDS } from '../../core/documents/docPaths';
import { describeError } from '../../core/errors';
import type { Logger } from '../../core/ports';
import { KIND_ICONS } from '../authoring/preview';
import { capital } from '../commands/common';
import { COMMANDS } from '../commands/ids';
import { labelOf } from '../../core/rulebooks/pages';
import { labelSource } from '../../core/rulebooks/service';
import { EntityFileSystem } from '../documents/entityFs';
import { Disposable, toDisposable } from '../lifecycle';
import type { VaultFolder, VaultRegistry } from '../vaults';
import type { TreeExpansion } from './treeExpansion';


interface Base {
  readonly folder: vscode.WorkspaceFolder;
  readonly dm: DataManager;
  /** The node it is shown under (undefined at the top); `reveal` walks up through it. */
  readonly parent?: CampaignNode;
}
export type CampaignNode =
  | (Base & { readonly type: 'vault'; readonly info: VaultFolder })
  | (Base & { readonly type: 'campaign'; readonly entity: Entity })
  | (Base & { readonly type: 'library' })
  | (Base & { readonly type: 'kind'; readonly kind: Exclude<EntityKind, 'campaign'>; readonly campaign: Entity | null; readonly count: number })
  | (Base & { readonly type: 'entity'; readonly entity: Entity; readonly campaign: Entity | null; readonly hasChildren: boolean })
  | (Base & { readonly type: 'chapter'; readonly book: Entity; readonly title: string; readonly page: number; readonly index: number })
  | (Base & { readonly type: 'trash' })
  | (Base & { readonly type: 'trashed'; readonly entity: Entity });

/** Whether a command's argument is a node of this view (what its context menus pass). */
export function isCampaignNode(arg: unknown): arg is CampaignNode {
  return typeof arg === 'object' && arg !== null && 'type' in arg && 'dm' in arg && 'folder' in arg;
}

/** The campaign a node of the Campaigns view stands for: an id, null for the Shared Library, undefined for neither. */
export function campaignOfNode(n: CampaignNode): string | null | undefined {
  switch (n.type) {
    case 'campaign':
      return n.entity.id;
    case 'library':
      return null;
    case 'kind':
    case 'entity':
      return n.campaign?.id ?? null;
    default:
      return undefined;
  }
}

/** A command's options object: not a URI (the Explorer's argument) and not a node of this view. */
export function isOptionsArg(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !(x instanceof vscode.Uri) && !isCampaignNode(x);
}

export const TREE_MIME = 'application/vnd.code.tree.campaignvault.campaigns';

/**
 * The context value menus key on: `entity.character`, `entity.location`, `kind.npc`, `campaign`,
 * `trashed.item` …; `.parent` marks an entry with entries under it (a location holding others: a
 * click expands it, "Open" is an inline action), `.readonly` one of a read-only vault.
 */
function contextValue(n: CampaignNode): string {
  switch (n.type) {
    case 'entity':
      // A rulebook's chapters are under it, but a click still opens the book: not a `.parent`.
      return `entity.${n.entity.kind}${n.hasChildren && n.entity.kind !== 'rulebook' ? '.parent' : ''}${n.dm.readOnlyReason ? '.readonly' : ''}`;
    case 'trashed':
      return `trashed.${n.entity.kind}`;
    case 'kind':
      return `kind.${n.kind}`;
    default:
      return n.type;
  }
}

/**
 * The Campaigns view: campaigns → kinds (with counts) → entries, locations nested under their
 * parents, the shared library and the trash. It follows every change of every vault, whether made
 * here, through the API or by another window. Until a vault is unlocked it is empty, so the
 * welcome content (package.json `viewsWelcome`) says what to do next.
 */
export class CampaignsTreeProvider extends Disposable implements vscode.TreeDataProvider<CampaignNode>, vscode.TreeDragAndDropController<CampaignNode> {
  private readonly changed = this._register(new vscode.EventEmitter<CampaignNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  /** Entries of this view; files from the Explorer (a URI list) and from the desktop (fileDrop.ts). */
  readonly dropMimeTypes = [TREE_MIME, 'text/uri-list', 'files'];
  readonly dragMimeTypes = [TREE_MIME];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private dragged: CampaignNode[] = [];

  constructor(
    private readonly vaults: VaultRegistry,
    private readonly log: Logger,
    /** Reports a failed drop to the user. */
    private readonly report: (message: string) => void,
    /** What was expanded, kept across Lock and reloads. */
    private readonly expansion?: TreeExpansion,
    /** Adds files dropped from outside the view (fileDrop.ts); without it, such drops are ignored. */
    private readonly dropFiles?: (target: CampaignNode | undefined, data: vscode.DataTransfer) => Promise<unknown>,
  ) {
    super();
    this._register(toDisposable(() => clearTimeout(this.timer)));
    this._register(vaults.onDidChange(() => this.refresh()));
    // Every change of an unlocked vault, whether made here, through the API or by another window.
    this._register(
      vaults.whileUnlocked(({ dm, lifetime }) => {
        lifetime.add(dm.onDidChange(() => this.refresh()));
        // Locked: redraw now (empty), and forget nodes held for a drag (they carry entries).
        lifetime.add(
          toDisposable(() => {
            this.dragged = this.dragged.filter((n) => n.dm !== dm);
            this.refresh();
          }),
        );
      }),
    );
  }

  /** Remembers what the user expands and collapses in `view` (the view this provider draws). */
  watch(view: vscode.TreeView<CampaignNode>): vscode.Disposable {
    const remember = (n: CampaignNode, expanded: boolean) => {
      void this.expansion?.set(n.folder.uri.toString(), nodeId(n), expanded).then(undefined, (e: unknown) => this.log.warn(`tree: expansion not stored: ${describeError(e)}`));
    };
    return vscode.Disposable.from(
      view.onDidExpandElement((e) => remember(e.element, true)),
      // While a vault locks, VS Code may fetch an expanded node's children again, find none and
      // report the node collapsed: that is not the user's doing, so it is not remembered.
      view.onDidCollapseElement((e) => {
        if (e.element.dm.isUnlocked) remember(e.element, false);
      }),
    );
  }

  /** Collapsed or expanded as the user left it (`byDefault` until then); None without children. */
  private collapsible(n: CampaignNode, hasChildren: boolean, byDefault = vscode.TreeItemCollapsibleState.Collapsed): vscode.TreeItemCollapsibleState {
    if (!hasChildren) return vscode.TreeItemCollapsibleState.None;
    const expanded = this.expansion?.get(n.folder.uri.toString(), nodeId(n));
    if (expanded === undefined) return byDefault;
    return expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed;
  }

  /** Redraws the tree soon (changes arriving together redraw it once). */
  refresh(): void {
    if (this.timer || this.isDisposed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.changed.fire(undefined);
    }, 50);
  }

  getTreeItem(n: CampaignNode): vscode.TreeItem {
    const collapsed = this.collapsible(n, true);
    let item: vscode.TreeItem;
    switch (n.type) {
      case 'vault':
        item = new vscode.TreeItem(n.folder.name, this.collapsible(n, true, vscode.TreeItemCollapsibleState.Expanded));
        item.iconPath = new vscode.ThemeIcon('database');
        item.description = n.info.readOnlyReason ? vscode.l10n.t('read-only') : undefined;
        break;
      case 'campaign':
        item = new vscode.TreeItem(n.entity.name, collapsed);
        item.iconPath = new vscode.ThemeIcon(KIND_ICONS.campaign);
        item.description = [typeof n.entity.system === 'string' ? n.entity.system : undefined, n.entity.is_active === false ? vscode.l10n.t('inactive') : undefined].filter(Boolean).join(' · ');
        item.tooltip = typeof n.entity.description === 'string' ? n.entity.description.slice(0, 500) : n.entity.name;
        break;
      case 'library':
        item = new vscode.TreeItem(vscode.l10n.t('Shared Library'), collapsed);
        item.iconPath = new vscode.ThemeIcon('library');
        item.tooltip = vscode.l10n.t('Items, spells, rulebooks and assets that belong to no single campaign.');
        break;
      case 'kind':
        item = new vscode.TreeItem(capital(KINDS[n.kind].plural), this.collapsible(n, n.count > 0));
        item.iconPath = new vscode.ThemeIcon(KIND_ICONS[n.kind]);
        item.description = String(n.count);
        // The Assets node opens the gallery (a click on a node with a command expands it only from its twistie).
        if (n.kind === 'asset') item.command = { command: COMMANDS.openGallery, title: vscode.l10n.t('Open Asset Gallery'), arguments: [n] };
        break;
      case 'entity': {
        item = new vscode.TreeItem(n.entity.name, this.collapsible(n, n.hasChildren));
        item.iconPath = new vscode.ThemeIcon(KIND_ICONS[n.entity.kind]);
        item.description = describeEntity(n.entity);
        item.tooltip = new vscode.MarkdownString().appendText(`${n.entity.name} — ${KINDS[n.entity.kind].label}`);
        const uri = EntityFileSystem.uriFor(n.folder, n.campaign?.name ?? null, n.entity.kind, n.entity.name);
        item.resourceUri = uri;
        // A click on an entry opens it; on one with entries under it, the click expands it (VS Code
        // expands an item with a command only from its twistie) and "Open" is its inline action.
        // A session opens as its notes, with their preview beside (openEntity); a rulebook, its viewer.
        if (!n.hasChildren || n.entity.kind === 'rulebook') {
          item.command =
            n.entity.kind === 'rulebook'
              ? { command: COMMANDS.openRulebook, title: vscode.l10n.t('Open'), arguments: [{ id: n.entity.id, folder: n.folder.uri }] }
              : n.entity.kind === 'session'
                ? { command: COMMANDS.openEntity, title: vscode.l10n.t('Open'), arguments: [n] }
                : { command: 'vscode.open', title: vscode.l10n.t('Open'), arguments: [uri] };
        }
        break;
      }
      case 'chapter':
        item = new vscode.TreeItem(n.title, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('bookmark');
        item.description = vscode.l10n.t('p. {0}', labelOf(labelSource(n.book), n.page) ?? String(n.page));
        item.command = { command: COMMANDS.openRulebook, title: vscode.l10n.t('Open'), arguments: [{ id: n.book.id, page: n.page, folder: n.folder.uri }] };
        break;
      case 'trash':
        item = new vscode.TreeItem(vscode.l10n.t('Trash'), collapsed);
        item.iconPath = new vscode.ThemeIcon('trash');
        item.tooltip = vscode.l10n.t('Deleted entries: restore them from here.');
        break;
      case 'trashed':
        item = new vscode.TreeItem(n.entity.name, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon(KIND_ICONS[n.entity.kind]);
        item.description = vscode.l10n.t('{0}, deleted {1}', KINDS[n.entity.kind].label, n.entity.deleted_at?.slice(0, 10) ?? '');
        break;
    }
    item.id = nodeId(n);
    item.contextValue = contextValue(n);
    return item;
  }

  async getChildren(n?: CampaignNode): Promise<CampaignNode[]> {
    try {
      return await this.children(n);
    } catch (e) {
      // A vault locked while the tree was drawn: show what can be shown, log the rest.
      this.log.debug(`tree: ${describeError(e)}`);
      return [];
    }
  }

  private async children(n?: CampaignNode): Promise<CampaignNode[]> {
    const open = this.vaults.folders.filter((f) => f.state === 'unlocked');
    if (!n) {
      if (open.length === 1) return this.vaultChildren(open[0]!, undefined);
      return open.map((info) => ({ type: 'vault', folder: info.folder, dm: info.dm, info }));
    }
    const { folder, dm } = n;
    if (!dm.isUnlocked) return [];
    switch (n.type) {
      case 'vault':
        return this.vaultChildren(n.info, n);
      case 'campaign':
        return Promise.all(CAMPAIGN_KINDS.map(async (kind) => ({ type: 'kind' as const, folder, dm, parent: n, kind, campaign: n.entity, count: await dm.count(kind, { campaign_id: n.entity.id }) })));
      case 'library':
        return Promise.all(LIBRARY_KINDS.map(async (kind) => ({ type: 'kind' as const, folder, dm, parent: n, kind, campaign: null, count: await dm.count(kind, { campaign_id: null }) })));
      case 'kind': {
        const all = await dm.list(n.kind, { campaign_id: n.campaign?.id ?? null });
        const shown = n.kind === 'location' ? all.filter((e) => !e.parent_id || !all.some((p) => p.id === e.parent_id)) : all;
        return shown.map((entity) => ({ type: 'entity', folder, dm, parent: n, entity, campaign: n.campaign, hasChildren: n.kind === 'location' ? all.some((c) => c.parent_id === entity.id) : n.kind === 'rulebook' && chapters(entity).length > 0 }));
      }
      case 'entity': {
        if (n.entity.kind === 'rulebook') {
          const book = n.entity;
          return chapters(book).map((c, index) => ({ type: 'chapter' as const, folder, dm, parent: n, book, title: c.title, page: c.page, index }));
        }
        if (n.entity.kind !== 'location') return [];
        const kids = await dm.list('location', { campaign_id: n.campaign?.id ?? null, filters: { parent_id: n.entity.id } });
        const grandKids = new Set((await dm.list('location', { campaign_id: n.campaign?.id ?? null })).map((l) => l.parent_id));
        return kids.map((entity) => ({ type: 'entity', folder, dm, parent: n, entity, campaign: n.campaign, hasChildren: grandKids.has(entity.id) }));
      }
      case 'trash': {
        const kinds: EntityKind[] = ['campaign', ...CAMPAIGN_KINDS];
        const lists = await Promise.all(kinds.map((k) => dm.list(k, { deleted_only: true, sort: 'deleted_at', order: 'desc' })));
        return lists.flat().map((entity) => ({ type: 'trashed', folder, dm, parent: n, entity }));
      }
      default:
        return [];
    }
  }

  private async vaultChildren(info: VaultFolder, parent: CampaignNode | undefined): Promise<CampaignNode[]> {
    const { folder, dm } = info;
    const campaigns = await dm.list('campaign');
    void vscode.commands.executeCommand('setContext', 'campaignVault.noCampaigns', campaigns.length === 0);
    if (campaigns.length === 0) return [];
    const nodes: CampaignNode[] = campaigns.map((entity) => ({ type: 'campaign', folder, dm, parent, entity }));
    nodes.push({ type: 'library', folder, dm, parent }, { type: 'trash', folder, dm, parent });
    return nodes;
  }

  /** The node reached by following labels from the top (tests and the API's test hooks). */
  async nodeAt(path: readonly string[]): Promise<CampaignNode | undefined> {
    let node: CampaignNode | undefined;
    for (const label of path) {
      const kids = await this.getChildren(node);
      node = kids.find((k) => treeLabel(this.getTreeItem(k)) === label);
      if (!node) return undefined;
    }
    return node;
  }

  getParent(n: CampaignNode): CampaignNode | undefined {
    return n.parent;
  }

  // ── drag and drop: move entries between campaigns, nest locations ──────────────────────

  handleDrag(source: readonly CampaignNode[], data: vscode.DataTransfer): void {
    this.dragged = source.filter((n) => n.type === 'entity');
    data.set(TREE_MIME, new vscode.DataTransferItem(this.dragged.map(nodeId)));
  }

  async handleDrop(target: CampaignNode | undefined, data: vscode.DataTransfer): Promise<void> {
    // Not entries of this view (whose drag also lists their campaign: URIs): files from outside.
    if (!data.get(TREE_MIME)) {
      await this.dropFiles?.(target, data);
      return;
    }
    const ids = data.get(TREE_MIME)?.value as string[] | undefined;
    const sources = this.dragged.filter((n) => ids?.includes(nodeId(n)));
    this.dragged = [];
    if (!target || sources.length === 0) return;
    for (const s of sources) {
      if (s.type !== 'entity') continue;
      try {
        await dropOne(s, target);
      } catch (e) {
        this.log.error(e instanceof Error ? e : String(e));
        this.report(vscode.l10n.t('Could not move {0}: {1}', s.entity.name, describeError(e)));
      }
    }
  }

}

/** What dropping an entry on a node means. */
export async function dropOne(s: Extract<CampaignNode, { type: 'entity' }>, target: CampaignNode): Promise<void> {
  const { dm, entity } = s;
  if (target.folder.uri.toString() !== s.folder.uri.toString()) throw new Error(vscode.l10n.t('entries move between campaigns of one vault, not between vaults'));
  const targetCampaign = target.type === 'campaign' ? target.entity : target.type === 'kind' || target.type === 'entity' ? target.campaign : target.type === 'library' ? null : undefined;
  if (targetCampaign === undefined) return;
  const from = entity.campaign_id ?? null;
  const to = targetCampaign?.id ?? null;
  if (target.type === 'kind' && target.kind !== entity.kind) throw new Error(vscode.l10n.t('a {0} goes among {1}, not {2}', KINDS[entity.kind].label, KINDS[entity.kind].plural, KINDS[target.kind].plural));
  if (from !== to) await dm.move(entity.kind, entity.id, to);
  if (entity.kind === 'location') {
    if (target.type === 'entity' && target.entity.kind === 'location' && target.entity.id !== entity.id) await dm.update('location', entity.id, { parent_id: target.entity.id });
    else if (target.type === 'kind' && from === to && entity.parent_id) await dm.update('location', entity.id, { parent_id: null });
  }
}

/** A node's id, stable while the entries it shows exist: VS Code keys selection and expansion on it. */
export function nodeId(n: CampaignNode): string {
  const base = n.folder.uri.toString();
  switch (n.type) {
    case 'vault':
      return base;
    case 'campaign':
      return `${base}/c/${n.entity.id}`;
    case 'library':
      return `${base}/library`;
    case 'kind':
      return `${base}/${n.campaign?.id ?? 'library'}/${n.kind}`;
    case 'entity':
      return `${base}/${n.entity.kind}/${n.entity.id}`;
    case 'chapter':
      return `${base}/rulebook/${n.book.id}/chapter/${n.index}`;
    case 'trash':
      return `${base}/trash`;
    case 'trashed':
      return `${base}/trash/${n.entity.kind}/${n.entity.id}`;
  }
}

/** A book's chapters: the top level of its PDF outline, each with the page it starts on. */
function chapters(book: Entity): { title: string; page: number }[] {
  const outline = Array.isArray(book.outline) ? (book.outline as unknown[]) : [];
  const count = Number(book.page_count ?? 0);
  return outline
    .filter((o): o is { title: string; level: number; page: number } => typeof o === 'object' && o !== null && (o as { level?: unknown }).level === 0 && typeof (o as { title?: unknown }).title === 'string' && Number.isInteger((o as { page?: unknown }).page))
    .filter((o) => o.page >= 1 && o.page <= count && o.title.trim() !== '')
    .slice(0, 500)
    .map((o) => ({ title: o.title.trim(), page: o.page }));
}

/** A few words beside an entry's name. */
function describeEntity(e: Entity): string | undefined {
  const parts: unknown[] = [];
  switch (e.kind) {
    case 'character':
      parts.push([e.race ?? e.species, e.class].filter((x) => typeof x === 'string').join(' '), typeof e.level === 'number' ? vscode.l10n.t('level {0}', e.level) : undefined);
      break;
    case 'npc':
      parts.push(e.role);
      break;
    case 'session':
      parts.push(typeof e.number === 'number' ? `#${e.number}` : undefined, e.date);
      break;
    case 'location':
      parts.push(e.type);
      break;
    case 'item':
      parts.push(e.rarity ?? e.type);
      break;
    case 'rulebook':
      parts.push(typeof e.page_count === 'number' ? vscode.l10n.t('{0} pages', e.page_count) : undefined);
      break;
    case 'spell':
      parts.push(typeof e.level === 'number' ? (e.level === 0 ? vscode.l10n.t('cantrip') : vscode.l10n.t('level {0}', e.level)) : undefined, e.school);
      break;
    default:
      break;
  }
  const s = parts.filter((p): p is string => typeof p === 'string' && p.length > 0).join(' · ');
  return s.length > 0 ? s.slice(0, 80) : undefined;
}

export function treeLabel(item: vscode.TreeItem): string {
  return typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
}
