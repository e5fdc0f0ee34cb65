import * as vscode from 'vscode';
import { describeError } from '../../core/errors';
import type { Logger } from '../../core/ports';
import type { CommandId } from './ids';

/**
 * Registers a command whose failures are logged with their stack and shown to the user as one
 * sentence with a way to the log — never swallowed, never an unexplained "command failed".
 */
export function registerCommand<A extends unknown[], R>(
  context: vscode.ExtensionContext,
  log: Logger,
  id: CommandId,
  handler: (...args: A) => R | Promise<R>,
): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(id, async (...args: A) => {
      try {
        return await handler(...args);
      } catch (e) {
        log.error(e instanceof Error ? e : String(e));
        void vscode.window.showErrorMessage(`Campaign Vault: ${describeError(e)}`, 'Show Log').then((choice) => {
          if (choice) void vscode.commands.executeCommand('campaignVault.showLog');
        });
        return undefined;
      }
    }),
  );
}
