import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataManager, Entity } from '../../src/core/api';
import { ENTITY_KINDS, SYSTEM_FIELDS } from '../../src/core/db/kinds';
import { isVaultError, type VaultError } from '../../src/core/errors';
import { MANIFEST, exportCampaign, importDrafts, parseImportFile, parseImportFiles, type EntityDraft } from '../../src/core/import';
import { assertSafeRelativePath } from '../../src/core/paths';
import { tempVault, type TestVault } from '../support/vaults';

const FIX = join(__dirname, '../../../test/fixtures/importers');
const fixture = (rel: string) => ({ name: rel, text: readFileSync(join(FIX, rel), 'utf8') });
const bodyOf = (e: Entity) => Object.fromEntries(Object.entries(e).filter(([k]) => !(SYSTEM_FIELDS as readonly string[]).includes(k)));

/** Every live entity of every kind, by id. */
async function everything(dm: DataManager): Promise<Map<string, Entity>> {
  const all = new Map<string, Entity>();
  for (const kind of ENTITY_KINDS) for (const e of await dm.list(kind, { limit: 10_000 })) all.set(`${kind}/${e.id}`, e);
  return all;
}

describe('core/import: applying drafts to a vault', function () {
  this.timeout(30_000);
  let v: TestVault;
  let dm: DataManager;
  beforeEach(async () => {
    v = tempVault();
    dm = v.manager();
    await dm.createVault();
  });
  afterEach(async () => {
    await dm.lock();
    v.dispose();
  });

  it('creates the campaign when asked, imports heroes and NPCs, links spells it finds', async () => {
    const missile = await dm.createSpell({ name: 'Magic Missile', level: 1, school: 'Evocation', campaign_id: null });
    const { drafts, report } = parseImportFiles([fixture('foundry-heroes/zanna-gnome-wizard.yml'), fixture('foundry-npcs/bandit-captain.json')]);
    const result = await importDrafts(dm, drafts, { campaign: 'Lost Mines', createCampaign: true, report: report.entries });
    assert.ok(result.campaign_id);
    const made = result.created.map((c) => `${c.kind}:${c.name}`);
    assert.deepEqual(made.filter((m) => !/^(spell|item):/.test(m)), ['campaign:Lost Mines', 'npc:Bandit Captain', 'character:Zanna (Gnome Wizard)']);
    // Zanna's nine spells: eight new entries, and the library's Magic Missile reused.
    assert.equal(made.filter((m) => m.startsWith('spell:')).length, 8);
    assert.ok(!made.includes('spell:Magic Missile'));
    const zanna = (await dm.get('character', 'Zanna (Gnome Wizard)', { campaign_id: result.campaign_id }))!;
    assert.equal(zanna.campaign_id, result.campaign_id);
    const known = (zanna.spells as { known: { name: string; spell_id?: string }[] }).known;
    assert.equal(known.find((s) => s.name === 'Magic Missile')!.spell_id, missile.id, 'linked to the library spell');
    assert.ok(known.every((s) => typeof s.spell_id === 'string'), 'every spell linked');
    assert.deepEqual(
      result.report.entries.filter((e) => e.kind === 'unresolved-link'),
      [],
    );
    // The reading losses travel with the result.
    assert.ok(result.report.entries.some((e) => e.kind === 'ignored' && e.path === 'prototypeToken'));
  });

  it('refuses characters without a campaign, and an unknown campaign, before writing anything', async () => {
    const { drafts } = parseImportFiles([fixture('foundry-heroes/randal-human-fighter.yml')]);
    await assert.rejects(importDrafts(dm, drafts), (e: unknown) => isVaultError(e, 'invalid') && /belong to a campaign/.test((e as VaultError).userMessage));
    await assert.rejects(importDrafts(dm, drafts, { campaign: 'Nowhere' }), (e: unknown) => isVaultError(e, 'not-found') && /no campaign "Nowhere"/.test((e as VaultError).userMessage));
    assert.equal((await everything(dm)).size, 0);
    // Items and spells need none: they go to the shared library.
    const lib = await importDrafts(dm, parseImportFile(fixture('open5e-v1/Spell.json').text, 'Spell.json').drafts);
    assert.equal(lib.campaign_id, null);
    assert.equal((await dm.list('spell', { campaign_id: null })).length, 4);
  });

  it('refuses an invalid draft before the first write', async () => {
    const c = await dm.createCampaign({ name: 'C' });
    const good = parseImportFile(fixture('foundry-heroes/randal-human-fighter.yml').text, 'randal.yml').drafts[0]!;
    const bad: EntityDraft = { kind: 'npc', body: { name: 'Bad', statblock: { ac: 'high' } }, links: [], file: 'bad.json' };
    const before = await everything(dm);
    await assert.rejects(importDrafts(dm, [good, bad], { campaign: c.id }), (e: unknown) => isVaultError(e, 'invalid') && /"bad\.json": npc "Bad" is not a valid entry: statblock\.ac must be a whole number/.test((e as VaultError).userMessage));
    assert.deepEqual(await everything(dm), before);
  });

  it('undoes its own writes when one fails half-way', async () => {
    const c = await dm.createCampaign({ name: 'C' });
    const drafts: EntityDraft[] = [
      { kind: 'location', body: { name: 'Town' }, id: 'loc-town', links: [], file: 'a.yaml' },
      // A cycle the vault refuses: its parent is itself.
      { kind: 'location', body: { name: 'Loop', parent_id: 'loc-loop' }, id: 'loc-loop', links: [], file: 'b.yaml' },
    ];
    await assert.rejects(importDrafts(dm, drafts, { campaign: c.id }), (e: unknown) => isVaultError(e, 'invalid'));
    assert.deepEqual([...(await everything(dm)).keys()], [`campaign/${c.id}`]);
    assert.equal((await dm.list('location', { include_deleted: true })).length, 0, 'purged, not just in the trash');
  });

  it('handles name conflicts: skip, rename or replace', async () => {
    const files = [fixture('foundry-npcs/cultist.json')];
    const c = await dm.createCampaign({ name: 'C' });
    const first = await importDrafts(dm, parseImportFiles(files).drafts, { campaign: 'C' });
    const original = (await dm.get('npc', first.created[0]!.id))!;
    const skip = await importDrafts(dm, parseImportFiles(files).drafts, { campaign: 'C', onConflict: 'skip' });
    assert.deepEqual(skip.created, []);
    assert.deepEqual(skip.skipped, [{ kind: 'npc', name: 'Cultist', existing_id: original.id }]);
    assert.ok(skip.report.entries.some((e) => e.kind === 'skipped' && /its name is taken by npc "Cultist"/.test(e.detail ?? '')));
    const rename = await importDrafts(dm, parseImportFiles(files).drafts, { campaign: 'C', onConflict: 'rename' });
    assert.equal(rename.created[0]!.name, 'Cultist (2)');
    await dm.update('npc', original.id, { notes: 'met in session 2' });
    const replace = await importDrafts(dm, parseImportFiles(files).drafts, { campaign: c.id, onConflict: 'replace' });
    assert.equal(replace.replaced[0]!.id, original.id);
    const after = (await dm.get('npc', original.id))!;
    assert.equal(after.version, 3);
    assert.equal(after.notes, undefined, 'replaced whole, as imported');
    assert.deepEqual(bodyOf(after), bodyOf(original));
  });
});

describe('core/import: export → import gives the campaign back', function () {
  this.timeout(30_000);
  let v: TestVault;
  let w: TestVault;
  let dm: DataManager;
  let fresh: DataManager;
  beforeEach(async () => {
    v = tempVault();
    w = tempVault();
    dm = v.manager();
    fresh = w.manager();
    await dm.createVault();
    await fresh.createVault('another password');
  });
  afterEach(async () => {
    await dm.lock();
    await fresh.lock();
    v.dispose();
    w.dispose();
  });

  const ODD_NAMES = ['a/b', '..', '../../etc/passwd', 'con', 'NUL.txt', 'Café', 'CAFÉ', 'CAFÉ'.toLowerCase() + ' ', 'x'.repeat(200), 'ü'.repeat(200), 'trailing dot.', '"quoted" <tag> | pipe? star*'];

  async function sampleCampaign(): Promise<string> {
    const c = await dm.createCampaign({ name: 'The Sundered Crown', system: 'D&D 5e', status: 'active', is_active: true, settings: { variant_rules: ['feats'], starting_level: 1, house_rules: '- Potions are a bonus action.' }, extra: { vtt: { scene: 3 } }, 'x-colour': 'teal' });
    const world = await dm.createLocation({ name: 'Faerûn', type: 'world', campaign_id: c.id });
    const town = await dm.createLocation({ name: 'Phandalin', type: 'town', parent_id: world.id, campaign_id: c.id });
    const inn = await dm.createLocation({ name: 'The Stonehill Inn', type: 'tavern', parent_id: town.id, campaign_id: c.id, description: 'Six rooms.\n\n**Beds:** 5 sp' });
    await dm.createNpc({ name: 'Toblen Stonehill', role: 'innkeeper', location_id: inn.id, campaign_id: c.id, personality: { traits: ['friendly', 'nosy'] } });
    const spell = await dm.createSpell({ name: 'Magic Missile', level: 1, school: 'Evocation', components: ['V', 'S'], campaign_id: c.id });
    const sword = await dm.createItem({ name: 'Longsword', type: 'weapon', weight: 3, cost: { quantity: 15, unit: 'gp' }, campaign_id: c.id });
    const zanna = parseImportFile(fixture('foundry-heroes/zanna-gnome-wizard.yml').text, 'z.yml').drafts[0]!.body;
    const known = (zanna.spells as { known: Record<string, unknown>[] }).known.map((s) => (s.name === 'Magic Missile' ? { ...s, spell_id: spell.id } : s));
    await dm.createCharacter({ ...zanna, spells: { ...(zanna.spells as object), known }, inventory: [{ name: 'Longsword', item_id: sword.id, quantity: 1 }], campaign_id: c.id });
    await dm.createSession({ name: 'Session 1: Goblin Arrows', number: 1, date: '2026-11-20', status: 'played', events: [{ at: '0:20', description: 'Ambush', kind: 'combat' }], campaign_id: c.id });
    for (const [i, name] of ODD_NAMES.entries()) await dm.createLocation({ name, type: 'odd', parent_id: i % 2 ? inn.id : null, campaign_id: c.id });
    // A deleted entry is not exported.
    const gone = await dm.createNpc({ name: 'Gone', campaign_id: c.id });
    await dm.delete('npc', gone.id);
    return c.id;
  }

  it('exports safe, distinct file names and every live entry; a fresh vault gets identical bodies and ids', async () => {
    const cid = await sampleCampaign();
    const files = await exportCampaign(dm, cid);
    assert.equal(files[0]!.path, MANIFEST);
    const paths = files.map((f) => f.path);
    for (const p of paths) assertSafeRelativePath(p);
    assert.equal(new Set(paths.map((p) => p.normalize('NFKC').toLowerCase())).size, paths.length, 'distinct even on case-insensitive, normalising file systems');
    for (const p of paths) assert.ok(new TextEncoder().encode(p.split('/').pop()!).length <= 120, p);
    assert.ok(paths.includes('campaign.yaml') && paths.includes('characters/Zanna (Gnome Wizard).yaml') && paths.includes('locations/Phandalin.yaml'));
    assert.ok(paths.includes('locations/a_b.yaml') && paths.includes('locations/_con.yaml'));
    assert.deepEqual(paths.filter((p) => /caf/i.test(p)).sort(), ['locations/CAFÉ.yaml', 'locations/Café-2.yaml', 'locations/café-3.yaml'], 'one name per spelling, distinct without regard to case');
    assert.ok(!paths.some((p) => p.includes('Gone')));
    const manifest = parseImportFile(files[0]!.text, MANIFEST).manifest!;
    assert.deepEqual(manifest.files, paths.slice(1));

    const parsed = parseImportFiles(files.map((f) => ({ name: f.path, text: f.text })));
    assert.deepEqual(parsed.report.entries, [], 'nothing lost on the way');
    const result = await importDrafts(fresh, parsed.drafts);
    assert.equal(result.campaign_id, cid);
    assert.deepEqual(result.report.entries, [], 'every link resolved');
    const before = await everything(dm);
    before.delete([...before.keys()].find((k) => k.startsWith('npc/') && before.get(k)!.name === 'Gone') ?? '');
    const after = await everything(fresh);
    assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort());
    for (const [key, e] of before) {
      assert.deepEqual(bodyOf(after.get(key)!), bodyOf(e), key);
      assert.equal(after.get(key)!.campaign_id, e.campaign_id, key);
    }
    const inn = [...after.values()].find((e) => e.name === 'The Stonehill Inn')!;
    const town = [...after.values()].find((e) => e.name === 'Phandalin')!;
    assert.equal(inn.parent_id, town.id, 'nested locations keep their parents');
  });

  it('imports an export into the same vault with new ids when renaming, links following the copies', async () => {
    const cid = await sampleCampaign();
    const files = await exportCampaign(dm, cid);
    const { drafts } = parseImportFiles(files.map((f) => ({ name: f.path, text: f.text })));
    const result = await importDrafts(dm, drafts, { onConflict: 'rename' });
    assert.notEqual(result.campaign_id, cid);
    const copy = (await dm.get('campaign', result.campaign_id!))!;
    assert.equal(copy.name, 'The Sundered Crown (2)');
    const inn = (await dm.get('location', 'The Stonehill Inn', { campaign_id: copy.id }))!;
    const town = (await dm.get('location', 'Phandalin', { campaign_id: copy.id }))!;
    assert.equal(inn.parent_id, town.id);
    const toblen = (await dm.get('npc', 'Toblen Stonehill', { campaign_id: copy.id }))!;
    assert.equal(toblen.location_id, inn.id);
    const originalInn = (await dm.get('location', 'The Stonehill Inn', { campaign_id: cid }))!;
    assert.notEqual(inn.id, originalInn.id);
  });

  it('refuses a manifest that points outside the export folder', () => {
    const text = 'format: campaign-vault-export\nversion: 1\nfiles:\n  - campaign.yaml\n  - ../../secrets.yaml\n';
    assert.throws(
      () => parseImportFile(text, MANIFEST),
      (e: unknown) => isVaultError(e, 'invalid') && /\(files\[1\]\): the path "..\/..\/secrets.yaml" is not a safe relative path/.test((e as VaultError).userMessage),
    );
    assert.throws(() => parseImportFile('format: campaign-vault-export\nversion: 9\nfiles: []\n', MANIFEST), /format version 9/);
  });
});
