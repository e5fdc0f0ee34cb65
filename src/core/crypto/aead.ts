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
