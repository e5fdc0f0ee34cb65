// Rulebooks (docs/RULEBOOKS.md): `rulebook add | text | reindex`, and `search` over entries and
// rulebook pages. `list`, `get` and `delete` of kind rulebook are the entry commands'.
import * as path from 'node:path';
import type { DataManager, Entity } from '../../core/api';
import { ENTITY_KINDS } from '../../core/db/kinds';
import { isVaultError } from '../../core/errors';
import { quoteName } from '../../core/paths';
import { PageIndex } from '../../core/rulebooks/search';
import { SearchIndex } from '../../core/search';
import { searchVault, type VaultHit } from '../../core/search/vaultSearch';
import { CliError, type Context } from '../context';
import { toJson } from '../format';
import { UsageError, parseCount } from '../values';
import { CAMPAIGN, campaignId, kindOf, readBytes, str, type Command } from './common';

const PAGE_BATCH = 1000;

/** A refused PDF password said in the CLI's words (where the password comes from). */
async function withPdfPassword<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    const reason = isVaultError(e) ? e.params?.reason : undefined;
    if (reason === 'password-needed') throw new CliError(3, 'The PDF is protected by a password: put it in $CAMPAIGN_VAULT_PDF_PASSWORD. Nothing was added.');
    if (reason === 'password-wrong') throw new CliError(3, 'The PDF’s password (from $CAMPAIGN_VAULT_PDF_PASSWORD) is wrong. Nothing was added.');
    throw e;
  }
}

/** The PDF's own password, from $CAMPAIGN_VAULT_PDF_PASSWORD (not an option: options show in process lists). */
function pdfPassword(ctx: Context): { password?: string } {
  const pw = ctx.env.CAMPAIGN_VAULT_PDF_PASSWORD;
  return pw ? { password: pw } : {};
}

function parseOffset(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^-?\d{1,6}$/.test(v)) throw new UsageError('--page-offset takes a whole number (PDF pages before printed page 1).');
  return Number(v);
}

async function scope(dm: DataManager, campaign: string | undefined): Promise<string | undefined> {
  return campaign === undefined ? undefined : campaignId(dm, campaign);
}

/** Every live entry and every rulebook page, indexed for one search. */
async function buildIndexes(dm: DataManager, withEntries: boolean, withPages: boolean): Promise<{ entries: SearchIndex; pages: PageIndex }> {
  const entries = new SearchIndex();
  const pages = new PageIndex();
  if (withEntries) {
    for (const kind of ENTITY_KINDS) {
      for (let offset = 0; ; offset += PAGE_BATCH) {
        const rows = await dm.list(kind, { limit: PAGE_BATCH, offset });
        for (const e of rows) entries.upsert(e);
        if (rows.length < PAGE_BATCH) break;
      }
    }
  }
  if (withPages) {
    await dm.rulebooks.forEachPage((book: Entity, batch) => pages.addPages({ id: book.id, name: book.name, campaign_id: book.campaign_id ?? null, outline: Array.isArray(book.outline) ? book.outline : [] }, batch));
  }
  return { entries, pages };
}

function hitLine(h: VaultHit): string {
  if (h.type === 'page') return `${h.rulebook} · p. ${h.label ?? h.page}${h.label !== null && h.label !== String(h.page) ? ` (page ${h.page})` : ''}${h.heading ? ` · ${h.heading}` : ''} — ${h.snippet}\n`;
  return `${h.type} ${quoteName(h.name)} — ${h.snippet}\n`;
}

export const RULEBOOK_COMMANDS = {
  rulebook: {
    args: 'add <file.pdf> [--name <name>] [--campaign <name|id>] [--page-offset n] | text <name|id> (--page n | --label <label>) | reindex <name|id>',
    summary: 'add a PDF rulebook (prints its id), print a page’s text, or read a book’s text again',
    help: [
      'add <file.pdf>        stores the PDF (encrypted, once) and every page’s text; prints the new id',
      '  --name <name>       the book’s name (default: the PDF’s title, else the file name)',
      '  ' + CAMPAIGN,
      '  --page-offset n     PDF pages before printed page 1 (for printed page numbers when the PDF has none)',
      'text <name|id>        prints one page’s plain text: --page n (1-based PDF page) or --label <printed label>',
      'reindex <name|id>     reads the book’s PDF again and replaces its stored text (after "check" reports it missing)',
      'A password-protected PDF is opened with the password in $CAMPAIGN_VAULT_PDF_PASSWORD.',
      'list, get and delete work on rulebooks like on any entry: campaign-vault list rulebooks.',
    ],
    options: { name: { type: 'string' }, campaign: { type: 'string' }, 'page-offset': { type: 'string' }, page: { type: 'string' }, label: { type: 'string' } },
    positionals: [2, 2],
    async run(ctx: Context, values, [sub, arg]) {
      if (sub === 'add') {
        const offset = parseOffset(str(values['page-offset']));
        if (values.page !== undefined || values.label !== undefined) throw new UsageError('--page and --label go with "rulebook text".');
        const data = await readBytes(arg!);
        const dm = await ctx.open('write');
        const cid = await scope(dm, str(values.campaign));
        const r = await withPdfPassword(() => dm.rulebooks.add(data, { fileName: path.basename(arg!), ...pdfPassword(ctx), ...(str(values.name) !== undefined ? { name: str(values.name)! } : {}), ...(cid !== undefined ? { campaign_id: cid } : {}), ...(offset !== undefined ? { page_offset: offset } : {}) }));
        if (ctx.json) ctx.out.write(toJson({ id: r.rulebook.id, name: r.rulebook.name, asset_id: r.asset.id, asset_created: r.assetCreated, pages: r.pages, text_pages: r.textPages }));
        else {
          ctx.out.write(`${r.rulebook.id}\n`);
          if (r.textPages === 0) ctx.note.write(`${quoteName(r.rulebook.name)} has no text to search (a scanned book without a text layer); it is kept.\n`);
        }
        return;
      }
      if (sub === 'text') {
        const pageArg = str(values.page);
        const label = str(values.label);
        if ((pageArg === undefined) === (label === undefined)) throw new UsageError('Give the page with --page n (1-based) or --label <printed label>, one of them.');
        const n = pageArg !== undefined ? parseCount(pageArg, '--page') : undefined;
        if (n !== undefined && n < 1) throw new UsageError('--page counts from 1.');
        const dm = await ctx.open('read');
        const cid = await scope(dm, str(values.campaign));
        const p = await dm.rulebooks.page(arg!, n !== undefined ? { page: n } : { label: label! }, cid);
        if (ctx.json) ctx.out.write(toJson({ page: p.page, label: p.label, chapter: p.chapter, headings: p.headings.map((h) => h.title), text: p.text }));
        else ctx.out.write(p.text ? `${p.text}\n` : '');
        if (!ctx.json && !p.text) ctx.note.write(`Page ${p.page} has no text (a scanned page, or an empty one).\n`);
        return;
      }
      if (sub === 'reindex') {
        const dm = await ctx.open('write');
        const cid = await scope(dm, str(values.campaign));
        const r = await withPdfPassword(() => dm.rulebooks.reextract(arg!, { ...pdfPassword(ctx), ...(cid !== undefined ? { campaign_id: cid } : {}) }));
        ctx.out.write(ctx.json ? toJson({ id: r.rulebook.id, pages: r.pages, text_pages: r.textPages }) : `Read ${r.pages} pages of ${quoteName(r.rulebook.name)} again (${r.textPages} with text).\n`);
        return;
      }
      throw new UsageError(`"${sub}" is not a rulebook command: add, text or reindex.`);
    },
  },

  search: {
    args: '<query> [--kind <kind> | --rulebooks] [--campaign <name|id>] [--limit n]',
    summary: 'search entries and rulebook pages (--json: hits with type, rulebook, page, label, heading, snippet, score)',
    help: [
      '--kind <kind>         only entries of this kind (no pages)',
      '--rulebooks           only rulebook pages',
      '--campaign <name|id>  only this campaign’s entries and books',
      '--limit n             at most n hits (default 20)',
      'A page hit reads "SRD · p. 117 · Grappling — …snippet…"; page is the 1-based PDF page, label the printed one.',
    ],
    options: { kind: { type: 'string' }, rulebooks: { type: 'boolean' }, campaign: { type: 'string' }, limit: { type: 'string' } },
    positionals: [1, 1],
    async run(ctx: Context, values, [query]) {
      if (values.kind !== undefined && values.rulebooks) throw new UsageError('Give --kind or --rulebooks, not both.');
      const kind = values.kind !== undefined ? kindOf(str(values.kind)) : undefined;
      const limit = parseCount(str(values.limit), '--limit') ?? 20;
      if (!query!.trim()) throw new UsageError('Give something to search for.');
      const dm = await ctx.open('read');
      const cid = await scope(dm, str(values.campaign));
      const { entries, pages } = await buildIndexes(dm, !values.rulebooks, kind === undefined);
      const hits = searchVault(entries, pages, query!, { limit, ...(kind ? { kinds: [kind] } : {}), ...(values.rulebooks ? { rulebooks: true } : {}), ...(cid !== undefined ? { campaign_id: cid } : {}) });
      if (ctx.json) ctx.out.write(toJson(hits.map((h) => ({ ...h, score: Math.round(h.score * 1000) / 1000 }))));
      else if (hits.length === 0) ctx.out.write(`Nothing matches ${quoteName(query!)}.\n`);
      else for (const h of hits) ctx.out.write(hitLine(h));
    },
  },
} satisfies Record<string, Command>;

