/** The SQL of the rulebook_pages table (migration 4), run inside the session's queue. */
import type { Engine, Row } from '../db/engine';
import type { PageHeading, StoredPage } from './pages';

export const PAGES_TABLE = 'rulebook_pages';

/** Whether the vault has the rulebook_pages table (migration 4; gone again after rolling it back). */
export function hasPagesTable(engine: Engine): boolean {
  return engine.get(`SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = '${PAGES_TABLE}'`) !== undefined;
}

export function insertPages(engine: Engine, rulebookId: string, pages: readonly StoredPage[]): void {
  for (const p of pages) {
    engine.run(`INSERT INTO ${PAGES_TABLE} (rulebook_id, page, chapter, headings, text) VALUES (?, ?, ?, ?, ?)`, [rulebookId, p.page, p.chapter, JSON.stringify(p.headings), p.text]);
  }
}

export function deletePages(engine: Engine, rulebookId: string): void {
  engine.run(`DELETE FROM ${PAGES_TABLE} WHERE rulebook_id = ?`, [rulebookId]);
}

function toPage(r: Row): StoredPage {
  let headings: PageHeading[] = [];
  try {
    const parsed = JSON.parse(String(r.headings)) as unknown;
    if (Array.isArray(parsed)) headings = parsed.filter((h): h is PageHeading => typeof h === 'object' && h !== null && typeof (h as PageHeading).title === 'string' && typeof (h as PageHeading).at === 'number');
  } catch {
    // json_valid holds in the table; a damaged value counts as no headings.
  }
  return { page: Number(r.page), text: String(r.text), headings, chapter: r.chapter === null || r.chapter === undefined ? null : String(r.chapter) };
}

export function readPage(engine: Engine, rulebookId: string, page: number): StoredPage | undefined {
  const r = engine.get(`SELECT page, chapter, headings, text FROM ${PAGES_TABLE} WHERE rulebook_id = ? AND page = ?`, [rulebookId, page]);
  return r ? toPage(r) : undefined;
}

/** The pages of a book from `from` on, at most `limit` of them, in order. */
export function readPages(engine: Engine, rulebookId: string, from = 1, limit = 100_000): StoredPage[] {
  return engine.all(`SELECT page, chapter, headings, text FROM ${PAGES_TABLE} WHERE rulebook_id = ? AND page >= ? ORDER BY page LIMIT ?`, [rulebookId, from, limit]).map(toPage);
}

/** Per rulebook id: how many pages are stored, and the highest page number. */
export function pageCounts(engine: Engine): Map<string, { count: number; max: number }> {
  const out = new Map<string, { count: number; max: number }>();
  for (const r of engine.all(`SELECT rulebook_id AS id, count(*) AS n, max(page) AS m FROM ${PAGES_TABLE} GROUP BY rulebook_id`)) out.set(String(r.id), { count: Number(r.n), max: Number(r.m) });
  return out;
}
