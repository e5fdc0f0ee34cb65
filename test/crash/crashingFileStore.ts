import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FileStat, FileStore, ReadLimit } from '../../src/core/ports';
import type { NodeFileStore } from '../../src/node/fileStore';

/**
 * A file store that kills its own process (SIGKILL: no cleanup, no flush) at the k-th mutating
 * operation, after doing part of it: half of an append lands, a temporary file is written but not
 * renamed, a rename or delete does not happen. Counting starts at 1; k = 0 never kills.
 */
export class CrashingFileStore implements FileStore {
  private count = 0;

  constructor(
    private readonly inner: NodeFileStore,
    private readonly killAt: number,
  ) {}

  get operations(): number {
    return this.count;
  }

  private die(): never {
    process.kill(process.pid, 'SIGKILL');
    throw new Error('unreachable');
  }

  private hit(): boolean {
    this.count += 1;
    return this.count === this.killAt;
  }

  read(path: string, limit?: ReadLimit): Promise<Uint8Array> {
    return this.inner.read(path, limit);
  }

  readIfExists(path: string, limit?: ReadLimit): Promise<Uint8Array | undefined> {
    return this.inner.readIfExists(path, limit);
  }

  async writeAtomic(path: string, data: Uint8Array): Promise<void> {
    if (this.hit()) {
      const tmp = `${this.inner.resolve(path)}.crashed.tmp`;
      mkdirSync(dirname(tmp), { recursive: true });
      const fd = openSync(tmp, 'w');
      writeSync(fd, data.subarray(0, data.length >> 1));
      closeSync(fd);
      this.die();
    }
    return this.inner.writeAtomic(path, data);
  }

  async append(path: string, data: Uint8Array): Promise<void> {
    if (this.hit()) {
      const abs = this.inner.resolve(path);
      mkdirSync(dirname(abs), { recursive: true });
      const fd = openSync(abs, 'a');
      writeSync(fd, data.subarray(0, data.length >> 1));
      closeSync(fd);
      this.die();
    }
    return this.inner.append(path, data);
  }

  async rename(from: string, to: string): Promise<void> {
    if (this.hit()) this.die();
    return this.inner.rename(from, to);
  }

  list(dir: string): Promise<string[]> {
    return this.inner.list(dir);
  }

  async delete(path: string): Promise<void> {
    if (this.hit()) this.die();
    return this.inner.delete(path);
  }

  stat(path: string): Promise<FileStat | undefined> {
    return this.inner.stat(path);
  }

  closeHandles(): Promise<void> {
    return this.inner.closeHandles?.() ?? Promise.resolve();
  }

  async mkdirp(dir: string): Promise<void> {
    if (this.hit()) this.die();
    return this.inner.mkdirp(dir);
  }
}
