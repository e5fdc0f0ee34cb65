import * as vscode from 'vscode';
import { describePresence } from '../core/vault/inspect';
import type { CampaignVaultStatus } from './api';
import { COMMANDS } from './commands/ids';
import type { VaultFolder } from './vaults';

export interface StatusBar {
  readonly item: vscode.StatusBarItem;
  /** What each folder holds on disk (from the StatusModel). */
  update(status: CampaignVaultStatus): void;
  /** Whether each vault is locked, unlocked or read-only (from the VaultRegistry). */
  updateVaults(folders: readonly VaultFolder[]): void;
}

/**
 * The status bar item: whether this workspace has a vault and whether it is locked. A click
 * unlocks a locked vault and locks an unlocked one; otherwise it shows the status.
 */
export function createStatusBarItem(): StatusBar {
  const item = vscode.window.createStatusBarItem('campaignVault.status', vscode.StatusBarAlignment.Left, 50);
  item.name = 'Campaign Vault';
  item.command = COMMANDS.showStatus;
  let status: CampaignVaultStatus | undefined;
  let vaults: readonly VaultFolder[] = [];

  const render = () => {
    if (!status) return;
    const states = status.folders.map((f) => f.presence.state);
    const withVault = vaults.filter((v) => v.state === 'locked' || v.state === 'unlocked');
    const unlocked = withVault.filter((v) => v.state === 'unlocked');
    const readOnly = unlocked.filter((v) => v.readOnlyReason);
    item.backgroundColor = undefined;
    item.command = COMMANDS.showStatus;
    if (states.includes('unreadable') || states.includes('newer')) {
      item.text = '$(warning) Vault';
      item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    } else if (withVault.length > 0 && unlocked.length === 0) {
      item.text = '$(lock) Vault locked';
      item.command = COMMANDS.unlock;
    } else if (withVault.length > 0 && unlocked.length < withVault.length) {
      item.text = `$(unlock) ${unlocked.length} of ${withVault.length} vaults unlocked`;
      item.command = COMMANDS.unlock;
    } else if (withVault.length > 0) {
      const holder = readOnly.map((v) => inUseBy(v.readOnlyReason?.hint)).find((h) => h !== undefined);
      item.text = readOnly.length > 0 ? `$(unlock) Vault read-only${holder ? ` (in use by ${holder})` : ''}` : '$(unlock) Vault unlocked';
      item.command = COMMANDS.lock;
    } else if (states.includes('present')) {
      // The header is there but the registry has not looked yet.
      item.text = '$(lock) Vault';
    } else {
      item.text = '$(shield) No vault';
    }
    const tooltip = new vscode.MarkdownString(`**Campaign Vault ${status.extensionVersion}**\n\n`);
    for (const f of status.folders) {
      const v = vaults.find((x) => x.folder.uri.fsPath === f.folder);
      let line = `${f.folder}: ${describePresence(f.presence)}`;
      if (v?.state === 'locked') line += ` Locked${v.encrypted === false ? ' (not encrypted)' : ''}.`;
      if (v?.state === 'unlocked') line += ` Unlocked${v.encrypted === false ? ' (not encrypted)' : ''}.`;
      if (v?.readOnlyReason) line += ` Read-only: ${lowerFirst(v.readOnlyReason.hint ?? v.readOnlyReason.userMessage)}`;
      tooltip.appendText(`${line}\n\n`);
    }
    if (status.folders.length === 0) tooltip.appendText('Open a folder to keep a campaign vault in it.');
    else if (item.command === COMMANDS.unlock) tooltip.appendText('Click to unlock.');
    else if (item.command === COMMANDS.lock) tooltip.appendText('Click to lock.');
    item.tooltip = tooltip;
    item.show();
  };

  return {
    item,
    update(next) {
      status = next;
      render();
    },
    updateVaults(next) {
      vaults = next;
      render();
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
