// The cache's settings (docs/CACHE.md): `campaignVault.cache.maxSizeMB` (the disk tier's limit,
// 500 MB by default, as the seed says) and `campaignVault.cache.ttlDays`. Read when the extension
// starts and applied to the one cache of every vault whenever they change — no reload: a smaller
// limit evicts at once. A value out of range is not used: the default is, and the user is told
// which setting and why (once per value).
import * as vscode from 'vscode';
import { CACHE_SETTINGS, cacheOptionsFrom, checkCacheSetting, type CacheManager, type CacheOptions, type CacheSettingName } from '../core/cache';
import type { Logger } from '../core/ports';
import { Disposable } from './lifecycle';
import type { Prompter } from './prompter';

const SECTION = 'campaignVault.cache';
const NAMES: readonly CacheSettingName[] = ['maxSizeMB', 'ttlDays'];

export class CacheSettings extends Disposable {
  /** The refused values already told, so each is said once (`name=value`). */
  private readonly told = new Set<string>();
  private applying: Promise<void> = Promise.resolve();

  constructor(
    private readonly cache: CacheManager,
    private readonly ui: () => Prompter,
    private readonly log: Logger,
  ) {
    super();
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(SECTION)) void this.apply();
      }),
    );
  }

  /** The options the settings say now (the default for a refused value, which is told). */
  read(): CacheOptions {
    const config = vscode.workspace.getConfiguration(SECTION);
    const values = {} as Record<CacheSettingName, number>;
    for (const name of NAMES) {
      const raw = config.get<unknown>(name, CACHE_SETTINGS[name].default);
      const checked = checkCacheSetting(name, raw);
      if (checked.ok) {
        values[name] = checked.value;
        continue;
      }
      values[name] = CACHE_SETTINGS[name].default;
      const key = `${name}=${JSON.stringify(raw)}`;
      if (this.told.has(key)) continue;
      this.told.add(key);
      this.log.warn(`cache: ${checked.reason}; using ${CACHE_SETTINGS[name].default}`);
      void this.ui().message({
        id: 'cache-setting',
        severity: 'warning',
        text: vscode.l10n.t(
          'The setting {0} must be a number from {1} to {2}; it is {3}, so {4} is used.',
          `${SECTION}.${name}`,
          String(CACHE_SETTINGS[name].minimum),
          String(CACHE_SETTINGS[name].maximum),
          JSON.stringify(raw) ?? String(raw),
          String(CACHE_SETTINGS[name].default),
        ),
      });
    }
    return cacheOptionsFrom(values, this.cache.options);
  }

  /** Applies the settings to the cache now (changes are applied in order); resolves when done. */
  apply(): Promise<void> {
    this.applying = this.applying.then(async () => {
      const options = this.read();
      const { maxDiskBytes, ttlMs } = this.cache.options;
      if (options.maxDiskBytes === maxDiskBytes && options.ttlMs === ttlMs) return;
      this.log.info(`cache: limit ${options.maxDiskBytes} bytes on disk, entries kept ${options.ttlMs / 86_400_000} days`);
      await this.cache.configure(options).catch((e: unknown) => this.log.error(e instanceof Error ? e : String(e)));
    });
    return this.applying;
  }
}
