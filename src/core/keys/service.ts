import type { AuditAction } from '../audit/chain';
import { toBase64 } from '../bytes';
import { VaultError, isVaultError } from '../errors';
import type { FileService } from '../files/service';
import type { VaultSession } from '../session/session';
import type { Cancellation, CreateResult, Progress } from '../session/types';
import { unlockKeys } from '../vault/keys';
import { VaultStore } from '../vault/store';

/** The vault's keys: passwords, the recovery key, Encrypt Vault, key rotation, "remember on this machine". */
export class KeyService {
  constructor(
    private readonly session: VaultSession,
    private readonly files: FileService,
  ) {}

  /** Checks a password against the vault header without opening anything or writing. */
  async checkPassword(password: string): Promise<boolean> {
    const { opts } = this.session;
    const header = await VaultStore.readHeader(opts.files);
    if (!header) throw new VaultError('not-found', 'no vault', { hint: 'There is no vault in this folder.' });
    try {
      (await unlockKeys(header, { password }, opts.suite ?? (await import('../crypto/aead')).defaultSuite())).wipe();
      return true;
    } catch (e) {
      if (isVaultError(e, 'wrong-password')) return false;
      throw e;
    }
  }

  /** Changes the password after checking the current one. Rewrites one record (vault.json). */
  changePassword(current: string, next: string): Promise<void> {
    return this.session.exclusive(async () => {
      this.session.requireWritable();
      if (!(await this.checkPassword(current))) throw new VaultError('wrong-password', 'current password wrong');
      await this.setPassword(next, {});
    });
  }

  /** Whether this session was unlocked with the recovery key (then {@link resetPassword} is allowed). */
  get unlockedWithRecoveryKey(): boolean {
    return this.session.current?.unlockedWith === 'recovery';
  }

  /**
   * Sets a new password without the old one — only in a session unlocked with the recovery key,
   * which is how someone who forgot their password gets a new one.
   */
  resetPassword(next: string): Promise<void> {
    return this.session.exclusive(async () => {
      const s = this.session.requireWritable();
      if (s.unlockedWith !== 'recovery') {
        throw new VaultError('unsupported', 'resetPassword outside a recovery session', {
          hint: 'Unlock with the recovery key to set a new password without the old one.',
          remedy: 'unlock-with-recovery-key',
        });
      }
      await this.setPassword(next, { detail: { with: 'recovery key' } });
    });
  }

  /** Writes the new password (inside the queue) and its audit entry. */
  private async setPassword(next: string, entry: { detail?: Record<string, unknown> }): Promise<void> {
    const s = this.session.requireWritable();
    await s.store.changePassword(next, this.session.opts.kdf);
    await this.session.transaction(s, (at) => s.audit.record(s.engine, at, 'change-password', entry));
    this.session.emit({ action: 'change-password' });
  }

  /** Encrypts an unencrypted vault: new keys, everything re-sealed. Returns the recovery key. */
  encrypt(password: string, progress?: Progress): Promise<CreateResult> {
    return this.session.exclusive(async () => {
      const s = this.session.requireWritable();
      if (s.store.encrypted) throw new VaultError('unsupported', 'already encrypted', { hint: 'The vault is already encrypted.' });
      const { kdf } = this.session.opts;
      const { recoveryKey } = await s.store.beginRotation({ password, ...(kdf ? { kdf } : {}) });
      await this.rotateLocked(progress, 'encrypt');
      return recoveryKey ? { recoveryKey } : {};
    });
  }

  /**
   * Replaces the data key and re-seals everything with the new one. Resumable: after a crash the
   * next unlock finishes it. Cancellation is honoured until the new key is written.
   */
  rotateKey(progress?: Progress, token?: Cancellation): Promise<void> {
    return this.session.exclusive(async () => {
      const s = this.session.requireWritable();
      if (token?.isCancellationRequested) throw new VaultError('cancelled', 'rotation cancelled');
      progress?.report('Adding the new key', 0.1);
      await s.store.beginRotation();
      // Until re-encryption starts, a cancellation undoes the new key; after that the rotation
      // finishes (or, after a crash, is finished by the next unlock).
      if (token?.isCancellationRequested) {
        await s.store.abortRotation();
        throw new VaultError('cancelled', 'rotation cancelled after the new key was added; undone');
      }
      await this.rotateLocked(progress);
    });
  }

  /** Finishes a begun rotation (inside the queue): files, then the database, then the old key goes. The unlock resumes one with it. */
  async rotateLocked(progress: Progress | undefined, action: AuditAction = 'rotate-key'): Promise<void> {
    const s = this.session.requireWritable();
    progress?.report('Re-encrypting files', 0.2);
    await this.files.resealFiles(s);
    progress?.report('Re-encrypting the database', 0.3);
    await s.store.checkpoint(s.engine.export(), { note: 'key rotation' });
    progress?.report('Removing the old key', 0.8);
    await s.store.finishRotation();
    await this.session.transaction(s, (at) => s.audit.record(s.engine, at, action, { detail: { data_key: s.store.currentHeader.activeDataKey } }));
    progress?.report('Done', 1);
    this.session.emit({ action });
  }

  /** The master key, for "remember on this machine" (VS Code's SecretStorage). */
  rememberableKey(): string {
    return toBase64(this.session.requireSession().store.unlockedKeys.exportMasterKey());
  }
}
