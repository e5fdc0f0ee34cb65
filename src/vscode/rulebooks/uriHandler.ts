// A link that opens a rulebook at a page from outside VS Code (docs/RULEBOOKS.md, "Links"):
//   vscode://campaign-vault.campaign-vault/rulebook?book=SRD%205.1&page=254
//   vscode://campaign-vault.campaign-vault/rulebook?book=SRD%205.1&label=xii
// (`vscode` is the scheme of the VS Code that opens it: `vscode-insiders`, `code-oss` …). The
// book is a name or an id; `page` is the PDF's 1-based page, `label` the printed one. It runs
// Open Rulebook, so an unknown book or page is said as the command says it; while every vault is
// locked it offers to unlock first, then opens the page.
import * as vscode from 'vscode';
import { VaultError } from '../../core/errors';
import type { VaultCommandContext } from '../commands/common';
import { COMMANDS } from '../commands/ids';
import { reportFailure, type CommandReporting } from '../commands/register';
import { LABELS } from '../labels';
import type { OpenRulebookArgs } from './index';

export const RULEBOOK_URI_PATH = '/rulebook';

/** What a rulebook link asks for, or a VaultError saying what is wrong with it. */
export function parseRulebookUri(uri: vscode.Uri): OpenRulebookArgs {
  const example = `${uri.scheme}://${uri.authority}${RULEBOOK_URI_PATH}?book=…&page=…`;
  if (uri.path.replace(/\/+$/, '') !== RULEBOOK_URI_PATH) {
    throw new VaultError('invalid', `link ${uri.toString()}`, { hint: vscode.l10n.t('Campaign Vault cannot open the link “{0}”: its links open rulebooks ({1}).', uri.path, example) });
  }
  const query = new URLSearchParams(uri.query);
  const book = query.get('book')?.trim();
  if (!book) throw new VaultError('invalid', `link without a book: ${uri.toString()}`, { hint: vscode.l10n.t('The link names no book: add book=<name or id> ({0}).', example) });
  const page = query.get('page')?.trim();
  const label = query.get('label')?.trim();
  if (page !== undefined && page !== '') {
    if (!/^\d{1,7}$/.test(page) || Number(page) < 1) {
      throw new VaultError('invalid', `link page ${page}`, { hint: vscode.l10n.t('“{0}” is not a page number: page= takes the PDF’s page (1 is its first page); label= takes a printed page number such as xii.', page) });
    }
    return { id: book, page: Number(page) };
  }
  return { id: book, ...(label ? { label } : {}) };
}

/**
 * Opens the page a link asks for. While every vault is locked it says so and offers to unlock;
 * unlocked, it goes on to the page. A bad link, an unknown book or page: one sentence.
 */
export async function openRulebookLink(ctx: VaultCommandContext & CommandReporting, uri: vscode.Uri): Promise<void> {
  ctx.log.info(`rulebook link: ${uri.path}?${uri.query}`);
  try {
    const args = parseRulebookUri(uri);
    const folders = ctx.vaults.folders;
    const locked = folders.filter((f) => f.state === 'locked');
    if (locked.length > 0 && !folders.some((f) => f.state === 'unlocked')) {
      const UNLOCK = LABELS.unlock;
      const choice = await ctx.ui().message({
        id: 'rulebook-link-locked',
        severity: 'info',
        text: vscode.l10n.t('The vault is locked. Unlock it to open “{0}”.', args.id),
        actions: [UNLOCK],
      });
      if (choice !== UNLOCK) return;
      const unlocked = await vscode.commands.executeCommand<boolean>(COMMANDS.unlock, locked.length === 1 ? locked[0]!.folder.uri : undefined);
      if (!unlocked) return;
    }
    // The command reports an unknown book or page itself.
    await vscode.commands.executeCommand(COMMANDS.openRulebook, args);
  } catch (e) {
    reportFailure(ctx, e);
  }
}

/** Registers the handler of the extension's links (`<scheme>://campaign-vault.campaign-vault/…`). */
export function registerRulebookLinks(ctx: VaultCommandContext & CommandReporting): vscode.Disposable & { readonly handler: vscode.UriHandler } {
  const handler: vscode.UriHandler = { handleUri: (uri) => openRulebookLink(ctx, uri) };
  return Object.assign(vscode.window.registerUriHandler(handler), { handler });
}
