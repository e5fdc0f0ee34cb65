import { createBLAKE3, type IHasher } from 'hash-wasm';
import { canonicalJson } from '../canonical';
import type { Engine, Param } from '../db/engine';

/**
 * The audit log: one row per mutation, in the same transaction as the mutation, hash-chained:
 *
 *   entry_hash = BLAKE3-keyed(prev_hash ‖ canonical JSON of {seq, at, action, kind, entity_id,
 *                hash_before, hash_after, detail})
 *
 * `hash_before`/`hash_after` are keyed hashes of the entity's canonical JSON. The key is random
 * per vault and lives in `settings` (inside the encrypted database), so hashes reveal nothing
 * about content. {@link verifyAudit} recomputes the chain and checks that every live entity's
 * current row matches the last hash the log recorded for it.
 */
export type AuditAction =
  | 'create'
  | 'update'
  | 'delete'
  | 'restore'
  | 'purge'
  | 'migrate'
  | 'rollback-migration'
  | 'rotate-key'
  | 'change-password'
  | 'encrypt'
  | 'import'
  | 'restore-backup'
  | 'repair';

export interface AuditEntry {
  readonly seq: number;
  readonly at: string;
  readonly action: AuditAction;
  readonly kind: string | null;
  readonly entity_id: string | null;
  readonly hash_before: string | null;
  readonly hash_after: string | null;
  readonly detail: string | null;
  readonly prev_hash: string;
  readonly entry_hash: string;
}

export const GENESIS = '0'.repeat(64);
export const AUDIT_KEY_SETTING = 'audit.key';

export class AuditChain {
  private head: { seq: number; hash: string } | undefined;

  private constructor(private readonly hasher: IHasher) {}

  static async create(key: Uint8Array): Promise<AuditChain> {
    return new AuditChain(await createBLAKE3(256, key));
  }

  hash(text: string): string {
    this.hasher.init();
    this.hasher.update(text);
    return this.hasher.digest('hex');
  }

  hashValue(value: unknown): string | null {
    return value === undefined || value === null ? null : this.hash(canonicalJson(value));
  }

  entryHash(e: Omit<AuditEntry, 'entry_hash'>): string {
    const { prev_hash, ...fields } = e;
    return this.hash(prev_hash + canonicalJson(fields));
  }

  /** Forgets the cached head (after a rollback or a database swap). */
  reset(): void {
    this.head = undefined;
  }

  private currentHead(engine: Engine): { seq: number; hash: string } {
    if (!this.head) {
      const row = engine.get('SELECT seq, entry_hash FROM audit_logs ORDER BY seq DESC LIMIT 1');
      this.head = row ? { seq: Number(row.seq), hash: String(row.entry_hash) } : { seq: 0, hash: GENESIS };
    }
    return this.head;
  }

  /** Appends an entry inside the caller's transaction. Call {@link reset} if that transaction rolls back. */
  record(
    engine: Engine,
    at: string,
    action: AuditAction,
    target: { kind?: string; id?: string; before?: unknown; after?: unknown; detail?: unknown },
  ): void {
    const head = this.currentHead(engine);
    const entry: Omit<AuditEntry, 'entry_hash'> = {
      seq: head.seq + 1,
      at,
      action,
      kind: target.kind ?? null,
      entity_id: target.id ?? null,
      hash_before: this.hashValue(target.before),
      hash_after: this.hashValue(target.after),
      detail: target.detail === undefined ? null : canonicalJson(target.detail),
      prev_hash: head.hash,
    };
    const entry_hash = this.entryHash(entry);
    const params: Param[] = [entry.seq, entry.at, entry.action, entry.kind, entry.entity_id, entry.hash_before, entry.hash_after, entry.detail, entry.prev_hash, entry_hash];
    engine.run(
      'INSERT INTO audit_logs (seq, at, action, kind, entity_id, hash_before, hash_after, detail, prev_hash, entry_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      params,
    );
    this.head = { seq: entry.seq, hash: entry_hash };
  }
}

export interface AuditProblem {
  readonly seq: number | null;
  readonly problem: string;
}

export interface AuditReport {
  readonly entries: number;
  readonly ok: boolean;
  readonly problems: readonly AuditProblem[];
}

/**
 * Walks the whole log: sequence numbers contiguous from 1, each `prev_hash` equal to the previous
 * `entry_hash`, each `entry_hash` recomputed; then every entity row present must hash to the
 * `hash_after` of the last entry about it, and every entity must have one (a row added or
 * changed outside the API shows up here). `current` maps "kind/id" to each entity as stored.
 */
export function verifyAudit(engine: Engine, chain: AuditChain, current: ReadonlyMap<string, unknown>): AuditReport {
  const problems: AuditProblem[] = [];
  const rows = engine.all('SELECT seq, at, action, kind, entity_id, hash_before, hash_after, detail, prev_hash, entry_hash FROM audit_logs ORDER BY seq') as unknown as AuditEntry[];
  let prev = GENESIS;
  let expectedSeq = 1;
  const lastAfter = new Map<string, { seq: number; hash: string | null }>();
  for (const r of rows) {
    if (r.seq !== expectedSeq) problems.push({ seq: r.seq, problem: `expected entry ${expectedSeq}: entries are missing` });
    if (r.prev_hash !== prev) problems.push({ seq: r.seq, problem: 'does not link to the entry before it' });
    const { entry_hash, ...rest } = r;
    if (chain.entryHash(rest) !== entry_hash) problems.push({ seq: r.seq, problem: 'its hash does not match its content' });
    if (r.kind && r.entity_id) lastAfter.set(`${r.kind}/${r.entity_id}`, { seq: r.seq, hash: r.hash_after });
    prev = entry_hash;
    expectedSeq = r.seq + 1;
    if (problems.length > 100) break;
  }
  for (const [key, { seq, hash }] of lastAfter) {
    const now = chain.hashValue(current.get(key));
    if (now !== hash) problems.push({ seq, problem: `${key} differs from what the log last recorded for it` });
  }
  for (const key of current.keys()) {
    if (!lastAfter.has(key)) problems.push({ seq: null, problem: `${key} exists but the log never recorded it` });
  }
  return { entries: rows.length, ok: problems.length === 0, problems };
}
