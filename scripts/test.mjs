// npm test: installs what it needs, then runs every layer and sums them up.
//   setup → lint → typecheck → build (+ tests) → package (.vsix)
//   unit (plain Node) → integration in the real extension host on VS Code 1.100.3 and 1.139.1
//   → UI tests in chromium against the installed .vsix on both versions
// Fails if any step or layer fails or a layer runs zero tests. The last line is "N passed, N failed".
// Options: --only <unit|integration|e2e> (repeatable), --vscode <minimum|newest>, --no-setup.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VERSIONS } from './lib/harness.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const results = join(root, '.test-results');
const argv = process.argv.slice(2);
const valuesOf = (flag) => argv.flatMap((a, i) => (a === flag && argv[i + 1] ? [argv[i + 1]] : []));
const only = valuesOf('--only');
const versions = valuesOf('--vscode').length ? valuesOf('--vscode') : ['minimum', 'newest'];
const wants = (layer) => only.length === 0 || only.includes(layer);
const LAYER_TIMEOUT_MS = 20 * 60_000;

const rows = [];
let passed = 0;
let failed = 0;
const started = Date.now();

function run(cmd, args, { env = {}, timeout = LAYER_TIMEOUT_MS } = {}) {
  return new Promise((res) => {
    const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
    const timer = setTimeout(() => {
      console.error(`\n✘ ${cmd} ${args.join(' ')} took longer than ${timeout / 60_000} min; stopping it`);
      child.kill('SIGKILL');
    }, timeout);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      res(code ?? (signal ? 128 : 1));
    });
  });
}

function heading(text) {
  console.log(`\n━━ ${text} ${'━'.repeat(Math.max(0, 76 - text.length))}`);
}

/** A step that is not a test layer: its failure counts as one failure. */
async function step(name, cmd, args, { fatal = false } = {}) {
  heading(name);
  const t = Date.now();
  const code = await run(cmd, args);
  const secs = ((Date.now() - t) / 1000).toFixed(1);
  if (code !== 0) {
    failed += 1;
    rows.push([name, `FAILED (exit ${code})`, secs]);
    if (fatal) finish();
    return false;
  }
  rows.push([name, 'ok', secs]);
  return true;
}

/** A test layer: reads the counts its reporter wrote; a layer that did not report or ran nothing fails. */
async function layer(name, cmd, args, env = {}) {
  heading(name);
  const file = join(results, `${name.replace(/[^\w.-]+/g, '_')}.json`);
  rmSync(file, { force: true });
  const t = Date.now();
  const code = await run(cmd, args, { env: { ...env, CV_RESULTS_FILE: file } });
  const secs = ((Date.now() - t) / 1000).toFixed(1);
  if (!existsSync(file)) {
    failed += 1;
    rows.push([name, `FAILED: no results (exit ${code})`, secs]);
    return;
  }
  const r = JSON.parse(readFileSync(file, 'utf8'));
  let f = r.failed;
  let note = '';
  if (r.passed + r.failed === 0) {
    f += 1;
    note = ' — ran zero tests';
  } else if (code !== 0 && r.failed === 0) {
    f += 1;
    note = ` — exited ${code}`;
  }
  passed += r.passed;
  failed += f;
  rows.push([name, `${r.passed} passed, ${f} failed${note}`, secs]);
}

function finish() {
  heading('Summary');
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [name, outcome, secs] of rows) console.log(`${name.padEnd(w)}  ${outcome}  (${secs} s)`);
  console.log(`total time ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 || passed === 0 ? 1 : 0);
}

mkdirSync(results, { recursive: true });
const needsVsCode = wants('integration') || wants('e2e');
if (!argv.includes('--no-setup')) {
  await step('setup', 'bash', [join(root, 'scripts/setup.sh'), ...(needsVsCode ? [] : ['--no-code-server'])], { fatal: true });
}
if (only.length === 0) {
  await step('lint', process.execPath, [join(root, 'node_modules/eslint/bin/eslint.js'), '.']);
  await step('typecheck', process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', '.']);
}
await step('build', process.execPath, [join(root, 'esbuild.mjs'), '--tests'], { fatal: true });
const vsix = join(results, 'campaign-vault.vsix');
if (wants('e2e') || wants('integration')) {
  await step('package', process.execPath, [join(root, 'scripts/package.mjs'), '--out', vsix], { fatal: true });
}

if (wants('unit')) await layer('unit', process.execPath, [join(root, 'out/test/unit/index.js')]);

if (wants('integration')) {
  for (const which of versions) {
    const runDir = join(results, `integration-${which}`);
    rmSync(runDir, { recursive: true, force: true });
    const workspace = join(runDir, 'workspace');
    cpSync(join(root, 'test/fixtures/sample-campaign'), workspace, { recursive: true });
    await layer(`integration (VS Code ${VERSIONS[which].vscode})`, process.execPath, [join(root, 'scripts/run-integration.mjs'), workspace, runDir], {
      CV_VSCODE: which,
    });
  }
}

if (wants('e2e')) {
  for (const which of versions) {
    await layer(`ui (VS Code ${VERSIONS[which].vscode})`, process.execPath, [join(root, 'out/test/e2e/index.js')], {
      CV_VSCODE: which,
      CV_VSIX: vsix,
      CV_RUN_DIR: join(results, `e2e-${which}`),
      CV_SCREENSHOTS: join(results, 'screenshots'),
    });
  }
}
finish();
