// How entities are shown: YAML for one (ready to edit and give back with `update --replace
// --file`), a table for many, JSON for scripts.
import { stringify } from 'yaml';
import { KINDS, SYSTEM_FIELDS, type EntityKind } from '../core/db/kinds';
import type { Entity } from '../core/db/repository';

/** The entity with its name first, then the body, then the system fields. */
export function ordered(e: Entity): Record<string, unknown> {
  const out: Record<string, unknown> = { name: e.name };
  for (const [k, v] of Object.entries(e)) if (k !== 'name' && !(SYSTEM_FIELDS as readonly string[]).includes(k)) out[k] = v;
  for (const k of SYSTEM_FIELDS) if (k in e) out[k] = e[k];
  return out;
}

export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0 });
}

export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function cell(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  const flat = Array.from(s, (c) => (c < ' ' || (c >= '\u007f' && c <= '\u009f') ? ' ' : c)).join('');
  return flat.length > 40 ? `${flat.slice(0, 39)}…` : flat;
}

/** A plain-text table: NAME, ID, the kind's indexed columns (and DELETED for the trash). */
export function table(kind: EntityKind, rows: readonly Entity[], opts: { deleted?: boolean } = {}): string {
  const columns = ['name', 'id', ...Object.keys(KINDS[kind].columns).filter((c) => !c.endsWith('_id') && c !== 'hash'), ...(opts.deleted ? ['deleted_at'] : [])];
  const cells = [columns.map((c) => (c === 'deleted_at' ? 'DELETED' : c.toUpperCase())), ...rows.map((r) => columns.map((c) => cell(r[c])))];
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => Array.from(row[i]!).length)));
  return cells.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c + ' '.repeat(widths[i]! - Array.from(c).length))).join('  ').trimEnd()).join('\n') + '\n';
}
