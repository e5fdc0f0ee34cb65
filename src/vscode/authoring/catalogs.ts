import * as vscode from 'vscode';
import type { DataManager } from '../../core/api';
import type { Logger } from '../../core/ports';
import { VaultCatalog } from '../../core/search';

/**
 * The catalog (search index + link resolver) of the DataManager authoring currently works with.
 * Made when first needed, remade when `current()` names another DataManager; it follows its
 * DataManager's events by itself (rebuilt on unlock, emptied on lock).
 */
export class CatalogHolder implements vscode.Disposable {
  private held: { readonly dm: DataManager; readonly catalog: VaultCatalog; readonly sub: { dispose(): void } } | undefined;
  private readonly emitter = new vscode.EventEmitter<void>();
  /** Fires when the catalog's content changed. */
  readonly onDidUpdate = this.emitter.event;

  constructor(
    private readonly current: () => DataManager | undefined,
    private readonly log: Logger,
  ) {}

  /** The catalog, or undefined while no vault is unlocked. */
  get(): VaultCatalog | undefined {
    const dm = this.current();
    if (!dm?.isUnlocked) return undefined;
    if (this.held?.dm !== dm) {
      this.release();
      const catalog = new VaultCatalog(dm, this.log);
      this.held = { dm, catalog, sub: catalog.onDidUpdate(() => this.emitter.fire()) };
    }
    return this.held.catalog;
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
