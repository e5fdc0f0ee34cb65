/** Small PDFs written by hand for the rulebook tests: page labels, an outline, headings by font size, over-limit pages. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root: the nearest folder above this file with our package.json. */
export function repoRoot(): string {
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'campaign-vault') return dir;
  }
  throw new Error(`no campaign-vault package.json above ${__dirname}`);
}

export const FIXTURES = join(repoRoot(), 'test/fixtures/rulebooks');
export const fixture = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, name)));

export interface PdfSpec {
  /** Each page: lines of text with their font size, top to bottom. */
  readonly pages: readonly (readonly { readonly text: string; readonly size: number }[])[];
  /** /PageLabels ranges: from page index (0-based), style (r: roman, D: decimal), prefix. */
  readonly labels?: readonly { readonly from: number; readonly style: 'r' | 'D'; readonly prefix?: string }[];
  /** Outline entries (top level only), each opening a 1-based page. */
  readonly outline?: readonly { readonly title: string; readonly page: number }[];
  readonly title?: string;
}

const esc = (s: string) => s.replace(/[\\()]/g, (c) => `\\${c}`);

/** Writes a valid PDF 1.4 with a Helvetica text layer. */
export function makePdf(spec: PdfSpec): Uint8Array {
  const objects: string[] = [];
  const add = (body: string) => objects.push(body) ;
  const n = spec.pages.length;
  // 1 catalog, 2 pages, 3 font, 4 info, 5 outlines, then per page: page, content; then outline items.
  const pageObj = (i: number) => 6 + i * 2;
  const outlineObj = (i: number) => 6 + n * 2 + i;
  const labels = spec.labels ? `/PageLabels << /Nums [${spec.labels.map((l) => `${l.from} << /S /${l.style}${l.prefix ? ` /P (${esc(l.prefix)})` : ''} >>`).join(' ')}] >>` : '';
  const outline = spec.outline?.length ? '/Outlines 5 0 R /PageMode /UseOutlines' : '';
  add(`<< /Type /Catalog /Pages 2 0 R ${labels} ${outline} >>`);
  add(`<< /Type /Pages /Count ${n} /Kids [${spec.pages.map((_, i) => `${pageObj(i)} 0 R`).join(' ')}] >>`);
  add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  add(`<< /Title (${esc(spec.title ?? '')}) /Producer (campaign-vault tests) >>`);
  const items = spec.outline ?? [];
  add(items.length ? `<< /Type /Outlines /First ${outlineObj(0)} 0 R /Last ${outlineObj(items.length - 1)} 0 R /Count ${items.length} >>` : '<< /Type /Outlines /Count 0 >>');
  spec.pages.forEach((lines, i) => {
    let y = 760;
    const ops = lines.map((l) => {
      y -= l.size * 1.4;
      return `BT /F1 ${l.size} Tf 50 ${y.toFixed(1)} Td (${esc(l.text)}) Tj ET`;
    });
    const stream = ops.join('\n');
    add(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${pageObj(i) + 1} 0 R >>`);
    add(`<< /Length ${Buffer.byteLength(stream, 'latin1')} >>\nstream\n${stream}\nendstream`);
  });
  items.forEach((o, i) => {
    const links = `${i > 0 ? `/Prev ${outlineObj(i - 1)} 0 R ` : ''}${i < items.length - 1 ? `/Next ${outlineObj(i + 1)} 0 R ` : ''}`;
    add(`<< /Title (${esc(o.title)}) /Parent 5 0 R ${links}/Dest [${pageObj(o.page - 1)} 0 R /Fit] >>`);
  });
  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info 4 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(out, 'latin1'));
}

/** A small book: a cover and a contents page numbered i and ii, then chapters from page 1 on, with headings set large. */
export function smallBook(): Uint8Array {
  const body = (t: string) => ({ text: t, size: 10 });
  return makePdf({
    title: 'The Little Book of Rules',
    labels: [
      { from: 0, style: 'r' },
      { from: 2, style: 'D' },
    ],
    outline: [
      { title: 'Combat', page: 3 },
      { title: 'Magic', page: 5 },
    ],
    pages: [
      [{ text: 'The Little Book of Rules', size: 24 }],
      [{ text: 'Contents', size: 16 }, body('Combat 1'), body('Magic 3')],
      [{ text: 'Combat', size: 20 }, body('Roll initiative when a fight starts.'), { text: 'Grappling', size: 14 }, body('A grappled creature cannot move; escape with a contest.')],
      [body('Cover gives a bonus to armour class.'), body('Half cover and three-quarters cover differ.')],
      [{ text: 'Magic', size: 20 }, body('Spells use slots.'), { text: 'Fireball', size: 14 }, body('A bright streak flashes and blossoms into flame.')],
    ],
  });
}
