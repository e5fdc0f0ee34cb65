// How VS Code words a failure: the error's sentence for the user and, when the error names a
// remedy (src/core/errors.ts), a button that runs the command doing it. The core never names a
// command; the CLI words the same remedies as its own subcommands.
import * as vscode from 'vscode';
import { describeError, isVaultError, type Remedy } from '../core/errors';
import { COMMANDS } from './commands/ids';
import { LABELS } from './labels';
import type { ContextKeyValues } from './vaults';

/** A button of a failure message, and what it runs. */
export interface RemedyAction {
  readonly label: string;
  readonly command: string;
  readonly args?: readonly unknown[];
}

interface RemedyButton {
  readonly label: () => string;
  readonly command: string;
  readonly args?: readonly unknown[];
  /** Whether the command can run now (from the context keys); offered only then. */
  readonly runs?: (keys: ContextKeyValues) => boolean;
}

const whenUnlocked = (keys: ContextKeyValues) => keys['campaignVault.unlocked'];

const REMEDIES: Readonly<Record<Remedy, RemedyButton | undefined>> = {
  'check-integrity': { label: () => LABELS.checkIntegrity, command: COMMANDS.checkIntegrity, runs: whenUnlocked },
  'verify-backups': { label: () => LABELS.verifyBackups, command: COMMANDS.verifyBackups, runs: whenUnlocked },
  'create-backup': { label: () => LABELS.createBackup, command: COMMANDS.createBackup, runs: whenUnlocked },
  'restore-backup': { label: () => LABELS.restoreBackup, command: COMMANDS.restoreBackup, runs: whenUnlocked },
  unlock: { label: () => LABELS.unlock, command: COMMANDS.unlock, runs: (keys) => keys['campaignVault.canUnlock'] },
  'unlock-with-recovery-key': { label: () => LABELS.unlockWithRecoveryKey, command: COMMANDS.unlock, runs: (keys) => keys['campaignVault.canUnlock'] },
  'update-extension': { label: () => LABELS.updateExtension, command: 'extension.open', args: ['campaign-vault.campaign-vault'] },
  // Nothing here closes another program: the sentence says which one holds the vault.
  'close-other-writers': undefined,
  // The unlock command itself asks, with the warning, whether to open the older copy anyway.
  'accept-rollback': undefined,
};

/** The button for a remedy, when VS Code has one that can run now (`keys` unknown: assumed it can). */
export function remedyAction(remedy: Remedy | undefined, keys?: ContextKeyValues): RemedyAction | undefined {
  const button = remedy ? REMEDIES[remedy] : undefined;
  if (!button || (keys && button.runs && !button.runs(keys))) return undefined;
  return { label: button.label(), command: button.command, ...(button.args ? { args: button.args } : {}) };
}

/** A failure as the user reads it: one sentence (never a stack), and the remedy's button when there is one. */
export function errorText(e: unknown, keys?: ContextKeyValues): { readonly text: string; readonly remedy?: RemedyAction } {
  const remedy = isVaultError(e) ? remedyAction(e.remedy, keys) : undefined;
  return { text: describeError(e), ...(remedy ? { remedy } : {}) };
}

/**
 * A failure as a message: the sentence, the remedy's button (when one can run) and "Show Log";
 * `follow` runs what the chosen button stands for.
 */
export function failureMessage(e: unknown, keys?: ContextKeyValues): { readonly text: string; readonly actions: readonly string[]; follow(choice: string | undefined): void } {
  const { text, remedy } = errorText(e, keys);
  const showLog = LABELS.showLog;
  return {
    text,
    actions: [...(remedy ? [remedy.label] : []), showLog],
    follow(choice) {
      if (choice === showLog) void vscode.commands.executeCommand(COMMANDS.showLog);
      else if (remedy && choice === remedy.label) void vscode.commands.executeCommand(remedy.command, ...(remedy.args ?? []));
    },
  };
}
