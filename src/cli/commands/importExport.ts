// Moving entries in and out: import, export (plain YAML), export-backup and import-backup (one
// password-protected file, docs/PORTABLE.md).
import { rm, writeFile } from 'node:fs/promises';
import { exportPortable, importPortable } from '../../core/backup/portable';
import { KINDS, type EntityKind } from '../../core/db/kinds';
import { exportCampaign, importDrafts, parseImportFiles, summarizeReport, type ImportReport, type OnConflict } from '../../core/import';
import { quoteName } from '../../core/paths';
import { collectImportFiles, writeExport } from '../../node/importFiles';
import { nodeCipherSuite, nodeRandom, systemClock } from '../../node/system';
import { CLI_VERSION, CliError, kdfFromEnv } from '../context';
import { toJson } from '../format';
import { newPassword, promptHidden } from '../prompt';
import { UsageError } from '../values';
import { CAMPAIGN, campaignId, readBytes, str, type Command } from './common';

function countKinds(kinds: readonly EntityKind[]): Partial<Record<EntityKind, number>> {
  const counts: Partial<Record<EntityKind, number>> = {};
  for (const k of kinds) counts[k] = (counts[k] ?? 0) + 1;
  return counts;
}

function describeCounts(counts: Partial<Record<EntityKind, number>>): string {
  const parts = Object.entries(counts).map(([k, n]) => `${n} ${n === 1 ? KINDS[k as EntityKind].label : KINDS[k as EntityKind].plural}`);
  return parts.length ? parts.join(', ') : 'no entries';
}

function passedOverLines(passedOver: readonly string[]): string[] {
  return passedOver.length ? [`Passed over ${passedOver.length === 1 ? '1 file' : `${passedOver.length} files`} (nothing to import, unless said): ${passedOver.slice(0, 5).join(', ')}${passedOver.length > 5 ? ', …' : ''}.`] : [];
}

const BACKUP_PASSWORD = 'CAMPAIGN_VAULT_BACKUP_PASSWORD';

/** The password of a portable backup file: $CAMPAIGN_VAULT_BACKUP_PASSWORD, else asked once. */
async function backupPassword(env: NodeJS.ProcessEnv): Promise<string> {
  const fromEnv = env[BACKUP_PASSWORD];
  if (fromEnv !== undefined) return fromEnv;
  if (!process.stdin.isTTY) throw new UsageError(`No password for the backup file: set ${BACKUP_PASSWORD} or run this in a terminal.`, false);
  return promptHidden('Password of the backup file: ');
}

const readBackupFile = readBytes;

/** Writes a new file (never over an existing one); a failed write leaves no partial file. */
async function writeNewFile(file: string, data: Uint8Array): Promise<void> {
  try {
    await writeFile(file, data, { flag: 'wx' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new CliError(5, `${file} already exists; choose another name or remove it first.`);
    await rm(file, { force: true }).catch(() => undefined);
    throw new CliError(1, `Cannot write ${file}: ${code === 'ENOSPC' ? 'the disk is full' : code === 'EACCES' ? 'permission denied' : code === 'ENOENT' ? 'its folder does not exist' : String(e)}.`);
  }
}

export const IMPORT_EXPORT_COMMANDS = {
  import: {
    args: '<file|folder> … [--campaign <name|id> [--create-campaign]] [--on-conflict skip|rename|replace] [--report <file>] [--dry-run]',
    summary: 'import characters, NPCs, monsters, spells and items from other tools, or a Campaign Vault export',
    help: [
      'Formats (recognised from the content): Foundry VTT dnd5e actors and items (JSON or YAML), 5e-bits and',
      'Open5e v1 SRD JSON, Fantasy Statblocks creatures (YAML, or a Markdown note with a ```statblock block),',
      'and a folder written by "campaign-vault export". A folder of other files is read with everything in it.',
      CAMPAIGN + '; an export brings its own campaign',
      '--create-campaign     create the --campaign when there is none of that name',
      '--on-conflict <what>  an entry whose name (or id) is taken: skip (default), rename ("Name (2)") or replace',
      '--report <file>       write the full loss report (JSON) to a file',
      '--dry-run             read and check everything, print the report, write nothing to the vault',
      'Every file is read and checked before anything is written; a failed import leaves the vault as it was.',
      'The loss report lists what could not be carried over: fields with no place, converted values, links.',
    ],
    options: {
      campaign: { type: 'string' },
      'create-campaign': { type: 'boolean' },
      'on-conflict': { type: 'string' },
      report: { type: 'string' },
      'dry-run': { type: 'boolean' },
    },
    positionals: [1, Number.POSITIVE_INFINITY],
    async run(ctx, values, paths) {
      const onConflict = str(values['on-conflict']) ?? 'skip';
      if (!['skip', 'rename', 'replace'].includes(onConflict)) throw new UsageError(`--on-conflict takes skip, rename or replace, not "${onConflict}".`);
      if (values['create-campaign'] && values.campaign === undefined) throw new UsageError('--create-campaign needs --campaign <name>.');
      const { files, passedOver } = collectImportFiles(paths);
      if (files.length === 0) throw new CliError(4, `Nothing to import in ${paths.join(', ')}: no JSON, YAML or statblock files.`);
      const parsed = parseImportFiles(files);
      const writeReport = async (report: ImportReport) => {
        const file = str(values.report);
        if (file !== undefined) await writeFile(file, toJson(report));
      };
      if (values['dry-run']) {
        await writeReport(parsed.report);
        const counts = countKinds(parsed.drafts.map((d) => d.kind));
        if (ctx.json) ctx.out.write(toJson({ dryRun: true, files: files.length, entries: parsed.drafts.length, kinds: counts, passedOver, report: parsed.report }));
        else ctx.out.write([`Read ${files.length} file${files.length === 1 ? '' : 's'}: ${describeCounts(counts)}; nothing was written (--dry-run).`, ...passedOverLines(passedOver), ...summarizeReport(parsed.report)].join('\n') + '\n');
        return;
      }
      const dm = await ctx.open('write');
      const result = await importDrafts(dm, parsed.drafts, {
        ...(str(values.campaign) !== undefined ? { campaign: str(values.campaign)! } : {}),
        createCampaign: values['create-campaign'] === true,
        onConflict: onConflict as OnConflict,
        report: parsed.report.entries,
      });
      await writeReport(result.report);
      if (ctx.json) {
        ctx.out.write(toJson({ campaign_id: result.campaign_id, created: result.created, replaced: result.replaced, skipped: result.skipped, passedOver, report: result.report }));
        return;
      }
      const newCampaign = result.created.some((c) => c.kind === 'campaign');
      const where = result.campaign_id === null ? 'the shared library' : `${newCampaign ? 'the new ' : ''}campaign ${quoteName((await dm.get('campaign', result.campaign_id))?.name ?? result.campaign_id)}`;
      const done = [`${result.created.filter((c) => c.kind !== 'campaign').length} entries created`, ...(result.replaced.length ? [`${result.replaced.length} replaced`] : []), ...(result.skipped.length ? [`${result.skipped.length} skipped (names taken)`] : [])];
      ctx.out.write([`Imported ${files.length} file${files.length === 1 ? '' : 's'} into ${where}: ${done.join(', ')}.`, ...passedOverLines(passedOver), ...summarizeReport(result.report)].join('\n') + '\n');
    },
  },

  export: {
    args: '<folder> [--campaign <name|id>]',
    summary: 'write a campaign as plain YAML files into a new or empty folder',
    help: [
      '--campaign <name|id>  the campaign (needed when the vault holds more than one)',
      'One file per entry (campaign.yaml, characters/<name>.yaml, locations/<name>.yaml …) with its id, so links',
      'survive; campaign-vault-export.yaml lists the files. "campaign-vault import <folder>" reads it back.',
      'Entries in the trash and the contents of assets are not exported.',
    ],
    options: { campaign: { type: 'string' } },
    positionals: [1, 1],
    async run(ctx, values, [folder]) {
      const dm = await ctx.open('read');
      let cid: string;
      if (str(values.campaign) !== undefined) cid = await campaignId(dm, str(values.campaign)!);
      else {
        const all = await dm.list('campaign', { limit: 2 });
        if (all.length === 0) throw new CliError(4, 'The vault holds no campaign to export.');
        if (all.length > 1) throw new UsageError('The vault holds several campaigns: give --campaign <name|id>.');
        cid = all[0]!.id;
      }
      const files = await exportCampaign(dm, cid);
      writeExport(folder!, files);
      if (ctx.json) ctx.out.write(toJson({ folder, campaign_id: cid, files: files.map((f) => f.path) }));
      else ctx.out.write(`Exported ${files.length - 2} entries and the campaign to ${folder} (${files.length} files).\n`);
    },
  },

  'export-backup': {
    args: '<file> [--campaign <name|id>]',
    summary: 'write the whole vault, or one campaign, into one file encrypted with its own password',
    help: [
      '--campaign <name|id>  only this campaign (its entries, and the items, spells and assets in it)',
      `The file's password comes from $${BACKUP_PASSWORD}, else it is asked twice (not shown).`,
      'Without --campaign: every campaign and the library. Entries in the trash are left out.',
      'The file is new: an existing file is never overwritten. "campaign-vault import-backup <file>" reads it back.',
    ],
    options: { campaign: { type: 'string' } },
    positionals: [1, 1],
    async run(ctx, values, [file]) {
      const dm = await ctx.open('read');
      const campaign = str(values.campaign);
      if (campaign !== undefined) await campaignId(dm, campaign);
      const password = await newPassword(ctx.env, BACKUP_PASSWORD, 'password for the backup file');
      const bytes = await exportPortable(dm, { password, ...(campaign !== undefined ? { campaign } : {}), kdf: kdfFromEnv(ctx.env), suite: nodeCipherSuite, random: nodeRandom, clock: systemClock, extensionVersion: CLI_VERSION, files: dm.vaultFiles() });
      await writeNewFile(file!, bytes);
      const what = campaign !== undefined ? `campaign ${quoteName((await dm.get('campaign', campaign))!.name)}` : 'the whole vault';
      if (ctx.json) ctx.out.write(toJson({ file, scope: campaign !== undefined ? 'campaign' : 'vault', bytes: bytes.length }));
      else ctx.out.write(`Wrote ${what} to ${file} (${bytes.length} bytes), encrypted with the backup file's password.\n`);
    },
  },

  'import-backup': {
    args: '<file> [--on-conflict skip|rename|replace]',
    summary: 'import a file written by export-backup (a campaign or a whole vault) into this vault',
    help: [
      `The file's password comes from $${BACKUP_PASSWORD}, else it is asked (not shown).`,
      '--on-conflict <what>  an entry whose id or name is taken: skip (default), rename ("Name (2)") or replace',
      'Everything in the file is checked (password, damage, unsafe or unknown names, sizes, every entry) before',
      'anything is written; a refused file leaves the vault as it was.',
    ],
    options: { 'on-conflict': { type: 'string' } },
    positionals: [1, 1],
    async run(ctx, values, [file]) {
      const onConflict = str(values['on-conflict']) ?? 'skip';
      if (!['skip', 'rename', 'replace'].includes(onConflict)) throw new UsageError(`--on-conflict takes skip, rename or replace, not "${onConflict}".`);
      const bytes = await readBackupFile(file!);
      const dm = await ctx.open('write');
      const password = await backupPassword(ctx.env);
      const result = await importPortable(dm, bytes, { password, onConflict: onConflict as OnConflict, suite: nodeCipherSuite, files: dm.vaultFiles() });
      if (ctx.json) {
        ctx.out.write(toJson({ scope: result.manifest.scope, createdAt: result.manifest.createdAt, campaigns: result.campaigns, created: result.created, replaced: result.replaced, skipped: result.skipped, files: result.files, report: result.report }));
        return;
      }
      const done = [`${result.created.length} entries created`, ...(result.replaced.length ? [`${result.replaced.length} replaced`] : []), ...(result.skipped.length ? [`${result.skipped.length} skipped (already there)`] : [])];
      const into = result.campaigns.length ? `campaign${result.campaigns.length === 1 ? '' : 's'} ${result.campaigns.map((c) => quoteName(c.name)).join(', ')}` : 'the library';
      ctx.out.write([`Imported the backup of ${result.manifest.createdAt} into ${into}: ${done.join(', ')}.`, ...summarizeReport(result.report)].join('\n') + '\n');
    },
  },
} satisfies Record<string, Command>;
