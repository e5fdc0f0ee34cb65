/** Every command id the extension registers, in one place. package.json contributes the same set (a test checks). */
export const COMMANDS = {
  showStatus: 'campaignVault.showStatus',
  showLog: 'campaignVault.showLog',
  refresh: 'campaignVault.refresh',
  createVault: 'campaignVault.createVault',
  unlock: 'campaignVault.unlock',
  lock: 'campaignVault.lock',
  changePassword: 'campaignVault.changePassword',
  rotateKey: 'campaignVault.rotateKey',
  encryptVault: 'campaignVault.encryptVault',
  migrationStatus: 'campaignVault.migrationStatus',
  runMigrations: 'campaignVault.runMigrations',
  rollbackMigration: 'campaignVault.rollbackMigration',
  forgetRememberedKey: 'campaignVault.forgetRememberedKey',
  newCampaign: 'campaignVault.newCampaign',
  newEntity: 'campaignVault.newEntity',
  renameEntity: 'campaignVault.renameEntity',
  duplicateEntity: 'campaignVault.duplicateEntity',
  deleteEntity: 'campaignVault.deleteEntity',
  restoreEntity: 'campaignVault.restoreEntity',
  purgeEntity: 'campaignVault.purgeEntity',
  openEntity: 'campaignVault.openEntity',
  openAsSheet: 'campaignVault.openAsSheet',
  quickSearch: 'campaignVault.quickSearch',
} as const;

export type CommandId = (typeof COMMANDS)[keyof typeof COMMANDS];
