import * as assert from 'node:assert/strict';
import { checkAfterCrash, copyBase, makeBase, runWorker, startWorker } from '../crash/harness';
import { deterministic, emptyReport, randomKills } from '../crash/soak';

/**
 * A share of the crash suite on every run (the full one: `npm run crash`). Child processes are
 * killed with SIGKILL in the middle of every file operation of a commit, a checkpoint, a
 * migration, a password change and a key rotation, and at random moments while writing.
 */
describe('crash safety: processes killed mid-write', function () {
  this.timeout(15 * 60_000);

  for (const scenario of ['writes', 'migration', 'password', 'rotate'] as const) {
    it(`killed at every file operation (${scenario}): the vault opens with every acknowledged write`, async () => {
      const report = emptyReport();
      await deterministic(scenario, report);
      // A password change is one header write and one audit record; the others have many more.
      assert.ok(report.crashPoints >= (scenario === 'password' ? 2 : 5), `only ${report.crashPoints} crash points`);
      assert.deepEqual(report.lostOrBroken, []);
      assert.equal(report.crashPointsSurvived, report.crashPoints);
    });
  }

  it('two processes on one vault: one writer, the other read-only; the lock of a killed writer is taken over', async () => {
    const base = await makeBase();
    const run = copyBase(base);
    try {
      const writer = await startWorker(run.dir, run.stateDir, '\nACK ');
      const second = await runWorker(run.dir, run.stateDir, 'writes', 0);
      assert.match(second.output, /^READONLY \d+ read-only-session .*in use by crash worker \(process \d+/m);
      const first = await writer.kill();
      assert.ok(first.acked.length > 0);
      // The writer died holding the lock: the next process takes it over and writes.
      const third = await runWorker(run.dir, run.stateDir, 'writes', 0, undefined, 3);
      assert.ok(third.done, third.output.slice(-500));
      assert.equal(await checkAfterCrash(run, 'writes', { ...first, acked: [...first.acked, ...third.acked] }), undefined);
    } finally {
      run.dispose();
      base.dispose();
    }
  });

  it('killed at random moments: nothing acknowledged is lost', async () => {
    const runs = Number(process.env.CV_CRASH_RUNS ?? 200);
    const report = emptyReport();
    await randomKills(runs, 300, report, 42);
    assert.equal(report.randomKills, runs);
    assert.ok(report.acknowledgedWrites > runs, `too few writes acknowledged (${report.acknowledgedWrites}) for the kills to mean anything`);
    assert.deepEqual(report.lostOrBroken, []);
  });
});
