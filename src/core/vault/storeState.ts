// What the parts of VaultStore share (store.ts, checkpoint.ts, rotation.ts, readBack.ts,
// position.ts): its dependencies, its mutable state, the names of the files in `db/`, and the
// helpers more than one of them needs. Internal to src/core/vault; importers use store.ts.
import { toHex, utf8 } from '../bytes';
import type { AeadKey, CipherSuite } from '../crypto/aead';
import { VaultError } from '../errors';
import type { Clock, FileStore, Logger, Random, StateStore, VaultLock } from '../ports';
import { serializeHeader, type VaultHeader } from './header';
import { JOURNAL_HEADER_BYTES, readJournal, type JournalHeader } from './journal';
import type { UnlockedKeys } from './keys';
import { DB_DIR, HEADER_FILE } from './layout';
import { peekSealedHeader, type SealedIdentity } from './sealed';

export interface VaultStoreDeps {
  readonly files: FileStore;
  readonly lock: VaultLock;
  readonly state: StateStore;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  /** Defaults to WebCrypto, else @noble/ciphers. */
  readonly suite?: CipherSuite;
  /** Shown to a second window that finds the vault in use. */
  readonly owner: { readonly pid: number; readonly host: string; readonly app: string };
}

/** Where the vault's history stands: the newest generation and the records in its journal. */
export interface Position {
  readonly generation: number;
  readonly records: number;
}

/** What {@link VaultStore.open} hands to the database layer to rebuild the database. */
export interface LoadedState {
  readonly snapshot: Uint8Array;
  /** Transaction records after the snapshot, in commit order. */
  readonly records: Uint8Array[];
}

export interface ActiveJournal {
  readonly generation: number;
  header?: Uint8Array;
  key?: Promise<AeadKey>;
  nextSeq: number;
  /** An append failed: this file may end in a partial record, so it takes no more appends. */
  poisoned: boolean;
}

/** A snapshot's tag (see {@link snapshotMeta}) and plaintext size. */
export interface SnapshotMeta {
  readonly tag: string;
  readonly size: number;
}

/** The state of one open VaultStore. */
export interface StoreState {
  readonly deps: VaultStoreDeps;
  header: VaultHeader;
  readonly keys: UnlockedKeys;
  readonly lockRelease: (() => Promise<void>) | undefined;
  readonly lockStillHeld: (() => Promise<boolean>) | undefined;
  journal: ActiveJournal;
  checkpointChain: Promise<unknown>;
  snapshotGeneration: number;
  released: boolean;
  /** Set after an append failed: the next write must first checkpoint. */
  dirtyAfterFailure: boolean;
  journalBytes: number;
  generationAtRotation: number;
  /** The newest snapshot's tag and plaintext size (see committedState). */
  snapshotMeta: SnapshotMeta | undefined;
  position: Position;
  /** Set when this is an older copy the user chose to open (see position.ts): where it stood when last remembered. */
  acceptedCopy?: Position & { readonly tag: string };
}

export const SNAPSHOT_RE = /^snapshot-(\d{1,15})\.cvs$/;
export const JOURNAL_RE = /^journal-(\d{1,15})\.cvj$/;
export const SAFETY_RE = /^safety-(\d{1,15})\.cvs$/;
const SNAPSHOT_OBJECT_ID = utf8('db-snapshot\0\0\0\0\0');
const SAFETY_OBJECT_ID = utf8('db-safety-copy\0\0');

const pad = (n: number) => String(n).padStart(12, '0');
export const snapshotFile = (gen: number) => `${DB_DIR}/snapshot-${pad(gen)}.cvs`;
export const journalFile = (gen: number) => `${DB_DIR}/journal-${pad(gen)}.cvj`;
export const safetyFile = (gen: number) => `${DB_DIR}/safety-${pad(gen)}.cvs`;
export const snapshotIdentity = (gen: number): SealedIdentity => ({ kind: 'snapshot', objectId: SNAPSHOT_OBJECT_ID, generation: gen });
export const safetyIdentity = (gen: number): SealedIdentity => ({ kind: 'safety', objectId: SAFETY_OBJECT_ID, generation: gen });

/** The generations in `names` that match `re`, ascending. */
export function gens(names: string[], re: RegExp): number[] {
  return names
    .map((n) => re.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** A snapshot file's tag (its generation and the random salt it was sealed with: unique to that file) and plaintext size. */
export function snapshotMeta(sealed: Uint8Array, what: string): SnapshotMeta {
  const h = peekSealedHeader(sealed, what);
  return { tag: `${h.generation}-${toHex(h.salt)}`, size: h.plaintextLength };
}

export function freshJournal(generation: number): ActiveJournal {
  return { generation, nextSeq: 1, poisoned: false };
}

export function assertOpen(s: StoreState): void {
  if (s.released) throw new VaultError('locked', 'vault store closed');
}

export function assertWritable(s: StoreState): void {
  assertOpen(s);
  if (s.lockRelease === undefined) throw new VaultError('read-only-session', 'opened without the writer lock');
}

export async function assertLockHeld(s: StoreState): Promise<void> {
  if (s.lockStillHeld && !(await s.lockStillHeld())) {
    throw new VaultError('in-use', 'the writer lock was taken over by another process');
  }
}

export async function writeHeader(s: StoreState, next: VaultHeader): Promise<void> {
  await assertLockHeld(s);
  await s.deps.files.writeAtomic(HEADER_FILE, serializeHeader(next));
  s.header = next;
}

/** Files a finished checkpoint made obsolete, and temporary files of interrupted writes. */
export async function removeLeftovers(s: StoreState, names: string[], keepFrom: number): Promise<void> {
  for (const name of names) {
    const sn = SNAPSHOT_RE.exec(name);
    const j = JOURNAL_RE.exec(name);
    const obsolete = (sn && Number(sn[1]) < keepFrom) || (j && Number(j[1]) < keepFrom) || name.endsWith('.tmp');
    if (obsolete) await s.deps.files.delete(`${DB_DIR}/${name}`);
  }
  // Keep only the newest safety copy.
  const safety = names.filter((n) => /^safety-\d+\.cvs$/.test(n)).sort();
  for (const old of safety.slice(0, -1)) await s.deps.files.delete(`${DB_DIR}/${old}`);
}

export interface JournalEnd {
  readonly generation: number;
  readonly records: number;
  readonly tornTail: boolean;
  readonly header?: Uint8Array;
  readonly parsed?: JournalHeader;
}

/**
 * Reads journals in order and keeps each one's valid prefix (an interrupted append at the end of a
 * file is dropped, as on open). `last` describes the newest one.
 */
export async function readJournals(deps: VaultStoreDeps, keys: UnlockedKeys, generations: readonly number[], warn: boolean): Promise<{ records: Uint8Array[]; journalBytes: number; last: JournalEnd | undefined }> {
  const records: Uint8Array[] = [];
  let last: JournalEnd | undefined;
  let journalBytes = 0;
  for (const gen of generations) {
    const bytes = await deps.files.read(journalFile(gen));
    if (bytes.length < JOURNAL_HEADER_BYTES) {
      // Created but never completed its first append: an interrupted, unacknowledged write.
      last = { generation: gen, records: 0, tornTail: true };
      continue;
    }
    const j = await readJournal(bytes, keys, gen, journalFile(gen));
    if (j.tornTail && warn) deps.logger.warn(`${journalFile(gen)}: dropped an interrupted append at byte ${j.validLength}`);
    records.push(...j.records);
    journalBytes += j.validLength;
    last = { generation: gen, records: j.records.length, tornTail: j.tornTail, header: bytes.slice(0, JOURNAL_HEADER_BYTES), parsed: j.header };
  }
  return { records, journalBytes, last };
}
