import { fromUtf8, utf8 } from '../bytes';
import { VaultError, isVaultError } from '../errors';
import type { FileStat, FileStore, ReadLimit, VaultLock } from '../ports';
import { CONFIG_FILES, readConfigRepoId } from './config';
import { storeTree } from './create';
import { readManifests, type FileEntry, type Manifest } from './manifest';
import type { VaultIdentity } from './port';
import { BackupRepository, decodeTree, type RepoWriter, type RepositoryDeps } from './repository';
import type { BackupCancellation, BackupProgress } from './types';

/**
 * Re-encrypting a repository under a new key, when its vault got a password (docs/BACKUPS.md,
 * "Encrypting a vault that has backups").
 *
 * A repository made while the vault had no password keeps that vault's (public) master key in a
 * key slot, and that slot opens the repository key: every snapshot, the older ones and any made
 * later, would stay readable without the password. So once the vault is encrypted, the
 * repository is copied, snapshot by snapshot, into a new repository with a new id and a new
 * random key wrapped only for the vault's new master key — in `rekey/` inside the repository
 * folder — and then put in its place:
 *
 *   1. copy: every readable snapshot keeps its id, time, kind, note and counts; its chunks are
 *      read, checked and stored again under the new key (deduplicated as usual). Resumable: a
 *      snapshot already in `rekey/snapshots/` is not copied again.
 *   2. `rekey/complete` (the new repository's id) is written: from here on the swap is finished by
 *      whoever opens the repository next, without any key.
 *   3. swap: the old configuration copies are deleted first (without them nothing of the old
 *      repository can be decrypted), the old `index`, `snapshots` and `data` move to `retired/`,
 *      the new ones and then the new configuration move in, and `retired/` and `rekey/` are deleted.
 *
 * Until step 2, the old repository is in place and readable as before (without a password).
 */

const REKEY_DIR = 'rekey';
const RETIRED_DIR = 'retired';
const COMPLETE = `${REKEY_DIR}/complete`;
const DIRS = ['index', 'snapshots', 'data'] as const;

export interface RekeyReport {
  /** Snapshots now in the new repository (copied by this run or an interrupted one before it). */
  readonly copied: number;
  /** Snapshots that could not be read (damaged) and so could not be copied: they are gone with the old repository. */
  readonly lost: readonly { readonly id: string; readonly reason: string }[];
  /** The new repository's id. */
  readonly repoId: string;
}

/** A file store seen from one of its folders (the new repository being built in `rekey/`). */
class SubFolderStore implements FileStore {
  constructor(
    private readonly base: FileStore,
    private readonly dir: string,
  ) {}
  private p(path: string): string {
    return path === '' ? this.dir : `${this.dir}/${path}`;
  }
  read(path: string, limit?: ReadLimit) {
    return this.base.read(this.p(path), limit);
  }
  readIfExists(path: string, limit?: ReadLimit) {
    return this.base.readIfExists(this.p(path), limit);
  }
  writeAtomic(path: string, data: Uint8Array) {
    return this.base.writeAtomic(this.p(path), data);
  }
  append(path: string, data: Uint8Array) {
    return this.base.append(this.p(path), data);
  }
  rename(from: string, to: string) {
    return this.base.rename(this.p(from), this.p(to));
  }
  list(dir: string) {
    return this.base.list(this.p(dir));
  }
  delete(path: string) {
    return this.base.delete(this.p(path));
  }
  stat(path: string): Promise<FileStat | undefined> {
    return this.base.stat(this.p(path));
  }
  mkdirp(dir: string) {
    return this.base.mkdirp(this.p(dir));
  }
}

/** The caller holds the repository's lock for the new repository inside it too. */
const HELD: VaultLock = { acquire: async () => ({ acquired: true, release: async () => undefined, stillHeld: async () => true }) };

/** Deletes a folder and everything in it (files first, then the emptied folders). */
export async function deleteTree(files: FileStore, dir: string): Promise<void> {
  const stat = await files.stat(dir);
  if (!stat) return;
  if (stat.isDirectory) for (const name of await files.list(dir)) await deleteTree(files, `${dir}/${name}`);
  await files.delete(dir);
}

/** Whether a re-encryption was interrupted after its copy was complete, or its cleanup was (work needing no key). */
async function rekeyPending(files: FileStore): Promise<boolean> {
  return (await files.stat(COMPLETE)) !== undefined || (await files.stat(RETIRED_DIR)) !== undefined || (await emptyStaging(files));
}

/** A staging folder without a configuration copy: emptied by a finished swap, or a copy that never got that far. Nothing to resume. */
async function emptyStaging(files: FileStore): Promise<boolean> {
  if (!(await files.stat(REKEY_DIR))) return false;
  for (const f of CONFIG_FILES) if (await files.stat(`${REKEY_DIR}/${f}`)) return false;
  return (await files.stat(COMPLETE)) === undefined;
}

/**
 * Finishes a re-encryption whose copy is complete (steps 3 of the module comment), and removes
 * what an interrupted swap retired. Idempotent; every step can be interrupted and run again.
 * Call under the repository lock.
 */
export async function finishRekey(files: FileStore): Promise<void> {
  const marker = await files.readIfExists(COMPLETE, { maxBytes: 4096 });
  if (marker) {
    const newId = (JSON.parse(fromUtf8(marker)) as { repoId?: string }).repoId;
    if (typeof newId !== 'string') throw new VaultError('corrupt', `${COMPLETE}: no repository id`, { hint: 'An interrupted re-encryption of the backups left a damaged file behind.' });
    // The old key slots go first: without them nothing of the old repository can be decrypted.
    for (const f of CONFIG_FILES) {
      if ((await files.stat(f)) && (await readConfigRepoId(files, f)) !== newId) await files.delete(f);
    }
    for (const d of DIRS) {
      if (!(await files.stat(`${REKEY_DIR}/${d}`))) continue;
      if (await files.stat(d)) {
        await deleteTree(files, `${RETIRED_DIR}/${d}`);
        await files.rename(d, `${RETIRED_DIR}/${d}`);
      }
      await files.rename(`${REKEY_DIR}/${d}`, d);
    }
    for (const f of CONFIG_FILES) if (await files.stat(`${REKEY_DIR}/${f}`)) await files.rename(`${REKEY_DIR}/${f}`, f);
  }
  await deleteTree(files, RETIRED_DIR);
  // The marker goes last but one: until then, an interrupted cleanup is finished by the next opening.
  if (marker) {
    for (const name of await files.list(REKEY_DIR)) if (`${REKEY_DIR}/${name}` !== COMPLETE) await deleteTree(files, `${REKEY_DIR}/${name}`);
    await files.delete(COMPLETE);
  }
  if (await emptyStaging(files)) await deleteTree(files, REKEY_DIR);
}

/**
 * Copies `old` (opened with the vault's keys) into a new repository under a new key wrapped for
 * `vault` alone, then puts it in place (see the module comment). Call under the repository lock.
 * Returns the report; the old repository object must not be used afterwards.
 */
export async function rekeyRepository(
  deps: RepositoryDeps,
  old: BackupRepository,
  vault: VaultIdentity,
  opts: { readonly progress?: BackupProgress; readonly token?: BackupCancellation } = {},
): Promise<RekeyReport> {
  if (vault.header.encryption === 'none') throw new VaultError('unsupported', 'rekey for an unencrypted vault', { hint: 'The vault has no password: there is nothing to re-encrypt its backups with.' });
  const staging: RepositoryDeps = { ...deps, files: new SubFolderStore(deps.files, REKEY_DIR), lock: HELD };
  const neu = (await BackupRepository.exists(staging.files)) ? await BackupRepository.openWithVault(staging, vault) : await BackupRepository.init(staging, vault, old.params);
  try {
    if (neu.hasPlainHeaders) throw new VaultError('corrupt', 'rekey target holds a plain key slot', { hint: 'An interrupted re-encryption of the backups left a damaged copy behind.' });
    const { manifests, damaged } = await readManifests(old);
    const done = new Set(await neu.listSnapshotNames());
    const lost: { id: string; reason: string }[] = damaged.map((d) => ({ id: d.id, reason: d.reason }));
    for (const [i, m] of manifests.entries()) {
      if (opts.token?.isCancellationRequested) {
        throw new VaultError('cancelled', 'rekey cancelled', {
          hint: 'Re-encrypting the backups was stopped. The backups copied so far are kept and the rest is copied at the next backup; until then the older backups can still be read without the password.',
        });
      }
      opts.progress?.report({ message: `Re-encrypting backup ${i + 1} of ${manifests.length}`, fraction: i / Math.max(1, manifests.length) });
      if (done.has(m.id)) continue;
      try {
        await copySnapshot(old, neu, m);
        done.add(m.id);
      } catch (e) {
        if (!isVaultError(e, 'corrupt')) throw e;
        deps.logger.warn(`re-encrypting the backups: snapshot ${m.shortId} cannot be read and is not copied: ${e.message}`);
        lost.push({ id: m.id, reason: e.message });
      }
    }
    // Both configuration copies, whatever an interrupted start left of them, before it counts as complete.
    await neu.rewriteConfig();
    await deps.files.writeAtomic(COMPLETE, utf8(`${JSON.stringify({ repoId: neu.id })}\n`));
    const repoId = neu.id;
    old.keys.wipe();
    await finishRekey(deps.files);
    opts.progress?.report({ message: 'Done', fraction: 1 });
    deps.logger.info(`re-encrypted the backups: ${done.size} snapshots in repository ${repoId.slice(0, 8)}${lost.length ? `, ${lost.length} unreadable left out` : ''}`);
    return { copied: done.size, lost, repoId };
  } finally {
    neu.keys.wipe();
  }
}

/** One snapshot into `to`: the same manifest with the chunks stored (and referred to) under `to`'s key. */
async function copySnapshot(from: BackupRepository, to: BackupRepository, m: Manifest): Promise<void> {
  const w = await to.writer();
  const stream = async (root: string): Promise<string> => {
    const ids: string[] = [];
    for (const tree of decodeTree(await from.readChunk(root, 'tree'), `root tree ${root.slice(0, 12)}`)) {
      for (const id of decodeTree(await from.readChunk(tree, 'tree'), `tree ${tree.slice(0, 12)}`)) ids.push(await w.add('db', await from.readChunk(id, 'db')));
    }
    return (await storeTree(to, w, ids)).root;
  };
  const root = await stream(m.database.root);
  const journal = m.database.journal ? { ...m.database.journal, root: await stream(m.database.journal.root) } : undefined;
  const files: (string | null)[] = [];
  for (const bucket of m.files) {
    if (bucket === null) {
      files.push(null);
      continue;
    }
    const list = JSON.parse(fromUtf8(await from.readChunk(bucket, 'files'))) as FileEntry[];
    if (!Array.isArray(list)) throw new VaultError('corrupt', 'file list damaged', { hint: 'Part of this backup is damaged.' });
    const copied: FileEntry[] = [];
    for (const f of list) copied.push({ hash: f.hash, size: f.size, blocks: await copyBlocks(from, w, f.blocks) });
    files.push(await w.add('files', utf8(JSON.stringify(copied))));
  }
  await w.finish();
  const manifest: Manifest = { ...m, repoId: to.id, database: { ...m.database, root, ...(journal ? { journal } : {}) }, files };
  await to.writeSnapshotFile(m.id, manifest);
}

async function copyBlocks(from: BackupRepository, w: RepoWriter, blocks: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const b of blocks) out.push(await w.add('file', await from.readChunk(b, 'file')));
  return out;
}

/**
 * At opening: finishes a re-encryption interrupted after its copy was complete (or during its
 * cleanup), unless another program holds the repository lock (then it may be the one doing it).
 */
export async function settleRekey(deps: RepositoryDeps): Promise<void> {
  if (!(await rekeyPending(deps.files))) return;
  const r = await deps.lock.acquire(deps.owner);
  if (!r.acquired) return;
  try {
    await finishRekey(deps.files);
  } finally {
    await r.release();
  }
}
