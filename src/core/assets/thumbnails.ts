import { toHex } from '../bytes';
import type { CacheManager, CacheNamespace, VaultCache } from '../cache';
import type { Entity } from '../db/repository';
import { VaultError } from '../errors';
import type { VaultSession } from '../session/session';
import { HEADER_BYTES, readImageInfo } from './metadata';
import { DEFAULT_THUMBNAIL, checkSize, notDrawable, thumbnailSource, type Thumbnail, type ThumbnailMaker } from './thumbnail';

/**
 * Thumbnails of assets through the cache (docs/THUMBNAILS.md, docs/CACHE.md): the cache's
 * `thumbnails` namespace (disk, sealed) keyed by the file's hash, the size and the orientation, so a
 * second request — in this process or the next — is read back instead of decoded. The cache of a
 * vault is sealed under a subkey of the vault's master key that also names the active data key, so
 * Encrypt Vault and key rotation change it: what was cached before no longer opens (and is emptied
 * when this process sees the change). Lock closes the vault's cache (its memory tier goes) and ends
 * the maker's thread.
 */
export class ThumbnailService {
  private vault: { readonly fingerprint: string; readonly cache: VaultCache; readonly ns: CacheNamespace } | undefined;

  constructor(
    private readonly session: VaultSession,
    private readonly readFile: (hash: string) => Promise<Uint8Array>,
    private readonly maker?: ThumbnailMaker,
    private readonly cache?: CacheManager,
  ) {
    // Lock: the cache's memory goes, and so does the maker's thread (it held decrypted pixels; an
    // idle thread would also keep a CLI process alive until it timed out). The next request starts one.
    session.onDidChange((e) => {
      if (e.action !== 'lock') return;
      this.close();
      void this.maker?.dispose?.().catch(() => undefined);
    });
  }

  /**
   * The asset's thumbnail, at most `size` pixels on its longer side (never enlarged), turned as its
   * EXIF orientation says. Throws `unsupported` for what has none here (SVG, PDF, audio …) and
   * `invalid` for a damaged image or one whose header claims too many pixels (never decoded).
   */
  async thumbnail(asset: Entity, size = DEFAULT_THUMBNAIL): Promise<Thumbnail> {
    checkSize(size);
    const refused = notDrawable(typeof asset.mime === 'string' ? asset.mime : 'application/octet-stream', asset.name);
    if (refused) throw refused;
    if (typeof asset.hash !== 'string') throw new VaultError('not-found', `asset ${asset.id} has no file`, { hint: `The asset ${asset.name} has no file.` });
    if (!this.maker) throw new VaultError('unsupported', 'no thumbnail maker', { hint: 'This build of Campaign Vault cannot draw thumbnails (its thumbnail worker is missing).' });
    const hash = asset.hash;
    const orientation = typeof asset.orientation === 'number' ? asset.orientation : 1;
    const compute = async () => {
      const bytes = await this.readFile(hash);
      // Refused from the header (a bomb, a cut-short file, a type with no decoder) before any decoder.
      thumbnailSource(bytes, asset.name);
      return (await this.maker!.make(bytes, { size, orientation, mime: asset.mime as string })).data;
    };
    const ns = await this.namespace();
    const data = ns ? await ns.getOrCompute(`${hash}/${size}/${orientation}`, compute) : await compute();
    const info = readImageInfo(data.subarray(0, HEADER_BYTES));
    if (!info?.width || !info.height) throw new VaultError('corrupt', 'thumbnail is no image', { hint: 'A thumbnail came back damaged.' });
    return { data, mime: info.mime, width: info.width, height: info.height };
  }

  /** The `thumbnails` namespace of the open vault's cache, made again when the vault's keys changed. */
  private async namespace(): Promise<CacheNamespace | undefined> {
    if (!this.cache) return undefined;
    const keys = this.session.requireSession().store.unlockedKeys;
    const key = await keys.subkey(`cache/data-key-${keys.activeDataKey}`);
    const fingerprint = toHex(key.subarray(0, 8));
    if (this.vault?.fingerprint === fingerprint) {
      key.fill(0);
      return this.vault.ns;
    }
    const changed = this.vault !== undefined && this.vault.cache.vaultId === keys.vaultIdHex;
    this.close();
    const cache = await this.cache.forVault(keys.vaultIdHex, key);
    key.fill(0);
    // The keys changed under an open vault (Encrypt Vault, rotation): nothing sealed before opens again.
    if (changed) await cache.clear();
    this.vault = { fingerprint, cache, ns: cache.namespace('thumbnails', { disk: true }) };
    return this.vault.ns;
  }

  private close(): void {
    this.vault?.cache.close();
    this.vault = undefined;
  }
}
