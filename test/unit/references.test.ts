import * as assert from 'node:assert/strict';
import { parse } from 'yaml';
import { linkCandidates, linkInsertText, linkTarget, openLinkAt, referenceAt, referenceCandidates, yamlId } from '../../src/core/documents/referenceAssist';
import { valueAt } from '../../src/core/documents/schemaAssist';
import { LinkResolver, type EntitySummary } from '../../src/core/links';
import { ENTITY_KINDS, REFERENCE_FIELDS, referenceFieldAt, referencesIn, schemaFor, validateBody } from '../../src/core/schema';
import { schemaAt } from '../../src/core/documents/schemaAssist';

/** Splits "text with | cursor" (the last |) into the text and the cursor's offset. */
const at = (marked: string) => {
  const offset = marked.lastIndexOf('|');
  return { text: marked.slice(0, offset) + marked.slice(offset + 1), offset };
};

describe('reference fields: ids of other entries in a body', () => {
  it('lists every *_id property of every schema, and each listed field exists in its schema', () => {
    const found: string[] = [];
    const walk = (s: unknown, pointer: string, kind: string) => {
      if (typeof s !== 'object' || s === null) return;
      const o = s as Record<string, unknown>;
      for (const [k, sub] of Object.entries((o.properties as Record<string, unknown>) ?? {})) {
        if (k.endsWith('_id')) found.push(`${kind} ${pointer}/${k}`);
        walk(sub, `${pointer}/${k}`, kind);
      }
      if (o.items) walk(o.items, `${pointer}/*`, kind);
    };
    for (const kind of ENTITY_KINDS) walk(schemaFor(kind), '', kind);
    assert.deepEqual(found.sort(), REFERENCE_FIELDS.map((f) => `${f.kind} ${f.pointer}`).sort());
    for (const f of REFERENCE_FIELDS) {
      const path = f.pointer.split('/').slice(1).map((s) => (s === '*' ? 0 : s));
      assert.ok(schemaAt(schemaFor(f.kind), path), `${f.kind} ${f.pointer} is in the schema`);
    }
  });

  it('finds the field at a path, list positions included', () => {
    assert.equal(referenceFieldAt('npc', ['location_id'])?.target, 'location');
    assert.equal(referenceFieldAt('location', ['parent_id'])?.sameCampaign, true);
    assert.equal(referenceFieldAt('character', ['spells', 'known', 3, 'spell_id'])?.target, 'spell');
    assert.equal(referenceFieldAt('character', ['inventory', 0, 'item_id'])?.target, 'item');
    assert.equal(referenceFieldAt('npc', ['statblock', 'spellcasting', 'spells', 2, 'spell_id'])?.target, 'spell');
    assert.equal(referenceFieldAt('character', ['location_id']), undefined, 'a character has no location_id');
    assert.equal(referenceFieldAt('character', ['inventory', 'x', 'item_id']), undefined, 'a key is not a list position');
  });

  it('collects the ids a body holds, with their pointers', () => {
    const body = { name: 'Zanna', inventory: [{ name: 'Rope' }, { name: 'Dagger', item_id: 'i-1' }], spells: { known: [{ name: 'Fireball', level: 3, spell_id: 's-1' }] }, portrait_asset_id: '' };
    assert.deepEqual(
      referencesIn('character', body).map((r) => [r.pointer, r.id, r.field.target]),
      [
        ['/spells/known/0/spell_id', 's-1', 'spell'],
        ['/inventory/1/item_id', 'i-1', 'item'],
      ],
    );
    assert.deepEqual(referencesIn('character', { spells: 'nonsense', inventory: { item_id: 'x' } }), []);
  });

  it('lets an NPC stat block link its spells (spell_id), as a character can', () => {
    assert.deepEqual(validateBody('npc', { name: 'Iarno', statblock: { spellcasting: { spells: [{ name: 'Mage Armor', level: 1, spell_id: '0193e5a2-7b3c-7def-8000-000000000001' }] } } }), []);
    assert.equal(validateBody('npc', { name: 'Iarno', statblock: { spellcasting: { spells: [{ name: 'Mage Armor', spell_id: '' }] } } }).length, 1, 'an empty id is refused');
  });
});

describe('reference fields in YAML text: where the cursor is', () => {
  it('finds the value of a top-level field, empty or not, quoted or not', () => {
    let t = at('name: Sildar\nlocation_id: |\n');
    assert.deepEqual(referenceAt('npc', t.text, t.offset), { path: ['location_id'], text: '', start: t.offset, end: t.offset, field: referenceAt('npc', t.text, t.offset)!.field });
    t = at('name: Sildar\nlocation_id: 0193|abc\n');
    let r = referenceAt('npc', t.text, t.offset)!;
    assert.equal(r.text, '0193abc');
    assert.equal(t.text.slice(r.start, r.end), '0193abc');
    t = at('location_id: "0193|abc"  # where he stays\n');
    r = referenceAt('npc', t.text, t.offset)!;
    assert.equal(r.quote, '"');
    assert.equal(t.text.slice(r.start, r.end), '0193abc');
    t = at('location_id: 0193abc  # where| he stays\n');
    assert.equal(referenceAt('npc', t.text, t.offset), undefined, 'not in a comment');
    t = at('locat|ion_id: 0193abc\n');
    assert.equal(referenceAt('npc', t.text, t.offset), undefined, 'not on the key');
    t = at('role: |\n');
    assert.equal(referenceAt('npc', t.text, t.offset), undefined, 'not another field');
  });

  it('finds ids inside list items, at any depth', () => {
    let t = at('name: Zanna\ninventory:\n  - name: Dagger\n    item_id: |\n  - name: Rope\n');
    assert.equal(referenceAt('character', t.text, t.offset)?.field.target, 'item');
    t = at('name: Zanna\nspells:\n  known:\n    - name: Fireball\n      level: 3\n      spell_id: |\n');
    assert.equal(referenceAt('character', t.text, t.offset)?.field.target, 'spell');
    t = at('name: Zanna\ninventory:\n  - item_id: |\n');
    assert.equal(referenceAt('character', t.text, t.offset)?.field.target, 'item', 'on the line of the dash');
    t = at('name: Iarno\nstatblock:\n  spellcasting:\n    spells:\n      - name: Mage Armor\n        spell_id: |\n');
    assert.equal(referenceAt('npc', t.text, t.offset)?.field.target, 'spell');
  });

  it('reads a trailing space after a value as still the value, and a group as no value', () => {
    const t = at('parent_id: abc |\n');
    assert.equal(valueAt(t.text, t.offset)?.text, 'abc');
    const g = at('hp: {max: 3|}\n');
    assert.equal(valueAt(g.text, g.offset), undefined);
  });
});

describe('reference fields: the entries offered', () => {
  const C1 = 'c-1';
  const entities: EntitySummary[] = [
    { id: 'l-2', kind: 'location', name: 'Tresendar Manor', campaign_id: C1 },
    { id: 'l-1', kind: 'location', name: 'Phandalin', campaign_id: C1 },
    { id: 'l-9', kind: 'location', name: 'Barovia', campaign_id: 'c-2' },
    { id: 's-1', kind: 'spell', name: 'Fireball', campaign_id: null },
    { id: 's-2', kind: 'spell', name: 'Wish', campaign_id: 'c-2' },
    { id: 's-3', kind: 'spell', name: 'Zone of Truth', campaign_id: C1 },
  ];

  it('offers entries of the right kind: this campaign, then the library, then elsewhere, by name', () => {
    const spell = referenceFieldAt('character', ['spells', 'known', 0, 'spell_id'])!;
    assert.deepEqual(
      referenceCandidates(entities, spell, { campaign_id: C1 }).map((c) => `${c.entity.name} ${c.scope}`),
      ['Zone of Truth campaign', 'Fireball library', 'Wish elsewhere'],
    );
    const npcLocation = referenceFieldAt('npc', ['location_id'])!;
    assert.deepEqual(
      referenceCandidates(entities, npcLocation, { campaign_id: C1 }).map((c) => c.entity.name),
      ['Phandalin', 'Tresendar Manor', 'Barovia'],
    );
  });

  it("offers a location's parent only from its own campaign, and never itself", () => {
    const parent = referenceFieldAt('location', ['parent_id'])!;
    assert.deepEqual(
      referenceCandidates(entities, parent, { campaign_id: C1, selfId: 'l-2' }).map((c) => c.entity.name),
      ['Phandalin'],
    );
  });

  it('writes ids as YAML that reads back as the same text', () => {
    for (const id of ['0193e5a2-7b3c-7def-8000-0000000000ab', 'abc', '123', '1e5', 'true', '2024-01-01', 'a: b', "it's", 'x"y']) {
      assert.equal(parse(`id: ${yamlId(id)}`).id, id, id);
      assert.equal(parse(`id: "${yamlId(id, '"')}"`).id, id, `${id} in double quotes`);
      assert.equal(parse(`id: '${yamlId(id, "'")}'`).id, id, `${id} in single quotes`);
    }
    assert.equal(yamlId('0193e5a2-7b3c-7def-8000-0000000000ab'), '0193e5a2-7b3c-7def-8000-0000000000ab', 'a UUID stays plain');
  });
});

describe('[[ entity links being typed', () => {
  it('finds the [[ before the cursor and what is typed after it', () => {
    let t = at('notes: The party met [[Sil|\n');
    assert.deepEqual(openLinkAt(t.text, t.offset), { start: t.text.indexOf('[['), end: t.offset, typed: 'Sil', quote: false });
    t = at('notes: The party met [[|]] on the road\n');
    assert.equal(openLinkAt(t.text, t.offset)?.end, t.offset + 2, 'an auto-closed ]] is replaced too');
    t = at('notes: met [[Sil|dar]] there\n');
    assert.equal(openLinkAt(t.text, t.offset)?.end, t.offset + 5, 'the rest of the target too');
    t = at('ally: [[|\n');
    assert.equal(openLinkAt(t.text, t.offset)?.quote, true, 'a value that starts with a link is quoted');
    t = at('allies:\n  - [[|]]\n');
    assert.equal(openLinkAt(t.text, t.offset)?.quote, true, 'a list item too');
    t = at('ally: "[[|"\n');
    assert.equal(openLinkAt(t.text, t.offset)?.quote, false, 'already quoted');
  });

  it('in Markdown notes: never quoted, and not in code', () => {
    let t = at('ally: [[Sil|\n');
    assert.deepEqual(openLinkAt(t.text, t.offset, 'markdown'), { start: 6, end: t.offset, typed: 'Sil', quote: false });
    t = at('Use `[[Sil|` here\n');
    assert.equal(openLinkAt(t.text, t.offset, 'markdown'), undefined, 'in a code span');
    t = at('# Session 1 [[Sil|\n');
    assert.ok(openLinkAt(t.text, t.offset, 'markdown'), 'a heading is text in Markdown, not a comment');
  });

  it('is not a link in a comment, after a closed link, after |, or escaped', () => {
    for (const marked of ['notes: x # see [[Sil|\n', 'notes: [[Sildar]] and| more\n', 'notes: [[Sildar|the kn|\n', 'notes: \\[[Sil|\n', 'notes: Sil|\n']) {
      const t = at(marked);
      assert.equal(openLinkAt(t.text, t.offset), undefined, marked);
    }
  });

  it('offers every kind whose name holds the typed text, this campaign first, never the document itself', () => {
    const all: EntitySummary[] = [
      { id: 'c', kind: 'campaign', name: 'Lost Mine' },
      { id: 'n-1', kind: 'npc', name: 'Sildar Hallwinter', campaign_id: 'c' },
      { id: 'r-1', kind: 'rulebook', name: "Player's Handbook", campaign_id: null },
      { id: 'n-9', kind: 'npc', name: 'Strahd', campaign_id: 'c-2' },
      { id: 'l-1', kind: 'location', name: 'Phandalin', campaign_id: 'c' },
    ];
    assert.deepEqual(
      linkCandidates(all, { campaign_id: 'c', selfId: 'l-1' }, '').map((x) => x.entity.name),
      ['Lost Mine', 'Sildar Hallwinter', "Player's Handbook", 'Strahd'],
    );
    assert.deepEqual(linkCandidates(all, { campaign_id: 'c' }, '  HALL').map((x) => x.entity.name), ['Sildar Hallwinter']);
    assert.deepEqual(linkCandidates(all, { campaign_id: 'c' }, 'hand').map((x) => x.entity.name), ['Phandalin', "Player's Handbook"], 'rulebooks by their title too');
  });

  it('names the entity plainly, or with its kind when the name alone finds another', () => {
    const all: EntitySummary[] = [
      { id: 'n-1', kind: 'npc', name: 'Phandalin', campaign_id: 'c' },
      { id: 'l-1', kind: 'location', name: 'Phandalin', campaign_id: 'c' },
      { id: 'n-2', kind: 'npc', name: 'Sildar Hallwinter', campaign_id: 'c' },
      { id: 'i-1', kind: 'item', name: 'Either/Or', campaign_id: null },
      { id: 'i-2', kind: 'item', name: 'Bad [name]', campaign_id: null },
    ];
    const resolver = new LinkResolver(all);
    const target = (id: string) => linkTarget(all.find((e) => e.id === id)!, resolver, { campaign_id: 'c' });
    assert.equal(target('n-2'), 'Sildar Hallwinter');
    assert.equal(target('l-1'), 'location/Phandalin');
    assert.equal(target('n-1'), 'npc/Phandalin');
    assert.equal(target('i-1'), 'item/Either/Or', 'a slash in a name needs the kind first');
    assert.equal(target('i-2'), undefined, 'a name with brackets cannot be linked');
    assert.equal(linkInsertText('Sildar Hallwinter', { quote: false }), '[[Sildar Hallwinter]]');
    assert.equal(parse(`ally: ${linkInsertText('Sildar "the knight"', { quote: true })}`).ally, '[[Sildar "the knight"]]');
  });
});
