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
  | 'corrupt'
  | 'wrong-password'
  | 'locked'
  | 'in-use'
  | 'read-only-session'
  | 'rolled-back'
  | 'conflict'
  | 'invalid'
  | 'exists'
  | 'unsupported'
  | 'cancelled';

const userMessages: Record<VaultErrorCode, string> = {
  'not-found': 'A file the vault needs is missing.',
  'disk-full': 'The disk is full. Nothing was changed; free some space and try again.',
  'read-only': 'The vault folder is read-only. Nothing was changed.',
  'permission-denied': 'Campaign Vault is not allowed to write to the vault folder. Nothing was changed.',
  io: 'The disk reported an error while reading or writing the vault. Nothing was changed.',
  'invalid-path': 'That name cannot be used as a file name inside the vault.',
  'not-a-vault': 'This file is not a Campaign Vault file.',
  'newer-format': 'This vault was written by a newer version of Campaign Vault. Update Campaign Vault to open it.',
  corrupt: 'Part of the vault is damaged.',
  'wrong-password': 'Wrong password or damaged key file. Nothing was changed.',
  locked: 'The vault is locked. Unlock it first.',
  'in-use': 'The vault is in use by another window or program; it is open read-only here.',
  'read-only-session': 'This vault is open read-only here; nothing was changed.',
  'rolled-back':
    'This vault is older than the copy last opened on this computer: it may have been replaced by a sync conflict or an old copy. Nothing was changed.',
  conflict: 'Someone changed this entry since you opened it. Nothing was overwritten; reload it and apply your change again.',
  invalid: 'The entry is not valid.',
  exists: 'That already exists.',
  unsupported: 'That is not supported.',
  cancelled: 'Cancelled. Nothing was changed.',
};

/**
 * What the user can do about an error, named without any front end's words: the VS Code front end
 * offers the command that does it, the CLI names its subcommand (src/vscode/errorText.ts,
 * src/cli/errorText.ts). Core hints say what is wrong and what to do in plain words and never
 * name a command.
 */
export type Remedy =
  | 'check-integrity'
  | 'verify-backups'
  | 'create-backup'
  | 'restore-backup'
  | 'unlock'
  | 'unlock-with-recovery-key'
  | 'update-extension'
  | 'close-other-writers'
  /** Open an older copy anyway, after a warning (a rolled-back vault). */
  | 'accept-rollback';

/** The remedy a code implies when the error names none. */
const DEFAULT_REMEDY: Partial<Record<VaultErrorCode, Remedy>> = {
  corrupt: 'check-integrity',
  locked: 'unlock',
  'newer-format': 'update-extension',
};

/** Codes whose generic sentence is only a fallback: a hint, when given, says it all. */
const HINT_REPLACES: ReadonlySet<VaultErrorCode> = new Set(['not-found', 'invalid', 'exists', 'unsupported']);

export class VaultError extends Error {
  override readonly name = 'VaultError';

  /** A sentence that tells the user what exactly is wrong, shown after the generic one. */
  readonly hint: string | undefined;

  /** What the user can do about it; each front end words it as its own command. */
  readonly remedy: Remedy | undefined;

  /** Values a front end may use to word the error itself (names, counts, paths). */
  readonly params: Readonly<Record<string, string | number>>;

  constructor(
    readonly code: VaultErrorCode,
    /** Technical detail for the log: which file, which operation. */
    detail: string,
    options?: { cause?: unknown; hint?: string; remedy?: Remedy | null; params?: Readonly<Record<string, string | number>> },
  ) {
    super(detail, options?.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options?.hint;
    this.remedy = options?.remedy === null ? undefined : (options?.remedy ?? DEFAULT_REMEDY[code]);
    this.params = options?.params ?? {};
  }

  /** What to tell the user: the code's sentence, then the hint (or the hint alone where it says everything). */
  get userMessage(): string {
    const base = userMessages[this.code];
    if (!this.hint) return base;
    return HINT_REPLACES.has(this.code) ? this.hint : `${base} ${this.hint}`;
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
