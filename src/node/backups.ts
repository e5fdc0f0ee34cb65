import * as path from 'node:path';
import type { DataManager } from '../core/api';
import { AbsentVault } from '../core/backup/absentVault';
import { BackupService } from '../core/backup/service';
import { BackupRepository, type RepositoryDeps } from '../core/backup/repository';
import { settleRekey } from '../core/backup/rekey';
import { VaultError } from '../core/errors';
import type { Logger } from '../core/ports';
import type { UnlockSecret } from '../core/vault/keys';
import { BACKUPS_DIR } from '../core/vault/layout';
import { silentLogger } from './dataManager';
import { NodeFileStore } from './fileStore';
import { NodeVaultLock, currentOwner } from './lock';
import { nodeSegmentCodec } from './segmentWorkers';
import { loadSqlJs } from './sqljs';
import { nodeCipherSuite, nodeRandom, systemClock } from './system';

/** The default repository: `.campaign-vault/backups` in the vault's folder. */
export function defaultRepositoryFolder(vaultFolder: string): string {
  return path.join(path.resolve(vaultFolder), ...BACKUPS_DIR.split('/'));
}

/** The ports of a repository in `folder` (which need not exist yet). */
export function repositoryDeps(folder: string, app: string, logger: Logger = silentLogger): RepositoryDeps {
  const files = new NodeFileStore(path.resolve(folder));
  return {
    files,
    random: nodeRandom,
    clock: systemClock,
    suite: nodeCipherSuite,
    logger: logger.child('backup'),
    lock: new NodeVaultLock(files.resolve('lock')),
    owner: currentOwner(app),
    codec: nodeSegmentCodec(logger.child('backup')),
  };
}

export interface NodeBackupOptions {
  readonly app: string;
  readonly extensionVersion: string;
  /** The repository folder; the vault's `.campaign-vault/backups` by default. */
  readonly repository?: string;
  readonly logger?: Logger;
}

/** Backups of the vault in `vaultFolder` (opened by `dm`) on Node. */
export function nodeBackupService(dm: DataManager, vaultFolder: string, opts: NodeBackupOptions): BackupService {
  const logger = opts.logger ?? silentLogger;
  return new BackupService({
    vault: dm.backupVault(),
    repo: repositoryDeps(opts.repository ?? defaultRepositoryFolder(vaultFolder), opts.app, logger),
    extensionVersion: opts.extensionVersion,
    sql: loadSqlJs,
    logger: logger.child('backup'),
  });
}

/**
 * Backups whose vault is gone (deleted, damaged, or on a lost disk): the repository in
 * `repositoryFolder` opened with the vault's password or recovery key alone
 * (BackupRepository.openWithSecret). What needs no vault works — `list`, `resolve`,
 * `databaseImage`, `verify` and `restore` into a new folder; whatever needs the open vault
 * (`create`, `prune`, an in-place or one-entry restore) fails with a sentence saying so.
 * Fails with `not-found` when the folder holds no backups and `wrong-password` for a wrong secret.
 */
export async function nodeBackupServiceWithoutVault(repositoryFolder: string, secret: UnlockSecret, opts: Omit<NodeBackupOptions, 'repository'>): Promise<BackupService> {
  const logger = opts.logger ?? silentLogger;
  const deps = repositoryDeps(repositoryFolder, opts.app, logger);
  await settleRekey(deps);
  if (!(await BackupRepository.exists(deps.files))) {
    throw new VaultError('not-found', `no backups in ${repositoryFolder}`, { hint: `There are no Campaign Vault backups in ${repositoryFolder}.` });
  }
  const repo = await BackupRepository.openWithSecret(deps, secret);
  return new BackupService({ vault: new AbsentVault(), repo: deps, repository: repo, extensionVersion: opts.extensionVersion, sql: loadSqlJs, logger: logger.child('backup') });
}
