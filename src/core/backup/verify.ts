import { toHex } from '../bytes';
import { VaultError, isVaultError } from '../errors';
import { MAX_PACK_BYTES, objectName } from './format';
import { manifestChunks, readManifests } from './manifest';
import { BackupRepository, chunkKey, packPath, type ChunkLocation } from './repository';
import type { BackupContext } from './snapshots';
import type { Finding, VerifyOptions, VerifyReport } from './types';

/**
 * Checks the repository: its configuration copies, index files and snapshot manifests; that every
 * chunk a snapshot references is indexed and its pack is there; with `readData` (or a `subset`),
 * every pack read back and every chunk in it checked. Names the snapshots the damage affects.
 */
export async function verifyRepository(ctx: BackupContext, open: () => Promise<BackupRepository>, opts: VerifyOptions): Promise<VerifyReport> {
  const findings: Finding[] = [];
  if (!(await BackupRepository.exists(ctx.repo.files))) {
    return { ok: true, snapshots: 0, packsChecked: 0, bytesRead: 0, findings: [{ code: 'backup.none', severity: 'info', message: 'There are no backups yet.', fixable: false }], damagedSnapshots: [] };
  }
  const repo = await open();
  for (const f of await repo.checkConfigCopies()) {
    findings.push({ code: 'backup.config-copy', severity: 'warning', message: `One of the two copies of the backups' key file (${f}) is missing or damaged; the other one still works.`, where: f, fixable: true });
  }
  await repo.loadIndex((where, e) =>
    findings.push(
      where.startsWith('index/')
        ? { code: 'backup.index-damaged', severity: 'warning', message: `A backup index file is damaged (${String(isVaultError(e) ? e.message : e)}); it can be rebuilt from the packs.`, where, fixable: true }
        : { code: 'backup.pack-damaged', severity: 'error', message: `A backup data file is damaged (${String(isVaultError(e) ? e.message : e)}).`, where, fixable: false },
    ),
  );
  const { manifests, damaged } = await readManifests(repo);
  for (const d of damaged) findings.push({ code: 'backup.snapshot-damaged', severity: 'error', message: `The description of backup ${d.id.slice(0, 8)} is damaged; that backup cannot be restored. (${d.reason})`, where: `snapshots/${d.id}`, fixable: false });
  const bad = new Set<string>();
  const refs = new Map<string, Set<string>>();
  const note = (id: string, snap: string) => {
    let s = refs.get(chunkKey(id));
    if (!s) refs.set(chunkKey(id), (s = new Set()));
    s.add(snap);
  };
  for (const m of manifests) {
    for (const id of manifestChunks(m)) note(id, m.id);
    try {
      for (const id of await ctx.snapshots.chunksOf(repo, m)) note(id, m.id);
    } catch (e) {
      findings.push({ code: 'backup.tree-damaged', severity: 'error', message: `Part of the table of contents of backup ${m.shortId} is missing or damaged (${isVaultError(e) ? e.message : String(e)}).`, where: `snapshots/${m.id}`, fixable: false });
      bad.add(`snapshot:${m.id}`);
    }
  }
  const missing = [...refs.keys()].filter((id) => !repo.has(id));
  missing.forEach((id) => bad.add(id));
  if (missing.length > 0) {
    findings.push({ code: 'backup.chunk-missing', severity: 'error', message: `${missing.length} piece${missing.length === 1 ? ' is' : 's are'} of backed-up data missing from the repository.`, fixable: false });
  }
  const packs = groupByPack(repo);
  let packsChecked = 0;
  let bytesRead = 0;
  const present = new Set(await repo.listPacks());
  const names = [...packs.keys()].sort();
  for (const name of names) {
    if (opts.token?.isCancellationRequested) throw new VaultError('cancelled', 'verify cancelled');
    if (!present.has(name)) {
      findings.push({ code: 'backup.pack-missing', severity: 'error', message: 'A backup data file is missing.', where: packPath(name), fixable: false });
      for (const c of packs.get(name)!) bad.add(chunkKey(toHex(c.entry.id)));
      continue;
    }
    if (!opts.readData && !opts.subset) continue;
    if (opts.subset && parseInt(name.slice(0, 2), 16) % opts.subset.of !== opts.subset.n - 1) continue;
    opts.progress?.report({ message: `Reading backup data ${packsChecked + 1}`, fraction: packsChecked / names.length });
    let bytes: Uint8Array;
    try {
      bytes = await ctx.repo.files.read(packPath(name), { maxBytes: MAX_PACK_BYTES });
    } catch (e) {
      findings.push({ code: 'backup.pack-unreadable', severity: 'error', message: `A backup data file cannot be read (${isVaultError(e) ? e.message : String(e)}).`, where: packPath(name), fixable: false });
      for (const c of packs.get(name)!) bad.add(chunkKey(toHex(c.entry.id)));
      continue;
    }
    packsChecked++;
    bytesRead += bytes.length;
    const nameOk = (await objectName(bytes)) === name;
    let damagedChunks = 0;
    for (const c of packs.get(name)!) {
      try {
        await repo.decodeChunk(bytes, c, packPath(name));
      } catch {
        damagedChunks++;
        bad.add(chunkKey(toHex(c.entry.id)));
      }
    }
    if (!nameOk || damagedChunks > 0) {
      findings.push({
        code: 'backup.pack-damaged',
        severity: 'error',
        message: damagedChunks > 0 ? `A backup data file is damaged: ${damagedChunks} of its ${packs.get(name)!.length} pieces fail their checks.` : 'A backup data file was changed on disk (its content no longer matches its name), though every piece in it still checks out.',
        where: packPath(name),
        fixable: false,
      });
    }
  }
  const damagedSnapshots = new Set<string>(damaged.map((d) => d.id));
  for (const b of bad) {
    if (b.startsWith('snapshot:')) damagedSnapshots.add(b.slice(9));
    for (const s of refs.get(b) ?? []) damagedSnapshots.add(s);
  }
  for (const s of damagedSnapshots) {
    const m = manifests.find((x) => x.id === s);
    if (m) findings.push({ code: 'backup.snapshot-affected', severity: 'error', message: `The backup of ${m.time} (${m.shortId}) cannot be restored completely because of the damage above.`, where: `snapshots/${s}`, fixable: false });
  }
  return {
    ok: !findings.some((f) => f.severity === 'error'),
    snapshots: manifests.length,
    packsChecked,
    bytesRead,
    findings,
    damagedSnapshots: [...damagedSnapshots].sort(),
  };
}

/** The index's chunk locations by pack, each pack's in segment order (so each segment is decoded once). */
export function groupByPack(repo: BackupRepository): Map<string, ChunkLocation[]> {
  const packs = new Map<string, ChunkLocation[]>();
  for (const loc of repo.allLocations.values()) {
    let l = packs.get(loc.pack);
    if (!l) packs.set(loc.pack, (l = []));
    l.push(loc);
  }
  for (const l of packs.values()) l.sort((a, b) => a.entry.segment - b.entry.segment || a.entry.offset - b.entry.offset);
  return packs;
}
