// After Encrypt Vault: the backups made before the vault had a password are re-encrypted under the
// new one (core/backup/rekey.ts), with progress, from whatever encrypted the vault in this window.
import * as vscode from 'vscode';
import type { RekeyReport } from '../../core/backup/service';
import { describeError, isVaultError } from '../../core/errors';
import { COMMANDS } from '../commands/ids';
import { cancellationAdapter, capital, where } from '../commands/common';
import type { BackupCommandContext } from './commands';

/** Re-encrypts the backups of every vault of this window that gets a password. */
export function reencryptAfterEncrypt(ctx: BackupCommandContext): vscode.Disposable {
  return ctx.vaults.whileUnlocked(({ folder, dm, lifetime }) => {
    lifetime.add(
      dm.onDidChange((e) => {
        if (e.action === 'encrypt') void reencryptBackups(ctx, folder);
      }),
    );
  });
}

/**
 * Copies the backups made before the vault had a password under a new key only the password
 * opens. Says what it did; a failure or a cancel says what stays readable until the next backup
 * finishes it. Undefined when there was nothing to do.
 */
export async function reencryptBackups(ctx: BackupCommandContext, folder: vscode.WorkspaceFolder): Promise<RekeyReport | undefined> {
  const f = (await ctx.vaults.refresh()).find((x) => x.folder.uri.toString() === folder.uri.toString());
  if (!f || f.state !== 'unlocked') return undefined;
  const { service } = ctx.backups.of(f);
  try {
    const report = await ctx.ui().progress(
      { id: 'reencrypt-backups', title: vscode.l10n.t('Re-encrypting the backups made before the password (until this is done, they can be read without it)'), cancellable: true },
      (progress, token) => service.reencrypt({ progress: { report: (x) => progress(x.message ?? '', x.fraction ?? 0) }, token: cancellationAdapter(token) }),
    );
    if (!report) return undefined;
    ctx.log.info(`re-encrypted ${report.copied} backups of ${f.folder.uri.fsPath}${report.lost.length ? `; ${report.lost.length} unreadable ones left out` : ''}`);
    const text = vscode.l10n.t('The {0} backups of {1} made before are re-encrypted: they need the password now.', report.copied, where(f));
    const lost = report.lost.length
      ? ` ${vscode.l10n.t('{0} damaged backups could not be read and are gone: {1}.', report.lost.length, report.lost.map((l) => l.id.slice(0, 8)).join(', '))}`
      : '';
    void ctx.ui().message({ id: 'backups-reencrypted', severity: report.lost.length ? 'warning' : 'info', text: text + lost });
    await ctx.backups.refresh();
    return report;
  } catch (e) {
    if (!isVaultError(e, 'cancelled')) ctx.log.error(e instanceof Error ? e : String(e));
    const BACK_UP = vscode.l10n.t('Back Up Now');
    const choice = await ctx.ui().message({
      id: 'backups-reencrypt-unfinished',
      severity: 'warning',
      text: vscode.l10n.t(
        '{0}: re-encrypting the backups made before did not finish ({1}). Until it does, they can be read without the password; the next backup finishes it.',
        capital(where(f)),
        isVaultError(e) ? e.userMessage : describeError(e),
      ),
      actions: [BACK_UP],
    });
    if (choice === BACK_UP) await vscode.commands.executeCommand(COMMANDS.createBackup, f.folder.uri);
    return undefined;
  }
}
