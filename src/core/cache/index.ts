// The seed's cache manager: memory (LRU, byte-capped, TTL) in front of a sealed disk tier outside
// the workspace. See docs/CACHE.md.
export { CacheManager, CacheNamespace, DEFAULT_CACHE_OPTIONS, VaultCache, type CacheDeps, type CacheOptions, type CacheStats, type NamespaceOptions, type NamespaceStats } from './manager';
export { CACHE_SETTINGS, cacheOptionsFrom, checkCacheSetting, type CacheSettingName } from './settings';
