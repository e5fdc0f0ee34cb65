// What Lock does to the screen (issue 15): before a vault is locked from the UI, every editor that
// shows one of its entries — YAML editors, Character Sheets, diffs, Markdown previews of session
// notes — is closed, after unsaved edits were saved or discarded (asked by the Lock command, saved
// when auto-lock runs). The tabs closed are remembered and opened again after the next Unlock of
// that vault in this window. Everything else decrypted is dropped by the vault's lifetime.
import * as vscode from 'vscode';
import { capital, where } from './commands/common';
import { isDocumentOf, type EntityFileSystem } from './documents/entityFs';
import { Disposable } from './lifecycle';
import type { Services } from './services';
import type { LockCause, UnlockedVault, VaultRegistry } from './vaults';

/** A tab closed at Lock, to open again after Unlock. */
interface ClosedTab {
  readonly uri: vscode.Uri;
  /** A custom editor's view type (the Character Sheet); undefined for a text editor. */
  readonly viewType: string | undefined;
  /** A Markdown preview of `uri` (a session's notes), not an editor of it. */
  readonly markdownPreview?: boolean;
  readonly viewColumn: vscode.ViewColumn;
  readonly pinned: boolean;
  readonly preview: boolean;
  /** The tab shown in its group. */
  readonly active: boolean;
  /** Its group is the active one. */
  readonly activeGroup: boolean;
}

/** The `campaign:` URIs a tab shows (a diff shows two). */
function tabUris(tab: vscode.Tab): vscode.Uri[] {
  const input = tab.input;
  if (input instanceof vscode.TabInputText || input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputNotebook) return [input.uri];
  if (input instanceof vscode.TabInputTextDiff || input instanceof vscode.TabInputNotebookDiff) return [input.original, input.modified];
  return [];
}

/** The last segment of a URI's path: the entry's file name as its tab shows it. */
const baseName = (uri: vscode.Uri) => uri.path.slice(uri.path.lastIndexOf('/') + 1);

/** An entry as the questions name it: "Lost Mine of Phandelver/characters/Zanna.yaml". */
const entryName = (uri: vscode.Uri) => decodeURIComponent(uri.path.replace(/^\//, ''));

/**
 * Every tab showing the vault of `folder`: editors and diffs of its `campaign:` documents, and
 * Markdown previews (webviews that do not say which document they show) named after one of its
 * open documents.
 */
export function vaultTabs(folder: vscode.WorkspaceFolder, vaults: VaultRegistry): vscode.Tab[] {
  const ofVault = (uri: vscode.Uri) => isDocumentOf(uri, folder, vaults);
  const names = new Set(vscode.workspace.textDocuments.filter((d) => ofVault(d.uri)).map((d) => baseName(d.uri)));
  const isPreview = (tab: vscode.Tab) =>
    tab.input instanceof vscode.TabInputWebview && /markdown\.preview/i.test(tab.input.viewType) && [...names].some((n) => tab.label.endsWith(n));
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs.filter((t) => tabUris(t).some(ofVault) || isPreview(t)));
}

/** The documents of the vault of `folder` with unsaved edits (in a tab or not). */
export function unsavedDocuments(folder: vscode.WorkspaceFolder, vaults: VaultRegistry): vscode.TextDocument[] {
  return vscode.workspace.textDocuments.filter((d) => d.isDirty && isDocumentOf(d.uri, folder, vaults));
}

export class LockScreen extends Disposable {
  /** Per folder (URI): the tabs closed when its vault was locked, until it is unlocked again. */
  private readonly closed = new Map<string, ClosedTab[]>();
  /** Folders whose auto-lock failure was shown (once until a lock succeeds). */
  private readonly told = new Set<string>();

  constructor(
    private readonly s: Services,
    private readonly files: EntityFileSystem,
  ) {
    super();
    this._register(s.vaults.addLockParticipant((vault, cause) => this.beforeLock(vault, cause)));
    this._register(
      s.vaults.whileUnlocked(({ folder }) => {
        const tabs = this.closed.get(folder.uri.toString());
        this.closed.delete(folder.uri.toString());
        // After the unlock has finished: the documents are read from the open vault.
        if (tabs?.length) setTimeout(() => void this.reopen(tabs), 0);
      }),
    );
  }

  /** Saves or discards unsaved edits, closes every tab of the vault; false keeps the vault unlocked. */
  private async beforeLock({ folder }: UnlockedVault, cause: LockCause): Promise<boolean> {
    const key = folder.uri.toString();
    const layout = this.layout(folder);
    const unsaved = unsavedDocuments(folder, this.s.vaults);
    this.s.log.info(`${cause === 'idle' ? 'auto-lock' : 'lock'} of ${folder.uri.fsPath}: ${layout.length} editor(s) open, ${unsaved.length} with unsaved changes`);
    if (unsaved.length > 0) {
      if (cause === 'idle') {
        if (!(await this.saveOrExplain(folder, unsaved, cause))) return false;
      } else {
        const SAVE = vscode.l10n.t('Save and Lock');
        const DISCARD = vscode.l10n.t('Discard and Lock');
        const names = unsaved.map((d) => entryName(d.uri));
        const choice = await this.s.ui().message({
          id: 'lock-unsaved',
          severity: 'warning',
          modal: true,
          text:
            unsaved.length === 1
              ? vscode.l10n.t('{0} has unsaved changes. Save them before {1} is locked?', names[0]!, this.where(folder))
              : vscode.l10n.t('{0} entries have unsaved changes. Save them before {1} is locked?', unsaved.length, this.where(folder)),
          detail: [...names, '', vscode.l10n.t('Discarding loses these changes. Locking closes every editor of the vault either way.')].join('\n'),
          actions: [SAVE, DISCARD],
        });
        if (choice === SAVE) {
          if (!(await this.saveOrExplain(folder, unsaved, cause))) return false;
        } else if (choice === DISCARD) {
          if (!(await this.discard(folder, unsaved))) return false;
        } else {
          this.s.log.info(`lock of ${folder.uri.fsPath} cancelled: unsaved changes kept`);
          return false;
        }
      }
    }
    // VS Code must never ask "Save changes?" while closing: an edit made meanwhile stops the lock.
    const changed = unsavedDocuments(folder, this.s.vaults);
    const left = changed.length > 0 ? changed.map((d) => entryName(d.uri)) : (await this.closeTabs(folder)).map((t) => t.label);
    if (left.length > 0) {
      this.s.log.warn(`lock of ${folder.uri.fsPath}: ${left.length} editor(s) not closed${changed.length > 0 ? ' (changed again meanwhile)' : ''}: ${left.join(', ')}`);
      void this.s.ui().message({
        id: 'lock-not-closed',
        severity: 'warning',
        text: vscode.l10n.t('{0} stays unlocked: {1} could not be closed.', capital(this.where(folder)), left.join(', ')),
      });
      return false;
    }
    this.closed.set(key, layout);
    this.told.delete(key);
    return true;
  }

  /**
   * Closes every tab of the vault; resolves with those still open. The extension host hears of tabs
   * a moment after they open, so it looks again until a look finds none (a few times at most).
   */
  private async closeTabs(folder: vscode.WorkspaceFolder): Promise<vscode.Tab[]> {
    for (let round = 0; round < 5; round++) {
      const tabs = vaultTabs(folder, this.s.vaults);
      if (tabs.length === 0) return [];
      await vscode.window.tabGroups.close(tabs);
      await sleep(100);
    }
    return vaultTabs(folder, this.s.vaults);
  }

  private where(folder: vscode.WorkspaceFolder): string {
    const f = this.s.vaults.folders.find((x) => x.folder.uri.toString() === folder.uri.toString());
    return f ? where(f) : vscode.l10n.t('the vault');
  }

  /**
   * Saves every document; when one is refused (invalid YAML, an invalid entry) says which and why —
   * a modal for the Lock command, once a notification for auto-lock (the user is away) — and
   * resolves false. What saves stays saved.
   */
  private async saveOrExplain(folder: vscode.WorkspaceFolder, docs: readonly vscode.TextDocument[], cause: LockCause): Promise<boolean> {
    const refused: string[] = [];
    for (const doc of docs) {
      if (await doc.save()) continue;
      refused.push(vscode.l10n.t('{0}: {1}', entryName(doc.uri), this.files.saveFailure(doc.uri) ?? vscode.l10n.t('it could not be saved')));
      this.s.log.debug(`save of ${doc.uri.toString()} refused: ${refused.at(-1)}`);
    }
    if (refused.length === 0) return true;
    this.s.log.warn(`${cause === 'idle' ? 'auto-lock' : 'lock'} of ${folder.uri.fsPath} not done: ${refused.length} entr${refused.length === 1 ? 'y' : 'ies'} could not be saved`);
    const key = folder.uri.toString();
    if (cause === 'idle') {
      if (this.told.has(key)) return false;
      this.told.add(key);
      void this.s.ui().message({
        id: 'auto-lock-unsaved',
        severity: 'warning',
        text: vscode.l10n.t('{0} was not locked after the idle time: an unsaved change cannot be saved. {1} Fix or undo it; auto-lock tries again after the next idle period.', capital(this.where(folder)), refused.join(' ')),
      });
      return false;
    }
    void this.s.ui().message({
      id: 'lock-not-saved',
      severity: 'error',
      text: vscode.l10n.t('{0} stays unlocked: not every change could be saved. {1}', capital(this.where(folder)), refused.join(' ')),
    });
    return false;
  }

  /**
   * Reverts every document to what the vault holds: each shown (in the group of its text tab, if it
   * has one) and, once it is the active editor, VS Code's "Revert File"; false if one stays unsaved.
   */
  private async discard(folder: vscode.WorkspaceFolder, docs: readonly vscode.TextDocument[]): Promise<boolean> {
    for (const doc of docs) {
      if (!doc.isDirty) continue;
      const group = vscode.window.tabGroups.all.find((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === doc.uri.toString()));
      await vscode.window.showTextDocument(doc, { preview: false, preserveFocus: false, ...(group ? { viewColumn: group.viewColumn } : {}) });
      // "Revert File" reverts the active editor: make sure it is this one.
      const active = await eventually(() => vscode.window.activeTextEditor?.document.uri.toString() === doc.uri.toString());
      if (active) await vscode.commands.executeCommand('workbench.action.files.revert');
      const reverted = await eventually(() => !doc.isDirty);
      this.s.log.debug(`discard ${doc.uri.toString()}: ${active ? 'active' : 'never active'}, ${reverted ? 'reverted' : 'still unsaved'}`);
    }
    const still = docs.filter((d) => d.isDirty);
    if (still.length === 0) return true;
    this.s.log.warn(`lock of ${folder.uri.fsPath}: ${still.length} document(s) could not be reverted`);
    void this.s.ui().message({
      id: 'lock-not-saved',
      severity: 'error',
      text: vscode.l10n.t('{0} stays unlocked: the changes to {1} could not be discarded.', capital(this.where(folder)), still.map((d) => entryName(d.uri)).join(', ')),
    });
    return false;
  }

  /**
   * The editors of the vault as they are now, to open again after Unlock; a Markdown preview of a
   * session's notes by the notes it shows (the open document its title names).
   */
  private layout(folder: vscode.WorkspaceFolder): ClosedTab[] {
    const out: ClosedTab[] = [];
    const notes = vscode.workspace.textDocuments.filter((d) => d.languageId === 'markdown' && isDocumentOf(d.uri, folder, this.s.vaults));
    for (const group of vscode.window.tabGroups.all) {
      for (const tab of group.tabs) {
        const input = tab.input;
        let uri = input instanceof vscode.TabInputText || input instanceof vscode.TabInputCustom ? input.uri : undefined;
        const markdownPreview = !uri && input instanceof vscode.TabInputWebview && /markdown\.preview/i.test(input.viewType);
        if (markdownPreview) {
          // The longest name the title ends with ("Preview Goblin Arrows.md" is not "Arrows.md").
          uri = notes
            .filter((d) => tab.label.endsWith(baseName(d.uri)))
            .sort((a, b) => baseName(b.uri).length - baseName(a.uri).length)[0]?.uri;
        }
        if (!uri || !isDocumentOf(uri, folder, this.s.vaults)) continue;
        out.push({
          uri,
          viewType: input instanceof vscode.TabInputCustom ? input.viewType : undefined,
          ...(markdownPreview ? { markdownPreview } : {}),
          viewColumn: group.viewColumn,
          pinned: tab.isPinned,
          preview: tab.isPreview,
          active: tab.isActive,
          activeGroup: group.isActive,
        });
      }
    }
    return out;
  }

  /**
   * Opens the tabs closed at Lock again in their groups, pinned as they were; the ones in front last.
   * A Markdown preview comes back after them, beside its notes (as opening a session lays them out).
   */
  private async reopen(tabs: readonly ClosedTab[]): Promise<void> {
    const editors = tabs.filter((t) => !t.markdownPreview);
    const order = [...editors.filter((t) => !t.active), ...editors.filter((t) => t.active && !t.activeGroup), ...editors.filter((t) => t.active && t.activeGroup)];
    for (const t of order) {
      try {
        // Opened in front of its group, so "Pin Editor" pins this one.
        const options: vscode.TextDocumentShowOptions = { viewColumn: t.viewColumn, preview: t.preview, preserveFocus: false };
        if (t.viewType) await vscode.commands.executeCommand('vscode.openWith', t.uri, t.viewType, options);
        else await vscode.window.showTextDocument(t.uri, options);
        if (t.pinned) await vscode.commands.executeCommand('workbench.action.pinEditor');
      } catch (e) {
        // Renamed or deleted meanwhile, or locked again: nothing to show.
        this.s.log.info(`reopening ${t.uri.toString()} after unlock: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    const previews = tabs.filter((t) => t.markdownPreview);
    for (const t of previews) {
      try {
        const notes = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === t.uri.toString());
        if (notes) await vscode.window.showTextDocument(notes.document, { viewColumn: notes.viewColumn ?? vscode.ViewColumn.Active, preserveFocus: false });
        const beside = notes?.viewColumn !== undefined && t.viewColumn > notes.viewColumn;
        await vscode.commands.executeCommand(beside ? 'markdown.showPreviewToSide' : 'markdown.showPreview', t.uri);
      } catch (e) {
        this.s.log.info(`reopening the preview of ${t.uri.toString()} after unlock: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    // The preview took the focus: the editor in front of the active group gets it back.
    const front = order.at(-1);
    if (previews.length > 0 && front?.active && front.activeGroup && !front.viewType) {
      await Promise.resolve(vscode.window.showTextDocument(front.uri, { viewColumn: front.viewColumn, preserveFocus: false })).catch(() => undefined);
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether `test` holds within `ms` (looked at every 25 ms): for state the workbench reports a moment later. */
async function eventually(test: () => boolean, ms = 2_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) return false;
    await sleep(25);
  }
  return true;
}
