// What the commands of `campaign-vault` share: the Command shape, argument helpers, entries by id or
// name, and the wording of sizes, times and findings. Each command checks its arguments before it
// opens the vault (so a usage mistake never asks for a password), and the runner locks the vault after it.
import type { ParseArgsConfig } from 'node:util';
import { readFile } from 'node:fs/promises';
import type { DataManager, Entity } from '../../core/api';
import type { Finding } from '../../core/backup/types';
import { KINDS, ENTITY_KINDS, parseKind, type EntityKind } from '../../core/db/kinds';
import { quoteName } from '../../core/paths';
import { CliError, type Context } from '../context';
import { ordered, toJson, toYaml } from '../format';
import { UsageError, parseAssignment, parseYamlMapping } from '../values';

export type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

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

export const KIND_LIST = ENTITY_KINDS.join(', ');

export function kindOf(arg: string | undefined): EntityKind {
  const kind = arg === undefined ? undefined : parseKind(arg);
  if (!kind) throw new UsageError(`${arg === undefined ? 'Give a kind' : `"${arg}" is not a kind`}: one of ${KIND_LIST} (singular or plural).`);
  return kind;
}

export const str = (v: Values[string]): string | undefined => (typeof v === 'string' ? v : undefined);

export const list = (v: Values[string]): string[] => (Array.isArray(v) ? v.map(String) : []);

export function assignments(values: Values) {
  return list(values.set).map((s) => parseAssignment(s, '--set', true));
}

/** A file's bytes, or one sentence (exit code 4 when there is no such file). */
export async function readBytes(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? 4 : 1, `Cannot read ${file}: ${code === 'ENOENT' ? 'there is no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : String(e)}.`);
  }
}

export async function readYamlFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? 4 : 1, `Cannot read ${file}: ${code === 'ENOENT' ? 'there is no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : String(e)}.`);
  }
  return parseYamlMapping(text, file);
}

export function noCampaignFor(kind: EntityKind, values: Values): void {
  if (values.campaign !== undefined && KINDS[kind].scope === 'none') throw new UsageError(`--campaign does not apply to ${KINDS[kind].plural}.`);
}

export async function campaignId(dm: DataManager, ref: string): Promise<string> {
  const c = await dm.get('campaign', ref);
  if (!c) throw new CliError(4, `There is no campaign ${quoteName(ref)}.`);
  if (c.deleted_at !== null) throw new CliError(4, `Campaign ${quoteName(c.name)} is in the trash; restore it first.`);
  return c.id;
}

/** An entity by id or by name (within `--campaign` when given). */
export async function entity(dm: DataManager, kind: EntityKind, ref: string, campaign: string | undefined): Promise<Entity> {
  const cid = campaign === undefined ? undefined : await campaignId(dm, campaign);
  const e = await dm.get(kind, ref, cid === undefined ? {} : { campaign_id: cid });
  if (!e) throw new CliError(4, `There is no ${KINDS[kind].label} ${quoteName(ref)}${campaign === undefined ? '' : ` in campaign ${quoteName(campaign)}`}.`);
  return e;
}

export function show(ctx: Context, e: Entity): void {
  ctx.out.write(ctx.json ? toJson(ordered(e)) : toYaml(ordered(e)));
}

export const CAMPAIGN = '--campaign <name|id>  the campaign the entry belongs to (names are looked up in it)';

export const REPO = '--repo <folder>       the backup repository (default: .campaign-vault/backups in the vault folder)';

/** A size for people: 812 B, 4.2 KiB, 37 MiB. */
export function size(n: number): string {
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
export function when(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Text typed by someone (a note, a reason), safe for one table cell. */
export function oneLine(text: string, max = 60): string {
  const flat = Array.from(text, (c) => (c < ' ' || (c >= '\u007f' && c <= '\u009f') ? ' ' : c)).join('');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Findings as lines: severity, code, the sentence, and where. */
export function findingLines(findings: readonly Finding[]): string[] {
  const w = Math.max(0, ...findings.map((f) => f.code.length));
  return findings.map((f) => `${f.severity.padEnd(7)}  ${f.code.padEnd(w)}  ${oneLine(f.message, 400)}${f.where ? ` (${oneLine(f.where, 200)})` : ''}${f.fixable ? ' [repairable]' : ''}`);
}

export function errorsIn(findings: readonly Finding[]): number {
  return findings.filter((f) => f.severity === 'error').length;
}
