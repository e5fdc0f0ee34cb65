import * as vscode from 'vscode';
import { COMMANDS } from '../commands/ids';
import type { BackupManager } from './backupManager';
import { formatTime } from './commands';

/** "just now", "5 min ago", "3 h ago", "2 days ago". */
export function ago(iso: string, now = Date.now()): string {
  const minutes = Math.floor((now - Date.parse(iso)) / 60_000);
  if (!(minutes >= 1)) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} days ago`;
}

/**
 * The status bar item that says when the last backup ran (of each unlocked vault); a click makes
 * one. Hidden while no vault is unlocked.
 */
export function createBackupStatusItem(backups: BackupManager): vscode.Disposable & { readonly item: vscode.StatusBarItem; render(): void } {
  const item = vscode.window.createStatusBarItem('campaignVault.backupStatus', vscode.StatusBarAlignment.Left, 49);
  item.name = 'Campaign Vault Backups';
  item.command = COMMANDS.createBackup;
  const render = () => {
    const states = backups.backupStates;
    if (states.length === 0) {
      item.hide();
      return;
    }
    const lasts = states.map((s) => s.snapshots.at(-1));
    const oldest = lasts.some((l) => !l) ? undefined : lasts.map((l) => l!.time).sort()[0];
    const broken = states.some((s) => s.error || s.damaged.length > 0);
    item.text = `$(${broken ? 'warning' : 'archive'}) ${oldest ? `Backup ${ago(oldest)}` : 'No backup yet'}`;
    item.backgroundColor = broken || !oldest ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    const tip = new vscode.MarkdownString('**Campaign Vault backups**\n\n');
    for (const s of states) {
      const last = s.snapshots.at(-1);
      tip.appendText(`${states.length > 1 ? `${s.folder.name}: ` : ''}${last ? `last backup ${formatTime(last.time)} (${last.kind}), ${s.snapshots.length} kept` : 'no backup yet'}${s.error ? ` — ${s.error}` : ''}${s.damaged.length ? ` — ${s.damaged.length} damaged` : ''}\n\n`);
    }
    tip.appendText('Click to back up now.');
    item.tooltip = tip;
    item.show();
  };
  const sub = backups.onDidChange(render);
  const timer = setInterval(render, 60_000);
  render();
  return {
    item,
    render,
    dispose() {
      clearInterval(timer);
      sub.dispose();
      item.dispose();
    },
  };
}
