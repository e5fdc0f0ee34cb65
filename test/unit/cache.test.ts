import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, promises as fs, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheOptionsFromEnv } from '../../src/cli/context';
import { UsageError } from '../../src/cli/values';
import { CACHE_SETTINGS, CacheManager, cacheOptionsFrom, checkCacheSetting, type CacheOptions, type VaultCache } from '../../src/core/cache';
import { MemoryTier } from '../../src/core/cache/memory';
import { defaultSuite } from '../../src/core/crypto/aead';
import { silentLogger } from '../../src/node/dataManager';
import { NodeFileStore } from '../../src/node/fileStore';
import { FaultyFileStore } from '../support/faultyFileStore';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const VAULT = 'a1b2c3d4e5f60718';
const KEY = new Uint8Array(32).fill(7);

/** Every file under a folder, as paths relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

describe('core/cache: the cache manager (memory LRU + sealed disk tier)', () => {
  let root: string;
  let clock: number;
  const now = () => clock;

  const manager = (options: Partial<CacheOptions> = {}, disk: NodeFileStore | FaultyFileStore | undefined = new NodeFileStore(root)) =>
    new CacheManager({ maxDiskBytes: 1 << 20, maxMemoryBytes: 1 << 20, ttlMs: 60_000, ...options }, { ...(disk ? { disk } : {}), suite: defaultSuite(), random: { bytes: (n) => new Uint8Array(randomBytes(n)) }, now, log: silentLogger });

  /** A computation that counts how often it ran. */
  const counting = (value: string) => {
    const f = Object.assign(async () => {
      f.runs++;
      return bytes(value);
    }, { runs: 0 });
    return f;
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'cv-cache-'));
    clock = 1_000_000;
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  describe('memory tier', () => {
    it('evicts the least recently used values to stay under its byte cap, and reports them', () => {
      const evicted: string[] = [];
      const m = new MemoryTier({ maxBytes: 10, ttlMs: 1000, now, onEvict: (k) => evicted.push(k) });
      m.set('a', new Uint8Array(4));
      m.set('b', new Uint8Array(4));
      assert.ok(m.get('a'), 'a is now the most recently used');
      m.set('c', new Uint8Array(4));
      assert.deepEqual(evicted, ['b']);
      assert.equal(m.bytes, 8);
      assert.ok(m.get('a') && m.get('c') && !m.get('b'));
      m.set('huge', new Uint8Array(11));
      assert.equal(m.get('huge'), undefined, 'a value over the cap is not kept');
      assert.equal(m.bytes, 8);
    });

    it('stops serving a value after its time to live', () => {
      const m = new MemoryTier({ maxBytes: 100, ttlMs: 1000, now });
      m.set('a', bytes('x'));
      clock += 999;
      assert.ok(m.get('a'));
      clock += 1;
      assert.equal(m.get('a'), undefined);
      assert.equal(m.bytes, 0);
    });
  });

  it('computes a value once, serves it from memory, then from disk in a new session', async () => {
    const thumbs = (await manager().forVault(VAULT, KEY)).namespace('thumbnails', { disk: true });
    const make = counting('a small picture');
    assert.equal(text(await thumbs.getOrCompute('map-1', make)), 'a small picture');
    assert.equal(text(await thumbs.getOrCompute('map-1', make)), 'a small picture');
    assert.equal(make.runs, 1);
    const later = manager();
    const again = (await later.forVault(VAULT, KEY)).namespace('thumbnails', { disk: true });
    assert.equal(text(await again.getOrCompute('map-1', make)), 'a small picture');
    assert.equal(make.runs, 1, 'read from disk, not computed again');
    const stats = await later.stats();
    assert.deepEqual(
      stats.namespaces.map(({ namespace, memoryHits, diskHits, misses }) => ({ namespace, memoryHits, diskHits, misses })),
      [{ namespace: 'thumbnails', memoryHits: 0, diskHits: 1, misses: 0 }],
    );
    assert.equal(stats.hitRate, 1);
  });

  it('computes once for concurrent requests of one key', async () => {
    const ns = (await manager().forVault(VAULT, KEY)).namespace('thumbnails', { disk: true });
    let release!: () => void;
    let runs = 0;
    const slow = async () => {
      runs++;
      await new Promise<void>((r) => (release = r));
      return bytes('done');
    };
    const all = Promise.all([ns.getOrCompute('k', slow), ns.getOrCompute('k', slow), ns.getOrCompute('k', slow)]);
    await new Promise((r) => setTimeout(r, 20));
    release();
    assert.deepEqual((await all).map(text), ['done', 'done', 'done']);
    assert.equal(runs, 1);
  });

  it('seals what it writes: no plaintext, no key names on disk, and another key cannot read it', async () => {
    const ns = (await manager().forVault(VAULT, KEY)).namespace('thumbnails', { disk: true });
    const secret = 'Strahd hides in the crypt '.repeat(100);
    await ns.getOrCompute('Castle Ravenloft map', async () => bytes(secret));
    const files = filesUnder(root);
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^v1\/a1b2c3d4e5f60718\/thumbnails\/[0-9a-f]{32}$/);
    const raw = await fs.readFile(join(root, files[0]!));
    assert.ok(raw.length < secret.length / 4, `deflated before sealing (${raw.length} bytes)`);
    assert.ok(!raw.toString('latin1').includes('Strahd'));
    const other = (await manager().forVault(VAULT, new Uint8Array(32).fill(8))).namespace('thumbnails', { disk: true });
    const make = counting('computed again');
    assert.equal(text(await other.getOrCompute('Castle Ravenloft map', make)), 'computed again');
    assert.equal(make.runs, 1);
  });

  it('never writes a memory-only namespace (decrypted file chunks) to disk', async () => {
    const chunks = (await manager().forVault(VAULT, KEY)).namespace('file-chunks', { disk: false });
    await chunks.getOrCompute('blob/0', async () => bytes('decrypted bytes'));
    assert.deepEqual(filesUnder(root), []);
    assert.equal(text(await chunks.getOrCompute('blob/0', async () => bytes('other'))), 'decrypted bytes');
  });

  it('discards a damaged entry and computes it again, never serving it', async () => {
    const m = manager();
    const ns = (await m.forVault(VAULT, KEY)).namespace('thumbnails', { disk: true });
    await ns.getOrCompute('k', async () => bytes('original'));
    const [file] = filesUnder(root);
    const raw = await fs.readFile(join(root, file!));
    raw[raw.length - 3]! ^= 0x40;
    await fs.writeFile(join(root, file!), raw);
    const fresh = (await manager().forVault(VAULT, KEY)).namespace('thumbnails', { disk: true });
    const make = counting('rebuilt');
    assert.equal(text(await fresh.getOrCompute('k', make)), 'rebuilt');
    assert.equal(make.runs, 1);
    const again = (await manager().forVault(VAULT, KEY)).namespace('thumbnails', { disk: true });
    assert.equal(text(await again.getOrCompute('k', counting('no'))), 'rebuilt', 'the rebuilt entry replaced the damaged one');
  });

  it('expires disk entries after the time to live', async () => {
    const ns = (await manager().forVault(VAULT, KEY)).namespace('thumbnails', { disk: true });
    await ns.getOrCompute('k', async () => bytes('old'));
    clock += 60_001;
    const later = (await manager().forVault(VAULT, KEY)).namespace('thumbnails', { disk: true });
    assert.equal(text(await later.getOrCompute('k', async () => bytes('new'))), 'new');
  });

  it('keeps the disk under its byte limit, evicting the least recently used files', async () => {
    const m = manager({ maxDiskBytes: 4000, maxMemoryBytes: 10 });
    const ns = (await m.forVault(VAULT, KEY)).namespace('thumbnails', { disk: true });
    const incompressible = () => new Uint8Array(randomBytes(900));
    for (const k of ['a', 'b', 'c', 'd']) {
      clock += 1000;
      await ns.getOrCompute(k, async () => incompressible());
    }
    clock += 1000;
    await ns.getOrCompute('a', async () => assert.fail('a is on disk'));
    clock += 1000;
    await ns.getOrCompute('e', async () => incompressible());
    const stats = await m.stats();
    assert.ok(stats.diskBytes <= 4000, `${stats.diskBytes} bytes on disk`);
    assert.equal(stats.namespaces[0]!.evictions >= 1, true);
    const make = counting('b again');
    await ns.getOrCompute('b', make);
    assert.equal(make.runs, 1, 'b, the least recently used, was evicted');
    await ns.getOrCompute('a', async () => assert.fail('a was used recently and stays'));
  });

  it('gives up quietly when the disk is full: values are still computed and served', async () => {
    const faulty = new FaultyFileStore(new NodeFileStore(root));
    faulty.fault = { at: 1, persistent: true, code: 'disk-full' };
    const m = manager({}, faulty);
    const ns = (await m.forVault(VAULT, KEY)).namespace('thumbnails', { disk: true });
    assert.equal(text(await ns.getOrCompute('k', async () => bytes('value'))), 'value');
    assert.equal(text(await ns.getOrCompute('k', async () => bytes('other'))), 'value', 'from memory');
    assert.deepEqual(filesUnder(root), []);
  });

  it('drops memory on Lock, and empties the vault on disk for a key rotation or Encrypt Vault', async () => {
    const m = manager();
    const cache: VaultCache = await m.forVault(VAULT, KEY);
    const chunks = cache.namespace('file-chunks', { disk: false });
    const thumbs = cache.namespace('thumbnails', { disk: true });
    await chunks.getOrCompute('c', async () => bytes('plain'));
    await thumbs.getOrCompute('t', async () => bytes('thumb'));
    const others = (await m.forVault('ffffffffffffffff', KEY)).namespace('thumbnails', { disk: true });
    await others.getOrCompute('t', async () => bytes('other vault'));
    cache.dropMemory();
    assert.equal((await m.stats()).namespaces.find((n) => n.namespace === 'file-chunks')!.memoryBytes, 0);
    assert.equal(text(await thumbs.getOrCompute('t', counting('x'))), 'thumb', 'the sealed disk entry stays');
    await cache.clear();
    assert.deepEqual(
      filesUnder(root).map((f) => f.split('/')[1]),
      ['ffffffffffffffff'],
      'only the other vault is left',
    );
    cache.close();
    await assert.rejects(thumbs.getOrCompute('t', counting('x')), /locked/);
    assert.equal(text(await others.getOrCompute('t', counting('x'))), 'other vault');
  });

  describe('new limits while running (the settings, docs/CACHE.md)', () => {
    const incompressible = () => new Uint8Array(randomBytes(900));

    it('evicts down to a smaller disk limit at once, least recently used first, and counts it', async () => {
      const m = manager({ maxDiskBytes: 1 << 20, maxMemoryBytes: 10 });
      const ns = (await m.forVault(VAULT, KEY)).namespace('thumbnails', { disk: true });
      for (const k of ['a', 'b', 'c', 'd', 'e']) {
        clock += 1000;
        await ns.getOrCompute(k, async () => incompressible());
      }
      clock += 1000;
      await ns.getOrCompute('a', async () => assert.fail('a is on disk'));
      const before = (await m.stats()).diskBytes;
      assert.ok(before > 4000, `${before} bytes on disk`);
      await m.configure({ maxDiskBytes: 2500 });
      assert.equal(m.options.maxDiskBytes, 2500);
      const after = await m.stats();
      assert.ok(after.diskBytes <= 2500 * 0.9, `${after.diskBytes} bytes on disk`);
      assert.ok(after.namespaces[0]!.evictions >= 3);
      assert.ok(filesUnder(root).length <= 2);
      await ns.getOrCompute('a', async () => assert.fail('a was used last and stays'));
      const b = counting('b again');
      await ns.getOrCompute('b', b);
      assert.equal(b.runs, 1, 'b, the least recently used, went');
    });

    it('applies a smaller limit set before the disk was first used when it lists the folder', async () => {
      const m = manager({ maxMemoryBytes: 10 });
      const ns = (await m.forVault(VAULT, KEY)).namespace('thumbnails', { disk: true });
      for (const k of ['a', 'b', 'c']) await ns.getOrCompute(k, async () => incompressible());
      const next = manager({ maxMemoryBytes: 10 });
      await next.configure({ maxDiskBytes: 1000 });
      assert.ok((await next.stats()).diskBytes <= 900);
      assert.ok(filesUnder(root).length <= 1);
    });

    it('with a limit of 0 keeps nothing on disk but still serves from memory', async () => {
      const m = manager();
      const ns = (await m.forVault(VAULT, KEY)).namespace('thumbnails', { disk: true });
      await ns.getOrCompute('a', async () => bytes('kept'));
      await m.configure({ maxDiskBytes: 0 });
      assert.deepEqual(filesUnder(root), []);
      await ns.getOrCompute('b', async () => bytes('memory only'));
      assert.deepEqual(filesUnder(root), []);
      assert.equal(text(await ns.getOrCompute('b', async () => assert.fail('b is in memory'))), 'memory only');
    });

    it('shrinks the memory tier to a smaller cap, and a shorter TTL expires held values', async () => {
      const m = manager({ maxMemoryBytes: 1 << 20, ttlMs: 60_000 }, undefined);
      const ns = (await m.forVault(VAULT, KEY)).namespace('file-chunks', { disk: false });
      for (const k of ['a', 'b', 'c']) await ns.getOrCompute(k, async () => new Uint8Array(100));
      await m.configure({ maxMemoryBytes: 250 });
      assert.equal((await m.stats()).memoryBytes, 200);
      await m.configure({ ttlMs: 1000 });
      clock += 1000;
      const again = counting('again');
      await ns.getOrCompute('c', again);
      assert.equal(again.runs, 1, 'expired under the shorter TTL');
    });

    it('uses a longer TTL for disk entries made before the change', async () => {
      const ns = (await manager({ ttlMs: 1000 }).forVault(VAULT, KEY)).namespace('thumbnails', { disk: true });
      await ns.getOrCompute('k', async () => bytes('made'));
      clock += 5000;
      const m = manager({ ttlMs: 1000 });
      await m.configure({ ttlMs: 10_000 });
      const later = (await m.forVault(VAULT, KEY)).namespace('thumbnails', { disk: true });
      assert.equal(text(await later.getOrCompute('k', async () => assert.fail('still within the new TTL'))), 'made');
    });

    it('refuses limits that are negative or not numbers', async () => {
      const m = manager();
      await assert.rejects(m.configure({ maxDiskBytes: -1 }), /maxDiskBytes/);
      await assert.rejects(m.configure({ ttlMs: Number.NaN }), /ttlMs/);
      assert.equal(m.options.maxDiskBytes, 1 << 20, 'unchanged');
    });
  });

  describe('the settings (VS Code and the CLI\'s environment)', () => {
    it('takes numbers in range, refuses the rest with a reason, and turns MB and days into bytes and ms', () => {
      assert.deepEqual(checkCacheSetting('maxSizeMB', 500), { ok: true, value: 500 });
      assert.deepEqual(checkCacheSetting('maxSizeMB', '0'), { ok: true, value: 0 });
      assert.deepEqual(checkCacheSetting('maxSizeMB', 0.5), { ok: true, value: 0.5 });
      assert.deepEqual(checkCacheSetting('ttlDays', 3650), { ok: true, value: 3650 });
      for (const [name, v] of [['maxSizeMB', -1], ['maxSizeMB', 102_401], ['maxSizeMB', 'lots'], ['maxSizeMB', null], ['ttlDays', 0], ['ttlDays', 0.5], ['ttlDays', Infinity], ['ttlDays', '']] as const) {
        const r = checkCacheSetting(name, v);
        assert.equal(r.ok, false, `${name}=${String(v)}`);
        assert.match((r as { reason: string }).reason, new RegExp(name));
      }
      assert.deepEqual(CACHE_SETTINGS.maxSizeMB.default, 500, 'the seed\'s 500 MB');
      const o = cacheOptionsFrom({ maxSizeMB: 2, ttlDays: 1.5 });
      assert.equal(o.maxDiskBytes, 2 * 1024 * 1024);
      assert.equal(o.ttlMs, 1.5 * 86_400_000);
      assert.equal(o.maxMemoryBytes, 64 * 1024 * 1024);
    });

    it('reads CAMPAIGN_VAULT_CACHE_MAX_MB and CAMPAIGN_VAULT_CACHE_TTL_DAYS, and refuses a bad one as a usage error', () => {
      assert.equal(cacheOptionsFromEnv({}).maxDiskBytes, 500 * 1024 * 1024);
      const o = cacheOptionsFromEnv({ CAMPAIGN_VAULT_CACHE_MAX_MB: '64', CAMPAIGN_VAULT_CACHE_TTL_DAYS: '7' });
      assert.deepEqual([o.maxDiskBytes, o.ttlMs], [64 * 1024 * 1024, 7 * 86_400_000]);
      assert.throws(() => cacheOptionsFromEnv({ CAMPAIGN_VAULT_CACHE_MAX_MB: '-5' }), (e: unknown) => e instanceof UsageError && /CAMPAIGN_VAULT_CACHE_MAX_MB.*0 to 102400/.test(e.message));
      assert.throws(() => cacheOptionsFromEnv({ CAMPAIGN_VAULT_CACHE_TTL_DAYS: 'forever' }), (e: unknown) => e instanceof UsageError && /CAMPAIGN_VAULT_CACHE_TTL_DAYS/.test(e.message));
    });
  });

  it('refuses namespace names and vault ids that could make paths', async () => {
    const m = manager();
    await assert.rejects(m.forVault('../x', KEY), /hex/);
    const cache = await m.forVault(VAULT, KEY);
    assert.throws(() => cache.namespace('../thumbnails', { disk: true }), /namespace/);
  });
});
