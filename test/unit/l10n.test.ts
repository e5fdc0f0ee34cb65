/**
 * Every user-facing string of src/vscode goes through `vscode.l10n.t` (docs/COMMANDS.md,
 * "Localization"). This reads the sources as text and fails when a place that shows text to the
 * user — a message, a quick pick or input box, a progress title, a tree item, the status bar, a
 * file-system error — is given a string or template literal with words in it outside `l10n.t(…)`.
 *
 * Text that is not ours to translate is not a literal there: entry names, paths and the core's
 * sentences arrive in variables. A literal with no words (`$(book) ${name}`, `' · '`) passes,
 * and so does a literal that is only compared (`x === 'absent'`). Comment lines are skipped.
 */
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '../../..');

/** Object keys and properties whose value is shown to the user. */
const KEYS = 'title|prompt|placeHolder|placeholder|text|detail|tooltip|message|description|label|openLabel|saveLabel|validationMessage|actions|acceptingPrompt|closeAction';
/** `key: value` in an object literal, or `x.key = value`. */
const PROPERTY = new RegExp(`(?:[{,\\s](?:${KEYS})\\s*:(?!:)|\\.(?:${KEYS}|name)\\s*=(?!=))`, 'g');
/** Calls whose arguments are shown to the user. */
const CALL = /(?:\bshow(?:Error|Warning|Information)Message|\bnew vscode\.TreeItem|\bnew vscode\.MarkdownString|\.append(?:Text|Markdown)|\bnew vscode\.FileSystemError|\bFileSystemError\.\w+)\s*\(/g;
/**
 * Our helpers that pass a title or a sentence on to the prompter (a command's title to
 * `chooseVault`, a progress title to `cancellable`…). Their other arguments are ids and severities
 * (`'backed-up'`, `'warning'`), so here only prose counts: a literal with a space or a capital.
 */
const HELPER = /\b(?:summarize|cancellable|chooseVault|askNewPassword|notify|fail|report|explain)\s*\(/g;
/** Whether a literal's own text reads as prose rather than an id. */
const isProse = (staticText: string): boolean => /\s|^[A-Z]/.test(staticText.replace(/\$\([\w~-]+\)/g, '').trim());

interface Finding {
  readonly file: string;
  readonly line: number;
  readonly literal: string;
}

/** Whether a literal's own text (outside `${…}`, with `$(codicon)`s removed) holds a word. */
const hasWords = (staticText: string): boolean => /[A-Za-z]{2,}/.test(staticText.replace(/\$\([\w~-]+\)/g, ''));

/**
 * The string and template literals of the expression that starts at `start` and ends at the first
 * `,` `;` `)` `]` or `}` outside brackets (or, with `wholeArgs`, at the `)` closing a call), each
 * with whether it sits inside an `l10n.t(…)` call and whether it is only compared.
 */
function literalsOf(src: string, start: number, wholeArgs: boolean): { at: number; staticText: string; translated: boolean; compared: boolean }[] {
  const out: { at: number; staticText: string; translated: boolean; compared: boolean }[] = [];
  const stack: boolean[] = []; // for each open bracket: inside l10n.t(…)?
  const inL10n = () => stack.includes(true);
  let i = start;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '(' || c === '[' || c === '{') {
      stack.push(c === '(' && /l10n\.t\s*$/.test(src.slice(Math.max(0, i - 20), i)));
      i++;
      continue;
    }
    if (c === ')' || c === ']' || c === '}') {
      if (stack.length === 0) break;
      stack.pop();
      i++;
      continue;
    }
    if ((c === ',' && !wholeArgs) || c === ';') {
      if (stack.length === 0) break;
    }
    if (c === '/' && src[i + 1] === '/') {
      i = src.indexOf('\n', i);
      if (i < 0) break;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      const from = i;
      const [end, staticText, inner] = readLiteral(src, i);
      const before = src.slice(Math.max(0, from - 5), from);
      const after = src.slice(end, end + 5);
      const compared = /[=!]==?\s*$/.test(before) || /^\s*[=!]==?/.test(after) || /\bcase\s*$/.test(before);
      out.push({ at: from, staticText, translated: inL10n(), compared });
      // Expressions inside `${…}` are expressions of their own (a nested l10n.t call, a variable…).
      for (const e of inner) for (const l of literalsOf(src, e, true)) out.push({ ...l, translated: l.translated || inL10n() });
      i = end;
      continue;
    }
    i++;
  }
  return out;
}

/** Reads the literal at `i`: where it ends, its own text, and where each `${` expression starts. */
function readLiteral(src: string, i: number): [end: number, staticText: string, inner: number[]] {
  const quote = src[i]!;
  let text = '';
  const inner: number[] = [];
  let j = i + 1;
  while (j < src.length && src[j] !== quote) {
    if (src[j] === '\\') {
      text += src.slice(j, j + 2);
      j += 2;
      continue;
    }
    if (quote === '`' && src[j] === '$' && src[j + 1] === '{') {
      inner.push(j + 2);
      j = skipExpression(src, j + 2);
      continue;
    }
    text += src[j];
    j++;
  }
  return [j + 1, text, inner];
}

/** From inside `${`, the index just past its closing `}`. */
function skipExpression(src: string, i: number): number {
  let depth = 1;
  let j = i;
  while (j < src.length && depth > 0) {
    const c = src[j]!;
    if (c === "'" || c === '"' || c === '`') {
      j = readLiteral(src, j)[0];
      continue;
    }
    if (c === '{') depth++;
    if (c === '}') depth--;
    j++;
  }
  return j;
}

/** The user-facing literals of one source file that do not go through l10n.t. */
export function plainStrings(file: string, text: string): Finding[] {
  // Comment lines become blank (same length, so offsets and line numbers stay right).
  const src = text
    .split('\n')
    .map((l) => (/^\s*(\/\/|\/\*|\*)/.test(l) ? ' '.repeat(l.length) : l))
    .join('\n');
  const lineOf = (at: number) => src.slice(0, at).split('\n').length;
  const findings: Finding[] = [];
  const check = (start: number, wholeArgs: boolean, prose = false) => {
    for (const l of literalsOf(src, start, wholeArgs)) {
      if (!l.translated && !l.compared && hasWords(l.staticText) && (!prose || isProse(l.staticText))) findings.push({ file, line: lineOf(l.at), literal: l.staticText });
    }
  };
  for (const m of src.matchAll(PROPERTY)) check(m.index + m[0].length, false);
  for (const m of src.matchAll(CALL)) check(m.index + m[0].length, true);
  for (const m of src.matchAll(HELPER)) check(m.index + m[0].length, true, true);
  return findings;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : [];
  });
}

describe('l10n: user-facing text in src/vscode goes through vscode.l10n.t', () => {
  it('finds the plain strings of the old style (the check itself works)', () => {
    const old = [
      "void vscode.window.showErrorMessage(`Campaign Vault failed to start: ${message}.`, 'Show Log');",
      "ui.message({ id: 'cannot-run', severity: 'info', text: 'Pick an entry first.' });",
      "ui.pick({ id: 'folder', title, placeHolder: 'Which workspace folder?', items });",
      "ui.input({ id: 'x', title: 'Create Backup', prompt: `The password of ${where(f)}` });",
      "item.text = '$(lock) Vault locked';",
      "item.text = `$(unlock) ${n} of ${m} vaults unlocked`;",
      "const choice = await ui.message({ id: 'c', severity: 'warning', text, actions: ['Restore'] });",
      "item = new vscode.TreeItem('Trash', collapsed);",
      "summarize(ctx, 'pruned', `Deleted ${n} backups.`, 'info');",
      "ui.message({ id: 'a', severity: 'info', text: ok ? 'Done.' : vscode.l10n.t('Not done.') });",
    ].join('\n');
    const found = plainStrings('old.ts', old).map((f) => f.literal);
    assert.deepEqual(found, [
      'Pick an entry first.',
      'Which workspace folder?',
      'Create Backup',
      'The password of ',
      '$(lock) Vault locked',
      '$(unlock)  of  vaults unlocked',
      'Restore',
      'Done.',
      'Campaign Vault failed to start: .',
      'Show Log',
      'Trash',
      'Deleted  backups.',
    ]);
  });

  it('lets through translated text, names, icons and comparisons', () => {
    const ok = [
      "void vscode.window.showErrorMessage(vscode.l10n.t('Campaign Vault failed to start: {0}.', message), showLog);",
      "ui.message({ id: 'cannot-run', severity: 'info', text: vscode.l10n.t('Pick an entry first.') });",
      "items: campaigns.map((c) => ({ label: `$(book) ${c.name}`, campaign: c })),",
      "item.text = vscode.l10n.t('$({0}) Backup {1}', icon, ago(oldest));",
      "tooltip.appendText(`${vscode.l10n.t('Campaign Vault {0}', version)}\\n\\n`);",
      "item.description = [f.entity?.name, f.fixable ? vscode.l10n.t('repairable') : undefined].filter(Boolean).join(' · ');",
      "ui.message({ id: 'a', severity: 'info', text: state === 'absent' ? vscode.l10n.t('No vault.') : where(f) });",
      "summarize(ctx, 'pruned', vscode.l10n.t('Deleted {0} backups.', n), 'info');",
      '// text: "a comment is not shown"',
    ].join('\n');
    assert.deepEqual(plainStrings('new.ts', ok), []);
  });

  it('has no plain user-facing string literal in src/vscode', () => {
    const findings = sources(join(root, 'src/vscode')).flatMap((path) => plainStrings(relative(root, path), readFileSync(path, 'utf8')));
    assert.deepEqual(
      findings.map((f) => `${f.file}:${f.line}: ${JSON.stringify(f.literal)}`),
      [],
      'wrap these in vscode.l10n.t(…) (placeholders for what varies; button labels in src/vscode/labels.ts)',
    );
  });
});
