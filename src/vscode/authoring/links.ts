import * as vscode from 'vscode';
import { KINDS } from '../../core/db/kinds';
import { citationOfLink, scanLinks, type LinkSyntax } from '../../core/links';
import type { CatalogHolder } from './catalogs';
import type { AuthoringDeps } from './deps';

/** Documents larger than this are not scanned for links (a hover or a link is not worth a stall). */
export const MAX_SCANNED = 2_000_000;

export function syntaxOf(document: vscode.TextDocument): LinkSyntax {
  return document.languageId === 'markdown' ? 'markdown' : document.languageId === 'yaml' ? 'yaml' : 'plain';
}

/** Makes every resolved `[[…]]` in Markdown and YAML clickable; unresolved and ambiguous ones are explained by the hover. */
export class EntityLinkProvider implements vscode.DocumentLinkProvider {
  constructor(
    private readonly catalogs: CatalogHolder,
    private readonly deps: AuthoringDeps,
  ) {}

  async provideDocumentLinks(document: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.DocumentLink[]> {
    const catalog = this.catalogs.get();
    if (!catalog) return [];
    const text = document.getText();
    if (text.length > MAX_SCANNED || !text.includes('[[')) return [];
    await catalog.ready();
    if (token.isCancellationRequested) return [];
    const resolver = catalog.resolver();
    const context = { campaign_id: this.deps.campaignOf(document.uri, catalog) };
    const links: vscode.DocumentLink[] = [];
    for (const link of scanLinks(text, syntaxOf(document))) {
      // `[[Book#p254]]` cites a page: citations.ts makes that link.
      if (citationOfLink(link)) continue;
      const r = resolver.resolve(link, context);
      if (r.status !== 'resolved') continue;
      const range = new vscode.Range(document.positionAt(link.offset), document.positionAt(link.offset + link.length));
      const campaign_name = catalog.index.campaignName(r.entity.campaign_id);
      const target = this.deps.uriFor({ id: r.entity.id, kind: r.entity.kind, name: r.entity.name, campaign_id: r.entity.campaign_id, ...(campaign_name ? { campaign_name } : {}) });
      const dl = new vscode.DocumentLink(range, target);
      dl.tooltip =
        r.scope === 'elsewhere' && campaign_name
          ? vscode.l10n.t('Open {0} {1} ({2})', KINDS[r.entity.kind].label, r.entity.name, campaign_name)
          : vscode.l10n.t('Open {0} {1}', KINDS[r.entity.kind].label, r.entity.name);
      links.push(dl);
    }
    return links;
  }
}
