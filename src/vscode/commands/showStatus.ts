import * as vscode from 'vscode';
import { describePresence } from '../../core/vault/inspect';
import { vaultStatus, type CampaignVaultStatus } from '../api';
import type { Services } from '../services';

/** "Campaign Vault: Show Status": re-reads the workspace's vaults and says what they hold. Returns the status. */
export async function showStatus(s: Services): Promise<CampaignVaultStatus> {
  const status = vaultStatus(s.extensionVersion, await s.vaults.refresh());
  const lines =
    status.folders.length === 0
      ? [vscode.l10n.t('No folder is open. Open a folder to keep a campaign vault in it.')]
      : status.folders.map((f) => (status.folders.length > 1 ? `${f.folder}: ` : '') + describePresence(f.presence));
  void s.ui().message({ id: 'status', severity: 'info', text: vscode.l10n.t('Campaign Vault {0}: {1}', status.extensionVersion, lines.join(' ')) });
  return status;
}
