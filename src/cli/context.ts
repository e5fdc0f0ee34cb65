// What every command gets: the folder, the output mode, and a DataManager opened the right way.
import { statSync } from 'node:fs';
import * as path from 'node:path';
import type { DataManager } from '../core/api';
import type { BackupService } from '../core/backup/service';
import { CACHE_SETTINGS, cacheOptionsFrom, checkCacheSetting, type CacheOptions, type CacheSettingName } from '../core/cache';
import { DEFAULT_KDF, type KdfParams } from '../core/crypto/kdf';
import { VaultError, isVaultError } from '../core/errors';
import type { Logger } from '../core/ports';
import { VaultStore } from '../core/vault/store';
import { defaultRepositoryFolder, nodeBackupService } from '../node/backups';
import { nodeCacheDir } from '../node/cache';
import { nodeDataManager, silentLogger } from '../node/dataManager';
import { NodeFileStore } from '../node/fileStore';
import { NodeStateStore } from '../node/state';
import { currentPassword } from './prompt';
import { UsageError } from './values';

/** Set by esbuild from package.json. */
declare const __CV_VERSION__: string | undefined;
/** The tool's version (recorded in every backup it makes). */
export const CLI_VERSION = typeof __CV_VERSION__ === 'string' ? __CV_VERSION__ : '0.0.0-dev';

const APP = 'campaign-vault (command line)';

/** An error with its own exit code and one sentence for the user. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * TEST HOOK: `CAMPAIGN_VAULT_KDF=test` makes new passwords use Argon2id with 64 KiB and one pass,
 * so tests run in milliseconds. Such a password is easy to guess offline; never use it for a real
 * vault. Unset, the strong default (64 MiB, 3 passes, 4 lanes) applies.
 */
export const TEST_KDF: KdfParams = { algorithm: 'argon2id', memoryKiB: 64, iterations: 1, parallelism: 1 };

export function kdfFromEnv(env: NodeJS.ProcessEnv): KdfParams {
  const v = env.CAMPAIGN_VAULT_KDF;
  if (v === undefined || v === '') return DEFAULT_KDF;
  if (v === 'test') return TEST_KDF;
  throw new UsageError(`CAMPAIGN_VAULT_KDF may only be "test" (a test hook), not "${v}".`, false);
}

/**
 * The cache's limits from `CAMPAIGN_VAULT_CACHE_MAX_MB` and `CAMPAIGN_VAULT_CACHE_TTL_DAYS` (the
 * ranges of the VS Code settings `campaignVault.cache.*`; docs/CACHE.md). Unset: the defaults
 * (500 MB, 30 days). A value out of range is a usage error, not silently replaced.
 */
export function cacheOptionsFromEnv(env: NodeJS.ProcessEnv): CacheOptions {
  const read = (variable: string, name: CacheSettingName): number => {
    const raw = env[variable];
    if (raw === undefined || raw === '') return CACHE_SETTINGS[name].default;
    const checked = checkCacheSetting(name, raw);
    if (!checked.ok) throw new UsageError(`${variable}: ${checked.reason}.`, false);
    return checked.value;
  };
  return cacheOptionsFrom({ maxSizeMB: read('CAMPAIGN_VAULT_CACHE_MAX_MB', 'maxSizeMB'), ttlDays: read('CAMPAIGN_VAULT_CACHE_TTL_DAYS', 'ttlDays') });
}

/** Technical detail on stderr, for CAMPAIGN_VAULT_DEBUG=1. */
export function stderrLogger(component = 'cli'): Logger {
  const line =
    (level: string) =>
    (message: string | Error, ...args: unknown[]) =>
      process.stderr.write(`[${level}] [${component}] ${message instanceof Error ? (message.stack ?? message.message) : message}${args.length ? ` ${args.map(String).join(' ')}` : ''}\n`);
  return { trace: line('trace'), debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error'), child: (c) => stderrLogger(c) };
}

export interface Output {
  write(text: string): void;
}

export class Context {
  readonly dir: string;
  private dm: DataManager | undefined;
  /** The password the vault was opened with (for `passwd`). */
  password: string | undefined;

  constructor(
    dir: string,
    readonly json: boolean,
    readonly env: NodeJS.ProcessEnv,
    readonly out: Output,
    /** `--accept-rollback`: open an older copy of the vault anyway (the user read the warning). */
    readonly acceptRollback = false,
    /** Where notes that are not the command's output go (stderr). */
    readonly note: Output = { write: () => undefined },
  ) {
    this.dir = path.resolve(dir);
  }

  /** Throws unless the folder exists. */
  private checkDir(): void {
    let isDir = false;
    try {
      isDir = statSync(this.dir).isDirectory();
    } catch {
      // reported below
    }
    if (!isDir) throw new CliError(4, `There is no folder ${this.dir}.`);
  }

  /** The DataManager, not unlocked (created on first use; {@link close} locks it). */
  manager(): DataManager {
    if (!this.dm) {
      this.checkDir();
      this.dm = this.managerFor(this.dir);
    }
    return this.dm;
  }

  /** A DataManager for another folder (a vault restored from a backup), with the same settings; the caller locks it. */
  managerFor(folder: string): DataManager {
    return nodeDataManager(folder, {
      app: APP,
      stateDir: this.env.CAMPAIGN_VAULT_STATE_DIR || NodeStateStore.defaultDir(),
      cacheDir: nodeCacheDir(this.env),
      cacheOptions: cacheOptionsFromEnv(this.env),
      kdf: kdfFromEnv(this.env),
      logger: this.logger(),
    });
  }

  logger(): Logger {
    return this.env.CAMPAIGN_VAULT_DEBUG ? stderrLogger() : silentLogger;
  }

  /** The backup repository folder: `--repo` (relative to the current folder) or the vault's `.campaign-vault/backups`. */
  repositoryFolder(repo: string | undefined): string {
    return repo === undefined ? defaultRepositoryFolder(this.dir) : path.resolve(repo);
  }

  /** The backups of the opened vault `dm`, in `--repo` or the default repository. */
  backups(dm: DataManager, repo: string | undefined): BackupService {
    return nodeBackupService(dm, this.dir, { app: APP, extensionVersion: CLI_VERSION, repository: this.repositoryFolder(repo), logger: this.logger() });
  }

  /** Backup options for a repository opened without the vault (see nodeBackupServiceWithoutVault). */
  backupOptions(): { app: string; extensionVersion: string; logger: Logger } {
    return { app: APP, extensionVersion: CLI_VERSION, logger: this.logger() };
  }

  /** Whether the folder's vault is encrypted; fails with exit code 4 when there is none. */
  async encrypted(): Promise<boolean> {
    this.checkDir();
    const header = await VaultStore.readHeader(new NodeFileStore(this.dir));
    if (!header) throw new CliError(4, `There is no vault in ${this.dir}. Create one with "campaign-vault init".`);
    return !header.keySlots.some((s) => s.slot === 'plain');
  }

  /**
   * Unlocks the vault: an unencrypted one without a password, an encrypted one with
   * $CAMPAIGN_VAULT_PASSWORD or a prompt. `read` opens without the writer lock and writes
   * nothing, unless the vault needs a schema migration: then it opens for writing, which applies
   * it (as the extension does). `inspect` never writes: a pending migration fails with `in-use`.
   */
  async open(mode: 'read' | 'inspect' | 'write'): Promise<DataManager> {
    const encrypted = await this.encrypted();
    const dm = this.manager();
    if (encrypted) this.password = await currentPassword(this.env);
    const secret = this.password !== undefined ? { password: this.password } : { none: true as const };
    try {
      await dm.unlock(secret, { readOnly: mode !== 'write', acceptRollback: this.acceptRollback });
    } catch (e) {
      // Without the writer lock, the only "in use" is the core refusing to migrate.
      if (mode !== 'read' || !isVaultError(e, 'in-use')) throw e;
      await dm.unlock(secret, { acceptRollback: this.acceptRollback });
    }
    if (mode === 'write' && dm.readOnlyReason) throw dm.readOnlyReason;
    return dm;
  }

  /** Locks the vault (final checkpoint, writer lock released). */
  async close(): Promise<void> {
    await this.dm?.lock();
  }
}

export function notEncrypted(): VaultError {
  return new VaultError('unsupported', 'vault is not encrypted', { hint: 'The vault is not encrypted: give it a password with "campaign-vault encrypt".' });
}
