import { argon2id, createSHA256, type IHasher } from 'hash-wasm';
import { VaultError } from '../errors';
import { utf8, wipe } from '../bytes';

/** Argon2id parameters as stored in the vault header. */
export interface KdfParams {
  readonly algorithm: 'argon2id';
  /** Memory in KiB. */
  readonly memoryKiB: number;
  readonly iterations: number;
  readonly parallelism: number;
}

/** RFC 9106's second recommended option: m = 64 MiB, t = 3, p = 4. */
export const DEFAULT_KDF: KdfParams = { algorithm: 'argon2id', memoryKiB: 64 * 1024, iterations: 3, parallelism: 4 };

/**
 * Bounds for parameters read from a file (a vault's key file, a portable backup, a backup
 * repository's copies of vault headers), checked before the KDF runs so a planted header cannot
 * make every unlock allocate a gigabyte or spin for minutes. The upper bounds are what a real vault
 * needs: 4× the default memory (256 MiB), at most 10 passes, 16 lanes; the lower bounds allow the
 * fast parameters the tests use. A vault made by the product always uses {@link DEFAULT_KDF}.
 */
export const KDF_LIMITS = {
  memoryKiB: { min: 8, max: 256 * 1024 },
  iterations: { min: 1, max: 10 },
  parallelism: { min: 1, max: 16 },
  saltBytes: { min: 16, max: 64 },
} as const;

export function checkKdfParams(value: unknown): KdfParams {
  const p = value as Partial<KdfParams> | null;
  const bad = (why: string): never => {
    throw new VaultError('corrupt', `KDF parameters refused: ${why}`, {
      hint: `The key file asks for key-derivation settings outside the safe range (${why}): they could make opening it take minutes or gigabytes of memory, so it was not tried. No Campaign Vault file uses them; it may have been damaged or tampered with.`,
      params: { why },
    });
  };
  if (typeof p !== 'object' || p === null) return bad('not an object');
  if (p.algorithm !== 'argon2id') return bad(`algorithm ${String(p.algorithm)}`);
  for (const name of ['memoryKiB', 'iterations', 'parallelism'] as const) {
    const v = p[name];
    const { min, max } = KDF_LIMITS[name];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) bad(`${name} = ${String(v)}, allowed ${min} to ${max}`);
  }
  if (p.memoryKiB! < 8 * p.parallelism!) bad('memory below 8 KiB per lane');
  return { algorithm: 'argon2id', memoryKiB: p.memoryKiB!, iterations: p.iterations!, parallelism: p.parallelism! };
}

/** Password → 32-byte key-encryption key. The password bytes are wiped afterwards. */
export async function deriveKek(password: string, salt: Uint8Array, params: KdfParams): Promise<Uint8Array> {
  const checked = checkKdfParams(params);
  const pw = utf8(password.normalize('NFC'));
  try {
    return await argon2id({
      password: pw,
      salt,
      memorySize: checked.memoryKiB,
      iterations: checked.iterations,
      parallelism: checked.parallelism,
      hashLength: 32,
      outputType: 'binary',
    });
  } finally {
    wipe(pw);
  }
}

let sha256: Promise<IHasher> | undefined;

/**
 * HMAC-SHA-256 (RFC 2104) on one SHA-256 instance made once: hash-wasm's createHMAC instantiates
 * a WebAssembly module per key, which cost about a millisecond for every object's key. The hasher
 * is used synchronously from init to digest, so interleaved callers cannot mix.
 */
async function hmacSha256(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const h = await (sha256 ??= createSHA256());
  const block = new Uint8Array(64);
  if (key.length > 64) {
    h.init();
    h.update(key);
    block.set(h.digest('binary'));
  } else block.set(key);
  const pad = new Uint8Array(64);
  for (let i = 0; i < 64; i++) pad[i] = block[i]! ^ 0x36;
  h.init();
  h.update(pad);
  h.update(data);
  const inner = h.digest('binary');
  for (let i = 0; i < 64; i++) pad[i] = block[i]! ^ 0x5c;
  h.init();
  h.update(pad);
  h.update(inner);
  const out = h.digest('binary');
  wipe(block, pad, inner);
  return out;
}

/**
 * HKDF-SHA-256 (RFC 5869) for 32-byte subkeys. Each purpose uses its own `info` label, and
 * per-object keys add a random salt, so no AES-GCM key ever sees more than a few million nonces.
 */
export async function hkdf(ikm: Uint8Array, salt: Uint8Array, info: string | Uint8Array): Promise<Uint8Array> {
  const prk = await hmacSha256(salt.length > 0 ? salt : new Uint8Array(32), ikm);
  const infoBytes = typeof info === 'string' ? utf8(info) : info;
  const block = new Uint8Array(infoBytes.length + 1);
  block.set(infoBytes);
  block[infoBytes.length] = 1;
  try {
    return await hmacSha256(prk, block);
  } finally {
    wipe(prk);
  }
}

export async function hmac(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  return hmacSha256(key, data);
}
