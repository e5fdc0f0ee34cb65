/** The in-memory full-text index of a vault's entities (minisearch): fuzzy, prefix, name boosted. */
import MiniSearch from 'minisearch';
import type { Entity, EntityKind } from '../api';
import type { EntitySummary } from '../links/resolve';
import { entityTags, entityText, foldTerm, snippet } from './text';


export interface IndexedEntity extends EntitySummary {
  readonly kind: EntityKind;
  readonly campaign_id: string | null;
  /** The flattened body text (for snippets). */
  readonly text: string;
}

export interface SearchHit {
  readonly entity: IndexedEntity;
  readonly score: number;
  /** Text around the first match (or the start of the text). */
  readonly snippet: string;
}

export interface SearchOptions {
  readonly kinds?: readonly EntityKind[];
  /** Only this campaign's entities (null: the shared library). */
  readonly campaign_id?: string | null;
  readonly limit?: number;
}

interface Doc {
  readonly key: string;
  readonly name: string;
  readonly tags: string;
  readonly text: string;
}

const keyOf = (kind: EntityKind, id: string) => `${kind}:${id}`;

/**
 * Fuzziness by term length, for names only: exact up to 3 characters, one edit up to 5, two beyond
 * ("owlbaer" finds "Owlbear"). Content is matched exactly or by prefix: fuzzy content matching
 * turned "smell" into every "small" and "spell" of a stat block.
 */
const fuzzy = (term: string) => (term.length <= 3 ? false : term.length <= 5 ? 1 : 2);

export class SearchIndex {
  private readonly entities = new Map<string, IndexedEntity>();
  private mini = SearchIndex.create();

  private static create(): MiniSearch<Doc> {
    return new MiniSearch<Doc>({
      idField: 'key',
      fields: ['name', 'tags', 'text'],
      storeFields: [],
      processTerm: (term) => foldTerm(term) || null,
      searchOptions: {
        boost: { name: 4, tags: 2 },
        prefix: (term) => term.length >= 2,
        fuzzy: false,
        combineWith: 'AND',
      },
    });
  }

  get size(): number {
    return this.entities.size;
  }

  /** Adds an entity or replaces the one with its kind and id; a soft-deleted entity is removed. */
  upsert(entity: Entity): void {
    if (entity.deleted_at) {
      this.remove(entity.kind, entity.id);
      return;
    }
    const key = keyOf(entity.kind, entity.id);
    const text = entityText(entity);
    if (this.mini.has(key)) this.mini.discard(key);
    this.mini.add({ key, name: entity.name, tags: entityTags(entity), text });
    this.entities.set(key, { id: entity.id, kind: entity.kind, name: entity.name, campaign_id: entity.campaign_id ?? null, text });
  }

  remove(kind: EntityKind, id: string): void {
    const key = keyOf(kind, id);
    if (this.mini.has(key)) this.mini.discard(key);
    this.entities.delete(key);
  }

  /** Forgets everything (on lock): a fresh index, so no decrypted text lingers in discarded entries. */
  clear(): void {
    this.entities.clear();
    this.mini = SearchIndex.create();
  }

  get(kind: EntityKind, id: string): IndexedEntity | undefined {
    return this.entities.get(keyOf(kind, id));
  }

  all(): IterableIterator<IndexedEntity> {
    return this.entities.values();
  }

  /** The name of a campaign, for showing where a hit belongs. */
  campaignName(id: string | null | undefined): string | undefined {
    return id ? this.entities.get(keyOf('campaign', id))?.name : undefined;
  }

  search(query: string, opts: SearchOptions = {}): SearchHit[] {
    if (!query.trim()) return [];
    const kinds = opts.kinds ? new Set(opts.kinds) : undefined;
    const filter = (r: { id: unknown }) => {
      const e = this.entities.get(String(r.id));
      return !!e && (!kinds || kinds.has(e.kind)) && (opts.campaign_id === undefined || e.campaign_id === opts.campaign_id || (e.kind === 'campaign' && e.id === opts.campaign_id));
    };
    // Exact and prefix matches everywhere, plus fuzzy matches on names; scores add up.
    const merged = new Map<string, { score: number; inText: Set<string> }>();
    for (const r of [...this.mini.search(query, { filter }), ...this.mini.search(query, { filter, fields: ['name'], fuzzy })]) {
      const key = String(r.id);
      const m = merged.get(key) ?? { score: 0, inText: new Set<string>() };
      m.score += r.score;
      for (const [term, fields] of Object.entries(r.match)) if (fields.includes('text')) m.inText.add(term);
      merged.set(key, m);
    }
    return [...merged]
      .sort((a, b) => b[1].score - a[1].score)
      .slice(0, opts.limit ?? 50)
      .map(([key, m]) => {
        const entity = this.entities.get(key)!;
        return { entity, score: m.score, snippet: snippet(entity.text, [...m.inText]) };
      });
  }
}
