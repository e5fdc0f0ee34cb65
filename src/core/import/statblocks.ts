// Obsidian "Fantasy Statblocks" creatures (the YAML of a ```statblock block, or of a note's front
// matter): → NPCs with a stat block. Both the 5e layouts (stats: [10, 14, …], cr, senses …) and
// old-school layouts such as Basic Fantasy RPG's (ac: "3 [16]", thaco, saves as "jds") are read;
// what has no place in a 5e stat block is kept under `extra.statblock` and reported as such.
import { ABILITIES } from './foundryDocument';
import type { ReportBuilder, Tracker } from './report';
import { converted, drop, labelOf, reportUnused, type Body, type Ctx, type EntityDraft } from './types';

const STATBLOCK_KEYS = ['layout', 'stats', 'hit_dice', 'thaco', 'traits', 'actions', 'ac', 'hp', 'cr', 'saves', 'jds', 'statblock'];

/** Whether a parsed document looks like a Fantasy Statblocks creature. */
export function isStatblock(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return typeof o.name === 'string' && STATBLOCK_KEYS.filter((k) => k in o).length >= 2;
}

interface Entry {
  name?: unknown;
  desc?: unknown;
  description?: unknown;
}

const feet = (v: unknown) => {
  const m = typeof v === 'string' ? /^\s*(\d+)\s*(?:'|ft\.?|feet)?/.exec(v) : null;
  return typeof v === 'number' ? v : m ? Number(m[1]) : undefined;
};
const asInt = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : undefined);

function entries(list: unknown): Body[] | undefined {
  if (!Array.isArray(list)) return undefined;
  return list
    .filter((e): e is Entry => typeof e === 'object' && e !== null)
    .map((e) => drop({ name: typeof e.name === 'string' && e.name.trim() ? e.name : 'Unnamed', description: typeof e.desc === 'string' ? e.desc : typeof e.description === 'string' ? e.description : undefined }));
}

const CR: Record<string, number> = { '1/8': 0.125, '1/4': 0.25, '1/2': 0.5 };

/** One statblock document → an NPC draft. */
export function importStatblock(file: string, report: ReportBuilder, tracker: Tracker): EntityDraft[] {
  const sb = tracker.view<Record<string, unknown>>();
  const ctx: Ctx = { file, entity: labelOf('npc', sb.name), report, tracker, base: '' };
  // `in` does not count as reading a field (a read would hide it from the loss report).
  const oldSchool = 'thaco' in sb || 'jds' in sb || sb.layout === 'BFRPG';
  // AC: a number, or old-school "descending [ascending]": the vault keeps the ascending value.
  let ac: number | undefined;
  let acNote: string | undefined;
  const acText = sb.ac;
  if (typeof acText === 'number') ac = acText;
  else if (typeof acText === 'string') {
    const m = /^\s*(-?\d+)\s*(?:\[\s*(\d+)\s*\])?\s*(?:\((.*)\))?\s*$/.exec(acText);
    if (m?.[2] !== undefined) {
      ac = Number(m[2]);
      converted(ctx, 'ac', `descending AC ${acText} → ${ac} (the ascending value in brackets)`);
      acNote = `descending AC ${m[1]}`;
    } else if (m) {
      ac = Number(m[1]);
      acNote = m[3];
    }
  }
  const stats = Array.isArray(sb.stats) ? (sb.stats as unknown[]) : undefined;
  const scores = stats && stats.length === 6 && stats.every((x) => typeof x === 'number') ? Object.fromEntries(ABILITIES.map((a, i) => [a, stats[i]])) : undefined;
  if (stats && !scores) {
    // Old-school layouts repeat hit dice, hit points, AC and THAC0 here, for the layout to show.
    tracker.consume(stats);
    report.add({ kind: 'unmapped', file, entity: ctx.entity, path: 'stats', detail: 'not ability scores: a repeat of hit dice, hit points, AC and THAC0 (kept in those fields)' });
  }
  const speedText = sb.speed;
  const walk = feet(speedText);
  const speedRest = typeof speedText === 'string' ? speedText.replace(/^\s*\d+\s*(?:'|ft\.?|feet)?\s*,?\s*/, '').trim() : '';
  const cr = typeof sb.cr === 'number' ? sb.cr : typeof sb.cr === 'string' ? (CR[sb.cr] ?? asInt(sb.cr)) : undefined;
  const languages = typeof sb.languages === 'string' && sb.languages.trim() ? sb.languages.split(/,\s*/) : undefined;
  const body: Body = {
    name: sb.name,
    role: 'monster',
    alignment: typeof sb.alignment === 'string' ? sb.alignment : undefined,
    statblock: drop({
      based_on: sb.name,
      size: oldSchool ? undefined : sb.size,
      type: oldSchool ? undefined : sb.type,
      subtype: oldSchool ? undefined : sb.subtype,
      alignment: sb.alignment,
      ac,
      ac_note: acNote,
      hp: asInt(sb.hp),
      hit_dice: sb.hit_dice === undefined ? undefined : String(sb.hit_dice),
      speed: walk !== undefined ? drop({ walk, note: speedRest ? speedRest.slice(0, 200) : undefined }) : undefined,
      abilities: scores,
      languages,
      challenge_rating: cr,
      xp: asInt(sb.xp),
      traits: entries(sb.traits),
      actions: entries(sb.actions),
      bonus_actions: entries(sb.bonus_actions),
      reactions: entries(sb.reactions),
      legendary_actions: entries(sb.legendary_actions),
      source: typeof sb.source === 'string' ? sb.source : oldSchool && typeof sb.subtype === 'string' ? sb.subtype : undefined,
    }),
    tags: [...(oldSchool && sb.layout === 'BFRPG' ? ['Basic Fantasy RPG'] : [])],
  };
  if (oldSchool) void sb.subtype; // BFRPG puts the book in "subtype"; it becomes the source
  // Everything else (THAC0, saves as "jds", morale, number appearing, treasure …) is kept as it was.
  const extra: Record<string, unknown> = {};
  for (const u of tracker.unused('')) {
    const key = u.path.split(/[.[]/)[0]!;
    const top = key.startsWith('"') ? (JSON.parse(key) as string) : key;
    if (top in extra) continue;
    extra[top] = tracker.plain((sb as Record<string, unknown>)[top]);
    report.add({ kind: 'kept-in-extra', file, entity: ctx.entity, path: top, detail: 'under extra.statblock' });
  }
  if (Object.keys(extra).length > 0) body.extra = { statblock: extra };
  const plain = tracker.plain(drop(body));
  reportUnused(ctx);
  return [{ kind: 'npc', body: plain, links: [], file }];
}
