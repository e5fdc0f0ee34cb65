/**
 * The cache manager in `npm run bench` (issue 18, Proof; docs/CACHE.md, "Measured"). Skip with
 * `--skip cache`. Alone: see docs/CACHE.md for the esbuild line.
 *
 * (a) **A gallery of 200 assets from the cache**: a vault with 200 pictures (procedural PNG and
 *     JPEG, 384–896 px; made here, never committed) whose 256 px thumbnails were made before; then,
 *     as the gallery does (src/vscode/assets/gallery.ts: one request after the other), the 200
 *     thumbnails through `DataManager.assets.thumbnail` — from the sealed disk tier in a new session
 *     (Lock, Unlock: the memory tier is empty; the disk tier's index is listed, every entry is read,
 *     authenticated and decrypted) and from memory (the same session again). Target ≤ 300 ms.
 *     Reference: reading the same 200 thumbnails' bytes from plain files (Node's `readFile`, as the
 *     cache's store reads; one after the other) — no sealing, no lookup: the floor for "bytes from disk".
 * (b) **Hit rate on a game master's evening**: the fixed trace written down in docs/CACHE.md
 *     (`eveningTrace` below), replayed against a real CacheManager with its default limits (64 MB
 *     memory, 500 MB disk, 30 days) on a real folder — the first evening on an empty cache, then a
 *     later evening with the disk tier as the first left it. Target (the seed's) > 85 %. Reference:
 *     the best any cache could do on the same trace under the same rules (every key's first
 *     request misses; memory-only entries are gone after Lock), i.e. only compulsory misses.
 * (c) **Peak memory** of (a) and (b): this process's RSS and V8 heap + external, sampled every 20 ms.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFile, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Entity } from '../src/core/api';
import { CacheManager, DEFAULT_CACHE_OPTIONS, type CacheStats } from '../src/core/cache';
import { defaultSuite } from '../src/core/crypto/aead';
import { nodeDataManager, silentLogger } from '../src/node/dataManager';
import { NodeFileStore } from '../src/node/fileStore';
import { encodePng } from './png';
import { MemorySampler, gc, median, type MemoryPeak } from './stats';

const TEST_KDF = { algorithm: 'argon2id', memoryKiB: 64, iterations: 1, parallelism: 1 } as const;
const ASSETS = 200;
const THUMB = 256;

export interface CacheBench {
  readonly gallery: {
    readonly assets: number;
    /** Median wall time of the 200 thumbnails from the disk tier in a new session (ms). */
    readonly fromDiskMs: number;
    /** Median CPU time of this process for it (every thread; ms): the work, whatever the load. */
    readonly fromDiskCpuMs: number;
    /** The same from memory, in the same session (ms). */
    readonly fromMemoryMs: number;
    /** Reading the same thumbnails' bytes from plain files (ms). */
    readonly plainFilesMs: number;
    readonly plainFilesCpuMs: number;
    readonly runs: number;
    readonly thumbnailBytes: number;
    readonly targetMs: number;
    readonly memory: MemoryPeak;
  };
  readonly evening: {
    readonly first: EveningResult;
    readonly later: EveningResult;
    readonly targetHitRate: number;
    readonly memory: MemoryPeak;
  };
}

export interface EveningResult {
  readonly requests: number;
  readonly hits: number;
  readonly hitRate: number;
  /** The best any cache could do on the trace (only compulsory misses). */
  readonly bestHitRate: number;
  readonly evictions: number;
  readonly stats: CacheStats;
}

// ---- pictures ------------------------------------------------------------------------------------


/** Smooth colours, a grid and a little noise, different for every seed. */
function pixels(w: number, h: number, seed: number): Uint8ClampedArray {
  const px = new Uint8ClampedArray(w * h * 4);
  const a = 40 + (seed % 60);
  const b = 60 + ((seed * 7) % 90);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      const noise = ((((x * 73856093) ^ (y * 19349663) ^ (seed * 83492791)) >>> 0) % 17) - 8;
      px[i] = 120 + 90 * Math.sin(x / a + seed) * Math.cos(y / b) + noise;
      px[i + 1] = 110 + 80 * Math.sin((x + y) / (a + b)) + noise;
      px[i + 2] = 100 + 70 * Math.cos((x - y) / b + seed) + noise;
      px[i + 3] = 255;
      if (((x >> 5) + (y >> 5)) % 7 === seed % 7) px.set([40, 40, 50], i);
    }
  }
  return px;
}


type JpegEncode = (px: Uint8ClampedArray, w: number, h: number) => Promise<Uint8Array>;

async function jpegEncoder(root: string): Promise<JpegEncode> {
  const mod = (await import('@jsquash/jpeg/encode.js')) as unknown as { default: (d: unknown, o: unknown) => Promise<ArrayBuffer>; init: (m: WebAssembly.Module) => Promise<unknown> };
  await mod.init(await WebAssembly.compile(readFileSync(path.join(root, 'node_modules/@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm'))));
  return async (px, w, h) => new Uint8Array(await mod.default({ data: px, width: w, height: h }, { quality: 82 }));
}

// ---- the evening's trace -------------------------------------------------------------------------

export interface TraceStep {
  readonly what: string;
  readonly requests: readonly Request[];
  /** Lock before this step (the memory tier is dropped; the disk tier stays). */
  readonly lockBefore?: boolean;
}

interface Request {
  readonly ns: 'thumbnails' | 'pdf-pages' | 'file-chunks';
  readonly key: string;
  readonly bytes: number;
}

/** Sizes of what is cached (what the real clients make, rounded): see docs/CACHE.md. */
export const SIZES = { thumbnail: 14_000, mapThumbnail: 24_000, preview: 180_000, page: 250_000, chunk: 1024 * 1024 } as const;
const MAPS = 40;
const MAP_CHUNKS = 6;

const thumb = (i: number): Request => ({ ns: 'thumbnails', key: `asset-${i}/256/1`, bytes: i < MAPS ? SIZES.mapThumbnail : SIZES.thumbnail });
const preview = (i: number): Request => ({ ns: 'thumbnails', key: `asset-${i}/1024/1`, bytes: SIZES.preview });
const chunks = (i: number): Request[] => Array.from({ length: MAP_CHUNKS }, (_, c) => ({ ns: 'file-chunks', key: `asset-${i}/chunk-${c}`, bytes: SIZES.chunk }));
const pages = (from: number, to: number): Request[] => {
  const out: Request[] = [];
  for (let p = from; from <= to ? p <= to : p >= to; p += from <= to ? 1 : -1) out.push({ ns: 'pdf-pages', key: `rulebook-1/page-${p}/1.5`, bytes: SIZES.page });
  return out;
};
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);
const viewMap = (i: number): Request[] => [preview(i), ...chunks(i)];

/**
 * One evening at the table (docs/CACHE.md, "The evening's trace"): 200 assets in the campaign
 * (40 maps, 160 portraits, tokens and handouts), a 120-page rulebook.
 */
export function eveningTrace(): TraceStep[] {
  return [
    { what: 'open the gallery: 200 thumbnails', requests: range(ASSETS).map(thumb) },
    { what: 'open maps 1–5 in the viewer (preview + the file’s chunks)', requests: range(5).flatMap(viewMap) },
    { what: 'page through the rulebook: pages 1–40', requests: pages(1, 40) },
    { what: 'look something up: back to page 25, forward to 45', requests: [...pages(39, 25), ...pages(26, 45)] },
    { what: 'reopen maps 1–5, open maps 6 and 7', requests: range(7).flatMap(viewMap) },
    { what: 'the gallery filtered to maps: 40 thumbnails', requests: range(MAPS).map(thumb) },
    { what: 'after the break (Lock, Unlock): open the gallery again', requests: range(ASSETS).map(thumb), lockBefore: true },
    { what: 'reopen maps 1–7', requests: range(7).flatMap(viewMap) },
    { what: 'page back through pages 40–30', requests: pages(40, 30) },
    { what: 'reopen map 1 and the gallery once more', requests: [...viewMap(0), ...range(ASSETS).map(thumb)] },
  ];
}

/** The best any cache can do: the first request of a key misses, and memory-only keys miss again after a Lock. */
function bestHits(steps: readonly TraceStep[], diskSeen: Set<string>): { requests: number; hits: number } {
  const seen = new Set(diskSeen);
  let requests = 0;
  let hits = 0;
  for (const step of steps) {
    if (step.lockBefore) for (const k of [...seen]) if (k.startsWith('file-chunks|')) seen.delete(k);
    for (const r of step.requests) {
      const k = `${r.ns}|${r.key}`;
      requests++;
      if (seen.has(k)) hits++;
      else seen.add(k);
    }
  }
  return { requests, hits };
}

/** Bytes of the request's size (random: incompressible, as WebP thumbnails and page images nearly are). */
function payload(r: Request): Uint8Array {
  return new Uint8Array(randomBytes(r.bytes));
}

async function replay(dir: string, steps: readonly TraceStep[]): Promise<EveningResult & { diskKeys: Set<string> }> {
  const cache = new CacheManager(DEFAULT_CACHE_OPTIONS, { disk: new NodeFileStore(dir), suite: defaultSuite(), random: { bytes: (n) => new Uint8Array(randomBytes(n)) }, now: Date.now, log: silentLogger });
  const key = new Uint8Array(32).fill(9);
  let vault = await cache.forVault('0123456789abcdef', key);
  const diskKeys = new Set<string>();
  for (const step of steps) {
    if (step.lockBefore) {
      vault.close();
      vault = await cache.forVault('0123456789abcdef', key);
    }
    const spaces = { thumbnails: vault.namespace('thumbnails', { disk: true }), 'pdf-pages': vault.namespace('pdf-pages', { disk: true }), 'file-chunks': vault.namespace('file-chunks', { disk: false }) };
    for (const r of step.requests) {
      await spaces[r.ns].getOrCompute(r.key, async () => payload(r));
      if (r.ns !== 'file-chunks') diskKeys.add(`${r.ns}|${r.key}`);
    }
  }
  vault.close();
  const stats = await cache.stats();
  const hits = stats.namespaces.reduce((n, s) => n + s.memoryHits + s.diskHits, 0);
  const requests = hits + stats.namespaces.reduce((n, s) => n + s.misses, 0);
  return { requests, hits, hitRate: stats.hitRate, bestHitRate: 0, evictions: stats.namespaces.reduce((n, s) => n + s.evictions, 0), stats, diskKeys };
}

/** A plain file read the way the cache's disk store reads (Node's callback readFile: src/node/fileStore.ts). */
const readPlain = (file: string) => new Promise<Buffer>((resolve, reject) => readFile(file, (e, d) => (e ? reject(e) : resolve(d))));

// ---- the bench -----------------------------------------------------------------------------------

export async function runCacheBench(opts: { root: string; workDir: string; quick?: boolean; log: (line: string) => void }): Promise<CacheBench> {
  const { log } = opts;
  const dir = mkdtempSync(path.join(opts.workDir, 'cache-'));
  const runs = opts.quick ? 3 : 5;
  try {
    log('\n── cache (issue 18: a gallery of 200 assets from the cache, the evening’s hit rate, peak memory) ──');
    // (a) The vault and its 200 pictures, thumbnails made once.
    const jpeg = await jpegEncoder(opts.root);
    const vaultDir = path.join(dir, 'vault');
    mkdirSync(vaultDir);
    const cacheDir = path.join(dir, 'cache');
    const open = () => nodeDataManager(vaultDir, { app: 'bench', stateDir: path.join(dir, 'state'), kdf: TEST_KDF, cacheDir });
    let dm = open();
    await dm.createVault('pw');
    const assets: Entity[] = [];
    for (let i = 0; i < ASSETS; i++) {
      const w = 384 + ((i * 37) % 512);
      const h = 384 + ((i * 53) % 384);
      const px = pixels(w, h, i);
      const bytes = i % 3 === 0 ? encodePng(px, w, h, { filter: 'none', level: 1 }) : await jpeg(px, w, h);
      assets.push((await dm.assets.add(bytes, { name: `picture ${i}`, asset_type: i < MAPS ? 'map' : 'image' })).asset);
    }
    const plainDir = path.join(dir, 'plain');
    mkdirSync(plainDir);
    let thumbnailBytes = 0;
    for (const [i, a] of assets.entries()) {
      const t = await dm.assets.thumbnail(a, THUMB);
      thumbnailBytes += t.data.length;
      writeFileSync(path.join(plainDir, `${i}.webp`), t.data);
    }
    log(`  ${ASSETS} pictures added, thumbnails made: ${(thumbnailBytes / 1024).toFixed(0)} KiB of WebP`);
    gc();
    const galleryMemory = new MemorySampler();
    const gallery = async () => {
      for (const a of assets) await dm.assets.thumbnail(a, THUMB);
    };
    const fromDisk: number[] = [];
    const fromDiskCpu: number[] = [];
    const fromMemory: number[] = [];
    const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
    for (let r = 0; r < runs; r++) {
      await dm.lock();
      dm = open();
      await dm.unlock('pw');
      let t = performance.now();
      const c = process.cpuUsage();
      await gallery();
      fromDisk.push(performance.now() - t);
      fromDiskCpu.push(cpuMs(process.cpuUsage(c)));
      t = performance.now();
      await gallery();
      fromMemory.push(performance.now() - t);
    }
    await dm.lock();
    const plain: number[] = [];
    const plainCpu: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t = performance.now();
      const c = process.cpuUsage();
      for (let i = 0; i < ASSETS; i++) await readPlain(path.join(plainDir, `${i}.webp`));
      plain.push(performance.now() - t);
      plainCpu.push(cpuMs(process.cpuUsage(c)));
    }
    const galleryPeak = galleryMemory.stop();
    const g = { assets: ASSETS, fromDiskMs: median(fromDisk), fromDiskCpuMs: median(fromDiskCpu), fromMemoryMs: median(fromMemory), plainFilesMs: median(plain), plainFilesCpuMs: median(plainCpu), runs, thumbnailBytes, targetMs: 300, memory: galleryPeak };
    log(`  gallery of ${ASSETS} from the cache: disk (new session) ${g.fromDiskMs.toFixed(0)} ms (CPU ${g.fromDiskCpuMs.toFixed(0)} ms) [target ≤ 300 ms], memory ${g.fromMemoryMs.toFixed(1)} ms; plain files (reference) ${g.plainFilesMs.toFixed(0)} ms (CPU ${g.plainFilesCpuMs.toFixed(0)} ms); disk / plain: wall ${(g.fromDiskMs / g.plainFilesMs).toFixed(1)}×, CPU ${(g.fromDiskCpuMs / g.plainFilesCpuMs).toFixed(1)}× (median of ${runs})`);
    log(`    peak memory: RSS ${galleryPeak.rssMiB.toFixed(0)} MiB (from ${galleryPeak.rssStartMiB.toFixed(0)}), heap + external ${galleryPeak.heapMiB.toFixed(0)} MiB`);

    // (b) The evening, twice: on an empty cache, then with the disk tier the first evening left.
    gc();
    const eveningMemory = new MemorySampler();
    const traceDir = path.join(dir, 'trace');
    const steps = eveningTrace();
    const first = await replay(traceDir, steps);
    const bestFirst = bestHits(steps, new Set());
    const later = await replay(traceDir, steps);
    const bestLater = bestHits(steps, first.diskKeys);
    const eveningPeak = eveningMemory.stop();
    const result = (r: typeof first, best: { requests: number; hits: number }): EveningResult => ({ requests: r.requests, hits: r.hits, hitRate: r.hitRate, bestHitRate: best.hits / best.requests, evictions: r.evictions, stats: r.stats });
    const e = { first: result(first, bestFirst), later: result(later, bestLater), targetHitRate: 0.85, memory: eveningPeak };
    const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
    for (const [name, r] of [['first evening (empty cache)', e.first], ['a later evening (the disk as the first left it)', e.later]] as const) {
      const per = r.stats.namespaces.map((n) => `${n.namespace} ${n.memoryHits}+${n.diskHits}/${n.memoryHits + n.diskHits + n.misses}`).join(', ');
      log(`  evening, ${name}: hit rate ${pct(r.hitRate)} of ${r.requests} requests [target > 85 %]; best possible ${pct(r.bestHitRate)}; evictions ${r.evictions}; hits memory+disk/requests: ${per}`);
    }
    log(`    peak memory: RSS ${eveningPeak.rssMiB.toFixed(0)} MiB (from ${eveningPeak.rssStartMiB.toFixed(0)}), heap + external ${eveningPeak.heapMiB.toFixed(0)} MiB`);
    return { gallery: g, evening: e };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const rootArg = process.argv.indexOf('--root');
  const root = rootArg > 0 ? process.argv[rootArg + 1]! : process.cwd();
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'cv-bench-cache-'));
  const cpu = os.cpus()[0]?.model?.trim() ?? 'unknown';
  console.log(`machine: ${cpu}, ${os.availableParallelism?.() ?? os.cpus().length} cores, ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB, Node ${process.version}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  runCacheBench({ root, workDir, quick: process.argv.includes('--quick'), log: (l) => console.log(l) })
    .then((r) => {
      console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
      if (process.argv.includes('--json')) console.log(JSON.stringify(r, null, 2));
    })
    .finally(() => rmSync(workDir, { recursive: true, force: true }))
    .catch((e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    });
}
