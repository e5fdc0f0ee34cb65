// npm run package: a production build, then a .vsix with @vscode/vsce (dependencies are bundled,
// so none are shipped; .vscodeignore is an allowlist; README links stay relative and resolve inside
// the installed extension). Prints the file and its size.
// Usage: node scripts/package.mjs [--out <file.vsix>]
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const outIndex = process.argv.indexOf('--out');
const out = outIndex > 0 ? resolve(process.argv[outIndex + 1]) : join(root, `${pkg.name}-${pkg.version}.vsix`);

execFileSync(process.execPath, [join(root, 'esbuild.mjs'), '--production'], { cwd: root, stdio: 'inherit' });
execFileSync(
  process.execPath,
  [join(root, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', out],
  { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] },
);
const size = statSync(out).size;
console.log(`${out}: ${(size / 1024).toFixed(1)} KiB (${size} bytes)`);
