import type { SqlJsStatic } from 'sql.js';
import { fromUtf8 } from '../bytes';
import { VaultError } from '../errors';
import type { Logger } from '../ports';
import { manifestChunks, type FileEntry, type Manifest } from './manifest';
import type { BackupVault } from './port';
import type { BackupRepository, RepositoryDeps } from './repository';
import { decodeTree } from './trees';

export interface BackupServiceOptions {
  /** The vault backed up (and restored in place). */
  readonly vault: BackupVault;
  readonly repo: RepositoryDeps;
  readonly extensionVersion: string;
  /** A repository opened already (with the password alone, when the vault is gone). */
  readonly repository?: BackupRepository;
  readonly sql: () => Promise<SqlJsStatic>;
  readonly logger: Logger;
}

/** What the service's parts (create, restore, verify, prune) share: its options and its snapshot reader. */
export interface BackupContext extends BackupServiceOptions {
  readonly snapshots: SnapshotReader;
}

/**
 * Reads what a snapshot refers to through its manifest: its file lists and the trees of its
 * database's chunks. A backup may read them remembered from the last backup (see {@link decodeOnce});
 * everything else reads them from the repository.
 */
export class SnapshotReader {
  /**
   * The file lists and database trees the last backup decoded, by chunk id, for the next backup to
   * reuse: a chunk id is a keyed hash of the chunk's bytes, so what was decoded under it stays right
   * for as long as the id exists, and a backup still checks in the freshly loaded index that every
   * chunk it reuses is there. Verify, restore and prune never use this: they read from the disk.
   */
  private decoded = new Map<string, unknown>();
  /** What the running backup decoded or reused (becomes {@link decoded} when it succeeds). */
  private decoding = new Map<string, unknown>();

  constructor(private readonly logger: Logger) {}

  /** A backup starts: what it decodes or writes is collected anew. */
  beginBackup(): void {
    this.decoding = new Map();
  }

  /** The running backup decoded or wrote `value` (a file list, or a root's trees and ids) under chunk `id`. */
  remember(id: string, value: unknown): void {
    this.decoding.set(id, value);
  }

  /** The backup was recorded: what it decoded is what the next one may reuse. */
  commitBackup(): void {
    this.decoded = this.decoding;
  }

  /** Forgets everything remembered (the repository was closed). */
  forget(): void {
    this.decoded = new Map();
  }

  private async decodeOnce<T>(remembered: boolean, id: string, decode: () => Promise<T>): Promise<T> {
    if (!remembered) return decode();
    const value = this.decoded.has(id) ? (this.decoded.get(id) as T) : await decode();
    this.decoding.set(id, value);
    return value;
  }

  /** A snapshot's files; `remembered`: see {@link decodeOnce}. */
  async filesOf(repo: BackupRepository, m: Manifest, remembered = false): Promise<FileEntry[]> {
    const out: FileEntry[] = [];
    for (const b of m.files) {
      if (!b) continue;
      const list = await this.decodeOnce(remembered, b, async () => {
        const parsed = JSON.parse(fromUtf8(await repo.readChunk(b, 'files'))) as FileEntry[];
        if (!Array.isArray(parsed)) throw new VaultError('corrupt', 'file list damaged', { hint: 'Part of this backup is damaged.' });
        return parsed;
      });
      out.push(...list);
    }
    return out;
  }

  /** The chunk ids under a root tree (a tree listing trees of chunk ids), and those trees; `remembered`: see {@link decodeOnce}. */
  treeIds(repo: BackupRepository, root: string, remembered = false): Promise<{ readonly trees: readonly string[]; readonly ids: readonly string[] }> {
    return this.decodeOnce(remembered, root, async () => {
      const trees = decodeTree(await repo.readChunk(root, 'tree'), `root tree ${root.slice(0, 12)}`);
      const ids: string[] = [];
      for (const t of trees) ids.push(...decodeTree(await repo.readChunk(t, 'tree'), `tree ${t.slice(0, 12)}`));
      return { trees, ids };
    });
  }

  /** Every chunk a snapshot references: its roots, trees, database and journal chunks, file lists and file blocks. */
  async chunksOf(repo: BackupRepository, m: Manifest): Promise<string[]> {
    const out = manifestChunks(m);
    for (const root of [m.database.root, m.database.journal?.root]) {
      if (!root) continue;
      const { trees, ids } = await this.treeIds(repo, root);
      out.push(...trees, ...ids);
    }
    for (const f of await this.filesOf(repo, m)) out.push(...f.blocks);
    return out;
  }

  /** The files of the newest readable snapshot (remembered), to skip reading files that did not change. */
  async latestFiles(repo: BackupRepository, manifests: readonly Manifest[]): Promise<Map<string, FileEntry>> {
    for (const m of [...manifests].reverse()) {
      try {
        const out = new Map<string, FileEntry>();
        for (const f of await this.filesOf(repo, m, true)) out.set(f.hash, f);
        return out;
      } catch (e) {
        this.logger.warn(`snapshot ${m.shortId} unreadable: ${String(e)}`);
      }
    }
    return new Map();
  }
}
