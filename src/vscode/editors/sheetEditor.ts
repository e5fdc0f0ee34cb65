// The Character Sheet: a custom editor over the same TextDocument as the YAML text editor (the
// pattern of vscode-extension-samples' catScratchEditor). The document is the model; the webview
// only renders what the host derives (src/core/sheet) and asks for edits, which are applied as
// WorkspaceEdits so undo, redo, dirty state and saving behave as in the text editor.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { KINDS, type EntityKind } from '../../core/db/kinds';
import { readEntityText } from '../../core/documents/yamlText';
import { referencesIn } from '../../core/schema/references';
import { EntityFileSystem, isDocumentOf } from '../documents/entityFs';
import { isCampaignNode } from '../views/campaignsTree';
import type { Logger } from '../../core/ports';
import {
  applyFieldEdit,
  minimalChange,
  sheetKindFromBody,
  parseWebviewMessage,
  sheetKindFromPath,
  sheetMessage,
  type FieldPath,
  type HostMessage,
  type SheetKind,
} from '../../core/sheet';
import { COMMANDS } from '../commands/ids';
import { registerCommands } from '../commands/register';
import { Disposable, toDisposable } from '../lifecycle';
import type { Services } from '../services';
import type { VaultRegistry } from '../vaults';
import { escapeHtml, webviewPage } from '../webviewHtml';

export const SHEET_VIEW_TYPE = 'campaignVault.sheet';
/** Typing in the text editor next to the sheet re-renders it at most this often. */
export const UPDATE_DELAY_MS = 150;


/** The webview page: no data in it (everything arrives by message), a strict CSP, one nonce'd script. */
export function sheetHtml(webview: vscode.Webview, extensionUri: vscode.Uri, nonce: string): string {
  return webviewPage(webview, extensionUri, {
    name: 'sheet',
    nonce,
    csp: [`img-src ${webview.cspSource} data:`],
    title: vscode.l10n.t('Character Sheet'),
    body: `<div id="banners"></div>
<main id="sheet" aria-label="${escapeHtml(vscode.l10n.t('Character sheet'))}"><p class="loading">${escapeHtml(vscode.l10n.t('Loading the sheet…'))}</p></main>`,
  });
}

/** Every open sheet, for the test hooks (`_testing.sheets()`); nothing else reads it. */
const openSheets = new Set<SheetSession>();

/** What the open sheets show, and a way to send one a message as its webview would (test hooks). */
export const sheetProbe = {
  sheets: () => [...openSheets].map((s) => s.snapshot()),
  /** Delivers `message` to the sheet of `uri` as if its webview had sent it. */
  receive(uri: string, message: unknown): boolean {
    const s = [...openSheets].find((x) => x.uri === uri);
    s?.deliver(message);
    return s !== undefined;
  },
};

/** Opens a linked entry of the vault the document belongs to; says why not when it cannot. */
type EntryOpener = (document: vscode.TextDocument, kind: EntityKind, id: string) => Promise<'opened' | 'missing' | 'no-vault'>;

/** One open sheet: its panel, its document, and everything to dispose with it. */
class SheetSession extends Disposable {
  private lastPosted: HostMessage | undefined;
  private ready = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private kind: SheetKind | undefined;
  private edits: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly document: vscode.TextDocument,
    private readonly panel: vscode.WebviewPanel,
    private readonly log: Logger | undefined,
    private readonly openLinked: EntryOpener,
  ) {
    super();
    this.kind = sheetKindFromPath(document.uri.path);
    openSheets.add(this);
    this._register(
      toDisposable(() => {
        openSheets.delete(this);
        if (this.timer !== undefined) clearTimeout(this.timer);
        this.timer = undefined;
        this.ready = false;
      }),
    );
    this._register(
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.uri.toString() === document.uri.toString() && e.contentChanges.length > 0) this.scheduleUpdate();
      }),
    );
    this._register(panel.webview.onDidReceiveMessage((m: unknown) => this.receive(m)));
    // Without retainContextWhenHidden a hidden webview is torn down; it says `ready` again when shown.
    this._register(
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
    );
    this._register(panel.onDidDispose(() => this.dispose()));
  }

  get uri(): string {
    return this.document.uri.toString();
  }

  snapshot(): { readonly uri: string; readonly ready: boolean; readonly lastPosted: HostMessage | undefined } {
    return { uri: this.uri, ready: this.ready, lastPosted: this.lastPosted };
  }

  deliver(message: unknown): void {
    this.receive(message);
  }

  /**
   * Its vault locked while it is open (Lock closes it first; this is for every other way a vault
   * locks): the page is replaced by one that holds nothing of the entry, and nothing more is sent.
   */
  blank(): void {
    if (this.isDisposed) return;
    this.lastPosted = undefined;
    this.ready = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const text = escapeHtml(vscode.l10n.t('The vault is locked. Unlock it to see this sheet again.'));
    this.panel.webview.html = `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none';"></head><body><p>${text}</p></body></html>`;
  }

  private post(message: HostMessage): void {
    if (!this.ready) return; // the handshake: nothing before the webview listens
    this.lastPosted = message;
    void this.panel.webview.postMessage(message);
  }

  private scheduleUpdate(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.postUpdate();
    }, UPDATE_DELAY_MS);
  }

  private postUpdate(): void {
    if (!this.ready) return;
    try {
      const message = sheetMessage(this.document.getText(), this.kind, this.document.version);
      if (message.type === 'update') this.kind ??= message.model.kind;
      this.post(message);
    } catch (e) {
      this.log?.error(e instanceof Error ? e : String(e));
      this.post({ type: 'error', message: vscode.l10n.t('The sheet could not be built from this file. Details are in the Campaign Vault log.') });
    }
  }

  private receive(raw: unknown): void {
    const message = parseWebviewMessage(raw);
    if (message === undefined) {
      this.log?.warn(`sheet: ignored a malformed message from the webview (${typeof raw})`);
      this.post({ type: 'error', message: vscode.l10n.t('The sheet sent a message the editor does not understand; it was ignored.') });
      return;
    }
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.postUpdate();
        return;
      case 'openText':
        void vscode.commands.executeCommand('vscode.openWith', this.document.uri, 'default', vscode.ViewColumn.Beside);
        return;
      case 'openEntry':
        this.openEntry(message.id).catch((e: unknown) => {
          this.log?.error(e instanceof Error ? e : String(e));
          this.post({ type: 'error', message: vscode.l10n.t('The linked entry could not be opened. Details are in the Campaign Vault log.') });
        });
        return;
      case 'edit': {
        const { requestId, path, value } = message;
        // One edit at a time, each computed from the text as it is when its turn comes.
        this.edits = this.edits.then(() => this.applyEdit(requestId, path, value)).catch((e: unknown) => {
          this.log?.error(e instanceof Error ? e : String(e));
          this.post({ type: 'editResult', requestId, ok: false, message: vscode.l10n.t('The change could not be applied. Details are in the Campaign Vault log.') });
        });
        return;
      }
    }
  }

  /**
   * Opens the entry a line of the sheet links to. The webview only names an id: it is followed
   * only when this document holds it in a reference field (which also says its kind), and the
   * entry is in the document's own vault.
   */
  private async openEntry(id: string): Promise<void> {
    const { body } = readEntityText(this.document.getText());
    const kind = this.kind ?? (body ? sheetKindFromBody(body) : undefined);
    const ref = body && kind ? referencesIn(kind, body).find((r) => r.id === id) : undefined;
    if (!ref) {
      this.log?.warn('sheet: the webview asked to open an id this document does not link to; ignored');
      this.post({ type: 'error', message: vscode.l10n.t('The sheet asked to open an entry this file does not link to; it was ignored.') });
      return;
    }
    const outcome = await this.openLinked(this.document, ref.field.target, id);
    if (outcome === 'missing') this.post({ type: 'error', message: vscode.l10n.t('The linked {0} is not in the vault any more (or is in the Trash).', KINDS[ref.field.target].label) });
    else if (outcome === 'no-vault') this.post({ type: 'error', message: vscode.l10n.t('Links open from a sheet of an unlocked vault; this file is not one.') });
  }

  private async applyEdit(requestId: number, path: FieldPath, value: string | number | boolean | null): Promise<void> {
    const kind = this.kind ?? 'character';
    const before = this.document.getText();
    const result = applyFieldEdit(before, kind, path, value);
    if (!result.ok) {
      this.post({ type: 'editResult', requestId, ok: false, message: result.message });
      return;
    }
    const change = minimalChange(before, result.text);
    const edit = new vscode.WorkspaceEdit();
    edit.replace(this.document.uri, new vscode.Range(this.document.positionAt(change.start), this.document.positionAt(change.end)), change.text);
    const applied = await vscode.workspace.applyEdit(edit);
    this.post(
      applied
        ? { type: 'editResult', requestId, ok: true }
        : { type: 'editResult', requestId, ok: false, message: vscode.l10n.t('The file could not be changed (is it read-only, or the vault locked?)') },
    );
  }

}

export class SheetEditorProvider implements vscode.CustomTextEditorProvider {
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log?: Logger,
    private readonly vaults?: VaultRegistry,
  ) {}

  resolveCustomTextEditor(document: vscode.TextDocument, panel: vscode.WebviewPanel): void {
    panel.webview.options = {
      enableScripts: true,
      enableCommandUris: false,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    };
    panel.webview.html = sheetHtml(panel.webview, this.extensionUri, randomBytes(16).toString('base64'));
    const session = new SheetSession(document, panel, this.log, (doc, kind, id) => this.openEntry(doc, kind, id));
    const vault = this.vaults?.folders.find((f) => isDocumentOf(document.uri, f.folder, this.vaults!));
    if (vault) this.vaults?.lifetimeOf(vault.folder)?.add(toDisposable(() => session.blank()));
  }

  private async openEntry(document: vscode.TextDocument, kind: EntityKind, id: string): Promise<'opened' | 'missing' | 'no-vault'> {
    const vault = this.vaults?.folders.find((f) => f.dm.isUnlocked && isDocumentOf(document.uri, f.folder, this.vaults!));
    if (!vault) return 'no-vault';
    // `get` also finds by name: the id must be the entry's own.
    const entity = await vault.dm.get(kind, id);
    if (!entity || entity.id !== id || entity.deleted_at) return 'missing';
    const uri = await EntityFileSystem.uriOf(vault.folder, vault.dm, entity);
    await vscode.window.showTextDocument(uri, { viewColumn: vscode.ViewColumn.Beside, preview: true });
    return 'opened';
  }
}

/** Opens a YAML file (the argument from a menu, else the active editor's) as a Character Sheet. */
async function openAsSheet(s: Services, arg: unknown): Promise<void> {
  // From the Campaigns view the argument is the entry's node.
  const node = isCampaignNode(arg) && 'entity' in arg ? arg : undefined;
  const uri = node ? await EntityFileSystem.uriOf(node.folder, node.dm, node.entity) : arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
  if (uri === undefined) {
    void s.ui().message({ id: 'cannot-run', severity: 'info', text: vscode.l10n.t('Open a character or NPC YAML file first, then run "Open as Character Sheet".') });
    return;
  }
  // From the YAML's own editor, the sheet opens beside it: the text on one side, the sheet on the other.
  const fromItsText = !node && vscode.window.activeTextEditor?.document.uri.toString() === uri.toString();
  await vscode.commands.executeCommand('vscode.openWith', uri, SHEET_VIEW_TYPE, fromItsText ? vscode.ViewColumn.Beside : undefined);
}

/** Registers the Character Sheet editor and its command; dispose the result to unregister both. */
export function registerSheetEditor(s: Services): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.window.registerCustomEditorProvider(SHEET_VIEW_TYPE, new SheetEditorProvider(s.context.extensionUri, s.log.child('sheet'), s.vaults), {
      webviewOptions: { retainContextWhenHidden: false },
      supportsMultipleEditorsPerDocument: true,
    }),
    registerCommands(s, s, { [COMMANDS.openAsSheet]: openAsSheet }),
  );
}
