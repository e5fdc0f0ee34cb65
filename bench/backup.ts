// The backup comparison of `npm run bench` (issue 5, "Proof"): a full backup of about 100 MB of
// database plus 200 MB of assets, an incremental backup after a one-record change, verify and
// restore — ours beside restic (Debian's package, run as a program) and `tar | zstd -3`, on the
// same bytes, measured by one loop over {@link BackupContender}s.
//
// The data is deterministic: the database is our vault filled by the records generator (data.ts)
// until its image reaches the target size; the assets are the shared fixtures' images and PDFs,
// each copy put through its own seeded byte permutation (so copies neither dedupe nor match each
// other, while each keeps exactly the compressibility of its original), with a few exact duplicates
// as a real vault has. The reference tools see the same content as plain files: the vault's
// plaintext SQLite image (unsealed from its newest snapshot, as breakdown.ts does) and the assets
// as a folder.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { DataManager } from '../src/core/api';
import type { BackupOptions, RestoreResult, RestoreTarget, SnapshotInfo, VerifyOptions, VerifyReport } from '../src/core/backup/types';
import { utf8 } from '../src/core/bytes';
import { DB_DIR } from '../src/core/vault/layout';
import { unlockKeys, type UnlockedKeys } from '../src/core/vault/keys';
import { unseal } from '../src/core/vault/sealed';
import { VaultStore, snapshotFile } from '../src/core/vault/store';
import { NodeFileStore } from '../src/node/fileStore';
import { nodeCipherSuite } from '../src/node/system';
import { Prng, RecordGenerator, type Sources } from './data';
import { OurVault, PASSWORD } from './ours';
import { ms, type Floor } from './report';
import { gc, machine, now, type Machine } from './stats';

// ── what is measured ─────────────────────────────────────────────────────────────────────────

export type StepName = 'full' | 'incremental' | 'verify' | 'restore';
export const STEPS: readonly StepName[] = ['full', 'incremental', 'verify', 'restore'];

export interface StepResult {
  readonly ms: number;
  /**
   * full: the repository (or archive) on disk afterwards; incremental: what it grew by;
   * verify: the repository read; restore: the bytes written out.
   */
  readonly bytes: number;
  readonly note?: string;
}

/** One way of backing up the data set; every contender is driven by the same loop. */
export interface BackupContender {
  readonly name: string;
  full(): Promise<StepResult>;
  /** After the one-record change. */
  incremental(): Promise<StepResult>;
  /** Re-reads everything and checks it. */
  verify(): Promise<StepResult>;
  /** The newest backup into a new folder; checks (untimed) that it came back whole. */
  restore(): Promise<StepResult>;
}

export interface ContenderResult {
  readonly name: string;
  /** Why it did not run (a tool missing, the service not plugged in, a step that failed). */
  readonly skipped?: string;
  readonly steps: Partial<Record<StepName, StepResult>>;
}

export interface BackupResults {
  readonly date: string;
  readonly quick: boolean;
  readonly machine: Machine;
  /** The load average when the comparison started and ended (the machine may be shared). */
  readonly loadAverage: { readonly start: readonly number[]; readonly end: readonly number[] };
  readonly data: {
    readonly records: number;
    /** The plaintext database image (SQLite) at the full backup. */
    readonly databaseBytes: number;
    readonly assetFiles: number;
    readonly assetBytes: number;
    readonly duplicateAssets: number;
    readonly buildMs: number;
    readonly change: string;
  };
  readonly tools: { readonly restic?: string; readonly zstd?: string; readonly tar?: string };
  readonly contenders: readonly ContenderResult[];
  /**
   * The database alone, before the assets: `zstd -3` of its image (the compression floor) and
   * our backup of it into a repository of its own.
   */
  readonly database: { readonly bytes: number; readonly zstd3?: StepResult; readonly ours?: StepResult };
  /**
   * Ours only, after the other steps: one more change, a checkpoint (the vault writes a new
   * snapshot, as it does every 8 MiB of journal), then a backup, which must read that snapshot.
   */
  readonly afterCheckpoint?: StepResult;
}

// ── our side, through the backup service (src/core/backup) ──────────────────────────────────

/** What the bench uses of `BackupService` (src/core/backup/service.ts), by the names of types.ts. */
export interface BackupApi {
  create(opts: BackupOptions): Promise<SnapshotInfo>;
  verify(opts: VerifyOptions): Promise<VerifyReport>;
  restore(id: string, target: RestoreTarget): Promise<RestoreResult>;
}

/** The unlocked vault a backup service is opened for. */
export interface BenchVault {
  readonly dm: DataManager;
  /** The vault's folder. */
  readonly folder: string;
  /** Where the bench keeps per-machine state (for vaults that restores create, too). */
  readonly stateDir: string;
}

/** Opens the backup service of an unlocked vault with its repository in `repository`. */
export type OpenBackups = (vault: BenchVault, repository: string) => BackupApi;

/** `DataManager.addFile` (being written): a file into the vault's blob store, as an asset entry. */
type AddFile = (data: Uint8Array, opts: { name: string; campaign_id?: string }) => Promise<unknown>;

function addFileOf(dm: DataManager): AddFile | undefined {
  const f = (dm as unknown as { addFile?: AddFile }).addFile;
  return typeof f === 'function' ? f.bind(dm) : undefined;
}

class OursContender implements BackupContender {
  readonly name = 'ours';
  private readonly api: BackupApi;
  private latest: SnapshotInfo | undefined;
  private restores = 0;

  constructor(
    open: OpenBackups,
    ds: Dataset,
    private readonly repository: string,
    private readonly scratch: string,
  ) {
    this.api = open(ds.benchVault, repository);
  }

  private async backup(note: string, before: number): Promise<StepResult> {
    const t0 = now();
    this.latest = await this.api.create({ kind: 'manual', note });
    const t = now() - t0;
    const s = this.latest.sizes;
    return {
      ms: t,
      bytes: treeBytes(this.repository) - before,
      note: `service: added ${s.added} B, ${s.newChunks} new / ${s.reusedChunks} reused chunks, logical ${s.logical} B`,
    };
  }

  full(): Promise<StepResult> {
    return this.backup('bench: full', 0);
  }

  incremental(): Promise<StepResult> {
    return this.backup('bench: after a one-record change', treeBytes(this.repository));
  }

  /** After a change and a checkpoint (see BackupResults.afterCheckpoint). */
  afterCheckpoint(): Promise<StepResult> {
    return this.backup('bench: after a checkpoint', treeBytes(this.repository));
  }

  async verify(): Promise<StepResult> {
    const t0 = now();
    const report = await this.api.verify({ readData: true });
    const t = now() - t0;
    if (!report.ok) throw new Error(`verify found problems: ${report.findings.map((f) => f.message).join(' / ')}`);
    return { ms: t, bytes: report.bytesRead, note: `${report.packsChecked} packs, ${report.snapshots} snapshots` };
  }

  async restore(): Promise<StepResult> {
    if (!this.latest) throw new Error('nothing backed up yet');
    const folder = path.join(this.scratch, `ours-restore-${++this.restores}`);
    mkdirSync(folder, { recursive: true });
    const t0 = now();
    const result = await this.api.restore(this.latest.id, { folder, password: PASSWORD });
    const t = now() - t0;
    const files = this.latest.counts.files ?? this.latest.counts.file;
    if (files !== undefined && result.files !== files) throw new Error(`restore brought back ${result.files} files of ${files}`);
    return { ms: t, bytes: treeBytes(folder), note: `${result.entities} entries, ${result.files} files (a new vault with a password: Argon2id included)` };
  }
}

/** Our side when it can run, or why not. */
export function oursContender(open: OpenBackups | undefined, ds: Dataset, scratch: string): BackupContender | string {
  if (!open) return 'BackupService is not plugged into bench/main.ts yet (openBackups)';
  if (!ds.filesInVault) return 'DataManager.addFile does not exist yet: the vault cannot hold the assets';
  return new OursContender(open, ds, path.join(scratch, 'ours-repository'), scratch);
}

// ── the references: restic and tar | zstd -3, as programs ────────────────────────────────────

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function run(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: env ?? process.env, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ')}`);
  return r.stdout;
}

/** A shell pipeline (bash, pipefail), timed. */
function pipeline(script: string): number {
  const t0 = now();
  run('bash', ['-o', 'pipefail', '-c', script]);
  return now() - t0;
}

/** The first line of `cmd args`, or undefined when it does not run. */
export function toolVersion(cmd: string, args: readonly string[]): string | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().split('\n')[0] : undefined;
}

/** Bytes of every file under `dir` (apparent sizes, not blocks). */
export function treeBytes(dir: string): number {
  let total = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += treeBytes(p);
    else if (e.isFile()) total += statSync(p).size;
  }
  return total;
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** The restored copy must hold the same database bytes and as many asset bytes as the source. */
function checkRestored(ds: Dataset, restoredData: string, who: string): void {
  const db = path.join(restoredData, DATABASE_FILE);
  if (sha256(db) !== sha256(ds.databaseFile)) throw new Error(`${who}: the restored database differs from the source`);
  const want = treeBytes(ds.assetsDir);
  const got = treeBytes(path.join(restoredData, ASSETS_DIR));
  if (got !== want) throw new Error(`${who}: restored ${got} asset bytes of ${want}`);
}

class ResticContender implements BackupContender {
  readonly name = 'restic';
  private readonly repo: string;
  private readonly env: NodeJS.ProcessEnv;
  private restores = 0;

  constructor(
    private readonly ds: Dataset,
    private readonly scratch: string,
  ) {
    this.repo = path.join(scratch, 'restic-repository');
    // The cache is restic's default behaviour; it lives in the scratch folder so runs do not share it.
    this.env = { ...process.env, RESTIC_PASSWORD: PASSWORD, RESTIC_REPOSITORY: this.repo, RESTIC_CACHE_DIR: path.join(scratch, 'restic-cache') };
    run('restic', ['init', '--repository-version', '2', '--quiet'], this.env);
  }

  private backup(before: number): StepResult {
    const t0 = now();
    // From inside the data folder, so the snapshot holds `database.sqlite` and `assets/` as ours does.
    const r = spawnSync('restic', ['backup', '--quiet', '.'], { cwd: this.ds.dataDir, env: this.env, encoding: 'utf8' });
    const t = now() - t0;
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`restic backup failed: ${r.stderr.trim()}`);
    return { ms: t, bytes: treeBytes(this.repo) - before };
  }

  async full(): Promise<StepResult> {
    return this.backup(0);
  }

  async incremental(): Promise<StepResult> {
    return this.backup(treeBytes(this.repo));
  }

  async verify(): Promise<StepResult> {
    const t0 = now();
    run('restic', ['check', '--read-data', '--quiet'], this.env);
    return { ms: now() - t0, bytes: treeBytes(this.repo), note: 'check --read-data' };
  }

  async restore(): Promise<StepResult> {
    const target = path.join(this.scratch, `restic-restore-${++this.restores}`);
    const t0 = now();
    run('restic', ['restore', 'latest', '--target', target, '--quiet'], this.env);
    const t = now() - t0;
    checkRestored(this.ds, target, 'restic');
    return { ms: t, bytes: treeBytes(target) };
  }
}

class TarZstdContender implements BackupContender {
  readonly name = 'tar | zstd -3';
  private archives = 0;
  private restores = 0;

  constructor(
    private readonly ds: Dataset,
    private readonly scratch: string,
  ) {}

  private get archive(): string {
    return path.join(this.scratch, `archive-${this.archives}.tar.zst`);
  }

  private whole(): StepResult {
    this.archives += 1;
    const t = pipeline(`tar -C ${q(this.ds.dataDir)} -cf - . | zstd -3 -q -o ${q(this.archive)}`);
    return { ms: t, bytes: statSync(this.archive).size };
  }

  async full(): Promise<StepResult> {
    return this.whole();
  }

  /** tar has no incremental of its own here: a whole new archive. */
  async incremental(): Promise<StepResult> {
    return { ...this.whole(), note: 'a whole new archive (no incremental)' };
  }

  async verify(): Promise<StepResult> {
    const t = pipeline(`zstd -t -q ${q(this.archive)}`);
    return { ms: t, bytes: statSync(this.archive).size, note: "zstd -t: the frame's checksum only" };
  }

  async restore(): Promise<StepResult> {
    const target = path.join(this.scratch, `tar-restore-${++this.restores}`);
    mkdirSync(target, { recursive: true });
    const t = pipeline(`zstd -d -q -c ${q(this.archive)} | tar -C ${q(target)} -xf -`);
    checkRestored(this.ds, target, 'tar | zstd');
    return { ms: t, bytes: treeBytes(target) };
  }
}

// ── the data set ─────────────────────────────────────────────────────────────────────────────

const DATABASE_FILE = 'database.sqlite';
const ASSETS_DIR = 'assets';
const SNAPSHOT_OBJECT_ID = utf8('db-snapshot\0\0\0\0\0');

export interface Dataset {
  /** Our vault, unlocked, holding the records (and the assets when `filesInVault`). */
  readonly vault: OurVault;
  readonly benchVault: BenchVault;
  readonly filesInVault: boolean;
  /** The plain copy for the reference tools: `database.sqlite` and `assets/`. */
  readonly dataDir: string;
  readonly databaseFile: string;
  readonly assetsDir: string;
  readonly records: number;
  readonly assetFiles: number;
  readonly assetBytes: number;
  readonly duplicateAssets: number;
  readonly buildMs: number;
  readonly change: string;
  /** The one-record change, in the vault (`damage`: hit points lost) and in the plain database file. */
  applyChange(damage?: number): Promise<void>;
  close(): Promise<void>;
}

/** The plaintext SQLite image of the vault's newest snapshot (call after a checkpoint). */
async function plainImage(folder: string, keys: UnlockedKeys): Promise<Uint8Array> {
  const files = new NodeFileStore(folder);
  const generation = readdirSync(path.join(folder, DB_DIR))
    .map((n) => /^snapshot-(\d+)\.cvs$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b)
    .at(-1);
  if (generation === undefined) throw new Error('no snapshot');
  return unseal(await files.read(snapshotFile(generation)), { kind: 'snapshot', objectId: SNAPSHOT_OBJECT_ID, generation }, keys, 'snapshot');
}

/** The fixture images and PDFs (licence texts and sidecar files left out), sorted. */
function fixtureFiles(sharedFixtures: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(png|jpe?g|tiff?|svg|pdf|webp|gif)$/i.test(e.name)) out.push(p);
    }
  };
  for (const sub of ['images', 'pdfs']) {
    try {
      walk(path.join(sharedFixtures, sub));
    } catch {
      // not there: a plain clone without ../shared
    }
  }
  return out;
}

/** Applies a byte permutation: the same structure and compressibility, different bytes. */
function permute(data: Uint8Array, rng: Prng): Uint8Array {
  const table = new Uint8Array(256);
  for (let i = 0; i < 256; i++) table[i] = i;
  for (let i = 255; i > 0; i--) {
    const j = rng.int(0, i);
    const t = table[i]!;
    table[i] = table[j]!;
    table[j] = t;
  }
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = table[data[i]!]!;
  return out;
}

export interface DatasetOptions {
  readonly root: string;
  readonly seed: number;
  readonly databaseBytes: number;
  readonly assetBytes: number;
  readonly log: (s: string) => void;
}

/**
 * Builds the vault and its plain copy in `dir`. Between the records and the assets it calls
 * `beforeAssets` with the database image of that moment written to a file (the compression floor:
 * `zstd -3` of it, and ours backing the vault up into a repository of its own).
 */
export async function buildDataset(
  src: Sources,
  dir: string,
  opts: DatasetOptions,
  beforeAssets: (databaseOnly: string, vault: BenchVault) => Promise<void>,
): Promise<Dataset> {
  const started = now();
  const vaultDir = path.join(dir, 'vault');
  const dataDir = path.join(dir, 'data');
  const assetsDir = path.join(dataDir, ASSETS_DIR);
  mkdirSync(assetsDir, { recursive: true });
  // Building is not measured: no background checkpoints while filling (explicit ones below).
  const stateDir = path.join(dir, 'state');
  const vault = new OurVault(vaultDir, stateDir, { checkpointBytes: 2 ** 31 });
  const benchVault: BenchVault = { dm: vault.dm, folder: vaultDir, stateDir };
  await vault.create();
  const header = await VaultStore.readHeader(new NodeFileStore(vaultDir));
  if (!header) throw new Error('no vault header');
  const keys = await unlockKeys(header, { password: PASSWORD }, nodeCipherSuite);

  // Records until the image reaches the target (about 3.45 KB per record in this mix), checked
  // every 5 % of the estimate by a checkpoint (the sealed snapshot is the image plus 0.002 %).
  const gen = new RecordGenerator(src, opts.seed + 5);
  const estimate = Math.max(200, Math.ceil(opts.databaseBytes / 3450));
  const every = Math.max(100, Math.round(estimate / 20));
  let records = 0;
  let character: { id: string; hpMax: number } | undefined;
  for (const r of gen.stream(estimate * 3)) {
    await vault.insert(r);
    records += 1;
    if (!character && r.kind === 'character') character = { id: r.id, hpMax: (r.body.hp as { max: number }).max };
    if (records % every === 0) {
      await vault.checkpoint();
      const bytes = vault.diskUsage().snapshotBytes;
      opts.log(`  vault: ${records.toLocaleString('en-US')} records, ${(bytes / 1e6).toFixed(1)} MB`);
      if (bytes >= opts.databaseBytes) break;
    }
  }
  if (!character) throw new Error('no character among the records');
  await vault.checkpoint();
  const databaseOnly = path.join(dir, 'database-only.sqlite');
  writeFileSync(databaseOnly, await plainImage(vaultDir, keys));
  await beforeAssets(databaseOnly, benchVault);

  // Assets: fixture files, each copy permuted with its own seed; 3 % exact duplicates.
  const fixtures = fixtureFiles(path.resolve(opts.root, '../shared/fixtures'));
  if (fixtures.length === 0) throw new Error('no fixture images or PDFs in ../shared/fixtures');
  const originals = fixtures.map((f) => ({ base: path.basename(f), data: new Uint8Array(readFileSync(f)) }));
  const rng = new Prng(opts.seed + 11);
  const addFile = addFileOf(vault.dm);
  const made: { name: string; data: Uint8Array }[] = [];
  let assetBytes = 0;
  let duplicates = 0;
  let count = 0;
  while (assetBytes < opts.assetBytes) {
    const i = ++count;
    let data: Uint8Array;
    let base: string;
    if (made.length > 10 && rng.chance(0.03)) {
      const twin = rng.pick(made);
      data = twin.data;
      base = twin.name.replace(/^\d+-/, '');
      duplicates += 1;
    } else {
      const o = rng.pick(originals);
      data = permute(o.data, rng);
      base = o.base;
    }
    const name = `${String(i).padStart(5, '0')}-${base}`;
    writeFileSync(path.join(assetsDir, name), data);
    if (addFile) await addFile(data, { name });
    // Candidates for exact duplicates: the smaller files (kept in memory), as copied icons and handouts are.
    if (data.length < 256 * 1024) made.push({ name, data });
    assetBytes += data.length;
  }
  const assetFiles = readdirSync(assetsDir).length;
  await vault.checkpoint();
  const databaseFile = path.join(dataDir, DATABASE_FILE);
  writeFileSync(databaseFile, await plainImage(vaultDir, keys));
  const buildMs = now() - started;
  opts.log(`  data: ${records.toLocaleString('en-US')} records, database ${(statSync(databaseFile).size / 1e6).toFixed(1)} MB; ${assetFiles} assets, ${(assetBytes / 1e6).toFixed(1)} MB (${duplicates} duplicates)${addFile ? '' : '; the vault has no addFile yet: assets only in the plain copy'}`);
  gc();

  const changed = character;
  return {
    vault,
    benchVault,
    filesInVault: addFile !== undefined,
    dataDir,
    databaseFile,
    assetsDir,
    records,
    assetFiles,
    assetBytes,
    duplicateAssets: duplicates,
    buildMs,
    change: "one character's hit points (DataManager.update: journaled, no checkpoint, as in use); the plain database file rewritten from the vault's exported image",
    async applyChange(level = 3) {
      await vault.update('character', changed.id, { hp: { max: changed.hpMax, current: Math.max(0, changed.hpMax - level), temp: 0 } });
      const { database } = await vault.dm.backupVault().source({ image: true });
      if (database.kind !== 'image') throw new Error('the vault gave no database image');
      writeFileSync(databaseFile, database.image);
    },
    async close() {
      keys.wipe();
      await vault.lock();
    },
  };
}

// ── the run ──────────────────────────────────────────────────────────────────────────────────

export interface BackupBenchOptions extends DatasetOptions {
  readonly quick: boolean;
  readonly scratch: string;
  /** Our backup service, once it exists (bench/main.ts plugs it in). */
  readonly openBackups: OpenBackups | undefined;
}

/** Sizes of the data set: about 100 MB of database and 200 MB of assets; --quick 10 + 20 MB. */
export const backupSizes = (quick: boolean) => (quick ? { databaseBytes: 10e6, assetBytes: 20e6 } : { databaseBytes: 100e6, assetBytes: 200e6 });

export async function runBackupBench(src: Sources, opts: BackupBenchOptions): Promise<BackupResults> {
  const log = opts.log;
  const date = new Date().toISOString();
  const load0 = loadavg();
  log(`\n── backups: ${(opts.databaseBytes / 1e6).toFixed(0)} MB database + ${(opts.assetBytes / 1e6).toFixed(0)} MB assets ──`);
  const tools = {
    restic: toolVersion('restic', ['version']),
    zstd: toolVersion('zstd', ['--version'])?.replace(/^\*+\s*|\s*\*+$/g, ''),
    tar: toolVersion('tar', ['--version']),
  };
  const scratch = opts.scratch;
  mkdirSync(scratch, { recursive: true });
  let databaseOnlyBytes = 0;
  let zstd3: StepResult | undefined;
  let oursDatabase: StepResult | undefined;
  const ds = await buildDataset(src, path.join(scratch, 'set'), opts, async (databaseOnly, vault) => {
    databaseOnlyBytes = statSync(databaseOnly).size;
    if (tools.zstd) {
      const out = path.join(scratch, 'database-only.sqlite.zst');
      const t = pipeline(`zstd -3 -q -o ${q(out)} ${q(databaseOnly)}`);
      zstd3 = { ms: t, bytes: statSync(out).size };
    }
    if (opts.openBackups) {
      const repository = path.join(scratch, 'ours-database-only');
      const api = opts.openBackups(vault, repository);
      const t0 = now();
      const info = await api.create({ kind: 'manual', note: 'bench: the database alone' });
      oursDatabase = { ms: now() - t0, bytes: treeBytes(repository), note: `service: added ${info.sizes.added} B of ${info.sizes.database} B` };
    }
  });
  const contenders: { result: { name: string; skipped?: string; steps: Partial<Record<StepName, StepResult>> }; c?: BackupContender }[] = [];
  const ours = oursContender(opts.openBackups, ds, scratch);
  contenders.push(typeof ours === 'string' ? { result: { name: 'ours', skipped: ours, steps: {} } } : { result: { name: ours.name, steps: {} }, c: ours });
  contenders.push(
    tools.restic ? { result: { name: 'restic', steps: {} }, c: new ResticContender(ds, scratch) } : { result: { name: 'restic', skipped: 'restic is not installed (apt-get install restic)', steps: {} } },
  );
  contenders.push(
    tools.zstd && tools.tar
      ? { result: { name: 'tar | zstd -3', steps: {} }, c: new TarZstdContender(ds, scratch) }
      : { result: { name: 'tar | zstd -3', skipped: 'zstd or tar is not installed', steps: {} } },
  );
  for (const x of contenders) if (x.result.skipped) log(`  ${x.result.name}: not run: ${x.result.skipped}`);

  // One loop: every contender does a step before any does the next, on the same bytes.
  for (const step of STEPS) {
    if (step === 'incremental') await ds.applyChange();
    for (const x of contenders) {
      if (!x.c || x.result.skipped) continue;
      gc();
      try {
        const r = await x.c[step]();
        x.result.steps[step] = r;
        log(`  ${x.result.name.padEnd(14)} ${step.padEnd(11)} ${ms(r.ms).padStart(9)}  ${(r.bytes / 1e6).toFixed(3).padStart(9)} MB${r.note ? `  (${r.note})` : ''}`);
      } catch (e) {
        x.result.skipped = `${step} failed: ${e instanceof Error ? e.message : String(e)}`;
        log(`  ${x.result.name}: ${x.result.skipped}`);
      }
    }
  }
  // Ours again, after one more change and a checkpoint: the first backup after the vault wrote a new snapshot.
  let afterCheckpoint: StepResult | undefined;
  const oursAgain = contenders.find((x) => x.result.name === 'ours');
  if (oursAgain?.c instanceof OursContender && !oursAgain.result.skipped) {
    await ds.applyChange(4);
    await ds.vault.dm.checkpoint();
    gc();
    const r = await oursAgain.c.afterCheckpoint();
    afterCheckpoint = r;
    log(`  ${'ours'.padEnd(14)} ${'after a checkpoint'.padEnd(11)} ${ms(r.ms).padStart(9)}  ${(r.bytes / 1e6).toFixed(3).padStart(9)} MB  (${r.note})`);
  }
  await ds.close();
  return {
    date,
    quick: opts.quick,
    machine: machine(scratch),
    loadAverage: { start: load0, end: loadavg() },
    data: {
      records: ds.records,
      databaseBytes: statSync(ds.databaseFile).size,
      assetFiles: ds.assetFiles,
      assetBytes: ds.assetBytes,
      duplicateAssets: ds.duplicateAssets,
      buildMs: ds.buildMs,
      change: ds.change,
    },
    tools,
    contenders: contenders.map((x) => x.result),
    database: { bytes: databaseOnlyBytes, ...(zstd3 ? { zstd3 } : {}), ...(oursDatabase ? { ours: oursDatabase } : {}) },
    ...(afterCheckpoint ? { afterCheckpoint } : {}),
  };
}

// ── floors and tables ────────────────────────────────────────────────────────────────────────

const KiB = 1024;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(bytes >= 1e8 ? 0 : bytes >= 1e6 ? 1 : 3)} MB`;
const size = (bytes: number | undefined) => (bytes === undefined ? '–' : bytes < 1e6 ? `${(bytes / KiB).toFixed(1)} KiB` : mb(bytes));
const time = (r: StepResult | undefined) => (r ? ms(r.ms) : '–');
function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || b <= 0) return '–';
  const r = a / b;
  return `${r >= 10 ? r.toFixed(0) : r >= 0.1 ? r.toFixed(2) : r.toPrecision(1)}×`;
}

const stepOf = (b: BackupResults, name: string, step: StepName) => b.contenders.find((c) => c.name === name)?.steps[step];

function dataLine(b: BackupResults): string {
  const d = b.data;
  return `${mb(d.databaseBytes)} database (${d.records.toLocaleString('en-US')} records) + ${mb(d.assetBytes)} assets (${d.assetFiles.toLocaleString('en-US')} files, ${d.duplicateAssets} exact duplicates)`;
}

export function backupFloors(b: BackupResults | undefined): Floor[] {
  if (!b) return [];
  const at = b.quick ? ' (quick: not the issue\'s 100 + 200 MB)' : '';
  const why = b.contenders.find((c) => c.name === 'ours')?.skipped;
  const notRun = why ? `not run` : '–';
  const full = stepOf(b, 'ours', 'full');
  const resticFull = stepOf(b, 'restic', 'full');
  const inc = stepOf(b, 'ours', 'incremental');
  const resticInc = stepOf(b, 'restic', 'incremental');
  const zstd3 = b.database.zstd3;
  return [
    {
      name: `full backup, ${mb(b.data.databaseBytes)} + ${mb(b.data.assetBytes)}, no slower than restic${at}`,
      measured: full ? ms(full.ms) : notRun,
      limit: resticFull ? `≤ ${ms(resticFull.ms)}` : '≤ restic (not run)',
      reference: time(resticFull),
      pass: !!full && !!resticFull && full.ms <= resticFull.ms,
    },
    {
      name: 'incremental backup after a one-record change: time',
      measured: inc ? ms(inc.ms) : notRun,
      limit: '≤ 200 ms',
      reference: time(resticInc),
      pass: !!inc && inc.ms <= 200,
    },
    {
      name: 'incremental backup after a one-record change: bytes added',
      measured: inc ? size(inc.bytes) : notRun,
      limit: '≤ 64 KiB',
      reference: size(resticInc?.bytes),
      pass: !!inc && inc.bytes <= 64 * KiB,
    },
    {
      name: `compression of the database alone (${mb(b.database.bytes)}), vs zstd -3`,
      measured: b.database.ours ? size(b.database.ours.bytes) : notRun,
      limit: zstd3 ? `≤ ${size(zstd3.bytes)}` : '≤ zstd -3 (not run)',
      reference: size(zstd3?.bytes),
      pass: !!b.database.ours && !!zstd3 && b.database.ours.bytes <= zstd3.bytes,
    },
  ];
}

/** The comparison table: time and size of every step, ours against each reference. */
export function backupTable(b: BackupResults): string {
  const label: Record<StepName, string> = {
    full: 'full backup (size: repository)',
    incremental: 'incremental after one change (size: added)',
    verify: 'verify, re-reading everything (size: read)',
    restore: 'restore into a new folder (size: written)',
  };
  const rows: string[][] = STEPS.map((step) => {
    const o = stepOf(b, 'ours', step);
    const r = stepOf(b, 'restic', step);
    const t = stepOf(b, 'tar | zstd -3', step);
    return [label[step], time(o), time(r), time(t), ratio(o?.ms, r?.ms), ratio(o?.ms, t?.ms), size(o?.bytes), size(r?.bytes), size(t?.bytes), ratio(o?.bytes, r?.bytes), ratio(o?.bytes, t?.bytes)];
  });
  const a = b.afterCheckpoint;
  if (a) rows.push(['ours only: the next change after a checkpoint (size: added)', time(a), '–', '–', '–', '–', size(a.bytes), '–', '–', '–', '–']);
  const d = b.database;
  rows.push([`the database alone (${mb(d.bytes)}): compressed`, time(d.ours), '–', time(d.zstd3), '–', ratio(d.ours?.ms, d.zstd3?.ms), size(d.ours?.bytes), '–', size(d.zstd3?.bytes), '–', ratio(d.ours?.bytes, d.zstd3?.bytes)]);
  // No "|" in the headings: the table is Markdown too.
  const head = ['step', 'ours', 'restic', 'tar+zstd', 'time ours/restic', 'time ours/tar', 'size ours', 'size restic', 'size tar+zstd', 'size ours/restic', 'size ours/tar'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(head), rule, ...rows.map(line)].join('\n');
}

function notes(b: BackupResults): string[] {
  const m = b.machine;
  const load = (l: readonly number[]) => l.map((x) => x.toFixed(1)).join(' ');
  const out = [
    `Date:       ${b.date}`,
    `Machine:    ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM; Node ${m.node}; ${m.os}; on ${m.fs}`,
    `Load:       average ${load(b.loadAverage.start)} at start, ${load(b.loadAverage.end)} at end (${m.cores} cores)`,
    `Data:       ${dataLine(b)}; built in ${(b.data.buildMs / 1000).toFixed(0)} s`,
    `Change:     ${b.data.change}`,
  ];
  out.push(`Tools:      ${b.tools.restic ?? 'restic missing'}; ${b.tools.zstd ?? 'zstd missing'}; ${b.tools.tar ?? 'tar missing'}`);
  for (const c of b.contenders) if (c.skipped) out.push(`Not run:    ${c.name}: ${c.skipped}`);
  const o = b.contenders.find((c) => c.name === 'ours');
  for (const step of STEPS) if (o?.steps[step]?.note) out.push(`Ours:       ${step}: ${o.steps[step]!.note}`);
  return out;
}

export function renderBackupText(b: BackupResults | undefined): string {
  if (!b) return 'Backups: skipped.';
  return ['Backups, ours beside restic and tar | zstd -3 on the same bytes (ratio = ours / reference; below 1× we are faster or smaller):', ...notes(b), backupTable(b)].join('\n');
}

export function renderBackupMarkdown(b: BackupResults | undefined): string {
  return `## Backups

\`npm run bench\` also compares our backups (src/core/backup) with **restic** (Debian's package,
repository format 2, its default \`auto\` compression) and **\`tar -c | zstd -3\`**, on the same
bytes (bench/backup.ts). \`--quick\` uses 10 MB + 20 MB; \`--skip backup\` leaves it out. restic and
zstd are installed by scripts/bench.mjs with \`apt-get install -y restic zstd\` when missing; if
that fails the run says so and their columns stay empty.

- **The data**: a vault filled by the same record generator until its database image is about
  100 MB, then about 200 MB of assets: the shared fixtures' images and PDFs, each copy put through
  its own seeded byte permutation (copies neither dedupe nor compress against each other, and each
  keeps exactly its original's compressibility), 3 % of them exact duplicates of an earlier one.
  Ours backs up the vault (files through \`DataManager.addFile\`); the references back up a folder
  holding the vault's plaintext SQLite image (unsealed from its newest snapshot) and the assets.
- **Full**: the first backup; size is the repository (or archive) on disk afterwards.
- **Incremental**: after one character's hit points change (\`DataManager.update\`, journaled as
  in use, no checkpoint; the plain database file is rewritten from the vault's exported image, so
  restic sees the same change); size is what the repository grew by. tar has no incremental: it
  writes a whole new archive.
- **After a checkpoint** (ours only, after the other steps): one more change, then a checkpoint —
  the vault writes a new snapshot, as it does every 8 MiB of journal and when it is locked — then a
  backup, which has to read and hash that snapshot: the slow case of an incremental backup.
- **Verify**: ours \`verify({ readData: true })\`, restic \`check --read-data\`; \`zstd -t\` checks
  only the archive's checksum and says nothing about the files.
- **Restore**: the newest backup into a new folder; ours makes a new vault with a password
  (Argon2id included, as restic's scrypt is in each of its commands). Untimed afterwards, the
  references' restored database must hash as the source and the assets add up.
- **The database alone**: before the assets go in, its image is compressed by \`zstd -3\` and ours
  backs the vault up into a repository of its own: the compression floor (ours includes
  encryption and its repository's metadata).
${
  b
    ? `
### Latest run

${['```text', ...notes(b), '```'].join('\n')}

${backupTable(b)}
`
    : '\nBackups were skipped in the latest run.\n'
}`;
}
