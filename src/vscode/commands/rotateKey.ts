import * as vscode from 'vscode';
import { isVaultError } from '../../core/errors';
import { capital, all, cancellationAdapter, chooseVault, needs, progressAdapter, where, type VaultCommandContext } from './common';

/**
 * "Campaign Vault: Rotate Encryption Key": a new data key, everything re-encrypted with it, the
 * old one removed. Shows progress and can be cancelled until the new key is written; after a
 * crash the next unlock finishes it. Password, recovery key and a remembered key keep working.
 */
export async function rotateKey(ctx: VaultCommandContext, arg?: unknown): Promise<boolean> {
  const f = await chooseVault(ctx, all(needs.writable, needs.encrypted), vscode.l10n.t('Rotate Encryption Key'), arg);
  if (!f) return false;
  try {
    await ctx.ui().progress({ id: 'rotate-key', title: vscode.l10n.t('Rotating the encryption key'), cancellable: true }, (report, token) =>
      f.dm.rotateKey(progressAdapter(report), cancellationAdapter(token)),
    );
  } catch (e) {
    if (!isVaultError(e, 'cancelled')) throw e;
    ctx.log.info(`key rotation of ${f.folder.uri.fsPath} cancelled`);
    void ctx.ui().message({ id: 'cancelled', severity: 'info', text: e.userMessage });
    return false;
  }
  ctx.log.info(`rotated the data key of ${f.folder.uri.fsPath}`);
  void ctx.ui().message({ id: 'rotated', severity: 'info', text: vscode.l10n.t('{0} is re-encrypted with a new key. Your password and recovery key still work.', capital(where(f))) });
  return true;
}
