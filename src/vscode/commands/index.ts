// The vaults feature: the status bar item, the status commands, and the commands that create,
// unlock, lock and re-key a vault or migrate its database. They ask and tell through the prompter
// and leave the vault model refreshed.
import * as vscode from 'vscode';
import type { Services } from '../services';
import { createStatusBarItem } from '../statusBar';
import { ReadOnlyVaultWatcher } from '../vaultWatcher';
import { changePassword } from './changePassword';
import { createVault } from './createVault';
import { encryptVault } from './encryptVault';
import { forgetRememberedKey } from './forgetRememberedKey';
import { COMMANDS } from './ids';
import { lock } from './lock';
import { showMigrationStatus } from './migrationStatus';
import { registerCommands } from './register';
import { rollbackMigration } from './rollbackMigration';
import { rotateKey } from './rotateKey';
import { runMigrations } from './runMigrations';
import { showStatus } from './showStatus';
import { unlock } from './unlock';

export function registerVaults(s: Services): vscode.Disposable & { readonly statusBar: vscode.StatusBarItem } {
  const statusBar = createStatusBarItem(s.vaults, s.extensionVersion);
  const disposable = vscode.Disposable.from(
    statusBar,
    new ReadOnlyVaultWatcher(s.vaults, s.log.child('watch')),
    registerCommands(s, s, {
      [COMMANDS.showStatus]: showStatus,
      [COMMANDS.showLog]: () => s.channel.show(),
      [COMMANDS.refresh]: () => s.vaults.refresh(),
    }),
    registerCommands(
      s,
      s,
      {
        [COMMANDS.createVault]: createVault,
        [COMMANDS.unlock]: unlock,
        [COMMANDS.lock]: lock,
        [COMMANDS.changePassword]: changePassword,
        [COMMANDS.rotateKey]: rotateKey,
        [COMMANDS.encryptVault]: encryptVault,
        [COMMANDS.migrationStatus]: showMigrationStatus,
        [COMMANDS.runMigrations]: runMigrations,
        [COMMANDS.rollbackMigration]: rollbackMigration,
        [COMMANDS.forgetRememberedKey]: forgetRememberedKey,
      },
      { after: () => s.vaults.refresh() },
    ),
  );
  return Object.assign(disposable, { statusBar: statusBar.item });
}
