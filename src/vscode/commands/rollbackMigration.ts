import * as vscode from 'vscode';
import { capital, chooseVault, needs, where, type VaultCommandContext } from './common';
import { LABELS } from '../labels';

/**
 * "Campaign Vault: Roll Back Migration": after a modal confirmation, undoes the newest schema
 * migration (never the initial schema). Returns the new schema version, undefined if not done.
 */
export async function rollbackMigration(ctx: VaultCommandContext, arg?: unknown): Promise<number | undefined> {
  const f = await chooseVault(ctx, needs.writable, vscode.l10n.t('Roll Back Migration'), arg);
  if (!f) return undefined;
  const status = await f.dm.migrationStatus();
  const top = status.applied.at(-1);
  if (!top || top.version <= 1) {
    void ctx.ui().message({ id: 'cannot-run', severity: 'info', text: vscode.l10n.t('{0} has only its initial schema, which cannot be rolled back.', capital(where(f))) });
    return undefined;
  }
  const rollBack = LABELS.rollBack;
  const confirm = await ctx.ui().message({
    id: 'confirm-rollback',
    severity: 'warning',
    modal: true,
    text: vscode.l10n.t('Roll back migration {0} “{1}”?', top.version, top.name),
    detail: vscode.l10n.t(
      'The database of {0} goes back to schema version {1}; what this migration added is removed. A safety copy of the current database is kept in the vault. The migration is applied again the next time the vault is unlocked, or with “Campaign Vault: Run Migrations”.',
      where(f),
      status.applied.at(-2)?.version ?? top.version - 1,
    ),
    actions: [rollBack],
  });
  if (confirm !== rollBack) return undefined;
  const version = await ctx.ui().progress({ id: 'rollback', title: vscode.l10n.t('Rolling back the migration…') }, () => f.dm.rollbackMigration());
  ctx.log.info(`rolled back migration ${top.version} of ${f.folder.uri.fsPath}; schema is now ${version}`);
  void ctx.ui().message({ id: 'rolled-back', severity: 'info', text: vscode.l10n.t('{0} is at schema version {1}.', capital(where(f)), version) });
  return version;
}
