import * as assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isVaultError, type VaultError } from '../../src/core/errors';
import { MIGRATIONS, type Migration } from '../../src/core/db/migrations';
import { fingerprint, tempVault, type TestVault } from '../support/vaults';

/** The version a test's own extra migration gets: the one after the product's newest. */
const NEXT = MIGRATIONS.length + 1;
const isCode = (code: VaultError['code'], hint?: RegExp) => (e: unknown) => isVaultError(e, code) && (!hint || hint.test(e.userMessage));

describe('core/db/migrations: numbered, checksummed, verified, reversible', () => {
  let v: TestVault;
  beforeEach(async () => {
    v = tempVault();
    const dm = v.manager();
    await dm.createVault('pw');
    const c = await dm.createCampaign({ name: 'Migrated' });
    await dm.createNpc({ name: 'Toblen', campaign_id: c.id });
    await dm.lock();
  });
  afterEach(() => v.dispose());

  const open = async (migrations: readonly Migration[] = MIGRATIONS) => {
    const dm = v.manager({ migrations });
    await dm.unlock('pw');
    return dm;
  };

  it('reports status with recorded checksums', async () => {
    const dm = await open();
    const s = await dm.migrationStatus();
    assert.equal(s.current, MIGRATIONS.length);
    assert.equal(s.latest, MIGRATIONS.length);
    assert.equal(s.pending.length, 0);
    assert.deepEqual(s.applied.map((a) => a.version), MIGRATIONS.map((m) => m.version));
    assert.ok(s.applied.every((a) => /^[0-9a-f]{64}$/.test(a.checksum)));
    await dm.lock();
  });

  it('rolls back the newest migration, keeps a safety copy, and re-applies it on the next open', async () => {
    const dm = await open();
    assert.equal(await dm.rollbackMigration(), MIGRATIONS.length - 1);
    assert.ok(readdirSync(join(v.root, '.campaign-vault/db')).some((n) => n.startsWith('safety-')), 'safety copy kept');
    const indexes = await dm.migrationStatus();
    assert.equal(indexes.pending.length, 1);
    assert.equal((await dm.listNpcs()).length, 1);
    await dm.lock();
    const again = await open();
    assert.equal((await again.migrationStatus()).current, MIGRATIONS.length);
    assert.equal((await again.listNpcs()).length, 1);
    assert.equal((await again.verifyAudit()).ok, true);
    const actions = (await again.auditLog({ limit: 10 })).map((e) => e.action);
    assert.ok(actions.includes('rollback-migration') && actions.includes('migrate'));
    await again.lock();
  });

  it('never rolls back the initial schema', async () => {
    const full = await open();
    for (let v = MIGRATIONS.length; v > 1; v--) await full.rollbackMigration();
    await assert.rejects(full.rollbackMigration(), isCode('unsupported', /initial schema/));
    await full.lock();
  });

  it('refuses a database migrated by a newer version, with a clear message', async () => {
    const dm = v.manager({ migrations: MIGRATIONS.slice(0, 1) });
    await assert.rejects(dm.unlock('pw'), isCode('newer-format', new RegExp(`schema version ${MIGRATIONS.length}`)));
  });

  it('refuses a migration whose recorded checksum differs', async () => {
    const changed = MIGRATIONS.map((m) => (m.version === 2 ? { ...m, up: `${m.up}\n-- edited after release` } : m));
    const dm = v.manager({ migrations: changed });
    await assert.rejects(dm.unlock('pw'), isCode('corrupt', /different build/));
  });

  it('a failing migration leaves the vault exactly as it was', async () => {
    const before = fingerprint(v.root);
    const broken: Migration = { version: NEXT, name: 'broken', up: 'ALTER TABLE npcs ADD COLUMN mood TEXT; CREATE TABLE oops (;', down: '' };
    const dm = v.manager({ migrations: [...MIGRATIONS, broken] });
    await assert.rejects(dm.unlock('pw'), isCode('corrupt', new RegExp(`Migration ${NEXT} failed`)));
    assert.deepEqual(fingerprint(v.root), before);
    const ok = await open();
    assert.equal((await ok.migrationStatus()).current, MIGRATIONS.length);
    await ok.lock();
  });

  it('verification refuses a migration that loses rows it did not declare', async () => {
    const lossy: Migration = { version: NEXT, name: 'lossy', up: 'DELETE FROM npcs;', down: '' };
    const dm = v.manager({ migrations: [...MIGRATIONS, lossy] });
    await assert.rejects(dm.unlock('pw'), (e: unknown) => isVaultError(e, 'corrupt') && /npcs: 1 rows before, 0 after/.test(e.message));
    const declared: Migration = { ...lossy, name: 'declared', changesRowsOf: ['npcs'] };
    const dm2 = v.manager({ migrations: [...MIGRATIONS, declared] });
    await dm2.unlock('pw');
    assert.equal((await dm2.listNpcs()).length, 0);
    await dm2.lock();
  });

  it('verification refuses a migration that breaks foreign keys', async () => {
    const orphaning: Migration = { version: NEXT, name: 'orphans', up: "UPDATE npcs SET campaign_id = 'nowhere';", down: '' };
    const dm = v.manager({ migrations: [...MIGRATIONS, orphaning] });
    await assert.rejects(dm.unlock('pw'), (e: unknown) => isVaultError(e, 'corrupt'));
  });

  it('a real up/down pair round-trips the schema', async () => {
    const addMood: Migration = { version: NEXT, name: 'npc mood', up: 'ALTER TABLE npcs ADD COLUMN mood TEXT;', down: 'ALTER TABLE npcs DROP COLUMN mood;' };
    const dm = v.manager({ migrations: [...MIGRATIONS, addMood] });
    await dm.unlock('pw');
    assert.equal((await dm.migrationStatus()).current, NEXT);
    assert.equal(await dm.rollbackMigration(), NEXT - 1);
    assert.equal(await dm.runMigrations(), NEXT);
    assert.equal((await dm.listNpcs()).length, 1);
    await dm.lock();
  });
});
