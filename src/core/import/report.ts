// The loss report: everything an import could not carry over as it was. Every source field an
// importer does not read ends up here (found by the Tracker below, not by each importer
// remembering to say so), together with the values it had to convert, the links it could not
// resolve and what it did about name conflicts.

export type LossKind =
  /** A source field with no home in the vault. */
  | 'unmapped'
  /** A source field kept as it was under the body's `extra`. */
  | 'kept-in-extra'
  /** A value changed on the way in (HTML → Markdown, kg → lb, an unknown value → "other" …). */
  | 'converted'
  /** A reference (a spell by name, a parent location by id …) with nothing to point to. */
  | 'unresolved-link'
  /** An entry not imported, or imported under another name, because of a name or id conflict. */
  | 'skipped'
  | 'renamed'
  | 'replaced'
  /**
   * Left out by design: a tool's bookkeeping (ids, images, sort order, permissions, its own flags,
   * token and roll settings) and values the vault works out itself. Summaries fold these into one line.
   */
  | 'ignored';

export interface LossEntry {
  readonly kind: LossKind;
  /** The file the entry came from (as the caller named it). */
  readonly file: string;
  /** The entity it concerns, e.g. `character "Zanna"`. */
  readonly entity?: string;
  /**
   * Where in the source: a path like `system.attributes.hp.tempmax`, with list positions written
   * `[]` and Foundry's random ids `*` so that one line stands for all alike (see `count`).
   */
  readonly path: string;
  /** What happened, in words: "HTML → Markdown", "'Sorcery' is not a rarity → left out" … */
  readonly detail?: string;
  /** How many source values this line stands for. */
  count: number;
  /** One concrete path (with real positions) of those counted. */
  readonly example?: string;
}

export interface ImportReport {
  readonly entries: LossEntry[];
}

/** Collects loss entries, folding alike ones (same file, entity, kind, path and detail) into one. */
export class ReportBuilder {
  private readonly byKey = new Map<string, LossEntry>();
  readonly entries: LossEntry[] = [];

  add(entry: Omit<LossEntry, 'count'> & { count?: number }): void {
    const key = JSON.stringify([entry.kind, entry.file, entry.entity ?? '', entry.path, entry.detail ?? '']);
    const seen = this.byKey.get(key);
    if (seen) {
      seen.count += entry.count ?? 1;
      return;
    }
    const e: LossEntry = { ...entry, count: entry.count ?? 1 };
    this.byKey.set(key, e);
    this.entries.push(e);
  }

  merge(entries: readonly LossEntry[]): void {
    for (const e of entries) this.add(e);
  }

  report(): ImportReport {
    return { entries: this.entries };
  }
}

/** The order of a summary: what a game master would miss first, what was left out by design last. */
const SUMMARY_ORDER: LossKind[] = ['unmapped', 'unresolved-link', 'converted', 'kept-in-extra', 'skipped', 'renamed', 'replaced', 'ignored'];

/**
 * A human summary: counts per kind, then the lines themselves (at most `max`), leading with the
 * source fields that carry game content and found no place (the most values first); the fields
 * ignored by design are one line with their count.
 */
export function summarizeReport(report: ImportReport, max = 40): string[] {
  if (report.entries.length === 0) return ['Nothing was lost or changed on the way in.'];
  const counts = new Map<LossKind, number>();
  for (const e of report.entries) counts.set(e.kind, (counts.get(e.kind) ?? 0) + e.count);
  const shown = report.entries.filter((e) => e.kind !== 'ignored');
  const rank = (e: LossEntry) => SUMMARY_ORDER.indexOf(e.kind);
  shown.sort((a, b) => rank(a) - rank(b) || (a.kind === 'unmapped' ? b.count - a.count : 0));
  const ignored = report.entries.filter((e) => e.kind === 'ignored');
  const kinds = SUMMARY_ORDER.filter((k) => counts.has(k)).map((k) => `${counts.get(k)} ${k === 'ignored' ? 'ignored by design' : k}`);
  const lines = [`Loss report: ${kinds.join(', ')} (${shown.length + (ignored.length > 0 ? 1 : 0)} lines).`];
  for (const e of shown.slice(0, max)) {
    lines.push(`  ${e.kind.padEnd(15)} ${e.file}${e.entity ? ` ${e.entity}` : ''}: ${e.path}${e.count > 1 ? ` (×${e.count})` : ''}${e.detail ? ` — ${e.detail}` : ''}`);
  }
  if (shown.length > max) lines.push(`  …and ${shown.length - max} more lines (--json or --report <file> for all).`);
  if (ignored.length > 0) {
    const files = new Set(ignored.map((e) => e.file)).size;
    const total = counts.get('ignored') ?? 0;
    lines.push(`  ignored by design: ${total} value${total === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'} — ${[...new Set(ignored.map((e) => e.detail ?? e.path))].slice(0, 3).join('; ')}`);
  }
  return lines;
}

// ── paths ─────────────────────────────────────────────────────────────────────────────────────

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  const k = PLAIN_KEY.test(key) ? key : JSON.stringify(key);
  return parent === '' ? k : PLAIN_KEY.test(key) ? `${parent}.${k}` : `${parent}[${k}]`;
}

/** Foundry document ids (16 letters and digits, with at least one digit) and activity ids. */
const RANDOM_ID = /(^|\.)((?=[A-Za-z0-9]{16}(\.|\[|$))(?=[A-Za-z]*\d)[A-Za-z0-9]{16}|dnd5eactivity\d+)(?=\.|\[|$)/g;

/** `items[3].system.activities.dnd5eactivity000.type` → `items[].system.activities.*.type`. */
export function pathPattern(path: string): string {
  return path
    .replace(/\[\d+\]/g, '[]')
    .replace(RANDOM_ID, '$1*')
    .replace(/^((?:\[\])?\.?system\.(?:skills|abilities|tools|spells))\.\w+/, '$1.*');
}

// ── the tracker ───────────────────────────────────────────────────────────────────────────────

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Empty values are not data: null, "", [] and {} are not reported when left behind. */
function isEmpty(v: unknown): boolean {
  if (v === null || v === undefined || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isObject(v)) return Object.keys(v).length === 0;
  return false;
}

/**
 * Records which parts of a parsed source an importer reads. `wrap` gives a read-through view in
 * which every property read marks its path; `plain` turns a draft body (which may hold such views)
 * into plain data and marks whatever it copies as carried over; `unused` lists what is left.
 */
export class Tracker {
  private readonly used = new Set<string>();
  private readonly visited = new Set<string>(['']);
  private readonly paths = new WeakMap<object, string>();
  /** The path of the last plain value read through a view (for messages about that value). */
  lastRead = '';

  constructor(private readonly root: unknown) {}

  /** The root, as a tracking view (primitives as they are). */
  view<T = unknown>(): T {
    return this.wrap(this.root, '') as T;
  }

  private wrap(value: unknown, path: string): unknown {
    if (!isObject(value)) return value;
    const proxy = new Proxy(value, {
      get: (target, prop, receiver) => {
        if (typeof prop === 'symbol' || !Object.hasOwn(target, prop)) return Reflect.get(target, prop, receiver) as unknown;
        const v = (target as Record<string, unknown>)[prop];
        const p = childPath(path, Array.isArray(target) && /^\d+$/.test(prop) ? Number(prop) : prop);
        if (isObject(v)) {
          this.visited.add(p);
          return this.wrap(v, p);
        }
        this.used.add(p);
        this.lastRead = p;
        return v;
      },
    });
    this.paths.set(proxy, path);
    return proxy;
  }

  /** The source path of a tracking view (undefined for plain values). */
  pathOf(v: unknown): string | undefined {
    return isObject(v) ? this.paths.get(v) : undefined;
  }

  /** Marks a view's whole subtree as carried over (or as accounted for by a report line). */
  consume(v: unknown): void {
    const p = this.pathOf(v);
    if (p !== undefined) this.used.add(p);
  }

  /** A deep plain copy of `value`; tracking views inside it are marked as carried over. */
  plain<T>(value: T): T {
    return this.copy(value, 0) as T;
  }

  private copy(value: unknown, depth: number): unknown {
    if (!isObject(value)) return value;
    if (depth > 200) throw new RangeError('nested too deeply');
    const p = this.paths.get(value);
    if (p !== undefined) {
      this.used.add(p);
      // Copying through the view marks nothing new: its whole path is marked already.
      return structuredCloneJson(value);
    }
    if (Array.isArray(value)) return value.map((x) => this.copy(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = this.copy(v, depth + 1);
    return out;
  }

  /**
   * What no one read: one line per untouched subtree (with its number of values) or leaf, below
   * `base` (a path; '' for everything). Iterative, so deep sources cannot overflow the stack.
   */
  unused(base = ''): { path: string; count: number; value?: unknown }[] {
    const out: { path: string; count: number; value?: unknown }[] = [];
    const start = base === '' ? this.root : this.rawAt(base);
    const stack: [string, unknown][] = [[base, start]];
    while (stack.length > 0) {
      const [path, v] = stack.pop()!;
      if (this.used.has(path) || isEmpty(v)) continue;
      if (!isObject(v)) {
        out.push({ path, count: 1, value: v });
        continue;
      }
      if (!this.visited.has(path)) {
        const n = countValues(v);
        if (n > 0) out.push({ path, count: n });
        continue;
      }
      const entries: [string, unknown][] = Array.isArray(v) ? v.map((x, i) => [childPath(path, i), x]) : Object.entries(v).map(([k, x]) => [childPath(path, k), x]);
      for (let i = entries.length - 1; i >= 0; i--) stack.push(entries[i]!);
    }
    return out;
  }

  private rawAt(path: string): unknown {
    let found: unknown;
    const stack: [string, unknown][] = [['', this.root]];
    while (stack.length > 0 && found === undefined) {
      const [p, v] = stack.pop()!;
      if (p === path) found = v;
      else if (isObject(v) && (path.startsWith(`${p}.`) || path.startsWith(`${p}[`) || p === '')) {
        for (const [k, x] of Object.entries(v)) stack.push([childPath(p, Array.isArray(v) ? Number(k) : k), x]);
      }
    }
    return found;
  }
}

/** A deep copy of plain JSON data (read through a view if it is one), bounded in depth. */
function structuredCloneJson(v: unknown, depth = 0): Json {
  if (!isObject(v)) return v as Json;
  if (depth > 200) throw new RangeError('nested too deeply');
  if (Array.isArray(v)) return v.map((x) => structuredCloneJson(x, depth + 1));
  const out: Record<string, Json> = {};
  for (const k of Object.keys(v)) out[k] = structuredCloneJson(v[k], depth + 1);
  return out;
}

/** Non-empty leaves below `v`, counted iteratively (stops counting at 100,000). */
function countValues(v: unknown): number {
  let n = 0;
  const stack: unknown[] = [v];
  while (stack.length > 0 && n < 100_000) {
    const x = stack.pop();
    if (isEmpty(x)) continue;
    if (isObject(x)) stack.push(...Object.values(x));
    else n++;
  }
  return n;
}
