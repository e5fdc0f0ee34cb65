export type Severity = 'error' | 'warning' | 'info';

/** One problem found by the integrity check or by verifying backups. */
export interface Finding {
  /** Stable code, e.g. `backup.pack-corrupt`, `db.orphan-link`. */
  readonly code: string;
  readonly severity: Severity;
  /** One or two sentences a game master understands. */
  readonly message: string;
  /** Where it is: a repository file, an entry (kind and id), a table row. */
  readonly where?: string;
  readonly entity?: { readonly kind: string; readonly id: string; readonly name?: string };
  /** Whether Repair can fix it automatically. */
  readonly fixable: boolean;
}

/**
 * What the integrity check found (docs/INTEGRITY.md). A plain object: callers (the backup
 * service, the CLI, the VS Code report) add their own findings with {@link withFindings}.
 */
export interface IntegrityReport {
  /** No errors and no warnings (infos are tidy-ups, never something wrong). */
  readonly ok: boolean;
  /** ISO time of the check. */
  readonly checkedAt: string;
  /** Errors first, then warnings, then infos; in the order found within each. */
  readonly findings: readonly Finding[];
  readonly counts: Readonly<Record<Severity, number>>;
}

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function makeReport(checkedAt: string, findings: readonly Finding[]): IntegrityReport {
  const sorted = findings.map((f, i) => ({ f, i })).sort((a, b) => RANK[a.f.severity] - RANK[b.f.severity] || a.i - b.i).map((x) => x.f);
  const counts = { error: 0, warning: 0, info: 0 };
  for (const f of sorted) counts[f.severity] += 1;
  return { ok: counts.error === 0 && counts.warning === 0, checkedAt, findings: sorted, counts };
}

/** The report with more findings merged in (file store, backup repository, …). */
export function withFindings(report: IntegrityReport, extra: readonly Finding[]): IntegrityReport {
  return makeReport(report.checkedAt, [...report.findings, ...extra]);
}

/** Identifies a finding across two checks (before and after a repair): its code and where it is. */
export function findingKey(f: Finding): string {
  return `${f.code}|${f.where ?? ''}|${f.entity ? `${f.entity.kind}/${f.entity.id}` : ''}`;
}
