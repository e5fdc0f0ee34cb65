// Restoring a backup into a folder, the policy written once for every front end (the CLI's
// `restore <snapshot> --to <folder>`, VS Code's "Restore Backup… › into a new folder"): the target
// is new or empty, so nothing in it is overwritten; a restore that fails leaves it as it was, so
// it can simply be run again.
import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { NewVaultFactory } from '../core/backup/port';
import type { BackupService, RestoreExtra } from '../core/backup/service';
import type { RestoreResult } from '../core/backup/types';
import { VaultError } from '../core/errors';
import { VAULT_DIR } from '../core/vault/layout';

/**
 * Whether `folder` can take a restored vault: it does not exist, or it is an empty folder. Anything
 * else is a VaultError `invalid` whose params name the folder and why (`reason`: `file` or
 * `not-empty`), so each front end can word it.
 */
export function checkRestoreTarget(folder: string): 'absent' | 'empty' {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(folder).isDirectory();
  } catch {
    return 'absent';
  }
  if (!isDirectory) throw new VaultError('invalid', `restore target ${folder} is a file`, { hint: `${folder} is a file: choose a new or empty folder.`, params: { folder, reason: 'file' } });
  if (readdirSync(folder).length > 0) {
    throw new VaultError('invalid', `restore target ${folder} is not empty`, { hint: `${folder} is not empty: choose a new or empty folder, so nothing in it is overwritten.`, params: { folder, reason: 'not-empty' } });
  }
  return 'empty';
}

export interface RestoreIntoFolderOptions extends Omit<RestoreExtra, 'newVault'> {
  /** Makes the new vault (the front end's DataManager settings: state folder, logger, KDF). */
  readonly newVault: NewVaultFactory;
  /** The new vault's password; none for an unencrypted one. */
  readonly password?: string;
}

/** The prefix of the folder a restore builds its vault in, beside the target (`.<name>.restoring-<random>`). */
const stagingPrefix = (name: string) => `.${name}.restoring-`;

/**
 * Removes what restores into `target` that were interrupted (a killed process, a power cut) left
 * beside it: their staging folders. Returns the paths removed, for the front end to say so.
 */
export function removeInterruptedRestores(target: string): string[] {
  const parent = path.dirname(target);
  const prefix = stagingPrefix(path.basename(target));
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    rmSync(path.join(parent, name), { recursive: true, force: true });
    removed.push(path.join(parent, name));
  }
  return removed;
}

/** A folder's entry made durable (its directory flushed), where the platform allows. */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Windows cannot open a directory for flushing; its renames are durable by then.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export interface RestoredIntoFolder extends RestoreResult {
  /** Staging folders of interrupted restores into the same folder, removed first. */
  readonly cleanedUp: readonly string[];
}

/**
 * Restores the backup `ref` of `service` as a new vault in `folder` (new or empty, see
 * {@link checkRestoreTarget}). The vault is built in a staging folder beside the target and moved
 * into place in one step (a rename on the same file system) only once it is whole and closed: a
 * restore killed at any moment leaves the target as it was, and the next one removes the staging
 * folder it left (and says so in `cleanedUp`). A failed restore removes its staging folder and
 * the parents it made.
 */
export async function restoreIntoFolder(service: BackupService, ref: string, folder: string, opts: RestoreIntoFolderOptions): Promise<RestoredIntoFolder> {
  const target = path.resolve(folder);
  const before = checkRestoreTarget(target);
  const cleanedUp = removeInterruptedRestores(target);
  const parent = path.dirname(target);
  const madeParent = mkdirSync(parent, { recursive: true });
  let staging: string | undefined;
  const { newVault, password, ...extra } = opts;
  try {
    staging = mkdtempSync(path.join(parent, stagingPrefix(path.basename(target))));
    const result = await service.restore(ref, { folder: staging, ...(password !== undefined ? { password } : {}) }, { ...extra, newVault });
    const built = readdirSync(staging);
    if (before === 'absent') {
      renameSync(staging, target);
    } else {
      // An empty folder (perhaps the workspace folder itself): the vault's folder moves into it.
      if (built.length !== 1 || built[0] !== VAULT_DIR) throw new VaultError('io', `restore built ${built.join(', ')} in ${staging}`);
      checkRestoreTarget(target);
      renameSync(path.join(staging, VAULT_DIR), path.join(target, VAULT_DIR));
      syncDir(target);
      rmSync(staging, { recursive: true, force: true });
    }
    staging = undefined;
    syncDir(parent);
    return { ...result, cleanedUp };
  } catch (e) {
    if (staging !== undefined) rmSync(staging, { recursive: true, force: true });
    if (madeParent !== undefined) rmSync(madeParent, { recursive: true, force: true });
    throw e;
  }
}
