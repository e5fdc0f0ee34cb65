import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { DataManager, Entity } from '../../src/core/api';
import type { KdfParams } from '../../src/core/crypto/kdf';
import type { CampaignVaultApi, CampaignVaultTesting, TreeItemSnapshot } from '../../src/vscode/api';
import { ScriptedPrompter } from '../support/scriptedPrompter';
import { until } from '../support/until';

const EXTENSION_ID = 'campaign-vault.campaign-vault';
const FAST_KDF: KdfParams = { algorithm: 'argon2id', memoryKiB: 8, iterations: 1, parallelism: 1 };
const PASSWORD = 'storm king thunder 4';
const CAMPAIGN = 'Storm King';
const EXPANSION_KEY = 'campaignVault.campaigns.expanded';

/** The tabs of every group: a text editor's URI, or a webview's view type and label. */
function tabs(): { uri?: string; viewType?: string; label: string }[] {
  return vscode.window.tabGroups.all.flatMap((g) =>
    g.tabs.map((t) => {
      if (t.input instanceof vscode.TabInputText) return { uri: t.input.uri.toString(), label: t.label };
      if (t.input instanceof vscode.TabInputWebview) return { viewType: t.input.viewType, label: t.label };
      if (t.input instanceof vscode.TabInputCustom) return { uri: t.input.uri.toString(), viewType: t.input.viewType, label: t.label };
      return { label: t.label };
    }),
  );
}

describe('Campaign Vault: the Campaigns view remembers what was expanded; sessions open as notes', function () {
  this.timeout(60_000);
  let testing: CampaignVaultTesting;
  let folder: vscode.WorkspaceFolder;
  let vaultDir: string;
  let session: Entity;
  const ui = new ScriptedPrompter();
  const run = <T>(command: string, ...args: unknown[]) => vscode.commands.executeCommand<T>(`campaignVault.${command}`, ...args);
  const dm = (): DataManager => testing.dataManager(folder.uri)!;
  const item = async (path: string[], from: (p: string[]) => Promise<readonly TreeItemSnapshot[]> = (p) => testing.tree(p)): Promise<TreeItemSnapshot> => {
    const found = (await from(path.slice(0, -1))).find((i) => i.label === path.at(-1));
    assert.ok(found, `no ${path.join(' › ')} in the Campaigns view`);
    return found;
  };
  const expanded = async (path: string[]) => (await item(path)).expanded === true;
  const notesUri = () => vscode.Uri.from({ scheme: 'campaign', authority: 'workspace', path: `/${CAMPAIGN}/sessions/Uthgardt Barrows.md` });
  const yamlUri = () => vscode.Uri.from({ scheme: 'campaign', authority: 'workspace', path: `/${CAMPAIGN}/sessions/Uthgardt Barrows.yaml` });
  const doc = (uri: vscode.Uri) => vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());

  before(async () => {
    const api = await vscode.extensions.getExtension<CampaignVaultApi>(EXTENSION_ID)!.activate();
    testing = api._testing!;
    folder = vscode.workspace.workspaceFolders![0]!;
    vaultDir = join(folder.uri.fsPath, '.campaign-vault');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await fs.rm(vaultDir, { recursive: true, force: true });
    testing.setKdf(FAST_KDF);
    testing.setPrompter(ui);
    await vscode.workspace.getConfiguration('files').update('autoSave', 'off', vscode.ConfigurationTarget.Global);
    await run('refresh');
    await dm().createVault(PASSWORD);
    await run('refresh');
    const campaign = await dm().createCampaign({ name: CAMPAIGN });
    const coast = await dm().createLocation({ name: 'Sword Coast', campaign_id: campaign.id });
    const triboar = await dm().createLocation({ name: 'Triboar', campaign_id: campaign.id, parent_id: coast.id });
    await dm().createLocation({ name: 'Lionshield Coster', campaign_id: campaign.id, parent_id: triboar.id });
    await dm().createLocation({ name: 'Goldenfields', campaign_id: campaign.id });
    session = await dm().createSession({ name: 'Uthgardt Barrows', campaign_id: campaign.id, number: 3, date: '2026-11-28', notes: '# Session 3\n\nThe giants attacked [[Triboar]].\n' });
    await until('the campaign in the tree', async () => (await testing.tree()).some((i) => i.label === CAMPAIGN));
  });

  afterEach(function () {
    ui.finishTest(this.currentTest?.state);
  });

  after(async () => {
    for (const d of vscode.workspace.textDocuments.filter((x) => x.isDirty && x.uri.scheme === 'campaign')) {
      await vscode.window.showTextDocument(d);
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.getConfiguration('files').update('autoSave', undefined, vscode.ConfigurationTarget.Global);
    await dm()?.lock();
    await fs.rm(vaultDir, { recursive: true, force: true });
    testing?.setPrompter(undefined);
    testing?.setKdf(undefined);
    await run('refresh');
  });

  it('a location with locations under it expands on a click (no command) and opens from its inline action', async () => {
    const coast = await item([CAMPAIGN, 'Locations', 'Sword Coast']);
    assert.equal(coast.collapsible, true);
    assert.equal(coast.command, undefined, 'a click on a location with children must expand it, not open it');
    assert.equal(coast.contextValue, 'entity.location.parent');
    const leaf = await item([CAMPAIGN, 'Locations', 'Goldenfields']);
    assert.equal(leaf.collapsible, false);
    assert.equal(leaf.command, 'vscode.open', 'a click on a leaf entry opens it');
    assert.equal(leaf.contextValue, 'entity.location');
    // "Open" (the inline action and the context menu) opens the location's YAML.
    await run('openEntity', await testing.treeNode([CAMPAIGN, 'Locations', 'Sword Coast']));
    await until('the Sword Coast in an editor', () => vscode.window.activeTextEditor?.document.uri.path === `/${CAMPAIGN}/locations/Sword Coast.yaml`);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('keeps what was expanded across Lock and Unlock, without a name in the workspace state', async () => {
    // An expansion that lands while the tree redraws can be lost (as a click can, test/e2e/workbench.ts
    // expandRow): each node not yet remembered expanded is revealed expanded again.
    await until('the expansion to be remembered', async () => {
      for (const path of [[CAMPAIGN], [CAMPAIGN, 'Locations'], [CAMPAIGN, 'Locations', 'Sword Coast']]) if (!(await expanded(path))) await testing.treeExpand(path);
      return expanded([CAMPAIGN, 'Locations', 'Sword Coast']);
    });
    assert.equal(await expanded([CAMPAIGN]), true);
    assert.equal(await expanded([CAMPAIGN, 'Locations']), true);
    assert.equal(await expanded([CAMPAIGN, 'Locations', 'Sword Coast', 'Triboar']), false, 'a node never expanded stays collapsed');
    assert.equal(await expanded([CAMPAIGN, 'NPCs']).catch(() => false), false);

    assert.equal(await run('lock'), true);
    assert.deepEqual(await testing.tree(), [], 'a locked vault shows nothing');
    const stored = JSON.stringify(testing.workspaceState(EXPANSION_KEY));
    for (const name of [CAMPAIGN, 'Sword Coast', 'Triboar']) assert.ok(!stored.includes(name), `the workspace state names “${name}”: ${stored}`);
    ui.play({ input: 'password', answer: PASSWORD });
    assert.equal(await run('unlock'), true);
    await until('the campaign back in the tree', async () => (await testing.tree()).some((i) => i.label === CAMPAIGN));
    assert.equal(await expanded([CAMPAIGN]), true, 'the campaign is expanded again');
    assert.equal(await expanded([CAMPAIGN, 'Locations']), true);
    assert.equal(await expanded([CAMPAIGN, 'Locations', 'Sword Coast']), true);
    assert.equal(await expanded([CAMPAIGN, 'Locations', 'Sword Coast', 'Triboar']), false);
  });

  it('keeps it across a reload of the window, and what was collapsed since', async () => {
    const afterReload = (p: string[]) => testing.treeAfterReload(p);
    assert.equal((await item([CAMPAIGN], afterReload)).expanded, true);
    assert.equal((await item([CAMPAIGN, 'Locations', 'Sword Coast'], afterReload)).expanded, true);
    await testing.treeCollapse([CAMPAIGN, 'Locations', 'Sword Coast']);
    await until('the Sword Coast collapsed', async () => !(await expanded([CAMPAIGN, 'Locations', 'Sword Coast'])));
    assert.equal((await item([CAMPAIGN, 'Locations', 'Sword Coast'], afterReload)).expanded, false);
    assert.equal((await item([CAMPAIGN, 'Locations'], afterReload)).expanded, true, 'only the node collapsed is');
  });

  it('opens a session as its Markdown notes with the preview beside them; "Open as YAML" opens its fields', async () => {
    const node = await testing.treeNode([CAMPAIGN, 'Sessions', 'Uthgardt Barrows']);
    const shown = await item([CAMPAIGN, 'Sessions', 'Uthgardt Barrows']);
    assert.equal(shown.command, 'campaignVault.openEntity', 'a click on a session runs Open');
    assert.equal(shown.contextValue, 'entity.session');
    await run('openEntity', node);
    await until('the notes and their preview', () => {
      const open = tabs();
      return open.some((t) => t.uri === notesUri().toString()) && open.some((t) => /markdown\.preview/.test(t.viewType ?? '') && t.label.includes('Uthgardt Barrows.md'));
    });
    assert.equal(doc(notesUri())?.languageId, 'markdown');
    assert.match(doc(notesUri())!.getText(), /^# Session 3/);
    assert.ok(!tabs().some((t) => t.uri === yamlUri().toString()), 'the YAML does not open with the notes');
    await run('openYaml', node);
    await until('the session YAML in a text editor', () => vscode.window.activeTextEditor?.document.uri.toString() === yamlUri().toString());
    assert.match(doc(yamlUri())!.getText(), /date: ['"]?2026-11-28/);
  });

  it('saves the notes typed in the Markdown editor into the session, and the YAML follows (and back)', async () => {
    const notes = doc(notesUri())!;
    const edit = new vscode.WorkspaceEdit();
    edit.insert(notesUri(), notes.positionAt(notes.getText().length), 'Zephyros the cloud giant offered a ride.\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.ok(await notes.save(), 'the notes were saved');
    const stored = await dm().get('session', session.id);
    assert.equal(stored?.notes, '# Session 3\n\nThe giants attacked [[Triboar]].\nZephyros the cloud giant offered a ride.\n');
    assert.equal(stored?.date, '2026-11-28', 'the other fields are kept');
    await until('the open YAML to show the new notes', () => doc(yamlUri())?.getText().includes('Zephyros'));
    // Back: the notes changed in the YAML reach the open Markdown document.
    const yaml = doc(yamlUri())!;
    const back = new vscode.WorkspaceEdit();
    back.replace(yamlUri(), new vscode.Range(0, 0, yaml.lineCount, 0), 'name: Uthgardt Barrows\nnumber: 3\ndate: "2026-11-28"\nnotes: |\n  # Session 3\n\n  The party flew to the Eye of the All-Father.\n');
    assert.ok(await vscode.workspace.applyEdit(back));
    assert.ok(await yaml.save());
    await until('the open notes to follow', () => doc(notesUri())?.getText() === '# Session 3\n\nThe party flew to the Eye of the All-Father.\n');
    assert.equal(doc(notesUri())!.isDirty, false);
  });

  it('brings the notes and their preview back after Lock and Unlock', async () => {
    const preview = () => tabs().some((t) => /markdown\.preview/.test(t.viewType ?? '') && t.label.includes('Uthgardt Barrows.md'));
    assert.ok(preview(), 'the preview is open before Lock');
    assert.equal(await run('lock'), true);
    await until('the preview closed', () => !preview());
    ui.play({ input: 'password', answer: PASSWORD });
    assert.equal(await run('unlock'), true);
    await until('the notes and their preview back', () => tabs().some((t) => t.uri === notesUri().toString()) && preview());
    assert.ok(tabs().some((t) => t.uri === yamlUri().toString()), 'the YAML is back too');
  });
});
