// The plain-YAML export of a campaign, and reading it back. One file per entity, in a folder per
// kind, named after the entity (made safe for every file system); each file holds the entity's
// body with its `kind` and `id` (and `campaign_id`), so links between entries survive. A manifest,
// campaign-vault-export.yaml, lists the files.
import { stringify } from 'yaml';
import type { DataManager, Entity } from '../api';
import { ENTITY_KINDS, KINDS, SYSTEM_FIELDS, isEntityKind, type EntityKind } from '../db/kinds';
import { VaultError } from '../errors';
import { assertSafeRelativePath, quoteName } from '../paths';
import { referencesIn } from '../schema/references';
import { importError } from './parse';
import type { ReportBuilder } from './report';
import type { DraftLink, EntityDraft } from './types';

export const MANIFEST = 'campaign-vault-export.yaml';
export const EXPORT_FORMAT = 'campaign-vault-export';
export const EXPORT_VERSION = 1;

export interface ExportFile {
  /** A relative path with `/` separators, safe on every file system (assertSafeRelativePath). */
  readonly path: string;
  readonly text: string;
}

/** Longest file name stem, in UTF-8 bytes (names get `-2` and `.yaml` added; most systems take 255). */
const MAX_STEM_BYTES = 100;
// C0/C1 controls, bidi and zero-width formatting, and the characters Windows refuses in names.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff<>:"/\\|?*]/gu;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$/i;

function utf8Length(s: string): number {
  let n = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}

/**
 * A file-name stem for `name`, safe everywhere: NFC, no separators, `..`, control or bidi
 * characters, no characters Windows refuses, no reserved Windows names, no leading or trailing
 * dots and spaces, at most MAX_STEM_BYTES bytes (cut between characters). Never empty.
 */
export function safeStem(name: string): string {
  let s = name.normalize('NFC').replace(UNSAFE, '_').replace(/\s+/g, ' ').trim();
  s = s.replace(/^[. ]+/, '').replace(/[. ]+$/, '');
  if (s === '' || /^_*$/.test(s)) s = 'unnamed';
  const base = s.split('.')[0]!;
  if (WINDOWS_RESERVED.test(base)) s = `_${s}`;
  if (utf8Length(s) > MAX_STEM_BYTES) {
    let out = '';
    for (const ch of s) {
      if (utf8Length(out + ch) > MAX_STEM_BYTES) break;
      out += ch;
    }
    s = out.replace(/[. ]+$/, '') || 'unnamed';
  }
  return s;
}

/** Unique file names within a folder: case-insensitive and Unicode-insensitive, like macOS and Windows. */
export class NameAllocator {
  private readonly taken = new Set<string>();
  allocate(folder: string, name: string, ext = '.yaml'): string {
    const stem = safeStem(name);
    for (let n = 1; ; n++) {
      const candidate = n === 1 ? stem : `${stem}-${n}`;
      const key = `${folder}/${candidate}${ext}`.normalize('NFKC').toLowerCase();
      if (!this.taken.has(key)) {
        this.taken.add(key);
        const path = folder ? `${folder}/${candidate}${ext}` : `${candidate}${ext}`;
        assertSafeRelativePath(path);
        return path;
      }
    }
  }
}

/** An entity as an export file's content: the body, then kind, id and campaign_id. */
function entityDocument(e: Entity): Record<string, unknown> {
  const doc: Record<string, unknown> = { name: e.name };
  for (const [k, v] of Object.entries(e)) if (k !== 'name' && !(SYSTEM_FIELDS as readonly string[]).includes(k)) doc[k] = v;
  doc.kind = e.kind;
  doc.id = e.id;
  if (e.campaign_id !== undefined && e.campaign_id !== null) doc.campaign_id = e.campaign_id;
  return doc;
}

const toYaml = (v: unknown) => stringify(v, { lineWidth: 0, aliasDuplicateObjects: false });

/**
 * Every live entry of a campaign as YAML files: `campaign.yaml`, `characters/<name>.yaml`,
 * `npcs/…`, `sessions/…`, `locations/…` (nesting kept by `parent_id`), `items/…`, `spells/…`,
 * `rulebooks/…`, `assets/…` (metadata only: asset contents are not part of the export), and the
 * manifest. Entries in the trash are not exported.
 */
export async function exportCampaign(dm: DataManager, campaignId: string): Promise<ExportFile[]> {
  const campaign = await dm.get('campaign', campaignId);
  if (!campaign || campaign.kind !== 'campaign') throw new VaultError('not-found', `campaign ${campaignId}`, { hint: `There is no campaign ${quoteName(campaignId)}.` });
  if (campaign.deleted_at !== null) throw new VaultError('invalid', 'campaign in trash', { hint: `Campaign ${quoteName(campaign.name)} is in the trash; restore it first.` });
  const names = new NameAllocator();
  const files: ExportFile[] = [{ path: names.allocate('', 'campaign'), text: toYaml(entityDocument(campaign)) }];
  for (const kind of ENTITY_KINDS) {
    if (kind === 'campaign') continue;
    const folder = KINDS[kind].table;
    for (let offset = 0; ; offset += 10_000) {
      const page = await dm.list(kind, { campaign_id: campaign.id, limit: 10_000, offset, sort: 'name' });
      for (const e of page) files.push({ path: names.allocate(folder, e.name), text: toYaml(entityDocument(e)) });
      if (page.length < 10_000) break;
    }
  }
  const manifest = { format: EXPORT_FORMAT, version: EXPORT_VERSION, campaign: { id: campaign.id, name: campaign.name }, files: files.map((f) => f.path) };
  return [{ path: MANIFEST, text: toYaml(manifest) }, ...files];
}

export interface Manifest {
  readonly files: string[];
  readonly campaign?: { id?: string; name?: string };
}

/** Whether a parsed file is an export manifest. */
export function isManifest(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (v as { format?: unknown }).format === EXPORT_FORMAT;
}

/** Reads a manifest: its version and the (safe, relative) paths it lists. */
export function readManifest(v: unknown, file: string): Manifest {
  const m = v as { version?: unknown; files?: unknown; campaign?: unknown };
  if (m.version !== EXPORT_VERSION) throw importError(file, `this export has format version ${JSON.stringify(m.version)}; this version of Campaign Vault reads version ${EXPORT_VERSION}.`);
  if (!Array.isArray(m.files) || !m.files.every((f) => typeof f === 'string')) throw importError(file, '"files" must be a list of file paths.');
  for (const [i, f] of (m.files as string[]).entries()) {
    try {
      assertSafeRelativePath(f);
    } catch {
      throw importError(file, `the path ${quoteName(f)} is not a safe relative path (it could point outside the export folder).`, `files[${i}]`);
    }
  }
  return { files: m.files as string[], ...(typeof m.campaign === 'object' && m.campaign !== null ? { campaign: m.campaign as Manifest['campaign'] } : {}) };
}

/** Whether a parsed file is one entry of an export. */
export function isVaultEntity(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return typeof o.kind === 'string' && isEntityKind(o.kind) && typeof o.id === 'string' && 'name' in o;
}

/** The ids the body holds in its reference fields (src/core/schema/references.ts), to remap on import. */
function idLinks(kind: EntityKind, body: Record<string, unknown>): DraftLink[] {
  return referencesIn(kind, body).map((r) => ({ pointer: r.pointer, target: { kind: r.field.target, id: r.id } }));
}

/** One export file → a draft that keeps its id. */
export function importVaultEntity(v: unknown, file: string, report: ReportBuilder): EntityDraft[] {
  const o = v as Record<string, unknown>;
  const kind = o.kind as EntityKind;
  const body: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) {
    if (!(SYSTEM_FIELDS as readonly string[]).includes(k)) body[k] = x;
    else if (!['kind', 'id', 'campaign_id'].includes(k)) report.add({ kind: 'unmapped', file, entity: `${kind} ${quoteName(String(o.name))}`, path: k, detail: 'kept by the vault itself; a new value is set on import' });
  }
  return [{ kind, body, id: o.id as string, links: idLinks(kind, body), file }];
}
