import * as vscode from 'vscode';
import type { DataManager } from '../../core/api';
import type { Logger } from '../../core/ports';
import { VaultCatalog } from '../../core/search';
import { toDisposable, type DisposableStore } from '../lifecycle';

/** An unlocked vault: its DataManager, and the lifetime that ends when it locks. */
export interface CatalogSource {
  readonly dm: DataManager;
  readonly lifetime: DisposableStore;
}

/**
 * The catalog (search index + link resolver) of the DataManager authoring currently works with.
 * Made when first needed, remade when `current()` names another DataManager; it follows its
 * DataManager's events by itself, and is dropped — index, resolver and all — when that vault's
 * lifetime ends (it locks), firing `onDidUpdate` so open lists close.
 */
export class CatalogHolder implements vscode.Disposable {
  private held: { readonly dm: DataManager; readonly catalog: VaultCatalog; readonly sub: { dispose(): void } } | undefined;
  private readonly emitter = new vscode.EventEmitter<void>();
  /** Fires when the catalog's content changed. */
  readonly onDidUpdate = this.emitter.event;

  constructor(
    private readonly current: () => CatalogSource | undefined,
    private readonly log: Logger,
  ) {}

  /** The catalog, or undefined while no vault is unlocked. */
  get(): VaultCatalog | undefined {
    const source = this.current();
    if (!source?.dm.isUnlocked || source.lifetime.isDisposed) return undefined;
    const { dm, lifetime } = source;
    if (this.held?.dm !== dm) {
      this.release();
      const catalog = new VaultCatalog(dm, this.log);
      this.held = { dm, catalog, sub: catalog.onDidUpdate(() => this.emitter.fire()) };
      lifetime.add(
        toDisposable(() => {
          if (this.held?.catalog !== catalog) return;
          this.release();
          this.emitter.fire();
        }),
      );
    }
    return this.held.catalog;
  }

  /** Whether a catalog is held (for the test hooks: none after its vault locked). */
  get isHeld(): boolean {
    return this.held !== undefined;
  }

  private release(): void {
    this.held?.sub.dispose();
    this.held?.catalog.dispose();
    this.held = undefined;
  }

  dispose(): void {
    this.release();
    this.emitter.dispose();
  }
}
