/**
 * The cache on this machine for Node (docs/CACHE.md): the platform's cache folder — never the
 * vault's folder, which users keep in git or synced folders. The extension may pass its global
 * storage instead; tests pass a temporary folder (or set CAMPAIGN_VAULT_CACHE_DIR).
 */
import { homedir } from 'node:os';
import * as path from 'node:path';
import { CacheManager, DEFAULT_CACHE_OPTIONS, type CacheOptions } from '../core/cache';
import type { CipherSuite } from '../core/crypto/aead';
import type { Clock, Logger, Random } from '../core/ports';
import { NodeFileStore } from './fileStore';

/** `$CAMPAIGN_VAULT_CACHE_DIR`, else `$XDG_CACHE_HOME/campaign-vault`, else `~/.cache/campaign-vault`. */
export function nodeCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CAMPAIGN_VAULT_CACHE_DIR) return path.resolve(env.CAMPAIGN_VAULT_CACHE_DIR);
  return path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'campaign-vault');
}

export function nodeCache(dir: string | undefined, deps: { suite: CipherSuite; random: Random; clock: Clock; logger: Logger }, options: CacheOptions = DEFAULT_CACHE_OPTIONS): CacheManager {
  return new CacheManager(options, { disk: new NodeFileStore(path.resolve(dir ?? nodeCacheDir())), suite: deps.suite, random: deps.random, now: () => deps.clock.now(), log: deps.logger.child('cache') });
}
