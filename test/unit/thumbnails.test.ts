/**
 * Thumbnails (docs/THUMBNAILS.md): the real wasm decoders in the real worker thread, on the
 * fixtures and on damaged copies of them; the EXIF turn; a bomb refused from its header; the
 * cache (a second request, and the next process, read back — the maker is not called again);
 * new keys make new thumbnails; what has no thumbnail says why.
 */
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_KDF } from '../../src/cli/context';
import type { DataManager } from '../../src/core/api';
import { HEADER_BYTES, readImageInfo } from '../../src/core/assets/metadata';
import { fitWithin, orient, reduce, thumbnailSource, type Thumbnail, type ThumbnailMaker, type ThumbnailRequest } from '../../src/core/assets/thumbnail';
import { isVaultError } from '../../src/core/errors';
import { checkEverything } from '../../src/core/health';
import { nodeDataManager } from '../../src/node/dataManager';
import { WorkerThumbnailMaker, thumbnailWorkerScript } from '../../src/node/thumbnails';

const IMAGES = join(__dirname, '../../../test/fixtures/images');
const image = (name: string) => new Uint8Array(readFileSync(join(IMAGES, name)));

/** The fixture with an EXIF segment saying `orientation` put right after its start marker. */
function withOrientation(jpeg: Uint8Array, orientation: number): Uint8Array {
  const tiff = [0x4d, 0x4d, 0, 0x2a, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0];
  const body = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
  const app1 = [0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body];
  return Uint8Array.from([...jpeg.subarray(0, 2), ...app1, ...jpeg.subarray(2)]);
}

/** Pixel size on screen of a thumbnail, read from its own header. */
function dims(t: Thumbnail): { mime: string; width?: number; height?: number } {
  const info = readImageInfo(t.data.subarray(0, HEADER_BYTES))!;
  assert.equal(info.width, t.width);
  assert.equal(info.height, t.height);
  return { mime: info.mime, width: info.width!, height: info.height! };
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; hint: string }> {
  try {
    await p;
  } catch (e) {
    assert.ok(isVaultError(e), `a VaultError, not ${String(e)}`);
    return { code: e.code, hint: e.userMessage };
  }
  assert.fail('it was not refused');
}

describe('thumbnails: pixels', () => {
  it('turns pixels as each EXIF orientation says', () => {
    // Stored: A B / C D (2 × 2), one distinct value per pixel.
    const [A, B, C, D] = [1, 2, 3, 4];
    const px = new Uint8ClampedArray(16);
    [A, B, C, D].forEach((v, i) => px.set([v, v, v, 255], i * 4));
    const seen = (o: number) => {
      const r = orient(px, 2, 2, o);
      return [0, 1, 2, 3].map((i) => r.data[i * 4]);
    };
    assert.deepEqual(seen(1), [A, B, C, D]);
    assert.deepEqual(seen(2), [B, A, D, C]);
    assert.deepEqual(seen(3), [D, C, B, A]);
    assert.deepEqual(seen(4), [C, D, A, B]);
    assert.deepEqual(seen(5), [A, C, B, D]);
    assert.deepEqual(seen(6), [C, A, D, B]);
    assert.deepEqual(seen(7), [D, B, C, A]);
    assert.deepEqual(seen(8), [B, D, A, C]);
    const wide = orient(new Uint8ClampedArray(3 * 1 * 4), 3, 1, 6);
    assert.deepEqual([wide.width, wide.height], [1, 3]);
  });

  it('reduces by the mean of the pixels each output pixel covers, and never enlarges', () => {
    const src = new Uint8ClampedArray(4 * 2 * 4);
    for (let i = 0; i < 8; i++) src.set([i * 10, 255 - i * 10, 7, 255], i * 4);
    const out = reduce(src, 4, 2, 2, 1);
    // Left half: pixels 0, 1, 4, 5 → red (0 + 10 + 40 + 50) / 4 = 25.
    assert.deepEqual([...out], [25, 230, 7, 255, 45, 210, 7, 255]);
    assert.deepEqual(fitWithin(4096, 2048, 256), { width: 256, height: 128 });
    assert.deepEqual(fitWithin(16, 16, 256), { width: 16, height: 16 });
    assert.deepEqual(fitWithin(1460, 900, 64), { width: 64, height: 39 });
  });
});

describe('thumbnails: the worker', function () {
  this.timeout(120_000);
  let maker: WorkerThumbnailMaker;
  const mimeOf = (bytes: Uint8Array) => (bytes[0] === 0x89 ? 'image/png' : 'image/jpeg');
  const make = (bytes: Uint8Array, r: Partial<ThumbnailRequest> = {}) => maker.make(bytes, { size: 256, orientation: 1, mime: mimeOf(bytes), ...r });

  before(() => {
    const script = thumbnailWorkerScript();
    assert.ok(script, 'dist/thumbnail-worker.js is built (node esbuild.mjs)');
    maker = new WorkerThumbnailMaker(script, { timeoutMs: 60_000 });
  });
  after(() => maker.dispose());

  it('draws each PNG and JPEG fixture at the size asked, as WebP, never enlarged', async () => {
    const cases: [string, number, [number, number]][] = [
      ['image.jpg', 256, [256, 171]],
      ['texture-iran-small.jpg', 256, [256, 158]],
      ['texture-iran-small.jpg', 64, [64, 39]],
      ['page-0-X0.png', 256, [184, 256]],
      ['smile.png', 256, [16, 16]],
      ['smile.jpg', 1024, [16, 16]],
    ];
    for (const [name, size, [w, h]] of cases) {
      const t = await make(image(name), { size });
      assert.deepEqual(dims(t), { mime: 'image/webp', width: w, height: h }, `${name} at ${size}`);
    }
  });

  it('turns a photo upright by its EXIF orientation (width and height swap for 5–8)', async () => {
    const turned = withOrientation(image('texture-iran-small.jpg'), 6);
    const info = readImageInfo(turned.subarray(0, HEADER_BYTES))!;
    assert.equal(info.orientation, 6);
    assert.deepEqual(dims(await make(turned, { orientation: 6 })), { mime: 'image/webp', width: 158, height: 256 });
    assert.deepEqual(dims(await make(turned, { orientation: 3 })), { mime: 'image/webp', width: 256, height: 158 });
  });

  it('refuses truncated and damaged images with a clear error, and keeps working after', async () => {
    for (const name of ['image.jpg', 'texture-iran-small.jpg', 'page-0-X0.png', 'smile.png', 'smile.jpg']) {
      const whole = image(name);
      for (const keep of [0.1, 0.5, 0.9, 0.999]) {
        const cut = whole.subarray(0, Math.max(30, Math.floor(whole.length * keep)));
        const r = await refusal(make(cut, { mime: name.endsWith('png') ? 'image/png' : 'image/jpeg' }));
        assert.equal(r.code, 'invalid', `${name} cut to ${keep}`);
        assert.match(r.hint, /damaged or truncated/, `${name} cut to ${keep}: ${r.hint}`);
      }
    }
    // Whole, but the compressed data scrambled: the decoder's own refusal, in our words.
    const png = image('page-0-X0.png');
    const idat = Buffer.from(png).indexOf('IDAT');
    for (let i = idat + 8; i < idat + 400; i++) png[i] = (png[i]! * 31 + 7) & 0xff;
    const r = await refusal(make(png));
    assert.equal(r.code, 'invalid');
    assert.match(r.hint, /PNG cannot be drawn/);
    assert.deepEqual(dims(await make(image('image.jpg'))), { mime: 'image/webp', width: 256, height: 171 }, 'the worker still draws');
    assert.equal(maker.started, 1, 'no refusal ended the thread');
  });

  it('refuses a decompression bomb from its header, before any decoder', async () => {
    const bomb = image('smile.png');
    const view = new DataView(bomb.buffer);
    view.setUint32(16, 100_000);
    view.setUint32(20, 100_000);
    assert.throws(() => thumbnailSource(bomb), /100000 × 100000/);
    const r = await refusal(make(bomb));
    assert.equal(r.code, 'invalid');
    assert.match(r.hint, /100,000 × 100,000 pixels.*it was not decoded/);
  });
});

describe('thumbnails: assets through the cache', function () {
  this.timeout(180_000);
  let tmp: string;
  let dir: string;
  let cacheDir: string;
  let dm: DataManager;
  let real: WorkerThumbnailMaker;
  let calls = 0;
  /** The real maker, counted. */
  const counted: ThumbnailMaker = {
    make: (bytes: Uint8Array, r: ThumbnailRequest) => {
      calls++;
      return real.make(bytes, r);
    },
  };
  const open = () => nodeDataManager(dir, { app: 'unit test', stateDir: join(tmp, 'state'), kdf: TEST_KDF, thumbnails: counted, cacheDir });
  const filesUnder = (d: string): string[] => (existsSync(d) ? (readdirSync(d, { recursive: true, encoding: 'utf8' }) as string[]).filter((f) => statSync(join(d, f)).isFile()) : []);

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'cv-thumbs-'));
    dir = join(tmp, 'vault');
    cacheDir = join(tmp, 'cache');
    real = new WorkerThumbnailMaker(thumbnailWorkerScript()!);
    dm = open();
    await dm.createVault('pw');
  });
  after(async () => {
    await dm.lock();
    await real.dispose();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('makes a thumbnail once: the second request, and the next process, read it from the cache', async () => {
    const { asset } = await dm.assets.add(withOrientation(image('texture-iran-small.jpg'), 8), { name: 'Jungle map' });
    assert.equal(asset.orientation, 8);
    const first = await dm.assets.thumbnail(asset, 256);
    assert.deepEqual(dims(first), { mime: 'image/webp', width: 158, height: 256 });
    assert.equal(calls, 1);
    const again = await dm.assets.thumbnail(asset, 256);
    assert.deepEqual(again.data, first.data);
    assert.equal(calls, 1, 'served from the cache');
    await dm.assets.thumbnail(asset, 128);
    assert.equal(calls, 2, 'another size is another thumbnail');
    // The cache is on this machine, outside the vault: sealed entries, no names.
    const cached = filesUnder(cacheDir);
    assert.ok(cached.length >= 2, `cache files: ${cached.join(', ')}`);
    assert.ok(!filesUnder(dir).some((f) => /cache|thumb/i.test(f)), 'nothing of the cache in the vault folder');
    for (const f of cached) assert.ok(!readFileSync(join(cacheDir, f)).includes(Buffer.from(first.data.subarray(0, 64))), 'entries are sealed');
    // Lock and unlock in another DataManager (as the next CLI run would): read from disk.
    await dm.lock();
    dm = open();
    await dm.unlock('pw');
    const next = await dm.assets.thumbnail(await dm.assets.get('Jungle map'), 256);
    assert.deepEqual(next.data, first.data);
    assert.equal(calls, 2, 'read back from the disk tier');
  });

  it('ends the thread on Lock (it held decrypted pixels, and would keep a CLI process alive)', async () => {
    const own = new WorkerThumbnailMaker(thumbnailWorkerScript()!);
    const other = nodeDataManager(join(tmp, 'vault-lock'), { app: 'unit test', stateDir: join(tmp, 'state'), kdf: TEST_KDF, thumbnails: own, cacheDir });
    await other.createVault('pw');
    const { asset } = await other.assets.add(image('image.jpg'), { name: 'Portrait' });
    await other.assets.thumbnail(asset, 64);
    assert.ok(own.alive, 'warm between requests');
    await other.lock();
    assert.ok(!own.alive, 'ended by Lock');
    await own.dispose();
  });

  it('refuses a cache folder inside the vault folder', () => {
    assert.throws(() => nodeDataManager(dir, { app: 'unit test', stateDir: join(tmp, 'state'), kdf: TEST_KDF, cacheDir: join(dir, '.campaign-vault', 'cache') }), /inside the vault/);
    assert.throws(() => nodeDataManager(dir, { app: 'unit test', stateDir: join(tmp, 'state'), kdf: TEST_KDF, cacheDir: join(dir, '.campaign-vault') }), /inside the vault/);
  });

  it('makes thumbnails again under new keys (rotation)', async () => {
    const asset = await dm.assets.get('Jungle map');
    await dm.assets.thumbnail(asset, 256);
    const before = calls;
    await dm.rotateKey();
    await dm.assets.thumbnail(await dm.assets.get('Jungle map'), 256);
    assert.equal(calls, before + 1, 'the old entry no longer opens');
  });

  it('refuses a truncated stored image before the maker, and says why SVG has no thumbnail here', async () => {
    const whole = image('page-0-X0.png');
    const { asset } = await dm.assets.add(whole.subarray(0, whole.length - 100), { name: 'Cut letter' });
    const before = calls;
    const r = await refusal(dm.assets.thumbnail(asset));
    assert.equal(r.code, 'invalid');
    assert.match(r.hint, /"Cut letter" cannot be drawn: it is damaged or truncated \(it ends inside its "IDAT" chunk\)/);
    assert.equal(calls, before, 'no decoder saw it');
    const svg = (await dm.assets.add(image('backpack.svg'), { name: 'Backpack' })).asset;
    const s = await refusal(dm.assets.thumbnail(svg));
    assert.equal(s.code, 'unsupported');
    assert.match(s.hint, /"Backpack" has no thumbnail here: SVG is drawn by the gallery/);
    const size = await refusal(dm.assets.thumbnail(asset, 2000));
    assert.match(size.hint, /64 to 1024 pixels/);
  });

  it('the deep integrity check reports an asset whose picture cannot be drawn, and only that one', async () => {
    // Whole and with a sound header, so it was added; its compressed pixels are scrambled.
    const png = image('page-0-X0.png');
    const idat = Buffer.from(png).indexOf('IDAT');
    for (let i = idat + 8; i < idat + 400; i++) png[i] = (png[i]! * 31 + 7) & 0xff;
    const scrambled = (await dm.assets.add(png, { name: 'Scrambled handout' })).asset;
    await dm.assets.add(image('smile.png'), { name: 'Good smile' });
    const report = await checkEverything(dm.healthVault(), undefined, { deep: true });
    const pictures = report.findings.filter((f) => f.code === 'asset.thumbnail');
    assert.deepEqual(
      pictures.map((f) => [f.entity?.name, f.severity, f.fixable]),
      [
        ['Cut letter', 'warning', false],
        ['Scrambled handout', 'warning', false],
      ],
      'the cut and the scrambled PNG; not the good one, nor the SVG (it has no thumbnail here)',
    );
    assert.match(pictures.find((f) => f.entity?.id === scrambled.id)!.message, /The picture of asset "Scrambled handout" cannot be drawn.*PNG cannot be drawn/);
    assert.equal((await checkEverything(dm.healthVault(), undefined, { deep: false })).findings.filter((f) => f.code === 'asset.thumbnail').length, 0, 'only the deep check draws');
  });
});
