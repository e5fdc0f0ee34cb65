import { AssetService } from '../assets/service';
import { ThumbnailService } from '../assets/thumbnails';
import { AuditService } from '../audit/service';
import { EntryService } from '../entries/service';
import { FileService } from '../files/service';
import { IntegrityService } from '../integrity/service';
import { KeyService } from '../keys/service';
import { RulebookService } from '../rulebooks/service';
import { VaultBackupPort } from './backupPort';
import { Lifecycle } from './lifecycle';
import { MigrationService } from './migrations';
import { VaultSession } from './session';
import type { DataManagerOptions } from './types';

/** The services one vault is made of, each in the folder that names its concern. */
export interface VaultServices {
  readonly session: VaultSession;
  readonly lifecycle: Lifecycle;
  readonly migrations: MigrationService;
  readonly entries: EntryService;
  readonly files: FileService;
  readonly keys: KeyService;
  readonly integrity: IntegrityService;
  readonly audit: AuditService;
  readonly rulebooks: RulebookService;
  readonly assets: AssetService;
}

/** Builds the services of one vault folder around one session (one queue), and its backup ports. */
export function composeServices(opts: DataManagerOptions): VaultServices & { readonly port: VaultBackupPort } {
  const session = new VaultSession(opts);
  const migrations = new MigrationService(session);
  const files = new FileService(session);
  const keys = new KeyService(session, files);
  const entries = new EntryService(session);
  const services: VaultServices = {
    session,
    lifecycle: new Lifecycle(session, migrations, keys),
    migrations,
    entries,
    files,
    keys,
    integrity: new IntegrityService(session),
    audit: new AuditService(session),
    rulebooks: new RulebookService(session, files),
    assets: new AssetService(
      entries,
      files,
      new ThumbnailService(session, (hash) => files.readFile(hash), opts.thumbnails, opts.cache),
      opts.pdfText,
      {
        batch: (fn) => session.batch((runner) => fn(entries.within(runner))),
        read: (fn) => session.read(fn),
      },
    ),
  };
  return { ...services, port: new VaultBackupPort(services) };
}
