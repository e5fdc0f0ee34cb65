// Foundry VTT dnd5e documents (JSON as exported, or the YAML of the system's sources): actors of
// type `character` → characters, `npc` → NPCs with a stat block; item documents → items and spells.
// Embedded items land in the sheet: gear in the inventory (weapons also as attacks), spells in the
// spell list, features in the features (an NPC's in its stat block's traits and actions).
import { activeChanges, advancementsOf, armorClassOf, defensesOf, effective, enricherFor, languagesOf, rollDataOf, weaponAttack } from './foundryActor';
import {
  ABILITIES,
  GEAR,
  activities,
  converting,
  int,
  mod,
  num,
  obj,
  splitCustom,
  str,
  strings,
  type Ability,
  type FoundryActor,
  type FoundryDamage,
  type FoundryItem,
} from './foundryDocument';
import { armorName, SENSE_KEYS, toolName, weaponName } from './foundryNames';
import { bonus, evaluate, hitPointMax, type ClassHp } from './foundryRules';
import { htmlToMarkdown, looksLikeHtml, splitNotes, type EnricherContext } from './html';
import { childPath, type ReportBuilder, type Tracker } from './report';
import { converted, drop, labelOf, reportUnused, type Body, type Ctx, type DraftLink, type EntityDraft } from './types';

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
export const FOUNDRY_ITEM_TYPES = [...GEAR, 'spell', 'feat', 'class', 'subclass', 'race', 'background'];

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

/** Markdown from Foundry's HTML (reported as converted when it was HTML), with its "Foundry Note" boxes apart. */
function richText(ctx: Ctx, tracker: Tracker, holder: { value?: string } | undefined, enrich: EnricherContext = {}): { text?: string; notes?: string } {
  const v = holder?.value;
  if (typeof v !== 'string' || v.trim() === '') return {};
  if (!looksLikeHtml(v)) return { text: v };
  const path = childPath(tracker.pathOf(holder) ?? '', 'value');
  converted(ctx, path, 'HTML → Markdown (Foundry links and roll buttons as words)');
  const unresolved = (ref: string) => converted(ctx, path, `Foundry reference ${ref} could not be worked out from the actor's data; written as words`);
  const md = (html: string) => htmlToMarkdown(html, { ...enrich, unresolved }).slice(0, 1_000_000);
  const split = splitNotes(v);
  return drop({ text: md(split.text), notes: split.notes.map(md).join('\n\n') });
}

/** Rules text without its "Foundry Note" boxes, which are reported: they explain Foundry's sheet, not the game. */
function text(ctx: Ctx, tracker: Tracker, holder: { value?: string } | undefined, enrich: EnricherContext = {}): string | undefined {
  const r = richText(ctx, tracker, holder, enrich);
  if (r.notes) converted(ctx, childPath(tracker.pathOf(holder) ?? '', 'value'), '"Foundry Note" boxes (how Foundry\'s sheet handles the rule) left out of the rules text');
  return r.text;
}

const dice = (d: FoundryDamage | undefined) => {
  const n = int(d?.number);
  const die = int(d?.denomination);
  return n && die ? `${n}d${die}${str(d?.bonus) ? `+${d!.bonus}` : ''}` : undefined;
};

const movementOf = (m: Record<string, unknown> | undefined) => drop(Object.fromEntries(['walk', 'burrow', 'climb', 'fly', 'swim'].map((k) => [k, typeof m?.[k] === 'number' && m[k] > 0 ? m[k] : undefined])));
/** Senses in feet: dnd5e 4 keeps them on the group, dnd5e 5 under `ranges`. */
const sensesOf = (s: Record<string, unknown> | undefined) => {
  const ranges = obj(s?.ranges);
  return drop(
    Object.fromEntries(
      SENSE_KEYS.map((k) => {
        const v = Object.hasOwn(ranges, k) ? ranges[k] : s?.[k];
        return [k, typeof v === 'number' && v > 0 ? v : undefined];
      }),
    ),
  );
};

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
  for (const a of activities(i)) {
    const t = obj(obj(a).activation).type;
    if (typeof t === 'string' && t !== '') return t;
  }
  return undefined;
}

function newCtx(file: string, report: ReportBuilder, tracker: Tracker, kind: string, name: unknown, base: string): Ctx {
  const ctx: Ctx = { file, report, tracker, entity: labelOf(kind, name), base };
  converting(ctx);
  return ctx;
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

/**
 * Foundry's bookkeeping and the values it derives or only needs to roll dice: ignored by design
 * (one line each in the report, folded into one in summaries), apart from what carries game content.
 */
const BOOKKEEPING: [RegExp, string][] = [
  [/(^|\.|\])(_id|_key|_stats|sort|folder|ownership|img|flags|prototypeToken|identifier|sourceId|favorites|startingEquipment|wealth|identified)(\.|\[|$)|^system\.details\.(race|background|originalClass)$/, 'Foundry VTT bookkeeping: ids, images, sort order, folders, permissions, flags, favourites, the token, starting equipment'],
  [/(^|\.)source(\.|$)/, "where Foundry's compendium took it from (book, page, revision)"],
  [/(^|\.)(roll|bonuses|check|save|mastery|bypasses|consume|target|critical|scaling|custom|replace|visibility|midiProperties|concentration|encumbrance|attunement|init|spellcasting|primaryAbility|method|crewed)(\.|\[|$)|\.ability$|\.(abilities|skills)\.[^.]+\.(proficient|value)$|\.tools\.[^.]+\.(ability|value|bonuses)/, 'roll settings and values the vault works out itself (modifiers, bonuses, dice options)'],
  [/(^|\.)(activities|advancement)(\.|\[|$)/, 'the automation of Foundry items (activities and class advancement); their text is kept in the description'],
  [/(^|\.)effects(\.|\[|$)/, 'active effects the vault does not apply: switched off, applied to a target when used, or changing only rolls and the sheet'],
];
const ignoredNote = (path: string) => BOOKKEEPING.find(([re]) => re.test(path))?.[1];

/** A Foundry dnd5e actor or item document → drafts. `base` is the document's path in the file. */
export function importFoundry(doc: unknown, file: string, report: ReportBuilder, tracker: Tracker, base = ''): EntityDraft[] {
  const view = (base === '' ? tracker.view() : viewAt(tracker, base)) as FoundryActor & FoundryItem;
  const raw = base === '' ? doc : (doc as unknown[])[Number(base.slice(1, -1))];
  try {
    const drafts = view.type === 'character' ? foundryCharacter(view, file, report, tracker, base) : view.type === 'npc' ? foundryNpc(view, file, report, tracker, base) : [foundryItemDocument(view, file, report, tracker, base)];
    checkShapes({ file, report, tracker, base, entity: labelOf(drafts[0]!.kind, drafts[0]!.body.name) }, raw);
    return drafts;
  } finally {
    converting(undefined);
  }
}

function viewAt(tracker: Tracker, base: string): unknown {
  const m = /^\[(\d+)\]$/.exec(base);
  if (!m) throw new Error(`unsupported base ${base}`);
  return tracker.view<unknown[]>()[Number(m[1])];
}

function finish(ctx: Ctx, kind: EntityDraft['kind'], body: Body, links: DraftLink[] = [], parts: EntityDraft[] = []): EntityDraft[] {
  const plain = ctx.tracker.plain(body);
  if (obj(obj(plain.extra).foundry).id !== undefined) ctx.report.add({ kind: 'kept-in-extra', file: ctx.file, entity: ctx.entity, path: `${ctx.base}${ctx.base ? '.' : ''}_id`, detail: 'the Foundry document id, under extra.foundry.id' });
  reportUnused(ctx, ignoredNote);
  return [{ kind, body: plain, links, file: ctx.file, ...(ctx.base ? { where: ctx.base } : {}) }, ...parts];
}

/**
 * The spells and gear of an actor as entries of their own (kept by name: one entry for two alike),
 * to be reused when the campaign or library has them already. `at` is each item's index in `items`.
 */
function partsOf(ctx: Ctx, items: FoundryItem[], which: (i: FoundryItem) => boolean, enrich: (i: FoundryItem) => EnricherContext): Map<string, EntityDraft> {
  const out = new Map<string, EntityDraft>();
  items.forEach((i, n) => {
    if (!which(i) || typeof i.name !== 'string' || i.name.trim() === '' || out.has(i.name.toLowerCase())) return;
    const kind = i.type === 'spell' ? 'spell' : 'item';
    const body = kind === 'spell' ? spellBody(ctx, i, enrich(i)) : itemBody(ctx, i, enrich(i));
    out.set(i.name.toLowerCase(), { kind, body: ctx.tracker.plain(drop(body)), links: [], file: ctx.file, where: `${ctx.base}${ctx.base ? '.' : ''}items[${n}]`, reuse: true });
  });
  return out;
}

function foundryCharacter(actor: FoundryActor, file: string, report: ReportBuilder, tracker: Tracker, base: string): EntityDraft[] {
  const ctx = newCtx(file, report, tracker, 'character', actor.name, base);
  const s = actor.system ?? {};
  const attrs = s.attributes ?? {};
  // One view per item (each read through the tracking view makes a new one), so they can be keys.
  const items = Array.isArray(actor.items) ? [...actor.items] : [];
  const byType = (t: string) => items.filter((i) => i?.type === t);
  const classes = byType('class');
  const subclasses = byType('subclass');
  const race = byType('race')[0];
  const score = (a: Ability) => int(s.abilities?.[a]?.value);
  const level = Math.min(30, Math.max(1, classes.reduce((n, c) => n + (int(c.system?.levels) ?? 1), 0)));
  const proficiency = Math.floor((level - 1) / 4) + 2;
  const gear = items.filter((i) => GEAR.includes(i?.type ?? ''));
  const names = new Map(items.map((i) => [i?._id, i?.name]));
  const changes = activeChanges(actor, items);
  const spellAbility = ABILITIES.find((a) => a === attrs.spellcasting);
  const data = rollDataOf(s, items, level, proficiency, spellAbility);
  const slots: Record<string, unknown> = {};
  for (let n = 1; n <= 9; n++) {
    const max = int(s.spells?.[`spell${n}`]?.override) ?? int(s.spells?.[`spell${n}`]?.value) ?? 0;
    if (max > 0) slots[String(n)] = { max, used: 0 };
  }
  const pactMax = int(s.spells?.pact?.override) ?? int(s.spells?.pact?.value) ?? 0;
  const hitDice: Record<string, { max: number; used: number }> = {};
  const classHp: ClassHp[] = [];
  for (const c of classes) {
    const die = c.system?.hitDice ?? c.system?.hd?.denomination;
    if (typeof die === 'string' && /^d(4|6|8|10|12|20)$/.test(die)) {
      const prev = hitDice[die];
      hitDice[die] = { max: (prev?.max ?? 0) + (int(c.system?.levels) ?? 1), used: (prev?.used ?? 0) + (int(c.system?.hd?.spent ?? c.system?.hitDiceUsed) ?? 0) };
      const hp = advancementsOf(c).find((a) => a?.type === 'HitPoints');
      classHp.push({ faces: Number(die.slice(1)), levels: int(c.system?.levels) ?? 1, taken: obj(hp?.value), original: classHp.length === 0 });
    }
  }
  const d = s.details ?? {};
  const enrich: EnricherContext = { name: typeof actor.name === 'string' ? actor.name : undefined, items: new Map(items.map((i) => [String(i._id), String(i.name)])) };
  const weapons = byType('weapon');
  const attacks = new Map(weapons.map((i) => [i, weaponAttack(i, data, proficiency, spellAbility)]));
  const itemEnrich = (i: FoundryItem) => enricherFor(enrich, data, i, attacks.get(i));
  const spellItems = byType('spell');
  const parts = partsOf(ctx, items, (i) => i.type === 'spell' || GEAR.includes(i.type ?? ''), itemEnrich);
  const links: DraftLink[] = [];
  const known = spellItems.map((i, n) => {
    if (typeof i.name === 'string') links.push({ pointer: `/spells/known/${n}/spell_id`, target: { kind: 'spell', name: i.name } });
    // dnd5e 4 keeps `preparation: {mode, prepared}`; dnd5e 5 `prepared` (0 no, 1 yes, 2 always) and `sourceClass`.
    const prepared = i.system?.preparation?.prepared ?? (typeof i.system?.prepared === 'number' ? i.system.prepared >= 1 : undefined);
    const always = i.system?.preparation?.mode === 'always' || i.system?.prepared === 2;
    const from = str(i.system?.sourceClass);
    return drop({ name: i.name, level: int(i.system?.level) ?? 0, prepared: prepared ?? undefined, always_prepared: always ? true : undefined, source: from ? (classes.find((c) => c.system?.identifier === from)?.name ?? from) : undefined });
  });
  gear.forEach((i, n) => {
    if (typeof i.name === 'string' && parts.has(i.name.toLowerCase())) links.push({ pointer: `/inventory/${n}/item_id`, target: { kind: 'item', name: i.name } });
  });
  const prc = s.skills?.prc;
  const conMod = mod(score('con') ?? 10);
  const hpBonus = (k: 'level' | 'overall') => bonus(effective(changes, `system.attributes.hp.bonuses.${k}`, attrs.hp?.bonuses?.[k]) as string, data) ?? 0;
  const storedMax = int(effective(changes, 'system.attributes.hp.max', attrs.hp?.max));
  const hpMax = storedMax ?? (classHp.length > 0 ? hitPointMax(classHp, conMod, level, hpBonus('level'), hpBonus('overall')) : int(attrs.hp?.value));
  const defenses = defensesOf(s, changes);
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
    proficiencies: drop({
      armor: [...(effective(changes, 'system.traits.armorProf.value', strings(s.traits?.armorProf?.value)) as string[]).map(armorName), ...splitCustom(s.traits?.armorProf?.custom)],
      weapons: [...(effective(changes, 'system.traits.weaponProf.value', strings(s.traits?.weaponProf?.value)) as string[]).map(weaponName), ...splitCustom(s.traits?.weaponProf?.custom)],
      tools: Object.keys(s.tools ?? {}).map(toolName),
    }),
    languages: languagesOf(s, changes),
    ac: armorClassOf(actor, items, changes, data).value,
    speed: { walk: 30, ...movementOf(attrs.movement), ...movementOf(race?.system?.movement) },
    hp: drop({ max: hpMax, current: int(attrs.hp?.value), temp: int(attrs.hp?.temp) ?? 0 }),
    hit_dice: hitDice,
    death_saves: { successes: int(attrs.death?.success) ?? 0, failures: int(attrs.death?.failure) ?? 0 },
    exhaustion: int(attrs.exhaustion) ?? 0,
    senses: drop({ ...sensesOf(race?.system?.senses), ...sensesOf(attrs.senses), special: str(obj(attrs.senses).special), passive_perception: 10 + mod(score('wis') ?? 10) + ((num(prc?.value) ?? 0) >= 1 ? proficiency : 0) }),
    defenses: drop(defenses),
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
    attacks: weapons.map((i) => {
      const a = attacks.get(i)!;
      return drop({
        name: i.name,
        damage: a.damage[0]?.dice ?? dice(i.system?.damage?.base),
        damage_type: a.damage[0]?.type ?? i.system?.damage?.base?.types?.[0],
        range: num(i.system?.range?.value) ? `${i.system!.range!.value}/${i.system!.range!.long ?? i.system!.range!.value} ft.` : undefined,
        notes: strings(i.system?.properties).join(', '),
      });
    }),
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
    features: byType('feat').map((i) => drop({ name: i.name, source: str(i.system?.requirements), description: text(ctx, tracker, i.system?.description, itemEnrich(i)), uses: usesOf(i) })),
    personality: drop({ traits: str(d.trait), ideals: str(d.ideal), bonds: str(d.bond), flaws: str(d.flaw) }),
    appearance: drop({ age: str(d.age), height: str(d.height), weight: str(d.weight), eyes: str(d.eyes), skin: str(d.skin), hair: str(d.hair), gender: str(d.gender), description: str(d.appearance) }),
    biography: text(ctx, tracker, d.biography, enrich),
    extra: { foundry: drop({ id: actor._id, type: actor.type }) },
  };
  return finish(ctx, 'character', drop(body), links, [...parts.values()]);
}

function foundryNpc(actor: FoundryActor, file: string, report: ReportBuilder, tracker: Tracker, base: string): EntityDraft[] {
  const ctx = newCtx(file, report, tracker, 'npc', actor.name, base);
  const s = actor.system ?? {};
  const attrs = s.attributes ?? {};
  const d = s.details ?? {};
  // One view per item (each read through the tracking view makes a new one), so they can be keys.
  const items = Array.isArray(actor.items) ? [...actor.items] : [];
  const score = (a: Ability) => int(s.abilities?.[a]?.value);
  const cr = num(d.cr) ?? 0;
  const proficiency = Math.max(2, Math.floor((Math.max(cr, 1) - 1) / 4) + 2);
  const changes = activeChanges(actor, items);
  const spellAbility = ABILITIES.find((a) => a === attrs.spellcasting);
  const data = rollDataOf(s, items, Math.max(1, Math.floor(cr)), proficiency, spellAbility);
  const { value: ac, armor, shield } = armorClassOf(actor, items, changes, data);
  const enrich: EnricherContext = { name: typeof actor.name === 'string' ? actor.name : undefined, items: new Map(items.map((i) => [String(i._id), String(i.name)])) };
  const attacks = new Map(items.filter((i) => i.type === 'weapon').map((i) => [i, weaponAttack(i, data, proficiency, spellAbility)]));
  const itemEnrich = (i: FoundryItem) => enricherFor(enrich, data, i, attacks.get(i));
  const action = (i: FoundryItem) => {
    const attack = attacks.get(i);
    return drop({
      name: i.name,
      description: text(ctx, tracker, i.system?.description, itemEnrich(i)),
      attack_bonus: attack?.bonus,
      damage: attack && attack.damage.length > 0 ? attack.damage : dice(i.system?.damage?.base) ? [drop({ dice: dice(i.system?.damage?.base), type: i.system?.damage?.base?.types?.[0] })] : undefined,
      uses: usesOf(i),
    });
  };
  const features = items.filter((i) => i.type === 'feat' || i.type === 'weapon');
  const when = new Map(features.map((i) => [i, activationOf(i)]));
  const spells = items.filter((i) => i.type === 'spell');
  const parts = partsOf(ctx, items, (i) => i.type === 'spell', itemEnrich);
  const legendary = features.filter((i) => when.get(i) === 'legendary');
  const defenses = defensesOf(s, changes);
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
      damage_immunities: defenses.immunities,
      damage_resistances: defenses.resistances,
      damage_vulnerabilities: defenses.vulnerabilities,
      condition_immunities: defenses.condition_immunities,
      senses: drop({ ...sensesOf(attrs.senses), special: str(obj(attrs.senses).special), passive_perception: 10 + mod(score('wis') ?? 10) + ((num(s.skills?.prc?.value) ?? 0) >= 1 ? proficiency : 0) }),
      languages: languagesOf(s, changes),
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
  // Each spell line links to the spell entry made from it (or one of that name already there).
  const links: DraftLink[] = spells.flatMap((i, n) => (typeof i.name === 'string' ? [{ pointer: `/statblock/spellcasting/spells/${n}/spell_id`, target: { kind: 'spell' as const, name: i.name } }] : []));
  return finish(ctx, 'npc', drop(body), links, [...parts.values()]);
}

const sourceOf = (s: NonNullable<FoundryItem['system']>) => str(s.source?.book) ?? (str(s.source?.license) ? `${s.source?.license}${str(s.source?.rules) ? ` (${s.source?.rules} rules)` : ''}` : undefined);

/** A range, also one written as a formula of the spell's scaling ("15 * pow(2, @scaling.increase)" → 15 at its own level). */
const rangeValue = (v: unknown): number | string | undefined => (typeof v === 'string' && /@|\(/.test(v) ? (evaluate(v, { scaling: { increase: 0 } }) ?? v) : (v as number | string | undefined));

/** A Foundry spell's fields as a spell entry's body. */
function spellBody(ctx: Ctx, i: FoundryItem, enrich: EnricherContext = {}): Body {
  const s = i.system ?? {};
  const props = strings(s.properties);
  const act = s.activation?.type ?? activationOf(i);
  const school = s.school;
  if (school && !SCHOOLS[school]) converted(ctx, childPath(ctx.tracker.pathOf(s) ?? '', 'school'), `unknown school ${JSON.stringify(school)} kept as written`);
  const range = s.range;
  const dur = s.duration;
  const description = richText(ctx, ctx.tracker, s.description, enrich);
  return {
    name: i.name,
    level: int(s.level) ?? 0,
    school: school ? (SCHOOLS[school] ?? school) : undefined,
    casting_time: act ? `${int(s.activation?.value) ?? 1} ${ACTIVATIONS[act] ?? act}` : undefined,
    range: range?.units ? (['ft', 'mi', 'm', 'km'].includes(range.units) ? `${rangeValue(range.value) ?? ''} ${UNITS[range.units]}`.trim() : (UNITS[range.units] ?? range.units)) : undefined,
    components: (['vocal', 'somatic', 'material'] as const).filter((p) => props.includes(p)).map((p) => p[0]!.toUpperCase()),
    material: str(s.materials?.value),
    duration: dur?.units ? (['inst', 'perm', 'spec', 'disp'].includes(dur.units) ? TIME_UNITS[dur.units] : `${dur.value ?? ''} ${TIME_UNITS[dur.units] ?? dur.units}`.trim()) : undefined,
    concentration: props.includes('concentration'),
    ritual: props.includes('ritual'),
    description: description.text,
    notes: description.notes,
    source: sourceOf(s),
    extra: { foundry: drop({ id: i._id, type: i.type }) },
  };
}

/** A Foundry weapon, armour, consumable, tool or loot item's fields as an item entry's body. */
function itemBody(ctx: Ctx, i: FoundryItem, enrich: EnricherContext = {}): Body {
  const s = i.system ?? {};
  const rarity = s.rarity;
  if (typeof rarity === 'string' && rarity !== '' && !RARITIES[rarity]) converted(ctx, childPath(ctx.tracker.pathOf(s) ?? '', 'rarity'), `unknown rarity ${JSON.stringify(rarity)} → left out`);
  const price = s.price;
  const dmg = s.damage;
  const description = richText(ctx, ctx.tracker, s.description, enrich);
  return {
    name: i.name,
    type: i.type === 'equipment' && ['light', 'medium', 'heavy'].includes(s.type?.value ?? '') ? 'armor' : i.type === 'equipment' && s.type?.value === 'shield' ? 'shield' : i.type === 'consumable' ? (str(s.type?.value) ?? 'consumable') : i.type,
    category: i.type === 'weapon' || i.type === 'equipment' ? str(s.type?.value) : str(s.type?.subtype),
    rarity: typeof rarity === 'string' ? RARITIES[rarity] : undefined,
    attunement: s.attunement === 'required' || s.attunement === true ? true : undefined,
    weight: weightOf(ctx, ctx.tracker, i),
    cost: num(price?.value) && str(price?.denomination) ? { quantity: num(price!.value), unit: price!.denomination } : undefined,
    properties: strings(s.properties),
    damage: dice(dmg?.base) ? drop({ dice: dice(dmg?.base), type: dmg?.base?.types?.[0], versatile_dice: dice(dmg?.versatile) }) : undefined,
    range: num(s.range?.long) ? drop({ normal: num(s.range?.value), long: num(s.range?.long) }) : undefined,
    armor: i.type === 'equipment' && int(s.armor?.value) ? drop({ base_ac: int(s.armor?.value), max_dex_bonus: int(s.armor?.dex) }) : undefined,
    uses: usesOf(i),
    description: description.text,
    notes: description.notes,
    source: sourceOf(s),
    extra: { foundry: drop({ id: i._id, type: i.type }) },
  };
}

/** A Foundry item document of its own: a spell → spell; gear → item. */
function foundryItemDocument(i: FoundryItem, file: string, report: ReportBuilder, tracker: Tracker, base: string): EntityDraft {
  const kind = i.type === 'spell' ? 'spell' : 'item';
  const ctx = newCtx(file, report, tracker, kind, i.name, base);
  return finish(ctx, kind, drop(kind === 'spell' ? spellBody(ctx, i) : itemBody(ctx, i)))[0]!;
}
