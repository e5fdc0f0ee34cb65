// The asset gallery: a webview panel per campaign (or the Shared Library) with a grid of
// thumbnails, filters by kind and tag, a search by name, and a viewer that pans and zooms a picture
// at full resolution. Thumbnails (src/core/assets/thumbnails.ts, through the sealed cache) and the
// full files are read from the vault into this process and given to the webview only by message
// (never written to disk in clear); the webview shows them from blob: URLs.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { DataManager, Entity } from '../../core/api';
import { cleanTags } from '../../core/assets/service';
import { DRAWABLE_MIMES, parseGalleryMessage, type GalleryHostMessage, type GalleryItem, type GalleryStrings } from '../../core/assets/galleryProtocol';
import { KINDS } from '../../core/db/kinds';
import { assetDocPath } from '../../core/documents/docPaths';
import { describeError } from '../../core/errors';
import type { Logger } from '../../core/ports';
import { nameProblem } from '../commands/entities';
import { SCHEME, folderAuthority } from '../documents/entityFs';
import { Disposable, toDisposable } from '../lifecycle';
import type { Prompter } from '../prompter';
import { escapeHtml, pdfJsCsp, webviewPage } from '../webviewHtml';

export const GALLERY_VIEW_TYPE = 'campaignVault.gallery';
const THUMBNAIL_SIZE = 256;
/** The first bytes of a PDF sent with it; pdf.js asks for the rest it needs (usually the end: the cross-reference table). */
const PDF_INITIAL = 64 * 1024;


/** The webview page: a strict CSP (nothing remote; scripts by nonce; pictures only from blob: URLs), and no data in it. */
export function galleryHtml(webview: vscode.Webview, extensionUri: vscode.Uri, nonce: string): string {
  const t = (s: string) => escapeHtml(s);
  return webviewPage(webview, extensionUri, {
    name: 'gallery',
    nonce,
    csp: [...pdfJsCsp(webview), 'img-src blob:'],
    title: vscode.l10n.t('Assets'),
    body: `<header id="filters" hidden>
<input id="search" type="search">
<select id="type"></select>
<select id="tag"></select>
<span id="count" role="status"></span>
</header>
<nav id="actions" hidden><span id="selected" role="status"></span><button id="rename" type="button"></button><button id="tags" type="button"></button><button id="remove" type="button"></button></nav>
<p id="status" role="status">${t(vscode.l10n.t('Opening the gallery…'))}</p>
<main id="grid" role="listbox" aria-multiselectable="true"></main>
<section id="viewer" hidden role="dialog" aria-modal="true">
<nav id="viewer-bar"><span id="viewer-title"></span><span class="gap"></span><button id="zoom-out" type="button">&#x2212;</button><span id="zoom"></span><button id="zoom-in" type="button">+</button><button id="fit" type="button">&#x2922;</button><button id="close" type="button">&#x2715;</button></nav>
<div id="stage" tabindex="0"><img id="picture" alt="" draggable="false"></div>
</section>`,
  });
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
    rename: vscode.l10n.t('Rename (F2)'),
    tags: vscode.l10n.t('Tags…'),
    remove: vscode.l10n.t('Remove (Delete)'),
    selected: vscode.l10n.t('{0} selected'),
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
  /** The `campaign:` URI each listed tile carries on a drag, in the same order. */
  readonly uris: readonly string[];
  readonly thumbnailsSent: number;
  /** How many thumbnails the webview said it showed as pictures. */
  readonly thumbnailsShown: number;
  /** How many PDFs' first pages the webview said it drew (pdf.js, in the webview). */
  readonly pdfThumbnails: number;
  /** How many whole lists were sent (the first, and after the webview lost its state). */
  readonly lists: number;
  /** Each `changes` message sent: the ids of the tiles added or changed, and of those gone. */
  readonly changes: readonly { readonly items: readonly string[]; readonly removed: readonly string[] }[];
  /** The asset last shown in the viewer, its size and zoom as the webview reported. */
  readonly viewed: { readonly id: string; readonly width: number; readonly height: number; readonly zoom: number } | undefined;
  /** Requests for ids the host did not list (refused). */
  readonly refused: number;
  readonly errors: readonly string[];
}

function itemOf(a: Entity, uri: string): GalleryItem {
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
    pdf: mime === 'application/pdf',
    uri,
  };
}

/** Tags as typed: separated by commas. */
const parseTags = (text: string) => cleanTags(text.split(','));

/** What a thumbnail was made from: the same file turned the same way needs no new one. */
const thumbnailKey = (a: Entity) => `${String(a.hash)}/${typeof a.orientation === 'number' ? a.orientation : 1}`;

/** The kinds as a reference names them in the remove dialog. */
const kindWord = (kind: string) => KINDS[kind as keyof typeof KINDS]?.label ?? kind;

class GalleryPanel extends Disposable {
  private ready = false;
  private listed = new Map<string, Entity>();
  /** What the webview holds: each tile as last sent (JSON), and the thumbnail each holds (by {@link thumbnailKey}). */
  private sentItems = new Map<string, string>();
  private sentThumbnails = new Map<string, string>();
  /** The listing work, one after the other (a vault change during a listing lists again after it). */
  private work: Promise<void> = Promise.resolve();
  thumbnailsSent = 0;
  thumbnailsShown = 0;
  lists = 0;
  changes: { readonly items: readonly string[]; readonly removed: readonly string[] }[] = [];
  viewed: GallerySnapshot['viewed'];
  refused = 0;
  readonly errors: string[] = [];
  private generation = 0;
  /** An asset to show in the viewer once the webview has listed (a link clicked before it was ready). */
  private pendingView: string | undefined;
  /** The PDF whose first page the webview draws now (one at a time: its bytes are held until it is drawn). */
  private pdf: { readonly id: string; readonly bytes: Uint8Array } | undefined;
  pdfThumbnails = 0;
  private readonly extensionUri: vscode.Uri;

  constructor(
    readonly folder: vscode.WorkspaceFolder,
    private readonly dm: DataManager,
    readonly campaign: Entity | null,
    readonly title: string,
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly log: Logger,
    private readonly ui: () => Prompter,
  ) {
    super();
    this.extensionUri = extensionUri;
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
    // Only a change of an asset (or the vault opening again) can change the gallery; entries' edits do not list again.
    this._register(dm.onDidChange((e) => (this.ready && (e.kind === 'asset' || e.kind === undefined) ? this.enqueue(false) : undefined)));
    this._register(toDisposable(() => (this.generation = -1)));
    panel.webview.html = galleryHtml(panel.webview, extensionUri, randomBytes(16).toString('base64'));
  }

  get campaignId(): string | null {
    return this.campaign?.id ?? null;
  }

  snapshot(): GallerySnapshot {
    return {
      folder: this.folder.uri.toString(),
      campaign: this.campaignId,
      title: this.title,
      ready: this.ready,
      listed: [...this.listed.keys()],
      uris: [...this.listed.values()].map((a) => this.uriOf(a)),
      thumbnailsSent: this.thumbnailsSent,
      thumbnailsShown: this.thumbnailsShown,
      pdfThumbnails: this.pdfThumbnails,
      lists: this.lists,
      changes: [...this.changes],
      viewed: this.viewed,
      refused: this.refused,
      errors: [...this.errors],
    };
  }

  /** Resolves once the listing work queued so far is done (tests). */
  idle(): Promise<void> {
    return this.work;
  }

  private fail(e: unknown): void {
    const text = e instanceof Error ? e.message : String(e);
    this.errors.push(text);
    this.log.warn(`gallery (${this.title}): ${text}`);
  }

  private post(message: GalleryHostMessage): Thenable<boolean> {
    return this.panel.webview.postMessage(message);
  }

  private enqueue(whole: boolean): Promise<void> {
    const generation = whole ? ++this.generation : this.generation;
    this.work = this.work.then(() => (generation === this.generation ? this.sendList(whole) : undefined)).catch((e: unknown) => this.fail(e));
    return this.work;
  }

  private uriOf(a: Entity): string {
    return vscode.Uri.from({ scheme: SCHEME, authority: folderAuthority(this.folder), path: assetDocPath(this.campaign?.name ?? null, a) }).toString();
  }

  /**
   * Lists the assets and tells the webview: the whole list when `whole` (its first listing, or after
   * it was hidden and lost its state), else only the tiles added, changed or gone. Then the
   * thumbnails the webview does not hold yet (new pictures, or a file that changed), one after the other.
   */
  private async sendList(whole: boolean): Promise<void> {
    const generation = this.generation;
    const assets = await this.dm.assets.list({ campaign_id: this.campaignId });
    if (generation !== this.generation) return;
    this.listed = new Map(assets.map((a) => [a.id, a]));
    const items = assets.map((a) => itemOf(a, this.uriOf(a)));
    if (whole) {
      this.sentItems = new Map(items.map((i) => [i.id, JSON.stringify(i)]));
      this.sentThumbnails.clear();
      this.lists++;
      await this.post({ type: 'list', title: this.title, items, strings: galleryStrings() });
    } else {
      const changed = items.filter((i) => this.sentItems.get(i.id) !== JSON.stringify(i));
      const removed = [...this.sentItems.keys()].filter((id) => !this.listed.has(id));
      if (changed.length === 0 && removed.length === 0) return;
      for (const id of removed) {
        this.sentItems.delete(id);
        this.sentThumbnails.delete(id);
      }
      for (const i of changed) this.sentItems.set(i.id, JSON.stringify(i));
      this.changes.push({ items: changed.map((i) => i.id), removed });
      await this.post({ type: 'changes', items: changed, removed });
    }
    for (const item of items) {
      if (!item.drawable) continue;
      const asset = this.listed.get(item.id)!;
      if (this.sentThumbnails.get(item.id) === thumbnailKey(asset)) continue;
      if (generation !== this.generation) return;
      try {
        const thumb = await this.dm.assets.thumbnail(asset, THUMBNAIL_SIZE);
        if (generation !== this.generation) return;
        await this.post({ type: 'thumbnail', id: item.id, mime: thumb.mime, data: thumb.data });
        this.thumbnailsSent++;
      } catch (e) {
        this.log.debug(`gallery: no thumbnail for ${item.name}: ${String(e)}`);
        await this.post({ type: 'noThumbnail', id: item.id });
      }
      this.sentThumbnails.set(item.id, thumbnailKey(asset));
    }
  }

  /**
   * The listed assets of these ids, as they are now (the listing of a change just made is waited
   * for); undefined (counted, logged) when one of them is not listed.
   */
  private async pick(ids: readonly string[]): Promise<Entity[] | undefined> {
    await this.work;
    const assets = ids.map((id) => this.listed.get(id));
    if (assets.every((a): a is Entity => a !== undefined)) return assets;
    this.refused++;
    this.log.warn('gallery: ignored a request for an asset it did not list');
    return undefined;
  }

  /** Says a refused edit (a name taken, a read-only vault …) in one sentence. */
  private async refuse(e: unknown): Promise<void> {
    await this.ui().message({ id: 'asset-edit-failed', severity: 'error', text: describeError(e) });
  }

  private async rename(asset: Entity): Promise<void> {
    const others = [...this.listed.values()].filter((a) => a.id !== asset.id);
    const name = await this.ui().input({
      id: 'asset-name',
      title: vscode.l10n.t('Rename {0}', asset.name),
      prompt: vscode.l10n.t("The asset's name"),
      placeHolder: asset.name,
      validate: (v) => {
        const problem = nameProblem('asset', v);
        if (problem) return problem;
        const key = v.trim().normalize('NFC').toLowerCase();
        const taken = others.find((a) => a.name.toLowerCase() === key);
        return taken ? vscode.l10n.t('There is already an asset named “{0}” here.', taken.name) : undefined;
      },
    });
    if (typeof name !== 'string' || name.trim().normalize('NFC') === asset.name) return;
    try {
      await this.dm.assets.rename(asset.id, name);
    } catch (e) {
      await this.refuse(e);
    }
  }

  private async tag(assets: readonly Entity[]): Promise<void> {
    const present = [...new Set(assets.flatMap((a) => (Array.isArray(a.tags) ? a.tags.map(String) : [])))].sort((a, b) => a.localeCompare(b));
    const ADD = vscode.l10n.t('Add Tags…');
    const REMOVE = vscode.l10n.t('Remove Tags…');
    const count = assets.length === 1 ? vscode.l10n.t('“{0}”', assets[0]!.name) : vscode.l10n.t('{0} assets', assets.length);
    let action = ADD;
    if (present.length > 0) {
      const picked = await this.ui().pick({
        id: 'asset-tag-action',
        title: vscode.l10n.t('Tags of {0}', count),
        placeHolder: vscode.l10n.t('Tags now: {0}', present.join(', ')),
        items: [{ label: ADD }, { label: REMOVE }],
      });
      if (!picked) return;
      action = picked.label;
    }
    const answer = await this.ui().input({
      id: action === ADD ? 'asset-tags' : 'asset-untags',
      title: action === ADD ? vscode.l10n.t('Add Tags to {0}', count) : vscode.l10n.t('Remove Tags from {0}', count),
      prompt: vscode.l10n.t('Tags, separated by commas'),
      placeHolder: action === ADD ? vscode.l10n.t('dungeon, session 3') : present.join(', '),
      validate: (v) => (parseTags(v).length === 0 ? vscode.l10n.t('Type at least one tag.') : undefined),
    });
    if (typeof answer !== 'string' || parseTags(answer).length === 0) return;
    try {
      await this.dm.assets.setTags(
        assets.map((a) => a.id),
        action === ADD ? { add: parseTags(answer) } : { remove: parseTags(answer) },
      );
    } catch (e) {
      await this.refuse(e);
    }
  }

  private async remove(assets: readonly Entity[]): Promise<void> {
    const references = (await Promise.all(assets.map((a) => this.dm.assets.referencesTo(a)))).flat().filter((r) => !assets.some((a) => a.id === r.id));
    const unique = [...new Map(references.map((r) => [`${r.kind}/${r.id}`, r])).values()];
    const shown = unique.slice(0, 5).map((r) => vscode.l10n.t('{0} “{1}”', kindWord(r.kind), r.name));
    const linked =
      unique.length === 0
        ? ''
        : vscode.l10n.t('Still linked from {0}.', shown.join(', ') + (unique.length > shown.length ? ' ' + vscode.l10n.t('and {0} more', unique.length - shown.length) : '')) + ' ';
    const MOVE = vscode.l10n.t('Move to Trash');
    const choice = await this.ui().message({
      id: 'asset-remove',
      severity: 'warning',
      modal: true,
      text: assets.length === 1 ? vscode.l10n.t('Move the asset “{0}” to the trash?', assets[0]!.name) : vscode.l10n.t('Move {0} assets to the trash?', assets.length),
      detail: linked + (assets.length === 1 ? vscode.l10n.t('You can restore it from the Trash in the Campaigns view.') : vscode.l10n.t('You can restore them from the Trash in the Campaigns view.')),
      actions: [MOVE],
    });
    if (choice !== MOVE) return;
    try {
      await this.dm.assets.remove(assets.map((a) => a.id));
    } catch (e) {
      await this.refuse(e);
    }
  }

  async receive(raw: unknown): Promise<void> {
    const m = parseGalleryMessage(raw);
    if (!m) {
      this.log.warn(`gallery: ignored a malformed message (${typeof raw})`);
      return;
    }
    switch (m.type) {
      case 'ready': {
        this.ready = true;
        this.pdf = undefined;
        await this.enqueue(true);
        const pending = this.pendingView;
        this.pendingView = undefined;
        if (pending && this.listed.has(pending)) await this.receive({ type: 'view', id: pending });
        return;
      }
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
      case 'rename': {
        const assets = await this.pick([m.id]);
        if (assets) await this.rename(assets[0]!);
        return;
      }
      case 'tag': {
        const assets = await this.pick(m.ids);
        if (assets) await this.tag(assets);
        return;
      }
      case 'remove': {
        const assets = await this.pick(m.ids);
        if (assets) await this.remove(assets);
        return;
      }
      case 'pdfThumbnail': {
        await this.work;
        const asset = this.listed.get(m.id);
        if (!asset || asset.mime !== 'application/pdf') {
          this.refused++;
          this.log.warn('gallery: ignored a request for a PDF it did not list');
          return;
        }
        this.pdf = undefined;
        const bytes = await this.dm.assets.read(asset);
        this.pdf = { id: asset.id, bytes };
        const workerUri = this.panel.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', 'pdf.worker.mjs')).toString();
        await this.post({ type: 'pdf', id: asset.id, length: bytes.length, initial: bytes.slice(0, PDF_INITIAL), workerUri });
        return;
      }
      case 'pdfRange': {
        const pdf = this.pdf;
        if (!pdf || pdf.id !== m.id || m.end > pdf.bytes.length) {
          this.refused++;
          this.log.warn('gallery: ignored a request for bytes of a PDF it is not drawing');
          return;
        }
        await this.post({ type: 'pdfRange', id: m.id, begin: m.begin, data: pdf.bytes.slice(m.begin, m.end) });
        return;
      }
      case 'pdfDrawn':
        if (this.pdf?.id === m.id) this.pdf = undefined;
        if (m.ok && this.listed.has(m.id)) this.pdfThumbnails++;
        return;
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

  /** Shows this asset in the viewer (a click on a link to it in a note): now when listed, else once the webview is ready. */
  async show(id: string): Promise<void> {
    this.panel.reveal();
    await this.work;
    if (this.ready && this.listed.has(id)) await this.receive({ type: 'view', id });
    else this.pendingView = id;
  }
}

/** The open galleries, one per campaign (and one for the Shared Library) per vault; they close when their vault locks. */
export class Galleries extends Disposable {
  private readonly panels = new Map<string, GalleryPanel>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: Logger,
    private readonly lifetimeOf: (folder: vscode.WorkspaceFolder) => { add(d: vscode.Disposable): unknown } | undefined,
    private readonly ui: () => Prompter,
  ) {
    super();
    this._register(toDisposable(() => [...this.panels.values()].forEach((p) => p.panel.dispose())));
  }

  /** Opens (or reveals) the gallery that lists `asset` and shows it in the viewer. */
  async show(folder: vscode.WorkspaceFolder, dm: DataManager, asset: Entity): Promise<GallerySnapshot> {
    const campaign = asset.campaign_id ? ((await dm.get('campaign', asset.campaign_id)) ?? null) : null;
    await this.open(folder, dm, campaign);
    const gallery = this.panels.get(`${folder.uri.toString()}#${campaign?.id ?? ''}`)!;
    await gallery.show(asset.id);
    return gallery.snapshot();
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
    const gallery = new GalleryPanel(folder, dm, campaign, title, panel, this.extensionUri, this.log, this.ui);
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

  /** Resolves once the gallery titled `title` has sent what the vault's changes so far call for; false when none is open (tests). */
  async idle(title: string): Promise<boolean> {
    const gallery = [...this.panels.values()].find((p) => p.title === title);
    if (!gallery) return false;
    await gallery.idle();
    return true;
  }

  snapshots(): GallerySnapshot[] {
    return [...this.panels.values()].map((p) => p.snapshot());
  }
}
