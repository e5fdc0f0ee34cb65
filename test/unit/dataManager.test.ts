import * as assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { DataManager } from '../../src/core/api';
import { isVaultError, type VaultError } from '../../src/core/errors';
import { nodeDataManager } from '../../src/node/dataManager';
import { FaultyFileStore } from '../support/faultyFileStore';
import { fingerprint, tempVault, type TestVault } from '../support/vaults';

const isCode = (code: VaultError['code']) => (e: unknown) => isVaultError(e, code);

describe('core/api: the DataManager', () => {
  let v: TestVault;
  let dm: DataManager;

  beforeEach(async () => {
    v = tempVault();
    dm = v.manager();
    await dm.createVault('correct horse');
  });
  afterEach(async () => {
    await dm.lock();
    v.dispose();
  });

  async function reopen(password = 'correct horse'): Promise<DataManager> {
    await dm.lock();
    dm = v.manager();
    await dm.unlock(password);
    return dm;
  }

  it('creates, reads, lists with filters, updates and survives reopening', async () => {
    const lmop = await dm.createCampaign({ name: 'Lost Mines of Phandelver', system: 'D&D 5e', status: 'active', is_active: true, settings: { variant_rules: ['feats'], starting_level: 1 } });
    await dm.createCampaign({ name: 'Curse of Strahd', system: 'D&D 5e', status: 'paused', is_active: false });
    await dm.createCampaign({ name: 'Masks', system: 'PbtA', status: 'active', is_active: true });
    const zanna = await dm.createCharacter({ name: 'Zanna', campaign_id: lmop.id, class: 'Wizard', level: 3, abilities: { str: 8, dex: 14, con: 12, int: 17, wis: 12, cha: 10 } });
    assert.equal(zanna.version, 1);
    assert.equal(zanna.campaign_id, lmop.id);
    const active = await dm.listCampaigns({ limit: 10, filters: { is_active: true, system: 'D&D 5e' } });
    assert.deepEqual(active.map((c) => c.name), ['Lost Mines of Phandelver']);
    assert.deepEqual((await dm.listCampaigns({ sort: 'name', order: 'desc', limit: 2 })).map((c) => c.name), ['Masks', 'Lost Mines of Phandelver']);
    assert.deepEqual((await dm.listCampaigns({ offset: 2 })).map((c) => c.name), ['Masks']);
    const up = await dm.updateCharacter(zanna.id, { level: 4 }, { expectedVersion: 1 });
    assert.equal(up.level, 4);
    assert.equal(up.version, 2);
    assert.deepEqual(up.abilities, zanna.abilities, 'a patch keeps the fields it does not name');
    await reopen();
    const again = await dm.getCharacter('zanna', { campaign_id: lmop.id });
    assert.equal(again?.level, 4);
    assert.deepEqual((await dm.listCharacters({ campaign_id: lmop.id, filters: { class: 'Wizard' } })).length, 1);
    assert.equal((await dm.verifyAudit()).ok, true);
  });

  it('a batch lands whole as one journal record, or not at all; its reads see its own writes; events fire after', async () => {
    await dm.lock();
    let faulty: FaultyFileStore | undefined;
    dm = v.manager({ wrap: (f) => (faulty = new FaultyFileStore(f)) });
    await dm.unlock('correct horse');
    const c = await dm.createCampaign({ name: 'Batch' });
    const events: string[] = [];
    dm.onDidChange((e) => events.push(`${e.action} ${e.kind ?? ''}`));
    const appends = () => faulty!.log.filter((l) => l.startsWith('append')).length;
    const before = appends();
    const names = await dm.batch(async (entries) => {
      await entries.create('npc', { name: 'One', campaign_id: c.id });
      await entries.create('npc', { name: 'Two', campaign_id: c.id });
      assert.equal(events.length, 0, 'nothing announced before the batch lands');
      return (await entries.list('npc', { campaign_id: c.id })).map((n) => n.name);
    });
    assert.deepEqual(names.sort(), ['One', 'Two']);
    assert.equal(appends() - before, 1, 'one journal record for the whole batch');
    assert.deepEqual(events, ['create npc', 'create npc']);
    // A failure inside (here a name taken) leaves nothing of the batch, also what came before it.
    await assert.rejects(
      dm.batch(async (entries) => {
        await entries.create('npc', { name: 'Three', campaign_id: c.id });
        await entries.create('npc', { name: 'one', campaign_id: c.id });
      }),
      isCode('exists'),
    );
    assert.deepEqual((await dm.listNpcs()).map((n) => n.name).sort(), ['One', 'Two']);
    await reopen();
    assert.deepEqual((await dm.listNpcs()).map((n) => n.name).sort(), ['One', 'Two'], 'the same after reopening: nothing of the failed batch reached the disk');
  });

  it('refuses a stale update: nothing is overwritten', async () => {
    const c = await dm.createCampaign({ name: 'Tomb of Annihilation' });
    await dm.updateCampaign(c.id, { description: 'first edit' }, { expectedVersion: 1 });
    await assert.rejects(dm.updateCampaign(c.id, { description: 'stale edit' }, { expectedVersion: 1 }), isCode('conflict'));
    // Passing the whole entity back (as the seed's examples do) carries its version along.
    await assert.rejects(dm.updateCampaign(c.id, { ...c, description: 'stale again' }), isCode('conflict'));
    assert.equal((await dm.getCampaign(c.id))?.description, 'first edit');
  });

  it('says where a schema-invalid entity is wrong, and stores nothing', async () => {
    const c = await dm.createCampaign({ name: 'Storm King' });
    await assert.rejects(
      dm.createCharacter({ name: 'Harshnag', campaign_id: c.id, abilities: { str: 99, dex: 10, con: 10, int: 10, wis: 10, cha: 10 } }),
      (e: unknown) => isVaultError(e, 'invalid') && /abilities\.str/.test((e as VaultError).userMessage),
    );
    assert.equal((await dm.listCharacters({ campaign_id: c.id })).length, 0);
    await assert.rejects(dm.createCharacter({ name: 'No campaign' }), isCode('invalid'));
    await assert.rejects(dm.createCharacter({ name: 'Ghost', campaign_id: 'missing' }), isCode('not-found'));
  });

  it('keeps names unique per campaign and kind (case-insensitively)', async () => {
    const a = await dm.createCampaign({ name: 'A' });
    const b = await dm.createCampaign({ name: 'B' });
    await dm.createNpc({ name: 'Sildar', campaign_id: a.id });
    await assert.rejects(dm.createNpc({ name: 'SILDAR', campaign_id: a.id }), isCode('exists'));
    await dm.createNpc({ name: 'Sildar', campaign_id: b.id });
    await assert.rejects(dm.createCampaign({ name: 'a' }), isCode('exists'));
  });

  it('stores names in one Unicode form: NFD and NFC spellings are the same entry', async () => {
    const a = await dm.createCampaign({ name: 'A' });
    const nfd = 'Zoe\u0308'; // "Zoë" as macOS file names spell it
    const created = await dm.createNpc({ name: nfd, campaign_id: a.id });
    assert.equal(created.name, 'Zo\u00eb');
    await assert.rejects(dm.createNpc({ name: 'Zo\u00eb', campaign_id: a.id }), isCode('exists'));
    assert.equal((await dm.get('npc', nfd, { campaign_id: a.id }))?.id, created.id);
    const renamed = await dm.updateNpc(created.id, { name: 'Re\u0301my' });
    assert.equal(renamed.name, 'R\u00e9my');
  });

  it('counts live entities per campaign and in the shared library', async () => {
    const a = await dm.createCampaign({ name: 'A' });
    await dm.createItem({ name: 'Rope', campaign_id: a.id });
    const torch = await dm.createItem({ name: 'Torch', campaign_id: a.id });
    await dm.createItem({ name: 'Potion of Healing' });
    await dm.delete('item', torch.id);
    assert.equal(await dm.count('item', { campaign_id: a.id }), 1);
    assert.equal(await dm.count('item', { campaign_id: null }), 1);
    assert.equal(await dm.count('item'), 2);
    assert.equal(await dm.count('campaign'), 1);
  });

  it('moves an entity to another campaign; a location takes its sub-locations along', async () => {
    const a = await dm.createCampaign({ name: 'A' });
    const b = await dm.createCampaign({ name: 'B' });
    const world = await dm.createLocation({ name: 'Faerûn', campaign_id: a.id });
    const city = await dm.createLocation({ name: 'Phandalin', campaign_id: a.id, parent_id: world.id });
    const inn = await dm.createLocation({ name: 'Stonehill Inn', campaign_id: a.id, parent_id: city.id });
    const moved = await dm.move('location', city.id, b.id);
    assert.equal(moved.campaign_id, b.id);
    assert.equal(moved.parent_id, undefined, 'the parent stays behind');
    const innAfter = await dm.get('location', inn.id);
    assert.equal(innAfter?.campaign_id, b.id);
    assert.equal(innAfter?.parent_id, city.id);
    assert.equal((await dm.get('location', world.id))?.campaign_id, a.id);
    await assert.rejects(dm.move('location', inn.id, 'no-such-campaign'), isCode('not-found'));
    await assert.rejects(dm.move('campaign', a.id, b.id), isCode('invalid'));
    const npc = await dm.createNpc({ name: 'Sildar', campaign_id: a.id });
    await assert.rejects(dm.move('npc', npc.id, null), isCode('invalid'), 'an NPC belongs to a campaign');
    await assert.rejects(dm.move('npc', npc.id, b.id, { expectedVersion: 7 }), isCode('conflict'));
    assert.equal((await reopen()).isUnlocked, true);
    assert.equal((await dm.get('location', inn.id))?.campaign_id, b.id, 'the move is durable');
    assert.equal((await dm.verifyAudit()).ok, true);
  });

  it('gives every version of an entity a later timestamp, even within one millisecond', async () => {
    const a = await dm.createCampaign({ name: 'A' });
    let last = a.updated_at;
    for (let i = 0; i < 20; i++) {
      const e = await dm.updateCampaign(a.id, { description: `v${i}` });
      assert.ok(e.updated_at > last, `${e.updated_at} after ${last}`);
      last = e.updated_at;
    }
  });

  it('keeps the text an entry was saved as until something else changes it', async () => {
    const a = await dm.createCampaign({ name: 'A' });
    const typed = '# Zanna, by Anna\nname: Zanna   # the gnome\nlevel: 1\n';
    const z = await dm.createCharacter({ name: 'Zanna', level: 1, campaign_id: a.id });
    assert.equal(await dm.entryText('character', z.id), undefined, 'no text saved yet');
    await dm.update('character', z.id, { name: 'Zanna', level: 1 }, { replace: true, text: typed });
    assert.equal(await dm.entryText('character', z.id), typed);
    assert.equal((await reopen()).isUnlocked, true);
    assert.equal(await dm.entryText('character', z.id), typed, 'durable');
    await dm.updateCharacter(z.id, { level: 2 });
    assert.equal(await dm.entryText('character', z.id), undefined, 'a change made elsewhere makes the text stale');
    const made = await dm.create('npc', { name: 'Sildar', campaign_id: a.id }, { text: 'name: Sildar # ally\n' });
    assert.equal(await dm.entryText('npc', made.id), 'name: Sildar # ally\n');
    await dm.delete('npc', made.id);
    await dm.purge('npc', made.id);
    assert.equal(await dm.entryText('npc', made.id), undefined);
    await dm.rollbackMigration();
    assert.equal(await dm.entryText('character', z.id), undefined, 'without the table there is no text, and no error');
    await dm.update('character', z.id, { level: 3 }, { text: 'name: Zanna\nlevel: 3\n' });
    await dm.runMigrations();
    assert.equal((await dm.verifyAudit()).ok, true);
  });

  it('soft-deletes to the trash, restores, and purges only from the trash', async () => {
    const c = await dm.createCampaign({ name: 'Out of the Abyss' });
    const npc = await dm.createNpc({ name: 'Glabbagool', campaign_id: c.id });
    const gone = await dm.deleteNpc(npc.id);
    assert.ok(gone.deleted_at);
    assert.equal((await dm.listNpcs({ campaign_id: c.id })).length, 0);
    assert.equal((await dm.listNpcs({ campaign_id: c.id, deleted_only: true })).length, 1);
    await assert.rejects(dm.updateNpc(npc.id, { role: 'ally' }), isCode('invalid'));
    await dm.restoreNpc(npc.id);
    assert.equal((await dm.listNpcs({ campaign_id: c.id })).length, 1);
    await assert.rejects(dm.purge('npc', npc.id), isCode('invalid'));
    await dm.deleteNpc(npc.id);
    await dm.purge('npc', npc.id);
    assert.equal(await dm.getNpc(npc.id), undefined);
    assert.equal((await dm.verifyAudit()).ok, true);
  });

  it('nests locations and refuses cycles and parents from other campaigns', async () => {
    const c = await dm.createCampaign({ name: 'Forgotten Realms' });
    const other = await dm.createCampaign({ name: 'Eberron' });
    const world = await dm.createLocation({ name: 'Faerûn', campaign_id: c.id, type: 'world' });
    const region = await dm.createLocation({ name: 'Sword Coast', campaign_id: c.id, parent_id: world.id });
    const city = await dm.createLocation({ name: 'Phandalin', campaign_id: c.id, parent_id: region.id });
    await assert.rejects(dm.updateLocation(world.id, { parent_id: city.id }), isCode('invalid'));
    await assert.rejects(dm.createLocation({ name: 'Sharn', campaign_id: other.id, parent_id: world.id }), isCode('invalid'));
    assert.deepEqual((await dm.listLocations({ filters: { parent_id: region.id } })).map((l) => l.name), ['Phandalin']);
  });

  it('re-applies PRAGMA foreign_keys after every export (checkpoint)', async () => {
    const c = await dm.createCampaign({ name: 'Rime' });
    await dm.createCharacter({ name: 'Vellynne', campaign_id: c.id });
    await dm.checkpoint();
    const engine = (dm as unknown as { services: { session: { current: { engine: { get(sql: string): Record<string, unknown> | undefined } } } } }).services.session.current.engine;
    assert.equal(engine.get('PRAGMA foreign_keys')?.foreign_keys, 1);
    // And the constraint really holds: purging the campaign takes its character along (ON DELETE CASCADE).
    await dm.deleteCampaign(c.id);
    await dm.purge('campaign', c.id);
    assert.equal((await dm.listCharacters({ include_deleted: true })).length, 0);
  });

  it('a wrong password says so and writes nothing', async () => {
    await dm.createCampaign({ name: 'Secret' });
    await dm.lock();
    const before = fingerprint(v.root);
    const beforeState = fingerprint(v.stateDir);
    dm = v.manager();
    await assert.rejects(dm.unlock('Correct horse'), (e: unknown) => isVaultError(e, 'wrong-password') && /Wrong password/.test((e as VaultError).userMessage));
    assert.deepEqual(fingerprint(v.root), before);
    assert.deepEqual(fingerprint(v.stateDir), beforeState);
    assert.equal(await dm.lockState(), 'locked');
  });

  it('unlocks with the recovery key shown at creation, and after a password change', async () => {
    const w = tempVault();
    try {
      const a = w.manager();
      const { recoveryKey } = await a.createVault('first password');
      assert.ok(recoveryKey);
      await a.createCampaign({ name: 'Recovered' });
      await a.changePassword('first password', 'second password');
      await assert.rejects(a.changePassword('wrong', 'x'), isCode('wrong-password'));
      await a.lock();
      const b = w.manager();
      await assert.rejects(b.unlock('first password'), isCode('wrong-password'));
      await b.unlock({ recoveryKey: recoveryKey! });
      assert.equal((await b.listCampaigns()).length, 1);
      await b.lock();
      const c = w.manager();
      await c.unlock('second password');
      await c.lock();
    } finally {
      w.dispose();
    }
  });

  it('rotates the data key: old key gone from the header, data intact', async () => {
    await dm.createCampaign({ name: 'Rotated' });
    const before = JSON.parse(String(await v.files.read('.campaign-vault/vault.json').then((b) => Buffer.from(b)))) as { dataKeys: { id: number }[] };
    await dm.rotateKey();
    const after = JSON.parse(String(await v.files.read('.campaign-vault/vault.json').then((b) => Buffer.from(b)))) as { dataKeys: { id: number }[]; rotation?: unknown };
    assert.notDeepEqual(after.dataKeys.map((d) => d.id), before.dataKeys.map((d) => d.id));
    assert.equal(after.dataKeys.length, 1);
    assert.equal(after.rotation, undefined);
    await dm.createCampaign({ name: 'After rotation' });
    await reopen();
    assert.equal((await dm.listCampaigns()).length, 2);
    assert.equal((await dm.verifyAudit()).ok, true);
  });

  it('a rotation cancelled after its new key was written is undone; one cancelled before never starts', async () => {
    await dm.createCampaign({ name: 'Cancelled rotation' });
    const header = () => JSON.parse(readFileSync(join(v.root, '.campaign-vault/vault.json'), 'utf8')) as { dataKeys: { id: number }[]; activeDataKey: number; rotation?: unknown };
    const before = header();
    await assert.rejects(dm.rotateKey(undefined, { isCancellationRequested: true }), isCode('cancelled'));
    assert.deepEqual(header(), before);
    // The token flips while the new key is being added (the user pressed Cancel then).
    let cancelled = false;
    const token = { get isCancellationRequested() { return cancelled; } };
    await assert.rejects(dm.rotateKey({ report: (step) => { if (step.startsWith('Adding')) cancelled = true; } }, token), isCode('cancelled'));
    const after = header();
    assert.deepEqual(after.dataKeys.map((d) => d.id), before.dataKeys.map((d) => d.id));
    assert.equal(after.activeDataKey, before.activeDataKey);
    assert.equal(after.rotation, undefined);
    await dm.createCampaign({ name: 'Written after the cancel' });
    await reopen();
    assert.equal((await dm.listCampaigns()).length, 2);
  });

  it('a session unlocked with the recovery key can set a new password; others cannot without the old one', async () => {
    await assert.rejects(dm.resetPassword('sneaky'), isCode('unsupported'));
    const w = tempVault();
    try {
      const a = w.manager();
      const { recoveryKey } = await a.createVault('forgotten');
      await a.lock();
      const b = w.manager();
      await b.unlock({ recoveryKey: recoveryKey! });
      assert.equal(b.unlockedWithRecoveryKey, true);
      await b.resetPassword('remembered now');
      await b.lock();
      const c = w.manager();
      await assert.rejects(c.unlock('forgotten'), isCode('wrong-password'));
      await c.unlock('remembered now');
      await c.lock();
    } finally {
      w.dispose();
    }
  });

  it('a remembered master key unlocks; a key of another vault does not', async () => {
    const remembered = Buffer.from(dm.rememberableKey(), 'base64');
    await dm.lock();
    dm = v.manager();
    await dm.unlock({ masterKey: new Uint8Array(remembered) });
    await dm.lock();
    dm = v.manager();
    await assert.rejects(dm.unlock({ masterKey: new Uint8Array(32) }), isCode('wrong-password'));
    await dm.unlock('correct horse');
  });

  it('a second writer opens read-only and is told who holds the vault', async () => {
    await dm.createCampaign({ name: 'Shared' });
    const second = v.manager({ app: 'second window' });
    await second.unlock('correct horse');
    try {
      assert.match(second.readOnlyReason?.userMessage ?? '', /in use by unit test \(process \d+/);
      assert.equal((await second.listCampaigns()).length, 1);
      await assert.rejects(second.createCampaign({ name: 'Lost?' }), isCode('read-only-session'));
    } finally {
      await second.lock();
    }
    // The first writer is unaffected.
    await dm.createCampaign({ name: 'Still mine' });
  });

  it('a read-only session reloads to see the writer\'s changes, and becomes the writer once it is gone', async () => {
    await dm.createCampaign({ name: 'Shared' });
    const second = v.manager({ app: 'second window' });
    await second.unlock('correct horse');
    const events: string[] = [];
    second.onDidChange((e) => events.push(e.action));
    try {
      assert.ok(second.readOnlyReason);
      await dm.createCampaign({ name: 'Written by the first' });
      assert.equal((await second.listCampaigns()).length, 1, 'not seen before a reload');
      assert.equal(await second.reload(), true);
      assert.deepEqual((await second.listCampaigns()).map((c) => c.name), ['Shared', 'Written by the first']);
      assert.ok(second.readOnlyReason, 'still read-only while the first holds the lock');
      assert.deepEqual(events, ['reload']);
      await dm.lock();
      assert.equal(await second.reload(), true);
      assert.equal(second.readOnlyReason, undefined, 'the writer lock is taken once free');
      await second.createCampaign({ name: 'Written by the second' });
      assert.equal(await second.reload(), false, 'a writer has nothing to reload');
    } finally {
      await second.lock();
    }
    dm = v.manager();
    await dm.unlock('correct horse');
    assert.equal((await dm.listCampaigns()).length, 3);
    assert.equal((await dm.verifyAudit()).ok, true);
  });

  it('takes over the lock of a process that no longer runs', async () => {
    await dm.lock();
    writeFileSync(join(v.root, '.campaign-vault/lock'), JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), app: 'crashed window', since: 'then', token: 'dead' }));
    dm = v.manager();
    await dm.unlock('correct horse');
    assert.equal(dm.readOnlyReason, undefined);
    await dm.createCampaign({ name: 'After takeover' });
  });

  it('detects a vault replaced by an older authentic copy', async () => {
    await dm.createCampaign({ name: 'One' });
    await dm.lock();
    const old = new Map(Object.keys(fingerprint(v.root)).map((p) => [p, readFileSync(join(v.root, p))]));
    dm = v.manager();
    await dm.unlock('correct horse');
    await dm.createCampaign({ name: 'Two' });
    await dm.checkpoint();
    await dm.lock();
    rmSync(join(v.root, '.campaign-vault/db'), { recursive: true });
    for (const [p, bytes] of old) {
      mkdirSync(join(v.root, p, '..'), { recursive: true });
      writeFileSync(join(v.root, p), bytes);
    }
    dm = v.manager();
    await assert.rejects(dm.unlock('correct horse'), isCode('rolled-back'));
    await dm.unlock('correct horse', { acceptRollback: true });
    assert.deepEqual((await dm.listCampaigns()).map((c) => c.name), ['One']);
  });

  it('a copy of the folder, older than the original once that is written: refused, opened after the user accepts, then remembered for that copy only', async () => {
    await dm.createCampaign({ name: 'One' });
    await dm.lock();
    const copy = `${v.root}-copy`;
    const other = `${v.root}-other`;
    cpSync(v.root, copy, { recursive: true }); // the user's own copy (cp -a)
    cpSync(v.root, other, { recursive: true }); // another old copy, never accepted
    try {
      const open = async (folder: string, opts: { acceptRollback?: boolean } = {}) => {
        const m = nodeDataManager(folder, { app: 'unit test', stateDir: v.stateDir });
        await m.unlock('correct horse', opts);
        return m;
      };
      const names = async (m: DataManager) => (await m.listCampaigns()).map((c) => c.name).sort();
      // The original moves on: both copies are now older than what this computer saw.
      const original = await open(v.root);
      await original.createCampaign({ name: 'Two' });
      await original.createCampaign({ name: 'Three' });
      await original.lock();
      await assert.rejects(open(copy), (e: unknown) => isVaultError(e, 'rolled-back') && e.remedy === 'accept-rollback');
      // Accepted once (after the warning), it opens, and is written to.
      const accepted = await open(copy, { acceptRollback: true });
      assert.deepEqual(await names(accepted), ['One']);
      await accepted.createCampaign({ name: 'Copy work' });
      await accepted.lock();
      // The same copy does not ask again — also after its own writes, and under another folder name.
      const again = await open(copy);
      assert.deepEqual(await names(again), ['Copy work', 'One']);
      await again.lock();
      renameSync(copy, `${copy}-renamed`);
      await (await open(`${copy}-renamed`)).lock();
      renameSync(`${copy}-renamed`, copy);
      // The original still opens; another old copy is still refused, whatever its folder is called.
      await (await open(v.root)).lock();
      await assert.rejects(open(other), isCode('rolled-back'));
      renameSync(other, `${other}-renamed`);
      await assert.rejects(open(`${other}-renamed`), isCode('rolled-back'));
      renameSync(`${other}-renamed`, other);
    } finally {
      rmSync(copy, { recursive: true, force: true });
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('creates an unencrypted vault and encrypts it later', async () => {
    const w = tempVault();
    try {
      const a = w.manager();
      assert.deepEqual(await a.initialize(), {});
      await a.createCampaign({ name: 'Plain' });
      assert.equal(a.isEncrypted, false);
      const { recoveryKey } = await a.encrypt('now secret');
      assert.ok(recoveryKey);
      await a.lock();
      const header = JSON.parse(readFileSync(join(w.root, '.campaign-vault/vault.json'), 'utf8')) as { encryption: string; keySlots: { slot: string }[] };
      assert.equal(header.encryption, 'aes-256-gcm');
      assert.ok(!header.keySlots.some((s) => s.slot === 'plain'));
      const b = w.manager();
      await assert.rejects(b.unlock({ none: true }), isCode('wrong-password'));
      await b.unlock('now secret');
      assert.deepEqual((await b.listCampaigns()).map((c) => c.name), ['Plain']);
      await b.lock();
    } finally {
      w.dispose();
    }
  });

  it('detects an entity row changed outside the API in the audit chain', async () => {
    const c = await dm.createCampaign({ name: 'Audited' });
    await dm.updateCampaign(c.id, { description: 'honest' });
    assert.equal((await dm.verifyAudit()).ok, true);
    const db = (dm as unknown as { services: { session: { current: { engine: { db: { run(sql: string, p?: unknown[]): void } } } } } }).services.session.current.engine.db;
    db.run("UPDATE campaigns SET body = json_set(body, '$.description', 'forged') WHERE id = ?", [c.id]);
    const report = await dm.verifyAudit();
    assert.equal(report.ok, false);
    assert.match(report.problems[0]!.problem, /differs from what the log last recorded/);
    db.run("UPDATE audit_logs SET action = 'delete' WHERE seq = 2");
    assert.ok((await dm.verifyAudit()).problems.some((p) => /hash does not match/.test(p.problem)));
  });
});

describe('core/api: faults in the file layer', () => {
  let v: TestVault;
  beforeEach(() => (v = tempVault()));
  afterEach(() => v.dispose());

  for (const code of ['disk-full', 'read-only', 'io'] as const) {
    it(`${code} while appending: the error surfaces, the write is not applied, the vault works again once fixed`, async () => {
      let faulty: FaultyFileStore | undefined;
      const dm = v.manager({ wrap: (f) => (faulty = new FaultyFileStore(f)) });
      await dm.createVault('pw');
      const c = await dm.createCampaign({ name: 'Kept' });
      faulty!.fault = { at: faulty!.mutations + 1, persistent: true, code, tornBytes: 20 };
      await assert.rejects(dm.createNpc({ name: 'Lost', campaign_id: c.id }), isCode(code));
      await assert.rejects(dm.updateCampaign(c.id, { description: 'also lost' }), isCode(code));
      assert.equal((await dm.listNpcs()).length, 0, 'a failed write leaves no trace in memory');
      assert.equal((await dm.getCampaign(c.id))?.description, undefined);
      faulty!.fault = undefined;
      await dm.createNpc({ name: 'Saved', campaign_id: c.id });
      await dm.lock();
      const again = v.manager();
      await again.unlock('pw');
      assert.deepEqual((await again.listNpcs()).map((n) => n.name), ['Saved']);
      assert.equal((await again.getCampaign(c.id))?.description, undefined);
      assert.equal((await again.verifyAudit()).ok, true);
      await again.lock();
    });
  }

  it('every single failing file operation during create/write/checkpoint/rotate/password change leaves a vault that opens with every acknowledged write', async () => {
    // Count the mutating operations of a reference run, then fail each one in turn.
    const script = async (dm: DataManager, acked: string[]) => {
      await dm.createVault('pw');
      acked.push('vault');
      const c = await dm.createCampaign({ name: 'C' });
      acked.push('C');
      await dm.createNpc({ name: 'N1', campaign_id: c.id });
      acked.push('N1');
      await dm.checkpoint();
      await dm.createNpc({ name: 'N2', campaign_id: c.id });
      acked.push('N2');
      await dm.rotateKey();
      await dm.changePassword('pw', 'pw2');
      acked.push('pw2');
      await dm.createNpc({ name: 'N3', campaign_id: c.id });
      acked.push('N3');
      await dm.runMigrations();
    };
    let probe: FaultyFileStore | undefined;
    await script(
      v.manager({ wrap: (f) => (probe = new FaultyFileStore(f)) }),
      [],
    );
    const total = probe!.mutations;
    assert.ok(total > 10, `expected a dozen file operations, saw ${total}`);
    for (let k = 1; k <= total; k++) {
      const w = tempVault();
      try {
        const acked: string[] = [];
        const failing = w.manager({
          wrap: (f) => {
            const faulty = new FaultyFileStore(f);
            faulty.fault = { at: k, code: 'io', tornBytes: 7 };
            return faulty;
          },
        });
        await script(failing, acked).catch((e: unknown) => {
          if (!isVaultError(e)) throw e;
        });
        await failing.lock().catch(() => undefined);
        if (!acked.includes('vault')) continue;
        const check = w.manager();
        const password = acked.includes('pw2') ? 'pw2' : 'pw';
        await check.unlock(password).catch(async (e: unknown) => {
          // The password change itself may have landed without being acknowledged.
          if (isVaultError(e, 'wrong-password')) return check.unlock(password === 'pw' ? 'pw2' : 'pw');
          throw e;
        });
        const names = new Set((await check.listNpcs()).map((n) => n.name));
        for (const n of acked.filter((a) => a.startsWith('N'))) assert.ok(names.has(n), `op ${k}: acknowledged ${n} lost`);
        assert.equal((await check.verifyAudit()).ok, true, `op ${k}: audit chain broken`);
        await check.lock();
      } finally {
        w.dispose();
      }
    }
  });
});
