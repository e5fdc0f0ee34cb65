// Runs the integration tests inside the real extension host through @vscode/test-electron, with
// scripts/code-standin.mjs standing in for the VS Code executable (see docs/TESTING.md).
// Usage: node scripts/run-integration.mjs <workspace folder> <run folder>   (CV_VSCODE picks the version)
import { runTests } from '@vscode/test-electron';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const [workspace, runDir] = process.argv.slice(2).map((p) => resolve(p));
try {
  await runTests({
    vscodeExecutablePath: join(root, 'scripts/code-standin.mjs'),
    extensionDevelopmentPath: root,
    extensionTestsPath: join(root, 'out/test/integration/index.js'),
    launchArgs: [workspace, `--user-data-dir=${join(runDir, 'user-data')}`, `--extensions-dir=${join(runDir, 'extensions')}`],
  });
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
}
