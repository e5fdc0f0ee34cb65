// The shapes of Foundry VTT dnd5e documents as this importer reads them, and the readers of their
// values: a value of the wrong type is reported in the loss report of the record being converted.
import { pathPattern } from './report';
import type { Ctx } from './types';

export const ABILITIES = ['str', 'dex', 'con', 'int', 'wis', 'cha'] as const;
export type Ability = (typeof ABILITIES)[number];
export const GEAR = ['weapon', 'equipment', 'consumable', 'tool', 'loot', 'container', 'backpack'];

export const mod = (score: number) => Math.floor((score - 10) / 2);
/** The record being converted, so that a value of the wrong type is reported, not dropped. */
let current: Ctx | undefined;

/** Sets the record being converted (undefined when done): the readers below report wrong types to it. */
export function converting(ctx: Ctx | undefined): void {
  current = ctx;
}

function wrongType(v: unknown, expected: string): undefined {
  if (current && v !== null && v !== undefined && v !== '') {
    current.report.add({ kind: 'unmapped', file: current.file, entity: current.entity, path: pathPattern(current.tracker.lastRead), example: current.tracker.lastRead, detail: `not ${expected}: ${JSON.stringify(v).slice(0, 60)}; left out` });
  }
  return undefined;
}
export const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : wrongType(v, 'a number');
export const int = (v: unknown): number | undefined => {
  const n = num(v);
  return n !== undefined && Number.isInteger(n) ? n : n === undefined ? undefined : wrongType(n, 'a whole number');
};
export const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
export const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : []);
export const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

export interface FoundryDamage {
  number?: number | null;
  denomination?: number | null;
  bonus?: string;
  types?: string[];
}
export interface FoundryEffect {
  name?: string;
  disabled?: boolean;
  transfer?: boolean;
  changes?: { key?: string; mode?: number; value?: unknown; priority?: number | null }[];
}
export interface FoundryActivity {
  type?: string;
  activation?: { type?: string };
  attack?: { ability?: string; bonus?: string; type?: { value?: string } };
  damage?: { includeBase?: boolean; parts?: (FoundryDamage & { custom?: { enabled?: boolean; formula?: string } })[] };
}
export interface FoundryItem {
  _id?: string;
  name?: string;
  type?: string;
  effects?: FoundryEffect[];
  system?: {
    advancement?: Record<string, FoundryAdvancement> | FoundryAdvancement[];
    magicalBonus?: number | null;
    ability?: string;
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
    hd?: { denomination?: string; spent?: number };
    hitDiceUsed?: number;
    movement?: Record<string, unknown>;
    senses?: Record<string, unknown>;
    level?: number;
    school?: string;
    materials?: { value?: string };
    preparation?: { mode?: string; prepared?: boolean };
    prepared?: number | boolean;
    sourceClass?: string;
    activation?: { type?: string; value?: number };
    duration?: { value?: string | number; units?: string };
    requirements?: string;
    type?: { value?: string; subtype?: string };
    uses?: { max?: string | number; spent?: number; recovery?: { period?: string }[] };
    damage?: { base?: FoundryDamage; versatile?: FoundryDamage };
    armor?: { value?: number | null; dex?: number | null; magicalBonus?: number | null };
    properties?: string[];
    range?: { value?: number | string | null; long?: number | null; units?: string; reach?: number | null };
    activities?: Record<string, FoundryActivity>;
    source?: { book?: string; license?: string; rules?: string };
  };
}
export interface FoundryAdvancement {
  type?: string;
  value?: Record<string, unknown>;
  configuration?: { identifier?: string; type?: string; scale?: Record<string, { value?: unknown; number?: number | null; faces?: number }>; distance?: { units?: string } };
}
export interface FoundryTrait {
  value?: string[];
  custom?: string;
}
export interface FoundryActor {
  _id?: string;
  name?: string;
  type?: string;
  effects?: FoundryEffect[];
  system?: {
    abilities?: Partial<Record<Ability, { value?: number; proficient?: number }>>;
    attributes?: {
      ac?: { flat?: number | null; calc?: string; formula?: string; bonus?: string };
      hp?: { value?: number; max?: number | null; temp?: number | null; formula?: string; bonuses?: { level?: string; overall?: string } };
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
      weaponProf?: FoundryTrait;
      armorProf?: FoundryTrait;
      di?: FoundryTrait;
      dr?: FoundryTrait;
      dv?: FoundryTrait;
      ci?: FoundryTrait;
    };
    skills?: Record<string, { value?: number; ability?: Ability }>;
    tools?: Record<string, { value?: number }>;
    currency?: Record<string, number>;
    spells?: Record<string, { value?: number; override?: number | null; level?: number }>;
    resources?: { legact?: { max?: number } };
  };
  items?: FoundryItem[];
}

export const activities = (i: FoundryItem): FoundryActivity[] => Object.values(obj(i.system?.activities)) as FoundryActivity[];
export const splitCustom = (v: unknown): string[] => str(v)?.split(/\s*;\s*/).filter(Boolean) ?? [];
