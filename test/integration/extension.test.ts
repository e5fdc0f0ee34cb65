import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { CampaignVaultApi, CampaignVaultStatus } from '../../src/vscode/api';

const EXTENSION_ID = 'campaign-vault.campaign-vault';

interface Manifest {
  version: string;
  contributes: {
    commands: { command: string }[];
    views: Record<string, { id: string }[]>;
    menus?: { commandPalette?: { command: string; when?: string }[] };
  };
}

function extension(): vscode.Extension<CampaignVaultApi> {
  const ext = vscode.extensions.getExtension<CampaignVaultApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not installed in this extension host`);
  return ext;
}

function workspaceFolder(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the tests run with a workspace folder open');
  return folder.uri.fsPath;
}

/** Resolves with the first status that passes `accept`, or fails after `ms`. */
function nextStatus(api: CampaignVaultApi, accept: (s: CampaignVaultStatus) => boolean, ms = 15_000): Promise<CampaignVaultStatus> {
  return new Promise((resolve, reject) => {
    let last: CampaignVaultStatus | undefined;
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`no matching status within ${ms} ms; the last one was ${JSON.stringify(last?.folders)}`));
    }, ms);
    const sub = api.onDidChangeStatus((s) => {
      last = s;
      if (!accept(s)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(s);
    });
  });
}

/** Replaces a file the way the vault does (temporary file, then rename), so watchers never see it half-written. */
async function writeAtomic(file: string, content: string): Promise<void> {
  await fs.writeFile(`${file}.tmp`, content);
  await fs.rename(`${file}.tmp`, file);
}

describe('Campaign Vault extension', () => {
  let api: CampaignVaultApi;

  before(async () => {
    api = await extension().activate();
  });

  it('activates and returns its typed API', () => {
    assert.equal(extension().isActive, true);
    assert.equal(api.apiVersion, 2);
    assert.equal(api.extensionVersion, (extension().packageJSON as Manifest).version);
    assert.equal(typeof api.getStatus, 'function');
  });

  it('registers every contributed command, and contributes every command it registers', async () => {
    const manifest = extension().packageJSON as Manifest;
    const contributed = new Set(manifest.contributes.commands.map((c) => c.command));
    // VS Code registers <viewId>.focus, .resetViewLocation … for every view itself.
    const viewIds = Object.values(manifest.contributes.views).flat().map((v) => v.id);
    const registered = (await vscode.commands.getCommands(true)).filter(
      (id) => id.startsWith('campaignVault.') && !viewIds.some((v) => id.startsWith(`${v}.`)),
    );
    const hidden = new Set((manifest.contributes.menus?.commandPalette ?? []).filter((m) => m.when === 'false').map((m) => m.command));
    assert.ok(registered.length > 0, 'no campaignVault.* command is registered');
    const notContributed = registered.filter((id) => !contributed.has(id) && !hidden.has(id));
    const notRegistered = [...contributed].filter((id) => !registered.includes(id));
    assert.deepEqual(notContributed, [], 'registered but neither contributed nor deliberately hidden');
    assert.deepEqual(notRegistered, [], 'contributed in package.json but never registered');
  });

  it('reports that the sample workspace has no vault yet', async () => {
    const status = await api.getStatus();
    assert.equal(status.folders.length, 1);
    assert.equal(status.folders[0]?.folder, workspaceFolder());
    assert.deepEqual(status.folders[0]?.presence, { state: 'absent' });
  });

  it('returns and reports the status from "Campaign Vault: Show Status"', async () => {
    const status = await vscode.commands.executeCommand<CampaignVaultStatus>('campaignVault.showStatus');
    assert.ok(status, 'the command returned nothing');
    assert.equal(status.extensionVersion, api.extensionVersion);
    assert.equal(status.folders[0]?.presence.state, 'absent');
  });

  it('notices a vault header appearing, one from a newer version, a damaged one, and its removal', async () => {
    const dir = join(workspaceFolder(), '.campaign-vault');
    const header = join(dir, 'vault.json');
    await fs.mkdir(dir, { recursive: true });
    try {
      const present = nextStatus(api, (s) => s.folders[0]?.presence.state === 'present');
      await writeAtomic(header, JSON.stringify({ format: 'campaign-vault', formatVersion: 1 }));
      assert.deepEqual((await present).folders[0]?.presence, { state: 'present', formatVersion: 1 });

      const newer = nextStatus(api, (s) => s.folders[0]?.presence.state === 'newer');
      await writeAtomic(header, JSON.stringify({ format: 'campaign-vault', formatVersion: 99 }));
      assert.deepEqual((await newer).folders[0]?.presence, { state: 'newer', formatVersion: 99 });

      const unreadable = nextStatus(api, (s) => s.folders[0]?.presence.state === 'unreadable');
      await writeAtomic(header, '%PDF-1.7 not a vault');
      assert.match(JSON.stringify((await unreadable).folders[0]?.presence), /not valid UTF-8 JSON/);
    } finally {
      const absent = nextStatus(api, (s) => s.folders[0]?.presence.state === 'absent');
      await fs.rm(dir, { recursive: true, force: true });
      await absent;
    }
  });

  it('refreshes on "Campaign Vault: Refresh" and opens its log on "Show Log"', async () => {
    const refreshed = nextStatus(api, () => true);
    await vscode.commands.executeCommand('campaignVault.refresh');
    assert.equal((await refreshed).folders.length, 1);
    await vscode.commands.executeCommand('campaignVault.showLog');
  });

  it('contributes the Campaigns view inside its own activity-bar container', async () => {
    await vscode.commands.executeCommand('workbench.view.extension.campaignVault');
    await vscode.commands.executeCommand('campaignVault.campaigns.focus');
  });
});
