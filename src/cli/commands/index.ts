// The commands of `campaign-vault`, by group: vault.ts (init, unlock, passwd, rotate-key, encrypt,
// migrate, audit), entries.ts, rulebooks.ts (rulebook, search), assets.ts (asset), backup.ts, importExport.ts, integrity.ts; common.ts holds what they
// share. The order here is the order of "campaign-vault --help".
import { ASSET_COMMANDS } from './assets';
import { BACKUP_COMMANDS } from './backup';
import type { Command } from './common';
import { ENTRY_COMMANDS } from './entries';
import { IMPORT_EXPORT_COMMANDS } from './importExport';
import { INTEGRITY_COMMANDS } from './integrity';
import { RULEBOOK_COMMANDS } from './rulebooks';
import { VAULT_COMMANDS } from './vault';

export type { Command } from './common';
export { uniquePrefixes } from './backup';

export const COMMANDS: Readonly<Record<string, Command>> = {
  init: VAULT_COMMANDS.init,
  unlock: VAULT_COMMANDS.unlock,
  create: ENTRY_COMMANDS.create,
  get: ENTRY_COMMANDS.get,
  list: ENTRY_COMMANDS.list,
  update: ENTRY_COMMANDS.update,
  delete: ENTRY_COMMANDS.delete,
  restore: ENTRY_COMMANDS.restore,
  rulebook: RULEBOOK_COMMANDS.rulebook,
  search: RULEBOOK_COMMANDS.search,
  asset: ASSET_COMMANDS.asset,
  import: IMPORT_EXPORT_COMMANDS.import,
  export: IMPORT_EXPORT_COMMANDS.export,
  passwd: VAULT_COMMANDS.passwd,
  backup: BACKUP_COMMANDS.backup,
  backups: BACKUP_COMMANDS.backups,
  verify: BACKUP_COMMANDS.verify,
  prune: BACKUP_COMMANDS.prune,
  check: INTEGRITY_COMMANDS.check,
  'rotate-key': VAULT_COMMANDS['rotate-key'],
  encrypt: VAULT_COMMANDS.encrypt,
  migrate: VAULT_COMMANDS.migrate,
  audit: VAULT_COMMANDS.audit,
  'export-backup': IMPORT_EXPORT_COMMANDS['export-backup'],
  'import-backup': IMPORT_EXPORT_COMMANDS['import-backup'],
};
