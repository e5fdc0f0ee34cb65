import * as assert from 'node:assert/strict';
import { promises as fs, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as vscode from 'vscode';
import type { DataManager } from '../../src/core/api';
import { readImageInfo } from '../../src/core/assets/metadata';
import type { KdfParams } from '../../src/core/crypto/kdf';
import type { CampaignVaultApi, CampaignVaultTesting } from '../../src/vscode/api';
import type { AddAssetOutcome } from '../../src/vscode/assets';
import { jpegWithGps, pngHeader } from '../support/images';
import { AssetDropProvider } from '../../src/vscode/assets/drop';
import { ScriptedPrompter } from '../support/scriptedPrompter';
import { until } from '../support/until';

const EXTENSION_ID = 'campaign-vault.campaign-vault';
const FAST_KDF: KdfParams = { algorithm: 'argon2id', memoryKiB: 8, iterations: 1, parallelism: 1 };
const PASSWORD = 'maps and portraits 12';
const IMAGES = resolve(__dirname, '../../../test/fixtures/images');
const image = (name: string) => vscode.Uri.file(join(IMAGES, name));

describe('Campaign Vault: assets in VS Code (Add Asset…)', function () {
  this.timeout(180_000);
  let testing: CampaignVaultTesting;
  let folder: vscode.WorkspaceFolder;
  let vaultDir: string;
  const ui = new ScriptedPrompter();
  const run = <T>(command: string, ...args: unknown[]) => vscode.commands.executeCommand<T>(`campaignVault.${command}`, ...args);
  const dm = (): DataManager => testing.dataManager(folder.uri)!;
  const scratch = mkdtempSync(join(tmpdir(), 'cv-assets-it-'));
  const holdings = async () => ({ assets: await dm().count('asset'), files: (await dm().listFiles()).length });

  before(async () => {
    const api = await vscode.extensions.getExtension<CampaignVaultApi>(EXTENSION_ID)!.activate();
    testing = api._testing!;
    folder = vscode.workspace.workspaceFolders![0]!;
    vaultDir = join(folder.uri.fsPath, '.campaign-vault');
    await fs.rm(vaultDir, { recursive: true, force: true });
    testing.setKdf(FAST_KDF);
    testing.setPrompter(ui);
    await run('refresh');
    await dm().createVault(PASSWORD);
    await run('refresh');
    await dm().createCampaign({ name: 'Curse of the Salt Marsh' });
  });

  afterEach(function () {
    ui.finishTest(this.currentTest?.state);
  });

  after(async () => {
    await dm()?.lock();
    await fs.rm(vaultDir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
    testing?.setPrompter(undefined);
    testing?.setKdf(undefined);
    await run('refresh');
  });

  it('adds several files from the palette, asking the campaign, the kind and the tags, and the Assets node counts them', async () => {
    ui.play({ pick: 'asset-campaign', label: 'Curse of the Salt Marsh' }, { pick: 'asset-type', label: 'Map' }, { input: 'asset-tags', answer: 'marsh, session 1, marsh' });
    const out = await run<AddAssetOutcome>('addAsset', { uris: [image('texture-iran-small.jpg'), image('page-0-X0.png')] });
    assert.deepEqual(out?.refused, [], JSON.stringify(ui.shown('error')));
    assert.equal(out.added.length, 2);
    const campaign = (await dm().list('campaign'))[0]!;
    for (const a of out.added) {
      assert.equal(a.asset.campaign_id, campaign.id);
      assert.equal(a.asset.asset_type, 'map');
      assert.deepEqual(a.asset.tags, ['marsh', 'session 1']);
    }
    assert.deepEqual(
      out.added.map((a) => [a.asset.name, a.asset.width, a.asset.height]),
      [
        ['texture-iran-small', 1460, 900],
        ['page-0-X0', 324, 450],
      ],
    );
    assert.match(ui.shown('asset-added')[0]?.text ?? '', /Added 2 assets/);
    assert.deepEqual((await dm().assets.list({ campaign_id: campaign.id, tag: 'marsh' })).map((a) => a.name).sort(), ['page-0-X0', 'texture-iran-small']);
    const assets = await until('the tree to count the assets', async () => {
      const kids = await testing.tree(['Curse of the Salt Marsh']).catch(() => []);
      const node = kids.find((k) => k.contextValue === 'kind.asset');
      return node && String(node.description).includes('2') ? node : undefined;
    });
    assert.equal(assets.contextValue, 'kind.asset');
  });

  it('adds into the Shared Library without asking where when told (as its Assets node tells), the kind by content', async () => {
    const library = await testing.tree(['Shared Library']);
    assert.ok(library.some((k) => k.contextValue === 'kind.asset'), JSON.stringify(library.map((k) => k.contextValue)));
    ui.play({ input: 'asset-tags', answer: '' });
    const out = await run<AddAssetOutcome>('addAsset', { uris: [image('smile.png')], asset_type: null, campaign: null });
    assert.equal(out?.added.length, 1, JSON.stringify(ui.shown('error')));
    assert.equal(out.added[0]!.asset.campaign_id ?? null, null);
    assert.equal(out.added[0]!.asset.asset_type, 'image');
    assert.equal(out.added[0]!.asset.tags ?? undefined, undefined, 'no tags typed: none stored');
    assert.deepEqual(ui.picks, [], 'neither the campaign nor the kind asked');
  });

  it('from the Explorer (a file URI), a photo with a GPS position asks, and "Remove location" stores a copy without it', async () => {
    const photo = join(scratch, 'harbour.jpg');
    writeFileSync(photo, jpegWithGps(new Uint8Array(readFileSync(join(IMAGES, 'smile.jpg')))));
    assert.equal(readImageInfo(new Uint8Array(readFileSync(photo)))?.hasLocation, true, 'the test photo holds a location');
    ui.answers['asset-location'] = 'Remove location';
    ui.play({ pick: 'asset-campaign', label: 'Shared Library' }, { pick: 'asset-type', label: 'Handout' }, { input: 'asset-tags', answer: 'harbour' });
    const uri = vscode.Uri.file(photo);
    const out = await run<AddAssetOutcome>('addAsset', uri, [uri]);
    assert.equal(out?.added.length, 1, JSON.stringify(ui.shown('error')));
    const asked = ui.messages.filter((m) => m.id === 'asset-location');
    assert.equal(asked.length, 1);
    assert.equal(asked[0]!.modal, true);
    assert.deepEqual(asked[0]!.actions, ['Remove location', 'Keep as is']);
    assert.equal(out.added[0]!.locationRemoved, true);
    const stored = await dm().assets.read(out.added[0]!.asset);
    assert.equal(readImageInfo(stored)?.hasLocation, false, 'the stored copy has no location');
    assert.equal(readFileSync(photo).length > stored.length, true, 'the file on disk is not changed');
    assert.equal(readImageInfo(new Uint8Array(readFileSync(photo)))?.hasLocation, true);
    assert.match(ui.shown('asset-added')[0]?.text ?? '', /location was not stored/);
  });

  it('"Keep as is" stores the photo as it is, and marks it as holding a location', async () => {
    const photo = join(scratch, 'lighthouse.jpg');
    const bytes = jpegWithGps(new Uint8Array(readFileSync(join(IMAGES, 'smile.jpg'))));
    writeFileSync(photo, bytes);
    ui.answers['asset-location'] = 'Keep as is';
    const out = await run<AddAssetOutcome>('addAsset', { uris: [vscode.Uri.file(photo)], campaign: null, asset_type: null, tags: [] });
    assert.equal(out?.added.length, 1, JSON.stringify(ui.shown('error')));
    assert.equal(out.added[0]!.locationRemoved, false);
    assert.equal(out.added[0]!.asset.has_location, true);
    assert.deepEqual(await dm().assets.read(out.added[0]!.asset), bytes);
  });

  it('refuses a decompression bomb and a truncated image with one clear sentence each, storing nothing, and still adds the good file', async () => {
    const before = await holdings();
    const bomb = join(scratch, 'bomb.png');
    writeFileSync(bomb, pngHeader(100_000, 100_000));
    const truncated = join(scratch, 'truncated.png');
    writeFileSync(truncated, readFileSync(join(IMAGES, 'smile.png')).subarray(0, 20));
    const out = await run<AddAssetOutcome>('addAsset', { uris: [vscode.Uri.file(bomb), image('image.jpg'), vscode.Uri.file(truncated)], campaign: null, asset_type: null, tags: [] });
    assert.deepEqual(out?.added.map((a) => a.asset.name), ['image']);
    assert.deepEqual(
      out.refused.map((r) => r.file),
      ['bomb.png', 'truncated.png'],
    );
    const said = ui.shown('asset-refused').map((m) => m.text);
    assert.equal(said.length, 2);
    assert.match(said[0]!, /^“bomb\.png” was not added: .*100,000 × 100,000 pixels/);
    assert.match(said[1]!, /^“truncated\.png” was not added: .*(damaged|truncated)/);
    assert.deepEqual(ui.shown('error'), [], 'no generic failure on top');
    assert.match(ui.shown('asset-added')[0]?.text ?? '', /Added the asset “image”/);
    const after = await holdings();
    assert.deepEqual(after, { assets: before.assets + 1, files: before.files + 1 }, 'only the good file stored');
  });

  it('dismissing the kind or the tags adds nothing', async () => {
    const before = await holdings();
    ui.play({ pick: 'asset-type', label: undefined });
    assert.equal(await run('addAsset', { uris: [image('image.jpg')], campaign: null }), undefined);
    ui.play({ pick: 'asset-type', label: 'Image' }, { input: 'asset-tags', answer: undefined });
    assert.equal(await run('addAsset', { uris: [image('image.jpg')], campaign: null }), undefined);
    assert.deepEqual(await holdings(), before);
  });

  it('Add Asset from the Shared Library’s Assets node (with files) does not ask where, and a name already taken there gets a number', async () => {
    const node = await testing.treeNode(['Shared Library', 'Assets']);
    ui.play({ pick: 'asset-type', label: 'Map' }, { input: 'asset-tags', answer: 'overland' });
    const out = await run<AddAssetOutcome>('addAsset', node, [image('image.jpg')]);
    assert.equal(out?.added.length, 1, JSON.stringify(ui.shown('error')));
    assert.equal(out.added[0]!.asset.campaign_id ?? null, null);
    assert.equal(out.added[0]!.asset.asset_type, 'map');
    assert.equal(out.added[0]!.asset.name, 'image (2)', '“image” is taken in the library (the earlier test added image.jpg)');
    assert.deepEqual(ui.picks.map((p) => p.id), ['asset-type'], 'the campaign is the node’s');
  });

  it('the Assets node opens the gallery: the host lists the campaign’s assets and sends each thumbnail, which the webview shows', async () => {
    const kids = await testing.tree(['Curse of the Salt Marsh']);
    const assets = kids.find((k) => k.contextValue === 'kind.asset')!;
    assert.equal(assets.command, 'campaignVault.openGallery', 'a click on the Assets node opens the gallery');
    const node = await testing.treeNode(['Curse of the Salt Marsh', assets.label]);
    const opened = await run<{ title: string }>('openGallery', node);
    assert.equal(opened?.title, 'Assets: Curse of the Salt Marsh', JSON.stringify(ui.shown('error')));
    const campaign = (await dm().list('campaign'))[0]!;
    const shown = await until('the gallery to show 2 thumbnails', () => {
      const g = testing.galleries().find((x) => x.campaign === campaign.id);
      return g && g.thumbnailsShown === 2 ? g : undefined;
    }, 60_000);
    assert.equal(shown.ready, true);
    assert.equal(shown.listed.length, 2);
    assert.equal(shown.thumbnailsSent, 2);
    assert.deepEqual(shown.errors, []);
  });

  it('a listed map opens in the viewer at full resolution; an id the host did not list is refused', async () => {
    const title = 'Assets: Curse of the Salt Marsh';
    const map = (await dm().assets.list({ tag: 'marsh' })).find((a) => a.name === 'texture-iran-small')!;
    assert.equal(await testing.galleryMessage(title, { type: 'view', id: map.id }), true);
    const viewed = await until('the viewer to show the map', () => testing.galleries().find((g) => g.title === title)?.viewed, 60_000);
    assert.deepEqual([viewed.id, viewed.width, viewed.height], [map.id, 1460, 900], 'the whole picture, not the thumbnail');
    assert.ok(viewed.zoom > 0 && viewed.zoom <= 1);
    const library = (await dm().assets.list({ campaign_id: null }))[0]!;
    await testing.galleryMessage(title, { type: 'view', id: library.id });
    await testing.galleryMessage(title, { type: 'view', id: '../../secrets' });
    const after = testing.galleries().find((g) => g.title === title)!;
    assert.equal(after.refused, 1, 'an asset of another gallery is refused (the malformed id is dropped by the parser)');
  });

  it('Open Gallery from the palette asks whose assets, and the Shared Library’s lists its pictures and the rest', async () => {
    ui.play({ pick: 'asset-campaign', label: 'Shared Library' });
    const opened = await run<{ title: string; campaign: string | null }>('openGallery');
    assert.equal(opened?.campaign, null, JSON.stringify(ui.shown('error')));
    const lib = await dm().assets.list({ campaign_id: null });
    const drawable = lib.filter((a) => ['image/png', 'image/jpeg'].includes(String(a.mime))).length;
    const g = await until('the library gallery to show its thumbnails', () => {
      const x = testing.galleries().find((y) => y.campaign === null);
      return x && x.thumbnailsShown === drawable ? x : undefined;
    }, 60_000);
    assert.equal(g.listed.length, lib.length);
  });

  describe('editing from the gallery, and only what changed re-sent', () => {
    const title = 'Assets: Curse of the Salt Marsh';
    const gallery = () => testing.galleries().find((g) => g.title === title)!;
    const campaignId = async () => (await dm().list('campaign'))[0]!.id;
    const byName = async (name: string) => (await dm().assets.list({ campaign_id: await campaignId() })).find((a) => a.name === name)!;

    before(async () => {
      // The Shared Library's gallery covers it now: show it again (its webview starts afresh and lists again).
      const node = await testing.treeNode(['Curse of the Salt Marsh', 'Assets']);
      await run('openGallery', node);
      await until('the campaign gallery to be ready again', () => (gallery().ready && gallery().thumbnailsShown >= 2 ? true : undefined), 60_000);
      await testing.galleryIdle(title);
    });

    it('a rename re-sends that tile only (no thumbnail), an NPC’s change nothing, a new picture its tile and its thumbnail', async () => {
      const before = gallery();
      const map = await byName('texture-iran-small');
      await dm().assets.rename(map.id, 'Salt Marsh map');
      await testing.galleryIdle(title);
      let now = gallery();
      assert.equal(now.lists, before.lists, 'no whole list');
      assert.deepEqual(now.changes.slice(before.changes.length), [{ items: [map.id], removed: [] }]);
      assert.equal(now.thumbnailsSent, before.thumbnailsSent, 'the webview keeps the thumbnail it holds');
      await dm().create('npc', { name: 'Ferryman', campaign_id: await campaignId() });
      await testing.galleryIdle(title);
      assert.equal(gallery().changes.length, now.changes.length, 'an NPC is not the gallery’s business');
      const added = await dm().assets.add(new Uint8Array(readFileSync(join(IMAGES, 'smile.png'))), { name: 'smile', campaign_id: await campaignId() });
      await testing.galleryIdle(title);
      now = gallery();
      assert.deepEqual(now.changes.at(-1), { items: [added.asset.id], removed: [] });
      assert.equal(now.thumbnailsSent, before.thumbnailsSent + 1, 'one new thumbnail, the others not again');
      assert.equal(now.lists, before.lists);
      await until('the webview to show the new thumbnail', () => (gallery().thumbnailsShown >= before.thumbnailsShown + 1 ? true : undefined), 30_000);
      assert.deepEqual(gallery().errors, []);
    });

    it('Rename (F2) asks the name with the entries’ rules and the campaign’s names; a taken name is refused in one sentence', async () => {
      const map = await byName('Salt Marsh map');
      ui.play({ input: 'asset-name', answer: 'Harbour' });
      await testing.galleryMessage(title, { type: 'rename', id: map.id });
      assert.equal((await dm().assets.get(map.id)).name, 'Harbour');
      const validate = ui.inputs[0]!.validate!;
      assert.equal(validate('PAGE-0-X0', true), 'There is already an asset named “page-0-X0” here.');
      assert.equal(validate('   ', true), 'Give a name.');
      assert.match(String(validate('x'.repeat(201), true)), /name/i);
      assert.equal(validate('Harbour by night', true), undefined);
      ui.play({ input: 'asset-name', answer: 'page-0-x0' });
      await testing.galleryMessage(title, { type: 'rename', id: map.id });
      assert.match(ui.shown('asset-edit-failed')[0]?.text ?? '', /already an asset named "page-0-X0"/);
      assert.equal((await dm().assets.get(map.id)).name, 'Harbour');
    });

    it('Tags adds to and removes from every selected asset in one go', async () => {
      const ids = [(await byName('Harbour')).id, (await byName('page-0-X0')).id];
      ui.play({ pick: 'asset-tag-action', label: 'Add Tags' }, { input: 'asset-tags', answer: 'night, harbour' });
      await testing.galleryMessage(title, { type: 'tag', ids });
      for (const id of ids) assert.deepEqual((await dm().assets.get(id)).tags, ['marsh', 'session 1', 'night', 'harbour']);
      ui.play({ pick: 'asset-tag-action', label: 'Remove Tags' }, { input: 'asset-untags', answer: 'marsh, session 1' });
      await testing.galleryMessage(title, { type: 'tag', ids });
      for (const id of ids) assert.deepEqual((await dm().assets.get(id)).tags, ['night', 'harbour']);
      assert.match(String(ui.picks[1]?.placeHolder), /harbour, marsh, night, session 1/);
    });

    it('Remove asks in a modal naming how many and the note that links to one; dismissed, nothing goes; confirmed, both go to the trash', async () => {
      const harbour = await byName('Harbour');
      const page = await byName('page-0-X0');
      await dm().create('session', { name: 'Session 1', campaign_id: await campaignId(), notes: `Docked.\n\n![Harbour](assets/${harbour.id}/Harbour.jpg)\n` });
      await testing.galleryMessage(title, { type: 'remove', ids: [harbour.id, page.id] });
      const asked = ui.shown('asset-remove');
      assert.equal(asked.length, 1);
      assert.equal(asked[0]!.modal, true);
      assert.equal(asked[0]!.text, 'Move 2 assets to the trash?');
      assert.match(asked[0]!.detail ?? '', /Still linked from session “Session 1”\./);
      assert.equal((await dm().assets.list({ campaign_id: await campaignId() })).length, 3, 'dismissed: nothing removed');
      ui.answers['asset-remove'] = 'Move to Trash';
      const before = gallery();
      await testing.galleryMessage(title, { type: 'remove', ids: [harbour.id, page.id] });
      await testing.galleryIdle(title);
      assert.deepEqual((await dm().assets.list({ campaign_id: await campaignId() })).map((a) => a.name), ['smile']);
      assert.deepEqual(
        gallery().changes.slice(before.changes.length).map((c) => ({ items: c.items, removed: [...c.removed].sort() })),
        [{ items: [], removed: [harbour.id, page.id].sort() }],
        'one update after the one transaction',
      );
      assert.equal(gallery().thumbnailsSent, before.thumbnailsSent);
      assert.deepEqual(gallery().listed, [(await byName('smile')).id]);
      await dm().restore('asset', harbour.id);
      await dm().restore('asset', page.id);
    });

    it('refuses requests for assets it did not list, asking nothing', async () => {
      const before = gallery().refused;
      const library = (await dm().assets.list({ campaign_id: null }))[0]!;
      await testing.galleryMessage(title, { type: 'remove', ids: [library.id] });
      await testing.galleryMessage(title, { type: 'rename', id: 'no-such-asset' });
      await testing.galleryMessage(title, { type: 'tag', ids: ['../../x'] });
      assert.equal(gallery().refused, before + 2, 'the malformed id is dropped by the parser');
      assert.deepEqual(ui.messages, []);
      assert.deepEqual(ui.inputs, []);
    });
  
    it('a tile dropped into a session’s notes becomes an image link; the file system serves the picture read-only; the link opens the gallery’s viewer', async () => {
      const page = await byName('page-0-X0');
      await testing.galleryIdle(title);
      const g = gallery();
      const tileUri = g.uris[g.listed.indexOf(page.id)]!;
      assert.match(tileUri, /^campaign:\/\/[^/]+\/Curse%20of%20the%20Salt%20Marsh\/sessions\/assets\/[^/]+\/page-0-X0\.png$/);
      const notes = vscode.Uri.parse(tileUri).with({ path: '/Curse of the Salt Marsh/sessions/Session 1.md' });
      const doc = await vscode.workspace.openTextDocument(notes);
      const provider = new AssetDropProvider({ vaultOf: () => ({ folder, dm: dm() }) });
      const data = new vscode.DataTransfer();
      data.set('text/uri-list', new vscode.DataTransferItem(`${tileUri}\r\n`));
      const token = new vscode.CancellationTokenSource().token;
      const edit = await provider.provideDocumentDropEdits(doc, new vscode.Position(0, 0), data, token);
      assert.equal(edit?.insertText, `![page-0-X0](assets/${page.id}/page-0-X0.png)`);
      assert.equal(edit.kind?.value, 'text.campaignVault.assetLink', 'a kind of text: the Markdown extension’s own link yields to it');
      const other = new vscode.DataTransfer();
      other.set('text/uri-list', new vscode.DataTransferItem(vscode.Uri.file(join(IMAGES, 'smile.png')).toString()));
      assert.equal(await provider.provideDocumentDropEdits(doc, new vscode.Position(0, 0), other, token), undefined, 'a file from disk is left to the Markdown extension');

      // What the preview loads: the link resolved against the note's folder, read through the campaign: file system.
      const target = vscode.Uri.joinPath(notes, '..', `assets/${page.id}/page-0-X0.png`);
      assert.deepEqual(new Uint8Array(await vscode.workspace.fs.readFile(target)), await dm().assets.read(page));
      assert.equal((await vscode.workspace.fs.stat(target)).size, page.size);
      await assert.rejects(Promise.resolve(vscode.workspace.fs.writeFile(target, new Uint8Array([1]))));
      await assert.rejects(Promise.resolve(vscode.workspace.fs.delete(target)), /cannot be changed here/);
      assert.deepEqual(new Uint8Array(await vscode.workspace.fs.readFile(target)), await dm().assets.read(page), 'still the asset, unchanged');
      await assert.rejects(Promise.resolve(vscode.workspace.fs.readFile(target.with({ path: target.path.replace(page.id, 'no-such-asset') }))), /EntryNotFound|FileNotFound|not found/i);

      const edited = new vscode.WorkspaceEdit();
      edited.insert(notes, new vscode.Position(doc.lineCount, 0), `\n${edit.insertText as string}\n`);
      assert.ok(await vscode.workspace.applyEdit(edited));
      const links = await vscode.commands.executeCommand<vscode.DocumentLink[]>('vscode.executeLinkProvider', notes);
      const ours = links.filter((l) => l.target?.scheme === 'command');
      assert.equal(ours.length, 2, 'the link written before and the one dropped');
      const last = ours.at(-1)!.target!;
      assert.equal(last.path, 'campaignVault.showAsset');
      const [args] = JSON.parse(decodeURIComponent(last.query)) as [unknown];
      await vscode.commands.executeCommand('campaignVault.showAsset', args);
      const viewed = await until('the viewer to show the dropped picture', () => (gallery().viewed?.id === page.id ? gallery().viewed : undefined), 60_000);
      assert.deepEqual([viewed.width, viewed.height], [324, 450]);
      assert.ok(await doc.save(), 'the note with the dropped link is saved into the session');
      assert.match(String((await dm().get('session', 'Session 1', { campaign_id: await campaignId() }))?.notes), new RegExp(`assets/${page.id}/page-0-X0\\.png`));
    });

    it('a PDF gets its first page as a thumbnail, drawn by pdf.js in the webview from the ranges it asks for', async () => {
      const pdf = new Uint8Array(readFileSync(resolve(__dirname, '../../../test/fixtures/sample-campaign/rulebooks/pdflatex-4-pages.pdf')));
      const before = gallery();
      const added = await dm().assets.add(pdf, { name: 'Ferry rules', campaign_id: await campaignId() });
      assert.equal(added.asset.mime, 'application/pdf');
      const drawn = await until('the webview to draw the PDF’s first page', () => (gallery().pdfThumbnails >= before.pdfThumbnails + 1 ? gallery() : undefined), 60_000);
      assert.deepEqual(drawn.errors, []);
      assert.equal(drawn.thumbnailsSent, before.thumbnailsSent, 'drawn in the webview, not sent by the host');
      const refused = drawn.refused;
      await testing.galleryMessage(title, { type: 'pdfRange', id: added.asset.id, begin: 0, end: 10 });
      await testing.galleryMessage(title, { type: 'pdfThumbnail', id: (await byName('smile')).id });
      assert.equal(gallery().refused, refused + 2, 'no bytes once drawn, and no PDF of a picture');
    });
});
});
