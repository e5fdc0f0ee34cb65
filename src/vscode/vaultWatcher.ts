import * as vscode from 'vscode';
import { describeError } from '../core/errors';
import type { Logger } from '../core/ports';
import { DB_DIR, LOCK_FILE } from '../core/vault/layout';
import type { VaultRegistry } from './vaults';

const DEBOUNCE_MS = 300;

/**
 * Keeps a vault opened read-only (another window or the command-line tool holds the writer lock)
 * up to date: when the vault's files change on disk it is read again, so the Campaigns view and
 * open documents show what the other process wrote; once that process has gone, the next reload
 * makes this window the writer.
 */
export class ReadOnlyVaultWatcher implements vscode.Disposable {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private watchers: vscode.Disposable[] = [];
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly vaults: VaultRegistry,
    private readonly log: Logger,
  ) {
    this.subscription = vscode.workspace.onDidChangeWorkspaceFolders(() => this.watch());
    this.watch();
  }

  private watch(): void {
    for (const w of this.watchers) w.dispose();
    this.watchers = (vscode.workspace.workspaceFolders ?? []).flatMap((folder) => {
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, `{${DB_DIR}/**,${LOCK_FILE}}`));
      const changed = () => this.schedule(folder);
      return [watcher, watcher.onDidCreate(changed), watcher.onDidChange(changed), watcher.onDidDelete(changed)];
    });
  }

  private schedule(folder: vscode.WorkspaceFolder): void {
    const dm = this.vaults.get(folder.uri);
    if (!dm?.isUnlocked || !dm.readOnlyReason) return;
    const key = folder.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        dm.reload().then(
          (reloaded) => {
            if (reloaded) this.log.info(`re-read the vault in ${folder.name}: ${dm.readOnlyReason ? 'still read-only' : 'now open for writing'}`);
          },
          (e: unknown) => this.log.warn(`re-reading the vault in ${folder.name} failed: ${describeError(e)}`),
        );
      }, DEBOUNCE_MS),
    );
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const w of this.watchers) w.dispose();
    this.subscription.dispose();
  }
}
