import type { Entity } from '../db/repository';
import type { EntryService } from '../entries/service';
import { VaultError } from '../errors';
import type { FileService } from '../files/service';
import { sniff, type AssetType } from '../files/sniff';
import { quoteName } from '../paths';
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

export class AssetService {
  constructor(
    private readonly entries: EntryService,
    private readonly files: FileService,
    private readonly thumbnails?: ThumbnailService,
    private readonly pdf?: PdfTextExtractor,
  ) {}

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
