import * as vscode from 'vscode';
import { COMMANDS } from '../commands/ids';
import type { BackupManager } from './backupManager';
import { formatTime } from './commands';

/** "just now", "5 min ago", "3 h ago", "2 days ago". */
export function ago(iso: string, now = Date.now()): string {
  const minutes = Math.floor((now - Date.parse(iso)) / 60_000);
  if (!(minutes >= 1)) return vscode.l10n.t('just now');
  if (minutes < 60) return vscode.l10n.t('{0} min ago', minutes);
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return vscode.l10n.t('{0} h ago', hours);
  return vscode.l10n.t('{0} days ago', Math.floor(hours / 24));
}

/**
 * The status bar item that says when the last backup ran (of each unlocked vault); a click makes
 * one. Hidden while no vault is unlocked.
 */
export function createBackupStatusItem(backups: BackupManager): vscode.Disposable & { readonly item: vscode.StatusBarItem; render(): void } {
  const item = vscode.window.createStatusBarItem('campaignVault.backupStatus', vscode.StatusBarAlignment.Left, 49);
  item.name = vscode.l10n.t('Campaign Vault Backups');
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
    const icon = broken ? 'warning' : 'archive';
    item.text = oldest ? vscode.l10n.t('$({0}) Backup {1}', icon, ago(oldest)) : vscode.l10n.t('$({0}) No backup yet', icon);
    item.backgroundColor = broken || !oldest ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    const tip = new vscode.MarkdownString(`**${vscode.l10n.t('Campaign Vault backups')}**\n\n`);
    for (const s of states) {
      const last = s.snapshots.at(-1);
      const summary = last ? vscode.l10n.t('last backup {0} ({1}), {2} kept', formatTime(last.time), last.kind, s.snapshots.length) : vscode.l10n.t('no backup yet');
      const damaged = s.damaged.length ? ` — ${vscode.l10n.t('{0} damaged', s.damaged.length)}` : '';
      tip.appendText(`${states.length > 1 ? `${s.folder.name}: ` : ''}${summary}${s.error ? ` — ${s.error}` : ''}${damaged}\n\n`);
    }
    tip.appendText(vscode.l10n.t('Click to back up now.'));
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
