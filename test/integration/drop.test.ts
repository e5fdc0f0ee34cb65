import * as assert from 'node:assert/strict';
import { promises as fs, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as vscode from 'vscode';
import type { DataManager, Entity } from '../../src/core/api';
import type { KdfParams } from '../../src/core/crypto/kdf';
import { labelOf } from '../../src/core/rulebooks/pages';
import { labelSource } from '../../src/core/rulebooks/service';
import type { CampaignVaultApi, CampaignVaultTesting } from '../../src/vscode/api';
import { ScriptedPrompter } from '../support/scriptedPrompter';
import { until } from '../support/until';

const EXTENSION_ID = 'campaign-vault.campaign-vault';
const FAST_KDF: KdfParams = { algorithm: 'argon2id', memoryKiB: 8, iterations: 1, parallelism: 1 };
const PASSWORD = 'dropped on the table 3';
const ROOT = resolve(__dirname, '../../..');
const IMAGES = join(ROOT, 'test/fixtures/images');
const BOOKS = join(ROOT, 'test/fixtures/rulebooks');
const CAMPAIGN = 'Tomb of the Drowned King';

/** A file dragged from the desktop, as VS Code hands it to a view: a name and bytes on request, and no path in a browser. */
class DesktopFile extends vscode.DataTransferItem {
  constructor(
    private readonly fileName: string,
    private readonly bytes: Uint8Array,
    private readonly fileUri?: vscode.Uri,
  ) {
    super('');
  }
  override asFile(): vscode.DataTransferFile {
    return { name: this.fileName, ...(this.fileUri ? { uri: this.fileUri } : {}), data: async () => this.bytes };
  }
}

/** What VS Code's Explorer puts on a drag: the files' URIs as a text/uri-list. */
function fromExplorer(...uris: vscode.Uri[]): vscode.DataTransfer {
  const data = new vscode.DataTransfer();
  data.set('text/uri-list', new vscode.DataTransferItem(uris.map((u) => u.toString()).join('\r\n')));
  return data;
}

function fromDesktop(...files: { name: string; bytes: Uint8Array; mime: string }[]): vscode.DataTransfer {
  const data = new vscode.DataTransfer();
  for (const f of files) data.set(f.mime, new DesktopFile(f.name, f.bytes));
  return data;
}

describe('Campaign Vault: files dropped on the Campaigns view, and links to a rulebook page', function () {
  this.timeout(180_000);
  let testing: CampaignVaultTesting;
  let folder: vscode.WorkspaceFolder;
  let vaultDir: string;
  const ui = new ScriptedPrompter();
  const run = <T>(command: string, ...args: unknown[]) => vscode.commands.executeCommand<T>(`campaignVault.${command}`, ...args);
  const dm = (): DataManager => testing.dataManager(folder.uri)!;
  const scratch = mkdtempSync(join(tmpdir(), 'cv-drop-it-'));
  const holdings = async () => ({ rulebooks: await dm().count('rulebook'), assets: await dm().count('asset'), files: (await dm().listFiles()).length });
  let campaign: Entity;
  let book: Entity;

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
    campaign = await dm().createCampaign({ name: CAMPAIGN });
    await until('the tree to show the campaign', async () => (await testing.tree()).some((k) => k.label === CAMPAIGN));
  });

  afterEach(function () {
    ui.finishTest(this.currentTest?.state);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await dm()?.lock();
    await fs.rm(vaultDir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
    testing?.setPrompter(undefined);
    testing?.setKdf(undefined);
    await run('refresh');
  });

  it('a PDF dragged from the Explorer onto a campaign’s Rulebooks node becomes a rulebook of that campaign, with Add Rulebook’s cancellable progress', async () => {
    const before = await holdings();
    await testing.treeDropData([CAMPAIGN, 'Rulebooks'], fromExplorer(vscode.Uri.file(join(BOOKS, 'minimal-opend6-srd.pdf'))));
    assert.deepEqual(ui.shown('error'), []);
    const books = await dm().list('rulebook', { campaign_id: campaign.id });
    assert.equal(books.length, 1);
    book = books[0]!;
    assert.equal(book.page_count, 83);
    assert.deepEqual(ui.progresses.map((p) => [p.id, p.cancellable]), [['rulebook-add', true]]);
    assert.match(ui.shown('rulebook-added')[0]?.text ?? '', /83 pages/);
    assert.deepEqual(ui.picks, [], 'nothing asked: the node says where');
    assert.deepEqual(await holdings(), { rulebooks: before.rulebooks + 1, assets: before.assets + 1, files: before.files + 1 });
    await until('the Rulebooks node to list it', async () => (await testing.tree([CAMPAIGN, 'Rulebooks']).catch(() => [])).some((k) => k.label === book.name));
  });

  it('a PNG dragged from the desktop (bytes, no path) onto the Assets node becomes an asset of that campaign, asking the kind and tags as Add Asset does', async () => {
    ui.play({ pick: 'asset-type', label: 'Map' }, { input: 'asset-tags', answer: 'crypt' });
    await testing.treeDropData([CAMPAIGN, 'Assets'], fromDesktop({ name: 'crypt.png', bytes: new Uint8Array(readFileSync(join(IMAGES, 'page-0-X0.png'))), mime: 'image/png' }));
    assert.deepEqual(ui.shown('error'), []);
    const [asset] = await dm().assets.list({ campaign_id: campaign.id, text: 'crypt' });
    assert.ok(asset, 'the asset is there');
    assert.deepEqual([asset.name, asset.asset_type, asset.width, asset.height, asset.tags], ['crypt', 'map', 324, 450, ['crypt']]);
    assert.match(ui.shown('asset-added')[0]?.text ?? '', /Added the asset “crypt”/);
    // The campaign's assets: the book's PDF (previous test) and this map.
    assert.equal(await dm().count('asset', { campaign_id: campaign.id }), 2);
    await until('the Assets node to count it', async () => (await testing.tree([CAMPAIGN]).catch(() => [])).find((k) => k.contextValue === 'kind.asset')?.description === '2');
  });

  it('two files at once on the Shared Library become two assets there (a PDF too, off a Rulebooks node); the same PDF dropped on Rulebooks then shares the one stored file', async () => {
    const before = await holdings();
    const pdf = vscode.Uri.file(join(BOOKS, 'questworlds-srd.pdf'));
    ui.play({ pick: 'asset-type', label: 'By content' }, { input: 'asset-tags', answer: '' });
    await testing.treeDropData(['Shared Library'], fromExplorer(vscode.Uri.file(join(IMAGES, 'smile.png')), pdf));
    assert.deepEqual(ui.shown('error'), []);
    const library = await dm().assets.list({ campaign_id: null });
    assert.deepEqual(library.map((a) => [a.name, a.asset_type]).sort(), [['questworlds-srd', 'pdf'], ['smile', 'image']]);
    assert.match(ui.shown('asset-added')[0]?.text ?? '', /Added 2 assets/);
    assert.deepEqual(await holdings(), { ...before, assets: before.assets + 2, files: before.files + 2 });

    await testing.treeDropData(['Shared Library', 'Rulebooks'], fromExplorer(pdf));
    const [qw] = await dm().list('rulebook', { campaign_id: null });
    assert.ok(qw, JSON.stringify(ui.shown('error')));
    assert.equal(qw.asset_id, library.find((a) => a.asset_type === 'pdf')!.id, 'the book uses the PDF asset already there');
    assert.deepEqual(await holdings(), { rulebooks: before.rulebooks + 1, assets: before.assets + 2, files: before.files + 2 }, 'stored once');
  });

  it('a file both from the desktop and in the URI list (as the desktop app sends it) is added once', async () => {
    const before = await holdings();
    const uri = vscode.Uri.file(join(IMAGES, 'smile.jpg'));
    const data = fromExplorer(uri);
    data.set('image/jpeg', new DesktopFile('smile.jpg', new Uint8Array(readFileSync(uri.fsPath)), uri));
    ui.play({ pick: 'asset-type', label: 'By content' }, { input: 'asset-tags', answer: '' });
    await testing.treeDropData([CAMPAIGN], data);
    assert.deepEqual(await holdings(), { ...before, assets: before.assets + 1, files: before.files + 1 });
    assert.equal((await dm().assets.list({ campaign_id: campaign.id, text: 'smile' })).length, 1);
  });

  it('damaged and unsupported files are refused with one sentence each and nothing of them written; the good file still goes in', async () => {
    const before = await holdings();
    const truncatedPng = readFileSync(join(IMAGES, 'smile.png')).subarray(0, 20);
    const notPdf = join(scratch, 'house rules.pdf');
    writeFileSync(notPdf, 'These are my notes, not a PDF.\n');
    const truncatedPdf = join(scratch, 'truncated.pdf');
    writeFileSync(truncatedPdf, readFileSync(join(BOOKS, 'questworlds-srd.pdf')).subarray(0, 20_000));
    // On Rulebooks: the two bad PDFs are each said, and the picture beside them goes in as an asset.
    ui.play({ pick: 'asset-type', label: 'By content' }, { input: 'asset-tags', answer: '' });
    const data = fromExplorer(vscode.Uri.file(notPdf), vscode.Uri.file(truncatedPdf));
    data.set('image/png', new DesktopFile('broken.png', new Uint8Array(truncatedPng)));
    data.set('image/jpeg', new DesktopFile('image.jpg', new Uint8Array(readFileSync(join(IMAGES, 'image.jpg')))));
    await testing.treeDropData([CAMPAIGN, 'Rulebooks'], data);
    const books = ui.shown('rulebook-refused').map((m) => m.text);
    assert.equal(books.length, 2, JSON.stringify(ui.messages));
    assert.match(books[0]!, /^“house rules\.pdf” was not added: .*is not a PDF/);
    assert.match(books[1]!, /^“truncated\.pdf” was not added: .*(damaged|truncated|could not be read)/i);
    const assets = ui.shown('asset-refused').map((m) => m.text);
    assert.equal(assets.length, 1);
    assert.match(assets[0]!, /^“broken\.png” was not added: .*(damaged|truncated)/);
    assert.deepEqual(ui.shown('error'), [], 'no generic failure on top');
    assert.deepEqual(await holdings(), { rulebooks: before.rulebooks, assets: before.assets + 1, files: before.files + 1 }, 'only image.jpg stored');
  });

  it('a folder is refused plainly; a drop on the Trash or on no node says where files go', async () => {
    const before = await holdings();
    ui.play({ pick: 'asset-type', label: 'By content' }, { input: 'asset-tags', answer: '' });
    await testing.treeDropData([CAMPAIGN], fromExplorer(vscode.Uri.file(scratch)));
    assert.match(ui.shown('asset-refused')[0]?.text ?? '', /is a folder/);
    await testing.treeDropData(['Trash'], fromExplorer(vscode.Uri.file(join(IMAGES, 'smile.png'))));
    await testing.treeDropData(undefined, fromExplorer(vscode.Uri.file(join(IMAGES, 'smile.png'))));
    assert.equal(ui.shown('drop-where').length, 2);
    assert.match(ui.shown('drop-where')[0]!.text, /Drop files on a campaign/);
    assert.deepEqual(await holdings(), before);
  });

  it('entries dragged inside the view still move (their drag also carries campaign: URIs), and nothing becomes an asset', async () => {
    const harbour = await dm().createCampaign({ name: 'Harbour Town' });
    const npc = await dm().create('npc', { name: 'Ferryman Ols', campaign_id: campaign.id });
    await until('the tree to list the NPC', async () => (await testing.tree([CAMPAIGN, 'NPCs']).catch(() => [])).some((k) => k.label === npc.name));
    const before = await holdings();
    await testing.treeDrop([CAMPAIGN, 'NPCs', npc.name], ['Harbour Town']);
    assert.equal((await dm().get('npc', npc.id))?.campaign_id, harbour.id);
    assert.deepEqual(await holdings(), before);
    assert.deepEqual(ui.picks, []);
  });

  it('a link …/rulebook?book=…&page=… opens the book at that page; label= at the printed page', async () => {
    const link = (query: string) => vscode.Uri.parse(`${vscode.env.uriScheme}://${EXTENSION_ID}/rulebook?${query}`);
    await testing.openLink(link(`book=${encodeURIComponent(book.name)}&page=12`));
    const viewer = () => testing.rulebookViewers().find((v) => v.id === book.id);
    await until('the viewer to draw page 12', () => viewer()?.rendered?.page === 12, 60_000);
    const label = labelOf(labelSource(book), 20);
    assert.ok(label, 'page 20 has a printed label');
    await testing.openLink(link(`book=${book.id}&label=${encodeURIComponent(label)}`));
    await until(`the viewer to draw the page labelled ${label}`, () => viewer()?.rendered?.page === 20, 60_000);
    assert.deepEqual(ui.shown('error'), []);
  });

  it('a link to an unknown book, a page out of range or not a number says so in one sentence', async () => {
    const link = (query: string) => vscode.Uri.parse(`${vscode.env.uriScheme}://${EXTENSION_ID}/rulebook?${query}`);
    await testing.openLink(link('book=No%20Such%20Book&page=3'));
    await until('the unknown book to be said', () => ui.shown('error').length === 1);
    assert.match(ui.shown('error')[0]!.text, /no rulebook “No Such Book”/);
    await testing.openLink(link(`book=${encodeURIComponent(book.name)}&page=999`));
    await until('the page out of range to be said', () => ui.shown('error').length === 2);
    assert.match(ui.shown('error')[1]!.text, /pages 1 to 83; there is no page 999/);
    await testing.openLink(link(`book=${encodeURIComponent(book.name)}&page=twelve`));
    await until('the bad page to be said', () => ui.shown('error').length === 3);
    assert.match(ui.shown('error')[2]!.text, /“twelve” is not a page number/);
  });

  it('while the vault is locked, a link offers to unlock and then opens the page; a drop says to unlock first', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await run('lock');
    await until('the vault to lock', () => !dm().isUnlocked);
    await testing.treeDropData(undefined, fromExplorer(vscode.Uri.file(join(IMAGES, 'smile.png'))));
    const said = ui.shown('cannot-run');
    assert.equal(said.length, 1);
    assert.match(said[0]!.text, /locked\. Unlock it first/);
    assert.deepEqual(said[0]!.actions, ['Unlock']);

    ui.answers['rulebook-link-locked'] = 'Unlock';
    ui.play({ input: 'password', answer: PASSWORD });
    await testing.openLink(vscode.Uri.parse(`${vscode.env.uriScheme}://${EXTENSION_ID}/rulebook?book=${encodeURIComponent(book.name)}&page=7`));
    await until('the viewer to draw page 7 after the unlock', () => testing.rulebookViewers().find((v) => v.id === book.id)?.rendered?.page === 7, 60_000);
    assert.match(ui.shown('rulebook-link-locked')[0]?.text ?? '', /locked\. Unlock it to open/);
    assert.equal(dm().isUnlocked, true);
  });
});
