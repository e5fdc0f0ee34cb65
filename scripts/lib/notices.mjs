// THIRD-PARTY-NOTICES.txt for dist/ (and so the .vsix): the licence of every npm package whose code
// or files the build put in dist/ — found from esbuild's metafiles, plus the files copied as they
// are (wasm codecs, pdf.js's worker) — with each package's own LICENSE/NOTICE texts and, for the
// @jsquash codecs, the licences of the C/Rust codecs compiled into their wasm (the IJG licence asks
// for its attribution sentence; BSD and zlib for their notices).
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** `node_modules/@scope/name/...` or `node_modules/name/...` → the package's folder, relative to the root. */
function packageDir(path) {
  const m = /(?:^|[\\/])node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(path);
  return m ? join('node_modules', m[1]) : undefined;
}

/** The licence texts in a package folder (and the codec licences beside @jsquash's wasm). */
function licenceFiles(dir) {
  const names = readdirSync(dir).filter((n) => /^(licen[cs]e|notice|copying)/i.test(n));
  const codec = join(dir, 'codec', 'LICENSE.codec.md');
  return [...names.map((n) => join(dir, n)), ...(existsSync(codec) ? [codec] : [])];
}

/**
 * Writes `<root>/dist/THIRD-PARTY-NOTICES.txt` for the packages behind `inputs` (metafile input
 * paths and copied files). Returns the package names, for the log.
 */
export function writeNotices(root, inputs) {
  const dirs = [...new Set(inputs.map(packageDir).filter(Boolean))].sort();
  const parts = [
    'Campaign Vault includes the following third-party software, bundled into this folder.',
    'Each is used under its licence, reproduced below.',
    '',
    'This software is based in part on the work of the Independent JPEG Group (mozjpeg, in the',
    'JPEG decoder of the thumbnails).',
    '',
  ];
  const names = [];
  for (const dir of dirs) {
    const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
    names.push(pkg.name);
    parts.push('='.repeat(78), `${pkg.name} ${pkg.version} — ${pkg.license ?? 'see below'}`, pkg.homepage ? pkg.homepage : '', '='.repeat(78), '');
    const files = licenceFiles(join(root, dir));
    const author = typeof pkg.author === 'string' ? pkg.author : pkg.author?.name;
    if (files.length === 0) parts.push(`The package ships no licence text; its package.json gives the licence as ${pkg.license ?? 'nothing'}${author ? `, by ${author}` : ''}${pkg.repository ? ` (${typeof pkg.repository === 'string' ? pkg.repository : pkg.repository.url})` : ''}.`, '');
    for (const f of files) parts.push(readFileSync(f, 'utf8').trimEnd(), '');
  }
  writeFileSync(join(root, 'dist', 'THIRD-PARTY-NOTICES.txt'), parts.join('\n'));
  return names;
}
