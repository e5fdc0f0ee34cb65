import * as vscode from 'vscode';
import type { DataManager } from '../../core/api';
import { bookNamed, citableBook, citationBeingTyped, pageChoices, resolveCitation, scanCitations, type CitableBook, type Citation, type CitationTarget } from '../../core/links';
import type { PdfOutlineEntry } from '../../core/rulebooks/port';
import { COMMANDS } from '../commands/ids';
import type { CatalogHolder } from './catalogs';
import type { AuthoringDeps } from './deps';
import { MAX_SCANNED, syntaxOf } from './links';
import { inert } from './markdown';
import { escapeMarkdown } from './preview';

/**
 * Page citations of rulebooks in the editor (docs/RULEBOOKS.md, "Citations"): `[[SRD 5.1#p254]]`
 * in any Markdown or YAML and `source: SRD 5.1#p254` in an entry are links that open the viewer
 * at that printed page, hovers show the page's text, an unknown book or a page the book does not
 * have is a warning where it is written, and after `[[Book#` (or `source: Book#`) the book's
 * chapters and sections are offered with their printed pages.
 */

/** Text shown in a hover, at most. */
const HOVER_CHARS = 700;
const DEBOUNCE_MS = 300;

/** The books of the vault, for resolving citations (a library holds a few dozen at most). */
async function booksOf(dm: DataManager): Promise<CitableBook[]> {
  return (await dm.list('rulebook', { limit: 10_000 })).map(citableBook);
}

function citationsIn(document: vscode.TextDocument): Citation[] {
  const text = document.getText();
  if (text.length > MAX_SCANNED || !text.includes('#p')) return [];
  return scanCitations(text, syntaxOf(document));
}

export class CitationSupport implements vscode.DocumentLinkProvider, vscode.HoverProvider, vscode.CompletionItemProvider, vscode.Disposable {
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('campaign-vault-citations');
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly catalogs: CatalogHolder,
    private readonly deps: AuthoringDeps,
    private readonly selector: vscode.DocumentSelector,
  ) {
    this.subscriptions.push(
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document)),
      vscode.workspace.onDidCloseTextDocument((d) => this.diagnostics.delete(d.uri)),
      // Books added, renamed or removed, a vault unlocked or locked: every open document again.
      catalogs.onDidUpdate(() => this.checkAll()),
    );
    this.checkAll();
  }

  private context(document: vscode.TextDocument): { campaign_id?: string | null } {
    const catalog = this.catalogs.get();
    const campaign_id = catalog ? this.deps.campaignOf(document.uri, catalog) : undefined;
    return campaign_id === undefined ? {} : { campaign_id };
  }

  private async targets(document: vscode.TextDocument): Promise<{ citation: Citation; target: CitationTarget }[]> {
    const dm = this.deps.dataManager();
    const citations = citationsIn(document);
    if (!dm || citations.length === 0) return [];
    const books = await booksOf(dm);
    const context = this.context(document);
    return citations.map((citation) => ({ citation, target: resolveCitation(citation, books, context) }));
  }

  private range(document: vscode.TextDocument, c: Citation): vscode.Range {
    return new vscode.Range(document.positionAt(c.offset), document.positionAt(c.offset + c.length));
  }

  async provideDocumentLinks(document: vscode.TextDocument): Promise<vscode.DocumentLink[]> {
    const links: vscode.DocumentLink[] = [];
    for (const { citation, target } of await this.targets(document)) {
      if (target.status !== 'resolved') continue;
      const args = { id: target.book.id, page: target.page };
      const link = new vscode.DocumentLink(this.range(document, citation), vscode.Uri.parse(`command:${COMMANDS.openRulebook}?${encodeURIComponent(JSON.stringify([args]))}`));
      link.tooltip = vscode.l10n.t('Open {0} at page {1}', target.book.name, citation.label);
      links.push(link);
    }
    return links;
  }

  async provideHover(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    const offset = document.offsetAt(position);
    const at = citationsIn(document).find((c) => offset >= c.offset && offset < c.offset + c.length);
    if (!at) return undefined;
    return new vscode.Hover(await this.preview(document, at, token), this.range(document, at));
  }

  /** After `[[Book#` or `source: Book#`: the book's chapters and sections, each inserting `p` and its printed label. */
  async provideCompletionItems(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.CompletionItem[] | undefined> {
    const text = document.getText();
    if (text.length > MAX_SCANNED) return undefined;
    const typing = citationBeingTyped(text, document.offsetAt(position), syntaxOf(document));
    const dm = this.deps.dataManager();
    if (!typing || !dm) return undefined;
    const rulebooks = await dm.list('rulebook', { limit: 10_000 });
    if (token.isCancellationRequested) return undefined;
    const found = bookNamed(typing.book, rulebooks.map(citableBook), this.context(document));
    if (found.status !== 'resolved') return undefined;
    const entity = rulebooks.find((b) => b.id === found.book.id);
    const outline = Array.isArray(entity?.outline) ? (entity.outline as PdfOutlineEntry[]) : [];
    const range = new vscode.Range(document.positionAt(typing.start), document.positionAt(typing.end));
    return pageChoices(found.book, outline).map((choice, i) => {
      const item = new vscode.CompletionItem({ label: `p${choice.label}`, description: `${choice.level > 0 ? '  ' : ''}${choice.title}` }, vscode.CompletionItemKind.Reference);
      item.insertText = `p${choice.label}`;
      // Typing a chapter's words after the # finds it too.
      item.filterText = `p${choice.label} ${choice.title}`;
      item.range = range;
      item.sortText = String(i).padStart(6, '0');
      item.detail = vscode.l10n.t('{0}, page {1}', found.book.name, choice.label);
      return item;
    });
  }

  /** The page's chapter, headings and the start of its text; or why the citation goes nowhere. */
  async preview(document: vscode.TextDocument, c: Citation, token?: vscode.CancellationToken): Promise<vscode.MarkdownString> {
    const dm = this.deps.dataManager();
    if (!dm) return inert(vscode.l10n.t('Unlock the vault to see **{0}**, page {1}.', escapeMarkdown(c.book), escapeMarkdown(c.label)));
    const target = resolveCitation(c, await booksOf(dm), this.context(document));
    if (target.status !== 'resolved') return inert(escapeMarkdown(target.message));
    const page = await dm.rulebooks.page(target.book.id, { page: target.page }).catch(() => undefined);
    if (token?.isCancellationRequested) return inert('');
    const title = `**${escapeMarkdown(target.book.name)}**, ${escapeMarkdown(vscode.l10n.t('page {0}', c.label))}`;
    if (!page) return inert(`${title}\n\n${escapeMarkdown(vscode.l10n.t('The text of this page is not in the vault (a scanned page, or re-extract the book).'))}`);
    const where = [page.chapter, ...page.headings.map((h) => h.title)].filter((x): x is string => !!x);
    const text = page.text.length > HOVER_CHARS ? `${page.text.slice(0, HOVER_CHARS)}…` : page.text;
    return inert([title + (where.length ? ` · ${escapeMarkdown(where.slice(0, 3).join(' › '))}` : ''), escapeMarkdown(text) || escapeMarkdown(vscode.l10n.t('(no text on this page)'))].join('\n\n'));
  }

  private schedule(document: vscode.TextDocument): void {
    if (!vscode.languages.match(this.selector, document)) return;
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.check(document);
      }, DEBOUNCE_MS),
    );
  }

  private checkAll(): void {
    for (const d of vscode.workspace.textDocuments) this.schedule(d);
  }

  private async check(document: vscode.TextDocument): Promise<void> {
    if (document.isClosed) return;
    const version = document.version;
    let found: { citation: Citation; target: CitationTarget }[];
    try {
      found = await this.targets(document);
    } catch (e) {
      this.deps.log.debug(`citations of ${document.uri.toString()}: ${String(e)}`);
      return;
    }
    if (document.isClosed || document.version !== version) return;
    if (!this.deps.dataManager()) {
      // Locked: nothing to say (and nothing to keep of the vault's books).
      this.diagnostics.delete(document.uri);
      return;
    }
    this.diagnostics.set(
      document.uri,
      found
        .filter(({ target }) => target.status !== 'resolved')
        .map(({ citation, target }) => {
          const d = new vscode.Diagnostic(this.range(document, citation), (target as { message: string }).message, vscode.DiagnosticSeverity.Warning);
          d.source = vscode.l10n.t('Campaign Vault (citation)');
          return d;
        }),
    );
  }

  dispose(): void {
    this.timers.forEach((t) => clearTimeout(t));
    this.subscriptions.forEach((s) => s.dispose());
    this.diagnostics.dispose();
  }
}
