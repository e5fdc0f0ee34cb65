import * as assert from 'node:assert/strict';
import { BufferPool } from '../../src/core/backup/bufferPool';

describe('core/backup/BufferPool: large buffers reused within a backup', () => {
  it('hands back what it was given, up to its limit, and only buffers it made', () => {
    let made = 0;
    const pool = new BufferPool(1024, 2, (n) => {
      made++;
      return new Uint8Array(n);
    });
    const a = pool.take(100);
    const b = pool.take(1024);
    assert.deepEqual([a.length, b.length, made], [100, 1024, 2]);
    pool.give(a);
    pool.give(a);
    const c = pool.take(10);
    assert.equal(c.buffer, a.buffer, 'reused');
    assert.equal(made, 2);
    assert.notEqual(pool.take(10).buffer, a.buffer, 'given twice, handed out once');
    // A buffer it did not make (same size or not) never enters it.
    pool.give(new Uint8Array(1024));
    pool.give(new Uint8Array(2048).subarray(0, 1024));
    assert.equal(made, 3);
    pool.take(1);
    assert.equal(made, 4);
  });

  it('keeps at most `keep` idle buffers, and gives a larger request a buffer of its own', () => {
    const pool = new BufferPool(64, 1);
    const a = pool.take(64);
    const b = pool.take(64);
    pool.give(a);
    pool.give(b);
    assert.equal(pool.take(64).buffer, a.buffer);
    assert.notEqual(pool.take(64).buffer, b.buffer, 'b was not kept');
    const big = pool.take(65);
    assert.equal(big.length, 65);
    pool.give(big);
    assert.notEqual(pool.take(64).buffer, big.buffer);
  });

  it('takes a pooled buffer only for what is worth one: from `from` up to its size', () => {
    const pool = new BufferPool(1024, 2, undefined, 256);
    assert.equal(pool.takeFor(255), undefined, 'too small: a buffer of its own is cheaper');
    assert.equal(pool.takeFor(1025), undefined, 'too large for a pooled buffer');
    const a = pool.takeFor(256)!;
    assert.equal(a.length, 1024, 'the whole buffer');
    pool.give(a);
    assert.equal(pool.takeFor(1024)!.buffer, a.buffer, 'and it is reused');
  });
});
