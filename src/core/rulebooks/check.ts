/**
 * The integrity check's part for rulebooks (docs/INTEGRITY.md): a book whose stored page text is
 * missing or incomplete. Not fixed by Repair — that works on a copy of the database, synchronously,
 * and re-extracting needs the book's PDF read in a worker — but by re-extracting the book
 * (RulebookService.reextract; the CLI's `rulebook reindex`).
 */
import type { Engine } from '../db/engine';
import { KINDS } from '../db/kinds';
import { quoteName } from '../paths';
import { hasPagesTable, pageCounts } from './store';

export interface RulebookFinding {
  readonly code: 'rulebook.text-missing' | 'rulebook.text-incomplete';
  readonly severity: 'warning';
  readonly message: string;
  readonly where: string;
  readonly entity: { readonly kind: 'rulebook'; readonly id: string; readonly name: string };
}

export function checkRulebooks(engine: Engine): RulebookFinding[] {
  if (!hasPagesTable(engine)) return [];
  const counts = pageCounts(engine);
  const out: RulebookFinding[] = [];
  for (const r of engine.all(`SELECT id, name, page_count FROM ${KINDS.rulebook.table} WHERE deleted_at IS NULL AND asset_id IS NOT NULL ORDER BY name`)) {
    const id = String(r.id);
    const name = String(r.name);
    const pages = Number(r.page_count ?? 0);
    if (pages <= 0) continue;
    const stored = counts.get(id) ?? { count: 0, max: 0 };
    const entity = { kind: 'rulebook' as const, id, name };
    if (stored.count === 0) {
      out.push({ code: 'rulebook.text-missing', severity: 'warning', message: `The text of rulebook ${quoteName(name)} is missing, so its pages cannot be searched. Re-extract the book's text from its PDF.`, where: `rulebook_pages ${id}`, entity });
    } else if (stored.count !== pages || stored.max !== pages) {
      out.push({ code: 'rulebook.text-incomplete', severity: 'warning', message: `The text of rulebook ${quoteName(name)} is incomplete (${stored.count} of ${pages} pages), so some of its pages cannot be searched. Re-extract the book's text from its PDF.`, where: `rulebook_pages ${id}`, entity });
    }
  }
  return out;
}
