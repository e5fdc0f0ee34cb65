import type { DataManager } from '../api';
import { isVaultError } from '../errors';
import { withFindings, type IntegrityReport } from '../integrity';
import type { BackupService } from './service';
import type { Finding } from './types';

/**
 * The whole integrity check a game master runs (docs/INTEGRITY.md): the database and the vault's
 * own files (DataManager.checkIntegrity), the file store (every asset's file present, and with
 * `deep` read back and hashed; files no entry uses), and the backup repository (its structure).
 */
export async function checkEverything(dm: DataManager, backups: BackupService | undefined, opts: { deep?: boolean } = {}): Promise<IntegrityReport> {
  const report = await dm.checkIntegrity(opts);
  const extra: Finding[] = [...(await checkFileStore(dm, opts))];
  if (backups) {
    try {
      const v = await backups.verify({});
      extra.push(...v.findings.filter((f) => f.code !== 'backup.none'));
      const list = await backups.list();
      if (list.snapshots.length === 0) extra.push({ code: 'backup.none', severity: 'info', message: 'There are no backups of this vault yet. Run "Create Backup".', fixable: false });
    } catch (e) {
      extra.push({ code: 'backup.unreadable', severity: 'error', message: `The backups cannot be opened: ${isVaultError(e) ? e.userMessage : String(e)}`, fixable: false });
    }
  }
  return withFindings(report, extra);
}

/** Assets whose file is missing or (deep) damaged, and stored files no asset uses. */
export async function checkFileStore(dm: DataManager, opts: { deep?: boolean } = {}): Promise<Finding[]> {
  const findings: Finding[] = [];
  const stored = new Map((await dm.listFiles()).map((f) => [f.hash, f.size]));
  const used = new Set<string>();
  for (const asset of await dm.list('asset', { include_deleted: true, limit: 10_000 })) {
    const hash = typeof asset.hash === 'string' ? asset.hash : undefined;
    if (!hash) continue;
    used.add(hash);
    const entity = { kind: 'asset', id: asset.id, name: asset.name };
    if (!stored.has(hash)) {
      findings.push({ code: 'files.missing', severity: 'error', message: `The file of asset "${asset.name}" is missing. Repair puts it back from the newest backup that has it.`, where: hash, entity, fixable: true });
      continue;
    }
    if (opts.deep) {
      try {
        await dm.readFile(hash);
      } catch (e) {
        if (!isVaultError(e, 'corrupt')) throw e;
        findings.push({ code: 'files.corrupt', severity: 'error', message: `The file of asset "${asset.name}" is damaged. Repair puts it back from the newest backup that has it.`, where: hash, entity, fixable: true });
      }
    }
  }
  for (const hash of stored.keys()) {
    if (!used.has(hash)) findings.push({ code: 'files.orphan', severity: 'info', message: 'A stored file is not used by any asset (left by deleting an asset for good). Repair deletes it.', where: hash, fixable: true });
  }
  return findings;
}

/**
 * Repairs what can be repaired: database findings on a copy with a safety backup first
 * (DataManager.repairIntegrity), missing or damaged files from the newest backup that has them,
 * and unused files deleted. Then checks again.
 */
export async function repairEverything(
  dm: DataManager,
  backups: BackupService | undefined,
  opts: { codes?: readonly string[]; deep?: boolean } = {},
): Promise<{ fixed: Finding[]; remaining: Finding[]; after: IntegrityReport }> {
  const before = await checkEverything(dm, backups, { deep: true });
  const wanted = (f: Finding) => f.fixable && (!opts.codes || opts.codes.includes(f.code));
  const fixed: Finding[] = [];
  const fileFindings = before.findings.filter((f) => f.code.startsWith('files.') && wanted(f));
  const dbFindings = before.findings.filter((f) => !f.code.startsWith('files.') && !f.code.startsWith('backup.') && wanted(f));
  if (dbFindings.length > 0) {
    // The safety backup comes first: repairIntegrity's beforeSwap runs inside the DataManager's
    // queue, where a backup (which reads the vault through that queue) would wait forever.
    if (backups) await backups.create({ kind: 'safety', note: 'Before repairing integrity issues' });
    const r = await dm.repairIntegrity({ codes: [...new Set(dbFindings.map((f) => f.code))] });
    fixed.push(...r.fixed);
  }
  const repoFindings = before.findings.filter((f) => f.code.startsWith('backup.') && wanted(f));
  if (backups && repoFindings.length > 0) {
    const done = await backups.repairRepository([...new Set(repoFindings.map((f) => f.code))]);
    fixed.push(...repoFindings.filter((f) => done.includes(f.code)));
  }
  for (const f of fileFindings) {
    const hash = f.where!;
    if (f.code === 'files.orphan') {
      await dm.deleteFile(hash);
      fixed.push(f);
    } else if (backups && (await backups.restoreFile(hash))) {
      fixed.push(f);
    }
  }
  const after = await checkEverything(dm, backups, { deep: opts.deep ?? false });
  return { fixed, remaining: after.findings.filter((f) => f.severity !== 'info' || f.fixable), after };
}
