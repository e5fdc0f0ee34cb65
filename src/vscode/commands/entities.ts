// The Campaigns view's commands: new campaign and entries, rename, duplicate, delete to the trash,
// restore, delete for good, open (a session: its notes with their preview), open as YAML. Each asks
// through the prompter (tests answer by id) and writes through the DataManager, so everything is
// validated, durable and audited.
import * as vscode from 'vscode';
import type { DataManager, Entity } from '../../core/api';
import { KINDS, bodyOf, type EntityKind } from '../../core/db/kinds';
import { CAMPAIGN_KINDS } from '../../core/documents/docPaths';
import { validateBody } from '../../core/schema';
import { EntityFileSystem } from '../documents/entityFs';
import { LABELS } from '../labels';
import { isCampaignNode as isNode, type CampaignNode } from '../views/campaignsTree';
import { all, capital, chooseVault, needs, type VaultCommandContext } from './common';

/** "Character", "NPC" …: a kind's label as a title. */
const TITLE = (kind: EntityKind): string => capital(KINDS[kind].label);


/** The problem with a name as an entry of `kind`, or undefined: the schema's rule, said plainly. */
export function nameProblem(kind: EntityKind, name: string): string | undefined {
  if (name.trim() === '') return vscode.l10n.t('Give a name.');
  const issue = validateBody(kind, { name: name.normalize('NFC') }).find((i) => i.path === '/name');
  return issue ? issue.message.replace(/^(The \w+'s )?name/i, vscode.l10n.t('The name')) : undefined;
}

async function askName(ctx: VaultCommandContext, id: string, kind: EntityKind, title: string, value?: string): Promise<string | undefined> {
  const result = await ctx.ui().input({
    id,
    title,
    prompt: vscode.l10n.t("The {0}'s name", KINDS[kind].label),
    ...(value !== undefined ? { placeHolder: value } : {}),
    validate: (v) => nameProblem(kind, v),
  });
  return typeof result === 'string' ? result.trim().normalize('NFC') : undefined;
}

async function openDocument(folder: vscode.WorkspaceFolder, dm: DataManager, entity: Entity): Promise<void> {
  const uri = await EntityFileSystem.uriOf(folder, dm, entity);
  await vscode.commands.executeCommand('vscode.open', uri);
}

export async function newCampaign(ctx: VaultCommandContext, arg?: unknown): Promise<Entity | undefined> {
  const target = isNode(arg) ? { folder: arg.folder, dm: arg.dm } : await chooseVault(ctx, needs.writable, vscode.l10n.t('New Campaign'), arg);
  if (!target) return undefined;
  const name = await askName(ctx, 'entity-name', 'campaign', vscode.l10n.t('New Campaign'));
  if (name === undefined) return undefined;
  const created = await target.dm.create('campaign', { name, system: 'D&D 5e', status: 'active', is_active: true });
  await openDocument(target.folder, target.dm, created);
  return created;
}

/** A new entry: of the clicked kind, or a kind the user picks on a campaign. */
export async function newEntity(ctx: VaultCommandContext, arg?: unknown): Promise<Entity | undefined> {
  if (!isNode(arg) || (arg.type !== 'kind' && arg.type !== 'campaign')) {
    const f = await chooseVault(ctx, all(needs.writable), vscode.l10n.t('New Entry'), arg);
    if (!f) return undefined;
    const campaigns = await f.dm.list('campaign');
    if (campaigns.length === 0) return newCampaign(ctx, f.folder.uri);
    const picked = await ctx.ui().pick({ id: 'campaign', title: vscode.l10n.t('New Entry'), placeHolder: vscode.l10n.t('In which campaign?'), items: campaigns.map((c) => ({ label: c.name, campaign: c })) });
    if (!picked) return undefined;
    return newEntity(ctx, { type: 'campaign', folder: f.folder, dm: f.dm, entity: picked.campaign } satisfies CampaignNode);
  }
  let kind: Exclude<EntityKind, 'campaign'>;
  if (arg.type === 'kind') kind = arg.kind;
  else {
    const picked = await ctx.ui().pick({
      id: 'entity-kind',
      title: vscode.l10n.t('New Entry in {0}', arg.entity.name),
      placeHolder: vscode.l10n.t('What kind of entry?'),
      items: CAMPAIGN_KINDS.map((k) => ({ label: TITLE(k), entryKind: k })),
    });
    if (!picked) return undefined;
    kind = picked.entryKind;
  }
  const campaign = arg.type === 'kind' ? arg.campaign : arg.entity;
  const name = await askName(ctx, 'entity-name', kind, campaign ? vscode.l10n.t('New {0} in {1}', TITLE(kind), campaign.name) : vscode.l10n.t('New {0}', TITLE(kind)));
  if (name === undefined) return undefined;
  const created = await arg.dm.create(kind, { name, campaign_id: campaign?.id ?? null });
  await openDocument(arg.folder, arg.dm, created);
  return created;
}

function entityOf(arg: unknown): (CampaignNode & { type: 'entity' | 'campaign' | 'trashed' }) | undefined {
  return isNode(arg) && (arg.type === 'entity' || arg.type === 'campaign' || arg.type === 'trashed') ? arg : undefined;
}

function explainNoSelection(ctx: VaultCommandContext): undefined {
  void ctx.ui().message({ id: 'cannot-run', severity: 'info', text: vscode.l10n.t('Pick an entry in the Campaigns view first (right-click it).') });
  return undefined;
}

export async function renameEntity(ctx: VaultCommandContext, arg?: unknown): Promise<Entity | undefined> {
  const n = entityOf(arg);
  if (!n) return explainNoSelection(ctx);
  const { dm, entity } = n;
  const name = await askName(ctx, 'entity-name', entity.kind, vscode.l10n.t('Rename {0}', entity.name), entity.name);
  if (name === undefined || name === entity.name) return undefined;
  return dm.update(entity.kind, entity.id, { name }, { expectedVersion: entity.version });
}

/** A copy named "… (copy)", "… (copy 2)" … in the same campaign. */
export async function duplicateEntity(ctx: VaultCommandContext, arg?: unknown): Promise<Entity | undefined> {
  const n = entityOf(arg);
  if (!n || n.type === 'trashed') return explainNoSelection(ctx);
  const { dm, entity, folder } = n;
  const current = await dm.get(entity.kind, entity.id);
  if (!current) return undefined;
  const body = { ...bodyOf(current), campaign_id: current.campaign_id ?? null };
  for (let i = 1; i < 1000; i++) {
    const name = `${current.name} (copy${i > 1 ? ` ${i}` : ''})`.slice(0, 200);
    if (await dm.get(entity.kind, name, { campaign_id: current.campaign_id ?? null })) continue;
    const copy = await dm.create(entity.kind, { ...body, name });
    await openDocument(folder, dm, copy);
    return copy;
  }
  return undefined;
}

export async function deleteEntity(ctx: VaultCommandContext, arg?: unknown): Promise<Entity | undefined> {
  const n = entityOf(arg);
  if (!n || n.type === 'trashed') return explainNoSelection(ctx);
  const { dm, entity } = n;
  const moveToTrash = LABELS.moveToTrash;
  const choice = await ctx.ui().message({
    id: 'confirm-delete',
    severity: 'warning',
    modal: true,
    text: entity.kind === 'campaign' ? vscode.l10n.t('Move the campaign {0} and everything in it to the trash?', entity.name) : vscode.l10n.t('Move {0} to the trash?', entity.name),
    detail: vscode.l10n.t('You can restore it from the Trash in the Campaigns view.'),
    actions: [moveToTrash],
  });
  if (choice !== moveToTrash) return undefined;
  return dm.delete(entity.kind, entity.id, { expectedVersion: entity.version });
}

export async function restoreEntity(ctx: VaultCommandContext, arg?: unknown): Promise<Entity | undefined> {
  const n = entityOf(arg);
  if (!n) return explainNoSelection(ctx);
  return n.dm.restore(n.entity.kind, n.entity.id);
}

export async function purgeEntity(ctx: VaultCommandContext, arg?: unknown): Promise<boolean> {
  const n = entityOf(arg);
  if (!n || n.type !== 'trashed') return Boolean(explainNoSelection(ctx));
  const deleteForGood = LABELS.deleteForGood;
  const choice = await ctx.ui().message({
    id: 'confirm-purge',
    severity: 'warning',
    modal: true,
    text: vscode.l10n.t('Delete {0} for good?', n.entity.name),
    detail: vscode.l10n.t('This cannot be undone (backups still hold it).'),
    actions: [deleteForGood],
  });
  if (choice !== deleteForGood) return false;
  await n.dm.purge(n.entity.kind, n.entity.id);
  return true;
}

/**
 * Opens an entry as a click in the Campaigns view does: its YAML, or for a session its notes.
 * A session's notes are what a GM writes during and after play, so they open in a Markdown editor
 * with their preview beside it (the preview renders headings, lists and [[links]]; a preview
 * already beside follows the notes opened). The session's fields — date, number, attendees — are
 * its YAML: "Open as YAML" ({@link openYaml}).
 */
export async function openEntity(ctx: VaultCommandContext, arg?: unknown): Promise<void> {
  const n = entityOf(arg);
  if (!n || n.type === 'trashed') {
    explainNoSelection(ctx);
    return;
  }
  if (n.entity.kind === 'session') await openSessionNotes(ctx, n.folder, n.dm, n.entity);
  else await openDocument(n.folder, n.dm, n.entity);
}

/** An entry's YAML in the text editor (for a session: its fields, beside the notes a click opens). */
export async function openYaml(ctx: VaultCommandContext, arg?: unknown): Promise<void> {
  const n = entityOf(arg);
  if (!n || n.type === 'trashed') {
    explainNoSelection(ctx);
    return;
  }
  const uri = await EntityFileSystem.uriOf(n.folder, n.dm, n.entity);
  await vscode.commands.executeCommand('vscode.openWith', uri, 'default');
}

/** A session's notes (`<session>.md`) in a text editor, the Markdown preview beside them, the notes focused. */
export async function openSessionNotes(ctx: VaultCommandContext, folder: vscode.WorkspaceFolder, dm: DataManager, session: Entity): Promise<void> {
  const notes = await EntityFileSystem.uriOf(folder, dm, session, 'md');
  const editor = await vscode.window.showTextDocument(notes);
  try {
    await vscode.commands.executeCommand('markdown.showPreviewToSide', notes);
  } catch (e) {
    // Without VS Code's Markdown extension (disabled) the notes still open, without a preview.
    ctx.log.warn(`no Markdown preview for the session notes: ${e instanceof Error ? e.message : String(e)}`);
    return;
  }
  // The preview takes the focus when it opens; the notes keep it, to be written in.
  await vscode.window.showTextDocument(editor.document, { viewColumn: editor.viewColumn ?? vscode.ViewColumn.Active, preserveFocus: false });
}
