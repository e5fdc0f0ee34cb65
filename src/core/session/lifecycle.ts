import { AUDIT_KEY_SETTING, AuditChain } from '../audit/chain';
import { toHex } from '../bytes';
import { Engine } from '../db/engine';
import { migrateCopy, type MigrationStep } from '../db/migrate';
import { VaultError } from '../errors';
import type { UnlockSecret } from '../vault/keys';
import { VaultStore, type OpenOptions } from '../vault/store';
import { adoptImage, openEngine, type ImageToAdopt } from './database';
import type { MigrationService } from './migrations';
import type { VaultSession } from './session';
import type { CreateResult, Session, VaultLockState } from './types';

/** What unlocking needs from the key service: finishing a key rotation a crash interrupted. */
export interface RotationResumer {
  rotateLocked(progress: undefined): Promise<void>;
}

/** Creating, unlocking, reloading and locking the vault: where {@link VaultSession.current} is set. */
export class Lifecycle {
  constructor(
    private readonly session: VaultSession,
    private readonly migrations: MigrationService,
    private readonly keys: RotationResumer,
  ) {}

  async lockState(): Promise<VaultLockState> {
    if (this.session.current) return 'unlocked';
    return (await VaultStore.readHeader(this.session.opts.files)) ? 'locked' : 'absent';
  }

  /**
   * Creates a vault: encrypted when a password is given (the result carries the recovery key,
   * to be shown once), otherwise unencrypted but still authenticated. With `from`, its database is
   * a backup's (checked, with an audit entry saying so): a restore into a new folder.
   */
  create(password?: string, from?: ImageToAdopt): Promise<CreateResult> {
    const { session } = this;
    return session.exclusive(async () => {
      if (session.current) throw new VaultError('exists', 'a vault is already open', { hint: 'A vault is already open here.' });
      const SQL = await session.sql();
      const { engine, audit } = from ? await adoptImage(SQL, session.migrations, session.now(), from) : await this.emptyDatabase();
      let created: Awaited<ReturnType<typeof VaultStore.create>>;
      try {
        const { kdf } = session.opts;
        created = await VaultStore.create(session.storeDeps(), engine.export(), password === undefined ? {} : { password, ...(kdf ? { kdf } : {}) });
      } catch (e) {
        engine.close();
        throw e;
      }
      session.current = { unlockedWith: 'created', store: created.store, engine, audit };
      session.emit({ action: 'unlock' });
      return created.recoveryKey ? { recoveryKey: created.recoveryKey } : {};
    });
  }

  /** A new database: every migration, a new audit key, and the first audit entry. */
  private async emptyDatabase(): Promise<{ engine: Engine; audit: AuditChain }> {
    const { session } = this;
    const SQL = await session.sql();
    const steps: MigrationStep[] = session.migrations.map((m) => ({ direction: 'up', migration: m }));
    const db = await migrateCopy(SQL, new Uint8Array(0), steps, session.now(), (d) => d.exec('PRAGMA foreign_keys = ON'));
    const engine = new Engine(SQL, db);
    const auditKey = session.opts.random.bytes(32);
    engine.begin();
    engine.run('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)', [AUDIT_KEY_SETTING, JSON.stringify(toHex(auditKey)), session.now()]);
    const audit = await AuditChain.create(auditKey);
    audit.record(engine, session.now(), 'migrate', { detail: { to: session.migrations.at(-1)?.version ?? 0, created: true } });
    engine.commit();
    return { engine, audit };
  }

  /** Unlocks the vault (with `password`, or unencrypted without), creating one if the folder has none. */
  async openOrCreate(password: string | undefined, opts: OpenOptions): Promise<CreateResult> {
    if ((await this.lockState()) === 'absent') return this.create(password);
    await this.unlock(password === undefined ? { none: true } : { password }, opts);
    return {};
  }

  /**
   * Unlocks and loads the vault. A wrong password writes nothing. Applies pending migrations and
   * resumes an interrupted key rotation when this process holds the writer lock.
   */
  unlock(secret: UnlockSecret | string, opts: OpenOptions = {}): Promise<void> {
    const s: UnlockSecret = typeof secret === 'string' ? { password: secret } : secret;
    const { session } = this;
    return session.exclusive(async () => {
      if (session.current) return;
      const unlockedWith = 'password' in s ? 'password' : 'recoveryKey' in s ? 'recovery' : 'masterKey' in s ? 'remembered' : 'none';
      const opened = await this.open(s, opts, unlockedWith);
      try {
        if (opened.store.readOnly && (await this.migrations.pending(opened.engine))) {
          throw opened.readOnlyReason
            ? new VaultError('in-use', 'migration needed but the vault is open elsewhere', {
                hint: 'It also needs a schema migration, which can only run while no other window or program has it open.',
                remedy: 'close-other-writers',
              })
            : new VaultError('read-only-session', 'migration needed but opened read-only', {
                hint: 'This vault needs a schema migration first; open it for writing once.',
              });
        }
      } catch (e) {
        await this.discard(opened);
        throw e;
      }
      session.current = opened;
      if (!opened.store.readOnly) {
        try {
          if (opened.store.rotationPending) {
            session.opts.logger.info('resuming an interrupted key rotation');
            await this.keys.rotateLocked(undefined);
          }
          await this.migrations.runPending(opened);
        } catch (e) {
          // Not unlocked after all: release the lock and the keys, leave the files as they are.
          session.current = undefined;
          await this.discard(opened);
          throw e;
        }
      }
      session.emit({ action: 'unlock' });
    });
  }

  /**
   * Reads the vault from disk again, for a session opened read-only while another window or
   * program writes to it. When that writer has gone, the reload takes the writer lock (and runs any
   * migration it left pending). Resolves with whether the session was replaced; a failure leaves
   * the current session as it was.
   */
  reload(): Promise<boolean> {
    const { session } = this;
    return session.exclusive(async () => {
      const old = session.current;
      if (!old || !old.store.readOnly) return false;
      const secret: UnlockSecret = old.store.encrypted ? { masterKey: old.store.unlockedKeys.exportMasterKey().slice() } : { none: true };
      const next = await this.open(secret, {}, old.unlockedWith);
      if (!next.store.readOnly) {
        try {
          session.current = next;
          await this.migrations.runPending(next);
        } catch (e) {
          session.current = old;
          await this.discard(next);
          throw e;
        }
      }
      session.current = next;
      await this.discard(old);
      session.emit({ action: 'reload' });
      return true;
    });
  }

  /** Closes the vault and drops its keys from memory (as far as JavaScript allows). */
  lock(): Promise<void> {
    const { session } = this;
    return session.exclusive(async () => {
      const s = session.current;
      if (!s) return;
      session.current = undefined;
      try {
        await session.close(s);
      } finally {
        session.emit({ action: 'lock' });
      }
    });
  }

  /** Opens the store and loads its database; releases the store if the database does not load. */
  private async open(secret: UnlockSecret, opts: OpenOptions, unlockedWith: Session['unlockedWith']): Promise<Session> {
    const SQL = await this.session.sql();
    const { store, loaded, readOnlyReason } = await VaultStore.open(this.session.storeDeps(), secret, opts);
    try {
      const { engine, audit } = await openEngine(SQL, loaded);
      return { unlockedWith, store, engine, audit, ...(readOnlyReason ? { readOnlyReason } : {}) };
    } catch (e) {
      await store.close();
      throw e;
    }
  }

  /** Closes a session that never became (or no longer is) the current one, without a checkpoint. */
  private async discard(s: Session): Promise<void> {
    s.engine.close();
    await s.store.close();
  }
}
