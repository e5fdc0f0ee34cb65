/**
 * Where things live inside a workspace folder. Everything Campaign Vault writes is under
 * {@link VAULT_DIR}; the header file marks a folder as holding a vault.
 */
export const VAULT_DIR = '.campaign-vault';
export const HEADER_FILE = `${VAULT_DIR}/vault.json`;
export const LOCK_FILE = `${VAULT_DIR}/lock`;
export const DB_DIR = `${VAULT_DIR}/db`;
export const BLOBS_DIR = `${VAULT_DIR}/blobs`;
export const BACKUPS_DIR = `${VAULT_DIR}/backups`;
export const CACHE_DIR = `${VAULT_DIR}/cache`;

/** The value of `format` in every vault header; anything else is not ours. */
export const FORMAT_MAGIC = 'campaign-vault';
/** The newest header format this version reads and writes. */
export const FORMAT_VERSION = 1;
/** A header larger than this is refused before parsing (it holds a few hundred bytes). */
export const MAX_HEADER_BYTES = 64 * 1024;
