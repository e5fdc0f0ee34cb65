import { DEFAULT_CACHE_OPTIONS, type CacheOptions } from './manager';

const MB = 1024 * 1024;
const DAY_MS = 24 * 3600 * 1000;

/**
 * The two cache settings a user may change (docs/CACHE.md): the size limit of the disk tier in
 * MB and the time to live in days. The same ranges hold for the VS Code settings
 * (`campaignVault.cache.maxSizeMB`, `campaignVault.cache.ttlDays`) and the CLI's environment
 * (`CAMPAIGN_VAULT_CACHE_MAX_MB`, `CAMPAIGN_VAULT_CACHE_TTL_DAYS`).
 */
export const CACHE_SETTINGS = {
  /** 0 keeps nothing on disk (the memory tier still works); at most 100 GB. */
  maxSizeMB: { default: DEFAULT_CACHE_OPTIONS.maxDiskBytes / MB, minimum: 0, maximum: 102_400 },
  /** From a day to ten years (fractions allowed). */
  ttlDays: { default: DEFAULT_CACHE_OPTIONS.ttlMs / DAY_MS, minimum: 1, maximum: 3650 },
} as const;

export type CacheSettingName = keyof typeof CACHE_SETTINGS;

/** A setting's value, or why it is refused (one sentence; the caller says what is used instead). */
export function checkCacheSetting(name: CacheSettingName, value: unknown): { ok: true; value: number } | { ok: false; reason: string } {
  const range = CACHE_SETTINGS[name];
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) return { ok: false, reason: `${name} must be a number, not ${JSON.stringify(value)}` };
  if (n < range.minimum || n > range.maximum) return { ok: false, reason: `${name} must be from ${range.minimum} to ${range.maximum}, not ${n}` };
  return { ok: true, value: n };
}

/** The options the settings give (anything else as in `base`). */
export function cacheOptionsFrom(settings: { readonly maxSizeMB: number; readonly ttlDays: number }, base: CacheOptions = DEFAULT_CACHE_OPTIONS): CacheOptions {
  return { ...base, maxDiskBytes: Math.round(settings.maxSizeMB * MB), ttlMs: Math.round(settings.ttlDays * DAY_MS) };
}
