import { randomBytes } from 'node:crypto';
import { closeSync, constants, fdatasyncSync, openSync, promises as fs, readFile, writeSync } from 'node:fs';
import * as path from 'node:path';
import { VaultError, type VaultErrorCode } from '../core/errors';
import { assertSafeRelativePath } from '../core/paths';
import type { FileStat, FileStore, ReadLimit } from '../core/ports';

const errnoCodes: Record<string, VaultErrorCode> = {
  ENOENT: 'not-found',
  ENOTDIR: 'not-found',
  ENOSPC: 'disk-full',
  EDQUOT: 'disk-full',
  EROFS: 'read-only',
  EACCES: 'permission-denied',
  EPERM: 'permission-denied',
  EIO: 'io',
};

/** Maps a Node fs error to a {@link VaultError}, keeping the original as its cause. */
export function toVaultError(e: unknown, operation: string, file: string): VaultError {
  if (e instanceof VaultError) return e;
  const errno = (e as NodeJS.ErrnoException | undefined)?.code ?? '';
  const code = errnoCodes[errno] ?? 'io';
  return new VaultError(code, `${operation} ${file}: ${errno || String(e)}`, { cause: e });
}

/**
 * The {@link FileStore} port on Node's file system, rooted at a folder. Every write that resolves
 * is durable: data is fsync'ed, and renames are followed by an fsync of the directory.
 */
const MAX_APPEND_HANDLES = 4;

export class NodeFileStore implements FileStore {
  private readonly appendHandles = new Map<string, number>();
  /** Folders this store made or found, so a write does not ask again (a restore writes thousands of files). */
  private readonly knownDirs = new Set<string>();

  constructor(readonly root: string) {}

  /** The absolute path of a checked store-relative path. */
  resolve(relative: string): string {
    return path.join(this.root, ...assertSafeRelativePath(relative));
  }

  /**
   * Node's callback `readFile`, not `fs.promises.readFile`: a backup reads thousands of files, and
   * reading the 7,090 of the benchmark took 0.4 s and 0.6 s of processor time that way against
   * 0.6–0.9 s and about 1 s (docs/BENCHMARKS.md): the promise API makes a round trip to the
   * thread pool per step (open, stat, read, close) and objects for each.
   */
  read(file: string, limit?: ReadLimit): Promise<Uint8Array> {
    if (limit?.maxBytes !== undefined) return this.readAtMost(file, limit.maxBytes + 1);
    const abs = this.resolve(file);
    return new Promise((resolve, reject) => {
      readFile(abs, (e, data) => (e ? reject(toVaultError(e, 'read', file)) : resolve(data)));
    });
  }

  /** The file's first `most` bytes (all of it when shorter): a sparse 3 GB file costs one small read. */
  private readAtMost(file: string, most: number): Promise<Uint8Array> {
    return this.withHandle(file, async (handle) => {
      const { size } = await handle.stat();
      const out = Buffer.alloc(Math.min(size, most));
      return out.subarray(0, await fill(handle, out));
    });
  }

  /** Runs `fn` on the file opened for reading, closed afterwards; errors become VaultErrors. */
  private async withHandle<T>(file: string, fn: (handle: fs.FileHandle) => Promise<T>): Promise<T> {
    let handle: fs.FileHandle | undefined;
    try {
      handle = await fs.open(this.resolve(file), 'r');
      return await fn(handle);
    } catch (e) {
      throw toVaultError(e, 'read', file);
    } finally {
      await handle?.close();
    }
  }

  readInto(file: string, out: Uint8Array): Promise<Uint8Array> {
    return this.withHandle(file, async (handle) => {
      const { size } = await handle.stat();
      if (size > out.length) return await handle.readFile();
      // Read to the end (a file may change while it is read); one that outgrew `out` is read again whole.
      const at = await fill(handle, out);
      if (at === out.length && (await handle.read(Buffer.alloc(1), 0, 1, at)).bytesRead > 0) return await fs.readFile(this.resolve(file));
      return out.subarray(0, at);
    });
  }

  async readIfExists(file: string, limit?: ReadLimit): Promise<Uint8Array | undefined> {
    try {
      return await this.read(file, limit);
    } catch (e) {
      if (e instanceof VaultError && e.code === 'not-found') return undefined;
      throw e;
    }
  }

  async writeAtomic(file: string, data: Uint8Array): Promise<void> {
    const abs = this.resolve(file);
    const dir = path.dirname(abs);
    const tmp = `${abs}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const handle = await this.createIn(dir, tmp);
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(tmp, abs);
      await syncDirectory(dir);
    } catch (e) {
      await fs.rm(tmp, { force: true }).catch(() => undefined);
      throw toVaultError(e, 'write', file);
    }
  }

  /**
   * Creates `file` (exclusively) in `dir`, making the folder first unless it is known; a known
   * folder that has gone since (removed by hand) is made again.
   */
  private async createIn(dir: string, file: string): Promise<fs.FileHandle> {
    const create = () => fs.open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    if (this.knownDirs.has(dir)) {
      try {
        return await create();
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        this.knownDirs.delete(dir);
      }
    }
    await fs.mkdir(dir, { recursive: true });
    const handle = await create();
    this.knownDirs.add(dir);
    return handle;
  }

  /**
   * Appends and flushes with `fdatasync`. The file stays open between appends (a journal gets one
   * append per transaction), and the write and flush are one synchronous step: a durable append
   * then costs what the disk needs (about 0.3 ms on an SSD) instead of two trips through Node's
   * thread pool. A new file's directory entry is flushed before its first append is acknowledged.
   */
  async append(file: string, data: Uint8Array): Promise<void> {
    const abs = this.resolve(file);
    let fd = this.appendHandles.get(abs);
    try {
      if (fd === undefined) {
        await fs.mkdir(path.dirname(abs), { recursive: true });
        const existed = await exists(abs);
        fd = openSync(abs, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600);
        this.appendHandles.set(abs, fd);
        if (this.appendHandles.size > MAX_APPEND_HANDLES) this.closeHandle(this.appendHandles.keys().next().value!);
        if (!existed) await syncDirectory(path.dirname(abs));
      }
      let offset = 0;
      while (offset < data.length) offset += writeSync(fd, data, offset, data.length - offset);
      fdatasyncSync(fd);
    } catch (e) {
      // After a failed write the file's end is unknown: reopen next time.
      this.closeHandle(abs);
      throw toVaultError(e, 'append to', file);
    }
  }

  /** Closes files kept open for appending (the vault calls it when it closes). */
  async closeHandles(): Promise<void> {
    for (const abs of [...this.appendHandles.keys()]) this.closeHandle(abs);
  }

  private closeHandle(abs: string): void {
    const fd = this.appendHandles.get(abs);
    this.appendHandles.delete(abs);
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
  }

  async rename(from: string, to: string): Promise<void> {
    const absFrom = this.resolve(from);
    const absTo = this.resolve(to);
    this.closeHandle(absFrom);
    this.closeHandle(absTo);
    try {
      await fs.mkdir(path.dirname(absTo), { recursive: true });
      await fs.rename(absFrom, absTo);
      await syncDirectory(path.dirname(absTo));
      if (path.dirname(absFrom) !== path.dirname(absTo)) await syncDirectory(path.dirname(absFrom));
    } catch (e) {
      throw toVaultError(e, 'rename', `${from} → ${to}`);
    }
  }

  async list(dir: string): Promise<string[]> {
    const abs = dir === '' ? this.root : this.resolve(dir);
    try {
      return (await fs.readdir(abs)).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw toVaultError(e, 'list', dir);
    }
  }

  async delete(file: string): Promise<void> {
    const abs = this.resolve(file);
    this.closeHandle(abs);
    try {
      await fs.rm(abs, { force: true }).catch(async (e: NodeJS.ErrnoException) => {
        // A folder: only an empty one (a store never deletes what it has not listed).
        if (e.code === 'ERR_FS_EISDIR' || e.code === 'EISDIR') await fs.rmdir(abs);
        else throw e;
      });
      await syncDirectory(path.dirname(abs)).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
    } catch (e) {
      throw toVaultError(e, 'delete', file);
    }
  }

  async stat(file: string): Promise<FileStat | undefined> {
    try {
      const s = await fs.stat(this.resolve(file));
      return { size: s.size, mtimeMs: s.mtimeMs, isDirectory: s.isDirectory() };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw toVaultError(e, 'stat', file);
    }
  }

  async mkdirp(dir: string): Promise<void> {
    try {
      await fs.mkdir(this.resolve(dir), { recursive: true });
    } catch (e) {
      throw toVaultError(e, 'create folder', dir);
    }
  }
}

async function exists(abs: string): Promise<boolean> {
  try {
    await fs.access(abs);
    return true;
  } catch {
    return false;
  }
}

/** fsync on a directory makes a rename or a new entry in it durable (POSIX; a no-op on Windows). */
async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Reads from the start into `out` until it is full or the file ends; the number of bytes read. */
async function fill(handle: fs.FileHandle, out: Uint8Array): Promise<number> {
  let at = 0;
  while (at < out.length) {
    const { bytesRead } = await handle.read(out, at, out.length - at, at);
    if (bytesRead === 0) break;
    at += bytesRead;
  }
  return at;
}
