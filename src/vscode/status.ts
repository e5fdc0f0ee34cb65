import * as vscode from 'vscode';
import type { Logger } from '../core/ports';
import { inspectVault } from '../core/vault/inspect';
import { HEADER_FILE } from '../core/vault/layout';
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
  private current: CampaignVaultStatus | undefined;
  readonly onDidChange = this.emitter.event;

  constructor(
    private readonly extensionVersion: string,
    private readonly log: Logger,
  ) {
    const watcher = vscode.workspace.createFileSystemWatcher(`**/${HEADER_FILE}`);
    const refresh = () => void this.refresh();
    this.disposables.push(
      watcher,
      watcher.onDidCreate(refresh),
      watcher.onDidChange(refresh),
      watcher.onDidDelete(refresh),
      vscode.workspace.onDidChangeWorkspaceFolders(refresh),
    );
  }

  get status(): CampaignVaultStatus | undefined {
    return this.current;
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
    this.current = status;
    this.emitter.fire(status);
    return status;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
