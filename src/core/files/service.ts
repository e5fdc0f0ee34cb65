import type { VaultFiles } from '../backup/port';
import { KINDS } from '../db/kinds';
import type { Entity } from '../db/repository';
import { checkBody, checkCampaign, insertRecorded, newId, repointAssets } from '../entries/rules';
import { VaultError, isVaultError } from '../errors';
import { quoteName } from '../paths';
import type { VaultSession } from '../session/session';
import type { Session } from '../session/types';
import { BlobStore, assertBlobHash } from './blobStore';
import { sniff } from './sniff';

/**
 * The vault's files: images, maps, handouts, PDFs and sounds, each stored once as a sealed blob
 * named by its keyed hash (blobStore.ts, docs/FILES.md). An asset entity refers to its file by hash.
 */
export class FileService {
  private readonly blobStores = new WeakMap<Session, BlobStore>();

  constructor(private readonly session: VaultSession) {}

  /** The blob store of a session: for other services working inside the queue (rulebooks), never handed further. */
  blobs(s: Session): BlobStore {
    let b = this.blobStores.get(s);
    if (!b) {
      b = new BlobStore(this.session.opts.files, s.store.unlockedKeys, this.session.opts.random);
      this.blobStores.set(s, b);
    }
    return b;
  }

  /** The file store as backups, restores and portable exports use it (src/core/backup/port.ts). */
  vaultFiles(): VaultFiles {
    return { read: (h) => this.readFile(h), readMany: (h) => this.readFiles(h), write: (d) => this.writeFile(d), writeMany: (d) => this.writeFiles(d), has: (h) => this.hasFile(h) };
  }

  /**
   * Adds a file as an asset. The blob is written durably first, then the asset (with `hash` and
   * `size`) is created in one journaled write: a crash in between leaves at most an unreferenced
   * blob (the integrity checker reports it, repair deletes it), never an asset without its file.
   * `mime` and `asset_type` are guessed from the first bytes when not given; `fields` are more of
   * the asset's fields (checked by its schema like the rest).
   */
  addFile(data: Uint8Array, input: { name: string; campaign_id?: string | null; asset_type?: string | null; mime?: string | null; fields?: Readonly<Record<string, unknown>> }): Promise<Entity> {
    const spec = KINDS.asset;
    return this.session.exclusive(async () => {
      const s = this.session.requireWritable();
      assertBytes(data);
      const blobs = this.blobs(s);
      const guessed = sniff(data);
      // Other fields first (width, tags …): name, type, size and hash below are the file's own.
      const body: Record<string, unknown> = { ...input.fields, name: typeof input.name === 'string' ? input.name.normalize('NFC') : input.name };
      const assetType = input.asset_type === undefined || input.asset_type === null ? guessed.asset_type : input.asset_type;
      const mime = input.mime === undefined || input.mime === null ? guessed.mime : input.mime;
      body.asset_type = assetType;
      if (mime !== null) body.mime = mime;
      body.size = data.length;
      body.hash = await blobs.hash(data);
      // Everything that can be refused is checked before the blob is written.
      checkBody(spec, body);
      const campaignId = checkCampaign(s.engine, spec, input.campaign_id);
      const taken = s.engine.get(`SELECT name FROM ${spec.table} WHERE name = ? COLLATE NOCASE AND deleted_at IS NULL AND campaign_id IS ?`, [String(body.name), campaignId]);
      if (taken) throw new VaultError('exists', 'asset name taken', { hint: `There already is an asset named ${quoteName(String(taken.name))} here.` });
      await this.session.settle(s);
      const put = await blobs.put(data);
      if (put.hash !== body.hash) throw new VaultError('io', 'the file changed while it was being added', { hint: 'The file changed while it was being added; try again.' });
      const entity = await this.session.transaction(s, (at) => insertRecorded(s.engine, s.audit, spec, newId(this.session.opts.random, this.session.opts.clock), campaignId, body, at));
      this.session.emit({ kind: 'asset', id: entity.id, campaign_id: entity.campaign_id ?? null, action: 'create' });
      this.session.maybeCheckpoint(s);
      return entity;
    });
  }

  /** The bytes of a stored file, checked (decrypted and hashed again); `corrupt` if they do not match. */
  readFile(hash: string): Promise<Uint8Array> {
    return this.session.exclusive(async () => {
      const s = this.session.requireSession();
      assertBlobHash(hash);
      try {
        return await this.blobs(s).get(hash);
      } catch (e) {
        if (!isVaultError(e, 'corrupt') && !isVaultError(e, 'not-found')) throw e;
        const names = assetNames(s, hash);
        if (names.length === 0) throw e;
        const what = e.code === 'corrupt' ? 'is damaged' : 'is missing';
        throw new VaultError(e.code, e.message, { cause: e, hint: `The file of ${names.length > 1 ? 'assets' : 'asset'} ${names.join(', ')} ${what}; restore it from a backup.`, remedy: 'restore-backup' });
      }
    });
  }

  /** Stores a file without an asset (restore and import use it). Idempotent: the same bytes are stored once. */
  writeFile(data: Uint8Array): Promise<{ hash: string; size: number }> {
    return this.session.exclusive(async () => {
      const s = this.session.requireWritable();
      assertBytes(data);
      const { hash, size } = await this.blobs(s).put(data);
      return { hash, size };
    });
  }

  /**
   * Reads several files at once (a backup reads thousands): their reads overlap. Each result is the
   * checked bytes, or the error reading that one file gave (missing, damaged).
   */
  readFiles(hashes: readonly string[]): Promise<(Uint8Array | VaultError)[]> {
    return this.session.exclusive(async () => {
      const s = this.session.requireSession();
      hashes.forEach((h) => assertBlobHash(h));
      const blobs = this.blobs(s);
      return Promise.all(
        hashes.map((h) =>
          blobs.get(h).catch((e: unknown) => {
            if (isVaultError(e)) return e;
            throw e;
          }),
        ),
      );
    });
  }

  /**
   * Stores several files at once (a restore puts hundreds back): their writes run side by side, so
   * their flushes to disk overlap instead of queueing. Each is as durable as {@link writeFile}'s.
   */
  writeFiles(datas: readonly Uint8Array[]): Promise<{ hash: string; size: number }[]> {
    return this.session.exclusive(async () => {
      const s = this.session.requireWritable();
      datas.forEach((d) => assertBytes(d));
      const blobs = this.blobs(s);
      return Promise.all(datas.map(async (d) => ({ hash: (await blobs.put(d)).hash, size: d.length })));
    });
  }

  /** Whether a file with this hash is stored (not whether it is intact: {@link readFile} checks that). */
  hasFile(hash: string): Promise<boolean> {
    return this.session.exclusive(async () => {
      const s = this.session.requireSession();
      assertBlobHash(hash);
      return this.blobs(s).has(hash);
    });
  }

  /** Every stored file; `size` is the plaintext size implied by the file's size (not verified). */
  listFiles(): Promise<{ hash: string; size: number }[]> {
    return this.session.exclusive(() => this.blobs(this.session.requireSession()).list());
  }

  /**
   * Deletes a stored file that no asset refers to (repair of orphans). A file an asset — even one
   * in the trash — still refers to is refused, so a repair can never delete data in use.
   */
  deleteFile(hash: string): Promise<void> {
    return this.session.exclusive(async () => {
      const s = this.session.requireWritable();
      assertBlobHash(hash);
      const users = assetNames(s, hash);
      if (users.length > 0) {
        throw new VaultError('invalid', `file ${hash} still referenced`, { hint: `The file is still used by ${users.length > 1 ? 'assets' : 'asset'} ${users.join(', ')}; delete those for good first.` });
      }
      await this.blobs(s).delete(hash);
    });
  }

  /** The id these bytes have (or would have) in this vault. */
  fileHash(data: Uint8Array): Promise<string> {
    return this.session.exclusive(() => {
      assertBytes(data);
      return this.blobs(this.session.requireSession()).hash(data);
    });
  }

  /**
   * Step 2a of a key rotation (inside the queue), before the database is re-sealed: every blob
   * sealed with the old data key is re-sealed with the new one (each an atomic replace, so an
   * interrupted rotation leaves every blob readable and the next unlock resumes). When the master
   * key changed (Encrypt Vault), blob names change too: the new blobs are written, the assets are
   * pointed at them in one journaled write, and only then are the old files deleted.
   */
  async resealFiles(s: Session): Promise<void> {
    const from = s.store.currentHeader.rotation?.from;
    if (from === undefined) return;
    const blobs = this.blobs(s);
    const result = await blobs.reseal(from);
    for (const hash of result.damaged) this.session.opts.logger.warn(`key rotation: ${hash} is damaged and was left as it is`);
    if (result.renamed.size === 0) return;
    await this.session.settle(s);
    await this.session.transaction(s, (at) => repointAssets(s.engine, s.audit, at, result.renamed, 'renamed for the new key'));
    for (const oldHash of result.renamed.keys()) await blobs.delete(oldHash);
  }
}

/** The names of (up to three of) the assets that use a file, quoted. */
function assetNames(s: Session, hash: string): string[] {
  return s.engine.all('SELECT name FROM assets WHERE hash = ? ORDER BY name LIMIT 3', [hash]).map((r) => quoteName(String(r.name)));
}

function assertBytes(data: unknown): asserts data is Uint8Array {
  if (!(data instanceof Uint8Array)) throw new VaultError('invalid', `file data is ${typeof data}`, { hint: 'A file must be given as bytes.' });
}
