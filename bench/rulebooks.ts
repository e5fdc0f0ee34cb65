/**
 * npm run bench:rulebooks — adding the 531-page rulebook fixture to a vault: total time, ms per
 * page, peak memory (this process's RSS, the worker thread included) and the longest stall of this
 * thread's event loop while it runs (the worker should leave it free); `pdftotext` on the same
 * file as the reference when it is installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { nodeDataManager } from '../src/node/dataManager';

const TEST_KDF = { algorithm: 'argon2id', memoryKiB: 64, iterations: 1, parallelism: 1 } as const;

async function main(): Promise<void> {
  const rootArg = process.argv.indexOf('--root');
  const root = rootArg > 0 ? process.argv[rootArg + 1]! : process.cwd();
  const file = join(root, 'test/fixtures/rulebooks/mdsrd5-markdown-srd5.pdf');
  const data = new Uint8Array(readFileSync(file));
  const tmp = mkdtempSync(join(tmpdir(), 'cv-bench-rulebooks-'));
  const dm = nodeDataManager(join(tmp, 'vault'), { app: 'bench', stateDir: join(tmp, 'state'), kdf: TEST_KDF });
  await dm.createVault('pw');
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const t0 = performance.now();
  const r = await dm.rulebooks.add(data, { name: 'SRD' });
  const ms = performance.now() - t0;
  loop.disable();
  clearInterval(sampler);
  await dm.lock();
  rmSync(tmp, { recursive: true, force: true });
  console.log(`rulebook add, ${r.pages} pages (${(data.length / 1048576).toFixed(1)} MiB): ${(ms / 1000).toFixed(1)} s, ${(ms / r.pages).toFixed(1)} ms/page, ${(r.pages / (ms / 1000)).toFixed(1)} pages/s; peak RSS ${(peak / 1048576).toFixed(0)} MiB; longest event-loop stall of this thread ${(loop.max / 1e6).toFixed(0)} ms (p99 ${(loop.percentile(99) / 1e6).toFixed(0)} ms)`);
  const t1 = performance.now();
  const ref = spawnSync('pdftotext', [file, '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (ref.error) console.log('pdftotext: not installed (apt-get install poppler-utils), no reference');
  else console.log(`pdftotext (reference): ${((performance.now() - t1) / 1000).toFixed(1)} s, ${((performance.now() - t1) / r.pages).toFixed(1)} ms/page`);
}

void main();
