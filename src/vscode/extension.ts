import * as vscode from 'vscode';
import { DataManager } from '../core/api';
import type { KdfParams } from '../core/crypto/kdf';
import type { Logger } from '../core/ports';
import { nodeCache } from '../node/cache';
import { nodeDataManager } from '../node/dataManager';
import { nodeCipherSuite, nodeRandom, systemClock } from '../node/system';
import { vaultData, vaultStatus, type CampaignVaultApi } from './api';
import { registerAuthoring } from './authoring';
import { AutoLock } from './autoLock';
import { CacheSettings } from './cacheSettings';
import { registerBackups } from './backups';
import { registerVaults } from './commands';
import { unlockRememberedVaults } from './commands/remember';
import { registerDocuments } from './documents';
import { LABELS } from './labels';
import { LOG_CHANNEL_NAME, channelLogger } from './log';
import { windowPrompter, type Prompter } from './prompter';
import { RememberedKeys } from './rememberedKeys';
import type { Services } from './services';
import { createTesting } from './testing';
import { VaultRegistry } from './vaults';
import { registerCampaignsView } from './views';
import { registerLossReports } from './commands/lossReports';
import { registerAssets } from './assets';
import { registerRulebooks } from './rulebooks';

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
    const showLog = LABELS.showLog;
    void vscode.window
      .showErrorMessage(vscode.l10n.t('Campaign Vault failed to start: {0}. Details are in Output › {1}.', message, LOG_CHANNEL_NAME), showLog)
      .then((choice) => choice === showLog && channel.show());
    throw e;
  }
}

async function activateFeatures(context: vscode.ExtensionContext, channel: vscode.LogOutputChannel, log: Logger): Promise<CampaignVaultApi> {
  const extensionVersion = String((context.extension.packageJSON as { version?: unknown }).version ?? '0.0.0');
  log.info(`Campaign Vault ${extensionVersion} starting in ${vscode.env.appName} ${vscode.version}`);

  // Every DataManager the extension makes: one per workspace folder, and the new vault of a
  // restore into a folder. The KDF parameters change only through the test hook.
  // One cache for every vault (one size limit), in the extension's global storage: on this machine,
  // outside every workspace (docs/CACHE.md).
  const cache = nodeCache(vscode.Uri.joinPath(context.globalStorageUri, 'cache').fsPath, { suite: nodeCipherSuite, random: nodeRandom, clock: systemClock, logger: log });
  const dataManager = (folder: string, kdf: KdfParams | undefined) =>
    nodeDataManager(folder, { app: 'VS Code', stateDir: context.globalStorageUri.fsPath, logger: log, cache, ...(kdf ? { kdf } : {}) });
  const vaults = new VaultRegistry((folder, kdf) => dataManager(folder.uri.fsPath, kdf), log.child('vaults'));
  activeVaults = vaults;
  context.subscriptions.push(vaults);
  let prompter: Prompter | undefined;
  const services: Services = {
    context,
    extensionVersion,
    channel,
    log,
    vaults,
    ui: () => prompter ?? windowPrompter,
    keys: new RememberedKeys(context.secrets, log.child('secrets')),
    contextKeys: () => vaults.contextKeys,
    newVault: DataManager.newVaultFactory((folder) => dataManager(folder, vaults.kdf)),
  };

  // The features, each registered as a function of the services.
  const vaultFeature = registerVaults(services);
  const campaignsView = registerCampaignsView(services);
  const backups = registerBackups(services);
  const authoring = registerAuthoring(services);
  const autoLock = new AutoLock(vaults, log.child('auto-lock'));
  // The cache's limit and TTL from the settings, now and whenever they change (no reload).
  const cacheSettings = new CacheSettings(cache, services.ui, log.child('cache'));
  await cacheSettings.apply();
  const rulebooks = registerRulebooks(services);
  const assets = registerAssets(services);
  context.subscriptions.push(vaultFeature, campaignsView, registerDocuments(services), backups, authoring, autoLock, registerLossReports(), rulebooks, assets, cacheSettings);

  await vaults.refresh();
  // Remembered keys unlock in the background; a failure is logged (and shown), never fatal.
  void unlockRememberedVaults(services).catch((e: unknown) => log.error(e instanceof Error ? e : String(e)));
  log.info('Campaign Vault ready');

  return {
    apiVersion: 2,
    extensionVersion,
    getStatus: async () => vaultStatus(extensionVersion, await vaults.refresh()),
    onDidChangeStatus: (listener) => vaults.onDidChange((folders) => listener(vaultStatus(extensionVersion, folders))),
    getVault: (folderUri) => {
      const dm = vaults.get(folderUri);
      return dm && vaultData(dm);
    },
    ...(context.extensionMode === vscode.ExtensionMode.Production
      ? {}
      : {
          _testing: createTesting({
            services,
            setPrompter: (p) => {
              prompter = p;
            },
            statusBar: vaultFeature.statusBar,
            tree: campaignsView.tree,
            treeView: campaignsView.view,
            backups,
            catalogs: authoring.catalogs,
            autoLock,
            rulebooks: rulebooks.viewers,
            rulebookLinks: rulebooks.links,
            galleries: assets.galleries,
            cache,
          }),
        }),
  };
}

/** Locks every vault (releasing its writer lock); everything else is disposed through context.subscriptions. */
export async function deactivate(): Promise<void> {
  const vaults = activeVaults;
  activeVaults = undefined;
  await vaults?.lockAll();
}
