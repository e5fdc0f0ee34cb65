import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { DataManager, Entity } from '../../src/core/api';
import type { KdfParams } from '../../src/core/crypto/kdf';
import type { CampaignVaultApi, CampaignVaultTesting } from '../../src/vscode/api';
import { ScriptedPrompter } from '../support/scriptedPrompter';
import { until } from '../support/until';

const EXTENSION_ID = 'campaign-vault.campaign-vault';
const FAST_KDF: KdfParams = { algorithm: 'argon2id', memoryKiB: 8, iterations: 1, parallelism: 1 };

type Label = string | vscode.CompletionItemLabel;
const labelOf = (l: Label) => (typeof l === 'string' ? l : l.label);
const textOf = (hovers: vscode.Hover[]) => hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))).join('\n');

describe('Campaign Vault: names instead of ids (completion, hovers, links, the sheet)', function () {
  this.timeout(60_000);
  let testing: CampaignVaultTesting;
  let folder: vscode.WorkspaceFolder;
  let vaultDir: string;
  const ui = new ScriptedPrompter();
  const run = <T>(command: string, ...args: unknown[]) => vscode.commands.executeCommand<T>(`campaignVault.${command}`, ...args);
  const dm = (): DataManager => testing.dataManager(folder.uri)!;
  const item = async (path: string[]) => (await testing.tree(path.slice(0, -1))).find((i) => i.label === path.at(-1));
  const uriOf = async (path: string[]) => vscode.Uri.parse((await until(`tree item ${path.join(' › ')}`, () => item(path)))!.resourceUri!);
  let campaign: Entity;
  let phandalin: Entity;
  let fireball: Entity;
  let dagger: Entity;
  let sildar: Entity;

  /** Replaces the whole text of an open document (unsaved), and returns it. */
  async function setText(uri: vscode.Uri, text: string): Promise<vscode.TextDocument> {
    const doc = await vscode.workspace.openTextDocument(uri);
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, new vscode.Range(0, 0, doc.lineCount, 0), text);
    assert.ok(await vscode.workspace.applyEdit(edit));
    return doc;
  }
  const complete = (uri: vscode.Uri, at: vscode.Position, trigger?: string) => vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, at, trigger);
  const revert = async (doc: vscode.TextDocument) => {
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  };
  const endOfLine = (doc: vscode.TextDocument, line: number) => doc.lineAt(line).range.end;

  before(async () => {
    const api = await vscode.extensions.getExtension<CampaignVaultApi>(EXTENSION_ID)!.activate();
    testing = api._testing!;
    folder = vscode.workspace.workspaceFolders![0]!;
    vaultDir = join(folder.uri.fsPath, '.campaign-vault');
    await fs.rm(vaultDir, { recursive: true, force: true });
    testing.setKdf(FAST_KDF);
    testing.setPrompter(ui);
    await run('refresh');
    await dm().createVault();
    campaign = await dm().createCampaign({ name: 'Lost Mine' });
    const other = await dm().createCampaign({ name: 'Curse of Strahd' });
    phandalin = await dm().createLocation({ name: 'Phandalin', campaign_id: campaign.id, type: 'town' });
    await dm().createLocation({ name: 'Tresendar Manor', campaign_id: campaign.id, parent_id: phandalin.id });
    await dm().createLocation({ name: 'Barovia', campaign_id: other.id });
    fireball = await dm().createSpell({ name: 'Fireball', level: 3, school: 'evocation' });
    dagger = await dm().createItem({ name: 'Dagger', campaign_id: campaign.id });
    sildar = await dm().createNpc({ name: 'Sildar', campaign_id: campaign.id, location_id: phandalin.id });
    await dm().createCharacter({
      name: 'Zanna',
      campaign_id: campaign.id,
      class: 'Wizard',
      level: 5,
      spells: { known: [{ name: 'Fireball', level: 3, spell_id: fireball.id }] },
      inventory: [{ name: 'Dagger', item_id: dagger.id }],
    });
    await run('refresh');
  });

  afterEach(function () {
    ui.finishTest(this.currentTest?.state);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await dm()?.lock();
    await fs.rm(vaultDir, { recursive: true, force: true });
    testing?.setPrompter(undefined);
    testing?.setKdf(undefined);
    await run('refresh');
  });

  // Auto save is on in VS Code for the web: a valid edit below may reach the vault, so each test
  // sets the text it needs rather than relying on what an earlier one left.
  it('completes location_id by name, inserting the id', async () => {
    const uri = await uriOf(['Lost Mine', 'NPCs', 'Sildar']);
    const doc = await setText(uri, 'name: Sildar\nlocation_id: \n');
    const list = await complete(uri, endOfLine(doc, 1), ' ');
    const offered = list.items.filter((i) => typeof i.insertText === 'string' && /^[0-9a-f-]{36}$/.test(i.insertText));
    assert.deepEqual(
      offered.map((i) => labelOf(i.label)),
      ['Phandalin', 'Tresendar Manor', 'Barovia'],
      'locations only: this campaign first, then others',
    );
    const pick = offered[0]!;
    assert.equal(pick.insertText, phandalin.id);
    assert.equal(typeof pick.label === 'string' ? undefined : pick.label.description, 'location');
    assert.equal((typeof offered[2]!.label === 'string' ? '' : offered[2]!.label.description), 'location · Curse of Strahd');
    // Asked right against the colon, the id comes with its space.
    await setText(uri, 'name: Sildar\nlocation_id:\n');
    const tight = await complete(uri, endOfLine(doc, 1));
    assert.ok(tight.items.some((i) => i.insertText === ` ${phandalin.id}`), tight.items.map((i) => String(i.insertText)).join());
    await revert(doc);
  });

  it("offers a location's parent only from its campaign, never the location itself", async () => {
    const uri = await uriOf(['Lost Mine', 'Locations', 'Phandalin', 'Tresendar Manor']);
    const doc = await setText(uri, 'name: Tresendar Manor\nparent_id: \n');
    const list = await complete(uri, endOfLine(doc, 1), ' ');
    const names = list.items.filter((i) => typeof i.insertText === 'string' && /^[0-9a-f-]{36}$/.test(i.insertText)).map((i) => labelOf(i.label));
    assert.deepEqual(names, ['Phandalin']);
    await revert(doc);
  });

  it('names the entry an id stands for: hover, inlay hint, and a link that opens it', async () => {
    const uri = await uriOf(['Lost Mine', 'NPCs', 'Sildar']);
    // The text as typed (auto save may have written the earlier tests' edits).
    const doc = await setText(uri, `name: Sildar\nlocation_id: ${phandalin.id}\n`);
    const onId = new vscode.Position(1, 'location_id: '.length + 4);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, onId);
    assert.match(textOf(hovers), /Phandalin/);
    const hints = await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', uri, new vscode.Range(0, 0, doc.lineCount, 0));
    assert.deepEqual(
      hints.map((h) => (typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join(''))),
      ['Phandalin'],
    );
    const links = await vscode.commands.executeCommand<vscode.DocumentLink[]>('vscode.executeLinkProvider', uri);
    const link = links.find((l) => l.range.contains(onId));
    assert.ok(link?.target?.path.endsWith('/Lost Mine/locations/Phandalin.yaml'), JSON.stringify(links.map((l) => l.target?.path)));
  });

  it('warns about an id that names no entry of the right kind, and stops when it is fixed', async () => {
    const uri = await uriOf(['Lost Mine', 'NPCs', 'Sildar']);
    const refs = () => vscode.languages.getDiagnostics(uri).filter((d) => d.source?.includes('links'));
    await setText(uri, 'name: Sildar\nlocation_id: 0193e5a2-7b3c-7def-8000-00000000dead\n');
    const missing = await until('a warning on the unknown id', () => (refs().length === 1 ? refs()[0] : undefined));
    assert.equal(missing.severity, vscode.DiagnosticSeverity.Warning);
    assert.match(missing.message, /No location with this id/);
    await setText(uri, `name: Sildar\nlocation_id: ${dagger.id}\n`);
    await until('a warning that names what the id is', () => refs().some((d) => /item Dagger/.test(d.message)));
    await setText(uri, `name: Sildar\nlocation_id: ${phandalin.id}\n`);
    await until('no warning', () => refs().length === 0);
  });

  it('completes [[ with the names of entries of every kind, and inserts the link', async () => {
    const uri = await uriOf(['Lost Mine', 'NPCs', 'Sildar']);
    const doc = await setText(uri, 'name: Sildar\ndescription: Met in [[Pha]]\nally: [[\n');
    const inText = await complete(uri, new vscode.Position(1, 'description: Met in [[Pha'.length), '[');
    const phan = inText.items.find((i) => labelOf(i.label) === 'Phandalin');
    assert.ok(phan, inText.items.map((i) => labelOf(i.label)).join());
    assert.equal(phan.insertText, '[[Phandalin]]');
    const range = phan.range as vscode.Range;
    assert.equal(doc.getText(range), '[[Pha]]', 'the typed link, closing brackets included, is replaced');
    const atStart = await complete(uri, endOfLine(doc, 2), '[');
    const kinds = new Set(atStart.items.filter((i) => typeof i.insertText === 'string' && i.insertText.includes('[[')).map((i) => i.detail));
    for (const k of ['campaign', 'location', 'spell', 'item', 'character']) assert.ok(kinds.has(k), `${k} offered (${[...kinds].join()})`);
    const fire = atStart.items.find((i) => labelOf(i.label) === 'Fireball')!;
    assert.equal(fire.insertText, '"[[Fireball]]"', 'a value that starts with a link is quoted');
    assert.equal(typeof fire.label === 'string' ? '' : fire.label.description, 'spell · shared library');
    assert.ok(!atStart.items.some((i) => labelOf(i.label) === 'Sildar' && typeof i.insertText === 'string' && i.insertText.includes('[[')), 'not the entry itself');
    await revert(doc);

    // And in a session's Markdown notes.
    await dm().createSession({ name: 'Goblin Arrows', campaign_id: campaign.id, number: 1 });
    const notes = uri.with({ path: '/Lost Mine/sessions/Goblin Arrows.md' });
    await vscode.workspace.fs.writeFile(notes, new TextEncoder().encode('# Session 1\n\nThe party met [[Sil\n'));
    const md = await vscode.workspace.openTextDocument(notes);
    const inNotes = await complete(notes, endOfLine(md, 2), '[');
    assert.equal(inNotes.items.find((i) => labelOf(i.label) === 'Sildar')?.insertText, '[[Sildar]]');
  });

  it("the sheet shows linked spells and items, and opens them — only the document's own links", async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const uri = await uriOf(['Lost Mine', 'Characters', 'Zanna']);
    await run('openAsSheet', await testing.treeNode(['Lost Mine', 'Characters', 'Zanna']));
    type Posted = { type: string; message?: string; model?: { spellcasting: { spells: { spells: { name: string; spellId: string | null }[] }[] }; inventory: { items: { name: string; itemId: string | null }[] } } };
    const sheet = () => testing.sheets().find((x) => x.uri === uri.toString());
    const posted = () => sheet()?.lastPosted as Posted | undefined;
    await until('the sheet', () => sheet()?.ready && posted()?.type === 'update');
    const model = posted()!.model!;
    assert.equal(model.spellcasting.spells.flatMap((g) => g.spells).find((s) => s.name === 'Fireball')?.spellId, fireball.id);
    assert.equal(model.inventory.items.find((i) => i.name === 'Dagger')?.itemId, dagger.id);

    const openPaths = () => vscode.window.visibleTextEditors.map((e) => e.document.uri.path);
    assert.ok(testing.sheetMessage(uri.toString(), { type: 'openEntry', id: fireball.id }));
    await until('the spell to open', () => openPaths().includes('/_shared/spells/Fireball.yaml'));
    assert.ok(testing.sheetMessage(uri.toString(), { type: 'openEntry', id: dagger.id }));
    await until('the item to open', () => openPaths().includes('/Lost Mine/items/Dagger.yaml'));

    // An id the document does not link to (here an NPC's) is refused, even though it is in the vault.
    assert.ok(testing.sheetMessage(uri.toString(), { type: 'openEntry', id: sildar.id }));
    await until('the refusal', () => posted()?.type === 'error');
    assert.match(posted()!.message!, /does not link to/);
    assert.ok(!openPaths().includes('/Lost Mine/npcs/Sildar.yaml'), 'nothing was opened');

    // A link whose entry went to the Trash says so.
    await dm().delete('item', dagger.id);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await run('openAsSheet', await testing.treeNode(['Lost Mine', 'Characters', 'Zanna']));
    await until('the sheet again', () => sheet()?.ready && posted()?.type === 'update');
    assert.ok(testing.sheetMessage(uri.toString(), { type: 'openEntry', id: dagger.id }));
    await until('the missing entry reported', () => posted()?.type === 'error' && /not in the vault/.test(posted()!.message!));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
