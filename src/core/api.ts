import type { SqlJsStatic } from 'sql.js';
import { AUDIT_KEY_SETTING, AuditChain, verifyAudit, type AuditAction, type AuditReport } from './audit/chain';
import { fromHex, toBase64, toHex } from './bytes';
import type { CipherSuite } from './crypto/aead';
import type { KdfParams } from './crypto/kdf';
import { Engine, type Row } from './db/engine';
import { ENTITY_KINDS, KINDS, bodyOf, type EntityKind, type KindSpec } from './db/kinds';
import { migrateCopy, migrationStatus, verifyDatabase, type MigrationStatus, type MigrationStep } from './db/migrate';
import { MIGRATIONS, type Migration } from './db/migrations';
import {
  countRows,
  deleteRow,
  findRow,
  insertEntity,
  listRows,
  rowToEntity,
  selectRow,
  updateEntity,
  type Entity,
  type ListQuery,
  type StoredEntity,
} from './db/repository';
import { VaultError, isVaultError } from './errors';
import { BlobStore, assertBlobHash } from './files/blobStore';
import { sniff } from './files/sniff';
import { applyFixes, checkDatabase, checkFiles, findingKey, makeReport, type Finding, type Found, type IntegrityReport } from './integrity';
import { quoteName } from './paths';
import type { Clock, FileStore, Logger, Random, StateStore, VaultLock } from './ports';
import { validateBody } from './schema';
import { unlockKeys, type UnlockSecret } from './vault/keys';
import { MAX_BACKUP_JOURNAL_BYTES, type BackupSource, type BackupVault, type DatabaseSource, type HealthVault, type NewVaultFactory, type VaultFiles } from './backup/port';
import { VaultStore, type CommittedState, type LoadedState, type OpenOptions } from './vault/store';

export type { Entity, ListQuery, EntityKind, MigrationStatus, AuditReport };

export { MAX_BACKUP_JOURNAL_BYTES, type BackupSource, type DatabaseSource } from './backup/port';

export interface DataManagerOptions {
  readonly files: FileStore;
  readonly lock: VaultLock;
  readonly state: StateStore;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  /** Loads sql.js (its wasm location differs between the extension, the CLI and tests). */
  readonly sql: () => Promise<SqlJsStatic>;
  readonly owner: { readonly pid: number; readonly host: string; readonly app: string };
  readonly suite?: CipherSuite;
  /** KDF parameters for new passwords (defaults to RFC 9106's m=64 MiB, t=3, p=4). */
  readonly kdf?: KdfParams;
  readonly migrations?: readonly Migration[];
  /** Journal bytes after which a checkpoint runs in the background (default 8 MiB). */
  readonly checkpointBytes?: number;
  /** Journal bytes above which locking writes a snapshot first, for a faster next unlock (default 256 KiB). */
  readonly checkpointOnLockBytes?: number;
}

export type VaultLockState = 'absent' | 'locked' | 'unlocked';

export interface CreateResult {
  /** Shown once to the user; only for encrypted vaults. */
  readonly recoveryKey?: string;
}

export interface UpdateOptions {
  /** Refuse the update unless the stored version is this one (optimistic concurrency). */
  readonly expectedVersion?: number;
}

export interface Progress {
  report(step: string, fraction: number): void;
}

export interface Cancellation {
  readonly isCancellationRequested: boolean;
}

interface Session {
  /** How this session was unlocked: a recovery-key session may set a new password without the old one. */
  readonly unlockedWith: 'password' | 'recovery' | 'remembered' | 'none' | 'created';
  readonly store: VaultStore;
  engine: Engine;
  audit: AuditChain;
  readonly readOnlyReason?: VaultError;
}

type Listener<T> = (value: T) => void;

/** What changed, for views to refresh. */
export interface ChangeEvent {
  readonly kind?: EntityKind;
  readonly id?: string;
  readonly campaign_id?: string | null;
  readonly action: AuditAction | 'unlock' | 'lock' | 'reload';
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const SINGULAR = {
  campaign: 'Campaign',
  character: 'Character',
  npc: 'Npc',
  session: 'Session',
  location: 'Location',
  item: 'Item',
  spell: 'Spell',
  rulebook: 'Rulebook',
  asset: 'Asset',
} as const satisfies Record<EntityKind, string>;

/**
 * The one facade over the vault — the seed's TypeScript API. Every operation is serialized: a
 * write runs in a SQL transaction that stays open until its journal record is durable, so an
 * acknowledged write is on disk and a failed one leaves no trace in memory or on disk.
 */
// The typed per-kind methods (createCampaign, …) are installed on the prototype below.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class DataManager {
  private session: Session | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<Listener<ChangeEvent>>();
  private readonly migrations: readonly Migration[];
  private SQL: SqlJsStatic | undefined;
  private backgroundCheckpoint: Promise<unknown> | undefined;

  constructor(private readonly opts: DataManagerOptions) {
    this.migrations = opts.migrations ?? MIGRATIONS;
  }

  // ── lifecycle ────────────────────────────────────────────────────────────────────────────

  onDidChange(listener: Listener<ChangeEvent>): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private emit(e: ChangeEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.opts.logger.error(err instanceof Error ? err : String(err));
      }
    }
  }

  async lockState(): Promise<VaultLockState> {
    if (this.session) return 'unlocked';
    return (await VaultStore.readHeader(this.opts.files)) ? 'locked' : 'absent';
  }

  get isUnlocked(): boolean {
    return this.session !== undefined;
  }

  /** Whether the open vault is encrypted (undefined when none is open). */
  get isEncrypted(): boolean | undefined {
    return this.session?.store.encrypted;
  }

  /** Set when the vault is open read-only because another process holds the writer lock. */
  get readOnlyReason(): VaultError | undefined {
    return this.session?.readOnlyReason;
  }

  get vaultId(): string | undefined {
    return this.session?.store.vaultId;
  }

  private exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async sql(): Promise<SqlJsStatic> {
    this.SQL ??= await this.opts.sql();
    return this.SQL;
  }

  private storeDeps() {
    const { files, lock, state, clock, random, logger, suite, owner } = this.opts;
    return { files, lock, state, clock, random, logger: logger.child('vault'), owner, ...(suite ? { suite } : {}) };
  }

  private now(): string {
    return new Date(this.opts.clock.now()).toISOString();
  }

  /**
   * Creates a vault: encrypted when a password is given (the result carries the recovery key,
   * to be shown once), otherwise unencrypted but still authenticated.
   */
  createVault(
    password?: string,
    opts: { fromImage?: { image: Uint8Array; detail: Record<string, unknown>; renamedFiles?: ReadonlyMap<string, string> } } = {},
  ): Promise<CreateResult> {
    return this.exclusive(async () => {
      if (this.session) throw new VaultError('exists', 'a vault is already open', { hint: 'A vault is already open here.' });
      const SQL = await this.sql();
      let engine: Engine;
      let audit: AuditChain;
      if (opts.fromImage) {
        // A restore into a new folder: the backup's database, checked, with an audit entry saying so.
        ({ engine, audit } = await this.adoptImage(SQL, opts.fromImage.image, 'restore-backup', opts.fromImage.detail, opts.fromImage.renamedFiles));
      } else {
        const steps: MigrationStep[] = this.migrations.map((m) => ({ direction: 'up', migration: m }));
        const db = await migrateCopy(SQL, new Uint8Array(0), steps, this.now(), (d) => d.exec('PRAGMA foreign_keys = ON'));
        engine = new Engine(SQL, db);
        const auditKey = this.opts.random.bytes(32);
        engine.begin();
        engine.run('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)', [AUDIT_KEY_SETTING, JSON.stringify(toHex(auditKey)), this.now()]);
        audit = await AuditChain.create(auditKey);
        audit.record(engine, this.now(), 'migrate', { detail: { to: this.migrations.at(-1)?.version ?? 0, created: true } });
        engine.commit();
      }
      let created: Awaited<ReturnType<typeof VaultStore.create>>;
      try {
        created = await VaultStore.create(this.storeDeps(), engine.export(), password === undefined ? {} : { password, ...(this.opts.kdf ? { kdf: this.opts.kdf } : {}) });
      } catch (e) {
        engine.close();
        throw e;
      }
      this.session = { unlockedWith: 'created', store: created.store, engine, audit };
      this.emit({ action: 'unlock' });
      return created.recoveryKey ? { recoveryKey: created.recoveryKey } : {};
    });
  }

  /** Opens an unencrypted vault, creating one if the folder has none (the seed's `initialize()`). */
  async initialize(opts: OpenOptions = {}): Promise<CreateResult> {
    if ((await this.lockState()) === 'absent') return this.createVault();
    await this.unlock({ none: true }, opts);
    return {};
  }

  /** Unlocks the vault with a password, creating an encrypted one if the folder has none. */
  async initializeWithPassword(password: string, opts: OpenOptions = {}): Promise<CreateResult> {
    if ((await this.lockState()) === 'absent') return this.createVault(password);
    await this.unlock({ password }, opts);
    return {};
  }

  /**
   * Unlocks and loads the vault. A wrong password writes nothing. Applies pending migrations and
   * resumes an interrupted key rotation when this process holds the writer lock.
   */
  unlock(secret: UnlockSecret | string, opts: OpenOptions = {}): Promise<void> {
    const s: UnlockSecret = typeof secret === 'string' ? { password: secret } : secret;
    return this.exclusive(async () => {
      if (this.session) return;
      const SQL = await this.sql();
      const { store, loaded, readOnlyReason } = await VaultStore.open(this.storeDeps(), s, opts);
      let engine: Engine | undefined;
      try {
        const opened = await this.openEngine(SQL, loaded);
        engine = opened.engine;
        const audit = opened.audit;
        const status = await migrationStatus(engine.db, this.migrations);
        const readOnly = store.readOnly;
        if (status.pending.length > 0 && readOnly) {
          throw readOnlyReason
            ? new VaultError('in-use', 'migration needed but the vault is open elsewhere', {
                hint: 'It also needs a schema migration, which can only run while no other window or program has it open.',
              })
            : new VaultError('read-only-session', 'migration needed but opened read-only', {
                hint: 'This vault needs a schema migration first; open it for writing once.',
              });
        }
        const unlockedWith = 'password' in s ? 'password' : 'recoveryKey' in s ? 'recovery' : 'masterKey' in s ? 'remembered' : 'none';
        this.session = { unlockedWith, store, engine, audit, ...(readOnlyReason ? { readOnlyReason } : {}) };
      } catch (e) {
        engine?.close();
        await store.close();
        throw e;
      }
      const session = this.session;
      if (!session.store.readOnly) {
        try {
          if (session.store.rotationPending) {
            this.opts.logger.info('resuming an interrupted key rotation');
            await this.rotateLocked(undefined);
          }
          const status = await migrationStatus(session.engine.db, this.migrations);
          if (status.pending.length > 0) await this.migrateLocked(status.pending.map((m) => ({ direction: 'up', migration: m })));
        } catch (e) {
          // Not unlocked after all: release the lock and the keys, leave the files as they are.
          this.session = undefined;
          session.engine.close();
          await session.store.close();
          throw e;
        }
      }
      this.emit({ action: 'unlock' });
    });
  }

  /**
   * Reads the vault from disk again, for a session opened read-only while another window or
   * program writes to it. When that writer has gone, the reload takes the writer lock (and runs any
   * migration it left pending). Resolves with whether the session was replaced; a failure leaves
   * the current session as it was.
   */
  reload(): Promise<boolean> {
    return this.exclusive(async () => {
      const old = this.session;
      if (!old || !old.store.readOnly) return false;
      const secret: UnlockSecret = old.store.encrypted ? { masterKey: old.store.unlockedKeys.exportMasterKey().slice() } : { none: true };
      const SQL = await this.sql();
      const { store, loaded, readOnlyReason } = await VaultStore.open(this.storeDeps(), secret, {});
      let engine: Engine | undefined;
      let next: Session;
      try {
        const opened = await this.openEngine(SQL, loaded);
        engine = opened.engine;
        const audit = opened.audit;
        next = { unlockedWith: old.unlockedWith, store, engine, audit, ...(readOnlyReason ? { readOnlyReason } : {}) };
        if (!store.readOnly) {
          const status = await migrationStatus(engine.db, this.migrations);
          this.session = next;
          if (status.pending.length > 0) await this.migrateLocked(status.pending.map((m) => ({ direction: 'up', migration: m })));
        }
      } catch (e) {
        this.session = old;
        engine?.close();
        await store.close();
        throw e;
      }
      this.session = next;
      old.engine.close();
      await old.store.close();
      this.emit({ action: 'reload' });
      return true;
    });
  }

  /** The database of a loaded vault (snapshot + journal replayed) and its audit chain; closes the database if that fails. */
  private async openEngine(SQL: SqlJsStatic, loaded: LoadedState): Promise<{ engine: Engine; audit: AuditChain }> {
    const engine = Engine.load(SQL, loaded.snapshot, loaded.records);
    try {
      const keyRow = engine.get('SELECT value FROM settings WHERE key = ?', [AUDIT_KEY_SETTING]);
      if (!keyRow) throw new VaultError('corrupt', 'audit key missing from settings');
      return { engine, audit: await AuditChain.create(fromHex(JSON.parse(String(keyRow.value)) as string)) };
    } catch (e) {
      engine.close();
      throw e;
    }
  }

  /** Closes the vault and drops its keys from memory (as far as JavaScript allows). */
  lock(): Promise<void> {
    return this.exclusive(async () => {
      const s = this.session;
      if (!s) return;
      this.session = undefined;
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
        this.emit({ action: 'lock' });
      }
    });
  }

  /** The master key, for "remember on this machine" (VS Code's SecretStorage). */
  rememberableKey(): string {
    const s = this.requireSession();
    return toBase64(s.store.unlockedKeys.exportMasterKey());
  }

  // ── writes ───────────────────────────────────────────────────────────────────────────────

  private requireSession(): Session {
    if (!this.session) throw new VaultError('locked', 'vault is locked');
    return this.session;
  }

  private requireWritable(): Session {
    const s = this.requireSession();
    if (s.store.readOnly) {
      throw new VaultError('read-only-session', 'vault open read-only', s.readOnlyReason?.hint ? { hint: s.readOnlyReason.hint } : undefined);
    }
    return s;
  }

  /**
   * Runs `fn` in a transaction, makes its journal record durable, then commits. Any failure rolls
   * the transaction back, so memory and disk never disagree.
   */
  private mutate<T>(fn: (s: Session, at: string) => T, event: (result: T) => ChangeEvent): Promise<T> {
    return this.exclusive(async () => {
      const s = this.requireWritable();
      if (s.store.mustCheckpoint) await s.store.checkpoint(s.engine.export(), { note: 'after a failed write' });
      const result = await this.transaction(s, (at) => fn(s, at));
      this.emit(event(result));
      this.maybeCheckpoint(s);
      return result;
    });
  }

  private async transaction<T>(s: Session, fn: (at: string) => T): Promise<T> {
    s.engine.begin();
    let result: T;
    try {
      result = fn(this.now());
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

  private maybeCheckpoint(s: Session): void {
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

  private spec(kind: EntityKind): KindSpec {
    const spec = KINDS[kind];
    if (!spec) throw new VaultError('invalid', `unknown kind ${String(kind)}`, { hint: `"${String(kind)}" is not a kind of entry.` });
    return spec;
  }

  private checkBody(spec: KindSpec, body: Record<string, unknown>): void {
    const issues = validateBody(spec.kind, body);
    if (issues.length > 0) {
      const shown = issues.slice(0, 5).map((i) => i.message);
      throw Object.assign(
        new VaultError('invalid', `${spec.kind} body invalid: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, {
          hint: `${capital(spec.label)} ${quoteName(String(body.name ?? ''))}: ${shown.join('; ')}${issues.length > 5 ? ` (and ${issues.length - 5} more)` : ''}.`,
        }),
        { issues },
      );
    }
  }

  private checkCampaign(s: Session, spec: KindSpec, campaignId: string | null | undefined): string | null {
    if (spec.scope === 'none') return null;
    if (campaignId === undefined || campaignId === null) {
      if (spec.scope === 'required') throw new VaultError('invalid', `${spec.kind} without campaign`, { hint: `A ${spec.label} belongs to a campaign: give campaign_id.` });
      return null;
    }
    const c = findRow(s.engine, KINDS.campaign, campaignId);
    if (!c || c.deleted_at !== null) throw new VaultError('not-found', `campaign ${campaignId}`, { hint: `There is no campaign ${quoteName(campaignId)}.` });
    return String(c.id);
  }

  private checkParent(s: Session, spec: KindSpec, id: string, body: Record<string, unknown>, campaignId: string | null): void {
    if (spec.kind !== 'location' || body.parent_id === undefined || body.parent_id === null) return;
    let cursor: string | null = String(body.parent_id);
    const seen = new Set([id]);
    while (cursor !== null) {
      if (seen.has(cursor)) throw new VaultError('invalid', 'location cycle', { hint: 'A location cannot be inside itself.' });
      seen.add(cursor);
      const row = selectRow(s.engine, spec, cursor);
      if (!row || row.deleted_at !== null) throw new VaultError('invalid', `parent ${cursor} missing`, { hint: `The parent location ${quoteName(cursor)} does not exist.` });
      if (row.campaign_id !== campaignId) throw new VaultError('invalid', 'parent in another campaign', { hint: 'The parent location belongs to another campaign.' });
      cursor = row.parent_id === null ? null : String(row.parent_id);
    }
  }

  private newId(): string {
    // A UUIDv7: time-ordered, so new entities cluster at the end of the primary-key index.
    const b = this.opts.random.bytes(16);
    const ms = this.opts.clock.now();
    for (let i = 0; i < 6; i++) b[i] = Math.floor(ms / 2 ** (8 * (5 - i))) & 0xff;
    b[6] = (b[6]! & 0x0f) | 0x70;
    b[8] = (b[8]! & 0x3f) | 0x80;
    const h = toHex(b);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /** Creates an entity. `input` holds its body fields plus optional `id` and `campaign_id`. */
  create(kind: EntityKind, input: Record<string, unknown>, opts: { text?: string } = {}): Promise<Entity> {
    const spec = this.spec(kind);
    return this.mutate(
      (s, at) => {
        const { body, id: givenId, campaign_id } = splitInput(input);
        this.checkBody(spec, body);
        const id = givenId ?? this.newId();
        if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(id)) throw new VaultError('invalid', `bad id ${id}`, { hint: 'An id may hold letters, digits, - and _ only.' });
        const campaignId = this.checkCampaign(s, spec, campaign_id);
        this.checkParent(s, spec, id, body, campaignId);
        const stored: StoredEntity = { id, campaign_id: campaignId, body, version: 1, created_at: at, updated_at: at, deleted_at: null };
        insertEntity(s.engine, spec, stored);
        const entity = rowToEntity(spec, selectRow(s.engine, spec, id)!);
        s.audit.record(s.engine, at, 'create', { kind, id, after: entity });
        if (opts.text !== undefined) storeText(s.engine, kind, id, entity.version, opts.text);
        return entity;
      },
      (e) => ({ kind, id: e.id, campaign_id: e.campaign_id ?? null, action: 'create' }),
    );
  }

  /** By id, or by name (optionally within a campaign). Soft-deleted entities are found by id only. */
  get(kind: EntityKind, idOrName: string, opts: { campaign_id?: string | null } = {}): Promise<Entity | undefined> {
    const spec = this.spec(kind);
    return this.exclusive(() => {
      const s = this.requireSession();
      const row = findRow(s.engine, spec, idOrName.normalize('NFC'), opts.campaign_id);
      return row ? rowToEntity(spec, row) : undefined;
    });
  }

  list(kind: EntityKind, query: ListQuery = {}): Promise<Entity[]> {
    const spec = this.spec(kind);
    return this.exclusive(() => listRows(this.requireSession().engine, spec, query).map((r) => rowToEntity(spec, r)));
  }

  /**
   * Changes an entity. `changes` is merged into the body (a field set to `null` is removed);
   * with `replace: true` the body is replaced whole (the YAML editor's save). A stale
   * `expectedVersion` (or a `version` field in `changes`) is refused with `conflict`.
   */
  update(kind: EntityKind, id: string, changes: Record<string, unknown>, opts: UpdateOptions & { replace?: boolean; text?: string } = {}): Promise<Entity> {
    const spec = this.spec(kind);
    return this.mutate(
      (s, at) => {
        const row = selectRow(s.engine, spec, id);
        if (!row) throw notFound(spec, id);
        const before = rowToEntity(spec, row);
        if (before.deleted_at !== null) throw new VaultError('invalid', 'update of deleted entity', { hint: `${capital(spec.label)} ${quoteName(before.name)} is in the trash; restore it first.` });
        const expected = opts.expectedVersion ?? (typeof changes.version === 'number' ? changes.version : undefined);
        if (expected !== undefined && expected !== before.version) throw conflict(spec, before, expected);
        const { body: patch, campaign_id } = splitInput(changes);
        const body = opts.replace ? patch : mergeBody(JSON.parse(String(row.body)) as Record<string, unknown>, patch);
        this.checkBody(spec, body);
        const campaignId = campaign_id === undefined ? (before.campaign_id ?? null) : this.checkCampaign(s, spec, campaign_id);
        this.checkParent(s, spec, id, body, campaignId);
        const stored: StoredEntity = { id, campaign_id: campaignId, body, version: before.version + 1, created_at: before.created_at, updated_at: laterOf(at, before.updated_at), deleted_at: null };
        if (!updateEntity(s.engine, spec, stored, before.version)) throw conflict(spec, before, before.version);
        const after = rowToEntity(spec, selectRow(s.engine, spec, id)!);
        s.audit.record(s.engine, at, 'update', { kind, id, before, after });
        if (opts.text !== undefined) storeText(s.engine, kind, id, after.version, opts.text);
        return after;
      },
      (e) => ({ kind, id, campaign_id: e.campaign_id ?? null, action: 'update' }),
    );
  }

  /** Moves an entity to the trash (soft delete); {@link restore} brings it back. */
  delete(kind: EntityKind, id: string, opts: UpdateOptions = {}): Promise<Entity> {
    return this.setDeleted(kind, id, true, opts);
  }

  restore(kind: EntityKind, id: string, opts: UpdateOptions = {}): Promise<Entity> {
    return this.setDeleted(kind, id, false, opts);
  }

  private setDeleted(kind: EntityKind, id: string, deleted: boolean, opts: UpdateOptions): Promise<Entity> {
    const spec = this.spec(kind);
    return this.mutate(
      (s, at) => {
        const row = selectRow(s.engine, spec, id);
        if (!row) throw notFound(spec, id);
        const before = rowToEntity(spec, row);
        if (opts.expectedVersion !== undefined && opts.expectedVersion !== before.version) throw conflict(spec, before, opts.expectedVersion);
        if ((before.deleted_at !== null) === deleted) return before;
        const stored: StoredEntity = {
          id,
          campaign_id: before.campaign_id ?? null,
          body: JSON.parse(String(row.body)) as Record<string, unknown>,
          version: before.version + 1,
          created_at: before.created_at,
          updated_at: laterOf(at, before.updated_at),
          deleted_at: deleted ? laterOf(at, before.updated_at) : null,
        };
        if (!updateEntity(s.engine, spec, stored, before.version)) throw conflict(spec, before, before.version);
        const after = rowToEntity(spec, selectRow(s.engine, spec, id)!);
        s.audit.record(s.engine, at, deleted ? 'delete' : 'restore', { kind, id, before, after });
        return after;
      },
      (e) => ({ kind, id, campaign_id: e.campaign_id ?? null, action: deleted ? 'delete' : 'restore' }),
    );
  }

  /**
   * The text an entry was last saved as (through `create`/`update` with `text`), if no other change
   * came after it; undefined otherwise — then the entry's text is written out afresh.
   */
  entryText(kind: EntityKind, id: string): Promise<string | undefined> {
    const spec = this.spec(kind);
    return this.exclusive(() => {
      const engine = this.requireSession().engine;
      if (!hasTextTable(engine)) return undefined;
      const row = engine.get(`SELECT t.text AS text FROM entity_texts t JOIN ${spec.table} e ON e.id = t.entity_id AND e.version = t.entity_version WHERE t.kind = ? AND t.entity_id = ?`, [kind, id]);
      return row ? String(row.text) : undefined;
    });
  }

  /** How many live entities of a kind there are (in one campaign, or in the shared library with `null`). */
  count(kind: EntityKind, opts: { campaign_id?: string | null } = {}): Promise<number> {
    const spec = this.spec(kind);
    return this.exclusive(() => {
      const engine = this.requireSession().engine;
      if (opts.campaign_id === null && spec.scope !== 'none') return Number(engine.get(`SELECT count(*) AS n FROM ${spec.table} WHERE deleted_at IS NULL AND campaign_id IS NULL`)?.n ?? 0);
      return countRows(engine, spec, opts.campaign_id ?? undefined);
    });
  }

  /**
   * Moves an entity to another campaign (`null`: the shared library, for kinds that allow it) in
   * one durable step. A location takes its sub-locations along and leaves its parent behind.
   */
  move(kind: EntityKind, id: string, campaignId: string | null, opts: UpdateOptions = {}): Promise<Entity> {
    const spec = this.spec(kind);
    return this.mutate(
      (s, at) => {
        if (spec.scope === 'none') throw new VaultError('invalid', 'move of a campaign', { hint: 'A campaign cannot be moved into another campaign.' });
        const row = selectRow(s.engine, spec, id);
        if (!row) throw notFound(spec, id);
        const root = rowToEntity(spec, row);
        if (root.deleted_at !== null) throw new VaultError('invalid', 'move of deleted entity', { hint: `${capital(spec.label)} ${quoteName(root.name)} is in the trash; restore it first.` });
        if (opts.expectedVersion !== undefined && opts.expectedVersion !== root.version) throw conflict(spec, root, opts.expectedVersion);
        const target = this.checkCampaign(s, spec, campaignId);
        if (target === (root.campaign_id ?? null)) return root;
        // The location and everything inside it, parents before children.
        const moving: Entity[] = [root];
        if (kind === 'location') {
          for (let i = 0; i < moving.length; i++) {
            for (const r of s.engine.all(`SELECT * FROM ${spec.table} WHERE parent_id = ? AND deleted_at IS NULL`, [moving[i]!.id])) moving.push(rowToEntity(spec, r));
          }
        }
        let moved: Entity = root;
        for (const before of moving) {
          const body = bodyOf(before);
          if (before.id === root.id && kind === 'location') delete body.parent_id;
          const stored: StoredEntity = { id: before.id, campaign_id: target, body, version: before.version + 1, created_at: before.created_at, updated_at: laterOf(at, before.updated_at), deleted_at: null };
          if (!updateEntity(s.engine, spec, stored, before.version)) throw conflict(spec, before, before.version);
          const after = rowToEntity(spec, selectRow(s.engine, spec, before.id)!);
          s.audit.record(s.engine, at, 'update', { kind, id: before.id, before, after, detail: { moved_to: target } });
          if (before.id === root.id) moved = after;
        }
        return moved;
      },
      (e) => ({ kind, id, campaign_id: e.campaign_id ?? null, action: 'update' }),
    );
  }

  /** Removes a trashed entity for good (a campaign takes everything in it along). */
  purge(kind: EntityKind, id: string): Promise<void> {
    const spec = this.spec(kind);
    return this.mutate(
      (s, at) => {
        const row = selectRow(s.engine, spec, id);
        if (!row) throw notFound(spec, id);
        const before = rowToEntity(spec, row);
        if (before.deleted_at === null) throw new VaultError('invalid', 'purge of live entity', { hint: `Move ${quoteName(before.name)} to the trash before deleting it for good.` });
        const children = kind === 'campaign' ? ENTITY_KINDS.filter((k) => KINDS[k].scope !== 'none').flatMap((k) => listRows(s.engine, KINDS[k], { campaign_id: id, include_deleted: true }).map((r) => rowToEntity(KINDS[k], r))) : [];
        deleteRow(s.engine, spec, id);
        for (const e of [...children, before]) dropText(s.engine, e.kind, e.id);
        for (const c of children) s.audit.record(s.engine, at, 'purge', { kind: c.kind, id: c.id, before: c, detail: { with_campaign: id } });
        s.audit.record(s.engine, at, 'purge', { kind, id, before });
      },
      () => ({ kind, id, action: 'purge' }),
    );
  }

  // ── files ────────────────────────────────────────────────────────────────────────────────
  // Images, maps, handouts, PDFs and sounds, each stored once as a sealed blob named by its keyed
  // hash (src/core/files/blobStore.ts, docs/FILES.md). An asset entity refers to its file by hash.

  private readonly blobStores = new WeakMap<Session, BlobStore>();

  private blobs(s: Session): BlobStore {
    let b = this.blobStores.get(s);
    if (!b) {
      b = new BlobStore(this.opts.files, s.store.unlockedKeys, this.opts.random);
      this.blobStores.set(s, b);
    }
    return b;
  }

  /**
   * Adds a file as an asset. The blob is written durably first, then the asset (with `hash` and
   * `size`) is created in one journaled write: a crash in between leaves at most an unreferenced
   * blob (the integrity checker reports it, repair deletes it), never an asset without its file.
   * `mime` and `asset_type` are guessed from the first bytes when not given.
   */
  addFile(data: Uint8Array, input: { name: string; campaign_id?: string | null; asset_type?: string | null; mime?: string | null }): Promise<Entity> {
    const spec = KINDS.asset;
    return this.exclusive(async () => {
      const s = this.requireWritable();
      assertBytes(data);
      const blobs = this.blobs(s);
      const guessed = sniff(data);
      const body: Record<string, unknown> = { name: typeof input.name === 'string' ? input.name.normalize('NFC') : input.name };
      const assetType = input.asset_type === undefined || input.asset_type === null ? guessed.asset_type : input.asset_type;
      const mime = input.mime === undefined || input.mime === null ? guessed.mime : input.mime;
      body.asset_type = assetType;
      if (mime !== null) body.mime = mime;
      body.size = data.length;
      body.hash = await blobs.hash(data);
      // Everything that can be refused is checked before the blob is written.
      this.checkBody(spec, body);
      const campaignId = this.checkCampaign(s, spec, input.campaign_id);
      const taken = s.engine.get(`SELECT name FROM ${spec.table} WHERE name = ? COLLATE NOCASE AND deleted_at IS NULL AND campaign_id IS ?`, [String(body.name), campaignId]);
      if (taken) throw new VaultError('exists', 'asset name taken', { hint: `There already is an asset named ${quoteName(String(taken.name))} here.` });
      if (s.store.mustCheckpoint) await s.store.checkpoint(s.engine.export(), { note: 'after a failed write' });
      const put = await blobs.put(data);
      if (put.hash !== body.hash) throw new VaultError('io', 'the file changed while it was being added', { hint: 'The file changed while it was being added; try again.' });
      const entity = await this.transaction(s, (at) => {
        const id = this.newId();
        insertEntity(s.engine, spec, { id, campaign_id: campaignId, body, version: 1, created_at: at, updated_at: at, deleted_at: null });
        const created = rowToEntity(spec, selectRow(s.engine, spec, id)!);
        s.audit.record(s.engine, at, 'create', { kind: 'asset', id, after: created });
        return created;
      });
      this.emit({ kind: 'asset', id: entity.id, campaign_id: entity.campaign_id ?? null, action: 'create' });
      this.maybeCheckpoint(s);
      return entity;
    });
  }

  /** The bytes of a stored file, checked (decrypted and hashed again); `corrupt` if they do not match. */
  readFile(hash: string): Promise<Uint8Array> {
    return this.exclusive(async () => {
      const s = this.requireSession();
      assertBlobHash(hash);
      try {
        return await this.blobs(s).get(hash);
      } catch (e) {
        if (!isVaultError(e, 'corrupt') && !isVaultError(e, 'not-found')) throw e;
        const names = s.engine.all('SELECT name FROM assets WHERE hash = ? ORDER BY name LIMIT 3', [hash]).map((r) => quoteName(String(r.name)));
        if (names.length === 0) throw e;
        const what = e.code === 'corrupt' ? 'is damaged' : 'is missing';
        throw new VaultError(e.code, e.message, { cause: e, hint: `The file of ${names.length > 1 ? 'assets' : 'asset'} ${names.join(', ')} ${what}; restore it from a backup.` });
      }
    });
  }

  /** Stores a file without an asset (restore and import use it). Idempotent: the same bytes are stored once. */
  writeFile(data: Uint8Array): Promise<{ hash: string; size: number }> {
    return this.exclusive(async () => {
      const s = this.requireWritable();
      assertBytes(data);
      const { hash, size } = await this.blobs(s).put(data);
      return { hash, size };
    });
  }

  /**
   * Reads several files at once (a backup reads thousands): their reads overlap. Each result is the
   * checked bytes, or the error reading that one file gave (missing, damaged).
   */
  readFiles(hashes: readonly string[]): Promise<(Uint8Array | VaultError)[]> {
    return this.exclusive(async () => {
      const s = this.requireSession();
      hashes.forEach((h) => assertBlobHash(h));
      const blobs = this.blobs(s);
      return Promise.all(
        hashes.map((h) =>
          blobs.get(h).catch((e: unknown) => {
            if (isVaultError(e)) return e;
            throw e;
          }),
        ),
      );
    });
  }

  /**
   * Stores several files at once (a restore puts hundreds back): their writes run side by side, so
   * their flushes to disk overlap instead of queueing. Each is as durable as {@link writeFile}'s.
   */
  writeFiles(datas: readonly Uint8Array[]): Promise<{ hash: string; size: number }[]> {
    return this.exclusive(async () => {
      const s = this.requireWritable();
      datas.forEach((d) => assertBytes(d));
      const blobs = this.blobs(s);
      return Promise.all(datas.map(async (d) => ({ hash: (await blobs.put(d)).hash, size: d.length })));
    });
  }

  /** Whether a file with this hash is stored (not whether it is intact: {@link readFile} checks that). */
  hasFile(hash: string): Promise<boolean> {
    return this.exclusive(async () => {
      const s = this.requireSession();
      assertBlobHash(hash);
      return this.blobs(s).has(hash);
    });
  }

  /**
   * Points the assets that use file `old` at file `new` for each pair, in one audited write (a
   * restore into a new vault, whose file names are keyed differently).
   */
  repointFiles(renamed: ReadonlyMap<string, string>): Promise<void> {
    return this.mutate(
      (s, at) => repointAssets(s.engine, s.audit, at, renamed, 'restored under this vault\'s key'),
      () => ({ kind: 'asset', action: 'update' }),
    );
  }

  /** Every stored file; `size` is the plaintext size implied by the file's size (not verified). */
  listFiles(): Promise<{ hash: string; size: number }[]> {
    return this.exclusive(() => this.blobs(this.requireSession()).list());
  }

  /**
   * Deletes a stored file that no asset refers to (repair of orphans). A file an asset — even one
   * in the trash — still refers to is refused, so a repair can never delete data in use.
   */
  deleteFile(hash: string): Promise<void> {
    return this.exclusive(async () => {
      const s = this.requireWritable();
      assertBlobHash(hash);
      const users = s.engine.all('SELECT name FROM assets WHERE hash = ? ORDER BY name LIMIT 3', [hash]).map((r) => quoteName(String(r.name)));
      if (users.length > 0) {
        throw new VaultError('invalid', `file ${hash} still referenced`, { hint: `The file is still used by ${users.length > 1 ? 'assets' : 'asset'} ${users.join(', ')}; delete those for good first.` });
      }
      await this.blobs(s).delete(hash);
    });
  }

  /** The id these bytes have (or would have) in this vault. */
  fileHash(data: Uint8Array): Promise<string> {
    return this.exclusive(() => {
      assertBytes(data);
      return this.blobs(this.requireSession()).hash(data);
    });
  }

  /**
   * Step 2a of a key rotation, before the database is re-sealed: every blob sealed with the old
   * data key is re-sealed with the new one (each an atomic replace, so an interrupted rotation
   * leaves every blob readable and the next unlock resumes). When the master key changed (Encrypt
   * Vault), blob names change too: the new blobs are written, the assets are pointed at them in
   * one journaled write, and only then are the old files deleted.
   */
  private async resealFiles(s: Session): Promise<void> {
    const from = s.store.currentHeader.rotation?.from;
    if (from === undefined) return;
    const blobs = this.blobs(s);
    const result = await blobs.reseal(from);
    for (const hash of result.damaged) this.opts.logger.warn(`key rotation: ${hash} is damaged and was left as it is`);
    if (result.renamed.size === 0) return;
    if (s.store.mustCheckpoint) await s.store.checkpoint(s.engine.export(), { note: 'after a failed write' });
    await this.transaction(s, (at) => repointAssets(s.engine, s.audit, at, result.renamed, 'renamed for the new key'));
    for (const oldHash of result.renamed.keys()) await blobs.delete(oldHash);
  }

  // ── keys ─────────────────────────────────────────────────────────────────────────────────

  /** Checks a password against the vault header without opening anything or writing. */
  async checkPassword(password: string): Promise<boolean> {
    const header = await VaultStore.readHeader(this.opts.files);
    if (!header) throw new VaultError('not-found', 'no vault', { hint: 'There is no vault in this folder.' });
    try {
      (await unlockKeys(header, { password }, this.opts.suite ?? (await import('./crypto/aead')).defaultSuite())).wipe();
      return true;
    } catch (e) {
      if (isVaultError(e, 'wrong-password')) return false;
      throw e;
    }
  }

  /** Changes the password after checking the current one. Rewrites one record (vault.json). */
  changePassword(current: string, next: string): Promise<void> {
    return this.exclusive(async () => {
      const s = this.requireWritable();
      if (!(await this.checkPassword(current))) throw new VaultError('wrong-password', 'current password wrong');
      await s.store.changePassword(next, this.opts.kdf);
      await this.transaction(s, (at) => s.audit.record(s.engine, at, 'change-password', {}));
      this.emit({ action: 'change-password' });
    });
  }

  /** Whether this session was unlocked with the recovery key (then {@link resetPassword} is allowed). */
  get unlockedWithRecoveryKey(): boolean {
    return this.session?.unlockedWith === 'recovery';
  }

  /**
   * Sets a new password without the old one — only in a session unlocked with the recovery key,
   * which is how someone who forgot their password gets a new one.
   */
  resetPassword(next: string): Promise<void> {
    return this.exclusive(async () => {
      const s = this.requireWritable();
      if (s.unlockedWith !== 'recovery') {
        throw new VaultError('unsupported', 'resetPassword outside a recovery session', { hint: 'Unlock with the recovery key to set a new password without the old one.' });
      }
      await s.store.changePassword(next, this.opts.kdf);
      await this.transaction(s, (at) => s.audit.record(s.engine, at, 'change-password', { detail: { with: 'recovery key' } }));
      this.emit({ action: 'change-password' });
    });
  }

  /** Encrypts an unencrypted vault: new keys, everything re-sealed. Returns the recovery key. */
  encrypt(password: string, progress?: Progress): Promise<CreateResult> {
    return this.exclusive(async () => {
      const s = this.requireWritable();
      if (s.store.encrypted) throw new VaultError('unsupported', 'already encrypted', { hint: 'The vault is already encrypted.' });
      const { recoveryKey } = await s.store.beginRotation({ password, ...(this.opts.kdf ? { kdf: this.opts.kdf } : {}) });
      await this.rotateLocked(progress, 'encrypt');
      return recoveryKey ? { recoveryKey } : {};
    });
  }

  /**
   * Replaces the data key and re-seals everything with the new one. Resumable: after a crash the
   * next unlock finishes it. Cancellation is honoured until the new key is written.
   */
  rotateKey(progress?: Progress, token?: Cancellation): Promise<void> {
    return this.exclusive(async () => {
      const s = this.requireWritable();
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

  private async rotateLocked(progress: Progress | undefined, action: AuditAction = 'rotate-key'): Promise<void> {
    const s = this.requireWritable();
    progress?.report('Re-encrypting files', 0.2);
    await this.resealFiles(s);
    progress?.report('Re-encrypting the database', 0.3);
    await s.store.checkpoint(s.engine.export(), { note: 'key rotation' });
    progress?.report('Removing the old key', 0.8);
    await s.store.finishRotation();
    await this.transaction(s, (at) => s.audit.record(s.engine, at, action, { detail: { data_key: s.store.currentHeader.activeDataKey } }));
    progress?.report('Done', 1);
    this.emit({ action });
  }

  // ── migrations ───────────────────────────────────────────────────────────────────────────

  migrationStatus(): Promise<MigrationStatus> {
    return this.exclusive(() => migrationStatus(this.requireSession().engine.db, this.migrations));
  }

  /** Applies pending migrations (normally done on unlock). Returns the new version. */
  runMigrations(): Promise<number> {
    return this.exclusive(async () => {
      const s = this.requireWritable();
      const status = await migrationStatus(s.engine.db, this.migrations);
      if (status.pending.length > 0) await this.migrateLocked(status.pending.map((m) => ({ direction: 'up', migration: m })));
      return (await migrationStatus(s.engine.db, this.migrations)).current;
    });
  }

  /** Rolls back the newest migration (never the initial schema). Returns the new version. */
  rollbackMigration(): Promise<number> {
    return this.exclusive(async () => {
      const s = this.requireWritable();
      const status = await migrationStatus(s.engine.db, this.migrations);
      const top = this.migrations.find((m) => m.version === status.current);
      if (!top || top.version <= 1) throw new VaultError('unsupported', 'nothing to roll back', { hint: 'The initial schema cannot be rolled back.' });
      await this.migrateLocked([{ direction: 'down', migration: top }]);
      return (await migrationStatus(s.engine.db, this.migrations)).current;
    });
  }

  /**
   * Runs steps on a copy, verifies it, records an audit entry in it, and makes it durable as a
   * new snapshot (the pre-migration state is kept as a safety copy) before swapping it in.
   */
  private async migrateLocked(steps: MigrationStep[]): Promise<void> {
    const s = this.requireWritable();
    const SQL = await this.sql();
    const before = s.engine.export();
    const at = this.now();
    const copy = await migrateCopy(SQL, before, steps, at, (d) => d.exec('PRAGMA foreign_keys = ON'));
    const next = new Engine(SQL, copy);
    try {
      s.audit.reset();
      next.begin();
      const last = steps.at(-1)!;
      s.audit.record(next, at, last.direction === 'up' ? 'migrate' : 'rollback-migration', {
        detail: { steps: steps.map((x) => `${x.direction} ${x.migration.version}`) },
      });
      next.commit();
      await s.store.checkpoint(next.export(), { safetyCopyOf: before, note: 'migration' });
    } catch (e) {
      s.audit.reset();
      next.close();
      throw e;
    }
    s.engine.close();
    s.engine = next;
    s.audit.reset();
    this.opts.logger.info(`migrations applied: ${steps.map((x) => `${x.direction} ${x.migration.version}`).join(', ')}`);
    this.emit({ action: steps.at(-1)!.direction === 'up' ? 'migrate' : 'rollback-migration' });
  }

  // ── integrity ────────────────────────────────────────────────────────────────────────────

  /**
   * Checks the vault (docs/INTEGRITY.md): SQLite's own checks, rows that point at nothing, entity
   * bodies against their schemas and indexed columns, recorded migrations, the audit chain; with
   * `deep`, also every file of `.campaign-vault/db` re-read from disk and authenticated. Changes
   * nothing, so it also runs in read-only sessions. Callers add their own findings (files,
   * backups) with `withFindings` from `./integrity`.
   */
  checkIntegrity(opts: { deep?: boolean } = {}): Promise<IntegrityReport> {
    return this.exclusive(async () => {
      const s = this.requireSession();
      return makeReport(this.now(), (await this.integrityFindings(s, opts.deep ?? false)).map((f) => f.finding));
    });
  }

  /**
   * Fixes what the check can fix (only findings with these `codes`, when given) — never in place:
   * the fixes run on a copy of the database, the copy is checked again (no new errors or
   * warnings, the fixed findings gone), `beforeSwap` runs (the backup service takes a safety
   * backup there), and the copy lands as a new snapshot, with the previous database kept as a
   * safety copy and an audit entry `repair`. Any failure before the snapshot lands leaves the
   * vault as it was. `remaining` is a full deep check afterwards.
   */
  repairIntegrity(opts: { codes?: readonly string[]; beforeSwap?: () => Promise<void> } = {}): Promise<{ fixed: Finding[]; remaining: Finding[] }> {
    return this.exclusive(async () => {
      const s = this.requireSession();
      if (s.store.readOnly) {
        throw new VaultError('read-only-session', 'repair in a read-only session', {
          hint: s.readOnlyReason?.hint ?? 'Repair needs the vault open for writing; close other windows or programs using it and try again.',
        });
      }
      const SQL = await this.sql();
      const found = await this.integrityFindings(s, true);
      const selected = found.filter((f) => f.fix !== undefined && (opts.codes === undefined || opts.codes.includes(f.finding.code)));
      if (selected.length === 0) return { fixed: [], remaining: found.map((f) => f.finding) };
      const before = s.engine.export();
      const at = this.now();
      const next = Engine.open(SQL, before);
      try {
        s.audit.reset();
        next.begin();
        let applied: ReturnType<typeof applyFixes>;
        try {
          applied = applyFixes(next, s.audit, selected, at);
          next.commit();
        } catch (e) {
          next.rollback();
          throw e;
        }
        s.audit.reset();
        const known = new Set(found.map((f) => findingKey(f.finding)));
        const recheck = await checkDatabase(next, { audit: s.audit, migrations: this.migrations });
        const introduced = recheck.filter((f) => f.finding.severity !== 'info' && !known.has(findingKey(f.finding)));
        if (introduced.length > 0) {
          throw new VaultError('invalid', `repair would introduce: ${introduced.map((f) => findingKey(f.finding)).join(', ')}`, {
            hint: `Repair stopped because its fixes would have caused a new problem (${introduced[0]!.finding.message}). Nothing was changed.`,
          });
        }
        const left = new Set(recheck.map((f) => findingKey(f.finding)));
        const worthIt = applied.applied.some((f) => f.fix?.type === 'checkpoint' || !left.has(findingKey(f.finding)));
        if (!worthIt) {
          next.close();
          return { fixed: [], remaining: found.map((f) => f.finding) };
        }
        await opts.beforeSwap?.();
        await s.store.checkpoint(next.export(), { safetyCopyOf: before, note: 'repair' });
      } catch (e) {
        s.audit.reset();
        next.close();
        throw e;
      }
      s.engine.close();
      s.engine = next;
      s.audit.reset();
      // The repair has landed; a failure to re-read the files now must not make it look failed.
      const remaining = await this.integrityFindings(s, true).catch(async (e: unknown) => {
        this.opts.logger.warn(`integrity check after repair could not re-read the files: ${String(e)}`);
        return this.integrityFindings(s, false);
      });
      const stillThere = new Set(remaining.map((f) => findingKey(f.finding)));
      this.opts.logger.info(`integrity repair: ${selected.length} selected, ${remaining.length} findings remain`);
      this.emit({ action: 'repair' });
      return { fixed: selected.filter((f) => !stillThere.has(findingKey(f.finding))).map((f) => f.finding), remaining: remaining.map((f) => f.finding) };
    });
  }

  private async integrityFindings(s: Session, deep: boolean): Promise<Found[]> {
    const found = await checkDatabase(s.engine, { audit: s.audit, migrations: this.migrations });
    if (deep) found.push(...(await checkFiles(await s.store.readBack(), { SQL: await this.sql(), memory: s.engine, writable: !s.store.readOnly })));
    return found;
  }

  // ── audit ────────────────────────────────────────────────────────────────────────────────

  verifyAudit(): Promise<AuditReport> {
    return this.exclusive(() => {
      const s = this.requireSession();
      const current = new Map<string, unknown>();
      for (const kind of ENTITY_KINDS) {
        for (const row of s.engine.all(`SELECT * FROM ${KINDS[kind].table}`)) current.set(`${kind}/${String(row.id)}`, rowToEntity(KINDS[kind], row));
      }
      return verifyAudit(s.engine, s.audit, current);
    });
  }

  auditLog(opts: { limit?: number; kind?: EntityKind; id?: string } = {}): Promise<Record<string, unknown>[]> {
    return this.exclusive(() => {
      const s = this.requireSession();
      const where = opts.kind ? (opts.id ? 'WHERE kind = ? AND entity_id = ?' : 'WHERE kind = ?') : '';
      const params = opts.kind ? (opts.id ? [opts.kind, opts.id] : [opts.kind]) : [];
      return s.engine.all(`SELECT * FROM audit_logs ${where} ORDER BY seq DESC LIMIT ?`, [...params, Math.min(opts.limit ?? 100, 10_000)]);
    });
  }

  // ── ports other services own (src/core/backup/port.ts) ───────────────────────────────────

  /** The vault's file store, as backups, restores and portable exports use it. */
  vaultFiles(): VaultFiles {
    return { read: (h) => this.readFile(h), readMany: (h) => this.readFiles(h), write: (d) => this.writeFile(d), writeMany: (d) => this.writeFiles(d), has: (h) => this.hasFile(h) };
  }

  /** This vault as the backup service sees it. */
  backupVault(): BackupVault {
    return {
      identity: () => this.backupKeys(),
      source: (o) => this.backupSource(o),
      changeMark: () => this.auditSequence(),
      files: this.vaultFiles(),
      replaceDatabase: (image, from, renamedFiles) => this.replaceDatabase(image, { action: 'restore-backup', detail: { ...from }, ...(renamedFiles ? { renamedFiles } : {}) }),
      restoreEntry: (kind, row, text) => this.restoreEntityRow(kind, row, text),
    };
  }

  /** This vault as the whole-vault health check sees it. */
  healthVault(): HealthVault {
    return {
      checkIntegrity: (o) => this.checkIntegrity(o),
      repair: (codes) => this.repairIntegrity({ codes }),
      storedFiles: () => this.listFiles(),
      assetFiles: async () =>
        (await this.list('asset', { include_deleted: true, limit: 10_000 })).flatMap((a) => (typeof a.hash === 'string' ? [{ id: a.id, name: a.name, hash: a.hash }] : [])),
      files: this.vaultFiles(),
      deleteFile: (h) => this.deleteFile(h),
    };
  }

  /** Restores into new folders make their vault with `make(folder)` (a DataManager on that folder). */
  static newVaultFactory(make: (folder: string) => DataManager): NewVaultFactory {
    return async (folder, image, from, password) => {
      const dm = make(folder);
      const created = await dm.createVault(password, { fromImage: { image, detail: { ...from } } });
      return {
        ...(created.recoveryKey ? { recoveryKey: created.recoveryKey } : {}),
        files: dm.vaultFiles(),
        repointFiles: (renamed) => dm.repointFiles(renamed),
        close: () => dm.lock(),
      };
    };
  }

  // ── backups (hooks for src/core/backup) ──────────────────────────────────────────────────

  /**
   * What a backup records, taken between transactions so it holds every acknowledged write and no
   * half of one: the database, the schema version, live entries per kind, the files the entries
   * reference, and the vault's keys and header (the backup repository wraps its key for this
   * vault). The database comes as the vault stores it (snapshot + journal records: nothing to
   * export, and a snapshot the backups have already is not read again) when the disk holds exactly
   * what is open (see VaultStore.committedState) and the records are not too many to replay;
   * otherwise, or with `image`, as one exported image.
   */
  backupSource(opts: { image?: boolean } = {}): Promise<BackupSource> {
    return this.exclusive(async () => {
      const s = this.requireSession();
      let committed: CommittedState | undefined;
      try {
        committed = opts.image ? undefined : await s.store.committedState();
      } catch (e) {
        // A journal damaged on disk since it was loaded: what is in memory is still whole.
        this.opts.logger.warn(`backup: the vault's files could not be read (${String(e)}); exporting the database in memory`);
      }
      const database: DatabaseSource =
        committed && committed.recordBytes <= MAX_BACKUP_JOURNAL_BYTES
          ? { kind: 'journal', snapshot: committed.snapshot, records: committed.records }
          : { kind: 'image', image: s.engine.export() };
      const status = await migrationStatus(s.engine.db, this.migrations);
      const counts: Record<string, number> = {};
      for (const kind of ENTITY_KINDS) counts[kind] = countRows(s.engine, KINDS[kind]);
      const files = s.engine
        .all('SELECT hash, max(size) AS size FROM assets WHERE hash IS NOT NULL GROUP BY hash ORDER BY hash')
        .map((r) => ({ hash: String(r.hash), size: Number(r.size ?? 0) }));
      return { database, schemaVersion: status.current, counts, files, auditSeq: auditSequence(s.engine), keys: s.store.unlockedKeys, header: s.store.currentHeader };
    });
  }

  /** The vault's keys and header: what the backup repository needs to open (it wraps its key for this vault). */
  backupKeys(): Promise<Pick<BackupSource, 'keys' | 'header'>> {
    return this.exclusive(() => {
      const s = this.requireSession();
      return Promise.resolve({ keys: s.store.unlockedKeys, header: s.store.currentHeader });
    });
  }

  /** The database as one image (sql.js's export), taken between transactions. */
  exportDatabase(): Promise<Uint8Array> {
    return this.exclusive(() => Promise.resolve(this.requireSession().engine.export()));
  }

  /** The newest audit sequence number: every change (and every migration) moves it. */
  auditSequence(): Promise<number> {
    return this.exclusive(() => auditSequence(this.requireSession().engine));
  }

  /**
   * Replaces the whole database with `image` (a restore or a repair): the image is opened and
   * checked first (integrity, foreign keys, its schema not newer than this version, the audit key),
   * an audit entry is added to it, and it lands as a new snapshot — the commit point — keeping the
   * current state as a safety copy. A failure leaves the vault as it was. Migrations the image
   * needs run afterwards, as on unlock.
   */
  replaceDatabase(image: Uint8Array, opts: { action: 'restore-backup' | 'repair'; detail: Record<string, unknown>; renamedFiles?: ReadonlyMap<string, string> }): Promise<void> {
    return this.exclusive(async () => {
      const s = this.requireWritable();
      const SQL = await this.sql();
      const { engine: next, audit } = await this.adoptImage(SQL, image, opts.action, opts.detail, opts.renamedFiles);
      try {
        const before = s.engine.export();
        await s.store.checkpoint(next.export(), { safetyCopyOf: before, note: opts.action });
      } catch (e) {
        next.close();
        throw e;
      }
      s.engine.close();
      s.engine = next;
      s.audit = audit;
      const status = await migrationStatus(next.db, this.migrations);
      if (status.pending.length > 0) await this.migrateLocked(status.pending.map((m) => ({ direction: 'up', migration: m })));
      this.emit({ action: opts.action });
    });
  }

  /**
   * Opens a database image from elsewhere (a backup, a repaired copy) and checks it: integrity,
   * foreign keys, a schema not newer than this version, the audit key. Adds an audit entry saying
   * where it came from. Closes it again if any of that fails.
   */
  private async adoptImage(
    SQL: SqlJsStatic,
    image: Uint8Array,
    action: AuditAction,
    detail: Record<string, unknown>,
    renamedFiles?: ReadonlyMap<string, string>,
  ): Promise<{ engine: Engine; audit: AuditChain }> {
    const engine = Engine.open(SQL, image);
    try {
      verifyDatabase(engine.db);
      const status = await migrationStatus(engine.db, this.migrations);
      if (status.current > (this.migrations.at(-1)?.version ?? 0)) {
        throw new VaultError('newer-format', `image at schema ${status.current}`, { hint: 'This backup was made by a newer version of Campaign Vault. Update the extension to restore it.' });
      }
      const keyRow = engine.get('SELECT value FROM settings WHERE key = ?', [AUDIT_KEY_SETTING]);
      if (!keyRow) throw new VaultError('corrupt', 'audit key missing from settings', { hint: 'This database copy is damaged: it has no audit key.' });
      const audit = await AuditChain.create(fromHex(JSON.parse(String(keyRow.value)) as string));
      engine.begin();
      const at = this.now();
      audit.record(engine, at, action, { detail });
      if (renamedFiles) repointAssets(engine, audit, at, renamedFiles, 'restored under this vault\'s key');
      engine.commit();
      return { engine, audit };
    } catch (e) {
      engine.close();
      throw e;
    }
  }

  /**
   * Puts one entry back as it was in a backup (`row` is its table row there), keeping its id: an
   * entry that still exists gets the old content as a new version; one purged since is inserted
   * again. Its campaign (and a location's parent) must still exist.
   */
  restoreEntityRow(kind: EntityKind, row: Readonly<Record<string, unknown>>, text?: string): Promise<Entity> {
    const spec = this.spec(kind);
    return this.mutate(
      (s, at) => {
        const old = rowToEntity(spec, row as Row);
        const body = JSON.parse(String(row.body)) as Record<string, unknown>;
        this.checkBody(spec, body);
        const campaignId = spec.scope === 'none' ? null : (old.campaign_id ?? null);
        if (campaignId !== null && !selectRow(s.engine, KINDS.campaign, campaignId)) {
          throw new VaultError('invalid', 'campaign gone', { hint: `The campaign of ${spec.label} ${quoteName(old.name)} no longer exists; restore the whole vault, or the campaign first.` });
        }
        this.checkParent(s, spec, old.id, body, campaignId);
        const currentRow = selectRow(s.engine, spec, old.id);
        const current = currentRow ? rowToEntity(spec, currentRow) : undefined;
        const stored: StoredEntity = {
          id: old.id,
          campaign_id: campaignId,
          body,
          version: current ? current.version + 1 : old.version,
          created_at: current?.created_at ?? old.created_at,
          updated_at: laterOf(at, current?.updated_at ?? old.updated_at),
          deleted_at: null,
        };
        if (current) {
          if (!updateEntity(s.engine, spec, stored, current.version)) throw conflict(spec, current, current.version);
        } else insertEntity(s.engine, spec, stored);
        const after = rowToEntity(spec, selectRow(s.engine, spec, old.id)!);
        s.audit.record(s.engine, at, 'restore-backup', { kind, id: old.id, ...(current ? { before: current } : {}), after });
        if (text !== undefined && hasTextTable(s.engine)) storeText(s.engine, kind, old.id, after.version, text);
        return after;
      },
      (e) => ({ kind, id: e.id, campaign_id: e.campaign_id ?? null, action: 'restore-backup' }),
    );
  }
}

function splitInput(input: Record<string, unknown>): { body: Record<string, unknown>; id?: string; campaign_id?: string | null } {
  const body = bodyOf(input);
  // One spelling per name: "Zoë" typed on macOS (NFD) and on Windows (NFC) is the same entry.
  if (typeof body.name === 'string') body.name = body.name.normalize('NFC');
  const id = typeof input.id === 'string' ? input.id : undefined;
  const campaign_id = input.campaign_id === undefined ? undefined : input.campaign_id === null ? null : String(input.campaign_id);
  return { body, ...(id !== undefined ? { id } : {}), ...(campaign_id !== undefined ? { campaign_id } : {}) };
}

/** A JSON merge patch (RFC 7386) on the top level: `null` removes a field. */
function mergeBody(body: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out = { ...body };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** Timestamps never go backwards for one entity, even if the clock does. */
/** Whether the vault has the entity_texts table (migration 3; gone again after rolling it back). */
/**
 * Points the assets that use a file at its new name (`renamed`: old hash → new hash), each as an
 * audited update: after Encrypt Vault re-keys file names, or when a backup made under another
 * master key is restored.
 */
function repointAssets(engine: Engine, audit: AuditChain, at: string, renamed: ReadonlyMap<string, string>, why: string): void {
  const spec = KINDS.asset;
  for (const [oldHash, newHash] of renamed) {
    if (oldHash === newHash) continue;
    for (const row of engine.all(`SELECT * FROM ${spec.table} WHERE hash = ?`, [oldHash])) {
      const before = rowToEntity(spec, row);
      const body = { ...(JSON.parse(String(row.body)) as Record<string, unknown>), hash: newHash };
      const stored: StoredEntity = { id: before.id, campaign_id: before.campaign_id ?? null, body, version: before.version + 1, created_at: before.created_at, updated_at: laterOf(at, before.updated_at), deleted_at: before.deleted_at ?? null };
      if (!updateEntity(engine, spec, stored, before.version)) throw conflict(spec, before, before.version);
      const after = rowToEntity(spec, selectRow(engine, spec, before.id)!);
      audit.record(engine, at, 'update', { kind: 'asset', id: before.id, before, after, detail: { file: why } });
    }
  }
}

function auditSequence(engine: Engine): number {
  return Number(engine.get('SELECT max(seq) AS seq FROM audit_logs')?.seq ?? 0);
}

function hasTextTable(engine: Engine): boolean {
  return engine.get("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = 'entity_texts'") !== undefined;
}

function storeText(engine: Engine, kind: EntityKind, id: string, version: number, text: string): void {
  if (!hasTextTable(engine)) return;
  engine.run('INSERT INTO entity_texts (kind, entity_id, entity_version, text) VALUES (?, ?, ?, ?) ON CONFLICT (kind, entity_id) DO UPDATE SET entity_version = excluded.entity_version, text = excluded.text', [kind, id, version, text]);
}

function dropText(engine: Engine, kind: EntityKind, id: string): void {
  if (hasTextTable(engine)) engine.run('DELETE FROM entity_texts WHERE kind = ? AND entity_id = ?', [kind, id]);
}

/** Timestamps of one entity only go forward: each version gets a later one, even if the clock does not move or goes back. */
function laterOf(a: string, b: string): string {
  return a > b ? a : new Date(Date.parse(b) + 1).toISOString();
}


function assertBytes(data: unknown): asserts data is Uint8Array {
  if (!(data instanceof Uint8Array)) throw new VaultError('invalid', `file data is ${typeof data}`, { hint: 'A file must be given as bytes.' });
}

function notFound(spec: KindSpec, id: string): VaultError {
  return new VaultError('not-found', `${spec.kind} ${id}`, { hint: `There is no ${spec.label} ${quoteName(id)}.` });
}

function conflict(spec: KindSpec, current: Entity, expected: number): VaultError {
  return new VaultError('conflict', `${spec.kind} ${current.id}: version ${current.version}, expected ${expected}`, {
    hint: `${capital(spec.label)} ${quoteName(current.name)} is at version ${current.version}, not ${expected}.`,
  });
}

/** SQLite constraint messages → errors a game master understands. */
function translateSqlError(e: unknown): unknown {
  if (e instanceof VaultError || !(e instanceof Error)) return e;
  const m = e.message;
  if (/UNIQUE constraint failed: (\w+)\.name|UNIQUE constraint failed: index '(\w+)_name'/.test(m) || /UNIQUE constraint failed/.test(m)) {
    return new VaultError('exists', m, { cause: e, hint: 'Another entry with that name (or id) already exists here.' });
  }
  if (/FOREIGN KEY constraint failed/.test(m)) return new VaultError('invalid', m, { cause: e, hint: 'It refers to an entry that does not exist, or others still refer to it.' });
  if (/CHECK constraint failed/.test(m)) return new VaultError('invalid', m, { cause: e, hint: 'A value is out of range.' });
  return e;
}

// ── the seed's typed methods: createCampaign, listCampaigns, updateCharacter, … ──────────────

type Singular = (typeof SINGULAR)[EntityKind];

export type TypedMethods = {
  [S in Singular as `create${S}`]: (input: Record<string, unknown>) => Promise<Entity>;
} & {
  [S in Singular as `get${S}`]: (idOrName: string, opts?: { campaign_id?: string | null }) => Promise<Entity | undefined>;
} & {
  [S in Singular as `update${S}`]: (id: string, changes: Record<string, unknown>, opts?: UpdateOptions) => Promise<Entity>;
} & {
  [S in Singular as `delete${S}`]: (id: string, opts?: UpdateOptions) => Promise<Entity>;
} & {
  [S in Singular as `restore${S}`]: (id: string, opts?: UpdateOptions) => Promise<Entity>;
} & {
  [S in Singular as `list${S}s`]: (query?: ListQuery) => Promise<Entity[]>;
};

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface DataManager extends TypedMethods {}

for (const kind of ENTITY_KINDS) {
  const name: Singular = SINGULAR[kind];
  const proto = DataManager.prototype as unknown as Record<string, unknown>;
  proto[`create${name}`] = function (this: DataManager, input: Record<string, unknown>) {
    return this.create(kind, input);
  };
  proto[`get${name}`] = function (this: DataManager, idOrName: string, opts?: { campaign_id?: string | null }) {
    return this.get(kind, idOrName, opts);
  };
  proto[`update${name}`] = function (this: DataManager, id: string, changes: Record<string, unknown>, opts?: UpdateOptions) {
    return this.update(kind, id, changes, opts);
  };
  proto[`delete${name}`] = function (this: DataManager, id: string, opts?: UpdateOptions) {
    return this.delete(kind, id, opts);
  };
  proto[`restore${name}`] = function (this: DataManager, id: string, opts?: UpdateOptions) {
    return this.restore(kind, id, opts);
  };
  proto[`list${name}s`] = function (this: DataManager, query?: ListQuery) {
    return this.list(kind, query);
  };
}
