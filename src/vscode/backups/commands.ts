// The backup and integrity commands: Create Backup, Restore Backup…, Verify Backups, Prune
// Backups, Export/Import Portable Backup, Check Integrity, Repair Integrity Issues. Each asks
// through the prompter (tests answer by id), shows progress, and can be cancelled where that is safe.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { checkEverything, repairEverything } from '../../core/health';
import { makeReport } from '../../core/integrity';
import type { NewVaultFactory } from '../../core/backup/port';
import { exportPortable, importPortable, type PortableImportResult } from '../../core/backup/portable';
import type { SnapshotInfo, VerifyOptions } from '../../core/backup/types';
import { ENTITY_KINDS, KINDS, type EntityKind } from '../../core/db/kinds';
import { VaultError, isVaultError } from '../../core/errors';
import { checkRestoreTarget, restoreIntoFolder } from '../../node/restoreFolder';
import { nodeCipherSuite, nodeRandom, systemClock } from '../../node/system';
import { all, cancellationAdapter, capital, chooseVault, needs, type VaultCommandContext } from '../commands/common';
import { askNewPassword, askText, requiredPassword } from '../commands/passwords';
import { showRecoveryKey } from '../commands/remember';
import type { BackupManager } from './backupManager';
import { LABELS } from '../labels';

export interface BackupCommandContext extends VaultCommandContext {
  readonly backups: BackupManager;
  readonly extensionVersion: string;
  /** Makes the vault of a restore into a folder (built by the composition root). */
  readonly newVault: NewVaultFactory;
}

/** A snapshot in the Backups view (the argument of its context menu commands). */
export interface SnapshotNode {
  readonly type: 'snapshot';
  readonly folder: vscode.WorkspaceFolder;
  readonly snapshot: SnapshotInfo;
}

export function isSnapshotNode(x: unknown): x is SnapshotNode {
  return typeof x === 'object' && x !== null && (x as { type?: unknown }).type === 'snapshot' && 'snapshot' in x;
}

const KB = 1024;
export function formatBytes(n: number): string {
  if (n < KB) return `${n} B`;
  if (n < KB * KB) return `${(n / KB).toFixed(1)} KiB`;
  if (n < KB ** 3) return `${(n / KB / KB).toFixed(1)} MiB`;
  return `${(n / KB ** 3).toFixed(2)} GiB`;
}

/** "30 Nov 2026, 14:05" in the user's locale. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** How a backup's kind reads in lists. */
function kindWord(kind: string): string {
  switch (kind) {
    case 'manual':
      return vscode.l10n.t('manual');
    case 'scheduled':
      return vscode.l10n.t('scheduled');
    case 'safety':
      return vscode.l10n.t('safety (automatic)');
    default:
      return kind;
  }
}

export function describeSnapshot(s: SnapshotInfo): { label: string; description: string; detail: string } {
  const entries = Object.entries(s.counts).reduce((n, [k, v]) => (k === 'files' ? n : n + v), 0);
  return {
    label: formatTime(s.time),
    description: [kindWord(s.kind), s.note].filter(Boolean).join(' · '),
    detail: [
      s.shortId,
      vscode.l10n.t('{0} entries, {1} files', entries, s.counts.files ?? 0),
      vscode.l10n.t('{0}, {1} added', formatBytes(s.sizes.logical), formatBytes(s.sizes.added)),
      ...(s.missingFiles?.length ? [vscode.l10n.t('{0} damaged file(s) left out', s.missingFiles.length)] : []),
    ].join(' · '),
  };
}

function summarize(ctx: BackupCommandContext, id: string, text: string, severity: 'info' | 'warning' | 'error' = 'info'): void {
  void ctx.ui().message({ id, severity, text });
}

async function cancellable<T>(ctx: BackupCommandContext, id: string, title: string, task: (p: { report(x: { message?: string; fraction?: number }): void }, token: { isCancellationRequested: boolean }) => Promise<T>): Promise<T | undefined> {
  try {
    return await ctx.ui().progress({ id, title, cancellable: true }, (report, token) => task({ report: (x) => report(x.message ?? '', x.fraction ?? 0) }, cancellationAdapter(token)));
  } catch (e) {
    if (!isVaultError(e, 'cancelled')) throw e;
    summarize(ctx, 'cancelled', e.userMessage);
    return undefined;
  }
}

// ── Create Backup ────────────────────────────────────────────────────────────────────────────

export async function createBackup(ctx: BackupCommandContext, arg?: unknown): Promise<SnapshotInfo | undefined> {
  const f = await chooseVault(ctx, needs.unlocked, vscode.l10n.t('Create Backup'), arg);
  if (!f) return undefined;
  const note = await ctx.ui().input({
    id: 'backup-note',
    title: vscode.l10n.t('Create Backup'),
    prompt: vscode.l10n.t('A note to find this backup by (optional), e.g. "before session 12"'),
    validate: (v) => (v.length > 500 ? vscode.l10n.t('Keep the note under 500 characters.') : undefined),
  });
  if (note === undefined || typeof note !== 'string') return undefined;
  const { service } = ctx.backups.of(f);
  const snap = await cancellable(ctx, 'backup', vscode.l10n.t('Backing up the vault'), (progress, token) => service.create({ note, progress, token }));
  await ctx.backups.refresh();
  if (!snap) return undefined;
  const d = describeSnapshot(snap);
  const made = d.detail.split(' · ').slice(1).join(' · ');
  summarize(
    ctx,
    'backed-up',
    snap.missingFiles?.length
      ? vscode.l10n.t('Backup {0} made: {1}. Some damaged files were left out: run "Check Integrity".', snap.shortId, made)
      : vscode.l10n.t('Backup {0} made: {1}.', snap.shortId, made),
    snap.missingFiles?.length ? 'warning' : 'info',
  );
  return snap;
}

// ── Restore Backup… ─────────────────────────────────────────────────────────────────────────

/**
 * The backups to choose from, newest first; those that cannot be read are listed first and marked
 * (as `restore latest` refuses them, never silently skipping to an older one), and choosing one
 * says why it cannot be restored.
 */
async function pickSnapshot(ctx: BackupCommandContext, list: { snapshots: readonly SnapshotInfo[]; damaged?: readonly { id: string; reason: string }[] }, title: string): Promise<SnapshotInfo | undefined> {
  const damaged = list.damaged ?? [];
  if (list.snapshots.length === 0 && damaged.length === 0) throw new VaultError('not-found', 'no snapshots', { hint: vscode.l10n.t('There are no backups of this vault yet.'), remedy: 'create-backup' });
  const items = [
    ...damaged.map((d) => ({
      label: vscode.l10n.t('$(warning) Backup {0} cannot be read', d.id.slice(0, 8)),
      description: vscode.l10n.t('damaged'),
      detail: d.reason,
      damaged: d,
    })),
    ...[...list.snapshots].reverse().map((s) => ({ ...describeSnapshot(s), snapshot: s })),
  ];
  const picked = await ctx.ui().pick({ id: 'snapshot', title, placeHolder: vscode.l10n.t('Which backup?'), items });
  if (picked && 'damaged' in picked) {
    throw new VaultError('corrupt', `snapshot ${picked.damaged.id} unreadable: ${picked.damaged.reason}`, {
      hint: vscode.l10n.t('Backup {0} cannot be read, so it cannot be restored; choose another one.', picked.damaged.id.slice(0, 8)),
      remedy: 'verify-backups',
    });
  }
  return picked?.snapshot;
}

export interface RestoreArgs {
  /** Skip the folder dialog (tests; other extensions). */
  readonly folder?: vscode.Uri;
}

export async function restoreBackup(ctx: BackupCommandContext, arg?: unknown, extra?: unknown): Promise<unknown> {
  const node = isSnapshotNode(arg) ? arg : undefined;
  const f = await chooseVault(ctx, needs.unlocked, vscode.l10n.t('Restore Backup'), node ? node.folder.uri : arg);
  if (!f) return undefined;
  const { service } = ctx.backups.of(f);
  const snap = node?.snapshot ?? (await pickSnapshot(ctx, await service.list(), vscode.l10n.t('Restore Backup')));
  if (!snap) return undefined;
  const how = await ctx.ui().pick({
    id: 'restore-how',
    title: vscode.l10n.t('Restore the backup of {0}', formatTime(snap.time)),
    placeHolder: vscode.l10n.t('Restore what, and where?'),
    items: [
      {
        label: vscode.l10n.t('$(history) The whole vault, here'),
        detail: vscode.l10n.t('Replaces everything in this vault with the backup. A safety backup of the current state is made first.'),
        how: 'in-place' as const,
      },
      { label: vscode.l10n.t('$(new-folder) The whole vault, into a new folder…'), detail: vscode.l10n.t('Leaves this vault alone and makes a new vault from the backup.'), how: 'folder' as const },
      { label: vscode.l10n.t('$(file) One entry…'), detail: vscode.l10n.t('Brings back one character, NPC, session… as it was in the backup.'), how: 'entry' as const },
    ],
  });
  if (!how) return undefined;
  if (how.how === 'in-place') {
    const reason = all(needs.writable)(f);
    if (reason) throw new VaultError('read-only-session', 'restore needs the writer', { hint: reason.text });
    const restore = LABELS.restore;
    const ok = await ctx.ui().message({
      id: 'confirm-restore',
      severity: 'warning',
      modal: true,
      text: vscode.l10n.t('Replace the whole vault with the backup of {0}?', formatTime(snap.time)),
      detail: vscode.l10n.t('Everything changed since then is replaced. A safety backup of the current state is made first, so this can be undone with "Restore Backup…".'),
      actions: [restore],
    });
    if (ok !== restore) return undefined;
    const r = await cancellable(ctx, 'restore', vscode.l10n.t('Restoring the backup'), (progress, token) => service.restore(snap.id, { inPlace: true }, { progress, token }));
    await ctx.backups.refresh();
    if (!r) return undefined;
    const safety = r.safetySnapshot?.shortId ?? '';
    summarize(
      ctx,
      'restored',
      r.files
        ? vscode.l10n.t('Restored the backup of {0}: {1} entries, {2} files put back. The state before is kept as backup {3}.', formatTime(snap.time), r.entities, r.files, safety)
        : vscode.l10n.t('Restored the backup of {0}: {1} entries. The state before is kept as backup {2}.', formatTime(snap.time), r.entities, safety),
    );
    return r;
  }
  if (how.how === 'folder') {
    let target = (extra as RestoreArgs | undefined)?.folder;
    if (!target) {
      const chosen = await vscode.window.showOpenDialog({ title: vscode.l10n.t('Restore into a new or empty folder'), openLabel: vscode.l10n.t('Restore Here'), canSelectFiles: false, canSelectFolders: true, canSelectMany: false });
      if (!chosen?.[0]) return undefined;
      target = chosen[0];
    }
    checkRestoreTarget(target.fsPath);
    let password: string | undefined;
    if (f.encrypted) {
      password = await askNewPassword(ctx.ui(), vscode.l10n.t('Restore into a new vault'), vscode.l10n.t('Choose a password for the restored vault'));
      if (password === undefined) return undefined;
    }
    const folder = target.fsPath;
    const r = await cancellable(ctx, 'restore', vscode.l10n.t('Restoring into a new vault'), (progress, token) =>
      restoreIntoFolder(service, snap.id, folder, { newVault: ctx.newVault, ...(password !== undefined ? { password } : {}), progress, token }),
    );
    if (!r) return undefined;
    if (r.recoveryKey) await showRecoveryKey(ctx, r.recoveryKey, vscode.l10n.t('The restored vault has its own recovery key. Store it somewhere safe: it is shown only now.'));
    summarize(ctx, 'restored', vscode.l10n.t('Restored the backup of {0} into {1}: {2} entries, {3} files. Open that folder to use it.', formatTime(snap.time), target.fsPath, r.entities, r.files));
    return r;
  }
  const kind = await ctx.ui().pick({ id: 'restore-kind', title: vscode.l10n.t('Restore One Entry'), placeHolder: vscode.l10n.t('What kind of entry?'), items: ENTITY_KINDS.map((k) => ({ label: capital(KINDS[k].label), entryKind: k as EntityKind })) });
  if (!kind) return undefined;
  const name = await askText(ctx.ui(), {
    id: 'restore-entry',
    title: vscode.l10n.t('Restore One Entry'),
    prompt: vscode.l10n.t("The {0}'s name (or id) in the backup", KINDS[kind.entryKind].label),
    validate: (v, final) => (final && v.trim() === '' ? vscode.l10n.t('Give a name.') : undefined),
  });
  if (name === undefined) return undefined;
  const r = await service.restoreEntity(snap.id, kind.entryKind, name.trim());
  summarize(ctx, 'restored', vscode.l10n.t('Restored {0} “{1}” as it was on {2}.', KINDS[kind.entryKind].label, r.entity.name, formatTime(snap.time)));
  return r;
}

// ── Verify, Prune ─────────────────────────────────────────────────────────────────────────────

export async function verifyBackups(ctx: BackupCommandContext, arg?: unknown): Promise<unknown> {
  const f = await chooseVault(ctx, needs.unlocked, vscode.l10n.t('Verify Backups'), arg);
  if (!f) return undefined;
  const mode = await ctx.ui().pick({
    id: 'verify-mode',
    title: vscode.l10n.t('Verify Backups'),
    placeHolder: vscode.l10n.t('How thoroughly?'),
    items: [
      { label: vscode.l10n.t('Check the structure'), detail: vscode.l10n.t('Every backup is complete and every piece is where it should be (fast).'), opts: {} as VerifyOptions },
      { label: vscode.l10n.t('Re-read everything'), detail: vscode.l10n.t('Also decrypt and check every piece of data (reads the whole repository).'), opts: { readData: true } as VerifyOptions },
      {
        label: vscode.l10n.t('Re-read a tenth'),
        detail: vscode.l10n.t('Read one tenth of the data, a different tenth each day of the month.'),
        opts: { subset: { n: (new Date().getDate() % 10) + 1, of: 10 } } as VerifyOptions },
    ],
  });
  if (!mode) return undefined;
  const { service } = ctx.backups.of(f);
  const report = await cancellable(ctx, 'verify', vscode.l10n.t('Verifying backups'), (progress, token) => service.verify({ ...mode.opts, progress, token }));
  if (!report) return undefined;
  ctx.backups.setReport(f.folder, makeReport(new Date().toISOString(), report.findings));
  if (report.ok) {
    summarize(
      ctx,
      'verified',
      report.packsChecked
        ? vscode.l10n.t('All {0} backups are intact ({1} data files, {2} read and checked).', report.snapshots, report.packsChecked, formatBytes(report.bytesRead))
        : vscode.l10n.t('All {0} backups are intact.', report.snapshots),
    );
  } else {
    const showReport = LABELS.showReport;
    const choice = await ctx.ui().message({
      id: 'verified',
      severity: 'error',
      text: vscode.l10n.t('{0} of {1} backups are damaged. The others can still be restored.', report.damagedSnapshots.length, report.snapshots),
      actions: [showReport],
    });
    if (choice === showReport) void vscode.commands.executeCommand('campaignVault.integrity.focus');
  }
  return report;
}

export async function pruneBackups(ctx: BackupCommandContext, arg?: unknown): Promise<unknown> {
  const f = await chooseVault(ctx, needs.unlocked, vscode.l10n.t('Prune Backups'), arg);
  if (!f) return undefined;
  const { service } = ctx.backups.of(f);
  const policy = ctx.backups.retention(f.folder);
  const plan = await service.prune(policy, { dryRun: true });
  if (plan.forgotten.length === 0) {
    summarize(ctx, 'pruned', vscode.l10n.t('Nothing to prune: the retention settings keep all {0} backups.', plan.kept.length));
    return plan;
  }
  const del = LABELS.delete;
  const ok = await ctx.ui().message({
    id: 'confirm-prune',
    severity: 'warning',
    modal: true,
    text: vscode.l10n.t('Delete {0} of {1} backups?', plan.forgotten.length, plan.kept.length + plan.forgotten.length),
    detail: vscode.l10n.t(
      'Kept: the last {0}, and the newest of each of the last {1} hours, {2} days, {3} weeks and {4} months (settings "{5}"). Data the kept backups use is never deleted.',
      policy.last,
      policy.hourly,
      policy.daily,
      policy.weekly,
      policy.monthly,
      'campaignVault.backup.keep…',
    ),
    actions: [del],
  });
  if (ok !== del) return undefined;
  const r = await cancellable(ctx, 'prune', vscode.l10n.t('Pruning backups'), (_progress, token) => service.prune(policy, { token }));
  await ctx.backups.refresh();
  if (!r) return undefined;
  summarize(ctx, 'pruned', vscode.l10n.t('Deleted {0} backups and freed {1}; {2} kept.', r.forgotten.length, formatBytes(r.bytesFreed), r.kept.length));
  return r;
}

// ── Portable backups ──────────────────────────────────────────────────────────────────────────

export async function exportPortableBackup(ctx: BackupCommandContext, arg?: unknown, extra?: unknown): Promise<string | undefined> {
  const f = await chooseVault(ctx, needs.unlocked, vscode.l10n.t('Export Portable Backup'), arg);
  if (!f) return undefined;
  const campaigns = await f.dm.list('campaign');
  const scope = await ctx.ui().pick({
    id: 'portable-scope',
    title: vscode.l10n.t('Export Portable Backup'),
    placeHolder: vscode.l10n.t('What goes into the file?'),
    items: [{ label: vscode.l10n.t('$(archive) The whole vault'), campaign: undefined as string | undefined }, ...campaigns.map((c) => ({ label: `$(book) ${c.name}`, campaign: c.id as string | undefined }))],
  });
  if (!scope) return undefined;
  let target = extra instanceof vscode.Uri ? extra : undefined;
  if (!target) {
    target = await vscode.window.showSaveDialog({ title: vscode.l10n.t('Save the portable backup'), saveLabel: vscode.l10n.t('Export'), filters: { [vscode.l10n.t('Campaign Vault portable backup')]: ['cvbackup'] } });
    if (!target) return undefined;
  }
  const password = await askNewPassword(ctx.ui(), vscode.l10n.t('Export Portable Backup'), vscode.l10n.t("Choose a password for the file (it is separate from the vault's)"));
  if (password === undefined) return undefined;
  const bytes = await ctx.ui().progress({ id: 'export-portable', title: vscode.l10n.t('Writing the portable backup') }, () =>
    exportPortable(f.dm, {
      password,
      ...(scope.campaign ? { campaign: scope.campaign } : {}),
      files: f.dm.vaultFiles(),
      suite: nodeCipherSuite,
      random: nodeRandom,
      clock: systemClock,
      extensionVersion: ctx.extensionVersion,
    }),
  );
  if (existsSync(target.fsPath)) throw new VaultError('exists', 'file exists', { hint: vscode.l10n.t('{0} already exists; choose another name.', target.fsPath) });
  writeFileSync(target.fsPath, bytes, { flag: 'wx', mode: 0o600 });
  summarize(
    ctx,
    'exported',
    scope.campaign
      ? vscode.l10n.t('Saved the campaign in {0} ({1}). "Import Portable Backup" reads it on any computer with its password.', target.fsPath, formatBytes(bytes.length))
      : vscode.l10n.t('Saved the whole vault in {0} ({1}). "Import Portable Backup" reads it on any computer with its password.', target.fsPath, formatBytes(bytes.length)),
  );
  return target.fsPath;
}

export async function importPortableBackup(ctx: BackupCommandContext, arg?: unknown, extra?: unknown): Promise<unknown> {
  const f = await chooseVault(ctx, needs.writable, vscode.l10n.t('Import Portable Backup'), arg);
  if (!f) return undefined;
  let source = extra instanceof vscode.Uri ? extra : undefined;
  if (!source) {
    const chosen = await vscode.window.showOpenDialog({
      title: vscode.l10n.t('Import a portable backup'),
      openLabel: vscode.l10n.t('Import'),
      canSelectMany: false,
      filters: { [vscode.l10n.t('Campaign Vault portable backup')]: ['cvbackup'], [vscode.l10n.t('All files')]: ['*'] },
    });
    if (!chosen?.[0]) return undefined;
    source = chosen[0];
  }
  const bytes = new Uint8Array(readFileSync(source.fsPath));
  // The import is the password's check (no second key derivation): a wrong one is said in the box,
  // which stays open; a file that cannot be imported closes it with the error.
  let r: PortableImportResult | undefined;
  await askText(ctx.ui(), {
    id: 'portable-password',
    title: vscode.l10n.t('Import Portable Backup'),
    prompt: vscode.l10n.t('The password of the backup file'),
    password: true,
    validate: requiredPassword,
    accept: async (password) => {
      try {
        r = await importPortable(f.dm, bytes, { password, suite: nodeCipherSuite, files: f.dm.vaultFiles() });
        return undefined;
      } catch (e) {
        if (!isVaultError(e, 'wrong-password')) throw e;
        return vscode.l10n.t('{0} Try again.', e.userMessage);
      }
    },
    acceptingPrompt: vscode.l10n.t('Checking the password and importing…'),
  });
  if (!r) return undefined;
  const skipped = r.skipped.length ? vscode.l10n.t(' ({0} already here were left alone)', r.skipped.length) : '';
  const into = r.campaigns.length ? vscode.l10n.t(' into {0}', r.campaigns.map((c) => c.name).join(', ')) : '';
  summarize(ctx, 'imported', vscode.l10n.t('Imported {0} entries{1} and {2} files{3}.', r.created.length, skipped, r.files, into));
  return r;
}

// ── Integrity ─────────────────────────────────────────────────────────────────────────────────

export async function checkIntegrity(ctx: BackupCommandContext, arg?: unknown): Promise<unknown> {
  const f = await chooseVault(ctx, needs.unlocked, vscode.l10n.t('Check Integrity'), arg);
  if (!f) return undefined;
  const report = await ctx.ui().progress({ id: 'check', title: vscode.l10n.t('Checking the vault') }, () => checkEverything(f.dm.healthVault(), ctx.backups.of(f).service, { deep: true }));
  ctx.backups.setReport(f.folder, report);
  if (report.ok) {
    const notes = report.counts.info;
    summarize(
      ctx,
      'checked',
      !notes
        ? vscode.l10n.t('The vault is whole: no problems found.')
        : notes === 1
          ? vscode.l10n.t('The vault is whole: no problems found ({0} note in the Integrity view).', notes)
          : vscode.l10n.t('The vault is whole: no problems found ({0} notes in the Integrity view).', notes),
    );
  } else {
    const fixable = report.findings.filter((x) => x.fixable && x.severity !== 'info').length;
    const { repair, showReport } = LABELS;
    const choice = await ctx.ui().message({
      id: 'checked',
      severity: report.counts.error ? 'error' : 'warning',
      text: vscode.l10n.t('Found {0} and {1}; {2} can be repaired automatically.', errorCount(report.counts.error), warningCount(report.counts.warning), fixable),
      actions: fixable ? [repair, showReport] : [showReport],
    });
    if (choice === repair) await vscode.commands.executeCommand('campaignVault.repairIntegrity', f.folder.uri);
    if (choice === showReport) void vscode.commands.executeCommand('campaignVault.integrity.focus');
  }
  return report;
}

/** Repairs every fixable finding, or only those with the code of the clicked finding. */
export async function repairIntegrity(ctx: BackupCommandContext, arg?: unknown): Promise<unknown> {
  const finding = typeof arg === 'object' && arg !== null && (arg as { type?: string }).type === 'finding' ? (arg as { folder: vscode.WorkspaceFolder; finding: { code: string } }) : undefined;
  const f = await chooseVault(ctx, needs.writable, vscode.l10n.t('Repair Integrity Issues'), finding ? finding.folder.uri : arg);
  if (!f) return undefined;
  const service = ctx.backups.of(f).service;
  const before = await ctx.ui().progress({ id: 'check', title: vscode.l10n.t('Checking the vault') }, () => checkEverything(f.dm.healthVault(), service, { deep: true }));
  const codes = finding ? [finding.finding.code] : undefined;
  const fixable = before.findings.filter((x) => x.fixable && (!codes || codes.includes(x.code)));
  if (fixable.length === 0) {
    ctx.backups.setReport(f.folder, before);
    summarize(ctx, 'repaired', vscode.l10n.t('Nothing to repair automatically.'));
    return { fixed: [], remaining: before.findings };
  }
  const repair = LABELS.repair;
  const ok = await ctx.ui().message({
    id: 'confirm-repair',
    severity: 'warning',
    modal: true,
    text: fixable.length === 1 ? vscode.l10n.t('Repair {0} problem?', fixable.length) : vscode.l10n.t('Repair {0} problems?', fixable.length),
    detail: vscode.l10n.t(
      'A safety backup is made first. The database is repaired on a copy, checked again, and only then replaces the current one. Missing or damaged files come back from the newest backup that has them.',
    ),
    actions: [repair],
  });
  if (ok !== repair) return undefined;
  const r = await ctx.ui().progress({ id: 'repair', title: vscode.l10n.t('Repairing') }, () => repairEverything(f.dm.healthVault(), service, { ...(codes ? { codes } : {}) }));
  ctx.backups.setReport(f.folder, r.after);
  await ctx.backups.refresh();
  const left = r.after.findings.filter((x) => x.severity !== 'info').length;
  const repaired = r.fixed.length === 1 ? vscode.l10n.t('Repaired {0} problem.', r.fixed.length) : vscode.l10n.t('Repaired {0} problems.', r.fixed.length);
  const rest = left ? vscode.l10n.t('{0} remain that need you: see the Integrity view.', left) : vscode.l10n.t('The vault is whole.');
  summarize(ctx, 'repaired', `${repaired} ${rest}`, left ? 'warning' : 'info');
  return r;
}

/** Opens the entry a finding is about (the Integrity view's "go to"). */
export async function goToFinding(ctx: BackupCommandContext, arg?: unknown): Promise<boolean> {
  const node = arg as { folder?: vscode.WorkspaceFolder; finding?: { entity?: { kind: string; id: string } } } | undefined;
  const target = node?.finding?.entity;
  const f = node?.folder && ctx.vaults.folders.find((x) => x.folder.uri.toString() === node.folder!.uri.toString());
  if (!target || !f || !(ENTITY_KINDS as readonly string[]).includes(target.kind)) return false;
  const entity = await f.dm.get(target.kind as EntityKind, target.id);
  if (!entity) {
    summarize(ctx, 'cannot-run', vscode.l10n.t('That entry no longer exists.'));
    return false;
  }
  const { EntityFileSystem } = await import('../documents/entityFs');
  await vscode.commands.executeCommand('vscode.open', await EntityFileSystem.uriOf(f.folder, f.dm, entity));
  return true;
}

/** "1 error", "3 errors": a count of findings, worded for a sentence. */
export function errorCount(n: number): string {
  return n === 1 ? vscode.l10n.t('{0} error', n) : vscode.l10n.t('{0} errors', n);
}

/** "1 warning", "3 warnings". */
export function warningCount(n: number): string {
  return n === 1 ? vscode.l10n.t('{0} warning', n) : vscode.l10n.t('{0} warnings', n);
}
