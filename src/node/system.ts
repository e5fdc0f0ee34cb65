import { createCipheriv, createDecipheriv, randomBytes, type DecipherGCM } from 'node:crypto';
import { AuthenticationError, TAG_BYTES, type AeadKey, type CipherSuite } from '../core/crypto/aead';
import type { Clock, Random } from '../core/ports';

export const nodeRandom: Random = { bytes: (n) => new Uint8Array(randomBytes(n)) };
export const systemClock: Clock = { now: () => Date.now() };

/** What {@link nodeCipherSuite} encrypts per call when it writes into a given buffer. */
const SLICE_BYTES = 256 * 1024;

/**
 * Runs `input` through a cipher or decipher a slice at a time, handing each slice's output to
 * `take`: each update() returns a fresh buffer, and a small one is far cheaper to get than one of
 * megabytes (see BufferPool).
 */
function eachSlice(c: { update(data: Uint8Array): Buffer }, input: Uint8Array, take: (part: Buffer) => void): void {
  for (let i = 0; i < input.length; i += SLICE_BYTES) take(c.update(input.subarray(i, Math.min(input.length, i + SLICE_BYTES))));
}

/** {@link eachSlice} into `out`; returns the bytes written. */
function updateInto(c: { update(data: Uint8Array): Buffer }, input: Uint8Array, out: Uint8Array): number {
  let at = 0;
  eachSlice(c, input, (part) => {
    out.set(part, at);
    at += part.length;
  });
  return at;
}

interface NodeKey extends AeadKey {
  readonly raw: Buffer;
}

/** A decipher for `ciphertext` (its tag at the end) with its tag and associated data set, and the length before the tag. */
function decipher(key: AeadKey, nonce: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array): { d: DecipherGCM; body: number } {
  if (ciphertext.length < TAG_BYTES) throw new AuthenticationError('ciphertext shorter than its tag');
  const d = createDecipheriv('aes-256-gcm', (key as NodeKey).raw, nonce);
  d.setAAD(aad);
  const body = ciphertext.length - TAG_BYTES;
  d.setAuthTag(ciphertext.subarray(body));
  return { d, body };
}

/**
 * AES-256-GCM through Node's OpenSSL: synchronous and the fastest here for bulk data (see
 * `npm run bench`). Only for Node hosts; the core falls back to WebCrypto or @noble/ciphers.
 */
export const nodeCipherSuite: CipherSuite = {
  name: 'node',
  async importKey(raw) {
    if (raw.length !== 32) throw new Error('AES-256 needs a 32-byte key');
    return { suite: 'node', raw: Buffer.from(raw) } as NodeKey;
  },
  async seal(key, nonce, plaintext, aad) {
    const c = createCipheriv('aes-256-gcm', (key as NodeKey).raw, nonce);
    c.setAAD(aad);
    const out = new Uint8Array(plaintext.length + TAG_BYTES);
    const body = c.update(plaintext);
    out.set(body, 0);
    const fin = c.final();
    out.set(fin, body.length);
    out.set(c.getAuthTag(), body.length + fin.length);
    return out;
  },
  async sealInto(key, nonce, plaintext, aad, out) {
    const c = createCipheriv('aes-256-gcm', (key as NodeKey).raw, nonce);
    c.setAAD(aad);
    let at = updateInto(c, plaintext, out);
    const fin = c.final();
    out.set(fin, at);
    at += fin.length;
    out.set(c.getAuthTag(), at);
    return at + TAG_BYTES;
  },
  async openInto(key, nonce, ciphertext, aad, out) {
    const { d, body } = decipher(key, nonce, ciphertext, aad);
    const at = updateInto(d, ciphertext.subarray(0, body), out);
    try {
      d.final();
    } catch (e) {
      // Nothing unauthenticated is left behind.
      out.fill(0, 0, at);
      throw new AuthenticationError('authentication failed', { cause: e });
    }
    return at;
  },
  async verify(key, nonce, ciphertext, aad) {
    const { d, body } = decipher(key, nonce, ciphertext, aad);
    // Each slice's output dropped: no buffer as large as the plaintext.
    eachSlice(d, ciphertext.subarray(0, body), () => undefined);
    try {
      d.final();
    } catch (e) {
      throw new AuthenticationError('authentication failed', { cause: e });
    }
    return body;
  },
  async open(key, nonce, ciphertext, aad) {
    const { d, body: length } = decipher(key, nonce, ciphertext, aad);
    const body = d.update(ciphertext.subarray(0, length));
    let rest: Buffer;
    try {
      rest = d.final();
    } catch (e) {
      body.fill(0);
      throw new AuthenticationError('authentication failed', { cause: e });
    }
    // GCM's final() adds nothing: the plaintext is update()'s output, handed over as it is
    // (decrypting 16 MiB in a copy here cost as much as the decryption). Below 4 KiB Node may cut
    // the output from its shared buffer pool, whose ArrayBuffer must not leave here: copied.
    if (rest.length === 0 && body.length >= 4096) return new Uint8Array(body.buffer, body.byteOffset, body.length);
    const out = new Uint8Array(body.length + rest.length);
    out.set(body, 0);
    out.set(rest, body.length);
    return out;
  },
};
