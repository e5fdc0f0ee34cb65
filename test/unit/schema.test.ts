import * as assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createContext, runInContext } from 'node:vm';
import { build } from 'esbuild';
import { parse, stringify } from 'yaml';
import {
  ENTITY_KINDS,
  MAX_DEPTH,
  MAX_ISSUES,
  MAX_TEXT,
  MAX_VALUES,
  isEntityKind,
  schemaFor,
  validateBody,
  type EntityKind,
  type SchemaIssue,
} from '../../src/core/schema';
import type * as SchemaModule from '../../src/core/schema';
import { importedBodies, importedBody, readJson, root } from './schemaFixtures';

type Schema = Record<string, unknown>;
const props = (s: unknown) => (s as { properties: Record<string, Schema> }).properties;
const valid = (kind: EntityKind, body: unknown) => assert.deepEqual(validateBody(kind, body), [], `${kind} ${JSON.stringify(body).slice(0, 80)}`);

/** Every subschema below `schema`, with a readable location. */
function* subschemas(schema: Schema, where = '#'): Generator<[string, Schema]> {
  yield [where, schema];
  for (const [k, v] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) yield* subschemas(v, `${where}/properties/${k}`);
  for (const [k, v] of Object.entries((schema.patternProperties ?? {}) as Record<string, Schema>)) yield* subschemas(v, `${where}/patternProperties/${k}`);
  if (schema.items && typeof schema.items === 'object') yield* subschemas(schema.items as Schema, `${where}/items`);
}
const typesOf = (s: Schema) => (Array.isArray(s.type) ? (s.type as string[]) : typeof s.type === 'string' ? [s.type] : []);

describe('core/schema: the schemas', () => {
  it('has one schema file per kind, and schemaFor returns it', () => {
    assert.deepEqual([...ENTITY_KINDS].sort(), ['asset', 'campaign', 'character', 'item', 'location', 'npc', 'rulebook', 'session', 'spell']);
    const files = readdirSync(join(root, 'schemas')).filter((f) => f.endsWith('.json'));
    assert.deepEqual(files.sort(), ENTITY_KINDS.map((k) => `${k}.schema.json`).sort());
    for (const kind of ENTITY_KINDS) {
      const schema = schemaFor(kind);
      assert.deepEqual(schema, readJson(`schemas/${kind}.schema.json`));
      assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
      assert.equal(schema.$id, `https://campaign-vault.dev/schemas/${kind}.schema.json`);
      assert.ok(isEntityKind(kind));
    }
    assert.ok(!isEntityKind('dragon') && !isEntityKind(undefined) && !isEntityKind('toString'));
  });

  it('compiles every schema in strict mode (a minimal body is valid)', () => {
    for (const kind of ENTITY_KINDS) valid(kind, { name: 'Something' });
  });

  it('gives every property a title and a description, for hover and completion', () => {
    for (const kind of ENTITY_KINDS) {
      for (const [where, s] of subschemas(schemaFor(kind))) {
        assert.equal(typeof s.title, 'string', `${kind} ${where} has no title`);
        assert.equal(typeof s.description, 'string', `${kind} ${where} has no description`);
      }
    }
  });

  it('bounds every string, list and group of fields', () => {
    for (const kind of ENTITY_KINDS) {
      for (const [where, s] of subschemas(schemaFor(kind))) {
        const types = typesOf(s);
        if (types.includes('string')) assert.ok(typeof s.maxLength === 'number' || s.enum || s.format, `${kind} ${where}: string without maxLength`);
        if (types.includes('array')) assert.ok(typeof s.maxItems === 'number', `${kind} ${where}: array without maxItems`);
        if (types.includes('object')) assert.ok(s.additionalProperties === false || typeof s.maxProperties === 'number', `${kind} ${where}: open object`);
      }
    }
  });

  it('requires a name, refuses unknown top-level fields, and leaves room in extra and x- fields', () => {
    for (const kind of ENTITY_KINDS) {
      const s = schemaFor(kind);
      assert.deepEqual(s.required, ['name']);
      assert.equal(s.additionalProperties, false);
      assert.deepEqual(Object.keys(s.patternProperties as object), ['^x-']);
      assert.ok(props(s).extra && props(s).tags && props(s).name);
      for (const system of ['id', 'version', 'created_at', 'updated_at', 'deleted_at', 'campaign_id']) assert.ok(!(system in props(s)), `${kind}.${system}`);
    }
  });

  it('keeps the names and types of the fields the database extracts', () => {
    const expect: [EntityKind, string, string[], unknown?][] = [
      ['campaign', 'system', ['string', 'null']],
      ['campaign', 'status', ['string', 'null'], ['planning', 'active', 'paused', 'completed', 'archived', null]],
      ['campaign', 'is_active', ['boolean', 'null']],
      ['character', 'player', ['string', 'null']],
      ['character', 'level', ['integer', 'null']],
      ['character', 'class', ['string', 'null']],
      ['character', 'race', ['string', 'null']],
      ['character', 'species', ['string', 'null']],
      ['npc', 'role', ['string', 'null']],
      ['npc', 'location_id', ['string', 'null']],
      ['session', 'number', ['integer', 'null']],
      ['session', 'date', ['string', 'null']],
      ['session', 'status', ['string', 'null'], ['planned', 'played', 'cancelled', null]],
      ['location', 'type', ['string', 'null']],
      ['location', 'parent_id', ['string', 'null']],
      ['item', 'type', ['string', 'null']],
      ['item', 'rarity', ['string', 'null'], ['common', 'uncommon', 'rare', 'very rare', 'legendary', 'artifact', 'varies', null]],
      ['spell', 'level', ['integer', 'null']],
      ['spell', 'school', ['string', 'null']],
      ['spell', 'concentration', ['boolean', 'null']],
      ['spell', 'ritual', ['boolean', 'null']],
      ['rulebook', 'page_count', ['integer', 'null']],
      ['rulebook', 'asset_id', ['string', 'null']],
      ['asset', 'mime', ['string', 'null']],
      ['asset', 'size', ['integer', 'null']],
      ['asset', 'hash', ['string', 'null']],
      ['asset', 'width', ['integer', 'null']],
      ['asset', 'height', ['integer', 'null']],
      ['asset', 'asset_type', ['string', 'null'], ['image', 'map', 'handout', 'pdf', 'audio', 'other', null]],
    ];
    for (const [kind, field, types, values] of expect) {
      const p = props(schemaFor(kind))[field];
      assert.ok(p, `${kind}.${field} is missing`);
      assert.deepEqual(typesOf(p), types, `${kind}.${field}`);
      if (values) assert.deepEqual(p.enum, values, `${kind}.${field}`);
    }
    assert.equal(props(schemaFor('session')).date!.format, 'date');
    assert.deepEqual([props(schemaFor('character')).level!.minimum, props(schemaFor('character')).level!.maximum], [1, 30]);
    assert.deepEqual([props(schemaFor('spell')).level!.minimum, props(schemaFor('spell')).level!.maximum], [0, 9]);
  });

  it('keeps the shapes shared by several kinds identical', () => {
    const character = props(schemaFor('character'));
    const npc = props(schemaFor('npc'));
    const statblock = props(npc.statblock);
    assert.deepEqual(character.abilities, statblock.abilities);
    assert.deepEqual(character.speed, statblock.speed);
    assert.deepEqual(character.senses, statblock.senses);
    assert.deepEqual(character.languages, statblock.languages);
    assert.deepEqual(character.personality, npc.personality);
    for (const kind of ENTITY_KINDS) {
      assert.deepEqual(props(schemaFor(kind)).extra, character.extra);
      assert.deepEqual(props(schemaFor(kind)).tags, character.tags);
      assert.deepEqual({ ...props(schemaFor(kind)).name, description: '', examples: [] }, { ...character.name, description: '', examples: [] });
    }
  });

  it('hands out schemas that cannot be changed behind the validator', () => {
    const s = schemaFor('character');
    assert.ok(Object.isFrozen(s) && Object.isFrozen(props(s).abilities));
    assert.throws(() => {
      (s as Record<string, unknown>).required = [];
    }, TypeError);
    assert.throws(() => validateBody('dragon' as EntityKind, { name: 'x' }), TypeError);
  });
});

describe('core/schema: real data passes', () => {
  const heroes = ['zanna-gnome-wizard', 'randal-human-fighter', 'riswynn-dwarf-rogue', 'akra-dragonborn-cleric'];
  for (const hero of heroes) {
    it(`a full 5e character built from the Foundry hero ${hero}`, () => {
      const body = importedBody(`test/fixtures/sample-campaign/characters/${hero}.yml`);
      valid('character', body);
      // The fields an importer leaves to the user: a player, labels, fields of one's own.
      valid('character', { ...body, player: 'Sam', tags: ['starter hero'], 'x-source': 'Foundry VTT dnd5e, SRD 5.1 starter heroes' });
    });
  }

  it('the converted hero is a real sheet, not an empty shell', () => {
    const zanna = importedBody('test/fixtures/sample-campaign/characters/zanna-gnome-wizard.yml');
    assert.deepEqual(zanna.abilities, { str: 8, dex: 12, con: 15, int: 17, wis: 13, cha: 10 });
    assert.deepEqual(zanna.saves, ['int', 'wis']);
    assert.equal((zanna.spells as { known: unknown[] }).known.length, 9);
    assert.ok((zanna.inventory as unknown[]).length > 10 && (zanna.features as unknown[]).length > 3);
    assert.equal(zanna.class, 'Wizard');
    // …and survives a YAML round trip, which is how a user edits it.
    valid('character', parse(stringify(zanna)));
  });

  const foundryNpcs: [string, string][] = [
    ['npcs/bandit-captain.yml', 'villain'],
    ['npcs/cultist.yml', 'henchman'],
    ['monsters/monsters_humanoid_goblin.yml', 'monster'],
    ['monsters/monsters_beast_wolf.yml', 'monster'],
    ['monsters/monsters_monstrosity_owlbear.yml', 'monster'],
  ];
  for (const [file, role] of foundryNpcs) {
    it(`an NPC with the stat block of ${file} (Foundry)`, () => {
      valid('npc', { ...importedBody(`test/fixtures/sample-campaign/${file}`), role, tags: ['srd'] });
    });
  }

  it('SRD monsters as NPC stat blocks, including legendary actions and spellcasting (5e-bits)', () => {
    const monsters = importedBodies('test/fixtures/srd-5e-bits/5e-SRD-Monsters.json');
    assert.equal(monsters.length, 6);
    for (const m of monsters) valid('npc', m);
    const lich = monsters.find((m) => m.name === 'Lich') as { statblock: Record<string, unknown[] | Record<string, unknown>> };
    assert.ok((lich.statblock.legendary_actions as unknown[]).length > 0);
    assert.equal((lich.statblock.spellcasting as { spells: unknown[] }).spells.length, 26);
  });

  it('SRD spells, equipment and magic items (5e-bits)', () => {
    const spells = importedBodies('test/fixtures/srd-5e-bits/5e-SRD-Spells.json');
    assert.equal(spells.length, 6);
    for (const s of spells) valid('spell', s);
    const gear = importedBodies('test/fixtures/srd-5e-bits/5e-SRD-Equipment.json');
    const magic = importedBodies('test/fixtures/srd-5e-bits/5e-SRD-Magic-Items.json');
    assert.equal(gear.length + magic.length, 12);
    for (const i of [...gear, ...magic]) valid('item', i);
    assert.deepEqual(gear.find((i) => i.name === 'Longsword')!.damage, { dice: '1d8', type: 'slashing', versatile_dice: '1d10' });
    assert.equal(magic.find((i) => i.name === 'Holy Avenger')!.attunement, 'by a paladin');
  });

  it('campaigns, sessions, locations, rulebooks and assets written by hand', () => {
    valid('campaign', {
      name: 'The Sundered Crown',
      system: 'D&D 5e',
      description: 'A crown broken in three; a kingdom that needs it whole.',
      setting: 'homebrew',
      status: 'active',
      is_active: true,
      settings: { variant_rules: ['feats', 'multiclassing'], starting_level: 1, house_rules: '- Potions are a bonus action.' },
    });
    valid('session', {
      name: 'Session 1: The Road to Phandalin',
      number: 1,
      date: '2026-11-20',
      status: 'played',
      summary: 'Goblin ambush on the Triboar Trail.',
      notes: '## Recap\n\nThe party escorted a wagon…',
      events: [
        { at: '0:20', description: 'Goblins attack from the thicket.', kind: 'combat' },
        { description: "Riswynn finds the trail to the Cragmaw hideout (Wisdom (Survival) DC 10)." },
        { at: 'night', description: 'A wolf pack circles the camp.', kind: 'combat' },
      ],
      participants: ['Zanna', 'Randal', 'Riswynn', 'Akra'],
    });
    valid('location', { name: 'Faerûn', type: 'world', parent_id: null });
    valid('location', { name: 'Phandalin', type: 'town', parent_id: 'loc_01', description: 'A frontier town.' });
    valid('location', { name: 'The Stonehill Inn', type: 'tavern', parent_id: 'loc_02', map_asset_id: 'asset_9' });
    valid('rulebook', { name: 'SRD 5.1', system: 'D&D 5e', publisher: 'Wizards of the Coast', page_count: 403, asset_id: 'asset_1', license: 'CC-BY-4.0' });
    valid('asset', { name: 'azgaar-fmg-preview.png', mime: 'image/png', size: 1_234_567, hash: 'b3:0f1e2d', width: 1920, height: 1080, asset_type: 'map' });
    valid('asset', { name: 'rules.pdf', mime: 'application/pdf', size: 0, width: null, height: null, asset_type: 'pdf' });
  });

  it('a sheet typed in YAML with fields left empty (null means "not set")', () => {
    const body = parse(['name: Vex', 'player:', 'level: 3', 'class:', 'hp:', '  max: 24', '  current:', 'skills:', '  stealth: {expertise: true, proficient: true}', 'inventory:', '  - name: Rope', '  - name: Dagger', '    quantity: 2', 'notes: |', '  Owes the **Zhentarim** 50 gp.'].join('\n'));
    valid('character', body);
  });

  it('plain text where a game master writes one line: personality, appearance, proficiencies, defenses', () => {
    const body = parse(['name: Toblen', 'personality: Smiles too much', 'appearance: Tall, with a scar across one eye', "proficiencies: Light armor, simple weapons, thieves' tools", 'defenses: Resistant to fire'].join('\n'));
    valid('character', body);
    valid('npc', { name: 'Toblen', personality: 'Smiles too much' });
    // The group still works, and a too-long line or a number is still refused, in plain words.
    valid('npc', { name: 'Toblen', personality: { traits: 'Smiles too much', secrets: 'Owes the Redbrands.' } });
    oneIssue('npc', { name: 'Toblen', personality: 'x'.repeat(10_001) }, '/personality', 'maxLength', 'at most 10,000 characters');
    oneIssue('character', { name: 'Toblen', appearance: 7 }, '/appearance', 'type', 'appearance must be a group of fields or text, not 7');
  });

  it('anything under extra and in x- fields, for other game systems', () => {
    valid('character', {
      name: 'Valeros',
      system: 'Pathfinder 2e',
      extra: { hero_points: 1, ancestry: { name: 'Human', heritage: 'Versatile' }, feats: [['Power Attack', 1]] },
      'x-foundry': { flags: { core: { sheetClass: '' } } },
      'x-': 'even an empty suffix',
    });
  });
});

/** The issues for `body`, checked to hold exactly one issue at `path`, whose message contains `words`. */
function oneIssue(kind: EntityKind, body: unknown, path: string, keyword: string, words: string): SchemaIssue {
  const issues = validateBody(kind, body);
  const here = issues.filter((i) => i.path === path);
  assert.equal(here.length, 1, `expected one issue at ${JSON.stringify(path)}, got ${JSON.stringify(issues)}`);
  assert.equal(here[0]!.keyword, keyword, JSON.stringify(here[0]));
  assert.ok(here[0]!.message.includes(words), `"${here[0]!.message}" does not say "${words}"`);
  return here[0]!;
}

describe('core/schema: mistakes are reported where they are, in plain words', () => {
  const cases: [string, EntityKind, unknown, string, string, string][] = [
    ['an ability score out of range', 'character', { name: 'Z', abilities: { str: 31 } }, '/abilities/str', 'maximum', 'abilities.str must be at most 30'],
    ['an ability score of zero', 'npc', { name: 'Z', statblock: { abilities: { cha: 0 } } }, '/statblock/abilities/cha', 'minimum', 'statblock.abilities.cha must be at least 1'],
    ['words where a number belongs', 'character', { name: 'Z', hp: { max: 'ten' } }, '/hp/max', 'type', "hp.max must be a whole number, not text 'ten'"],
    ['a fraction where a whole number belongs', 'character', { name: 'Z', level: 3.5 }, '/level', 'type', 'level must be a whole number, not 3.5'],
    ['level 0', 'character', { name: 'Z', level: 0 }, '/level', 'minimum', 'level must be at least 1'],
    ['a misspelt field, with a suggestion', 'character', { name: 'Z', biografy: 'x' }, '/biografy', 'additionalProperties', "unknown field 'biografy' (did you mean 'biography'?)"],
    ['a field of its own, with the way out', 'npc', { name: 'Z', hair: 'red' }, '/hair', 'additionalProperties', "put fields of your own under 'extra', or start their names with 'x-'"],
    ['a misspelt ability, with the allowed names', 'character', { name: 'Z', abilities: { strength: 3 } }, '/abilities/strength', 'additionalProperties', "unknown field 'strength' in abilities (allowed: str, dex, con, int, wis, cha)"],
    ['a misspelt skill', 'character', { name: 'Z', skills: { stelth: { proficient: true } } }, '/skills/stelth', 'additionalProperties', "did you mean 'stealth'?"],
    ['a skill written with spaces', 'character', { name: 'Z', skills: { 'sleight of hand': {} } }, '/skills/sleight of hand', 'additionalProperties', "did you mean 'sleight_of_hand'?"],
    ['a missing name', 'spell', { level: 3 }, '/name', 'required', 'name is required'],
    ['an empty name', 'item', { name: '' }, '/name', 'minLength', 'name must not be empty'],
    ['a blank name', 'item', { name: '   ' }, '/name', 'pattern', 'name must contain a visible character'],
    ['a name with a line break', 'location', { name: 'Two\nlines' }, '/name', 'pattern', 'no line breaks'],
    ['a name with a bidi override', 'npc', { name: 'evil\u202egnp' }, '/name', 'pattern', 'invisible control characters'],
    ['an empty name (null)', 'npc', { name: null }, '/name', 'type', 'name must be text, not empty'],
    ['a system field', 'character', { name: 'Z', id: 'c_1' }, '/id', 'additionalProperties', "'id' is kept by the vault itself and is not part of the character; remove it"],
    ['a system field (timestamps)', 'session', { name: 'S', updated_at: '2026-01-01' }, '/updated_at', 'additionalProperties', 'kept by the vault'],
    ['a negative quantity in a list', 'character', { name: 'Z', inventory: [{ name: 'Rope' }, { name: 'Torch', quantity: -1 }] }, '/inventory/1/quantity', 'minimum', 'inventory[1].quantity must be at least 0'],
    ['an entry without a name', 'character', { name: 'Z', features: [{ description: 'x' }] }, '/features/0/name', 'required', 'features[0].name is required'],
    ['a used spell slot below zero', 'character', { name: 'Z', spells: { slots: { 1: { max: 2, used: -1 } } } }, '/spells/slots/1/used', 'minimum', 'spells.slots.1.used must be at least 0'],
    ['a spell slot of level 10', 'character', { name: 'Z', spells: { slots: { 10: { max: 1 } } } }, '/spells/slots/10', 'additionalProperties', "unknown field '10' in spells.slots"],
    ['a save listed twice', 'character', { name: 'Z', saves: ['int', 'wis', 'int'] }, '/saves/2', 'uniqueItems', "saves lists 'int' more than once"],
    ['an unknown save', 'character', { name: 'Z', saves: ['int', 'luck'] }, '/saves/1', 'enum', 'saves[1] must be one of str, dex, con, int, wis, cha'],
    ['an impossible date', 'session', { name: 'S', date: '2026-02-30' }, '/date', 'format', 'date must be a date written as YYYY-MM-DD, like 2026-11-20'],
    ['a date in words', 'session', { name: 'S', date: '20 November 2026' }, '/date', 'format', 'YYYY-MM-DD'],
    ['a capitalised status', 'session', { name: 'S', status: 'Played' }, '/status', 'enum', "status must be one of planned, played, cancelled (did you mean 'played'?)"],
    ['an unknown campaign status', 'campaign', { name: 'C', status: 'running' }, '/status', 'enum', 'status must be one of planning, active, paused, completed, archived'],
    ['a capitalised rarity', 'item', { name: 'Ring', rarity: 'Very Rare' }, '/rarity', 'enum', "did you mean 'very rare'?"],
    ['a cost without its coin', 'item', { name: 'Rope', cost: { quantity: 1 } }, '/cost/unit', 'required', 'cost.unit is required'],
    ['attunement as a number', 'item', { name: 'Ring', attunement: 1 }, '/attunement', 'type', 'attunement must be true/false or text, not 1'],
    ['spell level 10', 'spell', { name: 'Wish+', level: 10 }, '/level', 'maximum', 'level must be at most 9'],
    ['an unknown spell component', 'spell', { name: 'X', components: ['V', 'X'] }, '/components/1', 'enum', 'components[1] must be one of V, S, M'],
    ['a location id that is a number', 'npc', { name: 'N', location_id: 5 }, '/location_id', 'type', 'location_id must be text, not 5'],
    ['an empty parent id', 'location', { name: 'L', parent_id: '' }, '/parent_id', 'minLength', 'parent_id must not be empty'],
    ['an image 0 pixels wide', 'asset', { name: 'a.png', width: 0 }, '/width', 'minimum', 'width must be at least 1'],
    ['a negative size', 'asset', { name: 'a.png', size: -1 }, '/size', 'minimum', 'size must be at least 0'],
    ['a media type without a slash', 'asset', { name: 'a.png', mime: 'png' }, '/mime', 'pattern', 'mime must be a media type like image/png'],
    ['an unknown asset type', 'asset', { name: 'a.ogg', asset_type: 'music' }, '/asset_type', 'enum', 'asset_type must be one of image, map, handout, pdf, audio, other'],
    ['a number where a list belongs', 'character', { name: 'Z', inventory: 3 }, '/inventory', 'type', 'inventory must be a list, not 3'],
    ['a list where fields belong', 'character', { name: 'Z', hp: [8] }, '/hp', 'type', 'hp must be a group of fields, not a list'],
    ['a speed in words', 'character', { name: 'Z', speed: 'fast' }, '/speed', 'type', "speed must be a number or a group of fields, not text 'fast'"],
    ['too many tags', 'rulebook', { name: 'R', tags: Array.from({ length: 101 }, (_, i) => `t${i}`) }, '/tags', 'maxItems', 'tags has too many entries: at most 100'],
  ];
  for (const [what, kind, body, path, keyword, words] of cases) {
    it(`${what}: ${words}`, () => {
      oneIssue(kind, body, path, keyword, words);
    });
  }

  it('says what the whole body should be when it is not a group of fields', () => {
    assert.deepEqual(validateBody('character', []), [{ path: '', keyword: 'type', message: 'The character must be a group of fields, not a list' }]);
    assert.deepEqual(validateBody('npc', 'Sildar'), [{ path: '', keyword: 'type', message: "The NPC must be a group of fields, not text 'Sildar'" }]);
    assert.deepEqual(validateBody('item', null), [{ path: '', keyword: 'type', message: 'The item must be a group of fields, not empty' }]);
  });

  it('says one thing per value: a wrong type hides the enum and format complaints', () => {
    assert.deepEqual(validateBody('session', { name: 'S', status: 5, date: 20261120 }), [
      { path: '/date', keyword: 'type', message: 'date must be text, not 20261120' },
      { path: '/status', keyword: 'type', message: 'status must be text, not 5' },
    ]);
  });

  it('accepts null for every optional field and a body with only a name', () => {
    for (const kind of ENTITY_KINDS) {
      const optional = Object.keys(props(schemaFor(kind))).filter((k) => k !== 'name');
      valid(kind, { name: 'N', ...Object.fromEntries(optional.map((k) => [k, null])) });
    }
  });

  it('caps a flood of problems at MAX_ISSUES, the last saying how many more', () => {
    const inventory = Array.from({ length: 300 }, () => ({ quantity: -1, weight: 'heavy' }));
    const issues = validateBody('character', { name: 'Z', inventory });
    assert.equal(issues.length, MAX_ISSUES);
    assert.deepEqual(issues[MAX_ISSUES - 1], { path: '', keyword: 'limit', message: `…and ${900 - (MAX_ISSUES - 1)} more problems like these` });
    assert.equal(new Set(issues.map((i) => `${i.path} ${i.message}`)).size, issues.length);
  });

  it('quotes what a user typed safely and briefly', () => {
    const long = `${'x'.repeat(100_000)}\u202e`;
    const issues = validateBody('character', { name: 'Z', [long]: 1, abilities: { [long]: 1 } });
    assert.equal(issues.length, 2);
    for (const issue of issues) assert.ok(issue.message.length < 300, issue.message);
    const all = validateBody('character', { name: 'Z', level: 'a\u0000b\nc' });
    assert.equal(all[0]!.message, "level must be a whole number, not text 'a\\u0000b\\nc'");
    assert.equal(validateBody('character', { name: 'Z', skills: { 'a/b~c': 1 } })[0]!.path, '/skills/a~1b~0c');
  });
});

describe('core/schema: hostile input is bounded', () => {
  it('refuses over-long names and texts', () => {
    oneIssue('character', { name: 'x'.repeat(201) }, '/name', 'maxLength', 'name is too long: at most 200 characters');
    oneIssue('character', { name: 'Z', biography: 'x'.repeat(1_000_001) }, '/biography', 'maxLength', 'at most 1,000,000 characters');
    oneIssue('session', { name: 'S', participants: ['x'.repeat(201)] }, '/participants/0', 'maxLength', 'participants[0] is too long');
    // A long name that also breaks the pattern is checked in linear time.
    const issues = validateBody('npc', { name: `${' '.repeat(999_999)}\n` });
    assert.deepEqual(issues.map((i) => i.keyword).sort(), ['maxLength', 'pattern']);
  });

  it('refuses over-long lists and too many fields', () => {
    oneIssue('character', { name: 'Z', inventory: Array.from({ length: 10_001 }, () => ({ name: 'Torch' })) }, '/inventory', 'maxItems', 'inventory has too many entries: at most 10,000');
    const xs = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`x-${i}`, i]));
    oneIssue('item', { name: 'I', ...xs }, '', 'maxProperties', 'The item has too many fields: at most 200');
    const extra = Object.fromEntries(Array.from({ length: 1_001 }, (_, i) => [`k${i}`, i]));
    oneIssue('item', { name: 'I', extra }, '/extra', 'maxProperties', 'extra has too many fields: at most 1,000');
  });

  it('refuses deep nesting, even inside extra, without overflowing the stack', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100_000; i++) deep = { d: deep };
    const [issue, ...rest] = validateBody('character', { name: 'Z', extra: deep });
    assert.equal(rest.length, 0);
    assert.equal(issue!.keyword, 'depth');
    assert.equal(issue!.path, `/extra${'/d'.repeat(MAX_DEPTH - 1)}`);
    assert.ok(issue!.message.endsWith(`is nested too deeply (more than ${MAX_DEPTH} levels)`), issue!.message);
    // Just inside the limit is fine.
    let ok: unknown = 1;
    for (let i = 0; i < MAX_DEPTH - 1; i++) ok = [ok];
    valid('character', { name: 'Z', 'x-deep': ok });
  });

  it('refuses too many values and too much text in total', () => {
    assert.deepEqual(validateBody('npc', { name: 'N', extra: { many: new Array(MAX_VALUES).fill(0) } }), [
      { path: '', keyword: 'size', message: 'The NPC is too large: more than 500,000 values' },
    ]);
    const half = 'x'.repeat(MAX_TEXT / 2);
    assert.deepEqual(validateBody('npc', { name: 'N', 'x-a': half, 'x-b': half, 'x-c': 'x' }), [
      { path: '', keyword: 'size', message: 'The NPC holds too much text: more than 16,000,000 characters' },
    ]);
  });

  it('refuses values JSON cannot hold', () => {
    const cycle: Record<string, unknown> = { name: 'Loop' };
    cycle.self = cycle;
    const cases: [unknown, string, string][] = [
      [{ name: 'Z', level: Number.NaN }, '/level', 'level must be a finite number'],
      [{ name: 'Z', hp: { max: Number.POSITIVE_INFINITY } }, '/hp/max', 'hp.max must be a finite number'],
      [{ name: 'Z', notes: undefined }, '/notes', 'notes is undefined, which cannot be saved'],
      [{ name: 'Z', 'x-when': new Date(0) }, '/x-when', 'x-when is a Date, which cannot be saved'],
      [{ name: 'Z', 'x-n': BigInt(1) }, '/x-n', 'x-n is a BigInt'],
      [{ name: 'Z', 'x-f': () => 1 }, '/x-f', 'x-f is a function'],
      [{ name: 'Z', extra: new Map() }, '/extra', 'extra is a Map'],
      [cycle, `${'/self'.repeat(MAX_DEPTH)}`, 'nested too deeply'],
    ];
    for (const [body, path, words] of cases) {
      const issues = validateBody('character', body);
      assert.equal(issues.length, 1, JSON.stringify(issues));
      assert.equal(issues[0]!.path, path);
      assert.ok(issues[0]!.message.includes(words), issues[0]!.message);
    }
  });

  it('treats "__proto__" as a plain unknown field, without pollution', () => {
    const body = JSON.parse('{"name": "Z", "__proto__": {"polluted": true}, "abilities": {"__proto__": {"str": 99}}}') as unknown;
    const issues = validateBody('character', body);
    assert.deepEqual(
      issues.map((i) => i.path),
      ['/__proto__', '/abilities/__proto__'],
    );
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('core/schema: bundled by esbuild', () => {
  it('works as a browser bundle, run where there is no require, process or Buffer', async function () {
    this.timeout(30_000);
    const result = await build({
      entryPoints: [join(root, 'src/core/schema/index.ts')],
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'iife',
      globalName: 'cvSchema',
      target: 'es2022',
      logLevel: 'silent',
    });
    const context = createContext({});
    runInContext(result.outputFiles[0]!.text, context);
    const schema = (context as { cvSchema: typeof SchemaModule }).cvSchema;
    const plain = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;
    assert.deepEqual(plain(schema.validateBody('spell', { name: 'Fireball', level: 3, components: ['V', 'S', 'M'] })), []);
    assert.deepEqual(plain(schema.validateBody('character', { name: 'Z', abilities: { str: 31 } })), [
      { path: '/abilities/str', keyword: 'maximum', message: 'abilities.str must be at most 30' },
    ]);
    assert.equal(schema.validateBody('session', { name: 'S', date: '2026-13-01' }).length, 1);
  });
});
