import { SYSTEM_FIELDS } from '../db/kinds';

/** Fields that hold no prose worth finding: ids, hashes, media types. */
const SKIP = new Set<string>([...SYSTEM_FIELDS, 'name', 'hash', 'mime', 'asset_type', 'tags']);
const MAX_DEPTH = 8;
/** Text kept per entity, so one enormous body cannot swell the index. */
export const MAX_TEXT = 20_000;

/**
 * The searchable text of an entity's body: every string value (description, notes, biography,
 * features, a stat block's traits and actions…), depth first in field order, one per line. Ids
 * (`*_id`), hashes and media types are left out; so are the name and tags, indexed on their own.
 */
export function entityText(entity: Readonly<Record<string, unknown>>): string {
  const parts: string[] = [];
  let size = 0;
  const visit = (value: unknown, depth: number): void => {
    if (size >= MAX_TEXT || depth > MAX_DEPTH) return;
    if (typeof value === 'string') {
      const s = value.trim();
      if (s) {
        parts.push(s);
        size += s.length + 1;
      }
    } else if (Array.isArray(value)) {
      for (const v of value) visit(v, depth + 1);
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) if (!k.endsWith('_id') && k !== 'id') visit(v, depth + 1);
    }
  };
  for (const [k, v] of Object.entries(entity)) if (!SKIP.has(k) && !k.endsWith('_id')) visit(v, 0);
  const text = parts.join('\n');
  return text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text;
}

/** The entity's tags as one string, when it has any. */
export function entityTags(entity: Readonly<Record<string, unknown>>): string {
  return Array.isArray(entity.tags) ? entity.tags.filter((t): t is string => typeof t === 'string').join(' ') : '';
}

/** Folds a term for matching: NFD without combining marks (so "eowyn" finds "Éowyn"), lower case. */
export function foldTerm(term: string): string {
  return term.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase();
}

/**
 * About `width` characters of `text` around the first place one of `terms` (folded) occurs, white
 * space collapsed, with … where it was cut. The start of the text when no term is found.
 */
export function snippet(text: string, terms: readonly string[], width = 90): string {
  const flat = text.replace(/\s+/gu, ' ').trim();
  // Fold character by character so positions in the folded text map back to `flat`.
  let folded = '';
  const origin: number[] = [];
  for (let i = 0; i < flat.length; ) {
    const ch = String.fromCodePoint(flat.codePointAt(i)!);
    const f = foldTerm(ch);
    for (let k = 0; k < f.length; k++) origin.push(i);
    folded += f;
    i += ch.length;
  }
  let at = -1;
  for (const t of terms) {
    const found = t ? folded.indexOf(t) : -1;
    if (found >= 0 && (at < 0 || found < at)) at = found;
  }
  const hit = at < 0 ? 0 : origin[at]!;
  let start = Math.max(0, hit - Math.floor(width / 3));
  if (start > 0) {
    const space = flat.indexOf(' ', start);
    if (space >= 0 && space < hit) start = space + 1;
  }
  const end = Math.min(flat.length, start + width);
  return `${start > 0 ? '…' : ''}${flat.slice(start, end)}${end < flat.length ? '…' : ''}`;
}
