// The rulebook viewer's webview: pdf.js draws one page at a time on a canvas. The PDF's bytes come
// only by message from the host (docs/RULEBOOKS.md, "Viewer"): the first chunk with `open`, the rest
// as pdf.js asks for ranges (PDFDataRangeTransport). pdf.js's worker is started from a blob: URL
// made of its script (a local resource), so the CSP allows workers from blob: only (../pdf.ts).
// The outline sidebar is outline.ts.
// Protocol: src/core/rulebooks/viewerProtocol.ts. It says `ready` once it listens.
import { PasswordResponses, TextLayer, type PageViewport, type PDFDataRangeTransport, type PDFDocumentProxy, type PDFPageProxy, type RenderTask } from 'pdfjs-dist';
import { openRangedPdf, startPdfWorker } from '../pdf';
import { createOutline } from './outline';
import type { TextItem } from 'pdfjs-dist/types/src/display/api';
import { findMatches, firstMatchFrom, nthMatch, totalMatches, type FindRange, type PageMatches } from '../../core/rulebooks/find';
import { RANGE_CHUNK, type FindRequest, type ViewerHostMessage, type ViewerStrings, type ViewerWebviewMessage } from '../../core/rulebooks/viewerProtocol';

interface VsCodeApi {
  postMessage(message: ViewerWebviewMessage): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const post = (m: ViewerWebviewMessage) => vscode.postMessage(m);

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const toolbar = $('toolbar');
const prevButton = $<HTMLButtonElement>('prev');
const nextButton = $<HTMLButtonElement>('next');
const pageInput = $<HTMLInputElement>('page');
const pageCount = $('count');
const zoomOut = $<HTMLButtonElement>('zoom-out');
const zoomIn = $<HTMLButtonElement>('zoom-in');
const fitButton = $<HTMLButtonElement>('fit');
const scroller = $('scroller');
const canvas = $<HTMLCanvasElement>('canvas');
const status = $('status');
const cited = $('cited');
const sheet = $('sheet');
const textLayerDiv = $('text');
const findBar = $('findbar');
const findInput = $<HTMLInputElement>('find-input');
const findCount = $('find-count');
const findPrev = $<HTMLButtonElement>('find-prev');
const findNext = $<HTMLButtonElement>('find-next');
const findClose = $<HTMLButtonElement>('find-close');
const findToggle = $<HTMLButtonElement>('find-toggle');
const outlineToggle = $<HTMLButtonElement>('outline-toggle');
const outlinePane = $('outline');

let doc: PDFDocumentProxy | undefined;
let transport: PDFDataRangeTransport | undefined;
let current = 1;
let labels: readonly string[] | null = null;
let fitWidth = true;
let scale = 1;
let rendering: RenderTask | undefined;
let wanted: number | undefined;
/** Whether a drawing loop runs (one at a time: a new request only changes `wanted`). */
let busy = false;
/** The page on the canvas (a new page starts at its top; the same one redrawn keeps its place). */
let drawn = 0;
/** The page the page box was last set to. */
let boxPage = 0;
/** When the page being drawn was asked for (performance.now()). */
let askedAt = 0;
let passwordAnswer: ((password: string | null) => void) | undefined;
let strings: ViewerStrings | undefined;

function say(text: string | undefined): void {
  status.textContent = text ?? '';
  status.hidden = !text;
}

function setStrings(s: ViewerStrings): void {
  strings = s;
  prevButton.title = prevButton.ariaLabel = s.previous;
  nextButton.title = nextButton.ariaLabel = s.next;
  pageInput.title = pageInput.ariaLabel = s.page;
  zoomOut.title = zoomOut.ariaLabel = s.zoomOut;
  zoomIn.title = zoomIn.ariaLabel = s.zoomIn;
  fitButton.title = fitButton.ariaLabel = s.fitWidth;
  findInput.placeholder = findInput.title = findInput.ariaLabel = s.find;
  findToggle.title = findToggle.ariaLabel = `${s.find} (Ctrl+F)`;
  findPrev.title = findPrev.ariaLabel = s.findPrevious;
  findNext.title = findNext.ariaLabel = s.findNext;
  findClose.title = findClose.ariaLabel = s.findClose;
  outlineToggle.title = outlineToggle.ariaLabel = s.outline;
  outlinePane.ariaLabel = s.outline;
}

/** The "Cited by" bar: the entries citing the page shown, each a button (text only, never HTML). */
function showCitedBy(m: Extract<ViewerHostMessage, { type: 'citedBy' }>): void {
  if (m.page !== current) return;
  cited.replaceChildren();
  cited.hidden = m.entries.length === 0;
  if (m.entries.length === 0) return;
  const label = document.createElement('span');
  label.className = 'label';
  label.textContent = `${strings?.citedBy ?? 'Cited by'}:`;
  cited.append(label);
  for (const e of m.entries) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'entry';
    b.textContent = e.label;
    b.addEventListener('click', () => post({ type: 'openEntry', id: e.id }));
    cited.append(b);
  }
}

/** Whether anything but (near) white was painted: a sample of the canvas's pixels. */
function inked(c: HTMLCanvasElement): boolean {
  const ctx = c.getContext('2d');
  if (!ctx || c.width === 0 || c.height === 0) return false;
  const { data } = ctx.getImageData(0, 0, c.width, c.height);
  for (let i = 0; i < data.length; i += 4 * 7) {
    if (data[i + 3]! > 0 && (data[i]! < 200 || data[i + 1]! < 200 || data[i + 2]! < 200)) return true;
  }
  return false;
}

function updateChrome(): void {
  const n = doc?.numPages ?? 0;
  // A redraw of the same page (the panel resized, a zoom) leaves a page number being typed alone.
  if (current !== boxPage || document.activeElement !== pageInput) pageInput.value = String(current);
  boxPage = current;
  pageInput.max = String(n);
  const label = labels?.[current - 1];
  pageCount.textContent = `${strings?.of ?? 'of'} ${n}${label && label !== String(current) ? ` (${label})` : ''}`;
  prevButton.disabled = current <= 1;
  nextButton.disabled = current >= n;
  fitButton.setAttribute('aria-pressed', String(fitWidth));
  outline.mark(current);
}

/** Draws page `n` (the last one asked for wins; a drawing under way is cancelled). */
async function show(n: number): Promise<void> {
  if (!doc) return;
  const page = Math.min(Math.max(1, Math.trunc(n) || 1), doc.numPages);
  wanted = page;
  askedAt = performance.now();
  if (busy) {
    rendering?.cancel();
    return; // the loop under way draws `wanted` next
  }
  busy = true;
  try {
    await drawWanted();
  } finally {
    busy = false;
  }
}

async function drawWanted(): Promise<void> {
  while (doc && wanted !== undefined) {
    const target = wanted;
    wanted = undefined;
    current = target;
    updateChrome();
    try {
      const p = await doc.getPage(target);
      const base = p.getViewport({ scale: 1 });
      if (fitWidth) scale = Math.max(0.25, (scroller.clientWidth - 24) / base.width);
      const viewport = p.getViewport({ scale });
      const ratio = window.devicePixelRatio || 1;
      const next = document.createElement('canvas');
      next.width = Math.floor(viewport.width * ratio);
      next.height = Math.floor(viewport.height * ratio);
      next.style.width = `${Math.floor(viewport.width)}px`;
      next.style.height = `${Math.floor(viewport.height)}px`;
      rendering = p.render({ canvas: next, viewport, transform: ratio !== 1 ? [ratio, 0, 0, ratio, 0, 0] : undefined });
      await rendering.promise;
      rendering = undefined;
      canvas.width = next.width;
      canvas.height = next.height;
      canvas.style.width = next.style.width;
      canvas.style.height = next.style.height;
      canvas.getContext('2d')!.drawImage(next, 0, 0);
      // How long the page took from being asked for to being on screen (read by the UI test's timing).
      canvas.dataset.ms = String(Math.round(performance.now() - askedAt));
      // And the first page, how long after the webview's page began to load (the UI test's cold open).
      canvas.dataset.sinceLoad ??= String(Math.round(performance.now()));
      canvas.ariaLabel = `${strings?.page ?? 'Page'} ${target}`;
      if (wanted === undefined) {
        if (drawn !== target) scroller.scrollTop = 0;
        drawn = target;
        say(undefined);
        post({ type: 'rendered', page: target, pages: doc.numPages, inked: inked(canvas) });
        // The text layer (and the marks of a find) comes after: the next page need not wait for it.
        void layText(p, viewport, target);
      }
    } catch (e) {
      rendering = undefined;
      if ((e as { name?: string }).name === 'RenderingCancelledException') continue;
      say(`${strings?.failed ?? 'The page could not be drawn'}: ${String((e as Error).message ?? e)}`);
      post({ type: 'error', message: String((e as Error).message ?? e) });
    }
  }
}


// --- The text layer and find in the book --------------------------------------------------------
// pdf.js lays the drawn page's text over the canvas (transparent, selectable); the matches of the
// active query are wrapped in <mark> there. The book's matches are counted by the host from the
// page text the vault stores (one message, no page of the PDF fetched for it); the same matcher
// (src/core/rulebooks/find.ts) runs here on the text pdf.js gives for the drawn page.

/** The drawn page's text items (one per span pdf.js laid), their text and where each starts in `text`. */
let laid: { page: number; spans: HTMLElement[]; strs: string[]; starts: number[]; text: string } | undefined;
let textLayer: TextLayer | undefined;
/** What is found and highlighted: the query, the host's count by page, and the current match (0-based over the book; -1 none). */
let active: (FindRequest & { pages: readonly PageMatches[] | undefined; at: number; jump: boolean }) | undefined;
let noText = false;

async function layText(p: PDFPageProxy, viewport: PageViewport, target: number): Promise<void> {
  textLayer?.cancel();
  textLayer = undefined;
  laid = undefined;
  textLayerDiv.replaceChildren();
  sheet.style.setProperty('--total-scale-factor', String(viewport.scale));
  try {
    const content = await p.getTextContent();
    if (drawn !== target || wanted !== undefined) return;
    const layer = new TextLayer({ textContentSource: content, container: textLayerDiv, viewport });
    textLayer = layer;
    await layer.render();
    if (textLayer !== layer || drawn !== target) return;
    const items = content.items.filter((i): i is TextItem => 'str' in i);
    const spans = layer.textDivs;
    let text = '';
    const starts: number[] = [];
    const strs: string[] = [];
    items.forEach((item, k) => {
      starts.push(text.length);
      strs.push(spans[k]?.textContent ?? item.str);
      text += item.str + (item.hasEOL ? '\n' : '');
    });
    laid = { page: target, spans: spans.slice(0, items.length), strs, starts, text };
    highlight();
  } catch (e) {
    if ((e as { name?: string }).name !== 'AbortException') post({ type: 'error', message: `text layer: ${String((e as Error).message ?? e)}` });
  }
}

/** Restores the drawn page's spans to plain text (no marks). */
function unmark(): void {
  if (!laid) return;
  for (const [k, span] of laid.spans.entries()) if (span.firstElementChild) span.textContent = laid.strs[k]!;
}

/** The match of the book that is current, when it is on page `page`: its index among that page's matches. */
function currentOn(page: number): number {
  if (!active?.pages || active.at < 0) return -1;
  const n = nthMatch(active.pages, active.at);
  return n && n.page === page ? n.index : -1;
}

/** Marks the active query's matches on the drawn page; the current one also scrolled into view. */
function highlight(): void {
  if (!laid) return;
  unmark();
  const matches: FindRange[] = active ? findMatches(laid.text, active.query, active.mode) : [];
  const current = matches.length > 0 ? Math.min(currentOn(laid.page), matches.length - 1) : -1;
  // Per span, the pieces to mark: [from, to) in the span's own text, and whether it is the current match.
  const pieces = new Map<number, { from: number; to: number; current: boolean }[]>();
  matches.forEach((m, i) => {
    for (let k = spanAt(m.start); k < laid!.spans.length && laid!.starts[k]! < m.end; k++) {
      const from = Math.max(m.start, laid!.starts[k]!) - laid!.starts[k]!;
      const to = Math.min(m.end - laid!.starts[k]!, laid!.strs[k]!.length);
      if (to > from) pieces.set(k, [...(pieces.get(k) ?? []), { from, to, current: i === current }]);
    }
  });
  let first: HTMLElement | undefined;
  for (const [k, list] of pieces) {
    const str = laid.strs[k]!;
    const nodes: Node[] = [];
    let at = 0;
    for (const piece of list) {
      if (piece.from > at) nodes.push(document.createTextNode(str.slice(at, piece.from)));
      const mark = document.createElement('mark');
      mark.textContent = str.slice(piece.from, piece.to);
      if (piece.current) {
        mark.className = 'current';
        first ??= mark;
      }
      nodes.push(mark);
      at = piece.to;
    }
    if (at < str.length) nodes.push(document.createTextNode(str.slice(at)));
    laid.spans[k]!.replaceChildren(...nodes);
  }
  if (first && active?.jump) {
    active.jump = false;
    first.scrollIntoView({ block: 'center', inline: 'nearest' });
  }
  const shown = current >= 0 ? matches[current]! : matches[0];
  post({ type: 'highlighted', page: laid.page, count: matches.length, current: current >= 0 && shown ? laid.text.slice(shown.start, shown.end) : null });
}

/** The span holding offset `at` of the page's text. */
function spanAt(at: number): number {
  const starts = laid!.starts;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function showCount(): void {
  if (!active) findCount.textContent = '';
  else if (noText) findCount.textContent = strings?.noText ?? 'No text to search';
  else if (!active.pages) findCount.textContent = '…';
  else {
    const total = totalMatches(active.pages);
    findCount.textContent = total === 0 ? (strings?.noMatches ?? 'No results') : (strings?.matchOf ?? '{0} of {1}').replace('{0}', active.at < 0 ? '?' : String(active.at + 1)).replace('{1}', String(total));
  }
  findCount.classList.toggle('none', !!active?.pages && totalMatches(active.pages) === 0 && active.query.trim() !== '');
  const can = !!active?.pages && totalMatches(active.pages) > 0;
  findPrev.disabled = findNext.disabled = !can;
}

/**
 * Finds `request` in the book: the drawn page is highlighted at once, the host counts the book's
 * matches. `go`: then go to the first match on the current page or after it (the find box), or
 * only mark it when it is on the page shown (a Quick Search hit opened at its page).
 */
function startFind(request: FindRequest, go: boolean): void {
  active = { ...request, pages: undefined, at: -1, jump: true };
  goAfterFound = go;
  showCount();
  if (request.query.trim() === '') {
    active = undefined;
    highlight();
    showCount();
    return;
  }
  post({ type: 'find', query: request.query, mode: request.mode });
  highlight();
}
let goAfterFound = false;

function found(m: Extract<ViewerHostMessage, { type: 'found' }>): void {
  if (!active || active.query !== m.query || active.mode !== m.mode) return;
  active.pages = m.pages;
  const total = totalMatches(m.pages);
  if (total > 0) {
    const from = firstMatchFrom(m.pages, current);
    const n = nthMatch(m.pages, from);
    if (goAfterFound || n?.page === current) gotoMatch(from);
  }
  showCount();
  highlight();
}

/** Shows match `n` of the book (its page drawn, the match marked as current). */
function gotoMatch(n: number): void {
  if (!active?.pages) return;
  const total = totalMatches(active.pages);
  if (total === 0) return;
  active.at = ((n % total) + total) % total;
  active.jump = true;
  const where = nthMatch(active.pages, active.at)!;
  showCount();
  if (where.page !== drawn || where.page !== current) void show(where.page);
  else highlight();
}

function step(by: 1 | -1): void {
  if (!active || active.query !== findInput.value) {
    openFind();
    if (findInput.value.trim()) startFind({ query: findInput.value, mode: 'phrase' }, true);
    return;
  }
  if (active.pages) gotoMatch(active.at < 0 ? firstMatchFrom(active.pages, current) : active.at + by);
}

function openFind(): void {
  findBar.hidden = false;
  findToggle.setAttribute('aria-pressed', 'true');
  findInput.focus();
  findInput.select();
}

function closeFind(): void {
  findBar.hidden = true;
  findToggle.setAttribute('aria-pressed', 'false');
  active = undefined;
  highlight();
  showCount();
  scroller.focus();
}

let typing: ReturnType<typeof setTimeout> | undefined;
findInput.addEventListener('input', () => {
  clearTimeout(typing);
  typing = setTimeout(() => startFind({ query: findInput.value, mode: 'phrase' }, true), 300);
});
findInput.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' || e.key === 'F3') {
    clearTimeout(typing);
    step(e.shiftKey ? -1 : 1);
  } else if (e.key === 'Escape') closeFind();
  else return;
  e.preventDefault();
  e.stopPropagation();
});
findPrev.addEventListener('click', () => step(-1));
findNext.addEventListener('click', () => step(1));
findClose.addEventListener('click', () => closeFind());
findToggle.addEventListener('click', () => (findBar.hidden ? openFind() : closeFind()));

// --- The outline sidebar (outline.ts) --------------------------------------------------------------

const outline = createOutline(outlinePane, outlineToggle, (page) => void show(page));

async function open(m: Extract<ViewerHostMessage, { type: 'open' }>): Promise<void> {
  setStrings(m.strings);
  labels = m.labels;
  noText = m.noText;
  outline.set(m.outline, labels, m.strings.noOutline);
  document.title = m.title;
  say(m.strings.loading);
  await startPdfWorker(m.workerUri);
  const opened = openRangedPdf(m.length, m.initial, (begin, end) => post({ type: 'range', begin, end }), RANGE_CHUNK);
  transport = opened.transport;
  const task = opened.task;
  task.onPassword = (update: (password: string) => void, reason: number) => {
    passwordAnswer = (password) => {
      passwordAnswer = undefined;
      if (password === null) {
        say(m.strings.password);
        void task.destroy();
      } else update(password);
    };
    post({ type: 'password', wrong: reason === PasswordResponses.INCORRECT_PASSWORD });
  };
  try {
    doc = await task.promise;
  } catch (e) {
    if (!passwordAnswer && status.textContent !== m.strings.password) {
      say(`${m.strings.failed}: ${String((e as Error).message ?? e)}`);
      post({ type: 'error', message: String((e as Error).message ?? e) });
    }
    return;
  }
  toolbar.hidden = false;
  current = Math.min(Math.max(1, m.page), doc.numPages);
  if (m.highlight) {
    findInput.value = m.highlight.query;
    findBar.hidden = false;
    findToggle.setAttribute('aria-pressed', 'true');
    startFind(m.highlight, false);
  }
  await show(m.page);
}

window.addEventListener('message', (event: MessageEvent<ViewerHostMessage>) => {
  const m = event.data;
  switch (m?.type) {
    case 'open':
      void open(m);
      return;
    case 'range':
      transport?.onDataRange(m.begin, m.data);
      return;
    case 'goto':
      current = doc ? Math.min(Math.max(1, m.page), doc.numPages) : m.page;
      if (m.highlight) {
        findInput.value = m.highlight.query;
        findBar.hidden = false;
        findToggle.setAttribute('aria-pressed', 'true');
        startFind(m.highlight, false);
      }
      void show(m.page);
      return;
    case 'found':
      found(m);
      return;
    case 'citedBy':
      showCitedBy(m);
      return;
    case 'password':
      passwordAnswer?.(m.password);
      return;
  }
});

prevButton.addEventListener('click', () => void show(current - 1));
nextButton.addEventListener('click', () => void show(current + 1));
pageInput.addEventListener('change', () => void show(Number(pageInput.value)));
zoomIn.addEventListener('click', () => {
  fitWidth = false;
  scale = Math.min(8, scale * 1.2);
  void show(current);
});
zoomOut.addEventListener('click', () => {
  fitWidth = false;
  scale = Math.max(0.25, scale / 1.2);
  void show(current);
});
fitButton.addEventListener('click', () => {
  fitWidth = true;
  void show(current);
});
let resizeTimer: ReturnType<typeof setTimeout> | undefined;
let observedWidth = 0;
new ResizeObserver(() => {
  // Fit width follows the width only (the Cited by or find bar appearing changes the height).
  if (scroller.clientWidth === observedWidth) return;
  observedWidth = scroller.clientWidth;
  if (!fitWidth || !doc) return;
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => void show(current), 150);
}).observe(scroller);

document.addEventListener('keydown', (e) => {
  if (!doc) return;
  if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'f') openFind();
  else if (e.key === 'F3') step(e.shiftKey ? -1 : 1);
  else if (e.key === 'Escape' && !findBar.hidden) closeFind();
  else {
    if (e.target === pageInput || e.target === findInput) return;
    if (e.target instanceof HTMLButtonElement && (e.key === 'Enter' || e.key === ' ')) return;
    keyNav(e);
    return;
  }
  e.preventDefault();
});

function keyNav(e: KeyboardEvent): void {
  if (!doc) return;
  const atBottom = scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 2;
  const atTop = scroller.scrollTop <= 0;
  if (e.key === 'PageDown' || e.key === 'ArrowRight' || (e.key === ' ' && atBottom) || (e.key === 'ArrowDown' && atBottom)) void show(current + 1);
  else if (e.key === 'PageUp' || e.key === 'ArrowLeft' || (e.key === 'ArrowUp' && atTop)) void show(current - 1);
  else if (e.key === 'Home' && (e.ctrlKey || e.metaKey)) void show(1);
  else if (e.key === 'End' && (e.ctrlKey || e.metaKey)) void show(doc.numPages);
  else if ((e.ctrlKey || e.metaKey) && (e.key === '+' || e.key === '=')) zoomIn.click();
  else if ((e.ctrlKey || e.metaKey) && e.key === '-') zoomOut.click();
  else return;
  e.preventDefault();
}

post({ type: 'ready' });
