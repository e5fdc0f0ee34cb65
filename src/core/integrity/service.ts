import { Engine } from '../db/engine';
import { VaultError } from '../errors';
import type { VaultSession } from '../session/session';
import type { Session } from '../session/types';
import { checkDatabase, type Found } from './database';
import { checkFiles } from './files';
import { applyFixes } from './repair';
import { findingKey, makeReport, type Finding, type IntegrityReport } from './report';

/** The vault's integrity check and repair (docs/INTEGRITY.md), run through the vault's queue. */
export class IntegrityService {
  constructor(private readonly session: VaultSession) {}

  /**
   * Checks the vault (docs/INTEGRITY.md): SQLite's own checks, rows that point at nothing, entity
   * bodies against their schemas and indexed columns, recorded migrations, the audit chain; with
   * `deep`, also every file of `.campaign-vault/db` re-read from disk and authenticated. Changes
   * nothing, so it also runs in read-only sessions. Callers add their own findings (files,
   * backups) with `withFindings` from `./report`.
   */
  check(opts: { deep?: boolean } = {}): Promise<IntegrityReport> {
    return this.session.exclusive(async () => {
      const s = this.session.requireSession();
      return makeReport(this.session.now(), (await this.findings(s, opts.deep ?? false)).map((f) => f.finding));
    });
  }

  /**
   * Fixes what the check can fix (only findings with these `codes`, when given) — never in place:
   * the fixes run on a copy of the database, the copy is checked again (no new errors or
   * warnings, the fixed findings gone), and the copy lands as a new snapshot, with the previous
   * database kept as a safety copy and an audit entry `repair`. Any failure before the snapshot
   * lands leaves the vault as it was. `remaining` is a full deep check afterwards. It takes no
   * backup: the whole-vault health check takes the safety backup before calling it, outside the
   * queue (src/core/backup/port.ts, HealthVault).
   */
  repair(opts: { codes?: readonly string[] } = {}): Promise<{ fixed: Finding[]; remaining: Finding[] }> {
    return this.session.exclusive(async () => {
      const s = this.session.requireWritable('Repair needs the vault open for writing; close other windows or programs using it and try again.');
      const found = await this.findings(s, true);
      const selected = found.filter((f) => f.fix !== undefined && (opts.codes === undefined || opts.codes.includes(f.finding.code)));
      if (selected.length === 0 || !(await this.fixAndSwap(s, found, selected))) return { fixed: [], remaining: found.map((f) => f.finding) };
      // The repair has landed; a failure to re-read the files now must not make it look failed.
      const remaining = await this.findings(s, true).catch(async (e: unknown) => {
        this.session.opts.logger.warn(`integrity check after repair could not re-read the files: ${String(e)}`);
        return this.findings(s, false);
      });
      const stillThere = new Set(remaining.map((f) => findingKey(f.finding)));
      this.session.opts.logger.info(`integrity repair: ${selected.length} selected, ${remaining.length} findings remain`);
      this.session.emit({ action: 'repair' });
      return { fixed: selected.filter((f) => !stillThere.has(findingKey(f.finding))).map((f) => f.finding), remaining: remaining.map((f) => f.finding) };
    });
  }

  /**
   * Applies the selected fixes on a copy, checks the copy again and swaps it in. False when the
   * fixes would change nothing that matters (then nothing is written).
   */
  private async fixAndSwap(s: Session, found: Found[], selected: Found[]): Promise<boolean> {
    const before = s.engine.export();
    const at = this.session.now();
    const next = Engine.open(await this.session.sql(), before);
    try {
      s.audit.reset();
      next.begin();
      let applied: ReturnType<typeof applyFixes>;
      try {
        applied = applyFixes(next, s.audit, selected, at);
        next.commit();
      } catch (e) {
        next.rollback();
        throw e;
      }
      s.audit.reset();
      const known = new Set(found.map((f) => findingKey(f.finding)));
      const recheck = await checkDatabase(next, { audit: s.audit, migrations: this.session.migrations });
      const introduced = recheck.filter((f) => f.finding.severity !== 'info' && !known.has(findingKey(f.finding)));
      if (introduced.length > 0) {
        throw new VaultError('invalid', `repair would introduce: ${introduced.map((f) => findingKey(f.finding)).join(', ')}`, {
          hint: `Repair stopped because its fixes would have caused a new problem (${introduced[0]!.finding.message}). Nothing was changed.`,
        });
      }
      const left = new Set(recheck.map((f) => findingKey(f.finding)));
      if (!applied.applied.some((f) => f.fix?.type === 'checkpoint' || !left.has(findingKey(f.finding)))) {
        next.close();
        return false;
      }
    } catch (e) {
      s.audit.reset();
      next.close();
      throw e;
    }
    await this.session.swapDatabase(s, next, s.audit, { safetyCopyOf: before, note: 'repair' });
    return true;
  }

  private async findings(s: Session, deep: boolean): Promise<Found[]> {
    const found = await checkDatabase(s.engine, { audit: s.audit, migrations: this.session.migrations });
    if (deep) found.push(...(await checkFiles(await s.store.readBack(), { SQL: await this.session.sql(), memory: s.engine, writable: !s.store.readOnly })));
    return found;
  }
}
