import * as assert from 'node:assert/strict';
import { copyFileSync, readdirSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataManager } from '../../src/core/api';
import { isVaultError, type VaultErrorCode } from '../../src/core/errors';
import { parseHeader } from '../../src/core/vault/header';
import { tempVault, type TestVault } from '../support/vaults';

/** What opening a damaged vault may answer: a typed refusal, never data. */
const REFUSALS: readonly VaultErrorCode[] = ['corrupt', 'not-a-vault', 'wrong-password', 'rolled-back', 'newer-format'];

const dbDir = (v: TestVault) => join(v.root, '.campaign-vault/db');
const file = (v: TestVault, re: RegExp) => {
  const name = readdirSync(dbDir(v)).find((n) => re.test(n));
  assert.ok(name, `no file matching ${re}`);
  return join(dbDir(v), name);
};

/** A small PRNG so a failing mutation can be replayed from its seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

describe('vault format: damaged, swapped and hostile files are refused', function () {
  this.timeout(120_000);
  let v: TestVault;
  let dm: DataManager;

  /** A vault with a snapshot, a journal with several records, and a safety copy from a migration. */
  beforeEach(async () => {
    v = tempVault();
    dm = v.manager();
    await dm.createVault('pw');
    const c = await dm.createCampaign({ name: 'Mutations' });
    await dm.checkpoint();
    for (let i = 0; i < 4; i++) await dm.createNpc({ name: `N${i}`, campaign_id: c.id });
    await dm.lock();
  });
  afterEach(async () => {
    await dm.lock().catch(() => undefined);
    v.dispose();
  });

  async function openOutcome(): Promise<'opened' | VaultErrorCode> {
    dm = v.manager();
    try {
      await dm.unlock('pw');
      const n = (await dm.listNpcs()).length;
      await dm.lock();
      return n === 4 ? 'opened' : ('corrupt' as const);
    } catch (e) {
      if (isVaultError(e)) return e.code;
      throw e;
    }
  }

  it('opens the undamaged vault (the control case)', async () => {
    assert.equal(await openOutcome(), 'opened');
  });

  const targets: [string, (v: TestVault) => string][] = [
    ['vault.json (key file)', (x) => join(x.root, '.campaign-vault/vault.json')],
    ['database snapshot', (x) => file(x, /^snapshot-/)],
    ['journal', (x) => file(x, /^journal-/)],
  ];

  for (const [label, pick] of targets) {
    it(`${label}: random bit flips, truncations and appended bytes are all refused`, async () => {
      const path = pick(v);
      const original = readFileSync(path);
      const random = rng(label.length * 7919);
      const outcomes = new Map<string, number>();
      const mutations = Number(process.env.CV_MUTATIONS ?? 60);
      for (let i = 0; i < mutations; i++) {
        const bytes = Buffer.from(original);
        let mutated: Buffer;
        const what = i % 3;
        if (what === 0) {
          const bit = Math.floor(random() * bytes.length * 8);
          bytes[bit >> 3]! ^= 1 << (bit & 7);
          mutated = bytes;
        } else if (what === 1) {
          mutated = bytes.subarray(0, Math.floor(random() * bytes.length));
        } else {
          mutated = Buffer.concat([bytes, Buffer.from(Array.from({ length: 1 + Math.floor(random() * 64) }, () => Math.floor(random() * 256)))]);
        }
        writeFileSync(path, mutated);
        const outcome = await openOutcome();
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        if (outcome === 'opened') {
          // Only a change JSON parsing cannot see (whitespace in vault.json) may leave a vault that opens.
          assert.ok(label.startsWith('vault.json') && JSON.stringify(JSON.parse(mutated.toString())) === JSON.stringify(JSON.parse(original.toString())), `${label}: mutation ${i} (${['flip', 'truncate', 'append'][what]}) was accepted`);
        } else {
          assert.ok(REFUSALS.includes(outcome), `${label}: mutation ${i} gave ${outcome}`);
        }
        writeFileSync(path, original);
      }
      assert.equal(await openOutcome(), 'opened', 'the original opens again afterwards');
    });
  }

  it('a snapshot or journal from another vault is refused', async () => {
    const w = tempVault();
    try {
      const other = w.manager();
      await other.createVault('pw');
      const c = await other.createCampaign({ name: 'Other' });
      await other.createNpc({ name: 'Intruder', campaign_id: c.id });
      await other.lock();
      for (const re of [/^snapshot-/, /^journal-/]) {
        const mine = file(v, re);
        const original = readFileSync(mine);
        copyFileSync(file(w, re), mine);
        assert.ok(REFUSALS.includes((await openOutcome()) as VaultErrorCode));
        writeFileSync(mine, original);
      }
    } finally {
      w.dispose();
    }
  });

  it('an authentic snapshot renamed to another generation is refused', async () => {
    dm = v.manager();
    await dm.unlock('pw');
    await dm.checkpoint();
    await dm.lock();
    const snap = file(v, /^snapshot-/);
    const gen = Number(/snapshot-(\d+)/.exec(snap)![1]);
    renameSync(snap, join(dbDir(v), `snapshot-${String(gen + 5).padStart(12, '0')}.cvs`));
    assert.equal(await openOutcome(), 'corrupt');
  });

  it('a journal record moved to another position is refused', async () => {
    const path = file(v, /^journal-/);
    const bytes = readFileSync(path);
    // Swap the first two records (each: u32 length, u32 check, ciphertext).
    const first = 56;
    const len1 = bytes.readUInt32LE(first) + 8;
    const len2 = bytes.readUInt32LE(first + len1) + 8;
    const swapped = Buffer.concat([bytes.subarray(0, first), bytes.subarray(first + len1, first + len1 + len2), bytes.subarray(first, first + len1), bytes.subarray(first + len1 + len2)]);
    writeFileSync(path, swapped);
    assert.equal(await openOutcome(), 'corrupt');
  });

  it('an interrupted append at the end of the journal is dropped, and writes go on in a new journal', async () => {
    const path = file(v, /^journal-/);
    const bytes = readFileSync(path);
    // Simulate a crash during a fifth append: half a record after the last whole one. A crash
    // means no clean close was recorded, as on a machine that never saw the vault closed.
    writeFileSync(path, Buffer.concat([bytes, bytes.subarray(56, 56 + 40)]));
    rmSync(v.stateDir, { recursive: true, force: true });
    dm = v.manager();
    await dm.unlock('pw');
    assert.equal((await dm.listNpcs()).length, 4);
    await dm.createNpc({ name: 'After the crash', campaign_id: (await dm.listCampaigns())[0]!.id });
    await dm.lock();
    dm = v.manager();
    await dm.unlock('pw');
    assert.equal((await dm.listNpcs()).length, 5);
    await dm.lock();
  });

  it('bytes after the last record of a cleanly closed vault are damage, not an interrupted write', async () => {
    const path = file(v, /^journal-/);
    writeFileSync(path, Buffer.concat([readFileSync(path), Buffer.from([1, 2, 3])]));
    assert.equal(await openOutcome(), 'corrupt');
  });

  it('a file that is not a vault (a PDF, a plain SQLite database) is refused before decryption', async () => {
    const snap = file(v, /^snapshot-/);
    const sqlite = Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(4080)]);
    writeFileSync(snap, sqlite);
    assert.ok(['not-a-vault', 'corrupt'].includes(await openOutcome()));
    writeFileSync(join(v.root, '.campaign-vault/vault.json'), '%PDF-1.7\n%âãÏÓ\n');
    assert.equal(await openOutcome(), 'not-a-vault');
  });

  it('hostile header values are rejected before the KDF runs or memory is allocated', () => {
    const header = JSON.parse(readFileSync(join(v.root, '.campaign-vault/vault.json'), 'utf8')) as Record<string, unknown>;
    const kdf = header.kdf as Record<string, unknown>;
    const cases: [string, Record<string, unknown>][] = [
      ['4 TiB of KDF memory', { ...header, kdf: { ...kdf, memoryKiB: 2 ** 32 } }],
      ['a billion KDF passes', { ...header, kdf: { ...kdf, iterations: 1e9 } }],
      ['1 GiB and 64 passes (once inside the range: minutes per unlock)', { ...header, kdf: { ...kdf, memoryKiB: 1024 * 1024, iterations: 64 } }],
      ['a 10 MB salt', { ...header, kdf: { ...kdf, salt: 'A'.repeat(10_000_000) } }],
      ['a huge wrapped key', { ...header, keySlots: [{ slot: 'password', nonce: 'AAAAAAAAAAAAAAAA', wrapped: 'A'.repeat(1_000_000) }] }],
      ['a thousand key slots', { ...header, keySlots: Array.from({ length: 1000 }, () => (header.keySlots as unknown[])[0]) }],
      ['a data key id past u32', { ...header, dataKeys: [{ ...(header.dataKeys as Record<string, unknown>[])[0], id: 2 ** 40 }] }],
      // Fields the MAC would not cover (it signs the fields this version knows).
      ['an unknown field at the top', { ...header, extra: 1 }],
      ['an unknown field in kdf', { ...header, kdf: { ...kdf, extra: 1 } }],
      ['an unknown field in a key slot', { ...header, keySlots: [{ ...(header.keySlots as Record<string, unknown>[])[0], extra: 1 }] }],
      ['an unknown field in a data key', { ...header, dataKeys: [{ ...(header.dataKeys as Record<string, unknown>[])[0], extra: 1 }] }],
    ];
    for (const [label, h] of cases) {
      const started = process.hrtime.bigint();
      assert.throws(() => parseHeader(Buffer.from(JSON.stringify(h))), (e: unknown) => isVaultError(e, 'corrupt'), label);
      // Not a timing assertion on the product: a guard that the KDF was never reached.
      assert.ok(Number(process.hrtime.bigint() - started) < 5e9, label);
    }
    assert.throws(() => parseHeader(Buffer.alloc(70_000, 0x20)), (e: unknown) => isVaultError(e, 'corrupt'));
    assert.throws(() => parseHeader(Buffer.from(JSON.stringify({ ...header, formatVersion: 99 }))), (e: unknown) => isVaultError(e, 'newer-format'));
    // A newer version's new fields are that version's business: still "made by a newer version".
    assert.throws(() => parseHeader(Buffer.from(JSON.stringify({ ...header, formatVersion: 99, newField: { x: 1 } }))), (e: unknown) => isVaultError(e, 'newer-format'));
  });

  it('a sparse 3 GB vault.json is refused as damaged from its first 64 KiB, never read whole', async () => {
    // Read whole, it took 11.6 s at 1.5 GB, and at 3 GB the message was "the disk reported an error".
    truncateSync(join(v.root, '.campaign-vault/vault.json'), 3 * 1024 ** 3);
    assert.equal(await openOutcome(), 'corrupt');
  });

  it('a vault whose header is from a newer version says to update', async () => {
    const p = join(v.root, '.campaign-vault/vault.json');
    const h = JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;
    writeFileSync(p, JSON.stringify({ ...h, formatVersion: 2 }));
    dm = v.manager();
    await assert.rejects(dm.unlock('pw'), (e: unknown) => isVaultError(e, 'newer-format') && /newer version/.test((e as { userMessage: string }).userMessage));
  });

  it('deleting the database snapshot is reported, not papered over with an empty vault', async () => {
    rmSync(file(v, /^snapshot-/));
    assert.equal(await openOutcome(), 'corrupt');
  });
});
