// DOM helpers for the sheet. Text only ever enters the page as text nodes or attribute values —
// never as markup — so a name like "<img onerror=…>" is shown, not run.
import type { FieldPath, Value } from '../../core/sheet/model';
import type { EditValue } from '../../core/sheet/protocol';

export type Child = Node | string | number | null | undefined | false;

export interface Props {
  readonly class?: string;
  readonly title?: string;
  readonly role?: string;
  readonly label?: string; // aria-label
  readonly attrs?: Readonly<Record<string, string>>;
}

const SAFE_ATTR = /^(aria-[a-z]+|data-[a-z-]+|id|role|title|for|type|min|max|step|inputmode|colspan|scope|lang|tabindex|rows|spellcheck|autocomplete|name)$/;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.class) el.className = props.class;
  if (props.title) el.title = props.title;
  if (props.role) el.setAttribute('role', props.role);
  if (props.label) el.setAttribute('aria-label', props.label);
  for (const [k, v] of Object.entries(props.attrs ?? {})) {
    if (!SAFE_ATTR.test(k)) throw new Error(`attribute ${k} is not allowed`);
    el.setAttribute(k, v);
  }
  append(el, ...children);
  return el;
}

export function append(el: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** +3, −1 (a real minus sign, which screen readers say). */
export const signed = (n: number | null): string => (n === null ? '—' : n >= 0 ? `+${n}` : `−${Math.abs(n)}`);
export const plain = (n: number | null): string => (n === null ? '—' : String(n));

/**
 * Descriptions may be Markdown or HTML (imported from a VTT). The sheet shows their text: HTML is
 * parsed into an inert document (nothing loads, nothing runs) and only its text is kept.
 */
export function textOf(s: string): string {
  if (!/<[a-z!/][^>]*>/i.test(s)) return s;
  const marked = s.replace(/<\/(p|div|li|h[1-6]|tr|blockquote)>|<br\s*\/?>/gi, '$&\n');
  return (new DOMParser().parseFromString(marked, 'text/html').body.textContent ?? '').replace(/\n{3,}/g, '\n\n').trim();
}

/** The sentence a marked value or field carries: why it is outside the rules. */
export const outsideRules = (problem: string): string => `Outside the rules: ${problem}.`;

/**
 * Marks `el` as showing a value the rules do not allow (or one worked out from such a value): a
 * class for the colour, a visible "!" and the reason as its title and accessible description.
 */
export function markInvalid<T extends HTMLElement>(el: T, problem: string | undefined): T {
  if (problem === undefined) return el;
  const why = outsideRules(problem);
  el.classList.add('invalid');
  el.title = el.title ? `${el.title} ${why}` : why;
  el.setAttribute('aria-description', why);
  if (!(el instanceof HTMLInputElement)) append(el, h('span', { class: 'invalid-mark', attrs: { 'aria-hidden': 'true' } }, '!'));
  return el;
}

/** A number worked out from the sheet, marked when it comes from a value outside the rules. */
export const derivedNumber = (text: string, problem: string | undefined, cls = 'value'): HTMLElement => markInvalid(h('span', { class: cls }, text), problem);

/** A value that may be both written in the file and worked out; a disagreement is shown, and so is a value outside the rules. */
export function valueView(v: Value, format: (n: number | null) => string = plain, what = 'value'): HTMLElement {
  const span = h('span', { class: 'value' }, format(v.value));
  if (v.mismatch) {
    const note = `The file says ${format(v.stored)}; worked out from the sheet it would be ${format(v.derived)}.`;
    span.classList.add('mismatch');
    span.title = note;
    span.setAttribute('aria-label', `${what} ${format(v.value)}. ${note}`);
    append(span, h('span', { class: 'derived', attrs: { 'aria-hidden': 'true' } }, `≠ ${format(v.derived)}`));
  } else if (v.stored === null && v.derived !== null) {
    span.classList.add('is-derived');
    span.title = 'Worked out from the sheet (not written in the file)';
  }
  return markInvalid(span, v.problem);
}

// ── Editable fields ──────────────────────────────────────────────────────────────────────────────

export type EditSender = (path: FieldPath, value: EditValue, field: HTMLInputElement | HTMLTextAreaElement) => void;
let sender: EditSender = () => undefined;
export const setEditSender = (s: EditSender): void => {
  sender = s;
};

export const pathKey = (path: FieldPath): string => JSON.stringify(path);

/** Number fields outside the rules in the sheet being rendered (the model's `inputProblems`), by pathKey. */
let inputProblems: Readonly<Record<string, string>> = {};
export const setInputProblems = (problems: Readonly<Record<string, string>>): void => {
  inputProblems = problems;
};

/** Reverts a field to the value it was rendered with. */
export function revert(field: HTMLInputElement | HTMLTextAreaElement): void {
  field.value = field.dataset.original ?? '';
  delete field.dataset.sent;
  field.removeAttribute('aria-busy');
}

function commit(field: HTMLInputElement | HTMLTextAreaElement, parse: (s: string) => EditValue | undefined, path: FieldPath): void {
  // Unchanged, or already sent (Enter, then leaving the field, must not send it twice).
  if (field.value === field.dataset.original || field.value === field.dataset.sent) return;
  const v = parse(field.value);
  if (v === undefined) {
    field.setAttribute('aria-invalid', 'true');
    return;
  }
  field.removeAttribute('aria-invalid');
  field.setAttribute('aria-busy', 'true');
  field.dataset.sent = field.value;
  sender(path, v, field);
}

/** A number the game master can change: Enter or leaving the field saves it, Escape puts it back. */
export function numberField(path: FieldPath, value: number | null, label: string, opts: { min?: number; max?: number; step?: number; wide?: boolean } = {}): HTMLInputElement {
  const input = h('input', {
    class: opts.wide ? 'num wide' : 'num',
    label,
    title: `${label} (Enter saves, Escape undoes)`,
    attrs: {
      type: 'number',
      inputmode: 'numeric',
      'data-path': pathKey(path),
      ...(opts.min !== undefined ? { min: String(opts.min) } : {}),
      ...(opts.max !== undefined ? { max: String(opts.max) } : {}),
      step: String(opts.step ?? 1),
    },
  });
  input.value = value === null ? '' : String(value);
  input.dataset.original = input.value;
  const problem = Object.hasOwn(inputProblems, pathKey(path)) ? inputProblems[pathKey(path)] : undefined;
  if (problem !== undefined) {
    // The file's value breaks the rules: shown as it is, marked, and said why.
    markInvalid(input, problem);
    input.setAttribute('aria-invalid', 'true');
  }
  const parse = (s: string): EditValue | undefined => {
    if (s.trim() === '') return null;
    const n = Number(s);
    return Number.isFinite(n) ? n : undefined;
  };
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      commit(input, parse, path);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      revert(input);
      if (problem === undefined) input.removeAttribute('aria-invalid');
    }
  });
  input.addEventListener('change', () => commit(input, parse, path));
  return input;
}

/** Free text (notes): Ctrl/Cmd+Enter or leaving the field saves it, Escape puts it back. */
export function textField(path: FieldPath, value: string | null, label: string): HTMLTextAreaElement {
  const area = h('textarea', { class: 'text', label, title: `${label} (Ctrl+Enter saves, Escape undoes)`, attrs: { 'data-path': pathKey(path), rows: '6', spellcheck: 'true' } });
  area.value = value ?? '';
  area.dataset.original = area.value;
  const parse = (s: string): EditValue => (s === '' ? null : s);
  area.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      commit(area, parse, path);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      revert(area);
    }
  });
  area.addEventListener('change', () => commit(area, parse, path));
  return area;
}

// ── Links to other entries ───────────────────────────────────────────────────────────────────────

let opener: (id: string) => void = () => undefined;
export const setEntryOpener = (o: (id: string) => void): void => {
  opener = o;
};

/**
 * A name that opens the entry it links to (a spell's `spell_id`, an item's `item_id`), or plain
 * text when it links nowhere. Only the id is sent; the host decides whether to follow it.
 */
export function entryLink(name: string, id: string | null, what: string): Child {
  if (id === null) return name;
  const button = h('button', { class: 'entry-link', title: `Open the ${what} ${name}`, attrs: { type: 'button' } }, name);
  button.addEventListener('click', () => opener(id));
  return button;
}

// ── Layout pieces ────────────────────────────────────────────────────────────────────────────────

let collapsed = new Set<string>();
let onToggle: (collapsed: readonly string[]) => void = () => undefined;
export function setSectionState(initial: readonly string[], changed: (collapsed: readonly string[]) => void): void {
  collapsed = new Set(initial);
  onToggle = changed;
}

/** A collapsible section (a native <details>: Enter or Space on its heading opens and closes it). */
export function section(id: string, title: string, ...children: Child[]): HTMLDetailsElement {
  const d = h('details', { class: `section section-${id}`, attrs: { 'data-section': id } }, h('summary', {}, h('h2', {}, title)), h('div', { class: 'section-body' }, ...children));
  d.open = !collapsed.has(id);
  d.addEventListener('toggle', () => {
    if (d.open === !collapsed.has(id)) return; // the initial state, not a user's toggle
    if (d.open) collapsed.delete(id);
    else collapsed.add(id);
    onToggle([...collapsed]);
  });
  return d;
}

/** A definition list of label → content, skipping empty rows. */
export function facts(rows: readonly (readonly [string, Child])[]): HTMLDListElement | null {
  const kept = rows.filter(([, v]) => v !== null && v !== undefined && v !== false && v !== '');
  if (kept.length === 0) return null;
  return h('dl', { class: 'facts' }, ...kept.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

export function table(caption: string, headers: readonly string[], rows: readonly (readonly Child[])[], foot?: readonly Child[]): HTMLTableElement {
  return h(
    'table',
    {},
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {}, ...headers.map((x) => h('th', { attrs: { scope: 'col' } }, x)))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c, i) => (i === 0 ? h('th', { attrs: { scope: 'row' } }, c) : h('td', {}, c)))))),
    foot ? h('tfoot', {}, h('tr', {}, ...foot.map((c) => h('td', {}, c)))) : null,
  );
}

export const paragraphs = (s: string | null, cls = 'prose'): HTMLElement | null => (s ? h('div', { class: cls }, textOf(s)) : null);
