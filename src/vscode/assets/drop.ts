// Assets in a session's notes (docs/ASSETS.md, "Links in notes"): a tile dragged from the gallery
// carries the asset's `campaign:` URI (`…/sessions/assets/<id>/<file>`) as text/uri-list — what
// VS Code passes from a webview's drag into an editor —, and dropped into the Markdown of a
// `campaign:` note it becomes a link relative to the note's folder (an image link for a picture,
// src/core/assets/links.ts). A click on such a link opens the asset in the gallery's viewer; the
// Markdown preview shows the picture, read from the vault by the `campaign:` file system.
import * as vscode from 'vscode';
import type { DataManager, Entity } from '../../core/api';
import { assetMarkdownLink, scanAssetLinks } from '../../core/assets/links';
import { parseAssetDocPath } from '../../core/documents/docPaths';
import { SCHEME, folderAuthority } from '../documents/entityFs';

/** What the drop provider and the links need: the vault a `campaign:` URI's authority names. */
export interface AssetLinkDeps {
  vaultOf(uri: vscode.Uri): { readonly folder: vscode.WorkspaceFolder; readonly dm: DataManager } | undefined;
}

/** The Markdown of `campaign:` documents (a session's notes). */
export const NOTES_SELECTOR: vscode.DocumentSelector = { scheme: SCHEME, language: 'markdown' };

/** Our drop's kind: a kind of text, so the Markdown extension's own link (which yields to text) gives way to it. */
export const ASSET_DROP_KIND = vscode.DocumentDropOrPasteEditKind.Text.append('campaignVault', 'assetLink');

/** The assets a text/uri-list names (asset URIs of the note's own vault; anything else is ignored). */
async function droppedAssets(deps: AssetLinkDeps, document: vscode.TextDocument, list: string): Promise<Entity[]> {
  const vault = deps.vaultOf(document.uri);
  if (!vault?.dm.isUnlocked) return [];
  const out: Entity[] = [];
  for (const line of list.split(/\r?\n/)) {
    const text = line.trim();
    if (!text || text.startsWith('#')) continue;
    let uri: vscode.Uri;
    try {
      uri = vscode.Uri.parse(text, true);
    } catch {
      continue;
    }
    if (uri.scheme !== SCHEME || (uri.authority !== '' && uri.authority !== folderAuthority(vault.folder))) continue;
    const at = parseAssetDocPath(uri.path);
    if (!at) continue;
    const asset = await vault.dm.assets.get(at.id).catch(() => undefined);
    if (asset && asset.id === at.id) out.push(asset);
  }
  return out;
}

/** Turns an asset dragged from the gallery into a link in the note. */
export class AssetDropProvider implements vscode.DocumentDropEditProvider {
  constructor(private readonly deps: AssetLinkDeps) {}

  async provideDocumentDropEdits(document: vscode.TextDocument, _position: vscode.Position, data: vscode.DataTransfer, token: vscode.CancellationToken): Promise<vscode.DocumentDropEdit | undefined> {
    const list = await data.get('text/uri-list')?.asString();
    if (!list || token.isCancellationRequested) return undefined;
    const assets = await droppedAssets(this.deps, document, list);
    if (assets.length === 0 || token.isCancellationRequested) return undefined;
    const text = assets.map((a) => assetMarkdownLink(a)).join(assets.every((a) => a.mime !== undefined && String(a.mime).startsWith('image/')) ? '\n\n' : ' ');
    const title = assets.length === 1 ? vscode.l10n.t('Insert a link to the asset “{0}”', assets[0]!.name) : vscode.l10n.t('Insert links to {0} assets', assets.length);
    return new vscode.DocumentDropEdit(text, title, ASSET_DROP_KIND);
  }
}

/** Makes each `[…](assets/<id>/…)` of a note open the asset in the gallery's viewer. */
export class AssetLinkProvider implements vscode.DocumentLinkProvider {
  provideDocumentLinks(document: vscode.TextDocument): vscode.DocumentLink[] {
    const text = document.getText();
    if (text.length > 2_000_000 || !text.includes('](')) return [];
    return scanAssetLinks(text).map((l) => {
      const args = encodeURIComponent(JSON.stringify([{ id: l.id, document: document.uri.toString() }]));
      const link = new vscode.DocumentLink(new vscode.Range(document.positionAt(l.offset), document.positionAt(l.offset + l.length)), vscode.Uri.parse(`command:campaignVault.showAsset?${args}`));
      link.tooltip = vscode.l10n.t('Show the asset in the gallery');
      return link;
    });
  }
}

/** Registers the drop provider and the links for `campaign:` notes. */
export function registerAssetLinks(deps: AssetLinkDeps): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.languages.registerDocumentDropEditProvider(NOTES_SELECTOR, new AssetDropProvider(deps), { providedDropEditKinds: [ASSET_DROP_KIND], dropMimeTypes: ['text/uri-list'] }),
    vscode.languages.registerDocumentLinkProvider(NOTES_SELECTOR, new AssetLinkProvider()),
  );
}
