// Open5e v1 data (github.com/open5e/open5e-api, data/v1/*/*.json): Django fixture dumps, an array
// of `{ model: "api.monster", pk, fields: {…} }`. Monsters → NPCs with a stat block, spells →
// spells, weapons, armor and magic items → items. Lists inside a record are JSON text
// (`actions_json`); they are read with their own tracker so that their unread parts are reported too.
import { Tracker, type ReportBuilder } from './report';
import { converted, drop, eachRecord, labelOf, reportUnused, type Body, type Ctx, type EntityDraft } from './types';

const MODELS: Record<string, 'npc' | 'spell' | 'item'> = { 'api.monster': 'npc', 'api.spell': 'spell', 'api.weapon': 'item', 'api.armor': 'item', 'api.magicitem': 'item' };

/** Whether a parsed file is an Open5e v1 fixture dump. */
export function isOpen5e(v: unknown): boolean {
  const first = Array.isArray(v) ? v[0] : v;
  const o = first as { model?: unknown; fields?: unknown } | null;
  return typeof o?.model === 'string' && o.model.startsWith('api.') && typeof o.fields === 'object' && o.fields !== null;
}

const RARITIES = ['common', 'uncommon', 'rare', 'very rare', 'legendary', 'artifact', 'varies'];
const ABILITY_NAMES = { strength: 'str', dexterity: 'dex', constitution: 'con', intelligence: 'int', wisdom: 'wis', charisma: 'cha' } as const;

interface O5Action {
  name?: string;
  desc?: string;
  attack_bonus?: number;
  damage_dice?: string;
  damage_bonus?: number;
}

/** JSON text inside a record, parsed, with a tracker of its own; its leftovers are reported at `path`. */
class Nested {
  private readonly parts: { path: string; tracker: Tracker }[] = [];
  constructor(private readonly ctx: Ctx) {}

  parse<T>(text: unknown, path: string): T | undefined {
    if (typeof text !== 'string' || text === '' || text === 'null') return undefined;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.ctx.report.add({ kind: 'unmapped', file: this.ctx.file, entity: this.ctx.entity, path, detail: 'not valid JSON text; left out' });
      return undefined;
    }
    const tracker = new Tracker(value);
    this.parts.push({ path, tracker });
    return tracker.view<T>();
  }

  reportUnused(): void {
    for (const { path, tracker } of this.parts) {
      for (const u of tracker.unused()) {
        const full = `${path}${u.path.startsWith('[') ? '' : '.'}${u.path}`;
        this.ctx.report.add({ kind: 'unmapped', file: this.ctx.file, entity: this.ctx.entity, path: full.replace(/\[\d+\]/g, '[]'), count: u.count, example: full });
      }
    }
  }
}

const numberIn = (s: unknown): number | undefined => {
  const m = typeof s === 'string' ? /(\d+(\.\d+)?)/.exec(s) : null;
  return m ? Number(m[1]) : undefined;
};

function listOf(s: unknown): string[] {
  if (typeof s !== 'string' || s.trim() === '') return [];
  return s
    .split(/;\s*/)
    .flatMap((part) => (/\b(from|that|except)\b/.test(part) ? [part] : part.split(/,\s*(?:and\s+)?|\s+and\s+/)))
    .map((x) => x.trim())
    .filter(Boolean)
    .map((x) => x.slice(0, 200));
}

function action(a: O5Action): Body {
  return drop({
    name: a.name,
    description: a.desc,
    attack_bonus: typeof a.attack_bonus === 'number' ? a.attack_bonus : undefined,
    damage: a.damage_dice ? [{ dice: `${a.damage_dice}${a.damage_bonus ? `+${a.damage_bonus}` : ''}` }] : undefined,
    cost: Number(/Costs (\d+) Actions/.exec(a.name ?? '')?.[1]) || undefined,
  });
}

function monster(ctx: Ctx, f: Record<string, unknown>, nested: Nested, base: string): Body {
  const p = (k: string) => `${base}.fields.${k}`;
  const speed = nested.parse<Record<string, unknown>>(f.speed_json, p('speed_json')) ?? {};
  const skills = nested.parse<Record<string, number>>(f.skills_json, p('skills_json')) ?? {};
  const acts = (k: string) => nested.parse<O5Action[]>(f[k], p(k))?.map(action);
  const spells = nested.parse<string[]>(f.spells_json, p('spells_json'));
  const environments = nested.parse<string[]>(f.environments_json, p('environments_json'));
  const senses = typeof f.senses === 'string' ? f.senses : '';
  const sense = (name: string) => numberIn(new RegExp(`${name} (\\d+)`, 'i').exec(senses)?.[0]);
  const special = senses
    .split(/,\s*/)
    .filter((x) => !/^(darkvision|blindsight|tremorsense|truesight) \d+|^passive perception/i.test(x))
    .join(', ');
  const saves = Object.fromEntries(Object.entries(ABILITY_NAMES).map(([long, short]) => [short, f[`${long}_save`]]).filter(([, v]) => typeof v === 'number'));
  const cr = typeof f.cr === 'number' ? f.cr : undefined;
  void f.challenge_rating; // the same as cr, as text ("1/2")
  const legendary = acts('legendary_actions_json');
  void f.perception; // the Perception bonus, also in skills_json
  return drop({
    name: f.name,
    role: 'monster',
    alignment: f.alignment,
    description: f.desc,
    statblock: drop({
      based_on: f.name,
      size: f.size,
      type: f.type,
      subtype: f.subtype,
      alignment: f.alignment,
      ac: f.armor_class,
      ac_note: f.armor_desc,
      hp: f.hit_points,
      hit_dice: f.hit_dice,
      speed: drop({ walk: speed.walk, burrow: speed.burrow, climb: speed.climb, fly: speed.fly, swim: speed.swim, hover: speed.hover === true ? true : undefined, note: typeof speed.notes === 'string' ? speed.notes : undefined }),
      abilities: Object.fromEntries(Object.entries(ABILITY_NAMES).map(([long, short]) => [short, f[long]])),
      saves,
      skills: Object.fromEntries(Object.entries(skills).map(([k, v]) => [k.toLowerCase().replace(/[\s-]+/g, '_'), v])),
      damage_vulnerabilities: listOf(f.damage_vulnerabilities),
      damage_resistances: listOf(f.damage_resistances),
      damage_immunities: listOf(f.damage_immunities),
      condition_immunities: listOf(f.condition_immunities),
      senses: drop({ darkvision: sense('darkvision'), blindsight: sense('blindsight'), tremorsense: sense('tremorsense'), truesight: sense('truesight'), passive_perception: numberIn(/passive perception (\d+)/i.exec(senses)?.[0]), special: special || undefined }),
      languages: typeof f.languages === 'string' && f.languages.trim() !== '' ? f.languages.split(/,\s*/).map((l) => l.slice(0, 200)) : [],
      challenge_rating: cr,
      traits: acts('special_abilities_json'),
      actions: acts('actions_json'),
      bonus_actions: acts('bonus_actions_json'),
      reactions: acts('reactions_json'),
      legendary_actions: legendary,
      legendary_actions_per_round: legendary?.length ? (numberIn(/can take (\d+) legendary actions/i.exec(String(f.legendary_desc ?? ''))?.[0]) ?? 3) : undefined,
      spellcasting: spells?.length ? { spells: spells.map((name) => ({ name })) } : undefined,
      source: 'SRD 5.1 (Open5e)',
    }),
    tags: ['srd', ...(typeof f.group === 'string' ? [f.group] : []), ...(environments ?? [])].slice(0, 100),
  });
}

function spell(f: Record<string, unknown>): Body {
  const components = [f.requires_verbal_components ? 'V' : undefined, f.requires_somatic_components ? 'S' : undefined, f.requires_material_components ? 'M' : undefined].filter(Boolean);
  return drop({
    name: f.name,
    level: f.spell_level,
    school: f.school,
    casting_time: f.casting_time,
    range: f.range,
    components,
    material: f.material,
    duration: f.duration,
    concentration: f.requires_concentration,
    ritual: f.can_be_cast_as_ritual,
    classes: typeof f.dnd_class === 'string' ? f.dnd_class.split(/,\s*/).filter(Boolean) : undefined,
    description: f.desc,
    higher_level: f.higher_level,
    source: typeof f.page === 'string' && f.page ? `SRD 5.1 (Open5e; ${f.page})` : 'SRD 5.1 (Open5e)',
  });
}

function cost(s: unknown): { quantity: number; unit: string } | undefined {
  const m = typeof s === 'string' ? /^\s*([\d,]+(\.\d+)?)\s*([a-z]{2})\s*$/i.exec(s) : null;
  return m ? { quantity: Number(m[1]!.replace(/,/g, '')), unit: m[3]!.toLowerCase() } : undefined;
}

function item(ctx: Ctx, model: string, f: Record<string, unknown>, nested: Nested, base: string): Body {
  if (model === 'api.magicitem') {
    let rarity = typeof f.rarity === 'string' ? f.rarity.toLowerCase() : undefined;
    if (rarity !== undefined && rarity !== '' && !RARITIES.includes(rarity)) {
      converted(ctx, `${base}.fields.rarity`, `${JSON.stringify(f.rarity).slice(0, 80)} → "varies"`);
      rarity = 'varies';
    }
    const att = typeof f.requires_attunement === 'string' ? f.requires_attunement : '';
    return drop({
      name: f.name,
      type: typeof f.type === 'string' ? f.type.slice(0, 100) : undefined,
      rarity: rarity || undefined,
      attunement: att === '' ? undefined : att === 'requires attunement' ? true : att.replace(/^requires attunement\s*/, '').slice(0, 200),
      description: f.desc,
      source: 'SRD 5.1 (Open5e)',
    });
  }
  const weight = numberIn(f.weight);
  if (model === 'api.armor') {
    return drop({
      name: f.name,
      type: /shield/i.test(String(f.category)) ? 'shield' : 'armor',
      category: f.category,
      cost: cost(f.cost),
      weight,
      armor: drop({
        base_ac: f.base_ac,
        dex_bonus: f.plus_dex_mod,
        max_dex_bonus: f.plus_dex_mod && typeof f.plus_max === 'number' && f.plus_max > 0 ? f.plus_max : undefined,
        strength_minimum: f.strength_requirement ?? undefined,
        stealth_disadvantage: f.stealth_disadvantage,
      }),
      description: f.desc,
      source: 'SRD 5.1 (Open5e)',
      extra: drop({ open5e: drop({ plus_con_mod: f.plus_con_mod || undefined, plus_wis_mod: f.plus_wis_mod || undefined, plus_flat_mod: f.plus_flat_mod || undefined }) }),
    });
  }
  const props = nested.parse<string[]>(f.properties_json, `${base}.fields.properties_json`) ?? [];
  const plainProps = props.map((p) => String(p));
  const versatile = /versatile \((\d+d\d+)\)/.exec(plainProps.join(' '))?.[1];
  const range = /range (\d+)\/(\d+)/.exec(plainProps.join(' '));
  return drop({
    name: f.name,
    type: 'weapon',
    category: f.category,
    cost: cost(f.cost),
    weight,
    properties: plainProps.map((p) => p.replace(/\s*\(.*\)$/, '')),
    damage: drop({ dice: f.damage_dice, type: f.damage_type, versatile_dice: versatile }),
    range: range ? { normal: Number(range[1]), long: Number(range[2]) } : undefined,
    description: f.desc,
    source: 'SRD 5.1 (Open5e)',
  });
}

const BOOKKEEPING = /\.(pk|model|fields\.(document|route|page_no|img_main|target_range_sort))$/;

/** The records of an Open5e v1 file → drafts (records of other models are reported and left out). */
export function importOpen5e(file: string, report: ReportBuilder, tracker: Tracker): EntityDraft[] {
  return eachRecord(tracker, (r, base) => {
    const rec = r as { model?: unknown; fields?: Record<string, unknown> };
    const model = typeof rec?.model === 'string' ? rec.model : '';
    const kind = MODELS[model];
    if (!kind || typeof rec.fields !== 'object' || rec.fields === null) {
      report.add({ kind: 'unmapped', file, path: base || '(the record)', detail: `an Open5e ${model || 'record'} record: not something the vault imports; left out`, count: 1 });
      tracker.consume(r);
      return undefined;
    }
    const f = rec.fields;
    const ctx: Ctx = { file, entity: labelOf(kind, f.name), report, tracker, base };
    const nested = new Nested(ctx);
    const body = kind === 'npc' ? monster(ctx, f, nested, base) : kind === 'spell' ? spell(f) : item(ctx, model, f, nested, base);
    // Copying reads through the nested views too, which marks what the body took from them.
    const plain = tracker.plain(body);
    nested.reportUnused();
    reportUnused(ctx, (path) => (BOOKKEEPING.test(path) ? 'Open5e database bookkeeping' : undefined));
    return { kind, body: plain, links: [], file, ...(base ? { where: base } : {}) };
  });
}
