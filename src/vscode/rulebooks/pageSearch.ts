// The rulebook pages' search index for Quick Search (docs/RULEBOOKS.md, "Search"): built from the
// unlocked vault's stored page text (DataManager.rulebooks.forEachPage) when first needed, built
// again when a rulebook changes (added, re-extracted, renamed, deleted, restored, a reload), and
// dropped — decrypted text and all — when the vault locks.
import type { DataManager, Entity } from '../../core/api';
import type { Logger } from '../../core/ports';
import { PageIndex, type PageHit } from '../../core/rulebooks/search';
import { describeError } from '../../core/errors';
import { toDisposable, type DisposableStore } from '../lifecycle';

export interface PageSource {
  readonly dm: DataManager;
  readonly lifetime: DisposableStore;
}

/** Quick Search's view of it: the hits for a query, and whether the index is being built. */
export interface PageSearch {
  search(query: string, limit: number): PageHit[];
  /** Resolves once the index holds every stored page. */
  ready(): Promise<void>;
}

export class RulebookPageSearch {
  private held: { readonly dm: DataManager; index: PageIndex; building: Promise<void>; stale: boolean; sub: { dispose(): void } } | undefined;

  constructor(
    private readonly current: () => PageSource | undefined,
    private readonly log: Logger,
  ) {}

  /** The page search of the vault authoring works with, or undefined while none is unlocked. */
  get(): PageSearch | undefined {
    const source = this.current();
    if (!source?.dm.isUnlocked || source.lifetime.isDisposed) return undefined;
    const { dm, lifetime } = source;
    if (this.held?.dm !== dm) {
      this.release();
      const held = {
        dm,
        index: new PageIndex(),
        building: Promise.resolve(),
        stale: true,
        sub: dm.onDidChange((e) => {
          if (e.kind === 'rulebook' || e.action === 'reload' || e.action === 'unlock') held.stale = true;
        }),
      };
      this.held = held;
      lifetime.add(toDisposable(() => this.held === held && this.release()));
    }
    const held = this.held;
    if (held.stale) {
      held.stale = false;
      held.building = held.building.then(() => this.build(held));
    }
    return {
      search: (query, limit) => (this.held === held ? held.index.search(query, { limit }) : []),
      ready: () => held.building,
    };
  }

  private async build(held: NonNullable<RulebookPageSearch['held']>): Promise<void> {
    const index = new PageIndex();
    try {
      await held.dm.rulebooks.forEachPage((book: Entity, batch) => index.addPages({ id: book.id, name: book.name, campaign_id: book.campaign_id ?? null, outline: Array.isArray(book.outline) ? book.outline : [] }, batch));
      if (this.held === held) {
        held.index.clear();
        held.index = index;
      } else index.clear();
    } catch (e) {
      index.clear();
      this.log.warn(`rulebook pages could not be indexed: ${describeError(e)}`);
    }
  }

  /** Whether an index is held (test hooks: none after its vault locked). */
  get isHeld(): boolean {
    return this.held !== undefined;
  }

  private release(): void {
    this.held?.sub.dispose();
    this.held?.index.clear();
    this.held = undefined;
  }

  dispose(): void {
    this.release();
  }
}
