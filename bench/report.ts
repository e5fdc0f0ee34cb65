// Tables for `npm run bench`: the console summary and docs/BENCHMARKS.md, from one results object
// (the same one written to .bench-results/bench-<date>.json).
import type { KdfParams } from '../src/core/crypto/kdf';
import type { Breakdown } from './breakdown';
import type { SealResult, Throughput } from './crypto';
import type { Machine, MemoryPeak, Summary } from './stats';

export type OpName = 'create' | 'update' | 'get' | 'list' | 'listBody';

export interface SizeResult {
  readonly n: number;
  readonly campaigns: number;
  readonly referenceVersions: string;
  readonly createVaultMs: number;
  readonly load: { readonly oursMs: number; readonly refMs: number };
  readonly bytes: { readonly oursSnapshot: number; readonly reference: number; readonly journalPerWrite: number };
  /** Checkpoints the vault started on its own (every 8 MiB of journal) during the timed writes. */
  readonly backgroundCheckpoints: number;
  readonly ops: Readonly<Record<OpName, { readonly ours: Summary; readonly ref: Summary }>>;
  readonly unlock: {
    readonly oursMs: number;
    readonly oursRuns: readonly number[];
    readonly kdfMs: number;
    readonly kdf: KdfParams;
    readonly refMs: number;
    readonly lockMs: number;
  };
  readonly checkpoint: { readonly oursMs: number; readonly refMs: number; readonly oursRuns: readonly number[] };
  readonly memory: { readonly oursLoad: MemoryPeak; readonly refLoad: MemoryPeak; readonly oursUnlock: MemoryPeak; readonly size: MemoryPeak };
}

export interface Floor {
  readonly name: string;
  readonly measured: string;
  readonly limit: string;
  readonly reference: string;
  readonly pass: boolean;
}

export interface Results {
  readonly date: string;
  /** `git describe --always --dirty` of the code measured. */
  readonly commit?: string;
  readonly flags: readonly string[];
  readonly quick: boolean;
  readonly machine: Machine;
  readonly loadAverage: { readonly start: readonly number[]; readonly end: readonly number[] };
  readonly reference: { readonly label: string; readonly encrypted: boolean; readonly versions: string };
  readonly fixtures: string;
  readonly seed: number;
  readonly sizes: readonly SizeResult[];
  readonly bigVault?: {
    readonly snapshotBytes: number;
    readonly unlockMs: number;
    readonly unlockRuns: readonly number[];
    readonly kdfMs: number;
    readonly budgetMs: number;
    readonly overKdfMs: number;
    readonly lockMs: number;
    readonly memory: MemoryPeak;
    readonly steps: Breakdown;
  };
  readonly ciphers: readonly Throughput[];
  readonly seals: readonly SealResult[];
  readonly peakRssMiB: number;
  readonly durationS: number;
  floors?: readonly Floor[];
}

const OPS: readonly [OpName, string][] = [
  ['create', 'durable create (1 record, acknowledged)'],
  ['update', 'durable update (1 record, acknowledged)'],
  ['get', 'point read by id'],
  ['list', 'list: campaign + column filter, limit 50'],
  ['listBody', 'list: campaign + body-field filter, limit 50'],
];

export function ms(v: number): string {
  if (!Number.isFinite(v)) return '–';
  if (v >= 100) return `${v.toFixed(0)} ms`;
  if (v >= 10) return `${v.toFixed(1)} ms`;
  if (v >= 1) return `${v.toFixed(2)} ms`;
  return `${v.toFixed(3)} ms`;
}

const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a) ? `${(a / b).toFixed(a / b >= 10 ? 0 : a / b >= 1 ? 1 : 2)}×` : '–');
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(bytes >= 1e8 ? 0 : 1)} MB`;
const mib = (v: number) => `${v.toFixed(0)} MiB`;
const n = (v: number) => v.toLocaleString('en-US');
const rate = (mbps: number) => (mbps >= 1000 ? `${(mbps / 1000).toFixed(2)} GB/s` : `${mbps.toFixed(0)} MB/s`);

/** A Markdown table, padded so it also reads well in a terminal. */
function table(head: readonly string[], rows: readonly (readonly string[])[], right: readonly boolean[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (right[i] ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|')}|`;
  return [line(head), rule, ...rows.map(line)].join('\n');
}

export function evaluateFloors(r: Results): Floor[] {
  const largest = [...r.sizes].sort((a, b) => b.n - a.n)[0];
  const at = largest ? `at ${n(largest.n)}${largest.n < 100_000 ? ' (not 100k: run without --quick)' : ''}` : '';
  const floors: Floor[] = [];
  if (largest) {
    const u = largest.ops.update;
    floors.push({ name: `durable update p99 ${at}`, measured: ms(u.ours.p99), limit: '≤ 1 ms', reference: ms(u.ref.p99), pass: u.ours.p99 <= 1 });
    const g = largest.ops.get;
    floors.push({ name: `point read p99 ${at}`, measured: ms(g.ours.p99), limit: '≤ 0.1 ms', reference: ms(g.ref.p99), pass: g.ours.p99 <= 0.1 });
  }
  const b = r.bigVault;
  if (b) {
    floors.push({
      name: `unlock of a ${mb(b.snapshotBytes)} vault`,
      measured: ms(b.unlockMs),
      limit: `≤ KDF ${ms(b.kdfMs)} + 250 ms = ${ms(b.budgetMs)}`,
      reference: '–',
      pass: b.unlockMs <= b.budgetMs,
    });
  }
  const openssl = r.ciphers.find((c) => c.suite.startsWith('OpenSSL'));
  const refRate = openssl ? rate(openssl.sealMBps) : '–';
  const node = r.ciphers.find((c) => c.suite === 'node');
  if (node) floors.push({ name: 'bulk encryption, node suite (the extension host), 1 MiB messages', measured: rate(node.sealMBps), limit: '≥ 1 GB/s', reference: refRate, pass: node.sealMBps >= 1000 });
  const web = r.ciphers.find((c) => c.suite === 'webcrypto');
  if (web) floors.push({ name: 'bulk encryption, webcrypto suite (web hosts), 1 MiB messages', measured: rate(web.sealMBps), limit: '≥ 1 GB/s', reference: refRate, pass: web.sealMBps >= 1000 });
  return floors;
}

function header(r: Results): string[] {
  const m = r.machine;
  const kdf = r.sizes[0]?.unlock.kdf;
  return [
    `Date:       ${r.date}${r.commit ? `, code ${r.commit}` : ''}`,
    `Machine:    ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM; Node ${m.node}; ${m.os}`,
    `Disk:       temporary vaults on ${m.fs}; load average ${r.loadAverage.start.map((x) => x.toFixed(1)).join(' ')} at start, ${r.loadAverage.end.map((x) => x.toFixed(1)).join(' ')} at end`,
    `Ours:       DataManager (sql.js in memory + encrypted journal, flushed to disk per write), password with Argon2id${kdf ? ` m=${kdf.memoryKiB} KiB t=${kdf.iterations} p=${kdf.parallelism} (the default)` : ''}`,
    `Reference:  ${r.reference.label}: ${r.reference.versions}${r.reference.encrypted ? '' : '  <<< NOT ENCRYPTED: SQLCipher could not be built >>>'}`,
    `Fixtures:   ${r.fixtures}; seed ${r.seed}`,
    `Run:        ${r.flags.length ? r.flags.join(' ') : '(defaults)'}; ${(r.durationS / 60).toFixed(1)} min; process peak RSS ${mib(r.peakRssMiB)}`,
  ];
}

function opsTable(r: Results): string {
  const rows: string[][] = [];
  for (const s of r.sizes) {
    for (const [op, label] of OPS) {
      const { ours, ref } = s.ops[op];
      rows.push([n(s.n), label, ms(ours.p50), ms(ours.p99), ms(ref.p50), ms(ref.p99), ratio(ours.p50, ref.p50), ratio(ours.p99, ref.p99), ms(ours.mean), ms(ref.mean), ms(ours.max), ms(ref.max)]);
    }
  }
  return table(
    ['records', 'operation', 'ours p50', 'ours p99', 'ref p50', 'ref p99', 'ratio p50', 'ratio p99', 'ours mean', 'ref mean', 'ours max', 'ref max'],
    rows,
    [true, false, true, true, true, true, true, true, true, true, true, true],
  );
}

function lifecycleTable(r: Results): string {
  const rows = r.sizes.map((s) => [
    n(s.n),
    `${mb(s.bytes.oursSnapshot)} / ${mb(s.bytes.reference)}`,
    ms(s.unlock.oursMs),
    ms(s.unlock.kdfMs),
    ms(s.unlock.oursMs - s.unlock.kdfMs),
    ms(s.unlock.refMs),
    ratio(s.unlock.oursMs, s.unlock.refMs),
    ms(s.checkpoint.oursMs),
    ms(s.checkpoint.refMs),
    `${(s.load.oursMs / s.n).toFixed(2)} ms`,
    `${(s.bytes.journalPerWrite / 1024).toFixed(1)} KiB`,
    String(s.backgroundCheckpoints),
  ]);
  return table(
    ['records', 'size ours / ref', 'unlock ours', 'Argon2id alone', 'unlock − KDF', 'ref open+key', 'ratio', 'checkpoint ours', 'checkpoint ref', 'load ours / record', 'journal / write', 'auto checkpoints in timed writes'],
    rows,
    [true, true, true, true, true, true, true, true, true, true, true, true],
  );
}

function memoryTable(r: Results): string {
  const rows = r.sizes.map((s) => [
    n(s.n),
    `${mib(s.memory.oursLoad.rssMiB)} (+${mib(s.memory.oursLoad.rssMiB - s.memory.oursLoad.rssStartMiB)})`,
    mib(s.memory.oursLoad.heapMiB),
    `${mib(s.memory.oursUnlock.rssMiB)}`,
    `+${mib(Math.max(0, s.memory.refLoad.rssMiB - s.memory.refLoad.rssStartMiB))}`,
    mib(s.memory.size.rssMiB),
  ]);
  return table(['records', 'ours: peak RSS loading (growth)', 'ours: peak JS heap + external', 'ours: peak RSS lock/unlock', 'ref: RSS growth loading', 'peak RSS, whole size'], rows, [true, true, true, true, true, true]);
}

function cipherTable(r: Results): string {
  if (r.ciphers.length === 0) return 'Ciphers: skipped.';
  const ref = r.ciphers.find((c) => c.suite.startsWith('OpenSSL'));
  const rows = r.ciphers.map((c) => [c.suite, `${c.totalMB.toFixed(0)} MB`, rate(c.sealMBps), rate(c.openMBps), ref ? ratio(c.sealMBps, ref.sealMBps) : '–', ref ? ratio(c.openMBps, ref.openMBps) : '–']);
  return table(['AES-256-GCM, 1 MiB messages', 'data', 'encrypt', 'decrypt', 'encrypt vs OpenSSL', 'decrypt vs OpenSSL'], rows, [false, true, true, true, true, true]);
}

function stepsTable(r: Results): string {
  const b = r.bigVault;
  if (!b) return '';
  const s = b.steps;
  const unlockSum = s.unlockKeysMs + s.readMs + s.unsealMs + s.sqlOpenMs;
  const rows = [
    ['unlock', 'Argon2id + unwrap the keys (unlockKeys)', ms(s.unlockKeysMs)],
    ['unlock', `read the ${mb(s.snapshotBytes)} snapshot file`, ms(s.readMs)],
    ['unlock', 'unseal it (AES-256-GCM, 1 MiB chunks, node suite)', ms(s.unsealMs)],
    ['unlock', 'open it in sql.js (new SQL.Database(bytes)) + first query', ms(s.sqlOpenMs)],
    ['unlock', 'sum of the steps', ms(unlockSum)],
    ['unlock', 'measured DataManager.unlock (the rest: lock file, state, leftovers, audit, migrations)', `${ms(b.unlockMs)} (${b.unlockMs >= unlockSum ? '+' : '−'}${ms(Math.abs(b.unlockMs - unlockSum))})`],
    ['checkpoint', 'export from sql.js (db.export())', ms(s.exportMs)],
    ['checkpoint', 'seal it', ms(s.sealMs)],
    ['checkpoint', 'write it atomically (write, fsync, rename, fsync the folder)', ms(s.writeMs)],
    ['checkpoint', 'sum of the steps (the final checkpoint on lock took)', `${ms(s.exportMs + s.sealMs + s.writeMs)} (${ms(b.lockMs)})`],
    ['machine', `allocate and touch ${mb(s.snapshotBytes)} of fresh memory once`, ms(s.freshMemoryMs)],
  ];
  return table(['phase', `step (vault of ${mb(s.snapshotBytes)}, medians)`, 'time'], rows, [false, false, true]);
}

function sealTable(r: Results): string {
  if (r.seals.length === 0) return 'Sealing: skipped.';
  const rows = r.seals.map((s) => [
    s.suite,
    mb(s.mb * 1e6),
    `${ms(s.sealMs)} (${rate(s.mb / (s.sealMs / 1000))})`,
    `${ms(s.unsealMs)} (${rate(s.mb / (s.unsealMs / 1000))})`,
    ms(s.rawEncryptMs),
    ms(s.rawDecryptMs),
    ratio(s.sealMs, s.rawEncryptMs),
  ]);
  return table(['sealed object (1 MiB chunks)', 'size', 'seal', 'unseal', 'OpenSSL encrypt (one stream)', 'decrypt', 'seal vs OpenSSL'], rows, [false, true, true, true, true, true, true]);
}

function floorTable(r: Results): string {
  const rows = (r.floors ?? evaluateFloors(r)).map((f) => [f.name, f.measured, f.limit, f.reference, f.pass ? 'PASS' : 'MISS']);
  return table(['floor (from the issue)', 'ours', 'limit', 'reference', 'result'], rows, [false, true, false, true, false]);
}

function bigVaultLine(r: Results): string {
  const b = r.bigVault;
  if (!b) return '100 MB vault: skipped.';
  return `100 MB vault: snapshot ${mb(b.snapshotBytes)}; unlock median ${ms(b.unlockMs)} (runs ${b.unlockRuns.map((x) => x.toFixed(0)).join(', ')} ms) = Argon2id ${ms(b.kdfMs)} + ${ms(b.overKdfMs)} (read, decrypt, open in sql.js, journal); peak RSS while unlocking ${mib(b.memory.rssMiB)}.`;
}

export function renderText(r: Results): string {
  return [
    'Campaign Vault benchmark',
    ...header(r),
    '',
    'Operations, one call at a time, ours and the reference interleaved (ratio = ours / reference):',
    opsTable(r),
    '',
    'Size, unlock, checkpoint, load:',
    lifecycleTable(r),
    '',
    'Memory (one process; "external" holds Buffers and sql.js\'s wasm memory, where the whole database lives):',
    memoryTable(r),
    '',
    bigVaultLine(r),
    stepsTable(r),
    '',
    cipherTable(r),
    '',
    sealTable(r),
    '',
    floorTable(r),
  ].join('\n');
}

export function renderMarkdown(r: Results): string {
  return `# Benchmarks

Generated by \`npm run bench\` (scripts/bench.mjs → bench/*.ts); the last full run is below. Timed
assertions do not belong in tests: this is where speed is measured, against references run in the
same process on the same data. Raw results of every run go to \`.bench-results/bench-<date>.json\`
(not committed).

## How to run

\`\`\`sh
npm run bench                                # 1k, 10k and 100k records (10–15 min on 2 cores)
npm run bench -- --quick                     # 1k and 10k, fewer samples (under 3 min)
npm run bench -- --sizes 1000,50000          # any sizes
npm run bench -- --seed 7 --keep --tmp /mnt  # other data; keep the vaults; put them on another disk
npm run bench -- --skip big,ciphers          # leave out the 100 MB vault and the cipher runs
npm run bench -- --render .bench-results/bench-<date>.json --docs   # tables again from a JSON
\`\`\`

The first run installs the reference database into \`bench/node_modules\` (\`npm ci --prefix bench\`),
which builds SQLCipher from source with node-gyp (about 2 minutes; python3, a C++ compiler and the
Node headers are needed). Nothing of it reaches the product's dependencies, \`npm ci\` or CI: see
docs/DEPENDENCIES.md. Only full runs (with 100k) replace this page; \`--docs\` forces it, \`--no-docs\`
prevents it.

## What is measured

- **The data**: real SRD 5.1 content (5e-bits monsters as NPCs with stat blocks, spells, equipment
  and magic items; Foundry VTT starter heroes as characters with varied names and levels, Foundry
  SRD 5.2 NPCs; sessions with notes, events and participants; nested locations), from a
  deterministic seeded generator, spread over N/1000 + 1 campaigns. Each body passes the vault's
  JSON Schemas (the converters are the schema tests' own).
- **Ours**: the real \`DataManager\` on Node (\`nodeDataManager\`), in a temporary folder, with a
  password and the default Argon2id parameters. Every create and update is one call, awaited:
  validated, written to sql.js, hash-chained into the audit log, sealed into the journal and
  fsync'ed before it resolves. Reads and lists go through the same serialized queue as writes.
- **Reference**: native SQLite with SQLCipher v4 encryption (better-sqlite3-multiple-ciphers), WAL,
  synchronous=FULL, with the same tables (id, campaign_id, name, the kind's indexed columns, JSON
  body, version, timestamps) and the same unique and campaign indexes. Its page cache is sized to
  hold the whole database and filled by a full scan before timing, because sql.js keeps every page
  in memory too (with SQLite's default 2 MiB cache, SQLCipher decrypts a page on every miss and at
  100k a list became about 7× slower: that would compare cache sizes, not engines). An update is
  what an application would do: read the row, merge the change into the JSON body, write it back
  in its own durable transaction. It keeps no audit log and validates nothing, so it does less
  work per write than we do.
- **Ratios** are ours / reference: above 1× we are slower. p50/p99 are nearest-rank percentiles of
  single calls; ours and the reference alternate call by call, so a noisy disk hurts both alike.
  The mean and the max show what percentiles hide: a write that waits behind a checkpoint (the
  vault starts one by itself every 8 MiB of journal; "auto checkpoints" counts them).
- **Unlock** is the median of full unlocks (Argon2id, reading and decrypting the snapshot,
  opening it in sql.js, replaying the journal, taking the writer lock); "Argon2id alone" times
  \`deriveKek\` with the vault's own parameters, so "unlock − KDF" is what the vault adds. The
  reference's "open+key" is opening the file, keying it and the first query (PBKDF2-SHA512,
  256 000 iterations); native SQLite reads pages lazily, so it does not grow with the database.
- **Checkpoint**: ours exports the whole database from sql.js, seals it and writes it atomically
  (fsync, rename, directory fsync); the reference runs \`PRAGMA wal_checkpoint(TRUNCATE)\`.
- **Load**: ours is one durable create per record (the API has no bulk import), with background
  checkpoints every 8 MiB of journal as in the product; the reference loads in 1000-row
  transactions and is not compared.
- **Memory** is of the one benchmark process; the reference's share is its growth while loading
  and filling its page cache. "External" is memory outside the JS heap: Buffers, ArrayBuffers and
  sql.js's WebAssembly memory, which holds the whole database.
- **Ciphers**: ≥ 200 MB in 1 MiB messages per suite (noble: pure JavaScript; webcrypto:
  \`crypto.subtle\`; node: the vault's Node suite, what the extension host uses), against Node's
  OpenSSL called directly. Sealing 100 MB uses the vault's sealed-object format (1 MiB chunks),
  against one OpenSSL AES-GCM stream over the same bytes.
- **Where the time goes**: the 100 MB vault's unlock and checkpoint redone step by step with the
  vault's own functions (\`unlockKeys\`, \`unseal\`, sql.js, \`seal\`, \`writeAtomic\`), and what
  touching that much fresh memory costs on the machine (on small virtual machines that alone can
  cost more than the cipher).
- **The floors** come from the performance issue. The machine is shared with other work; the load
  average in the header says how busy it was. Disk latency dominates every durable write, so
  compare ratios more than absolute numbers.

## Latest full run

${['```text', ...header(r), '```'].join('\n')}

### Floors

${floorTable(r)}

### Operations

${opsTable(r)}

### Size, unlock, checkpoint, load

${lifecycleTable(r)}

${bigVaultLine(r)}

${stepsTable(r)}

### Memory

${memoryTable(r)}

### Ciphers

${cipherTable(r)}

${sealTable(r)}
`;
}
