/** The types the vault's services share: the DataManager's options, the open session, change events. */
import type { SqlJsStatic } from 'sql.js';
import type { ThumbnailMaker } from '../assets/thumbnail';
import type { AuditAction, AuditChain } from '../audit/chain';
import type { CacheManager } from '../cache';
import type { KdfParams } from '../crypto/kdf';
import type { Engine } from '../db/engine';
import type { EntityKind } from '../db/kinds';
import type { Migration } from '../db/migrations';
import type { VaultError } from '../errors';
import type { PdfTextExtractor } from '../rulebooks/port';
import type { VaultStore, VaultStoreDeps } from '../vault/store';

/** The vault store's ports (files, lock, state, clock, random, logger, cipher suite, owner), and the database's. */
export interface DataManagerOptions extends VaultStoreDeps {
  /** Loads sql.js (its wasm location differs between the extension, the CLI and tests). */
  readonly sql: () => Promise<SqlJsStatic>;
  /** KDF parameters for new passwords (defaults to RFC 9106's m=64 MiB, t=3, p=4). */
  readonly kdf?: KdfParams;
  readonly migrations?: readonly Migration[];
  /** Journal bytes after which a checkpoint runs in the background (default 8 MiB). */
  readonly checkpointBytes?: number;
  /** Journal bytes above which locking writes a snapshot first, for a faster next unlock (default 256 KiB). */
  readonly checkpointOnLockBytes?: number;
  /** Reads PDFs for rulebooks (src/node/pdfText.ts); without it adding a rulebook is refused. */
  readonly pdfText?: PdfTextExtractor;
  /** Draws thumbnails of images (src/node/thumbnails.ts); without it thumbnails are refused. */
  readonly thumbnails?: ThumbnailMaker;
  /** The cache on this machine (docs/CACHE.md), outside the vault folder; without it nothing is cached. */
  readonly cache?: CacheManager;
}

export type VaultLockState = 'absent' | 'locked' | 'unlocked';

export interface CreateResult {
  /** Shown once to the user; only for encrypted vaults. */
  readonly recoveryKey?: string;
}

export interface Progress {
  report(step: string, fraction: number): void;
}

export interface Cancellation {
  readonly isCancellationRequested: boolean;
}

/** An unlocked vault: its store, its database, its audit chain. */
export interface Session {
  /** How this session was unlocked: a recovery-key session may set a new password without the old one. */
  readonly unlockedWith: 'password' | 'recovery' | 'remembered' | 'none' | 'created';
  readonly store: VaultStore;
  engine: Engine;
  audit: AuditChain;
  readonly readOnlyReason?: VaultError;
}

/** What changed, for views to refresh. */
export interface ChangeEvent {
  readonly kind?: EntityKind;
  readonly id?: string;
  readonly campaign_id?: string | null;
  readonly action: AuditAction | 'unlock' | 'lock' | 'reload';
}
