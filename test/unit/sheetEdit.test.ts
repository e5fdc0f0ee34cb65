import * as assert from 'node:assert/strict';
import { parse, stringify } from 'yaml';
import { applyFieldEdit, minimalChange, sheetKindFromPath, sheetMessage } from '../../src/core/sheet';
import { characterFromFoundry, readYaml } from './schemaFixtures';

const AKRA = `# Akra, played by Sam — keep this header
name: "Akra"    # her full name is secret
level: 3
abilities:
  str: 16 # rolled 4d6
  dex: 10
hp: null
speed: { walk: 30 }
inventory:
  - name: Rope
    quantity: 1   # one coil
    weight: 10
  - name: Torch
    quantity: 5
notes: |
  Owes the temple 50 gp.
  # not a comment, part of the notes
biography: A very long plain biography line that goes on well beyond eighty columns, which the yaml library would fold by default.
`;

const ok = (r: ReturnType<typeof applyFieldEdit>): string => {
  if (!r.ok) assert.fail(`edit refused: ${r.message}`);
  return r.text;
};
const refused = (r: ReturnType<typeof applyFieldEdit>, re: RegExp) => {
  assert.equal(r.ok, false, 'the edit should have been refused');
  if (!r.ok) assert.match(r.message, re);
};

describe('core/sheet: applyFieldEdit', () => {
  it('changes one scalar in place: comments, spacing and every other line stay byte for byte', () => {
    const text = ok(applyFieldEdit(AKRA, 'character', ['abilities', 'str'], 17));
    assert.equal(text, AKRA.replace('str: 16 #', 'str: 17 #'));
    const q = ok(applyFieldEdit(AKRA, 'character', ['inventory', 0, 'quantity'], 3));
    assert.equal(q, AKRA.replace('quantity: 1   # one coil', 'quantity: 3   # one coil'));
  });

  it('keeps a quoted string quoted, and quotes text that would read as a number', () => {
    const text = ok(applyFieldEdit(AKRA, 'character', ['name'], 'Akra of the Sunrise'));
    assert.equal(text, AKRA.replace('"Akra"', '"Akra of the Sunrise"'));
    const num = ok(applyFieldEdit('name: Zed\nplayer: Sam\n', 'character', ['player'], '42'));
    assert.equal(parse(num).player, '42');
  });

  it('creates a missing or null group, and a missing field, keeping the comments', () => {
    const text = ok(applyFieldEdit(AKRA, 'character', ['hp', 'current'], 12));
    assert.deepEqual(parse(text).hp, { current: 12 });
    assert.match(text, /^# Akra, played by Sam — keep this header$/m);
    assert.match(text, /# her full name is secret/);
    assert.match(text, /str: 16 # rolled 4d6/);
    assert.match(text, /quantity: 1 # one coil/);
    const added = ok(applyFieldEdit(AKRA, 'character', ['inventory', 1, 'weight'], 1));
    assert.deepEqual(parse(added).inventory[1], { name: 'Torch', quantity: 5, weight: 1 });
    // The long line is not re-folded when the document is re-printed.
    assert.match(added, /^biography: A very long plain biography line .* by default\.$/m);
    assert.deepEqual(parse(ok(applyFieldEdit(AKRA, 'character', ['speed', 'fly'], 60))).speed, { walk: 30, fly: 60 });
  });

  it('writes multi-line notes as a block, and the result reads back the same', () => {
    const notes = 'Owes the temple 60 gp.\nSaw the dragon.';
    const text = ok(applyFieldEdit(AKRA, 'character', ['notes'], notes));
    assert.equal(parse(text).notes, notes);
    assert.match(text, /# her full name is secret/);
  });

  it('refuses values that do not fit the schema, with a sentence', () => {
    refused(applyFieldEdit(AKRA, 'character', ['abilities', 'str'], 31), /Strength \(abilities\.str\) must be a whole number from 1 to 30/);
    refused(applyFieldEdit(AKRA, 'character', ['abilities', 'str'], 12.5), /whole number/);
    refused(applyFieldEdit(AKRA, 'character', ['abilities', 'str'], 'strong'), /must be a number/);
    refused(applyFieldEdit(AKRA, 'character', ['inventory', 0, 'quantity'], -1), /from 0 to/);
    refused(applyFieldEdit(AKRA, 'character', ['name'], ''), /cannot be empty/);
    refused(applyFieldEdit(AKRA, 'character', ['name'], 'two\nlines'), /no line breaks/);
    refused(applyFieldEdit(AKRA, 'character', ['name'], null), /cannot be empty/);
    refused(applyFieldEdit(AKRA, 'character', ['inspiration'], 'yes'), /cannot be text/);
    refused(applyFieldEdit(AKRA, 'character', ['spells', 'ability'], 'luck'), /must be one of str, dex/);
  });

  it('refuses paths that are not editable fields', () => {
    refused(applyFieldEdit(AKRA, 'character', ['abilities'], 3), /Ability scores \(abilities\) cannot be a number/);
    refused(applyFieldEdit(AKRA, 'character', ['abilities'], null), /abilities is a group of fields or a list/);
    refused(applyFieldEdit(AKRA, 'character', ['speed'], 25), /speed is a group of fields/);
    assert.equal(ok(applyFieldEdit('name: A\nspeed: 30\n', 'character', ['speed'], 25)), 'name: A\nspeed: 25\n');
    refused(applyFieldEdit(AKRA, 'character', ['statblock', 'ac'], 3), /not a field of a character/);
    refused(applyFieldEdit(AKRA, 'character', ['inventory', 5, 'quantity'], 3), /inventory\[5\] does not exist/);
    refused(applyFieldEdit(AKRA, 'character', ['inventory', 'first', 'quantity'], 3), /not a field/);
    refused(applyFieldEdit(AKRA, 'character', ['x-mine'], 3), /not a field/);
    refused(applyFieldEdit(AKRA, 'character', ['__proto__', 'polluted'], 3), /not a field/);
    refused(applyFieldEdit('name: A\nabilities: 12\n', 'character', ['abilities', 'str'], 3), /abilities is not a group of fields/);
    assert.equal(ok(applyFieldEdit('name: Goblin\nstatblock:\n  ac: 15\n', 'npc', ['statblock', 'ac'], 13)), 'name: Goblin\nstatblock:\n  ac: 13\n');
  });

  it('refuses to edit text that is not valid YAML, saying where, and leaves it alone', () => {
    const broken = 'name: Akra\nabilities:\n  str: [16\n  dex: 10\n';
    refused(applyFieldEdit(broken, 'character', ['abilities', 'dex'], 12), /The YAML has an error \(line \d+\).*text editor/);
    refused(applyFieldEdit('name: A\nname: B\n', 'character', ['level'], 2), /YAML has an error/);
    refused(applyFieldEdit('- just\n- a list\n', 'character', ['level'], 2), /top level is not a group/);
  });

  it('edits a real converted hero and keeps the rest of its YAML identical', () => {
    const body = characterFromFoundry(readYaml('test/fixtures/sample-campaign/characters/zanna-gnome-wizard.yml') as never);
    const text = `# Zanna\n${stringify(body)}`;
    const after = ok(applyFieldEdit(text, 'character', ['hp', 'current'], 3));
    const change = minimalChange(text, after);
    assert.equal(text.slice(change.start, change.end), '8');
    assert.equal(change.text, '3');
    assert.equal(parse(after).hp.current, 3);
  });
});

describe('core/sheet: minimalChange', () => {
  it('finds the smallest replaced span', () => {
    assert.deepEqual(minimalChange('str: 16\n', 'str: 17\n'), { start: 6, end: 7, text: '7' });
    assert.deepEqual(minimalChange('abc', 'abc'), { start: 3, end: 3, text: '' });
    assert.deepEqual(minimalChange('a: 1\n', 'a: 1\nb: 2\n'), { start: 5, end: 5, text: 'b: 2\n' });
    const before = 'n: 😀\n';
    const c = minimalChange(before, 'n: 😃\n');
    assert.equal(before.slice(0, c.start) + c.text + before.slice(c.end), 'n: 😃\n');
    assert.equal(c.end - c.start, 2); // the whole surrogate pair
  });
});

describe('core/sheet: sheetMessage and kinds', () => {
  it('shows a sheet with schema problems listed, or says why the YAML cannot be shown', () => {
    const m = sheetMessage('name: Akra\nabilities:\n  str: 40\n', 'character', 3);
    assert.equal(m.type, 'update');
    if (m.type === 'update') {
      assert.equal(m.version, 3);
      assert.equal(m.model.kind, 'character');
      assert.ok(m.issues.some((i) => /at most 30/.test(i)), m.issues.join('; '));
    }
    const bad = sheetMessage('name: Akra\nabilities: {str: 1\n', 'character', 4);
    assert.equal(bad.type, 'invalid');
    if (bad.type === 'invalid') assert.match(bad.message, /line \d/);
    assert.equal(sheetMessage('just text', 'character', 1).type, 'invalid');
    const npc = sheetMessage('name: Goblin\nstatblock: {challenge_rating: 0.25}\n', undefined, 1);
    assert.equal(npc.type === 'update' && npc.model.kind, 'npc');
  });

  it('shows a sheet with many schema problems, and says how many more there are instead of dropping them', () => {
    const text = ['name: Akra', 'abilities:', '  str: 40', '  dex: 99', '  con: 0', '  int: 31', '  wis: 32', '  cha: 33', 'level: 45'].join('\n');
    const m = sheetMessage(text, 'character', 1);
    assert.equal(m.type, 'update');
    if (m.type !== 'update') return;
    assert.equal(m.issues.length, 6, m.issues.join('; '));
    assert.equal(m.issues[5], '…and 2 more problems: open the file in the text editor to see them all');
    // The sheet still shows every value, each marked with why.
    const dex = m.model.kind === 'character' ? m.model.abilities.find((a) => a.ability === 'dex') : undefined;
    assert.deepEqual([dex?.score, dex?.problem], [99, 'Dexterity 99 is above 30, the most the rules allow']);
    const one = sheetMessage(text.split('\n').slice(0, 8).join('\n'), 'character', 1);
    assert.equal(one.type === 'update' && one.issues[5], '…and 1 more problem: open the file in the text editor to see them all');
    const five = sheetMessage(text.split('\n').slice(0, 7).join('\n'), 'character', 1);
    assert.equal(five.type === 'update' && five.issues.length, 5);
  });

  it('knows the kind from the folder, URL-encoded or not', () => {
    assert.equal(sheetKindFromPath('/Lost%20Mine/characters/Akra.yaml'), 'character');
    assert.equal(sheetKindFromPath('/Lost Mine/npcs/Bandit Captain.yaml'), 'npc');
    assert.equal(sheetKindFromPath('C:\\camp\\NPCs\\x.yaml'), 'npc');
    assert.equal(sheetKindFromPath('/Lost Mine/characters/notes/x.yaml'), undefined);
    assert.equal(sheetKindFromPath('/characters.yaml'), undefined);
  });
});
