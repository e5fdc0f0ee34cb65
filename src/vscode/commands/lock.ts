import * as vscode from 'vscode';
import { capital, chooseVault, needs, where, type VaultCommandContext } from './common';

/**
 * "Campaign Vault: Lock" (also the status bar's click): closes every editor of the vault — asking
 * to save or discard unsaved edits first (lockScreen.ts) —, then closes the vault, drops its keys
 * and everything decrypted from memory and releases the writer lock. False when it stayed unlocked.
 */
export async function lock(ctx: VaultCommandContext, arg?: unknown): Promise<boolean> {
  const f = await chooseVault(ctx, (x) => needs.vault(x) ?? (x.state === 'locked' ? { text: vscode.l10n.t('{0} is already locked.', capital(where(x))) } : undefined), vscode.l10n.t('Lock Vault'), arg);
  if (!f) return false;
  if (!(await ctx.vaults.lock(f.folder, 'command'))) {
    ctx.log.info(`lock of ${f.folder.uri.fsPath} cancelled`);
    return false;
  }
  ctx.log.info(`locked ${f.folder.uri.fsPath}`);
  return true;
}
