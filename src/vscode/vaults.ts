// The one model of the workspace's vaults: for each workspace folder on disk, what it holds (its
// header, read once per refresh), its DataManager and lock state, and — while its vault is
// unlocked — the lifetime everything tied to that vault registers with. The status bar, the views,
// the commands and the API all read it; it sets the context keys and fires when anything changed.
import * as vscode from 'vscode';
import type { DataManager } from '../core/api';
import type { KdfParams } from '../core/crypto/kdf';
import { describeError, type VaultError } from '../core/errors';
import type { Logger } from '../core/ports';
import { parseHeader } from '../core/vault/header';
import { inspectVault, type VaultPresence } from '../core/vault/inspect';
import { HEADER_FILE, VAULT_DIR } from '../core/vault/layout';
import { NodeFileStore } from '../node/fileStore';
import { Disposable, DisposableStore, toDisposable } from './lifecycle';

/** What one workspace folder's vault is doing, as far as the commands and the status bar care. */
export type FolderVaultState = 'absent' | 'locked' | 'unlocked' | 'problem';

export interface VaultFolder {
  readonly folder: vscode.WorkspaceFolder;
  readonly dm: DataManager;
  readonly state: FolderVaultState;
  /** What the folder's vault header says, as far as can be told without a password. */
  readonly presence: VaultPresence;
  /** From the open session, or from the header of a locked vault. */
  readonly encrypted?: boolean;
  readonly vaultId?: string;
  /** Set when the vault is open read-only because another process holds the writer lock. */
  readonly readOnlyReason?: VaultError;
  /** Why the header cannot be read (state `problem`). */
  readonly problem?: string;
}

/** The context key menus and welcome views use: `none`, `present` or `problem` (from the headers alone). */
export const STATE_CONTEXT_KEY = 'campaignVault.state';

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

/** `campaignVault.state`: whether some header is unreadable or newer, else whether some folder holds a vault. */
export function presenceState(folders: readonly VaultFolder[]): 'none' | 'present' | 'problem' {
  const states = folders.map((f) => f.presence.state);
  return states.some((s) => s === 'unreadable' || s === 'newer') ? 'problem' : states.includes('present') ? 'present' : 'none';
}

/** Builds the DataManager of a folder (the composition root passes `nodeDataManager`). */
export type DataManagerFactory = (folder: vscode.WorkspaceFolder, kdf: KdfParams | undefined) => DataManager;

/** An unlocked vault and its lifetime: disposed when it locks, or when its DataManager is replaced or dropped. */
export interface UnlockedVault {
  readonly folder: vscode.WorkspaceFolder;
  readonly dm: DataManager;
  readonly lifetime: DisposableStore;
}

interface Entry {
  readonly folder: vscode.WorkspaceFolder;
  readonly dm: DataManager;
  readonly subscription: { dispose(): void };
  info: VaultFolder;
  /** Present while the vault is unlocked. */
  lifetime: DisposableStore | undefined;
}

/** Why a vault is being locked from the UI: the Lock command (and the status bar), or auto-lock after idle time. */
export type LockCause = 'command' | 'idle';

/**
 * Runs before a vault is locked from the UI ({@link VaultRegistry.lock}): closes what shows the
 * vault's entries, saving or discarding unsaved edits. Resolves false to keep the vault unlocked
 * (the user said no, or an edit could not be saved); it says why itself.
 */
export type LockParticipant = (vault: UnlockedVault, cause: LockCause) => Promise<boolean>;

/** Lifecycle events of a DataManager after which the lock state, encryption or read-only state may differ. */
const STATE_ACTIONS = new Set(['unlock', 'lock', 'encrypt', 'reload']);

/** File events come in bursts (create, change, change …): look once the burst is over. */
const HEADER_EVENT_DELAY_MS = 100;

/** A folder's file store that keeps the header bytes it read, so one read serves inspecting and parsing. */
class HeaderOnce extends NodeFileStore {
  header: Uint8Array | undefined;
  override async read(path: string): Promise<Uint8Array> {
    const bytes = await super.read(path);
    if (path === HEADER_FILE) this.header = bytes;
    return bytes;
  }
}

/**
 * One DataManager per workspace folder (on disk) that holds or may come to hold a vault. Re-reads
 * the headers when folders change or a header is created, changed or deleted; keeps the lock
 * state, sets the context keys and fires when anything changed. Folders removed from the
 * workspace have their vault locked.
 */
export class VaultRegistry extends Disposable {
  private readonly entries = new Map<string, Entry>();
  private readonly emitter = this._register(new vscode.EventEmitter<readonly VaultFolder[]>());
  private readonly unlockEmitter = this._register(new vscode.EventEmitter<UnlockedVault>());
  private watchers = new DisposableStore();
  private refreshing: Promise<unknown> = Promise.resolve();
  private kdfParams: KdfParams | undefined;
  private readonly participants = new Set<LockParticipant>();
  private keys: ContextKeyValues | undefined;
  private state: string | undefined;
  readonly onDidChange = this.emitter.event;

  constructor(
    private readonly make: DataManagerFactory,
    private readonly log: Logger,
  ) {
    super();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const headerChanged = (uri: vscode.Uri) => {
      this.log.trace(`vault header event: ${uri.fsPath}`);
      clearTimeout(timer);
      timer = setTimeout(() => void this.refresh(), HEADER_EVENT_DELAY_MS);
    };
    this._register(toDisposable(() => clearTimeout(timer)));
    this._register(toDisposable(() => this.watchers.dispose()));
    this._register(
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        this.sync(headerChanged);
        void this.refresh();
      }),
    );
    this._register(toDisposable(() => this.dropAll()));
    this.sync(headerChanged);
  }

  /**
   * Entries for the workspace folders on disk, and one watcher per folder on its vault header and
   * the vault folder (deleting the whole folder reports only the folder, not the header inside it).
   */
  private sync(headerChanged: (uri: vscode.Uri) => void): void {
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
    const wanted = new Set(folders.map((f) => f.uri.toString()));
    for (const [key, entry] of this.entries) {
      if (wanted.has(key)) continue;
      this.entries.delete(key);
      this.drop(entry);
      void entry.dm.lock().catch((e: unknown) => this.log.error(`locking the vault of removed folder ${entry.folder.uri.fsPath} failed: ${describeError(e)}`));
    }
    for (const folder of folders) {
      if (!this.entries.has(folder.uri.toString())) this.entries.set(folder.uri.toString(), this.createEntry(folder));
    }
    this.watchers.dispose();
    this.watchers = new DisposableStore();
    for (const folder of folders) {
      const watcher = this.watchers.add(vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, `{${VAULT_DIR},${HEADER_FILE}}`)));
      this.watchers.add(watcher.onDidCreate(headerChanged));
      this.watchers.add(watcher.onDidChange(headerChanged));
      this.watchers.add(watcher.onDidDelete(headerChanged));
    }
  }

  private createEntry(folder: vscode.WorkspaceFolder): Entry {
    const dm = this.make(folder, this.kdfParams);
    const entry: Entry = {
      folder,
      dm,
      // First of the DataManager's listeners: a lifetime starts before anyone else hears of the unlock.
      subscription: dm.onDidChange((e) => {
        this.syncLifetime(entry);
        if (STATE_ACTIONS.has(e.action)) void this.refresh();
      }),
      info: { folder, dm, state: 'absent', presence: { state: 'absent' } },
      lifetime: undefined,
    };
    return entry;
  }

  /** Starts the vault's lifetime when it is unlocked, ends it when it is not. */
  private syncLifetime(entry: Entry): void {
    if (entry.dm.isUnlocked && !entry.lifetime) {
      const lifetime = (entry.lifetime = new DisposableStore());
      this.unlockEmitter.fire({ folder: entry.folder, dm: entry.dm, lifetime });
    } else if (!entry.dm.isUnlocked && entry.lifetime) {
      this.endLifetime(entry);
    }
  }

  private endLifetime(entry: Entry): void {
    const lifetime = entry.lifetime;
    entry.lifetime = undefined;
    try {
      lifetime?.dispose();
    } catch (e) {
      this.log.error(`releasing what the vault in ${entry.folder.uri.fsPath} held failed: ${describeError(e)}`);
    }
  }

  /** An entry goes away (its folder left the workspace, or its DataManager is replaced). */
  private drop(entry: Entry): void {
    entry.subscription.dispose();
    this.endLifetime(entry);
  }

  private dropAll(): void {
    for (const e of this.entries.values()) this.drop(e);
  }

  /**
   * Runs `start` for every vault unlocked now and every vault unlocked later, with the vault's
   * lifetime: what it registers there is disposed when that vault locks (or its DataManager is
   * dropped). Disposing the result stops calling `start`; lifetimes already started keep theirs.
   */
  whileUnlocked(start: (vault: UnlockedVault) => void): vscode.Disposable {
    for (const e of this.entries.values()) {
      this.syncLifetime(e);
      if (e.lifetime) start({ folder: e.folder, dm: e.dm, lifetime: e.lifetime });
    }
    return this.unlockEmitter.event(start);
  }

  /** The lifetime of a folder's unlocked vault (undefined while it is not unlocked). */
  lifetimeOf(folder: vscode.WorkspaceFolder): DisposableStore | undefined {
    const entry = this.entries.get(folder.uri.toString());
    if (entry) this.syncLifetime(entry);
    return entry?.lifetime;
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

  /** The Argon2id parameters new passwords get (the strong default unless a test set others). */
  get kdf(): KdfParams | undefined {
    return this.kdfParams;
  }

  /** Looks at every folder again (session state and header), updates the context keys, fires. */
  refresh(): Promise<readonly VaultFolder[]> {
    const run = async () => {
      for (const entry of this.entries.values()) {
        entry.info = await this.describe(entry);
        this.syncLifetime(entry);
      }
      const folders = this.folders;
      const keys = contextKeyValues(folders);
      for (const [key, value] of Object.entries(keys)) {
        if (this.keys?.[key as keyof ContextKeyValues] !== value) await vscode.commands.executeCommand('setContext', key, value);
      }
      this.keys = keys;
      const state = presenceState(folders);
      if (state !== this.state) await vscode.commands.executeCommand('setContext', STATE_CONTEXT_KEY, state);
      this.state = state;
      this.log.debug(`vaults: ${folders.map((f) => `${f.folder.name}=${f.state}${f.encrypted === false ? ' (unencrypted)' : ''}${f.readOnlyReason ? ' (read-only)' : ''}`).join(', ')}`);
      this.emitter.fire(folders);
      return folders;
    };
    const result = this.refreshing.then(run, run);
    this.refreshing = result.catch((e: unknown) => this.log.error(e instanceof Error ? e : String(e)));
    return result;
  }

  /** One read of the header: what it says (presence), and, for a locked vault, its encryption and id. */
  private async describe(entry: Entry): Promise<VaultFolder> {
    const { folder, dm } = entry;
    const disk = new HeaderOnce(folder.uri.fsPath);
    let presence: VaultPresence;
    try {
      presence = await inspectVault(disk);
    } catch (e) {
      presence = { state: 'unreadable', reason: describeError(e) };
    }
    if (dm.isUnlocked) {
      const reason = dm.readOnlyReason;
      return {
        folder,
        dm,
        presence,
        state: 'unlocked',
        ...(dm.isEncrypted !== undefined ? { encrypted: dm.isEncrypted } : {}),
        ...(dm.vaultId !== undefined ? { vaultId: dm.vaultId } : {}),
        ...(reason ? { readOnlyReason: reason } : {}),
      };
    }
    if (presence.state === 'absent') return { folder, dm, presence, state: 'absent' };
    try {
      // The bytes inspecting read (none when the header is a folder or too large to be one).
      if (!disk.header) throw new Error(presence.state === 'unreadable' ? presence.reason : vscode.l10n.t('{0} could not be read', HEADER_FILE));
      const header = parseHeader(disk.header);
      return { folder, dm, presence, state: 'locked', encrypted: header.encryption !== 'none', vaultId: header.vaultId };
    } catch (e) {
      this.log.debug(`vault header of ${folder.uri.fsPath} unreadable: ${e instanceof Error ? e.message : String(e)}`);
      return { folder, dm, presence, state: 'problem', problem: describeError(e) };
    }
  }

  /**
   * Test hook: Argon2id parameters for new passwords. Rebuilds the DataManagers of folders whose
   * vault is not open (an open one keeps its parameters until it is locked and the hook runs again).
   */
  setKdf(kdf: KdfParams | undefined): void {
    this.kdfParams = kdf;
    for (const [key, entry] of this.entries) {
      if (entry.dm.isUnlocked) continue;
      this.drop(entry);
      this.entries.set(key, this.createEntry(entry.folder));
    }
  }

  /**
   * Adds a step that runs before a vault is locked from the UI (the Lock command, the status bar,
   * auto-lock); dispose the result to remove it. Closing the window ({@link lockAll}) runs none.
   */
  addLockParticipant(participant: LockParticipant): vscode.Disposable {
    this.participants.add(participant);
    return toDisposable(() => this.participants.delete(participant));
  }

  /**
   * Locks a folder's vault from the UI: every participant first (in the order added), each of
   * which may keep it unlocked; then the DataManager, which ends the vault's lifetime. Resolves
   * true when the vault is locked afterwards.
   */
  async lock(folder: vscode.WorkspaceFolder, cause: LockCause): Promise<boolean> {
    const entry = this.entries.get(folder.uri.toString());
    if (!entry) return false;
    this.syncLifetime(entry);
    const lifetime = entry.lifetime;
    if (lifetime) {
      for (const participant of [...this.participants]) {
        if (!(await participant({ folder: entry.folder, dm: entry.dm, lifetime }, cause))) return false;
      }
    }
    await entry.dm.lock();
    return !entry.dm.isUnlocked;
  }

  /** Locks every vault (releasing the writer locks); failures are logged. */
  async lockAll(): Promise<void> {
    await Promise.all(
      [...this.entries.values()].map((e) =>
        e.dm.lock().catch((err: unknown) => this.log.error(`locking the vault in ${e.folder.uri.fsPath} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`)),
      ),
    );
  }
}
