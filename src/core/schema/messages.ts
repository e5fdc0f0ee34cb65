// Turns Ajv's errors into issues a game master can act on: where (a readable path and a JSON
// pointer) and what is wrong, in plain words, without a flood.
import type { ErrorObject } from 'ajv';
import { escapePointerSegment } from './shape';

export interface SchemaIssue {
  /** JSON pointer to the value, e.g. "/abilities/str"; "" is the whole body. For a missing field it
   *  names where the field belongs, so point a diagnostic at the nearest part that exists. */
  path: string;
  /** One sentence in plain English that says where and what, e.g. "abilities.str must be at most 30". */
  message: string;
  /** The JSON Schema keyword that failed ("maximum", "required", "additionalProperties" …), or
   *  "depth" / "size" / "type" from the pre-check, or "limit" for the "… more problems" line. */
  keyword: string;
}

/** At most this many issues are returned; the last one then says how many more there were. */
export const MAX_ISSUES = 50;

/** Fields the vault keeps beside a body; a body that carries them was probably pasted from an export. */
const SYSTEM_FIELDS = new Set(['id', 'version', 'created_at', 'updated_at', 'deleted_at', 'campaign_id', 'kind']);

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a group of fields',
  null: 'empty',
};

/** 1234567 → "1,234,567". */
export const formatNumber = (n: number): string => {
  if (!Number.isInteger(n) || Math.abs(n) < 1_000) return String(n);
  const digits = String(Math.abs(n));
  let out = '';
  for (let i = 0; i < digits.length; i++) out += (i > 0 && (digits.length - i) % 3 === 0 ? ',' : '') + digits[i];
  return (n < 0 ? '-' : '') + out;
};

/** A user's text, shortened and with invisible characters made visible, in single quotes. */
export function quote(text: string, max = 40): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  // eslint-disable-next-line no-control-regex
  const visible = cut.replace(/[\u0000-\u001f\u007f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g, (c) =>
    c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `'${visible}'`;
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (typeof value === 'string') return value === '' ? 'empty text' : `text ${quote(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'a list';
  return 'a group of fields';
}

function typeWords(types: readonly string[]): string {
  const shown = types.length > 1 ? types.filter((t) => t !== 'null') : types;
  const words = shown.map((t) => (shown.length > 1 && t === 'boolean' ? 'true/false' : (TYPE_WORDS[t] ?? t)));
  return words.length <= 1 ? (words[0] ?? 'something else') : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

/** Optimal-string-alignment distance (a swap of two neighbours counts one), on short strings only. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The candidate a typo most likely meant, if one is close enough. */
export function closest(typed: string, candidates: readonly string[]): string | undefined {
  if (typed.length > 40) return undefined;
  const lower = typed.toLowerCase();
  const same = candidates.find((c) => c.toLowerCase() === lower);
  if (same !== undefined) return same;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const dist = distance(lower, c.toLowerCase());
    if (dist < bestDistance) [best, bestDistance] = [c, dist];
  }
  return bestDistance <= 2 && bestDistance < typed.length / 2 ? best : undefined;
}

const splitPointer = (pointer: string): string[] =>
  pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));

/** "abilities.str", "inventory[2].name", 'skills["sleight of hand"]'; `root` for the whole body. */
export function readablePath(pointer: string, body: unknown, root: string): string {
  let out = '';
  let node: unknown = body;
  for (const segment of splitPointer(pointer)) {
    if (Array.isArray(node) && /^(0|[1-9]\d*)$/.test(segment)) {
      out += `[${segment}]`;
      node = node[Number(segment)];
      continue;
    }
    const shown = segment.length > 60 ? `${segment.slice(0, 60)}…` : segment;
    out += /^[\p{L}\p{N}_-]+$/u.test(segment) ? `${out === '' ? '' : '.'}${shown}` : `[${quote(shown, 60).replace(/^'|'$/g, '"')}]`;
    node = node !== null && typeof node === 'object' && !Array.isArray(node) ? (node as Record<string, unknown>)[segment] : undefined;
  }
  return out === '' ? root : out;
}

interface Described {
  path: string;
  message: string;
}

function describe(e: ErrorObject, body: unknown, label: string): Described {
  const root = `the ${label}`;
  const where = (pointer: string) => readablePath(pointer, body, root);
  const at = e.instancePath;
  const w = where(at);
  const p = e.params as Record<string, unknown>;
  const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
  const limit = typeof p.limit === 'number' ? formatNumber(p.limit) : String(p.limit);
  switch (e.keyword) {
    case 'type': {
      const types = Array.isArray(p.type) ? (p.type as string[]) : String(p.type).split(',');
      return { path: at, message: `${w} must be ${typeWords(types)}, not ${describeValue(e.data)}` };
    }
    case 'required': {
      const field = String(p.missingProperty);
      const path = `${at}/${escapePointerSegment(field)}`;
      return { path, message: `${where(path)} is required` };
    }
    case 'additionalProperties': {
      const field = String(p.additionalProperty);
      const path = `${at}/${escapePointerSegment(field)}`;
      if (at === '' && SYSTEM_FIELDS.has(field)) {
        return { path, message: `${quote(field)} is kept by the vault itself and is not part of ${root}; remove it` };
      }
      const known = Object.keys((parent.properties ?? {}) as object);
      const guess = closest(field, known);
      let message = `unknown field ${quote(field)}${at === '' ? '' : ` in ${w}`}`;
      if (guess !== undefined) message += ` (did you mean ${quote(guess)}?)`;
      else if (at !== '' && known.length > 0 && known.length <= 8) message += ` (allowed: ${known.join(', ')})`;
      if (at === '') message += `; put fields of your own under 'extra', or start their names with 'x-'`;
      return { path, message };
    }
    case 'minimum':
      return { path: at, message: `${w} must be at least ${limit}` };
    case 'maximum':
      return { path: at, message: `${w} must be at most ${limit}` };
    case 'exclusiveMinimum':
      return { path: at, message: `${w} must be more than ${limit}` };
    case 'exclusiveMaximum':
      return { path: at, message: `${w} must be less than ${limit}` };
    case 'multipleOf':
      return { path: at, message: `${w} must be a multiple of ${String(p.multipleOf)}` };
    case 'minLength':
      return { path: at, message: p.limit === 1 ? `${w} must not be empty` : `${w} must be at least ${limit} characters long` };
    case 'maxLength':
      return { path: at, message: `${w} is too long: at most ${limit} characters` };
    case 'minItems':
      return { path: at, message: `${w} must have at least ${limit} ${p.limit === 1 ? 'entry' : 'entries'}` };
    case 'maxItems':
      return { path: at, message: `${w} has too many entries: at most ${limit}` };
    case 'minProperties':
      return { path: at, message: `${w} must have at least ${limit} ${p.limit === 1 ? 'field' : 'fields'}` };
    case 'maxProperties':
      return { path: at, message: `${w} has too many fields: at most ${limit}` };
    case 'enum': {
      const allowed = ((p.allowedValues ?? []) as unknown[]).filter((v) => v !== null).map(String);
      const guess = typeof e.data === 'string' ? closest(e.data, allowed) : undefined;
      return { path: at, message: `${w} must be one of ${allowed.join(', ')}${guess === undefined ? '' : ` (did you mean ${quote(guess)}?)`}` };
    }
    case 'const':
      return { path: at, message: `${w} must be ${describeValue(p.allowedValue)}` };
    case 'format': {
      const example = Array.isArray(parent.examples) && typeof parent.examples[0] === 'string' ? `, like ${parent.examples[0]}` : '';
      const what = p.format === 'date' ? 'a date written as YYYY-MM-DD' : `a valid ${String(p.format)}`;
      return { path: at, message: `${w} must be ${what}${example}` };
    }
    case 'pattern': {
      const why = typeof parent.patternErrorMessage === 'string' ? parent.patternErrorMessage : 'is not written in the expected form';
      return { path: at, message: `${w} ${why}` };
    }
    case 'uniqueItems': {
      const later = Math.max(Number(p.i), Number(p.j));
      const list = Array.isArray(e.data) ? (e.data as unknown[]) : [];
      const item = list[later];
      const what = typeof item === 'string' ? quote(item) : typeof item === 'number' || typeof item === 'boolean' ? String(item) : 'the same entry';
      return { path: `${at}/${later}`, message: `${w} lists ${what} more than once` };
    }
    case 'false schema':
      return { path: at, message: `${w} is not allowed here` };
    default:
      return { path: at, message: `${w} ${e.message ?? 'is not valid'}` };
  }
}

/** Messages about the whole body start "The character …". */
export const capitalize = (s: string) => (s.startsWith('the ') ? `The ${s.slice(4)}` : s);

/** Plain-English issues for Ajv's errors: deduplicated, the most useful first-hand ones, capped. */
export function issuesFromErrors(errors: readonly ErrorObject[], body: unknown, label: string): SchemaIssue[] {
  // A wrong type says it all: drop the other complaints (enum, format, length …) about the same value;
  // so does "must not be empty" for a pattern; and drop the "did not match any alternative" summaries
  // when something more precise was said below.
  const at = (keyword: string) => new Set(errors.filter((e) => e.keyword === keyword).map((e) => e.instancePath));
  const typed = at('type');
  const tooShort = at('minLength');
  const kept = errors.filter((e) => {
    if (e.keyword !== 'type' && typed.has(e.instancePath)) return false;
    if ((e.keyword === 'pattern' || e.keyword === 'format') && tooShort.has(e.instancePath)) return false;
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf') {
      return !errors.some((o) => o !== e && o.instancePath.startsWith(e.instancePath) && o.schemaPath.startsWith(e.schemaPath));
    }
    return true;
  });
  const seen = new Set<string>();
  const all: SchemaIssue[] = [];
  for (const e of kept) {
    const { path, message } = describe(e, body, label);
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    all.push({ path, message: capitalize(message), keyword: e.keyword });
  }
  if (all.length <= MAX_ISSUES) return all;
  const shown = all.slice(0, MAX_ISSUES - 1);
  const more = all.length - shown.length;
  shown.push({ path: '', message: `…and ${formatNumber(more)} more problems like these`, keyword: 'limit' });
  return shown;
}
