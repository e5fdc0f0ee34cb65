import * as vscode from 'vscode';
import type { DataManager } from '../../core/api';
import { nameKey, type EntitySummary } from '../../core/links';
import type { Logger } from '../../core/ports';
import type { VaultCatalog } from '../../core/search';
import { COMMANDS } from '../commands/ids';
import { quickSearch } from '../commands/quickSearch';
import { registerCommand } from '../commands/register';
import { CatalogHolder } from './catalogs';
import { AuthoringHoverProvider } from './hover';
import { EntityLinkProvider } from './links';

/** An entity as links and Quick Search hand it to the lead's `uriFor` and `open`. */
export interface EntityRef extends EntitySummary {
  /** The name of its campaign, when it has one and the catalog knows it. */
  readonly campaign_name?: string;
}

export interface AuthoringDeps {
  /** The DataManager to author against, or undefined while none is unlocked. Called on every use. */
  dataManager(): DataManager | undefined;
  /** Where a link goes: the entity's `campaign:` URI (the FileSystemProvider decides the layout). */
  uriFor(entity: EntityRef): vscode.Uri;
  /** Opens an entity (Quick Search's Enter). */
  open(entity: EntityRef): unknown;
  /**
   * The campaign (id) a document belongs to, so its links resolve in that campaign first.
   * Default: for `campaign:/<campaign>/…`, the campaign whose id or name is the first segment.
   */
  campaignOf(uri: vscode.Uri, catalog: VaultCatalog): string | null | undefined;
  readonly log: Logger;
}

export type AuthoringOptions = Omit<AuthoringDeps, 'campaignOf'> & Partial<Pick<AuthoringDeps, 'campaignOf'>>;

/** `campaign:/<campaign>/<kind>/<name>.yaml` → the id of the campaign named (or identified by) `<campaign>`. */
export function campaignFromPath(uri: vscode.Uri, catalog: VaultCatalog): string | undefined {
  if (uri.scheme !== 'campaign') return undefined;
  const first = uri.path.split('/').filter(Boolean)[0];
  if (!first) return undefined;
  const key = nameKey(first);
  for (const e of catalog.index.all()) {
    if (e.kind === 'campaign' && (e.id === first || nameKey(e.name) === key)) return e.id;
  }
  return undefined;
}

/** Markdown and YAML, in the vault (`campaign:`) and on disk. */
export const AUTHORING_SELECTOR: vscode.DocumentSelector = ['campaign', 'file'].flatMap((scheme) => ['markdown', 'yaml'].map((language) => ({ scheme, language })));

/**
 * Registers entity links, hovers (entities and dice) and the Quick Search command. Everything is
 * disposed with the extension; the search index itself is emptied whenever the vault locks.
 */
export function registerAuthoring(context: vscode.ExtensionContext, options: AuthoringOptions): CatalogHolder {
  const deps: AuthoringDeps = { campaignOf: campaignFromPath, ...options };
  const catalogs = new CatalogHolder(() => deps.dataManager(), deps.log.child('search'));
  context.subscriptions.push(
    catalogs,
    vscode.languages.registerDocumentLinkProvider(AUTHORING_SELECTOR, new EntityLinkProvider(catalogs, deps)),
    vscode.languages.registerHoverProvider(AUTHORING_SELECTOR, new AuthoringHoverProvider(catalogs, deps)),
  );
  registerCommand(context, deps.log, COMMANDS.quickSearch, (initial?: unknown) =>
    quickSearch({ catalog: () => catalogs.get(), onDidUpdate: catalogs.onDidUpdate, open: (e) => deps.open(e) }, initial),
  );
  return catalogs;
}
