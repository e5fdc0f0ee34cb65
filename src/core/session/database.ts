/** Opening a vault's database: the one a vault stores, or an image from elsewhere (a backup), checked. */
import type { SqlJsStatic } from 'sql.js';
import { AUDIT_KEY_SETTING, AuditChain, type AuditAction } from '../audit/chain';
import { fromHex } from '../bytes';
import { Engine } from '../db/engine';
import { migrationStatus, verifyDatabase } from '../db/migrate';
import type { Migration } from '../db/migrations';
import { repointAssets } from '../entries/rules';
import { VaultError } from '../errors';
import type { LoadedState } from '../vault/store';

/** The audit chain of a database, keyed by the audit key in its settings. */
async function auditChainOf(engine: Engine, hint?: string): Promise<AuditChain> {
  const keyRow = engine.get('SELECT value FROM settings WHERE key = ?', [AUDIT_KEY_SETTING]);
  if (!keyRow) throw new VaultError('corrupt', 'audit key missing from settings', hint ? { hint } : undefined);
  return AuditChain.create(fromHex(JSON.parse(String(keyRow.value)) as string));
}

/** The database of a loaded vault (snapshot + journal replayed) and its audit chain; closes the database if that fails. */
export async function openEngine(SQL: SqlJsStatic, loaded: LoadedState): Promise<{ engine: Engine; audit: AuditChain }> {
  const engine = Engine.load(SQL, loaded.snapshot, loaded.records);
  try {
    return { engine, audit: await auditChainOf(engine) };
  } catch (e) {
    engine.close();
    throw e;
  }
}

/** A database image from a backup, and what to record about where it came from. */
export interface ImageToAdopt {
  readonly image: Uint8Array;
  readonly action: AuditAction;
  readonly detail: Record<string, unknown>;
  /** Files the image's assets refer to under another name in this vault (old hash → new hash). */
  readonly renamedFiles?: ReadonlyMap<string, string> | undefined;
}

/**
 * Opens a database image from elsewhere (a backup) and checks it: integrity, foreign keys, a
 * schema not newer than `migrations` know, the audit key. Adds an audit entry saying where it came
 * from (`at`) and points assets at renamed files. Closes it again if any of that fails.
 */
export async function adoptImage(SQL: SqlJsStatic, migrations: readonly Migration[], at: string, from: ImageToAdopt): Promise<{ engine: Engine; audit: AuditChain }> {
  const engine = Engine.open(SQL, from.image);
  try {
    verifyDatabase(engine.db);
    const status = await migrationStatus(engine.db, migrations);
    if (status.current > (migrations.at(-1)?.version ?? 0)) {
      throw new VaultError('newer-format', `image at schema ${status.current}`, { hint: 'This backup was made by a newer version of Campaign Vault. Update the extension to restore it.' });
    }
    const audit = await auditChainOf(engine, 'This database copy is damaged: it has no audit key.');
    engine.begin();
    audit.record(engine, at, from.action, { detail: from.detail });
    if (from.renamedFiles) repointAssets(engine, audit, at, from.renamedFiles, 'restored under this vault\'s key');
    engine.commit();
    return { engine, audit };
  } catch (e) {
    engine.close();
    throw e;
  }
}
