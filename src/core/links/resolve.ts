import type { EntityKind } from '../db/kinds';

/** What the resolver needs of an entity. */
export interface EntitySummary {
  readonly id: string;
  readonly kind: EntityKind;
  readonly name: string;
  /** The campaign it belongs to; null or absent for the shared library (and for campaigns). */
  readonly campaign_id?: string | null;
}

/**
 * Where the target was found, from the linking document's point of view: in its own campaign, in
 * the shared library (or a campaign itself), or in another campaign.
 */
export type LinkScope = 'campaign' | 'library' | 'elsewhere';

export type Resolution<E extends EntitySummary = EntitySummary> =
  | { readonly status: 'resolved'; readonly entity: E; readonly scope: LinkScope }
  | { readonly status: 'ambiguous'; readonly candidates: readonly E[]; readonly scope: LinkScope }
  | { readonly status: 'unresolved' };

/**
 * The key names are compared by: NFC, case-folded (upper then lower case, so `ß` matches `SS`),
 * runs of white space as one space, trimmed.
 */
export function nameKey(name: string): string {
  return name.normalize('NFC').toUpperCase().toLowerCase().normalize('NFC').replace(/\s+/gu, ' ').trim();
}

function scopeOf(e: EntitySummary, campaignId: string | null | undefined): LinkScope {
  if (e.kind === 'campaign') return campaignId !== undefined && campaignId !== null && e.id === campaignId ? 'campaign' : 'library';
  const own = e.campaign_id ?? null;
  if (own === null) return 'library';
  return own === campaignId ? 'campaign' : 'elsewhere';
}

const ORDER: readonly LinkScope[] = ['campaign', 'library', 'elsewhere'];

/**
 * Finds the entity a link names. Same campaign first, then the shared library, then other
 * campaigns; the first of these with a match decides: one match resolves, several are ambiguous.
 * A kind in the link (`[[npc/Sildar]]`) narrows the match to that kind.
 */
export class LinkResolver<E extends EntitySummary = EntitySummary> {
  private readonly byName = new Map<string, E[]>();

  constructor(entities: Iterable<E>) {
    for (const e of entities) {
      const key = nameKey(e.name);
      const list = this.byName.get(key);
      if (list) list.push(e);
      else this.byName.set(key, [e]);
    }
    for (const list of this.byName.values()) list.sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  resolve(link: { readonly name: string; readonly kind?: EntityKind }, context: { readonly campaign_id?: string | null } = {}): Resolution<E> {
    const all = (this.byName.get(nameKey(link.name)) ?? []).filter((e) => !link.kind || e.kind === link.kind);
    for (const scope of ORDER) {
      const found = all.filter((e) => scopeOf(e, context.campaign_id) === scope);
      if (found.length === 1) return { status: 'resolved', entity: found[0]!, scope };
      if (found.length > 1) return { status: 'ambiguous', candidates: found, scope };
    }
    return { status: 'unresolved' };
  }
}
