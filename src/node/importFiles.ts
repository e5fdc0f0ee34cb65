// The file side of `import` and `export`: which files a list of paths and folders stands for,
// reading them with a size limit, and writing an export into an empty folder.
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync, type Stats } from 'node:fs';
import * as path from 'node:path';
import { MANIFEST, MAX_IMPORT_TEXT, maxImportText, parseImportFile, type ExportFile } from '../core/import';
import { assertSafeRelativePath, quoteName } from '../core/paths';

/** A file or folder that cannot be read or written, with the command-line tool's exit code for it. */
export class FileInputError extends Error {
  override readonly name = 'FileInputError';
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

export interface SourceFile {
  /** As shown in messages and the report: the path as given (or the folder joined with the file). */
  readonly name: string;
  readonly text: string;
}

const IMPORTABLE = /\.(json|ya?ml|md|markdown)$/i;
const MAX_FILES = 10_000;
const MAX_DEPTH = 10;

function statOf(p: string): Stats {
  try {
    return statSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FileInputError(code === 'ENOENT' ? 4 : 1, `Cannot read ${p}: ${code === 'ENOENT' ? 'there is no such file or folder' : code === 'EACCES' ? 'permission denied' : String(e)}.`);
  }
}

function readText(p: string, name: string): string {
  // The size is checked before anything is read (a bytes-per-character bound: text is never longer than its bytes).
  const size = statOf(p).size;
  const max = maxImportText(name);
  if (size > max) throw new FileInputError(6, `${quoteName(name, 200)}: the file is too large to import (${(size / 1024 / 1024).toFixed(1)} MiB; at most ${max / 1024 / 1024} MiB for ${max === MAX_IMPORT_TEXT ? 'JSON' : 'YAML or Markdown'}).`);
  try {
    return readFileSync(p, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FileInputError(1, `Cannot read ${p}: ${code === 'EACCES' ? 'permission denied' : String(e)}.`);
  }
}

/**
 * The files to import. A folder holding a Campaign Vault export (its manifest) stands for the
 * files the manifest lists; any other folder for the JSON, YAML and Markdown statblock files in it
 * and below. Hidden files and folders are skipped; symbolic links, folders nested too deeply and
 * notes without a ```statblock block are passed over and listed in `passedOver` (with the reason
 * in brackets where it is not "nothing to import").
 */
export function collectImportFiles(args: readonly string[]): { files: SourceFile[]; passedOver: string[] } {
  const files: SourceFile[] = [];
  const passedOver: string[] = [];
  const add = (file: SourceFile) => {
    if (files.length >= MAX_FILES) throw new FileInputError(6, `Too many files to import at once (more than ${MAX_FILES}); import fewer folders at a time.`);
    files.push(file);
  };
  for (const arg of args) {
    const st = statOf(arg);
    if (!st.isDirectory()) {
      add({ name: arg, text: readText(arg, arg) });
      continue;
    }
    const manifestPath = path.join(arg, MANIFEST);
    if (existsFile(manifestPath)) {
      const name = path.join(arg, MANIFEST);
      const manifest = parseImportFile(readText(manifestPath, name), name).manifest!;
      for (const rel of manifest.files) {
        const segments = assertSafeRelativePath(rel);
        const p = path.join(arg, ...segments);
        if (!existsFile(p)) throw new FileInputError(4, `${quoteName(name, 200)} lists ${quoteName(rel)}, which is not in the folder.`);
        add({ name: path.join(arg, rel), text: readText(p, path.join(arg, rel)) });
      }
      continue;
    }
    const walk = (dir: string, depth: number) => {
      if (depth > MAX_DEPTH) {
        passedOver.push(`${dir} (more than ${MAX_DEPTH} folders deep)`);
        return;
      }
      for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        const p = path.join(dir, entry.name);
        if (entry.name.startsWith('.')) continue;
        // A link could lead anywhere (out of the folder, into a loop): never followed, always said.
        if (entry.isSymbolicLink()) passedOver.push(`${p} (a symbolic link, not followed)`);
        else if (entry.isDirectory()) walk(p, depth + 1);
        else if (entry.isFile() && IMPORTABLE.test(entry.name)) {
          const text = readText(p, p);
          if (/\.(md|markdown)$/i.test(entry.name) && !/^```statblock/m.test(text)) passedOver.push(p);
          else add({ name: p, text });
        }
      }
    };
    walk(arg, 0);
  }
  return { files, passedOver };
}

function existsFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Writes an export into `folder`, which must be new or empty (nothing is overwritten). */
export function writeExport(folder: string, files: readonly ExportFile[]): void {
  let existing: string[] = [];
  try {
    existing = readdirSync(folder);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') throw new FileInputError(5, `${folder} is a file, not a folder.`);
  }
  if (existing.length > 0) throw new FileInputError(5, `${folder} is not empty; export into a new or empty folder (nothing was written).`);
  for (const f of files) {
    const segments = assertSafeRelativePath(f.path);
    const target = path.join(folder, ...segments);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, f.text, { flag: 'wx' });
  }
}
