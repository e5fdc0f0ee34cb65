import { VaultError } from '../errors';
import type { Engine, Param, Row } from './engine';
import type { EntityKind, KindSpec } from './kinds';

/** An entity as the API returns it: system fields plus the body's fields at the top level. */
export interface Entity {
  readonly id: string;
  readonly kind: EntityKind;
  readonly campaign_id?: string | null;
  readonly name: string;
  readonly version: number;
  readonly created_at: string;
  readonly updated_at: string;
  readonly deleted_at: string | null;
  readonly [field: string]: unknown;
}

export type FilterValue = string | number | boolean | null;

export interface ListQuery {
  /** Only entities of this campaign (for campaign-scoped kinds). `null`: the shared library. */
  readonly campaign_id?: string | null;
  /** Equality filters on body fields, as in `{ is_active: true, system: 'D&D 5e' }`. */
  readonly filters?: Readonly<Record<string, FilterValue>>;
  /** A column or body field; default `name`. */
  readonly sort?: string;
  readonly order?: 'asc' | 'desc';
  readonly limit?: number;
  readonly offset?: number;
  /** Include soft-deleted entities. */
  readonly include_deleted?: boolean;
  /** Only soft-deleted entities (the trash). */
  readonly deleted_only?: boolean;
}

export const MAX_LIST_LIMIT = 10_000;
const FIELD = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const BASE_COLUMNS = ['id', 'name', 'version', 'created_at', 'updated_at', 'deleted_at'];

function columnsOf(spec: KindSpec): string[] {
  return [...BASE_COLUMNS, ...(spec.scope === 'none' ? [] : ['campaign_id']), ...Object.keys(spec.columns)];
}

/** The SQL expression for a field: its column, or `json_extract` on the body. */
function fieldExpr(spec: KindSpec, field: string): string {
  if (!FIELD.test(field)) throw new VaultError('invalid', `bad field name ${JSON.stringify(field)}`, { hint: `"${field.slice(0, 64)}" is not a field name.` });
  return columnsOf(spec).includes(field) ? field : `json_extract(body, '$.${field}')`;
}

function toParam(value: FilterValue): Param {
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}

export function rowToEntity(spec: KindSpec, row: Row): Entity {
  const body = JSON.parse(String(row.body)) as Record<string, unknown>;
  return {
    id: String(row.id),
    kind: spec.kind,
    ...(spec.scope === 'none' ? {} : { campaign_id: row.campaign_id === null ? null : String(row.campaign_id) }),
    ...body,
    name: String(row.name),
    version: Number(row.version),
    created_at: String(row.created_at),
    updated_at: String(row.updated_at),
    deleted_at: row.deleted_at === null ? null : String(row.deleted_at),
  } as Entity;
}

export function selectRow(engine: Engine, spec: KindSpec, id: string): Row | undefined {
  return engine.get(`SELECT * FROM ${spec.table} WHERE id = ?`, [id]);
}

/** By id, else by name (case-insensitive) among live entities, optionally within a campaign. */
export function findRow(engine: Engine, spec: KindSpec, idOrName: string, campaignId?: string | null): Row | undefined {
  const byId = selectRow(engine, spec, idOrName);
  if (byId) return byId;
  const scoped = spec.scope !== 'none' && campaignId !== undefined;
  const rows = engine.all(
    `SELECT * FROM ${spec.table} WHERE name = ? COLLATE NOCASE AND deleted_at IS NULL${scoped ? (campaignId === null ? ' AND campaign_id IS NULL' : ' AND campaign_id = ?') : ''} LIMIT 2`,
    scoped && campaignId !== null ? [idOrName, campaignId] : [idOrName],
  );
  if (rows.length > 1) {
    throw new VaultError('invalid', `ambiguous name ${idOrName}`, { hint: `More than one ${spec.label} is named "${idOrName}"; give the campaign or the id.` });
  }
  return rows[0];
}

/** The values of a kind's indexed columns, taken from a body (the bench's reference database uses them too). */
export function columnValues(spec: KindSpec, body: Record<string, unknown>): (string | number | null)[] {
  return Object.entries(spec.columns).map(([name, type]) => {
    const v = body[name];
    if (v === undefined || v === null) return null;
    if (type === 'boolean') return v === true ? 1 : 0;
    if (type === 'integer') return typeof v === 'number' && Number.isSafeInteger(v) ? v : null;
    return typeof v === 'string' ? v : JSON.stringify(v);
  });
}

export interface StoredEntity {
  readonly id: string;
  readonly campaign_id?: string | null;
  readonly body: Record<string, unknown>;
  readonly version: number;
  readonly created_at: string;
  readonly updated_at: string;
  readonly deleted_at: string | null;
}

export function insertEntity(engine: Engine, spec: KindSpec, e: StoredEntity): void {
  const cols = columnsOf(spec);
  const values: Param[] = [
    e.id,
    String(e.body.name),
    e.version,
    e.created_at,
    e.updated_at,
    e.deleted_at,
    ...(spec.scope === 'none' ? [] : [e.campaign_id ?? null]),
    ...columnValues(spec, e.body),
  ];
  engine.run(`INSERT INTO ${spec.table} (${cols.join(', ')}, body) VALUES (${cols.map(() => '?').join(', ')}, ?)`, [...values, JSON.stringify(e.body)]);
}

/** Writes a new state of an existing row if its version is still `expectedVersion`. */
export function updateEntity(engine: Engine, spec: KindSpec, e: StoredEntity, expectedVersion: number): boolean {
  const cols = columnsOf(spec).filter((c) => c !== 'id' && c !== 'created_at');
  const values: Param[] = [
    String(e.body.name),
    e.version,
    e.updated_at,
    e.deleted_at,
    ...(spec.scope === 'none' ? [] : [e.campaign_id ?? null]),
    ...columnValues(spec, e.body),
  ];
  const changed = engine.run(`UPDATE ${spec.table} SET ${cols.map((c) => `${c} = ?`).join(', ')}, body = ? WHERE id = ? AND version = ?`, [
    ...values,
    JSON.stringify(e.body),
    e.id,
    expectedVersion,
  ]);
  return changed === 1;
}

export function deleteRow(engine: Engine, spec: KindSpec, id: string): void {
  engine.run(`DELETE FROM ${spec.table} WHERE id = ?`, [id]);
}

export function listRows(engine: Engine, spec: KindSpec, q: ListQuery = {}): Row[] {
  const where: string[] = [];
  const params: Param[] = [];
  if (q.deleted_only) where.push('deleted_at IS NOT NULL');
  else if (!q.include_deleted) where.push('deleted_at IS NULL');
  if (q.campaign_id !== undefined && spec.scope !== 'none') {
    if (q.campaign_id === null) where.push('campaign_id IS NULL');
    else {
      where.push('campaign_id = ?');
      params.push(q.campaign_id);
    }
  }
  for (const [field, value] of Object.entries(q.filters ?? {})) {
    const expr = fieldExpr(spec, field);
    if (value === null) where.push(`${expr} IS NULL`);
    else {
      // json_extract returns 1/0 for JSON booleans, matching toParam.
      where.push(`${expr} = ?`);
      params.push(toParam(value));
    }
  }
  const sort = fieldExpr(spec, q.sort ?? 'name');
  const order = q.order === 'desc' ? 'DESC' : 'ASC';
  const limit = Math.min(Math.max(0, Math.floor(q.limit ?? MAX_LIST_LIMIT)), MAX_LIST_LIMIT);
  const offset = Math.max(0, Math.floor(q.offset ?? 0));
  const collate = sort === 'name' ? ' COLLATE NOCASE' : '';
  return engine.all(
    `SELECT * FROM ${spec.table}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${sort}${collate} ${order}, id LIMIT ? OFFSET ?`,
    [...params, limit, offset],
  );
}

export function countRows(engine: Engine, spec: KindSpec, campaignId?: string): number {
  const row =
    campaignId && spec.scope !== 'none'
      ? engine.get(`SELECT count(*) AS n FROM ${spec.table} WHERE deleted_at IS NULL AND campaign_id = ?`, [campaignId])
      : engine.get(`SELECT count(*) AS n FROM ${spec.table} WHERE deleted_at IS NULL`);
  return Number(row?.n ?? 0);
}

