// The asset gallery's webview (host: src/vscode/assets/gallery.ts). Thumbnails and full pictures
// arrive as bytes by message and are shown from blob: URLs (revoked when replaced); SVG, PDF and
// sound get a generic icon (nothing from the vault is rendered as markup). Selection as in VS
// Code's lists: a click selects a tile, Ctrl/Cmd+click adds or takes one away, Shift+click selects
// a range; arrows move (Shift extends, Ctrl moves only the focus), Space toggles the focused tile,
// Ctrl+A selects every tile shown, Escape clears. Enter or a double click opens a picture; F2
// renames, Delete removes — the webview only asks, the host asks the user and does the work. A
// tile dragged into a session's notes carries the asset's campaign: URI (text/uri-list). In the
// viewer, + / - zoom, 0 fits, arrows pan; the mouse drags to pan and the wheel zooms around the pointer.
import type { PDFDataRangeTransport, PDFDocumentLoadingTask } from 'pdfjs-dist';
import { openRangedPdf, startPdfWorker } from '../pdf';
import type { GalleryHostMessage, GalleryItem, GalleryStrings, GalleryWebviewMessage } from '../../core/assets/galleryProtocol';

interface VsCodeApi {
  postMessage(message: GalleryWebviewMessage): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const grid = $<HTMLElement>('grid');
const status = $<HTMLElement>('status');
const filters = $<HTMLElement>('filters');
const search = $<HTMLInputElement>('search');
const typeSelect = $<HTMLSelectElement>('type');
const tagSelect = $<HTMLSelectElement>('tag');
const count = $<HTMLElement>('count');
const viewer = $<HTMLElement>('viewer');
const stage = $<HTMLElement>('stage');
const picture = $<HTMLImageElement>('picture');
const zoomLabel = $<HTMLElement>('zoom');

const actions = $<HTMLElement>('actions');
const selectedLabel = $<HTMLElement>('selected');
const renameButton = $<HTMLButtonElement>('rename');
const tagsButton = $<HTMLButtonElement>('tags');
const removeButton = $<HTMLButtonElement>('remove');

let strings: GalleryStrings | undefined;
let items: GalleryItem[] = [];
const thumbs = new Map<string, string>();
let shown = 0;
/** The selected tiles' ids, and where a Shift range starts. */
const selection = new Set<string>();
let anchor: string | undefined;

const byName = (a: GalleryItem, b: GalleryItem) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }) || a.id.localeCompare(b.id);

/** The generic icon's label: the file's format in a few letters (no emoji: a font may lack them). */
function formatLabel(item: GalleryItem): string {
  const mime = item.mime ?? '';
  if (mime === 'image/svg+xml') return 'SVG';
  if (mime === 'application/pdf') return 'PDF';
  if (mime.startsWith('audio/')) return mime === 'audio/mpeg' ? 'MP3' : mime.slice(6, 10).toUpperCase();
  if (mime.startsWith('image/')) return mime.slice(6, 10).toUpperCase();
  return item.asset_type === 'audio' ? 'AUDIO' : 'FILE';
}

function formatSize(bytes: number | null): string {
  if (bytes === null) return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function option(value: string, label: string): HTMLOptionElement {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = label;
  return o;
}

function fillFilters(): void {
  if (!strings) return;
  const type = typeSelect.value;
  const tag = tagSelect.value;
  typeSelect.replaceChildren(option('', strings.allTypes), ...[...new Set(items.map((i) => i.asset_type))].sort().map((t) => option(t, strings!.types[t] ?? t)));
  tagSelect.replaceChildren(option('', strings.allTags), ...[...new Set(items.flatMap((i) => i.tags))].sort().map((t) => option(t, t)));
  typeSelect.value = [...typeSelect.options].some((o) => o.value === type) ? type : '';
  tagSelect.value = [...tagSelect.options].some((o) => o.value === tag) ? tag : '';
  search.placeholder = strings.search;
  search.setAttribute('aria-label', strings.search);
  typeSelect.setAttribute('aria-label', strings.allTypes);
  tagSelect.setAttribute('aria-label', strings.allTags);
}

function visible(): GalleryItem[] {
  const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
  return items.filter(
    (i) => (!typeSelect.value || i.asset_type === typeSelect.value) && (!tagSelect.value || i.tags.includes(tagSelect.value)) && words.every((w) => i.name.toLowerCase().includes(w)),
  );
}

function tile(item: GalleryItem): HTMLElement {
  const el = document.createElement('figure');
  el.className = 'tile';
  el.dataset.id = item.id;
  el.tabIndex = -1;
  el.draggable = true;
  el.setAttribute('role', 'option');
  el.setAttribute('aria-label', item.name);
  el.setAttribute('aria-selected', String(selection.has(item.id)));
  const frame = document.createElement('div');
  frame.className = 'frame';
  const url = thumbs.get(item.id);
  if (url) {
    const img = document.createElement('img');
    img.src = url;
    img.alt = '';
    frame.append(img);
  } else {
    const icon = document.createElement('span');
    icon.className = item.drawable || item.pdf ? 'icon pending' : 'icon';
    icon.textContent = formatLabel(item);
    frame.append(icon);
  }
  const caption = document.createElement('figcaption');
  const name = document.createElement('span');
  name.className = 'name';
  name.textContent = item.name;
  const meta = document.createElement('span');
  meta.className = 'meta';
  meta.textContent = [strings?.types[item.asset_type] ?? item.asset_type, item.width && item.height ? `${item.width}×${item.height}` : '', formatSize(item.size)].filter(Boolean).join(' · ');
  caption.append(name, meta);
  el.append(frame, caption);
  el.addEventListener('click', (e) => {
    if (e.shiftKey) selectRange(item.id, e.ctrlKey || e.metaKey);
    else if (e.ctrlKey || e.metaKey) toggle(item.id);
    else selectOnly(item.id);
    focusTile(el);
  });
  el.addEventListener('dblclick', () => open(item));
  el.addEventListener('dragstart', (e) => {
    if (!e.dataTransfer) return;
    // Dragging a tile that is not selected drags that tile alone.
    if (!selection.has(item.id)) {
      selectOnly(item.id);
      focusTile(el);
    }
    const dragged = items.filter((i) => selection.has(i.id));
    e.dataTransfer.effectAllowed = 'copy';
    e.dataTransfer.setData('text/uri-list', dragged.map((i) => i.uri).join('\r\n'));
    e.dataTransfer.setData('text/plain', dragged.map((i) => i.uri).join('\n'));
  });
  return el;
}

function render(): void {
  const list = visible();
  const focused = (document.activeElement as HTMLElement | null)?.dataset?.id;
  // What is selected but not shown (filtered out, or gone) is no longer selected.
  const ids = new Set(list.map((i) => i.id));
  for (const id of [...selection]) if (!ids.has(id)) selection.delete(id);
  grid.replaceChildren(...list.map(tile));
  showSelection();
  count.textContent = `${list.length} / ${items.length}`;
  status.hidden = items.length > 0;
  if (items.length === 0 && strings) status.textContent = strings.empty;
  const first = (focused && grid.querySelector<HTMLElement>(`[data-id="${CSS.escape(focused)}"]`)) || grid.firstElementChild;
  if (first instanceof HTMLElement) first.tabIndex = 0;
}

function tiles(): HTMLElement[] {
  return [...grid.querySelectorAll<HTMLElement>('.tile')];
}

function focusTile(el: HTMLElement): void {
  for (const t of tiles()) t.tabIndex = -1;
  el.tabIndex = 0;
  el.focus();
}

/** Marks the selected tiles, and says how many are selected and what can be done with them. */
function showSelection(): void {
  for (const t of tiles()) t.setAttribute('aria-selected', String(selection.has(t.dataset.id ?? '')));
  const n = selection.size;
  actions.hidden = n === 0;
  selectedLabel.textContent = strings ? strings.selected.replace('{0}', String(n)) : String(n);
  renameButton.disabled = n !== 1;
}

function selectOnly(id: string): void {
  selection.clear();
  selection.add(id);
  anchor = id;
  showSelection();
}

function toggle(id: string): void {
  if (selection.has(id)) selection.delete(id);
  else selection.add(id);
  anchor = id;
  showSelection();
}

/** Selects the tiles from the anchor to `id` (added to the selection with `keep`). */
function selectRange(id: string, keep: boolean): void {
  const order = tiles().map((t) => t.dataset.id ?? '');
  const from = order.indexOf(anchor ?? id);
  const to = order.indexOf(id);
  if (!keep) selection.clear();
  if (from === -1 || to === -1) selection.add(id);
  else for (const x of order.slice(Math.min(from, to), Math.max(from, to) + 1)) selection.add(x);
  showSelection();
}

/** The selected ids in the order shown. */
function selected(): string[] {
  return tiles()
    .map((t) => t.dataset.id ?? '')
    .filter((id) => selection.has(id));
}

function renameSelected(): void {
  const ids = selected();
  const focused = (document.activeElement as HTMLElement | null)?.dataset?.id;
  const id = ids.length === 1 ? ids[0] : ids.length === 0 ? focused : undefined;
  if (id) vscode.postMessage({ type: 'rename', id });
}

function tagSelected(): void {
  const ids = selected();
  if (ids.length > 0) vscode.postMessage({ type: 'tag', ids });
}

function removeSelected(): void {
  const ids = selected();
  if (ids.length > 0) vscode.postMessage({ type: 'remove', ids });
}
renameButton.addEventListener('click', renameSelected);
tagsButton.addEventListener('click', tagSelected);
removeButton.addEventListener('click', removeSelected);

function columns(): number {
  const all = tiles();
  if (all.length < 2) return 1;
  const top = all[0]!.offsetTop;
  const n = all.findIndex((t) => t.offsetTop !== top);
  return n === -1 ? all.length : n;
}

grid.addEventListener('keydown', (e) => {
  const all = tiles();
  const at = all.indexOf(document.activeElement as HTMLElement);
  if (at === -1) return;
  const step: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: columns(), ArrowUp: -columns(), Home: -at, End: all.length - 1 - at };
  const id = all[at]!.dataset.id ?? '';
  const ctrl = e.ctrlKey || e.metaKey;
  if (e.key in step) {
    const next = all[Math.max(0, Math.min(all.length - 1, at + step[e.key]!))];
    if (next) {
      const nextId = next.dataset.id ?? '';
      if (e.shiftKey) selectRange(nextId, ctrl);
      else if (!ctrl) selectOnly(nextId);
      focusTile(next);
    }
  } else if (e.key === 'Enter') {
    const item = items.find((i) => i.id === id);
    if (item) open(item);
  } else if (e.key === ' ') {
    if (e.shiftKey) selectRange(id, true);
    else toggle(id);
  } else if (ctrl && e.key.toLowerCase() === 'a') {
    for (const t of all) selection.add(t.dataset.id ?? '');
    showSelection();
  } else if (e.key === 'Escape') {
    selection.clear();
    showSelection();
  } else if (e.key === 'F2') renameSelected();
  else if (e.key === 'Delete' || (e.key === 'Backspace' && e.metaKey)) {
    if (selection.size === 0) selection.add(id);
    showSelection();
    removeSelected();
  } else return;
  e.preventDefault();
});
search.addEventListener('input', render);
typeSelect.addEventListener('change', render);
tagSelect.addEventListener('change', render);

// ---- The viewer: pan by dragging or with the arrows, zoom with the wheel or + / -.
let viewing: { id: string; url: string; width: number; height: number } | undefined;
let zoom = 1;
let x = 0;
let y = 0;
let returnFocus: HTMLElement | undefined;

function place(): void {
  picture.style.transform = `translate(${x}px, ${y}px) scale(${zoom})`;
  zoomLabel.textContent = `${Math.round(zoom * 100)} %`;
}

function report(): void {
  if (viewing) vscode.postMessage({ type: 'viewed', id: viewing.id, width: viewing.width, height: viewing.height, zoom });
}

function fit(): void {
  if (!viewing) return;
  const w = stage.clientWidth;
  const h = stage.clientHeight;
  zoom = Math.min(1, w / viewing.width, h / viewing.height) || 1;
  x = (w - viewing.width * zoom) / 2;
  y = (h - viewing.height * zoom) / 2;
  place();
  report();
}

/** Zooms by `factor` around the point (px, py) of the stage. */
function zoomBy(factor: number, px = stage.clientWidth / 2, py = stage.clientHeight / 2): void {
  const next = Math.max(0.02, Math.min(16, zoom * factor));
  x = px - ((px - x) * next) / zoom;
  y = py - ((py - y) * next) / zoom;
  zoom = next;
  place();
  report();
}

function open(item: GalleryItem): void {
  if (!item.drawable) return;
  returnFocus = document.activeElement instanceof HTMLElement ? document.activeElement : undefined;
  $<HTMLElement>('viewer-title').textContent = item.name;
  picture.removeAttribute('src');
  viewer.hidden = false;
  stage.focus();
  vscode.postMessage({ type: 'view', id: item.id });
}

function closeViewer(): void {
  viewer.hidden = true;
  if (viewing) URL.revokeObjectURL(viewing.url);
  viewing = undefined;
  picture.removeAttribute('src');
  returnFocus?.focus();
}

let drag: { x: number; y: number } | undefined;
stage.addEventListener('pointerdown', (e) => {
  drag = { x: e.clientX - x, y: e.clientY - y };
  stage.setPointerCapture(e.pointerId);
  stage.classList.add('dragging');
});
stage.addEventListener('pointermove', (e) => {
  if (!drag) return;
  x = e.clientX - drag.x;
  y = e.clientY - drag.y;
  place();
});
const endDrag = () => {
  drag = undefined;
  stage.classList.remove('dragging');
};
stage.addEventListener('pointerup', endDrag);
stage.addEventListener('pointercancel', endDrag);
stage.addEventListener(
  'wheel',
  (e) => {
    e.preventDefault();
    const r = stage.getBoundingClientRect();
    zoomBy(Math.exp(-e.deltaY / 500), e.clientX - r.left, e.clientY - r.top);
  },
  { passive: false },
);
viewer.addEventListener('keydown', (e) => {
  const pan: Record<string, [number, number]> = { ArrowLeft: [40, 0], ArrowRight: [-40, 0], ArrowUp: [0, 40], ArrowDown: [0, -40] };
  if (e.key === 'Escape') closeViewer();
  else if (e.key === '+' || e.key === '=') zoomBy(1.25);
  else if (e.key === '-') zoomBy(0.8);
  else if (e.key === '0') fit();
  else if (e.key in pan && e.target === stage) {
    x += pan[e.key]![0];
    y += pan[e.key]![1];
    place();
  } else return;
  e.preventDefault();
});
$<HTMLButtonElement>('zoom-in').addEventListener('click', () => zoomBy(1.25));
$<HTMLButtonElement>('zoom-out').addEventListener('click', () => zoomBy(0.8));
$<HTMLButtonElement>('fit').addEventListener('click', fit);
$<HTMLButtonElement>('close').addEventListener('click', closeViewer);

function countShown(): void {
  vscode.postMessage({ type: 'shown', thumbnails: shown });
}

window.addEventListener('message', (event: MessageEvent<GalleryHostMessage>) => {
  const m = event.data;
  switch (m.type) {
    case 'list': {
      strings = m.strings;
      items = [...m.items].sort(byName);
      const ids = new Set(items.map((i) => i.id));
      for (const [id, url] of thumbs) {
        if (ids.has(id)) continue;
        URL.revokeObjectURL(url);
        thumbs.delete(id);
      }
      renameButton.textContent = m.strings.rename;
      tagsButton.textContent = m.strings.tags;
      removeButton.textContent = m.strings.remove;
      document.title = m.title;
      filters.hidden = false;
      for (const [button, label] of [
        ['zoom-in', m.strings.zoomIn],
        ['zoom-out', m.strings.zoomOut],
        ['fit', m.strings.fit],
        ['close', m.strings.close],
      ] as const) {
        $<HTMLElement>(button).title = label;
        $<HTMLElement>(button).setAttribute('aria-label', label);
      }
      fillFilters();
      render();
      queuePdfs(items);
      return;
    }
    case 'changes': {
      // Only the tiles that changed: the thumbnails held for the rest stay as they are.
      const gone = new Set([...m.removed, ...m.items.map((i) => i.id)]);
      for (const id of m.removed) {
        const url = thumbs.get(id);
        if (url) URL.revokeObjectURL(url);
        thumbs.delete(id);
        selection.delete(id);
      }
      items = [...items.filter((i) => !gone.has(i.id)), ...m.items].sort(byName);
      fillFilters();
      render();
      queuePdfs(m.items);
      return;
    }
    case 'pdf':
      void drawPdf(m);
      return;
    case 'pdfRange':
      if (pdfCurrent?.id === m.id) pdfCurrent.transport?.onDataRange(m.begin, m.data);
      return;
    case 'thumbnail': {
      const old = thumbs.get(m.id);
      if (old) URL.revokeObjectURL(old);
      const url = URL.createObjectURL(new Blob([m.data as BlobPart], { type: m.mime }));
      thumbs.set(m.id, url);
      showThumbnail(m.id, url, () => {
        shown++;
        countShown();
      });
      return;
    }
    case 'noThumbnail': {
      grid.querySelector(`[data-id="${CSS.escape(m.id)}"] .icon`)?.classList.remove('pending');
      return;
    }
    case 'full': {
      if (viewer.hidden) {
        // The host asked to show it (not a click here): open the viewer for it.
        const item = items.find((i) => i.id === m.id);
        returnFocus = document.activeElement instanceof HTMLElement ? document.activeElement : undefined;
        $<HTMLElement>('viewer-title').textContent = item?.name ?? '';
        viewer.hidden = false;
        stage.focus();
      }
      const url = URL.createObjectURL(new Blob([m.data as BlobPart], { type: m.mime }));
      picture.onload = () => {
        viewing = { id: m.id, url, width: picture.naturalWidth, height: picture.naturalHeight };
        fit();
      };
      picture.onerror = () => {
        URL.revokeObjectURL(url);
        $<HTMLElement>('viewer-title').textContent = strings?.failed ?? '';
        vscode.postMessage({ type: 'error', message: `picture ${m.id} could not be decoded` });
      };
      picture.src = url;
      return;
    }
  }
});

// ---- PDF thumbnails: the first page drawn by pdf.js (as the rulebook viewer draws pages), one PDF
// at a time; the host sends its first bytes and the ranges pdf.js asks for, never the whole file
// unless pdf.js needs it. The page becomes a PNG shown from a blob: URL, like the host's thumbnails.
const PDF_THUMBNAIL = 256;
const pdfQueue: string[] = [];
let pdfCurrent: { id: string; transport?: PDFDataRangeTransport; task?: PDFDocumentLoadingTask } | undefined;
const pdfTried = new Set<string>();

/** Asks for the next PDF whose first page is not drawn yet. */
function nextPdf(): void {
  if (pdfCurrent) return;
  for (let id = pdfQueue.shift(); id !== undefined; id = pdfQueue.shift()) {
    if (thumbs.has(id) || pdfTried.has(id) || !items.some((i) => i.id === id && i.pdf)) continue;
    pdfTried.add(id);
    pdfCurrent = { id };
    vscode.postMessage({ type: 'pdfThumbnail', id });
    return;
  }
}

function queuePdfs(list: readonly GalleryItem[]): void {
  for (const i of list) if (i.pdf && !thumbs.has(i.id)) pdfQueue.push(i.id);
  nextPdf();
}

function showThumbnail(id: string, url: string, onShown?: () => void): void {
  const frame = grid.querySelector<HTMLElement>(`[data-id="${CSS.escape(id)}"] .frame`);
  if (!frame) return;
  const img = document.createElement('img');
  img.alt = '';
  img.addEventListener('load', () => onShown?.());
  img.addEventListener('error', () => vscode.postMessage({ type: 'error', message: `thumbnail ${id} could not be decoded` }));
  img.src = url;
  frame.replaceChildren(img);
}

async function drawPdf(m: Extract<GalleryHostMessage, { type: 'pdf' }>): Promise<void> {
  if (pdfCurrent?.id !== m.id) return;
  const current = pdfCurrent;
  let ok = false;
  try {
    await startPdfWorker(m.workerUri);
    const opened = openRangedPdf(m.length, m.initial, (begin, end) => vscode.postMessage({ type: 'pdfRange', id: m.id, begin, end: Math.min(end, m.length) }));
    current.transport = opened.transport;
    current.task = opened.task;
    // A PDF that asks for a password gets no thumbnail (the icon stays).
    current.task.onPassword = () => void current.task?.destroy();
    const doc = await current.task.promise;
    try {
      const page = await doc.getPage(1);
      const base = page.getViewport({ scale: 1 });
      const viewport = page.getViewport({ scale: Math.min(PDF_THUMBNAIL / base.width, PDF_THUMBNAIL / base.height) });
      const canvas = document.createElement('canvas');
      canvas.width = Math.max(1, Math.round(viewport.width));
      canvas.height = Math.max(1, Math.round(viewport.height));
      await page.render({ canvas, viewport }).promise;
      const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
      if (blob && items.some((i) => i.id === m.id)) {
        const url = URL.createObjectURL(blob);
        thumbs.set(m.id, url);
        showThumbnail(m.id, url);
        ok = true;
      }
    } finally {
      void doc.destroy();
    }
  } catch (e) {
    vscode.postMessage({ type: 'error', message: `the first page of ${m.id} could not be drawn: ${String((e as Error)?.message ?? e)}` });
    grid.querySelector(`[data-id="${CSS.escape(m.id)}"] .icon`)?.classList.remove('pending');
  }
  vscode.postMessage({ type: 'pdfDrawn', id: m.id, ok });
  if (pdfCurrent === current) pdfCurrent = undefined;
  nextPdf();
}

window.addEventListener('resize', () => viewing && fit());
vscode.postMessage({ type: 'ready' });
