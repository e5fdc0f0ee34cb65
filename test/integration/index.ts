/**
 * Entry point VS Code loads as `extensionTestsPath`: runs every *.test.js under this folder with
 * mocha inside the real extension host.
 */
import { runMocha } from '../support/runMocha';

export async function run(): Promise<void> {
  const failures = await runMocha(__dirname, { color: false });
  if (failures > 0) throw new Error(`${failures} integration test(s) failed`);
}
