import * as assert from 'node:assert/strict';
import { LinkResolver, nameKey, scanLinks, type EntitySummary, type LinkSyntax } from '../../src/core/links';

/** The links' source text, the way a reader sees what was found. */
const found = (text: string, syntax: LinkSyntax = 'markdown') => scanLinks(text, syntax).map((l) => text.slice(l.offset, l.offset + l.length));

describe('links: scanning', () => {
  it('finds the three forms, with their ranges', () => {
    const text = 'Met [[Sildar Hallwinter]] and [[npc/Gundren Rockseeker|Gundren]] near [[ locations/Phandalin ]].';
    const links = scanLinks(text, 'markdown');
    assert.deepEqual(
      links.map((l) => ({ offset: l.offset, length: l.length, target: l.target, kind: l.kind, name: l.name, alias: l.alias })),
      [
        { offset: 4, length: 21, target: 'Sildar Hallwinter', kind: undefined, name: 'Sildar Hallwinter', alias: undefined },
        { offset: 30, length: 34, target: 'npc/Gundren Rockseeker', kind: 'npc', name: 'Gundren Rockseeker', alias: 'Gundren' },
        { offset: 70, length: 25, target: 'locations/Phandalin', kind: 'location', name: 'Phandalin', alias: undefined },
      ],
    );
    assert.equal(text.slice(links[2]!.targetOffset, links[2]!.targetOffset + links[2]!.target.length), 'locations/Phandalin');
  });

  it('keeps a slash that does not name a kind as part of the name', () => {
    const [l] = scanLinks('[[Either/Or]] and [[NPCs/Sildar]]');
    assert.equal(l!.name, 'Either/Or');
    assert.equal(l!.kind, undefined);
    assert.equal(scanLinks('[[NPCs/Sildar]]')[0]!.kind, 'npc');
  });

  it('accepts Obsidian’s \\| inside tables', () => {
    const [l] = scanLinks('| who | [[Sildar\\|the knight]] |', 'markdown');
    assert.equal(l!.name, 'Sildar');
    assert.equal(l!.alias, 'the knight');
  });

  it('handles nested and unbalanced brackets', () => {
    assert.deepEqual(found('[[outer [[Inner]] rest]]'), ['[[Inner]]']);
    assert.deepEqual(found('[[[Goblin]]]'), ['[[Goblin]]']);
    assert.deepEqual(found('[[Goblin] and [x]]'), []);
    assert.deepEqual(found('[[Goblin'), []);
    assert.deepEqual(found('[[]] [[ ]] [[|shown]] [[npc/]]'), []);
    assert.deepEqual(found('[[Two\nLines]]'), []);
  });

  it('skips escaped links', () => {
    assert.deepEqual(found('\\[[Goblin]] but \\\\[[Wolf]]'), ['[[Wolf]]']);
  });

  it('skips Markdown code spans, fenced blocks and HTML comments', () => {
    const md = [
      'See `[[Goblin]]` and ``a ` [[Wolf]]`` but [[Owlbear]].',
      '```yaml',
      'ally: "[[Lich]]"',
      '```',
      '~~~~',
      '[[Fireball]]',
      '~~~',
      'still code [[Wish]]',
      '~~~~',
      '<!-- [[Club]] --> [[Shield]]',
      'Unclosed ` tick [[Longsword]]',
      '',
      'span `ends at the blank line',
      '',
      'so [[Backpack]] is a link`',
    ].join('\n');
    assert.deepEqual(found(md), ['[[Owlbear]]', '[[Shield]]', '[[Longsword]]', '[[Backpack]]']);
    // The same text as plain text has every link.
    assert.equal(found(md, 'plain').length, 10);
    // A link whose end is inside a code span is not a link.
    assert.deepEqual(found('[[a `b]]`'), []);
    // Backticks pair across lines of one paragraph, as in CommonMark.
    assert.deepEqual(found('a ` [[Goblin]]\nb ` [[Wolf]]'), ['[[Wolf]]']);
  });

  it('an unclosed fence runs to the end', () => {
    assert.deepEqual(found('[[A]]\n```\n[[B]]\n'), ['[[A]]']);
  });

  it('skips YAML comments but not # inside values or block scalars', () => {
    const yaml = [
      'name: "Sildar #1 [[Phandalin]]" # [[Goblin]]',
      "motto: 'it''s # [[Wolf]]'",
      '# [[Lich]]',
      'description: |',
      '  The #1 tavern, run by [[Toblen]]',
      '',
      '  # still text [[Stonehill Inn]]',
      'notes: "[[Owlbear]]" #[[Shield]]',
      'list: [a#[[Club]]]',
    ].join('\n');
    assert.deepEqual(found(yaml, 'yaml'), ['[[Phandalin]]', '[[Wolf]]', '[[Toblen]]', '[[Stonehill Inn]]', '[[Owlbear]]', '[[Club]]']);
  });

  it('refuses names with control or bidirectional-override characters, keeps joiners', () => {
    assert.deepEqual(found('[[Gob\u202Elin]] [[Gob\u0007lin]] [[Wolf|evil\u2066]] [[x\u200Fy]]'), []);
    assert.deepEqual(found('[[می\u200Cخانه]]'), ['[[می\u200Cخانه]]']);
  });

  it('caps the length of a link', () => {
    assert.deepEqual(found(`[[${'a'.repeat(200)}]]`).length, 1);
    assert.deepEqual(found(`[[${'a'.repeat(201)}]]`), []);
    // A long run of brackets stays linear (a quadratic scan of these would run for minutes, far
    // past the test's timeout; no clock is read here, the machines are noisy).
    scanLinks('[['.repeat(100_000) + ']]'.repeat(100_000), 'markdown');
    // Backtick runs of many different lengths, none closed, in one long paragraph.
    scanLinks(Array.from({ length: 1500 }, (_, i) => '`'.repeat(i + 1)).join(' x '), 'markdown');
  });
});

describe('links: resolving', () => {
  const e = (id: string, kind: EntitySummary['kind'], name: string, campaign_id: string | null = null): EntitySummary => ({ id, kind, name, campaign_id });
  const entities: EntitySummary[] = [
    e('c1', 'campaign', 'Lost Mine'),
    e('c2', 'campaign', 'Curse'),
    e('n1', 'npc', 'Sildar Hallwinter', 'c1'),
    e('n2', 'npc', 'Sildar Hallwinter', 'c2'),
    e('l1', 'location', 'Phandalin', 'c1'),
    e('n3', 'npc', 'Phandalin', 'c1'),
    e('s1', 'spell', 'Fireball'),
    e('s2', 'spell', 'Fireball', 'c2'),
    e('i1', 'item', 'Æther Crown'),
    e('n4', 'npc', 'Éowyn', 'c1'),
    e('n5', 'npc', 'Strauß', 'c1'),
    e('n6', 'npc', 'Twin', 'c2'),
    e('n7', 'npc', 'Twin', 'c2'),
  ];
  const r = new LinkResolver(entities);
  const id = (res: ReturnType<typeof r.resolve>) => (res.status === 'resolved' ? `${res.entity.id}@${res.scope}` : res.status === 'ambiguous' ? `?${res.candidates.map((c) => c.id).join(',')}` : '-');

  it('prefers the linking document’s campaign', () => {
    assert.equal(id(r.resolve({ name: 'Sildar Hallwinter' }, { campaign_id: 'c1' })), 'n1@campaign');
    assert.equal(id(r.resolve({ name: 'Sildar Hallwinter' }, { campaign_id: 'c2' })), 'n2@campaign');
    assert.equal(id(r.resolve({ name: 'Fireball' }, { campaign_id: 'c2' })), 's2@campaign');
    assert.equal(id(r.resolve({ name: 'Fireball' }, { campaign_id: 'c1' })), 's1@library');
  });

  it('without a campaign, or when the campaign has none, looks further and says where', () => {
    assert.equal(id(r.resolve({ name: 'Sildar Hallwinter' })), '?n1,n2');
    assert.equal(id(r.resolve({ name: 'Twin' }, { campaign_id: 'c1' })), '?n6,n7');
    assert.equal(id(r.resolve({ name: 'Phandalin' }, { campaign_id: 'c2' })), '?l1,n3');
    assert.equal(id(r.resolve({ name: 'Curse' }, { campaign_id: 'c1' })), 'c2@library');
    assert.equal(id(r.resolve({ name: 'Lost Mine' }, { campaign_id: 'c1' })), 'c1@campaign');
  });

  it('narrows by kind', () => {
    assert.equal(id(r.resolve({ name: 'Phandalin' }, { campaign_id: 'c1' })), '?l1,n3');
    assert.equal(id(r.resolve({ name: 'Phandalin', kind: 'location' }, { campaign_id: 'c1' })), 'l1@campaign');
    assert.equal(id(r.resolve({ name: 'Phandalin', kind: 'spell' }, { campaign_id: 'c1' })), '-');
  });

  it('ignores case, Unicode normalisation and spacing', () => {
    assert.equal(id(r.resolve({ name: 'sildar   HALLWINTER' }, { campaign_id: 'c1' })), 'n1@campaign');
    assert.equal(id(r.resolve({ name: 'E\u0301owyn' }, { campaign_id: 'c1' })), 'n4@campaign'); // decomposed É
    assert.equal(id(r.resolve({ name: 'æther crown' })), 'i1@library');
    assert.equal(id(r.resolve({ name: 'STRAUSS' }, { campaign_id: 'c1' })), 'n5@campaign');
    assert.equal(nameKey(' Owl\tBear '), 'owl bear');
  });

  it('reports an unknown name as unresolved', () => {
    assert.equal(id(r.resolve({ name: 'Strahd' }, { campaign_id: 'c2' })), '-');
  });

  it('scans then resolves a session note end to end', () => {
    const note = 'The party met [[Sildar Hallwinter]] in [[location/Phandalin|town]]; `[[Fireball]]` is code.';
    const results = scanLinks(note, 'markdown').map((l) => id(r.resolve(l, { campaign_id: 'c1' })));
    assert.deepEqual(results, ['n1@campaign', 'l1@campaign']);
  });
});
