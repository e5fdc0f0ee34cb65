// Portable backups (docs/PORTABLE.md): one file holding a campaign or the whole vault, to carry to
// another machine, encrypted with a password of its own. The file is a 48-byte header (magic,
// format, Argon2id parameters, salt, chunk size, length) and a ZIP archive encrypted in chunks with
// age's STREAM construction over AES-256-GCM. The archive holds `manifest.json`, the entries as our
// YAML export (src/core/import/vault.ts) and the files of assets as `files/<hash>`.
//
// Import decrypts, reads the archive with every name and size checked (./portableZip.ts), parses
// every YAML document and checks it against the manifest, and only then writes — through
// importDrafts, the same path as `import` — so a refused file writes nothing.
import { stringify } from 'yaml';
import type { DataManager, Entity } from '../api';
import { ByteReader, ByteWriter, equalBytes, fromUtf8, utf8, wipe } from '../bytes';
import { AuthenticationError, TAG_BYTES, defaultSuite, type AeadKey, type CipherSuite } from '../crypto/aead';
import { DEFAULT_KDF, checkKdfParams, deriveKek, hkdf, type KdfParams } from '../crypto/kdf';
import { ENTITY_KINDS, KINDS, bodyOf, type EntityKind } from '../db/kinds';
import { objectName } from './format';
import { chunkCount, chunkNonce } from '../vault/sealed';
import { VaultError, isVaultError, type VaultErrorCode } from '../errors';
import { MANIFEST, NameAllocator, ReportBuilder, exportCampaign, importDrafts, parseImportFile, type ApplyResult, type EntityDraft, type ImportReport, type LossEntry, type OnConflict } from '../import';
import { quoteName } from '../paths';
import type { Clock, Random } from '../ports';
import { ArchiveRefused, DEFAULT_PORTABLE_LIMITS, readArchive, writeArchive, type ArchiveEntry, type PortableLimits } from './portableZip';

export { DEFAULT_PORTABLE_LIMITS, type PortableLimits } from './portableZip';

export const PORTABLE_MAGIC = [0x43, 0x56, 0x50, 0x42]; // "CVPB"
export const PORTABLE_FORMAT = 1;
export const PORTABLE_HEADER_BYTES = 48;
export const PORTABLE_MANIFEST_FORMAT = 'campaign-vault-portable';
const SALT_BYTES = 16;
const DEFAULT_CHUNK = 1 << 20;
const MIN_CHUNK = 1 << 12;
const MAX_CHUNK = 1 << 24;
/** The archive is held in memory; 2 GiB is more than the whole vault can hold. */
const MAX_PLAINTEXT = 2 ** 31;
const MAX_MANIFEST_BYTES = 1024 * 1024;
const KEY_INFO = 'campaign-vault/v1/portable';
/** What `files/<hash>` may be called: the hash as the file store gives it, safe as a file name everywhere. */
const FILE_HASH = /^[A-Za-z0-9][A-Za-z0-9_+=-]{0,199}$/;

/** The store of asset contents (content-addressed): read by hash, write returns the hash. */
export interface PortableFiles {
  read(hash: string): Promise<Uint8Array>;
  write(data: Uint8Array): Promise<string>;
}

export interface PortableManifest {
  readonly format: typeof PORTABLE_MANIFEST_FORMAT;
  readonly formatVersion: number;
  readonly createdAt: string;
  readonly scope: 'vault' | 'campaign';
  /** For a campaign backup: the campaign. */
  readonly campaign?: { readonly id: string; readonly name: string };
  /** Every campaign in the file and the folder under `entries/campaigns/` that holds it. */
  readonly campaigns: readonly { readonly id: string; readonly name: string; readonly folder: string }[];
  readonly sourceVaultId: string;
  readonly extensionVersion: string;
  /** Whether asset contents were included (`files/<hash>`); false when the exporter had no file store. */
  readonly filesIncluded: boolean;
  /** BLAKE3 (unkeyed) of each file's content by its name: file names are keyed per vault, so the importing vault checks content with these. */
  readonly fileDigests?: Readonly<Record<string, string>>;
  /** Entries per kind (campaign, character, …) and `files`. */
  readonly counts: Readonly<Record<string, number>>;
}

export interface PortableContents {
  readonly manifest: PortableManifest;
  /** The YAML files under `entries/`, with their paths in the archive. */
  readonly entries: readonly { readonly path: string; readonly text: string }[];
  /** Asset contents by hash. */
  readonly files: ReadonlyMap<string, Uint8Array>;
}

export interface ExportPortableOptions {
  readonly password: string;
  /** A campaign's id or name; undefined = the whole vault. */
  readonly campaign?: string;
  readonly kdf?: KdfParams;
  readonly files?: PortableFiles;
  readonly suite?: CipherSuite;
  readonly random: Random;
  readonly clock: Clock;
  readonly extensionVersion: string;
}

export interface ReadPortableOptions {
  readonly limits?: Partial<PortableLimits>;
  readonly suite?: CipherSuite;
}

export interface ImportPortableOptions extends ReadPortableOptions {
  readonly password: string;
  /** An entry whose id or name is taken: skip it (default), import it as "Name (2)", or overwrite it. */
  readonly onConflict?: OnConflict;
  /** Where asset contents go; required when the file holds any. */
  readonly files?: PortableFiles;
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

/** A VaultError whose sentence is about the backup file, not the vault (the hint replaces the generic sentence). */
export class PortableError extends VaultError {
  override get userMessage(): string {
    return this.hint ?? super.userMessage;
  }
}

const NOTHING = ' Nothing was changed.';
const fail = (code: VaultErrorCode, detail: string, sentence: string, cause?: unknown): never => {
  throw new PortableError(code, `portable backup: ${detail}`, { hint: sentence + NOTHING, ...(cause === undefined ? {} : { cause }) });
};
const damaged = (detail: string): never => fail('corrupt', detail, 'The backup file is damaged.');
const hostile = (why: string): never => fail('invalid', why, `This backup file cannot be imported safely: ${why}.`);

// ── the encrypted container ──────────────────────────────────────────────────────────────────

interface Header {
  readonly kdf: KdfParams;
  readonly salt: Uint8Array;
  readonly chunkSize: number;
  readonly length: number;
}

function encodeHeader(h: Header): Uint8Array {
  return new ByteWriter(PORTABLE_HEADER_BYTES)
    .bytes(new Uint8Array(PORTABLE_MAGIC))
    .u8(PORTABLE_FORMAT)
    .u8(0)
    .u16(0)
    .u32(h.kdf.memoryKiB)
    .u32(h.kdf.iterations)
    .u32(h.kdf.parallelism)
    .bytes(h.salt)
    .u32(h.chunkSize)
    .u64(h.length)
    .done();
}

/** Everything checked before a byte is allocated or the KDF runs. */
function decodeHeader(bytes: Uint8Array): Header {
  const magic = new Uint8Array(PORTABLE_MAGIC);
  if (bytes.length < 4 || !equalBytes(bytes.subarray(0, 4), magic)) fail('not-a-vault', 'bad magic', 'This file is not a Campaign Vault portable backup.');
  if (bytes.length < PORTABLE_HEADER_BYTES) damaged('shorter than its header');
  const r = new ByteReader(bytes.subarray(0, PORTABLE_HEADER_BYTES));
  r.bytes(4);
  const format = r.u8();
  if (format > PORTABLE_FORMAT) fail('newer-format', `format ${format}`, 'This backup file was written by a newer version of Campaign Vault. Update the extension to import it.');
  if (format !== PORTABLE_FORMAT) damaged(`unknown format ${format}`);
  if (r.u8() !== 0 || r.u16() !== 0) damaged('reserved bits set');
  const raw = { algorithm: 'argon2id', memoryKiB: r.u32(), iterations: r.u32(), parallelism: r.u32() };
  let kdf: KdfParams;
  try {
    kdf = checkKdfParams(raw);
  } catch (e) {
    return fail('corrupt', `KDF parameters refused (${JSON.stringify(raw)})`, 'This backup file asks for key-derivation settings outside the safe range; it is damaged or was made to cause harm.', e);
  }
  const salt = r.bytes(SALT_BYTES).slice();
  const chunkSize = r.u32();
  let length: number;
  try {
    length = r.u64();
  } catch {
    return damaged('declared length out of range');
  }
  if (chunkSize < MIN_CHUNK || chunkSize > MAX_CHUNK) damaged(`chunk size ${chunkSize}`);
  if (length > MAX_PLAINTEXT) damaged(`declared length ${length}`);
  const expected = PORTABLE_HEADER_BYTES + length + TAG_BYTES * chunkCount(length, chunkSize);
  if (bytes.length !== expected) {
    fail('corrupt', `size ${bytes.length}, expected ${expected}`, `The backup file is damaged: it is ${bytes.length < expected ? 'shorter' : 'longer'} than it says (cut off or added to while it was copied?).`);
  }
  return { kdf, salt, chunkSize, length };
}

async function fileKey(password: string, h: Header, suite: CipherSuite): Promise<AeadKey> {
  const kek = await deriveKek(password, h.salt, h.kdf);
  const raw = await hkdf(kek, h.salt, KEY_INFO);
  try {
    return await suite.importKey(raw);
  } finally {
    wipe(kek, raw);
  }
}

/** Encrypts `plaintext` under `password` as a portable backup file. */
export async function sealPortable(plaintext: Uint8Array, password: string, opts: { kdf?: KdfParams; suite?: CipherSuite; random: Random; chunkSize?: number }): Promise<Uint8Array> {
  if (plaintext.length > MAX_PLAINTEXT) throw new PortableError('unsupported', 'portable backup too large', { hint: 'This is too much for one backup file (more than 2 GiB). Back up one campaign at a time.' });
  const suite = opts.suite ?? defaultSuite();
  const header: Header = { kdf: checkKdfParams(opts.kdf ?? DEFAULT_KDF), salt: opts.random.bytes(SALT_BYTES), chunkSize: opts.chunkSize ?? DEFAULT_CHUNK, length: plaintext.length };
  const head = encodeHeader(header);
  const key = await fileKey(password, header, suite);
  const n = chunkCount(plaintext.length, header.chunkSize);
  const out = new Uint8Array(PORTABLE_HEADER_BYTES + plaintext.length + TAG_BYTES * n);
  out.set(head, 0);
  let offset = PORTABLE_HEADER_BYTES;
  for (let i = 0; i < n; i++) {
    const part = plaintext.subarray(i * header.chunkSize, Math.min(plaintext.length, (i + 1) * header.chunkSize));
    const ct = await suite.seal(key, chunkNonce(i, i === n - 1), part, head);
    out.set(ct, offset);
    offset += ct.length;
  }
  return out;
}

/** Decrypts a portable backup file; no plaintext of a damaged file is returned. */
export async function openPortable(bytes: Uint8Array, password: string, suite: CipherSuite = defaultSuite()): Promise<Uint8Array> {
  const h = decodeHeader(bytes);
  const head = bytes.subarray(0, PORTABLE_HEADER_BYTES);
  const key = await fileKey(password, h, suite);
  const n = chunkCount(h.length, h.chunkSize);
  const out = new Uint8Array(h.length);
  let offset = PORTABLE_HEADER_BYTES;
  for (let i = 0; i < n; i++) {
    const len = Math.min(h.chunkSize, h.length - i * h.chunkSize) + TAG_BYTES;
    try {
      out.set(await suite.open(key, chunkNonce(i, i === n - 1), bytes.subarray(offset, offset + len), head), i * h.chunkSize);
    } catch (e) {
      out.fill(0);
      if (!(e instanceof AuthenticationError)) throw e;
      // The first chunk cannot tell a wrong password from damage; a later one can.
      if (i === 0) fail('wrong-password', 'chunk 0 failed authentication', 'Wrong password for this backup file, or the file is damaged.', e);
      damaged(`chunk ${i} of ${n} failed authentication`);
    }
    offset += len;
  }
  return out;
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

const TABLE_TO_KIND = new Map(ENTITY_KINDS.map((k) => [KINDS[k].table, k]));

/** The kind of an export file from its path within a campaign's folder (`campaign.yaml`, `npcs/x.yaml`). */
function kindOfPath(rel: string): EntityKind | undefined {
  if (rel === 'campaign.yaml') return 'campaign';
  const parts = rel.split('/');
  return parts.length === 2 && parts[1]!.endsWith('.yaml') ? TABLE_TO_KIND.get(parts[0]!) : undefined;
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
    if (!FILE_HASH.test(hash)) throw new VaultError('invalid', `asset ${asset.id}: hash ${hash}`, { hint: `The asset ${quoteName(asset.name)} has a content hash that is not a valid file name (${quoteName(hash)}); run "Check Integrity".` });
    let data: Uint8Array;
    try {
      data = await opts.files!.read(hash);
    } catch (e) {
      if (isVaultError(e, 'not-found')) throw new VaultError('not-found', `asset ${asset.id}: file ${hash} missing`, { hint: `The file of asset ${quoteName(asset.name)} is missing from the vault, so it cannot be backed up; run "Check Integrity".`, cause: e });
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

// ── reading ──────────────────────────────────────────────────────────────────────────────────

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
  let items: ArchiveEntry[];
  try {
    items = await readArchive(archive, { ...DEFAULT_PORTABLE_LIMITS, ...opts.limits });
  } catch (e) {
    if (e instanceof ArchiveRefused) hostile(e.message);
    throw e;
  }
  const manifestItem = items.find((i) => i.name === 'manifest.json');
  if (!manifestItem) return hostile('it has no manifest.json');
  const manifest = readManifestJson(manifestItem.data);
  const folders = new Set(manifest.campaigns.map((c) => c.folder));
  const entries: { path: string; text: string }[] = [];
  const files = new Map<string, Uint8Array>();
  for (const item of items) {
    if (item === manifestItem) continue;
    const parts = item.name.split('/');
    const q = quoteName(item.name);
    if (parts[0] === 'files' && parts.length === 2 && FILE_HASH.test(parts[1]!)) {
      files.set(parts[1]!, item.data);
      continue;
    }
    const inCampaign = parts[0] === 'entries' && parts[1] === 'campaigns' && parts.length >= 4 && folders.has(parts[2]!) && (parts.slice(3).join('/') === MANIFEST || kindOfPath(parts.slice(3).join('/')) !== undefined);
    const inLibrary = parts[0] === 'entries' && parts[1] === 'library' && manifest.scope === 'vault' && parts.length === 4 && KINDS[kindOfPath(parts.slice(2).join('/')) ?? 'campaign'].scope === 'optional';
    if (!inCampaign && !inLibrary) hostile(`it holds ${q}, which is not part of a portable backup`);
    let text: string;
    try {
      text = fromUtf8(item.data);
    } catch {
      return hostile(`${q} is not UTF-8 text`);
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
  for (const hash of contents.files.keys()) if (!hashes.has(hash)) hostile(`it holds the file ${quoteName(`files/${hash}`)}, which no asset refers to`);
  if (manifest.filesIncluded) for (const hash of hashes) if (!contents.files.has(hash)) damaged(`asset file ${hash} missing`);
  counts.files = contents.files.size;
  for (const k of new Set([...Object.keys(counts), ...Object.keys(manifest.counts)])) {
    if ((counts[k] ?? 0) !== (manifest.counts[k] ?? 0)) damaged(`manifest counts ${manifest.counts[k] ?? 0} ${k}, the file holds ${counts[k] ?? 0}`);
  }
  return groups;
}

/** For a replacing import: the entries it could overwrite, as they are now (to put them back if a later step fails). */
async function replaceable(dm: DataManager, groups: readonly Group[]): Promise<Map<string, Entity>> {
  const before = new Map<string, Entity>();
  const remember = (e: Entity | undefined) => {
    if (e && !before.has(`${e.kind}#${e.id}`)) before.set(`${e.kind}#${e.id}`, e);
    return e;
  };
  for (const g of groups) {
    const cids: (string | null)[] = [];
    if (g.campaign) {
      for (const ref of [g.campaign.id, g.campaign.name]) {
        const c = remember(await dm.get('campaign', ref));
        if (c) cids.push(c.id);
      }
    } else cids.push(null);
    for (const d of g.drafts) {
      if (d.kind === 'campaign') continue;
      if (d.id !== undefined) remember(await dm.get(d.kind, d.id));
      for (const cid of cids) remember(await dm.get(d.kind, String(d.body.name), KINDS[d.kind].scope === 'none' ? {} : { campaign_id: cid }));
    }
  }
  return before;
}

/**
 * Imports a portable backup into `dm`: reads and checks everything first (see {@link readPortable}:
 * then every YAML document, the counts, the assets' files), then writes the files, the library
 * and each campaign through importDrafts. If a write fails, what this import wrote is undone
 * (files already in the content-addressed store stay; nothing refers to them).
 */
export async function importPortable(dm: DataManager, bytes: Uint8Array, opts: ImportPortableOptions): Promise<PortableImportResult> {
  const contents = await readPortable(bytes, opts.password, opts);
  const groups = plan(contents);
  if (contents.files.size > 0 && !opts.files) {
    throw new PortableError('unsupported', 'portable backup: files but no file store', { hint: `This backup file holds ${contents.files.size} asset file(s), and there is no file store to put them in here.${NOTHING}` });
  }
  const onConflict = opts.onConflict ?? 'skip';
  const before = onConflict === 'replace' ? await replaceable(dm, groups) : new Map<string, Entity>();
  let written = 0;
  // Each vault names files with its own key: a file lands under this vault's name for it, and the
  // assets that use it are pointed there. Its content is checked against the export's digest.
  const digests = contents.manifest.fileDigests;
  for (const [hash, data] of contents.files) {
    if (digests && digests[hash] !== (await objectName(data))) damaged(`files/${hash} does not match its digest`);
  }
  const renamed = new Map<string, string>();
  for (const [hash, data] of contents.files) {
    const got = await opts.files!.write(data);
    if (got !== hash) {
      if (!digests) damaged(`files/${hash} hashes to ${got}`);
      renamed.set(hash, got);
    }
    written++;
  }
  for (const g of groups) for (const d of g.drafts) if (d.kind === 'asset' && typeof d.body.hash === 'string' && renamed.has(d.body.hash)) d.body = { ...d.body, hash: renamed.get(d.body.hash)! };
  const done: ApplyResult[] = [];
  try {
    for (const g of groups) done.push(await importDrafts(dm, g.drafts, { onConflict, report: g.report }));
  } catch (e) {
    for (const r of done.reverse()) {
      for (const x of [...r.replaced].reverse()) {
        const old = before.get(`${x.kind}#${x.id}`);
        if (old) await dm.update(x.kind, x.id, bodyOf(old), { replace: true }).catch(() => undefined);
      }
      for (const x of [...r.created].reverse()) {
        await dm
          .delete(x.kind, x.id)
          .then(() => dm.purge(x.kind, x.id))
          .catch(() => undefined);
      }
    }
    throw e;
  }
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
