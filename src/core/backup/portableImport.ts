// Importing a portable backup (docs/PORTABLE.md): decrypts, reads the archive with every name and
// size checked (./portableZip.ts), parses every YAML document and checks it against the manifest,
// and only then writes — through applyDrafts, the same path as `import`, in one batch — so a refused file
// writes nothing.
import type { DataManager } from '../api';
import { fromUtf8 } from '../bytes';
import type { CipherSuite } from '../crypto/aead';
import { defaultSuite } from '../crypto/aead';
import { ENTITY_KINDS, KINDS } from '../db/kinds';
import { VaultError } from '../errors';
import { MANIFEST, MAX_YAML_IMPORT_TEXT, ReportBuilder, applyDrafts, parseImportFile, type ApplyResult, type EntityDraft, type ImportReport, type LossEntry, type OnConflict } from '../import';
import { quoteName } from '../paths';
import { objectName } from './format';
import type { VaultFiles } from './port';
import {
  FILE_HASH,
  MAX_MANIFEST_BYTES,
  NOTHING,
  PORTABLE_FORMAT,
  PORTABLE_MANIFEST_FORMAT,
  PortableError,
  damaged,
  fail,
  hostile,
  kindOfPath,
  openPortable,
  type PortableContents,
  type PortableFile,
  type PortableManifest,
} from './portableFile';
import { ArchiveRefused, DEFAULT_PORTABLE_LIMITS, openArchive, type LazyEntry, type PortableLimits } from './portableZip';

export interface ReadPortableOptions {
  readonly limits?: Partial<PortableLimits>;
  readonly suite?: CipherSuite;
}

export interface ImportPortableOptions extends ReadPortableOptions {
  readonly password: string;
  /** An entry whose id or name is taken: skip it (default), import it as "Name (2)", or overwrite it. */
  readonly onConflict?: OnConflict;
  /** Where asset contents go; required when the file holds any. */
  readonly files?: VaultFiles;
}

export interface PortableImportResult {
  readonly manifest: PortableManifest;
  /** The campaigns imported into, as they are called in this vault. */
  readonly campaigns: readonly { readonly id: string; readonly name: string }[];
  readonly created: ApplyResult['created'];
  readonly replaced: ApplyResult['replaced'];
  readonly skipped: ApplyResult['skipped'];
  /** Files written to the file store. */
  readonly files: number;
  readonly report: ImportReport;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function readManifestJson(data: Uint8Array): PortableManifest {
  if (data.length > MAX_MANIFEST_BYTES) hostile(`its manifest is larger than ${MAX_MANIFEST_BYTES} bytes`);
  let m: unknown;
  try {
    m = JSON.parse(fromUtf8(data));
  } catch {
    return damaged('manifest.json is not JSON');
  }
  const bad = (why: string): never => damaged(`manifest.json: ${why}`);
  if (!isRecord(m) || m.format !== PORTABLE_MANIFEST_FORMAT) return bad('not a portable manifest');
  if (typeof m.formatVersion !== 'number') return bad('no formatVersion');
  if (m.formatVersion > PORTABLE_FORMAT) fail('newer-format', `manifest version ${m.formatVersion}`, 'This backup file was written by a newer version of Campaign Vault. Update the extension to import it.');
  if (m.formatVersion !== PORTABLE_FORMAT) bad(`formatVersion ${m.formatVersion}`);
  if (typeof m.createdAt !== 'string' || typeof m.sourceVaultId !== 'string' || typeof m.extensionVersion !== 'string') bad('createdAt, sourceVaultId or extensionVersion missing');
  if (m.scope !== 'vault' && m.scope !== 'campaign') bad(`scope ${JSON.stringify(m.scope)}`);
  if (typeof m.filesIncluded !== 'boolean') bad('filesIncluded missing');
  if (m.fileDigests !== undefined && (!isRecord(m.fileDigests) || !Object.values(m.fileDigests).every((d) => typeof d === 'string' && /^[0-9a-f]{64}$/.test(d)))) bad('fileDigests');
  if (!isRecord(m.counts) || !Object.entries(m.counts).every(([k, v]) => (k === 'files' || (ENTITY_KINDS as readonly string[]).includes(k)) && isCount(v))) bad('counts');
  const named = (v: unknown) => isRecord(v) && typeof v.id === 'string' && typeof v.name === 'string';
  if (!Array.isArray(m.campaigns) || !m.campaigns.every((c) => named(c) && typeof (c as { folder?: unknown }).folder === 'string')) return bad('campaigns');
  const campaigns = m.campaigns as PortableManifest['campaigns'];
  if (m.scope === 'campaign' && (!named(m.campaign) || campaigns.length !== 1 || campaigns[0]!.id !== (m.campaign as { id: string }).id)) bad('campaign');
  const folders = campaigns.map((c) => c.folder);
  if (new Set(folders).size !== folders.length || folders.some((f) => f.includes('/') || f === '')) bad('campaign folders');
  return m as unknown as PortableManifest;
}

/**
 * Decrypts a portable backup and reads its archive, refusing (as {@link PortableError}, before
 * returning anything) a wrong password, a file that is not one, a newer format, hostile KDF
 * parameters, damage, and any archive entry that is unsafe, unknown or over the limits.
 */
export async function readPortable(bytes: Uint8Array, password: string, opts: ReadPortableOptions = {}): Promise<PortableContents> {
  const archive = await openPortable(bytes, password, opts.suite ?? defaultSuite());
  try {
    return await readContents(openArchive(archive, { ...DEFAULT_PORTABLE_LIMITS, ...opts.limits }));
  } catch (e) {
    if (e instanceof ArchiveRefused) hostile(e.message);
    throw e;
  }
}

/**
 * Every entry is placed by its name and declared size before anything is inflated: a name that is
 * not part of a portable backup, a manifest over 1 MiB or an entry file over the import limit is
 * refused unread. Asset files are left unread here: the import reads each one when it needs it.
 */
async function readContents(items: readonly LazyEntry[]): Promise<PortableContents> {
  const manifestItem = items.find((i) => i.name === 'manifest.json');
  if (!manifestItem) return hostile('it has no manifest.json');
  if (manifestItem.size > MAX_MANIFEST_BYTES) hostile(`its manifest is larger than ${MAX_MANIFEST_BYTES} bytes`);
  const manifest = readManifestJson(await manifestItem.read(MAX_MANIFEST_BYTES));
  const folders = new Set(manifest.campaigns.map((c) => c.folder));
  const texts: LazyEntry[] = [];
  const files = new Map<string, PortableFile>();
  for (const item of items) {
    if (item === manifestItem) continue;
    const parts = item.name.split('/');
    const q = quoteName(item.name);
    if (parts[0] === 'files' && parts.length === 2 && FILE_HASH.test(parts[1]!)) {
      files.set(parts[1]!, { size: item.size, read: () => item.read() });
      continue;
    }
    const inCampaign = parts[0] === 'entries' && parts[1] === 'campaigns' && parts.length >= 4 && folders.has(parts[2]!) && (parts.slice(3).join('/') === MANIFEST || kindOfPath(parts.slice(3).join('/')) !== undefined);
    const inLibrary = parts[0] === 'entries' && parts[1] === 'library' && manifest.scope === 'vault' && parts.length === 4 && KINDS[kindOfPath(parts.slice(2).join('/')) ?? 'campaign'].scope === 'optional';
    if (!inCampaign && !inLibrary) hostile(`it holds ${q}, which is not part of a portable backup`);
    if (item.size > MAX_YAML_IMPORT_TEXT) hostile(`its entry ${q} is larger than ${MAX_YAML_IMPORT_TEXT} bytes`);
    texts.push(item);
  }
  const entries: { path: string; text: string }[] = [];
  for (const item of texts) {
    const data = await item.read(MAX_YAML_IMPORT_TEXT);
    let text: string;
    try {
      text = fromUtf8(data);
    } catch {
      return hostile(`${quoteName(item.name)} is not UTF-8 text`);
    }
    entries.push({ path: item.name, text });
  }
  return { manifest, entries, files };
}

// ── import ───────────────────────────────────────────────────────────────────────────────────

interface Group {
  readonly campaign?: { id: string; name: string };
  readonly drafts: EntityDraft[];
  readonly report: LossEntry[];
}

/** Every YAML document parsed and every draft checked against the manifest, before anything is written. */
function plan(contents: PortableContents): Group[] {
  const { manifest } = contents;
  const counts: Record<string, number> = {};
  const add = (d: EntityDraft) => (counts[d.kind] = (counts[d.kind] ?? 0) + 1);
  const parse = (path: string, text: string) => {
    try {
      return parseImportFile(text, path);
    } catch (e) {
      if (e instanceof VaultError) return fail(e.code, e.message, `The backup file holds an entry that cannot be imported: ${e.userMessage.replace(/\.$/, '')}.`, e);
      throw e;
    }
  };
  const groups: Group[] = [];
  const library: Group = { drafts: [], report: [] };
  for (const e of contents.entries.filter((x) => x.path.startsWith('entries/library/'))) {
    const parsed = parse(e.path, e.text);
    const kind = kindOfPath(e.path.split('/').slice(2).join('/'));
    if (parsed.format !== 'campaign-vault-export' || parsed.drafts.length !== 1 || parsed.drafts[0]!.kind !== kind) damaged(`${e.path}: not a ${kind} export file`);
    library.drafts.push(parsed.drafts[0]!);
    library.report.push(...parsed.report);
    add(parsed.drafts[0]!);
  }
  if (library.drafts.length > 0) groups.push(library);
  for (const c of manifest.campaigns) {
    const prefix = `entries/campaigns/${c.folder}/`;
    const mine = contents.entries.filter((x) => x.path.startsWith(prefix));
    const listing = mine.find((x) => x.path === prefix + MANIFEST);
    if (!listing) return damaged(`${prefix}: no ${MANIFEST}`);
    const listed = parse(listing.path, listing.text).manifest;
    if (!listed) return damaged(`${listing.path}: not an export manifest`);
    const present = mine.filter((x) => x !== listing).map((x) => x.path.slice(prefix.length));
    if (listed.files.length !== present.length || [...listed.files].sort().join('\n') !== [...present].sort().join('\n')) damaged(`${prefix}: the files do not match ${MANIFEST}`);
    const group: Group = { campaign: { id: c.id, name: c.name }, drafts: [], report: [] };
    for (const e of mine) {
      if (e === listing) continue;
      const parsed = parse(e.path, e.text);
      const kind = kindOfPath(e.path.slice(prefix.length));
      if (parsed.format !== 'campaign-vault-export' || parsed.drafts.length !== 1 || parsed.drafts[0]!.kind !== kind) damaged(`${e.path}: not a ${kind} export file`);
      group.drafts.push(parsed.drafts[0]!);
      group.report.push(...parsed.report);
      add(parsed.drafts[0]!);
    }
    const heads = group.drafts.filter((d) => d.kind === 'campaign');
    if (heads.length !== 1 || heads[0]!.id !== c.id) damaged(`${prefix}: its campaign is not ${c.id}`);
    groups.push(group);
  }
  // Assets and their files: every hash has its file, every file belongs to an asset.
  const hashes = new Set<string>();
  for (const g of groups) for (const d of g.drafts) if (d.kind === 'asset' && typeof d.body.hash === 'string') hashes.add(d.body.hash);
  if (!manifest.filesIncluded && contents.files.size > 0) damaged('files present although the manifest says none were included');
  // Decided from the names and declared sizes: a file nothing refers to, or larger than its asset says, is never read.
  for (const hash of contents.files.keys()) if (!hashes.has(hash)) hostile(`it holds the file ${quoteName(`files/${hash}`)}, which no asset refers to`);
  for (const g of groups) {
    for (const d of g.drafts) {
      const file = d.kind === 'asset' && typeof d.body.hash === 'string' ? contents.files.get(d.body.hash) : undefined;
      if (file && typeof d.body.size === 'number' && file.size !== d.body.size) damaged(`files/${String(d.body.hash)} is ${file.size} bytes, its asset says ${d.body.size}`);
    }
  }
  if (manifest.filesIncluded) for (const hash of hashes) if (!contents.files.has(hash)) damaged(`asset file ${hash} missing`);
  counts.files = contents.files.size;
  for (const k of new Set([...Object.keys(counts), ...Object.keys(manifest.counts)])) {
    if ((counts[k] ?? 0) !== (manifest.counts[k] ?? 0)) damaged(`manifest counts ${manifest.counts[k] ?? 0} ${k}, the file holds ${counts[k] ?? 0}`);
  }
  return groups;
}

/**
 * Imports a portable backup into `dm`: reads and checks everything first (see {@link readPortable}:
 * then every YAML document, the counts, the assets' files), then writes the files, and the library
 * and every campaign through applyDrafts in one batch: one journaled transaction that lands whole
 * or not at all (files already in the content-addressed store stay; nothing refers to them).
 */
export async function importPortable(dm: DataManager, bytes: Uint8Array, opts: ImportPortableOptions): Promise<PortableImportResult> {
  const contents = await readPortable(bytes, opts.password, opts);
  const groups = plan(contents);
  if (contents.files.size > 0 && !opts.files) {
    throw new PortableError('unsupported', 'portable backup: files but no file store', { hint: `This backup file holds ${contents.files.size} asset file(s), and there is no file store to put them in here.${NOTHING}` });
  }
  const onConflict = opts.onConflict ?? 'skip';
  let written = 0;
  // Each vault names files with its own key: a file lands under this vault's name for it, and the
  // assets that use it are pointed there. Its content is checked against the export's digest.
  const digests = contents.manifest.fileDigests;
  // Each file is read (inflated) when it is needed and dropped after: every digest is checked before
  // anything is written, then each is read again to be written (one file in memory at a time).
  if (digests) {
    for (const [hash, file] of contents.files) if (digests[hash] !== (await objectName(await file.read()))) damaged(`files/${hash} does not match its digest`);
  }
  const renamed = new Map<string, string>();
  for (const [hash, file] of contents.files) {
    const { hash: got } = await opts.files!.write(await file.read());
    if (got !== hash) {
      if (!digests) damaged(`files/${hash} hashes to ${got}`);
      renamed.set(hash, got);
    }
    written++;
  }
  for (const g of groups) for (const d of g.drafts) if (d.kind === 'asset' && typeof d.body.hash === 'string' && renamed.has(d.body.hash)) d.body = { ...d.body, hash: renamed.get(d.body.hash)! };
  // Every group in one batch: the whole backup lands as one journaled transaction, or nothing does.
  const done = await dm.batch(async (entries) => {
    const results: ApplyResult[] = [];
    for (const g of groups) results.push(await applyDrafts(entries, g.drafts, { onConflict, report: g.report }));
    return results;
  });
  const report = new ReportBuilder();
  for (const r of done) report.merge(r.report.entries);
  const campaigns: { id: string; name: string }[] = [];
  for (const r of done) {
    if (r.campaign_id === null) continue;
    const c = await dm.get('campaign', r.campaign_id);
    if (c) campaigns.push({ id: c.id, name: c.name });
  }
  return {
    manifest: contents.manifest,
    campaigns,
    created: done.flatMap((r) => r.created),
    replaced: done.flatMap((r) => r.replaced),
    skipped: done.flatMap((r) => r.skipped),
    files: written,
    report: report.report(),
  };
}
