// What every feature is registered with: the services the composition root (extension.ts) builds
// once. A feature is a function of them — registerVaults(services), registerBackups(services) … —
// returning what it registered as one disposable.
import type * as vscode from 'vscode';
import type { NewVaultFactory } from '../core/backup/port';
import type { VaultCommandContext } from './commands/common';
import type { CommandReporting } from './commands/register';

export interface Services extends VaultCommandContext, CommandReporting {
  readonly context: vscode.ExtensionContext;
  readonly extensionVersion: string;
  /** The log channel ("Show Log"). */
  readonly channel: vscode.LogOutputChannel;
  /** Makes the new vault of a restore into a folder: the same state folder, logger and KDF as the workspace's vaults. */
  readonly newVault: NewVaultFactory;
}
