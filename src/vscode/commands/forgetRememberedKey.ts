import * as vscode from 'vscode';
import { chooseVault, needs, where, type VaultCommandContext } from './common';

/**
 * "Campaign Vault: Forget Remembered Key": deletes this vault's key from VS Code's SecretStorage,
 * so the next unlock asks for the password. An unlocked vault stays unlocked. Resolves with
 * whether a key was deleted.
 */
export async function forgetRememberedKey(ctx: VaultCommandContext, arg?: unknown): Promise<boolean> {
  const f = await chooseVault(ctx, needs.vault, vscode.l10n.t('Forget Remembered Key'), arg);
  if (!f?.vaultId) return false;
  const had = await ctx.keys.forget(f.vaultId);
  const text =
    had === undefined
      ? vscode.l10n.t("VS Code's secret storage is not available here, so nothing could be removed. Details are in the log.")
      : had
        ? vscode.l10n.t('The key of {0} is no longer remembered on this machine; the next unlock asks for the password.', where(f))
        : vscode.l10n.t('No key of {0} is remembered on this machine.', where(f));
  void ctx.ui().message({ id: 'forgotten', severity: had === undefined ? 'warning' : 'info', text });
  return had === true;
}
