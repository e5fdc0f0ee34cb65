import { VaultError } from '../errors';

/** Crockford's base32: no I, L, O or U, so a written-down key is hard to misread. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** 32 random bytes shown as 52 base32 characters in groups of four: `ABCD-EFGH-…`. */
export function formatRecoveryKey(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out.match(/.{1,4}/g)!.join('-');
}

/** Reads a recovery key as typed: case, spaces and dashes do not matter; O→0, I/L→1. */
export function parseRecoveryKey(text: string): Uint8Array {
  const clean = text
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  if (clean.length !== 52 || [...clean].some((c) => !ALPHABET.includes(c))) {
    throw new VaultError('wrong-password', 'recovery key malformed', { hint: 'A recovery key has 52 letters and digits in groups of four.' });
  }
  const out = new Uint8Array(32);
  let bits = 0;
  let value = 0;
  let o = 0;
  for (const c of clean) {
    value = (value << 5) | ALPHABET.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      if (o < 32) out[o++] = (value >>> (bits - 8)) & 255;
      bits -= 8;
      value &= (1 << bits) - 1;
    }
  }
  return out;
}
