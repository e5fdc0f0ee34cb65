import type { BindParams, Database, SqlJsStatic, SqlValue, Statement } from 'sql.js';
import { fromBase64, fromUtf8, toBase64, utf8 } from '../bytes';
import { VaultError } from '../errors';

/** A value bound to a statement; blobs travel through the journal as base64. */
export type Param = string | number | null | Uint8Array;
export type Row = Record<string, SqlValue>;

/** One journaled statement: SQL text and its parameters. */
type Op = [sql: string, params: Param[]];

/**
 * Applied at open and after every export. The database lives in sql.js's in-memory file system;
 * durability comes from the vault's journal, so SQLite's own syncing is off, and the exclusive
 * lock spares it the lock/unlock and change-counter reads of every transaction (point reads take
 * half the time).
 */
const PRAGMAS = [
  'PRAGMA foreign_keys = ON',
  'PRAGMA journal_mode = MEMORY',
  'PRAGMA temp_store = MEMORY',
  'PRAGMA recursive_triggers = ON',
  'PRAGMA synchronous = OFF',
  'PRAGMA locking_mode = EXCLUSIVE',
];

/**
 * The sql.js database and the one way to change it: {@link Engine.transaction}, which records
 * every statement it runs so the vault can journal the transaction and replay it after a restart.
 * Ids and timestamps are always parameters made in TypeScript, so replay gives the same rows.
 */
export class Engine {
  private statements = new Map<string, Statement>();
  private recording: Op[] | undefined;

  constructor(
    readonly SQL: SqlJsStatic,
    private database: Database,
  ) {
    this.applyPragmas();
  }

  static open(SQL: SqlJsStatic, bytes?: Uint8Array): Engine {
    let db: Database;
    try {
      db = new SQL.Database(bytes);
    } catch (e) {
      throw new VaultError('corrupt', `database does not open: ${String(e)}`);
    }
    return new Engine(SQL, db);
  }

  /**
   * The database as the vault stores it: a snapshot with the journal's records replayed on it in
   * order (on unlock, in the integrity check, and when a backup restores); closed again if a record
   * fails.
   */
  static load(SQL: SqlJsStatic, snapshot: Uint8Array, records: readonly Uint8Array[], what = 'journal record'): Engine {
    const engine = Engine.open(SQL, snapshot);
    try {
      records.forEach((r, i) => engine.replay(r, `${what} ${i + 1}`));
      return engine;
    } catch (e) {
      engine.close();
      throw e;
    }
  }

  get db(): Database {
    return this.database;
  }

  /**
   * sql.js's `export()` closes and reopens the database, which resets every PRAGMA
   * (`foreign_keys` goes back to OFF): they are applied again here, every time.
   */
  export(): Uint8Array {
    const bytes = this.database.export();
    this.applyPragmas();
    return bytes;
  }

  applyPragmas(): void {
    for (const p of PRAGMAS) this.database.exec(p);
  }

  /** Replaces the database (after a migration ran on a copy). The old one is closed. */
  swap(next: Database): void {
    this.clearStatements();
    this.database.close();
    this.database = next;
    this.applyPragmas();
  }

  close(): void {
    this.clearStatements();
    this.database.close();
  }

  private clearStatements(): void {
    for (const s of this.statements.values()) s.free();
    this.statements.clear();
  }

  private prepare(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.database.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Rows of a read-only query. */
  all(sql: string, params: Param[] = []): Row[] {
    const s = this.prepare(sql);
    try {
      s.bind(params as BindParams);
      const rows: Row[] = [];
      // sql.js's getAsObject() asks SQLite for every column name again on every row: here they
      // are asked once (it halves the cost of long lists).
      let names: string[] | undefined;
      while (s.step()) {
        names ??= s.getColumnNames();
        const values = s.get();
        const row: Row = {};
        for (let i = 0; i < names.length; i++) row[names[i]!] = values[i]!;
        rows.push(row);
      }
      return rows;
    } finally {
      s.reset();
    }
  }

  get(sql: string, params: Param[] = []): Row | undefined {
    const s = this.prepare(sql);
    try {
      s.bind(params as BindParams);
      return s.step() ? s.getAsObject() : undefined;
    } finally {
      s.reset();
    }
  }

  /** Runs a changing statement; inside {@link transaction} it is recorded for the journal. */
  run(sql: string, params: Param[] = []): number {
    if (!this.recording) throw new Error('Engine.run outside a transaction');
    const s = this.prepare(sql);
    try {
      s.run(params as BindParams);
    } finally {
      s.reset();
    }
    this.recording.push([sql, params]);
    return this.database.getRowsModified();
  }

  /**
   * Starts recording a transaction. It stays open until {@link commit} or {@link rollback}, so the
   * caller can make {@link pendingRecord} durable first and roll back if that fails.
   */
  begin(): void {
    if (this.recording) throw new Error('nested transaction');
    this.database.exec('BEGIN IMMEDIATE');
    this.recording = [];
  }

  /** The statements run since {@link begin}, encoded for the journal. */
  pendingRecord(): Uint8Array | undefined {
    if (!this.recording || this.recording.length === 0) return undefined;
    return encodeOps(this.recording);
  }

  commit(): void {
    this.recording = undefined;
    this.database.exec('COMMIT');
  }

  rollback(): void {
    this.recording = undefined;
    try {
      this.database.exec('ROLLBACK');
    } catch {
      // sql.js does not expose sqlite3_get_autocommit; some errors end the transaction themselves.
    }
  }

  /** Applies a journal record (after a restart), in its own transaction. */
  replay(record: Uint8Array, what: string): void {
    const ops = decodeOps(record, what);
    this.database.exec('BEGIN IMMEDIATE');
    try {
      for (const [sql, params] of ops) this.database.run(sql, params as BindParams);
      this.database.exec('COMMIT');
    } catch (e) {
      try {
        this.database.exec('ROLLBACK');
      } catch {
        // already rolled back
      }
      throw new VaultError('corrupt', `${what}: replay failed: ${String(e)}`);
    }
  }
}

const RECORD_VERSION = 1;

function encodeOps(ops: Op[]): Uint8Array {
  const json = JSON.stringify({ v: RECORD_VERSION, ops: ops.map(([sql, params]) => [sql, params.map((p) => (p instanceof Uint8Array ? { b: toBase64(p) } : p))]) });
  return utf8(json);
}

function decodeOps(record: Uint8Array, what: string): Op[] {
  let parsed: { v?: unknown; ops?: unknown };
  try {
    parsed = JSON.parse(fromUtf8(record)) as typeof parsed;
  } catch {
    throw new VaultError('corrupt', `${what}: record is not JSON`);
  }
  if (parsed.v !== RECORD_VERSION || !Array.isArray(parsed.ops)) throw new VaultError('corrupt', `${what}: unknown record format`);
  return parsed.ops.map((op: unknown) => {
    if (!Array.isArray(op) || typeof op[0] !== 'string' || !Array.isArray(op[1])) throw new VaultError('corrupt', `${what}: bad statement`);
    const params = (op[1] as unknown[]).map((p) => {
      if (p === null || typeof p === 'string' || typeof p === 'number') return p;
      if (typeof p === 'object' && typeof (p as { b?: unknown }).b === 'string') return fromBase64((p as { b: string }).b);
      throw new VaultError('corrupt', `${what}: bad parameter`);
    });
    return [op[0], params] as Op;
  });
}
