import type { SqlJsStatic } from 'sql.js';
import type { AuditChain } from '../audit/chain';
import type { Engine } from '../db/engine';
import { MIGRATIONS, type Migration } from '../db/migrations';
import { translateSqlError } from '../entries/rules';
import { VaultError } from '../errors';
import type { VaultStoreDeps } from '../vault/store';
import type { ChangeEvent, DataManagerOptions, Session } from './types';

type Listener<T> = (value: T) => void;

/**
 * How a service runs its work on the open vault: each write its own journaled transaction on the
 * session's queue (the session itself), or every write inside one batch ({@link VaultSession.batch}).
 */
export interface Runner {
  write<T>(fn: (s: Session, at: string) => T, event: (result: T) => ChangeEvent): Promise<T>;
  read<T>(fn: (s: Session) => T): Promise<T>;
}

/**
 * The open vault and the one queue every operation on it runs through. Holds the session record
 * (store, database, audit chain), runs writes (a SQL transaction that stays open until its journal
 * record is durable, then commits), fires change events, writes checkpoints (in the background,
 * on lock) and swaps in a whole new database (a migration, a repair, a restore) as one snapshot.
 * The other services (entries, files, keys, integrity, audit, migrations) work through it.
 */
export class VaultSession implements Runner {
  /** The unlocked vault; undefined while locked. Set only by the lifecycle (src/core/session/lifecycle.ts). */
  current: Session | undefined;
  readonly migrations: readonly Migration[];
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<Listener<ChangeEvent>>();
  private SQL: SqlJsStatic | undefined;
  private backgroundCheckpoint: Promise<unknown> | undefined;

  constructor(readonly opts: DataManagerOptions) {
    this.migrations = opts.migrations ?? MIGRATIONS;
  }

  onDidChange(listener: Listener<ChangeEvent>): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  emit(e: ChangeEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.opts.logger.error(err instanceof Error ? err : String(err));
      }
    }
  }

  /** Runs `fn` after every operation queued before it, and before every one queued after it. */
  exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  async sql(): Promise<SqlJsStatic> {
    this.SQL ??= await this.opts.sql();
    return this.SQL;
  }

  storeDeps(): VaultStoreDeps {
    const { files, lock, state, clock, random, logger, suite, owner } = this.opts;
    return { files, lock, state, clock, random, logger: logger.child('vault'), owner, ...(suite ? { suite } : {}) };
  }

  now(): string {
    return new Date(this.opts.clock.now()).toISOString();
  }

  requireSession(): Session {
    if (!this.current) throw new VaultError('locked', 'vault is locked');
    return this.current;
  }

  /** The session, refused with `read-only-session` (saying why, else `fallbackHint`) unless it may write. */
  requireWritable(fallbackHint?: string): Session {
    const s = this.requireSession();
    if (s.store.readOnly) {
      const why = s.readOnlyReason?.hint ?? fallbackHint;
      throw new VaultError('read-only-session', 'vault open read-only', why ? { hint: why } : undefined);
    }
    return s;
  }

  /**
   * Runs `fn` in a transaction, makes its journal record durable, then commits. Any failure rolls
   * the transaction back, so memory and disk never disagree.
   */
  mutate<T>(fn: (s: Session, at: string) => T, event: (result: T) => ChangeEvent): Promise<T> {
    return this.exclusive(async () => {
      const s = this.requireWritable();
      await this.settle(s);
      const result = await this.transaction(s, (at) => fn(s, at));
      this.emit(event(result));
      this.maybeCheckpoint(s);
      return result;
    });
  }

  write<T>(fn: (s: Session, at: string) => T, event: (result: T) => ChangeEvent): Promise<T> {
    return this.mutate(fn, event);
  }

  read<T>(fn: (s: Session) => T): Promise<T> {
    return this.exclusive(() => fn(this.requireSession()));
  }

  /**
   * Runs `fn` holding the queue, with a runner whose writes all go into one SQL transaction that
   * becomes one journal record: everything `fn` wrote lands together once `fn` resolves, or —
   * when `fn` or any write in it fails, or the process dies first — none of it (a bulk import is
   * never left half done). Reads inside see the batch's own writes. Change events fire after the
   * commit. Nothing else runs on the vault meanwhile, so `fn` must not wait on other vault calls.
   */
  batch<T>(fn: (runner: Runner) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      const s = this.requireWritable();
      await this.settle(s);
      const events: ChangeEvent[] = [];
      let failed: unknown;
      let open = true;
      const inside = (): Session => {
        if (!open) throw new VaultError('invalid', 'batch used after it ended');
        if (failed !== undefined) throw failed;
        return s;
      };
      const runner: Runner = {
        write: async (op, event) => {
          const session = inside();
          try {
            const result = op(session, this.now());
            events.push(event(result));
            return result;
          } catch (e) {
            // A write that failed half-way may have left statements or audit entries behind: the batch is lost.
            failed = translateSqlError(e);
            throw failed;
          }
        },
        read: async (op) => op(inside()),
      };
      const result = await this.journaled(s, async () => {
        const r = await fn(runner);
        if (failed !== undefined) throw failed;
        return r;
      }).finally(() => (open = false));
      for (const e of events) this.emit(e);
      this.maybeCheckpoint(s);
      return result;
    });
  }

  /** One journaled transaction inside the queue: rolled back (audit chain included) if `fn` or the append fails. */
  transaction<T>(s: Session, fn: (at: string) => T): Promise<T> {
    return this.journaled(s, () => fn(this.now()));
  }

  /** {@link transaction} around a body that may wait (a batch): still one transaction, one journal record. */
  private async journaled<T>(s: Session, body: () => T | Promise<T>): Promise<T> {
    s.engine.begin();
    let result: T;
    try {
      result = await body();
    } catch (e) {
      s.engine.rollback();
      s.audit.reset();
      throw translateSqlError(e);
    }
    const record = s.engine.pendingRecord();
    if (record) {
      try {
        await s.store.append(record);
      } catch (e) {
        s.engine.rollback();
        s.audit.reset();
        throw e;
      }
    }
    s.engine.commit();
    return result;
  }

  /** After a failed append the journal may end torn: a snapshot first, before the next write. */
  async settle(s: Session): Promise<void> {
    if (s.store.mustCheckpoint) await s.store.checkpoint(s.engine.export(), { note: 'after a failed write' });
  }

  /** Starts a checkpoint in the background once the journal has grown past the threshold. */
  maybeCheckpoint(s: Session): void {
    const threshold = this.opts.checkpointBytes ?? 8 * 1024 * 1024;
    if (this.backgroundCheckpoint || s.store.journalSize < threshold) return;
    this.backgroundCheckpoint = this.checkpoint()
      .catch((e) => this.opts.logger.warn(`background checkpoint failed: ${String(e)}`))
      .finally(() => (this.backgroundCheckpoint = undefined));
  }

  /** Writes a new snapshot now (normally done in the background and on lock). */
  async checkpoint(): Promise<void> {
    const started = await this.exclusive(() => {
      const s = this.requireWritable();
      return { done: s.store.checkpoint(s.engine.export()) };
    });
    await started.done;
  }

  /**
   * Closes a session taken out of {@link current} (inside the queue): waits for a background
   * checkpoint, writes a snapshot when the journal is long (for a faster next unlock), closes the
   * database and the store.
   */
  async close(s: Session): Promise<void> {
    try {
      await this.backgroundCheckpoint;
      if (!s.store.readOnly && (s.store.mustCheckpoint || s.store.journalSize > (this.opts.checkpointOnLockBytes ?? 256 * 1024))) {
        await s.store.checkpoint(s.engine.export(), { note: 'on lock' });
      }
    } catch (e) {
      // The journal already holds every acknowledged write; a failed final checkpoint loses nothing.
      this.opts.logger.warn(`checkpoint on lock failed: ${String(e)}`);
    } finally {
      s.engine.close();
      await s.store.close();
    }
  }

  /**
   * Swaps a whole new database (a migrated, repaired or restored copy, already holding its audit
   * entry) in for the session's: it lands as one new snapshot — the commit point — with
   * `safetyCopyOf` (the database before) kept as a safety copy; then the old database is closed.
   * A failure before the snapshot lands closes `next` and leaves the session as it was.
   */
  async swapDatabase(s: Session, next: Engine, audit: AuditChain, opts: { safetyCopyOf: Uint8Array; note: string }): Promise<void> {
    try {
      await s.store.checkpoint(next.export(), opts);
    } catch (e) {
      s.audit.reset();
      next.close();
      throw e;
    }
    s.engine.close();
    s.engine = next;
    s.audit = audit;
    audit.reset();
  }
}
