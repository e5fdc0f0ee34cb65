/**
 * The process the crash tests kill. Usage:
 *   node worker.js <vault dir> <state dir> <scenario> <killAt>
 * Scenarios: writes | migration | password | rotate. Prints `READY` once the vault is open and
 * `ACK <name>` after each acknowledged write (synchronously, so the parent sees exactly what was
 * acknowledged before the kill), and `DONE <operations>` if it finishes.
 */
import { writeSync } from 'node:fs';
import { DataManager } from '../../src/core/api';
import { MIGRATIONS } from '../../src/core/db/migrations';
import { LOCK_FILE } from '../../src/core/vault/layout';
import { silentLogger } from '../../src/node/dataManager';
import { NodeFileStore } from '../../src/node/fileStore';
import { NodeVaultLock, currentOwner } from '../../src/node/lock';
import { loadSqlJs } from '../../src/node/sqljs';
import { NodeStateStore } from '../../src/node/state';
import { nodeCipherSuite, nodeRandom, systemClock } from '../../src/node/system';
import { CrashingFileStore } from './crashingFileStore';

export const CRASH_KDF = { algorithm: 'argon2id' as const, memoryKiB: 64, iterations: 1, parallelism: 1 };
export const PASSWORD = 'crash test';
export const NEW_PASSWORD = 'crash test 2';

const say = (line: string) => writeSync(1, `${line}\n`);

export function crashManager(dir: string, stateDir: string, killAt: number, migrations = MIGRATIONS): { dm: DataManager; store: CrashingFileStore } {
  const files = new NodeFileStore(dir);
  const store = new CrashingFileStore(files, killAt);
  const dm = new DataManager({
    files: store,
    lock: new NodeVaultLock(files.resolve(LOCK_FILE)),
    state: new NodeStateStore(stateDir),
    clock: systemClock,
    random: nodeRandom,
    logger: silentLogger,
    sql: loadSqlJs,
    owner: currentOwner('crash worker'),
    suite: nodeCipherSuite,
    kdf: CRASH_KDF,
    migrations,
    // Small, so background checkpoints happen while writes go on.
    checkpointBytes: 6 * 1024,
  });
  return { dm, store };
}

async function main(): Promise<void> {
  const [dir, stateDir, scenario, killAtText, countText] = process.argv.slice(2);
  const killAt = Number(killAtText ?? 0);
  const { dm, store } = crashManager(dir!, stateDir!, killAt);
  if (scenario === 'password') {
    await dm.unlock(PASSWORD);
    say('READY');
    await dm.changePassword(PASSWORD, NEW_PASSWORD);
    say('ACK password');
  } else {
    await dm.unlock(PASSWORD); // runs pending migrations in the migration scenario
    if (dm.readOnlyReason) {
      // Another process holds the writer lock: reads work, writes are refused with a reason.
      const n = (await dm.listNpcs()).length;
      const refused = await dm.createNpc({ name: 'never', campaign_id: (await dm.listCampaigns())[0]!.id }).then(
        () => 'WROTE',
        (e: unknown) => (e as { code?: string }).code,
      );
      say(`READONLY ${n} ${refused} ${dm.readOnlyReason.userMessage}`);
      await dm.lock();
      return;
    }
    say('READY');
    if (scenario === 'rotate') {
      await dm.rotateKey();
      say('ACK rotate');
    }
    const campaign = (await dm.listCampaigns())[0]!;
    const count = Number(countText ?? 40);
    for (let i = 0; i < count; i++) {
      const name = `npc-${process.pid}-${String(i).padStart(4, '0')}`;
      await dm.createNpc({ name, campaign_id: campaign.id, notes: 'x'.repeat(200 + (i % 7) * 300) });
      say(`ACK ${name}`);
      if (i % 5 === 4) {
        const c = await dm.updateCampaign(campaign.id, { description: `after ${name}` });
        say(`ACK desc ${c.description as string}`);
      }
      if (i === Math.min(12, count >> 1)) await dm.checkpoint();
    }
  }
  await dm.lock();
  say(`DONE ${store.operations}`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    say(`ERROR ${e instanceof Error ? e.stack : String(e)}`);
    process.exit(3);
  });
}
