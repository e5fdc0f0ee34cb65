import * as vscode from 'vscode';
import { describePresence } from '../core/vault/inspect';
import { COMMANDS } from './commands/ids';
import type { VaultFolder, VaultRegistry } from './vaults';

/**
 * The status bar item: whether this workspace has a vault and whether it is locked. A click
 * unlocks a locked vault and locks an unlocked one; otherwise it shows the status. It follows the
 * vault model; dispose it to remove it.
 */
export function createStatusBarItem(vaults: VaultRegistry, extensionVersion: string): vscode.Disposable & { readonly item: vscode.StatusBarItem } {
  const item = vscode.window.createStatusBarItem('campaignVault.status', vscode.StatusBarAlignment.Left, 50);
  item.name = vscode.l10n.t('Campaign Vault');
  item.command = COMMANDS.showStatus;

  const render = (folders: readonly VaultFolder[]) => {
    const states = folders.map((f) => f.presence.state);
    const withVault = folders.filter((v) => v.state === 'locked' || v.state === 'unlocked');
    const unlocked = withVault.filter((v) => v.state === 'unlocked');
    const readOnly = unlocked.filter((v) => v.readOnlyReason);
    item.backgroundColor = undefined;
    item.command = COMMANDS.showStatus;
    if (states.includes('unreadable') || states.includes('newer')) {
      item.text = vscode.l10n.t('$(warning) Vault');
      item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    } else if (withVault.length > 0 && unlocked.length === 0) {
      item.text = vscode.l10n.t('$(lock) Vault locked');
      item.command = COMMANDS.unlock;
    } else if (withVault.length > 0 && unlocked.length < withVault.length) {
      item.text = vscode.l10n.t('$(unlock) {0} of {1} vaults unlocked', unlocked.length, withVault.length);
      item.command = COMMANDS.unlock;
    } else if (withVault.length > 0) {
      const holder = readOnly.map((v) => inUseBy(v.readOnlyReason?.hint)).find((h) => h !== undefined);
      item.text =
        readOnly.length > 0
          ? holder
            ? vscode.l10n.t('$(unlock) Vault read-only (in use by {0})', holder)
            : vscode.l10n.t('$(unlock) Vault read-only')
          : vscode.l10n.t('$(unlock) Vault unlocked');
      item.command = COMMANDS.lock;
    } else if (states.includes('present')) {
      // A header of our format whose content cannot be read.
      item.text = vscode.l10n.t('$(lock) Vault');
    } else {
      item.text = vscode.l10n.t('$(shield) No vault');
    }
    const tooltip = new vscode.MarkdownString(`**${vscode.l10n.t('Campaign Vault {0}', extensionVersion)}**\n\n`);
    for (const v of folders) {
      let line = `${v.folder.uri.fsPath}: ${describePresence(v.presence)}`;
      if (v.state === 'locked') line += ` ${v.encrypted === false ? vscode.l10n.t('Locked (not encrypted).') : vscode.l10n.t('Locked.')}`;
      if (v.state === 'unlocked') line += ` ${v.encrypted === false ? vscode.l10n.t('Unlocked (not encrypted).') : vscode.l10n.t('Unlocked.')}`;
      if (v.readOnlyReason) line += ` ${vscode.l10n.t('Read-only: {0}', lowerFirst(v.readOnlyReason.hint ?? v.readOnlyReason.userMessage))}`;
      tooltip.appendText(`${line}\n\n`);
    }
    if (folders.length === 0) tooltip.appendText(vscode.l10n.t('Open a folder to keep a campaign vault in it.'));
    else if (item.command === COMMANDS.unlock) tooltip.appendText(vscode.l10n.t('Click to unlock.'));
    else if (item.command === COMMANDS.lock) tooltip.appendText(vscode.l10n.t('Click to lock.'));
    item.tooltip = tooltip;
    item.show();
  };

  const sub = vaults.onDidChange(render);
  return {
    item,
    dispose() {
      sub.dispose();
      item.dispose();
    },
  };
}

/** The program named in "It is in use by VS Code (process 12 on host, since …)." */
function inUseBy(hint: string | undefined): string | undefined {
  return hint ? /in use by (.+?)(?: \(|\.$)/.exec(hint)?.[1] : undefined;
}

/** "It is in use by …" → "it is in use by …", to follow "Read-only:". */
function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
