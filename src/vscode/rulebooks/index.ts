// Rulebooks in VS Code (docs/RULEBOOKS.md): "Add Rulebook…" (palette, the Campaigns view, the
// Explorer's context menu on a .pdf) and "Open Rulebook" (the viewer, at a page). The work is done
// by the core's RulebookService (DataManager.rulebooks); this is the asking and the showing.
import * as vscode from 'vscode';
import type { DataManager, Entity } from '../../core/api';
import type { AddRulebookResult } from '../../core/rulebooks/service';
import { VaultError, describeError, isVaultError } from '../../core/errors';
import { pageOfLabel } from '../../core/rulebooks/pages';
import { labelSource } from '../../core/rulebooks/service';
import { askCampaign, cancellationAdapter, chooseVault, needs, progressAdapter, type VaultCommandContext } from '../commands/common';
import { COMMANDS } from '../commands/ids';
import { registerCommands } from '../commands/register';
import type { Services } from '../services';
import { campaignOfNode, isCampaignNode, isOptionsArg } from '../views/campaignsTree';
import { toIncoming, type IncomingFile } from '../incomingFiles';
import { registerRulebookLinks } from './uriHandler';
import { RulebookViewers, type ViewerSnapshot } from './viewer';

/** What a test (or another extension) may pass to Add Rulebook instead of answering dialogs. */
export interface AddRulebookArgs {
  readonly uris?: readonly vscode.Uri[];
  /** Campaign name or id; null: the Shared Library. Asked when absent. */
  readonly campaign?: string | null;
  /** The book's name (default: the PDF's title, else its file name). */
  readonly name?: string;
  /** The workspace folder whose vault gets the book. */
  readonly folder?: vscode.Uri;
}

/** What Open Rulebook takes: a book id or name, and where to open it. */
export interface OpenRulebookArgs {
  readonly id: string;
  /** 1-based PDF page. */
  readonly page?: number;
  /** A printed page label (e.g. "254" or "xii"), used when `page` is not given. */
  readonly label?: string;
  /** A term to highlight on that page (and find in the book), e.g. the Quick Search query that found it. */
  readonly highlight?: string;
  readonly folder?: vscode.Uri;
}

interface RulebookContext extends VaultCommandContext {
  readonly viewers: RulebookViewers;
}

/** Adds each chosen PDF as a rulebook, one after the other; resolves with what was added. */
export async function addRulebook(ctx: RulebookContext, arg?: unknown, extra?: unknown): Promise<AddRulebookResult[] | undefined> {
  const node = isCampaignNode(arg) ? arg : undefined;
  const args: AddRulebookArgs = arg instanceof vscode.Uri ? { uris: Array.isArray(extra) && extra.length > 0 ? (extra as vscode.Uri[]) : [arg] } : isOptionsArg(arg) ? (arg as AddRulebookArgs) : {};
  const target = node
    ? { folder: node.folder, dm: node.dm }
    : await chooseVault(ctx, needs.writable, vscode.l10n.t('Add Rulebook'), args.folder ?? args.uris?.find((u) => vscode.workspace.getWorkspaceFolder(u)));
  if (!target) return undefined;
  if (node && node.dm.readOnlyReason) throw node.dm.readOnlyReason;
  let uris = args.uris;
  if (!uris) {
    uris = await vscode.window.showOpenDialog({
      title: vscode.l10n.t('Add Rulebook'),
      openLabel: vscode.l10n.t('Add'),
      canSelectMany: true,
      canSelectFiles: true,
      canSelectFolders: false,
      filters: { [vscode.l10n.t('PDF rulebooks')]: ['pdf'] },
    });
    if (!uris || uris.length === 0) return undefined;
  }
  let campaign: string | null | undefined = args.campaign !== undefined ? args.campaign : node ? campaignOfNode(node) : undefined;
  if (campaign === undefined) {
    campaign = await askCampaign(ctx, target.dm, { id: 'rulebook-campaign', title: vscode.l10n.t('Add Rulebook'), placeHolder: vscode.l10n.t('Where does the book go?') });
    if (campaign === undefined) return undefined;
  }
  const campaignId = campaign === null ? null : ((await target.dm.get('campaign', campaign))?.id ?? campaign);
  return addRulebookFiles(ctx, target.dm, campaignId, toIncoming(uris), args.name);
}

/**
 * The part of Add Rulebook after the campaign is known (also what a PDF dropped on a Rulebooks node
 * goes through): each PDF read with a cancellable progress, its password asked when it has one.
 * One file: its failure is thrown (the command reports it). Several: a file that fails is said in
 * one sentence (`rulebook-refused`) and the others still go in. A failed add writes nothing.
 */
export async function addRulebookFiles(ctx: VaultCommandContext, dm: DataManager, campaignId: string | null, files: readonly IncomingFile[], name?: string): Promise<AddRulebookResult[]> {
  const added: AddRulebookResult[] = [];
  for (const file of files) {
    try {
      const result = await addOne(ctx, dm, file, campaignId, files.length === 1 ? name : undefined);
      if (result) added.push(result);
    } catch (e) {
      // A locked vault stops them all (the next would fail the same way).
      if (files.length === 1 || isVaultError(e, 'locked')) throw e;
      ctx.log.warn(`rulebook ${file.name} not added: ${describeError(e)}`);
      void ctx.ui().message({ id: 'rulebook-refused', severity: 'error', text: vscode.l10n.t('“{0}” was not added: {1}', file.name, describeError(e)) });
    }
  }
  return added;
}

/** The service's progress steps (English, from the core) in the user's language. */
function progressStep(step: string): string {
  const page = /^Reading page (\d+) of (\d+)$/.exec(step);
  if (page) return vscode.l10n.t('Reading page {0} of {1}', Number(page[1]), Number(page[2]));
  if (step === 'Opening the PDF') return vscode.l10n.t('Opening the PDF');
  if (step === 'Saving') return vscode.l10n.t('Saving');
  return step;
}

/** One PDF: read, extracted with progress and cancel, its password asked when it has one. */
async function addOne(ctx: VaultCommandContext, dm: DataManager, file: IncomingFile, campaignId: string | null, name: string | undefined): Promise<AddRulebookResult | undefined> {
  const fileName = file.name;
  const data = await file.read();
  let password: string | undefined;
  let wrong = false;
  for (;;) {
    try {
      const result = await ctx.ui().progress({ id: 'rulebook-add', title: vscode.l10n.t('Adding the rulebook “{0}”', fileName), cancellable: true }, (report, token) =>
        dm.rulebooks.add(
          data,
          { fileName, campaign_id: campaignId, ...(name !== undefined ? { name } : {}), ...(password !== undefined ? { password } : {}) },
          progressAdapter((step, fraction) => report(progressStep(step), fraction)),
          cancellationAdapter(token),
        ),
      );
      const text =
        result.textPages === 0
          ? vscode.l10n.t('Added the rulebook “{0}” ({1} pages). It has no text to search (a scanned book?), but it can be read.', result.rulebook.name, result.pages)
          : vscode.l10n.t('Added the rulebook “{0}”: {1} pages.', result.rulebook.name, result.pages);
      const OPEN = vscode.l10n.t('Open');
      void ctx
        .ui()
        .message({ id: 'rulebook-added', severity: result.textPages === 0 ? 'warning' : 'info', text, actions: [OPEN] })
        .then((choice) => choice === OPEN && vscode.commands.executeCommand(COMMANDS.openRulebook, { id: result.rulebook.id }));
      return result;
    } catch (e) {
      if (isVaultError(e, 'cancelled')) {
        void ctx.ui().message({ id: 'cancelled', severity: 'info', text: e.userMessage });
        return undefined;
      }
      const reason = isVaultError(e, 'invalid') ? (e.params as { reason?: unknown } | undefined)?.reason : undefined;
      if (reason !== 'password-needed' && reason !== 'password-wrong') throw e;
      wrong = reason === 'password-wrong' || wrong;
      const answer = await ctx.ui().input({
        id: 'pdf-password',
        title: vscode.l10n.t('Add Rulebook'),
        prompt: vscode.l10n.t('“{0}” has a password. Enter it to read the book.', fileName),
        password: true,
        ...(reason === 'password-wrong' ? { initialMessage: { message: vscode.l10n.t('That is not the PDF’s password.'), severity: vscode.InputBoxValidationSeverity.Error } } : {}),
      });
      if (typeof answer !== 'string' || answer === '') return undefined;
      password = answer;
    }
  }
}

/** Finds a book by id or name in the vault of `folder`, else in every unlocked vault. */
async function findBook(ctx: VaultCommandContext, idOrName: string, folder?: vscode.Uri): Promise<{ folder: vscode.WorkspaceFolder; dm: DataManager; book: Entity }> {
  const open = ctx.vaults.folders.filter((f) => f.state === 'unlocked' && (!folder || f.folder.uri.toString() === folder.toString()));
  if (open.length === 0) throw new VaultError('locked', 'no unlocked vault', { hint: vscode.l10n.t('Unlock the vault to read its rulebooks.'), remedy: 'unlock' });
  for (const f of open) {
    try {
      return { folder: f.folder, dm: f.dm, book: await f.dm.rulebooks.get(idOrName) };
    } catch (e) {
      if (!isVaultError(e, 'not-found')) throw e;
    }
  }
  throw new VaultError('not-found', `rulebook ${idOrName}`, { hint: vscode.l10n.t('There is no rulebook “{0}”.', idOrName), remedy: null });
}

/**
 * Opens a rulebook in the viewer. Arguments: a book's id or name and a page (`'…', 254`), an
 * {@link OpenRulebookArgs}, or a rulebook's node of the Campaigns view; with none, asks which book.
 */
export async function openRulebook(ctx: RulebookContext, arg?: unknown, extra?: unknown): Promise<ViewerSnapshot | undefined> {
  let found: { folder: vscode.WorkspaceFolder; dm: DataManager; book: Entity } | undefined;
  let page: number | undefined;
  let label: string | undefined;
  let highlight: string | undefined;
  if (isCampaignNode(arg)) {
    if (arg.type !== 'entity' || arg.entity.kind !== 'rulebook') throw new VaultError('invalid', 'not a rulebook', { hint: vscode.l10n.t('Choose a rulebook to open.') });
    found = { folder: arg.folder, dm: arg.dm, book: arg.entity };
  } else if (typeof arg === 'string') {
    found = await findBook(ctx, arg);
    if (typeof extra === 'number') page = extra;
    else if (typeof extra === 'string') label = extra;
  } else if (typeof arg === 'object' && arg !== null && typeof (arg as OpenRulebookArgs).id === 'string') {
    const a = arg as OpenRulebookArgs;
    found = await findBook(ctx, a.id, a.folder);
    page = a.page;
    label = a.label;
    if (a.highlight !== undefined && typeof a.highlight !== 'string') throw new VaultError('invalid', 'highlight', { hint: vscode.l10n.t('What to highlight must be text.') });
    highlight = a.highlight?.trim() || undefined;
  } else {
    found = await pickBook(ctx);
    if (!found) return undefined;
  }
  const { folder, dm, book } = found;
  if (page === undefined && label !== undefined) {
    page = pageOfLabel(labelSource(book), Number(book.page_count ?? 0), label);
    if (page === undefined) throw new VaultError('not-found', 'no such label', { hint: vscode.l10n.t('“{0}” has no page labelled “{1}”.', book.name, label), remedy: null });
  }
  return ctx.viewers.open(folder, dm, book, page, highlight ? { query: highlight, mode: 'words' } : undefined);
}

async function pickBook(ctx: VaultCommandContext): Promise<{ folder: vscode.WorkspaceFolder; dm: DataManager; book: Entity } | undefined> {
  const open = ctx.vaults.folders.filter((f) => f.state === 'unlocked');
  if (open.length === 0) throw new VaultError('locked', 'no unlocked vault', { hint: vscode.l10n.t('Unlock the vault to read its rulebooks.'), remedy: 'unlock' });
  const items = (
    await Promise.all(
      open.map(async (f) => (await f.dm.list('rulebook')).map((book) => ({ label: `$(book) ${book.name}`, description: vscode.l10n.t('{0} pages', Number(book.page_count ?? 0)), found: { folder: f.folder, dm: f.dm, book } }))),
    )
  ).flat();
  if (items.length === 0) throw new VaultError('not-found', 'no rulebooks', { hint: vscode.l10n.t('There are no rulebooks yet: add one with “Campaign Vault: Add Rulebook…”.'), remedy: null });
  const picked = await ctx.ui().pick({ id: 'rulebook', title: vscode.l10n.t('Open Rulebook'), placeHolder: vscode.l10n.t('Which book?'), items });
  return picked?.found;
}

/** Registers Add Rulebook… and Open Rulebook, the viewers and the links that open a page (uriHandler.ts); dispose the result to unregister them. */
export function registerRulebooks(s: Services): vscode.Disposable & { readonly viewers: RulebookViewers; readonly links: vscode.UriHandler } {
  const viewers = new RulebookViewers(s.context.extensionUri, s.context.workspaceState, s.ui, s.log.child('rulebooks'), (folder) => s.vaults.lifetimeOf(folder));
  const ctx: RulebookContext = { vaults: s.vaults, ui: s.ui, keys: s.keys, log: s.log, viewers };
  const links = registerRulebookLinks(s);
  const disposable = vscode.Disposable.from(viewers, registerCommands(s, ctx, { [COMMANDS.addRulebook]: addRulebook, [COMMANDS.openRulebook]: openRulebook }), links);
  return Object.assign(disposable, { viewers, links: links.handler });
}
