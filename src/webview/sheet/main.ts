// The Character Sheet webview: renders what the host derives, sends edits, keeps its place.
// Protocol: src/core/sheet/protocol.ts. It says `ready` once it listens; the host posts nothing before.
import type { FieldPath } from '../../core/sheet/model';
import { isHostMessage, type EditValue, type HostMessage, type WebviewMessage } from '../../core/sheet/protocol';
import { h, revert, setEditSender, setEntryOpener, setSectionState } from './dom';
import { renderCharacter, renderStatBlock } from './render';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: SavedState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** What survives the webview being hidden and reloaded (retainContextWhenHidden is off). */
interface SavedState {
  readonly scrollY: number;
  readonly collapsed: readonly string[];
}

const vscode = acquireVsCodeApi();
const saved = vscode.getState() as Partial<SavedState> | undefined;
let state: SavedState = {
  scrollY: typeof saved?.scrollY === 'number' ? saved.scrollY : 0,
  collapsed: Array.isArray(saved?.collapsed) ? saved.collapsed.filter((c): c is string => typeof c === 'string') : [],
};
const save = (patch: Partial<SavedState>) => {
  state = { ...state, ...patch };
  vscode.setState(state);
};

const main = document.getElementById('sheet')!;
const banners = document.getElementById('banners')!;
let rendered = false;
let scrollRestored = false;
let nextRequest = 1;
const pending = new Map<number, HTMLInputElement | HTMLTextAreaElement>();

// ── Banners: invalid YAML (the last good sheet stays), schema problems, failed edits ─────────────

const banner = (id: string, kind: 'error' | 'warning', role: 'alert' | 'status', ...content: (Node | string)[]) => {
  document.getElementById(id)?.remove();
  const close = h('button', { class: 'banner-close', label: 'Dismiss' }, '×');
  const el = h('div', { class: `banner banner-${kind}`, role, attrs: { id } }, h('div', { class: 'banner-text' }, ...content), close);
  close.addEventListener('click', () => el.remove());
  banners.appendChild(el);
  return el;
};
const clearBanner = (id: string) => document.getElementById(id)?.remove();

function showInvalid(message: string): void {
  const open = h('button', { class: 'button' }, 'Open in Text Editor');
  open.addEventListener('click', () => vscode.postMessage({ type: 'openText' }));
  banner(
    'invalid',
    'error',
    'alert',
    h('strong', {}, 'This file cannot be read as a sheet. '),
    message,
    '. ',
    rendered ? 'The sheet below is the last version that could be read; editing is paused until the file is fixed. ' : '',
    open,
  );
  main.classList.toggle('stale', rendered);
  main.setAttribute('aria-disabled', String(rendered));
  for (const field of main.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('input, textarea')) field.disabled = true;
}

function showIssues(issues: readonly string[], kind: 'character' | 'npc'): void {
  if (issues.length === 0) return clearBanner('issues');
  const what = kind === 'npc' ? 'NPC' : 'character';
  banner('issues', 'warning', 'status', h('strong', {}, `Some fields do not match the ${what} schema (the sheet shows what it can, and marks numbers outside the rules with !): `), h('ul', {}, ...issues.map((i) => h('li', {}, i))));
}

// ── Rendering, keeping focus and unsaved typing across updates ──────────────────────────────────

function render(message: Extract<HostMessage, { type: 'update' }>): void {
  const active = document.activeElement as HTMLInputElement | HTMLTextAreaElement | null;
  const focusedPath = active?.dataset?.path;
  const typing = focusedPath !== undefined && active !== null && active.value !== active.dataset.original ? active.value : undefined;
  const selection = active && 'selectionStart' in active && active.type !== 'number' ? { start: active.selectionStart, end: active.selectionEnd } : undefined;
  const scrollY = window.scrollY;

  setSectionState(state.collapsed, (collapsed) => save({ collapsed }));
  const view = message.model.kind === 'character' ? renderCharacter(message.model) : renderStatBlock(message.model);
  main.replaceChildren(view);
  main.classList.remove('stale');
  main.removeAttribute('aria-disabled');
  document.title = message.model.name;
  pending.clear();

  if (focusedPath !== undefined) {
    const again = main.querySelector<HTMLInputElement | HTMLTextAreaElement>(`[data-path="${CSS.escape(focusedPath)}"]`);
    if (again) {
      if (typing !== undefined) again.value = typing;
      again.focus({ preventScroll: true });
      if (selection && selection.start !== null && selection.end !== null) again.setSelectionRange(selection.start, selection.end);
    }
  }
  if (!scrollRestored) {
    scrollRestored = true;
    window.scrollTo(0, state.scrollY);
  } else {
    window.scrollTo(0, scrollY);
  }
  rendered = true;
}

setEditSender((path: FieldPath, value: EditValue, field) => {
  const requestId = nextRequest++;
  pending.set(requestId, field);
  clearBanner('edit-error');
  vscode.postMessage({ type: 'edit', requestId, path, value });
});

setEntryOpener((id) => vscode.postMessage({ type: 'openEntry', id }));

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = event.data;
  if (!isHostMessage(message)) return;
  switch (message.type) {
    case 'update':
      clearBanner('invalid');
      clearBanner('host-error');
      showIssues(message.issues, message.model.kind);
      render(message);
      return;
    case 'invalid':
      clearBanner('issues');
      showInvalid(message.message);
      if (!rendered) main.replaceChildren(h('p', { class: 'empty' }, 'Nothing to show until the YAML can be read.'));
      return;
    case 'editResult': {
      const field = pending.get(message.requestId);
      pending.delete(message.requestId);
      if (message.ok) return;
      if (field) {
        revert(field);
        field.setAttribute('aria-invalid', 'true');
      }
      banner('edit-error', 'error', 'alert', h('strong', {}, 'Not saved: '), message.message ?? 'the change could not be made.');
      return;
    }
    case 'error':
      banner('host-error', 'error', 'alert', message.message);
      return;
  }
});

let scrollTimer: ReturnType<typeof setTimeout> | undefined;
window.addEventListener('scroll', () => {
  if (scrollTimer !== undefined) clearTimeout(scrollTimer);
  scrollTimer = setTimeout(() => save({ scrollY: window.scrollY }), 200);
});

vscode.postMessage({ type: 'ready' });
