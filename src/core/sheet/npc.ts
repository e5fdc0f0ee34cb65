// Derives an NPC's stat block: challenge rating → proficiency bonus and XP, ability modifiers,
// saves and skills as written, passive Perception, actions, spellcasting. Stored values win.
import { abilityProblems, abilityRows, personality, senses, speeds, uses } from './character';
import { because, numberProblems, problemKey } from './limits';
import { type StatAction, type StatBlock, value } from './model';
import { arr, int, num, obj, str, strings } from './read';
import { ABILITIES, SKILLS, formatChallenge, isAbility, proficiencyForChallenge, xpForChallenge, type Ability } from './rules';

function actions(x: unknown): StatAction[] {
  return arr(x)
    .map(obj)
    .filter((a) => str(a.name) !== null)
    .map((a) => {
      const save = obj(a.save);
      return {
        name: str(a.name)!,
        description: str(a.description),
        attackBonus: int(a.attack_bonus),
        damage: arr(a.damage)
          .map(obj)
          .filter((d) => str(d.dice) !== null)
          .map((d) => ({ dice: str(d.dice)!, type: str(d.type) })),
        save: isAbility(save.ability) && int(save.dc) !== null ? { ability: save.ability, dc: int(save.dc)! } : null,
        recharge: str(a.recharge),
        uses: uses(a.uses),
        cost: int(a.cost),
      };
    });
}

const DEFENSES = [
  ['damage_vulnerabilities', 'Damage vulnerabilities'],
  ['damage_resistances', 'Damage resistances'],
  ['damage_immunities', 'Damage immunities'],
  ['condition_immunities', 'Condition immunities'],
] as const;

/** The stat block of an NPC body (any JSON value: what cannot be read is left out). */
export function deriveStatBlock(input: unknown): StatBlock {
  const body = obj(input);
  const problems = numberProblems('npc', body);
  const p = (...path: (string | number)[]): string | undefined => problems[problemKey(['statblock', ...path])];
  const hasStats = typeof body.statblock === 'object' && body.statblock !== null && !Array.isArray(body.statblock);
  const sb = obj(body.statblock);
  const cr = num(sb.challenge_rating);
  const crProblem = cr === null ? undefined : p('challenge_rating');
  const proficiencyBonus = value(int(sb.proficiency_bonus), cr === null ? null : proficiencyForChallenge(cr), { stored: p('proficiency_bonus'), derived: crProblem });
  const pb = proficiencyBonus.value ?? 2;
  const pbProblem = proficiencyBonus.stored !== null ? p('proficiency_bonus') : crProblem;
  const abilities = abilityRows(sb.abilities, problems, ['statblock', 'abilities']);
  const mods = Object.fromEntries(abilities.map((a) => [a.ability, a.modifier])) as Record<Ability, number>;
  const abilityProblem = abilityProblems(abilities);

  const savesIn = obj(sb.saves);
  const saves = ABILITIES.filter((a) => int(savesIn[a]) !== null).map((ability) => ({
    ability,
    bonus: value(int(savesIn[ability]), mods[ability] + pb, { stored: p('saves', ability), derived: because(abilityProblem[ability], pbProblem) }),
  }));
  const skillsIn = obj(sb.skills);
  const skills = SKILLS.filter(([key]) => int(skillsIn[key]) !== null).map(([key, name]) => ({ key, name, bonus: int(skillsIn[key])! }));
  const perception = int(skillsIn.perception) ?? mods.wis;
  const perceptionProblem = int(skillsIn.perception) !== null ? p('skills', 'perception') : abilityProblem.wis;

  const size = str(sb.size);
  const type = str(sb.type);
  const subtype = str(sb.subtype);
  const alignment = str(sb.alignment) ?? str(body.alignment);
  const what = [size, type ? `${type}${subtype ? ` (${subtype})` : ''}` : null].filter(Boolean).join(' ');
  const typeLine = [what || null, alignment ? alignment.toLowerCase() : null].filter(Boolean).join(', ') || null;

  const spell = typeof sb.spellcasting === 'object' && sb.spellcasting !== null ? obj(sb.spellcasting) : null;
  const spellAbility = spell && isAbility(spell.ability) ? spell.ability : null;
  const spellMod = spellAbility ? mods[spellAbility] : null;
  const spellProblem = because(spellAbility ? abilityProblem[spellAbility] : undefined, pbProblem);
  const slotsIn = obj(spell?.slots);

  return {
    kind: 'npc',
    name: str(body.name) ?? '(unnamed NPC)',
    role: str(body.role),
    race: str(body.race),
    faction: str(body.faction),
    description: str(body.description),
    hasStats,
    basedOn: str(sb.based_on),
    typeLine,
    ac: int(sb.ac),
    acNote: str(sb.ac_note),
    hp: int(sb.hp),
    hitDice: str(sb.hit_dice),
    speed: speeds(sb.speed),
    abilities,
    challenge: cr === null ? null : { rating: cr, label: formatChallenge(cr), ...(crProblem !== undefined ? { problem: crProblem } : {}) },
    proficiencyBonus,
    xp: value(int(sb.xp), cr === null ? null : (xpForChallenge(cr) ?? null), { stored: p('xp'), derived: crProblem }),
    saves,
    skills,
    senses: senses(sb.senses),
    passivePerception: value(int(obj(sb.senses).passive_perception), hasStats ? 10 + perception : null, { stored: p('senses', 'passive_perception'), derived: perceptionProblem }),
    languages: strings(sb.languages),
    defenses: DEFENSES.map(([key, label]) => ({ label, values: strings(sb[key]) })).filter((d) => d.values.length > 0),
    traits: actions(sb.traits),
    actions: actions(sb.actions),
    bonusActions: actions(sb.bonus_actions),
    reactions: actions(sb.reactions),
    legendaryActions: actions(sb.legendary_actions),
    legendaryPerRound: int(sb.legendary_actions_per_round),
    lairActions: actions(sb.lair_actions),
    spellcasting: spell
      ? {
          ability: spellAbility,
          saveDc: value(int(spell.save_dc), spellMod === null ? null : 8 + pb + spellMod, { stored: p('spellcasting', 'save_dc'), derived: spellProblem }),
          attackBonus: value(int(spell.attack_bonus), spellMod === null ? null : pb + spellMod, { stored: p('spellcasting', 'attack_bonus'), derived: spellProblem }),
          casterLevel: int(spell.caster_level),
          slots: Array.from({ length: 9 }, (_, i) => ({ level: i + 1, max: int(slotsIn[String(i + 1)]) ?? 0 })).filter((s) => s.max > 0),
          spells: arr(spell.spells)
            .map(obj)
            .filter((s) => str(s.name) !== null)
            .map((s) => ({ name: str(s.name)!, level: int(s.level), uses: str(s.uses), spellId: str(s.spell_id) })),
          description: str(spell.description),
        }
      : null,
    source: str(sb.source),
    personality: personality(body.personality),
    notes: typeof body.notes === 'string' ? body.notes : null,
    tags: strings(body.tags),
    inputProblems: problems,
  };
}

