import * as assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { uniquePrefixes } from '../../src/cli/commands';
import type { PruneReport, RestoreResult, SnapshotInfo, VerifyReport } from '../../src/core/backup/types';
import { TEST_KDF } from '../../src/cli/context';
import { nodeDataManager } from '../../src/node/dataManager';
import { runCli, type CliResult } from '../support/cli';

type Result = CliResult;

/** Every file under `dir`, relative, sorted. */
function filesUnder(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[]).filter((f) => statSync(join(dir, f)).isFile()).sort();
}

/** One line on stderr, nothing on stdout: what every failure must look like. */
function assertOneLineError(r: Result, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, `exit code (stdout: ${r.stdout}; stderr: ${r.stderr})`);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, `one line on stderr, got: ${r.stderr}`);
  assert.match(r.stderr, pattern);
}

describe('cli: the shortest unique start of backup ids', () => {
  it('is 8 digits when that is unique, longer when ids share more, and never ambiguous', () => {
    const ids = ['01a22cd95b0070aa', '01a22cd95b0071bb', '01a22cd95b01ffff', '01b00000000000aa'];
    const p = uniquePrefixes(ids);
    assert.deepEqual([...p.values()], ['01a22cd95b0070', '01a22cd95b0071', '01a22cd95b01', '01b00000']);
    for (const [id, prefix] of p) assert.deepEqual(ids.filter((x) => x.startsWith(prefix)), [id]);
    assert.deepEqual([...uniquePrefixes(['0123456789abcdef']).values()], ['01234567']);
  });
});

describe('campaign-vault backup commands (the CLI\'s main function on real folders)', function () {
  this.timeout(60_000);
  let tmp: string;
  let dir: string;
  const PW = { CAMPAIGN_VAULT_PASSWORD: 'correct horse' };

  /** Runs `campaign-vault --dir <folder> …args` in this process with only the given environment (and the fast test KDF). */
  const cli = (args: string[], env: Record<string, string> = PW, folder = dir): Promise<Result> => runCli(folder, args, env, tmp);
  const ok = async (args: string[], env: Record<string, string> = PW, folder?: string): Promise<string> => {
    const r = await cli(args, env, folder);
    assert.equal(r.code, 0, `campaign-vault ${args.join(' ')} failed: ${r.stderr}`);
    assert.equal(r.stderr, '');
    return r.stdout;
  };
  const level = async (name: string, env: Record<string, string> = PW, folder?: string) => (parseYaml(await ok(['get', 'character', name], env, folder)) as { level: number }).level;
  const listBackups = async (extra: string[] = []) => JSON.parse(await ok(['backups', '--json', ...extra])) as { snapshots: SnapshotInfo[]; damaged: { id: string; reason: string }[] };

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'cv-backup-cli-'));
    dir = join(tmp, 'workspace');
    mkdirSync(dir);
    await ok(['init']);
    await ok(['create', 'campaign', '--name', 'Lost Mine of Phandelver']);
    for (const [name, lvl] of [['Zanna', 3], ['Borin', 5]] as const) {
      await ok(['create', 'character', '--name', name, '--campaign', 'Lost Mine of Phandelver', '--set', `level=${lvl}`, '--set', `biography=${`${name} grew up near Neverwinter. `.repeat(40)}`]);
    }
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  let first: string;
  let second: SnapshotInfo;
  /** The id of `first` as the backups table shows it: what a game master types. */
  let firstTyped: string;

  it('backup prints the id (--json: the snapshot), also while another program holds the writer lock; backups lists them', async () => {
    const out = await ok(['backup', '--note', 'before the goblin ambush']);
    assert.match(out, /^[0-9a-f]{32}\n$/);
    first = out.trim();
    await ok(['update', 'character', 'Zanna', '--set', 'level=4']);
    // VS Code (here: another DataManager) has the vault open for writing: a backup only reads.
    const holder = nodeDataManager(dir, { app: 'VS Code (test)', stateDir: join(tmp, 'state'), kdf: TEST_KDF });
    await holder.unlock('correct horse');
    try {
      assert.equal(holder.readOnlyReason, undefined, 'the holder is the writer');
      second = JSON.parse(await ok(['backup', '--json'])) as SnapshotInfo;
      assertOneLineError(await cli(['restore', first]), 5, /in use|VS Code \(test\)/);
    } finally {
      await holder.lock();
    }
    assert.match(second.id, /^[0-9a-f]{32}$/);
    assert.equal(second.shortId, second.id.slice(0, 8));
    assert.equal(second.kind, 'manual');
    assert.equal(second.note, undefined);
    assert.equal(second.counts.character, 2);
    assert.equal(second.counts.campaign, 1);
    assert.ok(second.sizes.database > 0 && second.sizes.reusedChunks > 0, JSON.stringify(second.sizes));
    assert.notEqual(second.id, first);

    const table = (await ok(['backups'])).trimEnd().split('\n');
    assert.match(table[0]!, /^ID +TIME +KIND +ADDED +ENTRIES +NOTE$/);
    assert.match(table[1]!, /^[0-9a-f]{8,} +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}manual +[\d.]+ (B|KiB) +3 {2}before the goblin ambush$/);
    assert.match(table[2]!, /^[0-9a-f]{8,} .* manual +[\d.]+ (B|KiB) +3$/);
    // Both were made within the same minute, so their first 8 digits agree: the table shows as many as it takes.
    firstTyped = table[1]!.split(' ')[0]!;
    const secondTyped = table[2]!.split(' ')[0]!;
    assert.ok(first.startsWith(firstTyped) && second.id.startsWith(secondTyped) && !first.startsWith(secondTyped) && !second.id.startsWith(firstTyped), `${firstTyped} ${secondTyped}`);
    const listed = await listBackups();
    assert.deepEqual(listed.snapshots.map((s) => s.id), [first, second.id]);
    assert.deepEqual(listed.damaged, []);
  });

  it('verify checks the structure, or re-reads the data (all of it or a subset), and exits 0 when all is well', async () => {
    assert.match(await ok(['verify']), /^Checked 2 backups: no damage\.\n$/);
    const full = JSON.parse(await ok(['verify', '--read-data', '--json'])) as VerifyReport;
    assert.equal(full.ok, true);
    assert.equal(full.snapshots, 2);
    assert.ok(full.packsChecked > 0 && full.bytesRead > 0);
    assert.deepEqual(full.damagedSnapshots, []);
    const all = JSON.parse(await ok(['verify', '--subset', '1/1', '--json'])) as VerifyReport;
    assert.equal(all.packsChecked, full.packsChecked, 'subset 1 of 1 reads every pack');
  });

  it('restore <snapshot> puts the whole vault back after a safety backup, which brings the later state back', async () => {
    assert.equal(await level('Zanna'), 4);
    if (firstTyped.length > 8) assertOneLineError(await cli(['restore', first.slice(0, 8)]), 6, /More than one backup starts with/);
    const out = await ok(['restore', firstTyped]);
    assert.match(out, /^Restored the backup of \d{4}-.*: 3 entries\.$/m);
    const safety = /kept as backup ([0-9a-f]{32});/.exec(out)?.[1];
    assert.ok(safety, out);
    assert.equal(await level('Zanna'), 3);
    const listed = await listBackups();
    assert.deepEqual(listed.snapshots.map((s) => s.kind), ['manual', 'manual', 'safety']);
    assert.equal(listed.snapshots[2]!.id, safety);
    const back = JSON.parse(await ok(['restore', safety, '--json'])) as RestoreResult;
    assert.equal(back.snapshot.id, safety);
    assert.equal(back.safetySnapshot?.kind, 'safety');
    assert.equal(await level('Zanna'), 4);
    assert.match(await ok(['audit', 'verify']), /intact/);
  });

  it('restore --entity puts one entry back as it was, as a new version', async () => {
    await ok(['update', 'character', 'Borin', '--set', 'level=9']);
    const out = await ok(['restore', first, '--entity', 'characters:borin']);
    assert.match(out, /^Restored character "Borin" as it was in the backup of .*; it is now at version \d+\.\n$/);
    assert.equal(await level('Borin'), 5);
    assert.equal(await level('Zanna'), 4, 'only that entry changed');
    const r = JSON.parse(await ok(['restore', 'latest', '--entity', 'character:Zanna', '--json'])) as { snapshot: SnapshotInfo; entity: { name: string; version: number } };
    assert.equal(r.entity.name, 'Zanna');
    assertOneLineError(await cli(['restore', first, '--entity', 'character:Nobody']), 4, /has no character "Nobody"/);
    assertOneLineError(await cli(['restore', 'ffffffff']), 4, /There is no backup "ffffffff"/);
  });

  it('restore --to makes a new encrypted vault with its own password and prints the recovery key once', async () => {
    const target = join(tmp, 'restored');
    const out = await ok(['restore', first, '--to', target], { ...PW, CAMPAIGN_VAULT_NEW_PASSWORD: 'battery staple' });
    assert.match(out, new RegExp(`^Restored the backup of \\d{4}-.* into a new vault in ${target}: 3 entries\\.$`, 'm'));
    assert.match(out, /^Recovery key: [0-9A-Z]{4}(-[0-9A-Z]{4}){5,}$/m);
    assert.match(out, /Write the recovery key down/);
    const newPw = { CAMPAIGN_VAULT_PASSWORD: 'battery staple' };
    assert.equal(await level('Zanna', newPw, target), 3);
    assertOneLineError(await cli(['unlock'], PW, target), 3, /Wrong password/);
    assert.match(await ok(['audit', 'verify'], newPw, target), /intact/);
    // Without a new password and no terminal: refused before anything is written.
    const again = join(tmp, 'restored-2');
    assertOneLineError(await cli(['restore', first, '--to', again]), 2, /CAMPAIGN_VAULT_NEW_PASSWORD/);
    assert.throws(() => statSync(again), 'nothing was created');
  });

  it('an unencrypted vault restores --to an unencrypted vault', async () => {
    const plain = join(tmp, 'plain');
    mkdirSync(plain);
    await ok(['init', '--no-encryption'], {}, plain);
    await ok(['create', 'spell', '--name', 'Fire Bolt', '--set', 'level=0'], {}, plain);
    assert.equal(await ok(['verify'], {}, plain), 'There are no backups yet; "campaign-vault backup" makes one.\n');
    assertOneLineError(await cli(['restore', 'latest', '--to', join(tmp, 'nothing')], {}, plain), 4, /no backups yet\..* Run "campaign-vault backup"\./);
    assertOneLineError(await cli(['prune'], {}, plain), 4, /no backups yet/);
    await ok(['backup'], {}, plain);
    const target = join(tmp, 'plain-restored');
    mkdirSync(target); // empty is as good as absent
    const r = JSON.parse(await ok(['restore', 'latest', '--to', target, '--json'], {}, plain)) as RestoreResult & { encrypted: boolean; folder: string };
    assert.equal(r.encrypted, false);
    assert.equal(r.recoveryKey, undefined);
    assert.equal(r.folder, target);
    assert.match(await ok(['list', 'spells'], {}, target), /Fire Bolt/);
  });

  it('verify --read-data finds a flipped byte: exit 1, the file named and the backups it affects; the structure check does not read data', async () => {
    const repo = join(tmp, 'repo-damaged');
    const id = (await ok(['backup', '--repo', repo])).trim();
    const packs = filesUnder(repo).filter((f) => f.startsWith('data/'));
    const victim = packs.sort((a, b) => statSync(join(repo, b)).size - statSync(join(repo, a)).size)[0]!;
    const bytes = readFileSync(join(repo, victim));
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
    writeFileSync(join(repo, victim), bytes);
    await ok(['verify', '--repo', repo]);
    const r = await cli(['verify', '--read-data', '--repo', repo]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^Checked 1 backup, re-read \d+ data files? \(.*\): damage found\.$/m);
    assert.match(r.stdout, new RegExp(`^error +backup\\.pack-damaged +A backup data file is damaged.*\\(${victim}\\)$`, 'm'));
    assert.match(r.stdout, new RegExp(`^error +backup\\.snapshot-affected .*\\(${id.slice(0, 8)}\\)`, 'm'));
    assert.equal(r.stderr.split('\n').filter(Boolean).length, 1);
    assert.match(r.stderr, /The backups are damaged: \d+ problems?; 1 backup cannot be restored completely\./);
    const j = await cli(['verify', '--read-data', '--json', '--repo', repo]);
    assert.equal(j.code, 1);
    const report = JSON.parse(j.stdout) as VerifyReport;
    assert.equal(report.ok, false);
    assert.deepEqual(report.damagedSnapshots, [id]);
    assert.equal(report.findings.find((f) => f.code === 'backup.pack-damaged')?.where, victim);
    assert.equal((JSON.parse(j.stderr) as { error: { exitCode: number } }).error.exitCode, 1);
    // A damaged snapshot description: backups still lists the rest and exits 1.
    const good = (await ok(['backup', '--repo', repo, '--note', 'second'])).trim();
    const snap = join(repo, 'snapshots', id);
    const s = readFileSync(snap);
    s[s.length - 3]! ^= 0x80;
    writeFileSync(snap, s);
    const listed = await cli(['backups', '--repo', repo]);
    assert.equal(listed.code, 1, listed.stderr);
    assert.match(listed.stdout, new RegExp(`^${good.slice(0, 8)}[0-9a-f]* .* second$`, 'm'));
    assert.match(listed.stdout, new RegExp(`^${id.slice(0, 8)}[0-9a-f]*  DAMAGED  `, 'm'));
    assert.match(listed.stderr, /1 backup is damaged/);
    // The second backup reuses the damaged pack: restoring it fails, and leaves no half-made vault behind.
    const target = join(tmp, 'from-damaged');
    const failed = await cli(['restore', good, '--to', target, '--repo', repo], { ...PW, CAMPAIGN_VAULT_NEW_PASSWORD: 'x' });
    assertOneLineError(failed, 1, /damaged/);
    assert.throws(() => statSync(target), 'the new folder is removed again');
  });

  it('prune --keep-last 1 forgets the rest (a dry run first deletes nothing), and what is kept still verifies', async () => {
    const repo = join(tmp, 'repo-prune');
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      await ok(['update', 'character', 'Borin', '--set', `biography=${`Chapter ${i}. `.repeat(300 + i)}`]);
      made.push((await ok(['backup', '--repo', repo])).trim());
    }
    const files = filesUnder(repo);
    const dry = await ok(['prune', '--keep-last', '1', '--dry-run', '--repo', repo]);
    const shown = /^Would keep 1 backup and forget 2: ([0-9a-f]{8,}), ([0-9a-f]{8,})\. Nothing was deleted \(--dry-run\)\.\n$/.exec(dry);
    assert.ok(shown, dry);
    for (const [i, prefix] of [shown[1]!, shown[2]!].entries()) assert.deepEqual(made.filter((m) => m.startsWith(prefix)), [made[i]], `${prefix} names backup ${i} alone`);
    assert.deepEqual(filesUnder(repo), files);
    const r = JSON.parse(await ok(['prune', '--keep-last', '1', '--json', '--repo', repo])) as PruneReport & { dryRun: boolean };
    assert.deepEqual(r.kept, [made[2]]);
    assert.deepEqual(r.forgotten, made.slice(0, 2));
    assert.equal(r.dryRun, false);
    assert.ok(r.bytesFreed > 0, JSON.stringify(r));
    assert.deepEqual((await listBackups(['--repo', repo])).snapshots.map((s) => s.id), [made[2]]);
    assert.equal((JSON.parse(await ok(['verify', '--read-data', '--json', '--repo', repo])) as VerifyReport).ok, true);
    assert.match(await ok(['prune', '--repo', repo]), /^Kept 1 backup, forgot 0; deleted 0 data files and rewrote 0, freeing 0 B\.\n$/);
  });

  it('check reports a whole vault (exit 0) and, with --json, the findings by severity; check --repair has nothing to do', async () => {
    assert.match(await ok(['check']), /whole/);
    const report = JSON.parse(await ok(['check', '--deep', '--json'])) as { ok: boolean; findings: { code: string; severity: string }[]; counts: Record<string, number> };
    assert.equal(report.ok, true, JSON.stringify(report.findings));
    assert.equal(report.counts.error, 0);
    assert.match(await ok(['check', '--repair']), /Repaired 0 problems/);
  });

  it('usage mistakes exit 2 with one line before any password is asked', async () => {
    const full = join(tmp, 'not-empty');
    mkdirSync(full);
    writeFileSync(join(full, 'notes.txt'), 'keep me');
    const cases: [string[], RegExp][] = [
      [['verify', '--subset', '0/3'], /--subset expects n\/m/],
      [['verify', '--subset', '4/3'], /--subset expects n\/m/],
      [['verify', '--subset', 'half'], /--subset expects n\/m/],
      [['verify', '--subset', '1/300'], /m ≤ 256/],
      [['restore', 'latest', '--entity', 'wizard:Zanna'], /"wizard" in --entity is not a kind/],
      [['restore', 'latest', '--entity', 'character'], /--entity expects <kind>:<name\|id>/],
      [['restore', 'latest', '--to', full], /is not empty/],
      [['restore', 'latest', '--to', join(full, 'notes.txt')], /is a file/],
      [['restore', 'latest', '--to', join(tmp, 'x'), '--entity', 'character:Zanna'], /not both/],
      [['restore', 'character'], /brings an entry back from the trash/],
      [['restore', 'character', 'Zanna', '--to', join(tmp, 'x')], /are for restoring a backup/],
      [['prune', '--keep-last', '0'], /keep nothing/],
      [['prune', '--keep-daily', 'seven'], /--keep-daily expects a whole number/],
      [['backup', 'now'], /Unexpected argument "now"/],
      [['backups', '--note', 'x'], /Unknown option --note/],
      [['check', '--deep', '--repair'], /--deep is for checking/],
      [['check', '--repo', join(tmp, 'x')], /--repo is for --repair/],
      [['check', 'everything'], /Unexpected argument "everything"/],
    ];
    const before = filesUnder(dir);
    for (const [args, pattern] of cases) {
      const r = await cli(args, {});
      assertOneLineError(r, 2, pattern);
      assert.doesNotMatch(r.stderr, /password/i, `${args.join(' ')} asked for a password`);
    }
    assert.deepEqual(readdirSync(full), ['notes.txt']);
    assert.deepEqual(filesUnder(dir), before, 'nothing was written');
    const help = await ok(['--help'], {});
    for (const c of ['backup', 'backups', 'verify', 'prune', 'check', 'restore']) assert.match(help, new RegExp(`^  ${c} `, 'm'));
    for (const c of ['backup', 'backups', 'verify', 'prune', 'restore', 'check']) assert.match(await ok(['help', c], {}), /--repo <folder>/);
  });

  it('restore --to works when the vault is gone and only its backups remain (--repo): the password opens them', async () => {
    const repo = join(tmp, 'repo-elsewhere');
    const id = (await ok(['backup', '--repo', repo, '--note', 'off site'])).trim();
    const lost = join(tmp, 'lost');
    cpSync(dir, lost, { recursive: true });
    rmSync(join(lost, '.campaign-vault'), { recursive: true });
    const target = join(tmp, 'from-repo');
    assertOneLineError(await cli(['restore', 'latest', '--to', target, '--repo', repo], { CAMPAIGN_VAULT_PASSWORD: 'wrong horse', CAMPAIGN_VAULT_NEW_PASSWORD: 'x' }, lost), 3, /Wrong password/);
    assertOneLineError(await cli(['restore', 'latest', '--repo', repo], PW, lost), 4, /There is no vault .* give --to <folder>/);
    assertOneLineError(await cli(['restore', 'latest', '--to', target], PW, lost), 4, /no vault in .*, and no backups in/);
    const gone = join(tmp, 'no-such-folder');
    const r = JSON.parse(await ok(['restore', id.slice(0, 8), '--to', target, '--repo', repo, '--json'], { ...PW, CAMPAIGN_VAULT_NEW_PASSWORD: 'new start' }, gone)) as RestoreResult & { encrypted: boolean };
    assert.equal(r.snapshot.id, id);
    assert.equal(r.snapshot.note, 'off site');
    assert.equal(r.encrypted, true);
    assert.match(r.recoveryKey ?? '', /^[0-9A-Z]{4}(-[0-9A-Z]{4}){5,}$/);
    const pw = { CAMPAIGN_VAULT_PASSWORD: 'new start' };
    assert.equal(await level('Zanna', pw, target), await level('Zanna'));
    assert.match(await ok(['list', 'characters'], pw, target), /Borin/);
  });

  it('encrypt re-encrypts the backups made before: an older backup no longer restores without the password, and no plaintext of an entry is left in the repository (issue 15)', async () => {
    const SECRET = 'The innkeeper is the lich in disguise';
    const plain = join(tmp, 'going-secret');
    mkdirSync(plain);
    await ok(['init', '--no-encryption'], {}, plain);
    await ok(['create', 'campaign', '--name', 'Tomb of Annihilation'], {}, plain);
    await ok(['create', 'npc', '--name', 'Old Tom', '--campaign', 'Tomb of Annihilation', '--set', `notes=${SECRET}`], {}, plain);
    const repo = join(tmp, 'going-secret-backups');
    const older = (await ok(['backup', '--repo', repo], {}, plain)).trim();
    const nowhere = join(tmp, 'no-vault-here');
    // Before: from a folder without the vault, no password at all restores it (as the vault had none).
    await ok(['restore', older, '--to', join(tmp, 'before-encrypt'), '--repo', repo], {}, nowhere);

    const out = await ok(['encrypt', '--repo', repo], { CAMPAIGN_VAULT_PASSWORD: 'now secret' }, plain);
    assert.match(out, /Its 1 backup in .* was re-encrypted: it needs the password now\./);
    assert.match(out, /Portable backup files exported before are not changed/);

    const stolen = join(tmp, 'stolen');
    const r = await cli(['restore', older, '--to', stolen, '--repo', repo], {}, nowhere);
    assert.notEqual(r.code, 0, `restored without a password: ${r.stdout}`);
    assert.match(r.stderr, /CAMPAIGN_VAULT_PASSWORD/);
    assert.equal(existsSync(stolen), false);
    assertOneLineError(await cli(['restore', older, '--to', stolen, '--repo', repo], { CAMPAIGN_VAULT_PASSWORD: 'a guess' }, nowhere), 3, /Wrong password/);
    // An empty one is a wrong one too (it was "Password must be specified", exit 1, from deep in Argon2).
    assertOneLineError(await cli(['restore', older, '--to', stolen, '--repo', repo], { CAMPAIGN_VAULT_PASSWORD: '' }, nowhere), 3, /Wrong password/);
    for (const f of filesUnder(repo)) {
      const bytes = readFileSync(join(repo, f));
      for (const text of [SECRET, 'Old Tom', 'Tomb of Annihilation']) assert.equal(bytes.includes(Buffer.from(text)), false, `${f} holds "${text}" in plaintext`);
    }
    // With the password the same backup restores, secret included.
    await ok(['restore', older, '--to', stolen, '--repo', repo], { CAMPAIGN_VAULT_PASSWORD: 'now secret', CAMPAIGN_VAULT_NEW_PASSWORD: 'restored' }, nowhere);
    assert.match(await ok(['get', 'npc', 'Old Tom'], { CAMPAIGN_VAULT_PASSWORD: 'restored' }, stolen), new RegExp(SECRET));
  });

  it('restore latest refuses when the newest backup cannot be read, names it and offers the newest readable one (never an older one silently)', async () => {
    const own = join(tmp, 'latest-damaged');
    mkdirSync(own);
    await ok(['init', '--no-encryption'], {}, own);
    await ok(['create', 'campaign', '--name', 'First'], {}, own);
    const s1 = (await ok(['backup'], {}, own)).trim();
    await ok(['create', 'campaign', '--name', 'Second'], {}, own);
    const s2 = (await ok(['backup'], {}, own)).trim();
    truncateSync(join(own, '.campaign-vault/backups/snapshots', s2), 100);
    const target = join(tmp, 'latest-target');
    const refused = new RegExp(`newest backup \\(${s2.slice(0, 8)}\\) cannot be read, so "latest" was not restored\\. The newest backup that can be read is ${s1.slice(0, 8)} of .*Run "campaign-vault verify"\\.`);
    // Once: exit 0, nothing said, the first backup restored.
    assertOneLineError(await cli(['restore', 'latest', '--to', target], {}, own), 1, refused);
    assert.equal(existsSync(target), false, 'nothing created');
    // In place, once a warning and exit 0: now refused, the vault unchanged.
    assertOneLineError(await cli(['restore', 'latest'], {}, own), 1, refused);
    assert.match(await ok(['list', 'campaigns'], {}, own), /Second/);
    // The readable one, asked for by its id, restores.
    await ok(['restore', s1.slice(0, 8), '--to', target], {}, own);
    assert.doesNotMatch(await ok(['list', 'campaigns'], {}, target), /Second/);
  });
});
