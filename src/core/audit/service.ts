import type { Engine } from '../db/engine';
import { ENTITY_KINDS, KINDS, type EntityKind } from '../db/kinds';
import { rowToEntity } from '../db/repository';
import type { VaultSession } from '../session/session';
import { verifyAudit, type AuditReport } from './chain';

/** The newest audit sequence number: every change (and every migration) moves it. */
export function auditSequence(engine: Engine): number {
  return Number(engine.get('SELECT max(seq) AS seq FROM audit_logs')?.seq ?? 0);
}

/** The vault's audit log: reading it and verifying its chain against the entries as they are. */
export class AuditService {
  constructor(private readonly session: VaultSession) {}

  verify(): Promise<AuditReport> {
    return this.session.exclusive(() => {
      const s = this.session.requireSession();
      const current = new Map<string, unknown>();
      for (const kind of ENTITY_KINDS) {
        for (const row of s.engine.all(`SELECT * FROM ${KINDS[kind].table}`)) current.set(`${kind}/${String(row.id)}`, rowToEntity(KINDS[kind], row));
      }
      return verifyAudit(s.engine, s.audit, current);
    });
  }

  log(opts: { limit?: number; kind?: EntityKind; id?: string } = {}): Promise<Record<string, unknown>[]> {
    return this.session.exclusive(() => {
      const s = this.session.requireSession();
      const where = opts.kind ? (opts.id ? 'WHERE kind = ? AND entity_id = ?' : 'WHERE kind = ?') : '';
      const params = opts.kind ? (opts.id ? [opts.kind, opts.id] : [opts.kind]) : [];
      return s.engine.all(`SELECT * FROM audit_logs ${where} ORDER BY seq DESC LIMIT ?`, [...params, Math.min(opts.limit ?? 100, 10_000)]);
    });
  }

  /** {@link auditSequence} of the open vault, between writes. */
  sequence(): Promise<number> {
    return this.session.exclusive(() => auditSequence(this.session.requireSession().engine));
  }
}
