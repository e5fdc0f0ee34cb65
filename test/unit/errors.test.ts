import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS } from '../../src/cli/commands';
import { CLI_REMEDIES, cliErrorText } from '../../src/cli/errorText';
import { exitCodeOf, messageOf, run } from '../../src/cli/main';
import { VaultError, describeError, isVaultError, type Remedy, type VaultErrorCode } from '../../src/core/errors';
import { inUse } from '../../src/core/vault/store';
import { toVaultError } from '../../src/node/fileStore';

describe('core/errors', () => {
  it('gives each error code a sentence for the user and keeps the detail for the log', () => {
    const e = new VaultError('disk-full', 'write db/journal: ENOSPC');
    assert.equal(e.message, 'write db/journal: ENOSPC');
    assert.match(e.userMessage, /disk is full/);
    assert.equal(describeError(e), e.userMessage);
    assert.equal(describeError(new Error('plain')), 'plain');
    assert.equal(describeError('text'), 'text');
  });

  it('tells codes apart', () => {
    const e = new VaultError('corrupt', 'x');
    assert.equal(isVaultError(e), true);
    assert.equal(isVaultError(e, 'corrupt'), true);
    assert.equal(isVaultError(e, 'io'), false);
    assert.equal(isVaultError(new Error('x')), false);
  });

  const errnos: [string, string][] = [
    ['ENOENT', 'not-found'],
    ['ENOSPC', 'disk-full'],
    ['EDQUOT', 'disk-full'],
    ['EROFS', 'read-only'],
    ['EACCES', 'permission-denied'],
    ['EPERM', 'permission-denied'],
    ['EIO', 'io'],
    ['EWHATEVER', 'io'],
  ];
  for (const [errno, code] of errnos) {
    it(`maps ${errno} from Node's fs to "${code}", keeping the cause`, () => {
      const cause = Object.assign(new Error(`${errno}: boom`), { code: errno });
      const e = toVaultError(cause, 'write', 'db/journal');
      assert.equal(e.code, code);
      assert.equal(e.cause, cause);
      assert.match(e.message, /write db\/journal/);
    });
  }
});

describe('core/errors: hints', () => {
  it('a hint completes the sentence, or replaces a generic one', () => {
    assert.equal(new VaultError('not-found', 'x', { hint: 'There is no campaign "nope".' }).userMessage, 'There is no campaign "nope".');
    assert.match(new VaultError('disk-full', 'x', { hint: 'While saving Zanna.' }).userMessage, /^The disk is full\..* While saving Zanna\.$/);
    assert.doesNotMatch(new VaultError('not-found', 'x', { hint: 'There is no NPC "Bob".' }).userMessage, /file the vault needs/);
  });
});

describe('core/errors: remedies, not commands', () => {
  /** Every code (a Record, so a new code fails to compile until it is listed here). */
  const CODES = Object.keys({
    'not-found': 1,
    'disk-full': 1,
    'read-only': 1,
    'permission-denied': 1,
    io: 1,
    'invalid-path': 1,
    'not-a-vault': 1,
    'newer-format': 1,
    corrupt: 1,
    'wrong-password': 1,
    locked: 1,
    'in-use': 1,
    'read-only-session': 1,
    'rolled-back': 1,
    conflict: 1,
    invalid: 1,
    exists: 1,
    unsupported: 1,
    cancelled: 1,
  } satisfies Record<VaultErrorCode, 1>) as VaultErrorCode[];

  it('no generic sentence names a command of VS Code or of the command line', () => {
    for (const code of CODES) {
      const text = new VaultError(code, 'detail').userMessage;
      assert.ok(text.length > 0, code);
      // Command titles are quoted ("Create Backup", “Campaign Vault: Unlock”); subcommands start with the tool's name.
      assert.doesNotMatch(text, /["“”]|Campaign Vault:|campaign-vault|\brun\b/i, `${code}: ${text}`);
    }
  });

  it('a code implies its remedy unless the error names another (or none)', () => {
    assert.equal(new VaultError('corrupt', 'x').remedy, 'check-integrity');
    assert.equal(new VaultError('corrupt', 'x', { remedy: 'verify-backups' }).remedy, 'verify-backups');
    assert.equal(new VaultError('corrupt', 'x', { remedy: null }).remedy, undefined);
    assert.equal(new VaultError('locked', 'x').remedy, 'unlock');
    assert.equal(new VaultError('newer-format', 'x').remedy, 'update-extension');
    assert.equal(new VaultError('io', 'x').remedy, undefined);
  });

  it('the vault in use by another program names the remedy: close it there', () => {
    const e = inUse({ pid: 42, host: 'gm-laptop', app: 'VS Code' });
    assert.equal(e.code, 'in-use');
    assert.equal(e.remedy, 'close-other-writers');
    assert.match(e.userMessage, /in use by VS Code \(process 42 on gm-laptop\)/);
  });
});

describe('cli/errorText: the command line words each remedy as its own subcommand', () => {
  const expected: Record<Remedy, RegExp> = {
    'check-integrity': /^Run "campaign-vault check"\.$/,
    'verify-backups': /^Run "campaign-vault verify"\.$/,
    'create-backup': /^Run "campaign-vault backup"\.$/,
    'restore-backup': /"campaign-vault backups" lists the backups; "campaign-vault restore <backup>" restores one\./,
    unlock: /CAMPAIGN_VAULT_PASSWORD/,
    'unlock-with-recovery-key': /recovery key in VS Code/,
    'update-extension': /^This campaign-vault is version \S+: install a newer one\.$/,
    'close-other-writers': /^Close it in the other window or program, then run the command again\.$/,
    'accept-rollback': /run the command again with --accept-rollback/,
  };

  for (const remedy of Object.keys(expected) as Remedy[]) {
    it(`${remedy}: the sentence, then what to run`, () => {
      const e = new VaultError('io', 'detail', { hint: 'Something happened.', remedy });
      const text = cliErrorText(e);
      assert.ok(text.startsWith(`${e.userMessage} `), text);
      const instruction = text.slice(e.userMessage.length + 1);
      assert.equal(instruction, CLI_REMEDIES[remedy]);
      assert.match(instruction, expected[remedy]);
      assert.equal(messageOf(e), text, 'the one line the CLI prints');
    });
  }

  it('names only subcommands the tool has', () => {
    for (const [remedy, text] of Object.entries(CLI_REMEDIES)) {
      for (const [, sub] of text.matchAll(/"campaign-vault ([a-z-]+)/g)) assert.ok(Object.hasOwn(COMMANDS, sub!), `${remedy}: "${sub}" is not a command`);
    }
  });

  it('an error without a remedy is its sentence alone', () => {
    const e = new VaultError('disk-full', 'ENOSPC');
    assert.equal(cliErrorText(e), e.userMessage);
  });

  it('"no backups yet" is keyed on its code and remedy: exit code 4 and the CLI\'s own command, whatever the wording', () => {
    for (const hint of ['There are no backups yet.', 'Nothing has been backed up so far.']) {
      const e = new VaultError('not-found', 'no backups yet', { hint, remedy: 'create-backup' });
      assert.equal(exitCodeOf(e), 4);
      assert.equal(messageOf(e), `${hint} Run "campaign-vault backup".`);
    }
  });

  it('damage: exit code 1, and "campaign-vault check" or "campaign-vault verify" as the error says', () => {
    assert.equal(exitCodeOf(new VaultError('corrupt', 'x')), 1);
    assert.match(messageOf(new VaultError('corrupt', 'x')), /^Part of the vault is damaged\. Run "campaign-vault check"\.$/);
    assert.match(messageOf(new VaultError('corrupt', 'x', { hint: 'A backup file is damaged.', remedy: 'verify-backups' })), /damaged\. Run "campaign-vault verify"\.$/);
  });

  it('a --json error carries the remedy for scripts, and the line says what to run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cv-errors-'));
    try {
      mkdirSync(join(dir, '.campaign-vault'));
      writeFileSync(join(dir, '.campaign-vault/vault.json'), JSON.stringify({ format: 'campaign-vault', formatVersion: 999 }));
      const lines: string[] = [];
      const out = { write: (t: string) => void lines.push(t) };
      const code = await run(['backups', '--json', '--dir', dir], {}, { stdout: out, stderr: out });
      assert.equal(code, 1);
      const { error } = JSON.parse(lines.join('')) as { error: { code: string; exitCode: number; remedy?: string; message: string } };
      assert.deepEqual({ code: error.code, exitCode: error.exitCode, remedy: error.remedy }, { code: 'newer-format', exitCode: 1, remedy: 'update-extension' });
      assert.match(error.message, /^This vault was written by a newer version of Campaign Vault\. .*This campaign-vault is version \S+: install a newer one\.$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
