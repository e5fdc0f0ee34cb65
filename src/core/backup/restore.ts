import { Engine } from '../db/engine';
import { KINDS, type EntityKind } from '../db/kinds';
import { VaultError } from '../errors';
import { quoteName } from '../paths';
import { decodeRecords, entriesIn, readManifests, toInfo, type FileEntry, type Manifest } from './manifest';
import type { NewVaultFactory, VaultFiles } from './port';
import type { BackupRepository } from './repository';
import type { BackupContext } from './snapshots';
import type { BackupCancellation, BackupProgress, RestoreResult, RestoreTarget, SnapshotInfo } from './types';

/** Where a restore into a folder creates its vault, and how it is followed and cancelled. */
export interface RestoreExtra {
  /** Makes the new vault a restore into a folder fills; without it, only in-place restores work. */
  newVault?: NewVaultFactory;
  token?: BackupCancellation;
  progress?: BackupProgress;
}

/**
 * The snapshot's database image, checked chunk by chunk and in length; with a journal, the
 * records are replayed on it as the vault does on unlock.
 */
export async function snapshotImage(ctx: BackupContext, repo: BackupRepository, m: Manifest): Promise<Uint8Array> {
  const base = await joinChunks(ctx, repo, m.database.root, m.database.size, 'database');
  const j = m.database.journal;
  // No records after the snapshot (a backup right after a checkpoint): the snapshot is the database.
  if (!j || j.records === 0) return base;
  const records = decodeRecords(await joinChunks(ctx, repo, j.root, j.size, 'journal'), j.records);
  const engine = Engine.load(await ctx.sql(), base, records, `backup ${m.shortId}: journal record`);
  try {
    return engine.export();
  } finally {
    engine.close();
  }
}

/** The chunks under `root` put together: exactly `size` bytes. */
async function joinChunks(ctx: BackupContext, repo: BackupRepository, root: string, size: number, what: string): Promise<Uint8Array> {
  return joined(repo, (await ctx.snapshots.treeIds(repo, root)).ids, 'db', size, `${what} chunks`);
}

/** Chunks read, checked and put together; exactly `size` bytes, or this backup is damaged. */
async function joined(repo: BackupRepository, ids: readonly string[], type: 'db' | 'file', size: number, what: string): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let off = 0;
  for (const id of ids) {
    const chunk = await repo.readChunk(id, type);
    if (off + chunk.length > out.length) throw new VaultError('corrupt', `${what} exceed the recorded size`, { hint: 'This backup is damaged.' });
    out.set(chunk, off);
    off += chunk.length;
  }
  if (off !== out.length) throw new VaultError('corrupt', `${what} short of the recorded size`, { hint: 'This backup is damaged.' });
  return out;
}

function fileData(repo: BackupRepository, f: FileEntry): Promise<Uint8Array> {
  return joined(repo, f.blocks, 'file', f.size, 'file blocks');
}

/**
 * Writes the snapshot's files the target does not have. A file lands under the target's own
 * name for it (another vault, or this one since it got a password, keys names differently):
 * the renames come back so the assets can be pointed at them.
 */
async function restoreFiles(ctx: BackupContext, repo: BackupRepository, m: Manifest, target: VaultFiles): Promise<{ written: number; renamed: Map<string, string> }> {
  const renamed = new Map<string, string>();
  let written = 0;
  const write = async (items: { f: FileEntry; data: Uint8Array }[]) => {
    const put = target.writeMany ? await target.writeMany(items.map((x) => x.data)) : await Promise.all(items.map((x) => target.write(x.data)));
    items.forEach(({ f }, i) => {
      const p = put[i]!;
      if (p.size !== f.size) throw new VaultError('corrupt', `file ${f.hash.slice(0, 12)} restored with another size`, { hint: 'A restored file does not match the backup.' });
      if (p.hash !== f.hash) renamed.set(f.hash, p.hash);
      written++;
    });
  };
  // Which files the target lacks, asked before anything is written (the target answers one
  // question at a time, after any write it is doing: asked later, each would wait for one).
  const all = await ctx.snapshots.filesOf(repo, m);
  const missing: FileEntry[] = [];
  for (let i = 0; i < all.length; i += 64) {
    const slice = all.slice(i, i + 64);
    const have = await Promise.all(slice.map((f) => target.has(f.hash)));
    slice.forEach((f, k) => have[k] || missing.push(f));
  }
  // One batch is written (mostly waiting for the disk) while the next is read from the
  // repository and checked (work for this thread).
  let writing: Promise<void> | undefined;
  let batch: { f: FileEntry; data: Uint8Array }[] = [];
  let batchBytes = 0;
  const flush = async () => {
    const items = batch;
    batch = [];
    batchBytes = 0;
    await writing;
    writing = write(items);
    // Awaited at the next batch or at the end; until then a failure must not count as unhandled.
    writing.catch(() => undefined);
  };
  try {
    for (const f of missing) {
      const data = await fileData(repo, f);
      batch.push({ f, data });
      batchBytes += data.length;
      if (batch.length >= 32 || batchBytes >= 32 * 1024 * 1024) await flush();
    }
    if (batch.length > 0) await flush();
    await writing;
  } catch (e) {
    // Nothing is left writing behind a failure.
    await writing?.catch(() => undefined);
    throw e;
  }
  return { written, renamed };
}

/**
 * Restores the whole vault from snapshot `m`. In place: a safety snapshot first (`safetyBackup`,
 * run inside the service's queue), then the files the vault lacks, then the database as one
 * atomic swap (the old state is kept as a safety copy, too). Into a folder: a new vault there,
 * made by `extra.newVault`. Everything is read and checked before anything is replaced.
 */
export async function restoreSnapshot(
  ctx: BackupContext,
  repo: BackupRepository,
  m: Manifest,
  target: RestoreTarget,
  extra: RestoreExtra,
  safetyBackup: (note: string) => Promise<SnapshotInfo>,
): Promise<RestoreResult> {
  // Cancellable until the swap: before it nothing of the vault has changed (files only add).
  const cancelled = () => {
    if (extra.token?.isCancellationRequested) throw new VaultError('cancelled', 'restore cancelled', { hint: 'Restore cancelled. The vault was not changed.' });
  };
  extra.progress?.report({ message: 'Reading the backup', fraction: 0.1 });
  const image = await snapshotImage(ctx, repo, m);
  const from = { snapshot: m.id, time: m.time, kind: m.kind };
  cancelled();
  if ('inPlace' in target) {
    extra.progress?.report({ message: 'A safety backup of the vault as it is', fraction: 0.3 });
    const safety = await safetyBackup(`Before restoring the backup of ${m.time}`);
    cancelled();
    // Files first (they only add), then the database in one atomic swap that also points
    // assets at files stored under new names.
    extra.progress?.report({ message: 'Putting files back', fraction: 0.6 });
    const files = await restoreFiles(ctx, repo, m, ctx.vault.files);
    cancelled();
    extra.progress?.report({ message: 'Replacing the database', fraction: 0.9 });
    await ctx.vault.replaceDatabase(image, from, files.renamed);
    return { snapshot: toInfo(m), safetySnapshot: safety, entities: entriesIn(m), files: files.written };
  }
  if (!extra.newVault) throw new VaultError('unsupported', 'no vault factory', { hint: 'Restoring into a folder is not available here.' });
  const fresh = await extra.newVault(target.folder, image, from, target.password);
  try {
    const files = await restoreFiles(ctx, repo, m, fresh.files);
    if (files.renamed.size > 0) await fresh.repointFiles(files.renamed);
    return { snapshot: toInfo(m), ...(fresh.recoveryKey ? { recoveryKey: fresh.recoveryKey } : {}), entities: entriesIn(m), files: files.written };
  } finally {
    await fresh.close();
  }
}

/**
 * Puts one stored file back from the newest snapshot that has it (repair of a missing or damaged
 * file). False when no snapshot has it under this vault's current name for it.
 */
export async function restoreStoredFile(ctx: BackupContext, repo: BackupRepository, hash: string): Promise<boolean> {
  const { manifests } = await readManifests(repo);
  for (const m of manifests.reverse()) {
    let f: FileEntry | undefined;
    try {
      f = (await ctx.snapshots.filesOf(repo, m)).find((x) => x.hash === hash);
      if (!f) continue;
      const put = await ctx.vault.files.write(await fileData(repo, f));
      if (put.hash === hash) return true;
    } catch (e) {
      ctx.logger.warn(`restoring file ${hash.slice(0, 12)} from ${m.shortId}: ${String(e)}`);
    }
  }
  return false;
}

/** Restores one entry as it was in snapshot `m` (and its file, for an asset). */
export async function restoreEntry(ctx: BackupContext, repo: BackupRepository, m: Manifest, kind: EntityKind, idOrName: string): Promise<{ snapshot: SnapshotInfo; entity: { id: string; name: string; version: number } }> {
  const SQL = await ctx.sql();
  const db = new SQL.Database(await snapshotImage(ctx, repo, m));
  try {
    const spec = KINDS[kind];
    const res = db.exec(`SELECT * FROM ${spec.table} WHERE id = ? OR name = ? COLLATE NOCASE ORDER BY deleted_at IS NOT NULL, updated_at DESC LIMIT 2`, [idOrName, idOrName.normalize('NFC')]);
    const rows = (res[0]?.values ?? []).map((v) => Object.fromEntries(res[0]!.columns.map((c, i) => [c, v[i]])));
    if (rows.length === 0) throw new VaultError('not-found', `${kind} ${idOrName} not in snapshot`, { hint: `The backup of ${m.time} has no ${spec.label} ${quoteName(idOrName)}.` });
    const row = rows[0]!;
    let text: string | undefined;
    try {
      const t = db.exec('SELECT text, entity_version FROM entity_texts WHERE kind = ? AND entity_id = ?', [kind, String(row.id)]);
      const tv = t[0]?.values[0];
      if (tv && Number(tv[1]) === Number(row.version)) text = String(tv[0]);
    } catch {
      // Snapshots from before migration 3 have no entry texts.
    }
    const files = ctx.vault.files;
    if (kind === 'asset' && typeof row.hash === 'string' && !(await files.has(row.hash))) {
      const f = (await ctx.snapshots.filesOf(repo, m)).find((x) => x.hash === row.hash);
      if (f) {
        const put = await files.write(await fileData(repo, f));
        if (put.hash !== row.hash) {
          row.hash = put.hash;
          row.body = JSON.stringify({ ...(JSON.parse(String(row.body)) as Record<string, unknown>), hash: put.hash });
        }
      }
    }
    const entity = await ctx.vault.restoreEntry(kind, row, text);
    return { snapshot: toInfo(m), entity: { id: entity.id, name: entity.name, version: entity.version } };
  } finally {
    db.close();
  }
}
