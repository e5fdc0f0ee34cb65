import type { FileStore, Logger } from '../ports';

/**
 * The cache's disk tier: opaque files under a root on this machine, outside the workspace, with
 * one byte limit over all of them and least-recently-used eviction. It knows nothing of keys or
 * sealing (the {@link VaultCache} seals what it stores and names files by a keyed hash): it keeps
 * files, their sizes and when each was last used, and gives up quietly when the disk does.
 *
 * Layout: `v1/<vault id>/<namespace>/<name>` (paths given here leave out the `v1/`); the index is built from a listing the first time it is
 * needed (last use = modification time), then kept in memory.
 */
export interface DiskTierOptions {
  readonly maxBytes: number;
  readonly now: () => number;
  readonly log: Logger;
  /** Told of every file evicted to make room. */
  readonly onEvict?: (path: string, bytes: number) => void;
}

interface Placed {
  bytes: number;
  used: number;
}

/** Every file is under this folder of the store: a later layout can sit beside it. */
const TOP = 'v1';

/** Files looked at together when the index is listed. */
const SCAN_BATCH = 256;

/** After a failed write (a full disk, a read-only folder), how long writes are not tried. */
const BACKOFF_MS = 60_000;

export class DiskTier {
  private index?: Promise<Map<string, Placed>>;
  private total = 0;
  private writesFailedAt = -Infinity;

  constructor(
    private readonly store: FileStore,
    private options: DiskTierOptions,
  ) {}

  /** A new byte limit; a smaller one evicts the least recently used files now (down to 90 % of it), or on first use. */
  async configure(limits: { readonly maxBytes: number }): Promise<void> {
    this.options = { ...this.options, ...limits };
    // Not listed yet: the listing trims to the limit on first use (see entries()).
    if (this.index) await this.makeRoom(await this.index, 0);
  }

  /** Bytes on disk over every vault and namespace. */
  async bytes(): Promise<number> {
    await this.entries();
    return this.total;
  }

  /** Bytes on disk in the files `which` accepts (by path: `<vault>/<namespace>/<name>`). */
  async bytesWhere(which: (path: string) => boolean): Promise<number> {
    let n = 0;
    for (const [p, e] of await this.entries()) if (which(p)) n += e.bytes;
    return n;
  }

  async read(path: string): Promise<Uint8Array | undefined> {
    const index = await this.entries();
    const placed = index.get(path);
    if (!placed) return undefined;
    let data: Uint8Array | undefined;
    try {
      data = await this.store.readIfExists(`${TOP}/${path}`);
    } catch (e) {
      this.options.log.debug(`cache: could not read ${path}: ${String(e)}`);
    }
    if (!data) {
      this.forget(index, path);
      return undefined;
    }
    placed.used = this.options.now();
    return data;
  }

  /** Stores a file; false when the disk gave up (nothing else is affected). */
  async write(path: string, data: Uint8Array): Promise<boolean> {
    if (data.byteLength > this.options.maxBytes) return false;
    const now = this.options.now();
    if (now - this.writesFailedAt < BACKOFF_MS) return false;
    const index = await this.entries();
    await this.makeRoom(index, data.byteLength - (index.get(path)?.bytes ?? 0));
    try {
      await this.store.mkdirp(`${TOP}/${path.slice(0, path.lastIndexOf('/'))}`);
      await this.store.writeAtomic(`${TOP}/${path}`, data);
    } catch (e) {
      this.writesFailedAt = now;
      this.options.log.warn(`cache: writing to disk failed, so the disk cache pauses for a minute: ${String(e)}`);
      return false;
    }
    this.forget(index, path);
    index.set(path, { bytes: data.byteLength, used: now });
    this.total += data.byteLength;
    return true;
  }

  async delete(path: string): Promise<void> {
    const index = await this.entries();
    this.forget(index, path);
    await this.store.delete(`${TOP}/${path}`).catch((e: unknown) => this.options.log.debug(`cache: could not delete ${path}: ${String(e)}`));
  }

  /** Deletes every file under a path prefix, and the folders (a vault's whole cache: `<vault>/`). */
  async deleteUnder(prefix: string): Promise<void> {
    const index = await this.entries();
    for (const path of [...index.keys()]) if (path.startsWith(prefix)) await this.delete(path);
    // Files the index never saw (written by another window) go too.
    await this.removeTree(`${TOP}/${prefix.replace(/\/$/, '')}`);
  }

  private async removeTree(dir: string): Promise<void> {
    const st = await this.store.stat(dir).catch(() => undefined);
    if (!st) return;
    if (st.isDirectory) for (const name of await this.store.list(dir)) await this.removeTree(`${dir}/${name}`);
    await this.store.delete(dir).catch((e: unknown) => this.options.log.debug(`cache: could not delete ${dir}: ${String(e)}`));
  }

  private forget(index: Map<string, Placed>, path: string): void {
    const placed = index.get(path);
    if (!placed) return;
    index.delete(path);
    this.total -= placed.bytes;
  }

  private async makeRoom(index: Map<string, Placed>, incoming: number): Promise<void> {
    if (this.total + incoming <= this.options.maxBytes) return;
    // Down to 90 % of the limit, so a full cache does not evict on every write.
    const goal = this.options.maxBytes * 0.9 - incoming;
    const oldest = [...index].sort((a, b) => a[1].used - b[1].used);
    for (const [path, placed] of oldest) {
      if (this.total <= goal) break;
      this.forget(index, path);
      this.options.onEvict?.(path, placed.bytes);
      await this.store.delete(`${TOP}/${path}`).catch((e: unknown) => this.options.log.debug(`cache: could not evict ${path}: ${String(e)}`));
    }
  }

  private entries(): Promise<Map<string, Placed>> {
    // A limit made smaller while nothing ran (another session, the CLI) applies from the first use.
    this.index ??= this.scan().then(async (index) => {
      await this.makeRoom(index, 0);
      return index;
    });
    return this.index;
  }

  /** Three levels: vault, namespace, file. Anything else there is left alone. */
  private async scan(): Promise<Map<string, Placed>> {
    const index = new Map<string, Placed>();
    const list = (dir: string) => this.store.list(dir).catch(() => [] as string[]);
    for (const vault of await list(TOP)) {
      for (const ns of await list(`${TOP}/${vault}`)) {
        // The files of a folder are looked at together: one after the other, each waits its turn
        // in the thread pool, and the first request of a session waits for all of them.
        const paths = (await list(`${TOP}/${vault}/${ns}`)).map((name) => `${vault}/${ns}/${name}`);
        for (let from = 0; from < paths.length; from += SCAN_BATCH) {
          const batch = paths.slice(from, from + SCAN_BATCH);
          const stats = await Promise.all(batch.map((path) => this.store.stat(`${TOP}/${path}`).catch(() => undefined)));
          for (const [i, st] of stats.entries()) {
            if (!st || st.isDirectory) continue;
            index.set(batch[i]!, { bytes: st.size, used: st.mtimeMs });
            this.total += st.size;
          }
        }
      }
    }
    return index;
  }
}
