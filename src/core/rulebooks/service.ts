import { KINDS } from '../db/kinds';
import { findRow, rowToEntity, selectRow, type Entity } from '../db/repository';
import { checkBody, checkCampaign, current, insertRecorded, newId, successor, writeVersion } from '../entries/rules';
import { VaultError } from '../errors';
import type { FileService } from '../files/service';
import { sniff } from '../files/sniff';
import { quoteName } from '../paths';
import type { VaultSession } from '../session/session';
import type { Cancellation, Progress, Session } from '../session/types';
import { findMatches, foldQuery, type FindMode, type PageMatches } from './find';
import { chaptersByPage, labelOf, outlineTitlesByPage, pageFromLines, pageOfLabel, type LabelSource, type StoredPage } from './pages';
import { DEFAULT_PDF_LIMITS, type PdfInfo, type PdfLimits, type PdfTextExtractor } from './port';
import { deletePages, hasPagesTable, insertPages, readPage, readPages } from './store';

export interface AddRulebookInput {
  /** The book's name (default: the PDF's own title, else the file's name, else "Rulebook"). */
  readonly name?: string;
  /** The file's name, for the default name and the PDF asset's name. */
  readonly fileName?: string;
  readonly campaign_id?: string | null;
  /** PDF pages before printed page 1 (used for labels when the PDF has none of its own). */
  readonly page_offset?: number;
  /** The PDF's password, when it has one. */
  readonly password?: string;
  readonly limits?: Partial<PdfLimits>;
}

export interface AddRulebookResult {
  readonly rulebook: Entity;
  /** The PDF asset the book uses (an existing one with the same file, or a new one). */
  readonly asset: Entity;
  readonly assetCreated: boolean;
  readonly pages: number;
  /** Pages that had text (0: a scanned book, kept but with no text to search). */
  readonly textPages: number;
}

/** One page of a book, with its printed label. */
export interface RulebookPage extends StoredPage {
  readonly label: string | null;
}

/** Where a page is asked for: its 1-based index, or its printed label. */
export type PageRef = { readonly page: number } | { readonly label: string };

interface Extracted {
  readonly info: PdfInfo;
  readonly pages: StoredPage[];
  readonly textPages: number;
}

const spec = KINDS.rulebook;

/**
 * Rulebooks (docs/RULEBOOKS.md): a PDF added as an entry of kind `rulebook` whose file lives in the
 * vault's file store (through a PDF asset, stored once however often it is added) and whose pages'
 * text lives in the vault's database (table rulebook_pages), so it is encrypted, journaled, backed
 * up and checked like everything else. The PDF is read through the {@link PdfTextExtractor} port.
 */
export class RulebookService {
  constructor(
    private readonly session: VaultSession,
    private readonly files: FileService,
  ) {}

  private extractor(): PdfTextExtractor {
    const x = this.session.opts.pdfText;
    if (!x) throw new VaultError('unsupported', 'no PDF text extractor', { hint: 'Reading PDFs is not available here.' });
    return x;
  }

  /**
   * Adds a PDF as a rulebook: reads its details and every page's text (outside the vault's queue:
   * other work goes on meanwhile), then stores the file, the asset (unless one with the same file
   * exists in the same place), the rulebook and its pages in one journaled write. All or nothing:
   * when anything fails — a bad PDF, a name taken, cancel, a full disk — nothing is left behind
   * (a file stored for it alone is deleted again).
   */
  async add(data: Uint8Array, input: AddRulebookInput = {}, progress?: Progress, token?: Cancellation): Promise<AddRulebookResult> {
    if (!(data instanceof Uint8Array)) throw new VaultError('invalid', 'rulebook data', { hint: 'A rulebook must be given as the bytes of a PDF.' });
    if (sniff(data).asset_type !== 'pdf') throw new VaultError('invalid', 'not a PDF', { hint: `${input.fileName ? quoteName(input.fileName) : 'The file'} is not a PDF (it does not start with %PDF-).` });
    if (input.page_offset !== undefined && (!Number.isInteger(input.page_offset) || Math.abs(input.page_offset) > 100_000)) {
      throw new VaultError('invalid', 'page offset', { hint: 'The page offset must be a whole number.' });
    }
    // Refuse early what would be refused at the end (the extraction takes seconds).
    await this.session.read((s) => this.prepare(s, input, undefined));
    const extracted = await this.extract(data, input, progress, token);
    progress?.report('Saving', 1);
    return this.session.exclusive(async () => {
      if (token?.isCancellationRequested) throw cancelled();
      const s = this.session.requireWritable();
      const blobs = this.files.blobs(s);
      const hash = await blobs.hash(data);
      const plan = this.prepare(s, input, extracted.info, hash, data.length);
      await this.session.settle(s);
      const put = await blobs.put(data);
      try {
        if (put.hash !== hash) throw new VaultError('io', 'the file changed while it was being added', { hint: 'The file changed while it was being added; try again.' });
        const result = await this.session.transaction(s, (at) => {
          const asset = plan.asset ?? insertRecorded(s.engine, s.audit, KINDS.asset, newId(this.session.opts.random, this.session.opts.clock), plan.campaignId, plan.assetBody, at);
          const body = { ...plan.body, asset_id: asset.id, text_pages: extracted.textPages };
          checkBody(spec, body);
          const rulebook = insertRecorded(s.engine, s.audit, spec, newId(this.session.opts.random, this.session.opts.clock), plan.campaignId, body, at);
          insertPages(s.engine, rulebook.id, extracted.pages);
          return { rulebook, asset, assetCreated: plan.asset === undefined, pages: extracted.info.pageCount, textPages: extracted.textPages };
        });
        if (result.assetCreated) this.session.emit({ kind: 'asset', id: result.asset.id, campaign_id: plan.campaignId, action: 'create' });
        this.session.emit({ kind: 'rulebook', id: result.rulebook.id, campaign_id: plan.campaignId, action: 'create' });
        this.session.maybeCheckpoint(s);
        return result;
      } catch (e) {
        // The file was stored for this book alone: take it away again (all or nothing).
        if (!put.existed) await blobs.delete(put.hash).catch((err: unknown) => this.session.opts.logger.warn(`could not remove the file of a failed rulebook add: ${String(err)}`));
        throw e;
      }
    });
  }

  /**
   * Everything the add checks before writing: the schema, the campaign, the name; the asset to
   * reuse (a live PDF asset with the same file in the same place) or the one to create.
   */
  private prepare(s: Session, input: AddRulebookInput, info: PdfInfo | undefined, hash?: string, size?: number) {
    if (!hasPagesTable(s.engine)) throw new VaultError('unsupported', 'rulebook_pages missing', { hint: 'This vault’s database is older than rulebooks; run its migrations first.' });
    const name = bookName(input, info);
    const body: Record<string, unknown> = { name, page_count: info?.pageCount ?? 0 };
    if (info?.title) body.pdf_title = info.title.slice(0, 1000);
    if (info?.author) body.author = info.author.slice(0, 1000);
    if (input.page_offset !== undefined) body.page_offset = input.page_offset;
    if (info?.labels) body.page_labels = info.labels.map((l) => l.slice(0, 100));
    if (info && info.outline.length > 0) body.outline = info.outline.map((o) => ({ title: o.title.slice(0, 1000), level: Math.min(o.level, 100), ...(o.page !== undefined ? { page: o.page } : {}) }));
    checkBody(spec, body);
    const campaignId = checkCampaign(s.engine, spec, input.campaign_id);
    const taken = s.engine.get(`SELECT name FROM ${spec.table} WHERE name = ? COLLATE NOCASE AND deleted_at IS NULL AND campaign_id IS ?`, [name, campaignId]);
    if (taken) throw new VaultError('exists', 'rulebook name taken', { hint: `There already is a rulebook named ${quoteName(String(taken.name))} here; give another name.` });
    let asset: Entity | undefined;
    const assetBody: Record<string, unknown> = {};
    if (hash !== undefined) {
      const row = s.engine.get(`SELECT * FROM ${KINDS.asset.table} WHERE hash = ? AND deleted_at IS NULL AND campaign_id IS ? ORDER BY created_at LIMIT 1`, [hash, campaignId]);
      if (row) asset = rowToEntity(KINDS.asset, row);
      else {
        Object.assign(assetBody, { name: freeAssetName(s, pdfFileName(input, name), campaignId), asset_type: 'pdf', mime: 'application/pdf', size, hash });
        checkBody(KINDS.asset, assetBody);
      }
    }
    return { name, body, campaignId, asset, assetBody };
  }

  /** Reads the PDF page by page through the port: details, then each page's text and headings. */
  private async extract(data: Uint8Array, input: AddRulebookInput, progress?: Progress, token?: Cancellation): Promise<Extracted> {
    const limits = { ...DEFAULT_PDF_LIMITS, ...input.limits };
    progress?.report('Opening the PDF', 0);
    const doc = await this.extractor().open(data, { ...(input.password !== undefined ? { password: input.password } : {}), limits });
    try {
      const { info } = doc;
      const chapters = chaptersByPage(info.outline, info.pageCount);
      const titles = outlineTitlesByPage(info.outline);
      const pages: StoredPage[] = [];
      let textPages = 0;
      for await (const p of doc.pages(token)) {
        if (token?.isCancellationRequested) throw cancelled();
        const page = pageFromLines(p.page, p.lines, chapters[p.page - 1] ?? null, limits.maxCharsPerPage, titles.get(p.page));
        if (page.text.length > 0) textPages++;
        pages.push(page);
        progress?.report(`Reading page ${p.page} of ${info.pageCount}`, p.page / Math.max(1, info.pageCount));
      }
      if (pages.length !== info.pageCount) throw new VaultError('corrupt', `read ${pages.length} of ${info.pageCount} pages`, { hint: `Only ${pages.length} of the PDF's ${info.pageCount} pages could be read.` });
      return { info, pages, textPages };
    } finally {
      await doc.close();
    }
  }

  /** A book by id or name (optionally within a campaign; null: the shared library). */
  get(idOrName: string, campaignId?: string | null): Promise<Entity> {
    return this.session.read((s) => findBook(s, idOrName, campaignId));
  }

  /** One page of a book, by 1-based index or printed label, with its text, headings and chapter. */
  page(idOrName: string, ref: PageRef, campaignId?: string | null): Promise<RulebookPage> {
    return this.session.read((s) => {
      const book = findBook(s, idOrName, campaignId);
      const count = Number(book.page_count ?? 0);
      let n: number | undefined;
      if ('page' in ref) n = ref.page;
      else {
        n = pageOfLabel(labelSource(book), count, ref.label);
        if (n === undefined) throw new VaultError('not-found', 'no such label', { hint: `${quoteName(book.name)} has no page labelled ${quoteName(ref.label)}.`, remedy: null });
      }
      if (!Number.isInteger(n) || n < 1 || n > count) throw new VaultError('invalid', 'page out of range', { hint: `${quoteName(book.name)} has pages 1 to ${count}; there is no page ${n}.` });
      const stored = hasPagesTable(s.engine) ? readPage(s.engine, book.id, n) : undefined;
      if (!stored) throw new VaultError('not-found', 'page text missing', { hint: `The text of page ${n} of ${quoteName(book.name)} is missing; re-extract the book's text.`, remedy: null });
      return { ...stored, label: labelOf(labelSource(book), n) };
    });
  }

  /**
   * The pages of every live book, a batch at a time (for the search index): `each` gets the book
   * and up to `batch` pages, in order. Reads run through the queue between batches, so other work
   * is not held up by a long library.
   */
  async forEachPage(each: (book: Entity, pages: readonly RulebookPage[]) => void, batch = 200): Promise<void> {
    const books = await this.session.read((s) => (hasPagesTable(s.engine) ? s.engine.all(`SELECT * FROM ${spec.table} WHERE deleted_at IS NULL ORDER BY name`).map((r) => rowToEntity(spec, r)) : []));
    for (const book of books) {
      for (let from = 1; ; ) {
        const pages = await this.session.read((s) => readPages(s.engine, book.id, from, batch));
        if (pages.length === 0) break;
        const labels = labelSource(book);
        each(book, pages.map((p) => ({ ...p, label: labelOf(labels, p.page) })));
        from = pages[pages.length - 1]!.page + 1;
        if (pages.length < batch) break;
      }
    }
  }

  /**
   * Find in the book (the viewer's find box): the pages of a book where `query` occurs and how
   * often, in page order, from the page text the vault stores — one pass, a batch of pages at a
   * time through the queue, without the PDF. A book with no text finds nothing.
   */
  async findInBook(idOrName: string, query: string, mode: FindMode = 'phrase', opts: { readonly campaign_id?: string | null } = {}): Promise<PageMatches[]> {
    if (typeof query !== 'string') throw new VaultError('invalid', 'find query', { hint: 'What to find must be text.' });
    const book = await this.get(idOrName, opts.campaign_id);
    const out: PageMatches[] = [];
    if (!foldQuery(query)) return out;
    for (let from = 1; ; ) {
      const pages = await this.session.read((s) => (hasPagesTable(s.engine) ? readPages(s.engine, book.id, from, 200) : []));
      for (const p of pages) {
        const count = findMatches(p.text, query, mode).length;
        if (count > 0) out.push({ page: p.page, count });
      }
      if (pages.length < 200) break;
      from = pages[pages.length - 1]!.page + 1;
    }
    return out;
  }

  /**
   * Reads a book's PDF again and replaces its stored pages (after the integrity check reported
   * them missing or incomplete): one journaled write; the entry gets a new version only when what
   * the PDF says about itself changed.
   */
  async reextract(idOrName: string, opts: { readonly campaign_id?: string | null; readonly password?: string; readonly limits?: Partial<PdfLimits> } = {}, progress?: Progress, token?: Cancellation): Promise<{ rulebook: Entity; pages: number; textPages: number }> {
    const book = await this.get(idOrName, opts.campaign_id);
    const assetId = typeof book.asset_id === 'string' ? book.asset_id : undefined;
    const asset = assetId ? await this.session.read((s) => selectRow(s.engine, KINDS.asset, assetId)) : undefined;
    if (!asset || typeof asset.hash !== 'string') throw new VaultError('not-found', 'rulebook without its PDF', { hint: `The PDF of ${quoteName(book.name)} is gone; add the book again.`, remedy: null });
    const data = await this.files.readFile(asset.hash);
    const extracted = await this.extract(data, { ...(opts.password !== undefined ? { password: opts.password } : {}), ...(opts.limits ? { limits: opts.limits } : {}) }, progress, token);
    const rulebook = await this.session.write(
      (s, at) => {
        if (token?.isCancellationRequested) throw cancelled();
        const { row, before } = current(s.engine, spec, book.id);
        deletePages(s.engine, book.id);
        insertPages(s.engine, book.id, extracted.pages);
        const body = JSON.parse(String(row.body)) as Record<string, unknown>;
        const next: Record<string, unknown> = { ...body, page_count: extracted.info.pageCount, text_pages: extracted.textPages };
        if (JSON.stringify(next) === JSON.stringify(body)) return before;
        checkBody(spec, next);
        return writeVersion(s.engine, s.audit, spec, before, successor(before, at, next), at, 'update', { text: 're-extracted' });
      },
      (e) => ({ kind: 'rulebook', id: e.id, campaign_id: e.campaign_id ?? null, action: 'update' }),
    );
    return { rulebook, pages: extracted.info.pageCount, textPages: extracted.textPages };
  }
}

/** The fields of a rulebook entry its printed labels come from. */
export function labelSource(book: Entity): LabelSource {
  const b = book as Entity & Record<string, unknown>;
  return {
    page_labels: Array.isArray(b.page_labels) ? b.page_labels.map(String) : null,
    page_offset: typeof b.page_offset === 'number' ? b.page_offset : null,
  };
}

function cancelled(): VaultError {
  return new VaultError('cancelled', 'rulebook add cancelled', { hint: 'Adding the rulebook was cancelled; nothing was saved.' });
}

function findBook(s: Session, idOrName: string, campaignId?: string | null): Entity {
  const row = findRow(s.engine, spec, idOrName.normalize('NFC'), campaignId);
  if (!row || row.deleted_at) throw new VaultError('not-found', `rulebook ${idOrName}`, { hint: `There is no rulebook ${quoteName(idOrName)}.`, remedy: null });
  return rowToEntity(spec, row);
}

/** The book's name: given, else the PDF's title, else the file's name without .pdf, else "Rulebook" (one line, at most 200 characters). */
function bookName(input: AddRulebookInput, info: PdfInfo | undefined): string {
  const candidates = [input.name, info?.title, input.fileName?.replace(/\.pdf$/i, '')];
  for (const c of candidates) {
    const n = c?.normalize('NFC').replace(/[\p{Cc}\u202A-\u202E\u2066-\u2069]+/gu, ' ').trim();
    if (n) return input.name !== undefined && c === input.name ? input.name.normalize('NFC') : n.slice(0, 200);
  }
  return 'Rulebook';
}

function pdfFileName(input: AddRulebookInput, name: string): string {
  const base = input.fileName?.trim() || `${name}.pdf`;
  return base.slice(0, 200);
}

/** The asset's name: `wanted`, or "wanted (2)" … when an asset of that name is already there. */
function freeAssetName(s: Session, wanted: string, campaignId: string | null): string {
  for (let i = 1; i < 1000; i++) {
    const suffix = i === 1 ? '' : ` (${i})`;
    const name = `${wanted.slice(0, 200 - suffix.length)}${suffix}`;
    if (!s.engine.get(`SELECT 1 AS x FROM ${KINDS.asset.table} WHERE name = ? COLLATE NOCASE AND deleted_at IS NULL AND campaign_id IS ?`, [name, campaignId])) return name;
  }
  throw new VaultError('exists', 'asset names taken', { hint: `Too many assets are named ${quoteName(wanted)}.` });
}
