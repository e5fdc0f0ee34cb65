import { isVaultError } from '../errors';
import { auditSequence } from '../audit/service';
import { MAX_BACKUP_JOURNAL_BYTES, type BackupSource, type BackupVault, type DatabaseSource, type HealthVault, type RestoredFrom, type RestoredVault, type VaultIdentity } from '../backup/port';
import { ENTITY_KINDS, KINDS } from '../db/kinds';
import { countRows } from '../db/repository';
import { repointAssets } from '../entries/rules';
import type { CommittedState } from '../vault/store';
import { adoptImage, type ImageToAdopt } from './database';
import type { VaultServices } from './services';

/**
 * The vault as the backup service and the whole-vault health check see it: the ports of
 * src/core/backup/port.ts (BackupVault, HealthVault, the new vault a restore into a folder makes),
 * over the vault's services. Every method runs through the vault's queue.
 */
export class VaultBackupPort {
  constructor(private readonly v: VaultServices) {}

  backupVault(): BackupVault {
    const { audit, files, entries } = this.v;
    return {
      identity: () => this.identity(),
      source: (o) => this.source(o),
      changeMark: () => audit.sequence(),
      files: files.vaultFiles(),
      replaceDatabase: (image, from, renamedFiles) => this.replaceDatabase({ image, action: 'restore-backup', detail: { ...from }, renamedFiles }),
      restoreEntry: (kind, row, text) => entries.restoreRow(kind, row, text),
    };
  }

  healthVault(): HealthVault {
    const { integrity, files, entries, assets } = this.v;
    return {
      checkIntegrity: (o) => integrity.check(o),
      repair: (codes) => integrity.repair({ codes }),
      storedFiles: () => files.listFiles(),
      assetFiles: async () => (await entries.list('asset', { include_deleted: true, limit: 10_000 })).flatMap((a) => (typeof a.hash === 'string' ? [{ id: a.id, name: a.name, hash: a.hash }] : [])),
      files: files.vaultFiles(),
      deleteFile: (h) => files.deleteFile(h),
      thumbnailProblem: async (id) => {
        const asset = await entries.get('asset', id);
        if (!asset || asset.deleted_at !== null) return undefined;
        try {
          await assets.thumbnail(asset);
          return undefined;
        } catch (e) {
          // What has no thumbnail here (SVG, PDF, audio; no decoder in this build) is not a problem.
          if (isVaultError(e, 'invalid') || isVaultError(e, 'corrupt')) return e.userMessage;
          if (isVaultError(e)) return undefined;
          throw e;
        }
      },
    };
  }

  /** Makes this (empty) folder's vault from a backup's database image: what a restore into a new folder gets back. */
  async createFrom(image: Uint8Array, from: RestoredFrom, password?: string): Promise<RestoredVault> {
    const { session, lifecycle, files } = this.v;
    const created = await lifecycle.create(password, { image, action: 'restore-backup', detail: { ...from } });
    return {
      ...(created.recoveryKey ? { recoveryKey: created.recoveryKey } : {}),
      files: files.vaultFiles(),
      repointFiles: (renamed) =>
        session.mutate(
          (s, at) => repointAssets(s.engine, s.audit, at, renamed, 'restored under this vault\'s key'),
          () => ({ kind: 'asset', action: 'update' }),
        ),
      close: () => lifecycle.lock(),
    };
  }

  /** The vault's keys and header: what the backup repository needs to open (it wraps its key for this vault). */
  private identity(): Promise<VaultIdentity> {
    const { session } = this.v;
    return session.exclusive(() => {
      const s = session.requireSession();
      return { keys: s.store.unlockedKeys, header: s.store.currentHeader };
    });
  }

  /**
   * What a backup records, taken between transactions so it holds every acknowledged write and no
   * half of one: the database, the schema version, live entries per kind, the files the entries
   * reference, and the vault's keys and header (the backup repository wraps its key for this
   * vault). The database comes as the vault stores it (snapshot + journal records: nothing to
   * export, and a snapshot the backups have already is not read again) when the disk holds exactly
   * what is open (see VaultStore.committedState) and the records are not too many to replay;
   * otherwise, or with `image`, as one exported image.
   */
  private source(opts: { image?: boolean } = {}): Promise<BackupSource> {
    const { session, migrations } = this.v;
    return session.exclusive(async () => {
      const s = session.requireSession();
      let committed: CommittedState | undefined;
      try {
        committed = opts.image ? undefined : await s.store.committedState();
      } catch (e) {
        // A journal damaged on disk since it was loaded: what is in memory is still whole.
        session.opts.logger.warn(`backup: the vault's files could not be read (${String(e)}); exporting the database in memory`);
      }
      const database: DatabaseSource =
        committed && committed.recordBytes <= MAX_BACKUP_JOURNAL_BYTES
          ? { kind: 'journal', snapshot: committed.snapshot, records: committed.records }
          : { kind: 'image', image: s.engine.export() };
      const counts: Record<string, number> = {};
      for (const kind of ENTITY_KINDS) counts[kind] = countRows(s.engine, KINDS[kind]);
      const files = s.engine
        .all('SELECT hash, max(size) AS size FROM assets WHERE hash IS NOT NULL GROUP BY hash ORDER BY hash')
        .map((r) => ({ hash: String(r.hash), size: Number(r.size ?? 0) }));
      const schemaVersion = await migrations.current(s.engine);
      return { database, schemaVersion, counts, files, auditSeq: auditSequence(s.engine), keys: s.store.unlockedKeys, header: s.store.currentHeader };
    });
  }

  /**
   * Replaces the whole database with a backup's image: the image is opened and checked first
   * (integrity, foreign keys, its schema not newer than this version, the audit key), an audit
   * entry is added to it, and it lands as a new snapshot — the commit point — keeping the current
   * state as a safety copy. A failure leaves the vault as it was. Migrations the image needs run
   * afterwards, as on unlock.
   */
  private replaceDatabase(from: ImageToAdopt): Promise<void> {
    const { session, migrations } = this.v;
    return session.exclusive(async () => {
      const s = session.requireWritable();
      const before = s.engine.export();
      const { engine, audit } = await adoptImage(await session.sql(), session.migrations, session.now(), from);
      await session.swapDatabase(s, engine, audit, { safetyCopyOf: before, note: from.action });
      await migrations.runPending(s);
      session.emit({ action: from.action });
    });
  }
}
