// The Campaigns view and the commands on its entries: new, rename, duplicate, delete, restore,
// purge, open, import and export.
import * as vscode from 'vscode';
import { deleteEntity, duplicateEntity, newCampaign, newEntity, openEntity, openYaml, purgeEntity, renameEntity, restoreEntity } from '../commands/entities';
import { COMMANDS } from '../commands/ids';
import { exportCampaignCommand, importFiles } from '../commands/importExport';
import { registerCommands } from '../commands/register';
import type { Services } from '../services';
import { CampaignsTreeProvider, type CampaignNode } from './campaignsTree';
import { dropFiles } from './fileDrop';
import { TreeExpansion } from './treeExpansion';

export const CAMPAIGNS_VIEW = 'campaignVault.campaigns';

export function registerCampaignsView(s: Services): vscode.Disposable & { readonly tree: CampaignsTreeProvider; readonly view: vscode.TreeView<CampaignNode> } {
  const tree = new CampaignsTreeProvider(s.vaults, s.log.child('tree'), (text) => void s.ui().message({ id: 'error', severity: 'error', text }), new TreeExpansion(s.context.workspaceState), (target, data) => dropFiles(s, target, data));
  const view = vscode.window.createTreeView(CAMPAIGNS_VIEW, { treeDataProvider: tree, dragAndDropController: tree, showCollapseAll: true, canSelectMany: true });
  const disposable = vscode.Disposable.from(
    tree,
    view,
    tree.watch(view),
    registerCommands(
      s,
      s,
      {
        [COMMANDS.newCampaign]: newCampaign,
        [COMMANDS.newEntity]: newEntity,
        [COMMANDS.renameEntity]: renameEntity,
        [COMMANDS.duplicateEntity]: duplicateEntity,
        [COMMANDS.deleteEntity]: deleteEntity,
        [COMMANDS.restoreEntity]: restoreEntity,
        [COMMANDS.purgeEntity]: purgeEntity,
        [COMMANDS.importFiles]: importFiles,
        [COMMANDS.exportCampaign]: exportCampaignCommand,
      },
      { after: () => s.vaults.refresh() },
    ),
    // Opening changes nothing, so it redraws nothing: a redraw right after a click (a session's
    // click runs Open) makes VS Code drop an expand or collapse reported meanwhile.
    registerCommands(s, s, { [COMMANDS.openEntity]: openEntity, [COMMANDS.openYaml]: openYaml }),
  );
  return Object.assign(disposable, { tree, view });
}
