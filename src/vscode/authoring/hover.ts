import * as vscode from 'vscode';
import type { EntityKind } from '../../core/db/kinds';
import { findDice } from '../../core/dice';
import { citationOfLink, scanLinks } from '../../core/links';
import type { CatalogHolder } from './catalogs';
import type { AuthoringDeps } from './deps';
import { MAX_SCANNED, syntaxOf } from './links';
import { inert } from './markdown';
import { dicePreview, entityPreview, escapeMarkdown, unresolvedPreview } from './preview';


/** Hovers over `[[links]]` (a preview of the entity) and dice expressions (range and average). */
export class AuthoringHoverProvider implements vscode.HoverProvider {
  constructor(
    private readonly catalogs: CatalogHolder,
    private readonly deps: AuthoringDeps,
  ) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    const line = document.lineAt(position.line).text;
    const offset = document.offsetAt(position);
    // Links never span lines; scanning the whole document tells code spans and fences apart.
    if (line.includes('[[') && document.getText().length <= MAX_SCANNED) {
      const link = scanLinks(document.getText(), syntaxOf(document)).find((l) => offset >= l.offset && offset < l.offset + l.length);
      // A page citation's hover is citations.ts's.
      if (link && citationOfLink(link)) return undefined;
      if (link) {
        const range = new vscode.Range(document.positionAt(link.offset), document.positionAt(link.offset + link.length));
        return new vscode.Hover(await this.linkPreview(document, link.name, link.kind, token), range);
      }
    }
    const dice = findDice(line).find((m) => position.character >= m.offset && position.character < m.offset + m.length);
    if (dice) return new vscode.Hover(inert(dicePreview(dice.text, dice.parsed, vscode.l10n)), new vscode.Range(position.line, dice.offset, position.line, dice.offset + dice.length));
    return undefined;
  }

  private async linkPreview(document: vscode.TextDocument, name: string, kind: EntityKind | undefined, token: vscode.CancellationToken): Promise<vscode.MarkdownString> {
    const catalog = this.catalogs.get();
    const dm = this.deps.dataManager();
    if (!catalog || !dm) return inert(vscode.l10n.t('Unlock the vault to see **{0}**.', escapeMarkdown(name)));
    await catalog.ready();
    const r = catalog.resolver().resolve({ name, ...(kind ? { kind } : {}) }, { campaign_id: this.deps.campaignOf(document.uri, catalog) });
    if (r.status !== 'resolved') return inert(unresolvedPreview(name, r, (id) => catalog.index.campaignName(id), vscode.l10n));
    const entity = await dm.get(r.entity.kind, r.entity.id).catch(() => undefined);
    if (token.isCancellationRequested || !entity) return inert(vscode.l10n.t('**{0}** is no longer in the vault.', escapeMarkdown(name)));
    return inert(entityPreview(entity, r.scope, catalog.index.campaignName(entity.campaign_id), vscode.l10n));
  }
}
