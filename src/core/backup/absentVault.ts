import { VaultError } from '../errors';
import type { BackupSource, BackupVault, VaultFiles, VaultIdentity } from './port';

/**
 * The vault of a repository opened without it (with the password or recovery key alone, the vault
 * being deleted, damaged or on a lost disk). The repository is handed to the service already open,
 * so listing, verifying and restoring into a new folder never ask the vault; everything that would
 * (a backup, an in-place or one-entry restore, a repair of a file) fails with a sentence saying so.
 */
export class AbsentVault implements BackupVault {
  readonly files: VaultFiles = {
    read: () => absent(),
    write: () => absent(),
    has: () => absent(),
  };

  /** The keys were used to open the repository and wiped: a repository opened again needs the secret again. */
  identity(): Promise<VaultIdentity> {
    return absent();
  }

  source(): Promise<BackupSource> {
    return absent();
  }

  changeMark(): Promise<number> {
    return absent();
  }

  replaceDatabase(): Promise<void> {
    return absent();
  }

  restoreEntry(): Promise<{ id: string; name: string; version: number }> {
    return absent();
  }
}

function absent(): Promise<never> {
  return Promise.reject(new VaultError('unsupported', 'no vault', { hint: 'The vault of these backups is not here: only restoring a backup into a new folder works.' }));
}
