import * as vscode from 'vscode';
import type { Logger } from '../core/ports';

/** The part of VS Code's SecretStorage the extension uses (tests replace it to simulate a missing keychain). */
export interface SecretStore {
  get(key: string): Thenable<string | undefined>;
  store(key: string, value: string): Thenable<void>;
  delete(key: string): Thenable<void>;
}

export type RememberKeySetting = 'ask' | 'always' | 'never';

export const REMEMBER_KEY_SETTING = 'rememberKey';

/** `campaignVault.rememberKey`; anything unexpected counts as the default, "ask". */
export function rememberKeySetting(): RememberKeySetting {
  const value = vscode.workspace.getConfiguration('campaignVault').get<string>(REMEMBER_KEY_SETTING, 'ask');
  return value === 'always' || value === 'never' ? value : 'ask';
}

/** The SecretStorage key of a vault's remembered master key. */
export function secretKeyFor(vaultId: string): string {
  return `campaignVault.vault.${vaultId}.masterKey`;
}

/**
 * "Remember on this machine": a vault's master key (base64) in VS Code's SecretStorage, one entry
 * per vault id. SecretStorage can fail (no keychain on a Linux desktop, a locked keyring): every
 * failure is logged and reported as "nothing remembered", never thrown, so the caller falls back
 * to asking for the password.
 */
export class RememberedKeys {
  constructor(
    private store: SecretStore,
    private readonly log: Logger,
  ) {}

  /** Test hook: replaces the secret store. */
  setStore(store: SecretStore): void {
    this.store = store;
  }

  async get(vaultId: string): Promise<string | undefined> {
    try {
      return await this.store.get(secretKeyFor(vaultId));
    } catch (e) {
      this.log.warn(`could not read the remembered key of vault ${vaultId} from SecretStorage: ${describe(e)}`);
      return undefined;
    }
  }

  /** Stores the key; false (and a log line) when SecretStorage refused. */
  async remember(vaultId: string, key: string): Promise<boolean> {
    try {
      await this.store.store(secretKeyFor(vaultId), key);
      this.log.info(`remembered the key of vault ${vaultId} in SecretStorage`);
      return true;
    } catch (e) {
      this.log.warn(`could not store the key of vault ${vaultId} in SecretStorage: ${describe(e)}`);
      return false;
    }
  }

  /** Deletes the key; returns whether one was there (undefined when SecretStorage failed). */
  async forget(vaultId: string): Promise<boolean | undefined> {
    try {
      const had = (await this.store.get(secretKeyFor(vaultId))) !== undefined;
      await this.store.delete(secretKeyFor(vaultId));
      this.log.info(`forgot the remembered key of vault ${vaultId}`);
      return had;
    } catch (e) {
      this.log.warn(`could not delete the remembered key of vault ${vaultId} from SecretStorage: ${describe(e)}`);
      return undefined;
    }
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
