/**
 * The messages between the asset gallery's webview (src/webview/gallery) and its host
 * (src/vscode/assets/gallery.ts), declared once for both sides. Thumbnails and full pictures cross
 * only as messages (bytes, never a file on disk); the webview shows them from blob: URLs.
 */

/** What the gallery lists of one asset. */
export interface GalleryItem {
  readonly id: string;
  readonly name: string;
  readonly asset_type: string;
  readonly mime: string | null;
  readonly size: number | null;
  readonly width: number | null;
  readonly height: number | null;
  readonly tags: readonly string[];
  /** Whether the host sends a thumbnail (raster images); else the webview shows a generic icon. */
  readonly drawable: boolean;
  /** A PDF: the webview draws its first page with pdf.js (asking the host for the bytes it reads, `pdfThumbnail`). */
  readonly pdf: boolean;
  /**
   * The asset's `campaign:` URI (`…/sessions/assets/<id>/<file>`), put on a drag as `text/uri-list`:
   * dropped into a session's notes it becomes a link (src/vscode/assets/drop.ts).
   */
  readonly uri: string;
}

export interface GalleryStrings {
  readonly search: string;
  readonly allTypes: string;
  readonly allTags: string;
  readonly empty: string;
  readonly close: string;
  readonly zoomIn: string;
  readonly zoomOut: string;
  readonly fit: string;
  readonly loading: string;
  readonly failed: string;
  readonly rename: string;
  readonly tags: string;
  readonly remove: string;
  /** "{0} selected" */
  readonly selected: string;
  readonly types: Readonly<Record<string, string>>;
}

/** Host → webview. */
export type GalleryHostMessage =
  | { readonly type: 'list'; readonly title: string; readonly items: readonly GalleryItem[]; readonly strings: GalleryStrings }
  /** What changed since the last `list` or `changes`: tiles added or changed (whole), tiles gone (ids). Thumbnails the webview holds stay. */
  | { readonly type: 'changes'; readonly items: readonly GalleryItem[]; readonly removed: readonly string[] }
  | { readonly type: 'thumbnail'; readonly id: string; readonly mime: string; readonly data: Uint8Array }
  /** No thumbnail could be made: the webview keeps the generic icon. */
  | { readonly type: 'noThumbnail'; readonly id: string }
  /** The whole file of a picture the webview asked to view. */
  | { readonly type: 'full'; readonly id: string; readonly mime: string; readonly data: Uint8Array }
  /** A PDF whose first page the webview asked to draw: its length, its first bytes, pdf.js's worker script. */
  | { readonly type: 'pdf'; readonly id: string; readonly length: number; readonly initial: Uint8Array; readonly workerUri: string }
  /** Bytes of that PDF that pdf.js asked for. */
  | { readonly type: 'pdfRange'; readonly id: string; readonly begin: number; readonly data: Uint8Array };

/** Webview → host. */
export type GalleryWebviewMessage =
  | { readonly type: 'ready' }
  /** Show this asset in the viewer (the host sends only ids it listed). */
  | { readonly type: 'view'; readonly id: string }
  /** How many thumbnails the webview has shown as pictures (for tests and the log). */
  | { readonly type: 'shown'; readonly thumbnails: number }
  /** The viewer shows a picture at this zoom (1: its own pixels). */
  | { readonly type: 'viewed'; readonly id: string; readonly width: number; readonly height: number; readonly zoom: number }
  | { readonly type: 'error'; readonly message: string }
  /** Rename this asset (the host asks the new name). */
  | { readonly type: 'rename'; readonly id: string }
  /** Add or remove tags on these assets (the host asks which). */
  | { readonly type: 'tag'; readonly ids: readonly string[] }
  /** Move these assets to the trash (the host asks first). */
  | { readonly type: 'remove'; readonly ids: readonly string[] }
  /** Send this PDF (its first bytes) to draw its first page; one at a time, a new one ends the last. */
  | { readonly type: 'pdfThumbnail'; readonly id: string }
  /** Bytes [begin, end) of the PDF being drawn. */
  | { readonly type: 'pdfRange'; readonly id: string; readonly begin: number; readonly end: number }
  /** The PDF's first page was drawn (or could not be). */
  | { readonly type: 'pdfDrawn'; readonly id: string; readonly ok: boolean };

/** Most bytes one `pdfRange` request may ask for. */
export const MAX_PDF_RANGE = 8 * 1024 * 1024;

/** Most assets one request may name (a selection larger than this is refused whole). */
export const MAX_SELECTION = 10_000;

const isId = (x: unknown): x is string => typeof x === 'string' && /^[0-9a-zA-Z-]{1,64}$/.test(x);
const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

/** A message from the webview, checked; undefined when it is not one (the webview is not trusted). */
export function parseGalleryMessage(raw: unknown): GalleryWebviewMessage | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
      return { type: 'ready' };
    case 'view':
      return isId(m.id) ? { type: 'view', id: m.id } : undefined;
    case 'shown':
      return isCount(m.thumbnails) ? { type: 'shown', thumbnails: m.thumbnails } : undefined;
    case 'viewed':
      return isId(m.id) && isCount(m.width) && isCount(m.height) && typeof m.zoom === 'number' && Number.isFinite(m.zoom) && m.zoom > 0
        ? { type: 'viewed', id: m.id, width: m.width, height: m.height, zoom: m.zoom }
        : undefined;
    case 'rename':
      return isId(m.id) ? { type: 'rename', id: m.id } : undefined;
    case 'pdfThumbnail':
      return isId(m.id) ? { type: 'pdfThumbnail', id: m.id } : undefined;
    case 'pdfRange':
      return isId(m.id) && isCount(m.begin) && isCount(m.end) && m.end > m.begin && m.end - m.begin <= MAX_PDF_RANGE ? { type: 'pdfRange', id: m.id, begin: m.begin, end: m.end } : undefined;
    case 'pdfDrawn':
      return isId(m.id) && typeof m.ok === 'boolean' ? { type: 'pdfDrawn', id: m.id, ok: m.ok } : undefined;
    case 'tag':
    case 'remove': {
      if (!Array.isArray(m.ids) || m.ids.length === 0 || m.ids.length > MAX_SELECTION || !m.ids.every(isId)) return undefined;
      return { type: m.type, ids: [...new Set(m.ids as string[])] };
    }
    case 'error':
      return typeof m.message === 'string' ? { type: 'error', message: m.message.slice(0, 2000) } : undefined;
    default:
      return undefined;
  }
}

/** The media types the webview shows as pictures (thumbnails and the viewer); SVG never is. */
export const DRAWABLE_MIMES: readonly string[] = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];
