// Realistic, deterministic records for `npm run bench`, made from real SRD data: 5e-bits monsters
// become NPCs with stat blocks, 5e-bits spells and equipment become spells and items, Foundry VTT
// starter heroes become characters (renamed, levelled), Foundry SRD 5.2 NPCs become named NPCs, and
// sessions and locations get notes written from all of these. The converters are the ones the
// schema tests use (test/unit/schemaFixtures.ts), so every body passes the vault's schemas.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import type { EntityKind } from '../src/core/db/kinds';
import {
  characterFromFoundry,
  itemFromBits,
  npcFromBitsMonster,
  npcFromFoundry,
  spellFromBits,
  type BitsItem,
  type BitsMonster,
  type BitsSpell,
} from '../test/unit/schemaFixtures';

type Body = Record<string, unknown>;
type FoundryActor = Parameters<typeof characterFromFoundry>[0];

/** sfc32: small, fast, and the same sequence on every machine for a given seed. */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 16; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.a >>>= 0;
    this.b >>>= 0;
    this.c >>>= 0;
    this.d >>>= 0;
    let t = (this.a + this.b) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.d = (this.d + 1) | 0;
    t = (t + this.d) | 0;
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(this.next() * 256);
    return out;
  }
}

/** The real data the records are made from, and where it came from. */
export interface Sources {
  readonly from: string;
  readonly monsters: readonly Body[];
  readonly humanoids: readonly Body[];
  readonly heroes: readonly Body[];
  readonly spells: readonly Body[];
  readonly items: readonly Body[];
  readonly sessionNotes: string;
  /** Sentences of real rules text (monster traits, spell descriptions) for notes. */
  readonly sentences: readonly string[];
}

const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));
const readYamlFile = (file: string): unknown => parse(readFileSync(file, 'utf8'));

/**
 * Loads the fixtures: the shared collection (full SRD: 334 monsters, 319 spells, 599 items,
 * 12 heroes, 8 humanoid NPCs) when it sits beside the repository, else the repository's own
 * test/fixtures (a handful of each), so the bench also runs from a plain clone.
 */
export function loadSources(root: string, shared?: string): Sources {
  const sharedDir = shared ?? path.resolve(root, '../shared/fixtures');
  const full = existsSync(path.join(sharedDir, 'srd-json/5e-bits/2014-en/5e-SRD-Monsters.json'));
  const bits = full ? path.join(sharedDir, 'srd-json/5e-bits/2014-en') : path.join(root, 'test/fixtures/srd-5e-bits');
  const monsters = (readJson(path.join(bits, '5e-SRD-Monsters.json')) as BitsMonster[]).map(npcFromBitsMonster);
  const spells = (readJson(path.join(bits, '5e-SRD-Spells.json')) as BitsSpell[]).map(spellFromBits);
  const items = [
    ...(readJson(path.join(bits, '5e-SRD-Equipment.json')) as BitsItem[]),
    ...(readJson(path.join(bits, '5e-SRD-Magic-Items.json')) as BitsItem[]),
  ].map(itemFromBits);
  let heroActors: FoundryActor[];
  let humanoidActors: FoundryActor[];
  if (full) {
    const dir = (sub: string) => path.join(sharedDir, 'characters/foundry-dnd5e', sub, 'json');
    const all = (d: string) => readdirSync(d).filter((f) => f.endsWith('.json')).sort().map((f) => readJson(path.join(d, f)) as FoundryActor);
    heroActors = all(dir('srd51-starter-heroes'));
    humanoidActors = all(dir('srd52-npcs-humanoid'));
  } else {
    const dir = (sub: string) => path.join(root, 'test/fixtures/sample-campaign', sub);
    const all = (d: string) => readdirSync(d).filter((f) => f.endsWith('.yml')).sort().map((f) => readYamlFile(path.join(d, f)) as FoundryActor);
    heroActors = all(dir('characters'));
    humanoidActors = all(dir('npcs'));
  }
  const sessionNotes = readFileSync(path.join(root, 'test/fixtures/sample-campaign/sessions/session-01.md'), 'utf8');
  const sentences: string[] = [];
  const addText = (t: unknown) => {
    if (typeof t !== 'string') return;
    for (const s of t.replace(/<[^>]+>/g, ' ').split(/(?<=[.!?])\s+/)) if (s.length > 30 && s.length < 400) sentences.push(s.trim());
  };
  for (const s of spells) addText(s.description);
  for (const m of monsters) for (const t of ((m.statblock as Body).traits as Body[] | undefined) ?? []) addText(t.description);
  return {
    from: full ? `${path.relative(root, sharedDir) || sharedDir} (full SRD 5.1 sets, Foundry heroes and NPCs)` : 'test/fixtures (small subset)',
    monsters,
    humanoids: humanoidActors.map((a) => npcFromFoundry(a, 'ally')),
    heroes: heroActors.map(characterFromFoundry),
    spells,
    items,
    sessionNotes,
    sentences,
  };
}

export interface BenchRecord {
  readonly kind: EntityKind;
  readonly id: string;
  readonly campaign_id: string | null;
  readonly body: Body;
}

const GIVEN = ['Aela', 'Bram', 'Cora', 'Dain', 'Elowen', 'Fenn', 'Gilda', 'Hale', 'Isolde', 'Jory', 'Kestra', 'Lorn', 'Mira', 'Nym', 'Orrin', 'Pell', 'Quinn', 'Rook', 'Sable', 'Tamsin', 'Ulric', 'Vesna', 'Wren', 'Xan', 'Yara', 'Zeph', 'Ansel', 'Brisa', 'Cael', 'Dorn', 'Esk', 'Faela', 'Garrick', 'Hesper', 'Ilya', 'Jessamy', 'Korrin', 'Liesel', 'Maelis', 'Nadia'];
const FAMILY = ['Ashdown', 'Blackwood', 'Copperkettle', 'Dunmore', 'Emberfall', 'Frostbeard', 'Greenbottle', 'Hollowell', 'Ironfoot', 'Jadehand', 'Kettleburn', 'Longstride', 'Mossvale', 'Nightbloom', 'Oakenshield', 'Proudfoot', 'Quickwater', 'Ravenscar', 'Stonehill', 'Thornwood', 'Underbough', 'Vantreth', 'Whitlock', 'Yarrow'];
const EPITHET = ['the Bold', 'the Grim', 'One-Eye', 'the Younger', 'of the Marsh', 'Scarjaw', 'the Silent', 'Redhand', 'the Pale', 'Longtooth'];
const ROLES = ['monster', 'villain', 'ally', 'merchant', 'innkeeper', 'quest giver', 'guard', 'informant'];
const CLASSES_BY_HIT_DIE: Record<string, number> = { Barbarian: 12, Fighter: 10, Paladin: 10, Ranger: 10, Bard: 8, Cleric: 8, Druid: 8, Monk: 8, Rogue: 8, Warlock: 8, Sorcerer: 6, Wizard: 6 };
const PLAYERS = ['Sam', 'Alex', 'Priya', 'Jonas', 'Mei', 'Tomás', 'Ada', 'Kwame'];
const PLACES = ['Phandalin', 'Thundertree', 'Neverwinter', 'Cragmaw', 'Wave Echo', 'Triboar', 'Leilon', 'Conyberry', 'Ironslag', 'Mere of Dead Men', 'Helm\'s Hold', 'Xantharl'];
const LOCATION_TYPES = ['region', 'city', 'town', 'village', 'dungeon', 'building', 'room', 'wilderness'];
const SETTINGS = ['Forgotten Realms', 'Eberron', 'homebrew', 'Greyhawk', 'Exandria'];
const CAMPAIGN_NAMES = ['The Sundered Crown', 'Embers of the Deep', 'Lost Mines', 'The Salt Road', 'Crown of Thorns', 'Whispers in Amber', 'The Drowned Bell', 'Tombs of the Moonless King'];

/** Kind shares of the records in a campaign (the rest of N after the campaigns themselves). */
export const MIX: readonly (readonly [EntityKind, number])[] = [
  ['npc', 0.36],
  ['item', 0.2],
  ['location', 0.14],
  ['spell', 0.1],
  ['session', 0.1],
  ['character', 0.1],
];

interface CampaignState {
  readonly id: string;
  readonly index: number;
  readonly names: Map<EntityKind, Set<string>>;
  readonly locations: string[];
  readonly characters: string[];
  sessions: number;
}

/**
 * Makes records for a vault of about `total` entities over floor(total / 1000) + 1 campaigns.
 * {@link next} continues the same stream (for timed creates); ids are UUIDv7-shaped like the ones
 * the vault makes itself, time-ordered from a fixed epoch.
 */
export class RecordGenerator {
  private readonly rng: Prng;
  private clock = Date.UTC(2025, 0, 1);
  private readonly campaigns: CampaignState[] = [];
  private cursor = 0;

  constructor(
    private readonly src: Sources,
    seed: number,
  ) {
    this.rng = new Prng(seed);
  }

  private newId(): string {
    this.clock += this.rng.int(1, 50);
    const b = this.rng.bytes(16);
    const ms = this.clock;
    for (let i = 0; i < 6; i++) b[i] = Math.floor(ms / 2 ** (8 * (5 - i))) & 0xff;
    b[6] = (b[6]! & 0x0f) | 0x70;
    b[8] = (b[8]! & 0x3f) | 0x80;
    const h = Buffer.from(b).toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /** A name not yet used in this campaign for this kind (names are unique per campaign and kind). */
  private unique(c: CampaignState, kind: EntityKind, base: string): string {
    let names = c.names.get(kind);
    if (!names) c.names.set(kind, (names = new Set()));
    let name = base.slice(0, 180);
    for (let n = 2; names.has(name.toLowerCase()); n++) name = `${base.slice(0, 180)} (${n})`;
    names.add(name.toLowerCase());
    return name;
  }

  private person(): string {
    return `${this.rng.pick(GIVEN)} ${this.rng.pick(FAMILY)}`;
  }

  private paragraph(sentences: number): string {
    const out: string[] = [];
    for (let i = 0; i < sentences; i++) out.push(this.rng.pick(this.src.sentences));
    return out.join(' ');
  }

  /** The campaigns of a vault of `total` entities: floor(total / 1000) + 1 of them. */
  start(total: number): BenchRecord[] {
    return Array.from({ length: Math.floor(total / 1000) + 1 }, () => this.campaign());
  }

  /** Every record of a vault of `total` entities, campaigns first, made as they are consumed. */
  *stream(total: number): Generator<BenchRecord> {
    const campaigns = this.start(total);
    yield* campaigns;
    for (let i = campaigns.length; i < total; i++) yield this.next();
  }

  private campaign(): BenchRecord {
    const index = this.campaigns.length;
    const id = this.newId();
    this.campaigns.push({ id, index, names: new Map(), locations: [], characters: [], sessions: 0 });
    return {
      kind: 'campaign',
      id,
      campaign_id: null,
      body: {
        name: `${CAMPAIGN_NAMES[index % CAMPAIGN_NAMES.length]}${index >= CAMPAIGN_NAMES.length ? ` ${Math.floor(index / CAMPAIGN_NAMES.length) + 1}` : ''}`,
        system: 'D&D 5e',
        setting: this.rng.pick(SETTINGS),
        status: index === 0 ? 'active' : this.rng.pick(['planning', 'active', 'paused', 'completed']),
        is_active: index === 0,
        description: this.paragraph(4),
        tags: ['bench'],
      },
    };
  }

  /** The next record, in a campaign chosen round-robin (kinds drawn from {@link MIX}). */
  next(): BenchRecord {
    const c = this.campaigns[this.cursor++ % this.campaigns.length]!;
    let r = this.rng.next();
    let kind: EntityKind = 'npc';
    for (const [k, share] of MIX) {
      if (r < share) {
        kind = k;
        break;
      }
      r -= share;
    }
    if (kind === 'session' && c.characters.length === 0) kind = 'character';
    const id = this.newId();
    const body = RecordGenerator.clean(this.body(kind, c, id));
    return { kind, id, campaign_id: c.id, body };
  }

  private body(kind: EntityKind, c: CampaignState, id: string): Body {
    switch (kind) {
      case 'npc':
        return this.npc(c);
      case 'item':
        return this.item(c);
      case 'spell':
        return this.spell(c);
      case 'location':
        return this.location(c, id);
      case 'session':
        return this.session(c);
      case 'character':
        return this.character(c);
      default:
        throw new Error(`no generator for ${kind}`);
    }
  }

  private npc(c: CampaignState): Body {
    const named = this.rng.chance(0.15);
    const base = structuredClone(named ? this.rng.pick(this.src.humanoids) : this.rng.pick(this.src.monsters));
    const role = named ? this.rng.pick(ROLES.slice(1)) : this.rng.chance(0.8) ? 'monster' : this.rng.pick(ROLES);
    const who = role === 'monster' ? `${String(base.name)} ${this.rng.pick(EPITHET)}` : `${this.person()} (${String(base.name)})`;
    const statblock = base.statblock as Body;
    statblock.hp = Math.max(1, Math.round(Number(statblock.hp ?? 10) * (0.8 + this.rng.next() * 0.4)));
    return {
      ...base,
      name: this.unique(c, 'npc', who),
      role,
      faction: this.rng.chance(0.4) ? this.rng.pick(['Zhentarim', 'Harpers', 'Lords\' Alliance', 'Cult of the Dragon', 'Cragmaw tribe']) : undefined,
      notes: this.rng.chance(0.6) ? this.paragraph(this.rng.int(1, 4)) : undefined,
      tags: [...((base.tags as string[] | undefined) ?? []), this.rng.pick(PLACES).toLowerCase()],
    };
  }

  private item(c: CampaignState): Body {
    const base = structuredClone(this.rng.pick(this.src.items));
    const name = this.rng.chance(0.2) ? `${String(base.name)} of ${this.rng.pick(FAMILY)}` : String(base.name);
    return { ...base, name: this.unique(c, 'item', name), notes: this.rng.chance(0.3) ? this.paragraph(1) : undefined };
  }

  private spell(c: CampaignState): Body {
    const base = structuredClone(this.rng.pick(this.src.spells));
    return { ...base, name: this.unique(c, 'spell', String(base.name)) };
  }

  private location(c: CampaignState, id: string): Body {
    // A tree: the first is the world, then places inside places already made (world → region → …).
    const parent = c.locations.length === 0 ? null : c.locations[Math.floor(Math.pow(this.rng.next(), 2) * c.locations.length)]!;
    const type = parent === null ? 'world' : this.rng.pick(LOCATION_TYPES);
    c.locations.push(id);
    const place = parent === null ? this.rng.pick(SETTINGS) : `${this.rng.pick(PLACES)} ${type === 'room' || type === 'building' ? this.rng.pick(['Hall', 'Cellar', 'Tower', 'Inn', 'Shrine']) : this.rng.pick(['Vale', 'Reach', 'Hollow', 'Crossing', 'Heights'])}`;
    return {
      name: this.unique(c, 'location', place),
      type,
      parent_id: parent,
      description: this.paragraph(this.rng.int(2, 6)),
      notes: this.rng.chance(0.5) ? this.paragraph(this.rng.int(1, 3)) : undefined,
      tags: [type],
    };
  }

  private session(c: CampaignState): Body {
    c.sessions += 1;
    const n = c.sessions;
    const date = new Date(Date.UTC(2024, 0, 6) + (n - 1) * 7 * 86_400_000).toISOString().slice(0, 10);
    const cast = Array.from({ length: Math.min(5, c.characters.length) }, () => this.rng.pick(c.characters));
    const participants = [...new Set(cast)];
    const events = Array.from({ length: this.rng.int(3, 8) }, (_, i) => ({
      at: `${Math.floor(i / 2) + 1}:${i % 2 ? '30' : '00'}`,
      kind: this.rng.pick(['combat', 'roleplay', 'exploration', 'discovery', 'loot', 'rest']),
      description: this.paragraph(1),
    }));
    const notes = this.src.sessionNotes
      .replace('Session 1', `Session ${n}`)
      .replace('2026-11-20', date)
      .replace('Zanna, Randal, Riswynn, Akra', participants.join(', ') || 'nobody yet')
      .concat('\n## GM notes\n\n', Array.from({ length: this.rng.int(2, 6) }, () => this.paragraph(this.rng.int(2, 5))).join('\n\n'), '\n');
    return {
      name: this.unique(c, 'session', `Session ${n}: ${this.rng.pick(PLACES)}`),
      number: n,
      date,
      status: this.rng.chance(0.85) ? 'played' : 'planned',
      summary: this.paragraph(2),
      notes,
      events,
      participants,
      tags: ['session'],
    };
  }

  private character(c: CampaignState): Body {
    const base = structuredClone(this.rng.pick(this.src.heroes));
    const level = this.rng.int(1, 20);
    const cls = String(base.class ?? 'Fighter');
    const die = CLASSES_BY_HIT_DIE[cls] ?? 8;
    const con = Math.floor((Number((base.abilities as Record<string, number> | undefined)?.con ?? 10) - 10) / 2);
    const hpMax = die + (level - 1) * (Math.floor(die / 2) + 1) + level * con;
    const name = this.unique(c, 'character', `${this.person()} (${String(base.race ?? 'Human')} ${cls})`);
    c.characters.push(name);
    return {
      ...base,
      name,
      player: this.rng.pick(PLAYERS),
      level,
      classes: [{ name: cls, level }],
      proficiency_bonus: Math.floor((level - 1) / 4) + 2,
      xp: [0, 300, 900, 2700, 6500, 14000, 23000, 34000, 48000, 64000, 85000, 100000, 120000, 140000, 165000, 195000, 225000, 265000, 305000, 355000][level - 1],
      hp: { max: Math.max(1, hpMax), current: Math.max(1, hpMax - this.rng.int(0, hpMax >> 1)), temp: 0 },
      hit_dice: { [`d${die}`]: { max: level, used: 0 } },
    };
  }

  /** A small change for a timed update: what a GM does at the table (HP, notes, status). */
  change(r: { kind: EntityKind; hpMax?: number }): Body {
    switch (r.kind) {
      case 'character': {
        const max = r.hpMax ?? 10;
        return { hp: { max, current: this.rng.int(0, max), temp: 0 } };
      }
      case 'session':
        return { status: this.rng.pick(['played', 'planned']), summary: this.paragraph(2) };
      case 'npc':
        return { notes: this.paragraph(this.rng.int(1, 3)) };
      case 'location':
        return { notes: this.paragraph(1) };
      default:
        return { tags: ['bench', `t${this.rng.int(0, 999)}`] };
    }
  }

  get campaignIds(): string[] {
    return this.campaigns.map((c) => c.id);
  }

  pick<T>(items: readonly T[]): T {
    return this.rng.pick(items);
  }

  /** A large session body (about `chars` characters of notes) for the 100 MB vault. */
  bigSession(c: string, n: number, chars: number): BenchRecord {
    const parts: string[] = [];
    let len = 0;
    while (len < chars) {
      const p = this.paragraph(6);
      parts.push(p);
      len += p.length + 2;
    }
    return {
      kind: 'session',
      id: this.newId(),
      campaign_id: c,
      body: { name: `Long session ${n}`, number: n, status: 'played', notes: parts.join('\n\n').slice(0, chars) },
    };
  }

  /** Drops top-level `undefined` fields (the vault refuses them; the converters drop deeper ones). */
  static clean(body: Body): Body {
    for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
    return body;
  }
}

export const ROLE_VALUES = ROLES;
