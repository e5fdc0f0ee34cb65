#!/usr/bin/env node
// A stand-in for the VS Code executable, for @vscode/test-electron's runTests({ vscodeExecutablePath }).
// VS Code's own download is impossible on these machines, so this accepts the flags runTests passes
// (--extensionTestsPath, --extensionDevelopmentPath, --user-data-dir, --extensions-dir, a folder),
// serves the real workbench with code-server, opens it in Debian's chromium with the test payload —
// the way VS Code runs its own browser integration tests — forwards the extension host's output,
// and exits with the tests' exit code. CV_VSCODE=newest|minimum picks the VS Code version.
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { format } from 'node:util';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeServer, launchBrowser, prepareRunDir, startCodeServer } from './lib/harness.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TIMEOUT_MS = Number(process.env.CV_TEST_TIMEOUT_MS ?? 10 * 60_000);

function parseArgs(argv) {
  const opts = { positional: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (!m) {
      opts.positional.push(a);
      continue;
    }
    const [, key, inline] = m;
    if (['extensionTestsPath', 'extensionDevelopmentPath', 'user-data-dir', 'extensions-dir'].includes(key)) {
      opts[key] = inline ?? argv[++i];
    }
    // Other flags (--no-sandbox, --disable-updates, --skip-welcome …) mean nothing to code-server.
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
if (!opts.extensionTestsPath || !opts.extensionDevelopmentPath) {
  console.error('code-standin: --extensionTestsPath and --extensionDevelopmentPath are required');
  process.exit(2);
}
const cs = codeServer(root, process.env.CV_VSCODE ?? 'newest');
const runDir = opts['user-data-dir'] ? dirname(resolve(opts['user-data-dir'])) : mkdtempSync(join(tmpdir(), 'cv-standin-'));
const run = prepareRunDir(runDir, { userDataDir: opts['user-data-dir'], extensionsDir: opts['extensions-dir'] });
const folder = opts.positional[0] ? resolve(opts.positional[0]) : undefined;
// The workbench's own log (what VS Code's renderer logs), also in a file the tests can read: they
// check what VS Code writes there (a desktop VS Code keeps it on disk, in its logs folder).
const workbenchLog = join(runDir, 'workbench.log');
writeFileSync(workbenchLog, '');
run.env.CV_WORKBENCH_LOG = workbenchLog;

// Newer builds ignore the test payload unless the smoke-test driver is enabled; 4.100.3 has no
// --vscode-option and needs nothing.
const extraArgs = cs.which === 'newest' ? ['--vscode-option', 'enable-smoke-test-driver'] : [];
const server = await startCodeServer(cs, run, { folder, extraArgs, log: (s) => process.env.CV_DEBUG && process.stderr.write(s) });
let browser;
let code = 1;
try {
  browser = await launchBrowser(run);
  const page = browser.pages()[0] ?? (await browser.newPage());
  const done = new Promise((res) => {
    page.exposeFunction('codeAutomationLog', (type, args) => {
      const text = format(...(Array.isArray(args) ? args : [args]));
      (type === 'error' ? process.stderr : process.stdout).write(`${text}\n`);
      appendFileSync(workbenchLog, `${type}: ${text}\n`);
    });
    page.exposeFunction('codeAutomationExit', (exitCode) => res(Number(exitCode)));
  });
  const remote = (p) => `vscode-remote://remote${resolve(p)}`;
  const payload = [
    ['extensionDevelopmentPath', remote(opts.extensionDevelopmentPath)],
    ['extensionTestsPath', remote(opts.extensionTestsPath)],
  ];
  const url = new URL(server.url);
  if (folder) url.searchParams.set('folder', folder);
  url.searchParams.set('payload', JSON.stringify(payload));
  page.on('pageerror', (e) => process.env.CV_DEBUG && process.stderr.write(`[page] ${e}\n`));
  await page.goto(url.href);
  const timeout = new Promise((res) => setTimeout(() => res('timeout'), TIMEOUT_MS).unref());
  const result = await Promise.race([done, timeout, server.exited.then(() => 'server-exited')]);
  if (result === 'timeout') console.error(`code-standin: the tests did not finish within ${TIMEOUT_MS / 1000} s`);
  else if (result === 'server-exited') console.error(`code-standin: code-server exited early:\n${server.output()}`);
  else code = result;
} catch (e) {
  console.error(`code-standin: ${e?.stack ?? e}`);
} finally {
  await browser?.close().catch(() => undefined);
  await server.stop();
}
process.exit(code);
