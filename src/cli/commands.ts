// The commands of `campaign-vault`. Each one checks its arguments before it opens the vault (so a
// usage mistake never asks for a password), and the runner locks the vault after it.
import type { ParseArgsConfig } from 'node:util';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { DataManager, Entity, ListQuery } from '../core/api';
import type { BackupService } from '../core/backup/service';
import { checkEverything, repairEverything } from '../core/backup/health';
import { DEFAULT_RETENTION, type Finding, type RetentionPolicy, type SnapshotInfo } from '../core/backup/types';
import { KINDS, ENTITY_KINDS, parseKind, type EntityKind } from '../core/db/kinds';
import { VaultError, isVaultError } from '../core/errors';
import { MIGRATIONS } from '../core/db/migrations';
import { exportCampaign, importDrafts, parseImportFiles, summarizeReport, type ImportReport, type OnConflict } from '../core/import';
import { quoteName } from '../core/paths';
import { CliError, kdfFromEnv, notEncrypted, type Context } from './context';
import { ordered, table, toJson, toYaml } from './format';
import { currentPassword, newPassword, promptHidden } from './prompt';
import { exportPortable, importPortable, type PortableFiles } from '../core/backup/portable';
import { nodeCipherSuite, nodeRandom, systemClock } from '../node/system';
import { collectImportFiles, writeExport } from '../node/importFiles';
import { nodeBackupServiceWithoutVault } from '../node/backups';
import type { UnlockSecret } from '../core/vault/keys';
import { UsageError, applyAssignments, parseAssignment, parseCount, parseYamlMapping } from './values';

type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

export interface Command {
  /** Arguments after the command name, for the usage line. */
  readonly args: string;
  readonly summary: string;
  /** Option descriptions (and notes) for `help <command>`. */
  readonly help: readonly string[];
  readonly options: NonNullable<ParseArgsConfig['options']>;
  /** How many positional arguments it takes. */
  readonly positionals: readonly [min: number, max: number];
  run(ctx: Context, values: Values, positionals: string[]): Promise<number | void>;
}

const KIND_LIST = ENTITY_KINDS.join(', ');

/** The vault's file store as a portable backup reads and writes it. */
const portableFiles = (dm: DataManager): PortableFiles => ({ read: (h) => dm.readFile(h), write: async (d) => (await dm.writeFile(d)).hash });

function kindOf(arg: string | undefined): EntityKind {
  const kind = arg === undefined ? undefined : parseKind(arg);
  if (!kind) throw new UsageError(`${arg === undefined ? 'Give a kind' : `"${arg}" is not a kind`}: one of ${KIND_LIST} (singular or plural).`);
  return kind;
}

const str = (v: Values[string]): string | undefined => (typeof v === 'string' ? v : undefined);
const list = (v: Values[string]): string[] => (Array.isArray(v) ? v.map(String) : []);

function assignments(values: Values) {
  return list(values.set).map((s) => parseAssignment(s, '--set', true));
}

async function readYamlFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? 4 : 1, `Cannot read ${file}: ${code === 'ENOENT' ? 'there is no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : String(e)}.`);
  }
  return parseYamlMapping(text, file);
}

function noCampaignFor(kind: EntityKind, values: Values): void {
  if (values.campaign !== undefined && KINDS[kind].scope === 'none') throw new UsageError(`--campaign does not apply to ${KINDS[kind].plural}.`);
}

async function campaignId(dm: DataManager, ref: string): Promise<string> {
  const c = await dm.get('campaign', ref);
  if (!c) throw new CliError(4, `There is no campaign ${quoteName(ref)}.`);
  if (c.deleted_at !== null) throw new CliError(4, `Campaign ${quoteName(c.name)} is in the trash; restore it first.`);
  return c.id;
}

/** An entity by id or by name (within `--campaign` when given). */
async function entity(dm: DataManager, kind: EntityKind, ref: string, campaign: string | undefined): Promise<Entity> {
  const cid = campaign === undefined ? undefined : await campaignId(dm, campaign);
  const e = await dm.get(kind, ref, cid === undefined ? {} : { campaign_id: cid });
  if (!e) throw new CliError(4, `There is no ${KINDS[kind].label} ${quoteName(ref)}${campaign === undefined ? '' : ` in campaign ${quoteName(campaign)}`}.`);
  return e;
}

function show(ctx: Context, e: Entity): void {
  ctx.out.write(ctx.json ? toJson(ordered(e)) : toYaml(ordered(e)));
}

const CAMPAIGN = '--campaign <name|id>  the campaign the entry belongs to (names are looked up in it)';

function countKinds(kinds: readonly EntityKind[]): Partial<Record<EntityKind, number>> {
  const counts: Partial<Record<EntityKind, number>> = {};
  for (const k of kinds) counts[k] = (counts[k] ?? 0) + 1;
  return counts;
}

function describeCounts(counts: Partial<Record<EntityKind, number>>): string {
  const parts = Object.entries(counts).map(([k, n]) => `${n} ${n === 1 ? KINDS[k as EntityKind].label : KINDS[k as EntityKind].plural}`);
  return parts.length ? parts.join(', ') : 'no entries';
}

// ── backups (docs/CLI.md, "Backups") ──────────────────────────────────────────────────────────

const REPO = '--repo <folder>       the backup repository (default: .campaign-vault/backups in the vault folder)';

/** A size for people: 812 B, 4.2 KiB, 37 MiB. */
function size(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** A snapshot's time in the computer's time zone, to the second. */
function when(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Text typed by someone (a note, a reason), safe for one table cell. */
function oneLine(text: string, max = 60): string {
  const flat = Array.from(text, (c) => (c < ' ' || (c >= '\u007f' && c <= '\u009f') ? ' ' : c)).join('');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

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

/** Findings as lines: severity, code, the sentence, and where. */
function findingLines(findings: readonly Finding[]): string[] {
  const w = Math.max(0, ...findings.map((f) => f.code.length));
  return findings.map((f) => `${f.severity.padEnd(7)}  ${f.code.padEnd(w)}  ${oneLine(f.message, 400)}${f.where ? ` (${oneLine(f.where, 200)})` : ''}${f.fixable ? ' [repairable]' : ''}`);
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

/** The service's "no backups yet" names a VS Code command; here it names ours. */
async function needBackups<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (isVaultError(e, 'not-found') && e.message === 'no backups yet') throw new CliError(4, 'There are no backups yet; "campaign-vault backup" makes one.');
    throw e;
  }
}

/** Whether `folder` is absent or empty (a restore target); anything else is a usage mistake. */
function emptyTarget(folder: string): 'absent' | 'empty' {
  let st;
  try {
    st = statSync(folder);
  } catch {
    return 'absent';
  }
  if (!st.isDirectory()) throw new UsageError(`--to ${folder} is a file: give a new or empty folder.`);
  if (readdirSync(folder).length > 0) throw new UsageError(`--to ${folder} is not empty: give a new or empty folder, so nothing in it is overwritten.`);
  return 'empty';
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
  const before = emptyTarget(folder);
  let encrypted: boolean | undefined;
  try {
    encrypted = await ctx.encrypted();
  } catch (e) {
    if (!vaultUnavailable(e)) throw e;
  }
  let service: BackupService;
  if (encrypted !== undefined) service = ctx.backups(await ctx.open('read'), repo);
  else ({ service, encrypted } = await backupsWithoutVault(ctx, ctx.repositoryFolder(repo)));
  const snapshot = await needBackups(service.resolve(ref));
  const password = encrypted ? await newPassword(ctx.env, 'CAMPAIGN_VAULT_NEW_PASSWORD', 'password for the restored vault') : undefined;
  mkdirSync(folder, { recursive: true });
  let r;
  try {
    r = await service.restore(snapshot.id, { folder, ...(password !== undefined ? { password } : {}) }, { newVault: (f) => ({ dm: ctx.managerFor(f) }) });
  } catch (e) {
    // Leave the target as it was (absent or empty), so the restore can simply be run again.
    rmSync(before === 'absent' ? folder : path.join(folder, '.campaign-vault'), { recursive: true, force: true });
    throw e;
  }
  if (ctx.json) {
    ctx.out.write(toJson({ ...r, folder, encrypted: password !== undefined }));
    return;
  }
  const head = `Restored the backup of ${when(r.snapshot.time)} into a new vault in ${folder}: ${plural(r.entities, 'entry', 'entries')}${r.files ? `, ${plural(r.files, 'file')}` : ''}.`;
  ctx.out.write(
    r.recoveryKey
      ? `${head}\n\nRecovery key: ${r.recoveryKey}\n\nWrite the recovery key down now and keep it apart from this computer: it opens the vault if the password is forgotten, and it is not shown again.\n`
      : `${head} Like the vault it was made from, it is not encrypted.\n`,
  );
}

/** `restore <snapshot> [--to <folder> | --entity <kind>:<name|id>] [--repo <folder>]`. */
async function restoreBackup(ctx: Context, values: Values, ref: string): Promise<void> {
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
    const r = await needBackups(service.restoreEntity(ref, target.kind, target.ref));
    ctx.out.write(ctx.json ? toJson(r) : `Restored ${KINDS[target.kind].label} ${quoteName(r.entity.name)} as it was in the backup of ${when(r.snapshot.time)}; it is now at version ${r.entity.version}.\n`);
    return;
  }
  const r = await needBackups(service.restore(ref, { inPlace: true }));
  if (ctx.json) ctx.out.write(toJson(r));
  else {
    ctx.out.write(
      `Restored the backup of ${when(r.snapshot.time)}: ${plural(r.entities, 'entry', 'entries')}${r.files ? `, ${plural(r.files, 'file')} put back` : ''}.\n` +
        (r.safetySnapshot ? `The vault as it was before is kept as backup ${r.safetySnapshot.id}; "campaign-vault restore ${r.safetySnapshot.id}" brings it back.\n` : ''),
    );
  }
}

function errorsIn(findings: readonly Finding[]): number {
  return findings.filter((f) => f.severity === 'error').length;
}

function passedOverLines(passedOver: readonly string[]): string[] {
  return passedOver.length ? [`Passed over ${passedOver.length === 1 ? '1 file' : `${passedOver.length} files`} (nothing to import, unless said): ${passedOver.slice(0, 5).join(', ')}${passedOver.length > 5 ? ', …' : ''}.`] : [];
}

/** Set by esbuild from package.json (dist/cli.js). */
declare const __CV_VERSION__: string | undefined;
const CLI_VERSION = typeof __CV_VERSION__ === 'string' ? __CV_VERSION__ : '0.0.0-dev';

const BACKUP_PASSWORD = 'CAMPAIGN_VAULT_BACKUP_PASSWORD';

/** The password of a portable backup file: $CAMPAIGN_VAULT_BACKUP_PASSWORD, else asked once. */
async function backupPassword(env: NodeJS.ProcessEnv): Promise<string> {
  const fromEnv = env[BACKUP_PASSWORD];
  if (fromEnv !== undefined) return fromEnv;
  if (!process.stdin.isTTY) throw new UsageError(`No password for the backup file: set ${BACKUP_PASSWORD} or run this in a terminal.`, false);
  return promptHidden('Password of the backup file: ');
}

async function readBackupFile(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? 4 : 1, `Cannot read ${file}: ${code === 'ENOENT' ? 'there is no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : String(e)}.`);
  }
}

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

export const COMMANDS: Readonly<Record<string, Command>> = {
  init: {
    args: '[--no-encryption]',
    summary: 'create a vault in the folder and print its recovery key',
    help: [
      'The password comes from $CAMPAIGN_VAULT_PASSWORD, else it is asked twice (not shown).',
      'The recovery key is printed once: write it down, it opens the vault if the password is lost.',
      '--no-encryption  an unencrypted (but still tamper-evident) vault; "encrypt" adds a password later',
    ],
    options: { 'no-encryption': { type: 'boolean' } },
    positionals: [0, 0],
    async run(ctx, values) {
      const dm = ctx.manager();
      if ((await dm.lockState()) !== 'absent') throw new VaultError('exists', 'vault exists', { hint: `${ctx.dir} already holds a vault.` });
      const password = values['no-encryption'] ? undefined : await newPassword(ctx.env, 'CAMPAIGN_VAULT_PASSWORD');
      const { recoveryKey } = await dm.createVault(password);
      if (ctx.json) ctx.out.write(toJson({ dir: ctx.dir, encrypted: password !== undefined, ...(recoveryKey ? { recoveryKey } : {}) }));
      else if (recoveryKey) {
        ctx.out.write(
          `Created an encrypted vault in ${ctx.dir}.\n\nRecovery key: ${recoveryKey}\n\n` +
            'Write the recovery key down now and keep it apart from this computer: it opens the vault if the password is forgotten, and it is not shown again.\n',
        );
      } else ctx.out.write(`Created an unencrypted vault in ${ctx.dir}. Anyone with the folder can read it; "campaign-vault encrypt" adds a password.\n`);
    },
  },

  unlock: {
    args: '',
    summary: 'check the password (exit code 0 when right, 3 when wrong); opens and writes nothing',
    help: ['The password comes from $CAMPAIGN_VAULT_PASSWORD, else it is asked (not shown).'],
    options: {},
    positionals: [0, 0],
    async run(ctx) {
      if (!(await ctx.encrypted())) {
        ctx.out.write(ctx.json ? toJson({ ok: true, encrypted: false }) : 'The vault is not encrypted: no password is needed.\n');
        return;
      }
      const ok = await ctx.manager().checkPassword(await currentPassword(ctx.env));
      if (!ok) throw new VaultError('wrong-password', 'wrong password');
      ctx.out.write(ctx.json ? toJson({ ok: true, encrypted: true }) : 'The password is right.\n');
    },
  },

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

  passwd: {
    args: '',
    summary: 'change the password (the recovery key stays the same)',
    help: ['The current password comes from $CAMPAIGN_VAULT_PASSWORD, the new one from $CAMPAIGN_VAULT_NEW_PASSWORD; each is asked when not set.'],
    options: {},
    positionals: [0, 0],
    async run(ctx) {
      if (!(await ctx.encrypted())) throw notEncrypted();
      const dm = await ctx.open('write');
      const next = await newPassword(ctx.env, 'CAMPAIGN_VAULT_NEW_PASSWORD');
      await dm.changePassword(ctx.password!, next);
      ctx.out.write(ctx.json ? toJson({ ok: true }) : 'Password changed.\n');
    },
  },

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
      const r = await needBackups(ctx.backups(dm, str(values.repo)).prune(policy, { dryRun }));
      if (ctx.json) ctx.out.write(toJson({ ...r, dryRun, policy }));
      else if (dryRun) {
        const ids = uniquePrefixes([...r.kept, ...r.forgotten]);
        ctx.out.write(`Would keep ${plural(r.kept.length, 'backup')} and forget ${r.forgotten.length}${r.forgotten.length ? `: ${r.forgotten.map((id) => ids.get(id)).join(', ')}` : ''}. Nothing was deleted (--dry-run).\n`);
      }
      else ctx.out.write(`Kept ${plural(r.kept.length, 'backup')}, forgot ${r.forgotten.length}; deleted ${plural(r.packsDeleted, 'data file')} and rewrote ${r.packsRewritten}, freeing ${size(r.bytesFreed)}.\n`);
    },
  },

  check: {
    args: '[--deep] | check --repair [--repo <folder>]',
    summary: 'check the vault\'s integrity (exit code 1 on errors); --repair fixes what can be fixed',
    help: [
      'Checks the database (integrity, links between entries, entries against their schemas), the files, the',
      'journal, the audit chain and the backups; each finding has a severity (error, warning, info).',
      '--deep                also re-read and re-hash every file',
      '--repair              fix what can be fixed automatically: on a copy, checked again, then swapped in, after',
      '                      a safety backup; what remains is listed',
      REPO + ' (where --repair keeps its safety backup)',
    ],
    options: { deep: { type: 'boolean' }, repair: { type: 'boolean' }, repo: { type: 'string' } },
    positionals: [0, 0],
    async run(ctx, values) {
      if (values.deep && values.repair) throw new UsageError('--deep is for checking; --repair checks what it repairs by itself.');
      if (values.repo !== undefined && !values.repair) throw new UsageError('--repo is for --repair (where it keeps its safety backup).');
      if (values.repair) {
        const dm = await ctx.open('write');
        const backups = ctx.backups(dm, str(values.repo));
        const r = await repairEverything(dm, backups);
        if (ctx.json) ctx.out.write(toJson({ fixed: r.fixed, remaining: r.remaining }));
        else {
          const lines = [`Repaired ${plural(r.fixed.length, 'problem')}${r.remaining.length ? `; ${r.remaining.length} remain` : ''}.`, ...findingLines(r.fixed).map((l) => `fixed    ${l}`), ...findingLines(r.remaining)];
          ctx.out.write(lines.join('\n') + '\n');
        }
        if (errorsIn(r.remaining) > 0) throw new CliError(1, `${plural(errorsIn(r.remaining), 'error')} could not be repaired automatically.`);
        return;
      }
      const dm = await ctx.open('read');
      const report = await checkEverything(dm, ctx.backups(dm, undefined), values.deep ? { deep: true } : {});
      if (ctx.json) ctx.out.write(toJson(report));
      else ctx.out.write([report.findings.length === 0 ? 'The vault is whole: no problems found.' : `${plural(report.findings.length, 'finding')}:`, ...findingLines(report.findings)].join('\n') + '\n');
      const errors = errorsIn(report.findings);
      if (errors > 0 || !report.ok) {
        const fixable = report.findings.filter((f) => f.severity === 'error' && f.fixable).length;
        throw new CliError(1, `The integrity check found ${plural(errors, 'error')}${fixable ? `; ${fixable} can be repaired with "campaign-vault check --repair"` : ''}.`);
      }
    },
  },

  'rotate-key': {
    args: '',
    summary: 'replace the data key and re-encrypt everything with the new one',
    help: ['An interrupted rotation is finished by the next command that opens the vault.'],
    options: {},
    positionals: [0, 0],
    async run(ctx) {
      const dm = await ctx.open('write');
      await dm.rotateKey();
      ctx.out.write(ctx.json ? toJson({ ok: true }) : 'Data key replaced; everything is re-encrypted with the new key.\n');
    },
  },

  encrypt: {
    args: '',
    summary: 'encrypt an unencrypted vault and print its recovery key',
    help: ['The password comes from $CAMPAIGN_VAULT_PASSWORD, else it is asked twice (not shown).'],
    options: {},
    positionals: [0, 0],
    async run(ctx) {
      if (await ctx.encrypted()) throw new VaultError('unsupported', 'already encrypted', { hint: 'The vault is already encrypted.' });
      const dm = await ctx.open('write');
      const password = await newPassword(ctx.env, 'CAMPAIGN_VAULT_PASSWORD');
      const { recoveryKey } = await dm.encrypt(password);
      if (ctx.json) ctx.out.write(toJson({ ok: true, recoveryKey }));
      else {
        ctx.out.write(
          `The vault is encrypted.\n\nRecovery key: ${recoveryKey ?? '(none)'}\n\n` +
            'Write the recovery key down now and keep it apart from this computer: it opens the vault if the password is forgotten, and it is not shown again.\n',
        );
      }
    },
  },

  migrate: {
    args: 'status|up|down',
    summary: 'show or change the schema version',
    help: [
      'status  the schema version, the migrations applied and those pending (opens read-only)',
      'up      apply pending migrations (every command that writes does this when it opens the vault)',
      'down    roll back the newest migration; the next command that writes migrates up again',
    ],
    options: {},
    positionals: [1, 1],
    async run(ctx, _values, [sub]) {
      if (sub !== 'status' && sub !== 'up' && sub !== 'down') throw new UsageError(`migrate takes status, up or down, not "${sub}".`);
      if (sub === 'status') {
        let dm: DataManager;
        try {
          dm = await ctx.open('inspect');
        } catch (e) {
          // Opened without writing, the core refuses a vault with pending migrations as "in use".
          if (!isVaultError(e, 'in-use')) throw e;
          ctx.out.write(ctx.json ? toJson({ pending: true, latest: MIGRATIONS.at(-1)?.version ?? 0 }) : 'The schema is older than this version: migrations are pending. "campaign-vault migrate up" applies them.\n');
          return;
        }
        const s = await dm.migrationStatus();
        if (ctx.json) {
          ctx.out.write(toJson({ current: s.current, latest: s.latest, applied: s.applied, pending: s.pending.map((m) => ({ version: m.version, name: m.name })) }));
          return;
        }
        const lines = [`Schema version ${s.current} (the newest this version knows: ${s.latest}).`];
        for (const m of s.applied) lines.push(`  ${String(m.version).padStart(3)}  applied  ${m.appliedAt}  ${m.name}`);
        for (const m of s.pending) lines.push(`  ${String(m.version).padStart(3)}  pending  ${' '.repeat(24)}  ${m.name}`);
        ctx.out.write(lines.join('\n') + '\n');
        return;
      }
      const dm = await ctx.open('write');
      const version = sub === 'up' ? await dm.runMigrations() : await dm.rollbackMigration();
      ctx.out.write(ctx.json ? toJson({ current: version }) : `Schema version ${version}.\n`);
    },
  },

  audit: {
    args: 'verify',
    summary: 'check the audit log (exit code 1 when its chain is broken)',
    help: ['Walks the hash chain of every change and checks each entry against its last audit record.'],
    options: {},
    positionals: [1, 1],
    async run(ctx, _values, [sub]) {
      if (sub !== 'verify') throw new UsageError(`audit takes verify, not "${sub}".`);
      const dm = await ctx.open('read');
      const report = await dm.verifyAudit();
      if (ctx.json) ctx.out.write(toJson(report));
      else if (report.ok) ctx.out.write(`The audit log is intact: ${report.entries} entries.\n`);
      else ctx.out.write(report.problems.map((p) => `${p.seq === null ? '   -' : String(p.seq).padStart(4)}  ${p.problem}`).join('\n') + '\n');
      if (!report.ok) throw new CliError(1, `The audit log is broken: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} in ${report.entries} entries.`);
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
      const bytes = await exportPortable(dm, { password, ...(campaign !== undefined ? { campaign } : {}), kdf: kdfFromEnv(ctx.env), suite: nodeCipherSuite, random: nodeRandom, clock: systemClock, extensionVersion: CLI_VERSION, files: portableFiles(dm) });
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
      const result = await importPortable(dm, bytes, { password, onConflict: onConflict as OnConflict, suite: nodeCipherSuite, files: portableFiles(dm) });
      if (ctx.json) {
        ctx.out.write(toJson({ scope: result.manifest.scope, createdAt: result.manifest.createdAt, campaigns: result.campaigns, created: result.created, replaced: result.replaced, skipped: result.skipped, files: result.files, report: result.report }));
        return;
      }
      const done = [`${result.created.length} entries created`, ...(result.replaced.length ? [`${result.replaced.length} replaced`] : []), ...(result.skipped.length ? [`${result.skipped.length} skipped (already there)`] : [])];
      const into = result.campaigns.length ? `campaign${result.campaigns.length === 1 ? '' : 's'} ${result.campaigns.map((c) => quoteName(c.name)).join(', ')}` : 'the library';
      ctx.out.write([`Imported the backup of ${result.manifest.createdAt} into ${into}: ${done.join(', ')}.`, ...summarizeReport(result.report)].join('\n') + '\n');
    },
  },
};
