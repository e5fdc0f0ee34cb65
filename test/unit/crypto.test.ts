import * as assert from 'node:assert/strict';
import { fromBase64, fromHex, toBase64, toHex } from '../../src/core/bytes';
import { canonicalJson } from '../../src/core/canonical';
import { AuthenticationError, TAG_BYTES, nobleSuite, openInto, sealInto, verify, webCryptoSuite, type CipherSuite } from '../../src/core/crypto/aead';
import { checkKdfParams, DEFAULT_KDF, deriveKek, hkdf, hmac } from '../../src/core/crypto/kdf';
import { formatRecoveryKey, parseRecoveryKey } from '../../src/core/crypto/recoveryKey';
import { isVaultError } from '../../src/core/errors';
import { nodeCipherSuite, nodeRandom } from '../../src/node/system';

const suites: CipherSuite[] = [nobleSuite, webCryptoSuite()!, nodeCipherSuite];

describe('core/crypto', () => {
  it('HKDF-SHA-256 matches RFC 5869 test case 1', async () => {
    const ikm = new Uint8Array(22).fill(0x0b);
    const salt = fromHex('000102030405060708090a0b0c');
    const info = fromHex('f0f1f2f3f4f5f6f7f8f9');
    const okm = await hkdf(ikm, salt, info);
    // The first 32 bytes of the RFC's 42-byte OKM.
    assert.equal(toHex(okm), '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf');
  });

  it('HMAC-SHA-256 matches RFC 4231 (a short key, and a key longer than the block, which is hashed first)', async () => {
    const case2 = await hmac(new TextEncoder().encode('Jefe'), new TextEncoder().encode('what do ya want for nothing?'));
    assert.equal(toHex(case2), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    const case6 = await hmac(new Uint8Array(131).fill(0xaa), new TextEncoder().encode('Test Using Larger Than Block-Size Key - Hash Key First'));
    assert.equal(toHex(case6), '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54');
    // Interleaved callers share one hasher safely.
    const [a, b] = await Promise.all([hmac(new Uint8Array([1]), new Uint8Array([2])), hmac(new Uint8Array([1]), new Uint8Array([2]))]);
    assert.equal(toHex(a), toHex(b));
  });

  it('every AES-GCM suite reads what every other wrote (same algorithm, same bytes)', async () => {
    const raw = nodeRandom.bytes(32);
    const nonce = nodeRandom.bytes(12);
    const aad = new TextEncoder().encode('context');
    // Around the size from which the Node suite hands over OpenSSL's output without a copy.
    for (const size of [0, 1, 4095, 4096, 70_001]) {
      const plain = nodeRandom.bytes(size);
      for (const a of suites) {
        const sealed = await a.seal(await a.importKey(raw), nonce, plain, aad);
        for (const b of suites) {
          const opened = await b.open(await b.importKey(raw), nonce, sealed, aad);
          assert.deepEqual(opened, plain, `${a.name} → ${b.name}, ${size} bytes`);
          assert.ok(opened instanceof Uint8Array);
        }
      }
    }
  });

  it('sealing into and opening into a given buffer give the same bytes as seal and open, with every suite, across the Node suite\'s slices', async () => {
    const raw = nodeRandom.bytes(32);
    const nonce = nodeRandom.bytes(12);
    const aad = new TextEncoder().encode('pack head');
    // Around the Node suite's 256 KiB slices, and into shared memory (where backup segments lie).
    for (const size of [0, 1, 262_143, 262_144, 262_145, 600_000]) {
      const plain = nodeRandom.bytes(size);
      for (const a of suites) {
        const key = await a.importKey(raw);
        const sealed = await a.seal(key, nonce, plain, aad);
        const out = new Uint8Array(new SharedArrayBuffer(size + TAG_BYTES + 7)).fill(0xee);
        const n = await sealInto(a, key, nonce, plain, aad, out.subarray(3));
        assert.equal(n, size + TAG_BYTES);
        assert.deepEqual(out.slice(3, 3 + n), sealed, `${a.name} sealInto, ${size} bytes`);
        assert.deepEqual([out[0], out[3 + n]], [0xee, 0xee], 'nothing written outside');
        const back = new Uint8Array(size + 5);
        assert.equal(await openInto(a, key, nonce, sealed, aad, back), size);
        assert.deepEqual(back.subarray(0, size), plain, `${a.name} openInto, ${size} bytes`);
        assert.equal(await verify(a, key, nonce, sealed, aad), size, `${a.name} verify, ${size} bytes`);
      }
    }
    await assert.rejects(sealInto(nodeCipherSuite, await nodeCipherSuite.importKey(raw), nonce, new Uint8Array(10), aad, new Uint8Array(25)), RangeError);
  });

  for (const suite of suites) {
    it(`${suite.name}: opening into a buffer fails authentication as open does, and leaves no plaintext there`, async () => {
      const key = await suite.importKey(nodeRandom.bytes(32));
      const nonce = nodeRandom.bytes(12);
      const aad = new Uint8Array([9]);
      const plain = new Uint8Array(700_000).fill(0x41);
      const sealed = await suite.seal(key, nonce, plain, aad);
      // The damage is near the end: every slice before it has been decrypted by then.
      sealed[sealed.length - TAG_BYTES - 3]! ^= 0x01;
      const out = new Uint8Array(plain.length);
      await assert.rejects(openInto(suite, key, nonce, sealed, aad, out), AuthenticationError);
      assert.ok(out.every((b) => b === 0), 'no unauthenticated plaintext is left in the buffer');
      await assert.rejects(openInto(suite, key, nonce, sealed.subarray(0, 5), aad, out), AuthenticationError);
      // Authenticating without keeping the plaintext fails alike.
      await assert.rejects(verify(suite, key, nonce, sealed, aad), AuthenticationError);
      await assert.rejects(verify(suite, key, nonce, sealed.subarray(0, 5), aad), AuthenticationError);
      sealed[sealed.length - TAG_BYTES - 3]! ^= 0x01;
      assert.equal(await verify(suite, key, nonce, sealed, aad), plain.length, 'and the intact bytes verify');
      await assert.rejects(verify(suite, key, nonce, sealed, new Uint8Array([8])), AuthenticationError);
    });
  }

  for (const suite of suites) {
    it(`${suite.name}: a flipped bit, other associated data or a wrong key fail authentication`, async () => {
      const raw = nodeRandom.bytes(32);
      const key = await suite.importKey(raw);
      const nonce = nodeRandom.bytes(12);
      const aad = new Uint8Array([1, 2, 3]);
      const sealed = await suite.seal(key, nonce, new TextEncoder().encode('the dragon sleeps under the mill'), aad);
      const flipped = sealed.slice();
      flipped[5]! ^= 0x01;
      await assert.rejects(suite.open(key, nonce, flipped, aad), AuthenticationError);
      await assert.rejects(suite.open(key, nonce, sealed, new Uint8Array([1, 2, 4])), AuthenticationError);
      await assert.rejects(suite.open(await suite.importKey(nodeRandom.bytes(32)), nonce, sealed, aad), AuthenticationError);
      await assert.rejects(suite.open(key, nonce, sealed.subarray(0, 10), aad), AuthenticationError);
      const big = await suite.seal(key, nonce, nodeRandom.bytes(100_000), aad);
      big[50_000] = big[50_000]! ^ 0x01;
      await assert.rejects(suite.open(key, nonce, big, aad), AuthenticationError);
    });
  }

  it('Argon2id is deterministic and depends on password and salt', async () => {
    const p = { algorithm: 'argon2id' as const, memoryKiB: 64, iterations: 1, parallelism: 1 };
    const salt = new Uint8Array(16).fill(7);
    const a = await deriveKek('correct horse', salt, p);
    assert.deepEqual(await deriveKek('correct horse', salt, p), a);
    assert.notDeepEqual(await deriveKek('correct horsf', salt, p), a);
    assert.notDeepEqual(await deriveKek('correct horse', new Uint8Array(16).fill(8), p), a);
    // NFC and NFD spellings of the same password derive the same key.
    assert.deepEqual(await deriveKek('Caf\u00e9', salt, p), await deriveKek('Cafe\u0301', salt, p));
  });

  it('KDF parameters outside the safe range are refused before anything runs', () => {
    assert.deepEqual(checkKdfParams(DEFAULT_KDF), DEFAULT_KDF);
    const hostile = [
      { ...DEFAULT_KDF, memoryKiB: 2 ** 31 },
      { ...DEFAULT_KDF, iterations: 1e9 },
      // Inside the old "safe" range, yet each unlock took minutes at 1 GiB: capped at what a real vault needs.
      { ...DEFAULT_KDF, memoryKiB: 1024 * 1024, iterations: 64 },
      { ...DEFAULT_KDF, memoryKiB: 256 * 1024 + 1 },
      { ...DEFAULT_KDF, iterations: 11 },
      { ...DEFAULT_KDF, parallelism: 255 },
      { ...DEFAULT_KDF, memoryKiB: 1.5 },
      { ...DEFAULT_KDF, algorithm: 'scrypt' },
      { ...DEFAULT_KDF, memoryKiB: '65536' },
      null,
    ];
    for (const h of hostile) assert.throws(() => checkKdfParams(h), (e) => isVaultError(e, 'corrupt'), JSON.stringify(h));
    // The caps themselves are allowed (4x the default memory, 10 passes, 16 lanes), and the refusal says why.
    assert.ok(checkKdfParams({ ...DEFAULT_KDF, memoryKiB: 256 * 1024, iterations: 10, parallelism: 16 }));
    assert.throws(() => checkKdfParams({ ...DEFAULT_KDF, iterations: 64 }), (e) => isVaultError(e, 'corrupt') && /iterations = 64, allowed 1 to 10/.test(e.userMessage));
  });

  it('the default KDF is at least RFC 9106 second recommendation', () => {
    assert.ok(DEFAULT_KDF.memoryKiB >= 64 * 1024 && DEFAULT_KDF.iterations >= 3 && DEFAULT_KDF.parallelism >= 4);
  });

  it('recovery keys round-trip and forgive case, spaces and look-alike letters', () => {
    for (let i = 0; i < 50; i++) {
      const bytes = nodeRandom.bytes(32);
      const text = formatRecoveryKey(bytes);
      assert.match(text, /^([0-9A-HJKMNP-TV-Z]{4}-){12}[0-9A-HJKMNP-TV-Z]{4}$/);
      assert.deepEqual(parseRecoveryKey(text), bytes);
      assert.deepEqual(parseRecoveryKey(` ${text.toLowerCase().replace(/-/g, ' ')} `), bytes);
      assert.deepEqual(parseRecoveryKey(text.replace(/0/g, 'O').replace(/1/g, 'l')), bytes);
    }
    assert.throws(() => parseRecoveryKey('ABCD-EFGH'), (e) => isVaultError(e, 'wrong-password'));
    assert.throws(() => parseRecoveryKey('U'.repeat(52)), (e) => isVaultError(e, 'wrong-password'));
  });

  it('base64 and hex round-trip every length', () => {
    for (let n = 0; n < 40; n++) {
      const b = nodeRandom.bytes(n);
      assert.equal(toBase64(b), Buffer.from(b).toString('base64'));
      assert.deepEqual(fromBase64(toBase64(b)), b);
      assert.deepEqual(fromHex(toHex(b)), b);
    }
    assert.throws(() => fromBase64('abc'));
    assert.throws(() => fromHex('zz'));
  });

  it('canonical JSON sorts keys at every level and drops undefined', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: null }], c: 'x' }, u: undefined }), '{"a":{"c":"x","d":[2,{"y":null,"z":1}]},"b":1}');
    assert.throws(() => canonicalJson({ n: Number.NaN }));
  });
});
