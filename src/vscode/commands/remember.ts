import * as vscode from 'vscode';
import { fromBase64 } from '../../core/bytes';
import { describeError, isVaultError } from '../../core/errors';
import type { UnlockSecret } from '../../core/vault/keys';
import { REMEMBER_KEY_SETTING, rememberKeySetting } from '../rememberedKeys';
import type { VaultFolder } from '../vaults';
import { where, type VaultCommandContext } from './common';
import { LABELS } from '../labels';

/**
 * Shows a new recovery key once, in a modal with a "Copy" button. It is not kept anywhere: this
 * dialog is the only place it ever appears. The key is already in the vault by then, so the
 * dialog offers no "Cancel": only "Copy" and "I Have Stored It". `text` is the dialog's heading
 * (a restore into a new folder says whose key it is).
 */
export async function showRecoveryKey(ctx: VaultCommandContext, recoveryKey: string, text = vscode.l10n.t('Store your recovery key safely now')): Promise<void> {
  const copy = LABELS.copy;
  const choice = await ctx.ui().message({
    id: 'recovery-key',
    severity: 'warning',
    modal: true,
    text,
    detail: vscode.l10n.t(
      '{0}\n\nThis is the only time it is shown. Keep it somewhere safe away from this computer — a password manager, or on paper. If you forget the password, this key is the only way to open the vault: nobody, not even Campaign Vault, can recover a campaign without one of the two.',
      recoveryKey,
    ),
    actions: [copy],
    closeAction: LABELS.storedIt,
  });
  if (choice === copy) {
    await ctx.ui().copy(recoveryKey);
    void ctx.ui().message({ id: 'recovery-key-copied', severity: 'info', text: vscode.l10n.t('Recovery key copied. Paste it into your password manager now, then copy something else over it.') });
  }
}

/**
 * After an unlock with a password or recovery key (or a new password): offers to remember the
 * vault's key on this machine, or remembers it without asking, per `campaignVault.rememberKey`.
 * Unencrypted vaults have nothing to remember.
 */
export async function offerToRemember(ctx: VaultCommandContext, f: VaultFolder): Promise<void> {
  const dm = f.dm;
  const vaultId = dm.vaultId;
  if (!dm.isUnlocked || dm.isEncrypted !== true || vaultId === undefined) return;
  const setting = rememberKeySetting();
  if (setting === 'never') return;
  const key = dm.rememberableKey();
  if ((await ctx.keys.get(vaultId)) === key) return;
  if (setting === 'ask') {
    const { remember, notNow, never } = LABELS;
    const choice = await ctx.ui().message({
      id: 'remember',
      severity: 'info',
      text: vscode.l10n.t(
        "Remember the key of {0} on this machine? It will then unlock without a password in VS Code here. The key is kept in VS Code's secret storage, protected by your system's keychain.",
        where(f),
      ),
      actions: [remember, notNow, never],
    });
    if (choice === never) {
      await vscode.workspace.getConfiguration('campaignVault').update(REMEMBER_KEY_SETTING, 'never', vscode.ConfigurationTarget.Global);
      return;
    }
    if (choice !== remember) return;
  }
  if (!(await ctx.keys.remember(vaultId, key))) {
    void ctx.ui().message({
      id: 'remember-failed',
      severity: 'warning',
      text: vscode.l10n.t("The key could not be remembered: VS Code's secret storage is not available here (no system keychain?). You will be asked for the password next time. Details are in the log."),
    });
  }
}

/**
 * Unlocks with the key remembered for this vault, if there is one and remembering is not turned
 * off. A key that no longer fits (the vault was re-encrypted or replaced) is forgotten. Resolves
 * with whether the vault is now unlocked; other failures (in use, rolled back, damaged) throw.
 * `open` unlocks with the key (the Unlock command's warns before opening an older copy).
 */
export async function unlockWithRememberedKey(ctx: VaultCommandContext, f: VaultFolder, open: (secret: UnlockSecret) => Promise<void> = (secret) => f.dm.unlock(secret)): Promise<boolean> {
  if (f.encrypted !== true || f.vaultId === undefined || rememberKeySetting() === 'never') return false;
  const stored = await ctx.keys.get(f.vaultId);
  if (stored === undefined) return false;
  let masterKey: Uint8Array;
  try {
    masterKey = fromBase64(stored);
  } catch {
    ctx.log.warn(`the key remembered for vault ${f.vaultId} is not base64; forgetting it`);
    await ctx.keys.forget(f.vaultId);
    return false;
  }
  try {
    await open({ masterKey });
    ctx.log.info(`unlocked ${f.folder.uri.fsPath} with the key remembered on this machine`);
    return true;
  } catch (e) {
    if (!isVaultError(e, 'wrong-password')) throw e;
    ctx.log.warn(`the key remembered for vault ${f.vaultId} does not fit it any more (${e.message}); forgetting it`);
    await ctx.keys.forget(f.vaultId);
    return false;
  } finally {
    masterKey.fill(0);
  }
}

/**
 * At activation: unlocks, silently, every locked vault that needs no password — unencrypted ones
 * and those whose key is remembered. Never throws:
 * SecretStorage failures fall back to asking for the password later; other failures are logged
 * and shown once.
 */
export async function unlockRememberedVaults(ctx: VaultCommandContext): Promise<number> {
  let unlocked = 0;
  for (const f of await ctx.vaults.refresh()) {
    if (f.state !== 'locked') continue;
    try {
      if (f.encrypted === false) {
        // Nothing to ask for: an unencrypted vault opens with the workspace.
        await f.dm.unlock({ none: true });
        unlocked += 1;
      } else if (await unlockWithRememberedKey(ctx, f)) unlocked += 1;
    } catch (e) {
      ctx.log.error(e instanceof Error ? e : String(e));
      void ctx.ui().message({ id: 'error', severity: 'warning', text: vscode.l10n.t('Campaign Vault could not unlock {0} with its remembered key: {1}', where(f), describeError(e)) });
    }
  }
  if (unlocked > 0) await ctx.vaults.refresh();
  return unlocked;
}
