import { isVaultError } from '../errors';
import type { FileStore } from '../ports';
import { FORMAT_MAGIC, FORMAT_VERSION, HEADER_FILE, MAX_HEADER_BYTES } from './layout';

/** What a workspace folder holds, as far as can be told without a password. */
export type VaultPresence =
  | { readonly state: 'absent' }
  | { readonly state: 'present'; readonly formatVersion: number }
  | { readonly state: 'newer'; readonly formatVersion: number }
  | { readonly state: 'unreadable'; readonly reason: string };

/**
 * Looks at the vault header of a folder. Never throws for bad content: a header that is too
 * large, not JSON, not ours or from a newer version is reported, so the UI can say why.
 */
export async function inspectVault(store: FileStore): Promise<VaultPresence> {
  const stat = await store.stat(HEADER_FILE);
  if (!stat) return { state: 'absent' };
  if (stat.isDirectory) return { state: 'unreadable', reason: `${HEADER_FILE} is a folder, not a file` };
  if (stat.size > MAX_HEADER_BYTES) {
    return { state: 'unreadable', reason: `${HEADER_FILE} is ${stat.size} bytes, more than a vault header can be` };
  }
  let bytes: Uint8Array;
  try {
    bytes = await store.read(HEADER_FILE);
  } catch (e) {
    if (isVaultError(e, 'not-found')) return { state: 'absent' };
    throw e;
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return { state: 'unreadable', reason: `${HEADER_FILE} is not valid UTF-8 JSON` };
  }
  if (typeof header !== 'object' || header === null || (header as { format?: unknown }).format !== FORMAT_MAGIC) {
    return { state: 'unreadable', reason: `${HEADER_FILE} is not a Campaign Vault header` };
  }
  const version = (header as { formatVersion?: unknown }).formatVersion;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    return { state: 'unreadable', reason: `${HEADER_FILE} has no valid formatVersion` };
  }
  if (version > FORMAT_VERSION) return { state: 'newer', formatVersion: version };
  return { state: 'present', formatVersion: version };
}

/** One line for the status bar tooltip and the status command. */
export function describePresence(p: VaultPresence): string {
  switch (p.state) {
    case 'absent':
      return 'No vault in this workspace yet.';
    case 'present':
      return `A vault (format ${p.formatVersion}) is in this workspace.`;
    case 'newer':
      return `This workspace holds a vault in format ${p.formatVersion}, newer than this version of Campaign Vault reads (${FORMAT_VERSION}). Update the extension to open it.`;
    case 'unreadable':
      return `The vault header cannot be read: ${p.reason}.`;
  }
}
