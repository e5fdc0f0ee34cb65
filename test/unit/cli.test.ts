import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { applyAssignments, parseAssignment, parseValue } from '../../src/cli/values';

/** The repository root: the nearest folder above this file with our package.json. */
function findRoot(): string {
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'campaign-vault') return dir;
  }
  throw new Error(`no campaign-vault package.json above ${__dirname}`);
}

const root = findRoot();
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Every file under `dir` with its size, mtime and SHA-256: equal listings mean nothing was written. */
function fingerprint(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .sort()
    .map((name) => {
      const path = join(dir, name);
      const s = statSync(path);
      return s.isDirectory() ? `${name}/ ${s.mtimeMs}` : `${name} ${s.size} ${s.mtimeMs} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
    });
}

/** One line on stderr, nothing on stdout: what every failure must look like. */
function assertOneLineError(r: Result, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, `exit code (stderr: ${r.stderr})`);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, `one line on stderr, got: ${r.stderr}`);
  assert.ok(r.stderr.endsWith('\n'));
  assert.match(r.stderr, pattern);
}

describe('cli/values: what --set and --filter values mean', () => {
  it('types true, false, null and canonical numbers; keeps everything else as text', () => {
    assert.equal(parseValue('true'), true);
    assert.equal(parseValue('false'), false);
    assert.equal(parseValue('null'), null);
    assert.equal(parseValue('12'), 12);
    assert.equal(parseValue('-3.5'), -3.5);
    for (const text of ['007', '1.', '0x10', 'True', '', 'D&D 5e', ' 1']) assert.equal(parseValue(text), text);
    assert.equal(parseValue('"007"'), '007');
    assert.equal(parseValue('"true"'), 'true');
  });

  it('splits key=value at the first = and sets nested fields without losing their siblings', () => {
    assert.deepEqual(parseAssignment('notes=a=b', '--set', true), [['notes'], 'a=b']);
    assert.throws(() => parseAssignment('=1', '--set', true), /expects key=value/);
    assert.throws(() => parseAssignment('a.b=1', '--filter', false), /expects key=value/);
    const target: Record<string, unknown> = {};
    applyAssignments(target, [parseAssignment('abilities.str=12', '--set', true)], { abilities: { str: 10, dex: 14 } });
    assert.deepEqual(target, { abilities: { str: 12, dex: 14 } });
    assert.throws(() => applyAssignments({}, [parseAssignment('name.x=1', '--set', true)], { name: 'Zanna' }), /name is not a group/);
  });
});

describe('campaign-vault command line (dist/cli.js)', function () {
  this.timeout(60_000);
  let tmp: string;
  let cliPath: string;
  let dir: string;
  let plainFlow: Promise<void>;

  /** Runs the CLI on `folder` (not a terminal: stdin is closed) with the fast test KDF. */
  function cli(args: string[], env: Record<string, string | undefined> = {}, folder = dir): Promise<Result> {
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CAMPAIGN_VAULT_')));
    const childEnv: Record<string, string | undefined> = { ...base, CAMPAIGN_VAULT_KDF: 'test', CAMPAIGN_VAULT_STATE_DIR: join(tmp, 'state'), ...env };
    for (const [k, v] of Object.entries(childEnv)) if (v === undefined) delete childEnv[k];
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [cliPath, '--dir', folder, ...args], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }
  const PW = { CAMPAIGN_VAULT_PASSWORD: 'correct horse' };
  const ok = async (args: string[], env: Record<string, string | undefined> = PW, folder?: string): Promise<string> => {
    const r = await cli(args, env, folder);
    assert.equal(r.code, 0, `campaign-vault ${args.join(' ')} failed: ${r.stderr}`);
    assert.equal(r.stderr, '');
    return r.stdout;
  };

  before(async function () {
    tmp = mkdtempSync(join(tmpdir(), 'cv-cli-'));
    cliPath = join(root, 'dist/cli.js');
    if (!existsSync(cliPath)) {
      // Not built by `node esbuild.mjs` (npm test builds before the unit layer): build it here.
      this.timeout(120_000);
      const esbuild = await import('esbuild');
      mkdirSync(join(tmp, 'dist'));
      cliPath = join(tmp, 'dist/cli.js');
      await esbuild.build({ entryPoints: [join(root, 'src/cli/main.ts')], outfile: cliPath, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' });
      copyFileSync(join(root, 'node_modules/sql.js/dist/sql-wasm.wasm'), join(tmp, 'dist/sql-wasm.wasm'));
    }
    dir = join(tmp, 'workspace');
    mkdirSync(dir);
    // An independent vault, run beside the main flow to keep the suite short; awaited by its test.
    plainFlow = (async () => {
      const plain = join(tmp, 'plain');
      mkdirSync(plain);
      assert.match(await ok(['init', '--no-encryption'], {}, plain), /unencrypted vault/);
      await ok(['create', 'spell', '--name', 'Fire Bolt', '--set', 'level=0', '--set', 'school=Evocation'], {}, plain);
      assert.match(await ok(['encrypt'], { CAMPAIGN_VAULT_PASSWORD: 'pw' }, plain), /^Recovery key: /m);
      assertOneLineError(await cli(['list', 'spells'], {}, plain), 2, /No password/);
      assert.match(await ok(['list', 'spells'], { CAMPAIGN_VAULT_PASSWORD: 'pw' }, plain), /Fire Bolt +[0-9a-f-]{36} +0 +Evocation/);
    })();
    plainFlow.catch(() => undefined); // reported by its test
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('is an executable script with --version and --help', async () => {
    if (relative(root, cliPath) === join('dist', 'cli.js')) assert.ok(readFileSync(cliPath, 'utf8').startsWith('#!/usr/bin/env node\n'));
    const [v, help, helpCreate, bad] = await Promise.all([cli(['--version']), cli(['--help']), cli(['help', 'create']), cli(['frobnicate'])]);
    if (relative(root, cliPath) === join('dist', 'cli.js')) assert.equal(v.stdout, `${version}\n`);
    for (const c of ['init', 'unlock', 'create', 'get', 'list', 'update', 'delete', 'restore', 'passwd', 'rotate-key', 'migrate', 'audit', 'encrypt', 'import', 'export']) assert.match(help.stdout, new RegExp(`^  ${c} `, 'm'));
    assert.match(help.stdout, /CAMPAIGN_VAULT_KDF=test +TEST HOOK/);
    assert.match(helpCreate.stdout, /^Usage: campaign-vault create <kind> --name <name>/);
    assertOneLineError(bad, 2, /"frobnicate" is not a command/);
  });

  let campaignId: string;

  it('init creates an encrypted vault and prints the recovery key once, with a sentence to write it down', async () => {
    const noPassword = await cli(['init'], {});
    assertOneLineError(noPassword, 2, /CAMPAIGN_VAULT_PASSWORD/);
    const out = await ok(['init']);
    assert.match(out, /^Recovery key: [0-9A-Z]{4}(-[0-9A-Z]{4}){5,}$/m);
    assert.match(out, /Write the recovery key down/);
    assert.ok(existsSync(join(dir, '.campaign-vault/vault.json')));
    assert.ok(!existsSync(join(dir, '.campaign-vault/lock')), 'the writer lock is released on exit');
    assertOneLineError(await cli(['init'], PW), 5, /already holds a vault/);
  });

  it('creates a campaign, and characters in it named by the campaign name', async () => {
    campaignId = (await ok(['create', 'campaign', '--name', 'Lost Mine of Phandelver', '--set', 'system=D&D 5e', '--set', 'is_active=true'])).trim();
    assert.match(campaignId, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const zanna = (await ok(['create', 'characters', '--name', 'Zanna', '--campaign', 'lost mine of phandelver', '--set', 'level=3', '--set', 'class=Wizard', '--set', 'player=Ann'])).trim();
    const borin = JSON.parse(await ok(['create', 'character', '--name', 'Borin', '--campaign', campaignId, '--set', 'level=5', '--set', 'class=Fighter', '--json'])) as Record<string, unknown>;
    assert.notEqual(zanna, borin.id);
    assert.equal(borin.campaign_id, campaignId);
    assert.equal(borin.level, 5);
    assert.ok(!existsSync(join(dir, '.campaign-vault/lock')));
  });

  it('get prints the entity as YAML with its fields', async () => {
    const y = parseYaml(await ok(['get', 'character', 'Zanna'])) as Record<string, unknown>;
    assert.equal(y.name, 'Zanna');
    assert.equal(y.level, 3);
    assert.equal(y.class, 'Wizard');
    assert.equal(y.player, 'Ann');
    assert.equal(y.campaign_id, campaignId);
    assert.equal(y.kind, 'character');
    assert.equal(y.version, 1);
    assert.equal(y.deleted_at, null);
  });

  it('list filters (typed values), limits and shows a table', async () => {
    const [level5, first, tableOut] = await Promise.all([
      ok(['list', 'characters', '--filter', 'level=5', '--campaign', 'Lost Mine of Phandelver', '--json']),
      ok(['list', 'character', '--limit', '1', '--json']),
      ok(['list', 'character']),
    ]);
    assert.deepEqual((JSON.parse(level5) as { name: string }[]).map((e) => e.name), ['Borin']);
    assert.deepEqual((JSON.parse(first) as { name: string }[]).map((e) => e.name), ['Borin']);
    const lines = tableOut.trimEnd().split('\n');
    assert.match(lines[0]!, /^NAME +ID +PLAYER +CLASS +LEVEL$/);
    assert.match(lines[1]!, /^Borin +[0-9a-f-]{36} +Fighter +5$/);
    assert.match(lines[2]!, /^Zanna +[0-9a-f-]{36} +Ann +Wizard +3$/);
  });

  it('update with a stale --expect-version fails with one line and changes nothing', async () => {
    assert.match(await ok(['update', 'character', 'Zanna', '--set', 'level=4', '--expect-version', '1']), /version 2/);
    assertOneLineError(await cli(['update', 'character', 'Zanna', '--set', 'level=5', '--expect-version', '1'], PW), 5, /changed this entry.*version 2, not 1/);
    const y = parseYaml(await ok(['get', 'character', 'Zanna'])) as Record<string, unknown>;
    assert.equal(y.level, 4);
    assert.equal(y.version, 2);
  });

  it('refuses an invalid value with a message naming the field', async () => {
    assertOneLineError(await cli(['update', 'character', 'Zanna', '--set', 'level=99'], PW), 6, /level must be at most 30/);
    assert.equal((parseYaml(await ok(['get', 'character', 'Zanna'])) as { level: number }).level, 4);
  });

  it('a missing name exits 4 with one line', async () => {
    const [missing, noCampaign] = await Promise.all([cli(['get', 'character', 'Nobody'], PW), cli(['list', 'character', '--campaign', 'Curse of Strahd'], PW)]);
    assertOneLineError(missing, 4, /There is no character "Nobody"/);
    assertOneLineError(noCampaign, 4, /There is no campaign "Curse of Strahd"/);
  });

  it('delete moves to the trash and restore brings back', async () => {
    assert.match(await ok(['delete', 'character', 'Zanna']), /to the trash/);
    const [gone, trashList] = await Promise.all([cli(['get', 'character', 'Zanna'], PW), ok(['list', 'character', '--deleted', '--json'])]);
    assertOneLineError(gone, 4, /no character "Zanna"/);
    const trash = JSON.parse(trashList) as { name: string; deleted_at: string }[];
    assert.deepEqual(
      trash.map((e) => e.name),
      ['Zanna'],
    );
    assert.ok(trash[0]!.deleted_at);
    await ok(['restore', 'character', 'Zanna']);
    const y = parseYaml(await ok(['get', 'character', 'Zanna'])) as Record<string, unknown>;
    assert.equal(y.deleted_at, null);
    assert.equal(y.level, 4);
  });

  it('audit verify exits 0 on an intact chain; migrate status prints the versions', async () => {
    const [audit, status, statusJson] = await Promise.all([ok(['audit', 'verify']), ok(['migrate', 'status']), ok(['migrate', 'status', '--json'])]);
    assert.match(audit, /intact: \d+ entries/);
    assert.match(status, /^Schema version \d+ \(the newest this version knows: \d+\)/);
    assert.match(status, /applied .* initial schema/);
    const s = JSON.parse(statusJson) as { current: number; latest: number; pending: unknown[] };
    assert.equal(s.current, s.latest);
    assert.deepEqual(s.pending, []);
  });

  it('a wrong password gives one line, exit 3, and changes no file', async () => {
    const before = fingerprint(join(dir, '.campaign-vault'));
    const wrong = { CAMPAIGN_VAULT_PASSWORD: 'wrong horse' };
    // The key check comes before the writer lock, so these may run side by side.
    const runs = [['update', 'character', 'Zanna', '--set', 'level=6'], ['rotate-key'], ['unlock']];
    for (const r of await Promise.all(runs.map((args) => cli(args, { ...wrong, CAMPAIGN_VAULT_NEW_PASSWORD: 'x' })))) assertOneLineError(r, 3, /Wrong password/);
    assert.deepEqual(fingerprint(join(dir, '.campaign-vault')), before);
  });

  it('passwd changes the password: the old one then fails and the new one works', async () => {
    const out = await ok(['passwd'], { ...PW, CAMPAIGN_VAULT_NEW_PASSWORD: 'battery staple' });
    assert.match(out, /Password changed/);
    const [oldPw, newPw, data] = await Promise.all([
      cli(['unlock'], PW),
      cli(['unlock'], { CAMPAIGN_VAULT_PASSWORD: 'battery staple' }),
      cli(['get', 'character', 'Borin', '--json'], { CAMPAIGN_VAULT_PASSWORD: 'battery staple' }),
    ]);
    assertOneLineError(oldPw, 3, /Wrong password/);
    assert.equal(newPw.code, 0);
    assert.equal((JSON.parse(data.stdout) as { level: number }).level, 5);
  });

  it('an unencrypted vault opens without a password; encrypt then requires one', async () => {
    await plainFlow;
  });

  it('a copy of the folder older than the original is refused until --accept-rollback, then remembered; another old copy still is not', async () => {
    const original = join(tmp, 'rollback');
    mkdirSync(original);
    await ok(['init', '--no-encryption'], {}, original);
    await ok(['create', 'campaign', '--name', 'First'], {}, original);
    cpSync(original, `${original}-copy`, { recursive: true });
    await ok(['create', 'campaign', '--name', 'Second'], {}, original);
    cpSync(original, `${original}-other`, { recursive: true }); // another older copy, a step later
    await ok(['create', 'campaign', '--name', 'Third'], {}, original);
    // Once: refused with no way to open it at all.
    assertOneLineError(await cli(['list', 'campaigns'], {}, `${original}-copy`), 1, /older than the copy last opened on this computer.*run the command again with --accept-rollback/);
    assert.match(await ok(['list', 'campaigns', '--accept-rollback'], {}, `${original}-copy`), /First/);
    assert.doesNotMatch(await ok(['list', 'campaigns'], {}, `${original}-copy`), /Second/, 'remembered: asked once');
    assertOneLineError(await cli(['list', 'campaigns'], {}, `${original}-other`), 1, /older than the copy last opened/);
  });
});
