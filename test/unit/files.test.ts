import * as assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataManager } from '../../src/core/api';
import { isVaultError, type VaultError } from '../../src/core/errors';
import { blobPath, plaintextSizeOf } from '../../src/core/files/blobStore';
import { sniff } from '../../src/core/files/sniff';
import type { UnlockedKeys } from '../../src/core/vault/keys';
import { DEFAULT_CHUNK, peekSealedHeader, seal, sealedSize } from '../../src/core/vault/sealed';
import { nodeRandom } from '../../src/node/system';
import { FaultyFileStore } from '../support/faultyFileStore';
import { fingerprint, tempVault, type TestVault } from '../support/vaults';

const root = join(__dirname, '../../..');
const fixture = (rel: string) => new Uint8Array(readFileSync(join(root, 'test/fixtures', rel)));
const CASTLE = 'sample-campaign/handouts/castle.png';
const MAP = 'sample-campaign/maps/azgaar-fmg-preview.png';
const SMILE = 'files/smile.jpg';
const RULEBOOK = 'sample-campaign/rulebooks/pdflatex-4-pages.pdf';

const isCode = (code: VaultError['code'], pattern?: RegExp) => (e: unknown) => isVaultError(e, code) && (!pattern || pattern.test(`${e.message} ${e.userMessage}`));
const header = (v: TestVault) => JSON.parse(readFileSync(join(v.root, '.campaign-vault/vault.json'), 'utf8')) as { dataKeys: { id: number }[]; activeDataKey: number; rotation?: unknown; encryption: string };
const blobFile = (v: TestVault, hash: string) => join(v.root, blobPath(hash));
/** Every blob file on disk (relative paths), temporary files included. */
const blobFiles = (v: TestVault) => Object.keys(fingerprint(v.root)).filter((p) => p.startsWith('.campaign-vault/blobs/')).sort();
const keysOf = (dm: DataManager) => (dm as unknown as { services: { session: { current: { store: { unlockedKeys: UnlockedKeys } } } } }).services.session.current.store.unlockedKeys;
const containsBytes = (hay: Uint8Array, needle: Uint8Array) => Buffer.from(hay).includes(Buffer.from(needle));

describe('core/files: the vault file store', () => {
  let v: TestVault;
  let dm: DataManager;

  beforeEach(async () => {
    v = tempVault();
    dm = v.manager();
    await dm.createVault('correct horse');
  });
  afterEach(async () => {
    await dm.lock();
    v.dispose();
  });

  async function reopen(password = 'correct horse'): Promise<DataManager> {
    await dm.lock();
    dm = v.manager();
    await dm.unlock(password);
    return dm;
  }

  it('stores images and PDFs as sealed blobs and reads them back byte for byte, also after reopening', async () => {
    const c = await dm.createCampaign({ name: 'Phandelver' });
    const cases = [
      { rel: CASTLE, mime: 'image/png', type: 'image' },
      { rel: MAP, mime: 'image/png', type: 'image' },
      { rel: SMILE, mime: 'image/jpeg', type: 'image' },
      { rel: RULEBOOK, mime: 'application/pdf', type: 'pdf' },
    ];
    const added: { hash: string; bytes: Uint8Array }[] = [];
    for (const [i, x] of cases.entries()) {
      const bytes = fixture(x.rel);
      const asset = await dm.addFile(bytes, { name: x.rel.split('/').pop()!, campaign_id: i % 2 === 0 ? c.id : null });
      assert.equal(asset.kind, 'asset');
      assert.equal(asset.mime, x.mime);
      assert.equal(asset.asset_type, x.type);
      assert.equal(asset.size, bytes.length);
      assert.match(String(asset.hash), /^[0-9a-f]{64}$/);
      assert.equal(asset.hash, await dm.fileHash(bytes));
      const onDisk = readFileSync(blobFile(v, String(asset.hash)));
      assert.equal(onDisk.length, sealedSize(bytes.length));
      assert.ok(!containsBytes(onDisk, bytes.subarray(0, 64)), 'the file is stored encrypted');
      assert.deepEqual(await dm.readFile(String(asset.hash)), bytes);
      added.push({ hash: String(asset.hash), bytes });
    }
    assert.deepEqual(await dm.listFiles(), added.map((a) => ({ hash: a.hash, size: a.bytes.length })).sort((a, b) => a.hash.localeCompare(b.hash)));
    await reopen();
    for (const a of added) assert.deepEqual(await dm.readFile(a.hash), a.bytes);
    assert.equal((await dm.listAssets({ campaign_id: c.id })).length, 2);
    assert.equal((await dm.verifyAudit()).ok, true);
  });

  it('keeps the given media type and kind, and an empty file', async () => {
    const asset = await dm.addFile(fixture(CASTLE), { name: 'Keep map', asset_type: 'map', mime: 'image/x-custom' });
    assert.equal(asset.asset_type, 'map');
    assert.equal(asset.mime, 'image/x-custom');
    const empty = await dm.addFile(new Uint8Array(0), { name: 'Empty' });
    assert.equal(empty.size, 0);
    assert.equal(empty.asset_type, 'other');
    assert.equal(empty.mime, undefined);
    assert.deepEqual(await dm.readFile(String(empty.hash)), new Uint8Array(0));
  });

  it('stores the same bytes once; another vault names them differently (keyed ids)', async () => {
    const bytes = fixture(SMILE);
    const a = await dm.addFile(bytes, { name: 'Smile' });
    const b = await dm.addFile(bytes.slice(), { name: 'Smile again' });
    assert.equal(a.hash, b.hash);
    const before = fingerprint(v.root);
    assert.deepEqual(await dm.writeFile(bytes), { hash: a.hash, size: bytes.length });
    assert.equal(blobFiles(v).length, 1);
    assert.deepEqual(fingerprint(v.root)[blobPath(String(a.hash))], before[blobPath(String(a.hash))], 'an intact blob is not rewritten');
    const w = tempVault();
    try {
      const other = w.manager();
      await other.createVault('other');
      assert.notEqual(await other.fileHash(bytes), a.hash);
      await other.lock();
    } finally {
      w.dispose();
    }
  });

  it('reports a flipped byte, a truncation, an appended byte and a swapped blob as corrupt, naming the file, and returns nothing', async () => {
    const castle = await dm.addFile(fixture(CASTLE), { name: 'Castle.png' });
    const smile = await dm.addFile(fixture(SMILE), { name: 'Smile.jpg' });
    const hash = String(castle.hash);
    const file = blobFile(v, hash);
    const good = readFileSync(file);
    const damage: [string, (b: Buffer) => Buffer][] = [
      ['a flipped byte in the ciphertext', (b) => { const c = Buffer.from(b); c[200]! ^= 0x01; return c; }],
      ['a flipped byte in the header', (b) => { const c = Buffer.from(b); c[30]! ^= 0x80; return c; }],
      ['a flipped last byte (tag)', (b) => { const c = Buffer.from(b); c[c.length - 1]! ^= 0x01; return c; }],
      ['a truncation', (b) => b.subarray(0, b.length - 10)],
      ['an appended byte', (b) => Buffer.concat([b, Buffer.from([0])])],
      ['another blob renamed to this hash', () => readFileSync(blobFile(v, String(smile.hash)))],
      ['an empty file', () => Buffer.alloc(0)],
      ['a plain PNG', () => Buffer.from(fixture(CASTLE))],
    ];
    for (const [what, mutate] of damage) {
      writeFileSync(file, mutate(good));
      await assert.rejects(dm.readFile(hash), isCode('corrupt', /Castle\.png/), what);
      await assert.rejects(dm.readFile(hash), (e: unknown) => isVaultError(e) && e.message.includes(blobPath(hash)), `${what}: the detail names the file`);
    }
    writeFileSync(file, good);
    assert.deepEqual(await dm.readFile(hash), fixture(CASTLE));
    // Other blobs are unaffected by the damage of one.
    assert.deepEqual(await dm.readFile(String(smile.hash)), fixture(SMILE));
  });

  it('refuses a blob sealed by this vault whose content does not hash to its name', async () => {
    const castle = await dm.addFile(fixture(CASTLE), { name: 'Castle' });
    const hash = String(castle.hash);
    // Only someone holding the keys can make this; it proves the read hashes again after decrypting.
    const forged = await seal({ kind: 'blob', objectId: Buffer.from(hash, 'hex').subarray(0, 16), generation: 0 }, fixture(SMILE), { keys: keysOf(dm), random: nodeRandom });
    writeFileSync(blobFile(v, hash), forged);
    await assert.rejects(dm.readFile(hash), isCode('corrupt', /does not match its hash/));
  });

  it('refuses a blob of another vault put in place of one of ours', async () => {
    const bytes = fixture(SMILE);
    const ours = await dm.addFile(bytes, { name: 'Smile' });
    const w = tempVault();
    try {
      const other = w.manager();
      await other.createVault('other');
      const theirs = await other.writeFile(bytes);
      await other.lock();
      copyFileSync(join(w.root, blobPath(theirs.hash)), blobFile(v, String(ours.hash)));
      await assert.rejects(dm.readFile(String(ours.hash)), isCode('corrupt', /another vault/));
    } finally {
      w.dispose();
    }
  });

  it('reports a missing file as not found, naming the asset', async () => {
    const castle = await dm.addFile(fixture(CASTLE), { name: 'Castle' });
    const unknown = 'ab'.repeat(32);
    await assert.rejects(dm.readFile(unknown), isCode('not-found', /missing/));
    assert.equal(existsSync(blobFile(v, String(castle.hash))), true);
    truncateSync(blobFile(v, String(castle.hash)));
    await dm.deleteFile(unknown); // deleting what is not there succeeds
    await assert.rejects(dm.readFile(String(castle.hash)), isCode('corrupt', /"Castle"/));
  });

  it('refuses hostile file ids before they become paths, and writes nothing', async () => {
    await dm.addFile(fixture(CASTLE), { name: 'Castle' });
    const before = fingerprint(v.root);
    const hostile: unknown[] = ['../x', '../../vault.json', `../${'a'.repeat(61)}`, 'A'.repeat(64), 'a'.repeat(63), 'a'.repeat(65), `${'a'.repeat(62)}/x`, `${'a'.repeat(63)}\0`, '', '..', null, undefined, 42, { length: 64 }];
    for (const h of hostile) {
      await assert.rejects(dm.readFile(h as string), isCode('invalid'), `readFile(${String(h)})`);
      await assert.rejects(dm.deleteFile(h as string), isCode('invalid'), `deleteFile(${String(h)})`);
    }
    assert.throws(() => blobPath('../x'), isCode('invalid'));
    await assert.rejects(dm.writeFile('not bytes' as unknown as Uint8Array), isCode('invalid'));
    await assert.rejects(dm.addFile([1, 2, 3] as unknown as Uint8Array, { name: 'Array' }), isCode('invalid'));
    assert.deepEqual(fingerprint(v.root), before);
  });

  it('writes no blob when the asset would be refused (bad name, taken name, unknown campaign)', async () => {
    await dm.addFile(fixture(CASTLE), { name: 'Castle' });
    const before = blobFiles(v);
    await assert.rejects(dm.addFile(fixture(SMILE), { name: '' }), isCode('invalid'));
    await assert.rejects(dm.addFile(fixture(SMILE), { name: 'CASTLE' }), isCode('exists'));
    await assert.rejects(dm.addFile(fixture(SMILE), { name: 'Smile', campaign_id: 'nowhere' }), isCode('not-found'));
    await assert.rejects(dm.addFile(fixture(SMILE), { name: 'Smile', asset_type: 'spreadsheet' }), isCode('invalid'));
    assert.deepEqual(blobFiles(v), before);
    assert.equal((await dm.listAssets()).length, 1);
  });

  it('purging an asset leaves its blob; a blob still referenced cannot be deleted, an orphan can', async () => {
    const a = await dm.addFile(fixture(CASTLE), { name: 'Castle' });
    const b = await dm.addFile(fixture(CASTLE), { name: 'Castle copy' });
    const hash = String(a.hash);
    await dm.delete('asset', a.id);
    await dm.purge('asset', a.id);
    assert.equal(existsSync(blobFile(v, hash)), true, 'purge leaves the blob');
    await assert.rejects(dm.deleteFile(hash), isCode('invalid', /Castle copy/));
    await dm.delete('asset', b.id);
    await assert.rejects(dm.deleteFile(hash), isCode('invalid', /Castle copy/), 'an asset in the trash still needs its file');
    await dm.purge('asset', b.id);
    assert.deepEqual((await dm.listFiles()).map((f) => f.hash), [hash], 'an orphan is listed');
    await dm.deleteFile(hash);
    assert.deepEqual(await dm.listFiles(), []);
    assert.equal((await dm.verifyAudit()).ok, true);
  });

  it('reads in a read-only session; writes there are refused', async () => {
    const a = await dm.addFile(fixture(SMILE), { name: 'Smile' });
    const second = v.manager({ app: 'second window' });
    await second.unlock('correct horse');
    try {
      assert.ok(second.readOnlyReason);
      assert.deepEqual(await second.readFile(String(a.hash)), fixture(SMILE));
      assert.deepEqual((await second.listFiles()).map((f) => f.hash), [a.hash]);
      assert.equal(await second.fileHash(fixture(SMILE)), a.hash);
      const before = fingerprint(v.root);
      await assert.rejects(second.addFile(fixture(CASTLE), { name: 'Castle' }), isCode('read-only-session'));
      await assert.rejects(second.writeFile(fixture(CASTLE)), isCode('read-only-session'));
      await assert.rejects(second.deleteFile(String(a.hash)), isCode('read-only-session'));
      assert.deepEqual(fingerprint(v.root), before);
    } finally {
      await second.lock();
    }
  });

  it('a damaged blob is replaced when the same bytes are written again (restore)', async () => {
    const a = await dm.addFile(fixture(SMILE), { name: 'Smile' });
    const file = blobFile(v, String(a.hash));
    const bad = readFileSync(file);
    bad[150]! ^= 0xff;
    writeFileSync(file, bad);
    await assert.rejects(dm.readFile(String(a.hash)), isCode('corrupt'));
    assert.deepEqual(await dm.writeFile(fixture(SMILE)), { hash: a.hash, size: fixture(SMILE).length });
    assert.deepEqual(await dm.readFile(String(a.hash)), fixture(SMILE));
  });

  it('key rotation re-seals every blob with the new key before the old one is dropped', async () => {
    const files = [fixture(CASTLE), fixture(SMILE), fixture(RULEBOOK)];
    const hashes: string[] = [];
    for (const [i, f] of files.entries()) hashes.push(String((await dm.addFile(f, { name: `File ${i}` })).hash));
    const oldKey = header(v).activeDataKey;
    await dm.rotateKey();
    const h = header(v);
    assert.deepEqual(h.dataKeys.map((d) => d.id), [h.activeDataKey]);
    assert.notEqual(h.activeDataKey, oldKey);
    for (const hash of hashes) assert.equal(peekSealedHeader(readFileSync(blobFile(v, hash)), hash).keyId, h.activeDataKey);
    assert.deepEqual(blobFiles(v), hashes.map(blobPath).sort(), 'same names, no leftovers');
    await reopen();
    for (const [i, hash] of hashes.entries()) assert.deepEqual(await dm.readFile(hash), files[i]);
    assert.equal((await dm.verifyAudit()).ok, true);
  });

  it('Encrypt Vault re-seals every blob under the new keys and renames it for the new master key', async () => {
    const w = tempVault();
    try {
      const plain = w.manager();
      await plain.initialize();
      const files = [fixture(CASTLE), fixture(SMILE), fixture(RULEBOOK)];
      const assets = [];
      for (const [i, f] of files.entries()) assets.push(await plain.addFile(f, { name: `File ${i}` }));
      await plain.delete('asset', assets[2]!.id); // a trashed asset keeps its file through encryption
      const oldHashes = assets.map((a) => String(a.hash));
      await plain.encrypt('now secret');
      const renamed = await Promise.all(assets.map((a) => plain.get('asset', a.id)));
      for (const [i, a] of renamed.entries()) {
        assert.notEqual(a!.hash, oldHashes[i], 'the id was made with the public key: it changes');
        assert.equal(a!.hash, await plain.fileHash(files[i]!));
        assert.deepEqual(await plain.readFile(String(a!.hash)), files[i]);
      }
      assert.deepEqual(blobFiles(w), renamed.map((a) => blobPath(String(a!.hash))).sort(), 'the old blobs are gone');
      await plain.lock();
      const h = header(w);
      assert.equal(h.encryption, 'aes-256-gcm');
      assert.deepEqual(h.dataKeys.map((d) => d.id), [h.activeDataKey]);
      const again = w.manager();
      await again.unlock('now secret');
      for (const [i, a] of renamed.entries()) assert.deepEqual(await again.readFile(String(a!.hash)), files[i]);
      assert.equal((await again.verifyAudit()).ok, true);
      await again.lock();
    } finally {
      w.dispose();
    }
  });
});

describe('core/files: faults', () => {
  let v: TestVault;
  beforeEach(() => (v = tempVault()));
  afterEach(() => v.dispose());

  it('a full disk at any file operation of addFile leaves no asset without its file', async () => {
    let probe: FaultyFileStore | undefined;
    const ref = v.manager({ wrap: (f) => (probe = new FaultyFileStore(f)) });
    await ref.createVault('pw');
    const start = probe!.mutations;
    await ref.addFile(fixture(MAP), { name: 'Map' });
    const ops = probe!.mutations - start;
    await ref.lock();
    assert.ok(ops >= 2, `addFile writes the blob and appends to the journal (saw ${ops} operations)`);
    for (let k = 1; k <= ops; k++) {
      const w = tempVault();
      try {
        let faulty: FaultyFileStore | undefined;
        const dm = w.manager({ wrap: (f) => (faulty = new FaultyFileStore(f)) });
        await dm.createVault('pw');
        await dm.addFile(fixture(CASTLE), { name: 'Kept' });
        faulty!.fault = { at: faulty!.mutations + k, persistent: true, code: 'disk-full', tornBytes: 11 };
        await assert.rejects(dm.addFile(fixture(MAP), { name: 'Map' }), isCode('disk-full'), `op ${k}`);
        assert.deepEqual((await dm.listAssets()).map((a) => a.name), ['Kept'], `op ${k}: no asset row in memory`);
        faulty!.fault = undefined;
        // Once space is back, the same file can be added.
        const map = await dm.addFile(fixture(MAP), { name: 'Map' });
        assert.deepEqual(await dm.readFile(String(map.hash)), fixture(MAP));
        await dm.lock();
        const check = w.manager();
        await check.unlock('pw');
        for (const a of await check.listAssets()) assert.ok(await check.readFile(String(a.hash)), `op ${k}: ${a.name} has its file`);
        assert.deepEqual((await check.listAssets()).map((a) => a.name).sort(), ['Kept', 'Map']);
        assert.equal((await check.verifyAudit()).ok, true);
        await check.lock();
        assert.ok(!blobFiles(w).some((p) => p.endsWith('.tmp')), `op ${k}: no temporary file left`);
      } finally {
        w.dispose();
      }
    }
  });

  for (const mode of ['rotate', 'encrypt'] as const) {
    it(`an interrupted ${mode === 'rotate' ? 'key rotation' : 'Encrypt Vault'} (each file operation failing in turn) resumes on unlock with every file readable`, async () => {
      const files = [fixture(CASTLE), fixture(SMILE), fixture(RULEBOOK)];
      const setup = async (dm: DataManager) => {
        if (mode === 'rotate') await dm.createVault('pw');
        else await dm.initialize();
        for (const [i, f] of files.entries()) await dm.addFile(f, { name: `File ${i}` });
      };
      const run = (dm: DataManager) => (mode === 'rotate' ? dm.rotateKey() : dm.encrypt('pw').then(() => undefined));
      let probe: FaultyFileStore | undefined;
      const ref = v.manager({ wrap: (f) => (probe = new FaultyFileStore(f)) });
      await setup(ref);
      const start = probe!.mutations;
      await run(ref);
      const ops = probe!.mutations - start;
      await ref.lock();
      assert.ok(ops >= files.length + 3, `expected a write per blob and more, saw ${ops}`);
      for (let k = 1; k <= ops; k++) {
        const w = tempVault();
        try {
          let faulty: FaultyFileStore | undefined;
          const dm = w.manager({ wrap: (f) => (faulty = new FaultyFileStore(f)) });
          await setup(dm);
          faulty!.fault = { at: faulty!.mutations + k, code: 'io', tornBytes: 5 };
          await run(dm).catch((e: unknown) => {
            if (!isVaultError(e)) throw e;
          });
          // The process "dies" here: whatever happened on disk stays; a new process unlocks.
          await dm.lock().catch(() => undefined);
          const check = w.manager();
          const h = header(w);
          await check.unlock(h.encryption === 'none' ? { none: true } : 'pw');
          const after = header(w);
          assert.equal(after.rotation, undefined, `op ${k}: the rotation was finished`);
          assert.deepEqual(after.dataKeys.map((d) => d.id), [after.activeDataKey], `op ${k}: one data key`);
          const assets = await check.listAssets({ include_deleted: true });
          assert.equal(assets.length, files.length, `op ${k}`);
          for (const a of assets) {
            const i = Number(a.name.split(' ')[1]);
            assert.deepEqual(await check.readFile(String(a.hash)), files[i], `op ${k}: ${a.name}`);
            assert.equal(peekSealedHeader(readFileSync(join(w.root, blobPath(String(a.hash)))), a.name).keyId, header(w).activeDataKey, `op ${k}: ${a.name} sealed with the active key`);
          }
          assert.deepEqual((await check.listFiles()).map((f) => f.hash).sort(), assets.map((a) => String(a.hash)).sort(), `op ${k}: no stale blob`);
          assert.equal((await check.verifyAudit()).ok, true, `op ${k}: audit`);
          await check.lock();
        } finally {
          w.dispose();
        }
      }
    });
  }
});

describe('core/files: sniffing and sizes', () => {
  const bytes = (...parts: (number[] | string)[]) => new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)));

  it('recognises the fixtures and the magic numbers of GIF, WebP, Ogg and MP3', () => {
    assert.deepEqual(sniff(fixture(CASTLE)), { mime: 'image/png', asset_type: 'image' });
    assert.deepEqual(sniff(fixture(SMILE)), { mime: 'image/jpeg', asset_type: 'image' });
    assert.deepEqual(sniff(fixture(RULEBOOK)), { mime: 'application/pdf', asset_type: 'pdf' });
    assert.deepEqual(sniff(bytes('GIF89a', [1, 0, 1, 0])), { mime: 'image/gif', asset_type: 'image' });
    assert.deepEqual(sniff(bytes('GIF87a')), { mime: 'image/gif', asset_type: 'image' });
    assert.deepEqual(sniff(bytes('RIFF', [0x24, 0, 0, 0], 'WEBPVP8 ')), { mime: 'image/webp', asset_type: 'image' });
    assert.deepEqual(sniff(bytes('OggS', [0, 2])), { mime: 'audio/ogg', asset_type: 'audio' });
    assert.deepEqual(sniff(bytes('ID3', [4, 0, 0])), { mime: 'audio/mpeg', asset_type: 'audio' });
    assert.deepEqual(sniff(bytes([0xff, 0xfb, 0x90, 0x64])), { mime: 'audio/mpeg', asset_type: 'audio' }, 'an MPEG-1 layer III frame');
  });

  it('guesses nothing for what it does not know', () => {
    const other = { mime: null, asset_type: 'other' };
    for (const b of [
      bytes(),
      bytes([0x89, 0x50, 0x4e]),
      bytes('RIFF', [0x24, 0, 0, 0], 'AVI LIST'), // RIFF, but neither WAVE (a sound since issue 18) nor WEBP
      bytes('fLa'),
      bytes('GIF88a'),
      bytes('%PDF'),
      bytes([0xff, 0xff, 0xff, 0xff]),
      bytes([0xff, 0xfb, 0xf0, 0x00]), // bad bitrate
      bytes([0xff, 0xe9, 0x90, 0x00]), // reserved version
      bytes('<svg xmlns="http://www.w3.org/2000/svg"/>'),
      bytes('plain text'),
    ]) {
      assert.deepEqual(sniff(b), other, Buffer.from(b).toString('hex'));
    }
  });

  it('derives the plaintext size from the file size at every chunk boundary', () => {
    for (const n of [0, 1, 15, 16, 17, 4096, DEFAULT_CHUNK - 1, DEFAULT_CHUNK, DEFAULT_CHUNK + 1, 2 * DEFAULT_CHUNK, 3 * DEFAULT_CHUNK + 17]) {
      assert.equal(plaintextSizeOf(sealedSize(n)), n, String(n));
    }
    assert.equal(plaintextSizeOf(0), 0);
    assert.equal(plaintextSizeOf(50), 0);
  });
});
