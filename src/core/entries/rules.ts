/**
 * The rules every entry write follows: a known kind, a body its schema accepts, a campaign that
 * exists, a location tree without cycles, ids, merged bodies, timestamps that only go forward, and
 * errors a game master understands.
 */
import type { AuditAction, AuditChain } from '../audit/chain';
import { toHex } from '../bytes';
import type { Engine, Row } from '../db/engine';
import { KINDS, bodyOf, type EntityKind, type KindSpec } from '../db/kinds';
import { findRow, insertEntity, rowToEntity, selectRow, updateEntity, type Entity, type StoredEntity } from '../db/repository';
import { VaultError } from '../errors';
import { quoteName } from '../paths';
import type { Clock, Random } from '../ports';
import { validateBody } from '../schema';

export const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export function specOf(kind: EntityKind): KindSpec {
  const spec = KINDS[kind];
  if (!spec) throw new VaultError('invalid', `unknown kind ${String(kind)}`, { hint: `"${String(kind)}" is not a kind of entry.` });
  return spec;
}

export function checkBody(spec: KindSpec, body: Record<string, unknown>): void {
  const issues = validateBody(spec.kind, body);
  if (issues.length > 0) {
    const shown = issues.slice(0, 5).map((i) => i.message);
    throw Object.assign(
      new VaultError('invalid', `${spec.kind} body invalid: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, {
        hint: `${capital(spec.label)} ${quoteName(String(body.name ?? ''))}: ${shown.join('; ')}${issues.length > 5 ? ` (and ${issues.length - 5} more)` : ''}.`,
      }),
      { issues },
    );
  }
}

/** The campaign an entry of this kind goes into: checked to exist (and be live), or null for the shared library. */
export function checkCampaign(engine: Engine, spec: KindSpec, campaignId: string | null | undefined): string | null {
  if (spec.scope === 'none') return null;
  if (campaignId === undefined || campaignId === null) {
    if (spec.scope === 'required') throw new VaultError('invalid', `${spec.kind} without campaign`, { hint: `A ${spec.label} belongs to a campaign: give campaign_id.` });
    return null;
  }
  const c = findRow(engine, KINDS.campaign, campaignId);
  if (!c || c.deleted_at !== null) throw new VaultError('not-found', `campaign ${campaignId}`, { hint: `There is no campaign ${quoteName(campaignId)}.` });
  return String(c.id);
}

/** A location's parent chain: every parent live, in the same campaign, and no cycle. */
export function checkParent(engine: Engine, spec: KindSpec, id: string, body: Record<string, unknown>, campaignId: string | null): void {
  if (spec.kind !== 'location' || body.parent_id === undefined || body.parent_id === null) return;
  let cursor: string | null = String(body.parent_id);
  const seen = new Set([id]);
  while (cursor !== null) {
    if (seen.has(cursor)) throw new VaultError('invalid', 'location cycle', { hint: 'A location cannot be inside itself.' });
    seen.add(cursor);
    const row = selectRow(engine, spec, cursor);
    if (!row || row.deleted_at !== null) throw new VaultError('invalid', `parent ${cursor} missing`, { hint: `The parent location ${quoteName(cursor)} does not exist.` });
    if (row.campaign_id !== campaignId) throw new VaultError('invalid', 'parent in another campaign', { hint: 'The parent location belongs to another campaign.' });
    cursor = row.parent_id === null ? null : String(row.parent_id);
  }
}

/** A UUIDv7: time-ordered, so new entities cluster at the end of the primary-key index. */
export function newId(random: Random, clock: Clock): string {
  const b = random.bytes(16);
  const ms = clock.now();
  for (let i = 0; i < 6; i++) b[i] = Math.floor(ms / 2 ** (8 * (5 - i))) & 0xff;
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = toHex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function splitInput(input: Record<string, unknown>): { body: Record<string, unknown>; id?: string; campaign_id?: string | null } {
  const body = bodyOf(input);
  // One spelling per name: "Zoë" typed on macOS (NFD) and on Windows (NFC) is the same entry.
  if (typeof body.name === 'string') body.name = body.name.normalize('NFC');
  const id = typeof input.id === 'string' ? input.id : undefined;
  const campaign_id = input.campaign_id === undefined ? undefined : input.campaign_id === null ? null : String(input.campaign_id);
  return { body, ...(id !== undefined ? { id } : {}), ...(campaign_id !== undefined ? { campaign_id } : {}) };
}

/** A JSON merge patch (RFC 7386) on the top level: `null` removes a field. */
export function mergeBody(body: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out = { ...body };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** Timestamps of one entity only go forward: each version gets a later one, even if the clock does not move or goes back. */
export function laterOf(a: string, b: string): string {
  return a > b ? a : new Date(Date.parse(b) + 1).toISOString();
}

/** The entity `id` as stored: refused when there is none, or (with `expectedVersion`) when it is at another version. */
export function current(engine: Engine, spec: KindSpec, id: string, expectedVersion?: number): { row: Row; before: Entity } {
  const row = selectRow(engine, spec, id);
  if (!row) throw notFound(spec, id);
  const before = rowToEntity(spec, row);
  if (expectedVersion !== undefined && expectedVersion !== before.version) throw conflict(spec, before, expectedVersion);
  return { row, before };
}

/** The next version of `before`: `body` (and what `changes` say) with the version and timestamps moved on. */
export function successor(before: Entity, at: string, body: Record<string, unknown>, changes: Partial<Pick<StoredEntity, 'campaign_id' | 'deleted_at'>> = {}): StoredEntity {
  return { id: before.id, campaign_id: before.campaign_id ?? null, body, version: before.version + 1, created_at: before.created_at, updated_at: laterOf(at, before.updated_at), deleted_at: null, ...changes };
}

/** Inserts a new entity (version 1, created now) and records its creation in the audit log; the entity as stored. */
export function insertRecorded(engine: Engine, audit: AuditChain, spec: KindSpec, id: string, campaignId: string | null, body: Record<string, unknown>, at: string): Entity {
  insertEntity(engine, spec, { id, campaign_id: campaignId, body, version: 1, created_at: at, updated_at: at, deleted_at: null });
  const created = rowToEntity(spec, selectRow(engine, spec, id)!);
  audit.record(engine, at, 'create', { kind: spec.kind, id, after: created });
  return created;
}

/** Writes `next` over `before` (refused with `conflict` if it changed meanwhile) and records it in the audit log. */
export function writeVersion(engine: Engine, audit: AuditChain, spec: KindSpec, before: Entity, next: StoredEntity, at: string, action: AuditAction, detail?: Record<string, unknown>): Entity {
  if (!updateEntity(engine, spec, next, before.version)) throw conflict(spec, before, before.version);
  const after = rowToEntity(spec, selectRow(engine, spec, before.id)!);
  audit.record(engine, at, action, { kind: spec.kind, id: before.id, before, after, ...(detail ? { detail } : {}) });
  return after;
}

/**
 * Points the assets that use a file at its new name (`renamed`: old hash → new hash), each as an
 * audited update: after Encrypt Vault re-keys file names, or when a backup made under another
 * master key is restored.
 */
export function repointAssets(engine: Engine, audit: AuditChain, at: string, renamed: ReadonlyMap<string, string>, why: string): void {
  const spec = KINDS.asset;
  for (const [oldHash, newHash] of renamed) {
    if (oldHash === newHash) continue;
    for (const row of engine.all(`SELECT * FROM ${spec.table} WHERE hash = ?`, [oldHash])) {
      const before = rowToEntity(spec, row);
      const body = { ...(JSON.parse(String(row.body)) as Record<string, unknown>), hash: newHash };
      writeVersion(engine, audit, spec, before, successor(before, at, body, { deleted_at: before.deleted_at ?? null }), at, 'update', { file: why });
    }
  }
}

export function notFound(spec: KindSpec, id: string): VaultError {
  return new VaultError('not-found', `${spec.kind} ${id}`, { hint: `There is no ${spec.label} ${quoteName(id)}.` });
}

export function conflict(spec: KindSpec, current: Entity, expected: number): VaultError {
  return new VaultError('conflict', `${spec.kind} ${current.id}: version ${current.version}, expected ${expected}`, {
    hint: `${capital(spec.label)} ${quoteName(current.name)} is at version ${current.version}, not ${expected}.`,
  });
}

/** SQLite constraint messages → errors a game master understands. */
export function translateSqlError(e: unknown): unknown {
  if (e instanceof VaultError || !(e instanceof Error)) return e;
  const m = e.message;
  if (/UNIQUE constraint failed: (\w+)\.name|UNIQUE constraint failed: index '(\w+)_name'/.test(m) || /UNIQUE constraint failed/.test(m)) {
    return new VaultError('exists', m, { cause: e, hint: 'Another entry with that name (or id) already exists here.' });
  }
  if (/FOREIGN KEY constraint failed/.test(m)) return new VaultError('invalid', m, { cause: e, hint: 'It refers to an entry that does not exist, or others still refer to it.' });
  if (/CHECK constraint failed/.test(m)) return new VaultError('invalid', m, { cause: e, hint: 'A value is out of range.' });
  return e;
}
