import { join } from 'node:path';
import { run } from '../../src/cli/main';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `campaign-vault --dir <folder> …args` in this process with only the given environment (and
 * the fast test KDF), its per-machine state kept in `<scratch>/state`.
 */
export async function runCli(folder: string, args: readonly string[], env: Record<string, string>, scratch: string): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await run(['--dir', folder, ...args], { CAMPAIGN_VAULT_KDF: 'test', CAMPAIGN_VAULT_STATE_DIR: join(scratch, 'state'), ...env }, {
    stdout: { write: (t) => void (stdout += t) },
    stderr: { write: (t) => void (stderr += t) },
  });
  return { code, stdout, stderr };
}
