import * as assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { DataManager, Entity } from '../../src/core/api';
import type { KdfParams } from '../../src/core/crypto/kdf';
import type { CampaignVaultApi, CampaignVaultTesting } from '../../src/vscode/api';
import { ScriptedPrompter } from '../support/scriptedPrompter';
import { until } from '../support/until';

const EXTENSION_ID = 'campaign-vault.campaign-vault';
const FAST_KDF: KdfParams = { algorithm: 'argon2id', memoryKiB: 8, iterations: 1, parallelism: 1 };

describe('Campaign Vault: campaigns in the sidebar, entries as YAML documents', function () {
  this.timeout(60_000);
  let api: CampaignVaultApi;
  let testing: CampaignVaultTesting;
  let folder: vscode.WorkspaceFolder;
  let vaultDir: string;
  const ui = new ScriptedPrompter();
  const run = <T>(command: string, ...args: unknown[]) => vscode.commands.executeCommand<T>(`campaignVault.${command}`, ...args);
  const dm = (): DataManager => testing.dataManager(folder.uri)!;
  const labels = async (path: string[] = []) => (await testing.tree(path)).map((i) => i.label);
  const item = async (path: string[]) => (await testing.tree(path.slice(0, -1))).find((i) => i.label === path.at(-1));
  const uriOf = async (path: string[]) => vscode.Uri.parse((await until(`tree item ${path.join(' › ')}`, () => item(path)))!.resourceUri!);
  const diagnostics = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri);
  let campaign: Entity;
  /** Runs `test` with VS Code's auto save on (after a short delay), as many game masters have it. */
  const withAutoSave = async (test: () => Promise<void>) => {
    const files = () => vscode.workspace.getConfiguration('files');
    await files().update('autoSaveDelay', 300, vscode.ConfigurationTarget.Global);
    await files().update('autoSave', 'afterDelay', vscode.ConfigurationTarget.Global);
    try {
      await test();
    } finally {
      await files().update('autoSave', undefined, vscode.ConfigurationTarget.Global);
      await files().update('autoSaveDelay', undefined, vscode.ConfigurationTarget.Global);
    }
  };

  before(async () => {
    api = await vscode.extensions.getExtension<CampaignVaultApi>(EXTENSION_ID)!.activate();
    testing = api._testing!;
    folder = vscode.workspace.workspaceFolders![0]!;
    vaultDir = join(folder.uri.fsPath, '.campaign-vault');
    await fs.rm(vaultDir, { recursive: true, force: true });
    testing.setKdf(FAST_KDF);
    testing.setPrompter(ui);
    await run('refresh');
    await dm().createVault();
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

  it('creates a campaign from the view and shows it with its library and trash', async () => {
    assert.deepEqual(await labels(), [], 'an empty vault shows the "No campaigns yet" welcome');
    ui.play({ input: 'entity-name', answer: 'Lost Mine of Phandelver' });
    campaign = (await run<Entity>('newCampaign'))!;
    assert.equal(campaign.name, 'Lost Mine of Phandelver');
    await until('the campaign in the tree', async () => (await labels()).includes('Lost Mine of Phandelver'));
    assert.deepEqual(await labels(), ['Lost Mine of Phandelver', 'Shared Library', 'Trash']);
    const kinds = await testing.tree(['Lost Mine of Phandelver']);
    assert.deepEqual(
      kinds.map((k) => `${k.label} ${k.description}`),
      ['Characters 0', 'NPCs 0', 'Sessions 0', 'Locations 0', 'Items 0', 'Spells 0', 'Rulebooks 0', 'Assets 0'],
    );
    assert.equal(vscode.window.activeTextEditor?.document.uri.path, '/Lost Mine of Phandelver/campaign.yaml', 'the new campaign opens');
  });

  it('creates a character under Characters and opens it as a YAML document', async () => {
    ui.play({ input: 'entity-name', answer: 'Zanna' });
    const node = await testing.treeNode(['Lost Mine of Phandelver', 'Characters']);
    const zanna = (await run<Entity>('newEntity', node))!;
    assert.equal(zanna.campaign_id, campaign.id);
    const editor = await until('the editor', () => (vscode.window.activeTextEditor?.document.uri.path.endsWith('/characters/Zanna.yaml') ? vscode.window.activeTextEditor : undefined));
    assert.equal(editor.document.uri.scheme, 'campaign');
    assert.equal(editor.document.languageId, 'yaml');
    assert.equal(editor.document.getText(), 'name: Zanna\n');
    await until('the count', async () => (await item(['Lost Mine of Phandelver', 'Characters']))?.description === '1');
  });

  it('saves an edited sheet through the vault: validated, durable, audited', async () => {
    const uri = await uriOf(['Lost Mine of Phandelver', 'Characters', 'Zanna']);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(uri, doc.positionAt(doc.getText().length), 'class: Wizard\nlevel: 1\nhp:\n  max: 8\n  current: 8\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.ok(await doc.save(), 'the save succeeds');
    const stored = (await dm().get('character', 'Zanna', { campaign_id: campaign.id }))!;
    assert.deepEqual(stored.hp, { max: 8, current: 8 });
    assert.equal(stored.class, 'Wizard');
    const audit = await dm().auditLog({ kind: 'character', id: stored.id });
    assert.ok(audit.some((a) => a.action === 'update'), 'the save is in the audit log');
    assert.equal((await item(['Lost Mine of Phandelver', 'Characters', 'Zanna']))?.description, 'Wizard · level 1');
  });

  it('marks invalid YAML where it is, refuses to save it, and keeps the text', async () => {
    const uri = await uriOf(['Lost Mine of Phandelver', 'Characters', 'Zanna']);
    const doc = await vscode.workspace.openTextDocument(uri);
    const before = await dm().get('character', 'Zanna', { campaign_id: campaign.id });
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, new vscode.Range(0, 0, doc.lineCount, 0), 'name: Zanna\nlevel: [1\nclass: Wizard\n');
    await vscode.workspace.applyEdit(edit);
    const diags = await until('a YAML diagnostic', () => (diagnostics(uri).some((d) => d.source?.includes('YAML')) ? diagnostics(uri) : undefined));
    assert.ok(diags[0]!.range.start.line >= 1, `on line ${diags[0]!.range.start.line}`);
    assert.equal(diags[0]!.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(await doc.save(), false, 'the save is refused');
    assert.ok(doc.isDirty, 'the editor keeps the text');
    assert.match(doc.getText(), /level: \[1/);
    assert.deepEqual(await dm().get('character', before!.id), before, 'nothing reached the vault');
  });

  it('marks a schema violation on the offending node, and clears it when fixed', async () => {
    const uri = await uriOf(['Lost Mine of Phandelver', 'Characters', 'Zanna']);
    const doc = await vscode.workspace.openTextDocument(uri);
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, new vscode.Range(0, 0, doc.lineCount, 0), 'name: Zanna\nabilities:\n  int: 17\n  dex: 99\nlevle: 2\n');
    await vscode.workspace.applyEdit(edit);
    const diags = await until('two schema diagnostics', () => (diagnostics(uri).length === 2 ? diagnostics(uri) : undefined));
    const texts = diags.map((d) => doc.getText(d.range)).sort();
    assert.deepEqual(texts, ['dex: 99', 'levle']);
    assert.ok(diags.some((d) => /did you mean.*level/.test(d.message)));
    assert.equal(await doc.save(), false);
    const fix = new vscode.WorkspaceEdit();
    fix.replace(uri, new vscode.Range(0, 0, doc.lineCount, 0), 'name: Zanna\nclass: Wizard\nlevel: 2\nabilities:\n  int: 17\n  dex: 14\nhp:\n  max: 14\n  current: 14\n');
    await vscode.workspace.applyEdit(fix);
    await until('no diagnostics', () => diagnostics(uri).length === 0);
    assert.ok(await doc.save());
    assert.equal((await dm().get('character', 'Zanna', { campaign_id: campaign.id }))?.level, 2);
  });

  it('after a refused save, saves the next valid state by itself', async () => withAutoSave(async () => {
    const uri = await uriOf(['Lost Mine of Phandelver', 'Characters', 'Zanna']);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const broken = new vscode.WorkspaceEdit();
    broken.replace(uri, new vscode.Range(0, 0, doc.lineCount, 0), 'name: Zanna\nclass: Wizard\nlevel: [3\n');
    await vscode.workspace.applyEdit(broken);
    // Refused (whether VS Code's auto save got there first or not): VS Code stops auto saving it.
    assert.equal(await doc.save(), false, 'the invalid text is refused');
    assert.ok(doc.isDirty);
    const fixed = new vscode.WorkspaceEdit();
    fixed.replace(uri, new vscode.Range(0, 0, doc.lineCount, 0), 'name: Zanna\nclass: Wizard\nlevel: 3\nhp:\n  max: 20\n  current: 20\n');
    await vscode.workspace.applyEdit(fixed);
    await until('the valid text saved', () => !doc.isDirty, 10_000);
    assert.equal((await dm().get('character', 'Zanna', { campaign_id: campaign.id }))?.level, 3);
    assert.deepEqual(diagnostics(uri), []);
  }));

  it('shows a refusal the squiggles do not explain on the first line, and saves once it is fixed', async () =>
    withAutoSave(async () => {
      const other = await dm().create('character', { name: 'Brienne', campaign_id: campaign.id });
      const uri = await uriOf(['Lost Mine of Phandelver', 'Characters', 'Zanna']);
      const doc = await vscode.workspace.openTextDocument(uri);
      const taken = new vscode.WorkspaceEdit();
      taken.replace(uri, new vscode.Range(0, 0, 1, 0), 'name: Brienne\n');
      await vscode.workspace.applyEdit(taken);
      assert.deepEqual(diagnostics(uri), [], 'the text itself is valid');
      assert.equal(await doc.save(), false, 'the name is taken in this campaign');
      const shown = await until('the refusal on the first line', () => diagnostics(uri).find((d) => /already exists/.test(d.message)));
      assert.equal(shown.range.start.line, 0);
      assert.equal(shown.severity, vscode.DiagnosticSeverity.Error);
      const renamed = new vscode.WorkspaceEdit();
      renamed.replace(uri, new vscode.Range(0, 0, 1, 0), 'name: Zanna\n');
      await vscode.workspace.applyEdit(renamed);
      await until('the fixed text saved', () => !doc.isDirty, 10_000);
      assert.deepEqual(diagnostics(uri), []);
      await dm().delete('character', other.id);
      await dm().purge('character', other.id);
    }));

  it('keeps the text as typed, comments included, until the entry changes elsewhere', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const uri = await uriOf(['Lost Mine of Phandelver', 'Characters', 'Zanna']);
    const typed = '# Zanna: played by Anna\nname: Zanna\nclass: Wizard   # school of evocation\nlevel: 2\nabilities:\n  int: 17\n  dex: 14\nhp:\n  max: 14\n  current: 14\n';
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(typed));
    assert.equal(new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)), typed);
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.equal(doc.getText(), typed);
  });

  it('completes field names and values from the schema and explains fields on hover', async () => {
    const uri = await uriOf(['Lost Mine of Phandelver', 'Characters', 'Zanna']);
    const doc = await vscode.workspace.openTextDocument(uri);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(uri, doc.positionAt(doc.getText().length), 'spells:\n  ability: ');
    await vscode.workspace.applyEdit(edit);
    const values = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, doc.positionAt(doc.getText().length));
    const labelsOf = (l: vscode.CompletionList) => l.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    assert.ok(labelsOf(values).includes('int'), labelsOf(values).join());
    const hpLine = doc.getText().split('\n').indexOf('hp:');
    assert.ok(hpLine > 0, doc.getText());
    const fields = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, new vscode.Position(hpLine + 1, 2));
    assert.ok(labelsOf(fields).includes('temp'), 'hp.temp is offered inside hp');
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(hpLine, 1));
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, /Hit points/);
    // An ability score's hover gives its range, not its example as the only value.
    const dexLine = doc.getText().split('\n').findIndex((l) => /^\s+dex:/.test(l));
    assert.ok(dexLine > 0, doc.getText());
    const dexHovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(dexLine, doc.lineAt(dexLine).firstNonWhitespaceCharacterIndex + 1));
    const dex = dexHovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(dex, /A whole number from 1 to 30\./);
    assert.doesNotMatch(dex, /One of/);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it('follows changes made through the API: the tree and an open document update', async () => {
    const uri = await uriOf(['Lost Mine of Phandelver', 'Characters', 'Zanna']);
    const doc = await vscode.workspace.openTextDocument(uri);
    await until('a clean document', () => !doc.isDirty);
    const zanna = (await dm().get('character', 'Zanna', { campaign_id: campaign.id }))!;
    await dm().update('character', zanna.id, { level: 3 });
    await until('the document to reload', () => doc.getText().includes('level: 3'));
    await dm().createNpc({ name: 'Sildar Hallwinter', campaign_id: campaign.id, role: 'ally' });
    await until('the NPC in the tree', async () => (await labels(['Lost Mine of Phandelver', 'NPCs'])).includes('Sildar Hallwinter'));
    assert.equal((await item(['Lost Mine of Phandelver', 'NPCs']))?.description, '1');
  });

  it('renames, duplicates, moves to the trash and restores from the view', async () => {
    const node = await testing.treeNode(['Lost Mine of Phandelver', 'NPCs', 'Sildar Hallwinter']);
    ui.play({ input: 'entity-name', answer: 'Sildar' });
    await run('renameEntity', node);
    await until('the new name', async () => (await labels(['Lost Mine of Phandelver', 'NPCs'])).includes('Sildar'));
    await run('duplicateEntity', await testing.treeNode(['Lost Mine of Phandelver', 'NPCs', 'Sildar']));
    await until('the copy', async () => (await labels(['Lost Mine of Phandelver', 'NPCs'])).includes('Sildar (copy)'));
    ui.answers['confirm-delete'] = 'Move to Trash';
    await run('deleteEntity', await testing.treeNode(['Lost Mine of Phandelver', 'NPCs', 'Sildar (copy)']));
    await until('the copy in the trash', async () => (await labels(['Trash'])).includes('Sildar (copy)'));
    assert.deepEqual(await labels(['Lost Mine of Phandelver', 'NPCs']), ['Sildar']);
    await run('restoreEntity', await testing.treeNode(['Trash', 'Sildar (copy)']));
    await until('the copy back', async () => (await labels(['Lost Mine of Phandelver', 'NPCs'])).includes('Sildar (copy)'));
    ui.answers['confirm-delete'] = undefined; // dismissed: nothing happens
    await run('deleteEntity', await testing.treeNode(['Lost Mine of Phandelver', 'NPCs', 'Sildar (copy)']));
    assert.ok((await labels(['Lost Mine of Phandelver', 'NPCs'])).includes('Sildar (copy)'));
  });

  it('nests locations and moves entries between campaigns by drag and drop', async () => {
    const world = await dm().createLocation({ name: 'Sword Coast', campaign_id: campaign.id, type: 'region' });
    await dm().createLocation({ name: 'Phandalin', campaign_id: campaign.id, type: 'town' });
    await until('both locations', async () => (await labels(['Lost Mine of Phandelver', 'Locations'])).length === 2);
    await testing.treeDrop(['Lost Mine of Phandelver', 'Locations', 'Phandalin'], ['Lost Mine of Phandelver', 'Locations', 'Sword Coast']);
    assert.equal((await dm().get('location', 'Phandalin', { campaign_id: campaign.id }))?.parent_id, world.id);
    await until('nesting in the tree', async () => (await labels(['Lost Mine of Phandelver', 'Locations'])).join() === 'Sword Coast');
    assert.deepEqual(await labels(['Lost Mine of Phandelver', 'Locations', 'Sword Coast']), ['Phandalin']);

    const second = await dm().createCampaign({ name: 'Curse of Strahd' });
    await until('the second campaign', async () => (await labels()).includes('Curse of Strahd'));
    await testing.treeDrop(['Lost Mine of Phandelver', 'Characters', 'Zanna'], ['Curse of Strahd']);
    assert.equal((await dm().get('character', 'Zanna', { campaign_id: second.id }))?.campaign_id, second.id);
    await until('Zanna in the second campaign', async () => (await item(['Curse of Strahd', 'Characters']))?.description === '1');
    await testing.treeDrop(['Curse of Strahd', 'Characters', 'Zanna'], ['Lost Mine of Phandelver', 'Characters']);
    await until('Zanna back', async () => (await item(['Lost Mine of Phandelver', 'Characters']))?.description === '1');
  });

  it('creates, renames and deletes entries through the file system; session notes are Markdown', async () => {
    const npcs = (await uriOf(['Lost Mine of Phandelver', 'NPCs', 'Sildar'])).with({ path: '/Lost Mine of Phandelver/npcs' });
    const glasstaff = vscode.Uri.joinPath(npcs, 'Iarno Albrek.yaml');
    await vscode.workspace.fs.writeFile(glasstaff, new TextEncoder().encode('name: Iarno Albrek\nrole: villain\n'));
    assert.equal((await dm().get('npc', 'Iarno Albrek', { campaign_id: campaign.id }))?.role, 'villain');
    await vscode.workspace.fs.rename(glasstaff, vscode.Uri.joinPath(npcs, 'Glasstaff.yaml'));
    assert.ok(await dm().get('npc', 'Glasstaff', { campaign_id: campaign.id }));
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(npcs, 'Glasstaff.yaml'));
    assert.equal(await dm().get('npc', 'Glasstaff', { campaign_id: campaign.id }), undefined);
    assert.ok((await dm().list('npc', { deleted_only: true })).some((n) => n.name === 'Glasstaff'), 'deleted means in the trash');

    const session = await dm().createSession({ name: 'Goblin Arrows', campaign_id: campaign.id, number: 1 });
    const notes = vscode.Uri.joinPath(npcs, '..', 'sessions', 'Goblin Arrows.md');
    await vscode.workspace.fs.writeFile(notes, new TextEncoder().encode('# Session 1\n\nThe party met [[Sildar]] on the road.\n'));
    assert.match(String((await dm().get('session', session.id))?.notes), /met \[\[Sildar\]\]/);
    assert.match(new TextDecoder().decode(await vscode.workspace.fs.readFile(notes)), /^# Session 1/);
  });

  it('imports a Foundry hero from the workspace with a loss report, and exports the campaign as YAML', async () => {
    const hero = vscode.Uri.joinPath(folder.uri, 'characters', 'randal-human-fighter.yml');
    const outcome = await run<{ created: { kind: string; name: string }[]; report: { entries: { kind: string; path: string }[] }; reportText: string }>('import', {
      uris: [hero],
      campaign: campaign.id,
    });
    assert.ok(outcome, 'the import ran');
    const randal = outcome.created.find((c) => c.kind === 'character');
    assert.ok(randal, JSON.stringify(outcome.created));
    const stored = (await dm().get('character', randal.name, { campaign_id: campaign.id }))!;
    // Chain mail 16 + shield 2 + Fighting Style: Defense 1 (an active effect Foundry applies).
    assert.equal(stored.ac, 19);
    assert.deepEqual((stored.hp as { max: number }).max, 12);
    assert.ok(outcome.report.entries.some((e) => e.kind === 'ignored' && /prototypeToken/.test(e.path)), 'the token settings are reported as left out by design');
    assert.match(outcome.reportText, /loss report/i);
    assert.match(ui.shown('imported')[0]?.text ?? '', /^Imported 1 character, \d+ items into Lost Mine of Phandelver\./, 'the user is told what came in, by kind');
    // "Show Loss Report" opens it read-only and rendered: no Untitled document to save or discard (issue 16, item 5).
    const untitled = () => vscode.workspace.textDocuments.filter((d) => d.isUntitled).length;
    const before = untitled();
    ui.answers.imported = 'Show Loss Report';
    await run('import', { uris: [hero], campaign: campaign.id });
    delete ui.answers.imported;
    const preview = await until('the loss report is shown', async () =>
      vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && /markdown\.preview/.test(t.input.viewType) && /import-\d+\.md/.test(t.label)),
    );
    // The preview shows a read-only document of the report's own scheme (a content provider, no file).
    const report = await vscode.workspace.openTextDocument(vscode.Uri.from({ scheme: 'campaign-vault-report', path: `/${/import-\d+\.md/.exec(preview.label)![0]}` }));
    assert.match(report.getText(), /loss report/i);
    assert.equal(untitled(), before, 'no Untitled document was made');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await until('Randal in the tree', async () => (await labels(['Lost Mine of Phandelver', 'Characters'])).includes(randal.name));

    const out = await fs.mkdtemp(join(tmpdir(), 'cv-export-'));
    try {
      const count = await run<number>('exportCampaign', await testing.treeNode(['Lost Mine of Phandelver']), vscode.Uri.file(out));
      assert.ok(count && count > 5, `${count} files`);
      const listed = await fs.readdir(join(out, 'characters'));
      assert.ok(listed.some((f) => f.startsWith('Randal')), listed.join());
      assert.match(await fs.readFile(join(out, 'campaign.yaml'), 'utf8'), /name: Lost Mine of Phandelver/);
    } finally {
      await fs.rm(out, { recursive: true, force: true });
    }
  });

  it('links [[entries]] in session notes to their documents, with a preview on hover', async () => {
    const notes = (await uriOf(['Lost Mine of Phandelver', 'NPCs', 'Sildar'])).with({ path: '/Lost Mine of Phandelver/sessions/Goblin Arrows.md' });
    const doc = await vscode.workspace.openTextDocument(notes);
    assert.equal(doc.languageId, 'markdown');
    const links = await until('the entity link', async () => {
      const found = await vscode.commands.executeCommand<vscode.DocumentLink[]>('vscode.executeLinkProvider', notes);
      return found.find((l) => l.target?.path.endsWith('/npcs/Sildar.yaml'));
    });
    assert.equal(doc.getText(links.range), '[[Sildar]]');
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', notes, links.range.start.translate(0, 3));
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, /Sildar/);
    assert.match(text, /NPC/i);
  });

  it('Quick Search finds an entry by a misspelled name and opens it', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const searching = run('quickSearch', 'Sildr');
    await new Promise((r) => setTimeout(r, 1500));
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    await searching;
    await until('the entry to open', () => vscode.window.activeTextEditor?.document.uri.path.endsWith('/npcs/Sildar.yaml'));
  });

  it('Quick Search opens a session at its notes, as the Campaigns view does', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await dm().create('session', { name: 'Night at the Yawning Portal', campaign_id: campaign.id, notes: '# The dragon heist begins' });
    const searching = run('quickSearch', 'Yawning Portal');
    await until('the session in the list, opened with Enter', async () => {
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      return vscode.window.activeTextEditor?.document.uri.path.endsWith('/sessions/Night at the Yawning Portal.md');
    });
    await searching;
    assert.match(vscode.window.activeTextEditor!.document.getText(), /dragon heist begins/);
  });

  it('shows names with "/" and refuses paths and names that cannot be entries', async () => {
    await dm().createNpc({ name: 'Harbin/Wester', campaign_id: campaign.id });
    const uri = await uriOf(['Lost Mine of Phandelver', 'NPCs', 'Harbin/Wester']);
    assert.equal(uri.path, '/Lost Mine of Phandelver/npcs/Harbin\u2215Wester.yaml');
    assert.match(new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)), /^name: Harbin\/Wester$/m);
    const base = uri.with({ path: '/' });
    await assert.rejects(Promise.resolve(vscode.workspace.fs.readFile(vscode.Uri.joinPath(base, 'Lost Mine of Phandelver', 'npcs', '..', '..', 'etc', 'passwd'))));
    await assert.rejects(Promise.resolve(vscode.workspace.fs.readFile(uri.with({ path: '/Lost Mine of Phandelver/monsters/Owlbear.yaml' }))), /not a folder of a campaign/);
    const bidi = uri.with({ path: '/Lost Mine of Phandelver/npcs/evil\u202Egnp.yaml' });
    await assert.rejects(Promise.resolve(vscode.workspace.fs.writeFile(bidi, new TextEncoder().encode(''))), /name/i);
    assert.equal((await dm().list('npc', { campaign_id: campaign.id })).some((n) => n.name.includes('\u202E')), false, 'nothing was written');
  });

  it('opens a character as a Character Sheet that follows the text and writes field edits back', async () => {
    const uri = await uriOf(['Lost Mine of Phandelver', 'Characters', 'Zanna']);
    const doc = await vscode.workspace.openTextDocument(uri);
    await run('openAsSheet', await testing.treeNode(['Lost Mine of Phandelver', 'Characters', 'Zanna']));
    type Posted = { type: string; model?: { name: string; hp: { current: number | null }; abilities: { key: string; modifier: number }[] }; message?: string; ok?: boolean };
    const sheet = () => testing.sheets().find((x) => x.uri === uri.toString());
    const posted = () => sheet()?.lastPosted as Posted | undefined;
    await until('the sheet webview to say ready and get the sheet', () => sheet()?.ready && posted()?.type === 'update');
    assert.equal(posted()!.model!.name, 'Zanna');
    assert.equal(posted()!.model!.hp.current, 14);

    const text = doc.getText();
    const edit = new vscode.WorkspaceEdit();
    const at = text.indexOf('current: 14') + 'current: '.length;
    edit.replace(uri, new vscode.Range(doc.positionAt(at), doc.positionAt(at + 2)), '9');
    await vscode.workspace.applyEdit(edit);
    await until('the sheet to follow the text', () => posted()?.model?.hp.current === 9);

    assert.ok(testing.sheetMessage(uri.toString(), { type: 'edit', requestId: 1, path: ['hp', 'current'], value: 5 }));
    await until('the edit in the document', () => doc.getText().includes('current: 5'));
    await until('the sheet to show it', () => posted()?.model?.hp.current === 5);
    assert.ok(doc.isDirty, 'a sheet edit is an ordinary, unsaved document change');
    assert.ok(await doc.save());
    assert.equal(((await dm().get('character', 'Zanna', { campaign_id: campaign.id }))?.hp as { current: number }).current, 5);

    testing.sheetMessage(uri.toString(), { type: 'edit', requestId: 2, path: ['abilities', 'dex'], value: 99 });
    await until('the refusal', () => posted()?.type === 'editResult' && posted()?.ok === false);
    assert.match(posted()!.message!, /30/);
    assert.ok(!doc.getText().includes('99'), 'a refused edit changes nothing');
    testing.sheetMessage(uri.toString(), { type: 'edit', requestId: 3, path: ['__proto__'], value: 1 });
    await until('the malformed message to be refused', () => posted()?.type === 'error');

    const broken = new vscode.WorkspaceEdit();
    broken.insert(uri, new vscode.Position(0, 0), 'hp: [\n');
    await vscode.workspace.applyEdit(broken);
    await until('the invalid banner', () => posted()?.type === 'invalid');
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await until('the document back to its saved text', () => !doc.isDirty);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('opened read-only, follows what the command-line tool writes, and becomes the writer when it is done', async () => {
    await dm().lock();
    // Another program holds the writer lock while this window unlocks: a live process stands in for it.
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    const lockFile = join(vaultDir, 'lock');
    await fs.writeFile(lockFile, JSON.stringify({ pid: holder.pid, host: hostname(), app: 'another window', since: new Date().toISOString(), token: 'test' }));
    try {
      await dm().unlock({ none: true });
      await run('refresh');
      assert.ok(dm().readOnlyReason, 'read-only while the other program holds the vault');
    } finally {
      holder.kill('SIGKILL');
    }
    await until('the holder to exit', () => holder.exitCode !== null || holder.signalCode !== null);
    // Now the command-line tool writes (it takes over the dead holder's lock, then releases it).
    const cli = join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'cli.js');
    const out = execFileSync(process.execPath, [cli, 'create', 'npc', '--name', 'Toblen Stonehill', '--campaign', 'Lost Mine of Phandelver', '--dir', folder.uri.fsPath], {
      encoding: 'utf8',
    });
    assert.match(out.trim(), /^[0-9a-f-]{36}$/, `the CLI printed ${out}`);
    // While the window reloads the vault the view is rebuilt, and for a moment has no NPCs node.
    await until('the NPC written by the CLI in the tree', async () => (await labels(['Lost Mine of Phandelver', 'NPCs']).catch((): string[] => [])).includes('Toblen Stonehill'), 20_000);
    await until('this window to become the writer', () => dm().readOnlyReason === undefined, 20_000);
    await dm().createNpc({ name: 'Written after the CLI', campaign_id: campaign.id });
  });

  it('after Lock the documents are unavailable and the view shows the locked welcome', async () => {
    await dm().lock();
    await run('refresh');
    assert.deepEqual(await labels(), []);
    await assert.rejects(Promise.resolve(vscode.workspace.fs.readFile(vscode.Uri.parse('campaign://workspace/Lost%20Mine%20of%20Phandelver/campaign.yaml'))), /locked/);
    await dm().unlock({ none: true });
  });
});
