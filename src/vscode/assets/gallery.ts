// The asset gallery: a webview panel per campaign (or the Shared Library) with a grid of
// thumbnails, filters by kind and tag, a search by name, and a viewer that pans and zooms a picture
// at full resolution. Thumbnails (src/core/assets/thumbnails.ts, through the sealed cache) and the
// full files are read from the vault into this process and given to the webview only by message
// (never written to disk in clear); the webview shows them from blob: URLs.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { DataManager, Entity } from '../../core/api';
import { DRAWABLE_MIMES, parseGalleryMessage, type GalleryHostMessage, type GalleryItem, type GalleryStrings } from '../../core/assets/galleryProtocol';
import type { Logger } from '../../core/ports';
import { Disposable, toDisposable } from '../lifecycle';
import { escapeHtml } from '../webviewHtml';

export const GALLERY_VIEW_TYPE = 'campaignVault.gallery';
const THUMBNAIL_SIZE = 256;


/** The webview page: a strict CSP (nothing remote; scripts by nonce; pictures only from blob: URLs), and no data in it. */
export function galleryHtml(webview: vscode.Webview, extensionUri: vscode.Uri, nonce: string): string {
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'gallery.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'gallery.css'));
  const csp = ["default-src 'none'", `style-src ${webview.cspSource}`, `script-src 'nonce-${nonce}'`, 'img-src blob:'].join('; ');
  const t = (s: string) => escapeHtml(s);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>${t(vscode.l10n.t('Assets'))}</title>
</head>
<body>
<header id="filters" hidden>
<input id="search" type="search">
<select id="type"></select>
<select id="tag"></select>
<span id="count" role="status"></span>
</header>
<p id="status" role="status">${t(vscode.l10n.t('Opening the gallery…'))}</p>
<main id="grid" role="listbox" aria-multiselectable="false"></main>
<section id="viewer" hidden role="dialog" aria-modal="true">
<nav id="viewer-bar"><span id="viewer-title"></span><span class="gap"></span><button id="zoom-out" type="button">&#x2212;</button><span id="zoom"></span><button id="zoom-in" type="button">+</button><button id="fit" type="button">&#x2922;</button><button id="close" type="button">&#x2715;</button></nav>
<div id="stage" tabindex="0"><img id="picture" alt="" draggable="false"></div>
</section>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}

function galleryStrings(): GalleryStrings {
  return {
    search: vscode.l10n.t('Search by name'),
    allTypes: vscode.l10n.t('All kinds'),
    allTags: vscode.l10n.t('All tags'),
    empty: vscode.l10n.t('No assets here yet: add some with “Add Asset…”.'),
    close: vscode.l10n.t('Close'),
    zoomIn: vscode.l10n.t('Zoom in'),
    zoomOut: vscode.l10n.t('Zoom out'),
    fit: vscode.l10n.t('Fit'),
    loading: vscode.l10n.t('Loading…'),
    failed: vscode.l10n.t('This picture could not be shown'),
    types: {
      image: vscode.l10n.t('Image'),
      map: vscode.l10n.t('Map'),
      handout: vscode.l10n.t('Handout'),
      pdf: vscode.l10n.t('PDF'),
      audio: vscode.l10n.t('Sound'),
      other: vscode.l10n.t('Other'),
    },
  };
}

/** What a test sees of an open gallery. */
export interface GallerySnapshot {
  readonly folder: string;
  /** The campaign's id; null: the Shared Library. */
  readonly campaign: string | null;
  readonly title: string;
  readonly ready: boolean;
  /** The ids listed, in order. */
  readonly listed: readonly string[];
  readonly thumbnailsSent: number;
  /** How many thumbnails the webview said it showed as pictures. */
  readonly thumbnailsShown: number;
  /** The asset last shown in the viewer, its size and zoom as the webview reported. */
  readonly viewed: { readonly id: string; readonly width: number; readonly height: number; readonly zoom: number } | undefined;
  /** Requests for ids the host did not list (refused). */
  readonly refused: number;
  readonly errors: readonly string[];
}

function itemOf(a: Entity): GalleryItem {
  const mime = typeof a.mime === 'string' ? a.mime : null;
  const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : null);
  return {
    id: a.id,
    name: a.name,
    asset_type: typeof a.asset_type === 'string' ? a.asset_type : 'other',
    mime,
    size: num(a.size),
    width: num(a.width),
    height: num(a.height),
    tags: Array.isArray(a.tags) ? a.tags.map(String) : [],
    drawable: mime !== null && DRAWABLE_MIMES.includes(mime),
  };
}

class GalleryPanel extends Disposable {
  private ready = false;
  private listed = new Map<string, Entity>();
  thumbnailsSent = 0;
  thumbnailsShown = 0;
  viewed: GallerySnapshot['viewed'];
  refused = 0;
  readonly errors: string[] = [];
  private generation = 0;

  constructor(
    readonly folder: vscode.WorkspaceFolder,
    private readonly dm: DataManager,
    readonly campaign: string | null,
    readonly title: string,
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly log: Logger,
  ) {
    super();
    panel.webview.options = {
      enableScripts: true,
      enableCommandUris: false,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
    };
    this._register(panel.webview.onDidReceiveMessage((m: unknown) => void this.receive(m).catch((e: unknown) => this.fail(e))));
    this._register(
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
    );
    this._register(panel.onDidDispose(() => this.dispose()));
    this._register(dm.onDidChange(() => void (this.ready ? this.sendList().catch((e: unknown) => this.fail(e)) : undefined)));
    this._register(toDisposable(() => (this.generation = -1)));
    panel.webview.html = galleryHtml(panel.webview, extensionUri, randomBytes(16).toString('base64'));
  }

  snapshot(): GallerySnapshot {
    return {
      folder: this.folder.uri.toString(),
      campaign: this.campaign,
      title: this.title,
      ready: this.ready,
      listed: [...this.listed.keys()],
      thumbnailsSent: this.thumbnailsSent,
      thumbnailsShown: this.thumbnailsShown,
      viewed: this.viewed,
      refused: this.refused,
      errors: [...this.errors],
    };
  }

  private fail(e: unknown): void {
    const text = e instanceof Error ? e.message : String(e);
    this.errors.push(text);
    this.log.warn(`gallery (${this.title}): ${text}`);
  }

  private post(message: GalleryHostMessage): Thenable<boolean> {
    return this.panel.webview.postMessage(message);
  }

  /** Sends the list, then each picture's thumbnail, one after the other (a newer list stops an older one's thumbnails). */
  private async sendList(): Promise<void> {
    const generation = ++this.generation;
    const assets = await this.dm.assets.list({ campaign_id: this.campaign });
    this.listed = new Map(assets.map((a) => [a.id, a]));
    const items = assets.map(itemOf);
    await this.post({ type: 'list', title: this.title, items, strings: galleryStrings() });
    for (const item of items) {
      if (!item.drawable) continue;
      if (generation !== this.generation) return;
      try {
        const thumb = await this.dm.assets.thumbnail(this.listed.get(item.id)!, THUMBNAIL_SIZE);
        if (generation !== this.generation) return;
        await this.post({ type: 'thumbnail', id: item.id, mime: thumb.mime, data: thumb.data });
        this.thumbnailsSent++;
      } catch (e) {
        this.log.debug(`gallery: no thumbnail for ${item.name}: ${String(e)}`);
        await this.post({ type: 'noThumbnail', id: item.id });
      }
    }
  }

  async receive(raw: unknown): Promise<void> {
    const m = parseGalleryMessage(raw);
    if (!m) {
      this.log.warn(`gallery: ignored a malformed message (${typeof raw})`);
      return;
    }
    switch (m.type) {
      case 'ready':
        this.ready = true;
        await this.sendList();
        return;
      case 'view': {
        const asset = this.listed.get(m.id);
        const mime = typeof asset?.mime === 'string' ? asset.mime : '';
        if (!asset || !DRAWABLE_MIMES.includes(mime)) {
          this.refused++;
          this.log.warn('gallery: ignored a request to view an asset it did not list as a picture');
          return;
        }
        const data = await this.dm.assets.read(asset);
        await this.post({ type: 'full', id: asset.id, mime, data });
        return;
      }
      case 'shown':
        this.thumbnailsShown = m.thumbnails;
        return;
      case 'viewed':
        if (this.listed.has(m.id)) this.viewed = { id: m.id, width: m.width, height: m.height, zoom: m.zoom };
        return;
      case 'error':
        this.errors.push(m.message);
        this.log.warn(`gallery (${this.title}): ${m.message}`);
        return;
    }
  }
}

/** The open galleries, one per campaign (and one for the Shared Library) per vault; they close when their vault locks. */
export class Galleries extends Disposable {
  private readonly panels = new Map<string, GalleryPanel>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: Logger,
    private readonly lifetimeOf: (folder: vscode.WorkspaceFolder) => { add(d: vscode.Disposable): unknown } | undefined,
  ) {
    super();
    this._register(toDisposable(() => [...this.panels.values()].forEach((p) => p.panel.dispose())));
  }

  async open(folder: vscode.WorkspaceFolder, dm: DataManager, campaign: Entity | null): Promise<GallerySnapshot> {
    const key = `${folder.uri.toString()}#${campaign?.id ?? ''}`;
    const existing = this.panels.get(key);
    if (existing) {
      existing.panel.reveal();
      return existing.snapshot();
    }
    const lifetime = this.lifetimeOf(folder);
    if (!lifetime) throw new Error('the vault is locked');
    const title = campaign ? vscode.l10n.t('Assets: {0}', campaign.name) : vscode.l10n.t('Assets: Shared Library');
    const panel = vscode.window.createWebviewPanel(GALLERY_VIEW_TYPE, title, vscode.ViewColumn.Active, { retainContextWhenHidden: false, enableFindWidget: false });
    const gallery = new GalleryPanel(folder, dm, campaign?.id ?? null, title, panel, this.extensionUri, this.log);
    this.panels.set(key, gallery);
    panel.onDidDispose(() => this.panels.delete(key));
    lifetime.add(toDisposable(() => panel.dispose()));
    return gallery.snapshot();
  }

  /** Handles `message` as if the webview of the gallery titled `title` had sent it (tests). */
  async deliver(title: string, message: unknown): Promise<boolean> {
    const gallery = [...this.panels.values()].find((p) => p.title === title);
    if (!gallery) return false;
    await gallery.receive(message);
    return true;
  }

  snapshots(): GallerySnapshot[] {
    return [...this.panels.values()].map((p) => p.snapshot());
  }
}
