// The rulebook viewer: a webview panel per open book, pdf.js in the webview (src/webview/rulebook).
// The PDF is read from the vault's encrypted file store into this process's memory and given to
// the webview only by message, range by range as pdf.js asks (never written to disk in clear).
// It opens at a given page, else at the page last read (workspaceState, by book id).
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { DataManager, Entity } from '../../core/api';
import { ENTITY_KINDS, type EntityKind } from '../../core/db/kinds';
import { citableBook, citedPages, type CitableBook } from '../../core/links';
import { VaultError } from '../../core/errors';
import type { Logger } from '../../core/ports';
import { labelOf } from '../../core/rulebooks/pages';
import { labelSource } from '../../core/rulebooks/service';
import type { FindMode, PageMatches } from '../../core/rulebooks/find';
import { MAX_RANGE, RANGE_CHUNK, parseViewerMessage, type FindRequest, type ViewerHostMessage, type ViewerStrings, viewerOutline } from '../../core/rulebooks/viewerProtocol';
import { EntityFileSystem } from '../documents/entityFs';
import { Disposable, toDisposable } from '../lifecycle';
import type { Prompter } from '../prompter';
import { escapeHtml, pdfJsCsp, webviewPage } from '../webviewHtml';

export const RULEBOOK_VIEW_TYPE = 'campaignVault.rulebook';
const LAST_PAGE_KEY = 'campaignVault.rulebook.lastPage';


/**
 * The webview page: a strict CSP (nothing remote; scripts by nonce; pdf.js's worker only from a
 * blob: URL; the worker's script fetched from the extension's own files), and no data in it — the
 * book arrives by message.
 */
export function rulebookHtml(webview: vscode.Webview, extensionUri: vscode.Uri, nonce: string): string {
  const t = (s: string) => escapeHtml(s);
  return webviewPage(webview, extensionUri, {
    name: 'rulebook',
    nonce,
    csp: [...pdfJsCsp(webview), `img-src ${webview.cspSource} data: blob:`],
    title: vscode.l10n.t('Rulebook'),
    body: `<nav id="toolbar" hidden aria-label="${t(vscode.l10n.t('Pages'))}">
<button id="outline-toggle" type="button" aria-controls="outline" aria-expanded="false">&#x2630;</button>
<button id="prev" type="button">&#x2039;</button>
<input id="page" type="number" min="1" value="1">
<span id="count"></span>
<button id="next" type="button">&#x203A;</button>
<span class="gap"></span>
<button id="find-toggle" type="button" aria-controls="findbar" aria-pressed="false">&#x2315;</button>
<button id="zoom-out" type="button">&#x2212;</button>
<button id="fit" type="button">&#x2194;</button>
<button id="zoom-in" type="button">+</button>
</nav>
<div id="findbar" role="search" hidden>
<input id="find-input" type="text" maxlength="200" spellcheck="false" autocomplete="off">
<span id="find-count" role="status" aria-live="polite"></span>
<button id="find-prev" type="button">&#x2191;</button>
<button id="find-next" type="button">&#x2193;</button>
<button id="find-close" type="button">&#x2715;</button>
</div>
<aside id="cited" hidden></aside>
<div id="body">
<nav id="outline" hidden></nav>
<main id="scroller" tabindex="-1"><p id="status" role="status">${t(vscode.l10n.t('Opening the rulebook…'))}</p><div id="sheet"><canvas id="canvas" role="img"></canvas><div id="text" class="textLayer"></div></div></main>
</div>`,
  });
}

function viewerStrings(): ViewerStrings {
  return {
    previous: vscode.l10n.t('Previous page'),
    next: vscode.l10n.t('Next page'),
    page: vscode.l10n.t('Page'),
    of: vscode.l10n.t('of'),
    fitWidth: vscode.l10n.t('Fit width'),
    zoomIn: vscode.l10n.t('Zoom in'),
    zoomOut: vscode.l10n.t('Zoom out'),
    loading: vscode.l10n.t('Opening the rulebook…'),
    failed: vscode.l10n.t('The rulebook could not be shown'),
    password: vscode.l10n.t('This PDF has a password; without it the book cannot be shown.'),
    citedBy: vscode.l10n.t('Cited by'),
    find: vscode.l10n.t('Find in the book'),
    findPrevious: vscode.l10n.t('Previous match (Shift+Enter)'),
    findNext: vscode.l10n.t('Next match (Enter)'),
    findClose: vscode.l10n.t('Close (Escape)'),
    matchOf: vscode.l10n.t('{0} of {1}'),
    noMatches: vscode.l10n.t('No results'),
    noText: vscode.l10n.t('This book has no text to search (a scanned book?).'),
    outline: vscode.l10n.t('Outline'),
    noOutline: vscode.l10n.t('This book has no outline.'),
  };
}

/** What a test sees of an open viewer. */
export interface ViewerSnapshot {
  readonly folder: string;
  readonly id: string;
  readonly name: string;
  readonly ready: boolean;
  /** The last page drawn, whether it had ink, and the page count pdf.js found. */
  readonly rendered: { readonly page: number; readonly pages: number; readonly inked: boolean } | undefined;
  /** Bytes sent to the webview so far (the first chunk and every range), and how many ranges pdf.js asked for. */
  readonly bytesSent: number;
  readonly ranges: number;
  readonly errors: readonly string[];
  readonly visible: boolean;
  /** The names the "Cited by" bar shows for the page drawn last. */
  readonly citedBy: readonly string[];
  /** What the webview highlighted on the page drawn last: how many matches, and the current one's text. */
  readonly highlighted: { readonly page: number; readonly count: number; readonly current: string | null } | undefined;
  /** The last find in the book the webview asked for, and how many matches the host found. */
  readonly found: { readonly query: string; readonly mode: FindMode; readonly total: number } | undefined;
}

/** Finds a query in a book's stored page text (RulebookService.findInBook). */
export type FindInBook = (query: string, mode: FindMode) => Promise<PageMatches[]>;

/** One open book. */
/** The entries that cite the pages of one book, by PDF page, as the viewer lists them. */
export type CitedBy = (bookId: string) => Promise<Map<number, readonly CitingEntry[]>>;

export interface CitingEntry {
  readonly id: string;
  readonly kind: EntityKind;
  readonly name: string;
  readonly campaign_name: string | null;
}

class RulebookPanel extends Disposable {
  private ready = false;
  private page: number;
  /** What the "Cited by" bar lists now: only these ids may be opened from it. */
  private listed: readonly CitingEntry[] = [];
  citing: readonly string[] = [];
  rendered: ViewerSnapshot['rendered'];
  highlighted: ViewerSnapshot['highlighted'];
  found: ViewerSnapshot['found'];
  bytesSent = 0;
  ranges = 0;
  readonly errors: string[] = [];

  constructor(
    readonly folder: vscode.WorkspaceFolder,
    readonly book: Entity,
    readonly panel: vscode.WebviewPanel,
    private bytes: Uint8Array | undefined,
    page: number,
    private readonly extensionUri: vscode.Uri,
    private readonly state: vscode.Memento,
    private readonly ui: () => Prompter,
    private readonly log: Logger,
    private readonly citedBy: CitedBy,
    private readonly find: FindInBook,
    private highlight: FindRequest | null,
  ) {
    super();
    this.page = page;
    panel.webview.options = {
      enableScripts: true,
      enableCommandUris: false,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
    };
    this._register(panel.webview.onDidReceiveMessage((m: unknown) => void this.receive(m)));
    this._register(
      panel.onDidChangeViewState(() => {
        // Without retainContextWhenHidden a hidden webview is torn down; it says `ready` again when shown.
        if (!panel.visible) this.ready = false;
      }),
    );
    this._register(panel.onDidDispose(() => this.dispose()));
    // The book's bytes leave memory with the panel.
    this._register(toDisposable(() => (this.bytes = undefined)));
    panel.webview.html = rulebookHtml(panel.webview, extensionUri, randomBytes(16).toString('base64'));
  }

  get key(): string {
    return panelKey(this.folder, this.book.id);
  }

  snapshot(): ViewerSnapshot {
    return {
      folder: this.folder.uri.toString(),
      id: this.book.id,
      name: this.book.name,
      ready: this.ready,
      rendered: this.rendered,
      bytesSent: this.bytesSent,
      ranges: this.ranges,
      errors: [...this.errors],
      visible: this.panel.visible,
      citedBy: [...this.citing],
      highlighted: this.highlighted,
      found: this.found,
    };
  }

  /** Shows page `page` (the panel is brought forward), with `highlight` found and highlighted when given. */
  goto(page: number, highlight: FindRequest | null): void {
    this.page = page;
    if (highlight) this.highlight = highlight;
    this.panel.reveal();
    if (this.ready) this.post({ type: 'goto', page, highlight });
  }

  private post(message: ViewerHostMessage): void {
    void this.panel.webview.postMessage(message);
  }

  private labels(): string[] | null {
    const count = Number(this.book.page_count ?? 0);
    const source = labelSource(this.book);
    if (!source.page_labels && !source.page_offset) return null;
    return Array.from({ length: count }, (_, i) => labelOf(source, i + 1) ?? '');
  }

  /** Tells the webview which entries cite the page shown (nothing when the lookup fails). */
  private async showCitedBy(page: number): Promise<void> {
    let entries: readonly CitingEntry[] = [];
    try {
      entries = (await this.citedBy(this.book.id)).get(page) ?? [];
    } catch (e) {
      this.log.debug(`rulebook viewer: cited by: ${String(e)}`);
    }
    this.listed = entries;
    this.citing = entries.map((e) => e.name);
    this.post({ type: 'citedBy', page, entries: entries.map((e) => ({ id: e.id, label: e.campaign_name ? `${e.name} (${e.campaign_name})` : e.name })) });
  }

  private async receive(raw: unknown): Promise<void> {
    const m = parseViewerMessage(raw);
    const bytes = this.bytes;
    if (!m || !bytes) {
      if (!m) this.log.warn(`rulebook viewer: ignored a malformed message (${typeof raw})`);
      return;
    }
    switch (m.type) {
      case 'ready': {
        this.ready = true;
        const initial = bytes.slice(0, Math.min(bytes.length, RANGE_CHUNK));
        this.bytesSent += initial.length;
        const workerUri = this.panel.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', 'pdf.worker.mjs')).toString();
        this.post({
          type: 'open',
          title: this.book.name,
          length: bytes.length,
          initial,
          page: this.page,
          workerUri,
          labels: this.labels(),
          outline: viewerOutline({ page_count: this.book.page_count, outline: this.book.outline }),
          highlight: this.highlight,
          noText: Number(this.book.text_pages ?? 1) === 0,
          strings: viewerStrings(),
        });
        return;
      }
      case 'range': {
        const end = Math.min(m.end, bytes.length, m.begin + MAX_RANGE);
        if (m.begin >= end) return;
        const data = bytes.slice(m.begin, end);
        this.bytesSent += data.length;
        this.ranges++;
        this.post({ type: 'range', begin: m.begin, data });
        return;
      }
      case 'rendered':
        this.rendered = { page: m.page, pages: m.pages, inked: m.inked };
        this.page = m.page;
        await this.state.update(lastPageKey(this.book.id), m.page);
        await this.showCitedBy(m.page);
        return;
      case 'openEntry': {
        const entry = this.listed.find((e) => e.id === m.id);
        if (!entry) {
          this.log.warn('rulebook viewer: ignored a request to open an entry it did not list');
          return;
        }
        await vscode.commands.executeCommand('vscode.open', EntityFileSystem.uriFor(this.folder, entry.campaign_name, entry.kind, entry.name, entry.kind === 'session' ? 'md' : 'yaml'), { viewColumn: vscode.ViewColumn.Beside });
        return;
      }
      case 'password': {
        const answer = await this.ui().input({
          id: 'pdf-password',
          title: vscode.l10n.t('Open {0}', this.book.name),
          prompt: vscode.l10n.t('This PDF has a password. Enter it to show the book.'),
          password: true,
          ...(m.wrong ? { initialMessage: { message: vscode.l10n.t('That is not the PDF’s password.'), severity: vscode.InputBoxValidationSeverity.Error } } : {}),
        });
        this.post({ type: 'password', password: typeof answer === 'string' ? answer : null });
        return;
      }
      case 'find': {
        let pages: PageMatches[] = [];
        try {
          pages = await this.find(m.query, m.mode);
        } catch (e) {
          this.log.warn(`rulebook viewer (${this.book.name}): find: ${String(e)}`);
        }
        this.found = { query: m.query, mode: m.mode, total: pages.reduce((n, p) => n + p.count, 0) };
        this.post({ type: 'found', query: m.query, mode: m.mode, pages });
        return;
      }
      case 'highlighted':
        this.highlighted = { page: m.page, count: m.count, current: m.current };
        return;
      case 'error':
        this.errors.push(m.message);
        this.log.warn(`rulebook viewer (${this.book.name}): ${m.message}`);
        return;
    }
  }
}

function panelKey(folder: vscode.WorkspaceFolder, id: string): string {
  return `${folder.uri.toString()}#${id}`;
}

function lastPageKey(id: string): string {
  return `${LAST_PAGE_KEY}.${id}`;
}

/** The open viewers, one per book; they close when their vault locks. */
export class RulebookViewers extends Disposable {
  private readonly panels = new Map<string, RulebookPanel>();
  private readonly cited = new WeakMap<DataManager, { books: Map<string, Promise<Map<number, readonly CitingEntry[]>>> }>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly state: vscode.Memento,
    private readonly ui: () => Prompter,
    private readonly log: Logger,
    /** The lifetime of a folder's unlocked vault (a viewer ends with it). */
    private readonly lifetimeOf: (folder: vscode.WorkspaceFolder) => { add(d: vscode.Disposable): unknown } | undefined,
  ) {
    super();
    this._register(toDisposable(() => [...this.panels.values()].forEach((p) => p.panel.dispose())));
  }

  /** The page a book was last read at (1 when never opened here). */
  lastPage(id: string): number {
    const n = this.state.get<number>(lastPageKey(id));
    return typeof n === 'number' && Number.isInteger(n) && n >= 1 ? n : 1;
  }

  /**
   * Opens (or brings forward) the viewer of a book at `page` (1-based), else at the page last read.
   * A page out of range is refused with a clear error.
   */
  async open(folder: vscode.WorkspaceFolder, dm: DataManager, book: Entity, page?: number, highlight?: FindRequest): Promise<ViewerSnapshot> {
    const count = Number(book.page_count ?? 0);
    if (page !== undefined && (!Number.isInteger(page) || page < 1 || page > count)) {
      throw new VaultError('invalid', 'page out of range', { hint: vscode.l10n.t('“{0}” has pages 1 to {1}; there is no page {2}.', book.name, count, String(page)) });
    }
    const at = page ?? Math.min(this.lastPage(book.id), Math.max(1, count));
    const existing = this.panels.get(panelKey(folder, book.id));
    if (existing) {
      existing.goto(at, highlight ?? null);
      return existing.snapshot();
    }
    const assetId = typeof book.asset_id === 'string' ? book.asset_id : undefined;
    const asset = assetId ? await dm.get('asset', assetId) : undefined;
    if (!asset || typeof asset.hash !== 'string') throw new VaultError('not-found', 'rulebook without its PDF', { hint: vscode.l10n.t('The PDF of “{0}” is gone; add the book again.', book.name) });
    const bytes = await dm.readFile(asset.hash);
    const lifetime = this.lifetimeOf(folder);
    if (!lifetime) throw new VaultError('locked', 'vault locked', { hint: vscode.l10n.t('The vault was locked while the book was being opened.') });
    const panel = vscode.window.createWebviewPanel(RULEBOOK_VIEW_TYPE, book.name, vscode.ViewColumn.Active, { retainContextWhenHidden: false, enableFindWidget: false });
    const viewer = new RulebookPanel(folder, book, panel, bytes, at, this.extensionUri, this.state, this.ui, this.log, (id) => this.citations(dm, id), (query, mode) => dm.rulebooks.findInBook(book.id, query, mode), highlight ?? null);
    this.panels.set(viewer.key, viewer);
    panel.onDidDispose(() => this.panels.delete(viewer.key));
    // Locked: the viewer closes, and the book's bytes go with it.
    lifetime.add(toDisposable(() => panel.dispose()));
    return viewer.snapshot();
  }

  /**
   * Which entries cite which pages of a book: one pass over the vault's entries, kept until the
   * vault changes (a few thousand entries take milliseconds; a library rarely changes mid-read).
   */
  private citations(dm: DataManager, bookId: string): Promise<Map<number, readonly CitingEntry[]>> {
    let cached = this.cited.get(dm);
    if (!cached) {
      const sub = dm.onDidChange(() => {
        sub.dispose();
        this.cited.delete(dm);
      });
      cached = { books: new Map() };
      this.cited.set(dm, cached);
    }
    let pages = cached.books.get(bookId);
    if (!pages) {
      pages = (async () => {
        const campaigns = new Map((await dm.list('campaign', { limit: 10_000 })).map((c) => [c.id, c.name]));
        const books: CitableBook[] = (await dm.list('rulebook', { limit: 10_000 })).map(citableBook);
        const entries: { entry: CitingEntry & { campaign_id: string | null }; body: unknown }[] = [];
        for (const kind of ENTITY_KINDS) {
          if (kind === 'rulebook' || kind === 'asset') continue;
          for (const e of await dm.list(kind, { limit: 10_000 })) {
            const campaign_id = kind === 'campaign' ? e.id : (e.campaign_id ?? null);
            entries.push({ entry: { id: e.id, kind, name: e.name, campaign_id, campaign_name: kind === 'campaign' ? null : (campaigns.get(campaign_id ?? '') ?? null) }, body: e });
          }
        }
        return citedPages(entries, books, bookId);
      })();
      cached.books.set(bookId, pages);
    }
    return pages;
  }

  snapshots(): ViewerSnapshot[] {
    return [...this.panels.values()].map((p) => p.snapshot());
  }
}
