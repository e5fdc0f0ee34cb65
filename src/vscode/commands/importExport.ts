// "Campaign Vault: Import…" and "Export Campaign as YAML…": files chosen in a dialog (or passed by the
// Explorer's context menu or a test), read with the same code as the command-line tool, applied
// through the core importers, and a loss report the user can open — nothing is dropped silently.
import * as vscode from 'vscode';
import type { DataManager, Entity } from '../../core/api';
import { KINDS, type EntityKind } from '../../core/db/kinds';
import { exportCampaign, importDrafts, parseImportFiles, summarizeReport, type ApplyResult, type ImportReport, type OnConflict } from '../../core/import';
import { collectImportFiles, writeExport } from '../../node/importFiles';
import { EntityFileSystem } from '../documents/entityFs';
import { LABELS } from '../labels';
import { isCampaignNode as isNode } from '../views/campaignsTree';
import { chooseVault, needs, type VaultCommandContext } from './common';
import { showLossReport as openLossReport } from './lossReports';

/** What a test (or another extension) may pass instead of answering dialogs. */
export interface ImportArgs {
  readonly uris?: readonly vscode.Uri[];
  /** Campaign name or id; with `createCampaign`, created when missing. */
  readonly campaign?: string;
  readonly createCampaign?: boolean;
  readonly onConflict?: OnConflict;
}

export interface ImportOutcome extends Omit<ApplyResult, 'report'> {
  readonly report: ImportReport;
  /** The loss report as text, as "Show Loss Report" opens it. */
  readonly reportText: string;
}


function reportText(files: number, result: ApplyResult, campaignName: string | undefined): string {
  const read = files === 1 ? vscode.l10n.t('{0} file read', files) : vscode.l10n.t('{0} files read', files);
  const created = vscode.l10n.t('{0} entries created', result.created.filter((c) => c.kind !== 'campaign').length);
  const replaced = result.replaced.length ? vscode.l10n.t(', {0} replaced', result.replaced.length) : '';
  const skipped = result.skipped.length ? vscode.l10n.t(', {0} skipped (names taken)', result.skipped.length) : '';
  const into = campaignName ? vscode.l10n.t(' in {0}', campaignName) : '';
  const lines = [
    `# ${vscode.l10n.t('Campaign Vault import: loss report')}`,
    '',
    vscode.l10n.t('{0}; {1}{2}{3}{4}.', read, created, replaced, skipped, into),
    '',
    vscode.l10n.t('Every field that could not be mapped, every value that had to be converted and every link that could not be resolved is listed below.'),
    '',
    '```text',
    ...summarizeReport(result.report, 10_000),
    '```',
    '',
  ];
  return lines.join('\n');
}

export async function importFiles(ctx: VaultCommandContext, arg?: unknown, extra?: unknown): Promise<ImportOutcome | undefined> {
  // From the Explorer: (clicked uri, all selected uris). From the view: a campaign node. From a test: ImportArgs.
  const args: ImportArgs = arg instanceof vscode.Uri ? { uris: Array.isArray(extra) ? (extra as vscode.Uri[]) : [arg] } : isNode(arg) || arg === undefined ? {} : (arg as ImportArgs);
  const node = isNode(arg) ? arg : undefined;
  const target = node ? { folder: node.folder, dm: node.dm } : await chooseVault(ctx, needs.writable, vscode.l10n.t('Import'), args.uris?.[0]);
  if (!target) return undefined;
  let uris = args.uris;
  if (!uris) {
    uris = await vscode.window.showOpenDialog({
      title: vscode.l10n.t('Import into Campaign Vault'),
      openLabel: vscode.l10n.t('Import'),
      canSelectMany: true,
      canSelectFiles: true,
      canSelectFolders: true,
      filters: { [vscode.l10n.t('Characters, monsters, spells, items (JSON, YAML, statblock notes)')]: ['json', 'yaml', 'yml', 'md'] },
    });
    if (!uris || uris.length === 0) return undefined;
  }
  const local = uris.filter((u) => u.scheme === 'file');
  if (local.length !== uris.length) throw new Error(vscode.l10n.t('Only files on this computer can be imported.'));
  const { files, passedOver } = collectImportFiles(local.map((u) => u.fsPath));
  if (files.length === 0) throw new Error(
      passedOver.length
        ? vscode.l10n.t('Nothing to import: no JSON, YAML or statblock files (passed over: {0}).', passedOver.slice(0, 5).join(', '))
        : vscode.l10n.t('Nothing to import: no JSON, YAML or statblock files.'),
    );
  const parsed = parseImportFiles(files);
  const fromExport = parsed.drafts.some((d) => d.kind === 'campaign');
  let campaign = args.campaign ?? (node?.type === 'campaign' ? node.entity.id : node?.type === 'kind' ? node.campaign?.id : undefined);
  let createCampaign = args.createCampaign ?? false;
  const needsCampaign = parsed.drafts.some((d) => d.kind !== 'campaign' && d.kind !== 'item' && d.kind !== 'spell' && d.kind !== 'rulebook' && d.kind !== 'asset');
  if (campaign === undefined && !fromExport) {
    const campaigns = await target.dm.list('campaign');
    const NEW = vscode.l10n.t('$(add) New campaign…');
    const LIBRARY = vscode.l10n.t('$(library) Shared Library');
    const picked = await ctx.ui().pick({
      id: 'import-campaign',
      title: parsed.drafts.length === 1 ? vscode.l10n.t('Import {0} entry', parsed.drafts.length) : vscode.l10n.t('Import {0} entries', parsed.drafts.length),
      placeHolder: vscode.l10n.t('Into which campaign?'),
      items: [...campaigns.map((c) => ({ label: c.name, campaign: c as Entity | undefined })), { label: NEW, campaign: undefined }, ...(needsCampaign ? [] : [{ label: LIBRARY, campaign: undefined }])],
    });
    if (!picked) return undefined;
    if (picked.label === NEW) {
      const name = await ctx.ui().input({ id: 'entity-name', title: vscode.l10n.t('New Campaign'), prompt: vscode.l10n.t('The campaign’s name') });
      if (typeof name !== 'string' || name.trim() === '') return undefined;
      campaign = name.trim();
      createCampaign = true;
    } else if (picked.campaign) campaign = picked.campaign.id;
  }
  const result = await ctx.ui().progress({ id: 'import', title: files.length === 1 ? vscode.l10n.t('Importing {0} file…', files.length) : vscode.l10n.t('Importing {0} files…', files.length) }, () =>
    importDrafts(target.dm, parsed.drafts, {
      ...(campaign !== undefined ? { campaign } : {}),
      createCampaign,
      onConflict: args.onConflict ?? 'skip',
      report: parsed.report.entries,
    }),
  );
  const campaignName = result.campaign_id ? (await target.dm.get('campaign', result.campaign_id))?.name : undefined;
  const text = reportText(files.length, result, campaignName);
  const losses = result.report.entries.length;
  const created = result.created.filter((c) => c.kind !== 'campaign');
  const { showLossReport, open } = LABELS;
  // Per kind, the actor first: "1 character, 20 items" says what one imported hero brought along.
  const perKind = new Map<EntityKind, number>();
  for (const c of created) perKind.set(c.kind, (perKind.get(c.kind) ?? 0) + 1);
  const order = (k: EntityKind) => (k === 'character' || k === 'npc' ? 0 : 1);
  const kinds = [...perKind].sort(([a], [b]) => order(a) - order(b)).map(([k, n]) => `${n} ${n === 1 ? KINDS[k].label : KINDS[k].plural}`);
  const imported = created.length === 0 ? vscode.l10n.t('Imported nothing new') : vscode.l10n.t('Imported {0}', kinds.join(', '));
  // The one character or NPC of an import (its spells and gear came along) is what "Open" opens.
  const actors = created.filter((c) => order(c.kind) === 0);
  const openable = created.length === 1 ? created[0] : actors.length === 1 ? actors[0] : undefined;
  const into = campaignName ? vscode.l10n.t(' into {0}', campaignName) : '';
  const skipped = result.skipped.length ? vscode.l10n.t(' ({0} skipped: names taken)', result.skipped.length) : '';
  const lost = losses === 0 ? vscode.l10n.t('Nothing was lost on the way in.') : losses === 1 ? vscode.l10n.t('The loss report has {0} line.', losses) : vscode.l10n.t('The loss report has {0} lines.', losses);
  void ctx
    .ui()
    .message({
      id: 'imported',
      severity: 'info',
      text: vscode.l10n.t('{0}{1}{2}. {3}', imported, into, skipped, lost),
      actions: [...(losses > 0 ? [showLossReport] : []), ...(openable ? [open] : [])],
    })
    .then(async (choice) => {
      if (choice === showLossReport) await openLossReport(text);
      if (choice === open && openable) await openCreated(target.folder, target.dm, openable);
    });
  return { ...result, reportText: text };
}

async function openCreated(folder: vscode.WorkspaceFolder, dm: DataManager, c: { kind: Entity['kind']; id: string }): Promise<void> {
  const e = await dm.get(c.kind, c.id);
  if (e) await vscode.commands.executeCommand('vscode.open', await EntityFileSystem.uriOf(folder, dm, e));
}

/** Writes a campaign as plain YAML files into a new or empty folder. Resolves with the number of files. */
export async function exportCampaignCommand(ctx: VaultCommandContext, arg?: unknown, to?: unknown): Promise<number | undefined> {
  const node = isNode(arg) ? arg : undefined;
  const target = node ? { folder: node.folder, dm: node.dm } : await chooseVault(ctx, needs.unlocked, vscode.l10n.t('Export Campaign'), arg instanceof vscode.Uri ? arg : undefined);
  if (!target) return undefined;
  let campaign = node?.type === 'campaign' ? node.entity : undefined;
  if (!campaign) {
    const campaigns = await target.dm.list('campaign');
    if (campaigns.length === 0) throw new Error(vscode.l10n.t('There is no campaign to export yet.'));
    const picked = campaigns.length === 1 ? { campaign: campaigns[0]! } : await ctx.ui().pick({ id: 'campaign', title: vscode.l10n.t('Export Campaign'), placeHolder: vscode.l10n.t('Which campaign?'), items: campaigns.map((c) => ({ label: c.name, campaign: c })) });
    if (!picked) return undefined;
    campaign = picked.campaign;
  }
  let folder = to instanceof vscode.Uri ? to : undefined;
  if (!folder) {
    const chosen = await vscode.window.showOpenDialog({ title: vscode.l10n.t('Export {0} as YAML into a new or empty folder', campaign.name), openLabel: vscode.l10n.t('Export Here'), canSelectFiles: false, canSelectFolders: true, canSelectMany: false });
    if (!chosen?.[0]) return undefined;
    folder = chosen[0];
  }
  const files = await exportCampaign(target.dm, campaign.id);
  writeExport(folder.fsPath, files);
  void ctx.ui().message({ id: 'exported', severity: 'info', text: vscode.l10n.t('Exported {0}: {1} files in {2}. “Campaign Vault: Import…” reads the folder back.', campaign.name, files.length, folder.fsPath) });
  return files.length;
}
