/** Every command id the extension registers, in one place. package.json contributes the same set (a test checks). */
export const COMMANDS = {
  showStatus: 'campaignVault.showStatus',
  showLog: 'campaignVault.showLog',
  refresh: 'campaignVault.refresh',
} as const;

export type CommandId = (typeof COMMANDS)[keyof typeof COMMANDS];
