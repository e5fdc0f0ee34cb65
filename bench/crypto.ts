// Bulk cipher throughput of the three AES-256-GCM suites, and sealing a 100 MB object the way the
// vault seals database snapshots (src/core/vault/sealed.ts), against Node's OpenSSL in one call.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { nobleSuite, webCryptoSuite, type CipherSuite } from '../src/core/crypto/aead';
import { UnlockedKeys } from '../src/core/vault/keys';
import { seal, unseal, type SealedIdentity } from '../src/core/vault/sealed';
import { nodeCipherSuite, nodeRandom } from '../src/node/system';
import { now } from './stats';

const MiB = 1024 * 1024;

export interface Throughput {
  readonly suite: string;
  readonly totalMB: number;
  /** MB/s (10^6 bytes per second), encrypt and decrypt. */
  readonly sealMBps: number;
  readonly openMBps: number;
}

function nonceOf(i: number): Uint8Array {
  const n = new Uint8Array(12);
  new DataView(n.buffer).setUint32(8, i, false);
  return n;
}

/** Seals then opens `totalBytes` in 1 MiB messages with one key (distinct nonces), after a warm-up. */
export async function cipherThroughput(suite: CipherSuite, totalBytes: number): Promise<Throughput> {
  const key = await suite.importKey(randomBytes(32));
  const message = new Uint8Array(randomBytes(MiB));
  const aad = new Uint8Array(80);
  const count = Math.ceil(totalBytes / MiB);
  for (let i = 0; i < 3; i++) await suite.open(key, nonceOf(i), await suite.seal(key, nonceOf(i), message, aad), aad);
  const sealed: Uint8Array[] = [];
  let t0 = now();
  for (let i = 0; i < count; i++) {
    const ct = await suite.seal(key, nonceOf(i), message, aad);
    // Keep a few ciphertexts to open (holding all of them would measure the allocator).
    if (i < 8) sealed.push(ct);
  }
  const sealMs = now() - t0;
  t0 = now();
  for (let i = 0; i < count; i++) await suite.open(key, nonceOf(i % 8), sealed[i % 8]!, aad);
  const openMs = now() - t0;
  const bytes = count * MiB;
  return { suite: suite.name, totalMB: bytes / 1e6, sealMBps: bytes / 1e3 / sealMs, openMBps: bytes / 1e3 / openMs };
}

export function suites(): CipherSuite[] {
  const web = webCryptoSuite();
  return [nobleSuite, ...(web ? [web] : []), nodeCipherSuite];
}

/**
 * The reference: Node's own OpenSSL AES-256-GCM called directly (createCipheriv, update, final,
 * tag), 1 MiB messages, without the suite's copy into a tag-sized output array.
 */
export function opensslThroughput(totalBytes: number): Throughput {
  const key = randomBytes(32);
  const message = randomBytes(MiB);
  const aad = new Uint8Array(80);
  const count = Math.ceil(totalBytes / MiB);
  const kept: { ct: Buffer; tag: Buffer }[] = [];
  let t0 = now();
  for (let i = 0; i < count; i++) {
    const c = createCipheriv('aes-256-gcm', key, nonceOf(i));
    c.setAAD(aad);
    const ct = c.update(message);
    c.final();
    const tag = c.getAuthTag();
    if (i < 8) kept.push({ ct, tag });
  }
  const sealMs = now() - t0;
  t0 = now();
  for (let i = 0; i < count; i++) {
    const d = createDecipheriv('aes-256-gcm', key, nonceOf(i % 8));
    d.setAAD(aad);
    d.setAuthTag(kept[i % 8]!.tag);
    d.update(kept[i % 8]!.ct);
    d.final();
  }
  const openMs = now() - t0;
  const bytes = count * MiB;
  return { suite: 'OpenSSL direct (reference)', totalMB: bytes / 1e6, sealMBps: bytes / 1e3 / sealMs, openMBps: bytes / 1e3 / openMs };
}

export interface SealResult {
  readonly suite: string;
  readonly mb: number;
  readonly sealMs: number;
  readonly unsealMs: number;
  /** Node's OpenSSL AES-256-GCM over the same bytes, one stream fed 1 MiB at a time: the floor. */
  readonly rawEncryptMs: number;
  readonly rawDecryptMs: number;
}

/** seal() and unseal() of one buffer with the vault's sealed-object format (1 MiB chunks). */
export async function sealUnseal(suite: CipherSuite, bytes: number, runs: number): Promise<SealResult> {
  const keys = new UnlockedKeys(nodeRandom.bytes(16), nodeRandom.bytes(32), new Map([[1, nodeRandom.bytes(32)]]), 1, suite);
  const plaintext = new Uint8Array(randomBytes(bytes));
  const identity: SealedIdentity = { kind: 'snapshot', objectId: nodeRandom.bytes(16), generation: 7 };
  const sealTimes: number[] = [];
  const unsealTimes: number[] = [];
  for (let r = 0; r < runs; r++) {
    let t0 = now();
    const sealed = await seal(identity, plaintext, { keys, random: nodeRandom });
    sealTimes.push(now() - t0);
    t0 = now();
    const opened = await unseal(sealed, identity, keys, 'bench object');
    unsealTimes.push(now() - t0);
    if (opened.length !== plaintext.length || opened[12345] !== plaintext[12345]) throw new Error('unseal returned other bytes');
  }
  const raw = rawGcm(plaintext, runs);
  return { suite: suite.name, mb: bytes / 1e6, sealMs: Math.min(...sealTimes), unsealMs: Math.min(...unsealTimes), rawEncryptMs: raw.enc, rawDecryptMs: raw.dec };
}

function rawGcm(plaintext: Uint8Array, runs: number): { enc: number; dec: number } {
  const key = randomBytes(32);
  const iv = randomBytes(12);
  let enc = Infinity;
  let dec = Infinity;
  for (let r = 0; r < runs; r++) {
    const parts: Buffer[] = [];
    let t0 = now();
    const c = createCipheriv('aes-256-gcm', key, iv);
    for (let o = 0; o < plaintext.length; o += MiB) parts.push(c.update(plaintext.subarray(o, o + MiB)));
    c.final();
    const tag = c.getAuthTag();
    enc = Math.min(enc, now() - t0);
    t0 = now();
    const d = createDecipheriv('aes-256-gcm', key, iv);
    d.setAuthTag(tag);
    for (const p of parts) d.update(p);
    d.final();
    dec = Math.min(dec, now() - t0);
  }
  return { enc, dec };
}
