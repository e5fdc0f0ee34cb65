import * as vscode from 'vscode';
import type { Logger } from '../core/ports';
import { inspectVault } from '../core/vault/inspect';
import { HEADER_FILE, VAULT_DIR } from '../core/vault/layout';
import { NodeFileStore } from '../node/fileStore';
import type { CampaignVaultStatus } from './api';

/** The context key menus and welcome views use: `none`, `present` or `problem`. */
export const STATE_CONTEXT_KEY = 'campaignVault.state';

/**
 * Keeps track of what each workspace folder holds: re-inspects when folders change or a vault
 * header is created, changed or deleted, updates the context key and fires an event.
 */
export class StatusModel implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<CampaignVaultStatus>();
  private readonly disposables: vscode.Disposable[] = [this.emitter];
  private watchers: vscode.Disposable[] = [];
  readonly onDidChange = this.emitter.event;

  constructor(
    private readonly extensionVersion: string,
    private readonly log: Logger,
  ) {
    // File events come in bursts (create, change, change …): look once the burst is over.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const refresh = (uri?: vscode.Uri) => {
      this.log.trace(`vault header event: ${uri?.fsPath ?? 'workspace folders changed'}`);
      clearTimeout(timer);
      timer = setTimeout(() => void this.refresh().catch((e: unknown) => this.log.error(e instanceof Error ? e : String(e))), 100);
    };
    this.disposables.push({ dispose: () => clearTimeout(timer) });
    this.disposables.push(vscode.workspace.onDidChangeWorkspaceFolders(() => {
      this.watchFolders(refresh);
      refresh();
    }));
    this.watchFolders(refresh);
  }

  /**
   * One watcher per workspace folder on its vault header and the vault folder: deleting the whole
   * folder reports only the folder, not the header inside it.
   */
  private watchFolders(refresh: (uri?: vscode.Uri) => void): void {
    for (const w of this.watchers) w.dispose();
    this.watchers = (vscode.workspace.workspaceFolders ?? []).flatMap((folder) => {
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, `{${VAULT_DIR},${HEADER_FILE}}`));
      return [watcher, watcher.onDidCreate(refresh), watcher.onDidChange(refresh), watcher.onDidDelete(refresh)];
    });
  }

  async refresh(): Promise<CampaignVaultStatus> {
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
    const status: CampaignVaultStatus = {
      extensionVersion: this.extensionVersion,
      folders: await Promise.all(
        folders.map(async (f) => ({ folder: f.uri.fsPath, presence: await inspectVault(new NodeFileStore(f.uri.fsPath)) })),
      ),
    };
    const states = status.folders.map((f) => f.presence.state);
    const state = states.some((s) => s === 'unreadable' || s === 'newer') ? 'problem' : states.includes('present') ? 'present' : 'none';
    await vscode.commands.executeCommand('setContext', STATE_CONTEXT_KEY, state);
    this.log.debug(`status: ${JSON.stringify(status.folders)}`);
    this.emitter.fire(status);
    return status;
  }

  dispose(): void {
    for (const d of [...this.disposables, ...this.watchers]) d.dispose();
  }
}
