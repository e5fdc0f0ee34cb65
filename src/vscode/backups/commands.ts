// The backup and integrity commands: Create Backup, Restore Backup…, Verify Backups, Prune
// Backups, Export/Import Portable Backup, Check Integrity, Repair Integrity Issues. Each asks
// through the prompter (tests answer by id), shows progress, and can be cancelled where that is safe.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { checkEverything, repairEverything } from '../../core/backup/health';
import { makeReport } from '../../core/integrity';
import { exportPortable, importPortable } from '../../core/backup/portable';
import type { SnapshotInfo, VerifyOptions } from '../../core/backup/types';
import { ENTITY_KINDS, KINDS, type EntityKind } from '../../core/db/kinds';
import { VaultError, isVaultError } from '../../core/errors';
import { nodeCipherSuite, nodeRandom, systemClock } from '../../node/system';
import { all, cancellationAdapter, capital, chooseVault, needs, type VaultCommandContext } from '../commands/common';
import { askNewPassword, askText, requiredPassword } from '../commands/passwords';
import type { BackupManager } from './backupManager';

export interface BackupCommandContext extends VaultCommandContext {
  readonly backups: BackupManager;
  readonly extensionVersion: string;
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

const KIND_WORDS: Record<string, string> = { manual: 'manual', scheduled: 'scheduled', safety: 'safety (automatic)' };

export function describeSnapshot(s: SnapshotInfo): { label: string; description: string; detail: string } {
  const entries = Object.entries(s.counts).reduce((n, [k, v]) => (k === 'files' ? n : n + v), 0);
  return {
    label: formatTime(s.time),
    description: [KIND_WORDS[s.kind] ?? s.kind, s.note].filter(Boolean).join(' · '),
    detail: `${s.shortId} · ${entries} entries, ${s.counts.files ?? 0} files · ${formatBytes(s.sizes.logical)}, ${formatBytes(s.sizes.added)} added${s.missingFiles?.length ? ` · ${s.missingFiles.length} damaged file(s) left out` : ''}`,
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
  const f = await chooseVault(ctx, needs.unlocked, 'Create Backup', arg);
  if (!f) return undefined;
  const note = await ctx.ui().input({ id: 'backup-note', title: 'Create Backup', prompt: 'A note to find this backup by (optional), e.g. "before session 12"', validate: (v) => (v.length > 500 ? 'Keep the note under 500 characters.' : undefined) });
  if (note === undefined || typeof note !== 'string') return undefined;
  const { service } = ctx.backups.of(f);
  const snap = await cancellable(ctx, 'backup', 'Backing up the vault', (progress, token) => service.create({ note, progress, token }));
  await ctx.backups.refresh();
  if (!snap) return undefined;
  const d = describeSnapshot(snap);
  summarize(ctx, 'backed-up', `Backup ${snap.shortId} made: ${d.detail.split(' · ').slice(1).join(' · ')}.${snap.missingFiles?.length ? ' Some damaged files were left out: run "Check Integrity".' : ''}`, snap.missingFiles?.length ? 'warning' : 'info');
  return snap;
}

// ── Restore Backup… ─────────────────────────────────────────────────────────────────────────

async function pickSnapshot(ctx: BackupCommandContext, snapshots: readonly SnapshotInfo[], title: string): Promise<SnapshotInfo | undefined> {
  if (snapshots.length === 0) throw new VaultError('not-found', 'no snapshots', { hint: 'There are no backups of this vault yet. Run "Create Backup" first.' });
  const picked = await ctx.ui().pick({ id: 'snapshot', title, placeHolder: 'Which backup?', items: [...snapshots].reverse().map((s) => ({ ...describeSnapshot(s), snapshot: s })) });
  return picked?.snapshot;
}

export interface RestoreArgs {
  /** Skip the folder dialog (tests; other extensions). */
  readonly folder?: vscode.Uri;
}

export async function restoreBackup(ctx: BackupCommandContext, arg?: unknown, extra?: unknown): Promise<unknown> {
  const node = isSnapshotNode(arg) ? arg : undefined;
  const f = await chooseVault(ctx, needs.unlocked, 'Restore Backup', node ? node.folder.uri : arg);
  if (!f) return undefined;
  const { service } = ctx.backups.of(f);
  const snap = node?.snapshot ?? (await pickSnapshot(ctx, (await service.list()).snapshots, 'Restore Backup'));
  if (!snap) return undefined;
  const how = await ctx.ui().pick({
    id: 'restore-how',
    title: `Restore the backup of ${formatTime(snap.time)}`,
    placeHolder: 'Restore what, and where?',
    items: [
      { label: '$(history) The whole vault, here', detail: 'Replaces everything in this vault with the backup. A safety backup of the current state is made first.', how: 'in-place' as const },
      { label: '$(new-folder) The whole vault, into a new folder…', detail: 'Leaves this vault alone and makes a new vault from the backup.', how: 'folder' as const },
      { label: '$(file) One entry…', detail: 'Brings back one character, NPC, session… as it was in the backup.', how: 'entry' as const },
    ],
  });
  if (!how) return undefined;
  if (how.how === 'in-place') {
    const reason = all(needs.writable)(f);
    if (reason) throw new VaultError('read-only-session', 'restore needs the writer', { hint: reason.text });
    const ok = await ctx.ui().message({
      id: 'confirm-restore',
      severity: 'warning',
      modal: true,
      text: `Replace the whole vault with the backup of ${formatTime(snap.time)}?`,
      detail: 'Everything changed since then is replaced. A safety backup of the current state is made first, so this can be undone with "Restore Backup…".',
      actions: ['Restore'],
    });
    if (ok !== 'Restore') return undefined;
    const r = await cancellable(ctx, 'restore', 'Restoring the backup', (progress, token) => service.restore(snap.id, { inPlace: true }, { progress, token }));
    await ctx.backups.refresh();
    if (!r) return undefined;
    summarize(ctx, 'restored', `Restored the backup of ${formatTime(snap.time)}: ${r.entities} entries${r.files ? `, ${r.files} files put back` : ''}. The state before is kept as backup ${r.safetySnapshot?.shortId ?? ''}.`);
    return r;
  }
  if (how.how === 'folder') {
    let target = (extra as RestoreArgs | undefined)?.folder;
    if (!target) {
      const chosen = await vscode.window.showOpenDialog({ title: 'Restore into a new or empty folder', openLabel: 'Restore Here', canSelectFiles: false, canSelectFolders: true, canSelectMany: false });
      if (!chosen?.[0]) return undefined;
      target = chosen[0];
    }
    if (existsSync(target.fsPath) && readdirSync(target.fsPath).length > 0) throw new VaultError('exists', 'target not empty', { hint: `${target.fsPath} is not empty. Choose a new or empty folder.` });
    let password: string | undefined;
    if (f.encrypted) {
      password = await askNewPassword(ctx.ui(), 'Restore into a new vault', 'Choose a password for the restored vault');
      if (password === undefined) return undefined;
    }
    const { nodeDataManager } = await import('../../node/dataManager');
    const r = await cancellable(ctx, 'restore', 'Restoring into a new vault', (progress, token) =>
      service.restore(snap.id, { folder: target.fsPath, ...(password !== undefined ? { password } : {}) }, { newVault: (dir) => ({ dm: nodeDataManager(dir, { app: 'VS Code' }) }), progress, token }),
    );
    if (!r) return undefined;
    if (r.recoveryKey) {
      const choice = await ctx.ui().message({ id: 'recovery-key', severity: 'warning', modal: true, text: 'The restored vault has its own recovery key. Store it somewhere safe: it is shown only now.', detail: r.recoveryKey, actions: ['Copy'] });
      if (choice === 'Copy') await ctx.ui().copy(r.recoveryKey);
    }
    summarize(ctx, 'restored', `Restored the backup of ${formatTime(snap.time)} into ${target.fsPath}: ${r.entities} entries, ${r.files} files. Open that folder to use it.`);
    return r;
  }
  const kind = await ctx.ui().pick({ id: 'restore-kind', title: 'Restore One Entry', placeHolder: 'What kind of entry?', items: ENTITY_KINDS.map((k) => ({ label: capital(KINDS[k].label), entryKind: k as EntityKind })) });
  if (!kind) return undefined;
  const name = await askText(ctx.ui(), { id: 'restore-entry', title: 'Restore One Entry', prompt: `The ${KINDS[kind.entryKind].label}'s name (or id) in the backup`, validate: (v, final) => (final && v.trim() === '' ? 'Give a name.' : undefined) });
  if (name === undefined) return undefined;
  const r = await service.restoreEntity(snap.id, kind.entryKind, name.trim());
  summarize(ctx, 'restored', `Restored ${KINDS[kind.entryKind].label} “${r.entity.name}” as it was on ${formatTime(snap.time)}.`);
  return r;
}

// ── Verify, Prune ─────────────────────────────────────────────────────────────────────────────

export async function verifyBackups(ctx: BackupCommandContext, arg?: unknown): Promise<unknown> {
  const f = await chooseVault(ctx, needs.unlocked, 'Verify Backups', arg);
  if (!f) return undefined;
  const mode = await ctx.ui().pick({
    id: 'verify-mode',
    title: 'Verify Backups',
    placeHolder: 'How thoroughly?',
    items: [
      { label: 'Check the structure', detail: 'Every backup is complete and every piece is where it should be (fast).', opts: {} as VerifyOptions },
      { label: 'Re-read everything', detail: 'Also decrypt and check every piece of data (reads the whole repository).', opts: { readData: true } as VerifyOptions },
      { label: 'Re-read a tenth', detail: 'Read one tenth of the data, a different tenth each day of the month.', opts: { subset: { n: (new Date().getDate() % 10) + 1, of: 10 } } as VerifyOptions },
    ],
  });
  if (!mode) return undefined;
  const { service } = ctx.backups.of(f);
  const report = await cancellable(ctx, 'verify', 'Verifying backups', (progress, token) => service.verify({ ...mode.opts, progress, token }));
  if (!report) return undefined;
  ctx.backups.setReport(f.folder, makeReport(new Date().toISOString(), report.findings));
  if (report.ok) summarize(ctx, 'verified', `All ${report.snapshots} backups are intact${report.packsChecked ? ` (${report.packsChecked} data files, ${formatBytes(report.bytesRead)} read and checked)` : ''}.`);
  else {
    const choice = await ctx.ui().message({ id: 'verified', severity: 'error', text: `${report.damagedSnapshots.length} of ${report.snapshots} backups are damaged. The others can still be restored.`, actions: ['Show Report'] });
    if (choice === 'Show Report') void vscode.commands.executeCommand('campaignVault.integrity.focus');
  }
  return report;
}

export async function pruneBackups(ctx: BackupCommandContext, arg?: unknown): Promise<unknown> {
  const f = await chooseVault(ctx, needs.unlocked, 'Prune Backups', arg);
  if (!f) return undefined;
  const { service } = ctx.backups.of(f);
  const policy = ctx.backups.retention(f.folder);
  const plan = await service.prune(policy, { dryRun: true });
  if (plan.forgotten.length === 0) {
    summarize(ctx, 'pruned', `Nothing to prune: the retention settings keep all ${plan.kept.length} backups.`);
    return plan;
  }
  const ok = await ctx.ui().message({
    id: 'confirm-prune',
    severity: 'warning',
    modal: true,
    text: `Delete ${plan.forgotten.length} of ${plan.kept.length + plan.forgotten.length} backups?`,
    detail: `Kept: the last ${policy.last}, and the newest of each of the last ${policy.hourly} hours, ${policy.daily} days, ${policy.weekly} weeks and ${policy.monthly} months (settings "campaignVault.backup.keep…"). Data the kept backups use is never deleted.`,
    actions: ['Delete'],
  });
  if (ok !== 'Delete') return undefined;
  const r = await cancellable(ctx, 'prune', 'Pruning backups', (_progress, token) => service.prune(policy, { token }));
  await ctx.backups.refresh();
  if (!r) return undefined;
  summarize(ctx, 'pruned', `Deleted ${r.forgotten.length} backups and freed ${formatBytes(r.bytesFreed)}; ${r.kept.length} kept.`);
  return r;
}

// ── Portable backups ──────────────────────────────────────────────────────────────────────────

export async function exportPortableBackup(ctx: BackupCommandContext, arg?: unknown, extra?: unknown): Promise<string | undefined> {
  const f = await chooseVault(ctx, needs.unlocked, 'Export Portable Backup', arg);
  if (!f) return undefined;
  const campaigns = await f.dm.list('campaign');
  const scope = await ctx.ui().pick({
    id: 'portable-scope',
    title: 'Export Portable Backup',
    placeHolder: 'What goes into the file?',
    items: [{ label: '$(archive) The whole vault', campaign: undefined as string | undefined }, ...campaigns.map((c) => ({ label: `$(book) ${c.name}`, campaign: c.id as string | undefined }))],
  });
  if (!scope) return undefined;
  let target = extra instanceof vscode.Uri ? extra : undefined;
  if (!target) {
    target = await vscode.window.showSaveDialog({ title: 'Save the portable backup', saveLabel: 'Export', filters: { 'Campaign Vault portable backup': ['cvbackup'] } });
    if (!target) return undefined;
  }
  const password = await askNewPassword(ctx.ui(), 'Export Portable Backup', 'Choose a password for the file (it is separate from the vault\'s)');
  if (password === undefined) return undefined;
  const bytes = await ctx.ui().progress({ id: 'export-portable', title: 'Writing the portable backup' }, () =>
    exportPortable(f.dm, {
      password,
      ...(scope.campaign ? { campaign: scope.campaign } : {}),
      files: { read: (h) => f.dm.readFile(h), write: async (d) => (await f.dm.writeFile(d)).hash },
      suite: nodeCipherSuite,
      random: nodeRandom,
      clock: systemClock,
      extensionVersion: ctx.extensionVersion,
    }),
  );
  if (existsSync(target.fsPath)) throw new VaultError('exists', 'file exists', { hint: `${target.fsPath} already exists; choose another name.` });
  writeFileSync(target.fsPath, bytes, { flag: 'wx', mode: 0o600 });
  summarize(ctx, 'exported', `Saved ${scope.campaign ? 'the campaign' : 'the whole vault'} in ${target.fsPath} (${formatBytes(bytes.length)}). "Import Portable Backup" reads it on any computer with its password.`);
  return target.fsPath;
}

export async function importPortableBackup(ctx: BackupCommandContext, arg?: unknown, extra?: unknown): Promise<unknown> {
  const f = await chooseVault(ctx, needs.writable, 'Import Portable Backup', arg);
  if (!f) return undefined;
  let source = extra instanceof vscode.Uri ? extra : undefined;
  if (!source) {
    const chosen = await vscode.window.showOpenDialog({ title: 'Import a portable backup', openLabel: 'Import', canSelectMany: false, filters: { 'Campaign Vault portable backup': ['cvbackup'], 'All files': ['*'] } });
    if (!chosen?.[0]) return undefined;
    source = chosen[0];
  }
  const bytes = new Uint8Array(readFileSync(source.fsPath));
  const password = await askText(ctx.ui(), { id: 'portable-password', title: 'Import Portable Backup', prompt: 'The password of the backup file', password: true, validate: requiredPassword });
  if (password === undefined) return undefined;
  const r = await ctx.ui().progress({ id: 'import-portable', title: 'Importing the portable backup' }, () =>
    importPortable(f.dm, bytes, { password, suite: nodeCipherSuite, files: { read: (h) => f.dm.readFile(h), write: async (d) => (await f.dm.writeFile(d)).hash } }),
  );
  summarize(ctx, 'imported', `Imported ${r.created} entries${r.skipped ? ` (${r.skipped} already here were left alone)` : ''} and ${r.files} files${r.campaigns.length ? ` into ${r.campaigns.map((c) => c.name).join(', ')}` : ''}.`);
  return r;
}

// ── Integrity ─────────────────────────────────────────────────────────────────────────────────

export async function checkIntegrity(ctx: BackupCommandContext, arg?: unknown): Promise<unknown> {
  const f = await chooseVault(ctx, needs.unlocked, 'Check Integrity', arg);
  if (!f) return undefined;
  const report = await ctx.ui().progress({ id: 'check', title: 'Checking the vault' }, () => checkEverything(f.dm, ctx.backups.of(f).service, { deep: true }));
  ctx.backups.setReport(f.folder, report);
  if (report.ok) summarize(ctx, 'checked', `The vault is whole: no problems found${report.counts.info ? ` (${report.counts.info} note${report.counts.info === 1 ? '' : 's'} in the Integrity view)` : ''}.`);
  else {
    const fixable = report.findings.filter((x) => x.fixable && x.severity !== 'info').length;
    const choice = await ctx.ui().message({
      id: 'checked',
      severity: report.counts.error ? 'error' : 'warning',
      text: `Found ${report.counts.error} error${report.counts.error === 1 ? '' : 's'} and ${report.counts.warning} warning${report.counts.warning === 1 ? '' : 's'}; ${fixable} can be repaired automatically.`,
      actions: fixable ? ['Repair', 'Show Report'] : ['Show Report'],
    });
    if (choice === 'Repair') await vscode.commands.executeCommand('campaignVault.repairIntegrity', f.folder.uri);
    if (choice === 'Show Report') void vscode.commands.executeCommand('campaignVault.integrity.focus');
  }
  return report;
}

/** Repairs every fixable finding, or only those with the code of the clicked finding. */
export async function repairIntegrity(ctx: BackupCommandContext, arg?: unknown): Promise<unknown> {
  const finding = typeof arg === 'object' && arg !== null && (arg as { type?: string }).type === 'finding' ? (arg as { folder: vscode.WorkspaceFolder; finding: { code: string } }) : undefined;
  const f = await chooseVault(ctx, needs.writable, 'Repair Integrity Issues', finding ? finding.folder.uri : arg);
  if (!f) return undefined;
  const service = ctx.backups.of(f).service;
  const before = await ctx.ui().progress({ id: 'check', title: 'Checking the vault' }, () => checkEverything(f.dm, service, { deep: true }));
  const codes = finding ? [finding.finding.code] : undefined;
  const fixable = before.findings.filter((x) => x.fixable && (!codes || codes.includes(x.code)));
  if (fixable.length === 0) {
    ctx.backups.setReport(f.folder, before);
    summarize(ctx, 'repaired', 'Nothing to repair automatically.');
    return { fixed: [], remaining: before.findings };
  }
  const ok = await ctx.ui().message({
    id: 'confirm-repair',
    severity: 'warning',
    modal: true,
    text: `Repair ${fixable.length} problem${fixable.length === 1 ? '' : 's'}?`,
    detail: 'A safety backup is made first. The database is repaired on a copy, checked again, and only then replaces the current one. Missing or damaged files come back from the newest backup that has them.',
    actions: ['Repair'],
  });
  if (ok !== 'Repair') return undefined;
  const r = await ctx.ui().progress({ id: 'repair', title: 'Repairing' }, () => repairEverything(f.dm, service, { ...(codes ? { codes } : {}) }));
  ctx.backups.setReport(f.folder, r.after);
  await ctx.backups.refresh();
  const left = r.after.findings.filter((x) => x.severity !== 'info').length;
  summarize(ctx, 'repaired', `Repaired ${r.fixed.length} problem${r.fixed.length === 1 ? '' : 's'}.${left ? ` ${left} remain that need you: see the Integrity view.` : ' The vault is whole.'}`, left ? 'warning' : 'info');
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
    summarize(ctx, 'cannot-run', 'That entry no longer exists.');
    return false;
  }
  const { EntityFileSystem } = await import('../documents/entityFs');
  await vscode.commands.executeCommand('vscode.open', await EntityFileSystem.uriOf(f.folder, f.dm, entity));
  return true;
}
