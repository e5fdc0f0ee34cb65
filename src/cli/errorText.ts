// How the command line words a VaultError: the core's sentence (what is wrong, in plain words),
// then what to run here to act on it. The core names a remedy, never a command; the extension
// words the same remedy as its own command (src/vscode/errorText.ts).
import type { Remedy, VaultError } from '../core/errors';
import { CLI_VERSION } from './context';

/** What to do on the command line about each remedy: the subcommand that does it (docs/CLI.md). */
export const CLI_REMEDIES: Readonly<Record<Remedy, string>> = {
  'check-integrity': 'Run "campaign-vault check".',
  'verify-backups': 'Run "campaign-vault verify".',
  'create-backup': 'Run "campaign-vault backup".',
  'restore-backup': '"campaign-vault backups" lists the backups; "campaign-vault restore <backup>" restores one.',
  unlock: 'Each campaign-vault command unlocks the vault itself: set CAMPAIGN_VAULT_PASSWORD, or type the password when asked.',
  'unlock-with-recovery-key': 'campaign-vault unlocks with the password only: use the recovery key in VS Code (Unlock, then "Use the recovery key instead").',
  'update-extension': `This campaign-vault is version ${CLI_VERSION}: install a newer one.`,
  'close-other-writers': 'Close it in the other window or program, then run the command again.',
  'accept-rollback':
    'If this older copy is the one you mean to use (a copy you made yourself, say), run the command again with --accept-rollback: later changes made to the newer copy are not in it, and this computer will then remember this copy as well.',
};

/** The sentence the command line shows for a VaultError: its message, then what to run about it. */
export function cliErrorText(e: VaultError): string {
  return e.remedy === undefined ? e.userMessage : `${e.userMessage} ${CLI_REMEDIES[e.remedy]}`;
}
