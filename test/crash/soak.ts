/**
 * The crash suite: `npm run crash -- [--runs N] [--max-kill-ms M]` (thousands of runs); the unit
 * layer runs a smaller share of it on every `npm test` (test/unit/crash.test.ts).
 *
 * 1. Deterministic: for each scenario, a full run counts the file operations; then for every k
 *    the worker is killed (SIGKILL) in the middle of operation k and the vault is checked.
 * 2. Random: the worker is killed at a random moment while it writes.
 */
import { checkAfterCrash, copyBase, makeBase, runWorker, type Base, type Scenario } from './harness';

export interface SoakReport {
  crashPoints: number;
  crashPointsSurvived: number;
  randomKills: number;
  acknowledgedWrites: number;
  lostOrBroken: string[];
}

export async function deterministic(scenario: Scenario, report: SoakReport): Promise<void> {
  const base = await makeBase(scenario === 'migration' ? 1 : undefined);
  try {
    const full = copyBase(base);
    const reference = await runWorker(full.dir, full.stateDir, scenario, 0, undefined, scenario === 'writes' ? 10 : 3);
    full.dispose();
    if (!reference.done || !reference.operations) throw new Error(`reference run did not finish: ${reference.output.slice(-500)}`);
    for (let k = 1; k <= reference.operations; k++) {
      const run = copyBase(base);
      try {
        const result = await runWorker(run.dir, run.stateDir, scenario, k, undefined, scenario === 'writes' ? 10 : 3);
        report.crashPoints += 1;
        report.acknowledgedWrites += result.acked.length;
        const problem = await checkAfterCrash(run, scenario, result);
        if (problem) report.lostOrBroken.push(`${scenario} op ${k}/${reference.operations}: ${problem}`);
        else report.crashPointsSurvived += 1;
      } finally {
        run.dispose();
      }
    }
  } finally {
    base.dispose();
  }
}

export async function randomKills(runs: number, maxKillMs: number, report: SoakReport, seed = 1): Promise<void> {
  const base: Base = await makeBase();
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  try {
    for (let i = 0; i < runs; i++) {
      const run = copyBase(base);
      try {
        const result = await runWorker(run.dir, run.stateDir, 'writes', 0, Math.floor(next() * maxKillMs), 400);
        report.randomKills += 1;
        report.acknowledgedWrites += result.acked.length;
        const problem = await checkAfterCrash(run, 'writes', result);
        if (problem) report.lostOrBroken.push(`random kill ${i}: ${problem}`);
      } finally {
        run.dispose();
      }
    }
  } finally {
    base.dispose();
  }
}

export function emptyReport(): SoakReport {
  return { crashPoints: 0, crashPointsSurvived: 0, randomKills: 0, acknowledgedWrites: 0, lostOrBroken: [] };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string, dflt: number) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : dflt;
  };
  const runs = opt('--runs', 2000);
  const maxKillMs = opt('--max-kill-ms', 400);
  const report = emptyReport();
  const started = Date.now();
  for (const s of ['writes', 'migration', 'password', 'rotate'] as const) {
    await deterministic(s, report);
    console.log(`deterministic ${s}: ${report.crashPointsSurvived}/${report.crashPoints} crash points survived so far`);
  }
  for (let done = 0; done < runs; done += 100) {
    await randomKills(Math.min(100, runs - done), maxKillMs, report, done + 1);
    console.log(`random kills: ${report.randomKills}/${runs}, problems ${report.lostOrBroken.length}`);
  }
  console.log(JSON.stringify({ ...report, seconds: Math.round((Date.now() - started) / 1000) }, null, 2));
  process.exit(report.lostOrBroken.length === 0 ? 0 : 1);
}

if (require.main === module) void main();
