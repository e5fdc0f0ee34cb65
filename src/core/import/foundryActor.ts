// What Foundry dnd5e works out when it loads an actor, as this importer needs it: the active
// effects that are on, the roll data formulas and lookups refer to, armour class, defences,
// languages, and a weapon's attack (foundryRules.ts has the rules themselves).
import { languageName } from './foundryNames';
import { applyChange, armorClass, averageDamage, byPriority, evaluate, lookupPath, type Change, type RollData } from './foundryRules';
import type { EnricherContext } from './html';
import { drop } from './types';
import { ABILITIES, GEAR, activities, int, mod, num, obj, splitCustom, str, strings, type Ability, type FoundryActor, type FoundryAdvancement, type FoundryEffect, type FoundryItem } from './foundryDocument';

/** The effect changes this importer applies: armour class, hit point bonuses, senses, movement, resistances and the like, languages, proficiencies. */
const APPLIED = /^system\.(attributes\.(ac\.(calc|flat|bonus|formula)|hp\.(max|bonuses\.(level|overall))|senses\.(ranges\.)?\w+|movement\.\w+)|traits\.(dr|di|dv|ci|languages|weaponProf|armorProf)\.value)$/;

/** dnd5e's Item5e.areEffectsSuppressed: gear passes its effects on only while equipped, and attuned when it needs to be. */
function suppressed(i: FoundryItem): boolean {
  const wears = i.type !== 'consumable' || ['rod', 'trinket', 'wand'].includes(i.system?.type?.value ?? '');
  if (wears && GEAR.includes(i.type ?? '') && i.system?.equipped === false) return true;
  return i.system?.attunement === 'required' && i.system?.attuned !== true;
}

/** The changes of the effects that are on: the actor's own, and those its items pass on (`transfer`) while not suppressed. */
export function activeChanges(actor: FoundryActor, items: FoundryItem[]): Change[] {
  const out: Change[] = [];
  const take = (e: FoundryEffect) => {
    if (e.disabled === true) return;
    for (const c of Array.isArray(e.changes) ? e.changes : []) {
      const key = c?.key;
      if (typeof key !== 'string' || !APPLIED.test(key)) continue;
      const mode = int(c.mode) ?? 2;
      out.push({ key, mode, value: c.value, priority: num(c.priority) ?? mode * 10, effect: String(e.name ?? '') });
    }
  };
  for (const e of Array.isArray(actor.effects) ? actor.effects : []) take(e);
  for (const i of items) {
    if (!Array.isArray(i?.effects) || i.effects.length === 0) continue;
    const passed = i.effects.filter((e) => e?.transfer === true);
    if (passed.length > 0 && !suppressed(i)) passed.forEach(take);
  }
  return byPriority(out);
}

/** A value of the actor after its active effects. */
export const effective = (changes: readonly Change[], key: string, base: unknown): unknown => changes.filter((c) => c.key === key).reduce((v, c) => applyChange(v, c), base);

/** The advancements of a class or subclass (a list in older data, a group by id in newer). */
export const advancementsOf = (i: FoundryItem): FoundryAdvancement[] => {
  const a = i.system?.advancement;
  return (Array.isArray(a) ? a : Object.values(obj(a))) as FoundryAdvancement[];
};

/** `@scale.<class or subclass>.<name>`: each ScaleValue advancement's value at the class's level. */
function scaleValues(items: FoundryItem[], classLevels: ReadonlyMap<string, number>): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const i of items) {
    if (i.type !== 'class' && i.type !== 'subclass') continue;
    const id = str(i.system?.identifier);
    if (!id) continue;
    const level = i.type === 'class' ? (classLevels.get(id) ?? 0) : (classLevels.get(str(i.system?.classIdentifier) ?? '') ?? 0);
    for (const a of advancementsOf(i)) {
      if (a?.type !== 'ScaleValue') continue;
      const cfg = a.configuration;
      const name = str(cfg?.identifier);
      if (!name) continue;
      const steps = Object.entries(obj(cfg?.scale))
        .map(([l, v]) => [Number(l), obj(v)] as const)
        .filter(([l]) => l <= level)
        .sort((x, y) => x[0] - y[0]);
      const at = steps.at(-1)?.[1];
      if (!at) continue;
      const value = cfg?.type === 'dice' ? (int(at.faces) ? `${int(at.number) ?? 1}d${int(at.faces)}` : undefined) : cfg?.type === 'distance' ? (num(at.value) !== undefined ? `${num(at.value)} ${str(cfg.distance?.units) ?? 'ft'}` : undefined) : (num(at.value) ?? str(at.value));
      if (value !== undefined) (out[id] ??= {})[name] = value;
    }
  }
  return out;
}

/** What Foundry's formulas and lookups of this actor may refer to. */
export function rollDataOf(s: NonNullable<FoundryActor['system']>, items: FoundryItem[], level: number, prof: number, spellAbility?: Ability): RollData {
  const classes = items.filter((i) => i.type === 'class');
  const levels = new Map(classes.map((c) => [str(c.system?.identifier) ?? String(c.name ?? '').toLowerCase(), int(c.system?.levels) ?? 1]));
  const abilities = Object.fromEntries(
    ABILITIES.map((a) => {
      const v = int(s.abilities?.[a]?.value) ?? 10;
      return [a, { value: v, mod: mod(v) }];
    }),
  );
  const spellMod = spellAbility ? abilities[spellAbility]!.mod : undefined;
  const spell = spellMod === undefined ? {} : { spell: { dc: 8 + prof + spellMod, attack: prof + spellMod, mod: spellMod } };
  return { abilities, prof, attributes: { prof, ...spell }, details: { level }, classes: Object.fromEntries([...levels].map(([k, l]) => [k, { levels: l }])), scale: scaleValues(items, levels) };
}

const ARMOR_TYPES = ['light', 'medium', 'heavy', 'natural'];

/** Armour class as Foundry prepares it (its calculation after effects, the first equipped armour and shield, the bonus). */
export function armorClassOf(actor: FoundryActor, items: FoundryItem[], changes: readonly Change[], data: RollData): { value?: number; armor?: FoundryItem; shield?: FoundryItem } {
  const ac = actor.system?.attributes?.ac;
  const equipped = items.filter((i) => i?.type === 'equipment' && i.system?.equipped === true);
  const armor = equipped.find((i) => ARMOR_TYPES.includes(i.system?.type?.value ?? ''));
  const shield = equipped.find((i) => i.system?.type?.value === 'shield');
  const plus = (i: FoundryItem | undefined) => (int(i?.system?.armor?.value) ?? 0) + (int(i?.system?.armor?.magicalBonus ?? i?.system?.magicalBonus) ?? 0);
  const value = armorClass(
    {
      calc: String(effective(changes, 'system.attributes.ac.calc', str(ac?.calc) ?? 'default')),
      flat: int(effective(changes, 'system.attributes.ac.flat', ac?.flat)),
      formula: String(effective(changes, 'system.attributes.ac.formula', str(ac?.formula) ?? '')),
      bonus: effective(changes, 'system.attributes.ac.bonus', str(ac?.bonus) ?? '') as string,
      armor: armor && int(armor.system?.armor?.value) !== undefined ? { value: plus(armor), dex: int(armor.system?.armor?.dex), heavy: armor.system?.type?.value === 'heavy' } : undefined,
      shield: shield ? plus(shield) : undefined,
    },
    data,
  ).value;
  return { value, armor, shield };
}

/** Damage resistances, immunities and vulnerabilities and condition immunities, after effects, with the custom ones. */
export function defensesOf(s: NonNullable<FoundryActor['system']>, changes: readonly Change[]) {
  const list = (k: 'dr' | 'di' | 'dv' | 'ci') => [...(effective(changes, `system.traits.${k}.value`, strings(s.traits?.[k]?.value)) as string[]), ...splitCustom(s.traits?.[k]?.custom)];
  return { resistances: list('dr'), immunities: list('di'), vulnerabilities: list('dv'), condition_immunities: list('ci') };
}

export const languagesOf = (s: NonNullable<FoundryActor['system']>, changes: readonly Change[]) => [...(effective(changes, 'system.traits.languages.value', strings(s.traits?.languages?.value)) as string[]).map(languageName), ...splitCustom(s.traits?.languages?.custom)];

/** The ability a weapon attacks with (dnd5e: the activity's, the item's, finesse the better of Str and Dex, ranged Dex, else Str). */
function weaponAbility(i: FoundryItem, data: RollData, spellAbility: Ability | undefined): Ability {
  const act = activities(i).find((a) => a?.type === 'attack');
  const chosen = str(act?.attack?.ability) ?? str(i.system?.ability);
  if (chosen === 'spellcasting' && spellAbility) return spellAbility;
  const named = ABILITIES.find((a) => a === chosen);
  if (named) return named;
  const modOf = (a: Ability) => Number(lookupPath(data, `abilities.${a}.mod`) ?? 0);
  if (strings(i.system?.properties).includes('fin')) return modOf('dex') > modOf('str') ? 'dex' : 'str';
  const ranged = act?.attack?.type?.value === 'ranged' || /R$/.test(i.system?.type?.value ?? '');
  return ranged ? 'dex' : 'str';
}

export interface WeaponAttack {
  readonly bonus: number;
  readonly damage: { dice: string; type?: string }[];
  /** "Melee Attack Roll: +7, reach 5 ft" and "Hit: 10 (1d10 + 5) piercing damage", for the description. */
  readonly attackText: string;
  readonly hitText?: string;
}

/**
 * A weapon's attack as Foundry rolls it: the ability's modifier (plus the proficiency bonus) to hit;
 * the weapon's damage plus the ability modifier, then the attack's extra damage parts (`@mod`
 * worked out).
 */
export function weaponAttack(i: FoundryItem, data: RollData, prof: number, spellAbility: Ability | undefined): WeaponAttack {
  const ability = weaponAbility(i, data, spellAbility);
  const m = Number(lookupPath(data, `abilities.${ability}.mod`) ?? 0);
  const act = activities(i).find((a) => a?.type === 'attack');
  const toHit = prof + m + (int(act?.attack?.bonus) ?? 0) + (int(i.system?.magicalBonus) ?? 0);
  const withMod = { ...data, mod: m };
  const rolls: { n: number; faces: number; plus: number; type?: string }[] = [];
  const base = i.system?.damage?.base;
  if (act?.damage?.includeBase !== false && int(base?.number) && int(base?.denomination)) rolls.push({ n: int(base!.number)!, faces: int(base!.denomination)!, plus: m + (evaluate(str(base?.bonus) ?? '0', withMod) ?? 0), type: base?.types?.[0] });
  for (const p of Array.isArray(act?.damage?.parts) ? act!.damage!.parts! : []) {
    if (int(p?.number) && int(p?.denomination)) rolls.push({ n: int(p.number)!, faces: int(p.denomination)!, plus: evaluate(str(p.bonus) ?? '0', withMod) ?? 0, type: p.types?.[0] });
  }
  const diceText = (r: (typeof rolls)[number]) => `${r.n}d${r.faces}${r.plus ? ` ${r.plus > 0 ? '+' : '−'} ${Math.abs(r.plus)}` : ''}`;
  const hitText = rolls.length > 0 ? `Hit: ${rolls.map((r) => `${averageDamage(r.n, r.faces, r.plus)} (${diceText(r)})${r.type ? ` ${r.type}` : ''} damage`).join(' plus ')}` : undefined;
  const range = i.system?.range;
  const ranged = act?.attack?.type?.value === 'ranged';
  const where = ranged ? (num(range?.value) ? `range ${num(range?.value)}${num(range?.long) ? `/${num(range?.long)}` : ''} ft` : '') : `reach ${int(range?.reach) ?? 5} ft`;
  return {
    bonus: toHit,
    damage: rolls.map((r) => drop({ dice: `${r.n}d${r.faces}${r.plus ? `${r.plus > 0 ? '+' : '-'}${Math.abs(r.plus)}` : ''}`, type: r.type })),
    attackText: `${ranged ? 'Ranged' : 'Melee'} Attack Roll: ${toHit >= 0 ? '+' : '−'}${Math.abs(toHit)}${where ? `, ${where}` : ''}`,
    hitText,
  };
}

/** The enricher context of one item of an actor: its lookups (`@item.level`, `@mod`) and its attack in words. */
export function enricherFor(base: EnricherContext, data: RollData, i: FoundryItem, attack?: WeaponAttack): EnricherContext {
  const own: RollData = { ...data, item: { level: int(i.system?.level) }, ...(attack ? { mod: attack.bonus - Number(data.prof ?? 0) } : {}) };
  return { ...base, lookup: (path) => lookupPath(own, path), attack: attack?.attackText, damage: attack?.hitText };
}

