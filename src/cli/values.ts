// Values typed on the command line (`--set level=3`, `--filter is_active=true`) and read from
// YAML files, turned into the plain objects the DataManager takes.
import { parse as parseYaml } from 'yaml';
import type { FilterValue } from '../core/db/repository';

/** An error in how the tool was called: exit code 2, with one sentence for the user. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    /** Whether to point to `campaign-vault help <command>` (not for a missing password). */
    readonly pointToHelp = true,
  ) {
    super(message);
  }
}

/** An input that is not valid (a YAML file, a value): exit code 6, like an invalid entry. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * `true`, `false`, `null` and numbers written the canonical way become those values; a value in
 * double quotes is a JSON string (`"007"` stays text); anything else is text as typed.
 */
export function parseValue(raw: string): FilterValue {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (raw === 'null') return null;
  if (NUMBER.test(raw)) {
    const n = Number(raw);
    if (Number.isFinite(n)) return n;
  }
  if (raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"')) {
    try {
      const s: unknown = JSON.parse(raw);
      if (typeof s === 'string') return s;
    } catch {
      // Not a JSON string: keep it as typed.
    }
  }
  return raw;
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** `key=value` → [path, value]; `option` names the flag for the message. */
export function parseAssignment(text: string, option: string, nested: boolean): [string[], FilterValue] {
  const eq = text.indexOf('=');
  const key = eq < 0 ? text : text.slice(0, eq);
  if (eq < 1 || !KEY.test(key) || (!nested && key.includes('.'))) {
    throw new UsageError(`${option} expects key=value${nested ? ' (key may be a.b for a nested field)' : ''}, not "${text}".`);
  }
  return [key.split('.'), parseValue(text.slice(eq + 1))];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Applies `--set` assignments to `target` (changed in place). A dotted key changes one field of a
 * nested group, keeping its other fields: `base` supplies the group's current value when
 * `target` does not hold it yet (the stored entity, for an update).
 */
export function applyAssignments(target: Record<string, unknown>, assignments: readonly [string[], FilterValue][], base: Record<string, unknown> = {}): void {
  for (const [path, value] of assignments) {
    let obj = target;
    let from: unknown = base;
    for (const [i, key] of path.slice(0, -1).entries()) {
      const existing = Object.hasOwn(obj, key) ? obj[key] : isRecord(from) ? from[key] : undefined;
      if (existing !== undefined && existing !== null && !isRecord(existing)) {
        throw new InputError(`Cannot set ${path.join('.')}: ${path.slice(0, i + 1).join('.')} is not a group of fields.`);
      }
      const copy: Record<string, unknown> = { ...(existing ?? {}) };
      obj[key] = copy;
      obj = copy;
      from = isRecord(from) ? from[key] : undefined;
    }
    obj[path.at(-1)!] = value;
  }
}

/** The text of a YAML (or JSON) file, which must hold one mapping. */
export function parseYamlMapping(text: string, file: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: false, uniqueKeys: true });
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    throw new InputError(`${file} is not valid YAML: ${msg}`);
  }
  if (!isRecord(doc)) throw new InputError(`${file} must hold a mapping of fields (name: …), not ${doc === null || doc === undefined ? 'nothing' : Array.isArray(doc) ? 'a list' : 'a single value'}.`);
  return doc;
}

/** A whole number ≥ 0 given to an option. */
export function parseCount(raw: string | undefined, option: string): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d{1,9}$/.test(raw)) throw new UsageError(`${option} expects a whole number, not "${raw}".`);
  return Number(raw);
}
