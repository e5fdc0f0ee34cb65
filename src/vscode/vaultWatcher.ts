import * as vscode from 'vscode';
import { describeError } from '../core/errors';
import type { Logger } from '../core/ports';
import { DB_DIR, LOCK_FILE } from '../core/vault/layout';
import { Disposable, toDisposable } from './lifecycle';
import type { UnlockedVault, VaultRegistry } from './vaults';

const DEBOUNCE_MS = 300;

/**
 * Keeps a vault opened read-only (another window or the command-line tool holds the writer lock)
 * up to date: when the vault's files change on disk it is read again, so the Campaigns view and
 * open documents show what the other process wrote; once that process has gone, the next reload
 * makes this window the writer. Each unlocked vault is watched for as long as it stays unlocked.
 */
export class ReadOnlyVaultWatcher extends Disposable {
  constructor(
    vaults: VaultRegistry,
    private readonly log: Logger,
  ) {
    super();
    this._register(vaults.whileUnlocked((vault) => this.watch(vault)));
  }

  private watch({ folder, dm, lifetime }: UnlockedVault): void {
    let timer: ReturnType<typeof setTimeout> | undefined;
    lifetime.add(toDisposable(() => clearTimeout(timer)));
    const changed = () => {
      if (!dm.isUnlocked || !dm.readOnlyReason) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        dm.reload().then(
          (reloaded) => {
            if (reloaded) this.log.info(`re-read the vault in ${folder.name}: ${dm.readOnlyReason ? 'still read-only' : 'now open for writing'}`);
          },
          (e: unknown) => this.log.warn(`re-reading the vault in ${folder.name} failed: ${describeError(e)}`),
        );
      }, DEBOUNCE_MS);
    };
    const watcher = lifetime.add(vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, `{${DB_DIR}/**,${LOCK_FILE}}`)));
    lifetime.add(watcher.onDidCreate(changed));
    lifetime.add(watcher.onDidChange(changed));
    lifetime.add(watcher.onDidDelete(changed));
  }
}
