// The shapes the Character Sheet shows: plain JSON, computed in the extension host and posted to the
// webview, which only renders them. A `Value` is a number that may be both stored in the body and
// derived from other fields; the stored one wins and a disagreement is shown, never hidden.
import type { Ability, CasterType, SkillKey } from './rules';

/** Where a field lives in the body, for edits: keys and list indexes. */
export type FieldPath = readonly (string | number)[];

export interface Value {
  /** What the sheet shows: the stored value when there is one, else the derived one. */
  readonly value: number | null;
  /** The value written in the body, if any. */
  readonly stored: number | null;
  /** The value worked out from the rest of the sheet, if it can be. */
  readonly derived: number | null;
  /** True when both exist and differ: the sheet shows the stored value and notes the derived one. */
  readonly mismatch: boolean;
  /**
   * Set when what the sheet shows breaks the rules: the stored value is outside its schema's range,
   * or the derived one (shown, or noted beside a stored one) is worked out from a field that is.
   * The sheet still shows the number, marked, with this sentence ("Dexterity 99 is above 30, the
   * most the rules allow").
   */
  readonly problem?: string;
}

/** Why a stored value, or the fields a derived value is worked out from, break the rules. */
export interface ValueProblems {
  readonly stored?: string | undefined;
  readonly derived?: string | undefined;
}

export const value = (stored: number | null, derived: number | null, problems: ValueProblems = {}): Value => {
  const mismatch = stored !== null && derived !== null && stored !== derived;
  const shownStored = stored !== null ? problems.stored : undefined;
  const shownDerived = derived !== null && (stored === null || mismatch) ? problems.derived : undefined;
  const problem = shownStored !== undefined && shownDerived !== undefined && shownStored !== shownDerived ? `${shownStored}; ${shownDerived}` : (shownStored ?? shownDerived);
  return { value: stored ?? derived, stored, derived, mismatch, ...(problem !== undefined ? { problem } : {}) };
};

export type ProficiencyLevel = 'none' | 'half' | 'proficient' | 'expertise';

export interface AbilityRow {
  readonly ability: Ability;
  readonly name: string;
  readonly score: number | null;
  readonly modifier: number;
  /** Set when the score breaks the rules (out of range, not a whole number, not a number). */
  readonly problem?: string;
}

export interface SaveRow {
  readonly ability: Ability;
  readonly proficient: boolean;
  readonly bonus: number;
  /** Set when the bonus is worked out from a field that breaks the rules. */
  readonly problem?: string;
}

export interface SkillRow {
  readonly key: SkillKey;
  readonly name: string;
  readonly ability: Ability;
  readonly proficiency: ProficiencyLevel;
  /** The skill's own "bonus" field. */
  readonly other: number;
  readonly bonus: number;
  /** Set when the bonus is worked out from a field that breaks the rules. */
  readonly problem?: string;
}

export interface ClassRow {
  readonly name: string;
  readonly subclass: string | null;
  readonly level: number;
  readonly caster: CasterType;
  readonly spellAbility: Ability | null;
  /** 8 + proficiency + the class's spellcasting modifier, for a caster. */
  readonly saveDc: number | null;
  readonly attackBonus: number | null;
  /** Set when the class's level, DC or attack bonus comes from a field that breaks the rules. */
  readonly problem?: string;
}

export interface AttackRow {
  readonly name: string;
  readonly ability: Ability;
  readonly toHit: Value;
  /** The damage roll as stored, with the ability modifier added when it has no flat bonus. */
  readonly damage: string | null;
  readonly damageType: string | null;
  readonly range: string | null;
  readonly notes: string | null;
  /** Set when the ability modifier added to the damage comes from a score that breaks the rules. */
  readonly damageProblem?: string;
}

export interface SlotRow {
  readonly level: number;
  readonly max: Value;
  readonly used: number;
}

export interface SpellRow {
  readonly name: string;
  readonly level: number;
  readonly prepared: boolean;
  readonly alwaysPrepared: boolean;
  readonly source: string | null;
  readonly notes: string | null;
  /** The spell entry this line links to (`spell_id`), which the sheet opens on a click. */
  readonly spellId: string | null;
}

export interface Spellcasting {
  readonly ability: Ability | null;
  readonly saveDc: Value;
  readonly attackBonus: Value;
  readonly casterLevel: number;
  readonly slots: readonly SlotRow[];
  readonly pact: { readonly level: Value; readonly max: Value; readonly used: number } | null;
  /** Known spells by spell level (0 = cantrips), in the order they are written. */
  readonly spells: readonly { readonly level: number; readonly spells: readonly SpellRow[] }[];
}

export interface InventoryRow {
  /** The item's index in `inventory`, for edits. */
  readonly index: number;
  readonly name: string;
  readonly quantity: number;
  readonly weight: number | null;
  /** quantity × weight, in pounds. */
  readonly totalWeight: number;
  readonly equipped: boolean;
  readonly attuned: boolean;
  readonly container: string | null;
  readonly notes: string | null;
  /** The item entry this line links to (`item_id`), which the sheet opens on a click. */
  readonly itemId: string | null;
}

export interface FeatureRow {
  readonly name: string;
  readonly source: string | null;
  readonly description: string | null;
  readonly uses: { readonly max: number | null; readonly used: number; readonly recovery: string | null } | null;
}

export interface Speeds {
  readonly walk: number | null;
  readonly burrow: number | null;
  readonly climb: number | null;
  readonly fly: number | null;
  readonly swim: number | null;
  readonly hover: boolean;
  readonly note: string | null;
  /** True when the body's speed is a single number (it is then the walking speed). */
  readonly single: boolean;
}

export interface Senses {
  readonly darkvision: number | null;
  readonly blindsight: number | null;
  readonly tremorsense: number | null;
  readonly truesight: number | null;
  readonly special: string | null;
}

export interface CharacterSheet {
  readonly kind: 'character';
  readonly name: string;
  readonly player: string | null;
  readonly system: string | null;
  readonly race: string | null;
  readonly background: string | null;
  readonly alignment: string | null;
  readonly xp: number | null;
  readonly inspiration: boolean;
  readonly classes: readonly ClassRow[];
  /** `classes` came from the single `class` field (with `level`) rather than the `classes` list. */
  readonly classFromSingleField: boolean;
  readonly level: Value;
  readonly proficiencyBonus: Value;
  readonly abilities: readonly AbilityRow[];
  readonly saves: readonly SaveRow[];
  readonly skills: readonly SkillRow[];
  /** Where half proficiency on untrained checks comes from (Jack of All Trades…), if anywhere. */
  readonly halfProficiency: string | null;
  readonly passive: { readonly perception: Value; readonly investigation: Value; readonly insight: Value };
  readonly initiative: Value;
  readonly ac: Value;
  readonly hp: { readonly current: number | null; readonly max: number | null; readonly temp: number | null };
  readonly hitDice: readonly { readonly die: string; readonly max: number | null; readonly used: number }[];
  readonly deathSaves: { readonly successes: number; readonly failures: number };
  readonly exhaustion: number;
  readonly conditions: readonly string[];
  readonly speed: Speeds;
  readonly senses: Senses;
  readonly defenses: Readonly<Record<'resistances' | 'immunities' | 'vulnerabilities' | 'condition_immunities', readonly string[]>>;
  readonly proficiencies: Readonly<Record<'armor' | 'weapons' | 'tools', readonly string[]>>;
  /** `proficiencies` and `defenses` written as one line of text instead of their lists, shown as written. */
  readonly asText: { readonly proficiencies: string | null; readonly defenses: string | null };
  readonly languages: readonly string[];
  readonly attacks: readonly AttackRow[];
  readonly spellcasting: Spellcasting | null;
  readonly inventory: {
    readonly items: readonly InventoryRow[];
    readonly carried: number;
    readonly capacity: number | null;
    readonly encumbered: boolean;
    /** Set when the capacity is worked out from a Strength that breaks the rules. */
    readonly capacityProblem?: string;
  };
  readonly currency: Readonly<Record<'cp' | 'sp' | 'ep' | 'gp' | 'pp', number | null>>;
  readonly features: readonly FeatureRow[];
  readonly personality: readonly { readonly label: string; readonly text: readonly string[] }[];
  readonly appearance: readonly { readonly label: string; readonly text: string }[];
  readonly biography: string | null;
  readonly notes: string | null;
  readonly tags: readonly string[];
  /** Number fields that break their schema's range or type, by `problemKey(path)`, each with why. */
  readonly inputProblems: Readonly<Record<string, string>>;
}

export interface StatAction {
  readonly name: string;
  readonly description: string | null;
  readonly attackBonus: number | null;
  readonly damage: readonly { readonly dice: string; readonly type: string | null }[];
  readonly save: { readonly ability: Ability; readonly dc: number } | null;
  readonly recharge: string | null;
  readonly uses: { readonly max: number | null; readonly used: number; readonly recovery: string | null } | null;
  readonly cost: number | null;
}

export interface StatBlock {
  readonly kind: 'npc';
  readonly name: string;
  readonly role: string | null;
  readonly race: string | null;
  readonly faction: string | null;
  readonly description: string | null;
  /** False when the NPC has no `statblock`: only the story fields are shown. */
  readonly hasStats: boolean;
  readonly basedOn: string | null;
  /** "Medium humanoid (goblinoid), neutral evil". */
  readonly typeLine: string | null;
  readonly ac: number | null;
  readonly acNote: string | null;
  readonly hp: number | null;
  readonly hitDice: string | null;
  readonly speed: Speeds;
  readonly abilities: readonly AbilityRow[];
  readonly challenge: { readonly rating: number; readonly label: string; readonly problem?: string } | null;
  readonly proficiencyBonus: Value;
  readonly xp: Value;
  /** Only the saves the stat block lists; `derived` is ability modifier + proficiency. */
  readonly saves: readonly { readonly ability: Ability; readonly bonus: Value }[];
  readonly skills: readonly { readonly key: SkillKey; readonly name: string; readonly bonus: number }[];
  readonly senses: Senses;
  readonly passivePerception: Value;
  readonly languages: readonly string[];
  readonly defenses: readonly { readonly label: string; readonly values: readonly string[] }[];
  readonly traits: readonly StatAction[];
  readonly actions: readonly StatAction[];
  readonly bonusActions: readonly StatAction[];
  readonly reactions: readonly StatAction[];
  readonly legendaryActions: readonly StatAction[];
  readonly legendaryPerRound: number | null;
  readonly lairActions: readonly StatAction[];
  readonly spellcasting: {
    readonly ability: Ability | null;
    readonly saveDc: Value;
    readonly attackBonus: Value;
    readonly casterLevel: number | null;
    readonly slots: readonly { readonly level: number; readonly max: number }[];
    readonly spells: readonly { readonly name: string; readonly level: number | null; readonly uses: string | null; readonly spellId: string | null }[];
    readonly description: string | null;
  } | null;
  readonly source: string | null;
  readonly personality: readonly { readonly label: string; readonly text: readonly string[] }[];
  readonly notes: string | null;
  readonly tags: readonly string[];
  /** Number fields that break their schema's range or type, by `problemKey(path)`, each with why. */
  readonly inputProblems: Readonly<Record<string, string>>;
}

export type SheetModel = CharacterSheet | StatBlock;
