import * as vscode from 'vscode';
import { capital, chooseVault, needs, where, type VaultCommandContext } from './common';

/** "Campaign Vault: Lock": closes the vault, drops its keys from memory and releases the writer lock. */
export async function lock(ctx: VaultCommandContext, arg?: unknown): Promise<boolean> {
  const f = await chooseVault(ctx, (x) => needs.vault(x) ?? (x.state === 'locked' ? { text: vscode.l10n.t('{0} is already locked.', capital(where(x))) } : undefined), vscode.l10n.t('Lock Vault'), arg);
  if (!f) return false;
  await f.dm.lock();
  ctx.log.info(`locked ${f.folder.uri.fsPath}`);
  return true;
}
