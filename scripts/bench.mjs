// npm run bench: our vault against native SQLite with SQLCipher, ciphers, sealing, unlock.
//   1. installs the reference (bench/package.json: better-sqlite3-multiple-ciphers, built from
//      source by node-gyp when no prebuilt binary can be fetched) into bench/node_modules, only
//      when missing or when bench/package-lock.json changed — never part of `npm ci` or CI;
//      if it cannot be built, falls back to plain better-sqlite3 and says so loudly
//   2. bundles bench/main.ts with esbuild into out/bench/main.js
//   3. runs it: the table on stdout, .bench-results/bench-<date>.json, docs/BENCHMARKS.md
// Flags (passed on): --sizes 1000,10000,100000 · --quick (1k and 10k, fewer samples) · --seed N ·
// --docs / --no-docs · --keep (keep the temporary vaults) · --tmp DIR (where they go) ·
// --skip big,ciphers,backup,thumbnails,rulebooks,cache (leave out the 100 MB vault, the cipher measurements, the
// thumbnails, the rulebooks' indexing and search, the cache — a gallery of 200 assets from it, the hit rate on a
// game master's evening, peak memory — and/or the backup comparison). The backup comparison runs restic and `tar | zstd -3` beside our backups: when
// either is missing they are installed from Debian (`apt-get install -y restic zstd`, as root);
// if that fails, the reference columns are left empty and the run says so loudly.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { zstdModuleExternal } from './lib/zstdModule.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = join(root, 'bench');
const stamp = join(benchDir, 'node_modules', '.campaign-vault-bench-stamp');
const argv = process.argv.slice(2);
const say = (s) => console.error(`[bench] ${s}`);

/**
 * The outer `npm run` leaves its lifecycle environment behind (npm_config_*, npm_lifecycle_*,
 * NODE, INIT_CWD); a nested npm would take it for its own configuration. Keep only what says how
 * to reach the registry (as scripts/setup.sh does).
 */
function cleanEnv() {
  const keep = new Set(['npm_config_registry', 'npm_config_cafile', 'npm_config_proxy', 'npm_config_https_proxy', 'npm_config_noproxy', 'npm_config_strict_ssl']);
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !(/^(npm_|NODE$|INIT_CWD$)/.test(k) && !keep.has(k))));
}

function npm(args) {
  say(`npm ${args.join(' ')}`);
  const r = spawnSync('npm', args, { cwd: root, stdio: 'inherit', env: cleanEnv() });
  return r.status === 0;
}

/** Whether `name` loads from bench/node_modules (its native addon included), in a fresh process. */
function loads(name) {
  const code = `const D = require(${JSON.stringify(name)}); new D(':memory:').prepare('select 1').get();`;
  const r = spawnSync(process.execPath, ['-e', code], { cwd: benchDir, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) say(`${name} does not load: ${(r.stderr || '').trim().split('\n').slice(0, 3).join(' / ')}`);
  return r.status === 0;
}

function lockHash() {
  return createHash('sha256').update(readFileSync(join(benchDir, 'package-lock.json'))).update(process.version).digest('hex');
}

function ensureReference() {
  const want = lockHash();
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want && loads('better-sqlite3-multiple-ciphers')) return;
  say('installing the reference database into bench/node_modules (SQLCipher builds from source: about 2 minutes)');
  const common = ['--prefix', benchDir, '--no-audit', '--no-fund'];
  let ok = npm(['ci', ...common]) && loads('better-sqlite3-multiple-ciphers');
  if (!ok) ok = npm(['install', ...common, '--build-from-source']) && loads('better-sqlite3-multiple-ciphers');
  if (ok) {
    writeFileSync(stamp, want);
    return;
  }
  console.error(
    [
      '',
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
      '!! better-sqlite3-multiple-ciphers (SQLCipher) could not be built here.               !!',
      '!! Falling back to plain better-sqlite3: the reference runs WITHOUT ENCRYPTION, so    !!',
      '!! every ratio flatters it. The table and docs/BENCHMARKS.md say so too.              !!',
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
      '',
    ].join('\n'),
  );
  if (!(npm(['install', ...common, '--no-save', '--no-package-lock', 'better-sqlite3@12']) && loads('better-sqlite3'))) {
    say('plain better-sqlite3 could not be installed either; no reference to compare with');
    process.exit(1);
  }
}

/** Whether `cmd` runs here (restic and zstd both answer `version`/`--version`). */
function runs(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return r.status === 0;
}

/**
 * The backup comparison's references are Debian's restic and zstd, run as programs on the same
 * data. Installed only when missing and only when the backup section runs; never part of CI.
 */
function ensureBackupTools() {
  const skipped = argv.some((a, i) => argv[i - 1] === '--skip' && a.split(',').map((s) => s.trim()).includes('backup'));
  if (skipped || argv.includes('--render')) return;
  const missing = () => [['restic', ['version']], ['zstd', ['--version']]].filter(([c, a]) => !runs(c, a)).map(([c]) => c);
  if (missing().length === 0) return;
  say(`${missing().join(' and ')} missing: apt-get update && apt-get install -y restic zstd`);
  const apt = (args) => spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
  const ok = apt(['update']) && apt(['install', '-y', '--no-install-recommends', 'restic', 'zstd']);
  const still = missing();
  if (ok && still.length === 0) return;
  console.error(
    [
      '',
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
      `!! ${`${still.join(' and ')} could not be installed (apt-get needs root and Debian's archive).`.padEnd(81)} !!`,
      '!! The backup comparison runs WITHOUT those references: their columns stay empty  !!',
      '!! and the floors that need them are reported as not measured.                     !!',
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
      '',
    ].join('\n'),
  );
}

async function build() {
  // The extension's bundles (dist/): the thumbnail bench runs dist/thumbnail-worker.js.
  const dist = spawnSync(process.execPath, [join(root, 'esbuild.mjs')], { cwd: root, stdio: 'inherit' });
  if (dist.status !== 0) process.exit(dist.status ?? 1);
  await esbuild.build({
    entryPoints: { main: join(benchDir, 'main.ts') },
    outdir: join(root, 'out', 'bench'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    // Packages load from node_modules (sql.js finds its wasm there); the reference is required
    // from bench/node_modules by path at run time.
    packages: 'external',
    plugins: [zstdModuleExternal()],
    logLevel: 'warning',
  });
}

if (argv.includes('--help')) {
  console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).map((l) => l.slice(3)).join('\n'));
  process.exit(0);
}
ensureReference();
ensureBackupTools();
await build();
const run = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', join(root, 'out', 'bench', 'main.js'), '--root', root, ...argv], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
