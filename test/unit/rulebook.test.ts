/**
 * Rulebooks on real PDFs: extraction in the worker thread (text, printed labels, outline, headings),
 * bad input (password, truncated, damaged, no text layer, over the limits), the all-or-nothing add,
 * the file stored once, the integrity finding and re-extraction. docs/RULEBOOKS.md.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_KDF } from '../../src/cli/context';
import type { DataManager } from '../../src/core/api';
import { isVaultError } from '../../src/core/errors';
import type { PdfLimits } from '../../src/core/rulebooks/port';
import { nodeDataManager } from '../../src/node/dataManager';
import { WorkerPdfTextExtractor, pdfTextWorkerScript } from '../../src/node/pdfText';
import { FIXTURES, fixture, makePdf, repoRoot, smallBook } from './rulebookHelpers';

/** Every file under `dir` (its lock file aside): equal listings mean no file was added or removed. */
function files(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[]).filter((f) => statSync(join(dir, f)).isFile() && !f.endsWith('.lock')).sort();
}

/** The files with their sizes: equal listings mean nothing was written. */
const sized = (dir: string) => files(dir).map((f) => `${f} ${statSync(join(dir, f)).size}`);

async function refusal(p: Promise<unknown>): Promise<{ reason: unknown; hint: string }> {
  try {
    await p;
  } catch (e) {
    assert.ok(isVaultError(e), `a VaultError, got ${String(e)}`);
    return { reason: e.params.reason, hint: e.hint ?? '' };
  }
  assert.fail('expected a refusal');
}

describe('rulebooks: PDF text in a worker thread (pdf.js 5.6)', function () {
  this.timeout(300_000);
  const script = pdfTextWorkerScript();
  const extractor = () => new WorkerPdfTextExtractor(script!);

  it('has its worker bundle (node esbuild.mjs builds dist/pdf-text-worker.js), and it holds no native module', () => {
    assert.ok(script, 'dist/pdf-text-worker.js');
    const dist = join(repoRoot(), 'dist');
    assert.deepEqual(readdirSync(dist).filter((f) => f.endsWith('.node')), []);
    const pkg = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    assert.equal(pkg.dependencies['pdfjs-dist'], '5.6.205', 'pinned exactly: 5.7 and later need Node 22.13');
  });

  it('reads the three open rulebooks page by page with the page counts and outline sizes SOURCES.md gives', async () => {
    // SOURCES.md (pdfinfo / pypdf): 531 pages and 1852 outline entries; 83 and 301; 68 and 155; no /PageLabels.
    for (const [file, pages, outline] of [
      ['minimal-opend6-srd.pdf', 83, 301],
      ['questworlds-srd.pdf', 68, 155],
    ] as const) {
      const doc = await extractor().open(fixture(file));
      try {
        assert.equal(doc.info.pageCount, pages, file);
        assert.equal(doc.info.outline.length, outline, file);
        assert.equal(doc.info.labels, undefined, `${file} has no page labels`);
        let seen = 0;
        for await (const p of doc.pages()) assert.equal(p.page, ++seen);
        assert.equal(seen, pages);
      } finally {
        await doc.close();
      }
    }
  });

  it('gives printed page labels, the outline with its pages, headings by font size and the title', async () => {
    const doc = await extractor().open(smallBook());
    try {
      assert.deepEqual(doc.info.labels, ['i', 'ii', '1', '2', '3']);
      assert.deepEqual(doc.info.outline, [
        { title: 'Combat', level: 0, page: 3 },
        { title: 'Magic', level: 0, page: 5 },
      ]);
      assert.equal(doc.info.title, 'The Little Book of Rules');
      const pages = [];
      for await (const p of doc.pages()) pages.push(p);
      assert.deepEqual(
        pages[2]!.lines.map((l) => [l.text, l.size]),
        [
          ['Combat', 20],
          ['Roll initiative when a fight starts.', 10],
          ['Grappling', 14],
          ['A grappled creature cannot move; escape with a contest.', 10],
        ],
      );
    } finally {
      await doc.close();
    }
  });

  it('refuses a password-protected PDF plainly, and opens it with its password', async () => {
    const locked = fixture('libreoffice-writer-password.pdf');
    const needed = await refusal(extractor().open(locked));
    assert.equal(needed.reason, 'password-needed');
    assert.match(needed.hint, /protected by a password/);
    assert.equal((await refusal(extractor().open(locked, { password: 'wrong' }))).reason, 'password-wrong');
    const doc = await extractor().open(locked, { password: 'openpassword' });
    assert.equal(doc.info.pageCount, 1);
    await doc.close();
  });

  it('refuses a truncated and a damaged PDF as damaged', async () => {
    const whole = fixture('questworlds-srd.pdf');
    for (const bytes of [whole.slice(0, 3000), new Uint8Array(Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\n%%EOF\n'))]) {
      const r = await refusal(
        (async () => {
          const doc = await extractor().open(bytes);
          try {
            for await (const p of doc.pages()) void p;
          } finally {
            await doc.close();
          }
        })(),
      );
      assert.equal(r.reason, 'damaged');
      assert.match(r.hint, /damaged|truncated|no pages/);
    }
  });

  it('stops a PDF over the limits (pages, text per page, bytes) with a clear sentence', async () => {
    const five = makePdf({ pages: Array.from({ length: 5 }, (_, i) => [{ text: `page ${i + 1}`, size: 10 }]) });
    const pages = await refusal(extractor().open(five, { limits: { maxPages: 3 } }));
    assert.equal(pages.reason, 'too-large');
    assert.match(pages.hint, /5 pages; a rulebook may have at most 3/);
    const crowded = makePdf({ pages: [Array.from({ length: 400 }, (_, i) => ({ text: `word${i}`, size: 1 }))] });
    const items = await refusal(
      (async () => {
        const doc = await extractor().open(crowded, { limits: { maxItemsPerPage: 100 } });
        try {
          for await (const p of doc.pages()) void p;
        } finally {
          await doc.close();
        }
      })(),
    );
    assert.equal(items.reason, 'too-large');
    assert.match(items.hint, /PDF bomb/);
    assert.equal((await refusal(extractor().open(five, { limits: { maxBytes: 100 } }))).reason, 'too-large');
  });

  it('ends the worker on cancel', async () => {
    const doc = await extractor().open(fixture('minimal-opend6-srd.pdf'));
    const token = { isCancellationRequested: false };
    let read = 0;
    await assert.rejects(
      (async () => {
        for await (const p of doc.pages(token)) {
          void p;
          if (++read === 2) token.isCancellationRequested = true;
        }
      })(),
      (e: unknown) => isVaultError(e, 'cancelled'),
    );
    assert.equal(read, 2);
    await doc.close();
  });

  it('leaves the caller’s bytes alone when they are a Node Buffer (VS Code’s workspace.fs.readFile gives one)', async () => {
    // Buffer#slice is a view, not a copy: handing its ArrayBuffer to the worker detached the caller's bytes.
    const data = readFileSync(join(FIXTURES, 'minimal-opend6-srd.pdf'));
    const doc = await extractor().open(data);
    await doc.close();
    assert.equal(data.length, 222034, 'the caller’s Buffer was detached');
    assert.equal(data.subarray(0, 5).toString('latin1'), '%PDF-');
  });
});

describe('rulebooks: the service (add, text, labels, file stored once, all or nothing, check)', function () {
  this.timeout(300_000);
  let tmp: string;
  let dir: string;
  let dm: DataManager;
  const limits: Partial<PdfLimits> = {};

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'cv-rulebook-'));
    dir = join(tmp, 'vault');
    dm = nodeDataManager(dir, { app: 'unit test', stateDir: join(tmp, 'state'), kdf: TEST_KDF });
    await dm.createVault('pw');
  });
  after(async () => {
    await dm.lock();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('adds a PDF as a rulebook with its details, and every page with text, label, headings and chapter', async () => {
    const r = await dm.rulebooks.add(smallBook(), { fileName: 'little.pdf' });
    assert.equal(r.rulebook.name, 'The Little Book of Rules');
    assert.equal(r.rulebook.page_count, 5);
    assert.deepEqual(r.rulebook.page_labels, ['i', 'ii', '1', '2', '3']);
    assert.equal(r.rulebook.asset_id, r.asset.id);
    assert.equal(r.asset.asset_type, 'pdf');
    assert.equal(r.textPages, 5);
    const p = await dm.rulebooks.page(r.rulebook.id, { label: '1' });
    assert.equal(p.page, 3);
    assert.equal(p.chapter, 'Combat');
    assert.deepEqual(p.headings.map((h) => h.title), ['Combat', 'Grappling']);
    assert.match(p.text, /^Combat\nRoll initiative/);
    assert.equal((await dm.rulebooks.page('The Little Book of Rules', { page: 4 })).chapter, 'Combat');
    assert.equal((await dm.rulebooks.page('The Little Book of Rules', { page: 5 })).label, '3');
    // list / get / delete of the rulebook kind work on it like on any entry.
    assert.deepEqual((await dm.list('rulebook')).map((b) => b.id), [r.rulebook.id]);
    assert.equal((await dm.get('rulebook', 'The Little Book of Rules'))?.id, r.rulebook.id);
  });

  it('works out printed labels from the page offset when the PDF has none', async () => {
    const r = await dm.rulebooks.add(fixture('minimal-opend6-srd.pdf'), { name: 'OpenD6', page_offset: 2 });
    assert.equal((await dm.rulebooks.page('OpenD6', { label: '1' })).page, 3);
    assert.equal((await dm.rulebooks.page('OpenD6', { page: 1 })).label, null);
    await assert.rejects(dm.rulebooks.page('OpenD6', { page: 84 }), (e: unknown) => isVaultError(e, 'invalid') && /pages 1 to 83/.test(e.hint ?? ''));
    await assert.rejects(dm.rulebooks.page('OpenD6', { label: 'xiv' }), (e: unknown) => isVaultError(e, 'not-found'));
    assert.equal(r.pages, 83);
  });

  it('finds a phrase in a whole book from its stored page text: pages in order, with how often (the viewer’s count)', async () => {
    const hits = await dm.rulebooks.findInBook('OpenD6', 'wild die');
    assert.ok(hits.length >= 3, JSON.stringify(hits));
    assert.deepEqual(hits.map((h) => h.page), [...hits.map((h) => h.page)].sort((x, y) => x - y));
    for (const h of hits) {
      const text = (await dm.rulebooks.page('OpenD6', { page: h.page })).text;
      assert.equal(h.count, text.toLowerCase().replace(/\s+/g, ' ').split('wild die').length - 1, `page ${h.page}`);
    }
    // "Tra-\nditional" at a line's end is found as "traditional"; words mode stems like search.
    assert.ok((await dm.rulebooks.findInBook('OpenD6', 'traditional opend6 combat')).some((h) => h.page === 12));
    assert.ok((await dm.rulebooks.findInBook('OpenD6', 'scaling', 'words')).some((h) => h.page === 10));
    assert.deepEqual(await dm.rulebooks.findInBook('OpenD6', '   '), []);
    assert.deepEqual(await dm.rulebooks.findInBook('OpenD6', 'no such words anywhere'), []);
    await assert.rejects(dm.rulebooks.findInBook('No Such Book', 'x'), (e: unknown) => isVaultError(e, 'not-found'));
  });

  it('stores the same PDF once: a second book of the same file reuses its asset and its file', async () => {
    const before = files(dir).filter((f) => f.includes('blobs'));
    const first = await dm.list('asset');
    const r = await dm.rulebooks.add(fixture('minimal-opend6-srd.pdf'), { name: 'OpenD6 again' });
    assert.equal(r.assetCreated, false);
    assert.deepEqual((await dm.list('asset')).map((a) => a.id), first.map((a) => a.id));
    assert.deepEqual(files(dir).filter((f) => f.includes('blobs')), before);
  });

  it('keeps a book with no text layer and says it has no text to search', async () => {
    const r = await dm.rulebooks.add(fixture('imagemagick-images.pdf'), { name: 'Scanned' });
    assert.equal(r.textPages, 0);
    assert.equal(r.rulebook.text_pages, 0);
    assert.equal((await dm.rulebooks.page('Scanned', { page: 2 })).text, '');
  });

  it('writes nothing when an add fails: a bad PDF, a name taken, or a failure after the file was stored', async () => {
    const snapshot = async () => ({ files: sized(dir), books: (await dm.list('rulebook')).length, assets: (await dm.list('asset')).length, audit: (await dm.auditLog({ limit: 1000 })).length });
    const before = await snapshot();
    await assert.rejects(dm.rulebooks.add(fixture('questworlds-srd.pdf').slice(0, 5000), { name: 'Broken' }), (e: unknown) => isVaultError(e, 'invalid'));
    await assert.rejects(dm.rulebooks.add(fixture('libreoffice-writer-password.pdf')), (e: unknown) => isVaultError(e) && e.params.reason === 'password-needed');
    await assert.rejects(dm.rulebooks.add(fixture('questworlds-srd.pdf'), { name: 'OpenD6' }), (e: unknown) => isVaultError(e, 'exists'));
    await assert.rejects(dm.rulebooks.add(new Uint8Array(Buffer.from('not a pdf')), { name: 'Text' }), (e: unknown) => isVaultError(e, 'invalid') && /not a PDF/.test(e.hint ?? ''));
    // A page longer than the table allows (1,000,000 characters) fails inside the journaled write,
    // after the new file was stored: the file goes again, and no asset, book or page is left.
    const line = 'x'.repeat(1500);
    const huge = makePdf({ pages: [Array.from({ length: 700 }, () => ({ text: line, size: 0.5 }))] });
    const stored = await dm.rulebooks.add(huge, { name: 'Huge', limits: { ...limits, maxCharsPerPage: 2_000_000 } }).then(
      () => 'added',
      (e: unknown) => e,
    );
    assert.ok(isVaultError(stored), `refused, got ${String(stored)}`);
    assert.deepEqual(await snapshot(), before);
  });

  it('reports a book whose text is missing or incomplete, and re-extracting it clears the finding', async () => {
    const book = await dm.rulebooks.get('OpenD6');
    // Simulate lost rows (a damaged or hand-edited database).
    const session = (dm as unknown as { services: { session: { mutate: (fn: (s: { engine: { run: (sql: string, p: unknown[]) => void } }) => void, ev: () => object) => Promise<void> } } }).services.session;
    await session.mutate((s) => s.engine.run('DELETE FROM rulebook_pages WHERE rulebook_id = ? AND page > 40', [book.id]), () => ({ action: 'repair' }));
    const report = await dm.checkIntegrity();
    const finding = report.findings.find((f) => f.code === 'rulebook.text-incomplete');
    assert.ok(finding, JSON.stringify(report.findings));
    assert.equal(finding.entity?.id, book.id);
    assert.match(finding.message, /40 of 83 pages/);
    assert.equal(finding.fixable, false);
    const r = await dm.rulebooks.reextract('OpenD6');
    assert.equal(r.pages, 83);
    assert.equal((await dm.checkIntegrity()).findings.filter((f) => f.code.startsWith('rulebook.')).length, 0);
    assert.match((await dm.rulebooks.page('OpenD6', { page: 50 })).text, /\S/);
  });

  it('keeps page text in the encrypted database only: no plaintext file in the vault folder', () => {
    const needle = Buffer.from('Roll initiative when a fight starts');
    for (const f of files(dir)) assert.equal(readFileSync(join(dir, f)).includes(needle), false, f);
    assert.ok(FIXTURES);
  });
});
