import { capital, chooseVault, needs, where, type VaultCommandContext } from './common';

/**
 * "Campaign Vault: Roll Back Migration": after a modal confirmation, undoes the newest schema
 * migration (never the initial schema). Returns the new schema version, undefined if not done.
 */
export async function rollbackMigration(ctx: VaultCommandContext, arg?: unknown): Promise<number | undefined> {
  const f = await chooseVault(ctx, needs.writable, 'Roll Back Migration', arg);
  if (!f) return undefined;
  const status = await f.dm.migrationStatus();
  const top = status.applied.at(-1);
  if (!top || top.version <= 1) {
    void ctx.ui().message({ id: 'cannot-run', severity: 'info', text: `${capital(where(f))} has only its initial schema, which cannot be rolled back.` });
    return undefined;
  }
  const confirm = await ctx.ui().message({
    id: 'confirm-rollback',
    severity: 'warning',
    modal: true,
    text: `Roll back migration ${top.version} “${top.name}”?`,
    detail:
      `The database of ${where(f)} goes back to schema version ${status.applied.at(-2)?.version ?? top.version - 1}; what this migration added is removed. ` +
      'A safety copy of the current database is kept in the vault. ' +
      'The migration is applied again the next time the vault is unlocked, or with “Campaign Vault: Run Migrations”.',
    actions: ['Roll Back'],
  });
  if (confirm !== 'Roll Back') return undefined;
  const version = await ctx.ui().progress({ id: 'rollback', title: 'Rolling back the migration…' }, () => f.dm.rollbackMigration());
  ctx.log.info(`rolled back migration ${top.version} of ${f.folder.uri.fsPath}; schema is now ${version}`);
  void ctx.ui().message({ id: 'rolled-back', severity: 'info', text: `${capital(where(f))} is at schema version ${version}.` });
  return version;
}
