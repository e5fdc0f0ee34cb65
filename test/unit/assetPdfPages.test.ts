/** The page count of a PDF asset (src/core/assets/pdfPages.ts): through the rulebooks' reader, bounded and never believed blindly. */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_PDF_PAGES, pdfPageCount } from '../../src/core/assets/pdfPages';
import type { PdfDocument, PdfTextExtractor } from '../../src/core/rulebooks/port';
import { nodePdfTextExtractor } from '../../src/node/pdfText';

const RULEBOOKS = join(__dirname, '../../../test/fixtures/rulebooks');

/** A reader port that says what it is told (the real one runs pdf.js in a worker: below). */
function saying(pageCount: number | Error, opened: { closed: number } = { closed: 0 }, delayMs = 0): PdfTextExtractor {
  return {
    async open(): Promise<PdfDocument> {
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      if (pageCount instanceof Error) throw pageCount;
      return {
        info: { pageCount, outline: [] },
        pages: async function* () {},
        close: async () => {
          opened.closed++;
        },
      };
    },
  };
}

describe('core/assets: the page count of a PDF asset', function () {
  this.timeout(60_000);

  it('counts the pages of a real PDF through pdf.js in a worker', async () => {
    const reader = nodePdfTextExtractor();
    assert.ok(reader, 'the pdf-text worker is built');
    assert.equal(await pdfPageCount(reader, new Uint8Array(readFileSync(join(RULEBOOKS, 'minimal-opend6-srd.pdf')))), 83);
    assert.equal(await pdfPageCount(reader, new Uint8Array(readFileSync(join(RULEBOOKS, 'minimal-opend6-srd.pdf')).subarray(0, 3000))), undefined, 'cut short');
    assert.equal(await pdfPageCount(reader, new Uint8Array(readFileSync(join(RULEBOOKS, 'libreoffice-writer-password.pdf')))), undefined, 'protected by a password');
  });

  it('keeps a count only when the file has room for that many pages, and closes the reader', async () => {
    const opened = { closed: 0 };
    assert.equal(await pdfPageCount(saying(3, opened), new Uint8Array(1000)), 3);
    assert.equal(await pdfPageCount(saying(1000, opened), new Uint8Array(1000)), undefined, '1,000 pages in 1,000 bytes');
    assert.equal(await pdfPageCount(saying(MAX_PDF_PAGES + 1, opened), new Uint8Array(10_000_000)), undefined);
    assert.equal(await pdfPageCount(saying(0, opened), new Uint8Array(1000)), undefined);
    assert.equal(await pdfPageCount(saying(2.5, opened), new Uint8Array(1000)), undefined);
    await new Promise((r) => setImmediate(r));
    assert.equal(opened.closed, 5);
  });

  it('gives no count, never an error, when the reader fails, is missing or takes too long (and closes it later)', async () => {
    assert.equal(await pdfPageCount(saying(new Error('damaged')), new Uint8Array(1000)), undefined);
    assert.equal(await pdfPageCount(undefined, new Uint8Array(1000)), undefined);
    const opened = { closed: 0 };
    assert.equal(await pdfPageCount(saying(3, opened, 200), new Uint8Array(1000), 10), undefined);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(opened.closed, 1, 'closed once it opened');
  });
});
