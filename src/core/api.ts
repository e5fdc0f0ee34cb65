import type { AuditReport } from './audit/chain';
import type { BackupVault, HealthVault, NewVaultFactory, VaultFiles } from './backup/port';
import type { EntityKind } from './db/kinds';
import type { MigrationStatus } from './db/migrate';
import type { Entity, ListQuery } from './db/repository';
import type { EntryOps, UpdateOptions } from './entries/service';
import { installTypedMethods, type TypedMethods } from './entries/typed';
import type { VaultError } from './errors';
import type { Finding, IntegrityReport } from './integrity/report';
import type { AssetService } from './assets/service';
import type { RulebookService } from './rulebooks/service';
import { composeServices } from './session/services';
import type { Cancellation, ChangeEvent, CreateResult, DataManagerOptions, Progress, VaultLockState } from './session/types';
import type { UnlockSecret } from './vault/keys';
import type { OpenOptions } from './vault/store';

export type { Entity, ListQuery, EntityKind, MigrationStatus, AuditReport };
export type { Cancellation, ChangeEvent, CreateResult, DataManagerOptions, Progress, VaultLockState } from './session/types';
export type { EntryOps, UpdateOptions } from './entries/service';
export type { TypedMethods } from './entries/typed';
export { MAX_BACKUP_JOURNAL_BYTES, type BackupSource, type DatabaseSource } from './backup/port';

/**
 * The one facade over the vault — the seed's TypeScript API — composed of services, one per
 * concern: the session (src/core/session: the queue, lifecycle, writes, checkpoints, migrations,
 * the backup ports), entries, files, keys, integrity, audit. Every operation is serialized: a
 * write runs in a SQL transaction that stays open until its journal record is durable, so an
 * acknowledged write is on disk and a failed one leaves no trace in memory or on disk.
 */
// The typed per-kind methods (createCampaign, …) are installed on the prototype below.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class DataManager {
  private readonly services: ReturnType<typeof composeServices>;

  constructor(opts: DataManagerOptions) {
    this.services = composeServices(opts);
  }

  // ── lifecycle (src/core/session) ────────────────────────────────────────────────────────

  onDidChange(listener: (e: ChangeEvent) => void): { dispose(): void } {
    return this.services.session.onDidChange(listener);
  }

  lockState(): Promise<VaultLockState> {
    return this.services.lifecycle.lockState();
  }

  get isUnlocked(): boolean {
    return this.services.session.current !== undefined;
  }

  /** Whether the open vault is encrypted (undefined when none is open). */
  get isEncrypted(): boolean | undefined {
    return this.services.session.current?.store.encrypted;
  }

  /** Set when the vault is open read-only because another process holds the writer lock. */
  get readOnlyReason(): VaultError | undefined {
    return this.services.session.current?.readOnlyReason;
  }

  get vaultId(): string | undefined {
    return this.services.session.current?.store.vaultId;
  }

  /** Creates a vault: encrypted when a password is given (the result carries the recovery key, to be shown once), otherwise unencrypted but still authenticated. */
  createVault(password?: string): Promise<CreateResult> {
    return this.services.lifecycle.create(password);
  }

  /** Opens an unencrypted vault, creating one if the folder has none (the seed's `initialize()`). */
  initialize(opts: OpenOptions = {}): Promise<CreateResult> {
    return this.services.lifecycle.openOrCreate(undefined, opts);
  }

  /** Unlocks the vault with a password, creating an encrypted one if the folder has none. */
  initializeWithPassword(password: string, opts: OpenOptions = {}): Promise<CreateResult> {
    return this.services.lifecycle.openOrCreate(password, opts);
  }

  /** Unlocks and loads the vault (a wrong password writes nothing); applies pending migrations and resumes an interrupted key rotation when it may write. */
  unlock(secret: UnlockSecret | string, opts: OpenOptions = {}): Promise<void> {
    return this.services.lifecycle.unlock(secret, opts);
  }

  /** Reads a read-only vault from disk again (taking the writer lock when its writer has gone); whether the session was replaced. */
  reload(): Promise<boolean> {
    return this.services.lifecycle.reload();
  }

  /** Closes the vault and drops its keys from memory (as far as JavaScript allows). */
  lock(): Promise<void> {
    return this.services.lifecycle.lock();
  }

  /** Writes a new snapshot now (normally done in the background and on lock). */
  checkpoint(): Promise<void> {
    return this.services.session.checkpoint();
  }

  // ── entries (src/core/entries) ──────────────────────────────────────────────────────────

  /** Creates an entity. `input` holds its body fields plus optional `id` and `campaign_id`. */
  create(kind: EntityKind, input: Record<string, unknown>, opts: { text?: string } = {}): Promise<Entity> {
    return this.services.entries.create(kind, input, opts);
  }

  /** By id, or by name (optionally within a campaign). Soft-deleted entities are found by id only. */
  get(kind: EntityKind, idOrName: string, opts: { campaign_id?: string | null } = {}): Promise<Entity | undefined> {
    return this.services.entries.get(kind, idOrName, opts);
  }

  list(kind: EntityKind, query: ListQuery = {}): Promise<Entity[]> {
    return this.services.entries.list(kind, query);
  }

  /**
   * Runs `fn` with the entry operations of one batch: everything it writes lands as one journaled
   * transaction once it resolves, or none of it does (a failed write, an error, a killed process).
   * Nothing else runs on the vault meanwhile: `fn` reads and writes only through `entries`.
   */
  batch<T>(fn: (entries: EntryOps) => Promise<T>): Promise<T> {
    return this.services.session.batch((runner) => fn(this.services.entries.within(runner)));
  }

  /** Changes an entity: `changes` merged into the body (`null` removes a field), or the body replaced whole with `replace`; a stale version is refused with `conflict`. */
  update(kind: EntityKind, id: string, changes: Record<string, unknown>, opts: UpdateOptions & { replace?: boolean; text?: string } = {}): Promise<Entity> {
    return this.services.entries.update(kind, id, changes, opts);
  }

  /** Moves an entity to the trash (soft delete); {@link restore} brings it back. */
  delete(kind: EntityKind, id: string, opts: UpdateOptions = {}): Promise<Entity> {
    return this.services.entries.setDeleted(kind, id, true, opts);
  }

  restore(kind: EntityKind, id: string, opts: UpdateOptions = {}): Promise<Entity> {
    return this.services.entries.setDeleted(kind, id, false, opts);
  }

  /** The text an entry was last saved as, if no other change came after it. */
  entryText(kind: EntityKind, id: string): Promise<string | undefined> {
    return this.services.entries.entryText(kind, id);
  }

  /** How many live entities of a kind there are (in one campaign, or in the shared library with `null`). */
  count(kind: EntityKind, opts: { campaign_id?: string | null } = {}): Promise<number> {
    return this.services.entries.count(kind, opts);
  }

  /** Moves an entity to another campaign (`null`: the shared library); a location takes its sub-locations along. */
  move(kind: EntityKind, id: string, campaignId: string | null, opts: UpdateOptions = {}): Promise<Entity> {
    return this.services.entries.move(kind, id, campaignId, opts);
  }

  /** Removes a trashed entity for good (a campaign takes everything in it along). */
  purge(kind: EntityKind, id: string): Promise<void> {
    return this.services.entries.purge(kind, id);
  }

  // ── files (src/core/files) ──────────────────────────────────────────────────────────────

  /** Adds a file as an asset (the file first, then the asset, in one journaled write); `mime` and `asset_type` are guessed when not given. */
  addFile(data: Uint8Array, input: { name: string; campaign_id?: string | null; asset_type?: string | null; mime?: string | null }): Promise<Entity> {
    return this.services.files.addFile(data, input);
  }

  /** The bytes of a stored file, checked (decrypted and hashed again); `corrupt` if they do not match. */
  readFile(hash: string): Promise<Uint8Array> {
    return this.services.files.readFile(hash);
  }

  /** Several files at once: each the checked bytes, or the error reading that one gave. */
  readFiles(hashes: readonly string[]): Promise<(Uint8Array | VaultError)[]> {
    return this.services.files.readFiles(hashes);
  }

  /** Stores a file without an asset (restore and import use it). Idempotent: the same bytes are stored once. */
  writeFile(data: Uint8Array): Promise<{ hash: string; size: number }> {
    return this.services.files.writeFile(data);
  }

  /** Stores several files at once (their disk flushes overlap). */
  writeFiles(datas: readonly Uint8Array[]): Promise<{ hash: string; size: number }[]> {
    return this.services.files.writeFiles(datas);
  }

  /** Whether a file with this hash is stored (not whether it is intact: {@link readFile} checks that). */
  hasFile(hash: string): Promise<boolean> {
    return this.services.files.hasFile(hash);
  }

  /** Every stored file; `size` is the plaintext size implied by the file's size (not verified). */
  listFiles(): Promise<{ hash: string; size: number }[]> {
    return this.services.files.listFiles();
  }

  /** Deletes a stored file that no asset (not even one in the trash) refers to. */
  deleteFile(hash: string): Promise<void> {
    return this.services.files.deleteFile(hash);
  }

  /** The id these bytes have (or would have) in this vault. */
  fileHash(data: Uint8Array): Promise<string> {
    return this.services.files.fileHash(data);
  }

  // ── keys (src/core/keys) ────────────────────────────────────────────────────────────────

  /** Checks a password against the vault header without opening anything or writing. */
  checkPassword(password: string): Promise<boolean> {
    return this.services.keys.checkPassword(password);
  }

  /** Changes the password after checking the current one. */
  changePassword(current: string, next: string): Promise<void> {
    return this.services.keys.changePassword(current, next);
  }

  /** Sets a new password without the old one: only in a session unlocked with the recovery key. */
  resetPassword(next: string): Promise<void> {
    return this.services.keys.resetPassword(next);
  }

  /** Encrypts an unencrypted vault: new keys, everything re-sealed. Returns the recovery key. */
  encrypt(password: string, progress?: Progress): Promise<CreateResult> {
    return this.services.keys.encrypt(password, progress);
  }

  /** Replaces the data key and re-seals everything (resumable; cancellable until the new key is written). */
  rotateKey(progress?: Progress, token?: Cancellation): Promise<void> {
    return this.services.keys.rotateKey(progress, token);
  }

  /** Whether this session was unlocked with the recovery key (then {@link resetPassword} is allowed). */
  get unlockedWithRecoveryKey(): boolean {
    return this.services.keys.unlockedWithRecoveryKey;
  }

  /** The master key, for "remember on this machine" (VS Code's SecretStorage). */
  rememberableKey(): string {
    return this.services.keys.rememberableKey();
  }

  // ── migrations (src/core/session/migrations.ts) ─────────────────────────────────────────

  migrationStatus(): Promise<MigrationStatus> {
    return this.services.migrations.status();
  }

  /** Applies pending migrations (normally done on unlock). Returns the new version. */
  runMigrations(): Promise<number> {
    return this.services.migrations.run();
  }

  /** Rolls back the newest migration (never the initial schema). Returns the new version. */
  rollbackMigration(): Promise<number> {
    return this.services.migrations.rollback();
  }

  // ── integrity (src/core/integrity) and audit (src/core/audit) ───────────────────────────

  /** Checks the vault (docs/INTEGRITY.md); with `deep`, also re-reads its files. Changes nothing. */
  checkIntegrity(opts: { deep?: boolean } = {}): Promise<IntegrityReport> {
    return this.services.integrity.check(opts);
  }

  /** Fixes what the check can fix (only `codes`, when given) on a copy, swapped in as one snapshot; takes no backup. */
  repairIntegrity(opts: { codes?: readonly string[] } = {}): Promise<{ fixed: Finding[]; remaining: Finding[] }> {
    return this.services.integrity.repair(opts);
  }

  verifyAudit(): Promise<AuditReport> {
    return this.services.audit.verify();
  }

  auditLog(opts: { limit?: number; kind?: EntityKind; id?: string } = {}): Promise<Record<string, unknown>[]> {
    return this.services.audit.log(opts);
  }

  // ── rulebooks (src/core/rulebooks) ──────────────────────────────────────────────────────

  /** The rulebook library: add a PDF, read a page's text, re-extract (docs/RULEBOOKS.md). */
  get rulebooks(): RulebookService {
    return this.services.rulebooks;
  }

  // ── assets (src/core/assets) ─────────────────────────────────────────────────────────────

  /** Maps, portraits, handouts and sounds: add with the facts of their header, list, read (docs/FILES.md). */
  get assets(): AssetService {
    return this.services.assets;
  }

  // ── ports other services own (src/core/backup/port.ts) ──────────────────────────────────

  /** The vault's file store, as backups, restores and portable exports use it. */
  vaultFiles(): VaultFiles {
    return this.services.files.vaultFiles();
  }

  /** This vault as the backup service sees it. */
  backupVault(): BackupVault {
    return this.services.port.backupVault();
  }

  /** This vault as the whole-vault health check sees it. */
  healthVault(): HealthVault {
    return this.services.port.healthVault();
  }

  /** Restores into new folders make their vault with `make(folder)` (a DataManager on that folder). */
  static newVaultFactory(make: (folder: string) => DataManager): NewVaultFactory {
    return (folder, image, from, password) => make(folder).services.port.createFrom(image, from, password);
  }
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface DataManager extends TypedMethods {}

installTypedMethods(DataManager.prototype);
