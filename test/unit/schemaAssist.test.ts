import * as assert from 'node:assert/strict';
import { completionsAt, hoverAt, schemaAt } from '../../src/core/documents/schemaAssist';
import { schemaFor } from '../../src/core/schema';

/** Completions at the "|" in `text`. */
function complete(kind: Parameters<typeof completionsAt>[0], marked: string) {
  const offset = marked.indexOf('|');
  return completionsAt(kind, marked.replace('|', ''), offset);
}
const labels = (c: { label: string }[]) => c.map((x) => x.label);

describe('schema assistance for YAML entries', () => {
  it('finds the schema of nested fields and list items', () => {
    const root = schemaFor('character');
    assert.equal(schemaAt(root, ['hp', 'temp'])?.title, 'Temporary hit points');
    assert.equal(schemaAt(root, ['inventory', 0, 'weight'])?.title, 'Weight');
    assert.equal(schemaAt(root, ['no_such_field']), undefined);
  });

  it('offers top-level fields that are not there yet, with the schema text', () => {
    const c = complete('character', 'name: Zanna\nlevel: 1\n|');
    const names = labels(c);
    assert.ok(names.includes('abilities') && names.includes('hp') && names.includes('biography'));
    assert.ok(!names.includes('name') && !names.includes('level'), 'present fields are not offered again');
    const hp = c.find((x) => x.label === 'hp')!;
    assert.equal(hp.insertText, 'hp:');
    assert.match(hp.documentation ?? '', /maximum, current and temporary/);
  });

  it('filters by the typed prefix and offers fields of a nested group', () => {
    assert.deepEqual(labels(complete('character', 'name: Zanna\nbio|')), ['biography']);
    const c = labels(complete('character', 'name: Zanna\nhp:\n  max: 8\n  |'));
    assert.deepEqual(c.sort(), ['current', 'temp']);
  });

  it('offers the fields of a list item, on its first line and below it', () => {
    const first = labels(complete('character', 'name: Zanna\ninventory:\n  - |'));
    assert.ok(first.includes('name') && first.includes('quantity') && first.includes('weight'), first.join());
    const below = labels(complete('character', 'name: Zanna\ninventory:\n  - name: Rope\n    |'));
    assert.ok(below.includes('quantity') && !below.includes('name'), below.join());
    const second = labels(complete('character', 'name: Zanna\ninventory:\n  - name: Rope\n    quantity: 1\n  - |'));
    assert.ok(second.includes('name') && second.includes('quantity'), 'a new item starts empty');
  });

  it('offers enum values and examples after a field name', () => {
    const abilities = labels(complete('character', 'name: Zanna\nspells:\n  ability: |'));
    assert.deepEqual(abilities, ['str', 'dex', 'con', 'int', 'wis', 'cha']);
    assert.ok(labels(complete('character', 'name: Zanna\nalignment: Lawful|')).every((l) => l.startsWith('Lawful')));
    assert.ok(labels(complete('character', 'name: Zanna\ninspiration: |')).includes('true'));
  });

  it('works on a half-typed document that is not valid YAML', () => {
    const c = labels(complete('character', 'name: [Zanna\nhp:\n  |'));
    assert.ok(c.includes('max'));
  });

  it('explains the field under the cursor', () => {
    const text = 'name: Zanna\nhp:\n  temp: 3\n';
    const h = hoverAt('character', text, text.indexOf('temp') + 2);
    assert.ok(h);
    assert.match(h.markdown, /\*\*Temporary hit points\*\*/);
    assert.equal(text.slice(h.start, h.end), 'temp');
    assert.equal(hoverAt('character', text, text.indexOf('3')), undefined, 'not on a value');
    // School is free text with suggestions: they are examples, not the only values allowed.
    const school = hoverAt('spell', 'name: Fireball\nschool: Evocation\n', 'name: Fireball\nsch'.length);
    assert.match(school?.markdown ?? '', /For example: .*`Evocation`/);
    assert.doesNotMatch(school?.markdown ?? '', /One of/);
    // An enum is a real "one of".
    const rarity = hoverAt('item', 'name: Ring\nrarity: rare\n', 'name: Ring\nrar'.length);
    assert.match(rarity?.markdown ?? '', /One of: `common`, `uncommon`, `rare`/);
  });

  it('says the range of a number field, not its example as if it were the only value', () => {
    const hover = (kind: Parameters<typeof hoverAt>[0], text: string, key: string) => hoverAt(kind, text, text.indexOf(key) + 1)?.markdown ?? '';
    const dex = hover('character', 'name: Zanna\nabilities:\n  dex: 12\n', 'dex');
    assert.match(dex, /\*\*Dexterity\*\* — whole number/);
    assert.match(dex, /A whole number from 1 to 30\./);
    assert.doesNotMatch(dex, /One of|For example/);
    assert.match(hover('character', 'name: Zanna\nlevel: 3\n', 'level'), /A whole number from 1 to 30\./);
    assert.match(hover('character', 'name: Zanna\nxp: 300\n', 'xp'), /A whole number from 0 to 1,000,000,000\./);
    assert.match(hover('character', 'name: Zanna\nproficiency_bonus: 2\n', 'proficiency_bonus'), /A whole number from 0 to 30\./);
    assert.match(hover('character', 'name: Zanna\nhp:\n  current: 3\n', 'current'), /A whole number from -100,000 to 100,000\./);
    // Speed is a number or a group: the hover says both, and the number's range.
    const speed = hover('character', 'name: Zanna\nspeed: 30\n', 'speed');
    assert.match(speed, /number or group/);
    assert.match(speed, /A number from 0 to 10,000\./);
    assert.match(hover('npc', 'name: Goblin\nstatblock:\n  challenge_rating: 0.25\n', 'challenge_rating'), /A number from 0 to 30\./);
    assert.match(hover('spell', 'name: Fireball\nlevel: 3\n', 'level'), /A whole number from 0 to 9\./);
    // Text fields keep their suggestions.
    assert.match(hover('character', 'name: Zanna\nalignment: Neutral\n', 'alignment'), /For example: `Lawful Good`/);
  });
});
