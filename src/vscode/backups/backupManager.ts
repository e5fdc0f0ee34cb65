import * as path from 'node:path';
import * as vscode from 'vscode';
import { checkEverything } from '../../core/health';
import type { BackupService } from '../../core/backup/service';
import { DEFAULT_RETENTION, type RetentionPolicy, type SnapshotInfo } from '../../core/backup/types';
import { describeError } from '../../core/errors';
import { failureMessage } from '../errorText';
import { LABELS } from '../labels';
import { Disposable, toDisposable } from '../lifecycle';
import type { IntegrityReport } from '../../core/integrity';
import type { Logger } from '../../core/ports';
import { defaultRepositoryFolder, nodeBackupService } from '../../node/backups';
import type { VaultFolder, VaultRegistry } from '../vaults';
import { errorCount, warningCount } from './commands';

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
export class BackupManager extends Disposable {
  private readonly services = new Map<string, { key: string; service: BackupService; repository: string }>();
  private readonly states = new Map<string, BackupState>();
  private readonly emitter = this._register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.emitter.event;
  private running = false;
  /** Where the last scheduled integrity check of each vault ran (ms), kept in global state. */
  private readonly checkKey = 'campaignVault.lastIntegrityCheck';
  /** The last integrity report per folder, for the integrity view. */
  readonly reports = new Map<string, IntegrityReport>();
  private readonly reportEmitter = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeReports = this.reportEmitter.event;

  constructor(
    private readonly vaults: VaultRegistry,
    private readonly extensionVersion: string,
    private readonly log: Logger,
    private readonly memento: vscode.Memento,
    private readonly notify: (text: string, actions: string[]) => Thenable<string | undefined>,
  ) {
    super();
    this._register(toDisposable(() => this.closeAll()));
    this._register(vaults.onDidChange(() => void this.refresh()));
    // A report names entries (and says what is wrong with them): it goes when its vault locks.
    this._register(
      vaults.whileUnlocked(({ folder, lifetime }) => {
        lifetime.add(
          toDisposable(() => {
            if (this.reports.delete(folder.uri.toString())) this.reportEmitter.fire();
          }),
        );
      }),
    );
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(SETTINGS.repository)) {
          this.closeAll();
          void this.refresh();
        }
      }),
    );
    // A minute is fine-grained enough for intervals given in minutes, and cheap when idle.
    const timer = setInterval(() => void this.tick(), 60_000);
    this._register(toDisposable(() => clearInterval(timer)));
  }

  private closeAll(): void {
    for (const s of this.services.values()) s.service.close();
    this.services.clear();
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
      const made = { key, repository, service: nodeBackupService(vault.dm, vault.folder.uri.fsPath, { app: 'VS Code', extensionVersion: this.extensionVersion, repository, logger: this.log }) };
      this.services.set(id, made);
      // The service lives as long as the vault stays unlocked.
      this.vaults.lifetimeOf(vault.folder)?.add(
        toDisposable(() => {
          if (this.services.get(id) !== made) return;
          made.service.close();
          this.services.delete(id);
        }),
      );
      entry = made;
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
      if (f.state !== 'unlocked') continue;
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
        await this.scheduledBackup(f, now).catch((e: unknown) => this.fail(f, vscode.l10n.t('The scheduled backup failed'), e));
        await this.scheduledCheck(f, now).catch((e: unknown) => this.fail(f, vscode.l10n.t('The scheduled integrity check failed'), e));
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
    const report = await checkEverything(f.dm.healthVault(), this.of(f).service, {});
    this.setReport(f.folder, report);
    if (report.ok) return;
    const text = vscode.l10n.t('The scheduled integrity check found {0} and {1} in {2}.', errorCount(report.counts.error), warningCount(report.counts.warning), f.folder.name);
    const showReport = LABELS.showReport;
    const choice = await this.notify(text, [showReport]);
    if (choice === showReport) void vscode.commands.executeCommand('campaignVault.integrity.focus');
  }

  private fail(f: VaultFolder, what: string, e: unknown): void {
    this.log.error(e instanceof Error ? e : String(e));
    const failure = failureMessage(e, this.vaults.contextKeys);
    void this.notify(vscode.l10n.t('Campaign Vault: {0} ({1}): {2}', what, f.folder.name, failure.text), [...failure.actions]).then((c) => failure.follow(c));
  }
}
