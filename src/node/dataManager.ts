import * as path from 'node:path';
import { DataManager, type DataManagerOptions } from '../core/api';
import type { CacheOptions } from '../core/cache';
import type { Logger } from '../core/ports';
import { VaultError } from '../core/errors';
import { LOCK_FILE, VAULT_DIR } from '../core/vault/layout';
import { NodeFileStore } from './fileStore';
import { NodeVaultLock, currentOwner } from './lock';
import { nodeCache, nodeCacheDir } from './cache';
import { nodePdfTextExtractor } from './pdfText';
import { loadSqlJs } from './sqljs';
import { NodeStateStore } from './state';
import { nodeCipherSuite, nodeRandom, systemClock } from './system';
import { nodeThumbnailMaker } from './thumbnails';

export interface NodeDataManagerOptions extends Partial<Omit<DataManagerOptions, 'files' | 'lock' | 'owner'>> {
  /** Shown to other processes that find the vault in use. */
  readonly app: string;
  /** Folder for per-machine state (rollback detection); defaults to NodeStateStore.defaultDir(). */
  readonly stateDir?: string;
  /** Folder of the cache on this machine (never inside the vault); defaults to nodeCacheDir(). */
  readonly cacheDir?: string;
  /** Limits of that cache (docs/CACHE.md: the disk limit and TTL); defaults to DEFAULT_CACHE_OPTIONS. */
  readonly cacheOptions?: CacheOptions;
}

export const silentLogger: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

/** The cache folder, refused when it lies inside the vault (backed up, synced, checked for orphans). */
function outsideVault(folder: string, cacheDir: string): string {
  const vault = path.resolve(folder, VAULT_DIR);
  const cache = path.resolve(cacheDir);
  const rel = path.relative(vault, cache);
  if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) {
    throw new VaultError('invalid', `cache folder ${cache} is inside the vault`, { hint: `The cache folder ${cache} is inside the vault's ${VAULT_DIR} folder; the cache lives on this machine only. Choose a folder outside it (CAMPAIGN_VAULT_CACHE_DIR).` });
  }
  return cache;
}

/** A DataManager for the vault in a workspace folder, with every port implemented on Node. */
export function nodeDataManager(folder: string, opts: NodeDataManagerOptions): DataManager {
  const files = new NodeFileStore(path.resolve(folder));
  const pdfText = opts.pdfText ?? nodePdfTextExtractor(opts.logger?.child('pdf'));
  const thumbnails = opts.thumbnails ?? nodeThumbnailMaker(opts.logger?.child('thumbnails'));
  const cache = opts.cache ?? nodeCache(outsideVault(folder, opts.cacheDir ?? nodeCacheDir()), { suite: opts.suite ?? nodeCipherSuite, random: opts.random ?? nodeRandom, clock: opts.clock ?? systemClock, logger: opts.logger ?? silentLogger }, opts.cacheOptions);
  return new DataManager({
    files,
    lock: new NodeVaultLock(files.resolve(LOCK_FILE)),
    state: opts.state ?? new NodeStateStore(opts.stateDir ?? NodeStateStore.defaultDir()),
    clock: opts.clock ?? systemClock,
    random: opts.random ?? nodeRandom,
    logger: opts.logger ?? silentLogger,
    sql: opts.sql ?? loadSqlJs,
    owner: currentOwner(opts.app),
    suite: opts.suite ?? nodeCipherSuite,
    ...(opts.kdf ? { kdf: opts.kdf } : {}),
    ...(opts.migrations ? { migrations: opts.migrations } : {}),
    ...(opts.checkpointBytes !== undefined ? { checkpointBytes: opts.checkpointBytes } : {}),
    ...(opts.checkpointOnLockBytes !== undefined ? { checkpointOnLockBytes: opts.checkpointOnLockBytes } : {}),
    ...(pdfText ? { pdfText } : {}),
    ...(thumbnails ? { thumbnails } : {}),
    cache,
  });
}
