/**
 * Typed errors with a sentence a game master understands. Low-level failures (errno codes,
 * decryption failures, parse errors) are mapped to these at the port boundary, so every layer
 * above can tell "disk full" from "wrong password" without string matching.
 */

export type VaultErrorCode =
  | 'not-found'
  | 'disk-full'
  | 'read-only'
  | 'permission-denied'
  | 'io'
  | 'invalid-path'
  | 'not-a-vault'
  | 'newer-format'
  | 'corrupt';

const userMessages: Record<VaultErrorCode, string> = {
  'not-found': 'A file the vault needs is missing.',
  'disk-full': 'The disk is full. Nothing was changed; free some space and try again.',
  'read-only': 'The vault folder is read-only. Nothing was changed.',
  'permission-denied': 'Campaign Vault is not allowed to write to the vault folder. Nothing was changed.',
  io: 'The disk reported an error while reading or writing the vault. Nothing was changed.',
  'invalid-path': 'That name cannot be used as a file name inside the vault.',
  'not-a-vault': 'This file is not a Campaign Vault file.',
  'newer-format': 'This vault was written by a newer version of Campaign Vault. Update the extension to open it.',
  corrupt: 'Part of the vault is damaged. Run "Campaign Vault: Check Integrity" for details.',
};

export class VaultError extends Error {
  override readonly name = 'VaultError';

  constructor(
    readonly code: VaultErrorCode,
    /** Technical detail for the log: which file, which operation. */
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(detail, options);
  }

  /** What to tell the user. */
  get userMessage(): string {
    return userMessages[this.code];
  }
}

export function isVaultError(e: unknown, code?: VaultErrorCode): e is VaultError {
  return e instanceof VaultError && (code === undefined || e.code === code);
}

/** A message for any thrown value: the user-facing sentence for a VaultError, else the message. */
export function describeError(e: unknown): string {
  if (e instanceof VaultError) return e.userMessage;
  if (e instanceof Error) return e.message;
  return String(e);
}
