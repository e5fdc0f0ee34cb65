// Assets in VS Code (docs/ASSETS.md): "Add Asset…" from the palette, the Assets node of the
// Campaigns view (a campaign's or the Shared Library's) and the Explorer's context menu on an
// image, a PDF or a sound. The work is done by the core's AssetService (DataManager.assets): the
// header is read before anything decodes the file, and a refused file stores nothing.
import * as vscode from 'vscode';
import type { DataManager, Entity } from '../../core/api';
import type { AddedAsset } from '../../core/assets/service';
import { VaultError, isVaultError } from '../../core/errors';
import type { AssetType } from '../../core/files/sniff';
import { askCampaign, chooseVault, needs, type VaultCommandContext } from '../commands/common';
import { COMMANDS } from '../commands/ids';
import { registerCommands } from '../commands/register';
import type { Services } from '../services';
import { campaignOfNode, isCampaignNode, isOptionsArg } from '../views/campaignsTree';
import { toIncoming, type IncomingFile } from '../incomingFiles';
import { SCHEME, folderAuthority } from '../documents/entityFs';
import { registerAssetLinks } from './drop';
import { Galleries, type GallerySnapshot } from './gallery';

/** The kinds an asset may be (the schema's `asset_type`). */
export const ASSET_TYPES: readonly AssetType[] = ['image', 'map', 'handout', 'pdf', 'audio', 'other'];

/** What a test (or another extension) may pass to Add Asset instead of answering dialogs. */
export interface AddAssetArgs {
  readonly uris?: readonly vscode.Uri[];
  /** Campaign name or id; null: the Shared Library. Asked when absent. */
  readonly campaign?: string | null;
  /** The kind; null: by content. Asked when absent. */
  readonly asset_type?: AssetType | null;
  /** Asked when absent (an empty answer is no tags). */
  readonly tags?: readonly string[];
  /** Whether to store photos without their location; asked per photo that has one when absent. */
  readonly withoutLocation?: boolean;
  readonly folder?: vscode.Uri;
}

/** What Add Asset resolves with: what was added, and each file that was refused with the sentence shown. */
export interface AddAssetOutcome {
  readonly added: readonly AddedAsset[];
  readonly refused: readonly { readonly file: string; readonly reason: string }[];
}

function typeLabel(t: AssetType): string {
  switch (t) {
    case 'image':
      return vscode.l10n.t('Image');
    case 'map':
      return vscode.l10n.t('Map');
    case 'handout':
      return vscode.l10n.t('Handout');
    case 'pdf':
      return vscode.l10n.t('PDF');
    case 'audio':
      return vscode.l10n.t('Sound');
    case 'other':
      return vscode.l10n.t('Other');
  }
}

async function askType(ctx: VaultCommandContext): Promise<AssetType | null | undefined> {
  const picked = await ctx.ui().pick({
    id: 'asset-type',
    title: vscode.l10n.t('Add Asset'),
    placeHolder: vscode.l10n.t('What are they?'),
    items: [
      { label: vscode.l10n.t('By content'), description: vscode.l10n.t('image, PDF or sound, as the file says'), type: null as AssetType | null },
      ...ASSET_TYPES.map((t) => ({ label: typeLabel(t), type: t as AssetType | null })),
    ],
  });
  return picked ? picked.type : undefined;
}

/** Tags as typed: separated by commas, trimmed, without empties and repeats. */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(',').map((t) => t.trim()).filter(Boolean))];
}

async function askTags(ctx: VaultCommandContext): Promise<string[] | undefined> {
  const answer = await ctx.ui().input({
    id: 'asset-tags',
    title: vscode.l10n.t('Add Asset'),
    prompt: vscode.l10n.t('Tags, separated by commas (optional)'),
    placeHolder: vscode.l10n.t('dungeon, session 3'),
  });
  if (typeof answer !== 'string') return undefined;
  return parseTags(answer);
}

/** The name a file gets: its file name without the extension. */
function nameOf(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot > 0 ? fileName.slice(0, dot) : fileName || 'asset';
}

/** Adds each chosen file as an asset, one after the other; a refused file is said in one sentence and skipped. */
export async function addAsset(ctx: VaultCommandContext, arg?: unknown, extra?: unknown): Promise<AddAssetOutcome | undefined> {
  const node = isCampaignNode(arg) ? arg : undefined;
  // From the Explorer: (the file, the selected files). From a node: (the node), or (the node, files) for files dropped on it.
  const extraUris = Array.isArray(extra) && extra.length > 0 && extra.every((u) => u instanceof vscode.Uri) ? (extra as vscode.Uri[]) : undefined;
  const args: AddAssetArgs = arg instanceof vscode.Uri ? { uris: extraUris ?? [arg] } : node ? (extraUris ? { uris: extraUris } : {}) : isOptionsArg(arg) ? (arg as AddAssetArgs) : {};
  const target = node
    ? { folder: node.folder, dm: node.dm }
    : await chooseVault(ctx, needs.writable, vscode.l10n.t('Add Asset'), args.folder ?? args.uris?.find((u) => vscode.workspace.getWorkspaceFolder(u)));
  if (!target) return undefined;
  if (node && node.dm.readOnlyReason) throw node.dm.readOnlyReason;
  let uris = args.uris;
  if (!uris) {
    uris = await vscode.window.showOpenDialog({
      title: vscode.l10n.t('Add Asset'),
      openLabel: vscode.l10n.t('Add'),
      canSelectMany: true,
      canSelectFiles: true,
      canSelectFolders: false,
      filters: {
        [vscode.l10n.t('Images, PDFs and sounds')]: ['png', 'jpg', 'jpeg', 'webp', 'gif', 'svg', 'pdf', 'mp3', 'ogg', 'oga'],
        [vscode.l10n.t('All files')]: ['*'],
      },
    });
    if (!uris || uris.length === 0) return undefined;
  }
  let campaign: string | null | undefined = args.campaign !== undefined ? args.campaign : node ? campaignOfNode(node) : undefined;
  if (campaign === undefined) {
    campaign = await askCampaign(ctx, target.dm, { id: 'asset-campaign', title: vscode.l10n.t('Add Asset'), placeHolder: vscode.l10n.t('Where do the files go?') });
    if (campaign === undefined) return undefined;
  }
  const campaignId = campaign === null ? null : ((await target.dm.get('campaign', campaign))?.id ?? campaign);
  return addAssetFiles(ctx, target.dm, campaignId, toIncoming(uris), args);
}

/**
 * The part of Add Asset after the campaign is known (also what a file dropped on the Campaigns view
 * goes through): asks the kind and the tags unless `args` gives them, then adds each file — asking
 * about a photo's location — and says what was added. A file that cannot be read or is refused
 * (damaged, a decompression bomb, too large) is said in one sentence and skipped; nothing of it is
 * stored. Undefined when a question was dismissed (nothing added).
 */
export async function addAssetFiles(
  ctx: VaultCommandContext,
  dm: DataManager,
  campaignId: string | null,
  files: readonly IncomingFile[],
  args: Pick<AddAssetArgs, 'asset_type' | 'tags' | 'withoutLocation'> = {},
): Promise<AddAssetOutcome | undefined> {
  const type = args.asset_type !== undefined ? args.asset_type : await askType(ctx);
  if (type === undefined) return undefined;
  const tags = args.tags ? [...args.tags] : await askTags(ctx);
  if (tags === undefined) return undefined;

  const added: AddedAsset[] = [];
  const refused: { file: string; reason: string }[] = [];
  const refuse = (file: string, e: VaultError) => {
    const reason = vscode.l10n.t('“{0}” was not added: {1}', file, e.userMessage);
    refused.push({ file, reason });
    void ctx.ui().message({ id: 'asset-refused', severity: 'error', text: reason });
  };
  for (const source of files) {
    const file = source.name;
    let data: Uint8Array;
    try {
      data = await source.read();
    } catch (e) {
      // Unreadable, a folder, too large: this file only.
      if (!isVaultError(e)) throw e;
      refuse(file, e);
      continue;
    }
    try {
      const info = dm.assets.inspect(data);
      let withoutLocation = args.withoutLocation ?? false;
      if (info?.hasLocation && args.withoutLocation === undefined) {
        const REMOVE = vscode.l10n.t('Remove location');
        const KEEP = vscode.l10n.t('Keep as is');
        const choice = await ctx.ui().message({
          id: 'asset-location',
          severity: 'warning',
          modal: true,
          text: vscode.l10n.t('“{0}” holds the place where it was taken (GPS).', file),
          detail: vscode.l10n.t('Store a copy without the location? The pixels stay as they are; the file on disk is not changed.'),
          actions: [REMOVE, KEEP],
        });
        if (choice === undefined) continue;
        withoutLocation = choice === REMOVE;
      }
      const result = await ctx.ui().progress({ id: 'asset-add', title: vscode.l10n.t('Adding “{0}”', file), cancellable: false }, async () => {
        // A name already taken here gets a number ("map (2)"), as a file manager does.
        for (let n = 1; ; n++) {
          const name = n === 1 ? nameOf(file) : `${nameOf(file)} (${n})`;
          try {
            return await dm.assets.add(data, { name, campaign_id: campaignId, ...(type !== null ? { asset_type: type } : {}), tags, withoutLocation });
          } catch (e) {
            if (!isVaultError(e, 'exists') || n >= 100) throw e;
          }
        }
      });
      added.push(result);
    } catch (e) {
      // Refused (damaged, a decompression bomb): this file only. Anything else (a locked vault, a full disk) stops the add.
      if (!isVaultError(e, 'invalid')) throw e;
      refuse(file, e);
    }
  }
  if (added.length > 0) {
    const text =
      added.length === 1
        ? vscode.l10n.t('Added the asset “{0}”.', added[0]!.asset.name) + (added[0]!.locationRemoved ? ' ' + vscode.l10n.t('Its location was not stored.') : '')
        : vscode.l10n.t('Added {0} assets.', added.length);
    void ctx.ui().message({ id: 'asset-added', severity: 'info', text });
  }
  return { added, refused };
}

/** What Open Gallery takes instead of a node: a campaign (name or id; null: the Shared Library) and the vault's folder. */
export interface OpenGalleryArgs {
  readonly campaign: string | null;
  readonly folder?: vscode.Uri;
}

interface GalleryContext extends VaultCommandContext {
  readonly galleries: Galleries;
}

/** Opens the gallery of a campaign's (or the Shared Library's) assets: the node's, the one named, else asked. */
export async function openGallery(ctx: GalleryContext, arg?: unknown): Promise<GallerySnapshot | undefined> {
  const node = isCampaignNode(arg) ? arg : undefined;
  const args = !node && typeof arg === 'object' && arg !== null && 'campaign' in arg ? (arg as OpenGalleryArgs) : undefined;
  const target = node ? { folder: node.folder, dm: node.dm } : await chooseVault(ctx, needs.unlocked, vscode.l10n.t('Open Gallery'), args?.folder);
  if (!target) return undefined;
  let campaign: string | null | undefined = node ? campaignOfNode(node) : args?.campaign;
  if (campaign === undefined) {
    campaign = await askCampaign(ctx, target.dm, { id: 'asset-campaign', title: vscode.l10n.t('Open Gallery'), placeHolder: vscode.l10n.t('Whose assets?') });
    if (campaign === undefined) return undefined;
  }
  let entity: Entity | null = null;
  if (campaign !== null) {
    entity = (await target.dm.get('campaign', campaign)) ?? null;
    if (!entity) throw new VaultError('not-found', `campaign ${campaign}`, { hint: vscode.l10n.t('There is no campaign “{0}”.', campaign), remedy: null });
  }
  return ctx.galleries.open(target.folder, target.dm, entity);
}

/** What Show Asset takes (a link in a note): the asset's id, and the note (its vault). */
export interface ShowAssetArgs {
  readonly id: string;
  readonly document?: string;
}

/** The vault a `campaign:` URI names (by its authority; none: the first unlocked vault). */
function vaultOfUri(s: Services, uri: vscode.Uri): { folder: vscode.WorkspaceFolder; dm: DataManager } | undefined {
  const folders = s.vaults.folders;
  const f = uri.authority === '' ? folders.find((x) => x.dm.isUnlocked) : folders.find((x) => folderAuthority(x.folder) === uri.authority);
  return f ? { folder: f.folder, dm: f.dm } : undefined;
}

/** Shows an asset in its gallery's viewer (a click on a link to it in a session's notes). */
export async function showAsset(s: Services, ctx: GalleryContext, arg?: unknown): Promise<GallerySnapshot | undefined> {
  const args = typeof arg === 'object' && arg !== null && typeof (arg as ShowAssetArgs).id === 'string' ? (arg as ShowAssetArgs) : undefined;
  if (!args) return undefined;
  let uri = vscode.Uri.from({ scheme: SCHEME, path: '/' });
  try {
    if (typeof args.document === 'string') uri = vscode.Uri.parse(args.document, true);
  } catch {
    // a malformed note URI: the first unlocked vault
  }
  const vault = vaultOfUri(s, uri);
  if (!vault || !vault.dm.isUnlocked) throw new VaultError('locked', 'vault locked', { hint: vscode.l10n.t('The vault is locked: run “Campaign Vault: Unlock” to see its assets.') });
  const asset = await vault.dm.assets.get(args.id);
  if (asset.id !== args.id) throw new VaultError('not-found', `no asset ${args.id}`, { hint: vscode.l10n.t('This asset is gone (it may be in the trash).'), remedy: null });
  return ctx.galleries.show(vault.folder, vault.dm, asset);
}

/** Registers Add Asset…, Open Gallery, Show Asset, the galleries, and assets in notes (drop, links); dispose the result to unregister them. */
export function registerAssets(s: Services): vscode.Disposable & { readonly galleries: Galleries } {
  const galleries = new Galleries(s.context.extensionUri, s.log.child('gallery'), (folder) => s.vaults.lifetimeOf(folder), () => s.ui());
  const ctx: GalleryContext = { vaults: s.vaults, ui: s.ui, keys: s.keys, log: s.log, galleries };
  const disposable = vscode.Disposable.from(
    galleries,
    registerCommands(s, ctx, { [COMMANDS.addAsset]: addAsset, [COMMANDS.openGallery]: openGallery, [COMMANDS.showAsset]: (c, arg) => showAsset(s, c, arg) }),
    registerAssetLinks({ vaultOf: (uri) => vaultOfUri(s, uri) }),
  );
  return Object.assign(disposable, { galleries });
}
