/**
 * The ports the backup service and the whole-vault health check own: what they need from a vault,
 * and what a restore into a new folder hands back. The vault implements them (src/core/session);
 * a repository opened without its vault implements {@link BackupVault} too, refusing what needs
 * the vault with a sentence (./absentVault.ts). Nothing here knows the DataManager.
 */
import type { EntityKind } from '../db/kinds';
import type { IntegrityReport } from '../integrity/report';
import type { Finding } from '../integrity/report';
import type { UnlockedKeys } from '../vault/keys';
import type { VaultHeader } from '../vault/header';

/**
 * The database as a backup takes it: either one image exported from sql.js, or the way the vault
 * itself stores it — its newest snapshot (read only when the backup does not have it yet, known by
 * its tag) and the journal's records after it, which replayed on the snapshot give the database.
 */
export type DatabaseSource =
  | { readonly kind: 'image'; readonly image: Uint8Array }
  | {
      readonly kind: 'journal';
      /** `read` decrypts it a chunk at a time (each authenticated; a failure throws). */
      readonly snapshot: { readonly tag: string; readonly size: number; read(): AsyncIterable<Uint8Array> };
      readonly records: readonly Uint8Array[];
    };

/** Journal records above this size are not replayed at restore: the backup exports the database instead. */
export const MAX_BACKUP_JOURNAL_BYTES = 32 * 1024 * 1024;

/** The vault as a backup repository knows it: its keys (the repository wraps its key for them) and header. */
export interface VaultIdentity {
  readonly keys: UnlockedKeys;
  readonly header: VaultHeader;
}

/** What a backup records, taken between two writes: every acknowledged write and no half of one. */
export interface BackupSource extends VaultIdentity {
  readonly database: DatabaseSource;
  readonly schemaVersion: number;
  /** Entries per kind (trash included), for the snapshot's description. */
  readonly counts: Record<string, number>;
  /** Files the entries reference (asset hashes), with their sizes. */
  readonly files: { readonly hash: string; readonly size: number }[];
  /** The newest audit sequence number: it grows with every change. */
  readonly auditSeq: number;
}

/** The vault's file store as backups, restores and portable exports see it. */
export interface VaultFiles {
  /** The checked bytes (decrypted and hashed again); `corrupt` or `not-found` otherwise. */
  read(hash: string): Promise<Uint8Array>;
  /** Stores bytes durably (idempotent); the hash is this vault's name for them. */
  write(data: Uint8Array): Promise<{ hash: string; size: number }>;
  /** Several at once (their disk flushes overlap); optional. */
  writeMany?(datas: readonly Uint8Array[]): Promise<{ hash: string; size: number }[]>;
  /** Several at once (their reads overlap): the bytes, or the error for that file; optional. */
  readMany?(hashes: readonly string[]): Promise<(Uint8Array | Error)[]>;
  has(hash: string): Promise<boolean>;
}

/** Where a restored database came from, for the audit entry the vault adds to it. */
export interface RestoredFrom {
  readonly snapshot: string;
  readonly time: string;
  readonly kind: string;
}

/**
 * What a backup needs from the vault it backs up, and what an in-place restore asks of it.
 *
 * Contract:
 * - Every method is serialized with the vault's own writes: `source` sees every acknowledged
 *   write and none half-done; nothing here may be called from inside another vault operation.
 * - `identity`, `source`, `changeMark` and `files.read*`/`has` work in a read-only session;
 *   `replaceDatabase`, `restoreEntry` and `files.write*` need the vault open for writing.
 * - `replaceDatabase` checks the image (integrity, foreign keys, a schema not newer than this
 *   version, the audit key) before anything changes; it lands as one new snapshot with the state
 *   before kept as a safety copy, and runs the migrations the image needs. A failure leaves the
 *   vault as it was. `renamedFiles` points the assets that use an old file name at the new one.
 * - `restoreEntry` puts one entry back as its table row was in the backup, keeping its id, as one
 *   audited write; its campaign (and a location's parent) must still exist.
 * - Errors are VaultErrors (`locked`, `read-only-session`, `corrupt`, …).
 */
export interface BackupVault {
  identity(): Promise<VaultIdentity>;
  /** With `image`, the database comes as one exported image even when the journal would do. */
  source(opts?: { image?: boolean }): Promise<BackupSource>;
  /** A number that grows with every change (the newest audit sequence number). */
  changeMark(): Promise<number>;
  readonly files: VaultFiles;
  replaceDatabase(image: Uint8Array, from: RestoredFrom, renamedFiles?: ReadonlyMap<string, string>): Promise<void>;
  restoreEntry(kind: EntityKind, row: Readonly<Record<string, unknown>>, text?: string): Promise<{ id: string; name: string; version: number }>;
}

/** The new vault a restore into a folder made: filled with files, then closed. */
export interface RestoredVault {
  /** For an encrypted new vault: its recovery key, to show once. */
  readonly recoveryKey?: string;
  readonly files: VaultFiles;
  /** Points assets at the names their files got in this vault (keyed differently). */
  repointFiles(renamed: ReadonlyMap<string, string>): Promise<void>;
  /** Locks it (writing a snapshot when worthwhile); called once, also after a failure. */
  close(): Promise<void>;
}

/**
 * Makes a new vault in `folder` from a backup's database image (checked first, with an audit entry
 * saying where it came from): encrypted with `password` when given. What a restore hands back.
 */
export type NewVaultFactory = (folder: string, image: Uint8Array, from: RestoredFrom, password?: string) => Promise<RestoredVault>;

/**
 * What the whole-vault health check (check and repair: the database, the vault's files, the file
 * store, the backups) needs from a vault.
 *
 * Contract: as {@link BackupVault}'s, serialized with the vault's writes. `repair` fixes on a copy
 * of the database and swaps it in as one snapshot (the state before kept as a safety copy); it
 * takes no backup itself: the caller takes the safety backup before calling it, outside the
 * vault's queue (a backup reads the vault through that queue).
 */
export interface HealthVault {
  checkIntegrity(opts: { deep: boolean }): Promise<IntegrityReport>;
  repair(codes: readonly string[]): Promise<{ fixed: Finding[]; remaining: Finding[] }>;
  /** Every stored file; `size` is implied by the file's size (not verified). */
  storedFiles(): Promise<{ hash: string; size: number }[]>;
  /** Every asset (trash included) with the file it refers to. */
  assetFiles(): Promise<{ id: string; name: string; hash: string }[]>;
  readonly files: VaultFiles;
  /** Deletes a stored file no asset refers to; refuses one still in use. */
  deleteFile(hash: string): Promise<void>;
  /**
   * Why the asset's thumbnail cannot be made (a damaged picture, one claiming too many pixels),
   * or undefined when it can — or when this kind of file has no thumbnail here. Optional.
   */
  thumbnailProblem?(assetId: string): Promise<string | undefined>;
}
