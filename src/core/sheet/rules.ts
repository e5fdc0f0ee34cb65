// The D&D 5e (2014 SRD) numbers the sheet is derived from: abilities, skills, proficiency, spell
// slot tables by caster type, challenge rating → proficiency bonus and XP. Pure data and arithmetic.

export const ABILITIES = ['str', 'dex', 'con', 'int', 'wis', 'cha'] as const;
export type Ability = (typeof ABILITIES)[number];

export const ABILITY_NAMES: Record<Ability, string> = {
  str: 'Strength',
  dex: 'Dexterity',
  con: 'Constitution',
  int: 'Intelligence',
  wis: 'Wisdom',
  cha: 'Charisma',
};

export const isAbility = (x: unknown): x is Ability => typeof x === 'string' && (ABILITIES as readonly string[]).includes(x);

/** The 18 skills, in sheet order, with their ability. */
export const SKILLS = [
  ['acrobatics', 'Acrobatics', 'dex'],
  ['animal_handling', 'Animal Handling', 'wis'],
  ['arcana', 'Arcana', 'int'],
  ['athletics', 'Athletics', 'str'],
  ['deception', 'Deception', 'cha'],
  ['history', 'History', 'int'],
  ['insight', 'Insight', 'wis'],
  ['intimidation', 'Intimidation', 'cha'],
  ['investigation', 'Investigation', 'int'],
  ['medicine', 'Medicine', 'wis'],
  ['nature', 'Nature', 'int'],
  ['perception', 'Perception', 'wis'],
  ['performance', 'Performance', 'cha'],
  ['persuasion', 'Persuasion', 'cha'],
  ['religion', 'Religion', 'int'],
  ['sleight_of_hand', 'Sleight of Hand', 'dex'],
  ['stealth', 'Stealth', 'dex'],
  ['survival', 'Survival', 'wis'],
] as const satisfies readonly (readonly [string, string, Ability])[];
export type SkillKey = (typeof SKILLS)[number][0];

/** The ability modifier of a score: floor((score − 10) / 2). */
export const abilityModifier = (score: number): number => Math.floor((score - 10) / 2);

/** The proficiency bonus at a total character level: +2 at 1–4, +3 at 5–8 … +6 at 17–20. */
export const proficiencyForLevel = (level: number): number => Math.floor((Math.max(1, level) - 1) / 4) + 2;

/** How a class casts spells. */
export type CasterType = 'full' | 'half' | 'artificer' | 'third' | 'pact' | 'none';

/** Spellcasting ability of each class (lower-case class name). */
const CLASS_SPELL_ABILITY: Record<string, Ability> = {
  artificer: 'int',
  bard: 'cha',
  cleric: 'wis',
  druid: 'wis',
  paladin: 'cha',
  ranger: 'wis',
  sorcerer: 'cha',
  warlock: 'cha',
  wizard: 'int',
  fighter: 'int', // Eldritch Knight
  rogue: 'int', // Arcane Trickster
};

const FULL = new Set(['bard', 'cleric', 'druid', 'sorcerer', 'wizard']);
const HALF = new Set(['paladin', 'ranger']);
const THIRD_SUBCLASSES = /eldritch knight|arcane trickster/i;

/** The caster type of a class (and subclass: only Eldritch Knights and Arcane Tricksters cast). */
export function casterType(className: string, subclass?: string | null): CasterType {
  const c = className.trim().toLowerCase();
  if (FULL.has(c)) return 'full';
  if (HALF.has(c)) return 'half';
  if (c === 'artificer') return 'artificer';
  if (c === 'warlock') return 'pact';
  if ((c === 'fighter' || c === 'rogue') && subclass && THIRD_SUBCLASSES.test(subclass)) return 'third';
  return 'none';
}

/** The spellcasting ability of a class, if it casts spells. */
export function classSpellAbility(className: string, subclass?: string | null): Ability | undefined {
  return casterType(className, subclass) === 'none' ? undefined : CLASS_SPELL_ABILITY[className.trim().toLowerCase()];
}

/** Spell slots of a full caster by caster level (index 0 = level 1), per spell level 1–9. */
const FULL_CASTER_SLOTS: readonly (readonly number[])[] = [
  [2],
  [3],
  [4, 2],
  [4, 3],
  [4, 3, 2],
  [4, 3, 3],
  [4, 3, 3, 1],
  [4, 3, 3, 2],
  [4, 3, 3, 3, 1],
  [4, 3, 3, 3, 2],
  [4, 3, 3, 3, 2, 1],
  [4, 3, 3, 3, 2, 1],
  [4, 3, 3, 3, 2, 1, 1],
  [4, 3, 3, 3, 2, 1, 1],
  [4, 3, 3, 3, 2, 1, 1, 1],
  [4, 3, 3, 3, 2, 1, 1, 1],
  [4, 3, 3, 3, 2, 1, 1, 1, 1],
  [4, 3, 3, 3, 3, 1, 1, 1, 1],
  [4, 3, 3, 3, 3, 2, 1, 1, 1],
  [4, 3, 3, 3, 3, 2, 2, 1, 1],
];

/** The slots (per spell level 1–9, trailing zeros dropped) of a spellcaster level on the full-caster table. */
export function slotsForCasterLevel(casterLevel: number): number[] {
  if (casterLevel < 1) return [];
  return [...FULL_CASTER_SLOTS[Math.min(20, Math.floor(casterLevel)) - 1]!];
}

/**
 * The spellcaster level that reads the full-caster slot table for a set of classes.
 * One spellcasting class: its own table (a paladin or ranger gets slots from level 2, rounding up;
 * an Eldritch Knight or Arcane Trickster from level 3, rounding up; an artificer from level 1).
 * Several: the multiclass rule (PHB p. 164) — full levels, plus half of paladin/ranger levels and a
 * third of Eldritch Knight/Arcane Trickster levels rounded down (artificer halves round up). Warlock
 * levels never count: Pact Magic is separate.
 */
export function casterLevel(classes: readonly { type: CasterType; level: number }[]): number {
  const casters = classes.filter((c) => c.type !== 'none' && c.type !== 'pact');
  if (casters.length === 1) {
    const { type, level } = casters[0]!;
    switch (type) {
      case 'full':
        return level;
      case 'artificer':
        return Math.ceil(level / 2);
      case 'half':
        return level < 2 ? 0 : Math.ceil(level / 2);
      case 'third':
        return level < 3 ? 0 : Math.ceil(level / 3);
    }
  }
  let total = 0;
  for (const { type, level } of casters) {
    if (type === 'full') total += level;
    else if (type === 'half') total += Math.floor(level / 2);
    else if (type === 'artificer') total += Math.ceil(level / 2);
    else if (type === 'third') total += Math.floor(level / 3);
  }
  return total;
}

/** Warlock Pact Magic by warlock level: how many slots, all of one spell level. */
export function pactSlots(warlockLevel: number): { level: number; max: number } | undefined {
  if (warlockLevel < 1) return undefined;
  const l = Math.min(20, Math.floor(warlockLevel));
  const max = l === 1 ? 1 : l <= 10 ? 2 : l <= 16 ? 3 : 4;
  const level = l <= 2 ? 1 : l <= 4 ? 2 : l <= 6 ? 3 : l <= 8 ? 4 : 5;
  return { level, max };
}

/** Challenge ratings below 1, as written in stat blocks. */
const FRACTIONS: Record<string, string> = { '0.125': '1/8', '0.25': '1/4', '0.5': '1/2' };
export const formatChallenge = (cr: number): string => FRACTIONS[String(cr)] ?? String(cr);

/** Experience points by challenge rating (DMG p. 274). */
const XP_BY_CR: Record<string, number> = {
  '0': 10,
  '0.125': 25,
  '0.25': 50,
  '0.5': 100,
  '1': 200,
  '2': 450,
  '3': 700,
  '4': 1100,
  '5': 1800,
  '6': 2300,
  '7': 2900,
  '8': 3900,
  '9': 5000,
  '10': 5900,
  '11': 7200,
  '12': 8400,
  '13': 10000,
  '14': 11500,
  '15': 13000,
  '16': 15000,
  '17': 18000,
  '18': 20000,
  '19': 22000,
  '20': 25000,
  '21': 33000,
  '22': 41000,
  '23': 50000,
  '24': 62000,
  '25': 75000,
  '26': 90000,
  '27': 105000,
  '28': 120000,
  '29': 135000,
  '30': 155000,
};
export const xpForChallenge = (cr: number): number | undefined => XP_BY_CR[String(cr)];

/** The proficiency bonus of a creature by challenge rating: +2 up to CR 4, +3 at 5–8 … +9 at 29–30. */
export const proficiencyForChallenge = (cr: number): number => (cr < 1 ? 2 : Math.floor((cr - 1) / 4) + 2);

/** Carrying capacity in pounds: Strength score × 15 (PHB p. 176). */
export const carryingCapacity = (strength: number): number => strength * 15;
