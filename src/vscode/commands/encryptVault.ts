import * as vscode from 'vscode';
import { isVaultError } from '../../core/errors';
import { capital, all, chooseVault, needs, progressAdapter, where, type VaultCommandContext } from './common';
import { askNewPassword } from './passwords';
import { offerToRemember, showRecoveryKey } from './remember';

/**
 * "Campaign Vault: Encrypt Vault": gives an unencrypted vault a password (typed twice), re-encrypts
 * everything with new keys, and shows the new recovery key once. The backups made before are
 * re-encrypted right after by the backups feature (backups/reencrypt.ts), which hears of it.
 */
export async function encryptVault(ctx: VaultCommandContext, arg?: unknown): Promise<boolean> {
  const f = await chooseVault(ctx, all(needs.writable, needs.unencrypted), vscode.l10n.t('Encrypt Vault'), arg);
  if (!f) return false;
  const password = await askNewPassword(ctx.ui(), vscode.l10n.t('Encrypt Vault'));
  if (password === undefined) return false;
  let recoveryKey: string | undefined;
  try {
    ({ recoveryKey } = await ctx.ui().progress({ id: 'encrypt', title: vscode.l10n.t('Encrypting the vault') }, (report) => f.dm.encrypt(password, progressAdapter(report))));
  } catch (e) {
    if (!isVaultError(e, 'cancelled')) throw e;
    void ctx.ui().message({ id: 'cancelled', severity: 'info', text: e.userMessage });
    return false;
  }
  ctx.log.info(`encrypted the vault in ${f.folder.uri.fsPath}`);
  void ctx.ui().message({
    id: 'encrypted',
    severity: 'info',
    text: vscode.l10n.t(
      '{0} is encrypted. Its backups made before are re-encrypted next; portable backup files exported before are not changed: each still opens with the password it was exported with.',
      capital(where(f)),
    ),
  });
  if (recoveryKey) await showRecoveryKey(ctx, recoveryKey);
  await offerToRemember(ctx, f);
  return true;
}
