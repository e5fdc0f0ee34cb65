import { Engine } from '../db/engine';
import { migrateCopy, migrationStatus, type MigrationStatus, type MigrationStep } from '../db/migrate';
import { VaultError } from '../errors';
import type { VaultSession } from './session';
import type { Session } from './types';

/**
 * Schema migrations (src/core/db/migrations.ts): run on a copy, verified, swapped in as one
 * snapshot with the state before kept as a safety copy. Unlock and restore run the pending ones.
 */
export class MigrationService {
  constructor(private readonly session: VaultSession) {}

  status(): Promise<MigrationStatus> {
    return this.session.exclusive(() => migrationStatus(this.session.requireSession().engine.db, this.session.migrations));
  }

  /** Applies pending migrations (normally done on unlock). Returns the new version. */
  run(): Promise<number> {
    return this.session.exclusive(async () => {
      const s = this.session.requireWritable();
      await this.runPending(s);
      return this.current(s.engine);
    });
  }

  /** Rolls back the newest migration (never the initial schema). Returns the new version. */
  rollback(): Promise<number> {
    return this.session.exclusive(async () => {
      const s = this.session.requireWritable();
      const status = await migrationStatus(s.engine.db, this.session.migrations);
      const top = this.session.migrations.find((m) => m.version === status.current);
      if (!top || top.version <= 1) throw new VaultError('unsupported', 'nothing to roll back', { hint: 'The initial schema cannot be rolled back.' });
      await this.migrateLocked(s, [{ direction: 'down', migration: top }]);
      return this.current(s.engine);
    });
  }

  /** The schema version of a database. */
  async current(engine: Engine): Promise<number> {
    return (await migrationStatus(engine.db, this.session.migrations)).current;
  }

  /** Whether a database has migrations pending. */
  async pending(engine: Engine): Promise<boolean> {
    return (await migrationStatus(engine.db, this.session.migrations)).pending.length > 0;
  }

  /** Runs the pending migrations, if any (inside the queue, in a writable session). */
  async runPending(s: Session): Promise<void> {
    const status = await migrationStatus(s.engine.db, this.session.migrations);
    if (status.pending.length > 0) await this.migrateLocked(s, status.pending.map((m) => ({ direction: 'up', migration: m })));
  }

  /**
   * Runs steps on a copy, verifies it, records an audit entry in it, and makes it durable as a
   * new snapshot (the pre-migration state is kept as a safety copy) before swapping it in.
   */
  private async migrateLocked(s: Session, steps: MigrationStep[]): Promise<void> {
    const SQL = await this.session.sql();
    const before = s.engine.export();
    const at = this.session.now();
    const copy = await migrateCopy(SQL, before, steps, at, (d) => d.exec('PRAGMA foreign_keys = ON'));
    const next = new Engine(SQL, copy);
    const action = steps.at(-1)!.direction === 'up' ? 'migrate' : 'rollback-migration';
    const names = steps.map((x) => `${x.direction} ${x.migration.version}`);
    try {
      s.audit.reset();
      next.begin();
      s.audit.record(next, at, action, { detail: { steps: names } });
      next.commit();
    } catch (e) {
      s.audit.reset();
      next.close();
      throw e;
    }
    await this.session.swapDatabase(s, next, s.audit, { safetyCopyOf: before, note: 'migration' });
    this.session.opts.logger.info(`migrations applied: ${names.join(', ')}`);
    this.session.emit({ action });
  }
}
