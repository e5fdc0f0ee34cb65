// Applying drafts to a vault through the DataManager: into one campaign (created when asked, or
// taken from an export), links resolved where they can be, name and id conflicts handled as the
// caller chose. Every body is checked before the first write, and the whole import is one batch
// (one journaled transaction): it lands whole or not at all, also when the process is killed.
import type { DataManager, Entity, EntryOps } from '../api';
import { KINDS, type EntityKind } from '../db/kinds';
import { VaultError } from '../errors';
import { quoteName } from '../paths';
import { validateBody } from '../schema';
import { ReportBuilder, type ImportReport, type LossEntry } from './report';
import { labelOf, type EntityDraft } from './types';

export type OnConflict = 'skip' | 'rename' | 'replace';

export interface ApplyOptions {
  /** The campaign to import into, by id or name. */
  readonly campaign?: string;
  /** Create the campaign named by `campaign` when there is none. */
  readonly createCampaign?: boolean;
  /** An entry whose name (or kept id) is taken: leave it out, import it as "Name (2)", or overwrite. Default: skip. */
  readonly onConflict?: OnConflict;
  /** Loss entries from reading the files, to which this adds its own. */
  readonly report?: readonly LossEntry[];
}

export interface ApplyResult {
  /** The campaign imported into; null when only library entries (items, spells) were imported. */
  readonly campaign_id: string | null;
  readonly created: { kind: EntityKind; id: string; name: string }[];
  readonly replaced: { kind: EntityKind; id: string; name: string }[];
  readonly skipped: { kind: EntityKind; name: string; existing_id: string }[];
  readonly report: ImportReport;
}

const ORDER: EntityKind[] = ['campaign', 'asset', 'rulebook', 'spell', 'item', 'location', 'npc', 'character', 'session'];

function pointerSet(body: Record<string, unknown>, pointer: string, value: string | undefined): void {
  const parts = pointer.split('/').slice(1);
  let o: unknown = body;
  for (const p of parts.slice(0, -1)) o = Array.isArray(o) ? o[Number(p)] : (o as Record<string, unknown> | undefined)?.[p];
  if (typeof o !== 'object' || o === null) return;
  const last = parts.at(-1)!;
  if (value === undefined) delete (o as Record<string, unknown>)[last];
  else (o as Record<string, unknown>)[last] = value;
}

/** Locations after their parents (parents outside the import first); a cycle is left to the vault to refuse. */
function parentsFirst(drafts: EntityDraft[]): EntityDraft[] {
  const byId = new Map(drafts.filter((d) => d.id).map((d) => [d.id!, d]));
  const out: EntityDraft[] = [];
  const state = new Map<EntityDraft, 'visiting' | 'done'>();
  for (const start of drafts) {
    const stack: EntityDraft[] = [start];
    while (stack.length > 0) {
      const d = stack.at(-1)!;
      if (state.get(d) === 'done') {
        stack.pop();
        continue;
      }
      const parentId = d.links.find((l) => l.pointer === '/parent_id')?.target.id;
      const parent = parentId ? byId.get(parentId) : undefined;
      if (parent && !state.has(parent)) {
        state.set(d, 'visiting');
        stack.push(parent);
        continue;
      }
      state.set(d, 'done');
      out.push(d);
      stack.pop();
    }
  }
  return out;
}

/**
 * Creates the drafts in a vault, in one batch. `drafts` usually come from `parseImportFile(s)`.
 * Throws (and writes nothing) when a body is invalid, the campaign cannot be found or a write
 * fails: the batch lands whole or not at all.
 */
export function importDrafts(dm: DataManager, drafts: readonly EntityDraft[], opts: ApplyOptions = {}): Promise<ApplyResult> {
  return dm.batch((entries) => applyDrafts(entries, drafts, opts));
}

/** Every body checked against its kind's schema, before anything is written. */
function checkDrafts(drafts: readonly EntityDraft[]): void {
  for (const d of drafts) {
    const issues = validateBody(d.kind, d.body);
    if (issues.length > 0) throw new VaultError('invalid', `import: ${d.file}: invalid ${d.kind}`, { hint: `${quoteName(d.file, 200)}: ${labelOf(d.kind, d.body.name)} is not a valid entry: ${issues[0]!.message}.`, cause: issues });
  }
}

/**
 * {@link importDrafts} inside a batch the caller holds (several imports that must land together,
 * such as the campaigns of a portable backup): `dm` is the batch's entry operations.
 */
export async function applyDrafts(dm: EntryOps, drafts: readonly EntityDraft[], opts: ApplyOptions = {}): Promise<ApplyResult> {
  checkDrafts(drafts);
  const onConflict = opts.onConflict ?? 'skip';
  const report = new ReportBuilder();
  report.merge(opts.report ?? []);
  const campaignDrafts = drafts.filter((d) => d.kind === 'campaign');
  const needsCampaign = drafts.some((d) => KINDS[d.kind].scope === 'required');
  const created: ApplyResult['created'] = [];
  const replaced: ApplyResult['replaced'] = [];
  const skipped: ApplyResult['skipped'] = [];
  /** Draft id (or kind + name) → the id it has in the vault now. */
  const ids = new Map<string, string>();
  const key = (kind: EntityKind, idOrName: { id?: string; name?: string }) => (idOrName.id !== undefined ? `${kind}#${idOrName.id}` : `${kind}:${(idOrName.name ?? '').toLowerCase()}`);

  // The campaign: named by the caller, else the export's, else none (library entries only).
  let campaignId: string | null = null;
  let campaignDraft: EntityDraft | undefined;
  if (opts.campaign !== undefined) {
    const c = await dm.get('campaign', opts.campaign);
    if (c && c.deleted_at !== null) throw new VaultError('invalid', 'campaign in trash', { hint: `Campaign ${quoteName(c.name)} is in the trash; restore it first.` });
    if (c) campaignId = c.id;
    else if (!opts.createCampaign) throw new VaultError('not-found', `campaign ${opts.campaign}`, { hint: `There is no campaign ${quoteName(opts.campaign)}.` });
    for (const d of campaignDrafts) {
      report.add({ kind: 'skipped', file: d.file, entity: labelOf('campaign', d.body.name), path: '(the campaign)', detail: `imported into campaign ${quoteName(opts.campaign)} instead` });
      if (d.id) ids.set(key('campaign', d), c?.id ?? '');
    }
  } else if (campaignDrafts.length > 1) {
    throw new VaultError('invalid', 'several campaigns', { hint: `The files hold ${campaignDrafts.length} campaigns; import one export at a time.` });
  } else campaignDraft = campaignDrafts[0];
  if (campaignId === null && campaignDraft === undefined && opts.campaign === undefined && needsCampaign) {
    throw new VaultError('invalid', 'no campaign', { hint: 'Characters, NPCs, sessions and locations belong to a campaign: choose the campaign to import into.' });
  }

  /** The live entry that a draft would collide with (same id, or same name in the same campaign). */
  const collision = async (d: EntityDraft, name: string, cid: string | null): Promise<Entity | undefined> => {
    if (d.id !== undefined) {
      const byId = await dm.get(d.kind, d.id);
      if (byId && byId.id === d.id) return byId;
    }
    const byName = await dm.get(d.kind, name, KINDS[d.kind].scope === 'none' ? {} : { campaign_id: cid });
    return byName && byName.name.toLowerCase() === name.toLowerCase() && byName.deleted_at === null ? byName : undefined;
  };

  const freeName = async (kind: EntityKind, name: string, cid: string | null): Promise<string> => {
    for (let n = 2; n < 10_000; n++) {
      const suffix = ` (${n})`;
      const candidate = `${name.slice(0, 200 - suffix.length)}${suffix}`;
      const e = await dm.get(kind, candidate, KINDS[kind].scope === 'none' ? {} : { campaign_id: cid });
      if (!e || e.name.toLowerCase() !== candidate.toLowerCase()) return candidate;
    }
    throw new VaultError('exists', `no free name for ${name}`);
  };

  /** A live entry of this kind and name: in the campaign, else in the library. */
  const existing = async (kind: EntityKind, name: string, cid: string | null): Promise<Entity | undefined> => {
    const inCampaign = cid === null ? undefined : await dm.get(kind, name, { campaign_id: cid }).catch(() => undefined);
    const e = inCampaign ?? (KINDS[kind].scope === 'optional' ? await dm.get(kind, name, { campaign_id: null }).catch(() => undefined) : undefined);
    return e && e.name.toLowerCase() === name.toLowerCase() && e.deleted_at === null ? e : undefined;
  };

  const place = async (d: EntityDraft, cid: string | null): Promise<string | undefined> => {
    const body = structuredClone(d.body);
    const label = labelOf(d.kind, body.name);
    if (d.reuse) {
      const name = String(body.name);
      const made = ids.get(key(d.kind, { name }));
      if (made !== undefined) return made;
      const e = await existing(d.kind, name, cid);
      if (e) {
        report.add({ kind: 'skipped', file: d.file, entity: label, path: '(the entry)', detail: `${labelOf(e.kind, e.name)} is already in the ${e.campaign_id ? 'campaign' : 'library'}; linked to it instead` });
        return e.id;
      }
    }
    // Links: to an entry of this import, else to one already in the vault, else reported.
    for (const link of d.links) {
      const t = link.target;
      let target = ids.get(key(t.kind, t));
      if (target === undefined && t.id !== undefined) {
        const e = await dm.get(t.kind, t.id);
        if (e && e.id === t.id && e.deleted_at === null) target = e.id;
      }
      if (target === undefined && t.name !== undefined) target = (await existing(t.kind, t.name, cid))?.id;
      const path = link.pointer.replace(/\/\d+(?=\/|$)/g, '[]').replace(/^\//, '').replace(/\//g, '.').replace(/\.\[\]/g, '[]');
      if (target !== undefined && target !== '') pointerSet(body, link.pointer, target);
      else if (link.pointer === '/parent_id') {
        pointerSet(body, link.pointer, undefined);
        report.add({ kind: 'unresolved-link', file: d.file, entity: label, path, detail: `no ${t.kind} ${quoteName(t.id ?? t.name ?? '')} here; imported without a parent` });
      } else {
        report.add({ kind: 'unresolved-link', file: d.file, entity: label, path, detail: t.id !== undefined ? `no ${t.kind} with this id here; the id is kept` : `no ${t.kind} of that name in the campaign or the library; left empty` });
      }
    }
    const name = String(body.name);
    const clash = await collision(d, name, cid);
    let id = d.id;
    if (clash) {
      const sameScope = KINDS[d.kind].scope === 'none' || (clash.campaign_id ?? null) === cid;
      if (onConflict === 'skip') {
        skipped.push({ kind: d.kind, name, existing_id: clash.id });
        report.add({ kind: 'skipped', file: d.file, entity: label, path: '(the entry)', detail: `${clash.id === d.id ? 'its id' : 'its name'} is taken by ${labelOf(clash.kind, clash.name)}; not imported` });
        return clash.id;
      }
      if (onConflict === 'replace' && sameScope && clash.deleted_at === null) {
        const after = await dm.update(d.kind, clash.id, body, { replace: true });
        replaced.push({ kind: d.kind, id: after.id, name: after.name });
        report.add({ kind: 'replaced', file: d.file, entity: label, path: '(the entry)', detail: `overwrote ${labelOf(clash.kind, clash.name)} (${clash.id})` });
        return after.id;
      }
      // rename (or a replace that cannot be done in place): a free name, and a new id if the id is taken.
      if (clash.id === d.id) id = undefined;
      const nameTaken = clash.name.toLowerCase() === name.toLowerCase() && sameScope;
      if (nameTaken) body.name = await freeName(d.kind, name, cid);
      report.add({ kind: 'renamed', file: d.file, entity: label, path: '(the entry)', detail: `${nameTaken ? `imported as ${quoteName(String(body.name))}` : 'imported'}${id === undefined && d.id ? ' with a new id' : ''} (${labelOf(clash.kind, clash.name)} exists)` });
    }
    const e = await dm.create(d.kind, { ...body, ...(id !== undefined ? { id } : {}), ...(KINDS[d.kind].scope !== 'none' ? { campaign_id: cid } : {}) });
    created.push({ kind: d.kind, id: e.id, name: e.name });
    return e.id;
  };

  if (opts.campaign !== undefined && campaignId === null) {
    const c = await dm.create('campaign', { name: opts.campaign });
    created.push({ kind: 'campaign', id: c.id, name: c.name });
    campaignId = c.id;
    for (const d of campaignDrafts) if (d.id) ids.set(key('campaign', d), c.id);
  }
  if (campaignDraft) {
    campaignId = (await place(campaignDraft, null)) ?? null;
    if (campaignDraft.id && campaignId) ids.set(key('campaign', campaignDraft), campaignId);
  }
  const rest = drafts.filter((d) => d.kind !== 'campaign');
  const sorted = ORDER.flatMap((k) => (k === 'location' ? parentsFirst(rest.filter((d) => d.kind === k)) : rest.filter((d) => d.kind === k)));
  for (const d of sorted) {
    const id = await place(d, KINDS[d.kind].scope === 'none' ? null : campaignId);
    if (id !== undefined) {
      if (d.id !== undefined) ids.set(key(d.kind, d), id);
      if (!ids.has(key(d.kind, { name: String(d.body.name) }))) ids.set(key(d.kind, { name: String(d.body.name) }), id);
    }
  }
  return { campaign_id: campaignId, created, replaced, skipped, report: report.report() };
}
