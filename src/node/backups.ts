import * as path from 'node:path';
import type { DataManager } from '../core/api';
import { BackupService } from '../core/backup/service';
import type { RepositoryDeps } from '../core/backup/repository';
import type { Logger } from '../core/ports';
import { BACKUPS_DIR } from '../core/vault/layout';
import { silentLogger } from './dataManager';
import { NodeFileStore } from './fileStore';
import { NodeVaultLock, currentOwner } from './lock';
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
    dm,
    repo: repositoryDeps(opts.repository ?? defaultRepositoryFolder(vaultFolder), opts.app, logger),
    extensionVersion: opts.extensionVersion,
    sql: loadSqlJs,
    logger: logger.child('backup'),
  });
}
