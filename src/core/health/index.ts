/**
 * The whole-vault health check a game master runs (docs/INTEGRITY.md): the database and the vault's
 * own files, the file store, and the backup repository; and its repair. It composes the integrity
 * checks (through the vault's {@link HealthVault} port) and the backups (a {@link BackupService}),
 * so it sits above both: integrity/ and backup/ never import it.
 */
import type { HealthVault } from '../backup/port';
import type { BackupService } from '../backup/service';
import { isVaultError } from '../errors';
import { withFindings, type Finding, type IntegrityReport } from '../integrity';

/**
 * Checks everything: the database and the vault's own files (HealthVault.checkIntegrity), the file
 * store ({@link checkFileStore}), and, with `backups`, the backup repository's structure.
 */
export async function checkEverything(vault: HealthVault, backups: BackupService | undefined, opts: { deep?: boolean } = {}): Promise<IntegrityReport> {
  const report = await vault.checkIntegrity({ deep: opts.deep ?? false });
  const extra: Finding[] = [...(await checkFileStore(vault, opts))];
  if (backups) {
    try {
      const v = await backups.verify({});
      extra.push(...v.findings.filter((f) => f.code !== 'backup.none'));
      const list = await backups.list();
      if (list.snapshots.length === 0) extra.push({ code: 'backup.none', severity: 'info', message: 'There are no backups of this vault yet. Create one to be able to restore it.', fixable: false });
    } catch (e) {
      extra.push({ code: 'backup.unreadable', severity: 'error', message: `The backups cannot be opened: ${isVaultError(e) ? e.userMessage : String(e)}`, fixable: false });
    }
  }
  return withFindings(report, extra);
}

/**
 * Assets whose file is missing or (deep: read back and hashed) damaged, or (deep) whose picture
 * cannot be drawn into a thumbnail, and stored files no asset uses.
 */
export async function checkFileStore(vault: HealthVault, opts: { deep?: boolean } = {}): Promise<Finding[]> {
  const findings: Finding[] = [];
  const stored = new Map((await vault.storedFiles()).map((f) => [f.hash, f.size]));
  const used = new Set<string>();
  for (const asset of await vault.assetFiles()) {
    const hash = asset.hash;
    if (!hash) continue;
    used.add(hash);
    const entity = { kind: 'asset', id: asset.id, name: asset.name };
    if (!stored.has(hash)) {
      findings.push({ code: 'files.missing', severity: 'error', message: `The file of asset "${asset.name}" is missing. Repair puts it back from the newest backup that has it.`, where: hash, entity, fixable: true });
      continue;
    }
    if (opts.deep) {
      try {
        await vault.files.read(hash);
      } catch (e) {
        if (!isVaultError(e, 'corrupt')) throw e;
        findings.push({ code: 'files.corrupt', severity: 'error', message: `The file of asset "${asset.name}" is damaged. Repair puts it back from the newest backup that has it.`, where: hash, entity, fixable: true });
        continue;
      }
      // The file is whole: can its picture be drawn? (From the cache when it was drawn before.)
      const problem = await vault.thumbnailProblem?.(asset.id);
      if (problem) findings.push({ code: 'asset.thumbnail', severity: 'warning', message: `The picture of asset "${asset.name}" cannot be drawn, so it has no thumbnail: ${problem} Its file is kept as it was added; replace it with a good copy.`, where: hash, entity, fixable: false });
    }
  }
  for (const hash of stored.keys()) {
    if (!used.has(hash)) findings.push({ code: 'files.orphan', severity: 'info', message: 'A stored file is not used by any asset (left by deleting an asset for good). Repair deletes it.', where: hash, fixable: true });
  }
  return findings;
}

/**
 * Repairs what can be repaired (the findings with `codes`, or every fixable one), then checks again:
 * - database findings: first a safety backup (`backups.create`, kind `safety`), then
 *   HealthVault.repair, which fixes a copy of the database and swaps it in. The safety backup is
 *   taken here, before the repair and outside the vault's queue: a backup reads the vault through
 *   that queue, so taken from inside the repair it would wait for the repair forever;
 * - the backup repository's fixable findings: BackupService.repairRepository;
 * - missing or damaged files: put back from the newest backup that has them; unused files: deleted.
 */
export async function repairEverything(
  vault: HealthVault,
  backups: BackupService | undefined,
  opts: { codes?: readonly string[]; deep?: boolean } = {},
): Promise<{ fixed: Finding[]; remaining: Finding[]; after: IntegrityReport }> {
  const before = await checkEverything(vault, backups, { deep: true });
  const wanted = (f: Finding) => f.fixable && (!opts.codes || opts.codes.includes(f.code));
  const fixed: Finding[] = [];
  const fileFindings = before.findings.filter((f) => f.code.startsWith('files.') && wanted(f));
  const dbFindings = before.findings.filter((f) => !f.code.startsWith('files.') && !f.code.startsWith('backup.') && wanted(f));
  if (dbFindings.length > 0) {
    // The safety backup first, outside the vault's queue (see above).
    if (backups) await backups.create({ kind: 'safety', note: 'Before repairing integrity issues' });
    const r = await vault.repair([...new Set(dbFindings.map((f) => f.code))]);
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
      await vault.deleteFile(hash);
      fixed.push(f);
    } else if (backups && (await backups.restoreFile(hash))) {
      fixed.push(f);
    }
  }
  const after = await checkEverything(vault, backups, { deep: opts.deep ?? false });
  return { fixed, remaining: after.findings.filter((f) => f.severity !== 'info' || f.fixable), after };
}
