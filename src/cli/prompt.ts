// Passwords: from the environment (scripts, CI) or typed at the terminal without echo.
import { UsageError } from './values';

/** Ctrl-C at a prompt: exit code 130, nothing was done. */
export class PromptCancelled extends Error {
  override readonly name = 'PromptCancelled';
}

export interface Terminal {
  readonly stdin: NodeJS.ReadStream;
  readonly stderr: NodeJS.WriteStream;
}

const processTerminal = (): Terminal => ({ stdin: process.stdin, stderr: process.stderr });

/** Reads one line from the terminal without showing what is typed. */
export function promptHidden(question: string, term: Terminal = processTerminal()): Promise<string> {
  const { stdin, stderr } = term;
  stderr.write(question);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    let escape = false;
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (escape) {
          // Skip an escape sequence (arrow keys …): ESC [ parameters final-letter.
          if (/[A-Za-z~]/.test(ch)) escape = false;
          continue;
        }
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          finish();
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          finish();
          reject(new PromptCancelled('Cancelled. Nothing was changed.'));
          return;
        }
        if (ch === '\u001b') escape = true;
        else if (ch === '\u007f' || ch === '\b') value = Array.from(value).slice(0, -1).join('');
        else if (ch === '\u0015') value = '';
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

function noTerminal(variable: string): UsageError {
  return new UsageError(`No password: set ${variable} or run this in a terminal.`, false);
}

/** The password of the vault: $CAMPAIGN_VAULT_PASSWORD, else asked once. */
export async function currentPassword(env: NodeJS.ProcessEnv, prompt = 'Password: '): Promise<string> {
  const fromEnv = env.CAMPAIGN_VAULT_PASSWORD;
  if (fromEnv !== undefined) return fromEnv;
  if (!process.stdin.isTTY) throw noTerminal('CAMPAIGN_VAULT_PASSWORD');
  return promptHidden(prompt);
}

/** A password to set: from `variable`, else asked twice. Never empty. */
export async function newPassword(env: NodeJS.ProcessEnv, variable: string, what = 'password'): Promise<string> {
  const fromEnv = env[variable];
  let password: string;
  if (fromEnv !== undefined) password = fromEnv;
  else {
    if (!process.stdin.isTTY) throw noTerminal(variable);
    password = await promptHidden(`New ${what}: `);
    if (password.length > 0 && (await promptHidden(`Repeat the new ${what}: `)) !== password) {
      throw new UsageError('The two passwords differ. Nothing was changed.', false);
    }
  }
  if (password.length === 0) throw new UsageError('The password must not be empty. Nothing was changed.', false);
  return password;
}
