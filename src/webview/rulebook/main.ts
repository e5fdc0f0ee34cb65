// The rulebook viewer's webview: pdf.js draws one page at a time on a canvas. The PDF's bytes come
// only by message from the host (docs/RULEBOOKS.md, "Viewer"): the first chunk with `open`, the rest
// as pdf.js asks for ranges (PDFDataRangeTransport). pdf.js's worker is started from a blob: URL
// made of its script (a local resource), so the CSP allows workers from blob: only.
// Protocol: src/core/rulebooks/viewerProtocol.ts. It says `ready` once it listens.
import { getDocument, GlobalWorkerOptions, PasswordResponses, PDFDataRangeTransport, type PDFDocumentProxy, type RenderTask } from 'pdfjs-dist';
import { RANGE_CHUNK, type ViewerHostMessage, type ViewerStrings, type ViewerWebviewMessage } from '../../core/rulebooks/viewerProtocol';

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

let doc: PDFDocumentProxy | undefined;
let transport: (PDFDataRangeTransport & { requestDataRange(begin: number, end: number): void }) | undefined;
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
  pageInput.value = String(current);
  pageInput.max = String(n);
  const label = labels?.[current - 1];
  pageCount.textContent = `${strings?.of ?? 'of'} ${n}${label && label !== String(current) ? ` (${label})` : ''}`;
  prevButton.disabled = current <= 1;
  nextButton.disabled = current >= n;
  fitButton.setAttribute('aria-pressed', String(fitWidth));
}

/** Draws page `n` (the last one asked for wins; a drawing under way is cancelled). */
async function show(n: number): Promise<void> {
  if (!doc) return;
  const page = Math.min(Math.max(1, Math.trunc(n) || 1), doc.numPages);
  wanted = page;
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
      canvas.ariaLabel = `${strings?.page ?? 'Page'} ${target}`;
      if (wanted === undefined) {
        if (drawn !== target) scroller.scrollTop = 0;
        drawn = target;
        say(undefined);
        post({ type: 'rendered', page: target, pages: doc.numPages, inked: inked(canvas) });
      }
    } catch (e) {
      rendering = undefined;
      if ((e as { name?: string }).name === 'RenderingCancelledException') continue;
      say(`${strings?.failed ?? 'The page could not be drawn'}: ${String((e as Error).message ?? e)}`);
      post({ type: 'error', message: String((e as Error).message ?? e) });
    }
  }
}

async function open(m: Extract<ViewerHostMessage, { type: 'open' }>): Promise<void> {
  setStrings(m.strings);
  labels = m.labels;
  document.title = m.title;
  say(m.strings.loading);
  // The worker, from a blob: URL of its script (the CSP allows no other worker source).
  const script = await (await fetch(m.workerUri)).blob();
  const url = URL.createObjectURL(new Blob([script], { type: 'text/javascript' }));
  GlobalWorkerOptions.workerPort = new Worker(url, { type: 'module' });
  const range = new PDFDataRangeTransport(m.length, m.initial) as PDFDataRangeTransport & { requestDataRange(begin: number, end: number): void };
  range.requestDataRange = (begin: number, end: number) => post({ type: 'range', begin, end });
  transport = range;
  const task = getDocument({
    range,
    length: m.length,
    rangeChunkSize: RANGE_CHUNK,
    disableAutoFetch: true,
    disableStream: true,
    isEvalSupported: false,
    enableXfa: false,
    useWasm: false,
    stopAtErrors: false,
  });
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
      void show(m.page);
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
new ResizeObserver(() => {
  if (!fitWidth || !doc) return;
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => void show(current), 150);
}).observe(scroller);

document.addEventListener('keydown', (e) => {
  if (!doc || e.target === pageInput) return;
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
});

post({ type: 'ready' });
