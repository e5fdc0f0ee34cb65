// `campaign-vault`: the vault of a workspace folder from the command line, over the same core as
// the extension. Built to dist/cli.js (esbuild.mjs); see docs/CLI.md.
import { parseArgs } from 'node:util';
import { VaultError } from '../core/errors';
import { COMMANDS, type Command } from './commands';
import { FileInputError } from '../node/importFiles';
import { CliError, Context, type Output } from './context';
import { cliErrorText } from './errorText';
import { PromptCancelled } from './prompt';
import { InputError, UsageError } from './values';

/** Set by esbuild from package.json. */
declare const __CV_VERSION__: string | undefined;
const VERSION = typeof __CV_VERSION__ === 'string' ? __CV_VERSION__ : '0.0.0-dev';

export const EXIT = { ok: 0, error: 1, usage: 2, wrongPassword: 3, notFound: 4, conflict: 5, invalid: 6, cancelled: 130 } as const;

const GLOBAL_OPTIONS = {
  dir: { type: 'string' },
  json: { type: 'boolean' },
  'accept-rollback': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

const HELP_COMMAND: Pick<Command, 'args' | 'summary'> = { args: '[command]', summary: 'show how to use a command' };

function generalHelp(): string {
  const rows = [...Object.entries(COMMANDS), ['help', HELP_COMMAND] as const];
  const w = Math.max(...rows.map(([name]) => name.length));
  return [
    'campaign-vault: the Campaign Vault of a workspace folder, from the command line',
    '',
    'Usage: campaign-vault <command> [arguments] [--dir <folder>] [--json]',
    '',
    'Commands:',
    ...rows.map(([name, c]) => `  ${name.padEnd(w)}  ${c.summary}`),
    '',
    'Options for every command:',
    '  --dir <folder>  the workspace folder holding .campaign-vault (default: the current folder)',
    '  --json          machine-readable output (errors too: one JSON line on stderr)',
    '  --accept-rollback  open the vault even though it is older than the copy last opened on this',
    '                  computer (a copy you made yourself): this copy is remembered, others still refused',
    '  -h, --help      how to use the command',
    '  -V, --version   the version',
    '',
    'Kinds: campaign, character, npc, session, location, item, spell, rulebook, asset (or plural).',
    '',
    'Environment:',
    '  CAMPAIGN_VAULT_PASSWORD      the vault password (else it is asked; required without a terminal)',
    '  CAMPAIGN_VAULT_NEW_PASSWORD  the new password for "passwd"',
    '  CAMPAIGN_VAULT_STATE_DIR     per-machine state (default $XDG_STATE_HOME/campaign-vault)',
    '  CAMPAIGN_VAULT_CACHE_DIR     the cache, thumbnails (default $XDG_CACHE_HOME/campaign-vault)',
    '  CAMPAIGN_VAULT_CACHE_MAX_MB  the size limit of that cache, 0 to 102400 (default 500)',
    '  CAMPAIGN_VAULT_CACHE_TTL_DAYS  how long a cached thumbnail is used, 1 to 3650 (default 30)',
    '  CAMPAIGN_VAULT_DEBUG=1       technical detail on stderr',
    '  CAMPAIGN_VAULT_KDF=test      TEST HOOK ONLY: weak, fast key derivation for new passwords',
    '',
    'Exit codes: 0 done, 1 failed, 2 usage, 3 wrong password, 4 not found, 5 conflict or in use,',
    '            6 invalid entry or input, 130 cancelled.',
    '',
    'Run "campaign-vault help <command>" for its options; docs/CLI.md has examples.',
    '',
  ].join('\n');
}

function commandHelp(name: string, c: Pick<Command, 'args' | 'summary'> & Partial<Pick<Command, 'help'>>): string {
  return [`Usage: campaign-vault ${name}${c.args ? ` ${c.args}` : ''} [--dir <folder>] [--json]`, '', `  ${c.summary}.`, '', ...(c.help ?? []).map((l) => `  ${l}`), ''].join('\n');
}

/** The command name (the first argument that is not an option) and the arguments around it. */
function splitCommand(argv: readonly string[]): { name?: string; rest: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a === '--dir') {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    return { name: a, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
  }
  return { rest: [...argv] };
}

export function exitCodeOf(e: unknown): number {
  if (e instanceof UsageError) return EXIT.usage;
  if (e instanceof InputError) return EXIT.invalid;
  if (e instanceof CliError || e instanceof FileInputError) return e.exitCode;
  if (e instanceof PromptCancelled) return EXIT.cancelled;
  if (e instanceof VaultError) {
    switch (e.code) {
      case 'wrong-password':
        return EXIT.wrongPassword;
      case 'not-found':
        return EXIT.notFound;
      case 'conflict':
      case 'exists':
      case 'in-use':
      case 'read-only-session':
        return EXIT.conflict;
      case 'invalid':
      case 'invalid-path':
        return EXIT.invalid;
      default:
        return EXIT.error;
    }
  }
  if (typeof (e as { code?: unknown })?.code === 'string' && (e as { code: string }).code.startsWith('ERR_PARSE_ARGS')) return EXIT.usage;
  return EXIT.error;
}

/** The one line the user sees. */
export function messageOf(e: unknown): string {
  let text = e instanceof VaultError ? cliErrorText(e) : e instanceof Error ? e.message : String(e);
  // util.parseArgs explains at length; one short sentence is enough here.
  const code = (e as { code?: unknown } | null)?.code;
  const option = /'(-[^' ]+)/.exec(text)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) text = `Unknown option ${option}.`;
  else if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option && /ambiguous/.test(text)) text = `${option} needs a value; write one that starts with "-" as ${option}=-value.`;
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

export interface Streams {
  readonly stdout: Output;
  readonly stderr: Output;
}

/** Runs one command line; resolves with the exit code. */
export async function run(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, io: Streams = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const json = argv.includes('--json');
  let name: string | undefined;
  let ctx: Context | undefined;
  let code: number = EXIT.ok;
  const fail = (e: unknown) => {
    code = exitCodeOf(e);
    let msg = messageOf(e);
    if (code === EXIT.usage && !(e instanceof UsageError && (!e.pointToHelp || /campaign-vault /.test(msg)))) msg += ` See "campaign-vault help${name && name in COMMANDS ? ` ${name}` : ''}".`;
    io.stderr.write(json ? `${JSON.stringify({ error: { code: e instanceof VaultError ? e.code : undefined, exitCode: code, message: msg, remedy: e instanceof VaultError ? e.remedy : undefined } })}\n` : `campaign-vault: ${msg}\n`);
    if (env.CAMPAIGN_VAULT_DEBUG && e instanceof Error && e.stack) io.stderr.write(`${e.stack}\n`);
  };
  try {
    const split = splitCommand(argv);
    name = split.name;
    if (name === undefined) {
      const { values } = parseArgs({ args: split.rest, options: GLOBAL_OPTIONS, strict: true, allowPositionals: false });
      if (values.version) io.stdout.write(`${VERSION}\n`);
      else if (values.help) io.stdout.write(generalHelp());
      else throw new UsageError('Give a command.');
      return code;
    }
    if (name === 'help') {
      const { positionals } = parseArgs({ args: split.rest, options: GLOBAL_OPTIONS, strict: true, allowPositionals: true });
      const topic = positionals[0];
      if (topic === undefined) io.stdout.write(generalHelp());
      else if (topic === 'help') io.stdout.write(commandHelp('help', HELP_COMMAND));
      else if (Object.hasOwn(COMMANDS, topic)) io.stdout.write(commandHelp(topic, COMMANDS[topic]!));
      else throw new UsageError(`"${topic}" is not a command.`);
      return code;
    }
    if (!Object.hasOwn(COMMANDS, name)) throw new UsageError(`"${name}" is not a command.`);
    const command = COMMANDS[name]!;
    const { values, positionals } = parseArgs({ args: split.rest, options: { ...GLOBAL_OPTIONS, ...command.options }, strict: true, allowPositionals: true });
    if (values.help) {
      io.stdout.write(commandHelp(name, command));
      return code;
    }
    if (values.version) {
      io.stdout.write(`${VERSION}\n`);
      return code;
    }
    const [min, max] = command.positionals;
    if (positionals.length < min || positionals.length > max) {
      throw new UsageError(`${positionals.length < min ? 'Missing arguments' : `Unexpected argument "${positionals[max]}"`}: campaign-vault ${name} ${command.args}`);
    }
    ctx = new Context(typeof values.dir === 'string' ? values.dir : process.cwd(), json, env, io.stdout, values['accept-rollback'] === true, io.stderr);
    code = (await command.run(ctx, values as Record<string, string | boolean | string[] | undefined>, positionals)) ?? EXIT.ok;
  } catch (e) {
    fail(e);
  } finally {
    try {
      await ctx?.close();
    } catch (e) {
      if (code === EXIT.ok) fail(e);
    }
  }
  return code;
}

if (require.main === module) {
  // `campaign-vault list … | head`: a closed pipe is not an error worth a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  void run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
