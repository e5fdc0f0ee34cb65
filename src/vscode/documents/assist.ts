import * as vscode from 'vscode';
import type { EntityKind } from '../../core/db/kinds';
import { DocPathError, parseDocPath } from '../../core/documents/docPaths';
import { completionsAt, hoverAt } from '../../core/documents/schemaAssist';
import { parseEntityText } from '../../core/documents/yamlText';
import { SCHEME } from './entityFs';

/** The kind of entry a YAML document of the `campaign:` file system holds, if it is one. */
export function kindOfDocument(doc: vscode.TextDocument): EntityKind | undefined {
  if (doc.uri.scheme !== SCHEME || !doc.uri.path.endsWith('.yaml')) return undefined;
  try {
    const loc = parseDocPath(doc.uri.path);
    return loc.type === 'campaign-file' ? 'campaign' : loc.type === 'entity' ? loc.kind : undefined;
  } catch (e) {
    if (e instanceof DocPathError) return undefined;
    throw e;
  }
}

const DEBOUNCE_MS = 150;

/**
 * Diagnostics while typing: YAML errors and schema problems of every open entry, at the node they
 * are about — the same checks a save runs, so what is marked is exactly what would be refused.
 */
export function registerDiagnostics(): vscode.Disposable {
  const collection = vscode.languages.createDiagnosticCollection('campaign-vault');
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const check = (doc: vscode.TextDocument) => {
    const kind = kindOfDocument(doc);
    if (!kind) return;
    const text = doc.getText();
    const { problems } = parseEntityText(kind, text);
    collection.set(
      doc.uri,
      problems.map((p) => {
        const d = new vscode.Diagnostic(new vscode.Range(doc.positionAt(p.start), doc.positionAt(p.end)), p.message, p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
        d.source = p.source === 'yaml' ? vscode.l10n.t('Campaign Vault (YAML)') : vscode.l10n.t('Campaign Vault (schema)');
        if (p.path !== undefined) d.code = p.path === '' ? '/' : p.path;
        return d;
      }),
    );
  };
  const schedule = (doc: vscode.TextDocument) => {
    const key = doc.uri.toString();
    clearTimeout(timers.get(key));
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        check(doc);
      }, DEBOUNCE_MS),
    );
  };
  for (const doc of vscode.workspace.textDocuments) check(doc);
  return vscode.Disposable.from(
    collection,
    vscode.workspace.onDidOpenTextDocument(check),
    vscode.workspace.onDidChangeTextDocument((e) => schedule(e.document)),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      clearTimeout(timers.get(doc.uri.toString()));
      collection.delete(doc.uri);
    }),
    new vscode.Disposable(() => timers.forEach((t) => clearTimeout(t))),
  );
}

/** Completion of field names and values, and hovers with the schema's descriptions. */
export function registerSchemaAssist(): vscode.Disposable {
  const selector: vscode.DocumentSelector = { scheme: SCHEME, pattern: '**/*.yaml' };
  return vscode.Disposable.from(
    vscode.languages.registerCompletionItemProvider(
      selector,
      {
        provideCompletionItems(doc, position) {
          const kind = kindOfDocument(doc);
          if (!kind) return undefined;
          return completionsAt(kind, doc.getText(), doc.offsetAt(position)).map((c) => {
            const item = new vscode.CompletionItem(c.label, c.type === 'field' ? vscode.CompletionItemKind.Property : vscode.CompletionItemKind.EnumMember);
            item.insertText = c.insertText;
            if (c.detail) item.detail = c.detail;
            if (c.documentation) item.documentation = new vscode.MarkdownString(c.documentation);
            // Replace the word typed so far, including spaces inside multi-word values.
            const line = doc.lineAt(position.line).text.slice(0, position.character);
            const typed = c.type === 'field' ? /[^\s-][^:]*$/.exec(line.trimStart().replace(/^(- )+/, '')) : /:\s*(.*)$/.exec(line);
            const len = typed ? (c.type === 'field' ? typed[0].length : typed[1]!.length) : 0;
            item.range = new vscode.Range(position.translate(0, -Math.min(len, position.character)), position);
            return item;
          });
        },
      },
      ':',
      ' ',
    ),
    vscode.languages.registerHoverProvider(selector, {
      provideHover(doc, position) {
        const kind = kindOfDocument(doc);
        if (!kind) return undefined;
        const h = hoverAt(kind, doc.getText(), doc.offsetAt(position));
        if (!h) return undefined;
        // Schema text only (ours); still no HTML and no command links.
        const md = new vscode.MarkdownString(h.markdown);
        md.isTrusted = false;
        md.supportHtml = false;
        return new vscode.Hover(md, new vscode.Range(doc.positionAt(h.start), doc.positionAt(h.end)));
      },
    }),
  );
}
