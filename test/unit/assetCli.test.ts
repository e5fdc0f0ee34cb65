/** `campaign-vault asset …` (the CLI's run in this process, on real folders, with an encrypted vault). */
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImageInfo } from '../../src/core/assets/metadata';
import { runCli, type CliResult } from '../support/cli';

const IMAGES = join(__dirname, '../../../test/fixtures/images');
const RULEBOOKS = join(__dirname, '../../../test/fixtures/rulebooks');

describe('campaign-vault asset', function () {
  this.timeout(120_000);
  let tmp: string;
  let dir: string;
  const PW = { CAMPAIGN_VAULT_PASSWORD: 'correct horse' };
  const cli = (args: string[]): Promise<CliResult> => runCli(dir, args, { ...PW, CAMPAIGN_VAULT_CACHE_DIR: join(tmp, 'cache') }, tmp);
  const ok = async (args: string[]): Promise<string> => {
    const r = await cli(args);
    assert.equal(r.code, 0, `campaign-vault ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };
  interface Listed {
    name: string;
    type: string;
    mime: string;
    size: number;
    width: number | null;
    height: number | null;
    tags: string[];
    hash: string;
    has_location?: boolean;
    duration?: number;
    page_count?: number;
  }
  const listed = async (...args: string[]) => JSON.parse(await ok(['asset', 'list', '--json', ...args])) as Listed[];

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'cv-asset-cli-'));
    dir = join(tmp, 'workspace');
    mkdirSync(dir);
    await ok(['init']);
    await ok(['create', 'campaign', '--name', 'Tomb of Annihilation']);
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('adds images with their pixel size, type and tags, and prints one id per file', async () => {
    const out = await ok(['asset', 'add', join(IMAGES, 'texture-iran-small.jpg'), join(IMAGES, 'backpack.svg'), '--campaign', 'Tomb of Annihilation', '--tag', 'jungle']);
    const ids = out.trim().split('\n');
    assert.equal(ids.length, 2);
    for (const id of ids) assert.match(id, /^[0-9a-f-]{36}$/);
    await ok(['asset', 'add', join(IMAGES, 'page-0-X0.png'), '--name', 'Handout: the letter', '--type', 'handout']);
    const all = await listed();
    assert.deepEqual(
      all.map(({ name, type, mime, width, height, tags }) => ({ name, type, mime, width, height, tags })),
      [
        { name: 'backpack.svg', type: 'image', mime: 'image/svg+xml', width: 347, height: 366, tags: ['jungle'] },
        { name: 'Handout: the letter', type: 'handout', mime: 'image/png', width: 324, height: 450, tags: [] },
        { name: 'texture-iran-small.jpg', type: 'image', mime: 'image/jpeg', width: 1460, height: 900, tags: ['jungle'] },
      ],
    );
    assert.equal(all.find((a) => a.name === 'texture-iran-small.jpg')!.size, readFileSync(join(IMAGES, 'texture-iran-small.jpg')).length);
    assert.deepEqual((await listed('--type', 'handout')).map((a) => a.name), ['Handout: the letter']);
    assert.deepEqual((await listed('--tag', 'jungle', '--campaign', 'Tomb of Annihilation')).map((a) => a.name), ['backpack.svg', 'texture-iran-small.jpg']);
    assert.match(await ok(['asset', 'list']), /texture-iran-small\.jpg · image · 1460 × 900 · 180 KiB · #jungle · [0-9a-f]{12}/);
  });

  it('writes an asset out byte for byte, and never over an existing file', async () => {
    const out = join(tmp, 'letter.png');
    await ok(['asset', 'get', 'Handout: the letter', '--out', out]);
    assert.deepEqual(readFileSync(out), readFileSync(join(IMAGES, 'page-0-X0.png')));
    writeFileSync(out, 'mine');
    const again = await cli(['asset', 'get', 'Handout: the letter', '--out', out]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /exists already; nothing was written/);
    assert.equal(readFileSync(out, 'utf8'), 'mine');
    const missing = await cli(['asset', 'get', 'No such map', '--out', join(tmp, 'x.png')]);
    assert.equal(missing.code, 4);
    assert.ok(!existsSync(join(tmp, 'x.png')));
  });

  it('refuses a decompression bomb and a damaged image by their headers, adding none of the files given', async () => {
    const bomb = readFileSync(join(IMAGES, 'smile.png'));
    bomb.writeUInt32BE(100_000, 16);
    bomb.writeUInt32BE(100_000, 20);
    writeFileSync(join(tmp, 'bomb.png'), bomb);
    writeFileSync(join(tmp, 'cut.jpg'), readFileSync(join(IMAGES, 'texture-iran-small.jpg')).subarray(0, 100));
    const before = (await listed()).length;
    const r = await cli(['asset', 'add', join(IMAGES, 'smile.png'), join(tmp, 'bomb.png')]);
    assert.equal(r.code, 6, r.stderr);
    assert.match(r.stderr, /bomb\.png: .*100,000 × 100,000 pixels.*Nothing was added/);
    const cut = await cli(['asset', 'add', join(tmp, 'cut.jpg')]);
    assert.equal(cut.code, 6);
    assert.match(cut.stderr, /cut\.jpg: .*JPEG is damaged or truncated/);
    assert.equal((await listed()).length, before, 'not even smile.png, given before the bomb');
  });

  it('writes a thumbnail (WebP, the size asked) to a new file, cached outside the vault, and says what has none', async () => {
    const out = join(tmp, 'jungle.webp');
    const r = await cli(['asset', 'thumbnail', 'texture-iran-small.jpg', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Wrote a 256 × 158 thumbnail of "texture-iran-small\.jpg" \(WebP, .*\) to /);
    const info = readImageInfo(readFileSync(out));
    assert.deepEqual([info?.mime, info?.width, info?.height], ['image/webp', 256, 158]);
    assert.ok(readdirSync(join(tmp, 'cache'), { recursive: true }).length > 0, 'cached in CAMPAIGN_VAULT_CACHE_DIR');
    const small = join(tmp, 'letter-64.webp');
    await ok(['asset', 'thumbnail', 'Handout: the letter', '--size', '64', '--out', small]);
    const s = readImageInfo(readFileSync(small));
    assert.deepEqual([s?.width, s?.height], [46, 64]);
    const again = await cli(['asset', 'thumbnail', 'texture-iran-small.jpg', '--out', out]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /exists already/);
    const svg = await cli(['asset', 'thumbnail', 'backpack.svg', '--out', join(tmp, 'b.webp')]);
    assert.equal(svg.code, 1);
    assert.match(svg.stderr, /"backpack\.svg" has no thumbnail here: SVG is drawn by the gallery/);
    assert.ok(!existsSync(join(tmp, 'b.webp')));
    const big = await cli(['asset', 'thumbnail', 'backpack.svg', '--size', '5000', '--out', join(tmp, 'b.webp')]);
    assert.match(big.stderr, /--size is a whole number of pixels from 64 to 1024/);
  });

  it('records a sound’s duration and a PDF’s page count when it is added; a damaged sound or PDF is added without', async () => {
    // A WAV built from the RIFF/WAVE specification: 8 kHz, mono, 8 bits, 12,000 bytes of data = 1.5 s.
    const le = (n: number, w: number) => [...new Array<number>(w)].map((_, i) => (n >>> (8 * i)) & 255);
    const ascii = (t: string) => [...t].map((c) => c.charCodeAt(0));
    const fmt = [...ascii('fmt '), ...le(16, 4), ...le(1, 2), ...le(1, 2), ...le(8000, 4), ...le(8000, 4), ...le(1, 2), ...le(8, 2)];
    const wav = (declared: number, actual: number) => Uint8Array.from([...ascii('RIFF'), ...le(36 + actual, 4), ...ascii('WAVE'), ...fmt, ...ascii('data'), ...le(declared, 4), ...new Array<number>(actual).fill(128)]);
    writeFileSync(join(tmp, 'rain.wav'), wav(12_000, 12_000));
    // Damaged: the fmt chunk claims a rate of 0.
    const broken = wav(800, 800);
    broken.fill(0, 24, 32);
    writeFileSync(join(tmp, 'broken.wav'), broken);
    writeFileSync(join(tmp, 'cut.pdf'), readFileSync(join(RULEBOOKS, 'minimal-opend6-srd.pdf')).subarray(0, 2000));
    await ok(['asset', 'add', join(tmp, 'rain.wav'), join(tmp, 'broken.wav'), join(RULEBOOKS, 'minimal-opend6-srd.pdf'), join(tmp, 'cut.pdf')]);
    const all = await listed();
    const by = (name: string) => all.find((a) => a.name === name)!;
    assert.deepEqual([by('rain.wav').type, by('rain.wav').mime, by('rain.wav').duration], ['audio', 'audio/wav', 1.5]);
    assert.deepEqual([by('broken.wav').type, by('broken.wav').duration], ['audio', undefined]);
    assert.deepEqual([by('minimal-opend6-srd.pdf').type, by('minimal-opend6-srd.pdf').page_count], ['pdf', 83]);
    assert.deepEqual([by('cut.pdf').type, by('cut.pdf').page_count], ['pdf', undefined]);
    const text = await ok(['asset', 'list', '--type', 'audio']);
    assert.match(text, /^rain\.wav · audio · 0:02 · /m);
    assert.match(await ok(['asset', 'list', '--type', 'pdf']), /^minimal-opend6-srd\.pdf · pdf · 83 pages · /m);
  });

  it('takes the cache’s limits from the environment and refuses one out of range as a usage error', async () => {
    const r = await runCli(dir, ['asset', 'list'], { ...PW, CAMPAIGN_VAULT_CACHE_DIR: join(tmp, 'cache'), CAMPAIGN_VAULT_CACHE_MAX_MB: '-1' }, tmp);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /CAMPAIGN_VAULT_CACHE_MAX_MB: maxSizeMB must be from 0 to 102400, not -1/);
    const ttl = await runCli(dir, ['asset', 'list'], { ...PW, CAMPAIGN_VAULT_CACHE_DIR: join(tmp, 'cache'), CAMPAIGN_VAULT_CACHE_TTL_DAYS: 'soon' }, tmp);
    assert.equal(ttl.code, 2);
    // A limit of 0: thumbnails are still made, and nothing is kept on disk (what was there goes).
    const zero = join(tmp, 'zero-cache');
    const made = await runCli(dir, ['asset', 'thumbnail', 'Handout: the letter', '--out', join(tmp, 'letter-zero.webp')], { ...PW, CAMPAIGN_VAULT_CACHE_DIR: zero, CAMPAIGN_VAULT_CACHE_MAX_MB: '0' }, tmp);
    assert.equal(made.code, 0, made.stderr);
    assert.deepEqual(existsSync(zero) ? readdirSync(zero, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()) : [], []);
  });

  it('moves an asset to the trash', async () => {
    assert.match(await ok(['asset', 'remove', 'backpack.svg']), /Moved "backpack\.svg" to the trash/);
    assert.ok(!(await listed()).some((a) => a.name === 'backpack.svg'));
  });
});
