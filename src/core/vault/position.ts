// Rollback detection: how far the vault got, remembered outside it (the StateStore, per machine),
// so that opening an older copy (a sync conflict, an old backup copied over it) is refused, and a
// damaged journal tail after a clean close is reported as damage, not as an interrupted write.
import { VaultError } from '../errors';
import type { StateStore } from '../ports';
import { journalFile, type Position, type StoreState } from './storeState';

export const comparePositions = (a: Position, b: Position) => a.generation - b.generation || a.records - b.records;

function describePosition(p: Position): string {
  return `generation ${p.generation}, record ${p.records}`;
}

const positionKey = (vaultId: string) => `vault/${vaultId}/position`;

async function readPosition(state: StateStore, vaultId: string): Promise<(Position & { clean?: boolean }) | undefined> {
  const raw = await state.get(positionKey(vaultId));
  if (!raw) return undefined;
  try {
    const p = JSON.parse(raw) as Position & { clean?: boolean };
    if (Number.isSafeInteger(p.generation) && Number.isSafeInteger(p.records)) return p;
  } catch {
    // A damaged state file only weakens rollback detection; it never blocks opening.
  }
  return undefined;
}

/** A copy older than the newest seen here that the user chose to open anyway: where it is now, and which snapshot it stands on. */
interface AcceptedCopy extends Position {
  readonly tag: string;
}

const acceptedKey = (vaultId: string) => `vault/${vaultId}/accepted`;
/** Copies remembered per vault (oldest forgotten first). */
const MAX_ACCEPTED = 16;

async function readAccepted(state: StateStore, vaultId: string): Promise<AcceptedCopy[]> {
  const raw = await state.get(acceptedKey(vaultId));
  if (!raw) return [];
  try {
    const list = JSON.parse(raw) as AcceptedCopy[];
    return Array.isArray(list) ? list.filter((a) => Number.isSafeInteger(a?.generation) && Number.isSafeInteger(a?.records) && typeof a?.tag === 'string') : [];
  } catch {
    return [];
  }
}

const sameCopy = (a: AcceptedCopy, b: AcceptedCopy) => a.generation === b.generation && a.records === b.records && a.tag === b.tag;

/**
 * Checks the position found on disk against the one last seen on this machine. An older one is a
 * rollback: refused, unless `acceptRollback` (the user read the warning and chose this copy) or
 * this exact copy — the same position on the same snapshot file — was accepted before. Then the
 * result says so, and the store keeps the accepted copy's own position from then on (see
 * {@link recordPosition}). The same position ending in a torn append, after the vault was closed
 * cleanly here, is damage (an interrupted append is only possible after an unclean close).
 */
export async function checkPosition(state: StateStore, vaultId: string, position: Position, opts: { acceptRollback: boolean; tornTail: boolean; tag: string }): Promise<{ acceptedCopy?: AcceptedCopy }> {
  const seen = await readPosition(state, vaultId);
  if (seen && comparePositions(position, seen) < 0) {
    const copy: AcceptedCopy = { ...position, tag: opts.tag };
    const accepted = await readAccepted(state, vaultId);
    if (accepted.some((a) => sameCopy(a, copy))) return { acceptedCopy: copy };
    if (opts.acceptRollback) {
      // The choice is remembered at once (also when this copy is only read): it does not ask again.
      await state.set(acceptedKey(vaultId), JSON.stringify([...accepted, copy].slice(-MAX_ACCEPTED)));
      return { acceptedCopy: copy };
    }
    throw new VaultError('rolled-back', `found ${describePosition(position)}, last seen ${describePosition(seen)}`, { remedy: 'accept-rollback' });
  }
  if (seen?.clean && comparePositions(position, seen) === 0 && opts.tornTail) {
    throw new VaultError('corrupt', `${journalFile(position.generation)}: bytes after the last record, but the vault was closed cleanly`);
  }
  return {};
}

/**
 * Remembers outside the vault how far it got, and whether it was closed cleanly there: the
 * next open refuses an older position (a rollback) and, after a clean close, a damaged tail. An
 * accepted older copy (`s.acceptedCopy`) is remembered apart, where it is now, so it does not ask
 * again — while any other older copy still does, whatever its folder is called (the state is kept
 * by vault id).
 */
export async function recordPosition(s: StoreState, clean: boolean): Promise<void> {
  const seen = await readPosition(s.deps.state, s.header.vaultId);
  const order = seen ? comparePositions(s.position, seen) : 1;
  if (s.acceptedCopy && order < 0) {
    const now: AcceptedCopy = { ...s.position, tag: s.snapshotMeta?.tag ?? s.acceptedCopy.tag };
    if (sameCopy(now, s.acceptedCopy)) return;
    const others = (await readAccepted(s.deps.state, s.header.vaultId)).filter((a) => !sameCopy(a, s.acceptedCopy!) && !sameCopy(a, now));
    await s.deps.state.set(acceptedKey(s.header.vaultId), JSON.stringify([...others, now].slice(-MAX_ACCEPTED)));
    s.acceptedCopy = now;
    return;
  }
  if (order > 0 || (order === 0 && seen?.clean !== clean)) {
    await s.deps.state.set(positionKey(s.header.vaultId), JSON.stringify({ ...s.position, clean }));
  }
}
