// Test helpers for schema.test.ts: turn real data (Foundry dnd5e actors, 5e-bits SRD records) into
// Campaign Vault bodies, the way an importer would, so the schemas are checked against real sheets.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const root = join(__dirname, '../../..');
export const readYaml = (path: string): unknown => parse(readFileSync(join(root, path), 'utf8'));
export const readJson = (path: string): unknown => JSON.parse(readFileSync(join(root, path), 'utf8'));

type Body = Record<string, unknown>;
const ABILITIES = ['str', 'dex', 'con', 'int', 'wis', 'cha'] as const;
type Ability = (typeof ABILITIES)[number];
const SKILL_CODES: Record<string, string> = {
  acr: 'acrobatics',
  ani: 'animal_handling',
  arc: 'arcana',
  ath: 'athletics',
  dec: 'deception',
  his: 'history',
  ins: 'insight',
  itm: 'intimidation',
  inv: 'investigation',
  med: 'medicine',
  nat: 'nature',
  prc: 'perception',
  prf: 'performance',
  per: 'persuasion',
  rel: 'religion',
  slt: 'sleight_of_hand',
  ste: 'stealth',
  sur: 'survival',
};
const SIZES: Record<string, string> = { tiny: 'Tiny', sm: 'Small', med: 'Medium', lg: 'Large', huge: 'Huge', grg: 'Gargantuan' };
const RECOVERY: Record<string, string> = { lr: 'long rest', sr: 'short rest', day: 'day', dawn: 'dawn' };
const mod = (score: number) => Math.floor((score - 10) / 2);
const drop = <T extends Body>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null && v !== '')) as T;

// ── Foundry VTT dnd5e actors ──────────────────────────────────────────────────────────────────────
interface FoundryDamage {
  number?: number | null;
  denomination?: number | null;
  bonus?: string;
  types?: string[];
}
interface FoundryItem {
  _id: string;
  name: string;
  type: string;
  system: {
    description?: { value?: string };
    quantity?: number;
    weight?: { value?: number } | number;
    equipped?: boolean | null;
    attuned?: boolean;
    container?: string | null;
    levels?: number;
    hitDice?: string;
    hd?: { denomination?: string };
    movement?: Record<string, number | null | boolean | string>;
    senses?: Record<string, number | null | string>;
    level?: number;
    preparation?: { mode?: string; prepared?: boolean };
    requirements?: string;
    type?: { value?: string; subtype?: string };
    uses?: { max?: string | number; spent?: number; recovery?: { period?: string }[] };
    damage?: { base?: FoundryDamage; versatile?: FoundryDamage };
    armor?: { value?: number | null; dex?: number | null };
    properties?: string[];
    range?: { value?: number | null; long?: number | null };
  };
}
interface FoundryActor {
  _id: string;
  name: string;
  type: string;
  system: {
    abilities: Record<Ability, { value: number; proficient: number }>;
    attributes: {
      ac: { flat: number | null; calc: string };
      hp: { value: number; max: number | null; temp: number | null; formula?: string };
      movement: Record<string, number | null | boolean | string>;
      senses: Record<string, number | null | string>;
      spellcasting?: string;
      exhaustion?: number;
      inspiration?: boolean;
      death?: { success: number; failure: number };
    };
    details: Record<string, unknown> & {
      biography?: { value?: string };
      alignment?: string;
      xp?: { value?: number };
      cr?: number;
      type?: { value?: string; subtype?: string };
    };
    traits: {
      size: string;
      languages: { value: string[] };
      weaponProf?: { value: string[] };
      armorProf?: { value: string[] };
      di?: { value: string[] };
      dr?: { value: string[] };
      dv?: { value: string[] };
      ci?: { value: string[] };
    };
    skills: Record<string, { value: number; ability?: Ability }>;
    tools?: Record<string, { value: number }>;
    currency?: Record<string, number>;
    spells?: Record<string, { value: number; override: number | null }>;
  };
  items: FoundryItem[];
}

const weightOf = (i: FoundryItem) => (typeof i.system.weight === 'number' ? i.system.weight : i.system.weight?.value);
const dice = (d: FoundryDamage | undefined) =>
  d?.number && d.denomination ? `${d.number}d${d.denomination}${d.bonus ? `+${d.bonus}` : ''}` : undefined;
const movementOf = (m: Record<string, unknown> | undefined) =>
  drop(Object.fromEntries(['walk', 'burrow', 'climb', 'fly', 'swim'].map((k) => [k, typeof m?.[k] === 'number' && m[k] > 0 ? m[k] : undefined])));
const sensesOf = (s: Record<string, unknown> | undefined) =>
  drop(Object.fromEntries(['darkvision', 'blindsight', 'tremorsense', 'truesight'].map((k) => [k, typeof s?.[k] === 'number' && s[k] > 0 ? s[k] : undefined])));
const usesOf = (i: FoundryItem) => {
  const max = Number(i.system.uses?.max);
  if (!i.system.uses?.max || !Number.isInteger(max)) return undefined;
  const period = i.system.uses.recovery?.[0]?.period;
  return drop({ max, used: i.system.uses.spent ?? 0, recovery: period ? (RECOVERY[period] ?? period) : undefined });
};

/** A Foundry dnd5e "character" actor as a Campaign Vault character body. */
export function characterFromFoundry(actor: FoundryActor): Body {
  const s = actor.system;
  const items = actor.items;
  const classes = items.filter((i) => i.type === 'class');
  const race = items.find((i) => i.type === 'race');
  const level = classes.reduce((n, c) => n + (c.system.levels ?? 1), 0);
  const proficiency = Math.floor((level - 1) / 4) + 2;
  const dex = mod(s.abilities.dex.value);
  const gear = items.filter((i) => ['weapon', 'equipment', 'consumable', 'tool', 'loot', 'container', 'backpack'].includes(i.type));
  const names = new Map(items.map((i) => [i._id, i.name]));
  const armor = gear.find((i) => i.type === 'equipment' && i.system.equipped && ['light', 'medium', 'heavy'].includes(i.system.type?.value ?? ''));
  const shield = gear.find((i) => i.type === 'equipment' && i.system.equipped && i.system.type?.value === 'shield');
  const baseAc = armor ? (armor.system.armor?.value ?? 10) + Math.min(dex, armor.system.armor?.dex ?? 99) : 10 + dex;
  const slots: Record<string, unknown> = {};
  for (let n = 1; n <= 9; n++) {
    const max = s.spells?.[`spell${n}`]?.override ?? s.spells?.[`spell${n}`]?.value ?? 0;
    if (max > 0) slots[String(n)] = { max, used: 0 };
  }
  const hitDice: Record<string, unknown> = {};
  for (const c of classes) {
    const die = c.system.hitDice ?? c.system.hd?.denomination;
    if (die) hitDice[die] = { max: c.system.levels ?? 1, used: 0 };
  }
  const d = s.details;
  return drop({
    name: actor.name,
    player: 'Sam',
    system: 'D&D 5e',
    level,
    class: classes[0]?.name,
    classes: classes.map((c) => ({ name: c.name, level: c.system.levels ?? 1 })),
    race: race?.name,
    background: items.find((i) => i.type === 'background')?.name,
    alignment: d.alignment,
    xp: d.xp?.value ?? 0,
    inspiration: s.attributes.inspiration ?? false,
    abilities: Object.fromEntries(ABILITIES.map((a) => [a, s.abilities[a].value])),
    proficiency_bonus: proficiency,
    saves: ABILITIES.filter((a) => s.abilities[a].proficient >= 1),
    skills: Object.fromEntries(
      Object.entries(s.skills)
        .filter(([, v]) => v.value >= 1)
        .map(([code, v]) => [SKILL_CODES[code], v.value >= 2 ? { proficient: true, expertise: true } : { proficient: true }]),
    ),
    proficiencies: {
      armor: s.traits.armorProf?.value ?? [],
      weapons: s.traits.weaponProf?.value ?? [],
      tools: Object.keys(s.tools ?? {}),
    },
    languages: s.traits.languages.value,
    ac: s.attributes.ac.flat ?? baseAc + (shield?.system.armor?.value ?? 0),
    speed: { walk: 30, ...movementOf(s.attributes.movement), ...movementOf(race?.system.movement) },
    hp: { max: s.attributes.hp.max ?? s.attributes.hp.value, current: s.attributes.hp.value, temp: s.attributes.hp.temp ?? 0 },
    hit_dice: hitDice,
    death_saves: { successes: s.attributes.death?.success ?? 0, failures: s.attributes.death?.failure ?? 0 },
    exhaustion: s.attributes.exhaustion ?? 0,
    conditions: [],
    senses: { ...sensesOf(s.attributes.senses), ...sensesOf(race?.system.senses), passive_perception: 10 + mod(s.abilities.wis.value) + (s.skills.prc && s.skills.prc.value >= 1 ? proficiency : 0) },
    currency: s.currency,
    inventory: gear.map((i) =>
      drop({
        name: i.name,
        quantity: i.system.quantity ?? 1,
        weight: weightOf(i),
        equipped: i.system.equipped ?? undefined,
        attuned: i.system.attuned || undefined,
        container: i.system.container ? names.get(i.system.container) : undefined,
      }),
    ),
    attacks: items
      .filter((i) => i.type === 'weapon')
      .map((i) =>
        drop({
          name: i.name,
          damage: dice(i.system.damage?.base),
          damage_type: i.system.damage?.base?.types?.[0],
          range: i.system.range?.value ? `${i.system.range.value}/${i.system.range.long ?? i.system.range.value} ft.` : undefined,
          notes: i.system.properties?.join(', '),
        }),
      ),
    spells: s.attributes.spellcasting
      ? {
          ability: s.attributes.spellcasting,
          save_dc: 8 + proficiency + mod(s.abilities[s.attributes.spellcasting as Ability].value),
          attack_bonus: proficiency + mod(s.abilities[s.attributes.spellcasting as Ability].value),
          slots,
          known: items
            .filter((i) => i.type === 'spell')
            .map((i) => drop({ name: i.name, level: i.system.level ?? 0, prepared: i.system.preparation?.prepared ?? undefined })),
        }
      : undefined,
    features: items
      .filter((i) => i.type === 'feat')
      .map((i) => drop({ name: i.name, source: i.system.requirements || undefined, description: i.system.description?.value, uses: usesOf(i) })),
    personality: drop({ traits: d.trait, ideals: d.ideal, bonds: d.bond, flaws: d.flaw }),
    appearance: drop({ age: d.age, height: d.height, weight: d.weight, eyes: d.eyes, skin: d.skin, hair: d.hair, gender: d.gender, description: d.appearance }),
    biography: d.biography?.value,
    tags: ['starter hero'],
    extra: { foundry: { id: actor._id, type: actor.type } },
    'x-source': 'Foundry VTT dnd5e, SRD 5.1 starter heroes',
  });
}

/** A Foundry dnd5e "npc" actor as a Campaign Vault NPC body with a stat block. */
export function npcFromFoundry(actor: FoundryActor, role: string): Body {
  const s = actor.system;
  const cr = s.details.cr ?? 0;
  const proficiency = Math.max(2, Math.floor((Math.max(cr, 1) - 1) / 4) + 2);
  const dex = mod(s.abilities.dex.value);
  const armor = actor.items.find((i) => i.type === 'equipment' && i.system.equipped && ['light', 'medium', 'heavy', 'natural'].includes(i.system.type?.value ?? ''));
  const shield = actor.items.find((i) => i.type === 'equipment' && i.system.equipped && i.system.type?.value === 'shield');
  const ac =
    s.attributes.ac.flat ??
    (armor ? (armor.system.armor?.value ?? 10) + Math.min(dex, armor.system.armor?.dex ?? 99) : 10 + dex) + (shield?.system.armor?.value ?? 0);
  const action = (i: FoundryItem) =>
    drop({
      name: i.name,
      description: i.system.description?.value,
      attack_bonus: i.type === 'weapon' ? proficiency + Math.max(mod(s.abilities.str.value), dex) : undefined,
      damage: dice(i.system.damage?.base) ? [drop({ dice: dice(i.system.damage?.base), type: i.system.damage?.base?.types?.[0] })] : undefined,
      uses: usesOf(i),
    });
  const activation = (i: FoundryItem) => JSON.stringify(i.system).match(/"activation":\{"type":"(\w+)"/)?.[1];
  const features = actor.items.filter((i) => i.type === 'feat' || i.type === 'weapon');
  return drop({
    name: actor.name,
    role,
    alignment: s.details.alignment,
    description: s.details.biography?.value,
    personality: drop({ ideals: s.details.ideal, bonds: s.details.bond, flaws: s.details.flaw }),
    statblock: drop({
      based_on: actor.name,
      size: SIZES[s.traits.size] ?? s.traits.size,
      type: s.details.type?.value,
      subtype: s.details.type?.subtype,
      alignment: s.details.alignment,
      ac,
      ac_note: [armor?.name, shield?.name].filter(Boolean).join(', ') || undefined,
      hp: s.attributes.hp.max ?? s.attributes.hp.value,
      hit_dice: s.attributes.hp.formula,
      speed: movementOf(s.attributes.movement),
      abilities: Object.fromEntries(ABILITIES.map((a) => [a, s.abilities[a].value])),
      saves: Object.fromEntries(ABILITIES.filter((a) => s.abilities[a].proficient >= 1).map((a) => [a, mod(s.abilities[a].value) + proficiency])),
      skills: Object.fromEntries(
        Object.entries(s.skills)
          .filter(([, v]) => v.value >= 1)
          .map(([code, v]) => [SKILL_CODES[code], mod(s.abilities[v.ability ?? 'dex'].value) + proficiency * v.value]),
      ),
      damage_immunities: s.traits.di?.value,
      damage_resistances: s.traits.dr?.value,
      damage_vulnerabilities: s.traits.dv?.value,
      condition_immunities: s.traits.ci?.value,
      senses: { ...sensesOf(s.attributes.senses), passive_perception: 10 + mod(s.abilities.wis.value) + (s.skills.prc && s.skills.prc.value >= 1 ? proficiency : 0) },
      languages: s.traits.languages.value,
      challenge_rating: cr,
      proficiency_bonus: proficiency,
      traits: features.filter((i) => !activation(i) && i.type === 'feat').map(action),
      actions: features.filter((i) => activation(i) === 'action' || i.type === 'weapon').map(action),
      bonus_actions: features.filter((i) => activation(i) === 'bonus' && i.type !== 'weapon').map(action),
      reactions: features.filter((i) => activation(i) === 'reaction' && i.type !== 'weapon').map(action),
      source: 'SRD 5.1 / 5.2 via Foundry VTT dnd5e',
    }),
    tags: ['srd'],
  });
}

// ── 5e-bits SRD records ─────────────────────────────────────────────────────────────────────────
interface Ref {
  index: string;
  name: string;
}
interface BitsDamage {
  damage_dice?: string;
  damage_type?: Ref;
}
interface BitsAction {
  name: string;
  desc: string;
  attack_bonus?: number;
  damage?: BitsDamage[];
  dc?: { dc_type: Ref; dc_value: number };
  usage?: { type: string; times?: number; min_value?: number; rest_types?: string[] };
  spellcasting?: {
    level?: number;
    ability: Ref;
    dc?: number;
    modifier?: number;
    slots?: Record<string, number>;
    spells: { name: string; level: number; usage?: { type: string; times?: number } }[];
  };
}
export interface BitsMonster {
  name: string;
  size: string;
  type: string;
  subtype?: string;
  alignment: string;
  armor_class: { type: string; value: number; armor?: Ref[] }[];
  hit_points: number;
  hit_dice: string;
  speed: Record<string, string | boolean>;
  strength: number;
  dexterity: number;
  constitution: number;
  intelligence: number;
  wisdom: number;
  charisma: number;
  proficiencies: { value: number; proficiency: Ref }[];
  damage_vulnerabilities: string[];
  damage_resistances: string[];
  damage_immunities: string[];
  condition_immunities: Ref[];
  senses: Record<string, string | number>;
  languages: string;
  challenge_rating: number;
  proficiency_bonus: number;
  xp: number;
  special_abilities?: BitsAction[];
  actions?: BitsAction[];
  legendary_actions?: BitsAction[];
  reactions?: BitsAction[];
}
const feetOf = (v: unknown) => (typeof v === 'string' ? Number.parseInt(v, 10) : undefined);
const SCORE_NAMES: Record<string, Ability> = { strength: 'str', dexterity: 'dex', constitution: 'con', intelligence: 'int', wisdom: 'wis', charisma: 'cha' };

function bitsAction(a: BitsAction) {
  const damage = (a.damage ?? []).filter((d) => d.damage_dice).map((d) => drop({ dice: d.damage_dice, type: d.damage_type?.name.toLowerCase() }));
  const u = a.usage;
  return drop({
    name: a.name,
    description: a.desc,
    attack_bonus: a.attack_bonus,
    damage: damage.length ? damage : undefined,
    save: a.dc ? { ability: a.dc.dc_type.index, dc: a.dc.dc_value } : undefined,
    recharge: u?.type === 'recharge on roll' ? (u.min_value === 6 ? '6' : `${u.min_value}–6`) : undefined,
    uses: u?.type === 'per day' ? { max: u.times, used: 0, recovery: 'day' } : u?.type === 'recharge after rest' ? { max: 1, used: 0, recovery: `${(u.rest_types ?? []).join(' or ')} rest` } : undefined,
    cost: /Costs (\d) Actions/.exec(a.name)?.[1] ? Number(/Costs (\d) Actions/.exec(a.name)?.[1]) : undefined,
  });
}

/** A 5e-bits monster as a Campaign Vault NPC body with a stat block. */
export function npcFromBitsMonster(m: BitsMonster): Body {
  const caster = m.special_abilities?.find((a) => a.spellcasting)?.spellcasting;
  const bonus = (prefix: string) =>
    Object.fromEntries(
      m.proficiencies
        .filter((p) => p.proficiency.index.startsWith(prefix))
        .map((p) => [p.proficiency.index.slice(prefix.length).replace(/-/g, '_'), p.value]),
    );
  return {
    name: m.name,
    role: 'monster',
    alignment: m.alignment,
    statblock: drop({
      based_on: m.name,
      size: m.size,
      type: m.type,
      subtype: m.subtype,
      alignment: m.alignment,
      ac: m.armor_class[0]!.value,
      ac_note: m.armor_class[0]!.armor?.map((a) => a.name).join(', ') ?? (m.armor_class[0]!.type === 'natural' ? 'natural armor' : undefined),
      hp: m.hit_points,
      hit_dice: m.hit_dice,
      speed: drop({
        walk: feetOf(m.speed.walk),
        burrow: feetOf(m.speed.burrow),
        climb: feetOf(m.speed.climb),
        fly: feetOf(m.speed.fly),
        swim: feetOf(m.speed.swim),
        hover: m.speed.hover === true ? true : undefined,
      }),
      abilities: Object.fromEntries(Object.entries(SCORE_NAMES).map(([long, short]) => [short, m[long as keyof BitsMonster]])),
      saves: bonus('saving-throw-'),
      skills: bonus('skill-'),
      damage_vulnerabilities: m.damage_vulnerabilities,
      damage_resistances: m.damage_resistances,
      damage_immunities: m.damage_immunities,
      condition_immunities: m.condition_immunities.map((c) => c.name.toLowerCase()),
      senses: drop({
        darkvision: feetOf(m.senses.darkvision),
        blindsight: feetOf(m.senses.blindsight),
        tremorsense: feetOf(m.senses.tremorsense),
        truesight: feetOf(m.senses.truesight),
        passive_perception: m.senses.passive_perception,
      }),
      languages: m.languages ? m.languages.split(/,\s*/) : [],
      challenge_rating: m.challenge_rating,
      xp: m.xp,
      proficiency_bonus: m.proficiency_bonus,
      traits: m.special_abilities?.map(bitsAction),
      actions: m.actions?.map(bitsAction),
      reactions: m.reactions?.map(bitsAction),
      legendary_actions: m.legendary_actions?.map(bitsAction),
      legendary_actions_per_round: m.legendary_actions?.length ? 3 : undefined,
      spellcasting: caster
        ? drop({
            ability: caster.ability.index,
            save_dc: caster.dc,
            attack_bonus: caster.modifier,
            caster_level: caster.level,
            slots: caster.slots,
            spells: caster.spells.map((sp) => drop({ name: sp.name, level: sp.level, uses: sp.usage?.type === 'per day' ? `${sp.usage.times}/day` : sp.usage?.type })),
          })
        : undefined,
      source: 'SRD 5.1',
    }),
    tags: ['srd', m.type],
  };
}

export interface BitsSpell {
  name: string;
  level: number;
  school: Ref;
  casting_time: string;
  range: string;
  components: string[];
  material?: string;
  duration: string;
  concentration: boolean;
  ritual: boolean;
  classes: Ref[];
  desc: string[];
  higher_level?: string[];
}
/** A 5e-bits spell as a Campaign Vault spell body. */
export function spellFromBits(s: BitsSpell): Body {
  return drop({
    name: s.name,
    level: s.level,
    school: s.school.name,
    casting_time: s.casting_time,
    range: s.range,
    components: s.components,
    material: s.material,
    duration: s.duration,
    concentration: s.concentration,
    ritual: s.ritual,
    classes: s.classes.map((c) => c.name),
    description: s.desc.join('\n\n'),
    higher_level: s.higher_level?.length ? s.higher_level.join('\n\n') : undefined,
    source: 'SRD 5.1',
  });
}

export interface BitsItem {
  name: string;
  equipment_category: Ref;
  category_range?: string;
  armor_category?: string;
  gear_category?: Ref;
  rarity?: { name: string };
  cost?: { quantity: number; unit: string };
  weight?: number;
  desc?: string[];
  damage?: BitsDamage;
  two_handed_damage?: BitsDamage;
  range?: { normal?: number; long?: number };
  properties?: Ref[];
  armor_class?: { base: number; dex_bonus: boolean; max_bonus?: number };
  str_minimum?: number;
  stealth_disadvantage?: boolean;
}
/** A 5e-bits equipment or magic item record as a Campaign Vault item body. */
export function itemFromBits(i: BitsItem): Body {
  const attunement = i.desc?.[0]?.match(/\(requires attunement( by [^)]+)?\)/);
  return drop({
    name: i.name,
    type: i.equipment_category.name.toLowerCase(),
    category: i.category_range ?? i.armor_category ?? i.gear_category?.name,
    rarity: i.rarity?.name.toLowerCase(),
    attunement: attunement ? (attunement[1]?.trim() ?? true) : undefined,
    weight: i.weight,
    cost: i.cost,
    properties: i.properties?.map((p) => p.name.toLowerCase()),
    damage: i.damage ? drop({ dice: i.damage.damage_dice, type: i.damage.damage_type?.name.toLowerCase(), versatile_dice: i.two_handed_damage?.damage_dice }) : undefined,
    range: i.range?.long ? { normal: i.range.normal, long: i.range.long } : undefined,
    armor: i.armor_class
      ? drop({
          base_ac: i.armor_class.base,
          dex_bonus: i.armor_class.dex_bonus,
          max_dex_bonus: i.armor_class.max_bonus,
          strength_minimum: i.str_minimum || undefined,
          stealth_disadvantage: i.stealth_disadvantage,
        })
      : undefined,
    description: i.desc?.join('\n\n'),
    source: 'SRD 5.1',
  });
}
