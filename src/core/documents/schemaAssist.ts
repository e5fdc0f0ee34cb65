// Help while typing an entry's YAML, from its JSON Schema: which fields fit where the cursor is,
// which values a field takes, and what a field means. Works on half-typed (invalid) documents, so
// the position is read from indentation rather than from a parse. Pure: no `vscode`, no Node.
import type { EntityKind } from '../db/kinds';
import { schemaFor, type JsonSchema } from '../schema';
import { formatNumber } from '../schema/messages';

type Schema = Record<string, unknown>;
export type PathSegment = string | number;

export interface Completion {
  readonly label: string;
  readonly type: 'field' | 'value';
  /** What is inserted (a field gets "label: "). */
  readonly insertText: string;
  /** One line: the field's title and type. */
  readonly detail?: string;
  /** The schema's description. */
  readonly documentation?: string;
}

export interface HoverInfo {
  /** Markdown, made only of schema text (ours, not the user's). */
  readonly markdown: string;
  readonly start: number;
  readonly end: number;
}

const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

function typesOf(s: Schema): string[] {
  const t = s.type;
  return Array.isArray(t) ? t.map(String) : typeof t === 'string' ? [t] : [];
}

/** The alternatives a schema allows (itself, or each branch of anyOf/oneOf). */
function branches(s: Schema): Schema[] {
  const alts = [...(Array.isArray(s.anyOf) ? s.anyOf : []), ...(Array.isArray(s.oneOf) ? s.oneOf : [])].filter(isSchema);
  return alts.length > 0 ? alts.flatMap(branches) : [s];
}

/** The schema of the value at `path` under `root`, or undefined where the schema says nothing. */
export function schemaAt(root: JsonSchema | Schema, path: readonly PathSegment[]): Schema | undefined {
  let current: Schema[] = [root as Schema];
  for (const seg of path) {
    const next: Schema[] = [];
    for (const s of current.flatMap(branches)) {
      if (typeof seg === 'number') {
        if (isSchema(s.items)) next.push(s.items);
      } else {
        const props = isSchema(s.properties) ? s.properties : undefined;
        if (props && isSchema(props[seg])) next.push(props[seg]);
        else if (isSchema(s.additionalProperties)) next.push(s.additionalProperties);
        else if (isSchema(s.patternProperties)) {
          for (const [pattern, sub] of Object.entries(s.patternProperties)) {
            try {
              if (isSchema(sub) && new RegExp(pattern, 'u').test(seg)) next.push(sub);
            } catch {
              // A pattern this engine cannot read matches nothing.
            }
          }
        }
      }
    }
    if (next.length === 0) return undefined;
    current = next;
  }
  return current.length === 1 ? current[0] : { anyOf: current };
}

function typeWords(s: Schema): string {
  const words: Record<string, string> = { string: 'text', integer: 'whole number', number: 'number', boolean: 'true/false', array: 'list', object: 'group', null: '' };
  const all = branches(s).flatMap(typesOf).map((t) => words[t] ?? t).filter((w) => w !== '');
  return [...new Set(all)].join(' or ');
}

function describe(s: Schema): { title?: string; description?: string } {
  const b = branches(s).find((x) => typeof x.title === 'string' || typeof x.description === 'string') ?? s;
  return {
    ...(typeof s.title === 'string' ? { title: s.title } : typeof b.title === 'string' ? { title: b.title } : {}),
    ...(typeof s.description === 'string' ? { description: s.description } : typeof b.description === 'string' ? { description: b.description } : {}),
  };
}

function enumValues(s: Schema): unknown[] {
  const out: unknown[] = [];
  for (const b of branches(s)) {
    if (Array.isArray(b.enum)) out.push(...b.enum);
    if (b.const !== undefined) out.push(b.const);
    if (typesOf(b).includes('boolean')) out.push(true, false);
    // Examples ("Lawful Good" …) are suggestions, offered after the values the schema requires.
    if (Array.isArray(b.examples) && !Array.isArray(b.enum)) out.push(...b.examples.filter((e) => typeof e !== 'object'));
  }
  return [...new Set(out.filter((v) => v !== null))];
}

/** The values a field must take one of (enum, const), not its examples: those are only suggestions. */
function allowedValues(s: Schema): unknown[] {
  const out: unknown[] = [];
  for (const b of branches(s)) {
    if (Array.isArray(b.enum)) out.push(...b.enum);
    if (b.const !== undefined) out.push(b.const);
  }
  return [...new Set(out.filter((v) => v !== null && typeof v !== 'boolean'))];
}

/** The examples of a field that is not a number field ("Lawful Good" …). */
function exampleValues(s: Schema): unknown[] {
  const out: unknown[] = [];
  for (const b of branches(s)) {
    const types = typesOf(b);
    if (Array.isArray(b.enum) || types.includes('integer') || types.includes('number')) continue;
    if (Array.isArray(b.examples)) out.push(...b.examples.filter((e) => e !== null && typeof e !== 'object'));
  }
  return [...new Set(out)];
}

/** "A whole number from 1 to 30.", "A number, at least 0." — what a number field takes, or undefined. */
export function numberRangeText(s: Schema): string | undefined {
  for (const b of branches(s)) {
    const types = typesOf(b);
    const whole = types.includes('integer') && !types.includes('number');
    if (!whole && !types.includes('number')) continue;
    const what = whole ? 'A whole number' : 'A number';
    const min = typeof b.minimum === 'number' ? formatNumber(b.minimum) : undefined;
    const max = typeof b.maximum === 'number' ? formatNumber(b.maximum) : undefined;
    if (min !== undefined && max !== undefined) return `${what} from ${min} to ${max}.`;
    if (min !== undefined) return `${what}, at least ${min}.`;
    if (max !== undefined) return `${what}, at most ${max}.`;
    return `${what}.`;
  }
  return undefined;
}

interface LineInfo {
  readonly indent: number;
  /** The text after the indentation and any "- " markers. */
  readonly content: string;
  /** Columns taken by "- " markers: each starts a list item. */
  readonly dashes: number;
  readonly start: number;
}

function lineInfo(line: string, start: number): LineInfo {
  let i = 0;
  while (i < line.length && line[i] === ' ') i++;
  const indent = i;
  let dashes = 0;
  while (line.startsWith('- ', i) || line.slice(i) === '-') {
    i += 2;
    dashes++;
    while (i < line.length && line[i] === ' ') i++;
  }
  return { indent, content: line.slice(i), dashes, start };
}

const KEY_RE = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"{[][^:#]*?)\s*:(\s|$)/;

function keyOf(content: string): string | undefined {
  const m = KEY_RE.exec(content);
  if (!m) return undefined;
  const raw = m[1]!;
  if (raw.startsWith('"')) {
    try {
      return JSON.parse(raw) as string;
    } catch {
      return undefined;
    }
  }
  if (raw.startsWith("'")) return raw.slice(1, -1).replace(/''/g, "'");
  return raw.trim();
}

/**
 * The path of the mapping (or list) that a line belongs to, read from the indentation of the lines
 * above it. `column` is where the line's content starts (after any "- " markers, `dashes` of them).
 */
function containerPath(lines: readonly string[], lineNo: number, column: number, dashes: number, indent: number): PathSegment[] {
  const path: PathSegment[] = [];
  const zeros = (n: number) => Array.from({ length: n }, () => 0);
  let mode: 'map' | 'seq' = dashes > 0 ? 'seq' : 'map';
  let col = dashes > 0 ? indent : column;
  path.unshift(...zeros(dashes));
  for (let n = lineNo - 1; n >= 0; n--) {
    const raw = lines[n]!;
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) continue;
    const l = lineInfo(raw, 0);
    const c = l.indent + l.dashes * 2;
    const key = keyOf(l.content);
    if (mode === 'map') {
      if (c > col) continue;
      if (c === col) {
        if (l.dashes === 0) continue; // a sibling field
        path.unshift(...zeros(l.dashes)); // the list item that holds this mapping starts here
        mode = 'seq';
        col = l.indent;
        continue;
      }
    } else {
      if (c > col) continue;
      if (l.indent === col && l.dashes > 0) continue; // an earlier item of the same list
      if (l.indent > col) continue;
    }
    // A parent: the field whose value is the current mapping or list.
    if (key !== undefined) path.unshift(key);
    if (l.dashes > 0) {
      path.unshift(...zeros(l.dashes));
      mode = 'seq';
      col = l.indent;
    } else {
      mode = 'map';
      col = c;
    }
    if (col === 0 && mode === 'map') break;
  }
  return path;
}

function splitLines(text: string): { lines: string[]; starts: number[] } {
  const lines = text.split('\n');
  const starts: number[] = [];
  let o = 0;
  for (const l of lines) {
    starts.push(o);
    o += l.length + 1;
  }
  return { lines: lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l)), starts };
}

/** Field names already present in the mapping that line `lineNo` (content at `column`) belongs to. */
function siblingKeys(lines: readonly string[], lineNo: number, column: number, startsItem: boolean): Set<string> {
  const keys = new Set<string>();
  const add = (content: string) => {
    const k = keyOf(content);
    if (k !== undefined) keys.add(k);
  };
  for (let n = lineNo + 1; n < lines.length; n++) {
    const raw = lines[n]!;
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) continue;
    const l = lineInfo(raw, 0);
    const c = l.indent + l.dashes * 2;
    if (c < column || (c === column && l.dashes > 0)) break;
    if (c === column) add(l.content);
  }
  if (startsItem) return keys;
  for (let n = lineNo - 1; n >= 0; n--) {
    const raw = lines[n]!;
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) continue;
    const l = lineInfo(raw, 0);
    const c = l.indent + l.dashes * 2;
    if (c < column) break;
    if (c === column) {
      add(l.content);
      if (l.dashes > 0) break; // the first line of the list item that holds this mapping
    }
  }
  return keys;
}

function yamlScalar(v: unknown): string {
  if (typeof v !== 'string') return String(v);
  return /^[A-Za-z][\w ()'-]*$/.test(v) && !/^(true|false|null|yes|no|on|off|~)$/i.test(v) ? v : JSON.stringify(v);
}

/** What fits at `offset` in the YAML `text` of an entry of `kind`. */
export function completionsAt(kind: EntityKind, text: string, offset: number): Completion[] {
  const root = schemaFor(kind) as Schema;
  const { lines, starts } = splitLines(text);
  let lineNo = starts.findIndex((s, i) => offset >= s && (i === starts.length - 1 || offset < starts[i + 1]!));
  if (lineNo < 0) lineNo = lines.length - 1;
  const line = lines[lineNo] ?? '';
  const before = line.slice(0, offset - starts[lineNo]!);
  const info = lineInfo(before, 0);
  const column = info.indent + info.dashes * 2;
  const path = containerPath(lines, lineNo, column, info.dashes, info.indent);
  const colon = /^([^:#]+?)\s*:\s*(.*)$/.exec(info.content);
  if (colon) {
    // After "key: " — the values that field takes.
    const field = schemaAt(root, [...path, colon[1]!.trim()]);
    if (!field) return [];
    const prefix = colon[2]!.toLowerCase();
    return enumValues(field)
      .map((v) => ({ label: String(v), type: 'value' as const, insertText: yamlScalar(v), detail: describe(field).title ?? colon[1]!.trim() }))
      .filter((c) => c.label.toLowerCase().startsWith(prefix.replace(/^["']/, '')));
  }
  const container = schemaAt(root, path);
  if (!container) return [];
  const present = siblingKeys(lines, lineNo, column, info.dashes > 0);
  const out: Completion[] = [];
  const seen = new Set<string>();
  for (const b of branches(container)) {
    if (!isSchema(b.properties)) continue;
    for (const [key, sub] of Object.entries(b.properties)) {
      if (present.has(key) || seen.has(key) || !isSchema(sub)) continue;
      seen.add(key);
      const d = describe(sub);
      const types = typeWords(sub);
      const group = branches(sub).some((x) => typesOf(x).includes('object') || typesOf(x).includes('array'));
      out.push({
        label: key,
        type: 'field',
        insertText: group ? `${key}:` : `${key}: `,
        ...(d.title || types ? { detail: [d.title, types].filter(Boolean).join(' — ') } : {}),
        ...(d.description ? { documentation: d.description } : {}),
      });
    }
  }
  return out.filter((c) => c.label.toLowerCase().startsWith(info.content.trim().toLowerCase()));
}

/** What the field under `offset` means, when the cursor is on a field name. */
export function hoverAt(kind: EntityKind, text: string, offset: number): HoverInfo | undefined {
  const root = schemaFor(kind) as Schema;
  const { lines, starts } = splitLines(text);
  const lineNo = starts.findIndex((s, i) => offset >= s && (i === starts.length - 1 || offset < starts[i + 1]!));
  if (lineNo < 0) return undefined;
  const line = lines[lineNo]!;
  const info = lineInfo(line, 0);
  const column = info.indent + info.dashes * 2;
  const key = keyOf(info.content);
  if (key === undefined) return undefined;
  const keyStart = starts[lineNo]! + column;
  const keyEnd = keyStart + (KEY_RE.exec(info.content)![1]!.length);
  if (offset < keyStart || offset > keyEnd) return undefined;
  const path = [...containerPath(lines, lineNo, column, info.dashes, info.indent), key];
  const s = schemaAt(root, path);
  if (!s) return undefined;
  const d = describe(s);
  const parts = [`**${d.title ?? key}**${typeWords(s) ? ` — ${typeWords(s)}` : ''}`];
  if (d.description) parts.push(d.description);
  const range = numberRangeText(s);
  if (range !== undefined) parts.push(range);
  const allowed = allowedValues(s);
  if (allowed.length > 0 && allowed.length <= 30) parts.push(`One of: ${allowed.map((v) => `\`${String(v)}\``).join(', ')}`);
  const examples = exampleValues(s);
  if (examples.length > 0 && examples.length <= 30) parts.push(`For example: ${examples.map((v) => `\`${String(v)}\``).join(', ')}`);
  return { markdown: parts.join('\n\n'), start: keyStart, end: keyEnd };
}

/** A scalar value after `key:` on one line, as {@link valueAt} finds it. */
export interface ValueAt {
  /** The path of the field: its container's path, then its key. */
  readonly path: PathSegment[];
  /** The value's text without quotes, from `start` to `end`. */
  readonly text: string;
  /** Offsets of the value in the document, inside any quotes. */
  readonly start: number;
  readonly end: number;
  /** The quote the value is written in, if any. */
  readonly quote?: '"' | "'";
}

/**
 * The one-line value of the field whose line holds `offset`, when `offset` is in (or at the end of)
 * the value part: `location_id: 0193…`, `location_id: "0193…"`, `location_id: ` (empty). Read from
 * indentation like the completions, so it works on half-typed documents.
 */
export function valueAt(text: string, offset: number): ValueAt | undefined {
  const { lines, starts } = splitLines(text);
  const lineNo = starts.findIndex((s, i) => offset >= s && (i === starts.length - 1 || offset < starts[i + 1]!));
  if (lineNo < 0) return undefined;
  const line = lines[lineNo]!;
  const info = lineInfo(line, 0);
  const column = info.indent + info.dashes * 2;
  const m = KEY_RE.exec(info.content);
  const key = keyOf(info.content);
  if (!m || key === undefined) return undefined;
  const lineStart = starts[lineNo]!;
  const col = offset - lineStart;
  const afterColon = column + m[0].length - m[2]!.length;
  if (col < afterColon) return undefined;
  let v = afterColon;
  while (line[v] === ' ') v++;
  let start = v;
  let end: number;
  let quote: '"' | "'" | undefined;
  if (line[v] === '"' || line[v] === "'") {
    quote = line[v] as '"' | "'";
    start = v + 1;
    const close = line.indexOf(quote, start);
    end = close < 0 ? line.length : close;
  } else {
    const comment = /(^|\s)#/.exec(line.slice(v));
    end = v + (comment ? comment.index : line.length - v);
    while (end > start && line[end - 1] === ' ') end--;
    // A value that starts a group or a list, or a block scalar, is not a one-line value.
    if (/^[[{|>&*!]/.test(line.slice(v, end))) return undefined;
  }
  // In the value, or after it over trailing spaces; not in a comment, not past a closing quote.
  if (col > end && (quote !== undefined || line.slice(end, col).trim() !== '')) return undefined;
  const path = [...containerPath(lines, lineNo, column, info.dashes, info.indent), key];
  return { path, text: line.slice(start, end), start: lineStart + start, end: lineStart + end, ...(quote ? { quote } : {}) };
}
