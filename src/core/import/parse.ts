// Reading an import file's text into plain data, defensively: JSON with duplicate keys found and
// positions given; YAML with a cap on aliases (no "billion laughs"), no custom tags, unique keys,
// one document; and a bound on size and nesting, checked without recursion.
import { parseAllDocuments } from 'yaml';
import { VaultError } from '../errors';
import { quoteName } from '../paths';

/** Longest text an import file may hold (characters): JSON, which parses at hundreds of MB/s. */
export const MAX_IMPORT_TEXT = 64 * 1024 * 1024;
/**
 * Longest YAML or Markdown an import file may hold: the YAML parser needs about a second and 80 MB
 * per MiB (a 50 MB file took 37 s and 1.9 GB before being refused later for holding too much text).
 * 4 MiB is 25 times the largest real statblock or Foundry actor file in YAML (160 KB).
 */
export const MAX_YAML_IMPORT_TEXT = 4 * 1024 * 1024;

/** The most text an import file of this name may hold, known before it is read: YAML's limit unless it is JSON (or not known yet). */
export function maxImportText(fileName: string): number {
  return /\.(ya?ml|md|markdown)$/i.test(fileName) ? MAX_YAML_IMPORT_TEXT : MAX_IMPORT_TEXT;
}

const MIB = 1024 * 1024;
/** Deepest nesting an import file may hold (Foundry actors reach about 12). */
export const MAX_IMPORT_DEPTH = 100;
/** Aliases a YAML file may expand (an alias bomb expands millions). */
export const MAX_YAML_ALIASES = 100;

/** An import file that cannot be read: the sentence names the file and, when known, where. */
export function importError(file: string, message: string, where?: string): VaultError {
  const text = `${quoteName(file, 200)}${where ? ` (${where})` : ''}: ${message}`;
  return new VaultError('invalid', `import: ${text}`, { hint: text });
}

export type SourceSyntax = 'json' | 'yaml' | 'markdown';

export function syntaxOf(fileName: string, text: string): SourceSyntax {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.md') || lower.endsWith('.markdown')) return 'markdown';
  if (lower.endsWith('.yml') || lower.endsWith('.yaml')) return 'yaml';
  return /^\s*[[{]/.test(text) ? 'json' : 'yaml';
}

/**
 * Files that are not text, known by their first bytes (as read into text, a byte that is not UTF-8
 * shows as U+FFFD, or as itself when read as Latin-1), and what to do with them instead.
 */
/* eslint-disable no-control-regex -- magic numbers hold bytes below 0x20 */
const NOT_TEXT: [RegExp, string][] = [
  [/^%PDF-/, 'it is a PDF, not a character sheet or stat block: add it to the vault as a rulebook'],
  [/^[\u0089\ufffd]PNG\r\n\u001a\n/, 'it is an image (PNG), not a character sheet or stat block: add it to the vault as an asset'],
  [/^(\ufffd{1,3}|\u00ff\u00d8\u00ff)[\s\S]{0,16}(JFIF|Exif)|^\u00ff\u00d8\u00ff/, 'it is an image (JPEG), not a character sheet or stat block: add it to the vault as an asset'],
  [/^GIF8[79]a/, 'it is an image (GIF), not a character sheet or stat block: add it to the vault as an asset'],
  [/^RIFF[\s\S]{1,8}?WEBP/, 'it is an image (WebP), not a character sheet or stat block: add it to the vault as an asset'],
  [/^(II\*\u0000|MM\u0000\*)/, 'it is an image (TIFF), not a character sheet or stat block: add it to the vault as an asset'],
  [/^PK\u0003\u0004/, 'it is a ZIP archive (or a file made of one), not a character sheet or stat block: unpack it and import the files in it'],
];
/* eslint-enable no-control-regex */

/** Refuses a PDF, an image or an archive by its first bytes, with what to do instead. */
function refuseBinary(text: string, fileName: string): void {
  const head = text.slice(0, 64);
  for (const [magic, message] of NOT_TEXT) if (magic.test(head)) throw importError(fileName, `${message}.`);
}

/** Parses an import file's text; throws an `invalid` VaultError naming the file and the place. */
export function parseImportText(text: string, fileName: string): unknown {
  refuseBinary(text, fileName);
  if (text.length > MAX_IMPORT_TEXT) throw importError(fileName, `the file is too large to import (more than ${MAX_IMPORT_TEXT / MIB} MiB of text).`);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') throw importError(fileName, 'the file is empty.');
  const syntax = syntaxOf(fileName, text);
  // Checked before parsing: YAML costs far more to parse than JSON.
  if (syntax !== 'json' && text.length > MAX_YAML_IMPORT_TEXT) {
    throw importError(fileName, `the file is too large to import (more than ${MAX_YAML_IMPORT_TEXT / MIB} MiB of ${syntax === 'yaml' ? 'YAML' : 'Markdown'}; JSON files may hold up to ${MAX_IMPORT_TEXT / MIB} MiB).`);
  }
  let value: unknown;
  if (syntax === 'json') value = parseJson(text, fileName);
  else if (syntax === 'markdown') value = parseYaml(statblockOf(text, fileName), fileName);
  else value = parseYaml(text, fileName);
  const deep = tooDeep(value);
  if (deep !== undefined) throw importError(fileName, `the data is nested too deeply (more than ${MAX_IMPORT_DEPTH} levels).`, deep);
  return value;
}

function lineCol(text: string, offset: number): string {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return `line ${line}, column ${offset - last}`;
}

/**
 * JSON.parse keeps the last of two equal keys without a word; this scan finds them first (and
 * nesting deeper than we take), in one pass without recursion. Syntax errors are left to JSON.parse.
 */
function scanJson(text: string, fileName: string): void {
  const frames: { object: boolean; keys: Set<string> | undefined; expectKey: boolean }[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      let escaped = false;
      for (i++; i < text.length; i++) {
        const d = text[i];
        if (d === '\\') {
          i++;
          escaped = true;
        } else if (d === '"') break;
      }
      const top = frames.at(-1);
      if (top?.object && top.expectKey) {
        const raw = text.slice(start, i + 1);
        let key = raw.slice(1, -1);
        if (escaped) {
          try {
            key = JSON.parse(raw) as string;
          } catch {
            return; // JSON.parse will explain
          }
        }
        top.keys ??= new Set();
        if (top.keys.has(key)) throw importError(fileName, `the key ${quoteName(key)} appears twice in the same object.`, lineCol(text, start));
        top.keys.add(key);
        top.expectKey = false;
      }
    } else if (c === '{' || c === '[') {
      frames.push({ object: c === '{', keys: undefined, expectKey: c === '{' });
      if (frames.length > MAX_IMPORT_DEPTH) throw importError(fileName, `the data is nested too deeply (more than ${MAX_IMPORT_DEPTH} levels).`, lineCol(text, i));
    } else if (c === '}' || c === ']') frames.pop();
    else if (c === ',') {
      const top = frames.at(-1);
      if (top?.object) top.expectKey = true;
    }
  }
}

function parseJson(text: string, fileName: string): unknown {
  scanJson(text, fileName);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const pos = /at position (\d+)/.exec(msg);
    const lc = /\(line (\d+) column (\d+)\)/.exec(msg);
    const where = pos ? lineCol(text, Number(pos[1])) : lc ? `line ${lc[1]}, column ${lc[2]}` : errorOffset(text);
    const clean = msg
      .replace(/\s*\(line \d+ column \d+\)/, '')
      .replace(/ in JSON at position \d+.*$/s, '')
      .replace(/, ".*" is not valid JSON$/s, '');
    throw importError(fileName, `it is not valid JSON: ${clean}.`, where);
  }
}

/**
 * Where JSON.parse gives up, when its message does not say (Node 20 often does not): the shortest
 * prefix that fails for another reason than ending early. Only runs for a file already refused.
 */
function errorOffset(text: string): string | undefined {
  const badAt = (n: number) => {
    try {
      JSON.parse(text.slice(0, n));
      return false;
    } catch (e) {
      const m = e instanceof Error ? e.message : '';
      const at = /at position (\d+)/.exec(m);
      return !(/end of JSON input|Unterminated string/i.test(m) || (at !== null && Number(at[1]) >= n));
    }
  };
  if (!badAt(text.length)) return undefined;
  let lo = 0;
  let hi = text.length;
  while (lo + 1 < hi) {
    const mid = (lo + hi) >>> 1;
    if (badAt(mid)) hi = mid;
    else lo = mid;
  }
  return lineCol(text, hi - 1);
}

function parseYaml(text: string, fileName: string): unknown {
  let docs;
  try {
    docs = parseAllDocuments(text, { uniqueKeys: true, merge: false, customTags: [], schema: 'core', prettyErrors: true, strict: true, stringKeys: true });
  } catch (e) {
    if (e instanceof RangeError) throw importError(fileName, `the data is nested too deeply (more than ${MAX_IMPORT_DEPTH} levels).`);
    throw importError(fileName, `it is not valid YAML: ${firstLine(e)}.`);
  }
  const list = Array.isArray(docs) ? docs : [];
  if (!Array.isArray(docs)) throw importError(fileName, 'it is not valid YAML.');
  if (list.length !== 1) throw importError(fileName, `it holds ${list.length} YAML documents; one was expected.`);
  const doc = list[0]!;
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    const pos = problem.linePos?.[0];
    if (/call stack/i.test(problem.message)) throw importError(fileName, `the data is nested too deeply (more than ${MAX_IMPORT_DEPTH} levels).`, pos ? `line ${pos.line}, column ${pos.col}` : undefined);
    const unknownTag = /tag/i.test(problem.message) && /resolve|unresolved|not resolved/i.test(problem.message);
    throw importError(fileName, unknownTag ? 'it uses a YAML tag (like !!python/object); tags are not allowed in imports.' : `it is not valid YAML: ${firstLine(problem)}.`, pos ? `line ${pos.line}, column ${pos.col}` : undefined);
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (e) {
    if (e instanceof RangeError) throw importError(fileName, `the data is nested too deeply (more than ${MAX_IMPORT_DEPTH} levels).`);
    if (/alias/i.test(firstLine(e))) throw importError(fileName, `it uses YAML aliases (*name) too much (more than ${MAX_YAML_ALIASES} expansions); this is refused as a resource-exhaustion attack.`);
    throw importError(fileName, `it is not valid YAML: ${firstLine(e)}.`);
  }
}

function firstLine(e: unknown): string {
  const line = (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
  return line.replace(/ at line \d+, column \d+:?\s*$/, '').replace(/[.:]\s*$/, '');
}

/** The ```statblock block of an Obsidian note (Fantasy Statblocks), else its front matter. */
function statblockOf(text: string, fileName: string): string {
  const fence = /^```statblock[ \t]*\r?\n([\s\S]*?)^```[ \t]*$/m.exec(text);
  if (fence) return fence[1]!;
  const front = /^---\r?\n([\s\S]*?)^---[ \t]*$/m.exec(text);
  if (front && text.startsWith('---')) return front[1]!;
  throw importError(fileName, 'this Markdown note has no ```statblock block and no front matter to import.');
}

/** The path of the first value nested deeper than MAX_IMPORT_DEPTH, found without recursion. */
function tooDeep(value: unknown): string | undefined {
  const stack: [unknown, number, string][] = [[value, 0, '']];
  while (stack.length > 0) {
    const [v, depth, path] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= MAX_IMPORT_DEPTH) return `at ${path.length > 60 ? `${path.slice(0, 60)}…` : path}`;
    if (Array.isArray(v)) v.forEach((x, i) => stack.push([x, depth + 1, `${path}[${i}]`]));
    else for (const [k, x] of Object.entries(v)) stack.push([x, depth + 1, path ? `${path}.${k}` : k]);
  }
  return undefined;
}
