import * as assert from 'node:assert/strict';
import { parse } from 'yaml';
import { TEXT_LIMITS, entityToText, parseEntityText } from '../../src/core/documents/yamlText';

const hero = {
  id: '0192aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee',
  kind: 'character',
  campaign_id: 'c1',
  version: 3,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-02T00:00:00.000Z',
  deleted_at: null,
  biography: 'Born in Rockport.\nApprenticed to a wizard.',
  name: 'Zanna',
  level: 1,
  class: 'Wizard',
  abilities: { str: 8, dex: 12, con: 15, int: 17, wis: 13, cha: 10 },
  hp: { current: 8, max: 8 },
};

/** The text between the problem's offsets. */
const at = (text: string, p: { start: number; end: number }) => text.slice(p.start, p.end);

describe('entities as YAML text', () => {
  it('shows the body only, name first, in the schema order, multi-line text as a block', () => {
    const text = entityToText('character', hero);
    assert.ok(text.startsWith('name: Zanna\n'), text);
    for (const system of ['id:', 'version:', 'created_at:', 'campaign_id:', 'kind:']) assert.ok(!text.includes(`\n${system}`), `${system} leaked into ${text}`);
    assert.ok(text.indexOf('level:') < text.indexOf('abilities:'));
    assert.ok(text.includes('biography: |'), text);
    const parsed = parseEntityText('character', text);
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(parsed.body, parse(text));
    assert.equal(parsed.body?.biography, hero.biography);
  });

  it('locates a schema problem on the offending value', () => {
    const text = 'name: Zanna\nlevel: 1\nabilities:\n  str: 8\n  dex: 99\n';
    const { problems, body } = parseEntityText('character', text);
    assert.ok(body, 'valid YAML still yields a body');
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.source, 'schema');
    assert.match(problems[0]!.message, /abilities\.dex must be at most 30/);
    assert.equal(at(text, problems[0]!), 'dex: 99');
  });

  it('points an unknown field at its key and suggests the right one', () => {
    const text = 'name: Zanna\nlevle: 3\n';
    const [p] = parseEntityText('character', text).problems;
    assert.match(p!.message, /unknown field.*levle.*did you mean.*level/);
    assert.equal(at(text, p!), 'levle');
  });

  it('points a missing required field at the nearest existing part', () => {
    const text = 'level: 3\n';
    const [p] = parseEntityText('character', text).problems;
    assert.match(p!.message, /name.*required/i);
    assert.equal(p!.start, 0);
  });

  it('reports invalid YAML with its position and no body', () => {
    const text = 'name: Zanna\nabilities: [8, 12\n';
    const r = parseEntityText('character', text);
    assert.equal(r.body, undefined);
    assert.ok(r.problems.length > 0);
    assert.equal(r.problems[0]!.source, 'yaml');
    assert.ok(r.problems[0]!.start >= 'name: Zanna\n'.length, `at ${r.problems[0]!.start}`);
  });

  it('refuses duplicate keys where the second one is', () => {
    const text = 'name: Zanna\nlevel: 1\nlevel: 2\n';
    const r = parseEntityText('character', text);
    assert.equal(r.body, undefined);
    assert.match(r.problems[0]!.message, /appears twice/);
    assert.equal(text.slice(r.problems[0]!.start).startsWith('level: 2'), true, `at ${r.problems[0]!.start}`);
  });

  it('refuses an alias bomb quickly with a clear message', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++) lines.push(`a${i}: &a${i} [*a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}]`);
    const text = `name: Bomb\nextra:\n  ${lines.join('\n  ')}\n`;
    // Expanded, this is 9^12 nodes: it could not finish within the test's timeout.
    const r = parseEntityText('character', text);
    assert.equal(r.body, undefined);
    assert.match(r.problems[0]!.message, /aliases/);
  });

  it('refuses very deep nesting and huge documents before parsing', () => {
    const deep = `name: Deep\nextra: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`;
    const r = parseEntityText('character', deep);
    assert.equal(r.body, undefined);
    assert.match(r.problems[0]!.message, /nested too deeply/);
    const huge = `name: Huge\nbiography: ${'x'.repeat(TEXT_LIMITS.maxChars)}\n`;
    assert.match(parseEntityText('character', huge).problems[0]!.message, /too large/);
  });

  it('says what a document holds when it is not a mapping', () => {
    assert.match(parseEntityText('character', '- a\n- b\n').problems[0]!.message, /holds a list/);
    assert.match(parseEntityText('character', '').problems[0]!.message, /holds nothing/);
    assert.match(parseEntityText('character', 'just text').problems[0]!.message, /single value/);
  });

  it('refuses non-text keys and wrong types with the field named', () => {
    assert.match(parseEntityText('character', 'name: Zanna\n1: one\n').problems[0]!.message, /field name must be text/);
    const text = 'name: Zanna\nlevel: three\n';
    const [p] = parseEntityText('character', text).problems;
    assert.match(p!.message, /level must be a whole number/);
    assert.equal(at(text, p!), 'level: three');
  });

  it('refuses names with control characters or right-to-left overrides', () => {
    const text = 'name: "Zan\\u202Ena"\n';
    const [p] = parseEntityText('character', text).problems;
    assert.ok(p, 'a problem');
    assert.equal(p.source, 'schema');
    assert.match(p.message, /name/);
  });
});
