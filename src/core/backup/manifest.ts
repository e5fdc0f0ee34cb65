import { VaultError, isVaultError } from '../errors';
import { quoteName } from '../paths';
import type { FileStore } from '../ports';
import type { BackupRepository } from './repository';
import type { SnapshotInfo } from './types';

/** One file of a snapshot: the vault's hash, its size and its blocks' chunk ids. */
export interface FileEntry {
  readonly hash: string;
  readonly size: number;
  readonly blocks: readonly string[];
}

/** A snapshot manifest as stored (sealed JSON in `snapshots/<id>`). */
export interface Manifest extends SnapshotInfo {
  /** 2 when the database has a journal (older versions refuse it rather than restore the snapshot without its records). */
  readonly v: 1 | 2;
  readonly vaultId: string;
  readonly repoId: string;
  /** The highest audit sequence number in the snapshot: "did anything change since?". */
  readonly auditSeq: number;
  /**
   * The database image: its size, chunk size, and the root tree (a tree chunk listing the trees of
   * chunk ids). With `journal`, the image is the vault's own snapshot (`snapshot`: its tag) and the
   * database is that image with the journal's records replayed on it, as the vault loads itself;
   * the records are one stream (each a u32 length and its bytes) cut into chunks of `chunkBytes`.
   */
  readonly database: {
    readonly size: number;
    readonly chunkBytes: number;
    readonly root: string;
    readonly journal?: { readonly snapshot: string; readonly records: number; readonly size: number; readonly root: string };
  };
  /** 16 buckets by the first hex digit of the file hash: chunk id of the bucket's JSON, or null. */
  readonly files: readonly (string | null)[];
}

/** File lists per snapshot: by the first hex digit of the file hash. */
export const BUCKETS = 16;

export function toInfo(m: Manifest): SnapshotInfo {
  return {
    id: m.id,
    shortId: m.id.slice(0, 8),
    time: m.time,
    kind: m.kind,
    ...(m.note ? { note: m.note } : {}),
    extensionVersion: m.extensionVersion,
    schemaVersion: m.schemaVersion,
    sizes: m.sizes,
    counts: m.counts,
    ...(m.missingFiles?.length ? { missingFiles: m.missingFiles } : {}),
  };
}

/** The entries a snapshot holds (its files not counted). */
export function entriesIn(m: Manifest): number {
  return Object.entries(m.counts).reduce((n, [k, v]) => (k === 'files' ? n : n + v), 0);
}

const isChunkId = (x: unknown) => typeof x === 'string' && /^[0-9a-f]{64}$/.test(x);

function checkManifest(doc: unknown, what: string): Manifest {
  const m = doc as Partial<Manifest>;
  const j = m?.database?.journal;
  const ok =
    m && (m.v === 1 ? j === undefined : m.v === 2 && j && typeof j.snapshot === 'string' && Number.isSafeInteger(j.records) && j.records >= 0 && Number.isSafeInteger(j.size) && j.size >= 0 && isChunkId(j.root)) &&
    typeof m.id === 'string' && typeof m.time === 'string' && typeof m.kind === 'string' &&
    m.database && Number.isInteger(m.database.size) && Number.isInteger(m.database.chunkBytes) && m.database.chunkBytes > 0 && isChunkId(m.database.root) &&
    Array.isArray(m.files) && m.files.length === BUCKETS && typeof m.sizes === 'object' && typeof m.counts === 'object';
  if (!ok) throw new VaultError('corrupt', `${what}: not a snapshot manifest`, { hint: 'A backup\'s description file is damaged.' });
  return { ...(m as Manifest), shortId: m.id!.slice(0, 8) };
}

/** Every snapshot's manifest, oldest first; those that cannot be read (or are another vault's) are listed apart. */
export async function readManifests(repo: BackupRepository): Promise<{ manifests: Manifest[]; damaged: { id: string; reason: string }[] }> {
  const manifests: Manifest[] = [];
  const damaged: { id: string; reason: string }[] = [];
  for (const name of await repo.listSnapshotNames()) {
    try {
      const m = checkManifest(await repo.readSnapshotFile(name), `snapshots/${name}`);
      if (m.vaultId !== repo.vaultId) throw new VaultError('corrupt', 'snapshot of another vault', { hint: 'A backup of another vault was found among these backups.' });
      manifests.push(m);
    } catch (e) {
      damaged.push({ id: name, reason: isVaultError(e) ? e.message : String(e) });
    }
  }
  manifests.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.id < b.id ? -1 : 1));
  return { manifests, damaged };
}

/**
 * `latest` means the newest backup. When a snapshot file that cannot be read was written after the
 * newest readable one (by the files' times: a damaged manifest has no time of its own), the newest
 * cannot be known to be readable, so nothing older is taken in its place: the refusal names the
 * unreadable one and offers the newest readable one by its id.
 */
export async function checkLatestReadable(files: FileStore, manifests: readonly Manifest[], damaged: readonly { id: string; reason: string }[]): Promise<void> {
  if (damaged.length === 0) return;
  const mtime = async (id: string) => (await files.stat(`snapshots/${id}`))?.mtimeMs ?? -Infinity;
  const newest = manifests.at(-1);
  const newestTime = newest ? await mtime(newest.id) : -Infinity;
  let worst: { id: string; reason: string; at: number } | undefined;
  for (const d of damaged) {
    const at = await mtime(d.id);
    if (at >= newestTime && (!worst || at > worst.at)) worst = { ...d, at };
  }
  if (!worst) return;
  const offer = newest ? ` The newest backup that can be read is ${newest.shortId} of ${newest.time}: give its id to restore it instead.` : ' No other backup can be read.';
  throw new VaultError('corrupt', `latest snapshot ${worst.id} unreadable: ${worst.reason}`, {
    hint: `The newest backup (${worst.id.slice(0, 8)}) cannot be read, so "latest" was not restored.${offer}`,
    remedy: 'verify-backups',
    params: { snapshot: worst.id, ...(newest ? { newestReadable: newest.id } : {}) },
  });
}

/** A snapshot by full id, unique prefix, or `latest`. */
export function findSnapshot(manifests: readonly Manifest[], ref: string): Manifest {
  const r = ref.trim().toLowerCase();
  const found = r === 'latest' ? manifests.slice(-1) : manifests.filter((m) => m.id.startsWith(r));
  if (found.length === 1) return found[0]!;
  throw new VaultError(found.length === 0 ? 'not-found' : 'invalid', `snapshot ${ref}`, {
    hint: found.length === 0 ? `There is no backup ${quoteName(ref)}; the list of backups shows their ids.` : `More than one backup starts with ${quoteName(ref)}; give more of its id.`,
    params: { ref },
  });
}

/** The chunks a manifest names itself. */
export function manifestChunks(m: Manifest): string[] {
  return [m.database.root, ...(m.database.journal ? [m.database.journal.root] : []), ...m.files.filter((b): b is string => b !== null)];
}

/** The size of {@link encodeRecords}'s stream. */
export const recordsBytes = (records: readonly Uint8Array[]) => records.reduce((n, r) => n + 4 + r.length, 0);

/** Journal records as one stream: each a u32 (little-endian) length and its bytes. */
export function encodeRecords(records: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(recordsBytes(records));
  const view = new DataView(out.buffer);
  let off = 0;
  for (const r of records) {
    view.setUint32(off, r.length, true);
    out.set(r, off + 4);
    off += 4 + r.length;
  }
  return out;
}

export function decodeRecords(stream: Uint8Array, count: number): Uint8Array[] {
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  const records: Uint8Array[] = [];
  let off = 0;
  while (off < stream.length) {
    const length = off + 4 <= stream.length ? view.getUint32(off, true) : -1;
    if (length < 0 || off + 4 + length > stream.length) break;
    records.push(stream.subarray(off + 4, off + 4 + length));
    off += 4 + length;
  }
  if (off !== stream.length || records.length !== count) throw new VaultError('corrupt', `journal of ${records.length} records in ${stream.length} bytes, ${count} expected`, { hint: 'This backup is damaged.' });
  return records;
}
