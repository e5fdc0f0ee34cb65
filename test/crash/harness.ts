import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataManager } from '../../src/core/api';
import { MIGRATIONS } from '../../src/core/db/migrations';
import { isVaultError } from '../../src/core/errors';
import { NEW_PASSWORD, PASSWORD, crashManager } from './worker';

export type Scenario = 'writes' | 'migration' | 'password' | 'rotate';

// Bundled into out/test/unit or out/test/crash: both reach the worker this way.
const WORKER = join(__dirname, '..', 'crash', 'worker.js');

export interface RunResult {
  readonly acked: string[];
  readonly done: boolean;
  readonly operations?: number;
  readonly killed: boolean;
  readonly output: string;
}

/** Runs the worker on `dir`; kills it with SIGKILL after `killAfterMs` (if given) once it is READY. */
export function runWorker(dir: string, stateDir: string, scenario: Scenario, killAt: number, killAfterMs?: number, count = 40): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, dir, stateDir, scenario, String(killAt), String(count)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      // The clock starts at the first acknowledged write, so every kill lands among writes.
      if (killAfterMs !== undefined && !timer && out.includes('\nACK ')) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const lines = out.split('\n');
      const acked = lines.filter((l) => l.startsWith('ACK ')).map((l) => l.slice(4));
      const doneLine = lines.find((l) => l.startsWith('DONE '));
      if (code !== null && code !== 0) return reject(new Error(`worker exited ${code}: ${out.slice(-2000)}`));
      resolve({ acked, done: doneLine !== undefined, ...(doneLine ? { operations: Number(doneLine.slice(5)) } : {}), killed: signal === 'SIGKILL', output: out });
    });
  });
}

/** Starts a worker and resolves once it printed `line` (it keeps running). */
export function startWorker(dir: string, stateDir: string, waitFor: string, count = 100000): Promise<{ kill(): Promise<RunResult> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, dir, stateDir, 'writes', '0', String(count)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let started = false;
    const closed = new Promise<RunResult>((done) =>
      child.on('close', (_code, signal) => {
        const acked = out.split('\n').filter((l) => l.startsWith('ACK ')).map((l) => l.slice(4));
        done({ acked, done: out.includes('DONE '), killed: signal === 'SIGKILL', output: out });
      }),
    );
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!started && out.includes(waitFor)) {
        started = true;
        resolve({
          kill: () => {
            child.kill('SIGKILL');
            return closed;
          },
        });
      }
    });
    child.on('error', reject);
    void closed.then((r) => {
      if (!started) reject(new Error(`worker ended before ${waitFor}: ${r.output.slice(-1000)}`));
    });
  });
}

export interface Base {
  readonly dir: string;
  readonly stateDir: string;
  dispose(): void;
}

/** A vault with one campaign, made in this process; `schema` 1 leaves migration 2 pending. */
export async function makeBase(schema: number = MIGRATIONS.length): Promise<Base> {
  const root = mkdtempSync(join(tmpdir(), 'cv-crash-base-'));
  const dir = join(root, 'vault');
  const stateDir = join(root, 'state');
  const { dm } = crashManager(dir, stateDir, 0, MIGRATIONS.slice(0, schema));
  await dm.createVault(PASSWORD);
  await dm.createCampaign({ name: 'Crash Campaign' });
  await dm.lock();
  return { dir, stateDir, dispose: () => rmSync(root, { recursive: true, force: true }) };
}

export function copyBase(base: Base): Base {
  const root = mkdtempSync(join(tmpdir(), 'cv-crash-run-'));
  const dir = join(root, 'vault');
  const stateDir = join(root, 'state');
  cpSync(base.dir, dir, { recursive: true });
  cpSync(base.stateDir, stateDir, { recursive: true });
  return { dir, stateDir, dispose: () => rmSync(root, { recursive: true, force: true }) };
}

/**
 * Opens the vault after a crash (in this process) and checks it: it opens, every acknowledged
 * write is there, at most the one in-flight write beyond them, the audit chain verifies.
 * Returns a description of what is wrong, or undefined.
 */
export async function checkAfterCrash(run: Base, scenario: Scenario, result: RunResult): Promise<string | undefined> {
  const { dm } = crashManager(run.dir, run.stateDir, 0);
  try {
    if (scenario === 'password' && result.acked.includes('password')) await dm.unlock(NEW_PASSWORD);
    else await unlockEither(dm);
  } catch (e) {
    return `vault does not open: ${String(e)}`;
  }
  try {
    const npcs = new Set((await dm.listNpcs()).map((n) => n.name));
    const ackedNpcs = result.acked.filter((a) => a.startsWith('npc-'));
    for (const a of ackedNpcs) if (!npcs.has(a)) return `acknowledged ${a} lost`;
    const extra = [...npcs].filter((n) => !ackedNpcs.includes(n));
    if (extra.length > 1) return `more than one unacknowledged write present: ${extra.join(', ')}`;
    const lastDesc = result.acked.filter((a) => a.startsWith('desc ')).at(-1);
    if (lastDesc) {
      const c = (await dm.listCampaigns())[0]!;
      const desc = String(c.description ?? '');
      // The stored description is the last acknowledged one or the in-flight one after it.
      if (desc !== lastDesc.slice(5) && !(desc > lastDesc.slice(5))) return `campaign description rolled back to ${desc}`;
    }
    const status = await dm.migrationStatus();
    if (status.current !== status.latest) return `schema ${status.current} after reopen, expected ${status.latest}`;
    const audit = await dm.verifyAudit();
    if (!audit.ok) return `audit chain: ${audit.problems[0]?.problem}`;
    if (scenario === 'rotate') {
      const header = (dm as unknown as { services: { session: { current: { store: { currentHeader: { rotation?: unknown; dataKeys: unknown[] } } } } } }).services.session.current.store.currentHeader;
      if (header.rotation || header.dataKeys.length !== 1) return 'key rotation not finished on reopen';
    }
    return undefined;
  } finally {
    await dm.lock();
  }
}

async function unlockEither(dm: DataManager): Promise<void> {
  try {
    await dm.unlock(PASSWORD);
  } catch (e) {
    if (!isVaultError(e, 'wrong-password')) throw e;
    // An unacknowledged password change may or may not have landed: either password is fine.
    await dm.unlock(NEW_PASSWORD);
  }
}

