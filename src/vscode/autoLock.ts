// Auto-lock (issue 15): after `campaignVault.autoLock.idleMinutes` without activity — no typing,
// no selection or editor change, no window focus change, no change to a vault — every unlocked
// vault is locked the way the Lock command locks it (its editors closed first, lockScreen.ts). The
// user is away, so nothing is asked: unsaved edits are saved; if one cannot be saved the vault
// stays unlocked, that is said once, and auto-lock tries again after the next idle period.
import * as vscode from 'vscode';
import type { Logger } from '../core/ports';
import { Disposable, toDisposable } from './lifecycle';
import type { VaultRegistry } from './vaults';

export const IDLE_MINUTES_SETTING = 'autoLock.idleMinutes';

/** The clock auto-lock reads; tests replace it (`_testing.setAutoLockClock`) instead of waiting minutes. */
export type Clock = () => number;

/** Longest single wait of the timer: it wakes at least this often and looks again. */
const MAX_WAIT_MS = 60_000;

export class AutoLock extends Disposable {
  private lastActivity: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly vaults: VaultRegistry,
    private readonly log: Logger,
    private clock: Clock = Date.now,
  ) {
    super();
    this.lastActivity = clock();
    const active = () => this.touch();
    this._register(vscode.window.onDidChangeWindowState(active));
    this._register(vscode.window.onDidChangeTextEditorSelection(active));
    this._register(vscode.window.onDidChangeActiveTextEditor(active));
    this._register(vscode.window.onDidChangeVisibleTextEditors(active));
    this._register(vscode.window.tabGroups.onDidChangeTabs(active));
    this._register(vscode.workspace.onDidChangeTextDocument(active));
    // A vault unlocked, written to, reloaded: activity too.
    this._register(vaults.whileUnlocked(({ dm, lifetime }) => {
      active();
      lifetime.add(dm.onDidChange(active));
    }));
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`campaignVault.${IDLE_MINUTES_SETTING}`)) this.schedule();
      }),
    );
    this._register(toDisposable(() => clearTimeout(this.timer)));
    this.schedule();
  }

  /** The idle time after which vaults lock, in ms; 0 is off. */
  get idleMs(): number {
    const minutes = vscode.workspace.getConfiguration('campaignVault').get<number>(IDLE_MINUTES_SETTING, 0);
    return typeof minutes === 'number' && Number.isFinite(minutes) && minutes > 0 ? minutes * 60_000 : 0;
  }

  /** Test hook: another clock (undefined: the real one again); activity counts from now on it. */
  setClock(clock: Clock | undefined): void {
    this.clock = clock ?? Date.now;
    this.lastActivity = this.clock();
    this.schedule();
  }

  /** Something happened: the idle period starts again. */
  touch(): void {
    this.lastActivity = this.clock();
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const idle = this.idleMs;
    if (idle === 0 || this.isDisposed) return;
    const wait = Math.min(MAX_WAIT_MS, Math.max(1_000, this.lastActivity + idle - this.clock()));
    this.timer = setTimeout(() => void this.tick().finally(() => this.schedule()), wait);
  }

  /**
   * Locks every unlocked vault when the idle time has passed (one pass at a time). A vault that
   * stays unlocked (an edit that cannot be saved) is tried again after the next idle period.
   */
  tick(): Promise<void> {
    this.running ??= this.lockIfIdle().finally(() => (this.running = undefined));
    return this.running;
  }

  private async lockIfIdle(): Promise<void> {
    const idle = this.idleMs;
    if (idle === 0 || this.clock() - this.lastActivity < idle) return;
    const unlocked = this.vaults.folders.filter((f) => f.dm.isUnlocked);
    if (unlocked.length === 0) return;
    const minutes = idle / 60_000;
    for (const f of unlocked) {
      try {
        if (await this.vaults.lock(f.folder, 'idle')) this.log.info(`auto-locked ${f.folder.uri.fsPath} after ${minutes} idle minute(s)`);
        else this.log.info(`auto-lock of ${f.folder.uri.fsPath} not done; trying again after the next idle period`);
      } catch (e) {
        this.log.error(`auto-lock of ${f.folder.uri.fsPath} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      }
    }
    // The next attempt (for what stayed unlocked) waits a whole idle period again.
    this.touch();
    await this.vaults.refresh();
  }
}
