// The fields of an entry that hold another entry's id (`location_id`, `parent_id`, `spell_id` …):
// declared once here, next to the schemas, and used by the editor (completion by name, hovers,
// unresolved-id warnings), the sheet (links to spells and items) and the importer (ids remapped on
// import). A unit test checks that every `*_id` property of every schema is listed. Pure.
import type { EntityKind } from './kinds';

export interface ReferenceField {
  /** The kind whose body holds the field. */
  readonly kind: EntityKind;
  /** A JSON pointer; a `*` segment stands for every position of a list (`/inventory/*` then `/item_id`). */
  readonly pointer: string;
  /** The kind of the entry the id names. */
  readonly target: EntityKind;
  /** The vault requires the target to be in the same campaign (a location's parent). */
  readonly sameCampaign?: boolean;
}

export const REFERENCE_FIELDS: readonly ReferenceField[] = Object.freeze([
  { kind: 'npc', pointer: '/location_id', target: 'location' },
  { kind: 'npc', pointer: '/portrait_asset_id', target: 'asset' },
  { kind: 'npc', pointer: '/statblock/spellcasting/spells/*/spell_id', target: 'spell' },
  { kind: 'character', pointer: '/portrait_asset_id', target: 'asset' },
  { kind: 'character', pointer: '/spells/known/*/spell_id', target: 'spell' },
  { kind: 'character', pointer: '/inventory/*/item_id', target: 'item' },
  { kind: 'location', pointer: '/parent_id', target: 'location', sameCampaign: true },
  { kind: 'location', pointer: '/map_asset_id', target: 'asset' },
  { kind: 'rulebook', pointer: '/asset_id', target: 'asset' },
] satisfies ReferenceField[]);

const segmentsOf = (pointer: string) => pointer.split('/').slice(1);

/** The reference field at `path` (keys and list positions) of a body of `kind`, if it is one. */
export function referenceFieldAt(kind: EntityKind, path: readonly (string | number)[]): ReferenceField | undefined {
  return REFERENCE_FIELDS.find((f) => {
    if (f.kind !== kind) return false;
    const segs = segmentsOf(f.pointer);
    return segs.length === path.length && segs.every((s, i) => (s === '*' ? typeof path[i] === 'number' : s === path[i]));
  });
}

export interface ReferenceValue {
  readonly field: ReferenceField;
  /** The JSON pointer of this value: `/spells/known/3/spell_id`. */
  readonly pointer: string;
  readonly id: string;
}

/** Every id a body of `kind` holds in its reference fields (non-empty strings only), in field order. */
export function referencesIn(kind: EntityKind, body: unknown): ReferenceValue[] {
  const out: ReferenceValue[] = [];
  for (const field of REFERENCE_FIELDS) {
    if (field.kind !== kind) continue;
    const segs = segmentsOf(field.pointer);
    const walk = (v: unknown, i: number, pointer: string) => {
      if (i === segs.length) {
        if (typeof v === 'string' && v !== '') out.push({ field, pointer, id: v });
        return;
      }
      const s = segs[i]!;
      if (s === '*') {
        if (Array.isArray(v)) v.forEach((x, n) => walk(x, i + 1, `${pointer}/${n}`));
      } else if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.hasOwn(v, s)) {
        walk((v as Record<string, unknown>)[s], i + 1, `${pointer}/${s}`);
      }
    };
    walk(body, 0, '');
  }
  return out;
}
