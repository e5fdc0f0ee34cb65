import * as vscode from 'vscode';
import type { Finding } from '../../core/backup/types';
import { COMMANDS } from '../commands/ids';
import { Disposable } from '../lifecycle';
import type { BackupManager } from './backupManager';
import { describeSnapshot, formatTime, type SnapshotNode } from './commands';

export const BACKUPS_VIEW = 'campaignVault.backups';
export const INTEGRITY_VIEW = 'campaignVault.integrity';

interface FolderNode {
  readonly type: 'folder';
  readonly folder: vscode.WorkspaceFolder;
}

interface MessageNode {
  readonly type: 'message';
  readonly text: string;
  readonly icon: string;
  readonly tooltip?: string;
}

type BackupNode = FolderNode | SnapshotNode | MessageNode;

const multiRoot = () => (vscode.workspace.workspaceFolders?.length ?? 0) > 1;

/** The Backups view: the snapshots of each unlocked vault, newest first. */
export class BackupsTreeProvider extends Disposable implements vscode.TreeDataProvider<BackupNode> {
  private readonly emitter = this._register(new vscode.EventEmitter<BackupNode | undefined>());
  readonly onDidChangeTreeData = this.emitter.event;

  constructor(private readonly backups: BackupManager) {
    super();
    this._register(backups.onDidChange(() => this.emitter.fire(undefined)));
  }

  getChildren(node?: BackupNode): BackupNode[] {
    const states = this.backups.backupStates;
    if (!node) {
      if (states.length > 1 || (multiRoot() && states.length > 0)) return states.map((s) => ({ type: 'folder', folder: s.folder }));
      return states[0] ? this.snapshotsOf(states[0].folder) : [];
    }
    return node.type === 'folder' ? this.snapshotsOf(node.folder) : [];
  }

  private snapshotsOf(folder: vscode.WorkspaceFolder): BackupNode[] {
    const state = this.backups.backupStates.find((s) => s.folder.uri.toString() === folder.uri.toString());
    if (!state) return [];
    const out: BackupNode[] = [];
    if (state.error) out.push({ type: 'message', text: vscode.l10n.t('The backups cannot be read'), icon: 'error', tooltip: state.error });
    for (const d of state.damaged) out.push({ type: 'message', text: vscode.l10n.t('Damaged backup {0}', d.id.slice(0, 8)), icon: 'warning', tooltip: d.reason });
    for (const s of [...state.snapshots].reverse()) out.push({ type: 'snapshot', folder, snapshot: s });
    return out;
  }

  getTreeItem(node: BackupNode): vscode.TreeItem {
    if (node.type === 'folder') {
      const item = new vscode.TreeItem(node.folder.name, vscode.TreeItemCollapsibleState.Expanded);
      item.iconPath = new vscode.ThemeIcon('root-folder');
      item.contextValue = 'backupFolder';
      return item;
    }
    if (node.type === 'message') {
      const item = new vscode.TreeItem(node.text);
      item.iconPath = new vscode.ThemeIcon(node.icon);
      if (node.tooltip) item.tooltip = node.tooltip;
      return item;
    }
    const d = describeSnapshot(node.snapshot);
    const item = new vscode.TreeItem(d.label);
    item.id = `${node.folder.uri.toString()}#${node.snapshot.id}`;
    item.description = d.description;
    item.tooltip = new vscode.MarkdownString(
      `**${formatTime(node.snapshot.time)}** — ${d.description || vscode.l10n.t('backup')}\n\n${d.detail}\n\n${vscode.l10n.t('Campaign Vault {0}, schema {1}', node.snapshot.extensionVersion, node.snapshot.schemaVersion)}`,
    );
    item.iconPath = new vscode.ThemeIcon(node.snapshot.kind === 'safety' ? 'shield' : node.snapshot.kind === 'scheduled' ? 'watch' : 'archive');
    item.contextValue = 'snapshot';
    return item;
  }
}

interface SeverityNode {
  readonly type: 'severity';
  readonly folder: vscode.WorkspaceFolder;
  readonly severity: Finding['severity'];
  readonly findings: readonly Finding[];
}

export interface FindingNode {
  readonly type: 'finding';
  readonly folder: vscode.WorkspaceFolder;
  readonly finding: Finding;
}

type IntegrityNode = SeverityNode | FindingNode | MessageNode;

const SEVERITY = {
  error: { icon: 'error', color: 'problemsErrorIcon.foreground' },
  warning: { icon: 'warning', color: 'problemsWarningIcon.foreground' },
  info: { icon: 'info', color: 'problemsInfoIcon.foreground' },
} as const;

/** The heading of a severity's findings: "Errors (3)", with the folder in a multi-root workspace. */
function severityHeading(severity: Finding['severity'], count: number, folder: string | undefined): string {
  switch (severity) {
    case 'error':
      return folder === undefined ? vscode.l10n.t('Errors ({0})', count) : vscode.l10n.t('Errors ({0}) — {1}', count, folder);
    case 'warning':
      return folder === undefined ? vscode.l10n.t('Warnings ({0})', count) : vscode.l10n.t('Warnings ({0}) — {1}', count, folder);
    case 'info':
      return folder === undefined ? vscode.l10n.t('Notes ({0})', count) : vscode.l10n.t('Notes ({0}) — {1}', count, folder);
  }
}

/** The Integrity view: the last check's findings by severity, with "go to" and "repair". */
export class IntegrityTreeProvider extends Disposable implements vscode.TreeDataProvider<IntegrityNode> {
  private readonly emitter = this._register(new vscode.EventEmitter<IntegrityNode | undefined>());
  readonly onDidChangeTreeData = this.emitter.event;

  constructor(private readonly backups: BackupManager) {
    super();
    this._register(backups.onDidChangeReports(() => this.emitter.fire(undefined)));
  }

  getChildren(node?: IntegrityNode): IntegrityNode[] {
    if (node?.type === 'severity') return node.findings.map((finding) => ({ type: 'finding', folder: node.folder, finding }));
    if (node) return [];
    const out: IntegrityNode[] = [];
    for (const [uri, report] of this.backups.reports) {
      const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.toString() === uri);
      if (!folder) continue;
      if (report.findings.length === 0) {
        out.push({
          type: 'message',
          text: multiRoot() ? vscode.l10n.t('{0}: No problems found ({1})', folder.name, formatTime(report.checkedAt)) : vscode.l10n.t('No problems found ({0})', formatTime(report.checkedAt)),
          icon: 'pass',
        });
        continue;
      }
      for (const severity of ['error', 'warning', 'info'] as const) {
        const findings = report.findings.filter((f) => f.severity === severity);
        if (findings.length > 0) out.push({ type: 'severity', folder, severity, findings });
      }
    }
    return out;
  }

  getTreeItem(node: IntegrityNode): vscode.TreeItem {
    if (node.type === 'message') {
      const item = new vscode.TreeItem(node.text);
      item.iconPath = new vscode.ThemeIcon(node.icon, new vscode.ThemeColor('testing.iconPassed'));
      return item;
    }
    if (node.type === 'severity') {
      const s = SEVERITY[node.severity];
      const item = new vscode.TreeItem(severityHeading(node.severity, node.findings.length, multiRoot() ? node.folder.name : undefined), vscode.TreeItemCollapsibleState.Expanded);
      item.iconPath = new vscode.ThemeIcon(s.icon, new vscode.ThemeColor(s.color));
      return item;
    }
    const f = node.finding;
    const item = new vscode.TreeItem(f.message);
    item.description = [f.entity?.name, f.fixable ? vscode.l10n.t('repairable') : undefined].filter(Boolean).join(' · ');
    item.tooltip = new vscode.MarkdownString(`${f.message}\n\n\`${f.code}\`${f.where ? ` · ${f.where}` : ''}${f.fixable ? `\n\n${vscode.l10n.t('Repair fixes this automatically.')}` : ''}`);
    item.iconPath = new vscode.ThemeIcon(SEVERITY[f.severity].icon, new vscode.ThemeColor(SEVERITY[f.severity].color));
    item.contextValue = `finding${f.fixable ? '.fixable' : ''}${f.entity ? '.entity' : ''}`;
    if (f.entity) item.command = { command: COMMANDS.goToFinding, title: vscode.l10n.t('Go to Entry'), arguments: [node] };
    return item;
  }
}
