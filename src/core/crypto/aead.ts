import { gcm } from '@noble/ciphers/aes.js';

/**
 * AES-256-GCM behind one small interface, so the vault can use whichever implementation is fastest
 * where it runs: WebCrypto (`crypto.subtle`, native in every VS Code host), Node's OpenSSL
 * (`src/node/cipher.ts`), or @noble/ciphers (pure JavaScript, for hosts without either).
 * `npm run bench` measures all three; docs/FORMAT.md records the choice.
 *
 * Callers never reuse a (key, nonce) pair: every object and journal file has its own key derived
 * from the data key and a random salt, and nonces are counters within it.
 */
export interface AeadKey {
  readonly suite: string;
}

export interface CipherSuite {
  readonly name: string;
  importKey(raw: Uint8Array): Promise<AeadKey>;
  /** Ciphertext followed by the 16-byte tag. */
  seal(key: AeadKey, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  /** Throws {@link AuthenticationError} when the tag does not verify. */
  open(key: AeadKey, nonce: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  /**
   * {@link seal} written into `out` (at least the plaintext's length plus the tag) instead of a
   * fresh buffer; returns the bytes written. Optional: {@link sealInto} falls back to seal.
   */
  sealInto?(key: AeadKey, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, out: Uint8Array): Promise<number>;
  /**
   * {@link open} written into `out` (at least the ciphertext's length less the tag); returns the
   * plaintext's length. When the tag does not verify, throws as open does and `out` holds nothing
   * of the plaintext. Optional: {@link openInto} falls back to open.
   */
  openInto?(key: AeadKey, nonce: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array, out: Uint8Array): Promise<number>;
  /**
   * Authenticates like {@link open} without keeping the plaintext (a read-back check of bytes
   * stored as they are needs no more); returns the plaintext's length. Optional: {@link verify}
   * falls back to open.
   */
  verify?(key: AeadKey, nonce: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array): Promise<number>;
}

/** Authenticates without keeping the plaintext (see {@link CipherSuite.verify}) with any suite. */
export async function verify(suite: CipherSuite, key: AeadKey, nonce: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array): Promise<number> {
  if (suite.verify) return suite.verify(key, nonce, ciphertext, aad);
  const plain = await suite.open(key, nonce, ciphertext, aad);
  plain.fill(0);
  return plain.length;
}

/** Opens into `out` (see {@link CipherSuite.openInto}) with any suite. */
export async function openInto(suite: CipherSuite, key: AeadKey, nonce: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array, out: Uint8Array): Promise<number> {
  if (ciphertext.length < TAG_BYTES) throw new AuthenticationError('ciphertext shorter than its tag');
  if (out.length < ciphertext.length - TAG_BYTES) throw new RangeError('openInto: the output is too small');
  if (suite.openInto) return suite.openInto(key, nonce, ciphertext, aad, out);
  const plain = await suite.open(key, nonce, ciphertext, aad);
  out.set(plain);
  return plain.length;
}

/** Seals into `out` (see {@link CipherSuite.sealInto}) with any suite. */
export async function sealInto(suite: CipherSuite, key: AeadKey, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, out: Uint8Array): Promise<number> {
  if (out.length < plaintext.length + TAG_BYTES) throw new RangeError('sealInto: the output is too small');
  if (suite.sealInto) return suite.sealInto(key, nonce, plaintext, aad, out);
  const sealed = await suite.seal(key, nonce, plaintext, aad);
  out.set(sealed);
  return sealed.length;
}

export const TAG_BYTES = 16;
export const NONCE_BYTES = 12;
export const KEY_BYTES = 32;

/** Decryption failed: wrong key, or the bytes or their context were changed. */
export class AuthenticationError extends Error {
  override readonly name = 'AuthenticationError';
}

function checkKey(raw: Uint8Array): void {
  if (raw.length !== KEY_BYTES) throw new Error(`AES-256 needs a ${KEY_BYTES}-byte key`);
}

interface NobleKey extends AeadKey {
  readonly raw: Uint8Array;
}

export const nobleSuite: CipherSuite = {
  name: 'noble',
  async importKey(raw) {
    checkKey(raw);
    return { suite: 'noble', raw: raw.slice() } as NobleKey;
  },
  async seal(key, nonce, plaintext, aad) {
    return gcm((key as NobleKey).raw, nonce, aad).encrypt(plaintext);
  },
  async open(key, nonce, ciphertext, aad) {
    try {
      return gcm((key as NobleKey).raw, nonce, aad).decrypt(ciphertext);
    } catch (e) {
      throw new AuthenticationError('authentication failed', { cause: e });
    }
  },
};

interface WebKey extends AeadKey {
  readonly key: CryptoKey;
}

/** The WebCrypto suite, or `undefined` where `crypto.subtle` is missing. */
export function webCryptoSuite(): CipherSuite | undefined {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return undefined;
  return {
    name: 'webcrypto',
    async importKey(raw) {
      checkKey(raw);
      return { suite: 'webcrypto', key: await subtle.importKey('raw', raw as BufferSource, 'AES-GCM', false, ['encrypt', 'decrypt']) } as WebKey;
    },
    async seal(key, nonce, plaintext, aad) {
      const params = { name: 'AES-GCM', iv: nonce as BufferSource, additionalData: aad as BufferSource };
      return new Uint8Array(await subtle.encrypt(params, (key as WebKey).key, plaintext as BufferSource));
    },
    async open(key, nonce, ciphertext, aad) {
      const params = { name: 'AES-GCM', iv: nonce as BufferSource, additionalData: aad as BufferSource };
      try {
        return new Uint8Array(await subtle.decrypt(params, (key as WebKey).key, ciphertext as BufferSource));
      } catch (e) {
        throw new AuthenticationError('authentication failed', { cause: e });
      }
    },
  };
}

/** The best suite available without Node: WebCrypto, else @noble/ciphers. */
export function defaultSuite(): CipherSuite {
  return webCryptoSuite() ?? nobleSuite;
}
