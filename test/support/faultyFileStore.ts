import type { FileStat, FileStore, ReadLimit } from '../../src/core/ports';
import { VaultError, type VaultErrorCode } from '../../src/core/errors';

export type FileOp = 'read' | 'readIfExists' | 'writeAtomic' | 'append' | 'rename' | 'list' | 'delete' | 'stat' | 'mkdirp';
const MUTATING: readonly FileOp[] = ['writeAtomic', 'append', 'rename', 'delete', 'mkdirp'];

export interface Fault {
  /** Which mutating operation (1-based, counted across all of them) fails. */
  readonly at: number;
  /** Keep failing every mutating operation from `at` on (a full disk), or just once. */
  readonly persistent?: boolean;
  readonly code: VaultErrorCode;
  /** For append: write this many bytes of the data before failing (a torn write). */
  readonly tornBytes?: number;
}

/**
 * Wraps a real file store and injects failures, the way SQLite's test VFS does: the k-th
 * mutating operation fails with ENOSPC/EROFS/EIO (as the Node store would report them), once or
 * persistently, optionally after writing part of an append. `log` records every operation.
 */
export class FaultyFileStore implements FileStore {
  mutations = 0;
  readonly log: string[] = [];
  fault: Fault | undefined;

  constructor(private readonly inner: FileStore) {}

  private async gate(op: FileOp, path: string, partial?: () => Promise<void>): Promise<void> {
    this.log.push(`${op} ${path}`);
    if (!MUTATING.includes(op)) return;
    this.mutations += 1;
    const f = this.fault;
    if (!f) return;
    const hit = f.persistent ? this.mutations >= f.at : this.mutations === f.at;
    if (!hit) return;
    if (partial) await partial();
    throw new VaultError(f.code, `injected ${f.code} at ${op} ${path} (#${this.mutations})`);
  }

  read(path: string, limit?: ReadLimit): Promise<Uint8Array> {
    this.log.push(`read ${path}`);
    return this.inner.read(path, limit);
  }

  readInto(path: string, out: Uint8Array): Promise<Uint8Array> {
    this.log.push(`read ${path}`);
    return this.inner.readInto ? this.inner.readInto(path, out) : this.inner.read(path);
  }

  readIfExists(path: string, limit?: ReadLimit): Promise<Uint8Array | undefined> {
    this.log.push(`readIfExists ${path}`);
    return this.inner.readIfExists(path, limit);
  }

  async writeAtomic(path: string, data: Uint8Array): Promise<void> {
    await this.gate('writeAtomic', path);
    return this.inner.writeAtomic(path, data);
  }

  async append(path: string, data: Uint8Array): Promise<void> {
    await this.gate('append', path, async () => {
      const n = this.fault?.tornBytes ?? 0;
      if (n > 0) await this.inner.append(path, data.subarray(0, Math.min(n, data.length)));
    });
    return this.inner.append(path, data);
  }

  async rename(from: string, to: string): Promise<void> {
    await this.gate('rename', `${from} → ${to}`);
    return this.inner.rename(from, to);
  }

  list(dir: string): Promise<string[]> {
    this.log.push(`list ${dir}`);
    return this.inner.list(dir);
  }

  async delete(path: string): Promise<void> {
    await this.gate('delete', path);
    return this.inner.delete(path);
  }

  stat(path: string): Promise<FileStat | undefined> {
    this.log.push(`stat ${path}`);
    return this.inner.stat(path);
  }

  closeHandles(): Promise<void> {
    return this.inner.closeHandles?.() ?? Promise.resolve();
  }

  async mkdirp(dir: string): Promise<void> {
    await this.gate('mkdirp', dir);
    return this.inner.mkdirp(dir);
  }
}
