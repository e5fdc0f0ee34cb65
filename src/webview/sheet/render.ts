// Renders a derived sheet (src/core/sheet/model.ts) as DOM. Editable values are inputs whose path
// is the field in the YAML body; everything else is text.
import type { CharacterSheet, FeatureRow, Speeds, Senses, StatAction, StatBlock } from '../../core/sheet/model';
import { ABILITY_NAMES } from '../../core/sheet/rules';
import { type Child, derivedNumber, entryLink, facts, h, markInvalid, numberField, paragraphs, plain, section, setInputProblems, signed, table, textField, textOf, valueView } from './dom';

const PROFICIENCY_MARK = { none: '○', half: '◐', proficient: '●', expertise: '◉' } as const;
const PROFICIENCY_WORD = { none: 'untrained', half: 'half proficiency', proficient: 'proficient', expertise: 'expertise' } as const;

function speedLine(s: Speeds): string {
  const parts = [
    s.walk !== null ? `${s.walk} ft.` : null,
    ...(['burrow', 'climb', 'fly', 'swim'] as const).map((k) => (s[k] !== null ? `${k} ${s[k]} ft.${k === 'fly' && s.hover ? ' (hover)' : ''}` : null)),
  ].filter(Boolean);
  return [parts.join(', '), s.note].filter(Boolean).join('; ') || '—';
}

function sensesLine(s: Senses, passive: string | null): string {
  return [
    ...(['blindsight', 'darkvision', 'tremorsense', 'truesight'] as const).map((k) => (s[k] !== null ? `${k} ${s[k]} ft.` : null)),
    s.special,
    passive,
  ]
    .filter(Boolean)
    .join(', ');
}

const usesText = (u: FeatureRow['uses']) => (u ? `${u.used}/${u.max ?? '—'} used${u.recovery ? `, back on ${u.recovery}` : ''}` : null);

function stat(label: string, ...content: Child[]): HTMLElement {
  return h('div', { class: 'stat', role: 'group', label }, h('div', { class: 'stat-label', attrs: { 'aria-hidden': 'true' } }, label), h('div', { class: 'stat-value' }, ...content));
}

function abilityBoxes(rows: CharacterSheet['abilities'], base: readonly string[]): HTMLElement {
  return h(
    'div',
    { class: 'abilities', role: 'list', label: 'Ability scores' },
    ...rows.map((a) =>
      h(
        'div',
        { class: 'ability', role: 'listitem' },
        h('div', { class: 'ability-name', title: a.name }, a.ability.toUpperCase()),
        markInvalid(h('div', { class: 'ability-mod', label: `${a.name} modifier ${signed(a.modifier)}` }, signed(a.modifier)), a.problem),
        numberField([...base, a.ability], a.score, `${a.name} score`, { min: 1, max: 30 }),
      ),
    ),
  );
}

// ── Character ────────────────────────────────────────────────────────────────────────────────────

export function renderCharacter(s: CharacterSheet): HTMLElement {
  setInputProblems(s.inputProblems);
  const classLine = s.classes.map((c) => `${c.name}${c.subclass ? ` (${c.subclass})` : ''} ${c.level}`).join(' / ');
  const subtitle = [s.race, classLine || null, s.background, s.alignment].filter(Boolean).join(' · ');

  const header = h(
    'header',
    { class: 'sheet-header' },
    h('h1', {}, s.name),
    subtitle ? h('p', { class: 'subtitle' }, subtitle) : null,
    facts([
      ['Player', s.player],
      ['System', s.system],
      ['XP', s.xp === null ? null : s.xp.toLocaleString('en')],
      ['Inspiration', s.inspiration ? 'yes' : null],
      ['Tags', s.tags.join(', ')],
    ]),
  );

  const core = h(
    'div',
    { class: 'core-stats' },
    stat('Level', markInvalid(numberField(['level'], s.level.value, 'Total level', { min: 1, max: 30 }), s.level.stored === null ? s.level.problem : undefined), s.level.mismatch ? markInvalid(h('span', { class: 'derived', title: `The class levels add up to ${s.level.derived}` }, `≠ ${s.level.derived}`), s.level.problem) : null),
    stat('Proficiency', valueView(s.proficiencyBonus, signed, 'Proficiency bonus')),
    stat('Armor Class', numberField(['ac'], s.ac.stored, 'Armor Class', { min: 0, max: 100 }), s.ac.stored === null ? valueView(s.ac, plain, 'Armor Class') : null),
    stat('Initiative', valueView(s.initiative, signed, 'Initiative')),
    stat(
      'Speed',
      s.speed.single || s.speed.walk !== null || (s.speed.burrow ?? s.speed.climb ?? s.speed.fly ?? s.speed.swim) === null
        ? numberField(s.speed.single ? ['speed'] : ['speed', 'walk'], s.speed.walk, 'Walking speed in feet', { min: 0, max: 10000, step: 5 })
        : null,
      h('span', { class: 'unit' }, s.speed.walk !== null ? speedLine({ ...s.speed, walk: null }).replace(/^—$/, 'ft.') : speedLine(s.speed)),
    ),
    stat(
      'Hit Points',
      numberField(['hp', 'current'], s.hp.current, 'Current hit points', { min: -100000, max: 100000 }),
      h('span', { class: 'sep', attrs: { 'aria-hidden': 'true' } }, '/'),
      numberField(['hp', 'max'], s.hp.max, 'Maximum hit points', { min: 0, max: 100000 }),
    ),
    stat('Temp HP', numberField(['hp', 'temp'], s.hp.temp, 'Temporary hit points', { min: 0, max: 100000 })),
    stat('Passive Perception', valueView(s.passive.perception, plain, 'Passive Perception')),
  );

  const status = facts([
    ['Hit dice', s.hitDice.map((d) => `${(d.max ?? 0) - d.used}/${d.max ?? '—'} ${d.die}`).join(', ')],
    ['Death saves', s.deathSaves.successes || s.deathSaves.failures ? `${s.deathSaves.successes} successes, ${s.deathSaves.failures} failures` : null],
    ['Exhaustion', s.exhaustion ? String(s.exhaustion) : null],
    ['Conditions', s.conditions.join(', ')],
    ['Passive Investigation', valueView(s.passive.investigation, plain, 'Passive Investigation')],
    ['Passive Insight', valueView(s.passive.insight, plain, 'Passive Insight')],
    ['Senses', sensesLine(s.senses, null)],
  ]);

  const saves = h(
    'ul',
    { class: 'checks', label: 'Saving throws' },
    ...s.saves.map((x) =>
      h('li', { label: `${ABILITY_NAMES[x.ability]} saving throw ${signed(x.bonus)}${x.proficient ? ', proficient' : ''}` }, h('span', { class: 'mark', attrs: { 'aria-hidden': 'true' } }, x.proficient ? '●' : '○'), h('span', { class: 'check-name' }, ABILITY_NAMES[x.ability]), derivedNumber(signed(x.bonus), x.problem, 'bonus')),
    ),
  );
  const skills = h(
    'ul',
    { class: 'checks', label: 'Skills' },
    ...s.skills.map((x) =>
      h(
        'li',
        { label: `${x.name} ${signed(x.bonus)}, ${PROFICIENCY_WORD[x.proficiency]}`, title: `${x.name} (${x.ability.toUpperCase()}): ${PROFICIENCY_WORD[x.proficiency]}${x.other ? `, other bonus ${signed(x.other)}` : ''}` },
        h('span', { class: `mark p-${x.proficiency}`, attrs: { 'aria-hidden': 'true' } }, PROFICIENCY_MARK[x.proficiency]),
        h('span', { class: 'check-name' }, x.name, h('span', { class: 'ability-tag' }, ` ${x.ability.toUpperCase()}`)),
        derivedNumber(signed(x.bonus), x.problem, 'bonus'),
      ),
    ),
  );

  const sc = s.spellcasting;
  const spellSection = sc
    ? section(
        'spells',
        'Spellcasting',
        h(
          'div',
          { class: 'core-stats' },
          stat('Ability', sc.ability ? ABILITY_NAMES[sc.ability] : '—'),
          stat('Spell save DC', valueView(sc.saveDc, plain, 'Spell save DC')),
          stat('Spell attack', valueView(sc.attackBonus, signed, 'Spell attack bonus')),
          sc.casterLevel ? stat('Caster level', String(sc.casterLevel)) : null,
        ),
        s.classes.filter((c) => c.spellAbility).length > 1
          ? facts(s.classes.filter((c) => c.spellAbility).map((c) => [c.name, derivedNumber(`${ABILITY_NAMES[c.spellAbility!]}, DC ${c.saveDc}, ${signed(c.attackBonus)} to hit`, c.problem)] as const))
          : null,
        sc.slots.length || sc.pact
          ? table(
              'Spell slots',
              ['Slot level', 'Slots', 'Used'],
              [
                ...sc.slots.map((r) => [`Level ${r.level}`, valueView(r.max, plain, `Level ${r.level} slots`), numberField(['spells', 'slots', String(r.level), 'used'], r.used, `Level ${r.level} slots used`, { min: 0, max: 99 })]),
                ...(sc.pact ? [[`Pact (level ${plain(sc.pact.level.value)})`, valueView(sc.pact.max, plain, 'Pact slots'), numberField(['spells', 'pact_slots', 'used'], sc.pact.used, 'Pact slots used', { min: 0, max: 99 })]] : []),
              ],
            )
          : null,
        ...sc.spells.map((g) =>
          h(
            'div',
            { class: 'spell-level' },
            h('h3', {}, g.level === 0 ? 'Cantrips' : `Level ${g.level}`),
            h('ul', { class: 'inline-list' }, ...g.spells.map((sp) => h('li', { class: sp.prepared || sp.alwaysPrepared || g.level === 0 ? 'prepared' : 'unprepared', title: [sp.alwaysPrepared ? 'always prepared' : sp.prepared ? 'prepared' : g.level ? 'not prepared' : '', sp.source, sp.notes].filter(Boolean).join(' · ') }, entryLink(sp.name, sp.spellId, 'spell')))),
          ),
        ),
      )
    : null;

  const inv = s.inventory;
  const inventory = section(
    'inventory',
    'Inventory',
    inv.items.length
      ? table(
          'Inventory',
          ['Item', 'Qty', 'Weight (lb)', 'Total (lb)', 'Notes'],
          inv.items.map((i) => [
            entryLink(i.name, i.itemId, 'item'),
            numberField(['inventory', i.index, 'quantity'], i.quantity, `Quantity of ${i.name}`, { min: 0, max: 1000000 }),
            plain(i.weight),
            String(i.totalWeight),
            [i.equipped ? 'equipped' : null, i.attuned ? 'attuned' : null, i.container ? `in ${i.container}` : null, i.notes].filter(Boolean).join(', '),
          ]),
          ['Carried', '', '', String(inv.carried), inv.capacity === null ? '' : derivedNumber(`capacity ${inv.capacity} lb${inv.encumbered ? ' — over capacity' : ''}`, inv.capacityProblem)],
        )
      : h('p', { class: 'empty' }, 'Nothing carried.'),
    h(
      'div',
      { class: 'currency', role: 'group', label: 'Coins' },
      ...(['pp', 'gp', 'ep', 'sp', 'cp'] as const).map((c) => h('label', {}, h('span', {}, c.toUpperCase()), numberField(['currency', c], s.currency[c], `${c.toUpperCase()} coins`, { min: 0, wide: true }))),
    ),
  );

  const attacks = s.attacks.length
    ? section(
        'attacks',
        'Attacks',
        table(
          'Attacks',
          ['Attack', 'To hit', 'Damage', 'Range', 'Notes'],
          s.attacks.map((a) => [a.name, valueView(a.toHit, signed, `${a.name} to hit`), derivedNumber([a.damage, a.damageType].filter(Boolean).join(' '), a.damageProblem, 'damage'), a.range ?? '', a.notes ?? '']),
        ),
      )
    : null;

  const features = s.features.length
    ? section(
        'features',
        'Features & traits',
        ...s.features.map((f) =>
          h('details', { class: 'feature' }, h('summary', {}, h('span', { class: 'feature-name' }, f.name), f.source ? h('span', { class: 'muted' }, ` — ${f.source}`) : null, f.uses ? h('span', { class: 'badge' }, usesText(f.uses)) : null), paragraphs(f.description)),
        ),
      )
    : null;

  const proficiencies = section(
    'proficiencies',
    'Proficiencies & languages',
    facts([
      ['Proficiencies', s.asText.proficiencies],
      ['Armor', s.proficiencies.armor.join(', ')],
      ['Weapons', s.proficiencies.weapons.join(', ')],
      ['Tools', s.proficiencies.tools.join(', ')],
      ['Languages', s.languages.join(', ')],
      ['Resistances', s.defenses.resistances.join(', ')],
      ['Immunities', s.defenses.immunities.join(', ')],
      ['Vulnerabilities', s.defenses.vulnerabilities.join(', ')],
      ['Condition immunities', s.defenses.condition_immunities.join(', ')],
      ['Defenses', s.asText.defenses],
    ]) ?? h('p', { class: 'empty' }, 'None listed.'),
  );

  const story = section(
    'story',
    'Personality & biography',
    facts(s.personality.map((p) => [p.label, p.text.join('\n')] as const)),
    facts(s.appearance.map((a) => [a.label, a.text] as const)),
    s.biography ? h('h3', {}, 'Biography') : null,
    paragraphs(s.biography),
  );

  return h(
    'article',
    { class: 'character' },
    header,
    core,
    status,
    section('abilities', 'Abilities, saves & skills', abilityBoxes(s.abilities, ['abilities']), h('div', { class: 'two-col' }, h('div', {}, h('h3', {}, 'Saving throws'), saves), h('div', {}, h('h3', {}, 'Skills', s.halfProficiency ? h('span', { class: 'muted' }, ` (◐ ${s.halfProficiency})`) : null), skills))),
    attacks,
    spellSection,
    inventory,
    features,
    proficiencies,
    story,
    section('notes', 'Notes', textField(['notes'], s.notes, 'Game master notes')),
  );
}

// ── NPC stat block ───────────────────────────────────────────────────────────────────────────────

function actionList(id: string, title: string, actions: readonly StatAction[], intro?: string | null): HTMLElement | null {
  if (actions.length === 0) return null;
  return section(
    id,
    title,
    intro ? h('p', { class: 'muted' }, intro) : null,
    ...actions.map((a) => {
      const tags = [
        a.attackBonus !== null ? `${signed(a.attackBonus)} to hit` : null,
        a.damage.length ? a.damage.map((d) => [d.dice, d.type].filter(Boolean).join(' ')).join(' plus ') : null,
        a.save ? `DC ${a.save.dc} ${ABILITY_NAMES[a.save.ability]} save` : null,
        a.recharge ? `Recharge ${a.recharge}` : null,
        a.uses ? usesText(a.uses) : null,
        a.cost && a.cost > 1 ? `costs ${a.cost} actions` : null,
      ].filter(Boolean);
      return h('div', { class: 'action' }, h('p', {}, h('strong', {}, `${a.name}.`), tags.length ? h('span', { class: 'muted' }, ` ${tags.join(' · ')}`) : null), paragraphs(a.description));
    }),
  );
}

export function renderStatBlock(s: StatBlock): HTMLElement {
  setInputProblems(s.inputProblems);
  const header = h(
    'header',
    { class: 'sheet-header' },
    h('h1', {}, s.name),
    h('p', { class: 'subtitle' }, [s.typeLine, s.role, s.faction, s.basedOn && s.basedOn !== s.name ? `based on ${s.basedOn}` : null].filter(Boolean).join(' · ') || 'NPC'),
  );
  if (!s.hasStats) {
    return h('article', { class: 'npc' }, header, facts([['Race', s.race]]), paragraphs(s.description), story(s), section('notes', 'Notes', textField(['notes'], s.notes, 'Game master notes')), h('p', { class: 'empty' }, 'No stat block: add a "statblock" in the text editor to show one.'));
  }
  const block = h(
    'div',
    { class: 'core-stats' },
    stat('Armor Class', numberField(['statblock', 'ac'], s.ac, 'Armor Class', { min: 0, max: 100 }), s.acNote ? h('span', { class: 'unit' }, s.acNote) : null),
    stat('Hit Points', numberField(['statblock', 'hp'], s.hp, 'Hit points', { min: 0, max: 100000 }), s.hitDice ? h('span', { class: 'unit' }, `(${s.hitDice})`) : null),
    stat('Speed', h('span', { class: 'unit' }, speedLine(s.speed))),
    stat('Challenge', s.challenge ? derivedNumber(`${s.challenge.label} (${plain(s.xp.value)} XP)`, s.challenge.problem ?? s.xp.problem) : '—', s.xp.mismatch ? valueView(s.xp, plain, 'XP') : null),
    stat('Proficiency', valueView(s.proficiencyBonus, signed, 'Proficiency bonus')),
    stat('Passive Perception', valueView(s.passivePerception, plain, 'Passive Perception')),
  );
  const details = facts([
    ['Saving throws', s.saves.length ? h('span', {}, ...s.saves.flatMap((x, i) => [i ? ', ' : '', `${x.ability.toUpperCase()} `, valueView(x.bonus, signed, `${ABILITY_NAMES[x.ability]} save`)])) : null],
    ['Skills', s.skills.map((x) => `${x.name} ${signed(x.bonus)}`).join(', ')],
    ...s.defenses.map((d) => [d.label, d.values.join(', ')] as const),
    ['Senses', sensesLine(s.senses, `passive Perception ${plain(s.passivePerception.value)}`)],
    ['Languages', s.languages.join(', ') || '—'],
  ]);
  const sc = s.spellcasting;
  const spells = sc
    ? section(
        'spells',
        'Spellcasting',
        facts([
          ['Ability', sc.ability ? ABILITY_NAMES[sc.ability] : null],
          ['Spell save DC', valueView(sc.saveDc, plain, 'Spell save DC')],
          ['Spell attack', valueView(sc.attackBonus, signed, 'Spell attack bonus')],
          ['Caster level', sc.casterLevel === null ? null : String(sc.casterLevel)],
          ['Slots', sc.slots.map((x) => `${x.level}: ${x.max}`).join(', ')],
        ]),
        paragraphs(sc.description),
        sc.spells.length
          ? h(
              'ul',
              { class: 'inline-list', label: 'Spells' },
              ...sc.spells.map((x) => {
                const note = x.uses ?? (x.level === null ? null : x.level === 0 ? 'cantrip' : `level ${x.level}`);
                return h('li', {}, entryLink(x.name, x.spellId, 'spell'), note ? ` — ${note}` : null);
              }),
            )
          : null,
      )
    : null;
  return h(
    'article',
    { class: 'npc statblock' },
    header,
    block,
    abilityBoxes(s.abilities, ['statblock', 'abilities']),
    details,
    actionList('traits', 'Traits', s.traits),
    actionList('actions', 'Actions', s.actions),
    actionList('bonus', 'Bonus actions', s.bonusActions),
    actionList('reactions', 'Reactions', s.reactions),
    actionList('legendary', 'Legendary actions', s.legendaryActions, s.legendaryPerRound ? `${s.legendaryPerRound} legendary actions per round.` : null),
    actionList('lair', 'Lair actions', s.lairActions),
    spells,
    section('about', 'About', facts([['Race', s.race], ['Source', s.source], ['Tags', s.tags.join(', ')]]), paragraphs(s.description), story(s)),
    section('notes', 'Notes', textField(['notes'], s.notes, 'Game master notes')),
  );
}

function story(s: StatBlock): HTMLElement | null {
  return facts(s.personality.map((p) => [p.label, textOf(p.text.join('\n'))] as const));
}

