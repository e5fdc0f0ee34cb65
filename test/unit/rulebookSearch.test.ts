/**
 * Rulebook search on the three open rulebooks (test/fixtures/rulebooks): recall against
 * EXPECTED.md (every whole-word page found; more is allowed) and ranking of 20 rules whose page
 * was read from each book's own outline (RANKING.json). Also the stemmer and the page index alone.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_KDF } from '../../src/cli/context';
import type { DataManager } from '../../src/core/api';
import { PageIndex, stem } from '../../src/core/rulebooks/search';
import { SearchIndex } from '../../src/core/search';
import { searchVault } from '../../src/core/search/vaultSearch';
import { nodeDataManager } from '../../src/node/dataManager';
import { FIXTURES, fixture } from './rulebookHelpers';

const BOOKS = ['mdsrd5-markdown-srd5.pdf', 'minimal-opend6-srd.pdf', 'questworlds-srd.pdf'];

/** EXPECTED.md's whole-word page lists, per book and term ("same" repeats the substring list; "(none)" is none). */
function expected(): { book: string; term: string; pages: number[] }[] {
  const out: { book: string; term: string; pages: number[] }[] = [];
  let book = '';
  for (const line of readFileSync(join(FIXTURES, 'EXPECTED.md'), 'utf8').split('\n')) {
    const h = /^## (\S+\.pdf)/.exec(line);
    if (h) book = h[1]!;
    const row = /^\| ([a-z ]+) \| ([\d, ]+) \| (.+) \|$/.exec(line);
    if (!row || !book) continue;
    const whole = row[3]!.trim();
    const list = whole === 'same' ? row[2]! : whole === '(none)' ? '' : whole;
    out.push({ book, term: row[1]!.trim(), pages: list.split(',').map((s) => Number(s.trim())).filter((n) => n > 0) });
  }
  return out;
}

describe('rulebooks: the stemmer and the page index', () => {
  it('stems rule words so inflections meet', () => {
    for (const group of [
      ['grapple', 'grappled', 'grapples', 'grappling'],
      ['attack', 'attacks', 'attacking', 'attacked'],
      ['hide', 'hiding'],
      ['flaw', 'flaws'],
      ['complication', 'complications'],
    ]) assert.equal(new Set(group.map(stem)).size, 1, group.join(' '));
    assert.equal(stem('d20'), 'd20');
  });

  it('finds pages by heading first, carries page, label, heading and a snippet, and forgets a book', () => {
    const index = new PageIndex();
    const page = (n: number, text: string, headings: { title: string; at: number }[] = []) => ({ page: n, text, headings, chapter: null, label: String(n + 10) });
    index.addPages({ id: 'b1', name: 'Book', campaign_id: null }, [
      page(1, 'Many creatures grapple with doubt when they are grappled by fear.'),
      page(2, 'Grappling\nWhen you want to grab a creature, use the Attack action.', [{ title: 'Grappling', at: 0 }]),
      page(3, 'More about the grapple: escape with a contest.'),
    ]);
    const hits = index.search('grapple');
    assert.equal(hits[0]?.page, 2);
    assert.deepEqual({ ...hits[0], score: 0, snippet: '' }, { type: 'page', rulebook: 'Book', rulebook_id: 'b1', campaign_id: null, page: 2, label: '12', heading: 'Grappling', snippet: '', score: 0 });
    assert.match(hits[0]!.snippet, /Grappling/);
    assert.equal(hits.find((h) => h.page === 3)?.heading, 'Grappling', 'a section without a heading continues under the last one');
    index.removeBook('b1');
    assert.deepEqual(index.search('grapple'), []);
  });

  it('merges entries and pages in one search, or keeps to one side', () => {
    const entries = new SearchIndex();
    entries.upsert({ id: 'n1', kind: 'npc', name: 'Grappling Gus', campaign_id: 'c1', version: 1, created_at: '', updated_at: '', deleted_at: null } as never);
    const pages = new PageIndex();
    pages.addPages({ id: 'b1', name: 'Book', campaign_id: null }, [{ page: 1, text: 'Grappling\nrules', headings: [{ title: 'Grappling', at: 0 }], chapter: null, label: '1' }]);
    assert.deepEqual(searchVault(entries, pages, 'grappling').map((h) => h.type).sort(), ['npc', 'page']);
    assert.deepEqual(searchVault(entries, pages, 'grappling', { rulebooks: true }).map((h) => h.type), ['page']);
    assert.deepEqual(searchVault(entries, pages, 'grappling', { kinds: ['npc'] }).map((h) => h.type), ['npc']);
  });
});

describe('rulebooks: recall and ranking on three open rulebooks', function () {
  this.timeout(600_000);
  let tmp: string;
  let dm: DataManager;
  const ids = new Map<string, string>();
  const index = new PageIndex();

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'cv-rulebook-search-'));
    dm = nodeDataManager(join(tmp, 'vault'), { app: 'unit test', stateDir: join(tmp, 'state'), kdf: TEST_KDF });
    await dm.createVault('pw');
    for (const file of BOOKS) ids.set(file, (await dm.rulebooks.add(fixture(file), { name: file })).rulebook.id);
    await dm.rulebooks.forEachPage((book, pages) => index.addPages({ id: book.id, name: book.name, campaign_id: book.campaign_id ?? null, outline: book.outline as never }, pages));
  });
  after(async () => {
    await dm?.lock();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('indexes every page of the three books', () => {
    assert.equal(index.pageCount, 531 + 83 + 68);
  });

  it('finds every page EXPECTED.md lists for each whole-word term (a superset is allowed)', () => {
    const rows = expected();
    assert.equal(rows.length, 30, 'ten terms per book');
    const missed: string[] = [];
    for (const { book, term, pages } of rows) {
      const found = new Set(index.search(term, { rulebooks: [ids.get(book)!], limit: 10_000 }).map((h) => h.page));
      for (const p of pages) if (!found.has(p)) missed.push(`${book} "${term}" p.${p}`);
    }
    assert.deepEqual(missed, []);
  });

  it('puts the page that defines each of 20 rules (from the books’ outlines) in the top 3, most of them first', () => {
    const { rules } = JSON.parse(readFileSync(join(FIXTURES, 'RANKING.json'), 'utf8')) as { rules: { book: string; query: string; page: number; outline: string }[] };
    assert.equal(rules.length, 20);
    const ranks: string[] = [];
    let first = 0;
    for (const r of rules) {
      const hits = index.search(r.query, { rulebooks: [ids.get(r.book)!], limit: 3 }).map((h) => h.page);
      const rank = hits.indexOf(r.page) + 1;
      if (rank === 1) first++;
      if (rank === 0) ranks.push(`${r.query}: p.${r.page} not in the top 3 (${hits.join(', ')})`);
    }
    assert.deepEqual(ranks, []);
    assert.ok(first >= 16, `first for ${first} of 20`);
  });

  it('the outline of each book still points the named entry at the page RANKING.json gives', async () => {
    const { rules } = JSON.parse(readFileSync(join(FIXTURES, 'RANKING.json'), 'utf8')) as { rules: { book: string; page: number; outline: string }[] };
    for (const r of rules) {
      const book = await dm.rulebooks.get(ids.get(r.book)!);
      const outline = book.outline as { title: string; page?: number }[];
      assert.ok(outline.some((o) => o.title === r.outline && o.page === r.page), `${r.book}: "${r.outline}" → ${r.page}`);
    }
  });
});
