/**
 * Rulebooks in `npm run bench` (and alone: `npm run bench:rulebooks`), issue 17's measurements:
 *
 * - **Indexing** the 531-page fixture into a vault: total time, ms per page, peak memory (this
 *   process's RSS, the worker thread included) and the longest stall of this thread's event loop
 *   while it runs; `pdftotext` on the same file as the reference when it is installed.
 * - **Search**: 1,000 queries (deterministic) over the three fixture books plus 10,000 generated
 *   entries, through the same `searchVault` the CLI and Quick Search use: p50, p95 and max per query
 *   (target p95 ≤ 5 ms). Reference, in the same process on the same texts: SQLite's FTS4 with the
 *   porter stemmer (sql.js), `MATCH` of the query's words with a limit — it ranks nothing, so it is
 *   a floor for the work, not the same answer.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import initSqlJs from 'sql.js';
import type { Entity } from '../src/core/api';
import { PageIndex } from '../src/core/rulebooks/search';
import { SearchIndex } from '../src/core/search';
import { searchVault } from '../src/core/search/vaultSearch';
import { nodeDataManager } from '../src/node/dataManager';
import { Prng, RecordGenerator, loadSources } from './data';

const TEST_KDF = { algorithm: 'argon2id', memoryKiB: 64, iterations: 1, parallelism: 1 } as const;
const BOOKS = ['mdsrd5-markdown-srd5.pdf', 'questworlds-srd.pdf', 'minimal-opend6-srd.pdf'];

export interface RulebookBench {
  readonly indexing: { readonly pages: number; readonly mib: number; readonly seconds: number; readonly msPerPage: number; readonly peakRssMiB: number; readonly longestStallMs: number; readonly reference: { readonly label: string; readonly seconds: number } | null };
  readonly search: {
    readonly queries: number;
    readonly pages: number;
    readonly entries: number;
    readonly p50Ms: number;
    readonly p95Ms: number;
    readonly maxMs: number;
    readonly entriesAlone: { readonly p50Ms: number; readonly p95Ms: number };
    readonly pagesAlone: { readonly p50Ms: number; readonly p95Ms: number };
    readonly reference: { readonly label: string; readonly p50Ms: number; readonly p95Ms: number };
  };
}

const quantile = (sorted: readonly number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/** Words a game master types: rule names, entry names (some misspelled), words of the books. */
function makeQueries(n: number, rng: Prng, ruleQueries: readonly string[], names: readonly string[], words: readonly string[]): string[] {
  const out: string[] = [];
  const typo = (s: string) => {
    if (s.length < 5) return s;
    const i = rng.int(1, s.length - 2);
    return s.slice(0, i) + s[i + 1] + s[i] + s.slice(i + 2);
  };
  while (out.length < n) {
    const r = rng.int(0, 9);
    if (r < 3) out.push(rng.pick(ruleQueries));
    else if (r < 5) out.push(rng.pick(names));
    else if (r < 6) out.push(typo(rng.pick(names)));
    else if (r < 9) out.push(rng.pick(words));
    else out.push(`${rng.pick(words)} ${rng.pick(words)}`);
  }
  return out;
}

export async function runRulebookBench(opts: { root: string; workDir: string; quick?: boolean; seed?: number; log: (line: string) => void }): Promise<RulebookBench> {
  const { log } = opts;
  const fixtures = join(opts.root, 'test/fixtures/rulebooks');
  const tmp = mkdtempSync(join(opts.workDir, 'rulebooks-'));
  const dm = nodeDataManager(join(tmp, 'vault'), { app: 'bench', stateDir: join(tmp, 'state'), kdf: TEST_KDF });
  await dm.createVault('pw');
  try {
    log('\n── rulebooks ──');
    // Indexing the big book, watched.
    const file = join(fixtures, BOOKS[0]!);
    const data = new Uint8Array(readFileSync(file));
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const t0 = performance.now();
    const added = await dm.rulebooks.add(data, { name: 'SRD' });
    const ms = performance.now() - t0;
    loop.disable();
    clearInterval(sampler);
    const t1 = performance.now();
    const ref = spawnSync('pdftotext', [file, '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const refSeconds = (performance.now() - t1) / 1000;
    const indexing = {
      pages: added.pages,
      mib: data.length / 1048576,
      seconds: ms / 1000,
      msPerPage: ms / added.pages,
      peakRssMiB: peak / 1048576,
      longestStallMs: loop.max / 1e6,
      reference: ref.error || ref.status !== 0 ? null : { label: 'pdftotext', seconds: refSeconds },
    };
    log(`  add a ${indexing.pages}-page book (${indexing.mib.toFixed(1)} MiB): ${indexing.seconds.toFixed(1)} s, ${indexing.msPerPage.toFixed(1)} ms/page; peak RSS ${indexing.peakRssMiB.toFixed(0)} MiB; longest event-loop stall ${indexing.longestStallMs.toFixed(0)} ms`);
    log(indexing.reference ? `  pdftotext (reference): ${refSeconds.toFixed(1)} s (ours ${(indexing.seconds / refSeconds).toFixed(1)}×)` : '  pdftotext: not installed (apt-get install poppler-utils), no reference');
    for (const name of BOOKS.slice(1)) await dm.rulebooks.add(new Uint8Array(readFileSync(join(fixtures, name))), { name });

    // The indexes the CLI and Quick Search build: pages of the three books, and generated entries.
    const entryCount = opts.quick ? 2_000 : 10_000;
    const entries = new SearchIndex();
    const names: string[] = [];
    for (const r of new RecordGenerator(loadSources(opts.root), (opts.seed ?? 1) + 17).stream(entryCount)) {
      const e = { ...r.body, id: r.id, kind: r.kind, campaign_id: r.campaign_id, version: 1, created_at: '2025-01-01T00:00:00Z', updated_at: '2025-01-01T00:00:00Z', deleted_at: null } as unknown as Entity;
      entries.upsert(e);
      names.push(String(r.body.name));
    }
    const pages = new PageIndex();
    const texts: string[] = [];
    await dm.rulebooks.forEachPage((book: Entity, batch) => {
      pages.addPages({ id: book.id, name: book.name, campaign_id: book.campaign_id ?? null, outline: Array.isArray(book.outline) ? book.outline : [] }, batch);
      for (const p of batch) texts.push(p.text);
    });
    const words = [...new Set(texts.join(' ').toLowerCase().match(/\b[a-z]{5,12}\b/g) ?? [])];
    const ranking = JSON.parse(readFileSync(join(fixtures, 'RANKING.json'), 'utf8')) as { rules: { query: string }[] };
    const rng = new Prng(opts.seed ?? 20_251_207);
    const queries = makeQueries(1000, rng, ranking.rules.map((r) => r.query), names, words);

    // Warm both, then time each query.
    for (const q of queries.slice(0, 20)) searchVault(entries, pages, q, { limit: 20 });
    const ours = queries.map((q) => {
      const s = performance.now();
      searchVault(entries, pages, q, { limit: 20 });
      return performance.now() - s;
    });
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    db.exec("CREATE VIRTUAL TABLE docs USING fts4(body, tokenize=porter)");
    db.exec('BEGIN');
    const ins = db.prepare('INSERT INTO docs (body) VALUES (?)');
    for (const t of texts) ins.run([t]);
    for (const n of names) ins.run([n]);
    ins.free();
    db.exec('COMMIT');
    const stmt = db.prepare('SELECT rowid FROM docs WHERE docs MATCH ? LIMIT 20');
    const fts = (q: string) => {
      const terms = q.toLowerCase().match(/[a-z0-9]+/g) ?? [];
      if (terms.length === 0) return;
      stmt.bind([terms.join(' ')]);
      while (stmt.step()) stmt.get();
      stmt.reset();
    };
    for (const q of queries.slice(0, 20)) fts(q);
    const theirs = queries.map((q) => {
      const s = performance.now();
      fts(q);
      return performance.now() - s;
    });
    stmt.free();
    db.close();
    // Where the time goes: each index alone.
    const alone = (f: (q: string) => unknown) =>
      queries
        .map((q) => {
          const s = performance.now();
          f(q);
          return performance.now() - s;
        })
        .sort((x, y) => x - y);
    const entriesAlone = alone((q) => entries.search(q, { limit: 20 }));
    const pagesAlone = alone((q) => pages.search(q, { limit: 20 }));
    const a = [...ours].sort((x, y) => x - y);
    const b = [...theirs].sort((x, y) => x - y);
    const search = {
      queries: queries.length,
      pages: texts.length,
      entries: entryCount,
      p50Ms: quantile(a, 0.5),
      p95Ms: quantile(a, 0.95),
      maxMs: a.at(-1)!,
      entriesAlone: { p50Ms: quantile(entriesAlone, 0.5), p95Ms: quantile(entriesAlone, 0.95) },
      pagesAlone: { p50Ms: quantile(pagesAlone, 0.5), p95Ms: quantile(pagesAlone, 0.95) },
      reference: { label: 'SQLite FTS4 (porter) MATCH in sql.js, no ranking', p50Ms: quantile(b, 0.5), p95Ms: quantile(b, 0.95) },
    };
    log(`  search, ${search.queries} queries over ${search.pages} pages + ${search.entries} entries: p50 ${search.p50Ms.toFixed(2)} ms, p95 ${search.p95Ms.toFixed(2)} ms (target ≤ 5), max ${search.maxMs.toFixed(1)} ms`);
    log(`  of which the entries' index alone: p50 ${search.entriesAlone.p50Ms.toFixed(2)} ms, p95 ${search.entriesAlone.p95Ms.toFixed(2)} ms; the pages' alone: p50 ${search.pagesAlone.p50Ms.toFixed(2)} ms, p95 ${search.pagesAlone.p95Ms.toFixed(2)} ms`);
    log(`  ${search.reference.label} (reference): p50 ${search.reference.p50Ms.toFixed(2)} ms, p95 ${search.reference.p95Ms.toFixed(2)} ms (ours ${(search.p95Ms / search.reference.p95Ms).toFixed(1)}× at p95)`);
    log(`  load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} (a loaded machine inflates the tail)`);
    return { indexing, search };
  } finally {
    await dm.lock();
    rmSync(tmp, { recursive: true, force: true });
  }
}

// `npm run bench:rulebooks`: this part alone.
if (require.main === module) {
  const rootArg = process.argv.indexOf('--root');
  const root = rootArg > 0 ? process.argv[rootArg + 1]! : process.cwd();
  runRulebookBench({ root, workDir: tmpdir(), quick: process.argv.includes('--quick'), log: (l) => console.log(l) }).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
