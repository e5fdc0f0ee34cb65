// The button labels of messages, each worded once: the label shown and the label a command compares
// the user's choice against are the same `vscode.l10n.t` value. Getters, so the text is looked up
// when used (after VS Code has loaded the extension's l10n bundle), not when this module loads.
import * as vscode from 'vscode';

export const LABELS = {
  get showLog() {
    return vscode.l10n.t('Show Log');
  },
  get showReport() {
    return vscode.l10n.t('Show Report');
  },
  get showLossReport() {
    return vscode.l10n.t('Show Loss Report');
  },
  get createVault() {
    return vscode.l10n.t('Create Vault');
  },
  get unlock() {
    return vscode.l10n.t('Unlock');
  },
  get checkIntegrity() {
    return vscode.l10n.t('Check Integrity');
  },
  get verifyBackups() {
    return vscode.l10n.t('Verify Backups');
  },
  get createBackup() {
    return vscode.l10n.t('Create Backup');
  },
  get restoreBackup() {
    return vscode.l10n.t('Restore Backup…');
  },
  get unlockWithRecoveryKey() {
    return vscode.l10n.t('Unlock with Recovery Key');
  },
  get updateExtension() {
    return vscode.l10n.t('Update Campaign Vault');
  },
  get copy() {
    return vscode.l10n.t('Copy');
  },
  get storedIt() {
    return vscode.l10n.t('I Have Stored It');
  },
  get restore() {
    return vscode.l10n.t('Restore');
  },
  get delete() {
    return vscode.l10n.t('Delete');
  },
  get repair() {
    return vscode.l10n.t('Repair');
  },
  get moveToTrash() {
    return vscode.l10n.t('Move to Trash');
  },
  get deleteForGood() {
    return vscode.l10n.t('Delete for Good');
  },
  get remember() {
    return vscode.l10n.t('Remember');
  },
  get notNow() {
    return vscode.l10n.t('Not Now');
  },
  get never() {
    return vscode.l10n.t('Never');
  },
  get rollBack() {
    return vscode.l10n.t('Roll Back');
  },
  get openAnyway() {
    return vscode.l10n.t('Open This Copy Anyway');
  },
  get setNewPassword() {
    return vscode.l10n.t('Set a New Password');
  },
  get open() {
    return vscode.l10n.t('Open');
  },
} as const;
