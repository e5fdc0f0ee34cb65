import { toHex } from '../bytes';
import { VaultError } from '../errors';
import type { PackTable } from './format';
import { readManifests } from './manifest';
import { chunkKey, packPath, type BackupRepository, type ChunkLocation } from './repository';
import { applyRetention } from './retention';
import type { BackupContext } from './snapshots';
import type { BackupCancellation, PruneReport, RetentionPolicy } from './types';
import { groupByPack } from './verify';

/**
 * Forgets the snapshots the policy does not keep, then deletes data no snapshot references:
 * packs with nothing referenced are deleted; packs mostly unreferenced are rewritten. Order:
 * snapshots, new packs, the new index, old index files, old packs — a kill at any point leaves
 * every kept snapshot whole. Refuses when a snapshot cannot be read (its data might be deleted).
 */
export async function pruneRepository(ctx: BackupContext, repo: BackupRepository, policy: RetentionPolicy, opts: { dryRun?: boolean; token?: BackupCancellation }): Promise<PruneReport> {
  const release = await repo.acquireLock();
  try {
    await repo.loadIndex((where, e) => ctx.logger.warn(`${where}: ${String(e)}`));
    const { manifests, damaged } = await readManifests(repo);
    if (damaged.length > 0) {
      throw new VaultError('corrupt', `${damaged.length} snapshots unreadable`, { hint: 'Some backups cannot be read, so pruning stopped to keep their data. Verify the backups first to see which.', remedy: 'verify-backups', params: { damaged: damaged.length } });
    }
    const keep = applyRetention(manifests, policy);
    const kept = manifests.filter((m) => keep.has(m.id));
    const forgotten = manifests.filter((m) => !keep.has(m.id));
    const used = new Set<string>();
    for (const m of kept) for (const id of await ctx.snapshots.chunksOf(repo, m)) used.add(chunkKey(id));
    if (opts.dryRun) return { kept: kept.map((m) => m.id), forgotten: forgotten.map((m) => m.id), packsDeleted: 0, packsRewritten: 0, bytesFreed: 0 };
    // Cancellable until the first deletion; after that it runs to the end (every step is safe to stop, but a half-pruned repository helps no one).
    if (opts.token?.isCancellationRequested) throw new VaultError('cancelled', 'prune cancelled', { hint: 'Prune cancelled. Nothing was deleted.' });
    for (const m of forgotten) await repo.deleteSnapshotFile(m.id);
    const packs = groupByPack(repo);
    const idOf = (c: ChunkLocation) => chunkKey(toHex(c.entry.id));
    const drop: string[] = [];
    const rewrite: string[] = [];
    let bytesFreed = 0;
    for (const [name, entries] of packs) {
      const usedBytes = entries.filter((e) => used.has(idOf(e))).reduce((n, e) => n + e.entry.rawLength, 0);
      const allBytes = entries.reduce((n, e) => n + e.entry.rawLength, 0);
      if (usedBytes === 0) drop.push(name);
      else if (usedBytes < allBytes / 2) rewrite.push(name);
    }
    // Packs no index names (an interrupted backup) hold nothing a snapshot references.
    for (const name of await repo.listPacks()) if (!packs.has(name)) drop.push(name);
    const keepLocations = new Map<string, PackTable>();
    for (const name of packs.keys()) {
      if (drop.includes(name) || rewrite.includes(name)) continue;
      const table = repo.tableOf(name);
      if (table) keepLocations.set(name, table);
    }
    let packsRewritten = 0;
    if (rewrite.length > 0) {
      const w = await repo.writer();
      const moving = new Set<string>();
      for (const name of rewrite) {
        for (const e of packs.get(name)!) if (used.has(idOf(e))) moving.add(idOf(e));
      }
      w.forceStore(moving);
      for (const name of rewrite) {
        const bytes = await repo.readPack(name);
        for (const e of packs.get(name)!) {
          if (!used.has(idOf(e))) continue;
          await w.add(e.entry.type, await repo.decodeChunk(bytes, e, packPath(name)));
        }
        packsRewritten++;
      }
      await w.flushAll();
      for (const [name, table] of w.written) keepLocations.set(name, table);
    }
    const oldIndexFiles = repo.indexFileNames;
    const newIndex = await repo.writeIndex(keepLocations);
    for (const f of oldIndexFiles) if (f !== newIndex) await repo.deleteIndexFile(f);
    for (const name of [...drop, ...rewrite]) {
      bytesFreed += (await ctx.repo.files.stat(packPath(name)))?.size ?? 0;
      await repo.deletePack(name);
    }
    ctx.logger.info(`prune: forgot ${forgotten.length}, deleted ${drop.length} packs, rewrote ${packsRewritten}`);
    return { kept: kept.map((m) => m.id), forgotten: forgotten.map((m) => m.id), packsDeleted: drop.length, packsRewritten, bytesFreed };
  } finally {
    repo.dropCache();
    await release();
  }
}

/** Repairs what verify marks fixable in the repository: a damaged configuration copy, damaged index files. */
export async function repairRepository(repo: BackupRepository, codes: readonly string[]): Promise<string[]> {
  const fixed: string[] = [];
  const release = await repo.acquireLock();
  try {
    if (codes.includes('backup.config-copy')) {
      await repo.rewriteConfig();
      fixed.push('backup.config-copy');
    }
    if (codes.includes('backup.index-damaged')) {
      await repo.rebuildIndex();
      fixed.push('backup.index-damaged');
    }
  } finally {
    await release();
  }
  return fixed;
}
