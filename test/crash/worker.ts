/**
 * The process the crash tests kill. Usage:
 *   node worker.js <vault dir> <state dir> <scenario> <killAt>
 * Scenarios: writes | migration | password | rotate. Prints `READY` once the vault is open and
 * `ACK <name>` after each acknowledged write (synchronously, so the parent sees exactly what was
 * acknowledged before the kill), and `DONE <operations>` if it finishes.
 */
import { writeSync } from 'node:fs';
export { CRASH_KDF, NEW_PASSWORD, PASSWORD, crashManager } from './manager';
import { NEW_PASSWORD, PASSWORD, crashManager } from './manager';

const say = (line: string) => writeSync(1, `${line}\n`);

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
