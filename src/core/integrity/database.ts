import type { Finding } from './report';
import { GENESIS, type AuditChain, type AuditEntry } from '../audit/chain';
import type { Engine, Row } from '../db/engine';
import { ENTITY_KINDS, KINDS, type EntityKind, type KindSpec } from '../db/kinds';
import { migrationChecksum, type Migration } from '../db/migrations';
import { columnValues, rowToEntity } from '../db/repository';
import { quoteName } from '../paths';
import { checkRulebooks } from '../rulebooks/check';
import { validateBody } from '../schema';

/** How Repair fixes a finding (applied to a copy of the database by `./repair.ts`). */
export type Fix =
  | { readonly type: 'delete-link'; readonly id: string }
  | { readonly type: 'delete-text'; readonly kind: string; readonly id: string }
  | { readonly type: 'clear-parent'; readonly id: string }
  | { readonly type: 'recreate-campaign'; readonly id: string }
  | { readonly type: 'rewrite-columns'; readonly kind: EntityKind; readonly id: string }
  | { readonly type: 'accept'; readonly kind: EntityKind; readonly id: string }
  /** Not a change to the database: the fresh snapshot every repair writes makes the finding go away. */
  | { readonly type: 'checkpoint' };

/** A finding and, when Repair can fix it, how. `finding.fixable` is `fix !== undefined`. */
export interface Found {
  readonly finding: Finding;
  readonly fix?: Fix;
}

export interface DatabaseCheckContext {
  /** The vault's audit chain (for its keyed hashes; nothing is recorded). */
  readonly audit: AuditChain;
  /** The migrations this build knows (their checksums are compared with the recorded ones). */
  readonly migrations: readonly Migration[];
}

/** Findings of one kind beyond this many are summed up in one more finding. */
export const MAX_FINDINGS_PER_CODE = 200;

const entityRef = (spec: KindSpec, row: Row) => ({ kind: spec.kind, id: String(row.id), name: String(row.name) });
const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const describe = (spec: KindSpec, row: Row) => `${capital(spec.label)} ${quoteName(String(row.name))}`;

function found(finding: Omit<Finding, 'fixable'>, fix?: Fix): Found {
  return { finding: { ...finding, fixable: fix !== undefined }, ...(fix ? { fix } : {}) };
}

function hasTable(engine: Engine, name: string): boolean {
  return engine.get("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = ?", [name]) !== undefined;
}

/**
 * Checks the open database, read only: SQLite's own checks, rows that point at nothing, entity
 * bodies against their schemas and their indexed columns, the recorded migrations and the audit
 * chain. Every finding says what it means for the game master and whether Repair can fix it.
 */
export async function checkDatabase(engine: Engine, ctx: DatabaseCheckContext): Promise<Found[]> {
  const out: Found[] = [];
  sqliteChecks(engine, out);
  orphans(engine, out);
  entityChecks(engine, out);
  for (const f of checkRulebooks(engine)) out.push(found(f));
  await migrationChecks(engine, ctx.migrations, out);
  auditChecks(engine, ctx.audit, out);
  return capPerCode(out);
}

function sqliteChecks(engine: Engine, out: Found[]): void {
  const integrity = engine.all('PRAGMA integrity_check(20)').map((r) => String(Object.values(r)[0]));
  if (!(integrity.length === 1 && integrity[0] === 'ok')) {
    out.push(
      found({
        code: 'db.integrity',
        severity: 'error',
        message: `SQLite reports damage inside the database (${integrity.length} problem${integrity.length === 1 ? '' : 's'}, first: ${integrity[0] ?? 'unknown'}). Restore a backup made before the damage.`,
        where: 'database',
      }),
    );
  }
  // Violations the orphan checks below explain one by one are left to them.
  const explained = (table: string, parent: string) =>
    (parent === 'campaigns' && (table === 'links' || ENTITY_KINDS.some((k) => KINDS[k].table === table))) || (table === 'locations' && parent === 'locations');
  const byTable = new Map<string, number>();
  for (const r of engine.all('PRAGMA foreign_key_check')) {
    const table = String(r.table);
    const parent = String(r.parent);
    if (!explained(table, parent)) byTable.set(`${table} → ${parent}`, (byTable.get(`${table} → ${parent}`) ?? 0) + 1);
  }
  for (const [where, n] of byTable) {
    out.push(
      found({
        code: 'db.foreign-key',
        severity: 'error',
        message: `${n} row${n === 1 ? '' : 's'} of the database refer${n === 1 ? 's' : ''} to rows that do not exist (${where}). Restore a backup made before the damage.`,
        where,
      }),
    );
  }
}

function orphans(engine: Engine, out: Found[]): void {
  const exists = (kind: string, id: string): boolean => {
    const spec = KINDS[kind as EntityKind];
    return spec !== undefined && engine.get(`SELECT 1 AS x FROM ${spec.table} WHERE id = ?`, [id]) !== undefined;
  };
  const hasLinks = hasTable(engine, 'links');
  if (hasLinks) {
    for (const l of engine.all('SELECT id, from_kind, from_id, to_kind, to_id, relation FROM links ORDER BY id')) {
      const missing = [
        ...(exists(String(l.from_kind), String(l.from_id)) ? [] : [`${String(l.from_kind)} ${quoteName(String(l.from_id))}`]),
        ...(exists(String(l.to_kind), String(l.to_id)) ? [] : [`${String(l.to_kind)} ${quoteName(String(l.to_id))}`]),
      ];
      if (missing.length === 0) continue;
      out.push(
        found(
          {
            code: 'db.orphan-link',
            severity: 'warning',
            message: `A "${String(l.relation)}" link points at an entry that no longer exists (${missing.join(' and ')}). Repair removes the link; no entry is touched.`,
            where: `links ${String(l.id)}`,
          },
          { type: 'delete-link', id: String(l.id) },
        ),
      );
    }
  }

  if (hasTable(engine, 'entity_texts')) {
    for (const t of engine.all('SELECT kind, entity_id, entity_version FROM entity_texts ORDER BY kind, entity_id')) {
      const kind = String(t.kind);
      const id = String(t.entity_id);
      const spec = KINDS[kind as EntityKind];
      const row = spec ? engine.get(`SELECT id, name, version FROM ${spec.table} WHERE id = ?`, [id]) : undefined;
      const where = `entity_texts ${kind}/${id}`;
      if (!spec || !row) {
        out.push(
          found(
            {
              code: 'db.orphan-text',
              severity: 'warning',
              message: `The saved text of an entry that was deleted for good (${kind} ${quoteName(id)}) is still stored. Repair removes it.`,
              where,
            },
            { type: 'delete-text', kind, id },
          ),
        );
      } else if (Number(row.version) !== Number(t.entity_version)) {
        out.push(
          found(
            {
              code: 'db.stale-text',
              severity: 'info',
              message: `${describe(spec, row)} keeps the text of an older version; it is not used (the entry is written out afresh) and only takes space. Repair removes it.`,
              where,
              entity: entityRef(spec, row),
            },
            { type: 'delete-text', kind, id },
          ),
        );
      }
    }
  }

  const loc = KINDS.location;
  for (const r of engine.all(`SELECT l.id AS id, l.name AS name, l.parent_id AS parent_id FROM ${loc.table} l WHERE l.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${loc.table} p WHERE p.id = l.parent_id) ORDER BY l.id`)) {
    out.push(
      found(
        {
          code: 'db.orphan-parent',
          severity: 'warning',
          message: `${describe(loc, r)} is inside a location that no longer exists (${quoteName(String(r.parent_id))}). Repair makes it a top-level place; nothing else changes.`,
          where: `${loc.table} ${String(r.id)}`,
          entity: entityRef(loc, r),
        },
        { type: 'clear-parent', id: String(r.id) },
      ),
    );
  }

  // Entries (and links) whose campaign is gone: one finding per missing campaign.
  const missing = new Map<string, number>();
  for (const kind of ENTITY_KINDS) {
    const spec = KINDS[kind];
    if (spec.scope === 'none') continue;
    for (const r of engine.all(`SELECT e.campaign_id AS c, count(*) AS n FROM ${spec.table} e WHERE e.campaign_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM campaigns c WHERE c.id = e.campaign_id) GROUP BY e.campaign_id`)) {
      missing.set(String(r.c), (missing.get(String(r.c)) ?? 0) + Number(r.n));
    }
  }
  if (hasLinks) {
    for (const r of engine.all('SELECT l.campaign_id AS c, count(*) AS n FROM links l WHERE l.campaign_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM campaigns c WHERE c.id = l.campaign_id) GROUP BY l.campaign_id')) {
      missing.set(String(r.c), (missing.get(String(r.c)) ?? 0) + Number(r.n));
    }
  }
  for (const [id, n] of [...missing].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    out.push(
      found(
        {
          code: 'db.orphan-campaign',
          severity: 'error',
          message: `${n} entr${n === 1 ? 'y belongs' : 'ies belong'} to a campaign that no longer exists (${quoteName(id)}), so the Campaigns view cannot show ${n === 1 ? 'it' : 'them'}. Repair creates a campaign named "${recoveredName(id)}" holding ${n === 1 ? 'it' : 'them'}; nothing is deleted.`,
          where: `campaigns ${id}`,
        },
        { type: 'recreate-campaign', id },
      ),
    );
  }
}

/** The name Repair gives a campaign it re-creates for orphaned entries. */
export function recoveredName(id: string): string {
  return `Recovered campaign ${id.slice(0, 8)}`;
}

function entityChecks(engine: Engine, out: Found[]): void {
  for (const kind of ENTITY_KINDS) {
    const spec = KINDS[kind];
    for (const row of engine.all(`SELECT * FROM ${spec.table} ORDER BY id`)) {
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(String(row.body)) as Record<string, unknown>;
      } catch {
        body = {};
      }
      const trashed = row.deleted_at !== null;
      const issues = validateBody(kind, body);
      if (issues.length > 0) {
        const shown = issues.slice(0, 3).map((i) => i.message);
        out.push(
          found({
            code: 'entity.schema',
            severity: trashed ? 'warning' : 'error',
            message: `${describe(spec, row)}${trashed ? ' (in the trash)' : ''} does not match the form of a ${spec.label}: ${shown.join('; ')}${issues.length > 3 ? ` (and ${issues.length - 3} more)` : ''}. Open it and correct it; Repair cannot guess what was meant.`,
            where: `${spec.table} ${String(row.id)}`,
            entity: entityRef(spec, row),
          }),
        );
      }
      const expected: Record<string, unknown> = {};
      const values = columnValues(spec, body);
      Object.keys(spec.columns).forEach((c, i) => (expected[c] = values[i]));
      if (typeof body.name === 'string') expected.name = body.name;
      const differing = Object.keys(expected).filter((c) => !sameValue(row[c], expected[c]));
      if (differing.length > 0) {
        out.push(
          found(
            {
              code: 'db.column-mismatch',
              severity: 'warning',
              message: `${describe(spec, row)}: the copy of ${differing.join(', ')} used for lists, filters and sorting disagrees with the entry itself, so it may be listed or sorted wrongly. Repair copies the values from the entry again.`,
              where: `${spec.table} ${String(row.id)}`,
              entity: entityRef(spec, row),
            },
            { type: 'rewrite-columns', kind, id: String(row.id) },
          ),
        );
      }
    }
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  const norm = (v: unknown) => (v === undefined ? null : v);
  return norm(a) === norm(b);
}

async function migrationChecks(engine: Engine, migrations: readonly Migration[], out: Found[]): Promise<void> {
  if (!hasTable(engine, 'schema_migrations')) return;
  for (const r of engine.all('SELECT version, name, checksum FROM schema_migrations ORDER BY version')) {
    const version = Number(r.version);
    const m = migrations.find((x) => x.version === version);
    if (!m) {
      out.push(
        found({
          code: 'db.migration-unknown',
          severity: 'warning',
          message: `The database records schema change ${version} (${quoteName(String(r.name))}), which this version of Campaign Vault does not know. It was probably opened by a newer version; update Campaign Vault.`,
          where: `schema_migrations ${version}`,
        }),
      );
    } else if ((await migrationChecksum(m)) !== String(r.checksum)) {
      out.push(
        found({
          code: 'db.migration-checksum',
          severity: 'warning',
          message: `Schema change ${version} (${quoteName(m.name)}) was recorded with a different fingerprint than this version of Campaign Vault has: the database was set up by a different build, or the record was edited. Your entries are not affected by this alone; keep a backup and report it.`,
          where: `schema_migrations ${version}`,
        }),
      );
    }
  }
}

/** The audit log read back: problems with the chain itself, and the last hash recorded per entity. */
export interface AuditState {
  readonly entries: number;
  readonly chainProblems: readonly { readonly seq: number; readonly problem: string }[];
  /** "kind/id" → the `hash_after` of the last entry about it. */
  readonly lastAfter: ReadonlyMap<string, { readonly seq: number; readonly hash: string | null }>;
}

/** The walk of `verifyAudit` (audit/chain.ts), with the problems kept apart by kind. */
export function readAuditState(engine: Engine, chain: AuditChain): AuditState {
  const chainProblems: { seq: number; problem: string }[] = [];
  const lastAfter = new Map<string, { seq: number; hash: string | null }>();
  if (!hasTable(engine, 'audit_logs')) return { entries: 0, chainProblems, lastAfter };
  const rows = engine.all('SELECT seq, at, action, kind, entity_id, hash_before, hash_after, detail, prev_hash, entry_hash FROM audit_logs ORDER BY seq') as unknown as AuditEntry[];
  let prev = GENESIS;
  let expectedSeq = 1;
  for (const r of rows) {
    if (r.seq !== expectedSeq) chainProblems.push({ seq: r.seq, problem: `entries ${expectedSeq}…${r.seq - 1} are missing` });
    if (r.prev_hash !== prev) chainProblems.push({ seq: r.seq, problem: 'it does not link to the entry before it' });
    const { entry_hash, ...rest } = r;
    if (chain.entryHash(rest) !== entry_hash) chainProblems.push({ seq: r.seq, problem: 'its content was changed after it was written' });
    if (r.kind && r.entity_id) lastAfter.set(`${r.kind}/${r.entity_id}`, { seq: r.seq, hash: r.hash_after });
    prev = entry_hash;
    expectedSeq = r.seq + 1;
  }
  return { entries: rows.length, chainProblems, lastAfter };
}

function auditChecks(engine: Engine, chain: AuditChain, out: Found[]): void {
  const state = readAuditState(engine, chain);
  for (const p of state.chainProblems) {
    out.push(
      found({
        code: 'audit.chain-broken',
        severity: 'error',
        message: `The change history is broken at entry ${p.seq}: ${p.problem}. The history was edited or partly lost outside Campaign Vault, so it can no longer prove what changed when. Your entries themselves are not affected by this alone; a backup from before the damage has an intact history.`,
        where: `audit_logs ${p.seq}`,
      }),
    );
  }
  const seen = new Set<string>();
  for (const kind of ENTITY_KINDS) {
    const spec = KINDS[kind];
    for (const row of engine.all(`SELECT * FROM ${spec.table} ORDER BY id`)) {
      const key = `${kind}/${String(row.id)}`;
      seen.add(key);
      const last = state.lastAfter.get(key);
      const where = `${spec.table} ${String(row.id)}`;
      if (!last) {
        out.push(
          found(
            {
              code: 'audit.entity-unrecorded',
              severity: 'warning',
              message: `${describe(spec, row)} was added outside Campaign Vault: the change history has no record of it. Repair records it in the history as it is now.`,
              where,
              entity: entityRef(spec, row),
            },
            { type: 'accept', kind, id: String(row.id) },
          ),
        );
      } else if (chain.hashValue(rowToEntity(spec, row)) !== last.hash) {
        out.push(
          found(
            {
              code: 'audit.entity-changed',
              severity: 'warning',
              message: `${describe(spec, row)} was changed outside Campaign Vault (it differs from what the change history last recorded for it). Check that it reads as you expect; Repair records its current content as accepted.`,
              where,
              entity: entityRef(spec, row),
            },
            { type: 'accept', kind, id: String(row.id) },
          ),
        );
      }
    }
  }
  for (const [key, last] of state.lastAfter) {
    if (seen.has(key) || last.hash === null) continue;
    const slash = key.indexOf('/');
    const kind = key.slice(0, slash);
    const id = key.slice(slash + 1);
    const spec = KINDS[kind as EntityKind];
    if (!spec) continue;
    out.push(
      found(
        {
          code: 'audit.entity-missing',
          severity: 'warning',
          message: `A ${spec.label} (${quoteName(id)}) was removed outside Campaign Vault: the change history says it exists, but it is gone. A backup may still hold it; Repair records its removal in the history.`,
          where: `${spec.table} ${id}`,
          entity: { kind, id },
        },
        { type: 'accept', kind: kind as EntityKind, id },
      ),
    );
  }
}

function capPerCode(all: Found[]): Found[] {
  const counts = new Map<string, number>();
  const out: Found[] = [];
  for (const f of all) {
    const n = (counts.get(f.finding.code) ?? 0) + 1;
    counts.set(f.finding.code, n);
    if (n <= MAX_FINDINGS_PER_CODE) out.push(f);
  }
  for (const [code, n] of counts) {
    if (n <= MAX_FINDINGS_PER_CODE) continue;
    const first = all.find((f) => f.finding.code === code)!.finding;
    out.push(
      found({
        code,
        severity: first.severity,
        message: `${n - MAX_FINDINGS_PER_CODE} more findings like the ones above are not listed. Run the check again after a repair to see them.`,
        where: 'more',
      }),
    );
  }
  return out;
}
