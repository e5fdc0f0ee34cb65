import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import type { LockOwner, LockResult, VaultLock } from '../core/ports';
import { toVaultError } from './fileStore';

interface LockFile extends LockOwner {
  readonly token: string;
}

/** Whether a process with this pid is running on this machine. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(file: string): Promise<LockFile | undefined> {
  try {
    const raw = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<LockFile>;
    if (typeof raw.pid === 'number' && typeof raw.host === 'string' && typeof raw.token === 'string') return raw as LockFile;
  } catch {
    // Missing or unreadable (a crash while it was being written): treated as no owner below.
  }
  return undefined;
}

/**
 * The writer lock: a file created with O_EXCL holding the owner's pid, host and a random token.
 * A lock whose process is gone (same host, pid not running) is taken over by renaming it aside,
 * which only one contender can do; a lock from another host is never taken over automatically.
 */
export class NodeVaultLock implements VaultLock {
  constructor(private readonly file: string) {}

  async acquire(owner: Omit<LockOwner, 'since'>): Promise<LockResult> {
    const mine: LockFile = { ...owner, since: new Date().toISOString(), token: randomBytes(16).toString('hex') };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await fs.mkdir(path.dirname(this.file), { recursive: true });
        const handle = await fs.open(this.file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
        try {
          await handle.writeFile(JSON.stringify(mine));
          await handle.sync();
        } finally {
          await handle.close();
        }
        return { acquired: true, release: () => this.release(mine.token), stillHeld: async () => (await readLock(this.file))?.token === mine.token };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw toVaultError(e, 'create lock', this.file);
      }
      const holder = await readLock(this.file);
      const stale = holder === undefined ? await this.unreadableAndOld() : holder.host === hostname() && !processAlive(holder.pid);
      if (!stale) return { acquired: false, holder };
      // Take over: move the stale file aside; if someone else moved it first, rename fails and we retry.
      const aside = `${this.file}.stale-${randomBytes(4).toString('hex')}`;
      try {
        await fs.rename(this.file, aside);
        const moved = await readLock(aside);
        if (holder && moved?.token !== holder.token) {
          // We moved a fresh lock another contender had just created: put it back and report it.
          await fs.rename(aside, this.file).catch(() => undefined);
          return { acquired: false, holder: moved };
        }
        await fs.rm(aside, { force: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw toVaultError(e, 'take over lock', this.file);
      }
    }
    return { acquired: false, holder: await readLock(this.file) };
  }

  /** A lock file with no readable owner is stale once it is older than a few seconds. */
  private async unreadableAndOld(): Promise<boolean> {
    try {
      const s = await fs.stat(this.file);
      return Date.now() - s.mtimeMs > 5000;
    } catch {
      return true;
    }
  }

  private async release(token: string): Promise<void> {
    const current = await readLock(this.file);
    if (current?.token === token) await fs.rm(this.file, { force: true });
  }
}

export function currentOwner(app: string): Omit<LockOwner, 'since'> {
  return { pid: process.pid, host: hostname(), app };
}
