// Reading the vault's files back from disk and authenticating each one, for the integrity check
// (docs/INTEGRITY.md). Part of VaultStore; writes nothing.
import { VaultError } from '../errors';
import type { ReadLimit } from '../ports';
import { parseHeader } from './header';
import { JOURNAL_HEADER_BYTES, readJournal } from './journal';
import { signHeader } from './keys';
import { DB_DIR, HEADER_FILE, MAX_HEADER_BYTES } from './layout';
import { unseal } from './sealed';
import { JOURNAL_RE, SAFETY_RE, SNAPSHOT_RE, assertOpen, gens, safetyIdentity, snapshotIdentity, type LoadedState, type StoreState } from './storeState';

/** One file of `.campaign-vault/` as {@link VaultStore.readBack} found it. */
export interface FileReadBack {
  /** Path inside the workspace folder. */
  readonly file: string;
  /**
   * `header`: vault.json; `snapshot`: the newest snapshot; `journal`: a journal it loads;
   * `safety`: a safety copy; `leftover`: a file a finished checkpoint made obsolete, or a temporary
   * file of an interrupted write; `unknown`: not a vault file; `gone`: listed, then vanished.
   */
  readonly kind: 'header' | 'snapshot' | 'journal' | 'safety' | 'leftover' | 'unknown' | 'gone';
  /** Why it failed to authenticate or parse; absent when it is sound. */
  readonly problem?: string;
  /** Journals: valid records, and whether an interrupted append was dropped at the end. */
  readonly records?: number;
  readonly tornTail?: boolean;
}

export interface ReadBack {
  readonly files: readonly FileReadBack[];
  /** The newest snapshot and the records after it, when all of them read back. */
  readonly loaded?: LoadedState;
}

/** {@link VaultStore.readBack}. */
export async function readBack(s: StoreState): Promise<ReadBack> {
  assertOpen(s);
  await s.checkpointChain;
  const files: FileReadBack[] = [];
  const problem = (e: unknown) => (e instanceof VaultError ? e.message : String(e));
  const bytesOrGone = async (file: string, limit?: ReadLimit): Promise<Uint8Array | undefined> => {
    const bytes = await s.deps.files.readIfExists(file, limit);
    if (bytes === undefined) files.push({ file, kind: 'gone' });
    return bytes;
  };
  const headerBytes = await bytesOrGone(HEADER_FILE, { maxBytes: MAX_HEADER_BYTES });
  if (headerBytes) {
    try {
      const onDisk = parseHeader(headerBytes);
      const { mac: _mac, ...rest } = onDisk;
      const masterKey = s.keys.exportMasterKey().slice();
      try {
        const expected = await signHeader(masterKey, rest);
        if (expected.mac !== onDisk.mac) files.push({ file: HEADER_FILE, kind: 'header', problem: 'header MAC mismatch' });
        else if (onDisk.vaultId !== s.header.vaultId) files.push({ file: HEADER_FILE, kind: 'header', problem: 'header of another vault' });
        else files.push({ file: HEADER_FILE, kind: 'header' });
      } finally {
        masterKey.fill(0);
      }
    } catch (e) {
      files.push({ file: HEADER_FILE, kind: 'header', problem: problem(e) });
    }
  }
  const names = (await s.deps.files.list(DB_DIR)).sort();
  const snapshots = gens(names, SNAPSHOT_RE);
  const newest = snapshots.at(-1);
  let snapshot: Uint8Array | undefined;
  let loadable = newest !== undefined;
  const records: Uint8Array[] = [];
  for (const name of names) {
    const file = `${DB_DIR}/${name}`;
    const sn = SNAPSHOT_RE.exec(name);
    const j = JOURNAL_RE.exec(name);
    const safety = SAFETY_RE.exec(name);
    if (sn) {
      const gen = Number(sn[1]);
      const bytes = await bytesOrGone(file);
      if (!bytes) {
        if (gen === newest) loadable = false;
        continue;
      }
      try {
        const plain = await unseal(bytes, snapshotIdentity(gen), s.keys, file);
        if (gen === newest) snapshot = plain;
        files.push({ file, kind: gen === newest ? 'snapshot' : 'leftover' });
      } catch (e) {
        if (gen === newest) loadable = false;
        files.push({ file, kind: gen === newest ? 'snapshot' : 'leftover', problem: problem(e) });
      }
    } else if (j) {
      const gen = Number(j[1]);
      const current = newest !== undefined && gen >= newest;
      const bytes = await bytesOrGone(file);
      if (!bytes) {
        if (current) loadable = false;
        continue;
      }
      if (bytes.length < JOURNAL_HEADER_BYTES) {
        // Created but its first append never completed: an interrupted, unacknowledged write.
        files.push({ file, kind: current ? 'journal' : 'leftover', records: 0, tornTail: true });
        continue;
      }
      try {
        const read = await readJournal(bytes, s.keys, gen, file);
        if (current) records.push(...read.records);
        files.push({ file, kind: current ? 'journal' : 'leftover', records: read.records.length, tornTail: read.tornTail });
      } catch (e) {
        if (current) loadable = false;
        files.push({ file, kind: current ? 'journal' : 'leftover', problem: problem(e) });
      }
    } else if (safety) {
      const gen = Number(safety[1]);
      const bytes = await bytesOrGone(file);
      if (!bytes) continue;
      try {
        await unseal(bytes, safetyIdentity(gen), s.keys, file);
        files.push({ file, kind: 'safety' });
      } catch (e) {
        files.push({ file, kind: 'safety', problem: problem(e) });
      }
    } else if (name.endsWith('.tmp')) {
      files.push({ file, kind: 'leftover' });
    } else {
      files.push({ file, kind: 'unknown' });
    }
  }
  if (newest === undefined) files.push({ file: DB_DIR, kind: 'snapshot', problem: 'no database snapshot' });
  return { files, ...(loadable && snapshot ? { loaded: { snapshot, records } } : {}) };
}
