/**
 * Mocha's spec reporter, plus a JSON summary written at the end to $CV_RESULTS_FILE, so the test
 * orchestrator (scripts/test.mjs) can sum passes and failures across layers and processes —
 * including the ones inside the VS Code extension host.
 */
import Mocha from 'mocha';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export default class CountingReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    const failures: { title: string; error: string }[] = [];
    runner.on('fail', (test, err: Error) => failures.push({ title: test.fullTitle(), error: String(err?.message ?? err) }));
    runner.once('end', () => {
      const file = process.env.CV_RESULTS_FILE;
      if (!file) return;
      const stats = runner.stats ?? { passes: 0, failures: 0, pending: 0 };
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify({ passed: stats.passes, failed: stats.failures, pending: stats.pending, failures }, null, 2));
    });
  }
}
