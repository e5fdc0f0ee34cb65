/**
 * Thumbnails (docs/THUMBNAILS.md): a 4096 × 4096 PNG and JPEG made here from procedural pixels
 * (deterministic; written to the work folder, never committed), drawn at 256 px by the worker
 * thread of src/node/thumbnails.ts — cold (a new thread: start, wasm compiled, first decode) and
 * warm (the same thread again) — then from the cache (memory, and disk in a new session), beside
 * ImageMagick's `convert -thumbnail` on the same files when it is installed. Wall time is reported
 * with the CPU time of the whole process (the worker thread included): on a loaded machine the
 * CPU time says what the work costs, the wall time what a user waited.
 * Standalone: npm run bench:thumbnails. Also part of npm run bench (skip with --skip thumbnails).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nodeDataManager } from '../src/node/dataManager';
import { WorkerThumbnailMaker, thumbnailWorkerScript } from '../src/node/thumbnails';
import { encodePng } from './png';

const N = 4096;
const SIZE = 256;
const TEST_KDF = { algorithm: 'argon2id', memoryKiB: 64, iterations: 1, parallelism: 1 } as const;

export interface Timing {
  /** Median wall time, ms. */
  readonly wallMs: number;
  /** Median CPU time of the process (every thread), ms. */
  readonly cpuMs: number;
  readonly runs: number;
}

export interface ThumbnailBenchResult {
  readonly image: 'png' | 'jpeg';
  readonly bytes: number;
  readonly cold: Timing;
  readonly warm: Timing;
  readonly memoryHit: Timing;
  readonly diskHit: Timing;
  /** ImageMagick `convert -thumbnail` on the same file (its own process), or undefined when not installed. */
  readonly reference?: Timing & { readonly version: string };
  readonly targetMs: number;
}

export interface ThumbnailBench {
  readonly results: readonly ThumbnailBenchResult[];
  readonly loadAverage: { readonly start: readonly number[]; readonly end: readonly number[] };
  readonly reference: string;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function timed(runs: number, fn: () => Promise<unknown>): Promise<Timing> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    await fn();
    wall.push(performance.now() - t);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1000);
  }
  return { wallMs: median(wall), cpuMs: median(cpu), runs };
}

/** A battle map's worth of pixels: smooth terrain, a grid, a little noise. Same bytes every run. */
function pixels(): Uint8ClampedArray {
  const px = new Uint8ClampedArray(N * N * 4);
  for (let y = 0; y < N; y++) {
    for (let x = 0; x < N; x++) {
      const i = (y * N + x) * 4;
      const noise = ((((x * 73856093) ^ (y * 19349663)) >>> 0) % 23) - 11;
      px[i] = 120 + 90 * Math.sin(x / 97) * Math.cos(y / 131) + noise;
      px[i + 1] = 110 + 80 * Math.sin((x + y) / 211) + noise;
      px[i + 2] = 100 + 70 * Math.cos((x - y) / 173) + noise;
      px[i + 3] = 255;
      if (((x >> 6) + (y >> 6)) % 9 === 0) px.set([40, 40, 50], i);
    }
  }
  return px;
}



/** A JPEG at quality 85 from mozjpeg's encoder (the @jsquash build already in node_modules). */
async function encodeJpeg(root: string, px: Uint8ClampedArray): Promise<Uint8Array> {
  const mod = (await import('@jsquash/jpeg/encode.js')) as unknown as { default: (d: unknown, o: unknown) => Promise<ArrayBuffer>; init: (m: WebAssembly.Module) => Promise<unknown> };
  await mod.init(await WebAssembly.compile(readFileSync(path.join(root, 'node_modules/@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm'))));
  return new Uint8Array(await mod.default({ data: px, width: N, height: N }, { quality: 85 }));
}

/** ImageMagick's convert, when a real one is installed ("reference not available" otherwise). */
function imageMagick(): { command: string; version: string } | undefined {
  for (const command of ['magick', 'convert']) {
    try {
      const out = execFileSync(command, ['-version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
      const version = /Version: (ImageMagick [^\s]+)/.exec(out)?.[1];
      if (version) return { command, version };
    } catch {
      // not this one
    }
  }
  return undefined;
}

export async function runThumbnailBench(opts: { root: string; workDir: string; quick?: boolean; log: (line: string) => void }): Promise<ThumbnailBench> {
  const { log } = opts;
  const script = thumbnailWorkerScript();
  if (!script) throw new Error('dist/thumbnail-worker.js is missing: run node esbuild.mjs first');
  const start = os.loadavg();
  const dir = mkdtempSync(path.join(opts.workDir, 'thumbnails-'));
  log('\n── thumbnails (4096 × 4096 → 256 px, worker thread) ──');
  const px = pixels();
  const files = { png: encodePng(px, N, N, { filter: 'sub', level: 6 }), jpeg: await encodeJpeg(opts.root, px) };
  const im = imageMagick();
  log(`  ImageMagick: ${im ? `${im.version} (${im.command})` : 'reference not available (install imagemagick to compare)'}`);
  const runs = opts.quick ? 3 : 5;
  const results: ThumbnailBenchResult[] = [];
  for (const kind of ['png', 'jpeg'] as const) {
    const bytes = files[kind];
    const file = path.join(dir, `map.${kind === 'png' ? 'png' : 'jpg'}`);
    writeFileSync(file, bytes);
    const request = { size: SIZE, orientation: 1, mime: `image/${kind}` };
    // Cold: a new thread each time (start, wasm compiled, first decode).
    const cold = await timed(opts.quick ? 2 : 3, async () => {
      const m = new WorkerThumbnailMaker(script);
      try {
        await m.make(bytes, request);
      } finally {
        await m.dispose();
      }
    });
    const warmMaker = new WorkerThumbnailMaker(script);
    await warmMaker.make(bytes, request);
    const warm = await timed(runs, () => warmMaker.make(bytes, request));
    await warmMaker.dispose();
    // From the cache, through the asset service: memory (same session), disk (a new session each time).
    const vault = path.join(dir, `vault-${kind}`);
    const cacheDir = path.join(dir, `cache-${kind}`);
    const open = () => nodeDataManager(vault, { app: 'bench', stateDir: path.join(dir, 'state'), kdf: TEST_KDF, cacheDir });
    let dm = open();
    await dm.createVault('pw');
    const { asset } = await dm.assets.add(bytes, { name: `map ${kind}` });
    await dm.assets.thumbnail(asset, SIZE);
    const memoryHit = await timed(20, () => dm.assets.thumbnail(asset, SIZE));
    const disk: Timing[] = [];
    for (let i = 0; i < (opts.quick ? 2 : 3); i++) {
      await dm.lock();
      dm = open();
      await dm.unlock('pw');
      disk.push(await timed(1, () => dm.assets.thumbnail(asset, SIZE)));
    }
    await dm.lock();
    const diskHit: Timing = { wallMs: median(disk.map((d) => d.wallMs)), cpuMs: median(disk.map((d) => d.cpuMs)), runs: disk.length };
    let reference: ThumbnailBenchResult['reference'];
    if (im) {
      const out = path.join(dir, `im-${kind}.png`);
      const wall: number[] = [];
      const cpu: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        const r = spawnSync('/usr/bin/time', ['-f', '%U %S', im.command, file, '-thumbnail', `${SIZE}x${SIZE}`, out], { encoding: 'utf8' });
        wall.push(performance.now() - t);
        const m = /([\d.]+) ([\d.]+)\s*$/.exec(r.stderr ?? '');
        if (m) cpu.push((Number(m[1]) + Number(m[2])) * 1000);
      }
      reference = { wallMs: median(wall), cpuMs: cpu.length ? median(cpu) : Number.NaN, runs, version: im.version };
    }
    const result: ThumbnailBenchResult = { image: kind, bytes: bytes.length, cold, warm, memoryHit, diskHit, ...(reference ? { reference } : {}), targetMs: kind === 'png' ? 300 : 150 };
    results.push(result);
    const t = (x: Timing) => `${x.wallMs.toFixed(0)} ms (CPU ${x.cpuMs.toFixed(0)} ms)`;
    log(`  ${kind.toUpperCase()} ${(bytes.length / 1048576).toFixed(1)} MiB: cold ${t(cold)}, warm ${t(warm)} [target ≤ ${result.targetMs} ms], cache: memory ${memoryHit.wallMs.toFixed(2)} ms, disk ${diskHit.wallMs.toFixed(1)} ms [target ≤ 10 ms]`);
    log(reference ? `    ImageMagick convert -thumbnail: ${t(reference)}; ours warm / ImageMagick: wall ${(warm.wallMs / reference.wallMs).toFixed(2)}×, CPU ${(warm.cpuMs / reference.cpuMs).toFixed(2)}×` : '    ImageMagick: reference not available');
  }
  rmSync(dir, { recursive: true, force: true });
  const end = os.loadavg();
  log(`  load average ${start.map((l) => l.toFixed(1)).join(' ')} → ${end.map((l) => l.toFixed(1)).join(' ')} on ${os.availableParallelism?.() ?? os.cpus().length} cores`);
  return { results, loadAverage: { start, end }, reference: im?.version ?? 'reference not available' };
}

if (require.main === module) {
  const rootArg = process.argv.indexOf('--root');
  const root = rootArg > 0 ? process.argv[rootArg + 1]! : process.cwd();
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'cv-bench-thumbnails-'));
  const cpu = os.cpus()[0]?.model?.trim() ?? 'unknown';
  console.log(`machine: ${cpu}, ${os.availableParallelism?.() ?? os.cpus().length} cores, ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB, Node ${process.version}`);
  runThumbnailBench({ root, workDir, quick: process.argv.includes('--quick'), log: (l) => console.log(l) })
    .then((r) => {
      if (process.argv.includes('--json')) console.log(JSON.stringify(r, null, 2));
    })
    .finally(() => rmSync(workDir, { recursive: true, force: true }))
    .catch((e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    });
}
