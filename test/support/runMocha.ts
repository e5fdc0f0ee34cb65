import Mocha from 'mocha';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import CountingReporter from './reporter';

function testFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? testFiles(path) : name.endsWith('.test.js') ? [path] : [];
    });
}

/**
 * Runs every *.test.js under `dir` (recursively) with mocha; resolves with the number of failures.
 * While iterating, `CV_TEST_GREP=<pattern>` runs only the tests whose full title matches.
 */
export function runMocha(dir: string, options: Mocha.MochaOptions = {}): Promise<number> {
  const grep = process.env.CV_TEST_GREP;
  const mocha = new Mocha({ ui: 'bdd', color: process.stdout.isTTY ?? false, timeout: 30_000, ...options, ...(grep ? { grep } : {}), reporter: CountingReporter });
  for (const file of testFiles(dir)) mocha.addFile(file);
  return new Promise((resolve) => mocha.run(resolve));
}
