// The one way a command is registered: a table of handlers (ids from ./ids.ts) that share a
// context object, run with a report hook for failures and an after hook (the vault commands
// refresh the lock state). package.json contributes the same ids (a test checks).
import * as vscode from 'vscode';
import type { Logger } from '../../core/ports';
import { failureMessage } from '../errorText';
import type { Prompter } from '../prompter';
import type { ContextKeyValues } from '../vaults';
import type { CommandId } from './ids';

/** A command's handler: the shared context first, then the arguments VS Code (a menu, a test) passes. */
export type CommandHandler<C> = (ctx: C, arg?: unknown, extra?: unknown) => unknown;

export type CommandTable<C> = Partial<Record<CommandId, CommandHandler<C>>>;

export interface CommandHooks {
  /** Runs after every handler, whether it succeeded or not. */
  readonly after?: () => Promise<unknown>;
}

/** What reporting a failure needs: the log, the prompter of the moment, and the context keys (which remedies can run). */
export interface CommandReporting {
  readonly log: Logger;
  readonly ui: () => Prompter;
  readonly contextKeys: () => ContextKeyValues | undefined;
}

/**
 * Registers every command of `table` with `ctx`. A failure is logged with its stack and shown as
 * one sentence (errorText.ts) with the remedy's button when the error names one that can run, and
 * "Show Log" — never swallowed, never an unexplained "command failed". Dispose the result to
 * unregister them.
 */
export function registerCommands<C>(reporting: CommandReporting, ctx: C, table: CommandTable<C>, hooks: CommandHooks = {}): vscode.Disposable {
  const registrations = Object.entries(table).map(([id, handler]) =>
    vscode.commands.registerCommand(id, async (arg?: unknown, extra?: unknown) => {
      try {
        return await (handler as CommandHandler<C>)(ctx, arg, extra);
      } catch (e) {
        reportFailure(reporting, e);
        return undefined;
      } finally {
        await hooks.after?.().catch((e: unknown) => reporting.log.error(e instanceof Error ? e : String(e)));
      }
    }),
  );
  return vscode.Disposable.from(...registrations);
}

/** Logs a failure and shows it as a command's failure is shown (also for work a command did not start, e.g. a drop). */
export function reportFailure(reporting: CommandReporting, e: unknown): void {
  reporting.log.error(e instanceof Error ? e : String(e));
  const failure = failureMessage(e, reporting.contextKeys());
  void reporting
    .ui()
    .message({ id: 'error', severity: 'error', text: vscode.l10n.t('Campaign Vault: {0}', failure.text), actions: failure.actions })
    .then((choice) => failure.follow(choice));
}
