// Backups (docs/CLI.md, "Backups"): backup, backups, verify, prune, and `restore <snapshot>` —
// in place, one entry, or into a new folder (also without the vault, from its backups alone).
import * as path from 'node:path';
import { DataManager } from '../../core/api';
import type { BackupService } from '../../core/backup/service';
import { DEFAULT_RETENTION, type RetentionPolicy, type SnapshotInfo } from '../../core/backup/types';
import { KINDS, parseKind, type EntityKind } from '../../core/db/kinds';
import { VaultError, isVaultError } from '../../core/errors';
import { quoteName } from '../../core/paths';
import type { UnlockSecret } from '../../core/vault/keys';
import { nodeBackupServiceWithoutVault } from '../../node/backups';
import { checkRestoreTarget, restoreIntoFolder } from '../../node/restoreFolder';
import { CliError, type Context } from '../context';
import { toJson } from '../format';
import { currentPassword, newPassword } from '../prompt';
import { UsageError, parseCount } from '../values';
import { KIND_LIST, REPO, errorsIn, findingLines, oneLine, plural, size, str, when, type Command, type Values } from './common';

/**
 * The shortest start of each id, at least 8 digits, that no other id shares — what "backups" shows
 * to type. (A snapshot id begins with its time in milliseconds, so the first 8 digits are the same
 * for every backup made within about a minute.)
 */
export function uniquePrefixes(ids: readonly string[], min = 8): Map<string, string> {
  const sorted = [...new Set(ids)].sort();
  const common = (a: string | undefined, b: string) => {
    let i = 0;
    while (a !== undefined && i < a.length && i < b.length && a[i] === b[i]) i++;
    return i;
  };
  return new Map(sorted.map((id, i) => [id, id.slice(0, Math.max(min, 1 + Math.max(common(sorted[i - 1], id), common(sorted[i + 1], id))))]));
}

/** Entries in a snapshot (its counts without the files). */
function entriesIn(s: SnapshotInfo): number {
  return Object.entries(s.counts).reduce((n, [k, v]) => (k === 'files' ? n : n + v), 0);
}

function snapshotTable(snapshots: readonly SnapshotInfo[], ids: ReadonlyMap<string, string>): string {
  const rows = [['ID', 'TIME', 'KIND', 'ADDED', 'ENTRIES', 'NOTE'], ...snapshots.map((s) => [ids.get(s.id) ?? s.id, when(s.time), s.kind, size(s.sizes.added), String(entriesIn(s)), oneLine(s.note ?? '')])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => Array.from(r[i]!).length)));
  const right = new Set([3, 4]);
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

/** `--subset n/m`: the n-th of m deterministic parts of the data (m at most 256: packs are split by their first byte). */
function parseSubset(raw: string | undefined): { n: number; of: number } | undefined {
  if (raw === undefined) return undefined;
  const m = /^(\d{1,3})\/(\d{1,3})$/.exec(raw);
  const n = m ? Number(m[1]) : NaN;
  const of = m ? Number(m[2]) : NaN;
  if (!m || n < 1 || of < 1 || n > of || of > 256) throw new UsageError(`--subset expects n/m with 1 ≤ n ≤ m ≤ 256 (e.g. 1/10), not "${raw}".`);
  return { n, of };
}

/** `--entity <kind>:<name|id>`. */
function parseEntityRef(raw: string): { kind: EntityKind; ref: string } {
  const colon = raw.indexOf(':');
  const kind = colon < 0 ? undefined : parseKind(raw.slice(0, colon));
  if (colon < 0 || raw.slice(colon + 1).trim() === '') throw new UsageError(`--entity expects <kind>:<name|id> (e.g. character:Zanna), not "${raw}".`);
  if (!kind) throw new UsageError(`"${raw.slice(0, colon)}" in --entity is not a kind: one of ${KIND_LIST} (singular or plural).`);
  return { kind, ref: raw.slice(colon + 1) };
}

/** Checks the restore target before any password is asked: a folder that is not new or empty is a usage mistake. */
function emptyTarget(folder: string): void {
  try {
    checkRestoreTarget(folder);
  } catch (e) {
    if (!isVaultError(e, 'invalid')) throw e;
    throw new UsageError(e.params.reason === 'file' ? `--to ${folder} is a file: give a new or empty folder.` : `--to ${folder} is not empty: give a new or empty folder, so nothing in it is overwritten.`);
  }
}

/** An error from looking for the vault that means "there is none here to read" (absent, or its key file unreadable). */
function vaultUnavailable(e: unknown): boolean {
  return (e instanceof CliError && e.exitCode === 4) || isVaultError(e, 'corrupt') || isVaultError(e, 'not-a-vault');
}

/**
 * The repository of a vault that is gone, opened with the secret alone: an unencrypted vault's
 * needs none; otherwise $CAMPAIGN_VAULT_PASSWORD, else the password is asked.
 */
async function backupsWithoutVault(ctx: Context, repoFolder: string): Promise<{ service: BackupService; encrypted: boolean }> {
  const fromEnv = ctx.env.CAMPAIGN_VAULT_PASSWORD;
  const open = async (secret: UnlockSecret) => {
    try {
      return { service: await nodeBackupServiceWithoutVault(repoFolder, secret, ctx.backupOptions()), encrypted: !('none' in secret) };
    } catch (e) {
      if (isVaultError(e, 'not-found')) throw new CliError(4, `There is no vault in ${ctx.dir}, and no backups in ${repoFolder}.`);
      throw e;
    }
  };
  for (const secret of fromEnv !== undefined ? [{ password: fromEnv }, { none: true } as const] : [{ none: true } as const]) {
    try {
      return await open(secret);
    } catch (e) {
      if (!isVaultError(e, 'wrong-password')) throw e;
    }
  }
  if (fromEnv !== undefined) throw new VaultError('wrong-password', 'wrong password for the backups', { hint: 'Wrong password for these backups, or their key file is damaged.' });
  return open({ password: await currentPassword(ctx.env) });
}

/** `restore <snapshot> --to <folder>`: a new vault from a backup; works without the vault when its backups remain. */
async function restoreInto(ctx: Context, ref: string, to: string, repo: string | undefined): Promise<void> {
  const folder = path.resolve(to);
  emptyTarget(folder);
  let encrypted: boolean | undefined;
  try {
    encrypted = await ctx.encrypted();
  } catch (e) {
    if (!vaultUnavailable(e)) throw e;
  }
  let service: BackupService;
  if (encrypted !== undefined) service = ctx.backups(await ctx.open('read'), repo);
  else ({ service, encrypted } = await backupsWithoutVault(ctx, ctx.repositoryFolder(repo)));
  const snapshot = await service.resolve(ref);
  const password = encrypted ? await newPassword(ctx.env, 'CAMPAIGN_VAULT_NEW_PASSWORD', 'password for the restored vault') : undefined;
  // A failure leaves the target as it was (absent or empty), so the restore can simply be run again.
  const r = await restoreIntoFolder(service, snapshot.id, folder, { newVault: DataManager.newVaultFactory((f) => ctx.managerFor(f)), ...(password !== undefined ? { password } : {}) });
  if (ctx.json) {
    ctx.out.write(toJson({ ...r, folder, encrypted: password !== undefined }));
    return;
  }
  const cleaned = r.cleanedUp.length > 0 ? `Removed what an interrupted restore into ${folder} had left beside it (${r.cleanedUp.join(', ')}).\n` : '';
  const head = `${cleaned}Restored the backup of ${when(r.snapshot.time)} into a new vault in ${folder}: ${plural(r.entities, 'entry', 'entries')}${r.files ? `, ${plural(r.files, 'file')}` : ''}.`;
  ctx.out.write(
    r.recoveryKey
      ? `${head}\n\nRecovery key: ${r.recoveryKey}\n\nWrite the recovery key down now and keep it apart from this computer: it opens the vault if the password is forgotten, and it is not shown again.\n`
      : `${head} Like the vault it was made from, it is not encrypted.\n`,
  );
}

/** `restore <snapshot> [--to <folder> | --entity <kind>:<name|id>] [--repo <folder>]`. */
export async function restoreBackup(ctx: Context, values: Values, ref: string): Promise<void> {
  if (parseKind(ref)) throw new UsageError(`Missing arguments: "campaign-vault restore ${ref} <id|name>" brings an entry back from the trash; "campaign-vault restore <snapshot>" restores a backup.`);
  const to = str(values.to);
  const entityArg = str(values.entity);
  if (to !== undefined && entityArg !== undefined) throw new UsageError('Give --to <folder> or --entity <kind>:<name|id>, not both.');
  const target = entityArg === undefined ? undefined : parseEntityRef(entityArg);
  const repo = str(values.repo);
  if (to !== undefined) return restoreInto(ctx, ref, to, repo);
  let dm: DataManager;
  try {
    dm = await ctx.open('write');
  } catch (e) {
    if (e instanceof CliError && e.exitCode === 4) throw new CliError(4, `${e.message} To restore a backup into a new folder, give --to <folder> (and --repo <folder> when the backups are elsewhere).`);
    throw e;
  }
  const service = ctx.backups(dm, repo);
  if (target) {
    const r = await service.restoreEntity(ref, target.kind, target.ref);
    ctx.out.write(ctx.json ? toJson(r) : `Restored ${KINDS[target.kind].label} ${quoteName(r.entity.name)} as it was in the backup of ${when(r.snapshot.time)}; it is now at version ${r.entity.version}.\n`);
    return;
  }
  const r = await service.restore(ref, { inPlace: true });
  if (ctx.json) ctx.out.write(toJson(r));
  else {
    ctx.out.write(
      `Restored the backup of ${when(r.snapshot.time)}: ${plural(r.entities, 'entry', 'entries')}${r.files ? `, ${plural(r.files, 'file')} put back` : ''}.\n` +
        (r.safetySnapshot ? `The vault as it was before is kept as backup ${r.safetySnapshot.id}; "campaign-vault restore ${r.safetySnapshot.id}" brings it back.\n` : ''),
    );
  }
}

export const BACKUP_COMMANDS = {
  backup: {
    args: '[--note <text>] [--repo <folder>]',
    summary: 'back the vault up and print the backup\'s id (--json: its description)',
    help: [
      '--note <text>         a few words to recognise the backup by ("before the dragon fight")',
      REPO,
      'Only reads the vault, so it works while VS Code has it open. Every piece is read back and checked before',
      'the backup counts; an interrupted backup records nothing, and the next one reuses what it had written.',
    ],
    options: { note: { type: 'string' }, repo: { type: 'string' } },
    positionals: [0, 0],
    async run(ctx, values) {
      const note = str(values.note);
      const dm = await ctx.open('read');
      const info = await ctx.backups(dm, str(values.repo)).create({ kind: 'manual', ...(note !== undefined ? { note } : {}) });
      ctx.out.write(ctx.json ? toJson(info) : `${info.id}\n`);
    },
  },

  backups: {
    args: '[--repo <folder>]',
    summary: 'list the backups, oldest first (exit code 1 when one is damaged)',
    help: [REPO, 'Columns: the id to type (its first 8 digits), time, kind (manual, scheduled, safety), bytes it added, entries, note.'],
    options: { repo: { type: 'string' } },
    positionals: [0, 0],
    async run(ctx, values) {
      const dm = await ctx.open('read');
      const { snapshots, damaged } = await ctx.backups(dm, str(values.repo)).list();
      if (ctx.json) ctx.out.write(toJson({ snapshots, damaged }));
      else {
        if (snapshots.length === 0 && damaged.length === 0) ctx.out.write('There are no backups yet; "campaign-vault backup" makes one.\n');
        const ids = uniquePrefixes([...snapshots.map((x) => x.id), ...damaged.map((d) => d.id)]);
        if (snapshots.length > 0) ctx.out.write(snapshotTable(snapshots, ids));
        for (const d of damaged) ctx.out.write(`${ids.get(d.id) ?? d.id}  DAMAGED  ${oneLine(d.reason, 200)}\n`);
      }
      if (damaged.length > 0) throw new CliError(1, `${plural(damaged.length, 'backup is', 'backups are')} damaged and cannot be restored; "campaign-vault verify" says more.`);
    },
  },

  verify: {
    args: '[--read-data] [--subset n/m] [--repo <folder>]',
    summary: 'check the backups: what is damaged and which backups it affects (exit code 1 when anything is)',
    help: [
      'Without options: the structure (every backup\'s table of contents, every data file present).',
      '--read-data           also re-read every data file and check every piece (decrypt, decompress, hash)',
      '--subset n/m          re-read only part n of m of the data (e.g. 1/10, 2/10 … on ten days covers all)',
      REPO,
    ],
    options: { 'read-data': { type: 'boolean' }, subset: { type: 'string' }, repo: { type: 'string' } },
    positionals: [0, 0],
    async run(ctx, values) {
      const subset = parseSubset(str(values.subset));
      const dm = await ctx.open('read');
      const report = await ctx.backups(dm, str(values.repo)).verify({ readData: values['read-data'] === true, ...(subset ? { subset } : {}) });
      if (ctx.json) ctx.out.write(toJson(report));
      else {
        const read = report.packsChecked > 0 ? `, re-read ${plural(report.packsChecked, 'data file')} (${size(report.bytesRead)})` : '';
        const findings = report.findings.filter((f) => f.code !== 'backup.none');
        const head =
          report.snapshots === 0 && findings.length === 0
            ? 'There are no backups yet; "campaign-vault backup" makes one.'
            : `Checked ${plural(report.snapshots, 'backup')}${read}: ${report.ok ? (findings.some((f) => f.severity === 'warning') ? 'no damage, but see below.' : 'no damage.') : 'damage found.'}`;
        ctx.out.write([head, ...findingLines(findings)].join('\n') + '\n');
      }
      if (!report.ok) {
        throw new CliError(1, `The backups are damaged: ${plural(errorsIn(report.findings), 'problem')}; ${plural(report.damagedSnapshots.length, 'backup')} cannot be restored completely.`);
      }
    },
  },

  prune: {
    args: '[--keep-last N] [--keep-hourly N] [--keep-daily N] [--keep-weekly N] [--keep-monthly N] [--dry-run] [--repo <folder>]',
    summary: 'forget old backups and delete the data only they used',
    help: [
      `Without --keep options: the last ${DEFAULT_RETENTION.last}, plus the newest of each of the last ${DEFAULT_RETENTION.hourly} hours, ${DEFAULT_RETENTION.daily} days, ${DEFAULT_RETENTION.weekly} weeks and ${DEFAULT_RETENTION.monthly} months.`,
      'With any --keep option, exactly what the options say (the others are 0), as restic\'s forget does.',
      '--keep-last N         the N newest backups',
      '--keep-hourly N       the newest backup of each of the last N hours that have one (also daily, weekly, monthly)',
      '--dry-run             say what would be forgotten; delete nothing',
      REPO,
      'Data still used by a kept backup is never deleted; a prune that is interrupted leaves every kept backup whole.',
    ],
    options: {
      'keep-last': { type: 'string' },
      'keep-hourly': { type: 'string' },
      'keep-daily': { type: 'string' },
      'keep-weekly': { type: 'string' },
      'keep-monthly': { type: 'string' },
      'dry-run': { type: 'boolean' },
      repo: { type: 'string' },
    },
    positionals: [0, 0],
    async run(ctx, values) {
      const tiers = ['last', 'hourly', 'daily', 'weekly', 'monthly'] as const;
      const given = tiers.map((t) => parseCount(str(values[`keep-${t}`]), `--keep-${t}`));
      const policy: RetentionPolicy = given.every((n) => n === undefined) ? DEFAULT_RETENTION : { last: given[0] ?? 0, hourly: given[1] ?? 0, daily: given[2] ?? 0, weekly: given[3] ?? 0, monthly: given[4] ?? 0 };
      if (tiers.every((t) => policy[t] === 0)) throw new UsageError('Those --keep options keep nothing, which would delete every backup: give at least one above 0.');
      const dryRun = values['dry-run'] === true;
      const dm = await ctx.open('read');
      const r = await ctx.backups(dm, str(values.repo)).prune(policy, { dryRun });
      if (ctx.json) ctx.out.write(toJson({ ...r, dryRun, policy }));
      else if (dryRun) {
        const ids = uniquePrefixes([...r.kept, ...r.forgotten]);
        ctx.out.write(`Would keep ${plural(r.kept.length, 'backup')} and forget ${r.forgotten.length}${r.forgotten.length ? `: ${r.forgotten.map((id) => ids.get(id)).join(', ')}` : ''}. Nothing was deleted (--dry-run).\n`);
      }
      else ctx.out.write(`Kept ${plural(r.kept.length, 'backup')}, forgot ${r.forgotten.length}; deleted ${plural(r.packsDeleted, 'data file')} and rewrote ${r.packsRewritten}, freeing ${size(r.bytesFreed)}.\n`);
    },
  },
} satisfies Record<string, Command>;
