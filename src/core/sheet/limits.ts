// Which numbers in a body break the ranges of its schema (Dexterity 99 when the rules stop at 30), in
// words a game master reads on the sheet. The sheet still shows such a number, and everything worked
// out from it, but marks them (docs/SHEET.md): an impossible value is never shown as if it were fine.
import { formatNumber, quote } from '../schema/messages';
import { schemaFor, type JsonSchema } from '../schema/kinds';
import type { SheetKind } from './edit';
import type { FieldPath } from './model';

type Schema = Readonly<Record<string, unknown>>;

const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);
const typesOf = (s: Schema): string[] => (Array.isArray(s.type) ? s.type.map(String) : typeof s.type === 'string' ? [s.type] : []);

/** The key the sheet (and its webview) uses for a field: the JSON of its path. */
export const problemKey = (path: FieldPath): string => JSON.stringify(path);

/** How deep a body is walked: deeper than any numeric field of the character or NPC schema. */
const MAX_WALK_DEPTH = 8;

function child(s: Schema, seg: string | number): Schema | undefined {
  if (typeof seg === 'number') return isSchema(s.items) ? s.items : undefined;
  const props = isSchema(s.properties) ? s.properties : undefined;
  return props && Object.hasOwn(props, seg) && isSchema(props[seg]) ? props[seg] : undefined;
}

/** Titles used by more than one group (every slot level has "Slots used"): those get their group's title too. */
const sharedTitles = new Map<SheetKind, Set<string>>();
function shared(kind: SheetKind): Set<string> {
  let found = sharedTitles.get(kind);
  if (found) return found;
  const parents = new Map<string, Set<string>>();
  const visit = (s: Schema, parent: string, depth: number) => {
    if (depth > MAX_WALK_DEPTH) return;
    if (typeof s.title === 'string') parents.set(s.title, (parents.get(s.title) ?? new Set()).add(parent));
    const title = typeof s.title === 'string' ? s.title : parent;
    if (isSchema(s.properties)) for (const sub of Object.values(s.properties)) if (isSchema(sub)) visit(sub, title, depth + 1);
    if (isSchema(s.items)) visit(s.items, title, depth + 1);
  };
  visit(schemaFor(kind) as Schema, '', 0);
  found = new Set([...parents].filter(([, p]) => p.size > 1).map(([t]) => t));
  sharedTitles.set(kind, found);
  return found;
}

function label(kind: SheetKind, leaf: Schema, parent: Schema | undefined, path: FieldPath): string {
  const own = typeof leaf.title === 'string' ? leaf.title : String(path[path.length - 1]);
  const group = parent && parent !== schemaFor(kind) && typeof parent.title === 'string' ? parent.title : undefined;
  return group !== undefined && shared(kind).has(own) ? `${group}: ${own}` : own;
}

const describeValue = (v: unknown): string =>
  typeof v === 'string' ? `text ${quote(v)}` : typeof v === 'boolean' ? String(v) : Array.isArray(v) ? 'a list' : 'a group of fields';

/** Why `value` does not fit a numeric field's schema, or undefined when it fits (or is not a number field). */
export function rangeProblem(name: string, s: Schema, value: unknown): string | undefined {
  const types = typesOf(s);
  const whole = types.includes('integer') && !types.includes('number');
  if (!whole && !types.includes('number')) return undefined;
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'number') {
    // A field that also takes text or a group (speed: 30 or {walk: 30}) is not a number field for this value.
    const other = typeof value === 'string' ? 'string' : typeof value === 'boolean' ? 'boolean' : Array.isArray(value) ? 'array' : 'object';
    if (types.includes(other)) return undefined;
    return `${name} must be ${whole ? 'a whole number' : 'a number'}, not ${describeValue(value)}`;
  }
  const n = formatNumber(value);
  if (whole && !Number.isInteger(value)) return `${name} ${n} is not a whole number`;
  if (typeof s.maximum === 'number' && value > s.maximum) return `${name} ${n} is above ${formatNumber(s.maximum)}, the most the rules allow`;
  if (typeof s.minimum === 'number' && value < s.minimum) return `${name} ${n} is below ${formatNumber(s.minimum)}, the least the rules allow`;
  return undefined;
}

/**
 * Every number field of a character or NPC body whose value breaks its schema's type or range, by
 * `problemKey(path)`: "Dexterity 99 is above 30, the most the rules allow". Only fields the schema
 * describes are looked at (not `extra` or `x-` fields).
 */
export function numberProblems(kind: SheetKind, body: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (value: unknown, s: Schema, parent: Schema | undefined, path: (string | number)[]) => {
    if (path.length > 0 && value !== null && (typesOf(s).includes('integer') || typesOf(s).includes('number'))) {
      const problem = rangeProblem(label(kind, s, parent, path), s, value);
      if (problem !== undefined) out[problemKey(path)] = problem;
    }
    if (path.length >= MAX_WALK_DEPTH || typeof value !== 'object' || value === null) return;
    if (Array.isArray(value)) {
      if (!typesOf(s).includes('array')) return;
      value.forEach((v, i) => {
        const sub = child(s, i);
        if (sub) walk(v, sub, s, [...path, i]);
      });
      return;
    }
    if (!typesOf(s).includes('object')) return;
    for (const [k, v] of Object.entries(value)) {
      const sub = child(s, k);
      if (sub) walk(v, sub, s, [...path, k]);
    }
  };
  walk(body, schemaFor(kind) as JsonSchema as Schema, undefined, []);
  return out;
}

/** The distinct reasons among `reasons`, as one sentence, or undefined when there are none. */
export function because(...reasons: readonly (string | undefined)[]): string | undefined {
  const kept = [...new Set(reasons.filter((r): r is string => r !== undefined))];
  return kept.length === 0 ? undefined : kept.join('; ');
}
