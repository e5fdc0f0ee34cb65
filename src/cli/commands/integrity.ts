// The integrity check and its repair: check [--deep], check --repair (docs/INTEGRITY.md).
import { checkEverything, repairEverything } from '../../core/health';
import { CliError } from '../context';
import { toJson } from '../format';
import { UsageError } from '../values';
import { REPO, errorsIn, findingLines, plural, str, type Command } from './common';

export const INTEGRITY_COMMANDS = {
  check: {
    args: '[--deep] | check --repair [--repo <folder>]',
    summary: 'check the vault\'s integrity (exit code 1 on errors); --repair fixes what can be fixed',
    help: [
      'Checks the database (integrity, links between entries, entries against their schemas), the files, the',
      'journal, the audit chain and the backups; each finding has a severity (error, warning, info).',
      '--deep                also re-read and re-hash every file',
      '--repair              fix what can be fixed automatically: on a copy, checked again, then swapped in, after',
      '                      a safety backup; what remains is listed',
      REPO + ' (where --repair keeps its safety backup)',
    ],
    options: { deep: { type: 'boolean' }, repair: { type: 'boolean' }, repo: { type: 'string' } },
    positionals: [0, 0],
    async run(ctx, values) {
      if (values.deep && values.repair) throw new UsageError('--deep is for checking; --repair checks what it repairs by itself.');
      if (values.repo !== undefined && !values.repair) throw new UsageError('--repo is for --repair (where it keeps its safety backup).');
      if (values.repair) {
        const dm = await ctx.open('write');
        const backups = ctx.backups(dm, str(values.repo));
        const r = await repairEverything(dm.healthVault(), backups);
        if (ctx.json) ctx.out.write(toJson({ fixed: r.fixed, remaining: r.remaining }));
        else {
          const lines = [`Repaired ${plural(r.fixed.length, 'problem')}${r.remaining.length ? `; ${r.remaining.length} remain` : ''}.`, ...findingLines(r.fixed).map((l) => `fixed    ${l}`), ...findingLines(r.remaining)];
          ctx.out.write(lines.join('\n') + '\n');
        }
        if (errorsIn(r.remaining) > 0) throw new CliError(1, `${plural(errorsIn(r.remaining), 'error')} could not be repaired automatically.`);
        return;
      }
      const dm = await ctx.open('read');
      const report = await checkEverything(dm.healthVault(), ctx.backups(dm, undefined), values.deep ? { deep: true } : {});
      if (ctx.json) ctx.out.write(toJson(report));
      else ctx.out.write([report.findings.length === 0 ? 'The vault is whole: no problems found.' : `${plural(report.findings.length, 'finding')}:`, ...findingLines(report.findings)].join('\n') + '\n');
      const errors = errorsIn(report.findings);
      if (errors > 0 || !report.ok) {
        const fixable = report.findings.filter((f) => f.severity === 'error' && f.fixable).length;
        throw new CliError(1, `The integrity check found ${plural(errors, 'error')}${fixable ? `; ${fixable} can be repaired with "campaign-vault check --repair"` : ''}.`);
      }
    },
  },
} satisfies Record<string, Command>;
