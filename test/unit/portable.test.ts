import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, unzipSync, zipSync, type Zippable } from 'fflate';
import { crc32 } from 'hash-wasm';
import type { DataManager, Entity } from '../../src/core/api';
import type { VaultFiles } from '../../src/core/backup/port';
import { PORTABLE_HEADER_BYTES, PortableError, exportPortable, importPortable, openPortable, readPortable, sealPortable, type PortableLimits } from '../../src/core/backup/portable';
import { ArchiveRefused, DEFAULT_PORTABLE_LIMITS, readArchive } from '../../src/core/backup/portableZip';
import { ENTITY_KINDS, bodyOf } from '../../src/core/db/kinds';
import { VaultError, isVaultError } from '../../src/core/errors';
import { nodeCipherSuite, nodeRandom, systemClock } from '../../src/node/system';
import { FaultyFileStore } from '../support/faultyFileStore';
import { TEST_KDF, fingerprint, tempVault, type TestVault } from '../support/vaults';

const PASSWORD = 'Tiamat rises at dawn';
const suite = nodeCipherSuite;
const enc = new TextEncoder();

/** One entry of a hand-made archive: its deflate body and the size and CRC-32 its headers declare. */
interface RawEntry {
  readonly name: string;
  readonly body: Uint8Array;
  readonly declared: number;
  readonly crc: number;
  /** No body of its own: its directory record points at the first entry's (an overlapping "zip bomb"). */
  readonly sharesFirst?: boolean;
}

/** A ZIP archive written byte by byte, so its headers can say what a test wants them to. */
function rawZip(entries: readonly RawEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const n = enc.encode(e.name);
    const at = e.sharesFirst ? 0 : offset;
    if (!e.sharesFirst) {
      const h = new Uint8Array(30 + n.length);
      const v = new DataView(h.buffer);
      v.setUint32(0, 0x04034b50, true);
      v.setUint16(4, 20, true);
      v.setUint16(8, 8, true);
      v.setUint32(14, e.crc, true);
      v.setUint32(18, e.body.length, true);
      v.setUint32(22, e.declared, true);
      v.setUint16(26, n.length, true);
      h.set(n, 30);
      parts.push(h, e.body);
      offset += h.length + e.body.length;
    }
    const c = new Uint8Array(46 + n.length);
    const cv = new DataView(c.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(10, 8, true);
    cv.setUint32(16, e.crc, true);
    cv.setUint32(20, e.body.length, true);
    cv.setUint32(24, e.declared, true);
    cv.setUint16(28, n.length, true);
    cv.setUint32(42, at, true);
    c.set(n, 46);
    central.push(c);
  }
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, central.reduce((t, c) => t + c.length, 0), true);
  ev.setUint32(16, offset, true);
  const blob = [...parts, ...central, end];
  const out = new Uint8Array(blob.reduce((t, b) => t + b.length, 0));
  let o = 0;
  for (const b of blob) {
    out.set(b, o);
    o += b.length;
  }
  return out;
}

/** An archive of `entries` (deflated honestly) and `extra` entries given as raw deflate bodies with the size they declare. */
async function zipOf(entries: Record<string, Uint8Array>, extra: { name: string; body: Uint8Array; declared: number; crc?: number }[]): Promise<Uint8Array> {
  const honest = await Promise.all(Object.entries(entries).map(async ([name, data]) => ({ name, body: deflateSync(data), declared: data.length, crc: parseInt(await crc32(data), 16) })));
  return rawZip([...honest, ...extra.map((x) => ({ ...x, crc: x.crc ?? 0 }))]);
}

/** The file store the other engineer is writing, in memory: content-addressed by SHA-256. */
class MemoryFiles implements VaultFiles {
  readonly blobs = new Map<string, Uint8Array>();
  async read(hash: string): Promise<Uint8Array> {
    const b = this.blobs.get(hash);
    if (!b) throw new VaultError('not-found', `blob ${hash}`);
    return b.slice();
  }
  async write(data: Uint8Array): Promise<{ hash: string; size: number }> {
    const hash = createHash('sha256').update(data).digest('hex');
    this.blobs.set(hash, data.slice());
    return { hash, size: data.length };
  }
  async has(hash: string): Promise<boolean> {
    return this.blobs.has(hash);
  }
}

/** Every live entity of every kind, by kind/id. */
async function everything(dm: DataManager): Promise<Map<string, Entity>> {
  const all = new Map<string, Entity>();
  for (const kind of ENTITY_KINDS) for (const e of await dm.list(kind, { limit: 100_000 })) all.set(`${kind}/${e.id}`, e);
  return all;
}

function sameEntities(after: Map<string, Entity>, before: Map<string, Entity>): void {
  assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort());
  for (const [key, e] of before) {
    assert.deepEqual(bodyOf(after.get(key)!), bodyOf(e), key);
    assert.equal(after.get(key)!.campaign_id, e.campaign_id, key);
  }
}

/** Refused with a PortableError of `code` whose sentence matches `pattern`. */
function refused(code: string, pattern: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof PortableError, `expected a PortableError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.userMessage, pattern);
    assert.match(e.userMessage, /Nothing was changed\.$/);
    return true;
  };
}

describe('core/backup/portable: portable export and import', function () {
  this.timeout(60_000);
  let src: TestVault;
  let dst: TestVault;
  let dm: DataManager;
  let fresh: DataManager;
  let files: MemoryFiles;
  const exportOpts = { password: PASSWORD, kdf: TEST_KDF, suite, random: nodeRandom, clock: systemClock, extensionVersion: '9.9.9-test' };

  beforeEach(async () => {
    src = tempVault('cv-portable-src-');
    dst = tempVault('cv-portable-dst-');
    dm = src.manager();
    fresh = dst.manager();
    await dm.createVault();
    await fresh.createVault();
    files = new MemoryFiles();
  });
  afterEach(async () => {
    await dm.lock();
    await fresh.lock();
    src.dispose();
    dst.dispose();
  });

  async function asset(name: string, content: Uint8Array, campaignId: string | null): Promise<Entity> {
    const { hash } = await files.write(content);
    return dm.createAsset({ name, asset_type: 'map', mime: 'image/png', size: content.length, hash, campaign_id: campaignId });
  }

  /** Two campaigns, a library, assets with files, a nested location, links by id, names that need care, an entry in the trash. */
  async function sample(): Promise<{ a: Entity; b: Entity }> {
    const a = await dm.createCampaign({ name: 'The Sundered Crown', system: 'D&D 5e', is_active: true, notes: 'Act 1: *the road*' });
    const b = await dm.createCampaign({ name: 'the sundered crown?', system: 'D&D 5e' });
    const fireball = await dm.createSpell({ name: 'Fireball', level: 3, school: 'Evocation', campaign_id: null });
    await dm.createItem({ name: 'Potion of Healing', campaign_id: null });
    const random = new Uint8Array(300_000);
    for (let i = 0; i < random.length; i += 65_536) random.set(nodeRandom.bytes(Math.min(65_536, random.length - i)), i);
    const map = await asset('Sword Coast.png', random, a.id);
    await asset('Handout.txt', enc.encode('Meet me at the Stonehill Inn. '.repeat(2000)), null);
    const town = await dm.createLocation({ name: 'Phandalin', campaign_id: a.id, map_asset_id: map.id });
    await dm.createLocation({ name: 'The Stonehill Inn', campaign_id: a.id, parent_id: town.id });
    await dm.createLocation({ name: 'CON', campaign_id: a.id });
    await dm.createLocation({ name: 'Café', campaign_id: a.id });
    await dm.createLocation({ name: 'CAFÉ', campaign_id: a.id });
    await dm.createCharacter({ name: 'Zanna', campaign_id: a.id, class: 'Wizard', level: 3, spells: { known: [{ name: 'Fireball', level: 3, spell_id: fireball.id }] } });
    await dm.createNpc({ name: 'Toblen Stonehill', campaign_id: a.id, location_id: town.id });
    await dm.createItem({ name: 'Crown Shard', campaign_id: a.id });
    await dm.createSession({ name: 'Session 1', campaign_id: a.id, number: 1 });
    await dm.createNpc({ name: 'Sildar', campaign_id: b.id });
    const gone = await dm.createNpc({ name: 'Gone', campaign_id: a.id });
    await dm.delete('npc', gone.id);
    return { a, b };
  }

  it('round-trips one campaign into a fresh vault: identical bodies, ids and files, nothing else', async () => {
    const { a } = await sample();
    const bytes = await exportPortable(dm, { ...exportOpts, campaign: 'The Sundered Crown', files });
    const contents = await readPortable(bytes, PASSWORD, { suite });
    assert.equal(contents.manifest.scope, 'campaign');
    assert.deepEqual(contents.manifest.campaign, { id: a.id, name: a.name });
    assert.equal(contents.manifest.extensionVersion, '9.9.9-test');
    assert.equal(contents.manifest.sourceVaultId, dm.vaultId);
    assert.equal(contents.manifest.counts.files, 1);
    assert.equal(contents.manifest.counts.location, 5);

    const target = new MemoryFiles();
    const result = await importPortable(fresh, bytes, { password: PASSWORD, files: target, suite });
    assert.deepEqual(result.campaigns, [{ id: a.id, name: a.name }]);
    assert.equal(result.files, 1);
    assert.equal(result.skipped.length, 0);
    const before = new Map([...(await everything(dm))].filter(([, e]) => e.id === a.id || e.campaign_id === a.id));
    sameEntities(await everything(fresh), before);
    const map = (await fresh.get('asset', 'Sword Coast.png', { campaign_id: a.id }))!;
    assert.deepEqual(target.blobs.get(map.hash as string), files.blobs.get(map.hash as string), 'the file is byte-identical');
    assert.equal(target.blobs.size, 1);
  });

  it('round-trips the whole vault: every campaign, the library and every file', async () => {
    await sample();
    const bytes = await exportPortable(dm, { ...exportOpts, files });
    const target = new MemoryFiles();
    const result = await importPortable(fresh, bytes, { password: PASSWORD, files: target, suite });
    assert.equal(result.manifest.scope, 'vault');
    assert.equal(result.campaigns.length, 2);
    sameEntities(await everything(fresh), await everything(dm));
    assert.deepEqual(new Map([...target.blobs].sort()), new Map([...files.blobs].sort()));
    // Imported again, everything is already there: skipped, nothing written.
    const again = await importPortable(fresh, bytes, { password: PASSWORD, files: target, suite });
    assert.equal(again.created.length, 0);
    assert.equal(again.skipped.length, result.created.length);
  });

  it('exports without a file store (entries only) and refuses to import files nowhere to be put', async () => {
    await sample();
    const entriesOnly = await exportPortable(dm, exportOpts);
    assert.equal((await readPortable(entriesOnly, PASSWORD, { suite })).manifest.filesIncluded, false);
    await importPortable(fresh, entriesOnly, { password: PASSWORD, suite });
    sameEntities(await everything(fresh), await everything(dm));

    const withFiles = await exportPortable(dm, { ...exportOpts, files });
    const empty = tempVault('cv-portable-empty-');
    const other = empty.manager();
    await other.createVault();
    try {
      const print = fingerprint(empty.root);
      await assert.rejects(importPortable(other, withFiles, { password: PASSWORD, suite }), refused('unsupported', /holds 2 asset file\(s\), and there is no file store/));
      assert.deepEqual(fingerprint(empty.root), print);
    } finally {
      await other.lock();
      empty.dispose();
    }
  });

  it('a wrong password writes nothing and says so', async () => {
    await sample();
    const bytes = await exportPortable(dm, { ...exportOpts, files });
    const target = new MemoryFiles();
    const print = fingerprint(dst.root);
    await assert.rejects(importPortable(fresh, bytes, { password: 'Tiamat rises at dusk', files: target, suite }), refused('wrong-password', /^Wrong password for this backup file, or the file is damaged\./));
    assert.deepEqual(fingerprint(dst.root), print);
    assert.equal(target.blobs.size, 0);
    assert.equal((await everything(fresh)).size, 0);
  });

  describe('the encrypted container', () => {
    const archive = enc.encode('x'.repeat(20_000));
    const seal = (chunkSize?: number) => sealPortable(archive, PASSWORD, { kdf: TEST_KDF, suite, random: nodeRandom, ...(chunkSize ? { chunkSize } : {}) });

    it('opens what it sealed, in one chunk and in several', async () => {
      assert.deepEqual(await openPortable(await seal(), PASSWORD, suite), archive);
      const several = await seal(4096);
      assert.equal(several.length, PORTABLE_HEADER_BYTES + archive.length + 16 * 5);
      assert.deepEqual(await openPortable(several, PASSWORD, suite), archive);
    });

    it('refuses other files, newer formats and hostile KDF parameters before the KDF runs', async () => {
      const good = await seal();
      await assert.rejects(openPortable(enc.encode('PK\u0003\u0004 a zip, not ours'), PASSWORD, suite), refused('not-a-vault', /not a Campaign Vault portable backup/));
      await assert.rejects(openPortable(new Uint8Array(0), PASSWORD, suite), refused('not-a-vault', /not a Campaign Vault portable backup/));
      const newer = good.slice();
      newer[4] = 2;
      await assert.rejects(openPortable(newer, PASSWORD, suite), refused('newer-format', /newer version of Campaign Vault/));
      for (const [offset, value] of [
        [8, 0xffffffff], // memory: 4 TiB
        [8, 4], // memory below the floor
        [12, 1_000_000], // passes
        [16, 0], // lanes
        [16, 255], // lanes
        [8, 1024 * 1024], // memory: 1 GiB, once inside the range, made every open take minutes
        [12, 64], // passes: 64, likewise
      ] as const) {
        const bad = good.slice();
        new DataView(bad.buffer).setUint32(offset, value, true);
        // Argon2id with 4 TiB or a million passes would take hours (far past the timeout): refused before.
        await assert.rejects(openPortable(bad, PASSWORD, suite), refused('corrupt', /key-derivation settings outside the safe range/));
      }
    });

    it('refuses every truncation, appended byte and flipped bit, and never returns plaintext', async () => {
      const good = await seal(4096);
      for (const cut of [PORTABLE_HEADER_BYTES - 1, PORTABLE_HEADER_BYTES, PORTABLE_HEADER_BYTES + 100, good.length - 4112, good.length - 16, good.length - 1]) {
        await assert.rejects(openPortable(good.subarray(0, cut), PASSWORD, suite), refused('corrupt', /damaged/), `cut at ${cut}`);
      }
      const longer = new Uint8Array(good.length + 1);
      longer.set(good);
      await assert.rejects(openPortable(longer, PASSWORD, suite), refused('corrupt', /longer than it says/));
      // A later chunk's damage is told apart from a wrong password.
      const late = good.slice();
      late[good.length - 20] = late[good.length - 20]! ^ 1;
      await assert.rejects(openPortable(late, PASSWORD, suite), refused('corrupt', /^The backup file is damaged\./));
      // Bits flipped all over: header, salt, every chunk and tag.
      let n = 0;
      for (let i = 4; i < good.length; i += 97) {
        const bad = good.slice();
        bad[i] = bad[i]! ^ (1 << (i % 8));
        await assert.rejects(openPortable(bad, PASSWORD, suite), (e: unknown) => e instanceof PortableError && ['corrupt', 'wrong-password', 'newer-format'].includes(e.code), `byte ${i}`);
        n++;
      }
      assert.ok(n > 200);
    });
  });

  describe('hostile archives', () => {
    /** A real export's archive, as a name → bytes map to change. */
    async function baseArchive(): Promise<Record<string, Uint8Array>> {
      await sample();
      return unzipSync(await openPortable(await exportPortable(dm, { ...exportOpts, files }), PASSWORD, suite));
    }
    const sealZip = (zip: Uint8Array) => sealPortable(zip, PASSWORD, { kdf: TEST_KDF, suite, random: nodeRandom });
    const read = async (zip: Uint8Array, limits?: Partial<PortableLimits>) => readPortable(await sealZip(zip), PASSWORD, { suite, ...(limits ? { limits } : {}) });

    /** Replaces every occurrence of a (same-length) name in the archive's headers. */
    function rename(zip: Uint8Array, from: string, to: string): Uint8Array {
      const a = enc.encode(from);
      const b = enc.encode(to);
      assert.equal(a.length, b.length);
      const out = zip.slice();
      let hits = 0;
      for (let i = 0; i + a.length <= out.length; i++) {
        if (a.every((x, k) => out[i + k] === x)) {
          out.set(b, i);
          hits++;
        }
      }
      assert.equal(hits, 2, 'the local header and the directory');
      return out;
    }

    it('accepts the unchanged archive (the corpus below starts from it)', async () => {
      const entries = await baseArchive();
      const contents = await read(zipSync(entries));
      assert.equal(contents.files.size, 2);
    });

    it('refuses unsafe names: traversal, absolute paths, drive letters, backslashes, control characters, reserved names', async () => {
      const entries = await baseArchive();
      for (const [name, why] of [
        ['../evil.yaml', /unsafe name.*contains "\.\."/],
        ['entries/campaigns/../../evil.yaml', /unsafe name.*contains "\.\."/],
        ['/etc/passwd', /unsafe name.*absolute/],
        ['C:/Windows/evil.yaml', /unsafe name.*drive letter/],
        ['entries\\library\\evil.yaml', /unsafe name.*backslash/],
        ['entries/library/items/a\u0000b.yaml', /unsafe name.*control/],
        ['entries/library/items/\u202eevil.yaml', /unsafe name.*control or formatting/],
        ['files/CON', /unsafe name.*reserved name on Windows/],
        ['entries/library/items/nul.txt.yaml', /unsafe name.*reserved name on Windows/],
        ['entries//library/x.yaml', /unsafe name.*empty segment/],
      ] as const) {
        await assert.rejects(read(zipSync({ ...entries, [name]: enc.encode('name: x\n') })), refused('invalid', why), name);
      }
    });

    it('refuses symbolic links, folders and other non-files, whatever their names', async () => {
      const entries = await baseArchive();
      const link = zipSync({ ...entries, 'entries/library/items/link.yaml': [enc.encode('/etc/passwd'), { os: 3, attrs: (0o120777 << 16) >>> 0 }] });
      await assert.rejects(read(link), refused('invalid', /is a symbolic link/));
      // The same link made by hand: a regular entry whose directory record is patched to S_IFLNK.
      const plain = zipSync({ ...entries, 'files/zz': [enc.encode('../../.ssh/id_rsa'), { os: 3, attrs: (0o100644 << 16) >>> 0 }] });
      const patched = plain.slice();
      const view = new DataView(patched.buffer);
      let found = 0;
      for (let i = 0; i + 46 < patched.length; i++) {
        if (view.getUint32(i, true) === 0x02014b50 && view.getUint32(i + 38, true) === (0o100644 << 16) >>> 0) {
          view.setUint32(i + 38, (0o120777 << 16) >>> 0, true);
          found++;
        }
      }
      assert.equal(found, 1);
      await assert.rejects(read(patched), refused('invalid', /"files\/zz" is a symbolic link/));
      await assert.rejects(read(zipSync({ ...entries, 'entries/library/spells/x.yaml': [enc.encode('name: x'), { os: 3, attrs: (0o040755 << 16) >>> 0 }] })), refused('invalid', /is a folder/));
      await assert.rejects(read(zipSync({ ...entries, 'entries/library/spells/x.yaml': [enc.encode('name: x'), { os: 0, attrs: 0x10 }] })), refused('invalid', /is a folder/));
      await assert.rejects(read(zipSync({ ...entries, 'entries/extra': {} })), refused('invalid', /"entries\/extra\/" is a folder/));
      await assert.rejects(read(zipSync({ ...entries, 'files/fifo': [new Uint8Array(0), { os: 3, attrs: (0o010644 << 16) >>> 0 }] })), refused('invalid', /is not a regular file/));
    });

    it('refuses duplicate names and names that collide after case folding or NFC normalisation', async () => {
      const entries = await baseArchive();
      const dup = rename(zipSync({ ...entries, 'files/aaaa': enc.encode('one'), 'files/aaab': enc.encode('two') }), 'files/aaab', 'files/aaaa');
      await assert.rejects(read(dup), refused('invalid', /the name "files\/aaaa" appears twice/));
      await assert.rejects(read(zipSync({ ...entries, 'files/abc': enc.encode('1'), 'files/ABC': enc.encode('2') })), refused('invalid', /are the same file on Windows and macOS/));
      const nfc = 'entries/library/spells/Caf\u00e9.yaml';
      const nfd = 'entries/library/spells/Cafe\u0301.yaml';
      await assert.rejects(read(zipSync({ ...entries, [nfc]: enc.encode('a'), [nfd]: enc.encode('b') })), refused('invalid', /are the same file on Windows and macOS/));
    });

    it('refuses entries that are not part of a portable backup', async () => {
      const entries = await baseArchive();
      for (const name of ['README.txt', 'Manifest.json', 'entries/campaigns/Another Campaign/campaign.yaml', 'entries/library/campaign.yaml', 'entries/library/characters/x.yaml', 'entries/x.yaml', 'files/a/b', 'files/.hidden']) {
        await assert.rejects(read(zipSync({ ...entries, [name]: enc.encode('name: x\n') })), (e: unknown) => e instanceof PortableError && e.code === 'invalid', name);
      }
      const orphan = zipSync({ ...entries, 'files/deadbeef': enc.encode('no asset refers to me') });
      await assert.rejects(importPortable(fresh, await sealZip(orphan), { password: PASSWORD, files: new MemoryFiles(), suite }), refused('invalid', /"files\/deadbeef", which no asset refers to/));
      const noManifest = { ...entries };
      delete noManifest['manifest.json'];
      await assert.rejects(read(zipSync(noManifest)), refused('invalid', /no manifest\.json/));
    });

    it('refuses more entries, bigger entries or more bytes than the limits, counted on what inflates', async () => {
      const entries = await baseArchive();
      const zip = zipSync(entries);
      await assert.rejects(read(zip, { maxEntries: 3 }), refused('invalid', /holds \d+ entries \(at most 3\)/));
      await assert.rejects(read(zip, { maxEntryBytes: 10_000 }), refused('invalid', /larger than 10000 bytes/));
      await assert.rejects(read(zip, { maxTotalBytes: 100_000 }), refused('invalid', /add up to more than 100000 bytes/));
    });

    /** A ZIP written by hand: entries of `data` deflated once, each declaring `declared` bytes; `overlap` points every entry at one body. */
    async function handZip(names: string[], raw: Uint8Array, opts: { declared: number | ((i: number) => number); overlap: boolean }): Promise<Uint8Array> {
      const body = deflateSync(raw, { level: 9 });
      const crc = parseInt(await crc32(raw), 16);
      return rawZip(names.map((name, i) => ({ name, body, crc, declared: typeof opts.declared === 'number' ? opts.declared : opts.declared(i), sharesFirst: opts.overlap && i > 0 })));
    }

    it('refuses lying sizes: an entry is stopped at the first bytes beyond what its header declares', async () => {
      const megabyte = new Uint8Array(1 << 20);
      const readAll = (zip: Uint8Array, limits: Partial<PortableLimits> = {}) => readArchive(zip, { ...DEFAULT_PORTABLE_LIMITS, ...limits });
      const lie = (name: string, declared: number) => (e: unknown) => e instanceof ArchiveRefused && new RegExp(`"${name}" inflates to more than the ${declared} bytes its header declares`).test(e.message);
      // Declares 100 bytes, inflates to 1 MiB: stopped at the first slice beyond 100 bytes (once
      // inflated to the 512 MiB limit first: 708 MB peak for a real bomb).
      const liar = await handZip(['files/liar'], megabyte, { declared: 100, overlap: false });
      await assert.rejects(readAll(liar, { maxEntryBytes: 256 * 1024 }), lie('files/liar', 100));
      await assert.rejects(readAll(liar), lie('files/liar', 100));
      // Eight honest entries of 1 MiB and a ninth that declares 100 bytes: stopped inside the ninth.
      const many = await handZip(Array.from({ length: 9 }, (_, i) => `files/bomb${i}`), megabyte, { declared: (i) => (i < 8 ? 1 << 20 : 100), overlap: false });
      assert.ok(many.length < 30_000);
      await assert.rejects(readAll(many, { maxTotalBytes: (8 << 20) + 1024 }), lie('files/bomb8', 100));
      // Declaring too little is refused as well.
      const short = await handZip(['files/short'], megabyte, { declared: (2 << 20), overlap: false });
      await assert.rejects(readAll(short), (e: unknown) => e instanceof ArchiveRefused && /inflates to 1048576 bytes, not the 2097152 its header declares/.test(e.message));
    });

    it('decides from names and declared sizes before inflating: bombs nothing refers to, a huge manifest or entry are refused unread', async () => {
      const entries = await baseArchive();
      // Bodies that are not deflate data at all: had anything been inflated, the refusal would say "cannot be inflated".
      const garbage = new Uint8Array(64).fill(0xff);
      const withBombs = await zipOf(entries, [0, 1, 2, 3].map((i) => ({ name: `files/${String(i).repeat(64)}`, body: garbage, declared: 400 << 20 })));
      // Four 400 MiB entries nothing refers to (once: 19 s and 2.8 GB before the refusal).
      const target = new MemoryFiles();
      await assert.rejects(importPortable(fresh, await sealZip(withBombs), { password: PASSWORD, files: target, suite }), refused('invalid', /holds the file "files\/0{64}", which no asset refers to/));
      assert.equal(target.blobs.size, 0);
      // A manifest that would inflate to 300 MiB (once: 782 MB before "larger than 1 MiB").
      const { 'manifest.json': _m, ...rest } = entries;
      const bigManifest = await zipOf(rest, [{ name: 'manifest.json', body: garbage, declared: 300 << 20 }]);
      await assert.rejects(read(bigManifest), refused('invalid', /its manifest is larger than 1048576 bytes/));
      // An entry file larger than an import may be.
      const zanna = Object.keys(entries).find((k) => k.endsWith('/characters/Zanna.yaml'))!;
      const { [zanna]: _z, ...others } = entries;
      const bigEntry = await zipOf(others, [{ name: zanna, body: garbage, declared: 5 << 20 }]);
      await assert.rejects(read(bigEntry), refused('invalid', /Zanna\.yaml" is larger than 4194304 bytes/));
      // An asset's file whose declared size is not the asset's: refused as damaged, unread.
      const [fileName] = Object.keys(entries).filter((k) => k.startsWith('files/'));
      const { [fileName!]: _f, ...noFile } = entries;
      const wrongSize = await zipOf(noFile, [{ name: fileName!, body: garbage, declared: entries[fileName!]!.length + 1 }]);
      await assert.rejects(importPortable(fresh, await sealZip(wrongSize), { password: PASSWORD, files: target, suite }), refused('corrupt', /damaged/));
      assert.equal(target.blobs.size, 0);
    });

    it('refuses a bomb of a few KB that would inflate to gigabytes, quickly and in little memory', async () => {
      // 400 directory records sharing one 4 MiB-of-zeros body (about 4 KB deflated): 1.6 GB declared
      // honestly, within the default limits, from an archive of about 30 KB.
      const names = Array.from({ length: 400 }, (_, i) => `files/b${String(i).padStart(4, '0')}`);
      const bomb = await handZip(names, new Uint8Array(4 << 20), { declared: 4 << 20, overlap: true });
      assert.ok(bomb.length < 40_000, `${bomb.length} bytes`);
      const rss = process.memoryUsage().rss;
      await assert.rejects(read(bomb), refused('invalid', /overlaps another entry/));
      assert.ok(process.memoryUsage().rss - rss < 64 << 20, 'no gigabytes were allocated');
      // The same bodies side by side (not overlapping) are refused by the limits too.
      const side = await handZip(names.slice(0, 40), new Uint8Array(4 << 20), { declared: 4 << 20, overlap: false });
      await assert.rejects(read(side, { maxTotalBytes: 32 << 20 }), refused('invalid', /add up to more than 33554432 bytes/));
    });

    it('refuses damaged archives: bad CRC, truncated deflate data, bytes before the first entry', async () => {
      const entries = await baseArchive();
      // The manifest stored as it is, one byte of it flipped: it is read (and checked) first.
      const manifest = entries['manifest.json']!;
      const zip = zipSync({ ...entries, 'manifest.json': [manifest, { level: 0 }] });
      const at = zip.findIndex((_, i) => manifest.subarray(0, 32).every((b, k) => zip[i + k] === b));
      const crcBad = zip.slice();
      crcBad[at + 5] = crcBad[at + 5]! ^ 1;
      await assert.rejects(read(crcBad), refused('invalid', /"manifest\.json" fails its CRC-32 check/));
      const prefixed = new Uint8Array(zip.length + 4);
      prefixed.set(zip, 4);
      await assert.rejects(read(prefixed), refused('invalid', /directory is not where the end record says|unexplained bytes/));
      await assert.rejects(read(zip.subarray(0, zip.length - 5)), refused('invalid', /no end-of-archive record/));
    });

    it('checks every YAML document and the manifest before writing: a refused archive writes nothing', async () => {
      const entries = await baseArchive();
      const zanna = Object.keys(entries).find((k) => k.endsWith('/characters/Zanna.yaml'))!;
      const target = new MemoryFiles();
      const print = fingerprint(dst.root);
      const attempt = async (changed: Zippable, pattern: RegExp, code = 'invalid') => {
        await assert.rejects(importPortable(fresh, await sealZip(zipSync(changed)), { password: PASSWORD, files: target, suite }), refused(code, pattern));
        assert.deepEqual(fingerprint(dst.root), print);
        assert.equal(target.blobs.size, 0);
      };
      // An alias bomb in the last campaign's character: the library and the first campaign parse fine.
      await attempt({ ...entries, [zanna]: enc.encode('a: &a [x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n') }, /YAML aliases/);
      // An entry that is not valid for its kind.
      await attempt({ ...entries, [zanna]: enc.encode(new TextDecoder().decode(entries[zanna]).replace(/level: 3/, 'level: high')) }, /not a valid entry/);
      // A file listed by the campaign's export manifest is missing, or counts do not add up.
      const missing = { ...entries };
      delete missing[zanna];
      await attempt(missing, /damaged/, 'corrupt');
      const manifest = JSON.parse(new TextDecoder().decode(entries['manifest.json'])) as { counts: Record<string, number> };
      manifest.counts.npc = 99;
      await attempt({ ...entries, 'manifest.json': enc.encode(JSON.stringify(manifest)) }, /damaged/, 'corrupt');
      const newer = { ...manifest, formatVersion: 2 };
      await attempt({ ...entries, 'manifest.json': enc.encode(JSON.stringify(newer)) }, /newer version/, 'newer-format');
      // An asset's file whose content does not match its name: refused before any entry is written.
      const hash = Object.keys(entries).find((k) => k.startsWith('files/'))!;
      const swapped = { ...entries, [hash]: enc.encode('not the map') };
      await assert.rejects(importPortable(fresh, await sealZip(zipSync(swapped)), { password: PASSWORD, files: target, suite }), refused('corrupt', /damaged/));
      assert.deepEqual(fingerprint(dst.root), print);
      assert.equal((await everything(fresh)).size, 0);
    });
  });

  it('a write failing half-way undoes the whole import, also the groups already written', async () => {
    await sample();
    const bytes = await exportPortable(dm, { ...exportOpts, files });
    const other = tempVault('cv-portable-faulty-');
    let faulty: FaultyFileStore | undefined;
    const target = other.manager({ wrap: (f) => (faulty = new FaultyFileStore(f)) });
    await target.createVault();
    try {
      // The library and every campaign are one journal record now (once: one write each, the 8th
      // failing inside a campaign): its append fails, and nothing of the import is there.
      faulty!.fault = { at: faulty!.mutations + 1, code: 'io' };
      await assert.rejects(importPortable(target, bytes, { password: PASSWORD, files: new MemoryFiles(), suite }), (e: unknown) => isVaultError(e, 'io'));
      assert.equal((await everything(target)).size, 0, 'nothing is left of the import');
      faulty!.fault = undefined;
      await importPortable(target, bytes, { password: PASSWORD, files: new MemoryFiles(), suite });
      sameEntities(await everything(target), await everything(dm));
    } finally {
      await target.lock();
      other.dispose();
    }
  });

  it('refuses a campaign that is not there, or in the trash', async () => {
    const c = await dm.createCampaign({ name: 'Old' });
    await assert.rejects(exportPortable(dm, { ...exportOpts, campaign: 'Nowhere' }), (e: unknown) => isVaultError(e, 'not-found'));
    await dm.delete('campaign', c.id);
    await assert.rejects(exportPortable(dm, { ...exportOpts, campaign: c.id }), (e: unknown) => isVaultError(e, 'invalid') && /in the trash/.test((e as VaultError).userMessage));
  });
});

describe('campaign-vault export-backup and import-backup', function () {
  this.timeout(120_000);
  const root = join(__dirname, '../../..');
  let tmp: string;
  let cli: string;
  const run = (folder: string, args: string[], extra: Record<string, string | undefined> = {}): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      const env: Record<string, string | undefined> = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CAMPAIGN_VAULT_'))), CAMPAIGN_VAULT_KDF: 'test', CAMPAIGN_VAULT_STATE_DIR: join(tmp, 'state'), CAMPAIGN_VAULT_PASSWORD: 'vault pw', CAMPAIGN_VAULT_BACKUP_PASSWORD: 'file pw', ...extra };
      for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
      execFile(process.execPath, [cli, '--dir', folder, ...args], { env }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    });
  const ok = async (folder: string, args: string[]) => {
    const r = await run(folder, args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const fails = async (folder: string, args: string[], code: number, pattern: RegExp, extra: Record<string, string | undefined> = {}) => {
    const r = await run(folder, args, extra);
    assert.equal(r.code, code, `exit code (stderr: ${r.stderr})`);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, pattern);
  };
  const vault = async (name: string) => {
    const dir = join(tmp, name);
    mkdirSync(dir);
    await ok(dir, ['init']);
    return dir;
  };

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'cv-portable-cli-'));
    // Built from the sources, so the test never runs a stale dist/cli.js.
    const esbuild = await import('esbuild');
    mkdirSync(join(tmp, 'dist'));
    cli = join(tmp, 'dist/cli.js');
    await esbuild.build({ entryPoints: [join(root, 'src/cli/main.ts')], outfile: cli, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning', define: { __CV_VERSION__: '"1.2.3-test"' } });
    copyFileSync(join(root, 'node_modules/sql.js/dist/sql-wasm.wasm'), join(tmp, 'dist/sql-wasm.wasm'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('refuses archive entries nothing refers to without inflating them: the import process stays small (a child, its peak memory measured)', async () => {
    const a = await vault('bomb-source');
    await ok(a, ['create', 'campaign', '--name', 'Lost Mines']);
    const honest = join(tmp, 'honest.cvpb');
    await ok(a, ['export-backup', honest]);
    const entries = unzipSync(await openPortable(readFileSync(honest), 'file pw', nodeCipherSuite));
    // Four real deflate bombs: 256 MiB of zeros each (about 250 KB deflated), named like asset files no asset has.
    const zeros = Buffer.alloc(256 << 20);
    const body = deflateRawSync(zeros, { level: 9 });
    const crc = parseInt(await crc32(zeros), 16);
    const bombs = [0, 1, 2, 3].map((i) => ({ name: `files/${String(i).repeat(64)}`, body, declared: zeros.length, crc }));
    const file = join(tmp, 'bombs.cvpb');
    writeFileSync(file, await sealPortable(await zipOf(entries, bombs), 'file pw', { kdf: TEST_KDF, suite: nodeCipherSuite, random: nodeRandom }));
    assert.ok(statSync(file).size < 2 << 20, 'a file of a couple of MB');
    const probe = join(tmp, 'max-rss.js');
    writeFileSync(probe, "process.on('exit', () => process.stderr.write(`\\nmaxRSS ${process.resourceUsage().maxRSS}\\n`));\n");
    const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CAMPAIGN_VAULT_'))), CAMPAIGN_VAULT_KDF: 'test', CAMPAIGN_VAULT_STATE_DIR: join(tmp, 'state'), CAMPAIGN_VAULT_PASSWORD: 'vault pw', CAMPAIGN_VAULT_BACKUP_PASSWORD: 'file pw' };
    /** Imports `archive` into a new vault in a child process: its exit code, stderr and peak memory (MiB). */
    const importInChild = async (target: string, archive: string) => {
      const dir = await vault(target);
      const r = await new Promise<{ code: number; stderr: string }>((resolve) =>
        execFile(process.execPath, ['-r', probe, cli, '--dir', dir, 'import-backup', archive], { env }, (err, _out, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr })),
      );
      return { ...r, maxRssMiB: Number(/maxRSS (\d+)/.exec(r.stderr)?.[1]) / 1024 };
    };
    const bombed = await importInChild('bomb-target', file);
    assert.notEqual(bombed.code, 0);
    assert.match(bombed.stderr, /which no asset refers to/);
    // The same import of the honest archive, measured alike, is what any import costs on this
    // machine now. Inflated, a single bomb would add 256 MiB to it (four: a gigabyte; 2.8 GB was
    // measured for four of 500 MiB). A memory bound, relative to the machine's own, not a timing.
    const honestRun = await importInChild('honest-target', honest);
    assert.equal(honestRun.code, 0, honestRun.stderr);
    assert.ok(bombed.maxRssMiB > 0 && honestRun.maxRssMiB > 0);
    assert.ok(bombed.maxRssMiB < honestRun.maxRssMiB + 128, `peak memory ${bombed.maxRssMiB.toFixed(0)} MiB with the bombs, ${honestRun.maxRssMiB.toFixed(0)} MiB for the honest archive`);
  });

  it('moves a campaign to another vault, and refuses wrong passwords, other files and existing targets', async () => {
    const a = await vault('a');
    const b = await vault('b');
    await ok(a, ['create', 'campaign', '--name', 'Lost Mines']);
    await ok(a, ['create', 'character', '--name', 'Zanna', '--campaign', 'Lost Mines', '--set', 'level=3']);
    await ok(a, ['create', 'spell', '--name', 'Fireball', '--set', 'level=3', '--set', 'school=Evocation']);
    const file = join(tmp, 'lost-mines.cvpb');
    const out = JSON.parse(await ok(a, ['export-backup', file, '--campaign', 'Lost Mines', '--json'])) as { scope: string; bytes: number };
    assert.equal(out.scope, 'campaign');
    await fails(a, ['export-backup', file], 5, /already exists/);
    await fails(a, ['export-backup', join(tmp, 'x.cvpb'), '--campaign', 'Nowhere'], 4, /no campaign "Nowhere"/);
    await fails(a, ['export-backup', join(tmp, 'y.cvpb')], 2, /No password: set CAMPAIGN_VAULT_BACKUP_PASSWORD/, { CAMPAIGN_VAULT_BACKUP_PASSWORD: undefined });

    await fails(b, ['import-backup', file], 3, /Wrong password for this backup file, or the file is damaged\. Nothing was changed\./, { CAMPAIGN_VAULT_BACKUP_PASSWORD: 'wrong' });
    const text = join(tmp, 'notes.txt');
    writeFileSync(text, 'not a backup');
    await fails(b, ['import-backup', text], 1, /not a Campaign Vault portable backup/);
    await fails(b, ['import-backup', join(tmp, 'missing.cvpb')], 4, /there is no such file/);
    await fails(b, ['import-backup', file, '--on-conflict', 'merge'], 2, /--on-conflict takes skip, rename or replace/);
    assert.equal(JSON.parse(await ok(b, ['list', 'characters', '--json'])).length, 0);

    const result = JSON.parse(await ok(b, ['import-backup', file, '--json'])) as { scope: string; campaigns: { name: string }[]; created: { kind: string; name: string }[] };
    assert.equal(result.scope, 'campaign');
    assert.deepEqual(result.campaigns.map((c) => c.name), ['Lost Mines']);
    assert.deepEqual(result.created.map((c) => [c.kind, c.name]), [['campaign', 'Lost Mines'], ['character', 'Zanna']]);
    const zanna = JSON.parse(await ok(b, ['get', 'character', 'Zanna', '--json'])) as { level: number };
    assert.equal(zanna.level, 3);
    assert.equal(JSON.parse(await ok(b, ['list', 'spells', '--json'])).length, 0, 'a campaign backup leaves the library out');

    // The whole vault, with its library.
    const whole = join(tmp, 'whole.cvpb');
    await ok(a, ['export-backup', whole]);
    assert.match(await ok(b, ['import-backup', whole]), /^Imported the backup of .* into campaign "Lost Mines": 1 entries created, 2 skipped \(already there\)\.$/m);
    assert.equal(JSON.parse(await ok(b, ['list', 'spells', '--json'])).length, 1);
  });
});
