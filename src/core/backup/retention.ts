import type { RetentionPolicy } from './types';

/**
 * Which snapshots a retention policy keeps, as restic's `forget --keep-last/-hourly/-daily/-weekly/
 * -monthly`: the newest `last` snapshots, plus the newest snapshot of each of the newest `hourly`
 * hours, `daily` days, `weekly` ISO weeks and `monthly` months that have one. Times are bucketed in
 * UTC so the result does not depend on the machine's time zone. Returns the reasons per kept id.
 */
export function applyRetention(snapshots: readonly { id: string; time: string }[], policy: RetentionPolicy): Map<string, string[]> {
  const newestFirst = [...snapshots].sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : a.id < b.id ? 1 : -1));
  const keep = new Map<string, string[]>();
  const mark = (id: string, why: string) => keep.set(id, [...(keep.get(id) ?? []), why]);
  newestFirst.slice(0, Math.max(0, policy.last)).forEach((s) => mark(s.id, 'last'));
  const tiers: [keyof RetentionPolicy, (d: Date) => string][] = [
    ['hourly', (d) => d.toISOString().slice(0, 13)],
    ['daily', (d) => d.toISOString().slice(0, 10)],
    ['weekly', isoWeek],
    ['monthly', (d) => d.toISOString().slice(0, 7)],
  ];
  for (const [tier, bucketOf] of tiers) {
    const limit = policy[tier];
    const seen = new Set<string>();
    for (const s of newestFirst) {
      if (seen.size >= limit) break;
      const t = new Date(s.time);
      if (Number.isNaN(t.getTime())) continue;
      const bucket = bucketOf(t);
      if (seen.has(bucket)) continue;
      seen.add(bucket);
      mark(s.id, tier);
    }
  }
  return keep;
}

/** ISO 8601 week, e.g. `2026-W48` (weeks start on Monday; week 1 holds the year's first Thursday). */
export function isoWeek(d: Date): string {
  const day = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const dow = day.getUTCDay() || 7;
  day.setUTCDate(day.getUTCDate() + 4 - dow);
  const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((day.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${day.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}
