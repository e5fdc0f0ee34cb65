import { fromHex, toHex } from '../bytes';
import { VaultError, type Remedy } from '../errors';

/**
 * How the repository names and refers to its objects: where a pack lives, chunk references (the
 * first bytes of a chunk's keyed id) and the trees that list them, and the error its damage raises.
 */

/** Damage in the repository: `why` for the log, `hint` for the user (and what to do, when not the default). */
export function repoError(why: string, hint: string, remedy?: Remedy): VaultError {
  return new VaultError('corrupt', why, { hint, ...(remedy ? { remedy } : {}) });
}

/** Object names: BLAKE3 of the bytes, hex. */
export const HEX64 = /^[0-9a-f]{64}$/;
export const packPath = (name: string) => `data/${name.slice(0, 2)}/${name}`;

/**
 * How a chunk is referred to: the first 16 bytes (32 hex digits) of its 32-byte keyed id. Trees
 * list references, so a one-record change rewrites half as many bytes of chunk lists; the full id
 * is kept in packs and indexes and checked on every read.
 */
export const REF_BYTES = 16;
export const chunkKey = (id: string): string => id.slice(0, REF_BYTES * 2);

/** Splits a list of chunk ids into tree chunks of `fanout` ids (32 bytes each). */
export function encodeTree(ids: readonly string[]): Uint8Array {
  const out = new Uint8Array(ids.length * REF_BYTES);
  ids.forEach((id, i) => out.set(fromHex(chunkKey(id)), i * REF_BYTES));
  return out;
}

export function decodeTree(bytes: Uint8Array, what: string): string[] {
  if (bytes.length % REF_BYTES !== 0) throw repoError(`${what}: damaged chunk list`, 'Part of this backup is damaged.');
  const ids: string[] = [];
  for (let o = 0; o < bytes.length; o += REF_BYTES) ids.push(toHex(bytes.subarray(o, o + REF_BYTES)));
  return ids;
}
