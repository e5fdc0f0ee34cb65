import * as vscode from 'vscode';
import type { DataManager } from '../core/api';
import type { KdfParams } from '../core/crypto/kdf';
import { describeError, type VaultError } from '../core/errors';
import type { Logger } from '../core/ports';
import { VaultStore } from '../core/vault/store';
import { NodeFileStore } from '../node/fileStore';

/** What one workspace folder's vault is doing, as far as the commands and the status bar care. */
export type FolderVaultState = 'absent' | 'locked' | 'unlocked' | 'problem';

export interface VaultFolder {
  readonly folder: vscode.WorkspaceFolder;
  readonly dm: DataManager;
  readonly state: FolderVaultState;
  /** From the open session, or from the header of a locked vault. */
  readonly encrypted?: boolean;
  readonly vaultId?: string;
  /** Set when the vault is open read-only because another process holds the writer lock. */
  readonly readOnlyReason?: VaultError;
  /** Why the header cannot be read (state `problem`). */
  readonly problem?: string;
}

/**
 * The context keys `when` clauses use. The four main ones describe "the vault" of a single-folder
 * workspace; in a multi-root workspace each is true as soon as one folder makes it true, and the
 * `can…` keys say whether at least one folder allows the command, so no command that could run
 * is hidden.
 */
export const CONTEXT_KEYS = {
  /** Some folder's vault is unlocked. */
  unlocked: 'campaignVault.unlocked',
  /** Some folder holds a vault (readable or not). */
  hasVault: 'campaignVault.hasVault',
  /** Some unlocked vault is encrypted. */
  encrypted: 'campaignVault.encrypted',
  /** Vaults are unlocked, and every one of them is open read-only (another process writes to it). */
  readOnly: 'campaignVault.readOnly',
  /** Some folder holds no vault yet. */
  canCreate: 'campaignVault.canCreate',
  /** Some folder holds a locked vault. */
  canUnlock: 'campaignVault.canUnlock',
  /** Some unlocked, writable vault is not encrypted. */
  canEncrypt: 'campaignVault.canEncrypt',
} as const;

export type ContextKeyValues = Record<(typeof CONTEXT_KEYS)[keyof typeof CONTEXT_KEYS], boolean>;

export function contextKeyValues(folders: readonly VaultFolder[]): ContextKeyValues {
  const unlocked = folders.filter((f) => f.state === 'unlocked');
  return {
    [CONTEXT_KEYS.unlocked]: unlocked.length > 0,
    [CONTEXT_KEYS.hasVault]: folders.some((f) => f.state !== 'absent'),
    [CONTEXT_KEYS.encrypted]: unlocked.some((f) => f.encrypted === true),
    [CONTEXT_KEYS.readOnly]: unlocked.length > 0 && unlocked.every((f) => f.readOnlyReason !== undefined),
    [CONTEXT_KEYS.canCreate]: folders.some((f) => f.state === 'absent'),
    [CONTEXT_KEYS.canUnlock]: folders.some((f) => f.state === 'locked'),
    [CONTEXT_KEYS.canEncrypt]: unlocked.some((f) => f.encrypted === false && f.readOnlyReason === undefined),
  } as ContextKeyValues;
}

/** Builds the DataManager of a folder (the composition root passes `nodeDataManager`). */
export type DataManagerFactory = (folder: vscode.WorkspaceFolder, kdf: KdfParams | undefined) => DataManager;

interface Entry {
  readonly folder: vscode.WorkspaceFolder;
  dm: DataManager;
  subscription: { dispose(): void };
  info: VaultFolder;
}

/** Lifecycle events of a DataManager after which the lock state, encryption or read-only state may differ. */
const STATE_ACTIONS = new Set(['unlock', 'lock', 'encrypt', 'reload']);

/**
 * One DataManager per workspace folder (on disk) that holds or may come to hold a vault. Keeps
 * their lock state, sets the context keys and fires when anything changed. Folders removed from
 * the workspace have their vault locked.
 */
export class VaultRegistry implements vscode.Disposable {
  private readonly entries = new Map<string, Entry>();
  private readonly emitter = new vscode.EventEmitter<readonly VaultFolder[]>();
  private readonly disposables: vscode.Disposable[] = [this.emitter];
  private refreshing: Promise<unknown> = Promise.resolve();
  private kdf: KdfParams | undefined;
  private keys: ContextKeyValues | undefined;
  readonly onDidChange = this.emitter.event;

  constructor(
    private readonly make: DataManagerFactory,
    private readonly log: Logger,
  ) {
    this.disposables.push(
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        this.sync();
        void this.refresh();
      }),
    );
    this.sync();
  }

  private sync(): void {
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
    const wanted = new Set(folders.map((f) => f.uri.toString()));
    for (const [key, entry] of this.entries) {
      if (wanted.has(key)) continue;
      this.entries.delete(key);
      entry.subscription.dispose();
      void entry.dm.lock().catch((e: unknown) => this.log.error(`locking the vault of removed folder ${entry.folder.uri.fsPath} failed: ${describeError(e)}`));
    }
    for (const folder of folders) {
      if (!this.entries.has(folder.uri.toString())) this.entries.set(folder.uri.toString(), this.createEntry(folder));
    }
  }

  private createEntry(folder: vscode.WorkspaceFolder): Entry {
    const dm = this.make(folder, this.kdf);
    const entry: Entry = { folder, dm, subscription: { dispose: () => undefined }, info: { folder, dm, state: 'absent' } };
    entry.subscription = dm.onDidChange((e) => {
      if (STATE_ACTIONS.has(e.action)) void this.refresh();
    });
    return entry;
  }

  /** The DataManager of a workspace folder (or of the folder holding `uri`). */
  get(uri: vscode.Uri): DataManager | undefined {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    return folder ? this.entries.get(folder.uri.toString())?.dm : undefined;
  }

  /** The folders as of the last refresh, in workspace order. */
  get folders(): readonly VaultFolder[] {
    return [...this.entries.values()].map((e) => e.info).sort((a, b) => a.folder.index - b.folder.index);
  }

  /** The context key values last set. */
  get contextKeys(): ContextKeyValues | undefined {
    return this.keys;
  }

  /** Looks at every folder again (session state, else the header), updates the context keys, fires. */
  refresh(): Promise<readonly VaultFolder[]> {
    const run = async () => {
      for (const entry of this.entries.values()) entry.info = await this.describe(entry);
      const folders = this.folders;
      const keys = contextKeyValues(folders);
      for (const [key, value] of Object.entries(keys)) {
        if (this.keys?.[key as keyof ContextKeyValues] !== value) await vscode.commands.executeCommand('setContext', key, value);
      }
      this.keys = keys;
      this.log.debug(`vaults: ${folders.map((f) => `${f.folder.name}=${f.state}${f.encrypted === false ? ' (unencrypted)' : ''}${f.readOnlyReason ? ' (read-only)' : ''}`).join(', ')}`);
      this.emitter.fire(folders);
      return folders;
    };
    const result = this.refreshing.then(run, run);
    this.refreshing = result.catch((e: unknown) => this.log.error(e instanceof Error ? e : String(e)));
    return result;
  }

  private async describe(entry: Entry): Promise<VaultFolder> {
    const { folder, dm } = entry;
    if (dm.isUnlocked) {
      const reason = dm.readOnlyReason;
      return {
        folder,
        dm,
        state: 'unlocked',
        ...(dm.isEncrypted !== undefined ? { encrypted: dm.isEncrypted } : {}),
        ...(dm.vaultId !== undefined ? { vaultId: dm.vaultId } : {}),
        ...(reason ? { readOnlyReason: reason } : {}),
      };
    }
    try {
      const header = await VaultStore.readHeader(new NodeFileStore(folder.uri.fsPath));
      if (!header) return { folder, dm, state: 'absent' };
      return { folder, dm, state: 'locked', encrypted: header.encryption !== 'none', vaultId: header.vaultId };
    } catch (e) {
      this.log.debug(`vault header of ${folder.uri.fsPath} unreadable: ${e instanceof Error ? e.message : String(e)}`);
      return { folder, dm, state: 'problem', problem: describeError(e) };
    }
  }

  /**
   * Test hook: Argon2id parameters for new passwords. Rebuilds the DataManagers of folders whose
   * vault is not open (an open one keeps its parameters until it is locked and the hook runs again).
   */
  setKdf(kdf: KdfParams | undefined): void {
    this.kdf = kdf;
    for (const [key, entry] of this.entries) {
      if (entry.dm.isUnlocked) continue;
      entry.subscription.dispose();
      this.entries.set(key, this.createEntry(entry.folder));
    }
  }

  /** Locks every vault (releasing the writer locks); failures are logged. */
  async lockAll(): Promise<void> {
    await Promise.all(
      [...this.entries.values()].map((e) =>
        e.dm.lock().catch((err: unknown) => this.log.error(`locking the vault in ${e.folder.uri.fsPath} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`)),
      ),
    );
  }

  dispose(): void {
    for (const e of this.entries.values()) e.subscription.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
