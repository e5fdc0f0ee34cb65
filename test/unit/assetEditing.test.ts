/**
 * Editing assets (docs/ASSETS.md): rename, tags and remove on a real sql.js vault — each audited,
 * several assets in one transaction (all or none), change events after the commit — and where an
 * asset is still linked from; and the link form a note gets when an asset is dropped into it.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataManager, Entity } from '../../src/core/api';
import { assetFileName, assetIdOfTarget, assetLinkTarget, assetMarkdownLink, scanAssetLinks } from '../../src/core/assets/links';
import { isVaultError } from '../../src/core/errors';
import type { ChangeEvent } from '../../src/core/session/types';
import { tempVault, type TestVault } from '../support/vaults';

const IMAGES = join(__dirname, '../../../test/fixtures/images');
const image = (name: string) => new Uint8Array(readFileSync(join(IMAGES, name)));

async function refusal(p: Promise<unknown>): Promise<{ code: string; hint: string }> {
  try {
    await p;
  } catch (e) {
    assert.ok(isVaultError(e), `a VaultError, not ${String(e)}`);
    return { code: e.code, hint: e.userMessage };
  }
  assert.fail('it was not refused');
}

describe('core/assets: rename, tags, remove, and what still links to an asset', () => {
  let v: TestVault;
  let dm: DataManager;
  let campaign: Entity;
  let map: Entity;
  let portrait: Entity;
  let events: ChangeEvent[];

  beforeEach(async () => {
    v = tempVault('cv-asset-edit-');
    dm = v.manager();
    await dm.createVault('correct horse');
    campaign = await dm.create('campaign', { name: 'Salt Marsh' });
    map = (await dm.assets.add(image('texture-iran-small.jpg'), { name: 'Harbour map', campaign_id: campaign.id, asset_type: 'map', tags: ['marsh'] })).asset;
    portrait = (await dm.assets.add(image('page-0-X0.png'), { name: 'Portrait', campaign_id: campaign.id })).asset;
    events = [];
    dm.onDidChange((e) => events.push(e));
  });
  afterEach(async () => {
    await dm.lock();
    v.dispose();
  });

  it('renames an asset in one audited write, with a change event; the file is untouched', async () => {
    const renamed = await dm.assets.rename(map.id, '  Harbour of Saltmarsh  ');
    assert.equal(renamed.name, 'Harbour of Saltmarsh');
    assert.equal(renamed.hash, map.hash);
    assert.equal(renamed.version, map.version + 1);
    assert.deepEqual(events.map((e) => [e.kind, e.id, e.action]), [['asset', map.id, 'update']]);
    const log = await dm.auditLog({ kind: 'asset', id: map.id, limit: 1 });
    assert.equal(log[0]?.action, 'update');
    assert.equal((await dm.assets.get('Harbour of Saltmarsh', campaign.id)).id, map.id);
    assert.deepEqual(await dm.assets.rename(map.id, 'Harbour of Saltmarsh'), renamed, 'the same name: nothing written');
    assert.equal(events.length, 1);
  });

  it('refuses a name taken in the campaign (any case), an empty one and one the rules refuse, each saying why; a name in another campaign is free', async () => {
    const taken = await refusal(dm.assets.rename(map.id, 'PORTRAIT'));
    assert.equal(taken.code, 'exists');
    assert.match(taken.hint, /already an asset named "Portrait" here/);
    assert.equal((await refusal(dm.assets.rename(map.id, '   '))).code, 'invalid');
    const long = await refusal(dm.assets.rename(map.id, 'x'.repeat(201)));
    assert.equal(long.code, 'invalid');
    assert.match(long.hint, /name/i);
    assert.equal((await refusal(dm.assets.rename('no-such-asset', 'x'))).code, 'not-found');
    assert.equal(events.length, 0, 'nothing written');
    const other = await dm.create('campaign', { name: 'Elsewhere' });
    await dm.assets.add(image('smile.png'), { name: 'Smile', campaign_id: other.id });
    assert.equal((await dm.assets.rename(map.id, 'Smile')).name, 'Smile');
  });

  it('adds and removes tags on several assets in one transaction, keeping the first spelling and dropping repeats', async () => {
    const after = await dm.assets.setTags([map.id, portrait.id], { add: ['Session 3', 'session 3', ' npc '], remove: ['MARSH'] });
    assert.deepEqual(after.map((a) => a.tags), [['Session 3', 'npc'], ['Session 3', 'npc']]);
    assert.deepEqual(events.map((e) => [e.id, e.action]), [[map.id, 'update'], [portrait.id, 'update']]);
    assert.deepEqual((await dm.assets.list({ tag: 'session 3' })).map((a) => a.name), ['Harbour map', 'Portrait']);
    events.length = 0;
    const cleared = await dm.assets.setTags([map.id, portrait.id], { remove: ['session 3', 'npc'] });
    assert.deepEqual(cleared.map((a) => a.tags ?? null), [null, null], 'no tags left: the field goes');
    const unchanged = await dm.assets.setTags([map.id], { remove: ['nothing'] });
    assert.equal(unchanged[0]!.version, cleared[0]!.version, 'tags unchanged: not written');
  });

  it('all or none: one id that is gone leaves every asset as it was', async () => {
    await dm.assets.setTags([map.id, portrait.id], { add: ['keep'] });
    const before = await dm.assets.list();
    events.length = 0;
    assert.equal((await refusal(dm.assets.setTags([map.id, 'gone-id'], { add: ['x'] }))).code, 'not-found');
    assert.equal((await refusal(dm.assets.remove([portrait.id, 'gone-id']))).code, 'not-found');
    assert.deepEqual(await dm.assets.list(), before);
    assert.deepEqual(events, [], 'no change events for a batch that did not land');
  });

  it('removes several assets to the trash in one transaction; they can be restored', async () => {
    const removed = await dm.assets.remove([map.id, portrait.id]);
    assert.ok(removed.every((a) => a.deleted_at !== null));
    assert.deepEqual(events.map((e) => [e.id, e.action]), [[map.id, 'delete'], [portrait.id, 'delete']]);
    assert.deepEqual(await dm.assets.list(), []);
    const log = await dm.auditLog({ kind: 'asset', limit: 2 });
    assert.deepEqual(log.map((l) => l.action), ['delete', 'delete']);
    await dm.restore('asset', map.id);
    assert.deepEqual((await dm.assets.list()).map((a) => a.id), [map.id]);
    assert.equal((await refusal(dm.assets.rename(portrait.id, 'x'))).code, 'not-found', 'a trashed asset is not renamed');
  });

  it('finds the entries and notes that still link to an asset: [[name]], [[asset/name]], a note’s assets/<id>/… link, a rulebook’s file', async () => {
    const session = await dm.create('session', { name: 'Session 1', campaign_id: campaign.id, notes: `We arrived.\n\n${assetMarkdownLink(map)}\n` });
    const npc = await dm.create('npc', { name: 'Harbour master', campaign_id: campaign.id, description: 'Keeps [[asset/harbour MAP|the map]].' });
    await dm.create('npc', { name: 'Ferryman', campaign_id: campaign.id, description: 'Talks about [[Harbour]] and `[[Harbour map]]` in code.' });
    const book = await dm.create('rulebook', { name: 'Charts', campaign_id: null, asset_id: map.id });
    const refs = await dm.assets.referencesTo(map);
    assert.deepEqual(refs.map((r) => r.id).sort(), [session.id, npc.id, book.id].sort());
    assert.deepEqual(await dm.assets.referencesTo(portrait), []);
    await dm.delete('npc', npc.id);
    assert.equal((await dm.assets.referencesTo(map)).length, 2, 'an entry in the trash links no more');
  });
});

describe('core/assets/links: the link a note gets for an asset', () => {
  const png = { id: 'a1B2-c3', name: 'Harbour map', mime: 'image/png' };
  it('is an image link for a picture and a plain link for the rest, relative to the notes’ folder, percent-encoded', () => {
    assert.equal(assetMarkdownLink(png), '![Harbour map](assets/a1B2-c3/Harbour%20map.png)');
    assert.equal(assetMarkdownLink({ id: 'x1', name: 'Rules', mime: 'application/pdf' }), '[Rules](assets/x1/Rules.pdf)');
    assert.equal(assetMarkdownLink({ id: 'x2', name: 'Theme', mime: 'audio/mpeg' }), '[Theme](assets/x2/Theme.mp3)');
    assert.equal(assetFileName({ id: 'x3', name: 'map.png', mime: 'image/png' }), 'map.png', 'no second extension');
  });

  it('makes a hostile name inert: no breaking out of the brackets, no path, no new line', () => {
    const link = assetMarkdownLink({ id: 'x4', name: '](javascript:alert(1)) ![x\n/../../etc', mime: 'image/jpeg' });
    assert.equal(link.split('\n').length, 1);
    assert.equal(scanAssetLinks(link).length, 1, 'still one link to the asset');
    assert.deepEqual(scanAssetLinks(link)[0], { offset: 0, length: link.length, id: 'x4' });
    assert.equal(assetIdOfTarget(assetLinkTarget({ id: 'x4', name: '../../etc/passwd' })), 'x4');
  });

  it('reads the id back from what a note holds, and nothing else', () => {
    const text = `a ![Harbour](assets/a1B2-c3/Harbour%20map.png) b [x](<assets/x1/Rules one.pdf>) c [y](https://example.com/assets/x/y.png) [z](assets/../x/y)`;
    assert.deepEqual(
      scanAssetLinks(text).map((l) => [l.id, text.slice(l.offset, l.offset + l.length)]),
      [
        ['a1B2-c3', '![Harbour](assets/a1B2-c3/Harbour%20map.png)'],
        ['x1', '[x](<assets/x1/Rules one.pdf>)'],
      ],
    );
    assert.equal(assetIdOfTarget('assets/%E0%A4%A/x.png'), undefined, 'a broken escape is no link');
    assert.equal(assetIdOfTarget('assets/id/'), undefined);
  });
});
