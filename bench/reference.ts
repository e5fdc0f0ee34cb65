// The reference for `npm run bench`: native SQLite with encryption — SQLCipher v4 through
// better-sqlite3-multiple-ciphers (AES-256-CBC + HMAC-SHA512 pages, PBKDF2-SHA512 256 000
// iterations), WAL, synchronous=FULL — holding the same records in the same table shape as the
// vault (id, campaign_id, name, the kind's indexed columns, JSON body, version, timestamps, the same
// unique and campaign indexes). It is installed on demand into bench/node_modules by
// scripts/bench.mjs and never ships. If only plain better-sqlite3 could be built, it runs
// unencrypted and every report says so.
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { ENTITY_KINDS, KINDS, type EntityKind, type KindSpec } from '../src/core/db/kinds';
import { columnValues } from '../src/core/db/repository';
import type { BenchRecord } from './data';

type Value = string | number | null;
interface Statement {
  run(...params: Value[]): { changes: number };
  get(...params: Value[]): Record<string, Value> | undefined;
  all(...params: Value[]): Record<string, Value>[];
}
interface Database {
  pragma(source: string, options?: { simple?: boolean }): unknown;
  exec(source: string): void;
  prepare(source: string): Statement;
  transaction<T extends (...args: never[]) => unknown>(fn: T): T;
  close(): void;
}
type DatabaseConstructor = new (file: string) => Database;

export interface ReferenceEngine {
  readonly Database: DatabaseConstructor;
  /** Package name and version, e.g. better-sqlite3-multiple-ciphers 12.11.1. */
  readonly label: string;
  /** False when only plain better-sqlite3 could be built: the reference is then unencrypted. */
  readonly encrypted: boolean;
}

/** Loads the reference from bench/node_modules (never from the product's node_modules). */
export function loadReference(root: string): ReferenceEngine {
  const req = createRequire(path.join(root, 'bench', 'package.json'));
  const errors: string[] = [];
  for (const [name, encrypted] of [
    ['better-sqlite3-multiple-ciphers', true],
    ['better-sqlite3', false],
  ] as const) {
    try {
      const Database = req(name) as DatabaseConstructor;
      const version = (req(`${name}/package.json`) as { version: string }).version;
      return { Database, label: `${name} ${version}`, encrypted };
    } catch (e) {
      errors.push(`${name}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`no reference database could be loaded from bench/node_modules:\n  ${errors.join('\n  ')}`);
}

const FILES = (file: string) => [file, `${file}-wal`, `${file}-shm`];

function columnsOf(spec: KindSpec): string[] {
  return ['id', ...(spec.scope === 'none' ? [] : ['campaign_id']), 'name', ...Object.keys(spec.columns), 'body', 'version', 'created_at', 'updated_at', 'deleted_at'];
}

function ddl(spec: KindSpec): string {
  const sqlType = { text: 'TEXT', integer: 'INTEGER', boolean: 'INTEGER' } as const;
  const scope = spec.scope === 'none' ? '' : spec.scope === 'required' ? 'campaign_id, ' : "ifnull(campaign_id, ''), ";
  return [
    `CREATE TABLE ${spec.table} (`,
    '  id TEXT PRIMARY KEY NOT NULL,',
    spec.scope === 'none' ? '' : '  campaign_id TEXT REFERENCES campaigns(id) ON DELETE CASCADE,',
    '  name TEXT NOT NULL,',
    ...Object.entries(spec.columns).map(([n, t]) => `  ${n} ${sqlType[t]},`),
    '  body TEXT NOT NULL,',
    '  version INTEGER NOT NULL,',
    '  created_at TEXT NOT NULL,',
    '  updated_at TEXT NOT NULL,',
    '  deleted_at TEXT',
    ');',
    `CREATE UNIQUE INDEX ${spec.table}_name ON ${spec.table}(${scope}name COLLATE NOCASE) WHERE deleted_at IS NULL;`,
    spec.scope === 'none' ? '' : `CREATE INDEX ${spec.table}_campaign ON ${spec.table}(campaign_id, deleted_at, name COLLATE NOCASE);`,
  ]
    .filter(Boolean)
    .join('\n');
}

/** A campaign database in the reference engine, with the operations the bench times. */
export class ReferenceDb {
  private db: Database;
  private readonly insertStmt = new Map<EntityKind, Statement>();
  private readonly updateStmt = new Map<EntityKind, Statement>();
  private readonly getStmt = new Map<EntityKind, Statement>();
  private readonly lists = new Map<string, Statement>();
  private cacheKiB: number | undefined;

  private constructor(
    private readonly engine: ReferenceEngine,
    readonly file: string,
    private readonly key: string,
  ) {
    this.db = this.open();
  }

  static create(engine: ReferenceEngine, file: string, key: string): ReferenceDb {
    for (const f of FILES(file)) rmSync(f, { force: true });
    const r = new ReferenceDb(engine, file, key);
    r.db.exec(['BEGIN', ...ENTITY_KINDS.map((k) => ddl(KINDS[k])), 'COMMIT'].join(';\n'));
    r.prepareAll();
    return r;
  }

  private open(): Database {
    const db = new this.engine.Database(this.file);
    if (this.engine.encrypted) {
      db.pragma("cipher = 'sqlcipher'");
      db.pragma('legacy = 4');
      db.pragma(`key = '${this.key.replace(/'/g, "''")}'`);
    }
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    if (this.cacheKiB !== undefined) db.pragma(`cache_size = -${this.cacheKiB}`);
    return db;
  }

  /** SQLite and cipher versions, for the report. */
  versions(): string {
    const v = this.db.prepare('SELECT sqlite_version() AS v').get()!.v;
    const cipher = this.engine.encrypted ? `, cipher ${String(this.db.pragma('cipher', { simple: true }))} (legacy 4 = SQLCipher v4, kdf_iter ${String(this.db.pragma('kdf_iter', { simple: true }))})` : ', NOT ENCRYPTED';
    const cache = Number(this.db.pragma('cache_size', { simple: true }));
    const cacheText = cache < 0 ? `page cache ${Math.round(-cache / 1024)} MiB` : `page cache ${cache} pages`;
    return `SQLite ${String(v)}${cipher}, journal_mode ${String(this.db.pragma('journal_mode', { simple: true }))}, synchronous ${String(this.db.pragma('synchronous', { simple: true }))} (2 = FULL), ${cacheText}`;
  }

  private prepareAll(): void {
    this.insertStmt.clear();
    this.updateStmt.clear();
    this.getStmt.clear();
    this.lists.clear();
    for (const kind of ENTITY_KINDS) {
      const spec = KINDS[kind];
      const cols = columnsOf(spec);
      this.insertStmt.set(kind, this.db.prepare(`INSERT INTO ${spec.table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`));
      const set = cols.filter((c) => c !== 'id' && c !== 'created_at' && c !== 'campaign_id' && c !== 'deleted_at');
      this.updateStmt.set(kind, this.db.prepare(`UPDATE ${spec.table} SET ${set.map((c) => `${c} = ?`).join(', ')} WHERE id = ? AND version = ?`));
      this.getStmt.set(kind, this.db.prepare(`SELECT * FROM ${spec.table} WHERE id = ?`));
    }
  }

  private values(r: BenchRecord, at: string): Value[] {
    const spec = KINDS[r.kind];
    return [r.id, ...(spec.scope === 'none' ? [] : [r.campaign_id]), String(r.body.name), ...columnValues(spec, r.body), JSON.stringify(r.body), 1, at, at, null];
  }

  /** One durable insert (its own transaction: a WAL append and an fsync). */
  insert(r: BenchRecord): void {
    this.insertStmt.get(r.kind)!.run(...this.values(r, new Date().toISOString()));
  }

  /** Many inserts in one transaction (for loading; the timed creates use {@link insert}). */
  insertMany(records: readonly BenchRecord[]): void {
    const at = new Date().toISOString();
    this.db.transaction(() => {
      for (const r of records) this.insertStmt.get(r.kind)!.run(...this.values(r, at));
    })();
  }

  /** What an application does for `update(kind, id, changes)`: read, merge, write (durable). */
  update(kind: EntityKind, id: string, changes: Record<string, unknown>): void {
    const spec = KINDS[kind];
    const row = this.getStmt.get(kind)!.get(id);
    if (!row) throw new Error(`reference: no ${kind} ${id}`);
    const body = { ...(JSON.parse(String(row.body)) as Record<string, unknown>), ...changes };
    const version = Number(row.version);
    const changed = this.updateStmt.get(kind)!.run(String(body.name), ...columnValues(spec, body), JSON.stringify(body), version + 1, new Date().toISOString(), id, version);
    if (changed.changes !== 1) throw new Error(`reference: update of ${kind} ${id} changed ${changed.changes} rows`);
  }

  /** A point read, parsed like the vault's (the body's fields at the top level). */
  get(kind: EntityKind, id: string): Record<string, unknown> | undefined {
    const row = this.getStmt.get(kind)!.get(id);
    return row ? { ...(JSON.parse(String(row.body)) as Record<string, unknown>), ...row, body: undefined } : undefined;
  }

  /** The vault's list query: campaign + equality filters, live rows, by name, LIMIT. */
  list(kind: EntityKind, campaignId: string, filters: Record<string, string | number>, limit: number): Record<string, unknown>[] {
    const spec = KINDS[kind];
    const fields = Object.keys(filters);
    const cacheKey = `${kind}/${fields.join(',')}`;
    let stmt = this.lists.get(cacheKey);
    if (!stmt) {
      const expr = (f: string) => (columnsOf(spec).includes(f) ? f : `json_extract(body, '$.${f}')`);
      const where = ['deleted_at IS NULL', 'campaign_id = ?', ...fields.map((f) => `${expr(f)} = ?`)];
      stmt = this.db.prepare(`SELECT * FROM ${spec.table} WHERE ${where.join(' AND ')} ORDER BY name COLLATE NOCASE ASC, id LIMIT ? OFFSET ?`);
      this.lists.set(cacheKey, stmt);
    }
    return stmt.all(campaignId, ...fields.map((f) => filters[f]!), limit, 0).map((row) => ({ ...(JSON.parse(String(row.body)) as Record<string, unknown>), ...row, body: undefined }));
  }

  /**
   * Gives SQLite a page cache as large as the database and fills it with a full scan, so that, like
   * the vault (sql.js keeps every page in memory), it answers from memory. With SQLite's default
   * 2 MiB cache, SQLCipher decrypts a page from the OS cache on every miss, and at 100k records a
   * list becomes several times slower: that would measure cache sizing, not the engines.
   */
  holdInMemory(): number {
    const pageSize = Number(this.db.pragma('page_size', { simple: true }));
    const pages = Number(this.db.pragma('page_count', { simple: true }));
    const kib = Math.ceil((pageSize * pages * 1.25) / 1024) + 16 * 1024;
    this.cacheKiB = kib;
    this.db.pragma(`cache_size = -${kib}`);
    for (const kind of ENTITY_KINDS) this.db.prepare(`SELECT count(*) AS n, sum(length(body)) AS b FROM ${KINDS[kind].table}`).get();
    return kib;
  }

  /** PRAGMA wal_checkpoint(TRUNCATE): the WAL folded into the database file and emptied. */
  checkpoint(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  close(): void {
    this.db.close();
  }

  /** Opens again with the key and runs a first query (SQLCipher derives its key on first use). */
  reopen(): void {
    this.db = this.open();
    this.db.prepare('SELECT count(*) AS n FROM campaigns').get();
    this.prepareAll();
  }

  remove(): void {
    this.close();
    for (const f of FILES(this.file)) rmSync(f, { force: true });
  }
}
