import type { AuditChain } from '../audit/chain';
import type { Engine, Param } from '../db/engine';
import { KINDS, type EntityKind } from '../db/kinds';
import { columnValues, rowToEntity, selectRow } from '../db/repository';
import { findingKey } from './report';
import { readAuditState, recoveredName, type Found } from './database';

export interface AppliedFixes {
  /** Findings whose fix ran (the re-check decides whether they are gone). */
  readonly applied: readonly Found[];
  /** Findings whose fix failed; each was undone alone, the others kept. */
  readonly failed: readonly { readonly found: Found; readonly error: string }[];
}

/**
 * Applies the fixes of `selected` to `engine` — a copy of the vault's database, never the open one —
 * inside the transaction the caller began. Each fix runs in its own savepoint, so one that fails is
 * undone alone. Afterwards every entry a fix touched, or whose content a fix accepts, gets an audit
 * entry with action `repair` whose hash is its content now; then one `repair` entry lists the fixes.
 */
export function applyFixes(engine: Engine, audit: AuditChain, selected: readonly Found[], at: string): AppliedFixes {
  const applied: Found[] = [];
  const failed: { found: Found; error: string }[] = [];
  /** "kind/id" → the entity before the repair (undefined if it did not exist), and why it is recorded. */
  const touched = new Map<string, { kind: EntityKind; id: string; before: unknown; reason: string }>();
  const entityNow = (kind: EntityKind, id: string) => {
    const row = selectRow(engine, KINDS[kind], id);
    return row ? rowToEntity(KINDS[kind], row) : undefined;
  };
  const state = readAuditState(engine, audit);
  const accepted = new Set(selected.flatMap((f) => (f.fix?.type === 'accept' ? [`${f.fix.kind}/${f.fix.id}`] : [])));
  const touch = (kind: EntityKind, id: string, reason: string) => {
    const key = `${kind}/${id}`;
    if (!touched.has(key)) touched.set(key, { kind, id, before: entityNow(kind, id), reason });
  };
  let n = 0;
  for (const f of selected) {
    const fix = f.fix;
    if (!fix) continue;
    const savepoint = `repair_${++n}`;
    engine.db.exec(`SAVEPOINT ${savepoint}`);
    try {
      switch (fix.type) {
        case 'delete-link':
          engine.run('DELETE FROM links WHERE id = ?', [fix.id]);
          break;
        case 'delete-text':
          engine.run('DELETE FROM entity_texts WHERE kind = ? AND entity_id = ?', [fix.kind, fix.id]);
          break;
        case 'clear-parent': {
          touch('location', fix.id, f.finding.code);
          const row = selectRow(engine, KINDS.location, fix.id);
          if (!row) throw new Error('location gone');
          const body = JSON.parse(String(row.body)) as Record<string, unknown>;
          delete body.parent_id;
          engine.run(`UPDATE ${KINDS.location.table} SET parent_id = NULL, body = ? WHERE id = ?`, [JSON.stringify(body), fix.id]);
          // The text it was saved as names the missing parent: it is written out afresh instead.
          dropText(engine, 'location', fix.id);
          break;
        }
        case 'recreate-campaign': {
          touch('campaign', fix.id, f.finding.code);
          // A campaign Repair makes is recorded as made, whatever the history said about that id.
          accepted.add(`campaign/${fix.id}`);
          const name = freeCampaignName(engine, recoveredName(fix.id));
          const body = { name, description: 'Created by Repair Integrity Issues for entries whose campaign was missing.' };
          const spec = KINDS.campaign;
          const cols = Object.keys(spec.columns);
          engine.run(`INSERT INTO ${spec.table} (id, name, version, created_at, updated_at, deleted_at, ${cols.join(', ')}, body) VALUES (?, ?, 1, ?, ?, NULL, ${cols.map(() => '?').join(', ')}, ?)`, [
            fix.id,
            name,
            at,
            at,
            ...columnValues(spec, body),
            JSON.stringify(body),
          ]);
          break;
        }
        case 'rewrite-columns': {
          const spec = KINDS[fix.kind];
          touch(fix.kind, fix.id, f.finding.code);
          const row = selectRow(engine, spec, fix.id);
          if (!row) throw new Error('entry gone');
          const body = JSON.parse(String(row.body)) as Record<string, unknown>;
          const cols = Object.keys(spec.columns);
          const sets = cols.map((c) => `${c} = ?`);
          const params: Param[] = [...columnValues(spec, body)];
          if (typeof body.name === 'string') {
            sets.push('name = ?');
            params.push(body.name);
          }
          engine.run(`UPDATE ${spec.table} SET ${sets.join(', ')} WHERE id = ?`, [...params, fix.id]);
          break;
        }
        case 'accept':
          touch(fix.kind, fix.id, f.finding.code);
          break;
        case 'checkpoint':
          break;
      }
      engine.db.exec(`RELEASE ${savepoint}`);
      applied.push(f);
    } catch (e) {
      engine.db.exec(`ROLLBACK TO ${savepoint}`);
      engine.db.exec(`RELEASE ${savepoint}`);
      failed.push({ found: f, error: e instanceof Error ? e.message : String(e) });
    }
  }
  // The history records each entry a fix touched as it is now, unless it already matches. An entry
  // that was changed outside Campaign Vault is recorded only when that change is accepted too (an
  // `accept` fix selected); otherwise its audit finding stays, as the game master left it.
  for (const [key, t] of touched) {
    const now = entityNow(t.kind, t.id);
    const last = state.lastAfter.get(key)?.hash ?? null;
    if (audit.hashValue(now) === last) continue;
    if (!accepted.has(key) && audit.hashValue(t.before) !== last) continue;
    audit.record(engine, at, 'repair', { kind: t.kind, id: t.id, before: t.before, after: now, detail: { finding: t.reason } });
  }
  if (applied.length > 0) audit.record(engine, at, 'repair', { detail: { fixed: applied.map((f) => findingKey(f.finding)).slice(0, 1000), count: applied.length } });
  return { applied, failed };
}

function dropText(engine: Engine, kind: EntityKind, id: string): void {
  if (engine.get("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = 'entity_texts'")) {
    engine.run('DELETE FROM entity_texts WHERE kind = ? AND entity_id = ?', [kind, id]);
  }
}

/** `name`, or `name (2)`, `name (3)` … whichever no live campaign has (names are unique, case-insensitively). */
function freeCampaignName(engine: Engine, name: string): string {
  for (let i = 1; ; i++) {
    const candidate = i === 1 ? name : `${name} (${i})`;
    if (!engine.get(`SELECT 1 AS x FROM ${KINDS.campaign.table} WHERE name = ? COLLATE NOCASE AND deleted_at IS NULL`, [candidate])) return candidate;
  }
}
