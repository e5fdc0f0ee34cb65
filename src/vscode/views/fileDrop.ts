// Files dropped on the Campaigns view (docs/ASSETS.md, docs/RULEBOOKS.md): from VS Code's Explorer
// (`text/uri-list`) or from the desktop (file items, bytes only in a browser). A PDF dropped on a
// Rulebooks node (or a book, or a chapter) becomes a rulebook through Add Rulebook…'s own steps;
// any other file, or a PDF dropped anywhere else in a campaign or the Shared Library, becomes an
// asset of that campaign through Add Asset…'s own steps (kind, tags, the location question). The
// file store keeps one copy of a file however it came in.
import * as vscode from 'vscode';
import type { AddRulebookResult } from '../../core/rulebooks/service';
import { addAssetFiles, type AddAssetOutcome } from '../assets';
import { explain, needs, type VaultCommandContext } from '../commands/common';
import { reportFailure, type CommandReporting } from '../commands/register';
import { SCHEME as ENTRY_SCHEME } from '../documents/entityFs';
import { fileAt, fileWithData, type IncomingFile } from '../incomingFiles';
import { addRulebookFiles } from '../rulebooks';
import type { CampaignNode } from './campaignsTree';

/** The standard list of URIs (what VS Code's Explorer puts on a drag). */
export const URI_LIST_MIME = 'text/uri-list';
/** What VS Code calls files dragged from the operating system when it offers them to a view (its `DataTransfers.FILES`, lower-cased). */
export const FILES_MIME = 'files';

/** What a drop of files did (for tests): the books added, Add Asset's outcome, and files refused before either. */
export interface FileDropOutcome {
  readonly rulebooks: readonly AddRulebookResult[];
  /** Undefined when no file went that way, or a question was dismissed. */
  readonly assets: AddAssetOutcome | undefined;
  readonly refused: readonly { readonly file: string; readonly reason: string }[];
}

export type FileDropContext = VaultCommandContext & CommandReporting;

/**
 * The files a drop carries: the desktop's file items (their bytes, as VS Code hands them over),
 * then the URIs of the list that are not among them (the Explorer's files, read where they are).
 * One entry per file even when a file arrives both ways (the desktop app lists it in both).
 */
export async function droppedFiles(data: vscode.DataTransfer): Promise<IncomingFile[]> {
  const out: IncomingFile[] = [];
  const seen = new Set<string>();
  data.forEach((item) => {
    const file = item.asFile();
    if (!file) return;
    if (file.uri) {
      if (seen.has(file.uri.toString())) return;
      seen.add(file.uri.toString());
    }
    out.push(fileWithData(file.name, () => file.data(), file.uri));
  });
  const list = await data.get(URI_LIST_MIME)?.asString();
  for (const line of (list ?? '').split(/\r?\n/)) {
    const text = line.trim();
    if (text === '' || text.startsWith('#')) continue;
    let uri: vscode.Uri;
    try {
      uri = vscode.Uri.parse(text, true);
    } catch {
      continue;
    }
    if (seen.has(uri.toString())) continue;
    seen.add(uri.toString());
    out.push(fileAt(uri));
  }
  return out;
}

/** Where files dropped on `n` go: a campaign's id (null: the Shared Library), and whether a PDF there becomes a book. */
function placeOf(n: CampaignNode): { readonly campaignId: string | null; readonly books: boolean } | undefined {
  switch (n.type) {
    case 'campaign':
      return { campaignId: n.entity.id, books: false };
    case 'library':
      return { campaignId: null, books: false };
    case 'kind':
      return { campaignId: n.campaign?.id ?? null, books: n.kind === 'rulebook' };
    case 'entity':
      return { campaignId: n.campaign?.id ?? null, books: n.entity.kind === 'rulebook' };
    case 'chapter':
      return n.parent ? placeOf(n.parent) : undefined;
    default:
      return undefined;
  }
}

const isPdfName = (name: string) => /\.pdf$/i.test(name);

/**
 * Adds the files of a drop on `target`. Says why nothing happens when the place takes no files
 * (the trash, the view's empty space) or the vault is locked or read-only; a failure is reported
 * as a command's is. Undefined when the drop carried no files.
 */
export async function dropFiles(ctx: FileDropContext, target: CampaignNode | undefined, data: vscode.DataTransfer): Promise<FileDropOutcome | undefined> {
  const files = await droppedFiles(data);
  if (files.length === 0) return undefined;
  const nothing: FileDropOutcome = { rulebooks: [], assets: undefined, refused: [] };
  const folders = ctx.vaults.folders;
  const folder = target ? folders.find((f) => f.folder.uri.toString() === target.folder.uri.toString()) : undefined;
  if (!target || !folder) {
    // The view is empty while every vault is locked: the drop landed on nothing.
    const locked = folders.find((f) => f.state === 'locked');
    if (locked && !folders.some((f) => f.state === 'unlocked')) explain(ctx, needs.unlocked(locked)!, locked);
    else whereTo(ctx);
    return nothing;
  }
  const reason = needs.writable(folder);
  if (reason) {
    explain(ctx, reason, folder);
    return nothing;
  }
  const place = placeOf(target);
  if (!place) {
    whereTo(ctx);
    return nothing;
  }
  const refused: { file: string; reason: string }[] = [];
  const books: IncomingFile[] = [];
  const assets: IncomingFile[] = [];
  for (const file of files) {
    if (file.uri?.scheme === ENTRY_SCHEME) {
      const text = vscode.l10n.t('“{0}” is an entry of the vault already; drag it inside the Campaigns view to move it.', file.name);
      refused.push({ file: file.name, reason: text });
      void ctx.ui().message({ id: 'drop-refused', severity: 'warning', text });
    } else if (place.books && isPdfName(file.name)) books.push(file);
    else assets.push(file);
  }
  let rulebooks: AddRulebookResult[] = [];
  if (books.length > 0) {
    try {
      rulebooks = await addRulebookFiles(ctx, folder.dm, place.campaignId, books);
    } catch (e) {
      reportFailure(ctx, e);
    }
  }
  let outcome: AddAssetOutcome | undefined;
  if (assets.length > 0) {
    try {
      outcome = await addAssetFiles(ctx, folder.dm, place.campaignId, assets);
    } catch (e) {
      reportFailure(ctx, e);
    }
  }
  return { rulebooks, assets: outcome, refused };
}

function whereTo(ctx: VaultCommandContext): void {
  void ctx.ui().message({ id: 'drop-where', severity: 'info', text: vscode.l10n.t('Drop files on a campaign, its Assets or Rulebooks, or the Shared Library: they become its assets, and a PDF dropped on Rulebooks becomes a rulebook.') });
}
