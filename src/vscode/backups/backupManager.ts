import * as path from 'node:path';
import * as vscode from 'vscode';
import { checkEverything } from '../../core/backup/health';
import type { BackupService } from '../../core/backup/service';
import { DEFAULT_RETENTION, type RetentionPolicy, type SnapshotInfo } from '../../core/backup/types';
import { describeError } from '../../core/errors';
import type { IntegrityReport } from '../../core/integrity';
import type { Logger } from '../../core/ports';
import { defaultRepositoryFolder, nodeBackupService } from '../../node/backups';
import type { VaultFolder, VaultRegistry } from '../vaults';

/** Settings of the backups and the scheduled checks (package.json `contributes.configuration`). */
export const SETTINGS = {
  repository: 'campaignVault.backup.repository',
  interval: 'campaignVault.backup.intervalMinutes',
  keepLast: 'campaignVault.backup.keepLast',
  keepHourly: 'campaignVault.backup.keepHourly',
  keepDaily: 'campaignVault.backup.keepDaily',
  keepWeekly: 'campaignVault.backup.keepWeekly',
  keepMonthly: 'campaignVault.backup.keepMonthly',
  checkInterval: 'campaignVault.integrity.checkIntervalHours',
} as const;

export interface FolderBackups {
  readonly vault: VaultFolder;
  readonly service: BackupService;
  readonly repository: string;
}

/** What the Backups view, the status bar and the commands know about one vault's backups. */
export interface BackupState {
  readonly folder: vscode.WorkspaceFolder;
  readonly snapshots: readonly SnapshotInfo[];
  readonly damaged: readonly { id: string; reason: string }[];
  readonly error?: string;
}

const setting = <T>(key: string, fallback: T, scope?: vscode.WorkspaceFolder): T => {
  const [section, ...rest] = key.split('.');
  return vscode.workspace.getConfiguration(section, scope?.uri).get<T>(rest.join('.'), fallback);
};

/**
 * One BackupService per unlocked vault (keyed by folder, vault id and repository folder), the
 * backup state for views and the status bar, and the schedules: a backup every N minutes when
 * something changed (then prune by the retention settings), and an integrity check every N hours
 * that speaks up only when something is wrong.
 */
export class BackupManager implements vscode.Disposable {
  private readonly services = new Map<string, { key: string; service: BackupService; repository: string }>();
  private readonly states = new Map<string, BackupState>();
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.emitter.event;
  private readonly disposables: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private running = false;
  /** Where the last scheduled integrity check of each vault ran (ms), kept in global state. */
  private readonly checkKey = 'campaignVault.lastIntegrityCheck';
  /** The last integrity report per folder, for the integrity view. */
  readonly reports = new Map<string, IntegrityReport>();
  private readonly reportEmitter = new vscode.EventEmitter<void>();
  readonly onDidChangeReports = this.reportEmitter.event;

  constructor(
    private readonly vaults: VaultRegistry,
    private readonly extensionVersion: string,
    private readonly log: Logger,
    private readonly memento: vscode.Memento,
    private readonly notify: (text: string, actions: string[]) => Thenable<string | undefined>,
  ) {
    this.disposables.push(
      this.emitter,
      this.reportEmitter,
      vaults.onDidChange(() => void this.refresh()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(SETTINGS.repository)) {
          for (const s of this.services.values()) s.service.close();
          this.services.clear();
          void this.refresh();
        }
      }),
    );
    // A minute is fine-grained enough for intervals given in minutes, and cheap when idle.
    this.timer = setInterval(() => void this.tick(), 60_000);
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    for (const s of this.services.values()) s.service.close();
    this.services.clear();
    for (const d of this.disposables) d.dispose();
  }

  /** The repository folder of a workspace folder: the setting (relative to the folder), or `.campaign-vault/backups`. */
  repositoryOf(folder: vscode.WorkspaceFolder): string {
    const configured = setting<string>(SETTINGS.repository, '', folder).trim();
    if (!configured) return defaultRepositoryFolder(folder.uri.fsPath);
    const expanded = configured.replace(/^~(?=$|[\\/])/, process.env.HOME ?? '~');
    return path.resolve(folder.uri.fsPath, expanded);
  }

  retention(folder?: vscode.WorkspaceFolder): RetentionPolicy {
    const n = (key: string, fallback: number) => Math.max(0, Math.floor(setting<number>(key, fallback, folder)));
    return {
      last: n(SETTINGS.keepLast, DEFAULT_RETENTION.last),
      hourly: n(SETTINGS.keepHourly, DEFAULT_RETENTION.hourly),
      daily: n(SETTINGS.keepDaily, DEFAULT_RETENTION.daily),
      weekly: n(SETTINGS.keepWeekly, DEFAULT_RETENTION.weekly),
      monthly: n(SETTINGS.keepMonthly, DEFAULT_RETENTION.monthly),
    };
  }

  /** The backups of an unlocked vault (built on first use). */
  of(vault: VaultFolder): FolderBackups {
    const repository = this.repositoryOf(vault.folder);
    const key = `${vault.vaultId ?? ''}|${repository}`;
    const id = vault.folder.uri.toString();
    let entry = this.services.get(id);
    if (!entry || entry.key !== key) {
      entry?.service.close();
      entry = { key, repository, service: nodeBackupService(vault.dm, vault.folder.uri.fsPath, { app: 'VS Code', extensionVersion: this.extensionVersion, repository, logger: this.log }) };
      this.services.set(id, entry);
    }
    return { vault, service: entry.service, repository };
  }

  get backupStates(): readonly BackupState[] {
    return [...this.states.values()];
  }

  /** Re-reads the snapshot lists of every unlocked vault. */
  async refresh(): Promise<void> {
    const seen = new Set<string>();
    for (const f of this.vaults.folders) {
      const id = f.folder.uri.toString();
      if (f.state !== 'unlocked') {
        this.services.get(id)?.service.close();
        this.services.delete(id);
        continue;
      }
      seen.add(id);
      try {
        const { snapshots, damaged } = await this.of(f).service.list();
        this.states.set(id, { folder: f.folder, snapshots, damaged });
      } catch (e) {
        this.log.warn(`backups of ${f.folder.uri.fsPath}: ${String(e)}`);
        this.states.set(id, { folder: f.folder, snapshots: [], damaged: [], error: describeError(e) });
      }
    }
    for (const id of [...this.states.keys()]) if (!seen.has(id)) this.states.delete(id);
    this.emitter.fire();
  }

  setReport(folder: vscode.WorkspaceFolder, report: IntegrityReport): void {
    this.reports.set(folder.uri.toString(), report);
    this.reportEmitter.fire();
  }

  /** One pass of the schedules (every minute; tests call it directly with a clock). */
  async tick(now = Date.now()): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (const f of this.vaults.folders) {
        if (f.state !== 'unlocked') continue;
        await this.scheduledBackup(f, now).catch((e: unknown) => this.fail(f, 'The scheduled backup failed', e));
        await this.scheduledCheck(f, now).catch((e: unknown) => this.fail(f, 'The scheduled integrity check failed', e));
      }
    } finally {
      this.running = false;
    }
  }

  private async scheduledBackup(f: VaultFolder, now: number): Promise<void> {
    // Only the window that writes the vault makes scheduled backups (one writer, one schedule).
    const minutes = setting<number>(SETTINGS.interval, 60, f.folder);
    if (!(minutes > 0) || f.readOnlyReason) return;
    const { service } = this.of(f);
    const last = this.states.get(f.folder.uri.toString())?.snapshots.at(-1);
    if (last && now - Date.parse(last.time) < minutes * 60_000) return;
    if (!(await service.changedSinceLast())) return;
    const snap = await service.create({ kind: 'scheduled' });
    this.log.info(`scheduled backup ${snap.shortId} of ${f.folder.uri.fsPath}`);
    await service.prune(this.retention(f.folder));
    await this.refresh();
  }

  private async scheduledCheck(f: VaultFolder, now: number): Promise<void> {
    const hours = setting<number>(SETTINGS.checkInterval, 24, f.folder);
    if (!(hours > 0) || !f.vaultId) return;
    const seen = this.memento.get<Record<string, number>>(this.checkKey, {});
    const lastRun = seen[f.vaultId];
    if (lastRun === undefined) {
      // The first time: start counting, no check on every activation.
      await this.memento.update(this.checkKey, { ...seen, [f.vaultId]: now });
      return;
    }
    if (now - lastRun < hours * 3_600_000) return;
    await this.memento.update(this.checkKey, { ...seen, [f.vaultId]: now });
    const report = await checkEverything(f.dm, this.of(f).service, {});
    this.setReport(f.folder, report);
    if (report.ok) return;
    const text = `The scheduled integrity check found ${report.counts.error} error${report.counts.error === 1 ? '' : 's'} and ${report.counts.warning} warning${report.counts.warning === 1 ? '' : 's'} in ${f.folder.name}.`;
    const choice = await this.notify(text, ['Show Report']);
    if (choice === 'Show Report') void vscode.commands.executeCommand('campaignVault.integrity.focus');
  }

  private fail(f: VaultFolder, what: string, e: unknown): void {
    this.log.error(e instanceof Error ? e : String(e));
    void this.notify(`Campaign Vault: ${what} (${f.folder.name}): ${describeError(e)}`, ['Show Log']).then((c) => c && vscode.commands.executeCommand('campaignVault.showLog'));
  }
}
