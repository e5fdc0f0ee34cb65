import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { VaultError } from '../../src/core/errors';
import { MAX_IMPORT_TEXT, MAX_YAML_IMPORT_TEXT, htmlToMarkdown, maxImportText, parseImportFile, parseImportFiles, safeStem, summarizeReport, type LossEntry, type ParsedImport } from '../../src/core/import';
import { validateBody } from '../../src/core/schema';

const root = join(__dirname, '../../..');
const FIX = join(root, 'test/fixtures/importers');
const read = (rel: string) => readFileSync(join(FIX, rel), 'utf8');
const load = (rel: string): ParsedImport => parseImportFile(read(rel), rel);
type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
/** The file's one record (an actor's spells and gear, entries of their own, come after it). */
const one = (rel: string): Body => {
  const r = load(rel);
  assert.equal(r.drafts.filter((d) => !d.reuse).length, 1, rel);
  return r.drafts[0]!.body;
};
const lines = (report: readonly LossEntry[], kind: LossEntry['kind'], path: string) => report.filter((e) => e.kind === kind && e.path === path);

/** The error an import of `text` as `file` throws: an `invalid` VaultError whose sentence matches. */
function refuses(text: string, file: string, pattern: RegExp): string {
  let thrown: unknown;
  try {
    parseImportFile(text, file);
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown instanceof VaultError, `expected a VaultError for ${file}, got ${String(thrown)}`);
  assert.equal(thrown.code, 'invalid');
  assert.ok(thrown.userMessage.startsWith(JSON.stringify(file)), `names the file: ${thrown.userMessage}`);
  assert.match(thrown.userMessage, pattern);
  return thrown.userMessage;
}

describe('core/import: Foundry VTT dnd5e actors', () => {
  const heroes = readdirSync(join(FIX, 'foundry-heroes')).filter((f) => /\.(yml|json)$/.test(f));
  const npcs = readdirSync(join(FIX, 'foundry-npcs')).filter((f) => /\.(yml|json)$/.test(f));

  it('imports every starter hero (12, YAML) as a valid character', () => {
    assert.equal(heroes.filter((f) => f.endsWith('.yml')).length, 12);
    for (const f of heroes) {
      const r = load(`foundry-heroes/${f}`);
      assert.equal(r.format, 'foundry-dnd5e-actor');
      assert.equal(r.drafts[0]!.kind, 'character');
      assert.deepEqual(validateBody('character', r.drafts[0]!.body), [], f);
      assert.ok((r.drafts[0]!.body.inventory as unknown[]).length > 0, `${f} has an inventory`);
    }
  });

  it('imports every SRD 5.2 NPC (8, JSON) and the Foundry source monsters as valid NPCs with a stat block', () => {
    assert.equal(npcs.filter((f) => f.endsWith('.json')).length, 8);
    const monsters = readdirSync(join(FIX, 'foundry-source')).filter((f) => f.startsWith('monsters_'));
    assert.equal(monsters.length, 5);
    for (const f of [...npcs.map((n) => `foundry-npcs/${n}`), ...monsters.map((m) => `foundry-source/${m}`)]) {
      const r = load(f);
      assert.equal(r.drafts[0]!.kind, 'npc', f);
      assert.deepEqual(validateBody('npc', r.drafts[0]!.body), [], f);
      assert.ok(typeof (r.drafts[0]!.body as Body).statblock?.hp === 'number', `${f} has hit points`);
    }
  });

  it('reads a known hero right: Randal (Human Fighter)', () => {
    const randal = one('foundry-heroes/randal-human-fighter.yml');
    assert.equal(randal.name, 'Randal (Human Fighter)');
    assert.deepEqual(randal.abilities, { str: 16, dex: 14, con: 15, int: 9, wis: 13, cha: 11 });
    assert.equal(randal.ac, 19, 'chain mail 16 + shield 2 + 1 from Fighting Style: Defense (an active effect)');
    assert.deepEqual(randal.hp, { max: 12, current: 12, temp: 0 });
    assert.equal(randal.class, 'Fighter');
    assert.equal(randal.level, 1);
    assert.deepEqual(randal.saves, ['str', 'con']);
    assert.ok((randal.attacks as Body[]).some((a) => a.damage === '1d8+3' && a.damage_type === 'slashing'), 'a longsword attack, with the Strength modifier as Foundry rolls it');
  });

  it('reads the same hero identically from YAML and from JSON: Zanna, a wizard with spells', () => {
    const yaml = one('foundry-heroes/zanna-gnome-wizard.yml');
    const json = one('foundry-heroes/zanna-gnome-wizard.json');
    assert.deepEqual(json, yaml);
    assert.equal(yaml.ac, 11);
    assert.deepEqual(yaml.speed, { walk: 25 }, 'a gnome walks 25 feet');
    assert.equal(yaml.spells.ability, 'int');
    assert.equal(yaml.spells.save_dc, 13);
    assert.deepEqual(yaml.spells.slots, { 1: { max: 2, used: 0 } });
    assert.equal(yaml.spells.known.length, 9);
    assert.ok(yaml.spells.known.some((s: Body) => s.name === 'Magic Missile' && s.level === 1));
    assert.ok(!/<[a-z]/i.test(yaml.biography), 'the biography is Markdown, not HTML');
  });

  it('maps an NPC stat block: Bandit Captain (SRD 5.2)', () => {
    const captain = one('foundry-npcs/bandit-captain.json');
    const sb = captain.statblock;
    assert.equal(sb.ac, 15);
    assert.equal(sb.hp, 52);
    assert.equal(sb.challenge_rating, 2);
    assert.deepEqual(sb.abilities, { str: 15, dex: 16, con: 14, int: 14, wis: 11, cha: 14 });
    assert.deepEqual(
      sb.actions.map((a: Body) => a.name),
      ['Scimitar', 'Pistol', 'Multiattack'],
    );
    assert.ok(sb.reactions.some((r: Body) => r.name === 'Parry'));
    assert.deepEqual(one('foundry-npcs/bandit-captain.yml'), captain, 'the YAML source gives the same NPC');
  });

  it('writes Foundry links and roll buttons as words, with the NPC\'s name', () => {
    const archmage = one('foundry-npcs/archmage.json');
    const multi = archmage.statblock.actions.find((a: Body) => a.name === 'Multiattack');
    assert.equal(multi.description, 'The archmage makes four Arcane Burst attacks.');
    assert.ok(!/@Embed|\[\[|@UUID/.test(JSON.stringify(archmage)), 'no enricher syntax left');
  });

  it('reports every field it does not map, with its path, and what it converted', () => {
    const r = load('foundry-heroes/zanna-gnome-wizard.yml');
    // Foundry's bookkeeping, such as the token's settings, is ignored by design (and said so).
    assert.equal(lines(r.report, 'ignored', 'prototypeToken').length, 1);
    assert.match(lines(r.report, 'ignored', 'prototypeToken')[0]!.detail!, /^Foundry VTT bookkeeping/);
    assert.ok(r.report.some((e) => e.kind === 'ignored' && e.path === 'system.attributes.attunement'), 'attunement slots have no home (Foundry works the number out)');
    assert.ok(r.report.some((e) => e.kind === 'ignored' && e.path === 'items[].system.activities' && e.count > 10), 'item activities, grouped');
    assert.ok(r.report.some((e) => e.kind === 'ignored' && e.path === 'system.skills.*.roll'), 'skill codes are grouped');
    const html = lines(r.report, 'converted', 'system.details.biography.value');
    assert.equal(html.length, 1);
    assert.match(html[0]!.detail!, /HTML → Markdown/);
    assert.equal(lines(r.report, 'kept-in-extra', '_id').length, 1);
    // Nothing mapped is reported: the ability scores were carried over.
    assert.ok(!r.report.some((e) => e.path.startsWith('system.abilities.*.value')));
  });

  it('converts Foundry weights in kilograms to pounds, and says so', () => {
    const doc = JSON.parse(read('foundry-heroes/zanna-gnome-wizard.json')) as { items: { type: string; system: { weight: { value: number; units: string } } }[] };
    const gear = doc.items.filter((i) => i.type === 'loot' || i.type === 'equipment' || i.type === 'weapon' || i.type === 'consumable');
    gear[0]!.system.weight = { value: 2, units: 'kg' };
    const r = parseImportFile(JSON.stringify(doc), 'zanna-metric.json');
    assert.ok((r.drafts[0]!.body.inventory as Body[]).some((i) => i.weight === 4.41));
    const line = r.report.find((e) => e.kind === 'converted' && e.path === 'items[].system.weight.value');
    assert.ok(line, JSON.stringify(r.report.filter((e) => e.kind === 'converted')));
    assert.match(line.detail!, /kilograms → pounds/);
  });

  it('imports Foundry items and spells of their own', () => {
    const fireball = one('foundry-source/spells_3rd-level_fireball.yml');
    assert.equal(fireball.level, 3);
    assert.equal(fireball.school, 'Evocation');
    assert.deepEqual(fireball.components, ['V', 'S', 'M']);
    assert.equal(fireball.range, '150 feet');
    assert.equal(fireball.material, 'A tiny ball of bat guano and sulfur');
    const sword = one('foundry-source/items_weapon_longsword.yml');
    assert.equal(sword.weight, 3);
    assert.deepEqual(sword.cost, { quantity: 15, unit: 'gp' });
    assert.equal(sword.damage.dice, '1d8');
    const potion = one('foundry-source/items_potion_potion-of-healing.yml');
    assert.equal(potion.rarity, 'common');
  });
});

describe('core/import: 5e-bits, Open5e and Fantasy Statblocks', () => {
  it('5e-bits monsters, spells and items (the repository subset)', () => {
    const monsters = parseImportFile(readFileSync(join(root, 'test/fixtures/srd-5e-bits/5e-SRD-Monsters.json'), 'utf8'), '5e-SRD-Monsters.json');
    assert.equal(monsters.format, '5e-bits');
    assert.equal(monsters.drafts.length, 6);
    const dragon = monsters.drafts.find((d) => d.body.name === 'Adult Red Dragon')!.body as Body;
    assert.equal(dragon.statblock.ac, 19);
    assert.equal(dragon.statblock.hp, 256);
    assert.equal(dragon.statblock.challenge_rating, 17);
    assert.equal(dragon.statblock.legendary_actions.length, 3);
    // The monster's image path and its "forms"/"hit_points_roll" have no home: reported.
    assert.ok(monsters.report.some((e) => e.kind === 'unmapped' && e.path === '[].hit_points_roll' && e.entity === 'npc "Adult Red Dragon"'));
    assert.ok(monsters.report.some((e) => e.kind === 'ignored' && e.path === '[].index' && e.detail === '5e-bits API bookkeeping (index, url, image path)'));
    const spells = parseImportFile(readFileSync(join(root, 'test/fixtures/srd-5e-bits/5e-SRD-Spells.json'), 'utf8'), 'spells.json');
    const fireball = spells.drafts.find((d) => d.body.name === 'Fireball')!.body as Body;
    assert.equal(fireball.level, 3);
    assert.equal(fireball.school, 'Evocation');
    assert.ok(spells.report.some((e) => e.path === '[].damage' && e.entity === 'spell "Fireball"'), 'spell damage tables are reported');
  });

  it('Open5e v1 monsters, spells, weapons, armor and magic items', () => {
    const m = load('open5e-v1/Monster.json');
    assert.equal(m.format, 'open5e-v1');
    assert.equal(m.drafts.length, 5);
    const lich = m.drafts.find((d) => d.body.name === 'Lich')!.body as Body;
    assert.equal(lich.statblock.ac, 17);
    assert.equal(lich.statblock.challenge_rating, 21);
    assert.deepEqual(lich.statblock.saves, { con: 10, int: 12, wis: 9 });
    assert.equal(lich.statblock.skills.arcana, 19);
    assert.equal(lich.statblock.senses.truesight, 120);
    assert.equal(lich.statblock.legendary_actions_per_round, 3);
    assert.equal(lich.statblock.spellcasting.spells.length, 26);
    const goblin = m.drafts.find((d) => d.body.name === 'Goblin')!.body as Body;
    assert.equal(goblin.statblock.challenge_rating, 0.25);
    // Fields inside the JSON text of a record are tracked too.
    assert.ok(m.report.some((e) => e.kind === 'ignored' && e.path === '[].fields.img_main'));
    const s = load('open5e-v1/Spell.json').drafts.find((d) => d.body.name === 'Wish')!.body as Body;
    assert.equal(s.level, 9);
    assert.equal(s.school, 'Conjuration');
    const w = load('open5e-v1/Weapon.json').drafts.find((d) => d.body.name === 'Longsword')!.body as Body;
    assert.deepEqual(w.damage, { dice: '1d8', type: 'slashing', versatile_dice: '1d10' });
    assert.deepEqual(w.cost, { quantity: 15, unit: 'gp' });
    const bow = load('open5e-v1/Weapon.json').drafts.find((d) => d.body.name === 'Longbow')!.body as Body;
    assert.deepEqual(bow.range, { normal: 150, long: 600 });
    const a = load('open5e-v1/Armor.json').drafts.find((d) => d.body.name === 'Breastplate')!.body as Body;
    assert.deepEqual(a.armor, { base_ac: 14, dex_bonus: true, max_dex_bonus: 2, stealth_disadvantage: false });
    const magic = load('open5e-v1/MagicItem.json');
    const fig = magic.drafts.find((d) => d.body.name === 'Figurine of Wondrous Power')!.body as Body;
    assert.equal(fig.rarity, 'varies');
    assert.ok(magic.report.some((e) => e.kind === 'converted' && e.path === '[].fields.rarity' && /"rarity by figurine" → "varies"/.test(e.detail ?? '')));
  });

  it('Fantasy Statblocks (Basic Fantasy RPG): descending AC converted, the rest kept in extra', () => {
    const files = readdirSync(join(FIX, 'fantasy-statblocks')).filter((f) => f.endsWith('.yaml'));
    assert.equal(files.length, 8);
    for (const f of files) assert.deepEqual(validateBody('npc', one(`fantasy-statblocks/${f}`)), [], f);
    const r = load('fantasy-statblocks/Troll.statblock.yaml');
    const troll = r.drafts[0]!.body as Body;
    assert.equal(troll.statblock.ac, 16);
    assert.equal(troll.statblock.ac_note, 'descending AC 3');
    assert.equal(troll.statblock.hp, 27);
    assert.equal(troll.statblock.hit_dice, '6*');
    assert.deepEqual(troll.statblock.speed, { walk: 40 });
    assert.equal(troll.statblock.traits[0].name, 'Regeneration');
    assert.equal(troll.extra.statblock.thaco, '14 [+6]');
    assert.deepEqual(troll.extra.statblock.jds, [10, 11, 12, 14, 15]);
    assert.ok(lines(r.report, 'converted', 'ac').length === 1);
    assert.ok(lines(r.report, 'kept-in-extra', 'thaco').length === 1);
    assert.ok(lines(r.report, 'kept-in-extra', 'moral').length === 1);
    // The note itself: its ```statblock block is read.
    assert.deepEqual(one('fantasy-statblocks/Goblin.md'), one('fantasy-statblocks/Goblin.statblock.yaml'));
  });

  it('every 5e-bits and Open5e record of the full SRD collection imports', function () {
    this.timeout(60_000);
    const full = join(root, 'test/fixtures/srd-full');
    const files = [
      ...['5e-SRD-Monsters.json', '5e-SRD-Spells.json', '5e-SRD-Equipment.json', '5e-SRD-Magic-Items.json'].map((f) => `${full}/5e-bits/${f}`),
      ...['Monster.json', 'Spell.json', 'Weapon.json', 'Armor.json', 'MagicItem.json'].map((f) => `${full}/open5e-v1/${f}`),
    ];
    const { drafts } = parseImportFiles(files.map((f) => ({ name: f, text: readFileSync(f, 'utf8') })));
    assert.equal(drafts.length, 334 + 319 + 237 + 362 + 322 + 319 + 37 + 18 + 237);
  });
});

describe('core/import: bad input is refused with the file and the place', () => {
  it('malformed JSON and YAML', () => {
    refuses('{"name": "Zanna",\n "type": }', 'hero.json', /line 2, column 10\): it is not valid JSON/);
    refuses('name: [Zanna\ntype: npc', 'hero.yaml', /\(line 2, column 1\): it is not valid YAML/);
    refuses('', 'empty.yaml', /the file is empty/);
    refuses('a: 1\n---\nb: 2\n', 'two.yaml', /2 YAML documents; one was expected/);
  });

  it('a file over the size limit, before any parsing', () => {
    refuses(' '.repeat(MAX_IMPORT_TEXT + 1), 'huge.json', /too large to import \(more than 64 MiB of text\)/);
  });

  it('YAML and Markdown over 4 MiB, before parsing (the YAML parser took 37 s and 1.9 GB for 50 MB)', () => {
    // Invalid from its first line: had it been parsed first, the error would say "not valid YAML".
    const big = `name: [unclosed\n${'# filler\n'.repeat(Math.ceil((MAX_YAML_IMPORT_TEXT + 1) / 9))}`;
    refuses(big, 'bestiary.yaml', /too large to import \(more than 4 MiB of YAML; JSON files may hold up to 64 MiB\)/);
    refuses(`# Goblin\n\`\`\`statblock\nname: [\n${'x'.repeat(MAX_YAML_IMPORT_TEXT)}`, 'goblin.md', /more than 4 MiB of Markdown/);
    assert.equal(maxImportText('a.yml'), MAX_YAML_IMPORT_TEXT);
    assert.equal(maxImportText('a.json'), MAX_IMPORT_TEXT);
  });

  it('an alias bomb', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefgh'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`)].join('\n');
    refuses(bomb, 'bomb.yaml', /aliases .* too much/);
  });

  it('very deep nesting, in JSON and in YAML, without a stack overflow', () => {
    refuses(`${'['.repeat(100_000)}${']'.repeat(100_000)}`, 'deep.json', /\(line 1, column 101\): the data is nested too deeply/);
    refuses(`${'['.repeat(20_000)}${']'.repeat(20_000)}`, 'deep.yaml', /nested too deeply/);
    refuses(`a:\n${Array.from({ length: 150 }, (_, i) => `${' '.repeat(i + 1)}a:`).join('\n')} 1`, 'deep2.yaml', /\(at a\.a\.a.*\): the data is nested too deeply/);
  });

  it('duplicate keys', () => {
    refuses('{"name": "Zanna", "type": "character",\n  "system": {"abilities": {}, "abilities": {}}}', 'dup.json', /\(line 2, column 31\): the key "abilities" appears twice/);
    refuses('name: Zanna\ntype: npc\nname: Other\n', 'dup.yaml', /\(line 3, column 1\): .*Map keys must be unique/);
  });

  it('YAML tags', () => {
    refuses('name: !!python/object/apply:os.system ["rm -rf /"]\n', 'tag.yaml', /tags are not allowed/);
    refuses('name: !secret x\n', 'tag2.yaml', /tags are not allowed/);
  });

  it('an unknown format, a list of nothing, a single value', () => {
    refuses('{"title": "My notes", "pages": 3}', 'notes.json', /not one Campaign Vault can import: expected a Foundry VTT dnd5e actor/);
    refuses('[]', 'empty.json', /an empty list/);
    refuses('42', 'n.json', /a single number/);
  });

  it('wrong types: a Foundry hero whose scores are words is refused, naming the field', () => {
    const doc = JSON.parse(read('foundry-heroes/zanna-gnome-wizard.json')) as { system: { abilities: { str: { value: unknown } } } };
    doc.system.abilities.str.value = 'very strong';
    const r = parseImportFile(JSON.stringify(doc), 'zanna.json');
    // A score that is not a number is left out and reported, not guessed.
    assert.equal((r.drafts[0]!.body as Body).abilities.str, undefined);
    const line = lines(r.report, 'unmapped', 'system.abilities.*.value');
    assert.equal(line.length, 1, JSON.stringify(r.report.slice(0, 5)));
    assert.match(line[0]!.detail!, /not a number: "very strong"; left out/);
    assert.equal(line[0]!.example, 'system.abilities.str.value');
    const hp = JSON.parse(read('foundry-heroes/zanna-gnome-wizard.json')) as { system: { attributes: { hp: { value: unknown; max: unknown } } } };
    hp.system.attributes.hp = { value: -200_000, max: 8 };
    refuses(JSON.stringify(hp), 'zanna-hp.json', /character "Zanna \(Gnome Wizard\)" is not a valid entry: hp\.current must be at least -100,000/);
    refuses(JSON.stringify({ type: 'character', system: 'not an object', items: [] }), 'odd.json', /not one Campaign Vault can import/);
    const odd = parseImportFile(JSON.stringify({ type: 'npc', system: { abilities: 5 }, items: 'none', name: 'X' }), 'odd2.json');
    assert.deepEqual(
      odd.report.filter((e) => /expected/.test(e.detail ?? '')).map((e) => [e.path, e.detail]),
      [
        ['items', 'expected a list, found "none"; left out'],
        ['system.abilities', 'expected a group of fields, found 5; left out'],
      ],
    );
  });

  it('names that cannot be names: control characters and bidi overrides are refused where they are', () => {
    refuses(JSON.stringify([{ model: 'api.spell', pk: 'x', fields: { name: 'Fire\u202eball', spell_level: 3 } }]), 'o5.json', /record \[0\]\): spell "Fire\\u202eball" is not a valid entry: name must contain a visible character and no line breaks, tabs or invisible control characters/);
    refuses('name: "Tab\\there"\nlayout: x\nac: 3\n', 'sb.yaml', /npc "Tab\\there" is not a valid entry/);
    refuses(`name: "${'Ogre'.repeat(60)}"\nlayout: x\nac: 3\n`, 'long.yaml', /npc "OgreOgre.*…" is not a valid entry: name is too long: at most 200 characters/);
    // Slashes and dots are fine in a name (the export makes file names of them safely).
    assert.equal(one('fantasy-statblocks/Ogre.statblock.yaml').name, 'Ogre');
    assert.equal(parseImportFile('name: "../../etc/passwd"\nlayout: x\nac: 3\n', 'x.yaml').drafts[0]!.body.name, '../../etc/passwd');
  });

  it('stores names from other tools in NFC', () => {
    const nfd = 'Cafe\u0301 Owner';
    const body = parseImportFile(`name: "${nfd}"\nlayout: x\nac: 12\nhp: 4\n`, 'cafe.yaml').drafts[0]!.body;
    assert.equal(body.name, 'Caf\u00e9 Owner');
  });
});

describe('core/import: helpers', () => {
  it('HTML → Markdown keeps structure and drops markup safely', () => {
    assert.equal(htmlToMarkdown('<p>One <strong>bold</strong> &amp; <em>it</em>.</p><ul><li>a</li><li>b</li></ul><p>x&lt;y</p>'), 'One **bold** & *it*.\n\n- a\n- b\n\nx<y');
    assert.equal(htmlToMarkdown('<p>@UUID[Compendium.dnd5e.spells.Item.x]{Fireball} for [[/r 8d6]] fire.</p>'), 'Fireball for 8d6 fire.');
    assert.equal(htmlToMarkdown('<script>alert(1)</script><p>ok</p>'), 'alert(1)\n\nok');
    assert.equal(htmlToMarkdown('<a href="https://example.org/a b">site</a> <a href="javascript:alert(1)">trap</a> <a href=" JaVaScRiPt&#58;x">t2</a>'), '[site](https://example.org/a%20b) trap t2');
    const long = `<p>${'<b>'.repeat(50_000)}x`;
    assert.ok(htmlToMarkdown(long).includes('x'));
  });

  it('file names safe on every system', () => {
    assert.equal(safeStem('Zanna (Gnome Wizard)'), 'Zanna (Gnome Wizard)');
    assert.equal(safeStem('a/b\\c:d*e?f"g<h>i|j'), 'a_b_c_d_e_f_g_h_i_j');
    assert.equal(safeStem('..'), 'unnamed');
    assert.equal(safeStem('../../etc/passwd'), '_.._etc_passwd');
    assert.equal(safeStem('con'), '_con');
    assert.equal(safeStem('LPT1.txt'), '_LPT1.txt');
    assert.equal(safeStem('evil\u202egnp.exe'), 'evil_gnp.exe');
    assert.equal(safeStem('tab\there\u0000'), 'tab_here_');
    assert.equal(safeStem('trailing. '), 'trailing');
    assert.equal(safeStem('Cafe\u0301'), 'Caf\u00e9');
    const long = safeStem('ü'.repeat(300));
    assert.equal(long, 'ü'.repeat(50), 'cut at 100 bytes of UTF-8, between characters');
    assert.equal(safeStem('😀'.repeat(60)).length, 50, 'never half a surrogate pair');
  });

  it('summarises a report for people', () => {
    const r = load('foundry-heroes/randal-human-fighter.yml');
    const text = summarizeReport({ entries: r.report }, 5);
    assert.match(text[0]!, /^Loss report: \d+ unmapped, \d+ converted, 1 kept-in-extra, \d+ ignored by design \(\d+ lines\)\.$/);
    assert.equal(text.length, 8);
    assert.match(text[1]!, /^ {2}unmapped /, 'what a game master would miss comes first');
    assert.match(text.at(-2)!, /more lines/);
    assert.match(text.at(-1)!, /^ {2}ignored by design: \d+ values in 1 file — /);
  });
});
