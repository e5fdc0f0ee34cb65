// Our side of `npm run bench`: the real DataManager on Node (src/node/dataManager.ts) in a
// temporary folder, encrypted with a password and the DEFAULT Argon2id parameters, so unlock costs
// what a user feels. Nothing here reaches into the vault's internals.
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { DataManager } from '../src/core/api';
import type { EntityKind } from '../src/core/db/kinds';
import { nodeDataManager } from '../src/node/dataManager';
import type { BenchRecord } from './data';

export const PASSWORD = 'correct horse battery staple';

export class OurVault {
  readonly dm: DataManager;

  constructor(
    readonly folder: string,
    stateDir: string,
    opts: { checkpointBytes?: number } = {},
  ) {
    this.dm = nodeDataManager(folder, { app: 'campaign-vault-bench', stateDir, ...opts });
  }

  /** Creates the vault (Argon2id with the product's default parameters). */
  async create(): Promise<void> {
    await this.dm.createVault(PASSWORD);
  }

  /** One durable create: resolves once its journal record is fsync'ed. */
  async insert(r: BenchRecord): Promise<void> {
    await this.dm.create(r.kind, { ...r.body, id: r.id, ...(r.campaign_id ? { campaign_id: r.campaign_id } : {}) });
  }

  async update(kind: EntityKind, id: string, changes: Record<string, unknown>): Promise<void> {
    await this.dm.update(kind, id, changes);
  }

  get(kind: EntityKind, id: string): Promise<unknown> {
    return this.dm.get(kind, id);
  }

  list(kind: EntityKind, campaignId: string, filters: Record<string, string | number>, limit: number): Promise<unknown[]> {
    return this.dm.list(kind, { campaign_id: campaignId, filters, limit });
  }

  checkpoint(): Promise<void> {
    return this.dm.checkpoint();
  }

  lock(): Promise<void> {
    return this.dm.lock();
  }

  unlock(): Promise<void> {
    return this.dm.unlock(PASSWORD);
  }

  /** Bytes of the newest sealed snapshot (and its generation) and of the journals, on disk. */
  diskUsage(): { snapshotBytes: number; journalBytes: number; generation: number } {
    const dir = path.join(this.folder, '.campaign-vault', 'db');
    let snapshotBytes = 0;
    let journalBytes = 0;
    let generation = 0;
    try {
      const names = readdirSync(dir).sort();
      const snap = names.filter((n) => /^snapshot-\d+\.cvs$/.test(n)).at(-1);
      if (snap) {
        snapshotBytes = statSync(path.join(dir, snap)).size;
        generation = Number(/\d+/.exec(snap)![0]);
      }
      for (const n of names.filter((x) => x.startsWith('journal-'))) journalBytes += statSync(path.join(dir, n)).size;
    } catch {
      // no vault yet
    }
    return { snapshotBytes, journalBytes, generation };
  }
}
