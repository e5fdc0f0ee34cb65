import { chooseVault, needs, where, type VaultCommandContext } from './common';

/**
 * "Campaign Vault: Forget Remembered Key": deletes this vault's key from VS Code's SecretStorage,
 * so the next unlock asks for the password. An unlocked vault stays unlocked. Resolves with
 * whether a key was deleted.
 */
export async function forgetRememberedKey(ctx: VaultCommandContext, arg?: unknown): Promise<boolean> {
  const f = await chooseVault(ctx, needs.vault, 'Forget Remembered Key', arg);
  if (!f?.vaultId) return false;
  const had = await ctx.keys.forget(f.vaultId);
  const text =
    had === undefined
      ? "VS Code's secret storage is not available here, so nothing could be removed. Details are in the log."
      : had
        ? `The key of ${where(f)} is no longer remembered on this machine; the next unlock asks for the password.`
        : `No key of ${where(f)} is remembered on this machine.`;
  void ctx.ui().message({ id: 'forgotten', severity: had === undefined ? 'warning' : 'info', text });
  return had === true;
}
