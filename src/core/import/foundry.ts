// Foundry VTT dnd5e documents (JSON as exported, or the YAML of the system's sources): actors of
// type `character` → characters, `npc` → NPCs with a stat block; item documents → items and spells.
// Embedded items land in the sheet: gear in the inventory (weapons also as attacks), spells in the
// spell list, features in the features (an NPC's in its stat block's traits and actions).
import { htmlToMarkdown, looksLikeHtml, type EnricherContext } from './html';
import { childPath, pathPattern, type ReportBuilder, type Tracker } from './report';
import { converted, drop, labelOf, reportUnused, type Body, type Ctx, type DraftLink, type EntityDraft } from './types';

export const ABILITIES = ['str', 'dex', 'con', 'int', 'wis', 'cha'] as const;
export type Ability = (typeof ABILITIES)[number];
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
const RECOVERY: Record<string, string> = { lr: 'long rest', sr: 'short rest', day: 'day', dawn: 'dawn', dusk: 'dusk', recharge: 'recharge' };
const SCHOOLS: Record<string, string> = { abj: 'Abjuration', con: 'Conjuration', div: 'Divination', enc: 'Enchantment', evo: 'Evocation', ill: 'Illusion', nec: 'Necromancy', trs: 'Transmutation' };
const RARITIES: Record<string, string> = { common: 'common', uncommon: 'uncommon', rare: 'rare', veryRare: 'very rare', legendary: 'legendary', artifact: 'artifact' };
const UNITS: Record<string, string> = { ft: 'feet', mi: 'miles', m: 'meters', km: 'kilometers', touch: 'Touch', self: 'Self', spec: 'Special', any: 'Unlimited' };
const TIME_UNITS: Record<string, string> = { inst: 'Instantaneous', turn: 'turn', round: 'round', minute: 'minute', hour: 'hour', day: 'day', month: 'month', year: 'year', perm: 'Until dispelled', spec: 'Special', disp: 'Until dispelled' };
const ACTIVATIONS: Record<string, string> = { action: 'action', bonus: 'bonus action', reaction: 'reaction', minute: 'minute', hour: 'hour', day: 'day', special: 'Special', legendary: 'legendary action', lair: 'lair action' };
const GEAR = ['weapon', 'equipment', 'consumable', 'tool', 'loot', 'container', 'backpack'];
export const FOUNDRY_ITEM_TYPES = [...GEAR, 'spell', 'feat', 'class', 'subclass', 'race', 'background'];

const mod = (score: number) => Math.floor((score - 10) / 2);
/** The record being converted, so that a value of the wrong type is reported, not dropped. */
let current: Ctx | undefined;
function wrongType(v: unknown, expected: string): undefined {
  if (current && v !== null && v !== undefined && v !== '') {
    current.report.add({ kind: 'unmapped', file: current.file, entity: current.entity, path: pathPattern(current.tracker.lastRead), example: current.tracker.lastRead, detail: `not ${expected}: ${JSON.stringify(v).slice(0, 60)}; left out` });
  }
  return undefined;
}
const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : wrongType(v, 'a number');
const int = (v: unknown): number | undefined => {
  const n = num(v);
  return n !== undefined && Number.isInteger(n) ? n : n === undefined ? undefined : wrongType(n, 'a whole number');
};
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : []);
const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

interface FoundryDamage {
  number?: number | null;
  denomination?: number | null;
  bonus?: string;
  types?: string[];
}
interface FoundryItem {
  _id?: string;
  name?: string;
  type?: string;
  system?: {
    description?: { value?: string };
    quantity?: number;
    weight?: { value?: number; units?: string } | number;
    price?: { value?: number; denomination?: string };
    equipped?: boolean | null;
    attuned?: boolean;
    attunement?: string | boolean;
    rarity?: string;
    container?: string | null;
    levels?: number;
    identifier?: string;
    classIdentifier?: string;
    hitDice?: string;
    hd?: { denomination?: string };
    movement?: Record<string, unknown>;
    senses?: Record<string, unknown>;
    level?: number;
    school?: string;
    materials?: { value?: string };
    preparation?: { mode?: string; prepared?: boolean };
    activation?: { type?: string; value?: number };
    duration?: { value?: string | number; units?: string };
    requirements?: string;
    type?: { value?: string; subtype?: string };
    uses?: { max?: string | number; spent?: number; recovery?: { period?: string }[] };
    damage?: { base?: FoundryDamage; versatile?: FoundryDamage };
    armor?: { value?: number | null; dex?: number | null };
    properties?: string[];
    range?: { value?: number | string | null; long?: number | null; units?: string };
    activities?: Record<string, { activation?: { type?: string } }>;
    source?: { book?: string; license?: string; rules?: string };
  };
}
interface FoundryActor {
  _id?: string;
  name?: string;
  type?: string;
  system?: {
    abilities?: Partial<Record<Ability, { value?: number; proficient?: number }>>;
    attributes?: {
      ac?: { flat?: number | null; calc?: string };
      hp?: { value?: number; max?: number | null; temp?: number | null; formula?: string };
      movement?: Record<string, unknown>;
      senses?: Record<string, unknown>;
      spellcasting?: string;
      exhaustion?: number;
      inspiration?: boolean;
      death?: { success?: number; failure?: number };
    };
    details?: Record<string, unknown> & {
      biography?: { value?: string };
      alignment?: string;
      race?: string | { name?: string };
      xp?: { value?: number };
      cr?: number;
      type?: { value?: string; subtype?: string };
    };
    traits?: {
      size?: string;
      languages?: { value?: string[]; custom?: string };
      weaponProf?: { value?: string[] };
      armorProf?: { value?: string[] };
      di?: { value?: string[] };
      dr?: { value?: string[] };
      dv?: { value?: string[] };
      ci?: { value?: string[] };
    };
    skills?: Record<string, { value?: number; ability?: Ability }>;
    tools?: Record<string, { value?: number }>;
    currency?: Record<string, number>;
    spells?: Record<string, { value?: number; override?: number | null; level?: number }>;
    resources?: { legact?: { max?: number } };
  };
  items?: FoundryItem[];
}

/** Whether a parsed document is a Foundry dnd5e actor. */
export function isFoundryActor(v: unknown): boolean {
  const o = obj(v);
  return (o.type === 'character' || o.type === 'npc') && typeof o.system === 'object' && o.system !== null && ('abilities' in obj(o.system) || Array.isArray(o.items));
}

/** Whether a parsed document is a Foundry dnd5e item (weapon, spell, …) of its own. */
export function isFoundryItem(v: unknown): boolean {
  const o = obj(v);
  return typeof o.type === 'string' && FOUNDRY_ITEM_TYPES.includes(o.type) && typeof o.system === 'object' && o.system !== null && typeof o.name === 'string';
}

/** Markdown from Foundry's HTML, reported as converted when it was HTML. */
function text(ctx: Ctx, tracker: Tracker, holder: { value?: string } | undefined, enrich: EnricherContext = {}): string | undefined {
  const v = holder?.value;
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  if (!looksLikeHtml(v)) return v;
  converted(ctx, childPath(tracker.pathOf(holder) ?? '', 'value'), 'HTML → Markdown (Foundry links and roll buttons as words)');
  return htmlToMarkdown(v, enrich).slice(0, 1_000_000);
}

const dice = (d: FoundryDamage | undefined) => {
  const n = int(d?.number);
  const die = int(d?.denomination);
  return n && die ? `${n}d${die}${str(d?.bonus) ? `+${d!.bonus}` : ''}` : undefined;
};

const movementOf = (m: Record<string, unknown> | undefined) => drop(Object.fromEntries(['walk', 'burrow', 'climb', 'fly', 'swim'].map((k) => [k, typeof m?.[k] === 'number' && m[k] > 0 ? m[k] : undefined])));
const sensesOf = (s: Record<string, unknown> | undefined) => drop(Object.fromEntries(['darkvision', 'blindsight', 'tremorsense', 'truesight'].map((k) => [k, typeof s?.[k] === 'number' && s[k] > 0 ? s[k] : undefined])));

function usesOf(i: FoundryItem) {
  const max = Number(i.system?.uses?.max);
  if (!i.system?.uses?.max || !Number.isInteger(max) || max < 0) return undefined;
  const period = i.system.uses.recovery?.[0]?.period;
  return drop({ max, used: int(i.system.uses.spent) ?? 0, recovery: period ? (RECOVERY[period] ?? period) : undefined });
}

/** Weight in pounds, converting kilograms (and reporting it). */
function weightOf(ctx: Ctx, tracker: Tracker, i: FoundryItem): number | undefined {
  const w = i.system?.weight;
  if (typeof w === 'number') return w >= 0 ? w : undefined;
  const value = num(w?.value);
  if (value === undefined || value < 0) return undefined;
  const units = w?.units;
  if (units === 'kg') {
    converted(ctx, childPath(tracker.pathOf(w) ?? '', 'value'), 'kilograms → pounds (×2.2046)');
    return Math.round(value * 2.20462 * 100) / 100;
  }
  if (units !== undefined && units !== null && units !== 'lb' && units !== '') converted(ctx, childPath(tracker.pathOf(w) ?? '', 'units'), `unknown weight unit ${JSON.stringify(units)} → taken as pounds`);
  return value;
}

/** The activation of an item: its own (older data) or its first activity's. */
function activationOf(i: FoundryItem): string | undefined {
  const own = i.system?.activation?.type;
  if (typeof own === 'string' && own !== '') return own;
  for (const a of Object.values(obj(i.system?.activities))) {
    const t = obj(obj(a).activation).type;
    if (typeof t === 'string' && t !== '') return t;
  }
  return undefined;
}

function newCtx(file: string, report: ReportBuilder, tracker: Tracker, kind: string, name: unknown, base: string): Ctx {
  current = { file, report, tracker, entity: labelOf(kind, name), base };
  return current;
}

/** Groups and lists of the wrong type are reported (reading them would otherwise count as using them). */
const SHAPES: [string, 'object' | 'array'][] = [
  ['items', 'array'],
  ['system', 'object'],
  ['system.abilities', 'object'],
  ['system.attributes', 'object'],
  ['system.details', 'object'],
  ['system.traits', 'object'],
  ['system.skills', 'object'],
  ['system.spells', 'object'],
  ['system.currency', 'object'],
];
function checkShapes(ctx: Ctx, raw: unknown): void {
  for (const [path, want] of SHAPES) {
    let v: unknown = raw;
    for (const k of path.split('.')) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined;
    if (v === undefined || v === null) continue;
    const ok = want === 'array' ? Array.isArray(v) : typeof v === 'object' && !Array.isArray(v);
    if (!ok) ctx.report.add({ kind: 'unmapped', file: ctx.file, entity: ctx.entity, path: `${ctx.base}${ctx.base ? '.' : ''}${path}`, detail: `expected ${want === 'array' ? 'a list' : 'a group of fields'}, found ${JSON.stringify(v).slice(0, 60)}; left out` });
  }
}

const VTT_ONLY = /^(\[\d+\]\.?)?(img|prototypeToken|_stats|ownership|sort|folder|_key|flags|effects)\b|\.(img|_stats|sort|folder|_key|ownership|flags|effects)\b/;
const vttNote = (path: string) => (VTT_ONLY.test(path) ? 'Foundry VTT display and bookkeeping data' : undefined);

/** A Foundry dnd5e actor or item document → drafts. `base` is the document's path in the file. */
export function importFoundry(doc: unknown, file: string, report: ReportBuilder, tracker: Tracker, base = ''): EntityDraft[] {
  const view = (base === '' ? tracker.view() : viewAt(tracker, base)) as FoundryActor & FoundryItem;
  const raw = base === '' ? doc : (doc as unknown[])[Number(base.slice(1, -1))];
  try {
    const draft = view.type === 'character' ? foundryCharacter(view, file, report, tracker, base) : view.type === 'npc' ? foundryNpc(view, file, report, tracker, base) : foundryItemDocument(view, file, report, tracker, base);
    checkShapes({ file, report, tracker, base, entity: labelOf(draft.kind, draft.body.name) }, raw);
    return [draft];
  } finally {
    current = undefined;
  }
}

function viewAt(tracker: Tracker, base: string): unknown {
  const m = /^\[(\d+)\]$/.exec(base);
  if (!m) throw new Error(`unsupported base ${base}`);
  return tracker.view<unknown[]>()[Number(m[1])];
}

function finish(ctx: Ctx, kind: EntityDraft['kind'], body: Body, links: DraftLink[] = []): EntityDraft {
  const plain = ctx.tracker.plain(body);
  if (obj(obj(plain.extra).foundry).id !== undefined) ctx.report.add({ kind: 'kept-in-extra', file: ctx.file, entity: ctx.entity, path: `${ctx.base}${ctx.base ? '.' : ''}_id`, detail: 'the Foundry document id, under extra.foundry.id' });
  reportUnused(ctx, vttNote);
  return { kind, body: plain, links, file: ctx.file, ...(ctx.base ? { where: ctx.base } : {}) };
}

function foundryCharacter(actor: FoundryActor, file: string, report: ReportBuilder, tracker: Tracker, base: string): EntityDraft {
  const ctx = newCtx(file, report, tracker, 'character', actor.name, base);
  const s = actor.system ?? {};
  const attrs = s.attributes ?? {};
  const items = Array.isArray(actor.items) ? actor.items : [];
  const byType = (t: string) => items.filter((i) => i?.type === t);
  const classes = byType('class');
  const subclasses = byType('subclass');
  const race = byType('race')[0];
  const score = (a: Ability) => int(s.abilities?.[a]?.value);
  const level = Math.min(30, Math.max(1, classes.reduce((n, c) => n + (int(c.system?.levels) ?? 1), 0)));
  const proficiency = Math.floor((level - 1) / 4) + 2;
  const dex = mod(score('dex') ?? 10);
  const gear = items.filter((i) => GEAR.includes(i?.type ?? ''));
  const names = new Map(items.map((i) => [i?._id, i?.name]));
  const armor = gear.find((i) => i.type === 'equipment' && i.system?.equipped && ['light', 'medium', 'heavy'].includes(i.system?.type?.value ?? ''));
  const shield = gear.find((i) => i.type === 'equipment' && i.system?.equipped && i.system?.type?.value === 'shield');
  const baseAc = armor ? (int(armor.system?.armor?.value) ?? 10) + Math.min(dex, int(armor.system?.armor?.dex) ?? 99) : 10 + dex;
  const slots: Record<string, unknown> = {};
  for (let n = 1; n <= 9; n++) {
    const max = int(s.spells?.[`spell${n}`]?.override) ?? int(s.spells?.[`spell${n}`]?.value) ?? 0;
    if (max > 0) slots[String(n)] = { max, used: 0 };
  }
  const pactMax = int(s.spells?.pact?.override) ?? int(s.spells?.pact?.value) ?? 0;
  const hitDice: Record<string, { max: number; used: number }> = {};
  for (const c of classes) {
    const die = c.system?.hitDice ?? c.system?.hd?.denomination;
    if (typeof die === 'string' && /^d(4|6|8|10|12|20)$/.test(die)) {
      const prev = hitDice[die];
      hitDice[die] = { max: (prev?.max ?? 0) + (int(c.system?.levels) ?? 1), used: 0 };
    }
  }
  const d = s.details ?? {};
  const spellAbility = ABILITIES.find((a) => a === attrs.spellcasting);
  const spellItems = byType('spell');
  const links: DraftLink[] = [];
  const known = spellItems.map((i, n) => {
    if (typeof i.name === 'string') links.push({ pointer: `/spells/known/${n}/spell_id`, target: { kind: 'spell', name: i.name } });
    return drop({ name: i.name, level: int(i.system?.level) ?? 0, prepared: i.system?.preparation?.prepared ?? undefined, always_prepared: i.system?.preparation?.mode === 'always' ? true : undefined });
  });
  const prc = s.skills?.prc;
  const body: Body = {
    name: actor.name,
    system: 'D&D 5e',
    level,
    class: classes[0]?.name,
    classes: classes.map((c) =>
      drop({ name: c.name, level: int(c.system?.levels) ?? 1, subclass: subclasses.find((sc) => sc.system?.classIdentifier !== undefined && sc.system?.classIdentifier === c.system?.identifier)?.name }),
    ),
    race: race?.name ?? (typeof d.race === 'string' && !/^[A-Za-z0-9]{16}$/.test(d.race) ? d.race : undefined),
    background: byType('background')[0]?.name,
    alignment: str(d.alignment),
    xp: int(d.xp?.value) ?? 0,
    inspiration: attrs.inspiration ?? false,
    abilities: drop(Object.fromEntries(ABILITIES.map((a) => [a, score(a)]))),
    proficiency_bonus: proficiency,
    saves: ABILITIES.filter((a) => (num(s.abilities?.[a]?.proficient) ?? 0) >= 1),
    skills: Object.fromEntries(
      Object.entries(s.skills ?? {})
        .filter(([code, v]) => (num(v?.value) ?? 0) >= 1 && SKILL_CODES[code])
        .map(([code, v]) => [SKILL_CODES[code], (num(v.value) ?? 0) >= 2 ? { proficient: true, expertise: true } : { proficient: true }]),
    ),
    proficiencies: drop({ armor: strings(s.traits?.armorProf?.value), weapons: strings(s.traits?.weaponProf?.value), tools: Object.keys(s.tools ?? {}) }),
    languages: [...strings(s.traits?.languages?.value), ...(str(s.traits?.languages?.custom)?.split(/\s*;\s*/) ?? [])],
    ac: int(attrs.ac?.flat) ?? baseAc + (int(shield?.system?.armor?.value) ?? 0),
    speed: { walk: 30, ...movementOf(attrs.movement), ...movementOf(race?.system?.movement) },
    hp: drop({ max: int(attrs.hp?.max) ?? int(attrs.hp?.value), current: int(attrs.hp?.value), temp: int(attrs.hp?.temp) ?? 0 }),
    hit_dice: hitDice,
    death_saves: { successes: int(attrs.death?.success) ?? 0, failures: int(attrs.death?.failure) ?? 0 },
    exhaustion: int(attrs.exhaustion) ?? 0,
    senses: drop({ ...sensesOf(attrs.senses), ...sensesOf(race?.system?.senses), passive_perception: 10 + mod(score('wis') ?? 10) + ((num(prc?.value) ?? 0) >= 1 ? proficiency : 0) }),
    currency: drop(Object.fromEntries(['cp', 'sp', 'ep', 'gp', 'pp'].map((c) => [c, int(s.currency?.[c])]))),
    inventory: gear.map((i) =>
      drop({
        name: i.name,
        quantity: int(i.system?.quantity) ?? 1,
        weight: weightOf(ctx, tracker, i),
        equipped: i.system?.equipped ?? undefined,
        attuned: i.system?.attuned || undefined,
        container: i.system?.container ? names.get(i.system.container) : undefined,
      }),
    ),
    attacks: byType('weapon').map((i) =>
      drop({
        name: i.name,
        damage: dice(i.system?.damage?.base),
        damage_type: i.system?.damage?.base?.types?.[0],
        range: num(i.system?.range?.value) ? `${i.system!.range!.value}/${i.system!.range!.long ?? i.system!.range!.value} ft.` : undefined,
        notes: strings(i.system?.properties).join(', '),
      }),
    ),
    spells: spellAbility
      ? drop({
          ability: spellAbility,
          save_dc: 8 + proficiency + mod(score(spellAbility) ?? 10),
          attack_bonus: proficiency + mod(score(spellAbility) ?? 10),
          slots,
          pact_slots: pactMax > 0 ? drop({ max: pactMax, used: 0, level: int(s.spells?.pact?.level) }) : undefined,
          known,
        })
      : known.length > 0
        ? { known }
        : undefined,
    features: byType('feat').map((i) => drop({ name: i.name, source: str(i.system?.requirements), description: text(ctx, tracker, i.system?.description), uses: usesOf(i) })),
    personality: drop({ traits: str(d.trait), ideals: str(d.ideal), bonds: str(d.bond), flaws: str(d.flaw) }),
    appearance: drop({ age: str(d.age), height: str(d.height), weight: str(d.weight), eyes: str(d.eyes), skin: str(d.skin), hair: str(d.hair), gender: str(d.gender), description: str(d.appearance) }),
    biography: text(ctx, tracker, d.biography),
    extra: { foundry: drop({ id: actor._id, type: actor.type }) },
  };
  return finish(ctx, 'character', drop(body), links);
}

function foundryNpc(actor: FoundryActor, file: string, report: ReportBuilder, tracker: Tracker, base: string): EntityDraft {
  const ctx = newCtx(file, report, tracker, 'npc', actor.name, base);
  const s = actor.system ?? {};
  const attrs = s.attributes ?? {};
  const d = s.details ?? {};
  const items = Array.isArray(actor.items) ? actor.items : [];
  const score = (a: Ability) => int(s.abilities?.[a]?.value);
  const cr = num(d.cr) ?? 0;
  const proficiency = Math.max(2, Math.floor((Math.max(cr, 1) - 1) / 4) + 2);
  const dex = mod(score('dex') ?? 10);
  const armor = items.find((i) => i.type === 'equipment' && i.system?.equipped && ['light', 'medium', 'heavy', 'natural'].includes(i.system?.type?.value ?? ''));
  const shield = items.find((i) => i.type === 'equipment' && i.system?.equipped && i.system?.type?.value === 'shield');
  const ac = int(attrs.ac?.flat) ?? (armor ? (int(armor.system?.armor?.value) ?? 10) + Math.min(dex, int(armor.system?.armor?.dex) ?? 99) : 10 + dex) + (int(shield?.system?.armor?.value) ?? 0);
  const enrich: EnricherContext = { name: typeof actor.name === 'string' ? actor.name : undefined, items: new Map(items.map((i) => [String(i._id), String(i.name)])) };
  const action = (i: FoundryItem) =>
    drop({
      name: i.name,
      description: text(ctx, tracker, i.system?.description, enrich),
      attack_bonus: i.type === 'weapon' ? proficiency + Math.max(mod(score('str') ?? 10), dex) : undefined,
      damage: dice(i.system?.damage?.base) ? [drop({ dice: dice(i.system?.damage?.base), type: i.system?.damage?.base?.types?.[0] })] : undefined,
      uses: usesOf(i),
    });
  const features = items.filter((i) => i.type === 'feat' || i.type === 'weapon');
  const when = new Map(features.map((i) => [i, activationOf(i)]));
  const spells = items.filter((i) => i.type === 'spell');
  const spellAbility = ABILITIES.find((a) => a === attrs.spellcasting);
  const legendary = features.filter((i) => when.get(i) === 'legendary');
  const links: DraftLink[] = [];
  const body: Body = {
    name: actor.name,
    alignment: str(d.alignment),
    description: text(ctx, tracker, d.biography, enrich),
    personality: drop({ ideals: str(d.ideal), bonds: str(d.bond), flaws: str(d.flaw), traits: str(d.trait) }),
    statblock: drop({
      based_on: actor.name,
      size: SIZES[s.traits?.size ?? ''] ?? s.traits?.size,
      type: str(d.type?.value),
      subtype: str(d.type?.subtype),
      alignment: str(d.alignment),
      ac,
      ac_note: [armor?.name, shield?.name].filter(Boolean).join(', ') || undefined,
      hp: int(attrs.hp?.max) ?? int(attrs.hp?.value),
      hit_dice: str(attrs.hp?.formula),
      speed: movementOf(attrs.movement),
      abilities: drop(Object.fromEntries(ABILITIES.map((a) => [a, score(a)]))),
      saves: Object.fromEntries(ABILITIES.filter((a) => (num(s.abilities?.[a]?.proficient) ?? 0) >= 1).map((a) => [a, mod(score(a) ?? 10) + proficiency])),
      skills: Object.fromEntries(
        Object.entries(s.skills ?? {})
          .filter(([code, v]) => (num(v?.value) ?? 0) >= 1 && SKILL_CODES[code])
          .map(([code, v]) => [SKILL_CODES[code], mod(score(ABILITIES.find((a) => a === v.ability) ?? 'dex') ?? 10) + Math.floor(proficiency * (num(v.value) ?? 0))]),
      ),
      damage_immunities: strings(s.traits?.di?.value),
      damage_resistances: strings(s.traits?.dr?.value),
      damage_vulnerabilities: strings(s.traits?.dv?.value),
      condition_immunities: strings(s.traits?.ci?.value),
      senses: drop({ ...sensesOf(attrs.senses), passive_perception: 10 + mod(score('wis') ?? 10) + ((num(s.skills?.prc?.value) ?? 0) >= 1 ? proficiency : 0) }),
      languages: [...strings(s.traits?.languages?.value), ...(str(s.traits?.languages?.custom)?.split(/\s*;\s*/) ?? [])],
      challenge_rating: cr,
      xp: int(d.xp?.value),
      proficiency_bonus: proficiency,
      traits: features.filter((i) => !when.get(i) && i.type === 'feat').map(action),
      actions: features.filter((i) => when.get(i) === 'action' || (i.type === 'weapon' && !['bonus', 'reaction', 'legendary', 'lair'].includes(when.get(i) ?? ''))).map(action),
      bonus_actions: features.filter((i) => when.get(i) === 'bonus').map(action),
      reactions: features.filter((i) => when.get(i) === 'reaction').map(action),
      legendary_actions: legendary.map(action),
      legendary_actions_per_round: legendary.length > 0 ? (int(s.resources?.legact?.max) ?? 3) : undefined,
      lair_actions: features.filter((i) => when.get(i) === 'lair').map(action),
      spellcasting:
        spells.length > 0
          ? drop({
              ability: spellAbility,
              save_dc: spellAbility ? 8 + proficiency + mod(score(spellAbility) ?? 10) : undefined,
              attack_bonus: spellAbility ? proficiency + mod(score(spellAbility) ?? 10) : undefined,
              spells: spells.map((i) => drop({ name: i.name, level: int(i.system?.level) ?? 0 })),
            })
          : undefined,
    }),
    extra: { foundry: drop({ id: actor._id, type: actor.type }) },
  };
  // Features whose activation is none of the above (a minute, a day …) are still traits.
  const placed = new Set([...features.filter((i) => !when.get(i) && i.type === 'feat'), ...features.filter((i) => ['action', 'bonus', 'reaction', 'legendary', 'lair'].includes(when.get(i) ?? '') || i.type === 'weapon')]);
  const others = features.filter((i) => !placed.has(i));
  if (others.length > 0) {
    const sb = body.statblock as Body;
    sb.traits = [...((sb.traits as unknown[]) ?? []), ...others.map((i) => ({ ...action(i), name: `${i.name} (${ACTIVATIONS[when.get(i) ?? ''] ?? when.get(i)})` }))];
  }
  return finish(ctx, 'npc', drop(body), links);
}

/** A Foundry item document of its own: a spell → spell; gear → item. */
function foundryItemDocument(i: FoundryItem, file: string, report: ReportBuilder, tracker: Tracker, base: string): EntityDraft {
  const s = i.system ?? {};
  const source = str(s.source?.book) ?? (str(s.source?.license) ? `${s.source?.license}${str(s.source?.rules) ? ` (${s.source?.rules} rules)` : ''}` : undefined);
  if (i.type === 'spell') {
    const ctx = newCtx(file, report, tracker, 'spell', i.name, base);
    const props = strings(s.properties);
    const act = s.activation?.type ?? activationOf(i);
    const school = s.school;
    if (school && !SCHOOLS[school]) converted(ctx, childPath(tracker.pathOf(s) ?? '', 'school'), `unknown school ${JSON.stringify(school)} kept as written`);
    const range = s.range;
    const dur = s.duration;
    const body: Body = {
      name: i.name,
      level: int(s.level) ?? 0,
      school: school ? (SCHOOLS[school] ?? school) : undefined,
      casting_time: act ? `${int(s.activation?.value) ?? 1} ${ACTIVATIONS[act] ?? act}` : undefined,
      range: range?.units ? (['ft', 'mi', 'm', 'km'].includes(range.units) ? `${range.value ?? ''} ${UNITS[range.units]}`.trim() : (UNITS[range.units] ?? range.units)) : undefined,
      components: (['vocal', 'somatic', 'material'] as const).filter((p) => props.includes(p)).map((p) => p[0]!.toUpperCase()),
      material: str(s.materials?.value),
      duration: dur?.units ? (['inst', 'perm', 'spec', 'disp'].includes(dur.units) ? TIME_UNITS[dur.units] : `${dur.value ?? ''} ${TIME_UNITS[dur.units] ?? dur.units}`.trim()) : undefined,
      concentration: props.includes('concentration'),
      ritual: props.includes('ritual'),
      description: text(ctx, tracker, s.description),
      source,
      extra: { foundry: drop({ id: i._id, type: i.type }) },
    };
    return finish(ctx, 'spell', drop(body));
  }
  const ctx = newCtx(file, report, tracker, 'item', i.name, base);
  const rarity = s.rarity;
  if (typeof rarity === 'string' && rarity !== '' && !RARITIES[rarity]) converted(ctx, childPath(tracker.pathOf(s) ?? '', 'rarity'), `unknown rarity ${JSON.stringify(rarity)} → left out`);
  const price = s.price;
  const dmg = s.damage;
  const body: Body = {
    name: i.name,
    type: i.type === 'equipment' && ['light', 'medium', 'heavy'].includes(s.type?.value ?? '') ? 'armor' : i.type === 'equipment' && s.type?.value === 'shield' ? 'shield' : i.type === 'consumable' ? (str(s.type?.value) ?? 'consumable') : i.type,
    category: i.type === 'weapon' || i.type === 'equipment' ? str(s.type?.value) : str(s.type?.subtype),
    rarity: typeof rarity === 'string' ? RARITIES[rarity] : undefined,
    attunement: s.attunement === 'required' || s.attunement === true ? true : undefined,
    weight: weightOf(ctx, tracker, i),
    cost: num(price?.value) && str(price?.denomination) ? { quantity: num(price!.value), unit: price!.denomination } : undefined,
    properties: strings(s.properties),
    damage: dice(dmg?.base) ? drop({ dice: dice(dmg?.base), type: dmg?.base?.types?.[0], versatile_dice: dice(dmg?.versatile) }) : undefined,
    range: num(s.range?.long) ? drop({ normal: num(s.range?.value), long: num(s.range?.long) }) : undefined,
    armor: i.type === 'equipment' && int(s.armor?.value) ? drop({ base_ac: int(s.armor?.value), max_dex_bonus: int(s.armor?.dex) }) : undefined,
    uses: usesOf(i),
    description: text(ctx, tracker, s.description),
    source,
    extra: { foundry: drop({ id: i._id, type: i.type }) },
  };
  return finish(ctx, 'item', drop(body));
}
