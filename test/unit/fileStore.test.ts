import * as assert from 'node:assert/strict';
import { mkdtempSync, promises as fs, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isVaultError } from '../../src/core/errors';
import { NodeFileStore } from '../../src/node/fileStore';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('node/NodeFileStore (on a real temporary folder)', () => {
  let root: string;
  let store: NodeFileStore;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'cv-store-'));
    store = new NodeFileStore(root);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('reads a file into a given buffer when it fits, into one of its own when not', async () => {
    await store.writeAtomic('p/a.bin', bytes('goblin'));
    const out = new Uint8Array(6).fill(1);
    const fits = await store.readInto('p/a.bin', out);
    assert.equal(fits.buffer, out.buffer, 'read into the given buffer');
    assert.equal(text(fits), 'goblin');
    const small = new Uint8Array(5);
    const own = await store.readInto('p/a.bin', small);
    assert.notEqual(own.buffer, small.buffer);
    assert.equal(text(own), 'goblin');
    await store.writeAtomic('p/empty', new Uint8Array(0));
    assert.equal((await store.readInto('p/empty', out)).length, 0);
    await assert.rejects(store.readInto('p/none', out), (e: unknown) => isVaultError(e, 'not-found'));
  });

  it('reads at most a limit plus one byte: a sparse 3 GB file costs one small read', async () => {
    await store.writeAtomic('v/vault.json', bytes('{"format":1}'));
    assert.equal(text(await store.read('v/vault.json', { maxBytes: 100 })), '{"format":1}');
    assert.equal(text(await store.read('v/vault.json', { maxBytes: 4 })), '{"for');
    assert.equal(text((await store.readIfExists('v/vault.json', { maxBytes: 0 }))!), '{');
    assert.equal(await store.readIfExists('v/none.json', { maxBytes: 10 }), undefined);
    await assert.rejects(store.read('v/none.json', { maxBytes: 10 }), (e: unknown) => isVaultError(e, 'not-found'));
    const huge = join(root, 'v/huge.json');
    await fs.writeFile(huge, '');
    await fs.truncate(huge, 3 * 1024 ** 3);
    const head = await store.read('v/huge.json', { maxBytes: 64 * 1024 });
    assert.equal(head.length, 64 * 1024 + 1);
  });

  it('writes atomically: creates parents, replaces content, leaves no temporary file', async () => {
    await store.writeAtomic('a/b/file.bin', bytes('one'));
    await store.writeAtomic('a/b/file.bin', bytes('two'));
    assert.equal(text(await store.read('a/b/file.bin')), 'two');
    assert.deepEqual(readdirSync(join(root, 'a/b')), ['file.bin']);
  });

  it('writes into a folder it made before even after the folder was removed by hand (made again)', async () => {
    await store.writeAtomic('blobs/ab/one.cvb', new Uint8Array([1]));
    await store.writeAtomic('blobs/ab/two.cvb', new Uint8Array([2]));
    rmSync(join(root, 'blobs'), { recursive: true, force: true });
    await store.writeAtomic('blobs/ab/three.cvb', new Uint8Array([3]));
    assert.deepEqual([...(await store.read('blobs/ab/three.cvb'))], [3]);
    assert.deepEqual(readdirSync(join(root, 'blobs/ab')), ['three.cvb']);
    // A read of a file that is not there is still "not found", whatever the store remembers.
    await assert.rejects(store.read('blobs/ab/one.cvb'), (e: unknown) => isVaultError(e, 'not-found'));
  });

  it('keeps the old content and removes its temporary file when a write fails', async () => {
    await store.writeAtomic('f', bytes('old'));
    // A folder where the rename target should go makes the rename fail after the data was written.
    await fs.mkdir(join(root, 'd'));
    await fs.writeFile(join(root, 'd', 'x'), 'keep');
    await assert.rejects(store.writeAtomic('d', bytes('new')), (e: unknown) => isVaultError(e));
    assert.equal(text(await store.read('f')), 'old');
    assert.deepEqual(readdirSync(root).sort(), ['d', 'f']);
  });

  it('appends durably, creating the file the first time', async () => {
    await store.append('journal', bytes('ab'));
    await store.append('journal', bytes('cd'));
    assert.equal(text(await store.read('journal')), 'abcd');
  });

  it('keeps a file open between appends, but never appends to a file it deleted or renamed', async () => {
    await store.append('j', bytes('1'));
    await store.delete('j');
    await store.append('j', bytes('2'));
    assert.equal(text(await store.read('j')), '2', 'the second append went to a new file, not the deleted one');
    await store.rename('j', 'k');
    await store.append('j', bytes('3'));
    assert.equal(text(await store.read('k')), '2');
    assert.equal(text(await store.read('j')), '3');
    // More files than it keeps open: each still gets its own bytes.
    for (let round = 0; round < 2; round++) for (const f of ['a', 'b', 'c', 'd', 'e', 'f']) await store.append(f, bytes(f));
    for (const f of ['a', 'b', 'c', 'd', 'e', 'f']) assert.equal(text(await store.read(f)), f + f);
    await store.closeHandles();
    await store.append('a', bytes('!'));
    assert.equal(text(await store.read('a')), 'aa!');
  });

  it('reports a failed append as a typed error and reopens afterwards', async () => {
    await fs.mkdir(join(root, 'dir'));
    await assert.rejects(store.append('dir', bytes('x')), (e: unknown) => isVaultError(e));
    await store.append('ok', bytes('y'));
    assert.equal(text(await store.read('ok')), 'y');
  });

  it('renames across folders', async () => {
    await store.writeAtomic('x/one', bytes('1'));
    await store.rename('x/one', 'y/two');
    assert.equal(await store.readIfExists('x/one'), undefined);
    assert.equal(text(await store.read('y/two')), '1');
  });

  it('lists sorted names, and nothing for a missing folder', async () => {
    await store.writeAtomic('d/b', bytes(''));
    await store.writeAtomic('d/a', bytes(''));
    assert.deepEqual(await store.list('d'), ['a', 'b']);
    assert.deepEqual(await store.list('missing'), []);
  });

  it('deletes idempotently and reports missing files as not-found', async () => {
    await store.writeAtomic('gone', bytes('x'));
    await store.delete('gone');
    await store.delete('gone');
    assert.equal(await store.stat('gone'), undefined);
    await assert.rejects(store.read('gone'), (e: unknown) => isVaultError(e, 'not-found'));
    assert.equal(await store.readIfExists('gone'), undefined);
  });

  it('stats files and folders', async () => {
    await store.writeAtomic('d/f', bytes('12345'));
    assert.deepEqual(
      { ...(await store.stat('d/f')), mtimeMs: 0 },
      { size: 5, mtimeMs: 0, isDirectory: false },
    );
    assert.equal((await store.stat('d'))?.isDirectory, true);
  });

  it('refuses paths that would leave its root, before touching the disk', async () => {
    for (const p of ['../escape', '/abs', 'a/../../b']) {
      await assert.rejects(store.writeAtomic(p, bytes('x')), (e: unknown) => isVaultError(e, 'invalid-path'));
    }
    assert.deepEqual(readdirSync(root), []);
  });
});
