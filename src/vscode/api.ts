import type { CacheStats } from '../core/cache';
import type * as vscode from 'vscode';
import type { DataManager } from '../core/api';
import type { KdfParams } from '../core/crypto/kdf';
import { installTypedMethods, type TypedMethods } from '../core/entries/typed';
import type { VaultPresence } from '../core/vault/inspect';
import type { GallerySnapshot } from './assets/gallery';
import type { Prompter } from './prompter';
import type { SecretStore } from './rememberedKeys';
import type { ContextKeyValues, VaultFolder } from './vaults';

/** What each workspace folder holds. */
export interface FolderStatus {
  readonly folder: string;
  readonly presence: VaultPresence;
}

/** The status the extension shows: one entry per workspace folder. */
export interface CampaignVaultStatus {
  readonly extensionVersion: string;
  readonly folders: readonly FolderStatus[];
}

/** The status of the vault model's folders. */
export function vaultStatus(extensionVersion: string, folders: readonly VaultFolder[]): CampaignVaultStatus {
  return { extensionVersion, folders: folders.map((f) => ({ folder: f.folder.uri.fsPath, presence: f.presence })) };
}

/** The DataManager methods other extensions get (besides the typed ones and `isUnlocked`). */
const FORWARDED = ['lockState', 'onDidChange', 'create', 'get', 'list', 'update', 'delete', 'restore', 'purge', 'readFile', 'addFile'] as const satisfies readonly (keyof DataManager)[];

/**
 * A vault's entries as other extensions may use them (docs/API.md): the seed's create, get, list,
 * update, delete, restore and purge (generic and typed per kind: createCampaign, listNpcs, …),
 * reading and adding files, change events and the lock state. No key material, no key
 * management, no replacing the whole database, no locking or unlocking: those stay with the user.
 */
export type CampaignVaultData = Pick<DataManager, (typeof FORWARDED)[number] | 'isUnlocked'> & TypedMethods;

/**
 * The API `activate()` returns to other extensions (and to our integration tests):
 * `vscode.extensions.getExtension('campaign-vault.campaign-vault').exports`.
 * `apiVersion` changes only when something is removed or changes meaning (2: `getDataManager`,
 * which handed out the whole DataManager, became `getVault`).
 */
export interface CampaignVaultApi {
  readonly apiVersion: 2;
  readonly extensionVersion: string;
  /** Looks at every workspace folder again and returns what it found. */
  getStatus(): Promise<CampaignVaultStatus>;
  /** Fires whenever the status may have changed (a vault header appeared, changed or went away; a vault was unlocked or locked). */
  readonly onDidChangeStatus: (listener: (status: CampaignVaultStatus) => void) => { dispose(): void };
  /**
   * The vault of the workspace folder `folderUri` (or of the folder holding it): its campaigns,
   * characters … once the user has unlocked it, and its `onDidChange` events. Undefined for a URI
   * outside the workspace's folders on disk. Locking and unlocking stay with the user's commands.
   */
  getVault(folderUri: vscode.Uri): CampaignVaultData | undefined;
  /**
   * Test hooks for our integration tests; present only when the extension runs in development or
   * test mode (`ExtensionMode.Production` never has them). Not a stable API.
   */
  readonly _testing?: CampaignVaultTesting;
}

const narrowed = new WeakMap<DataManager, CampaignVaultData>();

/** The narrowed view of a DataManager (one per DataManager, frozen). */
export function vaultData(dm: DataManager): CampaignVaultData {
  let data = narrowed.get(dm);
  if (!data) {
    // A separate object of closures over `dm`: nothing else of the DataManager is reachable from it.
    const methods: Record<string, unknown> = {};
    for (const name of FORWARDED) methods[name] = (...args: unknown[]) => (dm[name] as (...a: unknown[]) => unknown).apply(dm, args);
    Object.defineProperty(methods, 'isUnlocked', { get: () => dm.isUnlocked, enumerable: true });
    installTypedMethods(methods as unknown as Parameters<typeof installTypedMethods>[0]);
    data = Object.freeze(methods) as unknown as CampaignVaultData;
    narrowed.set(dm, data);
  }
  return data;
}

/** See {@link CampaignVaultApi._testing}. */
export interface CampaignVaultTesting {
  /** The whole DataManager of a workspace folder (what `getVault` narrows), for tests that create, unlock and lock vaults directly. */
  dataManager(folderUri: vscode.Uri): DataManager | undefined;
  /** Routes every question and message of the vault commands to `prompter` (undefined: VS Code's own UI again). */
  setPrompter(prompter: Prompter | undefined): void;
  /** Argon2id parameters for new passwords, so tests need not spend half a second per password (undefined: the strong default). */
  setKdf(kdf: KdfParams | undefined): void;
  /** Replaces VS Code's SecretStorage, e.g. with one that throws like a machine without a keychain (undefined: the real one). */
  setSecretStorage(store: SecretStore | undefined): void;
  /** Runs what activation runs: unlocks, silently, every locked vault whose key is remembered. Resolves with how many it unlocked. */
  unlockRemembered(): Promise<number>;
  /**
   * The Campaigns view as the user sees it: the items under the node reached by following `path`
   * (labels from the top), each with its label, description and context value.
   */
  tree(path?: readonly string[]): Promise<readonly TreeItemSnapshot[]>;
  /**
   * Reveals the node at `path` in the Campaigns view and expands it: VS Code expands it on screen
   * and reports it to the extension as it reports a user's click.
   */
  treeExpand(path: readonly string[]): Promise<void>;
  /** Focuses the node at `path` in the Campaigns view and collapses it, as the Left arrow key does. */
  treeCollapse(path: readonly string[]): Promise<void>;
  /** The items under `path` as a Campaigns view drawn afresh from the workspace state would show them (as after a window reload). */
  treeAfterReload(path?: readonly string[]): Promise<readonly TreeItemSnapshot[]>;
  /** What the extension keeps in this workspace's state under `key`. */
  workspaceState(key: string): unknown;
  /** Drags the node at `source` and drops it on the node at `target` (paths of labels), as a user would. */
  treeDrop(source: readonly string[], target: readonly string[]): Promise<void>;
  /** Drops `data` (files from the Explorer or the desktop) on the node at `target` (undefined: the view's empty space), through the view's drop handler. */
  treeDropData(target: readonly string[] | undefined, data: vscode.DataTransfer): Promise<void>;
  /** The arguments a context-menu command gets for the node at `path`. */
  treeNode(path: readonly string[]): Promise<unknown>;
  /** The open Character Sheets: whether each webview said `ready`, and the last message it was sent. */
  sheets(): readonly { readonly uri: string; readonly ready: boolean; readonly lastPosted: unknown }[];
  /** The open rulebook viewers: which book, whether the webview said `ready`, the last page it drew (and whether it had ink), bytes sent. */
  rulebookViewers(): readonly { readonly id: string; readonly name: string; readonly ready: boolean; readonly rendered: { readonly page: number; readonly pages: number; readonly inked: boolean } | undefined; readonly bytesSent: number; readonly ranges: number; readonly errors: readonly string[]; readonly citedBy: readonly string[]; readonly highlighted: { readonly page: number; readonly count: number; readonly current: string | null } | undefined; readonly found: { readonly query: string; readonly mode: 'phrase' | 'words'; readonly total: number } | undefined }[];
  /**
   * Hands `uri` to the extension's URI handler, as VS Code does when a link such as
   * `vscode://campaign-vault.campaign-vault/rulebook?book=…&page=…` is opened (the web workbench
   * the tests run in does not route `openExternal` of its own scheme there); resolves when handled.
   */
  openLink(uri: vscode.Uri): Promise<void>;
  /** The open asset galleries: which campaign, whether the webview said `ready`, the ids listed, thumbnails sent and shown, the picture viewed, refused requests. */
  galleries(): readonly GallerySnapshot[];
  /** The one cache of every vault (docs/CACHE.md): the limits in force (from the `campaignVault.cache.*` settings) and its counters. */
  cache(): Promise<{ readonly maxDiskBytes: number; readonly ttlMs: number; readonly stats: CacheStats }>;
  /** Delivers a message to the gallery titled `title` as if its webview had sent it; false when no such gallery is open. */
  galleryMessage(title: string, message: unknown): Promise<boolean>;
  /** Resolves once the gallery titled `title` has sent what the vault's changes so far call for; false when no such gallery is open. */
  galleryIdle(title: string): Promise<boolean>;
  /** Delivers a message to the sheet of `uri` as if its webview had sent it; false when no such sheet is open. */
  sheetMessage(uri: string, message: unknown): boolean;
  /** The Backups view (`backups`) or the Integrity view (`integrity`) as the user sees it: top-level items and their children. */
  backupViews(view: 'backups' | 'integrity'): Promise<readonly (TreeItemSnapshot & { readonly children: readonly TreeItemSnapshot[]; readonly node: unknown })[]>;
  /** Runs one pass of the backup and integrity schedules as if it were `now` (ms since the epoch). */
  backupTick(now: number): Promise<void>;
  /** The backup status bar item. */
  backupStatus(): { readonly text: string; readonly tooltip: string; readonly visible: boolean };
  /** The search index authoring (Quick Search, links, hovers) holds, or undefined when it holds none (no vault unlocked, or it was dropped at Lock). */
  searchIndex(): { readonly entities: number } | undefined;
  /** Replaces the clock auto-lock reads (undefined: the real one); activity counts from now on that clock. */
  setAutoLockClock(clock: (() => number) | undefined): void;
  /** Runs one auto-lock check now, on that clock: locks the unlocked vaults if the idle time has passed. */
  autoLockTick(): Promise<void>;
  /** The context keys as last set, and the status bar item. */
  state(): { readonly contextKeys: ContextKeyValues | undefined; readonly statusBar: { readonly text: string; readonly command: string | undefined; readonly tooltip: string } };
}

/** One item of the Campaigns view, for tests. */
export interface TreeItemSnapshot {
  readonly label: string;
  readonly description?: string;
  readonly contextValue?: string;
  readonly collapsible: boolean;
  /** Drawn expanded (the user left it expanded). */
  readonly expanded?: boolean;
  /** The command a click runs; none on an item a click expands. */
  readonly command?: string;
  /** What the command is run with. */
  readonly commandArguments?: readonly unknown[];
  readonly resourceUri?: string;
}
