// Entries: create, get, list, update, delete, restore (from the trash; `restore <snapshot>` is a backup's).
import type { ListQuery } from '../../core/api';
import { KINDS } from '../../core/db/kinds';
import { quoteName } from '../../core/paths';
import { CliError } from '../context';
import { ordered, table, toJson } from '../format';
import { UsageError, applyAssignments, parseAssignment, parseCount } from '../values';
import { restoreBackup } from './backup';
import { CAMPAIGN, REPO, assignments, campaignId, entity, kindOf, list, noCampaignFor, readYamlFile, show, str, type Command } from './common';

export const ENTRY_COMMANDS = {
  create: {
    args: '<kind> --name <name> [--campaign <name|id>] [--file <yaml>] [--set key=value …]',
    summary: 'create an entry and print its id (--json: the entry)',
    help: [
      '--name <name>         its name (may also come from the file)',
      CAMPAIGN + '; needed for characters, NPCs, sessions and locations',
      '--file <yaml>         fields from a YAML (or JSON) file; an "id" or "campaign_id" in it is used',
      '--set key=value       a field (repeatable); a.b=value sets one field of a group',
      'Values: true, false, null and numbers are typed; "…" in double quotes is always text.',
    ],
    options: { name: { type: 'string' }, campaign: { type: 'string' }, file: { type: 'string' }, set: { type: 'string', multiple: true } },
    positionals: [1, 1],
    async run(ctx, values, [kindArg]) {
      const kind = kindOf(kindArg);
      const spec = KINDS[kind];
      noCampaignFor(kind, values);
      const sets = assignments(values);
      const input = str(values.file) !== undefined ? await readYamlFile(str(values.file)!) : {};
      applyAssignments(input, sets);
      if (str(values.name) !== undefined) input.name = str(values.name);
      if (input.name === undefined) throw new UsageError(`Give the ${spec.label}'s name with --name.`);
      if (spec.scope === 'required' && values.campaign === undefined && input.campaign_id === undefined) {
        throw new UsageError(`A ${spec.label} belongs to a campaign: give --campaign <name|id>.`);
      }
      const dm = await ctx.open('write');
      if (str(values.campaign) !== undefined) input.campaign_id = await campaignId(dm, str(values.campaign)!);
      const e = await dm.create(kind, input);
      ctx.out.write(ctx.json ? toJson(ordered(e)) : `${e.id}\n`);
    },
  },

  get: {
    args: '<kind> <id|name> [--campaign <name|id>]',
    summary: 'print an entry as YAML (--json: JSON)',
    help: [CAMPAIGN, 'An entry in the trash is found by its id only.'],
    options: { campaign: { type: 'string' } },
    positionals: [2, 2],
    async run(ctx, values, [kindArg, ref]) {
      const kind = kindOf(kindArg);
      noCampaignFor(kind, values);
      const dm = await ctx.open('read');
      show(ctx, await entity(dm, kind, ref!, str(values.campaign)));
    },
  },

  list: {
    args: '<kind> [--campaign <name|id>] [--filter key=value …] [--sort field [--desc]] [--limit n] [--offset n] [--deleted]',
    summary: 'list entries as a table (--json: a JSON array)',
    help: [
      CAMPAIGN,
      '--filter key=value    only entries whose field equals the value (repeatable; null: field not set)',
      '--sort field          sort by a field (default name); --desc or --sort=-field sorts descending',
      '--limit n, --offset n page through the entries',
      '--deleted             the trash instead of the live entries',
    ],
    options: {
      campaign: { type: 'string' },
      filter: { type: 'string', multiple: true },
      sort: { type: 'string' },
      desc: { type: 'boolean' },
      limit: { type: 'string' },
      offset: { type: 'string' },
      deleted: { type: 'boolean' },
    },
    positionals: [1, 1],
    async run(ctx, values, [kindArg]) {
      const kind = kindOf(kindArg);
      noCampaignFor(kind, values);
      const filters = Object.fromEntries(list(values.filter).map((f) => parseAssignment(f, '--filter', false)).map(([[k], v]) => [k!, v]));
      const limit = parseCount(str(values.limit), '--limit');
      const offset = parseCount(str(values.offset), '--offset');
      const sortArg = str(values.sort);
      const desc = values.desc === true || (sortArg?.startsWith('-') ?? false);
      const dm = await ctx.open('read');
      const query: ListQuery = {
        filters,
        ...(str(values.campaign) !== undefined ? { campaign_id: await campaignId(dm, str(values.campaign)!) } : {}),
        ...(sortArg?.replace(/^-/, '') ? { sort: sortArg.replace(/^-/, '') } : {}),
        order: desc ? 'desc' : 'asc',
        ...(limit !== undefined ? { limit } : {}),
        ...(offset !== undefined ? { offset } : {}),
        ...(values.deleted ? { deleted_only: true } : {}),
      };
      const rows = await dm.list(kind, query);
      if (ctx.json) ctx.out.write(toJson(rows.map(ordered)));
      else if (rows.length === 0) ctx.out.write(`No ${KINDS[kind].plural}${values.deleted ? ' in the trash' : ''}${Object.keys(filters).length ? ' match' : ''}.\n`);
      else ctx.out.write(table(kind, rows, { deleted: values.deleted === true }));
    },
  },

  update: {
    args: '<kind> <id|name> [--file <yaml> [--replace]] [--set key=value …] [--name <new name>] [--expect-version n]',
    summary: 'change an entry (fields not mentioned stay as they are)',
    help: [
      CAMPAIGN,
      '--file <yaml>         fields to change, from a YAML file (a "version" in it is checked like --expect-version)',
      '--replace             the file replaces every field (what "get" printed, edited); needs --file',
      '--set key=value       change a field (repeatable); null removes it; a.b=value changes one field of a group',
      '--name <new name>     rename',
      '--expect-version n    refuse (exit code 5) unless the entry is still at version n',
    ],
    options: {
      campaign: { type: 'string' },
      file: { type: 'string' },
      replace: { type: 'boolean' },
      set: { type: 'string', multiple: true },
      name: { type: 'string' },
      'expect-version': { type: 'string' },
    },
    positionals: [2, 2],
    async run(ctx, values, [kindArg, ref]) {
      const kind = kindOf(kindArg);
      noCampaignFor(kind, values);
      const sets = assignments(values);
      const expectedVersion = parseCount(str(values['expect-version']), '--expect-version');
      const file = str(values.file);
      if (values.replace && file === undefined) throw new UsageError('--replace needs --file.');
      if (file === undefined && sets.length === 0 && str(values.name) === undefined) throw new UsageError('Nothing to change: give --set, --file or --name.');
      const changes = file !== undefined ? await readYamlFile(file) : {};
      const dm = await ctx.open('write');
      const current = await entity(dm, kind, ref!, str(values.campaign));
      applyAssignments(changes, sets, values.replace ? {} : current);
      if (str(values.name) !== undefined) changes.name = str(values.name);
      const e = await dm.update(kind, current.id, changes, { ...(expectedVersion !== undefined ? { expectedVersion } : {}), ...(values.replace ? { replace: true } : {}) });
      ctx.out.write(ctx.json ? toJson(ordered(e)) : `Updated ${KINDS[kind].label} ${quoteName(e.name)} (version ${e.version}).\n`);
    },
  },

  delete: {
    args: '<kind> <id|name> [--campaign <name|id>] [--expect-version n]',
    summary: 'move an entry to the trash ("restore" brings it back)',
    help: [CAMPAIGN, '--expect-version n    refuse (exit code 5) unless the entry is still at version n'],
    options: { campaign: { type: 'string' }, 'expect-version': { type: 'string' } },
    positionals: [2, 2],
    async run(ctx, values, [kindArg, ref]) {
      const kind = kindOf(kindArg);
      noCampaignFor(kind, values);
      const expectedVersion = parseCount(str(values['expect-version']), '--expect-version');
      const dm = await ctx.open('write');
      const current = await entity(dm, kind, ref!, str(values.campaign));
      const e = await dm.delete(kind, current.id, expectedVersion !== undefined ? { expectedVersion } : {});
      ctx.out.write(ctx.json ? toJson(ordered(e)) : `Moved ${KINDS[kind].label} ${quoteName(e.name)} to the trash; "campaign-vault restore ${kind} ${e.id}" brings it back.\n`);
    },
  },

  restore: {
    args: '<kind> <id|name>  |  restore <snapshot> [--to <folder> | --entity <kind>:<name|id>] [--repo <folder>]',
    summary: 'bring an entry back from the trash, or restore a backup (the vault, one entry, or into a new folder)',
    help: [
      'restore <kind> <id|name>: a name is looked up among the entries in the trash (exactly as written).',
      'restore <snapshot>: <snapshot> is a backup id, a unique start of one (as "backups" shows), or latest.',
      '  Without --to or --entity the whole vault goes back to the backup, after a safety backup of it as it is.',
      '--to <folder>         restore into a new vault in a new or empty folder; it gets a password from',
      '                      $CAMPAIGN_VAULT_NEW_PASSWORD (else asked twice), or none if the vault is not encrypted.',
      '                      Works without the vault when its backups remain (give --repo): the password opens them.',
      '--entity <kind>:<name|id>  put back one entry as it was in the backup (a new version of it)',
      REPO,
    ],
    options: { to: { type: 'string' }, entity: { type: 'string' }, repo: { type: 'string' } },
    positionals: [1, 2],
    async run(ctx, values, [kindArg, ref]) {
      if (ref === undefined) return restoreBackup(ctx, values, kindArg!);
      if (values.to !== undefined || values.entity !== undefined || values.repo !== undefined) {
        throw new UsageError('--to, --entity and --repo are for restoring a backup: campaign-vault restore <snapshot> [--to <folder> | --entity <kind>:<name|id>].');
      }
      const kind = kindOf(kindArg);
      const dm = await ctx.open('write');
      let target = await dm.get(kind, ref!);
      if (!target) {
        const trashed = await dm.list(kind, { deleted_only: true, filters: { name: ref! }, limit: 2 });
        if (trashed.length > 1) throw new UsageError(`More than one ${KINDS[kind].label} in the trash is named ${quoteName(ref!)}; give the id (campaign-vault list ${kind} --deleted).`);
        target = trashed[0];
      }
      if (!target) throw new CliError(4, `There is no ${KINDS[kind].label} ${quoteName(ref!)} in the trash.`);
      const e = await dm.restore(kind, target.id);
      ctx.out.write(ctx.json ? toJson(ordered(e)) : `Restored ${KINDS[kind].label} ${quoteName(e.name)}.\n`);
    },
  },
} satisfies Record<string, Command>;
