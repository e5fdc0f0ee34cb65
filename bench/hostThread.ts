// `npm run bench:host`: how long vault work blocks the thread it runs on — in VS Code, the extension
// host's thread, shared by every extension — and what moving it to a worker thread would cost per
// call instead. Measured: the longest stall of the event loop (perf_hooks' monitorEventLoopDelay at
// 1 ms resolution, and a 1 ms timer's largest gap) during unlock (Argon2id with the default
// parameters), a checkpoint, a locking, a get and a list, on vaults of 10,000 and 30,000 records
// from bench/data.ts; then the round trip of a message carrying a typical answer to a worker and
// back. docs/ARCHITECTURE.md ("Where the engine runs") quotes the numbers.
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { loadSources, RecordGenerator } from './data';
import { OurVault } from './ours';

const root = path.resolve(process.argv[process.argv.indexOf('--root') + 1] ?? '.');
const sizes = (process.argv.includes('--sizes') ? process.argv[process.argv.indexOf('--sizes') + 1]! : '10000,30000').split(',').map(Number);

/** Runs `op` and reports the longest time the event loop could not run meanwhile. */
async function stall<T>(op: () => Promise<T>): Promise<{ ms: number; stallMs: number; value: T }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const t = performance.now();
    worst = Math.max(worst, t - last);
    last = t;
  }, 1);
  h.enable();
  const t0 = performance.now();
  const value = await op();
  const ms = performance.now() - t0;
  h.disable();
  clearInterval(timer);
  worst = Math.max(worst, performance.now() - last);
  return { ms, stallMs: Math.max(worst, h.max / 1e6), value };
}

const row = (what: string, r: { ms: number; stallMs: number }) => console.log(`  ${what.padEnd(34)} ${r.ms.toFixed(1).padStart(8)} ms   longest stall ${r.stallMs.toFixed(1).padStart(7)} ms`);

async function vaultRuns(): Promise<void> {
  const src = loadSources(root);
  for (const n of sizes) {
    const dir = mkdtempSync(path.join(os.tmpdir(), `cv-host-${n}-`));
    try {
      const v = new OurVault(path.join(dir, 'vault'), path.join(dir, 'state'), { checkpointBytes: 1 << 30 });
      console.log(`\n${n.toLocaleString('en')} records`);
      row('create vault (Argon2id default)', await stall(() => v.create()));
      const gen = new RecordGenerator(src, 7 + n);
      let first: { kind: Parameters<OurVault['get']>[0]; id: string; campaign: string } | undefined;
      for (const r of gen.stream(n)) {
        await v.insert(r);
        first ??= { kind: r.kind, id: r.id, campaign: r.campaign_id ?? '' };
      }
      row('checkpoint', await stall(() => v.checkpoint()));
      row('lock', await stall(() => v.lock()));
      row('unlock (Argon2id + load)', await stall(() => v.unlock()));
      row('get by id', await stall(() => v.get(first!.kind, first!.id)));
      row('list 50 NPCs of a campaign', await stall(() => v.dm.list('npc', { limit: 50 })));
      row('update one record', await stall(() => v.update(first!.kind, first!.id, { notes: 'changed' })));
      const snap = v.diskUsage();
      console.log(`  (snapshot ${(snap.snapshotBytes / 1e6).toFixed(1)} MB sealed)`);
      await v.lock();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** A worker that answers every message with what it got: the cost of one call across threads. */
async function workerRoundTrip(): Promise<void> {
  const w = new Worker('const { parentPort } = require("node:worker_threads"); parentPort.on("message", (m) => parentPort.postMessage(m));', { eval: true });
  const src = loadSources(root);
  const gen = new RecordGenerator(src, 99);
  const entities = [...gen.stream(60)].filter((r) => r.kind !== 'campaign').slice(0, 50).map((r) => ({ id: r.id, kind: r.kind, ...r.body, version: 1 }));
  const payloads: [string, unknown][] = [
    ['one entity', entities[0]],
    ['50 entities (a list page)', entities],
  ];
  const ask = (m: unknown) => new Promise<void>((res) => {
    w.once('message', () => res());
    w.postMessage(m);
  });
  console.log('\nworker round trip (structured clone both ways)');
  for (const [what, p] of payloads) {
    for (let i = 0; i < 50; i++) await ask(p);
    const times: number[] = [];
    for (let i = 0; i < 500; i++) {
      const t = performance.now();
      await ask(p);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    console.log(`  ${what.padEnd(34)} p50 ${times[250]!.toFixed(3)} ms   p99 ${times[495]!.toFixed(3)} ms   (${(JSON.stringify(p).length / 1024).toFixed(1)} KiB as JSON)`);
  }
  await w.terminate();
}

void (async () => {
  console.log(`host-thread measurements · Node ${process.version} · ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'} · ${new Date().toISOString()}`);
  await vaultRuns();
  await workerRoundTrip();
})();
