import * as vscode from 'vscode';
import { describePresence } from '../../core/vault/inspect';
import type { CampaignVaultStatus } from '../api';
import type { StatusModel } from '../status';

/** "Campaign Vault: Show Status": re-inspects the workspace and says what it holds. Returns the status. */
export async function showStatus(model: StatusModel): Promise<CampaignVaultStatus> {
  const status = await model.refresh();
  const lines =
    status.folders.length === 0
      ? ['No folder is open. Open a folder to keep a campaign vault in it.']
      : status.folders.map((f) => (status.folders.length > 1 ? `${f.folder}: ` : '') + describePresence(f.presence));
  void vscode.window.showInformationMessage(`Campaign Vault ${status.extensionVersion}: ${lines.join(' ')}`);
  return status;
}
