import type * as vscode from 'vscode';
import type { MigrationStatus } from '../../core/api';
import { chooseVault, needs, where, type VaultCommandContext } from './common';

/**
 * "Campaign Vault: Migration Status": the schema version of the open vault, the newest this
 * version knows, and every applied and pending migration, in a quick pick. Returns the status.
 */
export async function showMigrationStatus(ctx: VaultCommandContext, arg?: unknown): Promise<MigrationStatus | undefined> {
  const f = await chooseVault(ctx, needs.unlocked, 'Migration Status', arg);
  if (!f) return undefined;
  const status = await f.dm.migrationStatus();
  const items: vscode.QuickPickItem[] = [
    ...status.applied.map((m) => ({ label: `$(check) ${m.version}. ${m.name}`, description: `applied ${m.appliedAt}` })),
    ...status.pending.map((m) => ({ label: `$(circle-large-outline) ${m.version}. ${m.name}`, description: 'pending: “Campaign Vault: Run Migrations” applies it' })),
  ];
  const state = status.pending.length === 0 ? 'up to date' : `${status.pending.length} pending`;
  void ctx.ui().pick({
    id: 'migrations',
    title: `Schema of ${where(f)}: version ${status.current} of ${status.latest} (${state})`,
    placeHolder: `Applied migrations: ${status.applied.length}; pending: ${status.pending.length}`,
    items,
  });
  return status;
}
