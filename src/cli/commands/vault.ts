// The vault itself: init, unlock, passwd, rotate-key, encrypt, migrate, audit (docs/CLI.md).
import type { DataManager } from '../../core/api';
import { MIGRATIONS } from '../../core/db/migrations';
import { VaultError, isVaultError } from '../../core/errors';
import { CliError, notEncrypted } from '../context';
import { toJson } from '../format';
import { currentPassword, newPassword } from '../prompt';
import { UsageError } from '../values';
import { REPO, plural, str, type Command } from './common';

export const VAULT_COMMANDS = {
  init: {
    args: '[--no-encryption]',
    summary: 'create a vault in the folder and print its recovery key',
    help: [
      'The password comes from $CAMPAIGN_VAULT_PASSWORD, else it is asked twice (not shown).',
      'The recovery key is printed once: write it down, it opens the vault if the password is lost.',
      '--no-encryption  an unencrypted (but still tamper-evident) vault; "encrypt" adds a password later',
    ],
    options: { 'no-encryption': { type: 'boolean' } },
    positionals: [0, 0],
    async run(ctx, values) {
      const dm = ctx.manager();
      if ((await dm.lockState()) !== 'absent') throw new VaultError('exists', 'vault exists', { hint: `${ctx.dir} already holds a vault.` });
      const password = values['no-encryption'] ? undefined : await newPassword(ctx.env, 'CAMPAIGN_VAULT_PASSWORD');
      const { recoveryKey } = await dm.createVault(password);
      if (ctx.json) ctx.out.write(toJson({ dir: ctx.dir, encrypted: password !== undefined, ...(recoveryKey ? { recoveryKey } : {}) }));
      else if (recoveryKey) {
        ctx.out.write(
          `Created an encrypted vault in ${ctx.dir}.\n\nRecovery key: ${recoveryKey}\n\n` +
            'Write the recovery key down now and keep it apart from this computer: it opens the vault if the password is forgotten, and it is not shown again.\n',
        );
      } else ctx.out.write(`Created an unencrypted vault in ${ctx.dir}. Anyone with the folder can read it; "campaign-vault encrypt" adds a password.\n`);
    },
  },

  unlock: {
    args: '',
    summary: 'check the password (exit code 0 when right, 3 when wrong); opens and writes nothing',
    help: ['The password comes from $CAMPAIGN_VAULT_PASSWORD, else it is asked (not shown).'],
    options: {},
    positionals: [0, 0],
    async run(ctx) {
      if (!(await ctx.encrypted())) {
        ctx.out.write(ctx.json ? toJson({ ok: true, encrypted: false }) : 'The vault is not encrypted: no password is needed.\n');
        return;
      }
      const ok = await ctx.manager().checkPassword(await currentPassword(ctx.env));
      if (!ok) throw new VaultError('wrong-password', 'wrong password');
      ctx.out.write(ctx.json ? toJson({ ok: true, encrypted: true }) : 'The password is right.\n');
    },
  },

  passwd: {
    args: '',
    summary: 'change the password (the recovery key stays the same)',
    help: ['The current password comes from $CAMPAIGN_VAULT_PASSWORD, the new one from $CAMPAIGN_VAULT_NEW_PASSWORD; each is asked when not set.'],
    options: {},
    positionals: [0, 0],
    async run(ctx) {
      if (!(await ctx.encrypted())) throw notEncrypted();
      const dm = await ctx.open('write');
      const next = await newPassword(ctx.env, 'CAMPAIGN_VAULT_NEW_PASSWORD');
      await dm.changePassword(ctx.password!, next);
      ctx.out.write(ctx.json ? toJson({ ok: true }) : 'Password changed.\n');
    },
  },

  'rotate-key': {
    args: '',
    summary: 'replace the data key and re-encrypt everything with the new one',
    help: ['An interrupted rotation is finished by the next command that opens the vault.'],
    options: {},
    positionals: [0, 0],
    async run(ctx) {
      const dm = await ctx.open('write');
      await dm.rotateKey();
      ctx.out.write(ctx.json ? toJson({ ok: true }) : 'Data key replaced; everything is re-encrypted with the new key.\n');
    },
  },

  encrypt: {
    args: '[--repo <folder>]',
    summary: 'encrypt an unencrypted vault (and the backups made before) and print its recovery key',
    help: [
      'The password comes from $CAMPAIGN_VAULT_PASSWORD, else it is asked twice (not shown).',
      'The backups made before are re-encrypted under the new password right after (docs/BACKUPS.md);',
      'if that is interrupted, the next "backup" finishes it. Portable backup files exported before',
      'are not changed: each still opens with the password it was exported with.',
      REPO,
    ],
    options: { repo: { type: 'string' } },
    positionals: [0, 0],
    async run(ctx, values) {
      if (await ctx.encrypted()) throw new VaultError('unsupported', 'already encrypted', { hint: 'The vault is already encrypted.' });
      const dm = await ctx.open('write');
      const password = await newPassword(ctx.env, 'CAMPAIGN_VAULT_PASSWORD');
      const { recoveryKey } = await dm.encrypt(password);
      const backups = await ctx.backups(dm, str(values.repo)).reencrypt();
      if (ctx.json) ctx.out.write(toJson({ ok: true, recoveryKey, ...(backups ? { backups: { reencrypted: backups.copied, lost: backups.lost.map((l) => l.id) } } : {}) }));
      else {
        const lost = backups?.lost.length ? ` ${plural(backups.lost.length, 'damaged backup')} could not be read and ${backups.lost.length === 1 ? 'is' : 'are'} gone: ${backups.lost.map((l) => l.id.slice(0, 8)).join(', ')}.` : '';
        ctx.out.write(
          `The vault is encrypted.\n` +
            (backups ? `Its ${plural(backups.copied, 'backup')} in ${ctx.repositoryFolder(str(values.repo))} ${backups.copied === 1 ? 'was' : 'were'} re-encrypted: ${backups.copied === 1 ? 'it needs' : 'they need'} the password now.${lost}\n` : '') +
            `Portable backup files exported before are not changed: each still opens with the password it was exported with.\n\nRecovery key: ${recoveryKey ?? '(none)'}\n\n` +
            'Write the recovery key down now and keep it apart from this computer: it opens the vault if the password is forgotten, and it is not shown again.\n',
        );
      }
    },
  },

  migrate: {
    args: 'status|up|down',
    summary: 'show or change the schema version',
    help: [
      'status  the schema version, the migrations applied and those pending (opens read-only)',
      'up      apply pending migrations (every command that writes does this when it opens the vault)',
      'down    roll back the newest migration; the next command that writes migrates up again',
    ],
    options: {},
    positionals: [1, 1],
    async run(ctx, _values, [sub]) {
      if (sub !== 'status' && sub !== 'up' && sub !== 'down') throw new UsageError(`migrate takes status, up or down, not "${sub}".`);
      if (sub === 'status') {
        let dm: DataManager;
        try {
          dm = await ctx.open('inspect');
        } catch (e) {
          // Opened without writing, the core refuses a vault with pending migrations as "in use".
          if (!isVaultError(e, 'in-use')) throw e;
          ctx.out.write(ctx.json ? toJson({ pending: true, latest: MIGRATIONS.at(-1)?.version ?? 0 }) : 'The schema is older than this version: migrations are pending. "campaign-vault migrate up" applies them.\n');
          return;
        }
        const s = await dm.migrationStatus();
        if (ctx.json) {
          ctx.out.write(toJson({ current: s.current, latest: s.latest, applied: s.applied, pending: s.pending.map((m) => ({ version: m.version, name: m.name })) }));
          return;
        }
        const lines = [`Schema version ${s.current} (the newest this version knows: ${s.latest}).`];
        for (const m of s.applied) lines.push(`  ${String(m.version).padStart(3)}  applied  ${m.appliedAt}  ${m.name}`);
        for (const m of s.pending) lines.push(`  ${String(m.version).padStart(3)}  pending  ${' '.repeat(24)}  ${m.name}`);
        ctx.out.write(lines.join('\n') + '\n');
        return;
      }
      const dm = await ctx.open('write');
      const version = sub === 'up' ? await dm.runMigrations() : await dm.rollbackMigration();
      ctx.out.write(ctx.json ? toJson({ current: version }) : `Schema version ${version}.\n`);
    },
  },

  audit: {
    args: 'verify',
    summary: 'check the audit log (exit code 1 when its chain is broken)',
    help: ['Walks the hash chain of every change and checks each entry against its last audit record.'],
    options: {},
    positionals: [1, 1],
    async run(ctx, _values, [sub]) {
      if (sub !== 'verify') throw new UsageError(`audit takes verify, not "${sub}".`);
      const dm = await ctx.open('read');
      const report = await dm.verifyAudit();
      if (ctx.json) ctx.out.write(toJson(report));
      else if (report.ok) ctx.out.write(`The audit log is intact: ${report.entries} entries.\n`);
      else ctx.out.write(report.problems.map((p) => `${p.seq === null ? '   -' : String(p.seq).padStart(4)}  ${p.problem}`).join('\n') + '\n');
      if (!report.ok) throw new CliError(1, `The audit log is broken: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} in ${report.entries} entries.`);
    },
  },
} satisfies Record<string, Command>;
