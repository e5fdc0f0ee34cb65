import * as vscode from 'vscode';
import { capital, all, chooseVault, needs, where, type VaultCommandContext } from './common';
import { askNewPassword, askText, requiredPassword } from './passwords';

/**
 * "Campaign Vault: Change Password": the current password (asked again while wrong), then the new
 * one twice. Rewrites only the key file; the recovery key and a remembered key keep working.
 */
export async function changePassword(ctx: VaultCommandContext, arg?: unknown): Promise<boolean> {
  const f = await chooseVault(ctx, all(needs.writable, needs.encrypted), vscode.l10n.t('Change Password'), arg);
  if (!f) return false;
  let failure: vscode.InputBoxValidationMessage | undefined;
  let current: string | undefined;
  for (;;) {
    current = await askText(ctx.ui(), {
      id: 'current-password',
      title: vscode.l10n.t('Change Password'),
      prompt: vscode.l10n.t('The current password of {0}', where(f)),
      password: true,
      validate: requiredPassword,
      ...(failure ? { initialMessage: failure } : {}),
    });
    if (current === undefined) return false;
    const candidate = current;
    if (await ctx.ui().progress({ id: 'check-password', title: vscode.l10n.t('Checking the password…') }, () => f.dm.checkPassword(candidate))) break;
    ctx.log.info(`change password in ${f.folder.uri.fsPath}: the current password was wrong`);
    failure = { message: vscode.l10n.t('That is not the current password. Nothing was changed. Try again.'), severity: vscode.InputBoxValidationSeverity.Error };
  }
  const next = await askNewPassword(ctx.ui(), vscode.l10n.t('Change Password'), vscode.l10n.t('Choose the new password'));
  if (next === undefined) return false;
  const old = current;
  await ctx.ui().progress({ id: 'change-password', title: vscode.l10n.t('Changing the password…') }, () => f.dm.changePassword(old, next));
  ctx.log.info(`changed the password of ${f.folder.uri.fsPath}`);
  void ctx.ui().message({ id: 'password-changed', severity: 'info', text: vscode.l10n.t('{0} has a new password. Your recovery key still works.', capital(where(f))) });
  return true;
}
