// `npm run bench` (scripts/bench.mjs builds this into out/bench/main.js and runs it).
// For each size N: the same deterministic records go into our vault (DataManager, password,
// default Argon2id) and into the reference (SQLCipher v4, WAL, synchronous=FULL); then both are
// timed in the same process, interleaved call by call. Then cipher throughput, sealing 100 MB,
// and unlocking a 100 MB vault. Then backups: ours beside restic and `tar | zstd -3` (backup.ts).
// Prints the table, writes .bench-results/bench-<date>.json and, for full runs, docs/BENCHMARKS.md.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataManager } from '../src/core/api';
import { deriveKek, type KdfParams } from '../src/core/crypto/kdf';
import { fromBase64 } from '../src/core/bytes';
import type { EntityKind } from '../src/core/db/kinds';
import { RecordGenerator, ROLE_VALUES, loadSources, type BenchRecord, type Sources } from './data';
import { nodeBackupService } from '../src/node/backups';
import { nodeDataManager } from '../src/node/dataManager';
import { backupFloors, backupSizes, renderBackupMarkdown, renderBackupText, runBackupBench, type BackupResults, type OpenBackups } from './backup';
import { breakdown, type Breakdown } from './breakdown';
import { cipherThroughput, opensslThroughput, sealUnseal, suites, type SealResult, type Throughput } from './crypto';
import { OurVault, PASSWORD } from './ours';
import { ReferenceDb, loadReference, type ReferenceEngine } from './reference';
import { evaluateFloors, renderMarkdown, renderText, type Results, type SizeResult } from './report';
import { runRulebookBench, type RulebookBench } from './rulebooks';
import { runThumbnailBench, type ThumbnailBench } from './thumbnails';
import { runCacheBench, type CacheBench } from './cache';
import { MemorySampler, gc, machine, median, now, peakRssMiB, summarize, yieldToLoop } from './stats';

/** Our backup service for the backup comparison (src/node/backups.ts), on the bench's vault. */
const openBackups: OpenBackups = (vault, repository) => {
  const service = nodeBackupService(vault.dm, vault.folder, { app: 'campaign-vault-bench', extensionVersion: 'bench', repository });
  const newVault = DataManager.newVaultFactory((folder) => nodeDataManager(folder, { app: 'campaign-vault-bench', stateDir: vault.stateDir }));
  return { create: (o) => service.create(o), verify: (o) => service.verify(o), restore: (id, target) => service.restore(id, target, { newVault }) };
};

/** The results file: report.ts's results plus the backup comparison. */
type BenchResults = Results & { backup?: BackupResults; thumbnails?: ThumbnailBench; rulebooks?: RulebookBench; cache?: CacheBench };

interface Options {
  root: string;
  sizes: number[];
  quick: boolean;
  seed: number;
  docs: boolean | undefined;
  keep: boolean;
  tmp: string;
  skip: Set<string>;
  /** Re-render the table and docs from a results file instead of measuring. */
  render: string | undefined;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { root: process.cwd(), sizes: [1000, 10_000, 100_000], quick: false, seed: 20_251_125, docs: undefined, keep: false, tmp: os.tmpdir(), skip: new Set(), render: undefined };
  let sizesGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--root') o.root = value();
    else if (a === '--sizes') {
      o.sizes = value()
        .split(',')
        .map((s) => Number(s.trim().replace(/k$/i, '000')))
        .filter((n) => Number.isInteger(n) && n > 0);
      sizesGiven = true;
    } else if (a === '--quick') o.quick = true;
    else if (a === '--seed') o.seed = Number(value());
    else if (a === '--docs') o.docs = true;
    else if (a === '--no-docs') o.docs = false;
    else if (a === '--keep') o.keep = true;
    else if (a === '--tmp') o.tmp = value();
    else if (a === '--skip') for (const part of value().split(',')) o.skip.add(part.trim());
    else if (a === '--render') o.render = value();
    else throw new Error(`unknown option ${a}`);
  }
  if (o.quick && !sizesGiven) o.sizes = [1000, 10_000];
  if (o.sizes.length === 0) throw new Error('--sizes: give sizes like 1000,10000,100000');
  return o;
}

const log = (s: string) => process.stderr.write(`${s}\n`);
const fmtN = (n: number) => n.toLocaleString('en-US');

/** What is kept about each record for choosing targets later (not the bodies: they are big). */
interface Indexed {
  readonly kind: EntityKind;
  readonly id: string;
  readonly campaign_id: string | null;
  readonly hpMax?: number;
}

const indexOf = (r: BenchRecord): Indexed => ({
  kind: r.kind,
  id: r.id,
  campaign_id: r.campaign_id,
  ...(r.kind === 'character' ? { hpMax: (r.body.hp as { max: number }).max } : {}),
});

async function kdfTime(folder: string, runs: number): Promise<{ ms: number; params: KdfParams }> {
  const header = JSON.parse(readFileSync(path.join(folder, '.campaign-vault', 'vault.json'), 'utf8')) as { kdf: KdfParams & { salt: string } };
  const { salt, ...params } = header.kdf;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = now();
    await deriveKek(PASSWORD, fromBase64(salt), params);
    times.push(now() - t0);
  }
  return { ms: median(times), params };
}

/** Runs `a` and `b` alternately (which one goes first alternates too) and times each call. */
async function interleaved(count: number, a: (i: number) => Promise<unknown>, b: (i: number) => unknown): Promise<{ ours: number[]; ref: number[] }> {
  const ours: number[] = [];
  const ref: number[] = [];
  for (let i = 0; i < count; i++) {
    const runOurs = async () => {
      const t0 = now();
      await a(i);
      ours.push(now() - t0);
    };
    const runRef = () => {
      const t0 = now();
      b(i);
      ref.push(now() - t0);
    };
    if (i % 2 === 0) {
      await runOurs();
      runRef();
    } else {
      runRef();
      await runOurs();
    }
    if (i % 256 === 255) await yieldToLoop();
  }
  return { ours, ref };
}

async function benchSize(n: number, opts: Options, src: Sources, engine: ReferenceEngine, workDir: string): Promise<SizeResult> {
  const counts = opts.quick
    ? { reads: 3000, lists: 300, listsBody: 150, updates: 1000, creates: 500, unlocks: 2, kdfs: 2 }
    : { reads: 5000, lists: 500, listsBody: 200, updates: 2000, creates: 1000, unlocks: 3, kdfs: 3 };
  const dir = mkdtempSync(path.join(workDir, `n${n}-`));
  const sizeSampler = new MemorySampler();
  gc();
  log(`\n── ${fmtN(n)} records ──`);

  // Our vault: created with a password and the default Argon2id parameters.
  const ours = new OurVault(path.join(dir, 'vault'), path.join(dir, 'state'));
  const created = now();
  await ours.create();
  const createVaultMs = now() - created;

  // Load ours: one durable create per record, as the API offers (there is no bulk import).
  const gen = new RecordGenerator(src, opts.seed + n);
  const index: Indexed[] = [];
  let oursSampler = new MemorySampler();
  let t0 = now();
  let lastLog = t0;
  for (const r of gen.stream(n)) {
    await ours.insert(r);
    index.push(indexOf(r));
    if (now() - lastLog > 10_000) {
      lastLog = now();
      log(`  ours: loaded ${fmtN(index.length)} / ${fmtN(n)} (${((lastLog - t0) / index.length).toFixed(2)} ms per create)`);
    }
  }
  const oursLoadMs = now() - t0;
  const oursLoadMemory = oursSampler.stop();
  log(`  ours: loaded ${fmtN(n)} in ${(oursLoadMs / 1000).toFixed(1)} s`);

  // Load the reference with the same records (regenerated from the same seed), 1000 rows per
  // transaction: loading is not what is compared, the operations after it are.
  gc();
  const refSampler = new MemorySampler();
  const ref = ReferenceDb.create(engine, path.join(dir, 'reference.db'), PASSWORD);
  t0 = now();
  let batch: BenchRecord[] = [];
  for (const r of new RecordGenerator(src, opts.seed + n).stream(n)) {
    batch.push(r);
    if (batch.length === 1000) {
      ref.insertMany(batch);
      batch = [];
      await yieldToLoop();
    }
  }
  if (batch.length > 0) ref.insertMany(batch);
  ref.checkpoint();
  const refLoadMs = now() - t0;
  ref.holdInMemory();
  const refLoadMemory = refSampler.stop();
  log(`  reference: loaded in ${(refLoadMs / 1000).toFixed(1)} s`);
  const refVersions = ref.versions();

  const campaigns = gen.campaignIds;
  const pickIndexed = (kinds?: readonly EntityKind[]) => {
    for (;;) {
      const r = gen.pick(index);
      if (!kinds || kinds.includes(r.kind)) return r;
    }
  };

  // Warm-up: statements prepared, caches filled, JIT warm, on both sides.
  for (let i = 0; i < 300; i++) {
    const r = pickIndexed();
    await ours.get(r.kind, r.id);
    ref.get(r.kind, r.id);
  }
  for (let i = 0; i < 30; i++) {
    const c = gen.pick(campaigns);
    await ours.list('npc', c, { role: 'monster' }, 50);
    ref.list('npc', c, { role: 'monster' }, 50);
    await ours.list('npc', c, { alignment: 'chaotic evil' }, 50);
    ref.list('npc', c, { alignment: 'chaotic evil' }, 50);
  }
  for (let i = 0; i < 30; i++) {
    const r = pickIndexed(['npc', 'character', 'session', 'location']);
    const changes = gen.change(r);
    await ours.update(r.kind, r.id, changes);
    ref.update(r.kind, r.id, changes);
  }

  log('  point reads, lists …');
  const readTargets = Array.from({ length: counts.reads }, () => pickIndexed());
  const reads = await interleaved(
    counts.reads,
    (i) => ours.get(readTargets[i]!.kind, readTargets[i]!.id),
    (i) => ref.get(readTargets[i]!.kind, readTargets[i]!.id),
  );
  const listArgs = Array.from({ length: counts.lists }, () => ({ c: gen.pick(campaigns), role: gen.pick(ROLE_VALUES) }));
  const lists = await interleaved(
    counts.lists,
    (i) => ours.list('npc', listArgs[i]!.c, { role: listArgs[i]!.role }, 50),
    (i) => ref.list('npc', listArgs[i]!.c, { role: listArgs[i]!.role }, 50),
  );
  const alignments = ['chaotic evil', 'neutral evil', 'lawful evil', 'unaligned', 'neutral', 'any alignment'];
  const bodyArgs = Array.from({ length: counts.listsBody }, () => ({ c: gen.pick(campaigns), a: gen.pick(alignments) }));
  const listsBody = await interleaved(
    counts.listsBody,
    (i) => ours.list('npc', bodyArgs[i]!.c, { alignment: bodyArgs[i]!.a }, 50),
    (i) => ref.list('npc', bodyArgs[i]!.c, { alignment: bodyArgs[i]!.a }, 50),
  );

  log('  durable updates, creates …');
  const generationBefore = ours.diskUsage().generation;
  const updateTargets = Array.from({ length: counts.updates }, () => {
    const r = pickIndexed(['npc', 'character', 'session', 'location']);
    return { r, changes: gen.change(r) };
  });
  const updates = await interleaved(
    counts.updates,
    (i) => ours.update(updateTargets[i]!.r.kind, updateTargets[i]!.r.id, updateTargets[i]!.changes),
    (i) => ref.update(updateTargets[i]!.r.kind, updateTargets[i]!.r.id, updateTargets[i]!.changes),
  );
  const newRecords = Array.from({ length: counts.creates }, () => gen.next());
  const creates = await interleaved(
    counts.creates,
    (i) => ours.insert(newRecords[i]!),
    (i) => ref.insert(newRecords[i]!),
  );
  const backgroundCheckpoints = ours.diskUsage().generation - generationBefore;

  // Journal bytes per write, measured apart (untimed): the journal's growth around each call.
  let journalBytes = 0;
  let journalWrites = 0;
  for (let i = 0; i < 200; i++) {
    const before = ours.diskUsage().journalBytes;
    if (i % 2 === 0) {
      const r = pickIndexed(['npc', 'character', 'session', 'location']);
      const changes = gen.change(r);
      await ours.update(r.kind, r.id, changes);
      ref.update(r.kind, r.id, changes);
    } else {
      const r = gen.next();
      await ours.insert(r);
      ref.insert(r);
    }
    const grew = ours.diskUsage().journalBytes - before;
    if (grew > 0) {
      journalBytes += grew;
      journalWrites += 1;
    }
  }

  log('  checkpoint, unlock …');
  // Three checkpoints, each after 100 more updates on both sides (so the reference's WAL has
  // something to fold in too).
  const checkpoints: { ours: number[]; ref: number[] } = { ours: [], ref: [] };
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 100; i++) {
      const r = pickIndexed(['npc', 'character', 'session', 'location']);
      const changes = gen.change(r);
      await ours.update(r.kind, r.id, changes);
      ref.update(r.kind, r.id, changes);
    }
    gc();
    t0 = now();
    await ours.checkpoint();
    checkpoints.ours.push(now() - t0);
    t0 = now();
    ref.checkpoint();
    checkpoints.ref.push(now() - t0);
  }
  const disk = ours.diskUsage();
  const refBytes = statSync(ref.file).size;

  oursSampler = new MemorySampler();
  t0 = now();
  await ours.lock();
  const lockMs = now() - t0;
  const unlockTimes: number[] = [];
  for (let i = 0; i < counts.unlocks; i++) {
    gc();
    t0 = now();
    await ours.unlock();
    unlockTimes.push(now() - t0);
    // The unlocked vault must answer: the first read after unlock is part of being open.
    const r = pickIndexed();
    if (!(await ours.get(r.kind, r.id))) throw new Error(`after unlock: ${r.kind} ${r.id} missing`);
    if (i < counts.unlocks - 1) await ours.lock();
  }
  const unlockMemory = oursSampler.stop();
  const kdf = await kdfTime(ours.folder, counts.kdfs);
  const refOpenTimes: number[] = [];
  for (let i = 0; i < counts.unlocks; i++) {
    ref.close();
    t0 = now();
    ref.reopen();
    refOpenTimes.push(now() - t0);
  }
  await ours.lock();
  ref.remove();
  const sizeMemory = sizeSampler.stop();
  if (!opts.keep) rmSync(dir, { recursive: true, force: true });

  return {
    n,
    campaigns: campaigns.length,
    referenceVersions: refVersions,
    createVaultMs,
    load: { oursMs: oursLoadMs, refMs: refLoadMs },
    bytes: { oursSnapshot: disk.snapshotBytes, reference: refBytes, journalPerWrite: journalBytes / Math.max(1, journalWrites) },
    backgroundCheckpoints,
    ops: {
      create: { ours: summarize(creates.ours), ref: summarize(creates.ref) },
      update: { ours: summarize(updates.ours), ref: summarize(updates.ref) },
      get: { ours: summarize(reads.ours), ref: summarize(reads.ref) },
      list: { ours: summarize(lists.ours), ref: summarize(lists.ref) },
      listBody: { ours: summarize(listsBody.ours), ref: summarize(listsBody.ref) },
    },
    unlock: { oursMs: median(unlockTimes), oursRuns: unlockTimes, kdfMs: kdf.ms, kdf: kdf.params, refMs: median(refOpenTimes), lockMs },
    checkpoint: { oursMs: median(checkpoints.ours), refMs: median(checkpoints.ref), oursRuns: checkpoints.ours },
    memory: { oursLoad: oursLoadMemory, refLoad: refLoadMemory, oursUnlock: unlockMemory, size: sizeMemory },
  };
}

/** A vault of about 100 MB (large session notes), then: unlock vs the KDF alone + 250 ms. */
async function bigVault(opts: Options, src: Sources, workDir: string): Promise<Results['bigVault']> {
  log('\n── 100 MB vault ──');
  const dir = mkdtempSync(path.join(workDir, 'big-'));
  // Building it is not measured: no background checkpoints while filling (one on lock).
  const builder = new OurVault(path.join(dir, 'vault'), path.join(dir, 'state'), { checkpointBytes: 2 ** 31 });
  await builder.create();
  const gen = new RecordGenerator(src, opts.seed);
  const [campaign] = gen.start(0);
  await builder.insert(campaign!);
  const target = 100 * 1e6;
  const perRecord = 950_000;
  let t0 = now();
  for (let i = 1; i * perRecord <= target + perRecord / 2; i++) await builder.insert(gen.bigSession(campaign!.id, i, perRecord));
  const buildMs = now() - t0;
  t0 = now();
  await builder.lock();
  const lockMs = now() - t0;
  const { snapshotBytes } = builder.diskUsage();
  log(`  built ${(snapshotBytes / 1e6).toFixed(1)} MB in ${(buildMs / 1000).toFixed(1)} s, final checkpoint on lock ${lockMs.toFixed(0)} ms`);
  const runs = opts.quick ? 2 : 3;
  const unlockTimes: number[] = [];
  const sampler = new MemorySampler();
  for (let i = 0; i < runs; i++) {
    gc();
    const v = new OurVault(path.join(dir, 'vault'), path.join(dir, 'state'));
    t0 = now();
    await v.unlock();
    unlockTimes.push(now() - t0);
    await v.lock();
  }
  const memory = sampler.stop();
  const kdf = await kdfTime(path.join(dir, 'vault'), runs);
  const parts: Breakdown[] = [];
  for (let i = 0; i < runs; i++) {
    gc();
    parts.push(await breakdown(path.join(dir, 'vault'), PASSWORD, dir));
  }
  const steps = Object.fromEntries(Object.keys(parts[0]!).map((k) => [k, median(parts.map((p) => p[k as keyof Breakdown]))])) as unknown as Breakdown;
  if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  const unlockMs = median(unlockTimes);
  return { snapshotBytes, unlockMs, unlockRuns: unlockTimes, kdfMs: kdf.ms, budgetMs: kdf.ms + 250, overKdfMs: unlockMs - kdf.ms, lockMs, memory, steps };
}

function codeVersion(root: string): string {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

function publish(results: BenchResults, opts: Options, file: string): void {
  results.floors = [...evaluateFloors(results), ...backupFloors(results.backup)];
  process.stdout.write(`\n${renderText(results)}\n\n${renderBackupText(results.backup)}\n`);
  log(`results: ${path.relative(opts.root, file)}`);
  const full = !results.quick && results.sizes.some((s) => s.n === 100_000);
  if (opts.docs ?? full) {
    writeFileSync(path.join(opts.root, 'docs', 'BENCHMARKS.md'), `${renderMarkdown(results)}\n${renderBackupMarkdown(results.backup)}`);
    log('summary: docs/BENCHMARKS.md');
  } else {
    log('docs/BENCHMARKS.md left as it is (only full runs with 100k records replace it; --docs forces)');
  }
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.render) {
    const file = path.resolve(opts.root, opts.render);
    publish(JSON.parse(readFileSync(file, 'utf8')) as BenchResults, opts, file);
    return;
  }
  const started = now();
  const commit = codeVersion(opts.root);
  const workDir = mkdtempSync(path.join(opts.tmp, 'campaign-vault-bench-'));
  const engine = loadReference(opts.root);
  if (!engine.encrypted) {
    log('\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!');
    log('!! better-sqlite3-multiple-ciphers could not be loaded: the reference is PLAIN          !!');
    log('!! better-sqlite3, WITHOUT ENCRYPTION. Its numbers flatter the reference.              !!');
    log('!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n');
  }
  const src = loadSources(opts.root);
  const mach = machine(workDir);
  const load0 = os.loadavg();
  log(`machine: ${mach.cpu}, ${mach.cores} cores, ${mach.ramGiB} GiB, Node ${mach.node}, ${mach.os}; temp on ${mach.fs}`);
  log(`reference: ${engine.label}; fixtures: ${src.from}; sizes ${opts.sizes.join(', ')}${opts.quick ? ' (quick)' : ''}`);

  const sizes: SizeResult[] = [];
  try {
    for (const n of opts.sizes) sizes.push(await benchSize(n, opts, src, engine, workDir));
    const big = opts.skip.has('big') ? undefined : await bigVault(opts, src, workDir);

    const ciphers: Throughput[] = [];
    const seals: SealResult[] = [];
    if (!opts.skip.has('ciphers')) {
      log('\n── ciphers ──');
      for (const s of suites()) {
        ciphers.push(await cipherThroughput(s, 200 * 1024 * 1024));
        log(`  ${s.name}: ${ciphers.at(-1)!.sealMBps.toFixed(0)} MB/s`);
      }
      ciphers.push(opensslThroughput(200 * 1024 * 1024));
      for (const s of suites().filter((x) => x.name !== 'noble')) seals.push(await sealUnseal(s, 100 * 1e6, opts.quick ? 2 : 3));
    }
    const backup = opts.skip.has('backup')
      ? undefined
      : await runBackupBench(src, { root: opts.root, seed: opts.seed, quick: opts.quick, scratch: mkdtempSync(path.join(workDir, 'backup-')), openBackups, log, ...backupSizes(opts.quick) });

    const thumbnails = opts.skip.has('thumbnails') ? undefined : await runThumbnailBench({ root: opts.root, workDir, quick: opts.quick, log });
    const rulebooks = opts.skip.has('rulebooks') ? undefined : await runRulebookBench({ root: opts.root, workDir, quick: opts.quick, seed: opts.seed, log });
    const cache = opts.skip.has('cache') ? undefined : await runCacheBench({ root: opts.root, workDir, quick: opts.quick, log });

    const results: BenchResults = {
      date: new Date().toISOString(),
      commit,
      flags: process.argv.slice(2).filter((a, i, all) => a !== '--root' && all[i - 1] !== '--root'),
      quick: opts.quick,
      machine: mach,
      loadAverage: { start: load0, end: os.loadavg() },
      reference: { label: engine.label, encrypted: engine.encrypted, versions: sizes[0]?.referenceVersions ?? '' },
      fixtures: src.from,
      seed: opts.seed,
      sizes,
      bigVault: big,
      ciphers,
      seals,
      backup,
      thumbnails,
      rulebooks,
      cache,
      peakRssMiB: peakRssMiB(),
      durationS: (now() - started) / 1000,
    };
    const outDir = path.join(opts.root, '.bench-results');
    mkdirSync(outDir, { recursive: true });
    const stamp = results.date.replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z');
    const file = path.join(outDir, `bench-${stamp}.json`);
    results.floors = [...evaluateFloors(results), ...backupFloors(results.backup)];
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    publish(results, opts, file);
  } finally {
    if (!opts.keep) rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
