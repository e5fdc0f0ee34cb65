/**
 * The core talks to the world only through these ports. `src/node` implements them on Node;
 * tests use the same implementations on temporary folders.
 *
 * Paths given to a {@link FileStore} are relative to its root, use `/` as separator and are checked
 * by {@link assertSafeRelativePath} (`./paths`): no `..`, no absolute paths, no control characters.
 */

export interface FileStat {
  readonly size: number;
  readonly mtimeMs: number;
  readonly isDirectory: boolean;
}

/** How much of a file to read at most. */
export interface ReadLimit {
  /**
   * A file longer than this comes back as its first `maxBytes + 1` bytes, read without the rest:
   * the caller's own size check refuses it, and a hostile or sparse file of gigabytes is never
   * read whole.
   */
  readonly maxBytes?: number;
}

export interface FileStore {
  /** The whole file (or, with a limit, at most `maxBytes + 1` of it). Fails with `VaultError('not-found')` when it does not exist. */
  read(path: string, limit?: ReadLimit): Promise<Uint8Array>;
  /** As {@link read}, or `undefined` when it does not exist. */
  readIfExists(path: string, limit?: ReadLimit): Promise<Uint8Array | undefined>;
  /**
   * The whole file read into `out` (a view of its start) when it fits there, else into a buffer of
   * its own, as {@link read}. Optional: for reading large files into reused memory.
   */
  readInto?(path: string, out: Uint8Array): Promise<Uint8Array>;
  /**
   * Replaces the file so that a crash at any moment leaves either the old or the new content:
   * write a temporary file, flush it, rename it over the target, flush the directory. Resolves
   * only once the new content is durable.
   */
  writeAtomic(path: string, data: Uint8Array): Promise<void>;
  /** Appends and flushes; resolves once the appended bytes are durable. */
  append(path: string, data: Uint8Array): Promise<void>;
  /** Renames within the store and flushes the directories involved. */
  rename(from: string, to: string): Promise<void>;
  /** Names (not paths) of the entries of a folder; empty when the folder does not exist. */
  list(dir: string): Promise<string[]>;
  /** Removes a file, or an empty folder; succeeds when it is already gone. */
  delete(path: string): Promise<void>;
  /** Size and kind, or `undefined` when absent. */
  stat(path: string): Promise<FileStat | undefined>;
  /** Creates a folder and its parents. */
  mkdirp(dir: string): Promise<void>;
  /** Releases anything kept open between calls (files held open for appending). Optional. */
  closeHandles?(): Promise<void>;
}

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export interface Random {
  /** Cryptographically secure random bytes. */
  bytes(length: number): Uint8Array;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  trace(message: string, ...args: unknown[]): void;
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string | Error, ...args: unknown[]): void;
  /** A logger whose messages are tagged `[component]`. */
  child(component: string): Logger;
}

/** Who holds a vault's writer lock; shown to a second window as "in use by …". */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  /** "VS Code", "campaign-vault CLI", a test name… */
  readonly app: string;
  readonly since: string;
}

export type LockResult =
  | { readonly acquired: true; release(): Promise<void>; /** False once another process took the lock over. */ stillHeld(): Promise<boolean> }
  | { readonly acquired: false; readonly holder: LockOwner | undefined };

/**
 * One writer per vault. `acquire` never waits: it takes a free lock, takes over the lock of a
 * process that is no longer running, and otherwise reports the holder.
 */
export interface VaultLock {
  acquire(owner: Omit<LockOwner, 'since'>): Promise<LockResult>;
}

/**
 * Small values kept outside the vault folder (per machine), used to notice a vault replaced by
 * an older copy: the highest generation seen for each vault id.
 */
export interface StateStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
}
