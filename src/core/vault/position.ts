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

/**
 * Checks the position found on disk against the one last seen on this machine: an older one is a
 * rollback (unless `acceptRollback`); the same one ending in a torn append, after the vault was
 * closed cleanly there, is damage (an interrupted append is only possible after an unclean close).
 */
export async function checkPosition(state: StateStore, vaultId: string, position: Position, opts: { acceptRollback: boolean; tornTail: boolean }): Promise<void> {
  const seen = await readPosition(state, vaultId);
  if (seen && comparePositions(position, seen) < 0 && !opts.acceptRollback) {
    throw new VaultError('rolled-back', `found ${describePosition(position)}, last seen ${describePosition(seen)}`);
  }
  if (seen?.clean && comparePositions(position, seen) === 0 && opts.tornTail) {
    throw new VaultError('corrupt', `${journalFile(position.generation)}: bytes after the last record, but the vault was closed cleanly`);
  }
}

/**
 * Remembers outside the vault how far it got, and whether it was closed cleanly there: the
 * next open refuses an older position (a rollback) and, after a clean close, a damaged tail.
 */
export async function recordPosition(s: StoreState, clean: boolean): Promise<void> {
  const seen = await readPosition(s.deps.state, s.header.vaultId);
  const order = seen ? comparePositions(s.position, seen) : 1;
  if (order > 0 || (order === 0 && seen?.clean !== clean)) {
    await s.deps.state.set(positionKey(s.header.vaultId), JSON.stringify({ ...s.position, clean }));
  }
}
