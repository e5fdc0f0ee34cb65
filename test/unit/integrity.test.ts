import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataManager } from '../../src/core/api';
import { AUDIT_KEY_SETTING, AuditChain } from '../../src/core/audit/chain';
import { fromHex, utf8 } from '../../src/core/bytes';
import { Engine, type Param } from '../../src/core/db/engine';
import { MIGRATIONS } from '../../src/core/db/migrations';
import { isVaultError, type VaultError } from '../../src/core/errors';
import { checkDatabase, findingKey, makeReport, withFindings, type Finding } from '../../src/core/integrity';
import { DB_DIR, LOCK_FILE } from '../../src/core/vault/layout';
import { VaultStore } from '../../src/core/vault/store';
import { silentLogger } from '../../src/node/dataManager';
import { NodeFileStore } from '../../src/node/fileStore';
import { NodeVaultLock, currentOwner } from '../../src/node/lock';
import { loadSqlJs } from '../../src/node/sqljs';
import { NodeStateStore } from '../../src/node/state';
import { nodeCipherSuite, nodeRandom, systemClock } from '../../src/node/system';
import { CrashingFileStore } from '../crash/crashingFileStore';
import { FaultyFileStore } from '../support/faultyFileStore';
import { fingerprint, tempVault, type TestVault } from '../support/vaults';

const PASSWORD = 'integrity pw';
const isCode = (code: VaultError['code'], hint?: RegExp) => (e: unknown) => isVaultError(e, code) && (!hint || hint.test(e.userMessage));

/** The deps a second party (a buggy tool, a hand edit) uses to open the vault's store with its keys. */
function storeDeps(root: string, stateDir: string) {
  const files = new NodeFileStore(root);
  return {
    files,
    lock: new NodeVaultLock(files.resolve(LOCK_FILE)),
    state: new NodeStateStore(stateDir),
    clock: systemClock,
    random: nodeRandom,
    logger: silentLogger,
    owner: currentOwner('tamper'),
    suite: nodeCipherSuite,
  };
}

/** Appends one journal record of raw SQL, the way a buggy tool with the keys would (the vault must be locked). */
async function appendRawSql(v: TestVault, ops: [string, Param[]][]): Promise<void> {
  const { store } = await VaultStore.open(storeDeps(v.root, v.stateDir), { password: PASSWORD });
  try {
    await store.append(utf8(JSON.stringify({ v: 1, ops })));
  } finally {
    await store.close();
  }
}

/** Loads the vault's database as the store would (snapshot + journal), outside any DataManager. */
async function loadEngine(v: TestVault, readOnly = true): Promise<{ engine: Engine; store: VaultStore; audit: AuditChain }> {
  const SQL = await loadSqlJs();
  const { store, loaded } = await VaultStore.open(storeDeps(v.root, v.stateDir), { password: PASSWORD }, { readOnly });
  const engine = Engine.open(SQL, loaded.snapshot);
  loaded.records.forEach((r, i) => engine.replay(r, `record ${i + 1}`));
  const key = engine.get('SELECT value FROM settings WHERE key = ?', [AUDIT_KEY_SETTING])!;
  return { engine, store, audit: await AuditChain.create(fromHex(JSON.parse(String(key.value)) as string)) };
}

/**
 * Rewrites the database with foreign keys off and writes it as a new snapshot — damage that no
 * journal record could carry (replay enforces foreign keys), as a tool writing snapshots might.
 */
async function rewriteSnapshot(v: TestVault, sql: string, params: Param[] = []): Promise<void> {
  const { engine, store } = await loadEngine(v, false);
  try {
    engine.db.exec('PRAGMA foreign_keys = OFF');
    engine.db.run(sql, params);
    await store.checkpoint(engine.export());
  } finally {
    engine.close();
    await store.close();
  }
}

function flipByte(path: string, offset: number): void {
  const bytes = readFileSync(path);
  bytes[offset] = bytes[offset]! ^ 0x40;
  writeFileSync(path, bytes);
}

const dbFiles = (v: TestVault, re: RegExp) => readdirSync(join(v.root, DB_DIR)).filter((n) => re.test(n)).sort();
const summary = (fs: readonly Finding[]) => fs.map((f) => `${f.code} ${f.severity} ${f.fixable ? 'fixable' : 'manual'} ${f.entity?.name ?? f.where ?? ''}`).sort();

if (process.env.CV_INTEGRITY_WORKER) {
  // The child process of the kill test: node integrity.test.js with the vault, state dir and k.
  void (async () => {
    const [dir, stateDir, killAt] = [process.env.CV_DIR!, process.env.CV_STATE!, Number(process.env.CV_KILL_AT)];
    const files = new NodeFileStore(dir);
    const crashing = new CrashingFileStore(files, killAt);
    const dm = new DataManager({ ...storeDeps(dir, stateDir), files: crashing, lock: new NodeVaultLock(files.resolve(LOCK_FILE)), sql: loadSqlJs, owner: currentOwner('integrity worker') });
    await dm.unlock(PASSWORD);
    const r = await dm.repairIntegrity();
    writeSync(1, `REPAIRED ${r.fixed.length}\n`);
    await dm.lock();
    writeSync(1, `DONE ${crashing.operations}\n`);
  })().catch((e: unknown) => {
    writeSync(1, `ERROR ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(3);
  });
} else {
  describe('core/integrity: the integrity checker and repair', () => {
    let v: TestVault;
    let dm: DataManager;

    beforeEach(async () => {
      v = tempVault('cv-integrity-');
      dm = v.manager();
      await dm.createVault(PASSWORD);
    });
    afterEach(async () => {
      await dm.lock();
      v.dispose();
    });

    async function reopen(): Promise<DataManager> {
      await dm.lock();
      dm = v.manager();
      await dm.unlock(PASSWORD);
      return dm;
    }

    /** A small campaign with every kind of relation the checks look at. */
    async function campaign() {
      const c = await dm.createCampaign({ name: 'Phandelver', system: 'D&D 5e', is_active: true });
      const zanna = await dm.createCharacter({ name: 'Zanna', campaign_id: c.id, class: 'Wizard', level: 3, abilities: { str: 8, dex: 14, con: 12, int: 17, wis: 12, cha: 10 } });
      const bob = await dm.createCharacter({ name: 'Bob', campaign_id: c.id, class: 'Fighter', level: 2 });
      const sildar = await dm.createNpc({ name: 'Sildar', campaign_id: c.id, role: 'ally' });
      const town = await dm.createLocation({ name: 'Phandalin', campaign_id: c.id });
      const inn = await dm.createLocation({ name: 'Stonehill Inn', campaign_id: c.id, parent_id: town.id });
      return { c, zanna, bob, sildar, town, inn };
    }

    it('finds nothing in a sound vault, shallow or deep, before and after reopening', async () => {
      await campaign();
      await dm.createSpell({ name: 'Shield', level: 1, school: 'abjuration' });
      for (const deep of [false, true]) {
        const r = await dm.checkIntegrity({ deep });
        assert.deepEqual(r.findings, [], JSON.stringify(r.findings, null, 1));
        assert.equal(r.ok, true);
        assert.deepEqual(r.counts, { error: 0, warning: 0, info: 0 });
        assert.ok(!Number.isNaN(Date.parse(r.checkedAt)));
      }
      await dm.checkpoint();
      await reopen();
      assert.deepEqual((await dm.checkIntegrity({ deep: true })).findings, []);
    });

    it('finds rows a buggy tool left behind, bodies edited by hand and columns that disagree; repairs what it can', async () => {
      const { c, zanna, bob, sildar } = await campaign();
      const ghost = await dm.createNpc({ name: 'Ghost', campaign_id: c.id });
      await dm.delete('npc', ghost.id);
      await dm.purge('npc', ghost.id);
      // Saved with its text, then renamed from the tree: the text is stale (harmless).
      const toblen = await dm.create('npc', { name: 'Toblen', campaign_id: c.id }, { text: 'name: Toblen\n' });
      await dm.updateNpc(toblen.id, { name: 'Toblen Stonehill' });
      await dm.lock();
      const at = new Date().toISOString();
      await appendRawSql(v, [
        ['INSERT INTO links (id, campaign_id, from_kind, from_id, to_kind, to_id, relation, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', ['link-1', c.id, 'character', zanna.id, 'npc', 'no-such-npc', 'knows', at]],
        ['INSERT INTO links (id, campaign_id, from_kind, from_id, to_kind, to_id, relation, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', ['link-2', c.id, 'character', zanna.id, 'npc', sildar.id, 'knows', at]],
        ['INSERT INTO entity_texts (kind, entity_id, entity_version, text) VALUES (?, ?, ?, ?)', ['npc', ghost.id, 1, 'name: Ghost\n']],
        ["UPDATE characters SET body = json_set(body, '$.abilities.str', 99) WHERE id = ?", [zanna.id]],
        ['UPDATE characters SET level = 20 WHERE id = ?', [bob.id]],
        ["UPDATE npcs SET name = 'Hacked' WHERE id = ?", [sildar.id]],
      ]);
      dm = v.manager();
      await dm.unlock(PASSWORD);

      const report = await dm.checkIntegrity();
      assert.deepEqual(summary(report.findings), [
        'audit.entity-changed warning fixable Hacked',
        'audit.entity-changed warning fixable Zanna',
        'db.column-mismatch warning fixable Bob',
        'db.column-mismatch warning fixable Hacked',
        'db.orphan-link warning fixable links link-1',
        'db.orphan-text warning fixable entity_texts npc/' + ghost.id,
        'db.stale-text info fixable Toblen Stonehill',
        'entity.schema error manual Zanna',
      ]);
      assert.equal(report.ok, false);
      assert.deepEqual(report.counts, { error: 1, warning: 6, info: 1 });
      assert.equal(report.findings[0]!.code, 'entity.schema', 'errors come first');
      const schema = report.findings[0]!;
      assert.deepEqual(schema.entity, { kind: 'character', id: zanna.id, name: 'Zanna' });
      assert.match(schema.message, /Zanna.*Strength|Zanna.*str/i);
      assert.match(report.findings.find((f) => f.code === 'db.column-mismatch' && f.entity?.id === bob.id)!.message, /level/);

      // Only the columns: Sildar's name comes back from his entry, which also settles his history.
      const first = await dm.repairIntegrity({ codes: ['db.column-mismatch'] });
      assert.deepEqual(summary(first.fixed), ['db.column-mismatch warning fixable Bob', 'db.column-mismatch warning fixable Hacked']);
      assert.equal((await dm.getNpc(sildar.id))?.name, 'Sildar');
      assert.equal((await dm.listCharacters({ filters: { level: 2 } })).length, 1);
      assert.ok(!first.remaining.some((f) => f.entity?.id === sildar.id), 'Sildar is whole again');
      assert.ok(first.remaining.some((f) => f.code === 'audit.entity-changed' && f.entity?.id === zanna.id), 'not selected: left alone');
      assert.equal(dbFiles(v, /^safety-/).length, 1, 'the database before the repair is kept');

      const beforeSnapshot = dbFiles(v, /^snapshot-/);
      const second = await dm.repairIntegrity();
      assert.notDeepEqual(dbFiles(v, /^snapshot-/), beforeSnapshot, 'the repaired copy lands as a new snapshot');
      assert.deepEqual(summary(second.fixed), [
        'audit.entity-changed warning fixable Zanna',
        'db.orphan-link warning fixable links link-1',
        'db.orphan-text warning fixable entity_texts npc/' + ghost.id,
        'db.stale-text info fixable Toblen Stonehill',
      ]);
      assert.deepEqual(summary(second.remaining), ['entity.schema error manual Zanna'], 'a body that fails its schema needs the game master');
      assert.equal((await dm.getCharacter(zanna.id))?.abilities && ((await dm.getCharacter(zanna.id))!.abilities as { str: number }).str, 99, 'accepted as it is');

      const repairs = await dm.auditLog({ limit: 20 });
      const zannaRepair = repairs.find((r) => r.action === 'repair' && r.entity_id === zanna.id);
      assert.ok(zannaRepair, 'the accepted content is recorded in the history');
      assert.ok(repairs.some((r) => r.action === 'repair' && r.entity_id === null && /orphan-link/.test(String(r.detail))), 'one entry lists the fixes');
      assert.equal((await dm.verifyAudit()).ok, true);

      await reopen();
      assert.deepEqual(summary((await dm.checkIntegrity({ deep: true })).findings), ['entity.schema error manual Zanna'], 'the repair survives reopening');
      assert.equal((await dm.getNpc(sildar.id))?.name, 'Sildar');
    });

    it('re-creates a missing campaign for its entries and detaches places whose parent is gone', async () => {
      const { c, town, inn } = await campaign();
      const lost = await dm.createCampaign({ name: 'Lost Campaign' });
      const orphan = await dm.createNpc({ name: 'Orphaned NPC', campaign_id: lost.id });
      await dm.createCampaign({ name: `Recovered campaign ${lost.id.slice(0, 8)}` }); // the name Repair would take
      await dm.lock();
      await rewriteSnapshot(v, 'DELETE FROM campaigns WHERE id = ?', [lost.id]);
      await rewriteSnapshot(v, 'DELETE FROM locations WHERE id = ?', [town.id]);
      await rewriteSnapshot(v, 'INSERT INTO links (id, campaign_id, from_kind, from_id, to_kind, to_id, relation, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
        'link-lost',
        lost.id,
        'npc',
        orphan.id,
        'campaign',
        c.id,
        'visits',
        new Date().toISOString(),
      ]);
      dm = v.manager();
      await dm.unlock(PASSWORD);

      const report = await dm.checkIntegrity({ deep: true });
      assert.deepEqual(summary(report.findings), [
        `audit.entity-missing warning fixable campaigns ${lost.id}`,
        `audit.entity-missing warning fixable locations ${town.id}`,
        'db.orphan-campaign error fixable campaigns ' + lost.id,
        'db.orphan-parent warning fixable Stonehill Inn',
      ]);
      assert.match(report.findings.find((f) => f.code === 'db.orphan-campaign')!.message, /^2 entries belong to a campaign that no longer exists/);

      const r = await dm.repairIntegrity();
      assert.equal(r.fixed.length, 4);
      assert.deepEqual(r.remaining, []);
      const recovered = await dm.getCampaign(lost.id);
      assert.equal(recovered?.name, `Recovered campaign ${lost.id.slice(0, 8)} (2)`, 'a free name');
      assert.deepEqual((await dm.listNpcs({ campaign_id: lost.id })).map((n) => n.name), ['Orphaned NPC']);
      assert.equal((await dm.getLocation(inn.id))?.parent_id, undefined);
      assert.equal((await dm.verifyAudit()).ok, true);
      await reopen();
      assert.deepEqual((await dm.checkIntegrity({ deep: true })).findings, []);
    });

    it('reports a migration whose recorded checksum differs (which unlocking refuses)', async () => {
      await dm.lock();
      const { engine, store, audit } = await loadEngine(v);
      try {
        engine.begin();
        engine.run("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 2");
        engine.run("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (99, 'from the future', 'x', '2030-01-01')");
        engine.commit();
        const found = await checkDatabase(engine, { audit, migrations: MIGRATIONS });
        assert.deepEqual(
          found.map((f) => `${f.finding.code} ${f.finding.severity} ${f.finding.fixable} ${f.finding.where}`),
          ['db.migration-checksum warning false schema_migrations 2', 'db.migration-unknown warning false schema_migrations 99'],
        );
      } finally {
        engine.close();
        await store.close();
      }
      await appendRawSql(v, [["UPDATE schema_migrations SET checksum = 'edited' WHERE version = 2", []]]);
      dm = v.manager();
      await assert.rejects(dm.unlock(PASSWORD), isCode('corrupt'));
    });

    it('finds a broken audit chain (not fixable) and rows the history never saw', async () => {
      const { c } = await campaign();
      await dm.lock();
      await appendRawSql(v, [
        ["UPDATE audit_logs SET at = '2000-01-01T00:00:00.000Z' WHERE seq = 2", []],
        ['INSERT INTO npcs (id, campaign_id, name, role, body, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)', ['smuggled', c.id, 'Smuggled', null, '{"name":"Smuggled"}', '2026-01-01', '2026-01-01']],
      ]);
      dm = v.manager();
      await dm.unlock(PASSWORD);
      const report = await dm.checkIntegrity();
      assert.deepEqual(summary(report.findings), ['audit.chain-broken error manual audit_logs 2', 'audit.entity-unrecorded warning fixable Smuggled']);
      const r = await dm.repairIntegrity();
      assert.deepEqual(summary(r.fixed), ['audit.entity-unrecorded warning fixable Smuggled']);
      assert.deepEqual(summary(r.remaining), ['audit.chain-broken error manual audit_logs 2']);
    });

    it('deep: a flipped byte in the snapshot is found (the vault would not open again) and repaired from the open database', async () => {
      const { c } = await campaign();
      await dm.checkpoint();
      await dm.createNpc({ name: 'After the snapshot', campaign_id: c.id });
      const [snapshot] = dbFiles(v, /^snapshot-/);
      flipByte(join(v.root, DB_DIR, snapshot!), 200);
      assert.deepEqual((await dm.checkIntegrity()).findings, [], 'the open database is sound');
      const report = await dm.checkIntegrity({ deep: true });
      assert.deepEqual(summary(report.findings), [`vault.snapshot-corrupt error fixable ${DB_DIR}/${snapshot}`]);
      await assert.rejects(v.manager().unlock(PASSWORD, { readOnly: true }), isCode('corrupt'), 'as it stands the vault would not open');
      const r = await dm.repairIntegrity();
      assert.equal(r.fixed.length, 1);
      assert.deepEqual(r.remaining, []);
      await reopen();
      assert.equal((await dm.listNpcs()).length, 2);
      assert.deepEqual((await dm.checkIntegrity({ deep: true })).findings, []);
    });

    it('deep: a damaged journal record with records after it, a damaged key file, and foreign files', async () => {
      const { c } = await campaign();
      await dm.lock();
      dm = v.manager();
      await dm.unlock(PASSWORD);
      await dm.createNpc({ name: 'One', campaign_id: c.id });
      await dm.createNpc({ name: 'Two', campaign_id: c.id });
      const journal = dbFiles(v, /^journal-/).at(-1)!;
      flipByte(join(v.root, DB_DIR, journal), 56 + 8 + 5); // inside the first record's ciphertext
      writeFileSync(join(v.root, DB_DIR, 'notes.txt'), 'mine');
      const report = await dm.checkIntegrity({ deep: true });
      assert.deepEqual(summary(report.findings), [`vault.journal-corrupt error fixable ${DB_DIR}/${journal}`, `vault.unknown-file info manual ${DB_DIR}/notes.txt`]);
      const r = await dm.repairIntegrity();
      assert.deepEqual(summary(r.fixed), [`vault.journal-corrupt error fixable ${DB_DIR}/${journal}`]);
      assert.deepEqual(summary(r.remaining), [`vault.unknown-file info manual ${DB_DIR}/notes.txt`], 'files it did not write are left alone');
      assert.ok(existsSync(join(v.root, DB_DIR, 'notes.txt')));
      await reopen();
      assert.deepEqual((await dm.listNpcs()).map((n) => n.name).sort(), ['One', 'Sildar', 'Two']);

      const header = join(v.root, '.campaign-vault', 'vault.json');
      const h = JSON.parse(readFileSync(header, 'utf8')) as Record<string, unknown>;
      writeFileSync(header, JSON.stringify({ ...h, createdAt: '1999-01-01T00:00:00.000Z' }));
      const again = await dm.checkIntegrity({ deep: true });
      assert.deepEqual(summary(again.findings), ['vault.header error manual .campaign-vault/vault.json', `vault.unknown-file info manual ${DB_DIR}/notes.txt`]);
      assert.match(again.findings[0]!.message, /vault\.json/);
    });

    it('deep: a damaged safety copy and leftovers of an interrupted write are found and tidied by a repair', async () => {
      const { zanna } = await campaign();
      await dm.lock();
      await appendRawSql(v, [['UPDATE characters SET level = 9 WHERE id = ?', [zanna.id]]]);
      dm = v.manager();
      await dm.unlock(PASSWORD);
      await dm.repairIntegrity(); // leaves a safety copy
      const [safety] = dbFiles(v, /^safety-/);
      flipByte(join(v.root, DB_DIR, safety!), 100);
      writeFileSync(join(v.root, DB_DIR, 'snapshot-000000000099.cvs.tmp'), 'half a write');
      const report = await dm.checkIntegrity({ deep: true });
      assert.deepEqual(summary(report.findings), [`vault.leftover info fixable ${DB_DIR}/snapshot-000000000099.cvs.tmp`, `vault.safety-corrupt warning fixable ${DB_DIR}/${safety}`]);
      assert.equal(report.ok, false);
      const r = await dm.repairIntegrity();
      assert.equal(r.fixed.length, 2);
      assert.deepEqual(r.remaining, []);
      assert.notDeepEqual(dbFiles(v, /^safety-/), [safety], 'a new safety copy replaced the damaged one');
    });

    it('deep: a read-only window sees that another one saved newer changes, and may not repair', async () => {
      const { c } = await campaign();
      const reader = v.manager({ app: 'second window' });
      await reader.unlock(PASSWORD);
      try {
        assert.ok(reader.readOnlyReason);
        await dm.createNpc({ name: 'Later', campaign_id: c.id });
        assert.deepEqual(summary((await reader.checkIntegrity({ deep: true })).findings), ['vault.disk-newer info manual database']);
        await assert.rejects(reader.repairIntegrity(), isCode('read-only-session'));
      } finally {
        await reader.lock();
      }
    });

    it('a failure before the swap (a full disk) leaves the vault exactly as it was', async () => {
      const { zanna } = await campaign();
      await dm.lock();
      await appendRawSql(v, [['INSERT INTO links (id, campaign_id, from_kind, from_id, to_kind, to_id, relation, created_at) VALUES (?, NULL, ?, ?, ?, ?, ?, ?)', ['l', 'character', zanna.id, 'npc', 'gone', 'knows', '2026-01-01']]]);
      let faulty: FaultyFileStore | undefined;
      dm = v.manager({ wrap: (f) => (faulty = new FaultyFileStore(f)) });
      await dm.unlock(PASSWORD);
      const before = await dm.checkIntegrity({ deep: true });
      const files = fingerprint(v.root);
      faulty!.fault = { at: faulty!.mutations + 1, persistent: true, code: 'disk-full' };
      await assert.rejects(dm.repairIntegrity(), isCode('disk-full'));
      faulty!.fault = undefined;
      assert.deepEqual(fingerprint(v.root), files, 'not a byte written');
      assert.deepEqual((await dm.checkIntegrity({ deep: true })).findings, before.findings, 'the open database unchanged');
      await dm.createNpc({ name: 'Still writable', campaign_id: zanna.campaign_id! });
      const r = await dm.repairIntegrity();
      assert.deepEqual(summary(r.fixed), ['db.orphan-link warning fixable links l']);
      await reopen();
      assert.deepEqual((await dm.checkIntegrity({ deep: true })).findings, []);
      assert.equal((await dm.listNpcs({ filters: { name: 'Still writable' } })).length, 1);
    });

    it('nothing to fix: no snapshot, no audit entry', async () => {
      await campaign();
      const files = fingerprint(v.root);
      const entries = (await dm.auditLog()).length;
      assert.deepEqual(await dm.repairIntegrity(), { fixed: [], remaining: [] });
      assert.deepEqual(fingerprint(v.root), files);
      assert.equal((await dm.auditLog()).length, entries);
    });

    it('reports merge findings from other checks (files, backups), errors first', () => {
      const base = makeReport('2026-01-01T00:00:00.000Z', [{ code: 'db.stale-text', severity: 'info', message: 'i', fixable: true }]);
      assert.equal(base.ok, true, 'infos are not problems');
      const merged = withFindings(base, [
        { code: 'files.missing', severity: 'warning', message: 'w', fixable: false },
        { code: 'backup.pack-corrupt', severity: 'error', message: 'e', fixable: false, where: 'packs/ab' },
      ]);
      assert.deepEqual(merged.findings.map((f) => f.code), ['backup.pack-corrupt', 'files.missing', 'db.stale-text']);
      assert.deepEqual(merged.counts, { error: 1, warning: 1, info: 1 });
      assert.equal(merged.ok, false);
      assert.equal(findingKey(merged.findings[0]!), 'backup.pack-corrupt|packs/ab|');
    });

    it('killed at every file operation of a repair: the vault opens in the old state or the repaired one', async function () {
      this.timeout(60_000);
      const { zanna, bob } = await campaign();
      await dm.lock();
      await appendRawSql(v, [
        ['INSERT INTO links (id, campaign_id, from_kind, from_id, to_kind, to_id, relation, created_at) VALUES (?, NULL, ?, ?, ?, ?, ?, ?)', ['l', 'character', zanna.id, 'npc', 'gone', 'knows', '2026-01-01']],
        ['UPDATE characters SET level = 20 WHERE id = ?', [bob.id]],
      ]);
      dm = v.manager();
      await dm.unlock(PASSWORD);
      const broken = summary((await dm.checkIntegrity()).findings);
      assert.equal(broken.length, 2);
      await dm.lock();
      const outcomes = { old: 0, repaired: 0 };
      for (let k = 1; k < 30; k++) {
        const run = mkdtempSync(join(tmpdir(), 'cv-integrity-kill-'));
        const [dir, stateDir] = [join(run, 'vault'), join(run, 'state')];
        cpSync(v.root, dir, { recursive: true });
        if (existsSync(v.stateDir)) cpSync(v.stateDir, stateDir, { recursive: true });
        try {
          const child = await runChild(dir, stateDir, k);
          const after = new DataManager({ ...storeDeps(dir, stateDir), sql: loadSqlJs });
          await after.unlock(PASSWORD);
          try {
            const now = summary((await after.checkIntegrity({ deep: true })).findings.filter((f) => f.severity !== 'info'));
            if (now.length === 0) {
              outcomes.repaired += 1;
              assert.ok((await after.auditLog({ limit: 5 })).some((r) => r.action === 'repair'), `k=${k}: repaired without its audit entry`);
            } else {
              assert.deepEqual(now, broken, `k=${k}: neither the old state nor the repaired one`);
              assert.ok(child.killed, `k=${k}: finished but not repaired`);
              outcomes.old += 1;
            }
            assert.equal((await after.listCharacters()).length, 2);
          } finally {
            await after.lock();
          }
          if (!child.killed) break;
        } finally {
          rmSync(run, { recursive: true, force: true });
        }
      }
      assert.ok(outcomes.old >= 1 && outcomes.repaired >= 2, JSON.stringify(outcomes));
    });
  });
}

/** Runs this file as the kill test's child; resolves once it ended (killed or not). */
function runChild(dir: string, stateDir: string, killAt: number): Promise<{ killed: boolean; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [__filename], {
      env: { ...process.env, CV_INTEGRITY_WORKER: '1', CV_DIR: dir, CV_STATE: stateDir, CV_KILL_AT: String(killAt) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL') return resolve({ killed: true, output });
      if (code !== 0 || !output.includes('DONE')) return reject(new Error(`worker exited ${code}: ${output.slice(-2000)}`));
      resolve({ killed: false, output });
    });
  });
}
