import { ENTITY_KINDS, KINDS, type EntityKind } from '../db/kinds';
import type { Entity } from '../db/repository';
import type { EntryService } from '../entries/service';
import { VaultError } from '../errors';
import type { FileService } from '../files/service';
import { sniff, type AssetType } from '../files/sniff';
import { nameKey, scanLinks } from '../links';
import { quoteName } from '../paths';
import type { Session } from '../session/types';
import { ASSET_LINK_FOLDER } from './links';
import { HEADER_BYTES, readImageInfo, withoutLocation, type ImageInfo } from './metadata';
import type { PdfTextExtractor } from '../rulebooks/port';
import { AUDIO_WINDOW, audioInfoOf, type AudioInfo } from './audio';
import { pdfPageCount } from './pdfPages';
import type { Thumbnail } from './thumbnail';
import type { ThumbnailService } from './thumbnails';

/**
 * Assets as a game master adds them: a map, a portrait, a handout, a sound. The file is stored
 * once (encrypted, deduplicated: src/core/files) and the asset records what it is — type by
 * content, pixel size, orientation, whether it holds a location — read from its header before
 * anything decodes it (src/core/assets/metadata.ts). A header that lies or claims a decompression
 * bomb's size refuses the file, and nothing is stored. A sound gets its duration from its headers
 * (src/core/assets/audio.ts) and a PDF its page count (src/core/assets/pdfPages.ts); for those a
 * damaged header only means no duration or page count — the file is still added.
 */
export interface AddAssetInput {
  readonly name: string;
  readonly campaign_id?: string | null;
  /** What it is for (`map`, `handout` …); default: `image` for images, else by content. */
  readonly asset_type?: AssetType;
  readonly tags?: readonly string[];
  /** Store a copy without the GPS position a photo holds (the pixels stay as they are). */
  readonly withoutLocation?: boolean;
}

export interface AddedAsset {
  readonly asset: Entity;
  /** What the header said (images only). */
  readonly image?: ImageInfo;
  /** What the headers of a sound said (WAV, MP3, Ogg Vorbis/Opus, FLAC). */
  readonly audio?: AudioInfo;
  /** The pages of a PDF, when its reader could count them. */
  readonly pageCount?: number;
  /** The location was removed from the stored copy. */
  readonly locationRemoved: boolean;
}

export interface AssetQuery {
  readonly campaign_id?: string | null;
  readonly asset_type?: AssetType;
  readonly tag?: string;
  /** Words that must all appear in the name, tags or notes (any case). */
  readonly text?: string;
}

const PAGE = 1000;

/** Where an asset is still linked from: an entry whose text links to it (`[[name]]`, a note's `assets/<id>/…`), or a rulebook whose file it is. */
export interface AssetReference {
  readonly kind: EntityKind;
  readonly id: string;
  readonly name: string;
  readonly campaign_id: string | null;
}

/** The vault operations the editing methods need: one batch (one transaction, one journal record) and a read. */
export interface AssetVault {
  batch<T>(fn: (entries: EntryService) => Promise<T>): Promise<T>;
  read<T>(fn: (s: Session) => T): Promise<T>;
}

/** Tags as stored: trimmed, without empties and repeats (the first spelling kept, compared without case). */
export function cleanTags(tags: readonly unknown[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const t of tags) {
    if (typeof t !== 'string') continue;
    const tag = t.normalize('NFC').trim();
    if (!tag || seen.has(tag.toLowerCase())) continue;
    seen.add(tag.toLowerCase());
    out.push(tag);
  }
  return out;
}

const strings = (x: unknown, out: string[] = []): string[] => {
  if (typeof x === 'string') out.push(x);
  else if (Array.isArray(x)) x.forEach((v) => strings(v, out));
  else if (x && typeof x === 'object') Object.values(x).forEach((v) => strings(v, out));
  return out;
};

export class AssetService {
  constructor(
    private readonly entries: EntryService,
    private readonly files: FileService,
    private readonly thumbnails?: ThumbnailService,
    private readonly pdf?: PdfTextExtractor,
    private readonly vault?: AssetVault,
  ) {}

  private requireVault(): AssetVault {
    if (!this.vault) throw new VaultError('unsupported', 'asset editing without a vault', { hint: 'This build of Campaign Vault cannot edit assets.' });
    return this.vault;
  }

  /** The live asset of this id (not by name: the gallery and the CLI resolve names first), else a plain "no such asset". */
  private async live(entries: EntryService, id: string): Promise<Entity> {
    const a = await entries.get('asset', id);
    if (!a || a.id !== id || a.deleted_at !== null) throw new VaultError('not-found', `no asset ${id}`, { hint: `There is no asset ${quoteName(id)} (it may have been removed).` });
    return a;
  }

  /**
   * Renames an asset. The name follows the rules of every entry's name (the schema's), trimmed and
   * in NFC, and must be free among the live assets of its campaign (or of the Shared Library),
   * compared without case: else `exists`, saying which. One audited write; a change event.
   */
  async rename(id: string, name: string): Promise<Entity> {
    const wanted = name.normalize('NFC').trim();
    if (wanted === '') throw new VaultError('invalid', 'empty asset name', { hint: 'Give the asset a name.' });
    return this.requireVault().batch(async (entries) => {
      const asset = await this.live(entries, id);
      if (asset.name === wanted) return asset;
      const taken = await entries.get('asset', wanted, { campaign_id: asset.campaign_id ?? null });
      if (taken && taken.id !== id && taken.deleted_at === null) {
        throw new VaultError('exists', `asset name ${wanted} taken`, { hint: `There is already an asset named ${quoteName(taken.name)} here; choose another name.` });
      }
      return entries.update('asset', id, { name: wanted }, { expectedVersion: asset.version });
    });
  }

  /**
   * Adds and removes tags on several assets at once, in one transaction (all or none): `add` first,
   * then `remove` (compared without case). An asset whose tags do not change is not written.
   * Returns the assets as they are after it, in the order of `ids`.
   */
  async setTags(ids: readonly string[], change: { readonly add?: readonly string[]; readonly remove?: readonly string[] }): Promise<Entity[]> {
    const add = cleanTags(change.add ?? []);
    const remove = new Set(cleanTags(change.remove ?? []).map((t) => t.toLowerCase()));
    return this.requireVault().batch(async (entries) => {
      const out: Entity[] = [];
      for (const id of new Set(ids)) {
        const asset = await this.live(entries, id);
        const before = Array.isArray(asset.tags) ? cleanTags(asset.tags) : [];
        const after = cleanTags([...before, ...add]).filter((t) => !remove.has(t.toLowerCase()));
        const same = after.length === (Array.isArray(asset.tags) ? asset.tags.length : 0) && after.every((t, i) => (asset.tags as unknown[])[i] === t);
        out.push(same ? asset : await entries.update('asset', id, { tags: after.length > 0 ? after : null }, { expectedVersion: asset.version }));
      }
      return out;
    });
  }

  /**
   * Moves assets to the trash (as `asset remove` in the CLI does; *Restore* brings them back, the
   * file stays until the trash is emptied), all in one transaction. Returns them as trashed.
   */
  async remove(ids: readonly string[]): Promise<Entity[]> {
    return this.requireVault().batch(async (entries) => {
      const out: Entity[] = [];
      for (const id of new Set(ids)) {
        const asset = await this.live(entries, id);
        out.push(await entries.setDeleted('asset', id, true, { expectedVersion: asset.version }));
      }
      return out;
    });
  }

  /**
   * The live entries that still link to an asset: a `[[name]]` or `[[asset/name]]` anywhere in
   * their text, a note's `assets/<id>/…` link, or a rulebook whose file it is. One read of the
   * vault; only rows whose text holds `[[` or the id are looked at closely. A `[[name]]` without a
   * kind is counted even when another entry shares the name (it may link to either).
   */
  async referencesTo(asset: Entity): Promise<AssetReference[]> {
    const key = nameKey(asset.name);
    const marker = `${ASSET_LINK_FOLDER}/${asset.id}/`;
    return this.requireVault().read(({ engine }) => {
      const out: AssetReference[] = [];
      for (const kind of ENTITY_KINDS) {
        const spec = KINDS[kind];
        const campaign = spec.scope === 'none' ? 'NULL' : 'campaign_id';
        const rulebook = kind === 'rulebook' ? ' OR asset_id = ?' : '';
        const rows = engine.all(
          `SELECT id, name, ${campaign} AS campaign_id, body FROM ${spec.table} WHERE deleted_at IS NULL AND id <> ? AND (instr(body, '[[') > 0 OR instr(body, ?) > 0${rulebook})`,
          kind === 'rulebook' ? [asset.id, asset.id, asset.id] : [asset.id, asset.id],
        );
        for (const r of rows) {
          const texts = strings(JSON.parse(String(r.body)));
          const hit =
            (kind === 'rulebook' && JSON.parse(String(r.body)).asset_id === asset.id) ||
            texts.some((t) => t.includes(marker) || scanLinks(t, 'markdown').some((l) => (l.kind === undefined || l.kind === 'asset') && nameKey(l.name) === key));
          if (hit) out.push({ kind, id: String(r.id), name: String(r.name), campaign_id: r.campaign_id === null || r.campaign_id === undefined ? null : String(r.campaign_id) });
        }
      }
      return out;
    });
  }

  /** Facts of an image from its first bytes; throws for a damaged header or a dimension bomb. */
  inspect(data: Uint8Array): ImageInfo | undefined {
    return readImageInfo(data.subarray(0, HEADER_BYTES));
  }

  async add(data: Uint8Array, input: AddAssetInput): Promise<AddedAsset> {
    const image = this.inspect(data);
    const strip = input.withoutLocation === true && image?.hasLocation === true;
    const stored = strip ? withoutLocation(data) : data;
    const fields: Record<string, unknown> = {};
    if (image?.width !== undefined) fields.width = image.width;
    if (image?.height !== undefined) fields.height = image.height;
    if (image && image.orientation !== 1) fields.orientation = image.orientation;
    if (image?.hasLocation && !strip) fields.has_location = true;
    // Not an image: perhaps a sound (bounded windows of its headers; never throws) or a PDF.
    const audio = image ? undefined : audioInfoOf(data);
    const sniffed = sniff(data.subarray(0, AUDIO_WINDOW));
    const pageCount = !image && !audio && sniffed.asset_type === 'pdf' ? await pdfPageCount(this.pdf, data) : undefined;
    if (audio?.duration !== undefined) fields.duration = audio.duration;
    if (pageCount !== undefined) fields.page_count = pageCount;
    if (input.tags && input.tags.length > 0) fields.tags = [...new Set(input.tags.map((t) => t.trim()).filter(Boolean))];
    const asset = await this.files.addFile(stored, {
      name: input.name,
      ...(input.campaign_id !== undefined ? { campaign_id: input.campaign_id } : {}),
      asset_type: input.asset_type ?? (image ? 'image' : audio ? 'audio' : sniffed.asset_type),
      mime: image?.mime ?? audio?.mime ?? sniffed.mime,
      fields,
    });
    return { asset, ...(image ? { image } : {}), ...(audio ? { audio } : {}), ...(pageCount !== undefined ? { pageCount } : {}), locationRemoved: strip };
  }

  /** Live assets, filtered, by name. */
  async list(query: AssetQuery = {}): Promise<Entity[]> {
    const out: Entity[] = [];
    const words = (query.text ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    const tag = query.tag?.toLowerCase();
    for (let offset = 0; ; offset += PAGE) {
      const rows = await this.entries.list('asset', { ...(query.campaign_id !== undefined ? { campaign_id: query.campaign_id } : {}), limit: PAGE, offset });
      for (const a of rows) {
        if (query.asset_type && a.asset_type !== query.asset_type) continue;
        const tags = Array.isArray(a.tags) ? a.tags.map((t) => String(t).toLowerCase()) : [];
        if (tag && !tags.includes(tag)) continue;
        const hay = [a.name, ...tags, typeof a.notes === 'string' ? a.notes : ''].join(' ').toLowerCase();
        if (!words.every((w) => hay.includes(w))) continue;
        out.push(a);
      }
      if (rows.length < PAGE) break;
    }
    return out;
  }

  /** An asset by id or name (within a campaign when given), or a plain "no such asset". */
  async get(ref: string, campaign_id?: string | null): Promise<Entity> {
    const a = await this.entries.get('asset', ref, campaign_id === undefined ? {} : { campaign_id });
    if (!a || a.deleted_at !== null) throw new VaultError('not-found', `no asset ${ref}`, { hint: `There is no asset ${quoteName(ref)}.` });
    return a;
  }

  /** The asset's file, checked (decrypted and hashed again). */
  async read(asset: Entity): Promise<Uint8Array> {
    if (typeof asset.hash !== 'string') throw new VaultError('not-found', `asset ${asset.id} has no file`, { hint: `The asset ${quoteName(asset.name)} has no file.` });
    return this.files.readFile(asset.hash);
  }

  /**
   * The asset's thumbnail (WebP, at most `size` pixels on its longer side, turned upright), from the
   * cache when it was made before (src/core/assets/thumbnails.ts). Originals are never rewritten.
   */
  async thumbnail(asset: Entity, size?: number): Promise<Thumbnail> {
    if (!this.thumbnails) throw new VaultError('unsupported', 'no thumbnails', { hint: 'This build of Campaign Vault cannot draw thumbnails.' });
    return this.thumbnails.thumbnail(asset, size);
  }
}
