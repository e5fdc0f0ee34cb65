import * as vscode from 'vscode';
import { isVaultError } from '../../core/errors';
import type { UnlockSecret } from '../../core/vault/keys';
import type { InputResult, Validation } from '../prompter';
import type { VaultFolder } from '../vaults';
import { capital, chooseVault, needs, where, type VaultCommandContext } from './common';
import { LABELS } from '../labels';
import { ask, askNewPassword, requiredPassword } from './passwords';
import { offerToRemember, unlockWithRememberedKey } from './remember';

/**
 * "Campaign Vault: Unlock": an unencrypted vault opens at once; an encrypted one with the key
 * remembered on this machine, else with the password (a button switches to the recovery key).
 * A wrong password or key is said so in the input box, which stays open. Resolves with whether
 * the vault is now unlocked.
 */
export async function unlock(ctx: VaultCommandContext, arg?: unknown): Promise<boolean> {
  const f = await chooseVault(ctx, needs.locked, vscode.l10n.t('Unlock Vault'), arg);
  if (!f) return false;
  if (f.encrypted === false) {
    await unlockWarned(ctx, f, { none: true }, vscode.l10n.t('Opening the vault…'));
  } else if (!(await unlockWithRememberedKey(ctx, f, (secret) => unlockWarned(ctx, f, secret, vscode.l10n.t('Unlocking the vault…'))))) {
    const used = await askAndUnlock(ctx, f);
    if (!used) return false;
    if (used === 'recovery-key') void offerNewPassword(ctx, f);
    await offerToRemember(ctx, f);
  }
  ctx.log.info(`unlocked ${f.folder.uri.fsPath}${f.dm.readOnlyReason ? ' read-only' : ''}`);
  const reason = f.dm.readOnlyReason;
  if (reason) {
    void ctx.ui().message({ id: 'read-only', severity: 'warning', text: vscode.l10n.t('{0} is open read-only. {1}', capital(where(f)), reason.hint ?? reason.userMessage) });
  }
  return f.dm.isUnlocked;
}

/**
 * Unlocks with `secret`. A vault older than the copy this computer last saw (a rollback: an old
 * copy put back by a sync conflict, or a copy the user made) opens only after a warning of what
 * that can mean and the user's choice; the core then remembers this copy, and still refuses any
 * other older one. Declined, the refusal is thrown as it came.
 */
export async function unlockWarned(ctx: VaultCommandContext, f: VaultFolder, secret: UnlockSecret, title: string): Promise<void> {
  try {
    await ctx.ui().progress({ id: 'unlock', title }, () => f.dm.unlock(secret));
  } catch (e) {
    await openRolledBack(ctx, f, secret, title, e);
  }
}

/** After `refusal` of an unlock with `secret`: a rollback opens if the user chooses to; anything else is thrown. */
async function openRolledBack(ctx: VaultCommandContext, f: VaultFolder, secret: UnlockSecret, title: string, refusal: unknown): Promise<void> {
  if (!isVaultError(refusal, 'rolled-back')) throw refusal;
  const OPEN = LABELS.openAnyway;
  const choice = await ctx.ui().message({
    id: 'rolled-back',
    severity: 'warning',
    modal: true,
    text: vscode.l10n.t('{0} is older than the copy last opened on this computer.', capital(where(f))),
    detail: vscode.l10n.t(
      'It may be an old copy put back by a sync conflict or a backup tool: then the changes made since are not in it, and working in it can lose them for good. If it is a copy you made yourself on purpose, you can open it: this computer then remembers this copy, and still warns about any other older one.',
    ),
    actions: [OPEN],
  });
  if (choice !== OPEN) throw refusal;
  await ctx.ui().progress({ id: 'unlock', title }, () => f.dm.unlock(secret, { acceptRollback: true }));
  ctx.log.warn(`opened ${f.folder.uri.fsPath} although it is older than the copy last seen on this computer: the user chose to`);
}

/**
 * Asks for the password (or the recovery key) until the vault opens or the user gives up. The
 * unlock itself is the input box's check: a wrong password or key is said in the box, which stays
 * open; a rollback closes it, and the warning asks whether to open that copy.
 */
async function askAndUnlock(ctx: VaultCommandContext, f: VaultFolder): Promise<'password' | 'recovery-key' | undefined> {
  let mode: 'password' | 'recovery-key' = 'password';
  for (;;) {
    let tried: UnlockSecret | undefined;
    const accept = async (value: string): Promise<Validation> => {
      tried = mode === 'password' ? { password: value } : { recoveryKey: value };
      try {
        await f.dm.unlock(tried);
        return undefined;
      } catch (e) {
        if (!isVaultError(e, 'wrong-password')) throw e;
        ctx.log.info(`unlock of ${f.folder.uri.fsPath} refused: ${e.message}`);
        return vscode.l10n.t('{0} Try again.', e.userMessage);
      }
    };
    let answer: InputResult;
    try {
      answer =
        mode === 'password'
          ? await ask(ctx.ui(), {
              id: 'password',
              title: vscode.l10n.t('Unlock Vault'),
              prompt: vscode.l10n.t('The password of {0}', where(f)),
              password: true,
              validate: requiredPassword,
              accept,
              acceptingPrompt: vscode.l10n.t('Checking the password…'),
              buttons: [{ id: 'recovery-key', icon: new vscode.ThemeIcon('key'), tooltip: vscode.l10n.t('Use the recovery key instead') }],
            })
          : await ask(ctx.ui(), {
              id: 'recovery-key',
              title: vscode.l10n.t('Unlock Vault with the Recovery Key'),
              prompt: vscode.l10n.t('The recovery key you were shown when the vault was created (52 letters and digits; dashes and spaces do not matter)'),
              placeHolder: vscode.l10n.t('XXXX-XXXX-XXXX-…'),
              password: true,
              validate: (value, final) => (final && value.trim().length === 0 ? { message: vscode.l10n.t('Enter the recovery key.'), severity: vscode.InputBoxValidationSeverity.Error } : undefined),
              accept,
              acceptingPrompt: vscode.l10n.t('Checking the recovery key…'),
              buttons: [{ id: 'password', icon: new vscode.ThemeIcon('lock'), tooltip: vscode.l10n.t('Use the password instead') }],
            });
    } catch (e) {
      if (!tried) throw e;
      await openRolledBack(ctx, f, tried, vscode.l10n.t('Unlocking the vault…'), e);
      return mode;
    }
    if (answer === undefined) return undefined;
    if (typeof answer === 'string') return mode;
    mode = answer.button === 'recovery-key' ? 'recovery-key' : 'password';
  }
}

/**
 * After an unlock with the recovery key — usually because the password is forgotten — offers to
 * set a new one (DataManager.resetPassword allows it only in such a session).
 */
async function offerNewPassword(ctx: VaultCommandContext, f: VaultFolder): Promise<void> {
  const SET = LABELS.setNewPassword;
  const choice = await ctx.ui().message({
    id: 'recovered',
    severity: 'info',
    text: vscode.l10n.t('{0} is unlocked with the recovery key. Keep the recovery key safe: it still works, and it is the only way in without the password.', capital(where(f))),
    actions: [SET],
  });
  if (choice !== SET || !f.dm.unlockedWithRecoveryKey) return;
  const next = await askNewPassword(ctx.ui(), vscode.l10n.t('Set a New Password'));
  if (next === undefined) return;
  try {
    await ctx.ui().progress({ id: 'reset-password', title: vscode.l10n.t('Setting the new password…') }, () => f.dm.resetPassword(next));
    ctx.log.info(`set a new password for ${f.folder.uri.fsPath} after a recovery-key unlock`);
    void ctx.ui().message({ id: 'password-reset', severity: 'info', text: vscode.l10n.t('{0} has a new password. The recovery key still works too.', capital(where(f))) });
  } catch (e) {
    ctx.log.error(e instanceof Error ? e : String(e));
    void ctx.ui().message({ id: 'password-reset-failed', severity: 'error', text: isVaultError(e) ? e.userMessage : String(e) });
  }
}
