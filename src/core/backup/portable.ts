// Portable backups (docs/PORTABLE.md): one file holding a campaign or the whole vault, to carry to
// another machine, encrypted with a password of its own. Here: the export. The container is
// ./portableFile.ts, the archive ./portableZip.ts, the import ./portableImport.ts.
import { stringify } from 'yaml';
import type { DataManager } from '../api';
import { utf8 } from '../bytes';
import type { CipherSuite } from '../crypto/aead';
import type { KdfParams } from '../crypto/kdf';
import { ENTITY_KINDS, KINDS, bodyOf, type EntityKind } from '../db/kinds';
import type { Entity } from '../db/repository';
import { VaultError, isVaultError } from '../errors';
import { NameAllocator, exportCampaign } from '../import';
import { quoteName } from '../paths';
import type { Clock, Random } from '../ports';
import { objectName } from './format';
import type { VaultFiles } from './port';
import { FILE_HASH, PORTABLE_FORMAT, PORTABLE_MANIFEST_FORMAT, kindOfPath, sealPortable, type PortableManifest } from './portableFile';
import { writeArchive, type ArchiveEntry } from './portableZip';

export {
  PORTABLE_FORMAT,
  PORTABLE_HEADER_BYTES,
  PORTABLE_MAGIC,
  PORTABLE_MANIFEST_FORMAT,
  PortableError,
  openPortable,
  sealPortable,
  type PortableContents,
  type PortableManifest,
} from './portableFile';
export { importPortable, readPortable, type ImportPortableOptions, type PortableImportResult, type ReadPortableOptions } from './portableImport';
export { DEFAULT_PORTABLE_LIMITS, type PortableLimits } from './portableZip';

export interface ExportPortableOptions {
  readonly password: string;
  /** A campaign's id or name; undefined = the whole vault. */
  readonly campaign?: string;
  readonly kdf?: KdfParams;
  readonly files?: VaultFiles;
  readonly suite?: CipherSuite;
  readonly random: Random;
  readonly clock: Clock;
  readonly extensionVersion: string;
}

// ── export ───────────────────────────────────────────────────────────────────────────────────

const toYaml = (v: unknown) => stringify(v, { lineWidth: 0, aliasDuplicateObjects: false });
const PAGE = 10_000;

async function listAll(dm: DataManager, kind: EntityKind, campaignId: string | null | undefined): Promise<Entity[]> {
  const out: Entity[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await dm.list(kind, { ...(campaignId !== undefined ? { campaign_id: campaignId } : {}), limit: PAGE, offset, sort: 'name' });
    out.push(...page);
    if (page.length < PAGE) return out;
  }
}

/** A library entry as an export file (the same shape exportCampaign writes: the body, then kind and id). */
function libraryDocument(e: Entity): Record<string, unknown> {
  const { name, ...rest } = bodyOf(e);
  return { name, ...rest, kind: e.kind, id: e.id };
}

/**
 * A portable backup of one campaign (`campaign`: its id or name) or of the whole vault: every live
 * campaign with its entries, and the library (items, spells, rulebooks and assets in no campaign).
 * With `files`, the contents of every asset that has a hash go in too.
 */
export async function exportPortable(dm: DataManager, opts: ExportPortableOptions): Promise<Uint8Array> {
  let campaigns: Entity[];
  if (opts.campaign !== undefined) {
    const c = await dm.get('campaign', opts.campaign);
    if (!c) throw new VaultError('not-found', `campaign ${opts.campaign}`, { hint: `There is no campaign ${quoteName(opts.campaign)}.` });
    if (c.deleted_at !== null) throw new VaultError('invalid', 'campaign in trash', { hint: `Campaign ${quoteName(c.name)} is in the trash; restore it first.` });
    campaigns = [c];
  } else campaigns = await listAll(dm, 'campaign', undefined);

  const entries: ArchiveEntry[] = [];
  const counts: Record<string, number> = Object.fromEntries(ENTITY_KINDS.map((k) => [k, 0]));
  const folders = new NameAllocator();
  const manifestCampaigns: { id: string; name: string; folder: string }[] = [];
  const assets: Entity[] = [];
  for (const c of campaigns) {
    const folder = folders.allocate('entries/campaigns', c.name, '');
    manifestCampaigns.push({ id: c.id, name: c.name, folder: folder.slice('entries/campaigns/'.length) });
    for (const f of await exportCampaign(dm, c.id)) {
      entries.push({ name: `${folder}/${f.path}`, data: utf8(f.text) });
      const kind = kindOfPath(f.path);
      if (kind) counts[kind]!++;
    }
    assets.push(...(await listAll(dm, 'asset', c.id)));
  }
  if (opts.campaign === undefined) {
    const names = new NameAllocator();
    for (const kind of ENTITY_KINDS) {
      if (KINDS[kind].scope !== 'optional') continue;
      for (const e of await listAll(dm, kind, null)) {
        entries.push({ name: names.allocate(`entries/library/${KINDS[kind].table}`, e.name), data: utf8(toYaml(libraryDocument(e))) });
        counts[kind]!++;
        if (kind === 'asset') assets.push(e);
      }
    }
  }

  const hashes = new Map<string, Entity>();
  const fileDigests: Record<string, string> = {};
  if (opts.files) for (const a of assets) if (typeof a.hash === 'string' && !hashes.has(a.hash)) hashes.set(a.hash, a);
  for (const [hash, asset] of hashes) {
    if (!FILE_HASH.test(hash)) throw new VaultError('invalid', `asset ${asset.id}: hash ${hash}`, { hint: `The asset ${quoteName(asset.name)} has a content hash that is not a valid file name (${quoteName(hash)}); check the vault's integrity.`, remedy: 'check-integrity', params: { asset: asset.name, hash } });
    let data: Uint8Array;
    try {
      data = await opts.files!.read(hash);
    } catch (e) {
      if (isVaultError(e, 'not-found')) throw new VaultError('not-found', `asset ${asset.id}: file ${hash} missing`, { hint: `The file of asset ${quoteName(asset.name)} is missing from the vault, so it cannot be backed up; check the vault's integrity.`, remedy: 'check-integrity', params: { asset: asset.name }, cause: e });
      throw e;
    }
    entries.push({ name: `files/${hash}`, data });
    fileDigests[hash] = await objectName(data);
  }
  counts.files = hashes.size;

  const manifest: PortableManifest = {
    format: PORTABLE_MANIFEST_FORMAT,
    formatVersion: PORTABLE_FORMAT,
    createdAt: new Date(opts.clock.now()).toISOString(),
    scope: opts.campaign === undefined ? 'vault' : 'campaign',
    ...(opts.campaign !== undefined ? { campaign: { id: campaigns[0]!.id, name: campaigns[0]!.name } } : {}),
    campaigns: manifestCampaigns,
    sourceVaultId: dm.vaultId ?? '',
    extensionVersion: opts.extensionVersion,
    filesIncluded: opts.files !== undefined,
    ...(opts.files ? { fileDigests } : {}),
    counts,
  };
  entries.unshift({ name: 'manifest.json', data: utf8(JSON.stringify(manifest, null, 2)) });
  const archive = writeArchive(entries, opts.clock.now());
  return sealPortable(archive, opts.password, { ...(opts.kdf ? { kdf: opts.kdf } : {}), ...(opts.suite ? { suite: opts.suite } : {}), random: opts.random });
}
