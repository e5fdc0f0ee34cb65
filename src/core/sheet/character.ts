// Derives the sheet a game master reads from a character body: modifiers, proficiency, saves,
// skills, passives, initiative, attacks, spellcasting with slots, inventory weight. Values written
// in the body win over derived ones; `Value.mismatch` says when they disagree (docs/SHEET.md).
import {
  type AbilityRow,
  type AttackRow,
  type CharacterSheet,
  type ClassRow,
  type FeatureRow,
  type InventoryRow,
  type ProficiencyLevel,
  type SaveRow,
  type Senses,
  type SkillRow,
  type Speeds,
  type Spellcasting,
  type SlotRow,
  type SpellRow,
  value,
} from './model';
import { because, numberProblems, problemKey } from './limits';
import { arr, bool, int, lines, num, obj, str, strings, type Obj } from './read';
import {
  ABILITIES,
  ABILITY_NAMES,
  SKILLS,
  abilityModifier,
  carryingCapacity,
  casterLevel,
  casterType,
  classSpellAbility,
  isAbility,
  pactSlots,
  proficiencyForLevel,
  slotsForCasterLevel,
  type Ability,
} from './rules';

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * The six scores at `base` (["abilities"], ["statblock", "abilities"]). A score that breaks the rules
 * (99, 15.5) is still shown and used, and carries its problem from `problems` (numberProblems).
 */
export function abilityRows(abilities: unknown, problems: Readonly<Record<string, string>> = {}, base: readonly string[] = ['abilities']): AbilityRow[] {
  const a = obj(abilities);
  return ABILITIES.map((ability) => {
    const score = num(a[ability]);
    const problem = problems[problemKey([...base, ability])];
    return { ability, name: ABILITY_NAMES[ability], score, modifier: score === null ? 0 : abilityModifier(score), ...(problem !== undefined ? { problem } : {}) };
  });
}

/** Why values worked out from an ability cannot be trusted, by ability. */
export const abilityProblems = (rows: readonly AbilityRow[]): Record<Ability, string | undefined> =>
  Object.fromEntries(rows.map((r) => [r.ability, r.problem])) as Record<Ability, string | undefined>;

/** `{ problem }` when there is one, for spreading into a row. */
export const withProblem = (problem: string | undefined): { problem?: string } => (problem !== undefined ? { problem } : {});

export function speeds(x: unknown): Speeds {
  if (typeof x === 'number' && Number.isFinite(x)) {
    return { walk: x, burrow: null, climb: null, fly: null, swim: null, hover: false, note: null, single: true };
  }
  const s = obj(x);
  return {
    walk: num(s.walk),
    burrow: num(s.burrow),
    climb: num(s.climb),
    fly: num(s.fly),
    swim: num(s.swim),
    hover: bool(s.hover),
    note: str(s.note),
    single: false,
  };
}

export function senses(x: unknown): Senses {
  const s = obj(x);
  return {
    darkvision: num(s.darkvision),
    blindsight: num(s.blindsight),
    tremorsense: num(s.tremorsense),
    truesight: num(s.truesight),
    special: str(s.special),
  };
}

export function uses(x: unknown): FeatureRow['uses'] {
  if (typeof x !== 'object' || x === null) return null;
  const u = obj(x);
  return { max: int(u.max), used: int(u.used) ?? 0, recovery: str(u.recovery) };
}

const PERSONALITY = [
  ['traits', 'Personality traits'],
  ['ideals', 'Ideals'],
  ['bonds', 'Bonds'],
  ['flaws', 'Flaws'],
  ['voice', 'Voice'],
  ['mannerisms', 'Mannerisms'],
  ['motivation', 'Motivation'],
  ['secrets', 'Secrets'],
] as const;

/** `personality` is a group of fields, or one text ("Smiles too much") shown as it is. */
export const personality = (x: unknown) =>
  typeof x === 'string'
    ? lines(x).map((line) => ({ label: 'Personality', text: [line] }))
    : PERSONALITY.map(([key, label]) => ({ label, text: lines(obj(x)[key]) })).filter((p) => p.text.length > 0);

const APPEARANCE = [
  ['age', 'Age'],
  ['height', 'Height'],
  ['weight', 'Weight'],
  ['eyes', 'Eyes'],
  ['skin', 'Skin'],
  ['hair', 'Hair'],
  ['gender', 'Gender'],
  ['description', 'Description'],
] as const;

/** `appearance` is a group of fields, or one text ("Tall, with a scar") shown as it is. */
const appearance = (x: unknown) =>
  typeof x === 'string'
    ? lines(x).map((text) => ({ label: 'Appearance', text }))
    : APPEARANCE.map(([key, label]) => ({ label, text: str(obj(x)[key]) ?? '' })).filter((a) => a.text !== '');

function classRows(body: Obj): { rows: { name: string; subclass: string | null; level: number }[]; fromSingle: boolean } {
  const listed = arr(body.classes)
    .map(obj)
    .map((c) => ({ name: str(c.name), subclass: str(c.subclass), level: int(c.level) }))
    .filter((c): c is { name: string; subclass: string | null; level: number } => c.name !== null && c.level !== null && c.level >= 1);
  if (listed.length > 0) return { rows: listed, fromSingle: false };
  const single = str(body.class);
  return single ? { rows: [{ name: single, subclass: null, level: int(body.level) ?? 1 }], fromSingle: true } : { rows: [], fromSingle: false };
}

/** Which feature or class gives half proficiency to untrained checks of an ability, and how much. */
function halfProficiency(classes: readonly { name: string; level: number }[], features: readonly FeatureRow[], pb: number) {
  const named = (re: RegExp) => features.some((f) => re.test(f.name));
  const jack = named(/jack of all trades/i) || classes.some((c) => /^bard$/i.test(c.name.trim()) && c.level >= 2);
  const athlete = named(/remarkable athlete/i);
  const source = [jack ? 'Jack of All Trades' : null, athlete ? 'Remarkable Athlete' : null].filter(Boolean).join(', ') || null;
  const bonus = (ability: Ability): number => {
    const a = athlete && (ability === 'str' || ability === 'dex' || ability === 'con') ? Math.ceil(pb / 2) : 0;
    const j = jack ? Math.floor(pb / 2) : 0;
    return Math.max(a, j);
  };
  return { source, bonus };
}

interface Derivation {
  readonly mods: Record<Ability, number>;
  readonly scores: Record<Ability, number | null>;
  readonly pb: number;
  /** Why values from each ability cannot be trusted. */
  readonly abilityProblem: Record<Ability, string | undefined>;
  /** Why the proficiency bonus cannot be trusted. */
  readonly pbProblem: string | undefined;
  readonly problems: Readonly<Record<string, string>>;
}

function attackRow(a: Obj, index: number, d: Derivation): AttackRow {
  const { mods, scores, pb } = d;
  const notes = str(a.notes);
  const range = str(a.range);
  const props = (notes ?? '').toLowerCase();
  const finesse = /\b(fin|finesse)\b/.test(props);
  const thrown = /\b(thr|thrown)\b/.test(props);
  const ranged = /\b(amm|ammunition)\b/.test(props) || (range !== null && !thrown);
  // Finesse weapons use the better of Str and Dex; ranged weapons Dex; melee and thrown Str.
  const ability: Ability = finesse ? (mods.dex > mods.str ? 'dex' : 'str') : ranged ? 'dex' : 'str';
  const mod = scores[ability] === null ? 0 : mods[ability];
  const dice = str(a.damage);
  const plainDice = dice !== null && /^\s*\d*d\d+(\s*\+\s*\d*d\d+)*\s*$/i.test(dice);
  const damage = dice === null ? null : plainDice && mod !== 0 ? `${dice.trim()}${mod > 0 ? '+' : '-'}${Math.abs(mod)}` : dice.trim();
  return {
    name: str(a.name) ?? '(unnamed attack)',
    ability,
    toHit: value(int(a.bonus), pb + mod, { stored: d.problems[problemKey(['attacks', index, 'bonus'])], derived: because(d.abilityProblem[ability], d.pbProblem) }),
    damage,
    damageType: str(a.damage_type),
    range,
    notes,
    ...(damage !== dice && d.abilityProblem[ability] !== undefined ? { damageProblem: d.abilityProblem[ability] } : {}),
  };
}

function spellcasting(body: Obj, classes: readonly ClassRow[], d: Derivation, levelProblem: string | undefined): Spellcasting | null {
  const { mods, pb, problems } = d;
  const p = (...path: (string | number)[]) => problems[problemKey(path)];
  const spells = obj(body.spells);
  const hasSpells = typeof body.spells === 'object' && body.spells !== null;
  if (!hasSpells && !classes.some((c) => c.caster !== 'none')) return null;
  const ability = isAbility(spells.ability) ? spells.ability : (classes.find((c) => c.spellAbility !== null)?.spellAbility ?? null);
  const level = casterLevel(classes.map((c) => ({ type: c.caster, level: c.level })));
  const derivedSlots = slotsForCasterLevel(level);
  const storedSlots = obj(spells.slots);
  const slots: SlotRow[] = [];
  for (let n = 1; n <= 9; n++) {
    const s = obj(storedSlots[String(n)]);
    const row = { level: n, max: value(int(s.max), derivedSlots[n - 1] ?? 0, { stored: p('spells', 'slots', String(n), 'max'), derived: levelProblem }), used: int(s.used) ?? 0 };
    if ((row.max.value ?? 0) > 0 || row.used > 0) slots.push(row);
  }
  const warlock = classes.filter((c) => c.caster === 'pact').reduce((n, c) => n + c.level, 0);
  const derivedPact = pactSlots(warlock);
  const storedPact = typeof spells.pact_slots === 'object' && spells.pact_slots !== null ? obj(spells.pact_slots) : null;
  const pact =
    derivedPact || storedPact
      ? {
          level: value(int(storedPact?.level), derivedPact?.level ?? null, { stored: p('spells', 'pact_slots', 'level'), derived: levelProblem }),
          max: value(int(storedPact?.max), derivedPact?.max ?? null, { stored: p('spells', 'pact_slots', 'max'), derived: levelProblem }),
          used: int(storedPact?.used) ?? 0,
        }
      : null;
  const known: SpellRow[] = arr(spells.known)
    .map(obj)
    .filter((s) => str(s.name) !== null)
    .map((s) => ({
      name: str(s.name)!,
      level: int(s.level) ?? 0,
      prepared: bool(s.prepared),
      alwaysPrepared: bool(s.always_prepared),
      source: str(s.source),
      notes: str(s.notes),
      spellId: str(s.spell_id),
    }));
  const levels = [...new Set(known.map((s) => s.level))].sort((a, b) => a - b);
  const mod = ability ? mods[ability] : null;
  const derivedProblem = because(ability ? d.abilityProblem[ability] : undefined, d.pbProblem);
  return {
    ability,
    saveDc: value(int(spells.save_dc), mod === null ? null : 8 + pb + mod, { stored: p('spells', 'save_dc'), derived: derivedProblem }),
    attackBonus: value(int(spells.attack_bonus), mod === null ? null : pb + mod, { stored: p('spells', 'attack_bonus'), derived: derivedProblem }),
    casterLevel: level,
    slots,
    pact,
    spells: levels.map((level) => ({ level, spells: known.filter((s) => s.level === level) })),
  };
}

/** The Character Sheet of a character body (any JSON value: what cannot be read is left out). */
export function deriveCharacterSheet(input: unknown): CharacterSheet {
  const body = obj(input);
  const problems = numberProblems('character', body);
  const p = (...path: (string | number)[]): string | undefined => problems[problemKey(path)];
  const { rows: rawClasses, fromSingle } = classRows(body);
  const classSum = rawClasses.reduce((n, c) => n + c.level, 0);
  const classLevelProblem = because(...arr(body.classes).map((_, i) => p('classes', i, 'level')));
  const level = value(int(body.level), fromSingle || rawClasses.length === 0 ? null : classSum, { stored: p('level'), derived: classLevelProblem });
  // What the level the rest is worked out from breaks (a stored level wins over the classes' sum).
  const levelProblem = level.stored !== null ? p('level') : classLevelProblem;
  const proficiencyBonus = value(int(body.proficiency_bonus), proficiencyForLevel(level.value ?? 1), { stored: p('proficiency_bonus'), derived: levelProblem });
  const pb = proficiencyBonus.value ?? 2;
  const pbProblem = proficiencyBonus.stored !== null ? p('proficiency_bonus') : levelProblem;

  const abilities = abilityRows(body.abilities, problems);
  const mods = Object.fromEntries(abilities.map((a) => [a.ability, a.modifier])) as Record<Ability, number>;
  const scores = Object.fromEntries(abilities.map((a) => [a.ability, a.score])) as Record<Ability, number | null>;
  const abilityProblem = abilityProblems(abilities);
  const d: Derivation = { mods, scores, pb, abilityProblem, pbProblem, problems };

  const classes: ClassRow[] = rawClasses.map((c) => {
    const spellAbility = classSpellAbility(c.name, c.subclass) ?? null;
    return {
      ...c,
      caster: casterType(c.name, c.subclass),
      spellAbility,
      saveDc: spellAbility ? 8 + pb + mods[spellAbility] : null,
      attackBonus: spellAbility ? pb + mods[spellAbility] : null,
      ...withProblem(because(classLevelProblem, spellAbility ? abilityProblem[spellAbility] : undefined, spellAbility ? pbProblem : undefined)),
    };
  });

  const features: FeatureRow[] = arr(body.features)
    .map(obj)
    .filter((f) => str(f.name) !== null)
    .map((f) => ({ name: str(f.name)!, source: str(f.source), description: str(f.description), uses: uses(f.uses) }));
  const half = halfProficiency(classes, features, pb);

  const proficientSaves = new Set(strings(body.saves));
  const saves: SaveRow[] = ABILITIES.map((ability) => {
    const proficient = proficientSaves.has(ability);
    return { ability, proficient, bonus: mods[ability] + (proficient ? pb : 0), ...withProblem(because(abilityProblem[ability], proficient ? pbProblem : undefined)) };
  });

  const trained = obj(body.skills);
  const skills: SkillRow[] = SKILLS.map(([key, name, ability]) => {
    const s = obj(trained[key]);
    const halfBonus = half.bonus(ability);
    const proficiency: ProficiencyLevel = bool(s.expertise) ? 'expertise' : bool(s.proficient) ? 'proficient' : halfBonus > 0 ? 'half' : 'none';
    const other = int(s.bonus) ?? 0;
    const training = proficiency === 'expertise' ? 2 * pb : proficiency === 'proficient' ? pb : proficiency === 'half' ? halfBonus : 0;
    const problem = because(abilityProblem[ability], training !== 0 ? pbProblem : undefined, p('skills', key, 'bonus'));
    return { key, name, ability, proficiency, other, bonus: mods[ability] + training + other, ...withProblem(problem) };
  });
  const skill = (key: string) => skills.find((s) => s.key === key)!;
  const passive = (key: string, stored: number | null = null, storedProblem?: string) =>
    value(stored, 10 + skill(key).bonus, { stored: storedProblem, derived: skill(key).problem });

  const hp = obj(body.hp);
  const hitDice = ['d4', 'd6', 'd8', 'd10', 'd12', 'd20']
    .filter((die) => typeof obj(body.hit_dice)[die] === 'object' && obj(body.hit_dice)[die] !== null)
    .map((die) => {
      const d = obj(obj(body.hit_dice)[die]);
      return { die, max: int(d.max), used: int(d.used) ?? 0 };
    });

  const items: InventoryRow[] = [];
  arr(body.inventory).forEach((raw, index) => {
    const i = obj(raw);
    const name = str(i.name);
    if (name === null) return;
    const quantity = int(i.quantity) ?? 1;
    const weight = num(i.weight);
    items.push({
      index,
      name,
      quantity,
      weight,
      totalWeight: round2(quantity * (weight ?? 0)),
      equipped: bool(i.equipped),
      attuned: bool(i.attuned),
      container: str(i.container),
      notes: str(i.notes),
      itemId: str(i.item_id),
    });
  });
  const carried = round2(items.reduce((n, i) => n + i.quantity * (i.weight ?? 0), 0));
  const capacity = scores.str === null ? null : carryingCapacity(scores.str);
  const capacityProblem = capacity === null ? undefined : abilityProblem.str;

  const defenses = obj(body.defenses);
  const proficiencies = obj(body.proficiencies);
  const currency = obj(body.currency);
  const deathSaves = obj(body.death_saves);
  const storedAc = int(body.ac);

  return {
    kind: 'character',
    name: str(body.name) ?? '(unnamed character)',
    player: str(body.player),
    system: str(body.system),
    race: str(body.species) ?? str(body.race),
    background: str(body.background),
    alignment: str(body.alignment),
    xp: int(body.xp),
    inspiration: bool(body.inspiration),
    classes,
    classFromSingleField: fromSingle,
    level,
    proficiencyBonus,
    abilities,
    saves,
    skills,
    halfProficiency: half.source,
    passive: {
      perception: passive('perception', int(obj(body.senses).passive_perception), p('senses', 'passive_perception')),
      investigation: passive('investigation'),
      insight: passive('insight'),
    },
    initiative: value(int(body.initiative), mods.dex + half.bonus('dex'), { stored: p('initiative'), derived: because(abilityProblem.dex, half.bonus('dex') ? pbProblem : undefined) }),
    // AC depends on armor the body does not describe: only an unarmored 10 + Dex stands in for a missing one.
    ac: value(storedAc, storedAc === null ? 10 + mods.dex : null, { stored: p('ac'), derived: abilityProblem.dex }),
    hp: { current: int(hp.current), max: int(hp.max), temp: int(hp.temp) },
    hitDice,
    deathSaves: { successes: int(deathSaves.successes) ?? 0, failures: int(deathSaves.failures) ?? 0 },
    exhaustion: int(body.exhaustion) ?? 0,
    conditions: strings(body.conditions),
    speed: speeds(body.speed),
    senses: senses(body.senses),
    defenses: {
      resistances: strings(defenses.resistances),
      immunities: strings(defenses.immunities),
      vulnerabilities: strings(defenses.vulnerabilities),
      condition_immunities: strings(defenses.condition_immunities),
    },
    proficiencies: { armor: strings(proficiencies.armor), weapons: strings(proficiencies.weapons), tools: strings(proficiencies.tools) },
    asText: { proficiencies: typeof body.proficiencies === 'string' ? str(body.proficiencies) : null, defenses: typeof body.defenses === 'string' ? str(body.defenses) : null },
    languages: strings(body.languages),
    attacks: arr(body.attacks)
      .map((a, index) => ({ a: obj(a), index }))
      .filter(({ a }) => str(a.name) !== null)
      .map(({ a, index }) => attackRow(a, index, d)),
    spellcasting: spellcasting(body, classes, d, levelProblem),
    inventory: { items, carried, capacity, encumbered: capacity !== null && carried > capacity, ...(capacityProblem !== undefined ? { capacityProblem } : {}) },
    currency: { cp: int(currency.cp), sp: int(currency.sp), ep: int(currency.ep), gp: int(currency.gp), pp: int(currency.pp) },
    features,
    personality: personality(body.personality),
    appearance: appearance(body.appearance),
    biography: str(body.biography),
    notes: typeof body.notes === 'string' ? body.notes : null,
    tags: strings(body.tags),
    inputProblems: problems,
  };
}
