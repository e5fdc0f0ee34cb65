import type { VaultPresence } from '../core/vault/inspect';

/** What each workspace folder holds. */
export interface FolderStatus {
  readonly folder: string;
  readonly presence: VaultPresence;
}

/** The status the extension shows: one entry per workspace folder. */
export interface CampaignVaultStatus {
  readonly extensionVersion: string;
  readonly folders: readonly FolderStatus[];
}

/**
 * The API `activate()` returns to other extensions (and to our integration tests):
 * `vscode.extensions.getExtension('campaign-vault.campaign-vault').exports`.
 * Later versions add the DataManager (campaigns, characters, backups …); `apiVersion` changes
 * only when something is removed or changes meaning.
 */
export interface CampaignVaultApi {
  readonly apiVersion: 1;
  readonly extensionVersion: string;
  /** Looks at every workspace folder again and returns what it found. */
  getStatus(): Promise<CampaignVaultStatus>;
  /** Fires whenever the status may have changed (a vault header appeared, changed or went away). */
  readonly onDidChangeStatus: (listener: (status: CampaignVaultStatus) => void) => { dispose(): void };
}
