// Entities as YAML text: what the editor shows for an entity, and the text a user saves turned back
// into a body — with every problem located (offsets into the text) for diagnostics, so a mistake is
// shown where it is and never reaches the vault. Pure: no `vscode`, no Node built-ins.
import { Document, isMap, isPair, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import { bodyOf, type EntityKind } from '../db/kinds';
import { schemaFor, validateBody } from '../schema';

/** A problem found in a document, located by UTF-16 offsets into its text. */
export interface TextProblem {
  readonly message: string;
  readonly start: number;
  readonly end: number;
  readonly severity: 'error' | 'warning';
  /** `yaml`: the text is not valid YAML; `schema`: valid YAML, but not a valid entry. */
  readonly source: 'yaml' | 'schema';
  /** The JSON pointer of a schema problem. */
  readonly path?: string;
}

/** Limits on what is parsed at all: past them the text gets one clear problem instead of a hang. */
export const TEXT_LIMITS = {
  /** Characters in one document (about 2 MB of text): a character sheet is a few KB. */
  maxChars: 2_000_000,
  /** Aliases resolved while reading (YAML "billion laughs" bombs expand aliases exponentially). */
  maxAliasCount: 100,
  /** Nesting of flow collections and block indentation levels, checked before parsing. */
  maxNesting: 64,
} as const;

export interface ParsedEntityText {
  /** The body, when the text is valid YAML holding a mapping (it may still have schema problems). */
  readonly body?: Record<string, unknown>;
  readonly problems: readonly TextProblem[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The deepest flow-bracket nesting in `text` (outside quotes and comments) — cheap, before parsing. */
function flowNesting(text: string): { depth: number; at: number } {
  let depth = 0;
  let max = 0;
  let at = 0;
  let quote: string | undefined;
  let comment = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (comment) {
      if (c === '\n') comment = false;
      continue;
    }
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") {
      // A quote starts a quoted scalar only at the start of a value; inside plain text it is a letter.
      const prev = text[i - 1];
      if (prev === undefined || /[\s[{,:-]/.test(prev)) quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) comment = true;
    else if (c === '[' || c === '{') {
      depth++;
      if (depth > max) {
        max = depth;
        at = i;
      }
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return { depth: max, at };
}

/** The deepest block indentation in spaces, as a proxy for block nesting (each level indents ≥ 1). */
function indentNesting(text: string): { depth: number; at: number } {
  let max = 0;
  let at = 0;
  let offset = 0;
  for (const line of text.split('\n')) {
    let n = 0;
    while (n < line.length && (line[n] === ' ' || line[n] === '-')) n++;
    if (n > max && n < line.length && line[n] !== '#') {
      max = n;
      at = offset;
    }
    offset += line.length + 1;
  }
  return { depth: max, at };
}

/** The options every reader of entry YAML parses with (diagnostics, saving, the Character Sheet). */
const PARSE_OPTIONS = { uniqueKeys: true, prettyErrors: false, strict: true, stringKeys: false } as const;

/** A problem with the whole text, pointing at `at`. */
function wholeProblem(text: string, message: string, at = 0): TextProblem {
  return { message, start: at, end: Math.min(text.length, at + 1), severity: 'error', source: 'yaml' };
}

/**
 * Reads YAML text within {@link TEXT_LIMITS}: too much text or too deep nesting is a problem before
 * anything is parsed; a duplicate key or a syntax error is a located problem. The document comes
 * back when it has no errors (it may have warnings). Every reader of entry YAML starts here.
 */
export function readYamlText(text: string): { readonly doc?: Document.Parsed; readonly problems: readonly TextProblem[] } {
  const whole = (message: string, at = 0) => ({ problems: [wholeProblem(text, message, at)] });
  if (text.length > TEXT_LIMITS.maxChars) return whole(`This document is too large to be an entry: ${text.length.toLocaleString('en')} characters, at most ${TEXT_LIMITS.maxChars.toLocaleString('en')}.`);
  const flow = flowNesting(text);
  if (flow.depth > TEXT_LIMITS.maxNesting) return whole(`Lists or groups are nested too deeply here (more than ${TEXT_LIMITS.maxNesting} levels).`, flow.at);
  const indent = indentNesting(text);
  // Two spaces per level is the norm; allow generous indentation before calling it too deep.
  if (indent.depth > TEXT_LIMITS.maxNesting * 8) return whole(`This line is indented too deeply (${indent.depth} columns).`, indent.at);

  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, PARSE_OPTIONS);
  } catch (e) {
    return whole(`The YAML could not be read: ${e instanceof Error ? e.message : String(e)}`);
  }
  const problems: TextProblem[] = [];
  for (const err of doc.errors) problems.push(yamlProblem(err.message, err.pos, text, 'error'));
  for (const warn of doc.warnings) problems.push(yamlProblem(warn.message, warn.pos, text, 'warning'));
  if (problems.some((p) => p.severity === 'error')) return { problems };
  return { doc, problems };
}

/** The value of a document {@link readYamlText} read, with at most {@link TEXT_LIMITS}.maxAliasCount aliases expanded. */
export function yamlValue(doc: Document.Parsed, text: string): { readonly value: unknown; readonly problem?: undefined } | { readonly problem: TextProblem } {
  try {
    return { value: doc.toJS({ maxAliasCount: TEXT_LIMITS.maxAliasCount }) };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/alias/i.test(msg)) return { problem: wholeProblem(text, `Too many aliases (*name) are expanded here: at most ${TEXT_LIMITS.maxAliasCount}. Write the values out instead.`, firstAlias(text)) };
    return { problem: wholeProblem(text, `The YAML could not be read: ${msg}`) };
  }
}

/** The line (from 1) of a UTF-16 offset into `text`. */
export function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

/**
 * Reads the text of an entity as YAML — {@link readYamlText}, then the value, which must be a
 * group of fields with text keys — without checking it against the schema (saving leaves that to
 * the DataManager, which checks every write).
 */
export function readEntityText(text: string): ParsedEntityText & { readonly doc?: Document.Parsed } {
  const read = readYamlText(text);
  if (!read.doc) return { problems: read.problems };
  const { doc } = read;
  const value = yamlValue(doc, text);
  if (value.problem) return { problems: [value.problem] };
  if (!isRecord(value.value)) {
    const v = value.value;
    const what = v === null || v === undefined ? 'nothing' : Array.isArray(v) ? 'a list' : 'a single value';
    return { problems: [{ message: `An entry is a group of fields (name: …), but this document holds ${what}.`, start: 0, end: Math.max(1, Math.min(text.length, 80)), severity: 'error', source: 'yaml' }] };
  }
  const keyProblem = nonStringKey(doc.contents);
  if (keyProblem) return { problems: [keyProblem] };
  return { body: value.value, doc, problems: read.problems };
}

/** Schema issues (JSON pointers) located in the text of a document {@link readEntityText} read. */
export function schemaProblems(doc: Document, text: string, issues: readonly { readonly path: string; readonly message: string; readonly keyword?: string }[]): TextProblem[] {
  return issues.map((issue) => {
    const [start, end] = locate(doc, issue.path, text.length, issue.keyword === 'additionalProperties');
    return { message: issue.message, start, end, severity: 'error', source: 'schema', path: issue.path };
  });
}

/**
 * Parses the text of an entity of `kind`: YAML errors (with positions), then the schema. A
 * duplicate key, an alias bomb, too deep nesting or too much text is a problem like any other.
 */
export function parseEntityText(kind: EntityKind, text: string): ParsedEntityText {
  const read = readEntityText(text);
  if (!read.body || !read.doc) return { problems: read.problems };
  return { body: read.body, problems: [...read.problems, ...schemaProblems(read.doc, text, validateBody(kind, read.body))] };
}

function firstAlias(text: string): number {
  const m = /(^|[\s[{,:-])\*[^\s,\]}]/m.exec(text);
  return m ? m.index + m[1]!.length : 0;
}

function nonStringKey(node: unknown): TextProblem | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = pair.key;
      if (isScalar(key) && typeof key.value !== 'string') {
        const [s, e] = key.range ?? [0, 1];
        return { message: `A field name must be text; ${JSON.stringify(key.value)} is not (quote it: "${String(key.value)}").`, start: s, end: Math.max(e, s + 1), severity: 'error', source: 'yaml' };
      }
      if (key !== null && !isScalar(key)) {
        const [s, e] = (key as YamlNode).range ?? [0, 1];
        return { message: 'A field name must be text, not a list or a group.', start: s, end: Math.max(e, s + 1), severity: 'error', source: 'yaml' };
      }
      const inner = nonStringKey(pair.value);
      if (inner) return inner;
    }
  } else if (isSeq(node)) {
    for (const item of node.items) {
      const inner = nonStringKey(item);
      if (inner) return inner;
    }
  }
  return undefined;
}

function yamlProblem(message: string, pos: [number, number], text: string, severity: 'error' | 'warning'): TextProblem {
  const first = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  const start = Math.max(0, Math.min(pos[0], text.length));
  const end = Math.max(start + 1, Math.min(pos[1], text.length));
  return { message: plainYamlMessage(first), start, end: Math.min(end, Math.max(text.length, start + 1)), severity, source: 'yaml' };
}

/** The yaml library's messages, said for people who do not write parsers. */
function plainYamlMessage(msg: string): string {
  if (/Map keys must be unique/i.test(msg)) return 'This field appears twice in the same group; keep one.';
  if (/Implicit map keys need to be followed by map values/i.test(msg)) return 'A field name needs a colon and a value ("name: value").';
  if (/Nested mappings are not allowed in compact mappings/i.test(msg)) return 'A value cannot start a new group on the same line; put it on its own indented lines.';
  if (/Unresolved alias/i.test(msg)) return `${msg}: there is no anchor (&name) with that name before it.`;
  return msg.replace(/^[A-Z_]+: /, '');
}

/** The text range of the value a JSON pointer names, or of the nearest part of the document that exists. */
export function locate(doc: Document, pointer: string, textLength: number, keyOnly = false): [number, number] {
  const segments = pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let node: unknown = doc.contents;
  let range: [number, number] = firstLineOf(doc, textLength);
  for (const seg of segments) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === seg);
      if (!pair) break;
      const key = pair.key as YamlNode;
      const value = pair.value as YamlNode | null;
      // Point at the key and its value when the value is a scalar; at the key alone for groups.
      if (!keyOnly && value && isScalar(value) && value.range && key.range) range = [key.range[0], value.range[1]];
      else if (key.range) range = [key.range[0], key.range[1]];
      node = value;
    } else if (isSeq(node)) {
      const item = node.items[Number(seg)] as YamlNode | undefined;
      if (!item || !/^\d+$/.test(seg)) break;
      if (item.range) range = isScalar(item) ? [item.range[0], item.range[1]] : [item.range[0], Math.min(item.range[1], lineEnd(doc, item.range[0]))];
      node = item;
    } else break;
  }
  return [range[0], Math.max(range[1], range[0] + 1)];
}

function firstLineOf(doc: Document, textLength: number): [number, number] {
  const contents = doc.contents as YamlNode | null;
  const start = contents?.range?.[0] ?? 0;
  return [start, Math.min(textLength, lineEnd(doc, start))];
}

function lineEnd(doc: Document, offset: number): number {
  const src = (doc as unknown as { source?: string }).source;
  if (typeof src !== 'string') return offset + 1;
  const nl = src.indexOf('\n', offset);
  return nl < 0 ? src.length : nl;
}

/** Body fields in the schema's order (name first), then any others in their own order. */
function ordered(kind: EntityKind, body: Record<string, unknown>): Record<string, unknown> {
  const props = Object.keys((schemaFor(kind) as { properties?: object }).properties ?? {});
  const out: Record<string, unknown> = {};
  for (const k of props) if (Object.hasOwn(body, k)) out[k] = body[k];
  for (const [k, v] of Object.entries(body)) if (!Object.hasOwn(out, k)) out[k] = v;
  return out;
}

/** The YAML text the editor shows for an entity of `kind`. */
export function entityToText(kind: EntityKind, entity: Record<string, unknown>): string {
  const doc = new Document(ordered(kind, bodyOf(entity)));
  return doc.toString({ lineWidth: 0, minContentWidth: 0, blockQuote: 'literal', defaultStringType: 'PLAIN', indentSeq: true });
}
