import * as vscode from 'vscode';
import type { Logger } from '../core/ports';
import type { CampaignVaultApi } from './api';
import { COMMANDS } from './commands/ids';
import { registerCommand } from './commands/register';
import { showStatus } from './commands/showStatus';
import { LOG_CHANNEL_NAME, channelLogger } from './log';
import { createStatusBarItem } from './statusBar';
import { StatusModel } from './status';
import { CampaignsTreeProvider } from './views/campaignsTree';

export const CAMPAIGNS_VIEW = 'campaignVault.campaigns';

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
  const tree = new CampaignsTreeProvider();
  const statusBar = createStatusBarItem();
  context.subscriptions.push(
    model,
    tree,
    statusBar.item,
    vscode.window.createTreeView(CAMPAIGNS_VIEW, { treeDataProvider: tree, showCollapseAll: true }),
    model.onDidChange((status) => {
      statusBar.update(status);
      tree.update(status);
    }),
  );

  registerCommand(context, log, COMMANDS.showStatus, () => showStatus(model));
  registerCommand(context, log, COMMANDS.showLog, () => channel.show());
  registerCommand(context, log, COMMANDS.refresh, () => model.refresh());

  await model.refresh();
  log.info('Campaign Vault ready');

  return {
    apiVersion: 1,
    extensionVersion: version,
    getStatus: () => model.refresh(),
    onDidChangeStatus: (listener) => model.onDidChange(listener),
  };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
