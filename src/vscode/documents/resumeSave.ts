import * as vscode from 'vscode';
import { parseEntityText } from '../../core/documents/yamlText';
import { kindOfDocument } from './assist';
import { SCHEME, type EntityFileSystem } from './entityFs';

/**
 * Auto save after a refused save. VS Code stops auto saving a document whose save failed (its
 * model is "in error" until an explicit save), so a refused entry stayed dirty for good once its
 * text was valid again, under a stale "Failed to save" toast. Here, with auto save on, the next
 * valid state of such a document is saved — after the configured delay, or at the focus or window
 * change auto save waits for — which also closes VS Code's toast. While it is still invalid,
 * nothing is tried: the squiggles and the Problems view say why.
 *
 * A refusal the live diagnostics do not show (a name that differs from the file name, an empty
 * document that would erase the entry) is shown inline as well, on the first line, until the
 * document changes or saves.
 */
export function registerSaveResume(files: EntityFileSystem): vscode.Disposable {
  const refusals = vscode.languages.createDiagnosticCollection('campaign-vault-save');
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Refused documents edited since, waiting for a focus or window change to save. */
  const waiting = new Set<string>();

  const stop = (key: string) => {
    clearTimeout(timers.get(key));
    timers.delete(key);
    waiting.delete(key);
  };

  /** Whether the document's text would be refused for a reason the editor already marks. */
  const hasErrors = (doc: vscode.TextDocument): boolean => {
    const kind = kindOfDocument(doc);
    return kind !== undefined && parseEntityText(kind, doc.getText()).problems.some((p) => p.severity === 'error');
  };

  const attempt = async (doc: vscode.TextDocument) => {
    stop(doc.uri.toString());
    if (doc.isClosed || !doc.isDirty || files.saveFailure(doc.uri) === undefined || hasErrors(doc)) return;
    // An explicit save: the one kind VS Code still runs for a document whose last save failed.
    await doc.save();
  };

  const schedule = (doc: vscode.TextDocument) => {
    const key = doc.uri.toString();
    stop(key);
    const config = vscode.workspace.getConfiguration('files', doc);
    const mode = config.get<string>('autoSave', 'off');
    if (mode === 'afterDelay') {
      const delay = Math.max(0, config.get<number>('autoSaveDelay', 1000));
      timers.set(
        key,
        setTimeout(() => void attempt(doc), delay),
      );
    } else if (mode === 'onFocusChange' || mode === 'onWindowChange') {
      waiting.add(key);
    }
  };

  const flush = (which: (key: string) => boolean) => {
    for (const doc of vscode.workspace.textDocuments) if (waiting.has(doc.uri.toString()) && which(doc.uri.toString())) void attempt(doc);
  };

  return vscode.Disposable.from(
    refusals,
    files.onDidSave(({ uri, refused }) => {
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      if (refused === undefined || !doc || !hasErrors(doc)) refusals.delete(uri);
      if (refused !== undefined && doc && !hasErrors(doc)) {
        const d = new vscode.Diagnostic(new vscode.Range(0, 0, 0, doc.lineAt(0).text.length), refused, vscode.DiagnosticSeverity.Error);
        d.source = vscode.l10n.t('Campaign Vault (not saved)');
        refusals.set(uri, [d]);
      }
    }),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document.uri.scheme !== SCHEME || e.contentChanges.length === 0) return;
      refusals.delete(e.document.uri);
      if (files.saveFailure(e.document.uri) !== undefined) schedule(e.document);
    }),
    // onFocusChange: leaving the editor; onWindowChange (and onFocusChange): leaving the window.
    vscode.window.onDidChangeActiveTextEditor((editor) => {
      const active = editor?.document.uri.toString();
      flush((key) => key !== active && vscode.workspace.getConfiguration('files', vscode.Uri.parse(key)).get('autoSave') === 'onFocusChange');
    }),
    vscode.window.onDidChangeWindowState((state) => {
      if (!state.focused) flush(() => true);
    }),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      stop(doc.uri.toString());
      refusals.delete(doc.uri);
    }),
    new vscode.Disposable(() => timers.forEach((t) => clearTimeout(t))),
  );
}
