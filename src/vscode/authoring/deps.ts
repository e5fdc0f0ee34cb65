import type * as vscode from 'vscode';
import type { DataManager } from '../../core/api';
import type { EntitySummary } from '../../core/links';
import type { Logger } from '../../core/ports';
import type { VaultCatalog } from '../../core/search';

/** An entity as links and Quick Search hand it to `uriFor` and `open`. */
export interface EntityRef extends EntitySummary {
  /** The name of its campaign, when it has one and the catalog knows it. */
  readonly campaign_name?: string;
}

/** What entity links, hovers and Quick Search work with. */
export interface AuthoringDeps {
  /** The DataManager to author against, or undefined while none is unlocked. Called on every use. */
  dataManager(): DataManager | undefined;
  /** Where a link goes: the entity's `campaign:` URI (the FileSystemProvider decides the layout). */
  uriFor(entity: EntityRef): vscode.Uri;
  /** Opens an entity (Quick Search's Enter). */
  open(entity: EntityRef): unknown;
  /** The campaign (id) a document belongs to, so its links resolve in that campaign first. */
  campaignOf(uri: vscode.Uri, catalog: VaultCatalog): string | null | undefined;
  readonly log: Logger;
}
