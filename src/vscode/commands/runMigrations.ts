import * as vscode from 'vscode';
import { capital, all, chooseVault, needs, where, type VaultCommandContext } from './common';

/**
 * "Campaign Vault: Run Migrations": applies pending schema migrations (normally done on unlock)
 * on a verified copy, keeping the previous database as a safety copy. Returns the schema version.
 */
export async function runMigrations(ctx: VaultCommandContext, arg?: unknown): Promise<number | undefined> {
  const f = await chooseVault(ctx, all(needs.writable), vscode.l10n.t('Run Migrations'), arg);
  if (!f) return undefined;
  const before = await f.dm.migrationStatus();
  if (before.pending.length === 0) {
    void ctx.ui().message({ id: 'up-to-date', severity: 'info', text: vscode.l10n.t('The schema of {0} is up to date (version {1}).', where(f), before.current) });
    return before.current;
  }
  const version = await ctx.ui().progress({ id: 'migrate', title: vscode.l10n.t('Migrating the vault’s schema…') }, () => f.dm.runMigrations());
  ctx.log.info(`migrated ${f.folder.uri.fsPath} from schema ${before.current} to ${version}`);
  void ctx.ui().message({ id: 'migrated', severity: 'info', text: vscode.l10n.t('{0} is at schema version {1} (was {2}).', capital(where(f)), version, before.current) });
  return version;
}
