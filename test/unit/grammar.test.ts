/**
 * The TextMate injection grammar (syntaxes/campaign-vault.injection.tmLanguage.json).
 *
 * Part 1 always runs: the grammar's dice pattern is the core's DICE_PATTERN, and its link pattern,
 * run as a JavaScript RegExp, finds what the core's scanner finds in plain text.
 *
 * Part 2 tokenizes real lines with vscode-textmate + vscode-oniguruma (the engine VS Code uses),
 * injected into small stand-in YAML and Markdown grammars that give comments, keys, code spans and
 * fenced blocks the scope names VS Code's own grammars use — so the injection selector's
 * exclusions are tested too. It needs the dev dependencies `vscode-textmate` and
 * `vscode-oniguruma` (dev dependencies, installed by `npm ci`).
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { DICE_PATTERN, findDice } from '../../src/core/dice';
import { scanLinks } from '../../src/core/links';

const root = join(__dirname, '../../..');
const grammarPath = join(root, 'syntaxes/campaign-vault.injection.tmLanguage.json');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

interface RawGrammar {
  scopeName: string;
  injectionSelector: string;
  repository: Record<string, { match: string; name: string; captures?: Record<string, { name: string }> }>;
}
const grammar = JSON.parse(readFileSync(grammarPath, 'utf8')) as RawGrammar;

describe('grammar: the patterns', () => {
  it('is contributed as an injection into YAML and Markdown', () => {
    const entry = (manifest.contributes.grammars as { scopeName: string; path: string; injectTo?: string[] }[]).find((g) => g.scopeName === grammar.scopeName);
    assert.ok(entry, 'package.json contributes.grammars lacks the injection');
    assert.equal(join(root, entry.path), grammarPath);
    assert.deepEqual(entry.injectTo, ['source.yaml', 'text.html.markdown']);
    assert.match(grammar.injectionSelector, /L:source\.yaml -comment/);
    assert.match(grammar.injectionSelector, /L:text\.html\.markdown -markup\.fenced_code -markup\.inline\.raw/);
  });

  it('highlights dice with the very pattern the core finds them with', () => {
    assert.equal(grammar.repository.dice!.match, DICE_PATTERN);
    assert.equal(grammar.repository.dice!.name, 'constant.numeric.dice.campaign-vault');
  });

  it('the link pattern finds what the scanner finds in plain text', () => {
    const samples = [
      'Met [[Sildar Hallwinter]] and [[npc/Gundren Rockseeker|Gundren]] near [[ locations/Phandalin ]].',
      '[[outer [[Inner]] rest]] [[[Goblin]]] [[Goblin] and [x]] [[Goblin',
      '\\[[Escaped]] [[Sildar\\|the knight]] [[]] [[Two',
      'Lines]]',
    ];
    const re = new RegExp(grammar.repository['entity-link']!.match, 'g');
    for (const text of samples) {
      const fromGrammar = [...text.matchAll(re)].map((m) => `${m.index}:${m[0].length}:${m[2]}`);
      const fromScanner = scanLinks(text, 'plain').map((l) => `${l.offset}:${l.length}:${l.target}`);
      assert.deepEqual(fromGrammar, fromScanner, text);
    }
  });
});

// ── tokenizing with the engine VS Code uses ────────────────────────────────────────────────────

interface Token {
  startIndex: number;
  endIndex: number;
  scopes: string[];
}
interface TextMate {
  INITIAL: unknown;
  Registry: new (options: unknown) => { loadGrammar(scope: string): Promise<{ tokenizeLine(line: string, stack: unknown): { tokens: Token[]; ruleStack: unknown } } | null> };
  parseRawGrammar(content: string, path: string): unknown;
}
interface Oniguruma {
  loadWASM(data: ArrayBuffer): Promise<void>;
  OnigScanner: new (patterns: string[]) => unknown;
  OnigString: new (s: string) => unknown;
}

const load = createRequire(__filename);
function optional<T>(name: string): T | undefined {
  try {
    return load(name) as T;
  } catch {
    return undefined;
  }
}

/** Stand-ins for VS Code's YAML and Markdown grammars, with the same scope names where it matters. */
const HOSTS: Record<string, object> = {
  'source.yaml': {
    scopeName: 'source.yaml',
    patterns: [
      { begin: '(?:^|(?<=\\s))#', end: '$', name: 'comment.line.number-sign.yaml' },
      { match: '^\\s*([A-Za-z0-9_][\\w-]*)(?=:)', captures: { '1': { name: 'entity.name.tag.yaml' } } },
      { begin: '"', end: '"', name: 'string.quoted.double.yaml' },
    ],
  },
  'text.html.markdown': {
    scopeName: 'text.html.markdown',
    patterns: [
      { begin: '^(```|~~~)', end: '^\\1\\s*$', name: 'markup.fenced_code.block.markdown' },
      { begin: '(`+)', end: '\\1', name: 'markup.inline.raw.string.markdown' },
      { begin: '<!--', end: '-->', name: 'comment.block.html' },
    ],
  },
};

const tm = optional<TextMate>('vscode-textmate');
const onig = optional<Oniguruma>('vscode-oniguruma');

describe('grammar: tokenizing with vscode-textmate', function () {
  type Tokenize = (scope: string, text: string) => Promise<{ text: string; scopes: string[] }[][]>;
  let tokenize: Tokenize;

  before(async function () {
    // Dev dependencies: their absence is a broken install, not a reason to skip.
    assert.ok(tm && onig, 'vscode-textmate and vscode-oniguruma are missing: run npm ci');
    await onig.loadWASM(readFileSync(load.resolve('vscode-oniguruma/release/onig.wasm')).buffer as ArrayBuffer);
    const registry = new tm.Registry({
      onigLib: Promise.resolve({ createOnigScanner: (p: string[]) => new onig.OnigScanner(p), createOnigString: (s: string) => new onig.OnigString(s) }),
      loadGrammar: async (scope: string) =>
        scope === grammar.scopeName ? tm.parseRawGrammar(readFileSync(grammarPath, 'utf8'), grammarPath) : HOSTS[scope] ? tm.parseRawGrammar(JSON.stringify(HOSTS[scope]), `${scope}.json`) : null,
      getInjections: (scope: string) => ((manifest.contributes.grammars as { injectTo?: string[] }[]).some((g) => g.injectTo?.includes(scope)) ? [grammar.scopeName] : undefined),
    });
    tokenize = async (scope, text) => {
      const g = await registry.loadGrammar(scope);
      assert.ok(g);
      let stack = tm.INITIAL;
      return text.split('\n').map((line) => {
        const r = g.tokenizeLine(line, stack);
        stack = r.ruleStack;
        return r.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes }));
      });
    };
  });

  /** The texts scoped `scope` on each line, adjacent tokens joined. */
  async function scoped(host: string, text: string, scope: string): Promise<string[]> {
    const out: string[] = [];
    for (const line of await tokenize(host, text)) {
      let run = '';
      for (const t of line) {
        if (t.scopes.includes(scope)) run += t.text;
        else if (run) {
          out.push(run);
          run = '';
        }
      }
      if (run) out.push(run);
    }
    return out;
  }
  const DICE = 'constant.numeric.dice.campaign-vault';
  const TARGET = 'markup.underline.link.entity.campaign-vault';
  const ALIAS = 'string.other.link.description.campaign-vault';

  it('YAML: dice and links in values, not in keys or comments', async () => {
    const yaml = ['d6: 1d6', 'damage: 2d6+3 # or [[Fireball]] for 8d6', 'hit_dice: "4d6kh3 + 1d20 - 2"', 'ally: "[[npc/Sildar Hallwinter|the knight]]"', 'dc: 15'].join('\n');
    assert.deepEqual(await scoped('source.yaml', yaml, DICE), ['1d6', '2d6+3', '4d6kh3 + 1d20 - 2']);
    assert.deepEqual(await scoped('source.yaml', yaml, TARGET), ['npc/Sildar Hallwinter']);
    assert.deepEqual(await scoped('source.yaml', yaml, ALIAS), ['the knight']);
  });

  it('Markdown: dice and links in prose, not in code or comments', async () => {
    const md = [
      'Roll 4d6kh3 for [[Goblin]], then 1d20+5-1d4; not `1d20` or `[[Wolf]]`, not add6 or d8s.',
      '```',
      'damage: 8d6 [[Fireball]]',
      '```',
      '<!-- 2d6 [[Lich]] --> \\[[Escaped]] and [[Owlbear|the beast]] take d% damage.',
    ].join('\n');
    assert.deepEqual(await scoped('text.html.markdown', md, DICE), ['4d6kh3', '1d20+5-1d4', 'd%']);
    assert.deepEqual(await scoped('text.html.markdown', md, TARGET), ['Goblin', 'Owlbear']);
    assert.deepEqual(await scoped('text.html.markdown', md, ALIAS), ['the beast']);
  });

  it('scopes what the core finds, on the dice samples of the parser tests', async () => {
    const line = 'The goblin hits (1d6 + 2) — roll 1d20+5-1d4, 4d6kh3 or d% but not add6, d8s, x2d6 or 3D.';
    assert.deepEqual(
      await scoped('text.html.markdown', line, DICE),
      findDice(line).map((m) => m.text),
    );
  });
});
