// Builds the extension (Node, CommonJS, `vscode` external, sql.js's wasm copied beside it), the
// command-line tool (src/cli/main.ts → dist/cli.js), one
// browser bundle per webview (src/webview/<name>/main.ts → dist/webview/<name>.js) and, with
// --tests, the test suites (test/**/*.test.ts → out/test/**). Flags: --watch, --production, --tests.
import * as esbuild from 'esbuild';
import { writeNotices } from './scripts/lib/notices.mjs';
import { zstdModuleExternal } from './scripts/lib/zstdModule.mjs';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const args = new Set(process.argv.slice(2));
const production = args.has('--production');
const watch = args.has('--watch');
const tests = args.has('--tests');

/** Every file under `dir` (recursively) whose name passes `keep`. */
function walk(dir, keep) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path, keep) : keep(name) ? [path] : [];
  });
}

/** Logs each rebuild's outcome in watch mode, like the problem matcher of esbuild-sample. */
const reportPlugin = (label) => ({
  name: 'report',
  setup(build) {
    build.onEnd((result) => {
      for (const e of result.errors) console.error(`✘ [${label}] ${e.text} ${e.location ? `${e.location.file}:${e.location.line}` : ''}`);
      if (watch) console.log(`[watch] ${label} built with ${result.errors.length} error(s)`);
    });
  },
});

const common = {
  bundle: true,
  // The inputs say which npm packages are in dist/ (THIRD-PARTY-NOTICES.txt).
  metafile: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  sourcesContent: false,
  logLevel: 'warning',
  legalComments: 'none',
};

const contexts = [];

rmSync(join(root, 'dist'), { recursive: true, force: true });
mkdirSync(join(root, 'dist'), { recursive: true });
/** Files of npm packages copied into dist/ as they are (their licences go in the notices too). */
const copied = ['node_modules/sql.js/dist/sql-wasm.wasm', 'node_modules/@bokuweb/zstd-wasm/dist/common/zstd.wasm', 'node_modules/pdfjs-dist/build/pdf.worker.mjs'];
copyFileSync(join(root, 'node_modules/sql.js/dist/sql-wasm.wasm'), join(root, 'dist/sql-wasm.wasm'));
// zstd for backups (@bokuweb/zstd-wasm reads zstd.wasm from beside the code that loads it).
copyFileSync(join(root, 'node_modules/@bokuweb/zstd-wasm/dist/common/zstd.wasm'), join(root, 'dist/zstd.wasm'));

contexts.push(
  await esbuild.context({
    ...common,
    // segment-worker: the worker thread that compresses backup segments (src/node/segmentWorkers.ts).
    entryPoints: { extension: join(root, 'src/vscode/extension.ts'), 'segment-worker': join(root, 'src/node/segmentWorker.ts') },
    outdir: join(root, 'dist'),
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    plugins: [reportPlugin('extension')],
  }),
);

// pdf-text-worker: the worker thread that reads rulebook PDFs with pdf.js (src/node/pdfText.ts).
// `import.meta.url` is left undefined on purpose: pdf.js then cannot `require` the optional native
// @napi-rs/canvas (never needed for text, never shipped); src/node/pdfPolyfill.ts stands in for it.
contexts.push(
  await esbuild.context({
    ...common,
    entryPoints: { 'pdf-text-worker': join(root, 'src/node/pdfTextWorker.ts') },
    outdir: join(root, 'dist'),
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    define: { 'import.meta.url': 'undefined' },
    plugins: [reportPlugin('pdf-text-worker')],
  }),
);

// thumbnail-worker: the worker thread that draws thumbnails (src/node/thumbnails.ts) with the
// @jsquash wasm codecs, whose .wasm files go beside it (it compiles them itself; nothing is fetched).
for (const [name, from] of Object.entries({
  'thumb-png.wasm': '@jsquash/png/codec/pkg/squoosh_png_bg.wasm',
  'thumb-jpeg-dec.wasm': '@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm',
  'thumb-webp-dec.wasm': '@jsquash/webp/codec/dec/webp_dec.wasm',
  'thumb-webp-enc.wasm': '@jsquash/webp/codec/enc/webp_enc_simd.wasm',
})) {
  copyFileSync(join(root, 'node_modules', from), join(root, 'dist', name));
  copied.push(join('node_modules', from));
}
contexts.push(
  await esbuild.context({
    ...common,
    entryPoints: { 'thumbnail-worker': join(root, 'src/node/thumbnailWorker.ts') },
    outdir: join(root, 'dist'),
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // The codecs' glue builds URLs from import.meta.url when it loads (never fetched: the worker
    // hands each codec its compiled module); in this CommonJS bundle it is the bundle's own URL.
    define: { 'import.meta.url': '__cvModuleUrl' },
    banner: { js: 'var __cvModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
    plugins: [reportPlugin('thumbnail-worker')],
  }),
);

// The command-line tool (src/cli → dist/cli.js, package.json's "bin"); it finds the wasm beside it.
contexts.push(
  await esbuild.context({
    ...common,
    entryPoints: { cli: join(root, 'src/cli/main.ts') },
    outdir: join(root, 'dist'),
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    define: { __CV_VERSION__: JSON.stringify(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version) },
    plugins: [reportPlugin('cli')],
  }),
);

const webviews = existsSync(join(root, 'src/webview'))
  ? readdirSync(join(root, 'src/webview')).filter((name) => existsSync(join(root, 'src/webview', name, 'main.ts')))
  : [];
if (webviews.length > 0) {
  contexts.push(
    await esbuild.context({
      ...common,
      entryPoints: Object.fromEntries(webviews.map((name) => [name, join(root, 'src/webview', name, 'main.ts')])),
      outdir: join(root, 'dist/webview'),
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      // pdf.js (the rulebook viewer) reads import.meta.url only on Node; in a webview it stays undefined.
      define: { 'import.meta.url': 'undefined' },
      plugins: [reportPlugin('webviews')],
    }),
  );
}

// pdf.js's worker for the rulebook viewer: shipped as is, started by the webview from a blob: URL.
if (webviews.includes('rulebook')) {
  mkdirSync(join(root, 'dist/webview'), { recursive: true });
  copyFileSync(join(root, `node_modules/pdfjs-dist/build/pdf.worker${production ? '.min' : ''}.mjs`), join(root, 'dist/webview/pdf.worker.mjs'));
}

if (tests) {
  rmSync(join(root, 'out'), { recursive: true, force: true });
  const entries = walk(join(root, 'test'), (n) => n.endsWith('.ts') && !n.endsWith('.d.ts')).filter(
    (p) => !relative(root, p).startsWith(join('test', 'fixtures')),
  );
  contexts.push(
    await esbuild.context({
      ...common,
      minify: false,
      sourcemap: 'inline',
      entryPoints: entries,
      outbase: root,
      outdir: join(root, 'out'),
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      // Test files import our sources (bundled in) and packages (loaded from node_modules).
      packages: 'external',
      external: ['vscode'],
      plugins: [reportPlugin('tests'), zstdModuleExternal()],
    }),
  );
}

if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('[watch] watching for changes');
} else {
  const results = await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
  // Not the tests' bundle (its packages stay in node_modules); the files copied as they are count.
  const shipped = results.filter((r) => r.metafile && !Object.keys(r.metafile.outputs).some((o) => o.startsWith('out/') || o.includes('/out/'))).flatMap((r) => Object.keys(r.metafile.inputs));
  writeNotices(root, [...shipped, ...copied]);
}
