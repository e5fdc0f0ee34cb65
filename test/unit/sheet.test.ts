import * as assert from 'node:assert/strict';
import {
  casterLevel,
  deriveCharacterSheet,
  deriveStatBlock,
  pactSlots,
  proficiencyForChallenge,
  slotsForCasterLevel,
  type CharacterSheet,
  type SkillKey,
} from '../../src/core/sheet';
import { characterFromFoundry, npcFromBitsMonster, npcFromFoundry, readJson, readYaml, type BitsMonster } from './schemaFixtures';

const hero = (file: string) => deriveCharacterSheet(characterFromFoundry(readYaml(`test/fixtures/sample-campaign/characters/${file}.yml`) as never));
const mods = (s: CharacterSheet) => Object.fromEntries(s.abilities.map((a) => [a.ability, a.modifier]));
const save = (s: CharacterSheet, a: string) => s.saves.find((x) => x.ability === a)!;
const skill = (s: CharacterSheet, k: SkillKey) => s.skills.find((x) => x.key === k)!;
const slots = (s: CharacterSheet) => Object.fromEntries(s.spellcasting!.slots.map((r) => [r.level, r.max.value]));

describe('core/sheet: real heroes (SRD starter heroes from Foundry)', () => {
  it('Zanna, gnome wizard 1: modifiers, saves, skills, passives, spellcasting, carried weight', () => {
    const z = hero('zanna-gnome-wizard');
    // STR 8, DEX 12, CON 15, INT 17, WIS 13, CHA 10
    assert.deepEqual(mods(z), { str: -1, dex: 1, con: 2, int: 3, wis: 1, cha: 0 });
    assert.equal(z.level.value, 1);
    assert.deepEqual(z.proficiencyBonus, { value: 2, stored: 2, derived: 2, mismatch: false });
    assert.deepEqual([save(z, 'int').bonus, save(z, 'wis').bonus, save(z, 'str').bonus], [5, 3, -1]);
    assert.equal(save(z, 'int').proficient, true);
    assert.equal(skill(z, 'arcana').bonus, 5);
    assert.equal(skill(z, 'arcana').proficiency, 'proficient');
    assert.equal(skill(z, 'stealth').bonus, 1);
    assert.equal(skill(z, 'stealth').proficiency, 'none');
    assert.equal(z.skills.length, 18);
    assert.deepEqual(z.passive.perception, { value: 11, stored: 11, derived: 11, mismatch: false });
    assert.equal(z.passive.investigation.value, 15);
    assert.equal(z.passive.insight.value, 11);
    assert.equal(z.initiative.value, 1);
    assert.equal(z.ac.value, 11);
    assert.equal(z.speed.walk, 25);
    assert.deepEqual(z.hp, { current: 8, max: 8, temp: 0 });
    const sc = z.spellcasting!;
    assert.equal(sc.ability, 'int');
    assert.deepEqual(sc.saveDc, { value: 13, stored: 13, derived: 13, mismatch: false });
    assert.equal(sc.attackBonus.derived, 5);
    assert.equal(sc.casterLevel, 1);
    assert.deepEqual(slots(z), { 1: 2 });
    assert.equal(sc.slots[0]!.max.derived, 2);
    assert.deepEqual(sc.spells.map((g) => [g.level, g.spells.length]), [[0, 3], [1, 6]]);
    assert.deepEqual(z.classes.map((c) => [c.name, c.level, c.caster, c.spellAbility, c.saveDc]), [['Wizard', 1, 'full', 'int', 13]]);
    // 18 items; torches 10 × 1 lb and rations 10 × 2 lb; 78.56 lb in all, against 8 × 15 = 120 lb.
    assert.equal(z.inventory.items.find((i) => i.name === 'Rations')!.totalWeight, 20);
    assert.equal(z.inventory.carried, 78.56);
    assert.equal(z.inventory.capacity, 120);
    assert.equal(z.inventory.encumbered, false);
    // Quarterstaff: a Str melee weapon, +2 − 1 to hit, 1d6 − 1.
    const staff = z.attacks.find((a) => a.name === 'Quarterstaff')!;
    assert.deepEqual([staff.ability, staff.toHit.value, staff.damage], ['str', 1, '1d6-1']);
  });

  it('Riswynn, dwarf rogue 1: expertise doubles proficiency; finesse and ranged weapons use Dex', () => {
    const r = hero('riswynn-dwarf-rogue');
    assert.deepEqual(mods(r), { str: 0, dex: 2, con: 3, int: 1, wis: 2, cha: -1 });
    assert.deepEqual([skill(r, 'stealth').proficiency, skill(r, 'stealth').bonus], ['expertise', 6]);
    assert.equal(skill(r, 'sleight_of_hand').bonus, 6);
    assert.equal(skill(r, 'acrobatics').bonus, 4);
    assert.equal(skill(r, 'deception').bonus, 1);
    assert.equal(r.passive.perception.value, 12);
    assert.deepEqual([save(r, 'dex').bonus, save(r, 'int').bonus, save(r, 'con').bonus], [4, 3, 3]);
    const byName = Object.fromEntries(r.attacks.map((a) => [a.name, [a.ability, a.toHit.value, a.damage]]));
    assert.deepEqual(byName, { Dagger: ['dex', 4, '1d4+2'], Shortbow: ['dex', 4, '1d6+2'], Rapier: ['dex', 4, '1d8+2'] });
    assert.equal(r.senses.darkvision, 60);
  });

  it('Akra, dragonborn cleric 1: Wisdom casting, proficient Perception', () => {
    const a = hero('akra-dragonborn-cleric');
    assert.deepEqual(mods(a), { str: 3, dex: 0, con: 1, int: -1, wis: 2, cha: -1 });
    assert.deepEqual([save(a, 'wis').bonus, save(a, 'cha').bonus], [4, 1]);
    assert.equal(skill(a, 'perception').bonus, 4);
    assert.deepEqual(a.passive.perception, { value: 14, stored: 14, derived: 14, mismatch: false });
    assert.equal(a.spellcasting!.saveDc.derived, 12);
    assert.equal(a.spellcasting!.attackBonus.derived, 4);
    assert.deepEqual(slots(a), { 1: 2 });
    assert.equal(a.attacks.find((x) => x.name === 'Mace')!.damage, '1d6+3');
  });

  it('Randal, human fighter 1: melee Str, ranged Dex, thrown Str; no slots for a plain fighter', () => {
    const r = hero('randal-human-fighter');
    assert.deepEqual([save(r, 'str').bonus, save(r, 'con').bonus], [5, 4]);
    assert.equal(skill(r, 'athletics').bonus, 5);
    const byName = Object.fromEntries(r.attacks.map((a) => [a.name, [a.ability, a.toHit.value, a.damage]]));
    assert.deepEqual(byName.Longsword, ['str', 5, '1d8+3']);
    assert.deepEqual(byName.Longbow, ['dex', 4, '1d8+2']);
    assert.deepEqual(byName.Handaxe, ['str', 5, '1d6+3']);
    assert.equal(r.classes[0]!.caster, 'none');
    assert.deepEqual(r.spellcasting!.slots, []);
    assert.equal(r.ac.value, 19, 'chain mail 16 + shield 2 + Fighting Style: Defense 1 (an active effect the import applies)');
  });
});

describe('core/sheet: classes, casters and proficiency built from the schema', () => {
  const base = { name: 'Test', abilities: { str: 10, dex: 14, con: 12, int: 16, wis: 12, cha: 14 } };

  it('multiclass: level and proficiency from the sum of class levels; full casters add up', () => {
    const s = deriveCharacterSheet({ ...base, classes: [{ name: 'Wizard', level: 5 }, { name: 'Cleric', level: 3 }] });
    assert.deepEqual(s.level, { value: 8, stored: null, derived: 8, mismatch: false });
    assert.equal(s.proficiencyBonus.value, 3);
    assert.equal(s.spellcasting!.casterLevel, 8);
    assert.deepEqual(slots(s), { 1: 4, 2: 3, 3: 3, 4: 2 });
    // The first caster class gives the sheet's ability; each class has its own DC (8 + 3 + mod).
    assert.equal(s.spellcasting!.ability, 'int');
    assert.deepEqual(s.classes.map((c) => c.saveDc), [14, 12]);
  });

  it('level 9 reaches +4 proficiency; a stored level that disagrees wins and is flagged', () => {
    assert.equal(deriveCharacterSheet({ ...base, classes: [{ name: 'Fighter', level: 9 }] }).proficiencyBonus.value, 4);
    const s = deriveCharacterSheet({ ...base, level: 3, classes: [{ name: 'Fighter', level: 4 }] });
    assert.deepEqual(s.level, { value: 3, stored: 3, derived: 4, mismatch: true });
    assert.equal(s.proficiencyBonus.value, 2);
    const pb = deriveCharacterSheet({ ...base, level: 5, class: 'Fighter', proficiency_bonus: 2 }).proficiencyBonus;
    assert.deepEqual(pb, { value: 2, stored: 2, derived: 3, mismatch: true });
  });

  it('half casters: a paladin alone uses the paladin table; multiclassed, half its levels round down', () => {
    assert.equal(deriveCharacterSheet({ ...base, class: 'Paladin', level: 1 }).spellcasting!.slots.length, 0);
    assert.deepEqual(slots(deriveCharacterSheet({ ...base, class: 'Ranger', level: 2 })), { 1: 2 });
    assert.deepEqual(slots(deriveCharacterSheet({ ...base, class: 'Paladin', level: 5 })), { 1: 4, 2: 2 });
    assert.deepEqual(slots(deriveCharacterSheet({ ...base, class: 'Paladin', level: 9 })), { 1: 4, 2: 3, 3: 2 });
    const ps = deriveCharacterSheet({ ...base, classes: [{ name: 'Paladin', level: 6 }, { name: 'Sorcerer', level: 3 }] });
    assert.equal(ps.spellcasting!.casterLevel, 6);
    assert.deepEqual(slots(ps), { 1: 4, 2: 3, 3: 3 });
    // Paladin casts with Charisma: 8 + 4 (level 9) + 2.
    assert.equal(ps.classes[0]!.saveDc, 14);
  });

  it('third casters: Eldritch Knight and Arcane Trickster, alone and multiclassed; artificers round up', () => {
    assert.equal(deriveCharacterSheet({ ...base, classes: [{ name: 'Fighter', subclass: 'Eldritch Knight', level: 2 }] }).spellcasting!.slots.length, 0);
    assert.deepEqual(slots(deriveCharacterSheet({ ...base, classes: [{ name: 'Fighter', subclass: 'Eldritch Knight', level: 7 }] })), { 1: 4, 2: 2 });
    const at = deriveCharacterSheet({ ...base, classes: [{ name: 'Rogue', subclass: 'Arcane Trickster', level: 3 }, { name: 'Wizard', level: 2 }] });
    assert.equal(at.spellcasting!.casterLevel, 3);
    assert.deepEqual(slots(at), { 1: 4, 2: 2 });
    assert.deepEqual(slots(deriveCharacterSheet({ ...base, class: 'Artificer', level: 1 })), { 1: 2 });
    assert.equal(casterLevel([{ type: 'artificer', level: 3 }, { type: 'full', level: 1 }]), 3);
    assert.deepEqual(slotsForCasterLevel(20), [4, 3, 3, 3, 3, 2, 2, 1, 1]);
    assert.deepEqual(slotsForCasterLevel(17), [4, 3, 3, 3, 2, 1, 1, 1, 1]);
  });

  it('warlock: Pact Magic slots are separate from multiclass slots', () => {
    const w = deriveCharacterSheet({ ...base, class: 'Warlock', level: 5 });
    assert.deepEqual(w.spellcasting!.pact!.level.value, 3);
    assert.deepEqual(w.spellcasting!.pact!.max.value, 2);
    assert.deepEqual(w.spellcasting!.slots, []);
    assert.equal(w.spellcasting!.ability, 'cha');
    assert.equal(w.spellcasting!.saveDc.value, 8 + 3 + 2);
    const ws = deriveCharacterSheet({ ...base, classes: [{ name: 'Warlock', level: 3 }, { name: 'Sorcerer', level: 2 }] });
    assert.deepEqual(slots(ws), { 1: 3 });
    assert.deepEqual([ws.spellcasting!.pact!.level.value, ws.spellcasting!.pact!.max.value], [2, 2]);
    assert.deepEqual([1, 2, 11, 17].map((l) => pactSlots(l)), [
      { level: 1, max: 1 },
      { level: 1, max: 2 },
      { level: 5, max: 3 },
      { level: 5, max: 4 },
    ]);
    // Stored pact slots win; the derived number is kept for the sheet to show the difference.
    const stored = deriveCharacterSheet({ ...base, class: 'Warlock', level: 5, spells: { pact_slots: { level: 3, max: 3, used: 1 } } });
    assert.deepEqual(stored.spellcasting!.pact, { level: { value: 3, stored: 3, derived: 3, mismatch: false }, max: { value: 3, stored: 3, derived: 2, mismatch: true }, used: 1 });
  });

  it('expertise at level 5, Jack of All Trades on untrained skills and initiative, other bonuses', () => {
    const rogue = deriveCharacterSheet({
      name: 'R',
      class: 'Rogue',
      level: 5,
      abilities: { dex: 18, wis: 12 },
      skills: { stealth: { proficient: true, expertise: true }, perception: { proficient: true, bonus: 1 } },
    });
    assert.equal(skill(rogue, 'stealth').bonus, 4 + 6);
    assert.equal(skill(rogue, 'perception').bonus, 1 + 3 + 1);
    assert.equal(rogue.passive.perception.value, 15);
    assert.equal(rogue.halfProficiency, null);
    const bard = deriveCharacterSheet({ name: 'B', class: 'Bard', level: 3, abilities: { dex: 14, wis: 12, cha: 16 }, skills: { performance: { proficient: true } } });
    assert.equal(bard.halfProficiency, 'Jack of All Trades');
    assert.deepEqual([skill(bard, 'perception').proficiency, skill(bard, 'perception').bonus], ['half', 2]);
    assert.equal(skill(bard, 'performance').bonus, 5);
    assert.equal(bard.initiative.value, 3);
    assert.equal(deriveCharacterSheet({ name: 'B', class: 'Bard', level: 1, abilities: { wis: 12 } }).halfProficiency, null);
  });

  it('a sheet from a body with wrong types and missing fields, without throwing', () => {
    const s = deriveCharacterSheet({ name: 7, abilities: { str: 'strong', dex: 30 }, hp: 'full', inventory: [null, { name: 'Rope', quantity: 'x', weight: 10 }], speed: 35, spells: null });
    assert.equal(s.name, '(unnamed character)');
    assert.equal(s.abilities.find((a) => a.ability === 'dex')!.modifier, 10);
    assert.equal(s.abilities.find((a) => a.ability === 'str')!.score, null);
    assert.deepEqual(s.hp, { current: null, max: null, temp: null });
    assert.deepEqual(s.inventory.items.map((i) => [i.index, i.quantity, i.totalWeight]), [[1, 1, 10]]);
    assert.equal(s.inventory.capacity, null);
    assert.deepEqual([s.speed.walk, s.speed.single], [35, true]);
    assert.equal(s.spellcasting, null);
    assert.equal(s.ac.value, 20); // unarmored 10 + Dex when no AC is written
    for (const x of [null, [], 'text', 42]) assert.equal(deriveCharacterSheet(x).skills.length, 18);
  });

  it('encumbrance: carried weight over Str × 15', () => {
    const s = deriveCharacterSheet({ name: 'Mule', abilities: { str: 3 }, inventory: [{ name: 'Iron', quantity: 5, weight: 9.5 }] });
    assert.deepEqual([s.inventory.carried, s.inventory.capacity, s.inventory.encumbered], [47.5, 45, true]);
  });
});

describe('core/sheet: NPC stat blocks', () => {
  it('Bandit Captain (Foundry): CR 2 → +2 and 450 XP; saves, skills and passive Perception', () => {
    const b = deriveStatBlock(npcFromFoundry(readYaml('test/fixtures/sample-campaign/npcs/bandit-captain.yml') as never, 'villain'));
    assert.equal(b.hasStats, true);
    assert.deepEqual(b.challenge, { rating: 2, label: '2' });
    assert.deepEqual(b.proficiencyBonus, { value: 2, stored: 2, derived: 2, mismatch: false });
    assert.deepEqual(b.xp, { value: 450, stored: null, derived: 450, mismatch: false });
    assert.deepEqual(b.saves.map((s) => [s.ability, s.bonus.value, s.bonus.mismatch]), [['str', 4, false], ['dex', 5, false], ['wis', 2, false]]);
    assert.deepEqual(b.skills.map((s) => [s.key, s.bonus]), [['athletics', 4], ['deception', 4]]);
    assert.equal(b.passivePerception.value, 10);
    assert.equal(b.passivePerception.derived, 10);
    assert.deepEqual([b.ac, b.hp, b.hitDice], [15, 52, '8d8 + 16']);
    assert.equal(b.typeLine, 'Medium humanoid, neutral');
    assert.deepEqual(b.actions.map((a) => [a.name, a.attackBonus]), [['Scimitar', 5], ['Pistol', 5], ['Multiattack', null]]);
    assert.deepEqual(b.reactions.map((a) => a.name), ['Parry']);
  });

  it('SRD monsters (5e-bits): fractional CR, legendary actions, spellcasting', () => {
    const monsters = readJson('test/fixtures/srd-5e-bits/5e-SRD-Monsters.json') as BitsMonster[];
    const lich = deriveStatBlock(npcFromBitsMonster(monsters.find((m) => m.name === 'Lich')!));
    assert.deepEqual(lich.challenge, { rating: 21, label: '21' });
    assert.deepEqual([lich.proficiencyBonus.value, lich.proficiencyBonus.derived, lich.xp.derived], [7, 7, 33000]);
    assert.ok(lich.legendaryActions.length >= 3);
    assert.equal(lich.legendaryPerRound, 3);
    const sc = lich.spellcasting!;
    assert.equal(sc.ability, 'int');
    assert.equal(sc.spells.length, 26);
    // Lich: INT 20, +7 → DC 8 + 7 + 5 = 20, +12 to hit, as the SRD prints.
    assert.deepEqual([sc.saveDc.value, sc.saveDc.derived, sc.attackBonus.derived], [20, 20, 12]);
    assert.deepEqual(sc.slots.map((s) => s.max), [4, 3, 3, 3, 3, 1, 1, 1, 1]);
    assert.deepEqual([proficiencyForChallenge(0.25), proficiencyForChallenge(4), proficiencyForChallenge(5), proficiencyForChallenge(30)], [2, 2, 3, 9]);
  });

  it('a goblin at CR 1/4, and an NPC without a stat block', () => {
    const g = deriveStatBlock({ name: 'Goblin', statblock: { challenge_rating: 0.25, abilities: { dex: 14, wis: 8 }, skills: { stealth: 6 } } });
    assert.deepEqual(g.challenge, { rating: 0.25, label: '1/4' });
    assert.equal(g.xp.value, 50);
    assert.equal(g.passivePerception.value, 9);
    const n = deriveStatBlock({ name: 'Sildar', role: 'ally', statblock: null });
    assert.equal(n.hasStats, false);
    assert.equal(n.passivePerception.value, null);
    assert.equal(n.role, 'ally');
  });
});

describe('core/sheet: one line of text for personality, appearance, proficiencies and defenses', () => {
  it('shows `personality: Smiles too much` on a character and an NPC, and a one-line appearance', () => {
    const c = deriveCharacterSheet({ name: 'Vex', personality: 'Smiles too much', appearance: 'Tall, with a scar across one eye' });
    assert.deepEqual(c.personality, [{ label: 'Personality', text: ['Smiles too much'] }]);
    assert.deepEqual(c.appearance, [{ label: 'Appearance', text: 'Tall, with a scar across one eye' }]);
    const n = deriveStatBlock({ name: 'Toblen', personality: 'Smiles too much' });
    assert.deepEqual(n.personality, [{ label: 'Personality', text: ['Smiles too much'] }]);
    // The group still reads as before; empty text shows nothing.
    assert.deepEqual(deriveStatBlock({ name: 'T', personality: { traits: ['Nosy'], voice: 'Loud' } }).personality, [
      { label: 'Personality traits', text: ['Nosy'] },
      { label: 'Voice', text: ['Loud'] },
    ]);
    assert.deepEqual(deriveCharacterSheet({ name: 'V', personality: '  ', appearance: '' }).personality, []);
    assert.deepEqual(deriveCharacterSheet({ name: 'V', appearance: '' }).appearance, []);
  });

  it('shows proficiencies and defenses written as one line as they are, and their lists as before', () => {
    const c = deriveCharacterSheet({ name: 'Vex', proficiencies: "Light armor, simple weapons, thieves' tools", defenses: 'Resistant to fire' });
    assert.deepEqual(c.asText, { proficiencies: "Light armor, simple weapons, thieves' tools", defenses: 'Resistant to fire' });
    assert.deepEqual(c.proficiencies, { armor: [], weapons: [], tools: [] });
    const lists = deriveCharacterSheet({ name: 'Vex', proficiencies: { armor: ['light armor'] }, defenses: { resistances: ['fire'] } });
    assert.deepEqual(lists.asText, { proficiencies: null, defenses: null });
    assert.deepEqual([lists.proficiencies.armor, lists.defenses.resistances], [['light armor'], ['fire']]);
  });
});

describe('core/sheet: values outside the rules are shown, and marked', () => {
  const base = { name: 'Test', class: 'Rogue', level: 1, abilities: { str: 10, dex: 14, con: 12, int: 16, wis: 12, cha: 14 }, saves: ['dex', 'int'], skills: { stealth: { proficient: true } } };
  const dex99 = 'Dexterity 99 is above 30, the most the rules allow';

  it('Dexterity 99: initiative +44, unarmored AC, Dex saves and skills are shown with the reason; others are not marked', () => {
    const s = deriveCharacterSheet({ ...base, abilities: { ...base.abilities, dex: 99 } });
    const dex = s.abilities.find((a) => a.ability === 'dex')!;
    assert.deepEqual([dex.score, dex.modifier, dex.problem], [99, 44, dex99]);
    assert.equal(s.inputProblems['["abilities","dex"]'], dex99);
    assert.deepEqual(s.initiative, { value: 44, stored: null, derived: 44, mismatch: false, problem: dex99 });
    assert.deepEqual([s.ac.value, s.ac.problem], [54, dex99]);
    assert.deepEqual([save(s, 'dex').bonus, save(s, 'dex').problem], [46, dex99]);
    assert.deepEqual([skill(s, 'stealth').bonus, skill(s, 'stealth').problem], [46, dex99]);
    assert.deepEqual([skill(s, 'acrobatics').bonus, skill(s, 'acrobatics').problem], [44, dex99]);
    // What does not come from Dexterity stays unmarked.
    assert.equal(s.abilities.find((a) => a.ability === 'str')!.problem, undefined);
    assert.equal(save(s, 'int').problem, undefined);
    assert.equal(skill(s, 'arcana').problem, undefined);
    assert.equal(s.passive.perception.problem, undefined);
    assert.equal(s.proficiencyBonus.problem, undefined);
    assert.deepEqual(Object.keys(s.inputProblems), ['["abilities","dex"]']);
  });

  it('a stored value that disagrees with one worked out from a bad score is marked; a stored value alone is not', () => {
    const s = deriveCharacterSheet({ ...base, initiative: 3, ac: 15, abilities: { ...base.abilities, dex: 99 } });
    assert.deepEqual(s.initiative, { value: 3, stored: 3, derived: 44, mismatch: true, problem: dex99 });
    // AC written in the file is not worked out from Dexterity here: nothing to mark.
    assert.deepEqual(s.ac, { value: 15, stored: 15, derived: null, mismatch: false });
  });

  it('scores below 1, not whole, or not numbers are said as such; a valid sheet has no problems at all', () => {
    const s = deriveCharacterSheet({ ...base, abilities: { str: 0, dex: 15.5, con: 'tough', int: 16, wis: 12, cha: 14 } });
    const row = (a: string) => s.abilities.find((x) => x.ability === a)!;
    assert.equal(row('str').problem, 'Strength 0 is below 1, the least the rules allow');
    assert.deepEqual([row('dex').score, row('dex').modifier, row('dex').problem], [15.5, 2, 'Dexterity 15.5 is not a whole number']);
    assert.deepEqual([row('con').score, row('con').problem], [null, "Constitution must be a whole number, not text 'tough'"]);
    assert.equal(s.inventory.capacity, 0);
    assert.equal(s.inventory.capacityProblem, 'Strength 0 is below 1, the least the rules allow');
    const fine = deriveCharacterSheet(base);
    assert.deepEqual(fine.inputProblems, {});
    assert.ok(!JSON.stringify(fine).includes('"problem"'), 'a valid sheet carries no problem');
    assert.ok(!JSON.stringify(hero('zanna-gnome-wizard')).includes('"problem"'));
  });

  it('a level out of range marks the level, the proficiency bonus and everything proficient', () => {
    const s = deriveCharacterSheet({ ...base, level: 45 });
    const level45 = 'Level 45 is above 30, the most the rules allow';
    assert.deepEqual(s.level, { value: 45, stored: 45, derived: null, mismatch: false, problem: level45 });
    assert.deepEqual([s.proficiencyBonus.value, s.proficiencyBonus.problem], [13, level45]);
    assert.deepEqual([skill(s, 'stealth').bonus, skill(s, 'stealth').problem], [15, level45]);
    assert.equal(skill(s, 'athletics').problem, undefined, 'an untrained skill does not use the proficiency bonus');
    assert.equal(save(s, 'int').problem, level45);
    assert.equal(save(s, 'str').problem, undefined);
    // A class level out of range: the total level worked out from it, and the slots.
    const w = deriveCharacterSheet({ ...base, class: undefined, level: undefined, classes: [{ name: 'Wizard', level: 31 }] });
    const class31 = 'Class level 31 is above 30, the most the rules allow';
    assert.deepEqual([w.level.value, w.level.problem, w.proficiencyBonus.problem], [31, class31, class31]);
    assert.equal(w.spellcasting!.slots[0]!.max.problem, class31);
    assert.equal(w.classes[0]!.problem, class31);
    // A stored proficiency bonus that is fine wins over the bad level: nothing proficient is marked.
    const pb = deriveCharacterSheet({ ...base, level: 45, proficiency_bonus: 2 });
    assert.equal(skill(pb, 'stealth').problem, undefined);
    assert.equal(pb.proficiencyBonus.problem, level45, 'the proficiency bonus worked out from level 45 (≠ 2) is noted and marked');
  });

  it('fields shared by several groups are named with their group; attacks and spellcasting carry the reason', () => {
    const s = deriveCharacterSheet({
      ...base,
      class: 'Wizard',
      abilities: { ...base.abilities, str: 40 },
      attacks: [{ name: 'Club', damage: '1d4' }],
      spells: { slots: { 3: { max: 2, used: 120 } } },
    });
    assert.equal(s.inputProblems['["spells","slots","3","used"]'], 'Level 3 slots: Slots used 120 is above 99, the most the rules allow');
    const club = s.attacks[0]!;
    assert.deepEqual([club.toHit.value, club.toHit.problem, club.damage, club.damageProblem], [17, 'Strength 40 is above 30, the most the rules allow', '1d4+15', 'Strength 40 is above 30, the most the rules allow']);
    assert.equal(s.spellcasting!.saveDc.problem, undefined, 'Intelligence is fine');
  });

  it('an NPC: a score out of range, and a challenge rating beyond 30', () => {
    const b = deriveStatBlock({ name: 'Titan', statblock: { challenge_rating: 45, abilities: { str: 50, wis: 10 }, saves: { str: 30 }, spellcasting: { ability: 'wis' } } });
    const cr = 'Challenge rating 45 is above 30, the most the rules allow';
    assert.equal(b.challenge!.problem, cr);
    assert.deepEqual([b.proficiencyBonus.value, b.proficiencyBonus.problem], [13, cr]);
    assert.equal(b.abilities.find((a) => a.ability === 'str')!.problem, 'Strength 50 is above 30, the most the rules allow');
    assert.equal(b.inputProblems['["statblock","abilities","str"]'], 'Strength 50 is above 30, the most the rules allow');
    assert.equal(b.saves[0]!.bonus.problem, `Strength 50 is above 30, the most the rules allow; ${cr}`);
    assert.equal(b.passivePerception.problem, undefined, 'Wisdom is fine and Perception is not proficient');
    assert.equal(b.spellcasting!.saveDc.problem, cr);
    const fine = deriveStatBlock(npcFromFoundry(readYaml('test/fixtures/sample-campaign/npcs/bandit-captain.yml') as never, 'villain'));
    assert.deepEqual(fine.inputProblems, {});
  });
});
