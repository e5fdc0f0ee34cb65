import * as vscode from 'vscode';
import type { CampaignVaultStatus } from '../api';

/**
 * The "Campaigns" tree: campaigns → kinds → entities once a vault is unlocked. Until then it is
 * empty, which lets the view's welcome content (package.json `viewsWelcome`) say what to do next.
 */
export class CampaignsTreeProvider implements vscode.TreeDataProvider<vscode.TreeItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.TreeItem | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  update(_status: CampaignVaultStatus): void {
    this.changed.fire(undefined);
  }

  getTreeItem(element: vscode.TreeItem): vscode.TreeItem {
    return element;
  }

  getChildren(): vscode.TreeItem[] {
    return [];
  }

  dispose(): void {
    this.changed.dispose();
  }
}
