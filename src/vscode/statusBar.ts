import * as vscode from 'vscode';
import { describePresence } from '../core/vault/inspect';
import type { CampaignVaultStatus } from './api';
import { COMMANDS } from './commands/ids';

/** The status bar item: whether this workspace has a vault, and a click for details. */
export function createStatusBarItem(): { item: vscode.StatusBarItem; update(status: CampaignVaultStatus): void } {
  const item = vscode.window.createStatusBarItem('campaignVault.status', vscode.StatusBarAlignment.Left, 50);
  item.name = 'Campaign Vault';
  item.command = COMMANDS.showStatus;
  const update = (status: CampaignVaultStatus) => {
    const states = status.folders.map((f) => f.presence.state);
    if (states.includes('unreadable') || states.includes('newer')) {
      item.text = '$(warning) Vault';
      item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    } else if (states.includes('present')) {
      item.text = '$(lock) Vault';
      item.backgroundColor = undefined;
    } else {
      item.text = '$(shield) No vault';
      item.backgroundColor = undefined;
    }
    const tooltip = new vscode.MarkdownString(`**Campaign Vault ${status.extensionVersion}**\n\n`);
    for (const f of status.folders) tooltip.appendText(`${f.folder}: ${describePresence(f.presence)}\n\n`);
    if (status.folders.length === 0) tooltip.appendText('Open a folder to keep a campaign vault in it.');
    item.tooltip = tooltip;
    item.show();
  };
  return { item, update };
}
