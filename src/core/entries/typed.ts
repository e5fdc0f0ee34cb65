/** The seed's typed methods per kind (createCampaign, listCampaigns, updateCharacter, …), over the generic ones. */
import { ENTITY_KINDS, type EntityKind } from '../db/kinds';
import type { Entity, ListQuery } from '../db/repository';
import type { UpdateOptions } from './service';

const SINGULAR = {
  campaign: 'Campaign',
  character: 'Character',
  npc: 'Npc',
  session: 'Session',
  location: 'Location',
  item: 'Item',
  spell: 'Spell',
  rulebook: 'Rulebook',
  asset: 'Asset',
} as const satisfies Record<EntityKind, string>;

type Singular = (typeof SINGULAR)[EntityKind];

export type TypedMethods = {
  [S in Singular as `create${S}`]: (input: Record<string, unknown>) => Promise<Entity>;
} & {
  [S in Singular as `get${S}`]: (idOrName: string, opts?: { campaign_id?: string | null }) => Promise<Entity | undefined>;
} & {
  [S in Singular as `update${S}`]: (id: string, changes: Record<string, unknown>, opts?: UpdateOptions) => Promise<Entity>;
} & {
  [S in Singular as `delete${S}`]: (id: string, opts?: UpdateOptions) => Promise<Entity>;
} & {
  [S in Singular as `restore${S}`]: (id: string, opts?: UpdateOptions) => Promise<Entity>;
} & {
  [S in Singular as `list${S}s`]: (query?: ListQuery) => Promise<Entity[]>;
};

/** The generic methods the typed ones call. */
interface GenericMethods {
  create(kind: EntityKind, input: Record<string, unknown>): Promise<Entity>;
  get(kind: EntityKind, idOrName: string, opts?: { campaign_id?: string | null }): Promise<Entity | undefined>;
  update(kind: EntityKind, id: string, changes: Record<string, unknown>, opts?: UpdateOptions): Promise<Entity>;
  delete(kind: EntityKind, id: string, opts?: UpdateOptions): Promise<Entity>;
  restore(kind: EntityKind, id: string, opts?: UpdateOptions): Promise<Entity>;
  list(kind: EntityKind, query?: ListQuery): Promise<Entity[]>;
}

/** Installs {@link TypedMethods} on a class's prototype. */
export function installTypedMethods(prototype: GenericMethods): void {
  const proto = prototype as unknown as Record<string, unknown>;
  for (const kind of ENTITY_KINDS) {
    const name: Singular = SINGULAR[kind];
    proto[`create${name}`] = function (this: GenericMethods, input: Record<string, unknown>) {
      return this.create(kind, input);
    };
    proto[`get${name}`] = function (this: GenericMethods, idOrName: string, opts?: { campaign_id?: string | null }) {
      return this.get(kind, idOrName, opts);
    };
    proto[`update${name}`] = function (this: GenericMethods, id: string, changes: Record<string, unknown>, opts?: UpdateOptions) {
      return this.update(kind, id, changes, opts);
    };
    proto[`delete${name}`] = function (this: GenericMethods, id: string, opts?: UpdateOptions) {
      return this.delete(kind, id, opts);
    };
    proto[`restore${name}`] = function (this: GenericMethods, id: string, opts?: UpdateOptions) {
      return this.restore(kind, id, opts);
    };
    proto[`list${name}s`] = function (this: GenericMethods, query?: ListQuery) {
      return this.list(kind, query);
    };
  }
}
