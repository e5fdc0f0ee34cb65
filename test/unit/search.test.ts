import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataManager, Entity, EntityKind } from '../../src/core/api';
import { SearchIndex, VaultCatalog, entityText, snippet } from '../../src/core/search';
import { tempVault, type TestVault } from '../support/vaults';
import { itemFromBits, npcFromBitsMonster, spellFromBits, type BitsItem, type BitsMonster, type BitsSpell } from './schemaFixtures';

const root = join(__dirname, '../../..');
const bits = <T>(file: string): T[] => JSON.parse(readFileSync(join(root, 'test/fixtures/srd-5e-bits', file), 'utf8')) as T[];
const monsters = bits<BitsMonster>('5e-SRD-Monsters.json');
const spells = bits<BitsSpell>('5e-SRD-Spells.json');
const items = [...bits<BitsItem>('5e-SRD-Equipment.json'), ...bits<BitsItem>('5e-SRD-Magic-Items.json')];

let seq = 0;
function entity(kind: EntityKind, body: Record<string, unknown>, campaign_id: string | null = null, id = `${kind}-${++seq}`): Entity {
  return { ...body, id, kind, campaign_id, name: String(body.name), version: 1, created_at: '2025-01-01T00:00:00Z', updated_at: '2025-01-01T00:00:00Z', deleted_at: null };
}

function srdIndex(): SearchIndex {
  const index = new SearchIndex();
  index.upsert(entity('campaign', { name: 'Lost Mine of Phandelver', description: 'Gundren Rockseeker hires the party.' }, null, 'c1'));
  for (const m of monsters) index.upsert(entity('npc', npcFromBitsMonster(m), 'c1'));
  for (const s of spells) index.upsert(entity('spell', spellFromBits(s)));
  for (const i of items) index.upsert(entity('item', itemFromBits(i)));
  return index;
}
const names = (hits: { entity: { name: string } }[]) => hits.map((h) => h.entity.name);

describe('search: the index, on SRD monsters, spells and items', () => {
  const index = srdIndex();

  it('holds every record', () => {
    assert.equal(index.size, 1 + monsters.length + spells.length + items.length);
  });

  it('fuzzy: "owlbaer" finds the Owlbear', () => {
    assert.equal(names(index.search('owlbaer'))[0], 'Owlbear');
  });

  it('prefix: "gob" finds the Goblin, "bag of" the Bag of Holding', () => {
    assert.equal(names(index.search('gob'))[0], 'Goblin');
    assert.equal(names(index.search('bag of'))[0], 'Bag of Holding');
  });

  it('content: words from stat blocks and descriptions, with a snippet around them', () => {
    const smell = index.search('smell');
    assert.deepEqual(names(smell).sort(), ['Owlbear', 'Wolf']);
    const owlbear = smell.find((h) => h.entity.name === 'Owlbear')!;
    assert.match(owlbear.snippet, /Keen Sight and Smell/);
    assert.equal(owlbear.entity.kind, 'npc');
    assert.equal(owlbear.entity.campaign_id, 'c1');
    assert.equal(index.campaignName(owlbear.entity.campaign_id), 'Lost Mine of Phandelver');
    assert.deepEqual(names(index.search('bright streak')), ['Fireball']);
  });

  it('boosts names: the Fireball spell comes before the Lich who casts it', () => {
    const hits = names(index.search('fireball'));
    assert.equal(hits[0], 'Fireball');
    assert.ok(hits.includes('Lich'), hits.join(', '));
  });

  it('filters by kind and campaign, and finds nothing for nonsense', () => {
    assert.deepEqual(names(index.search('fireball', { kinds: ['npc'] })), ['Lich']);
    assert.ok(index.search('fireball', { campaign_id: null }).every((h) => h.entity.campaign_id === null));
    assert.deepEqual(index.search('zzzqqxx'), []);
    assert.deepEqual(index.search('   '), []);
  });

  it('ignores accents and case', () => {
    const i = new SearchIndex();
    i.upsert(entity('npc', { name: 'Éowyn', description: 'Shieldmaiden of Rohan' }, 'c1'));
    assert.equal(names(i.search('eowyn'))[0], 'Éowyn');
    assert.equal(names(i.search('SHIELDMAIDEN'))[0], 'Éowyn');
  });

  it('replaces and removes one entity without a rebuild', () => {
    const i = srdIndex();
    const goblin = i.search('goblin')[0]!.entity;
    i.upsert(entity('npc', { name: 'Goblin Boss', description: 'Leads the Cragmaw raiders.' }, 'c1', goblin.id));
    assert.equal(i.size, index.size);
    assert.equal(names(i.search('cragmaw'))[0], 'Goblin Boss');
    assert.deepEqual(names(i.search('nimble escape')), []);
    i.remove('npc', goblin.id);
    assert.deepEqual(names(i.search('goblin')), []);
    assert.equal(i.size, index.size - 1);
    i.upsert({ ...entity('npc', { name: 'Ghost' }, 'c1', 'g1'), deleted_at: '2025-01-02T00:00:00Z' });
    assert.deepEqual(names(i.search('ghost')), []);
  });
});

describe('search: what is indexed', () => {
  it('flattens every text field, not ids, hashes or system fields', () => {
    const text = entityText(entity('npc', { name: 'Sildar', biography: 'A knight.', notes: 'Owes the party.', parent_id: 'loc-1', hash: 'abc', statblock: { traits: [{ name: 'Brave', description: 'Never flees.' }] }, tags: ['ally'] }, 'c1'));
    assert.deepEqual(text.split('\n'), ['A knight.', 'Owes the party.', 'Brave', 'Never flees.']);
  });

  it('indexes personality and appearance written as one line as well as written as a group', () => {
    const line = entityText(entity('character', { name: 'Vex', personality: 'Smiles too much', appearance: 'Tall, scarred' }, 'c1'));
    assert.deepEqual(line.split('\n'), ['Smiles too much', 'Tall, scarred']);
    const group = entityText(entity('npc', { name: 'Toblen', personality: { traits: ['Smiles too much'], secrets: 'Owes the Redbrands.' } }, 'c1'));
    assert.deepEqual(group.split('\n'), ['Smiles too much', 'Owes the Redbrands.']);
  });

  it('makes snippets around the first match, accents folded', () => {
    const long = `${'Filler words here. '.repeat(20)}The Éowyn passage is here.${' More filler.'.repeat(20)}`;
    const s = snippet(long, ['eowyn']);
    assert.match(s, /^….*Éowyn passage is here.*…$/);
    assert.ok(s.length <= 92);
    assert.equal(snippet('short text', ['absent']), 'short text');
  });
});

describe('search: VaultCatalog follows a real DataManager', () => {
  let v: TestVault;
  let dm: DataManager;
  let catalog: VaultCatalog;

  beforeEach(async () => {
    v = tempVault();
    dm = v.manager();
    await dm.createVault('pw');
    catalog = new VaultCatalog(dm);
  });
  afterEach(async () => {
    catalog.dispose();
    await dm.lock();
    v.dispose();
  });

  it('adds, replaces and removes one entity per event', async () => {
    const c = await dm.create('campaign', { name: 'Lost Mine' });
    const owl = await dm.create('npc', { ...npcFromBitsMonster(monsters.find((m) => m.name === 'Owlbear')!), campaign_id: c.id });
    await catalog.ready();
    assert.equal(names(catalog.index.search('owlbaer'))[0], 'Owlbear');
    let updates = 0;
    catalog.onDidUpdate(() => updates++);

    await dm.update('npc', owl.id, { name: 'Mother Owlbear', notes: 'Guards the cave near Cragmaw.' });
    await catalog.ready();
    assert.equal(updates, 1);
    assert.deepEqual(names(catalog.index.search('cragmaw')), ['Mother Owlbear']);

    await dm.delete('npc', owl.id);
    await catalog.ready();
    assert.deepEqual(names(catalog.index.search('owlbear')), []);
    await dm.restore('npc', owl.id);
    await catalog.ready();
    assert.deepEqual(names(catalog.index.search('owlbear')), ['Mother Owlbear']);
    await dm.delete('npc', owl.id);
    await dm.purge('npc', owl.id);
    await catalog.ready();
    assert.deepEqual(names(catalog.index.search('owlbear')), []);
    assert.equal(catalog.index.size, 1);
    assert.equal(catalog.resolver().resolve({ name: 'lost mine' }).status, 'resolved');
  });

  it('is cleared on lock and rebuilt on unlock', async () => {
    const c = await dm.create('campaign', { name: 'Lost Mine' });
    await dm.create('npc', { ...npcFromBitsMonster(monsters.find((m) => m.name === 'Goblin')!), campaign_id: c.id });
    await catalog.ready();
    assert.equal(catalog.index.size, 2);
    await dm.lock();
    assert.equal(catalog.index.size, 0, 'cleared as soon as the vault locks');
    assert.deepEqual(catalog.index.search('goblin'), []);
    await dm.unlock('pw');
    await catalog.ready();
    assert.equal(names(catalog.index.search('gob'))[0], 'Goblin');
  });

  it('a catalog made while unlocked starts from the vault’s content, paging through it', async () => {
    const c = await dm.create('campaign', { name: 'Big' });
    for (let i = 0; i < 30; i++) await dm.create('location', { name: `Room ${i}`, campaign_id: c.id, description: i === 17 ? 'The secret vault of Nundro' : 'Dust.' });
    const fresh = new VaultCatalog(dm);
    await fresh.ready();
    assert.equal(fresh.index.size, 31);
    assert.deepEqual(names(fresh.index.search('nundro')), ['Room 17']);
    fresh.dispose();
    assert.equal(fresh.index.size, 0);
  });
});
