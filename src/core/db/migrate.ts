import type { Database, SqlJsStatic } from 'sql.js';
import { VaultError } from '../errors';
import { migrationChecksum, type Migration } from './migrations';

export interface AppliedMigration {
  readonly version: number;
  readonly name: string;
  readonly checksum: string;
  readonly appliedAt: string;
}

export interface MigrationStatus {
  /** Highest applied version (0 for an empty database). */
  readonly current: number;
  /** Highest version this build knows. */
  readonly latest: number;
  readonly applied: readonly AppliedMigration[];
  readonly pending: readonly Migration[];
}

function tableExists(db: Database, name: string): boolean {
  const r = db.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name]);
  return r.length > 0;
}

export function appliedMigrations(db: Database): AppliedMigration[] {
  if (!tableExists(db, 'schema_migrations')) return [];
  const r = db.exec('SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version');
  return (r[0]?.values ?? []).map(([version, name, checksum, appliedAt]) => ({
    version: Number(version),
    name: String(name),
    checksum: String(checksum),
    appliedAt: String(appliedAt),
  }));
}

/**
 * Where the database stands. Refuses a database migrated by a newer version (it would be
 * misread) and one whose recorded checksums differ from the migrations we know.
 */
export async function migrationStatus(db: Database, migrations: readonly Migration[]): Promise<MigrationStatus> {
  const applied = appliedMigrations(db);
  const latest = migrations.at(-1)?.version ?? 0;
  const current = applied.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new VaultError('newer-format', `database schema ${current} > ${latest}`, {
      hint: `Its database has schema version ${current}; this version knows up to ${latest}.`,
    });
  }
  for (const a of applied) {
    const m = migrations.find((x) => x.version === a.version);
    if (!m) throw new VaultError('corrupt', `unknown migration ${a.version} recorded`);
    if ((await migrationChecksum(m)) !== a.checksum) {
      throw new VaultError('corrupt', `migration ${a.version} (${a.name}) checksum differs from the one recorded`, {
        hint: 'The database was migrated by a different build of Campaign Vault.',
      });
    }
  }
  return { current, latest, applied, pending: migrations.filter((m) => m.version > current) };
}

function userTables(db: Database): string[] {
  const r = db.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
  return (r[0]?.values ?? []).map(([n]) => String(n));
}

function rowCounts(db: Database): Map<string, number> {
  return new Map(userTables(db).map((t) => [t, Number(db.exec(`SELECT count(*) FROM "${t}"`)[0]?.values[0]?.[0] ?? 0)]));
}

/** integrity_check, foreign_key_check and (optionally) row counts against a "before" picture. */
export function verifyDatabase(db: Database, before?: Map<string, number>, mayChange: readonly string[] = []): void {
  const integrity = db.exec('PRAGMA integrity_check')[0]?.values.map(([v]) => String(v)) ?? [];
  if (integrity.length !== 1 || integrity[0] !== 'ok') throw new VaultError('corrupt', `integrity_check: ${integrity.slice(0, 5).join('; ')}`);
  const fk = db.exec('PRAGMA foreign_key_check');
  if (fk.length > 0 && fk[0]!.values.length > 0) {
    throw new VaultError('corrupt', `foreign_key_check: ${fk[0]!.values.length} rows violate foreign keys, first in ${String(fk[0]!.values[0]?.[0])}`);
  }
  if (before) {
    const after = rowCounts(db);
    for (const [table, count] of before) {
      if (table === 'schema_migrations' || table === 'audit_logs' || mayChange.includes(table) || !after.has(table)) continue;
      if (after.get(table) !== count) throw new VaultError('corrupt', `${table}: ${count} rows before, ${after.get(table)} after`);
    }
  }
}

export interface MigrationStep {
  readonly direction: 'up' | 'down';
  readonly migration: Migration;
}

/**
 * Runs migration steps on a copy of `source` and verifies the copy. Returns the migrated copy;
 * `source` is not touched. The caller makes the copy durable (a checkpoint) and swaps it in.
 */
export async function migrateCopy(
  SQL: SqlJsStatic,
  source: Uint8Array,
  steps: readonly MigrationStep[],
  now: string,
  pragmas: (db: Database) => void,
): Promise<Database> {
  const copy = new SQL.Database(source);
  try {
    pragmas(copy);
    const before = rowCounts(copy);
    const mayChange = steps.flatMap((s) => s.migration.changesRowsOf ?? []);
    for (const { direction, migration: m } of steps) {
      copy.exec('BEGIN IMMEDIATE');
      try {
        // Foreign keys are checked as a whole after the script, as SQLite's docs advise for
        // schema changes: DROP/CREATE sequences would otherwise trip over them midway.
        copy.exec('PRAGMA defer_foreign_keys = ON');
        copy.exec(direction === 'up' ? m.up : m.down);
        if (direction === 'up') {
          copy.run('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)', [m.version, m.name, await migrationChecksum(m), now]);
        } else if (m.version > 1) {
          copy.run('DELETE FROM schema_migrations WHERE version = ?', [m.version]);
        }
        copy.exec('COMMIT');
      } catch (e) {
        try {
          copy.exec('ROLLBACK');
        } catch {
          // already rolled back
        }
        throw new VaultError('corrupt', `migration ${m.version} (${m.name}) ${direction} failed: ${String(e)}`, {
          hint: `Migration ${m.version} failed; the vault was left as it was.`,
        });
      }
    }
    verifyDatabase(copy, before, mayChange);
    return copy;
  } catch (e) {
    copy.close();
    throw e;
  }
}
