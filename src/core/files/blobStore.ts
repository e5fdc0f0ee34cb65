import { createBLAKE3, type IHasher } from 'hash-wasm';
import { equalBytes, fromHex, wipe } from '../bytes';
import { TAG_BYTES } from '../crypto/aead';
import { VaultError, isVaultError } from '../errors';
import type { FileStore, Random } from '../ports';
import type { UnlockedKeys } from '../vault/keys';
import { BLOBS_DIR } from '../vault/layout';
import { DEFAULT_CHUNK, MAX_PLAINTEXT, SEALED_HEADER_BYTES, peekSealedHeader, seal, unseal, type SealedIdentity } from '../vault/sealed';

/**
 * The vault's file store: images, maps, handouts, PDFs and sounds, each kept once as a sealed
 * object (docs/FORMAT.md "Files", docs/FILES.md):
 *
 *   .campaign-vault/blobs/<first 2 hex digits>/<hash>.cvb
 *
 * `hash` is BLAKE3-256 of the plaintext keyed with the master key's `blob-id` subkey: the same bytes
 * get the same name (so a file is stored once), and the names say nothing about which known file is
 * stored to someone without the key. The sealed object's kind is `blob`, its object id the first 16
 * bytes of the hash, its generation 0. Reading decrypts and hashes again, so a flipped byte, a
 * truncation, a blob renamed to another hash or copied from another vault is `corrupt`, and no
 * plaintext of a bad blob is returned.
 */
export const BLOB_EXT = '.cvb';
const HASH_RE = /^[0-9a-f]{64}$/;
const NAME_RE = /^([0-9a-f]{64})\.cvb$/;
const DIR_RE = /^[0-9a-f]{2}$/;

export interface BlobInfo {
  readonly hash: string;
  /** Plaintext bytes. */
  readonly size: number;
}

export interface PutResult extends BlobInfo {
  /** The vault already held these bytes (nothing was written). */
  readonly existed: boolean;
}

export interface ResealResult {
  /** Blobs re-sealed in place under the active data key. */
  readonly resealed: number;
  /**
   * Blobs whose name was made with another blob-id key (the master key changed: Encrypt Vault):
   * old hash → new hash. The new blob is written; the old file is left for the caller to delete
   * once nothing refers to the old hash.
   */
  readonly renamed: ReadonlyMap<string, string>;
  /** Blobs that could not be opened (damaged): left as they are, for the integrity checker. */
  readonly damaged: readonly string[];
}

/** Throws unless `hash` is 64 lowercase hex digits; nothing else ever becomes a blob path. */
export function assertBlobHash(hash: unknown): asserts hash is string {
  if (typeof hash !== 'string' || !HASH_RE.test(hash)) {
    const shown = typeof hash === 'string' ? JSON.stringify(hash.slice(0, 80)) : typeof hash;
    throw new VaultError('invalid', `not a file id: ${shown}`, { hint: 'That is not the id of a file in the vault (64 hexadecimal digits).' });
  }
}

export function isBlobHash(hash: unknown): hash is string {
  return typeof hash === 'string' && HASH_RE.test(hash);
}

/** Where the blob with this hash lives, relative to the workspace folder. */
export function blobPath(hash: string): string {
  assertBlobHash(hash);
  return `${BLOBS_DIR}/${hash.slice(0, 2)}/${hash}${BLOB_EXT}`;
}

const identity = (hash: string): SealedIdentity => ({ kind: 'blob', objectId: fromHex(hash).subarray(0, 16), generation: 0 });

/**
 * The plaintext length of a blob from its file size alone (blobs are always sealed with
 * {@link DEFAULT_CHUNK}): each chunk adds a 16-byte tag. For a damaged file this is a guess; only
 * {@link BlobStore.get} proves anything.
 */
export function plaintextSizeOf(fileSize: number): number {
  const body = fileSize - SEALED_HEADER_BYTES;
  if (body < TAG_BYTES) return 0;
  const chunks = Math.ceil(body / (DEFAULT_CHUNK + TAG_BYTES));
  return Math.max(0, body - TAG_BYTES * chunks);
}

function damagedBlob(path: string, e: VaultError): VaultError {
  return new VaultError('corrupt', e.message.startsWith(path) ? e.message : `${path}: ${e.message}`, {
    cause: e,
    hint: `The stored file ${path} is damaged; restore it from a backup.`,
  });
}

export class BlobStore {
  private hasher: { key: Uint8Array; hasher: IHasher } | undefined;

  constructor(
    private readonly files: FileStore,
    private readonly keys: UnlockedKeys,
    private readonly random: Random,
  ) {}

  /**
   * The id of these bytes in this vault: keyed BLAKE3-256, 64 hex digits. The key is the master
   * key's `blob-id` subkey, read again on every call so a new master key (Encrypt Vault) is
   * noticed.
   */
  async hash(data: Uint8Array): Promise<string> {
    const key = await this.keys.subkey('blob-id');
    if (!this.hasher || !equalBytes(this.hasher.key, key)) {
      if (this.hasher) wipe(this.hasher.key);
      this.hasher = { key, hasher: await createBLAKE3(256, key) };
    } else {
      wipe(key);
    }
    const h = this.hasher.hasher;
    h.init();
    h.update(data);
    return h.digest('hex');
  }

  /**
   * Stores `data` durably (sealed, written atomically) unless an intact blob with the same hash is
   * already there; a damaged one with that hash is replaced.
   */
  async put(data: Uint8Array): Promise<PutResult> {
    if (data.length > MAX_PLAINTEXT) {
      throw new VaultError('invalid', `file of ${data.length} bytes`, { hint: 'Files larger than 2 GiB cannot be kept in the vault.' });
    }
    const hash = await this.hash(data);
    if (await this.intact(hash)) return { hash, size: data.length, existed: true };
    await this.write(hash, data);
    return { hash, size: data.length, existed: false };
  }

  /** The bytes of a blob, checked: decrypted, authenticated and hashed again. */
  async get(hash: string): Promise<Uint8Array> {
    const path = blobPath(hash);
    const sealed = await this.files.readIfExists(path);
    if (sealed === undefined) {
      throw new VaultError('not-found', `${path} missing`, { hint: `The stored file ${hash.slice(0, 12)}… is missing from the vault (${path}).` });
    }
    return this.open(hash, path, sealed);
  }

  async has(hash: string): Promise<boolean> {
    return (await this.files.stat(blobPath(hash))) !== undefined;
  }

  /**
   * Every blob file with a well-formed name in the right folder, sorted by hash. `size` is the
   * plaintext size implied by the file size (nothing is read); use {@link get} to verify.
   */
  async list(): Promise<BlobInfo[]> {
    const out: BlobInfo[] = [];
    for (const dir of await this.files.list(BLOBS_DIR)) {
      if (!DIR_RE.test(dir)) continue;
      for (const name of await this.files.list(`${BLOBS_DIR}/${dir}`)) {
        const m = NAME_RE.exec(name);
        if (!m || !m[1]!.startsWith(dir)) continue;
        const st = await this.files.stat(`${BLOBS_DIR}/${dir}/${name}`);
        if (!st || st.isDirectory) continue;
        out.push({ hash: m[1]!, size: plaintextSizeOf(st.size) });
      }
    }
    return out.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  }

  /** Removes a blob; succeeds when it is already gone. */
  async delete(hash: string): Promise<void> {
    await this.files.delete(blobPath(hash));
  }

  /**
   * For key rotation: re-seals every blob sealed with data key `fromKeyId` under the active key,
   * each one an atomic replace (a crash leaves every blob sealed with the old or the new key, both
   * of which the header holds until the rotation finishes). A blob whose content no longer hashes
   * to its name under the current blob-id key (the master key changed) is written under its new
   * name instead; see {@link ResealResult.renamed}. Also removes temporary files of interrupted
   * writes.
   */
  async reseal(fromKeyId: number): Promise<ResealResult> {
    let resealed = 0;
    const renamed = new Map<string, string>();
    const damaged: string[] = [];
    await this.removeLeftovers();
    for (const { hash } of await this.list()) {
      const path = blobPath(hash);
      const sealed = await this.files.readIfExists(path);
      if (sealed === undefined) continue;
      let plain: Uint8Array;
      try {
        if (peekSealedHeader(sealed, path).keyId !== fromKeyId) continue;
        plain = await unseal(sealed, identity(hash), this.keys, path);
      } catch (e) {
        if (isVaultError(e, 'corrupt') || isVaultError(e, 'not-a-vault')) {
          damaged.push(hash);
          continue;
        }
        throw e;
      }
      try {
        const now = await this.hash(plain);
        if (now === hash) {
          await this.write(hash, plain);
          resealed += 1;
        } else {
          if (!(await this.intact(now))) await this.write(now, plain);
          renamed.set(hash, now);
        }
      } finally {
        plain.fill(0);
      }
    }
    return { resealed, renamed, damaged };
  }

  /** Temporary files of interrupted atomic writes (`<name>.<random>.tmp`). */
  async removeLeftovers(): Promise<number> {
    let removed = 0;
    for (const dir of await this.files.list(BLOBS_DIR)) {
      if (!DIR_RE.test(dir)) continue;
      for (const name of await this.files.list(`${BLOBS_DIR}/${dir}`)) {
        if (/^[0-9a-f]{64}\.cvb\.[0-9a-f]+\.tmp$/.test(name)) {
          await this.files.delete(`${BLOBS_DIR}/${dir}/${name}`);
          removed += 1;
        }
      }
    }
    return removed;
  }

  private async write(hash: string, data: Uint8Array): Promise<void> {
    const sealed = await seal(identity(hash), data, { keys: this.keys, random: this.random });
    await this.files.writeAtomic(blobPath(hash), sealed);
  }

  /** Whether a blob with this hash exists and opens; a damaged one counts as absent. */
  private async intact(hash: string): Promise<boolean> {
    const path = blobPath(hash);
    const sealed = await this.files.readIfExists(path);
    if (sealed === undefined) return false;
    try {
      (await this.open(hash, path, sealed)).fill(0);
      return true;
    } catch (e) {
      if (isVaultError(e, 'corrupt')) return false;
      throw e;
    }
  }

  private async open(hash: string, path: string, sealed: Uint8Array): Promise<Uint8Array> {
    let plain: Uint8Array;
    try {
      plain = await unseal(sealed, identity(hash), this.keys, path);
    } catch (e) {
      if (isVaultError(e, 'corrupt') || isVaultError(e, 'not-a-vault')) throw damagedBlob(path, e);
      throw e;
    }
    if ((await this.hash(plain)) !== hash) {
      plain.fill(0);
      throw new VaultError('corrupt', `${path}: content does not match its hash`, { hint: `The stored file ${path} is damaged; restore it from a backup.` });
    }
    return plain;
  }
}
