import * as vscode from 'vscode';
import { chooseVault, needs, where, type VaultCommandContext } from './common';
import { askNewPassword } from './passwords';
import { offerToRemember, showRecoveryKey } from './remember';

export interface CreateVaultResult {
  readonly folder: string;
  readonly encrypted: boolean;
}

interface KindItem extends vscode.QuickPickItem {
  readonly encrypted: boolean;
}

/**
 * "Campaign Vault: Create Vault": in a folder without one, an encrypted vault (password typed
 * twice, then the recovery key shown once) or, when chosen, an unencrypted one.
 */
export async function createVault(ctx: VaultCommandContext, arg?: unknown): Promise<CreateVaultResult | undefined> {
  const f = await chooseVault(ctx, needs.noVault, vscode.l10n.t('Create Vault'), arg);
  if (!f) return undefined;
  const kind = await ctx.ui().pick<KindItem>({
    id: 'create-kind',
    title: vscode.l10n.t('Create Vault'),
    placeHolder: vscode.l10n.t('How should the vault be protected?'),
    items: [
      {
        label: vscode.l10n.t('$(lock) Encrypt with a password'),
        description: vscode.l10n.t('recommended'),
        detail: vscode.l10n.t('Everything in the vault is encrypted; you also get a recovery key.'),
        encrypted: true,
      },
      {
        label: vscode.l10n.t('$(unlock) Create without encryption'),
        detail: vscode.l10n.t('Anyone who can read the folder can read the campaign. You can encrypt it later.'),
        encrypted: false,
      },
    ],
  });
  if (!kind) return undefined;
  if (!kind.encrypted) {
    await ctx.ui().progress({ id: 'create', title: vscode.l10n.t('Creating the vault…') }, () => f.dm.createVault());
    ctx.log.info(`created an unencrypted vault in ${f.folder.uri.fsPath}`);
    void ctx.ui().message({ id: 'created', severity: 'info', text: vscode.l10n.t('Created {0}, without encryption. “Campaign Vault: Encrypt Vault” adds a password at any time.', where(f)) });
    return { folder: f.folder.uri.fsPath, encrypted: false };
  }
  const password = await askNewPassword(ctx.ui(), vscode.l10n.t('Create Vault'));
  if (password === undefined) return undefined;
  const { recoveryKey } = await ctx.ui().progress({ id: 'create', title: vscode.l10n.t('Creating the encrypted vault…') }, () => f.dm.createVault(password));
  ctx.log.info(`created an encrypted vault in ${f.folder.uri.fsPath}`);
  if (recoveryKey) await showRecoveryKey(ctx, recoveryKey);
  await offerToRemember(ctx, f);
  return { folder: f.folder.uri.fsPath, encrypted: true };
}
