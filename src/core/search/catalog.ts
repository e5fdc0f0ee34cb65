import type { ChangeEvent, Entity, EntityKind, ListQuery } from '../api';
import { ENTITY_KINDS } from '../db/kinds';
import { LinkResolver } from '../links/resolve';
import type { Logger } from '../ports';
import { SearchIndex, type IndexedEntity } from './searchIndex';

/** What the catalog needs of a DataManager (which has all of it). */
export interface EntitySource {
  readonly isUnlocked: boolean;
  list(kind: EntityKind, query?: ListQuery): Promise<Entity[]>;
  get(kind: EntityKind, idOrName: string): Promise<Entity | undefined>;
  onDidChange(listener: (e: ChangeEvent) => void): { dispose(): void };
}

/** Lifecycle events after which the entities are the same as before. */
const CONTENT_NEUTRAL = new Set<ChangeEvent['action']>(['change-password', 'rotate-key', 'encrypt']);
const PAGE = 1000;

/**
 * Every entity of one vault, for Quick Search and link resolution: rebuilt when the vault unlocks
 * (or is reloaded, migrated, restored…), cleared when it locks, and otherwise kept up to date one
 * entity at a time from `onDidChange` — an event with a kind and an id re-reads just that entity.
 * Work runs in order on one queue, and the DataManager serializes its own operations, so a
 * re-read issued after an event sees the state after that change.
 */
export class VaultCatalog {
  readonly index = new SearchIndex();
  private queue: Promise<void> = Promise.resolve();
  private resolverCache: LinkResolver<IndexedEntity> | undefined;
  private readonly listeners = new Set<() => void>();
  private readonly subscription: { dispose(): void };
  private disposed = false;

  constructor(
    private readonly source: EntitySource,
    private readonly log?: Logger,
  ) {
    this.subscription = source.onDidChange((e) => this.onChange(e));
    if (source.isUnlocked) this.enqueue(() => this.rebuild());
  }

  /** Resolves once every change seen so far is in the index. */
  ready(): Promise<void> {
    return this.queue;
  }

  /** The link resolver over the current entities (built again only after a change). */
  resolver(): LinkResolver<IndexedEntity> {
    this.resolverCache ??= new LinkResolver([...this.index.all()]);
    return this.resolverCache;
  }

  /** Fires after the index changed (document links and open Quick Search lists refresh). */
  onDidUpdate(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  dispose(): void {
    this.disposed = true;
    this.subscription.dispose();
    this.listeners.clear();
    this.index.clear();
    this.resolverCache = undefined;
  }

  private onChange(e: ChangeEvent): void {
    if (e.action === 'lock') {
      // Drop the text now, not after queued work: a locked vault's content must not stay searchable.
      this.index.clear();
      this.changed();
      this.enqueue(() => {
        this.index.clear();
      });
    } else if (e.kind && e.id) {
      const { kind, id } = e;
      this.enqueue(() => this.refreshOne(kind, id));
    } else if (!CONTENT_NEUTRAL.has(e.action)) {
      this.enqueue(() => this.rebuild());
    }
  }

  private enqueue(work: () => Promise<void> | void): void {
    this.queue = this.queue
      .then(async () => {
        if (this.disposed) return;
        await work();
        this.changed();
      })
      .catch((err: unknown) => this.log?.error(err instanceof Error ? err : String(err)));
  }

  private changed(): void {
    this.resolverCache = undefined;
    for (const l of this.listeners) {
      try {
        l();
      } catch (err) {
        this.log?.error(err instanceof Error ? err : String(err));
      }
    }
  }

  private async refreshOne(kind: EntityKind, id: string): Promise<void> {
    if (!this.source.isUnlocked) return;
    const entity = await this.source.get(kind, id);
    if (entity && !entity.deleted_at) this.index.upsert(entity);
    else this.index.remove(kind, id);
  }

  private async rebuild(): Promise<void> {
    this.index.clear();
    if (!this.source.isUnlocked) return;
    for (const kind of ENTITY_KINDS) {
      for (let offset = 0; ; offset += PAGE) {
        if (!this.source.isUnlocked) {
          this.index.clear();
          return;
        }
        const page = await this.source.list(kind, { limit: PAGE, offset });
        for (const e of page) this.index.upsert(e);
        if (page.length < PAGE) break;
      }
    }
    this.log?.debug(`search index rebuilt: ${this.index.size} entities`);
  }
}
