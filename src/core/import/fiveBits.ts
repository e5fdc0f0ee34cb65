// 5e-bits SRD JSON (github.com/5e-bits/5e-database): monsters → NPCs with a stat block, spells →
// spells, equipment and magic items → items. A file is an array of records (or one record); the
// kind of each comes from its `url` (/api/2014/monsters/…).
import type { Ability } from './foundryDocument';
import type { ReportBuilder, Tracker } from './report';
import { converted, drop, eachRecord, labelOf, reportUnused, type Body, type Ctx, type EntityDraft } from './types';

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
interface BitsMonster {
  name: string;
  size: string;
  type: string;
  subtype?: string;
  alignment: string;
  desc?: string;
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
interface BitsSpell {
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
interface BitsItem {
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

const KINDS_BY_URL: [RegExp, 'monster' | 'spell' | 'item'][] = [
  [/^\/api\/(2014\/)?monsters\//, 'monster'],
  [/^\/api\/(2014\/)?spells\//, 'spell'],
  [/^\/api\/(2014\/)?(equipment|magic-items)\//, 'item'],
];

/** What a 5e-bits record is, from its url (undefined: not one we import). */
export function fiveBitsKind(record: unknown): 'monster' | 'spell' | 'item' | undefined {
  if (typeof record !== 'object' || record === null) return undefined;
  const url = (record as { url?: unknown }).url;
  // A descriptor does not count as a read: the record's index stays in the loss report.
  if (typeof url !== 'string' || typeof Object.getOwnPropertyDescriptor(record, 'index')?.value !== 'string') return undefined;
  return KINDS_BY_URL.find(([re]) => re.test(url))?.[1];
}

const feetOf = (v: unknown) => (typeof v === 'string' && /^\d+/.test(v) ? Number.parseInt(v, 10) : undefined);
const SCORE_NAMES: Record<string, Ability> = { strength: 'str', dexterity: 'dex', constitution: 'con', intelligence: 'int', wisdom: 'wis', charisma: 'cha' };
const RARITIES = ['common', 'uncommon', 'rare', 'very rare', 'legendary', 'artifact', 'varies'];
const RECORD_ONLY = /\.(index|url|image)$|^\[\d+\]\.(index|url|image)$|^(index|url|image)$/;
const recordNote = (path: string) => (RECORD_ONLY.test(path) ? '5e-bits API bookkeeping (index, url, image path)' : undefined);

function bitsAction(a: BitsAction) {
  const damage = (a.damage ?? []).filter((d) => d?.damage_dice).map((d) => drop({ dice: d.damage_dice, type: d.damage_type?.name.toLowerCase() }));
  const u = a.usage;
  const cost = /Costs (\d+) Actions/.exec(a.name ?? '')?.[1];
  return drop({
    name: a.name,
    description: a.desc,
    attack_bonus: a.attack_bonus,
    damage: damage.length ? damage : undefined,
    save: a.dc ? { ability: a.dc.dc_type?.index, dc: a.dc.dc_value } : undefined,
    recharge: u?.type === 'recharge on roll' ? (u.min_value === 6 ? '6' : `${u.min_value}–6`) : undefined,
    uses: u?.type === 'per day' ? { max: u.times, used: 0, recovery: 'day' } : u?.type === 'recharge after rest' ? { max: 1, used: 0, recovery: `${(u.rest_types ?? []).join(' or ')} rest` } : undefined,
    cost: cost ? Number(cost) : undefined,
  });
}

/** A 5e-bits monster as an NPC body with a stat block. */
function npcFromBitsMonster(m: BitsMonster): Body {
  const caster = m.special_abilities?.find((a) => a.spellcasting)?.spellcasting;
  const bonus = (prefix: string) =>
    Object.fromEntries((m.proficiencies ?? []).filter((p) => p.proficiency?.index.startsWith(prefix)).map((p) => [p.proficiency.index.slice(prefix.length).replace(/-/g, '_'), p.value]));
  const ac = m.armor_class?.[0];
  return drop({
    name: m.name,
    role: 'monster',
    alignment: m.alignment,
    description: m.desc,
    statblock: drop({
      based_on: m.name,
      size: m.size,
      type: m.type,
      subtype: m.subtype,
      alignment: m.alignment,
      ac: ac?.value,
      ac_note: ac?.armor?.map((a) => a.name).join(', ') ?? (ac?.type === 'natural' ? 'natural armor' : undefined),
      hp: m.hit_points,
      hit_dice: m.hit_dice,
      speed: drop({
        walk: feetOf(m.speed?.walk),
        burrow: feetOf(m.speed?.burrow),
        climb: feetOf(m.speed?.climb),
        fly: feetOf(m.speed?.fly),
        swim: feetOf(m.speed?.swim),
        hover: m.speed?.hover === true ? true : undefined,
      }),
      abilities: Object.fromEntries(Object.entries(SCORE_NAMES).map(([long, short]) => [short, m[long as keyof BitsMonster]])),
      saves: bonus('saving-throw-'),
      skills: bonus('skill-'),
      damage_vulnerabilities: m.damage_vulnerabilities,
      damage_resistances: m.damage_resistances,
      damage_immunities: m.damage_immunities,
      condition_immunities: m.condition_immunities?.map((c) => c.name.toLowerCase()),
      senses: drop({
        darkvision: feetOf(m.senses?.darkvision),
        blindsight: feetOf(m.senses?.blindsight),
        tremorsense: feetOf(m.senses?.tremorsense),
        truesight: feetOf(m.senses?.truesight),
        passive_perception: m.senses?.passive_perception,
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
            ability: caster.ability?.index,
            save_dc: caster.dc,
            attack_bonus: caster.modifier,
            caster_level: caster.level,
            slots: caster.slots,
            spells: caster.spells?.map((sp) => drop({ name: sp.name, level: sp.level, uses: sp.usage?.type === 'per day' ? `${sp.usage.times}/day` : sp.usage?.type })),
          })
        : undefined,
      source: 'SRD 5.1',
    }),
    tags: ['srd', m.type],
  });
}

/** A 5e-bits spell as a spell body. */
function spellFromBits(s: BitsSpell): Body {
  return drop({
    name: s.name,
    level: s.level,
    school: s.school?.name,
    casting_time: s.casting_time,
    range: s.range,
    components: s.components,
    material: s.material,
    duration: s.duration,
    concentration: s.concentration,
    ritual: s.ritual,
    classes: s.classes?.map((c) => c.name),
    description: s.desc?.join('\n\n'),
    higher_level: s.higher_level?.length ? s.higher_level.join('\n\n') : undefined,
    source: 'SRD 5.1',
  });
}

/** A 5e-bits equipment or magic item record as an item body. */
function itemFromBits(ctx: Ctx, i: BitsItem): Body {
  const attunement = i.desc?.[0]?.match(/\(requires attunement( by [^)]+)?\)/);
  let rarity = i.rarity?.name?.toLowerCase();
  if (rarity !== undefined && !RARITIES.includes(rarity)) {
    converted(ctx, `${ctx.base}${ctx.base ? '.' : ''}rarity.name`, `unknown rarity ${JSON.stringify(i.rarity?.name)} → left out`);
    rarity = undefined;
  }
  return drop({
    name: i.name,
    type: i.equipment_category?.name.toLowerCase(),
    category: i.category_range ?? i.armor_category ?? i.gear_category?.name,
    rarity,
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

/** The records of a 5e-bits file (an array, or one record) → drafts. */
export function importFiveBits(file: string, report: ReportBuilder, tracker: Tracker): EntityDraft[] {
  return eachRecord(tracker, (record, base) => {
    const kind = fiveBitsKind(record);
    const name = (record as { name?: unknown } | null)?.name;
    if (kind === undefined) {
      report.add({ kind: 'unmapped', file, path: base || '(the record)', detail: 'not a 5e-bits monster, spell, equipment or magic item record; left out', count: 1 });
      tracker.consume(record);
      return undefined;
    }
    const ctx: Ctx = { file, entity: labelOf(kind === 'monster' ? 'npc' : kind, name), report, tracker, base };
    const body = kind === 'monster' ? npcFromBitsMonster(record as BitsMonster) : kind === 'spell' ? spellFromBits(record as BitsSpell) : itemFromBits(ctx, record as BitsItem);
    const plain = tracker.plain(body);
    reportUnused(ctx, recordNote);
    return { kind: kind === 'monster' ? 'npc' : kind, body: plain, links: [], file, ...(base ? { where: base } : {}) };
  });
}
