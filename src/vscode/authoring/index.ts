import * as vscode from 'vscode';
import type { EntityKind } from '../../core/db/kinds';
import { parseDocPath } from '../../core/documents/docPaths';
import type { VaultCatalog } from '../../core/search';
import { COMMANDS } from '../commands/ids';
import { registerCommands } from '../commands/register';
import { EntityFileSystem, SCHEME } from '../documents/entityFs';
import type { Services } from '../services';
import { CatalogHolder } from './catalogs';
import type { AuthoringDeps, EntityRef } from './deps';
import { CitationSupport } from './citations';
import { AuthoringHoverProvider } from './hover';
import { EntityLinkProvider } from './links';
import { quickSearch } from './quickSearch';
import { RulebookPageSearch } from '../rulebooks/pageSearch';
import { registerReferenceAssist } from './references';

/** Markdown and YAML, in the vault (`campaign:`) and on disk. */
export const AUTHORING_SELECTOR: vscode.DocumentSelector = ['campaign', 'file'].flatMap((scheme) => ['markdown', 'yaml'].map((language) => ({ scheme, language })));

/** `campaign:/<campaign>/<kind>/<name>.yaml` → the id of that campaign; null for the shared library; undefined elsewhere. */
function campaignOf(uri: vscode.Uri, catalog: VaultCatalog): string | null | undefined {
  if (uri.scheme !== SCHEME) return undefined;
  try {
    const loc = parseDocPath(uri.path);
    const name = loc.type === 'root' || loc.type === 'library-folder' ? null : 'campaign' in loc ? loc.campaign : null;
    if (name === null) return null;
    return [...catalog.index.all()].find((c) => c.kind === 'campaign' && c.name.toLowerCase() === name.toLowerCase())?.id;
  } catch {
    return undefined;
  }
}

/**
 * Registers entity links, hovers (entities and dice) and the Quick Search command; they work on
 * the first unlocked vault. The search index is dropped whenever that vault locks (and an open
 * Quick Search list closes).
 */
export function registerAuthoring(s: Services): vscode.Disposable & { readonly catalogs: CatalogHolder } {
  const authoringVault = () => s.vaults.folders.find((f) => f.dm.isUnlocked);
  const uriFor = (e: { kind: EntityKind; name: string; campaign_name?: string }) =>
    EntityFileSystem.uriFor(authoringVault()?.folder ?? vscode.workspace.workspaceFolders![0]!, e.campaign_name ?? null, e.kind, e.name);
  const deps: AuthoringDeps = {
    dataManager: () => authoringVault()?.dm,
    uriFor,
    open: async (e: EntityRef) => {
      const folder = authoringVault()?.folder ?? vscode.workspace.workspaceFolders![0]!;
      // As a click in the Campaigns view: a session at its notes (preview beside), a book in its viewer.
      if (e.kind === 'rulebook') return vscode.commands.executeCommand(COMMANDS.openRulebook, { id: e.id, folder: folder.uri });
      if (e.kind === 'session') {
        const notes = EntityFileSystem.uriFor(folder, e.campaign_name ?? null, 'session', e.name, 'md');
        await vscode.window.showTextDocument(notes);
        return vscode.commands.executeCommand('markdown.showPreviewToSide', notes).then(undefined, () => undefined);
      }
      return vscode.commands.executeCommand('vscode.open', uriFor(e));
    },
    campaignOf,
    log: s.log.child('authoring'),
  };
  const catalogs = new CatalogHolder(() => {
    const f = authoringVault();
    const lifetime = f && s.vaults.lifetimeOf(f.folder);
    return f && lifetime ? { dm: f.dm, lifetime } : undefined;
  }, deps.log.child('search'));
  const pages = new RulebookPageSearch(() => {
    const f = authoringVault();
    const lifetime = f && s.vaults.lifetimeOf(f.folder);
    return f && lifetime ? { dm: f.dm, lifetime } : undefined;
  }, deps.log.child('pages'));
  const citations = new CitationSupport(catalogs, deps, AUTHORING_SELECTOR);
  const disposable = vscode.Disposable.from(
    catalogs,
    pages,
    citations,
    vscode.languages.registerDocumentLinkProvider(AUTHORING_SELECTOR, citations),
    vscode.languages.registerHoverProvider(AUTHORING_SELECTOR, citations),
    vscode.languages.registerCompletionItemProvider(AUTHORING_SELECTOR, citations, '#'),
    vscode.languages.registerDocumentLinkProvider(AUTHORING_SELECTOR, new EntityLinkProvider(catalogs, deps)),
    vscode.languages.registerHoverProvider(AUTHORING_SELECTOR, new AuthoringHoverProvider(catalogs, deps)),
    registerReferenceAssist(catalogs, deps),
    registerCommands(s, s, {
      [COMMANDS.quickSearch]: (c, initial) =>
        quickSearch(
          {
            catalog: () => catalogs.get(),
            onDidUpdate: catalogs.onDidUpdate,
            open: deps.open,
            pages: () => pages.get(),
            openPage: (hit, query) => vscode.commands.executeCommand(COMMANDS.openRulebook, { id: hit.rulebook_id, page: hit.page, highlight: query, folder: authoringVault()?.folder.uri }),
            ui: c.ui,
          },
          initial,
        ),
    }),
  );
  return Object.assign(disposable, { catalogs });
}
