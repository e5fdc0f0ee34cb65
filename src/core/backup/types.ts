/**
 * The public shapes of the backup repository (docs/BACKUPS.md). The service in `./service.ts`
 * implements {@link BackupApi}; the CLI, the VS Code commands and views and the benchmark use only
 * these types.
 */

/** Why a snapshot was made. `safety` snapshots are taken automatically before a restore or repair. */
export type SnapshotKind = 'manual' | 'scheduled' | 'safety';

export interface SnapshotSizes {
  /** Bytes the snapshot stands for: database image plus every file, uncompressed. */
  readonly logical: number;
  /** The database image alone. */
  readonly database: number;
  /** Bytes this snapshot added to the repository (compressed, encrypted, with pack overhead). */
  readonly added: number;
  /** New chunks this snapshot stored, and chunks it reused from earlier snapshots. */
  readonly newChunks: number;
  readonly reusedChunks: number;
}

/** What `backups` lists: the snapshot's metadata without its chunk lists. */
export interface SnapshotInfo {
  /** 32 random hex digits. */
  readonly id: string;
  /** The first 8 digits, unique enough to type (`restore 0192ab3c`). */
  readonly shortId: string;
  /** ISO time the snapshot was taken. */
  readonly time: string;
  readonly kind: SnapshotKind;
  readonly note?: string;
  readonly extensionVersion: string;
  /** The vault's schema (migration) version in the snapshot. */
  readonly schemaVersion: number;
  readonly sizes: SnapshotSizes;
  /** Live entries per kind (campaign, character, …) and files. */
  readonly counts: Readonly<Record<string, number>>;
  /** Files the vault could not read (damaged or lost) and no earlier snapshot had: not in this snapshot. */
  readonly missingFiles?: readonly string[];
}

export interface BackupProgress {
  report(p: { message?: string; fraction?: number }): void;
}

export interface BackupCancellation {
  readonly isCancellationRequested: boolean;
}

export interface BackupOptions {
  readonly kind?: SnapshotKind;
  readonly note?: string;
  readonly progress?: BackupProgress;
  readonly token?: BackupCancellation;
}

/** Where a whole-vault restore goes. */
export type RestoreTarget =
  /** Replace the open vault's contents (after a safety snapshot; an atomic swap). */
  | { readonly inPlace: true }
  /** A new vault in an empty folder (its own id; the password given, or none). */
  | { readonly folder: string; readonly password?: string };

export interface RestoreResult {
  readonly snapshot: SnapshotInfo;
  /** Set for in-place restores: the safety snapshot taken first. */
  readonly safetySnapshot?: SnapshotInfo;
  /** For a restore into a new encrypted vault: its recovery key, to show once. */
  readonly recoveryKey?: string;
  readonly entities: number;
  readonly files: number;
}

import type { Finding } from '../integrity/report';

export type { Finding, Severity } from '../integrity/report';

export interface VerifyOptions {
  /** Re-read every pack and check every chunk (decrypt, decompress, hash). */
  readonly readData?: boolean;
  /** Read only the packs of subset `n` of `of` (deterministic: by pack id), e.g. 1 of 10. */
  readonly subset?: { readonly n: number; readonly of: number };
  readonly progress?: BackupProgress;
  readonly token?: BackupCancellation;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly snapshots: number;
  readonly packsChecked: number;
  readonly bytesRead: number;
  readonly findings: readonly Finding[];
  /** Snapshots that cannot be restored completely because of the findings. */
  readonly damagedSnapshots: readonly string[];
}

/** Keep-last plus time tiers, as restic's `forget --keep-*`. Zero turns a tier off. */
export interface RetentionPolicy {
  readonly last: number;
  readonly hourly: number;
  readonly daily: number;
  readonly weekly: number;
  readonly monthly: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { last: 10, hourly: 24, daily: 7, weekly: 4, monthly: 12 };

export interface PruneReport {
  readonly kept: readonly string[];
  readonly forgotten: readonly string[];
  readonly packsDeleted: number;
  readonly packsRewritten: number;
  readonly bytesFreed: number;
}
