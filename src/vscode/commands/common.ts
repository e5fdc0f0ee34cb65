import * as vscode from 'vscode';
import type { Cancellation, DataManager, Entity, Progress } from '../../core/api';
import type { Logger } from '../../core/ports';
import type { ProgressReporter, Prompter } from '../prompter';
import type { RememberedKeys } from '../rememberedKeys';
import type { VaultFolder, VaultRegistry } from '../vaults';
import { COMMANDS } from './ids';
import { LABELS } from '../labels';

/** What every vault command works with. `ui()` is read on each use, so a test can swap the prompter. */
export interface VaultCommandContext {
  readonly vaults: VaultRegistry;
  readonly ui: () => Prompter;
  readonly keys: RememberedKeys;
  readonly log: Logger;
}

/** Why a command cannot run on a folder, or undefined when it can. */
export type Check = (f: VaultFolder) => Reason | undefined;

export interface Reason {
  readonly text: string;
  /** A command that would fix it, offered as a button. */
  readonly fix?: { readonly label: string; readonly command: string };
}

/** "the vault in “Campaign”": names the folder only when the workspace has several. */
export function where(f: VaultFolder): string {
  return (vscode.workspace.workspaceFolders?.length ?? 0) > 1 ? vscode.l10n.t('the vault in “{0}”', f.folder.name) : vscode.l10n.t('the vault');
}

export const capital = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

const CREATE_FIX = { label: LABELS.createVault, command: COMMANDS.createVault };
const UNLOCK_FIX = { label: LABELS.unlock, command: COMMANDS.unlock };

/** Reusable checks, combined with {@link all}. */
export const needs = {
  noVault: (f: VaultFolder): Reason | undefined =>
    f.state === 'absent'
      ? undefined
      : { text: f.state === 'problem' ? vscode.l10n.t('{0} holds a vault header that cannot be read: {1}', folderName(f), f.problem ?? vscode.l10n.t('unknown problem')) : vscode.l10n.t('{0} already holds a vault.', folderName(f)) },
  vault: (f: VaultFolder): Reason | undefined =>
    f.state === 'absent'
      ? { text: vscode.l10n.t('There is no vault in {0} yet.', folderName(f, false)), fix: CREATE_FIX }
      : f.state === 'problem'
        ? { text: vscode.l10n.t('The vault header in {0} cannot be read: {1}', folderName(f, false), f.problem ?? vscode.l10n.t('unknown problem')) }
        : undefined,
  locked: (f: VaultFolder): Reason | undefined => needs.vault(f) ?? (f.state === 'unlocked' ? { text: vscode.l10n.t('{0} is already unlocked.', capital(where(f))) } : undefined),
  unlocked: (f: VaultFolder): Reason | undefined => needs.vault(f) ?? (f.state === 'locked' ? { text: vscode.l10n.t('{0} is locked. Unlock it first.', capital(where(f))), fix: UNLOCK_FIX } : undefined),
  writable: (f: VaultFolder): Reason | undefined =>
    needs.unlocked(f) ?? (f.readOnlyReason ? { text: vscode.l10n.t('{0} is open read-only here. {1}', capital(where(f)), f.readOnlyReason.hint ?? '').trim() } : undefined),
  encrypted: (f: VaultFolder): Reason | undefined =>
    f.encrypted === false ? { text: vscode.l10n.t('{0} is not encrypted, so it has no password or key to change. Use “Campaign Vault: Encrypt Vault” first.', capital(where(f))) } : undefined,
  unencrypted: (f: VaultFolder): Reason | undefined => (f.encrypted === true ? { text: vscode.l10n.t('{0} is already encrypted.', capital(where(f))) } : undefined),
};

export function all(...checks: Check[]): Check {
  return (f) => {
    for (const c of checks) {
      const r = c(f);
      if (r) return r;
    }
    return undefined;
  };
}

function folderName(f: VaultFolder, capitalized = true): string {
  if ((vscode.workspace.workspaceFolders?.length ?? 0) > 1) return `“${f.folder.name}”`;
  return capitalized ? vscode.l10n.t('This workspace') : vscode.l10n.t('this workspace');
}

/** Tells the user why a command cannot run, with a button that fixes it when there is one. */
export function explain(ctx: VaultCommandContext, reason: Reason, folder?: VaultFolder): void {
  ctx.log.info(`command cannot run: ${reason.text}`);
  void ctx
    .ui()
    .message({ id: 'cannot-run', severity: 'info', text: reason.text, actions: reason.fix ? [reason.fix.label] : [] })
    .then((choice) => {
      if (reason.fix && choice === reason.fix.label) void vscode.commands.executeCommand(reason.fix.command, folder?.folder.uri);
    });
}

/**
 * The folder a command works on: the one given (a folder URI from another extension, a menu or a
 * test), the only one that qualifies, or the one the user picks when several do. When none does,
 * says why and resolves with undefined.
 */
export async function chooseVault(ctx: VaultCommandContext, check: Check, title: string, arg?: unknown): Promise<VaultFolder | undefined> {
  const folders = await ctx.vaults.refresh();
  if (arg instanceof vscode.Uri) {
    const wsFolder = vscode.workspace.getWorkspaceFolder(arg);
    const f = folders.find((x) => x.folder.uri.toString() === wsFolder?.uri.toString());
    if (!f) {
      explain(ctx, { text: vscode.l10n.t('{0} is not in a workspace folder on this computer.', arg.fsPath) });
      return undefined;
    }
    const reason = check(f);
    if (reason) {
      explain(ctx, reason, f);
      return undefined;
    }
    return f;
  }
  if (folders.length === 0) {
    explain(ctx, { text: vscode.l10n.t('Campaign Vault keeps its vault inside a workspace folder. Open a folder first.') });
    return undefined;
  }
  const candidates = folders.filter((f) => check(f) === undefined);
  if (candidates.length === 0) {
    if (folders.length === 1) {
      explain(ctx, check(folders[0]!)!, folders[0]);
    } else {
      explain(ctx, { text: folders.map((f) => vscode.l10n.t('{0}: {1}', f.folder.name, check(f)!.text)).join(' ') });
    }
    return undefined;
  }
  if (candidates.length === 1) return candidates[0];
  const picked = await ctx.ui().pick({
    id: 'folder',
    title,
    placeHolder: vscode.l10n.t('Which workspace folder?'),
    items: candidates.map((f) => ({ label: f.folder.name, description: describeState(f), detail: f.folder.uri.fsPath, vault: f })),
  });
  return picked?.vault;
}

/** A few words on a folder's vault, for quick picks and tooltips. */
export function describeState(f: VaultFolder): string {
  switch (f.state) {
    case 'absent':
      return vscode.l10n.t('no vault');
    case 'problem':
      return vscode.l10n.t('unreadable vault');
    case 'locked':
      return f.encrypted === false ? vscode.l10n.t('locked (not encrypted)') : vscode.l10n.t('locked');
    case 'unlocked':
      if (f.readOnlyReason) return f.encrypted === false ? vscode.l10n.t('unlocked, read-only (not encrypted)') : vscode.l10n.t('unlocked, read-only');
      return f.encrypted === false ? vscode.l10n.t('unlocked (not encrypted)') : vscode.l10n.t('unlocked');
  }
}

/** The core's progress and cancellation interfaces on top of a prompter's progress task. */
export function progressAdapter(report: ProgressReporter): Progress {
  return { report: (step, fraction) => report(step, fraction) };
}

export function cancellationAdapter(token: vscode.CancellationToken): Cancellation {
  return {
    get isCancellationRequested() {
      return token.isCancellationRequested;
    },
  };
}

/** Asks which campaign something goes into (or whose it is): a campaign's id, null for the Shared Library, undefined when dismissed. */
export async function askCampaign(ctx: VaultCommandContext, dm: DataManager, ask: { readonly id: string; readonly title: string; readonly placeHolder: string }): Promise<string | null | undefined> {
  const campaigns = await dm.list('campaign');
  const picked = await ctx.ui().pick({
    ...ask,
    items: [{ label: vscode.l10n.t('$(library) Shared Library'), description: vscode.l10n.t('for every campaign'), campaign: null as Entity | null }, ...campaigns.map((c) => ({ label: c.name, campaign: c as Entity | null }))],
  });
  if (!picked) return undefined;
  return picked.campaign?.id ?? null;
}
