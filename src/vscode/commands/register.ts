import * as vscode from 'vscode';
import { describeError } from '../../core/errors';
import type { Logger } from '../../core/ports';
import type { CommandId } from './ids';

export interface RegisterOptions {
  /** Shows the failure sentence; resolves with the chosen button. Defaults to an error notification. */
  readonly report?: (message: string, actions: readonly string[]) => Thenable<string | undefined>;
  /** Runs after the handler, whether it succeeded or not (the vault commands refresh the lock state). */
  readonly after?: () => Promise<unknown>;
}

/**
 * Registers a command whose failures are logged with their stack and shown to the user as one
 * sentence with a way to the log — never swallowed, never an unexplained "command failed".
 */
export function registerCommand<A extends unknown[], R>(
  context: vscode.ExtensionContext,
  log: Logger,
  id: CommandId,
  handler: (...args: A) => R | Promise<R>,
  options: RegisterOptions = {},
): void {
  const report = options.report ?? ((message, actions) => vscode.window.showErrorMessage(message, ...actions));
  context.subscriptions.push(
    vscode.commands.registerCommand(id, async (...args: A) => {
      try {
        return await handler(...args);
      } catch (e) {
        log.error(e instanceof Error ? e : String(e));
        void Promise.resolve(report(`Campaign Vault: ${describeError(e)}`, ['Show Log'])).then((choice) => {
          if (choice) void vscode.commands.executeCommand('campaignVault.showLog');
        });
        return undefined;
      } finally {
        await options.after?.().catch((e: unknown) => log.error(e instanceof Error ? e : String(e)));
      }
    }),
  );
}
