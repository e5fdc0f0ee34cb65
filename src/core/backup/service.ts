import type { EntityKind } from '../db/kinds';
import { VaultError } from '../errors';
import { SnapshotUnreadable, writeSnapshot } from './create';
import { checkLatestReadable, findSnapshot, readManifests, toInfo, type Manifest } from './manifest';
import type { BackupSource, VaultIdentity } from './port';
import { pruneRepository, repairRepository } from './prune';
import { rekeyRepository, settleRekey, type RekeyReport } from './rekey';
import { BackupRepository } from './repository';
import { restoreEntry, restoreSnapshot, restoreStoredFile, snapshotImage, type RestoreExtra } from './restore';
import { SnapshotReader, type BackupContext, type BackupServiceOptions } from './snapshots';
import type { BackupCancellation, BackupOptions, PruneReport, RestoreResult, RestoreTarget, RetentionPolicy, SnapshotInfo, VerifyOptions, VerifyReport } from './types';
import { verifyRepository } from './verify';

export { fixedChunks } from './create';
export type { Manifest } from './manifest';
export type { BackupVault, NewVaultFactory, VaultFiles } from './port';
export type { RekeyReport } from './rekey';
export type { RestoreExtra } from './restore';
export type { BackupServiceOptions } from './snapshots';

/**
 * Backups of one vault into one repository: create, list, restore (whole or one entry, in place or
 * into a new folder), verify and prune. Every repository write holds the repository lock. The
 * vault is seen through the {@link BackupVault} port (./port.ts); the work of each operation is in
 * create.ts, restore.ts, verify.ts and prune.ts, run here one after another.
 */
export class BackupService {
  private repo: BackupRepository | undefined;

  /** What the operations share: the options and the snapshot reader (with what the last backup decoded). */
  private readonly ctx: BackupContext;

  constructor(private readonly opts: BackupServiceOptions) {
    this.repo = opts.repository;
    this.ctx = { ...opts, snapshots: new SnapshotReader(opts.logger) };
  }

  private opening: Promise<BackupRepository> | undefined;

  /** The tail of this service's queue of operations on the repository's data. */
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * Runs operations that read or write the repository's data one after another in this process: a
   * scheduled backup and a Verify started meanwhile would otherwise share the in-memory index (verify
   * reloads it under a running backup) or see a prune's half-deleted packs as damage, and a second
   * backup would fail on the repository lock this process itself holds. Other processes are kept
   * out by that lock. Each operation starts from the disk: decoded segments kept by an earlier one
   * may be stale (a file damaged or replaced since), and verify must see what is there now.
   */
  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      this.repo?.dropCache();
      return task();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The open repository; concurrent callers share one opening (or creation). */
  private open(source?: VaultIdentity, create = false): Promise<BackupRepository> {
    if (this.repo && (!source || this.repo.vaultId === source.keys.vaultIdHex)) return Promise.resolve(this.repo);
    const pending = this.opening ?? this.openNow(source, create);
    this.opening = pending;
    return pending.finally(() => {
      if (this.opening === pending) this.opening = undefined;
    });
  }

  private async openNow(source: VaultIdentity | undefined, create: boolean): Promise<BackupRepository> {
    const vault = source ?? (await this.opts.vault.identity());
    if (!(await this.exists())) {
      // The CLI recognises this message: keep it (and the code) as it is.
      if (!create) throw new VaultError('not-found', 'no backups yet', { hint: 'There are no backups yet. Create a backup first.', remedy: 'create-backup' });
      this.repo = await BackupRepository.init(this.opts.repo, vault);
    } else {
      this.repo = await BackupRepository.openWithVault(this.opts.repo, vault);
    }
    return this.repo;
  }

  /** Whether the folder holds a repository, once a re-encryption interrupted in its last steps is finished. */
  private async exists(): Promise<boolean> {
    await settleRekey(this.opts.repo);
    return BackupRepository.exists(this.opts.repo.files);
  }

  /** Forgets the open repository (after the vault was locked or its folder changed). */
  close(): void {
    this.repo?.keys.wipe();
    this.repo = undefined;
    this.ctx.snapshots.forget();
  }

  /** Runs `task` on the open repository, dropping what it cached of the repository's data afterwards. */
  private async withRepo<T>(task: (repo: BackupRepository) => Promise<T>): Promise<T> {
    const repo = await this.open();
    try {
      return await task(repo);
    } finally {
      repo.dropCache();
    }
  }

  // ── create ─────────────────────────────────────────────────────────────────────────────────

  create(opts: BackupOptions = {}): Promise<SnapshotInfo> {
    return this.exclusive(() => this.createNow(opts));
  }

  /**
   * One backup. When the vault's snapshot file cannot be read (damaged on disk while the vault is
   * open: just when a backup matters most), the backup starts again from the database in memory,
   * exported; what the first attempt wrote is reused.
   */
  private async createNow(opts: BackupOptions): Promise<SnapshotInfo> {
    try {
      return await this.createFrom(opts, false);
    } catch (e) {
      if (!(e instanceof SnapshotUnreadable)) throw e;
      this.opts.logger.warn(`backup: the vault's snapshot file could not be read (${String(e.cause)}); backing up the database in memory instead`);
      return this.createFrom(opts, true);
    }
  }

  private async createFrom(opts: BackupOptions, image: boolean): Promise<SnapshotInfo> {
    opts.progress?.report({ message: 'Reading the vault' });
    const { source, repo: opened, release } = await this.sourceAndLock(image);
    let repo = opened;
    try {
      // Never a backup of an encrypted vault under a key its unencrypted past left readable.
      if (source.header.encryption !== 'none' && repo.hasPlainHeaders) repo = (await this.rekeyLocked(repo, source, opts)).repo;
      return await writeSnapshot(this.ctx, repo, source, opts);
    } finally {
      repo.dropCache();
      await release();
    }
  }

  /**
   * What the vault hands a backup, and the open repository with its lock held. When the repository
   * is open already, its lock is taken while the vault is read (both wait on the disk).
   */
  private async sourceAndLock(image: boolean): Promise<{ source: BackupSource; repo: BackupRepository; release: () => Promise<void> }> {
    const early = this.repo;
    const [source, lock] = await Promise.allSettled([this.opts.vault.source({ image }), early?.acquireLock()]);
    const earlyRelease = lock.status === 'fulfilled' ? lock.value : undefined;
    try {
      if (source.status === 'rejected') throw source.reason;
      if (lock.status === 'rejected') throw lock.reason;
      const repo = await this.open(source.value, true);
      if (repo === early && earlyRelease) return { source: source.value, repo, release: earlyRelease };
      await earlyRelease?.();
      return { source: source.value, repo, release: await repo.acquireLock() };
    } catch (e) {
      await earlyRelease?.();
      throw e;
    }
  }

  // ── re-encrypt ────────────────────────────────────────────────────────────────────────────

  /**
   * After the vault got a password: copies the backups made before into a new repository under a
   * new key that only the vault's new keys open, and puts it in place of the old one (rekey.ts).
   * Undefined when there is nothing to do (no backups, an unencrypted vault, or backups that
   * never had a key slot without a password). Resumable; a backup runs it first when needed.
   */
  reencrypt(opts: { progress?: BackupOptions['progress']; token?: BackupCancellation } = {}): Promise<RekeyReport | undefined> {
    return this.exclusive(async () => {
      if (!(await this.exists())) return undefined;
      const vault = await this.opts.vault.identity();
      if (vault.header.encryption === 'none') return undefined;
      const repo = await this.open(vault);
      if (!repo.hasPlainHeaders) return undefined;
      const release = await repo.acquireLock();
      try {
        return (await this.rekeyLocked(repo, vault, opts)).report;
      } finally {
        await release();
      }
    });
  }

  /** {@link reencrypt} under the lock the caller holds; the new repository becomes the open one. */
  private async rekeyLocked(repo: BackupRepository, vault: VaultIdentity, opts: { progress?: BackupOptions['progress']; token?: BackupCancellation }): Promise<{ repo: BackupRepository; report: RekeyReport }> {
    this.ctx.snapshots.forget();
    this.repo = undefined;
    const report = await rekeyRepository(this.opts.repo, repo, vault, opts);
    this.repo = await BackupRepository.openWithVault(this.opts.repo, vault);
    return { repo: this.repo, report };
  }

  // ── list ───────────────────────────────────────────────────────────────────────────────────

  /** Snapshots, oldest first; damaged manifests are listed apart. Empty when there is no repository yet. */
  async list(): Promise<{ snapshots: SnapshotInfo[]; damaged: { id: string; reason: string }[] }> {
    if (!(await this.exists())) return { snapshots: [], damaged: [] };
    const { manifests, damaged } = await readManifests(await this.open());
    return { snapshots: manifests.map(toInfo), damaged };
  }

  /** Whether anything changed since the newest snapshot (for scheduled backups). */
  async changedSinceLast(): Promise<boolean> {
    if (!(await this.exists())) return true;
    const { manifests } = await readManifests(await this.open());
    const last = manifests.at(-1);
    if (!last) return true;
    // A query, not an export: the schedule asks this every minute once the interval has passed.
    return (await this.opts.vault.changeMark()) !== last.auditSeq;
  }

  /** A snapshot by full id, unique prefix, or `latest`. */
  async resolve(ref: string): Promise<Manifest> {
    const { manifests, damaged } = await readManifests(await this.open());
    if (ref.trim().toLowerCase() === 'latest') await checkLatestReadable(this.opts.repo.files, manifests, damaged);
    return findSnapshot(manifests, ref);
  }

  /** The newest snapshot, for the status bar. */
  async latest(): Promise<SnapshotInfo | undefined> {
    return (await this.list()).snapshots.at(-1);
  }

  // ── restore ────────────────────────────────────────────────────────────────────────────────

  /** A snapshot's database image, checked (the restore drill compares it with the original). */
  databaseImage(ref: string): Promise<Uint8Array> {
    return this.exclusive(() => this.withRepo(async (repo) => snapshotImage(this.ctx, repo, await this.resolve(ref))));
  }

  /**
   * Restores the whole vault. In place: a safety snapshot first, then the files the vault lacks,
   * then the database as one atomic swap (the old state is kept as a safety copy, too). Into a
   * folder: a new vault there, made by `extra.newVault`. Everything is read and checked before
   * anything is replaced.
   */
  restore(ref: string, target: RestoreTarget, extra: RestoreExtra = {}): Promise<RestoreResult> {
    return this.exclusive(() =>
      this.withRepo(async (repo) => restoreSnapshot(this.ctx, repo, await this.resolve(ref), target, extra, (note) => this.createNow({ kind: 'safety', note }))),
    );
  }

  /**
   * Puts one stored file back from the newest snapshot that has it (repair of a missing or damaged
   * file). False when no snapshot has it under this vault's current name for it.
   */
  restoreFile(hash: string): Promise<boolean> {
    return this.exclusive(async () => (await this.exists()) && this.withRepo((repo) => restoreStoredFile(this.ctx, repo, hash)));
  }

  /** Restores one entry as it was in a snapshot (and its file, for an asset). */
  restoreEntity(ref: string, kind: EntityKind, idOrName: string): Promise<{ snapshot: SnapshotInfo; entity: { id: string; name: string; version: number } }> {
    return this.exclusive(() => this.withRepo(async (repo) => restoreEntry(this.ctx, repo, await this.resolve(ref), kind, idOrName)));
  }

  // ── verify, prune, repair ──────────────────────────────────────────────────────────────────

  verify(opts: VerifyOptions = {}): Promise<VerifyReport> {
    return this.exclusive(() => verifyRepository(this.ctx, () => this.open(), opts));
  }

  /** See {@link pruneRepository}. */
  prune(policy: RetentionPolicy, opts: { dryRun?: boolean; token?: BackupCancellation } = {}): Promise<PruneReport> {
    return this.exclusive(async () => pruneRepository(this.ctx, await this.open(), policy, opts));
  }

  /** Repairs what verify marks fixable in the repository: a damaged configuration copy, damaged index files. */
  repairRepository(codes: readonly string[]): Promise<string[]> {
    return this.exclusive(async () => repairRepository(await this.open(), codes));
  }
}
