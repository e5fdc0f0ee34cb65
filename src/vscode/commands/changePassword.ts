import * as vscode from 'vscode';
import { capital, all, chooseVault, needs, where, type VaultCommandContext } from './common';
import { askNewPassword, askText, requiredPassword } from './passwords';

/**
 * "Campaign Vault: Change Password": the current password (checked in its input box, which stays
 * open while it is wrong), then the new one twice. Rewrites only the key file; the recovery key
 * and a remembered key keep working.
 */
export async function changePassword(ctx: VaultCommandContext, arg?: unknown): Promise<boolean> {
  const f = await chooseVault(ctx, all(needs.writable, needs.encrypted), vscode.l10n.t('Change Password'), arg);
  if (!f) return false;
  const current = await askText(ctx.ui(), {
    id: 'current-password',
    title: vscode.l10n.t('Change Password'),
    prompt: vscode.l10n.t('The current password of {0}', where(f)),
    password: true,
    validate: requiredPassword,
    accept: async (value) => {
      if (await f.dm.checkPassword(value)) return undefined;
      ctx.log.info(`change password in ${f.folder.uri.fsPath}: the current password was wrong`);
      return vscode.l10n.t('That is not the current password. Nothing was changed. Try again.');
    },
    acceptingPrompt: vscode.l10n.t('Checking the password…'),
  });
  if (current === undefined) return false;
  const next = await askNewPassword(ctx.ui(), vscode.l10n.t('Change Password'), vscode.l10n.t('Choose the new password'));
  if (next === undefined) return false;
  await ctx.ui().progress({ id: 'change-password', title: vscode.l10n.t('Changing the password…') }, () => f.dm.changePassword(current, next));
  ctx.log.info(`changed the password of ${f.folder.uri.fsPath}`);
  void ctx.ui().message({ id: 'password-changed', severity: 'info', text: vscode.l10n.t('{0} has a new password. Your recovery key still works.', capital(where(f))) });
  return true;
}
