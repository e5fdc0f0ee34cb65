// Backups and integrity (docs/BACKUPS.md, docs/INTEGRITY.md): the backup manager (a service per
// unlocked vault, the schedules), its commands, the Backups and Integrity views and the backup
// status bar item.
import * as vscode from 'vscode';
import { COMMANDS } from '../commands/ids';
import { registerCommands } from '../commands/register';
import type { Services } from '../services';
import { BackupManager } from './backupManager';
import { createBackupStatusItem } from './backupStatus';
import {
  checkIntegrity,
  createBackup,
  exportPortableBackup,
  goToFinding,
  importPortableBackup,
  pruneBackups,
  repairIntegrity,
  restoreBackup,
  verifyBackups,
  type BackupCommandContext,
} from './commands';
import { reencryptAfterEncrypt } from './reencrypt';
import { BACKUPS_VIEW, BackupsTreeProvider, INTEGRITY_VIEW, IntegrityTreeProvider } from './views';

export interface BackupsFeature extends vscode.Disposable {
  readonly backups: BackupManager;
  readonly backupTree: BackupsTreeProvider;
  readonly integrityTree: IntegrityTreeProvider;
  readonly statusItem: vscode.StatusBarItem;
}

export function registerBackups(s: Services): BackupsFeature {
  const backups = new BackupManager(s.vaults, s.extensionVersion, s.log.child('backups'), s.context.globalState, (text, actions) =>
    s.ui().message({ id: 'scheduled', severity: 'warning', text, actions }),
  );
  const ctx: BackupCommandContext = { ...s, backups };
  const backupTree = new BackupsTreeProvider(backups);
  const integrityTree = new IntegrityTreeProvider(backups);
  const backupStatus = createBackupStatusItem(backups);
  const disposable = vscode.Disposable.from(
    backups,
    backupTree,
    integrityTree,
    backupStatus,
    vscode.window.createTreeView(BACKUPS_VIEW, { treeDataProvider: backupTree }),
    vscode.window.createTreeView(INTEGRITY_VIEW, { treeDataProvider: integrityTree }),
    registerCommands(
      s,
      ctx,
      {
        [COMMANDS.createBackup]: createBackup,
        [COMMANDS.restoreBackup]: restoreBackup,
        [COMMANDS.verifyBackups]: verifyBackups,
        [COMMANDS.pruneBackups]: pruneBackups,
        [COMMANDS.exportPortableBackup]: exportPortableBackup,
        [COMMANDS.importPortableBackup]: importPortableBackup,
        [COMMANDS.checkIntegrity]: checkIntegrity,
        [COMMANDS.repairIntegrity]: repairIntegrity,
        [COMMANDS.goToFinding]: goToFinding,
      },
      {
        after: async () => {
          await s.vaults.refresh();
          await backups.refresh();
        },
      },
    ),
    registerCommands(s, ctx, { [COMMANDS.refreshBackups]: (c) => c.backups.refresh() }),
    reencryptAfterEncrypt(ctx),
  );
  return Object.assign(disposable, { backups, backupTree, integrityTree, statusItem: backupStatus.item });
}
