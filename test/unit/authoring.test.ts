import * as assert from 'node:assert/strict';
import { parseDice } from '../../src/core/dice';
import type { Entity } from '../../src/core/api';
import { SearchIndex } from '../../src/core/search';
import { dicePreview, entityPreview, escapeMarkdown, formatNumber, unresolvedPreview } from '../../src/vscode/authoring/preview';
import { PageIndex } from '../../src/core/rulebooks/search';
import { quickSearchItems, searchItems } from '../../src/vscode/authoring/searchItems';

const entity = (e: Partial<Entity> & Pick<Entity, 'id' | 'kind' | 'name'>): Entity => ({ campaign_id: null, version: 1, created_at: '', updated_at: '', deleted_at: null, ...e });

describe('authoring: hover text', () => {
  it('escapes user text so it renders as text', () => {
    const nasty = '[click](command:workbench.action.terminal.sendSequence) <img src=x onerror=alert(1)> $(alert) **b** `c` https://evil.example';
    const out = escapeMarkdown(nasty);
    // Every Markdown-significant ASCII mark is preceded by a backslash.
    for (const m of out.matchAll(/[[\]()<>`*$:]/g)) assert.equal(out[m.index - 1], '\\', `unescaped ${m[0]} at ${m.index} in ${out}`);
    assert.equal(out.replace(/\\(.)/g, '$1'), nasty);
    assert.equal(escapeMarkdown('Gob\u202Elin\u0007\nline two'), 'Gob\uFFFDlin\uFFFD line two');
  });

  it('previews an entity: name, kind, campaign, key fields, first lines of its text', () => {
    const npc = entity({
      id: 'n1',
      kind: 'npc',
      name: 'Sildar *Hallwinter*',
      campaign_id: 'c1',
      role: 'ally',
      description: 'A kindly knight of the Lords’ Alliance.\nHe seeks [Iarno](command:x).\nLine 3\nLine 4\nLine 5',
    });
    const md = entityPreview(npc, 'campaign', 'Lost Mine');
    const [heading, fields, prose] = md.split('\n\n');
    assert.equal(heading, '**Sildar \\*Hallwinter\\*** — NPC · Lost Mine');
    assert.equal(fields, 'Role: ally');
    assert.equal(prose!.split('  \n').length, 5, 'four lines and an ellipsis');
    assert.match(prose!, /He seeks \\\[Iarno\\\]\\\(command\\:x\\\)/);
    assert.match(entityPreview({ ...npc, campaign_id: 'c2' }, 'elsewhere', 'Curse'), /in another campaign, Curse/);
  });

  it('explains ambiguous and unknown links', () => {
    const a = entity({ id: 'l1', kind: 'location', name: 'Phandalin', campaign_id: 'c1' });
    const b = entity({ id: 'n3', kind: 'npc', name: 'Phandalin', campaign_id: 'c1' });
    const md = unresolvedPreview('Phandalin', { status: 'ambiguous', candidates: [a, b], scope: 'campaign' }, () => 'Lost Mine');
    assert.match(md, /^2 entities are named \*\*Phandalin\*\*/);
    assert.match(md, /- Location in Lost Mine\n- NPC in Lost Mine/);
    assert.match(md, /\[\[locations\/…\]\]/);
    assert.equal(unresolvedPreview('Str[ahd', { status: 'unresolved' }, () => undefined), 'No entity is named **Str\\[ahd**.');
  });

  it('previews dice: range and average, or where it is wrong', () => {
    const p = (t: string) => dicePreview(t, parseDice(t));
    assert.equal(p('4d6kh3'), '**4d6kh3**: 3–18, average 12.24');
    assert.equal(p('2d6+3'), '**2d6\\+3**: 5–15, average 10');
    assert.equal(p('1d20'), '**1d20**: 1–20, average 10.5');
    assert.equal(p('3d6!'), '**3d6\\!**: 3 or more, average 12.6');
    assert.equal(p('200d6'), '**200d6**: At most 100 dice in one term \\(column 1\\)');
    assert.equal(formatNumber(13.825), '13.82');
  });
});

describe('authoring: Quick Search items', () => {
  it('shows the kind’s codicon, the name, kind and campaign, and a snippet', () => {
    const index = new SearchIndex();
    index.upsert(entity({ id: 'c1', kind: 'campaign', name: 'Lost Mine' }));
    index.upsert(entity({ id: 'n1', kind: 'npc', name: 'Owlbear', campaign_id: 'c1', description: 'Lairs in the Neverwinter Wood.' }));
    index.upsert(entity({ id: 's1', kind: 'spell', name: 'Fireball $(alert)', description: 'A bright streak.' }));
    assert.deepEqual(searchItems(index, 'owlbaer'), [
      { label: '$(organization) Owlbear', description: 'NPC · Lost Mine', detail: 'Lairs in the Neverwinter Wood.', alwaysShow: true, entity: index.get('npc', 'n1'), score: searchItems(index, 'owlbaer')[0]!.score },
    ]);
    assert.ok(searchItems(index, 'owlbaer')[0]!.score > 0);
    const [fireball] = searchItems(index, 'streak');
    assert.equal(fireball!.label, '$(sparkle) Fireball $\u200B(alert)');
    assert.equal(fireball!.description, 'spell · library');
    assert.deepEqual(searchItems(index, ''), []);
  });
});

describe('authoring: Quick Search ranks rulebook pages among the entries', () => {
  it('lists the page that defines a rule before the stat blocks that only mention it, and an entry named so first', () => {
    const index = new SearchIndex();
    for (let i = 0; i < 30; i++) {
      index.upsert(entity({ id: `m${i}`, kind: 'npc', name: `Kraken Spawn ${i}`, description: `Tentacle. The target is grappled (escape DC ${10 + i}) and restrained until the grapple ends.` }));
    }
    const pages = new PageIndex();
    pages.addPages({ id: 'b1', name: 'SRD 5.1', campaign_id: null }, [
      { page: 195, label: '195', text: 'Grappling\nWhen you want to grab a creature or wrestle with it, you can use the Attack action to make a special melee attack, a grapple.', headings: [{ title: 'Grappling', at: 0 }], chapter: 'Combat' },
      { page: 12, label: '12', text: 'Wizards study arcane magic.', headings: [], chapter: 'Classes' },
    ]);
    const items = quickSearchItems(index, pages.search('grappling', { limit: 20 }), 'grappling');
    assert.ok(items.length > 1);
    assert.ok('hit' in items[0]!, `the rule's page first, not after ${items.findIndex((i) => 'hit' in i)} stat blocks: ${items.map((i) => i.label).join(' | ')}`);
    assert.equal((items[0] as { hit: { page: number } }).hit.page, 195);
    const scores = items.map((i) => ('hit' in i ? i.hit.score : i.score));
    assert.deepEqual(scores, [...scores].sort((a, b) => b - a), 'best first');

    index.upsert(entity({ id: 'g1', kind: 'npc', name: 'Grappling Gus', description: 'A wrestler of the Yawning Portal.' }));
    const named = quickSearchItems(index, pages.search('grappling gus', { limit: 20 }), 'grappling gus');
    assert.equal((named[0] as { entity?: { id: string } }).entity?.id, 'g1', 'an entry named by the whole query comes first');
  });
});
