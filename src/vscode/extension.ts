import * as vscode from 'vscode';
import type { EntityKind } from '../core/db/kinds';
import type { Logger } from '../core/ports';
import type { CampaignVaultApi, CampaignVaultTesting } from './api';
import { nodeDataManager } from '../node/dataManager';
import { changePassword } from './commands/changePassword';
import type { VaultCommandContext } from './commands/common';
import { createVault } from './commands/createVault';
import { deleteEntity, duplicateEntity, newCampaign, newEntity, openEntity, purgeEntity, renameEntity, restoreEntity } from './commands/entities';
import { encryptVault } from './commands/encryptVault';
import { forgetRememberedKey } from './commands/forgetRememberedKey';
import { exportCampaignCommand, importFiles } from './commands/importExport';
import { COMMANDS, type CommandId } from './commands/ids';
import { lock } from './commands/lock';
import { showMigrationStatus } from './commands/migrationStatus';
import { registerCommand } from './commands/register';
import { unlockRememberedVaults } from './commands/remember';
import { rollbackMigration } from './commands/rollbackMigration';
import { rotateKey } from './commands/rotateKey';
import { runMigrations } from './commands/runMigrations';
import { showStatus } from './commands/showStatus';
import { unlock } from './commands/unlock';
import { registerDiagnostics, registerSchemaAssist } from './documents/assist';
import { EntityFileSystem, SCHEME } from './documents/entityFs';
import { parseDocPath } from '../core/documents/docPaths';
import { registerAuthoring } from './authoring';
import { registerSheetEditor, sheetProbe } from './editors/sheetEditor';
import { LOG_CHANNEL_NAME, channelLogger } from './log';
import { windowPrompter, type Prompter } from './prompter';
import { RememberedKeys } from './rememberedKeys';
import { createStatusBarItem } from './statusBar';
import { BackupManager } from './backups/backupManager';
import { createBackupStatusItem } from './backups/backupStatus';
import {
  checkIntegrity,
  createBackup,
  exportPortableBackup,
  goToFinding,
  importPortableBackup,
  pruneBackups,
  repairIntegrity,
  restoreBackup,
  verifyBackups,
  type BackupCommandContext,
} from './backups/commands';
import { BACKUPS_VIEW, BackupsTreeProvider, INTEGRITY_VIEW, IntegrityTreeProvider } from './backups/views';
import { StatusModel } from './status';
import { VaultRegistry } from './vaults';
import { ReadOnlyVaultWatcher } from './vaultWatcher';
import { CampaignsTreeProvider, treeLabel } from './views/campaignsTree';

export const CAMPAIGNS_VIEW = 'campaignVault.campaigns';

/** The vaults of the running extension, locked on deactivation. */
let activeVaults: VaultRegistry | undefined;

/**
 * The composition root. Builds the services, registers each feature, and returns the API.
 * If anything fails, the user is told — VS Code itself would only log it — with the way to the log.
 */
export async function activate(context: vscode.ExtensionContext): Promise<CampaignVaultApi> {
  const channel = vscode.window.createOutputChannel(LOG_CHANNEL_NAME, { log: true });
  context.subscriptions.push(channel);
  const log = channelLogger(channel);
  try {
    return await activateFeatures(context, channel, log);
  } catch (e) {
    log.error(e instanceof Error ? e : String(e));
    const message = e instanceof Error ? e.message : String(e);
    void vscode.window
      .showErrorMessage(`Campaign Vault failed to start: ${message}. Details are in Output › ${LOG_CHANNEL_NAME}.`, 'Show Log')
      .then((choice) => choice && channel.show());
    throw e;
  }
}

async function activateFeatures(context: vscode.ExtensionContext, channel: vscode.LogOutputChannel, log: Logger): Promise<CampaignVaultApi> {
  const version = String((context.extension.packageJSON as { version?: unknown }).version ?? '0.0.0');
  log.info(`Campaign Vault ${version} starting in ${vscode.env.appName} ${vscode.version}`);

  const model = new StatusModel(version, log.child('status'));
  const statusBar = createStatusBarItem();
  // One DataManager per workspace folder; the KDF parameters change only through the test hook.
  const vaults = new VaultRegistry(
    (folder, kdf) => nodeDataManager(folder.uri.fsPath, { app: 'VS Code', stateDir: context.globalStorageUri.fsPath, logger: log, ...(kdf ? { kdf } : {}) }),
    log.child('vaults'),
  );
  activeVaults = vaults;
  let prompter: Prompter | undefined;
  const ctx: VaultCommandContext = { vaults, ui: () => prompter ?? windowPrompter, keys: new RememberedKeys(context.secrets, log.child('secrets')), log };
  const tree = new CampaignsTreeProvider(vaults, log.child('tree'), (text) => void ctx.ui().message({ id: 'error', severity: 'error', text }));
  const files = new EntityFileSystem(vaults, log.child('files'));
  context.subscriptions.push(
    model,
    tree,
    files,
    vaults,
    statusBar.item,
    vscode.window.createTreeView(CAMPAIGNS_VIEW, { treeDataProvider: tree, dragAndDropController: tree, showCollapseAll: true, canSelectMany: true }),
    vscode.workspace.registerFileSystemProvider(SCHEME, files, { isCaseSensitive: true }),
    registerDiagnostics(),
    registerSchemaAssist(),
    registerSheetEditor(context, log),
    new ReadOnlyVaultWatcher(vaults, log.child('watch')),
    model.onDidChange((status) => {
      statusBar.update(status);
      tree.update(status);
      void vaults.refresh();
    }),
    vaults.onDidChange((folders) => statusBar.updateVaults(folders)),
  );

  registerCommand(context, log, COMMANDS.showStatus, () => showStatus(model));
  registerCommand(context, log, COMMANDS.showLog, () => channel.show());
  registerCommand(context, log, COMMANDS.refresh, () => model.refresh());

  // The vault commands ask and tell through the prompter, and leave the lock state refreshed.
  const vaultCommand = <R>(id: CommandId, handler: (c: VaultCommandContext, arg?: unknown, extra?: unknown) => Promise<R>) =>
    registerCommand(context, log, id, (arg?: unknown, extra?: unknown) => handler(ctx, arg, extra), {
      report: (text, actions) => ctx.ui().message({ id: 'error', severity: 'error', text, actions }),
      after: () => vaults.refresh(),
    });
  vaultCommand(COMMANDS.createVault, createVault);
  vaultCommand(COMMANDS.unlock, unlock);
  vaultCommand(COMMANDS.lock, lock);
  vaultCommand(COMMANDS.changePassword, changePassword);
  vaultCommand(COMMANDS.rotateKey, rotateKey);
  vaultCommand(COMMANDS.encryptVault, encryptVault);
  vaultCommand(COMMANDS.migrationStatus, showMigrationStatus);
  vaultCommand(COMMANDS.runMigrations, runMigrations);
  vaultCommand(COMMANDS.rollbackMigration, rollbackMigration);
  vaultCommand(COMMANDS.forgetRememberedKey, forgetRememberedKey);
  vaultCommand(COMMANDS.newCampaign, newCampaign);
  vaultCommand(COMMANDS.newEntity, newEntity);
  vaultCommand(COMMANDS.renameEntity, renameEntity);
  vaultCommand(COMMANDS.duplicateEntity, duplicateEntity);
  vaultCommand(COMMANDS.deleteEntity, deleteEntity);
  vaultCommand(COMMANDS.restoreEntity, restoreEntity);
  vaultCommand(COMMANDS.purgeEntity, purgeEntity);
  vaultCommand(COMMANDS.openEntity, openEntity);
  vaultCommand(COMMANDS.importFiles, importFiles);
  vaultCommand(COMMANDS.exportCampaign, exportCampaignCommand);

  // Backups and integrity (docs/BACKUPS.md, docs/INTEGRITY.md).
  const backups = new BackupManager(vaults, version, log.child('backups'), context.globalState, (text, actions) => ctx.ui().message({ id: 'scheduled', severity: 'warning', text, actions }));
  const backupCtx: BackupCommandContext = { ...ctx, backups, extensionVersion: version };
  const backupTree = new BackupsTreeProvider(backups);
  const integrityTree = new IntegrityTreeProvider(backups);
  const backupStatus = createBackupStatusItem(backups);
  context.subscriptions.push(
    backups,
    backupTree,
    integrityTree,
    backupStatus,
    vscode.window.createTreeView(BACKUPS_VIEW, { treeDataProvider: backupTree }),
    vscode.window.createTreeView(INTEGRITY_VIEW, { treeDataProvider: integrityTree }),
  );
  const backupCommand = <R>(id: CommandId, handler: (c: BackupCommandContext, arg?: unknown, extra?: unknown) => Promise<R>) =>
    registerCommand(context, log, id, (arg?: unknown, extra?: unknown) => handler(backupCtx, arg, extra), {
      report: (text, actions) => ctx.ui().message({ id: 'error', severity: 'error', text, actions }),
      after: async () => {
        await vaults.refresh();
        await backups.refresh();
      },
    });
  backupCommand(COMMANDS.createBackup, createBackup);
  backupCommand(COMMANDS.restoreBackup, restoreBackup);
  backupCommand(COMMANDS.verifyBackups, verifyBackups);
  backupCommand(COMMANDS.pruneBackups, pruneBackups);
  backupCommand(COMMANDS.exportPortableBackup, exportPortableBackup);
  backupCommand(COMMANDS.importPortableBackup, importPortableBackup);
  backupCommand(COMMANDS.checkIntegrity, checkIntegrity);
  backupCommand(COMMANDS.repairIntegrity, repairIntegrity);
  backupCommand(COMMANDS.goToFinding, goToFinding);
  registerCommand(context, log, COMMANDS.refreshBackups, () => backups.refresh());

  // Entity links, hovers and Quick Search work on the first unlocked vault.
  const authoringVault = () => vaults.folders.find((f) => f.dm.isUnlocked);
  const entityUri = (e: { kind: EntityKind; name: string; campaign_name?: string }) =>
    EntityFileSystem.uriFor(authoringVault()?.folder ?? vscode.workspace.workspaceFolders![0]!, e.campaign_name ?? null, e.kind, e.name);
  registerAuthoring(context, {
    dataManager: () => authoringVault()?.dm,
    uriFor: entityUri,
    open: (e) => vscode.commands.executeCommand('vscode.open', entityUri(e)),
    campaignOf: (uri, catalog) => {
      if (uri.scheme !== SCHEME) return undefined;
      try {
        const loc = parseDocPath(uri.path);
        const name = loc.type === 'root' || loc.type === 'library-folder' ? null : 'campaign' in loc ? loc.campaign : null;
        if (name === null) return null;
        return [...catalog.index.all()].find((c) => c.kind === 'campaign' && c.name.toLowerCase() === name.toLowerCase())?.id;
      } catch {
        return undefined;
      }
    },
    log: log.child('authoring'),
  });

  await model.refresh();
  await vaults.refresh();
  // Remembered keys unlock in the background; a failure is logged (and shown), never fatal.
  void unlockRememberedVaults(ctx).catch((e: unknown) => log.error(e instanceof Error ? e : String(e)));
  log.info('Campaign Vault ready');

  const testing: CampaignVaultTesting = {
    setPrompter: (p) => {
      prompter = p;
    },
    setKdf: (kdf) => {
      vaults.setKdf(kdf);
      void vaults.refresh();
    },
    setSecretStorage: (store) => ctx.keys.setStore(store ?? context.secrets),
    unlockRemembered: () => unlockRememberedVaults(ctx),
    tree: async (path = []) => {
      const parent = path.length === 0 ? undefined : await tree.nodeAt(path);
      if (path.length > 0 && !parent) throw new Error(`no node ${path.join(' › ')} in the Campaigns view`);
      const kids = await tree.getChildren(parent);
      return kids.map((k) => {
        const item = tree.getTreeItem(k);
        return {
          label: treeLabel(item),
          ...(typeof item.description === 'string' && item.description !== '' ? { description: item.description } : {}),
          ...(item.contextValue ? { contextValue: item.contextValue } : {}),
          collapsible: item.collapsibleState !== vscode.TreeItemCollapsibleState.None,
          ...(item.resourceUri ? { resourceUri: item.resourceUri.toString() } : {}),
        };
      });
    },
    treeDrop: async (source, target) => {
      const [s, t] = [await tree.nodeAt(source), await tree.nodeAt(target)];
      if (!s || !t) throw new Error(`no node ${(s ? target : source).join(' › ')} in the Campaigns view`);
      const data = new vscode.DataTransfer();
      tree.handleDrag([s], data);
      await tree.handleDrop(t, data);
    },
    treeNode: (path) => tree.nodeAt(path),
    sheets: () => sheetProbe.sheets(),
    sheetMessage: (uri, message) => sheetProbe.receive(uri, message),
    backupViews: async (view) => {
      const provider: vscode.TreeDataProvider<unknown> = view === 'backups' ? (backupTree as vscode.TreeDataProvider<unknown>) : (integrityTree as vscode.TreeDataProvider<unknown>);
      const snap = async (node: unknown) => {
        const item = await provider.getTreeItem(node);
        return {
          label: treeLabel(item),
          ...(typeof item.description === 'string' && item.description !== '' ? { description: item.description } : {}),
          ...(item.contextValue ? { contextValue: item.contextValue } : {}),
          collapsible: item.collapsibleState !== undefined && item.collapsibleState !== vscode.TreeItemCollapsibleState.None,
        };
      };
      const top = (await provider.getChildren()) ?? [];
      return Promise.all(
        top.map(async (node) => ({ ...(await snap(node)), node, children: await Promise.all(((await provider.getChildren(node)) ?? []).map(snap)) })),
      );
    },
    backupTick: (now) => backups.tick(now),
    backupStatus: () => ({
      text: backupStatus.item.text,
      tooltip: typeof backupStatus.item.tooltip === 'string' ? backupStatus.item.tooltip : (backupStatus.item.tooltip?.value ?? ''),
      visible: backups.backupStates.length > 0,
    }),
    state: () => ({
      contextKeys: vaults.contextKeys,
      statusBar: {
        text: statusBar.item.text,
        command: typeof statusBar.item.command === 'string' ? statusBar.item.command : statusBar.item.command?.command,
        tooltip: typeof statusBar.item.tooltip === 'string' ? statusBar.item.tooltip : (statusBar.item.tooltip?.value ?? ''),
      },
    }),
  };

  return {
    apiVersion: 1,
    extensionVersion: version,
    getStatus: () => model.refresh(),
    onDidChangeStatus: (listener) => model.onDidChange(listener),
    getDataManager: (folderUri) => vaults.get(folderUri),
    ...(context.extensionMode === vscode.ExtensionMode.Production ? {} : { _testing: testing }),
  };
}

/** Locks every vault (releasing its writer lock); everything else is disposed through context.subscriptions. */
export async function deactivate(): Promise<void> {
  const vaults = activeVaults;
  activeVaults = undefined;
  await vaults?.lockAll();
}
