// The test hooks (`api._testing`, never in Production mode): what the integration tests need to
// drive the extension without typing into VS Code's own UI.
import * as vscode from 'vscode';
import type { CacheManager } from '../core/cache';
import type { CampaignVaultTesting, TreeItemSnapshot } from './api';
import type { CatalogHolder } from './authoring/catalogs';
import type { AutoLock } from './autoLock';
import type { BackupsFeature } from './backups';
import { unlockRememberedVaults } from './commands/remember';
import { sheetProbe } from './editors/sheetEditor';
import type { Prompter } from './prompter';
import type { Galleries } from './assets/gallery';
import type { RulebookViewers } from './rulebooks/viewer';
import type { Services } from './services';
import { CampaignsTreeProvider, treeLabel, type CampaignNode } from './views/campaignsTree';
import { TreeExpansion } from './views/treeExpansion';

export interface TestedFeatures {
  readonly services: Services;
  readonly setPrompter: (p: Prompter | undefined) => void;
  readonly statusBar: vscode.StatusBarItem;
  readonly tree: CampaignsTreeProvider;
  readonly treeView: vscode.TreeView<CampaignNode>;
  readonly backups: BackupsFeature;
  readonly catalogs: CatalogHolder;
  readonly autoLock: AutoLock;
  readonly rulebooks: RulebookViewers;
  /** The handler VS Code gives the extension's links (`<scheme>://campaign-vault.campaign-vault/rulebook?…`). */
  readonly rulebookLinks: vscode.UriHandler;
  readonly galleries: Galleries;
  readonly cache: CacheManager;
}

async function treeItems(tree: CampaignsTreeProvider, path: readonly string[]): Promise<TreeItemSnapshot[]> {
  const parent = path.length === 0 ? undefined : await tree.nodeAt(path);
  if (path.length > 0 && !parent) throw new Error(`no node ${path.join(' › ')} in the Campaigns view`);
  const kids = await tree.getChildren(parent);
  return kids.map((k) => {
    const item = tree.getTreeItem(k);
    return {
      label: treeLabel(item),
      ...(typeof item.description === 'string' && item.description !== '' ? { description: item.description } : {}),
      ...(item.contextValue ? { contextValue: item.contextValue } : {}),
      collapsible: item.collapsibleState !== vscode.TreeItemCollapsibleState.None,
      expanded: item.collapsibleState === vscode.TreeItemCollapsibleState.Expanded,
      ...(item.command ? { command: item.command.command, ...(item.command.arguments ? { commandArguments: item.command.arguments } : {}) } : {}),
      ...(item.resourceUri ? { resourceUri: item.resourceUri.toString() } : {}),
    };
  });
}

const tooltipText = (tooltip: string | vscode.MarkdownString | undefined) => (typeof tooltip === 'string' ? tooltip : (tooltip?.value ?? ''));

export function createTesting({ services: s, setPrompter, statusBar, tree, treeView, backups, catalogs, autoLock, rulebooks, rulebookLinks, galleries, cache }: TestedFeatures): CampaignVaultTesting {
  return {
    dataManager: (folderUri) => s.vaults.get(folderUri),
    setPrompter,
    setKdf: (kdf) => {
      s.vaults.setKdf(kdf);
      void s.vaults.refresh();
    },
    setSecretStorage: (store) => s.keys.setStore(store ?? s.context.secrets),
    unlockRemembered: () => unlockRememberedVaults(s),
    tree: (path = []) => treeItems(tree, path),
    treeExpand: async (path) => {
      const node = await tree.nodeAt(path);
      if (!node) throw new Error(`no node ${path.join(' › ')} in the Campaigns view`);
      await treeView.reveal(node, { expand: true, select: false, focus: false });
    },
    workspaceState: (key) => s.context.workspaceState.get(key),
    treeCollapse: async (path) => {
      const node = await tree.nodeAt(path);
      if (!node) throw new Error(`no node ${path.join(' › ')} in the Campaigns view`);
      await treeView.reveal(node, { select: true, focus: true });
      await vscode.commands.executeCommand('list.collapse');
    },
    treeAfterReload: async (path = []) => {
      const fresh = new CampaignsTreeProvider(s.vaults, s.log.child('tree'), () => undefined, new TreeExpansion(s.context.workspaceState));
      try {
        return await treeItems(fresh, path);
      } finally {
        fresh.dispose();
      }
    },
    treeDrop: async (source, target) => {
      const [from, to] = [await tree.nodeAt(source), await tree.nodeAt(target)];
      if (!from || !to) throw new Error(`no node ${(from ? target : source).join(' › ')} in the Campaigns view`);
      const data = new vscode.DataTransfer();
      tree.handleDrag([from], data);
      // VS Code puts the dragged items' resources on the drag too, as a URI list (campaign: URIs here).
      const resource = tree.getTreeItem(from).resourceUri;
      if (resource) data.set('text/uri-list', new vscode.DataTransferItem(resource.toString()));
      await tree.handleDrop(to, data);
    },
    treeDropData: async (target, data) => {
      const node = target ? await tree.nodeAt(target) : undefined;
      if (target && !node) throw new Error(`no node ${target.join(' › ')} in the Campaigns view`);
      await tree.handleDrop(node, data);
    },
    treeNode: (path) => tree.nodeAt(path),
    sheets: () => sheetProbe.sheets(),
    sheetMessage: (uri, message) => sheetProbe.receive(uri, message),
    rulebookViewers: () => rulebooks.snapshots(),
    openLink: async (uri) => {
      await rulebookLinks.handleUri(uri);
    },
    galleries: () => galleries.snapshots(),
    galleryMessage: (title, message) => galleries.deliver(title, message),
    cache: async () => ({ maxDiskBytes: cache.options.maxDiskBytes, ttlMs: cache.options.ttlMs, stats: await cache.stats() }),
    galleryIdle: (title) => galleries.idle(title),
    backupViews: async (view) => {
      const provider: vscode.TreeDataProvider<unknown> = view === 'backups' ? (backups.backupTree as vscode.TreeDataProvider<unknown>) : (backups.integrityTree as vscode.TreeDataProvider<unknown>);
      const snap = async (node: unknown) => {
        const item = await provider.getTreeItem(node);
        return {
          label: treeLabel(item),
          ...(typeof item.description === 'string' && item.description !== '' ? { description: item.description } : {}),
          ...(item.contextValue ? { contextValue: item.contextValue } : {}),
          collapsible: item.collapsibleState !== undefined && item.collapsibleState !== vscode.TreeItemCollapsibleState.None,
        };
      };
      const top = (await provider.getChildren()) ?? [];
      return Promise.all(top.map(async (node) => ({ ...(await snap(node)), node, children: await Promise.all(((await provider.getChildren(node)) ?? []).map(snap)) })));
    },
    backupTick: (now) => backups.backups.tick(now),
    backupStatus: () => ({
      text: backups.statusItem.text,
      tooltip: tooltipText(backups.statusItem.tooltip),
      visible: backups.backups.backupStates.length > 0,
    }),
    searchIndex: () => (catalogs.isHeld ? { entities: catalogs.get()?.index.size ?? 0 } : undefined),
    setAutoLockClock: (clock) => autoLock.setClock(clock),
    autoLockTick: () => autoLock.tick(),
    state: () => ({
      contextKeys: s.vaults.contextKeys,
      statusBar: {
        text: statusBar.text,
        command: typeof statusBar.command === 'string' ? statusBar.command : statusBar.command?.command,
        tooltip: tooltipText(statusBar.tooltip),
      },
    }),
  };
}
