/**
 * The entity kinds and how each maps to its table: which body fields are copied into indexed
 * columns (for filters and sorting) and whether an entity belongs to a campaign.
 */
import { ENTITY_KINDS, type EntityKind } from '../schema/kinds';

export { ENTITY_KINDS, isEntityKind, type EntityKind } from '../schema/kinds';

export type ColumnType = 'text' | 'integer' | 'boolean';

export interface KindSpec {
  readonly kind: EntityKind;
  readonly table: string;
  /** For messages and command titles. */
  readonly label: string;
  readonly plural: string;
  /** `required`: belongs to one campaign; `optional`: a campaign's or the shared library's. */
  readonly scope: 'none' | 'required' | 'optional';
  /** Body fields mirrored into columns of the same name. */
  readonly columns: Readonly<Record<string, ColumnType>>;
}

const spec = (kind: EntityKind, table: string, label: string, plural: string, scope: KindSpec['scope'], columns: KindSpec['columns']): KindSpec => ({
  kind,
  table,
  label,
  plural,
  scope,
  columns,
});

export const KINDS: Readonly<Record<EntityKind, KindSpec>> = {
  campaign: spec('campaign', 'campaigns', 'campaign', 'campaigns', 'none', { system: 'text', status: 'text', is_active: 'boolean' }),
  character: spec('character', 'characters', 'character', 'characters', 'required', { player: 'text', class: 'text', level: 'integer' }),
  npc: spec('npc', 'npcs', 'NPC', 'NPCs', 'required', { role: 'text' }),
  session: spec('session', 'sessions', 'session', 'sessions', 'required', { number: 'integer', date: 'text', status: 'text' }),
  location: spec('location', 'locations', 'location', 'locations', 'required', { type: 'text', parent_id: 'text' }),
  item: spec('item', 'items', 'item', 'items', 'optional', { type: 'text', rarity: 'text' }),
  spell: spec('spell', 'spells', 'spell', 'spells', 'optional', { level: 'integer', school: 'text' }),
  rulebook: spec('rulebook', 'rulebooks', 'rulebook', 'rulebooks', 'optional', { system: 'text', page_count: 'integer', asset_id: 'text' }),
  asset: spec('asset', 'assets', 'asset', 'assets', 'optional', { asset_type: 'text', mime: 'text', size: 'integer', hash: 'text' }),
};

/** Accepts "campaign", "campaigns", "NPCs"… */
export function parseKind(value: string): EntityKind | undefined {
  const v = value.toLowerCase();
  return ENTITY_KINDS.find((k) => k === v || KINDS[k].table === v || KINDS[k].plural.toLowerCase() === v);
}

/** The fields every entity has that are not part of its body. */
export const SYSTEM_FIELDS = ['id', 'kind', 'campaign_id', 'version', 'created_at', 'updated_at', 'deleted_at'] as const;

/** An entity's body: its fields without the vault's own ({@link SYSTEM_FIELDS}). */
export function bodyOf(entity: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(entity)) if (!(SYSTEM_FIELDS as readonly string[]).includes(k)) out[k] = v;
  return out;
}
