import * as vscode from 'vscode';
import type { MigrationStatus } from '../../core/api';
import { chooseVault, needs, where, type VaultCommandContext } from './common';

/**
 * "Campaign Vault: Migration Status": the schema version of the open vault, the newest this
 * version knows, and every applied and pending migration, in a quick pick. Returns the status.
 */
export async function showMigrationStatus(ctx: VaultCommandContext, arg?: unknown): Promise<MigrationStatus | undefined> {
  const f = await chooseVault(ctx, needs.unlocked, vscode.l10n.t('Migration Status'), arg);
  if (!f) return undefined;
  const status = await f.dm.migrationStatus();
  const items: vscode.QuickPickItem[] = [
    ...status.applied.map((m) => ({ label: `$(check) ${m.version}. ${m.name}`, description: vscode.l10n.t('applied {0}', m.appliedAt) })),
    ...status.pending.map((m) => ({ label: `$(circle-large-outline) ${m.version}. ${m.name}`, description: vscode.l10n.t('pending: “Campaign Vault: Run Migrations” applies it') })),
  ];
  const state = status.pending.length === 0 ? vscode.l10n.t('up to date') : vscode.l10n.t('{0} pending', status.pending.length);
  void ctx.ui().pick({
    id: 'migrations',
    title: vscode.l10n.t('Schema of {0}: version {1} of {2} ({3})', where(f), status.current, status.latest, state),
    placeHolder: vscode.l10n.t('Applied migrations: {0}; pending: {1}', status.applied.length, status.pending.length),
    items,
  });
  return status;
}
