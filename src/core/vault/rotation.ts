// The key header's changes: a new password, and the data-key rotation (which also encrypts an
// unencrypted vault). Parts of VaultStore; docs/FORMAT.md, "Keys", has the steps.
import type { KdfParams } from '../crypto/kdf';
import { VaultError } from '../errors';
import type { VaultHeader } from './header';
import { newEncryptedMasterKey, rewrapPassword, signHeader, wrapDataKey } from './keys';
import { assertWritable, freshJournal, writeHeader, type StoreState } from './storeState';

/** {@link VaultStore.changePassword}: one header write. */
export async function changePassword(s: StoreState, newPassword: string, kdf?: KdfParams): Promise<void> {
  assertWritable(s);
  if (s.header.encryption === 'none') throw new VaultError('unsupported', 'vault is not encrypted', { hint: 'Encrypt the vault first.' });
  const next = await rewrapPassword(s.header, s.keys, newPassword, s.deps.random, kdf);
  await writeHeader(s, next);
}

/** {@link VaultStore.beginRotation}: step 1, a header with both keys, the new one active. */
export async function beginRotation(s: StoreState, encryptWith?: { password: string; kdf?: KdfParams }): Promise<{ recoveryKey?: string }> {
  assertWritable(s);
  if (s.header.rotation) return {};
  const { keys, deps } = s;
  const from = s.header.activeDataKey;
  const to = Math.max(...s.header.dataKeys.map((d) => d.id)) + 1;
  const newKey = deps.random.bytes(32);
  const { mac: _mac, ...rest } = s.header;
  let next: Omit<VaultHeader, 'mac'>;
  let masterKey = keys.exportMasterKey();
  let recoveryKey: string | undefined;
  if (encryptWith) {
    if (s.header.encryption !== 'none') throw new VaultError('unsupported', 'vault is already encrypted');
    const m = await newEncryptedMasterKey(s.header, encryptWith.password, deps.random, keys.suite, encryptWith.kdf);
    masterKey = m.masterKey;
    recoveryKey = m.recoveryKey;
    next = {
      ...rest,
      encryption: 'aes-256-gcm',
      kdf: m.kdf,
      keySlots: m.keySlots,
      dataKeys: [await wrapDataKey(keys.suite, deps.random, s.header.vaultId, masterKey, from, keys.exportDataKey(from))],
    };
  } else {
    next = { ...rest, dataKeys: [...rest.dataKeys] };
  }
  next = {
    ...next,
    dataKeys: [...next.dataKeys, await wrapDataKey(keys.suite, deps.random, s.header.vaultId, masterKey, to, newKey)],
    activeDataKey: to,
    rotation: { from, to, startedAt: new Date(deps.clock.now()).toISOString() },
  };
  const signed = await signHeader(masterKey, next);
  // Journal records appended from here on are sealed with the new key: start a fresh journal.
  if (s.journal.header) s.journal = freshJournal(s.journal.generation + 1);
  s.generationAtRotation = s.snapshotGeneration;
  await writeHeader(s, signed);
  if (encryptWith) keys.replaceMasterKey(masterKey);
  keys.addDataKey(to, newKey);
  keys.activeDataKey = to;
  return recoveryKey ? { recoveryKey } : {};
}

/** {@link VaultStore.abortRotation}: undoes step 1 while nothing is sealed with the new key. */
export async function abortRotation(s: StoreState): Promise<void> {
  const r = s.header.rotation;
  if (!r || s.journal.header || s.snapshotGeneration > s.generationAtRotation) {
    throw new VaultError('unsupported', 'rotation cannot be undone any more');
  }
  const { mac: _mac, rotation: _rotation, ...rest } = s.header;
  const next = await signHeader(s.keys.exportMasterKey(), { ...rest, dataKeys: rest.dataKeys.filter((d) => d.id !== r.to), activeDataKey: r.from });
  await writeHeader(s, next);
  s.keys.activeDataKey = r.from;
  s.keys.dropDataKey(r.to);
}

/** {@link VaultStore.finishRotation}: step 3, the old key dropped from the header. */
export async function finishRotation(s: StoreState): Promise<void> {
  const r = s.header.rotation;
  if (!r) return;
  await s.checkpointChain;
  const { mac: _mac, rotation: _rotation, ...rest } = s.header;
  const next = await signHeader(s.keys.exportMasterKey(), { ...rest, dataKeys: rest.dataKeys.filter((d) => d.id !== r.from) });
  await writeHeader(s, next);
  s.keys.dropDataKey(r.from);
}
