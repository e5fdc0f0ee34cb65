// What an importer hands back: entity drafts (a kind, a body, the links to resolve) and the loss
// report, before anything touches a vault.
import type { EntityKind } from '../db/kinds';
import { quoteName } from '../paths';
import { pathPattern, type LossEntry, type ReportBuilder, type Tracker } from './report';

/** A field of a draft that refers to another entity, resolved when the draft is applied. */
export interface DraftLink {
  /** JSON pointer of the field in the body, e.g. `/location_id` or `/spells/known/3/spell_id`. */
  readonly pointer: string;
  /** What it refers to: by id (a vault export) or by name (a spell a character knows). */
  readonly target: { readonly kind: EntityKind; readonly id?: string; readonly name?: string };
}

export interface EntityDraft {
  readonly kind: EntityKind;
  body: Record<string, unknown>;
  /** The id to keep (entities from a Campaign Vault export keep theirs, so links survive). */
  readonly id?: string;
  readonly links: DraftLink[];
  /**
   * An entry made from part of another (a spell or item of a Foundry character): an entry of the same
   * kind and name already in the campaign or the library — or made earlier in the same import — is
   * used instead, whatever the conflict choice, so importing the character again duplicates nothing.
   */
  readonly reuse?: boolean;
  /** The file it came from and where in it (`[3]` for the fourth record of a list). */
  readonly file: string;
  readonly where?: string;
}

export interface ParsedImport {
  /** The format that was recognised, e.g. `foundry-dnd5e-actor`. */
  readonly format: ImportFormat;
  readonly drafts: EntityDraft[];
  readonly report: LossEntry[];
}

export type ImportFormat = 'foundry-dnd5e-actor' | 'foundry-dnd5e-item' | '5e-bits' | 'open5e-v1' | 'fantasy-statblocks' | 'campaign-vault-export' | 'campaign-vault-manifest';

export type Body = Record<string, unknown>;

/** `character "Zanna"`: how entries are named in reports and messages. */
export function labelOf(kind: string, name: unknown): string {
  return `${kind} ${quoteName(typeof name === 'string' ? name : String(name ?? '?'))}`;
}

/** Drops undefined, null, '' and empty groups (null means "not set" in a body). */
export function drop<T extends Body>(o: T): T {
  return Object.fromEntries(
    Object.entries(o).filter(([, v]) => v !== undefined && v !== null && v !== '' && !(typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0)),
  ) as T;
}

/** Everything one importer needs to report losses for one source record. */
export interface Ctx {
  readonly file: string;
  readonly entity: string;
  readonly report: ReportBuilder;
  readonly tracker: Tracker;
  /** Prefix of the record's source paths inside the file (`[3]` for the fourth record). */
  readonly base: string;
}

/** Records a converted value (by the path of the view it came from, or a given path). */
export function converted(ctx: Ctx, path: string, detail: string): void {
  ctx.report.add({ kind: 'converted', file: ctx.file, entity: ctx.entity, path: pathPattern(path), detail, example: path });
}

/**
 * Reports every field of the record the importer did not read: as `ignored` when `ignored` gives a
 * reason (bookkeeping, left out by design), else as `unmapped`.
 */
export function reportUnused(ctx: Ctx, ignored?: (path: string) => string | undefined): void {
  for (const u of ctx.tracker.unused(ctx.base)) {
    const note = ignored?.(u.path);
    ctx.report.add({
      kind: note ? 'ignored' : 'unmapped',
      file: ctx.file,
      entity: ctx.entity,
      path: pathPattern(u.path),
      count: u.count,
      example: u.path,
      ...(note ? { detail: note } : {}),
    });
  }
}

/** Each record of a file that holds a list of records (or just one), with its path in the file. */
export function eachRecord(tracker: Tracker, convert: (record: unknown, base: string) => EntityDraft | undefined): EntityDraft[] {
  const root = tracker.view<unknown>();
  const list = Array.isArray(root) ? (root as unknown[]) : [root];
  const drafts: EntityDraft[] = [];
  list.forEach((record, n) => {
    const draft = convert(record, Array.isArray(root) ? `[${n}]` : '');
    if (draft) drafts.push(draft);
  });
  return drafts;
}
