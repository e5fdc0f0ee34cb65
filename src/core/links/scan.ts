/**
 * Entity links, Obsidian-style: `[[Name]]`, `[[kind/Name]]` (`[[npc/Sildar]]`, `[[npcs/Sildar]]`)
 * and `[[Name|shown text]]` (`\|` too, as Obsidian writes it inside Markdown tables).
 *
 * Not links: `\[[…]]` (escaped), anything in a Markdown code span, fenced code block or HTML
 * comment, anything in a YAML comment, an empty target, a target spanning lines or holding `[`/`]`,
 * and a target or shown text holding control characters or bidirectional-override characters
 * (U+202E and friends), which could make a link read differently from where it goes.
 */
import { parseKind, type EntityKind } from '../db/kinds';

export type LinkSyntax = 'markdown' | 'yaml' | 'plain';

export interface EntityLink {
  /** The whole `[[…]]`: 0-based offset in the text, in UTF-16 code units, and length. */
  readonly offset: number;
  readonly length: number;
  /** What is between the brackets before `|`, trimmed: `npc/Sildar`. */
  readonly target: string;
  /** Where `target` starts, for a link range that covers only the target. */
  readonly targetOffset: number;
  /** Set when the target starts with a kind (`npc/`, `npcs/`, `NPCs/`). */
  readonly kind?: EntityKind;
  /** The entity name to look up: the target without its kind. */
  readonly name: string;
  /** The text after `|`, trimmed, when there is one. */
  readonly alias?: string;
}

/** Longest target (and shown text) considered a link. */
export const MAX_LINK_TEXT = 200;

// C0/C1 controls, line/paragraph separators and the bidirectional controls (LRM/RLM, ALM,
// LRE…RLO, LRI…PDI). Zero-width joiners stay allowed: Persian and Indic names need them.
const FORBIDDEN = /[\p{Cc}\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

type Range = readonly [start: number, end: number];

/** Every link in `text`, in order. */
export function scanLinks(text: string, syntax: LinkSyntax = 'plain'): EntityLink[] {
  const skip = syntax === 'markdown' ? markdownCode(text) : syntax === 'yaml' ? yamlComments(text) : [];
  const links: EntityLink[] = [];
  let r = 0; // index into skip
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('[[', i);
    if (open < 0) break;
    while (r < skip.length && skip[r]![1] <= open) r++;
    if (r < skip.length && skip[r]![0] <= open) {
      i = skip[r]![1];
      continue;
    }
    if (escaped(text, open)) {
      i = open + 1;
      continue;
    }
    const close = closing(text, open + 2);
    if (close.kind === 'restart') {
      // `[[[Goblin]]]` and `[[a [[Inner]]`: look again from the bracket before the inner one.
      i = Math.max(open + 1, close.at - 1);
      continue;
    }
    if (close.kind === 'none') {
      i = open + 2;
      continue;
    }
    // A closing bracket inside a skipped region (`[[a `b]]`) is not a link either.
    if (r < skip.length && skip[r]![0] < close.at + 2) {
      i = open + 2;
      continue;
    }
    const link = makeLink(text, open, close.at);
    if (link) links.push(link);
    i = close.at + 2;
  }
  return links;
}

function escaped(text: string, at: number): boolean {
  let n = 0;
  for (let j = at - 1; j >= 0 && text[j] === '\\'; j--) n++;
  return n % 2 === 1;
}

/** Finds `]]` after `from`; stops at a line break or `[`, and beyond the length cap. */
function closing(text: string, from: number): { kind: 'found' | 'restart' | 'none'; at: number } {
  const limit = Math.min(text.length, from + 2 * MAX_LINK_TEXT + 2);
  for (let j = from; j < limit; j++) {
    const c = text[j];
    if (c === ']') return text[j + 1] === ']' ? { kind: 'found', at: j } : { kind: 'none', at: j };
    if (c === '[') return { kind: 'restart', at: j };
    if (c === '\n' || c === '\r') return { kind: 'none', at: j };
  }
  return { kind: 'none', at: limit };
}

function makeLink(text: string, open: number, close: number): EntityLink | undefined {
  const inner = text.slice(open + 2, close);
  if (FORBIDDEN.test(inner)) return undefined;
  const bar = inner.search(/\\?\|/);
  const rawTarget = bar < 0 ? inner : inner.slice(0, bar);
  const rawAlias = bar < 0 ? undefined : inner.slice(bar + (inner[bar] === '\\' ? 2 : 1));
  const target = rawTarget.trim();
  if (!target || target.length > MAX_LINK_TEXT) return undefined;
  const alias = rawAlias?.trim();
  let kind: EntityKind | undefined;
  let name = target;
  const slash = target.indexOf('/');
  if (slash > 0) {
    const k = parseKind(target.slice(0, slash).trim());
    if (k) {
      kind = k;
      name = target.slice(slash + 1).trim();
      if (!name) return undefined;
    }
  }
  return {
    offset: open,
    length: close + 2 - open,
    target,
    targetOffset: open + 2 + (rawTarget.length - rawTarget.trimStart().length),
    ...(kind ? { kind } : {}),
    name,
    ...(alias ? { alias } : {}),
  };
}

/** Fenced code blocks, code spans and HTML comments of a Markdown text, sorted, not overlapping. */
export function markdownCode(text: string): Range[] {
  const ranges: Range[] = [];
  // Fenced blocks, line by line.
  const prose: Range[] = [];
  let fence: { char: string; size: number; start: number } | undefined;
  let proseStart = 0;
  let lineStart = 0;
  while (lineStart <= text.length) {
    const nl = text.indexOf('\n', lineStart);
    const lineEnd = nl < 0 ? text.length : nl + 1;
    const line = text.slice(lineStart, lineEnd);
    const m = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (!fence && m && !(m[1]![0] === '`' && line.slice(m[0].length).includes('`'))) {
      fence = { char: m[1]![0]!, size: m[1]!.length, start: lineStart };
      prose.push([proseStart, lineStart]);
    } else if (fence && m && m[1]![0] === fence.char && m[1]!.length >= fence.size && /^\s*$/.test(line.slice(m[0].length))) {
      ranges.push([fence.start, lineEnd]);
      fence = undefined;
      proseStart = lineEnd;
    }
    if (nl < 0) break;
    lineStart = lineEnd;
  }
  if (fence) ranges.push([fence.start, text.length]);
  else prose.push([proseStart, text.length]);

  for (const [start, end] of prose) {
    let i = start;
    while (i < end) {
      const c = text[i];
      if (c === '\\') {
        i += 2;
        continue;
      }
      if (text.startsWith('<!--', i)) {
        const e = text.indexOf('-->', i + 4);
        const stop = e < 0 || e + 3 > end ? end : e + 3;
        ranges.push([i, stop]);
        i = stop;
        continue;
      }
      if (c === '`') {
        let n = 1;
        while (text[i + n] === '`') n++;
        const stop = spanEnd(text, i + n, n, end);
        if (stop >= 0) {
          ranges.push([i, stop]);
          i = stop;
        } else i += n;
        continue;
      }
      i++;
    }
  }
  return ranges.sort((a, b) => a[0] - b[0]);
}

/** How far a code span may reach; beyond, its backticks are taken literally (keeps odd texts linear). */
const MAX_SPAN = 10_000;

/** The end of a code span opened by `n` backticks before `from`: the next run of exactly `n`, within the paragraph. */
function spanEnd(text: string, from: number, n: number, end: number): number {
  let j = from;
  const stop = Math.min(end, from + MAX_SPAN);
  while (j < stop) {
    if (text[j] === '\n' && /^\n[ \t]*(\n|$)/.test(text.slice(j, j + 80))) return -1;
    if (text[j] === '`') {
      let m = 1;
      while (text[j + m] === '`') m++;
      if (m === n) return j + m;
      j += m;
      continue;
    }
    j++;
  }
  return -1;
}

/**
 * YAML comments: from a `#` at the start of a line or after a space, outside quotes, to the end of
 * the line; never inside a block scalar (`description: |`), where `#` is text.
 */
export function yamlComments(text: string): Range[] {
  const ranges: Range[] = [];
  let blockParent = -1; // indent of the line that opened a block scalar
  let lineStart = 0;
  while (lineStart < text.length) {
    const nl = text.indexOf('\n', lineStart);
    const lineEnd = nl < 0 ? text.length : nl;
    const line = text.slice(lineStart, lineEnd);
    const indent = /^ */.exec(line)![0].length;
    const blank = /^\s*$/.test(line);
    if (blockParent >= 0 && (blank || indent > blockParent)) {
      lineStart = lineEnd + 1;
      continue;
    }
    blockParent = -1;
    let quote: string | undefined;
    for (let j = 0; j < line.length; j++) {
      const c = line[j];
      if (quote === '"') {
        if (c === '\\') j++;
        else if (c === '"') quote = undefined;
      } else if (quote === "'") {
        if (c === "'" && line[j + 1] === "'") j++; // '' is an escaped quote
        else if (c === "'") quote = undefined;
      } else if ((c === '"' || c === "'") && (j === 0 || /[\s:[{,-]/.test(line[j - 1]!))) {
        quote = c;
      } else if (c === '#' && (j === 0 || /\s/.test(line[j - 1]!))) {
        ranges.push([lineStart + j, lineEnd]);
        break;
      }
    }
    const code = ranges.length && ranges[ranges.length - 1]![0] >= lineStart ? line.slice(0, ranges[ranges.length - 1]![0] - lineStart) : line;
    if (/(^|[:\s-])[|>][-+0-9]*\s*$/.test(code) && /(:\s|^\s*-\s|^\s*[|>])/.test(code)) blockParent = indent;
    lineStart = lineEnd + 1;
  }
  return ranges;
}
