// The entity kinds and their JSON Schemas (schemas/<kind>.schema.json, bundled as JSON).
import assetSchema from '../../../schemas/asset.schema.json';
import campaignSchema from '../../../schemas/campaign.schema.json';
import characterSchema from '../../../schemas/character.schema.json';
import itemSchema from '../../../schemas/item.schema.json';
import locationSchema from '../../../schemas/location.schema.json';
import npcSchema from '../../../schemas/npc.schema.json';
import rulebookSchema from '../../../schemas/rulebook.schema.json';
import sessionSchema from '../../../schemas/session.schema.json';
import spellSchema from '../../../schemas/spell.schema.json';

export type EntityKind = 'campaign' | 'character' | 'npc' | 'session' | 'location' | 'item' | 'spell' | 'rulebook' | 'asset';

export const ENTITY_KINDS: readonly EntityKind[] = Object.freeze([
  'campaign',
  'character',
  'npc',
  'session',
  'location',
  'item',
  'spell',
  'rulebook',
  'asset',
]);

/** A JSON Schema document, as parsed from JSON. Read-only: the validator compiled from it is cached. */
export type JsonSchema = Readonly<Record<string, unknown>>;

const SCHEMAS: Record<EntityKind, JsonSchema> = {
  campaign: campaignSchema,
  character: characterSchema,
  npc: npcSchema,
  session: sessionSchema,
  location: locationSchema,
  item: itemSchema,
  spell: spellSchema,
  rulebook: rulebookSchema,
  asset: assetSchema,
};

/** The word for one entity of each kind in messages ("the character has …"). */
export const KIND_LABELS: Readonly<Record<EntityKind, string>> = Object.freeze({
  campaign: 'campaign',
  character: 'character',
  npc: 'NPC',
  session: 'session',
  location: 'location',
  item: 'item',
  spell: 'spell',
  rulebook: 'rulebook',
  asset: 'asset',
});

export function isEntityKind(value: unknown): value is EntityKind {
  return typeof value === 'string' && (ENTITY_KINDS as readonly string[]).includes(value);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** The JSON Schema for a kind's body (deeply frozen: the same object the validator was built from). */
export function schemaFor(kind: EntityKind): JsonSchema {
  const schema = SCHEMAS[kind];
  if (schema === undefined) throw new TypeError(`unknown entity kind ${JSON.stringify(kind)}`);
  return deepFreeze(schema);
}
