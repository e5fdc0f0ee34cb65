// The rules Foundry VTT's dnd5e system applies when it prepares an actor, for the values its
// documents do not store: they hold inputs (an armour class *calculation*, the hit points each class
// level gave, active effects) and Foundry works the results out when the actor is loaded. This file
// works them out the same way, from the same inputs: roll data (`@abilities.cha.mod`,
// `@scale.sorcerer.points` …), small formulas, active effects, armour class and hit points.

/** Values a formula may refer to, by Foundry's roll-data path (`abilities.dex.mod`, `prof` …). */
export type RollData = Record<string, unknown>;

const MAX_FORMULA = 500;

/** The value at `path` (dots) in the roll data, when it is a number or a short text. */
export function lookupPath(data: RollData, path: string): number | string | undefined {
  let v: unknown = data;
  for (const k of path.split('.')) {
    if (typeof v !== 'object' || v === null || !Object.hasOwn(v, k)) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v !== '' ? v : undefined;
}

const REF = /@([A-Za-z_][\w-]*(?:\.[\w-]+)*)/g;

/**
 * The formula with its `@references` replaced by their values; `missing` lists those that have none
 * (they stay as written).
 */
export function substitute(formula: string, data: RollData): { text: string; missing: string[] } {
  const missing: string[] = [];
  const text = formula.slice(0, MAX_FORMULA).replace(REF, (m, path: string) => {
    const v = lookupPath(data, path);
    if (v === undefined) {
      missing.push(path);
      return m;
    }
    return typeof v === 'number' ? String(v) : v;
  });
  return { text, missing };
}

/**
 * Evaluates arithmetic (numbers, + − × ÷, parentheses, floor/ceil/round/min/max/abs) after
 * substituting references. Undefined for dice, unknown references or anything else.
 */
export function evaluate(formula: string | number | null | undefined, data: RollData): number | undefined {
  if (typeof formula === 'number') return Number.isFinite(formula) ? formula : undefined;
  if (typeof formula !== 'string' || formula.trim() === '') return undefined;
  const { text, missing } = substitute(formula, data);
  if (missing.length > 0) return undefined;
  return arithmetic(text);
}

/** A bonus as Foundry's simplifyBonus reads it: empty is 0. */
export function bonus(formula: string | number | null | undefined, data: RollData): number | undefined {
  if (formula === undefined || formula === null || (typeof formula === 'string' && formula.trim() === '')) return 0;
  return evaluate(formula, data);
}

/** A tiny recursive-descent evaluator; depth and length are bounded. */
function arithmetic(src: string): number | undefined {
  const tokens = src.match(/\d+(?:\.\d+)?|[A-Za-z]+|[-+*/(),]|\S/g) ?? [];
  let i = 0;
  let depth = 0;
  const fail = (): never => {
    throw new SyntaxError('not arithmetic');
  };
  const primary = (): number => {
    const t = tokens[i++];
    if (t === undefined) return fail();
    if (/^\d/.test(t)) return Number(t);
    if (t === '-') return -primary();
    if (t === '+') return primary();
    if (t === '(') {
      if (++depth > 20) fail();
      const v = sum();
      if (tokens[i++] !== ')') fail();
      depth--;
      return v;
    }
    const fn = { floor: Math.floor, ceil: Math.ceil, round: Math.round, abs: Math.abs, min: Math.min, max: Math.max, pow: Math.pow }[t.toLowerCase()];
    if (fn && tokens[i] === '(') {
      i++;
      if (++depth > 20) fail();
      const args = [sum()];
      while (tokens[i] === ',') {
        i++;
        args.push(sum());
      }
      if (tokens[i++] !== ')') fail();
      depth--;
      return (fn as (...a: number[]) => number)(...args);
    }
    return fail();
  };
  const product = (): number => {
    let v = primary();
    while (tokens[i] === '*' || tokens[i] === '/') v = tokens[i++] === '*' ? v * primary() : v / primary();
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (tokens[i] === '+' || tokens[i] === '-') v = tokens[i++] === '+' ? v + product() : v - product();
    return v;
  };
  try {
    const v = sum();
    return i === tokens.length && Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

// ── active effects ───────────────────────────────────────────────────────────────────────────

/** Foundry's change modes. */
export const MODES = { custom: 0, multiply: 1, add: 2, downgrade: 3, upgrade: 4, override: 5 } as const;

export interface Change {
  readonly key: string;
  readonly mode: number;
  readonly value: unknown;
  readonly priority: number;
  /** The effect it belongs to, for messages. */
  readonly effect: string;
}

/**
 * Applies one change to a value the way Foundry does: sets (lists of codes) gain or lose a member
 * (`-code` removes), numbers are added, multiplied, raised or lowered, formulas are joined with `+`.
 */
export function applyChange(current: unknown, c: Change): unknown {
  const raw = c.value;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*[-+]?\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : undefined;
  if (Array.isArray(current)) {
    const v = String(raw).trim();
    if (c.mode === MODES.override) return v === '' ? [] : [v];
    if (c.mode !== MODES.add || v === '') return current;
    if (v.startsWith('-')) return current.filter((x) => x !== v.slice(1));
    return current.includes(v) ? current : [...current, v];
  }
  switch (c.mode) {
    case MODES.override:
      return n ?? raw;
    case MODES.add:
      if (typeof current === 'number' && n !== undefined) return current + n;
      if (current === undefined || current === null || current === '') return n ?? raw;
      return `${String(current)} + ${String(raw)}`;
    case MODES.multiply:
      return typeof current === 'number' && n !== undefined ? current * n : current;
    case MODES.upgrade:
      return n !== undefined && (typeof current !== 'number' || n > current) ? n : current;
    case MODES.downgrade:
      return n !== undefined && (typeof current !== 'number' || n < current) ? n : current;
    default:
      return current;
  }
}

/** Foundry applies changes by priority (default: mode × 10), then in order. */
export function byPriority(changes: readonly Change[]): Change[] {
  return changes.map((c, n) => ({ c, n })).sort((a, b) => a.c.priority - b.c.priority || a.n - b.n).map(({ c }) => c);
}

// ── armour class ─────────────────────────────────────────────────────────────────────────────

/** CONFIG.DND5E.armorClasses (dnd5e 5.x): the formula of each calculation. */
export const AC_FORMULAS: Record<string, string> = {
  default: '@attributes.ac.armor + @attributes.ac.dex',
  mage: '13 + @abilities.dex.mod',
  draconic: '13 + @abilities.dex.mod',
  unarmoredMonk: '10 + @abilities.dex.mod + @abilities.wis.mod',
  unarmoredBarb: '10 + @abilities.dex.mod + @abilities.con.mod',
  unarmoredBard: '10 + @abilities.dex.mod + @abilities.cha.mod',
};

export interface ArmorInput {
  readonly calc: string;
  readonly flat?: number;
  readonly formula?: string;
  readonly bonus?: string | number;
  /** The first equipped armour: its AC, its Dexterity cap and whether it is heavy. */
  readonly armor?: { value: number; dex?: number; heavy: boolean };
  /** The first equipped shield's AC. */
  readonly shield?: number;
}

/**
 * AttributesFields.prepareArmorClass: `flat` is the flat value alone; `natural` the flat value plus
 * shield and bonuses; the rest a formula (the calculation's, or the custom one) over the equipped
 * armour and Dexterity, plus shield and bonuses. An unknown calculation counts as `flat`.
 */
export function armorClass(input: ArmorInput, data: RollData): { value: number | undefined; label: string } {
  const calc = input.calc === 'flat' || input.calc === 'natural' || input.calc === 'custom' || AC_FORMULAS[input.calc] ? input.calc : 'flat';
  if (calc === 'flat') return { value: input.flat, label: 'flat' };
  const dexMod = Number(lookupPath(data, 'abilities.dex.mod') ?? 0);
  let base: number | undefined;
  if (calc === 'natural') base = input.flat;
  else {
    const armor = input.armor?.value ?? 10;
    const dex = input.armor ? (input.armor.heavy ? 0 : Math.min(input.armor.dex ?? Infinity, dexMod)) : dexMod;
    const withAc = { ...data, attributes: { ...((data.attributes as object | undefined) ?? {}), ac: { armor, dex } } };
    base = evaluate(calc === 'custom' ? input.formula : AC_FORMULAS[calc], withAc) ?? evaluate(AC_FORMULAS.default, withAc);
  }
  const extra = bonus(input.bonus, data);
  return { value: base === undefined || extra === undefined ? undefined : base + (input.shield ?? 0) + extra, label: calc };
}

// ── hit points ───────────────────────────────────────────────────────────────────────────────

export interface ClassHp {
  /** Hit die faces (6 for d6). */
  readonly faces: number;
  readonly levels: number;
  /** The HitPoints advancement's value per level: "max", "avg" or a rolled number. */
  readonly taken: Record<string, unknown>;
  /** Whether this is the character's first class (its level 1 takes the die's maximum). */
  readonly original: boolean;
}

/**
 * A character's hit point maximum as Foundry prepares it when none is stored: per class level the
 * value the HitPoints advancement recorded (the die's maximum, its average — half the faces plus
 * one — or the roll), the Constitution modifier per level, and the level and overall bonuses.
 */
export function hitPointMax(classes: readonly ClassHp[], conMod: number, level: number, levelBonus: number, overallBonus: number): number {
  let base = 0;
  for (const c of classes) {
    for (let l = 1; l <= c.levels; l++) {
      const v = c.taken[String(l)];
      if (typeof v === 'number') base += v;
      else if (v === 'max' || (v === undefined && l === 1 && c.original)) base += c.faces;
      else base += c.faces / 2 + 1;
    }
  }
  return base + conMod * level + levelBonus * level + overallBonus;
}

/** A damage roll's average, rounded down as stat blocks print it (`2d8 + 5` → 14). */
export function averageDamage(number: number, faces: number, plus: number): number {
  return Math.floor((number * (faces + 1)) / 2 + plus);
}
