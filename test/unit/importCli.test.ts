import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprint } from '../support/vaults';

const root = join(__dirname, '../../..');
const FIX = join(root, 'test/fixtures/importers');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('campaign-vault import and export (dist/cli.js)', function () {
  this.timeout(120_000);
  let tmp: string;
  let cliPath: string;
  const env = (extra: Record<string, string> = {}) => ({
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CAMPAIGN_VAULT_'))),
    CAMPAIGN_VAULT_KDF: 'test',
    CAMPAIGN_VAULT_STATE_DIR: join(tmp, 'state'),
    CAMPAIGN_VAULT_PASSWORD: 'correct horse',
    ...extra,
  });
  const run = (folder: string, args: string[]): Promise<Run> =>
    new Promise((resolve) => {
      execFile(process.execPath, [cliPath, '--dir', folder, ...args], { env: env(), maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
    });
  const ok = async (folder: string, args: string[]) => {
    const r = await run(folder, args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  /** Fails with `code`, one line on stderr matching `pattern`, nothing on stdout. */
  const fails = async (folder: string, args: string[], code: number, pattern: RegExp) => {
    const r = await run(folder, args);
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
    tmp = mkdtempSync(join(tmpdir(), 'cv-import-cli-'));
    cliPath = join(root, 'dist/cli.js');
    if (!existsSync(cliPath)) {
      const esbuild = await import('esbuild');
      mkdirSync(join(tmp, 'dist'));
      cliPath = join(tmp, 'dist/cli.js');
      await esbuild.build({ entryPoints: [join(root, 'src/cli/main.ts')], outfile: cliPath, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' });
      copyFileSync(join(root, 'node_modules/sql.js/dist/sql-wasm.wasm'), join(tmp, 'dist/sql-wasm.wasm'));
    }
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('imports Foundry heroes and a folder of NPCs into a new campaign, prints the loss report and writes it on request', async () => {
    const dir = await vault('a');
    const report = join(tmp, 'report.json');
    const out = await ok(dir, ['import', join(FIX, 'foundry-heroes/randal-human-fighter.yml'), join(FIX, 'fantasy-statblocks'), '--campaign', 'Lost Mines', '--create-campaign', '--report', report]);
    // The Goblin comes twice (its note and its statblock): the second is skipped. Randal's 20 pieces of gear are items of the campaign.
    assert.match(out, /^Imported 10 files into the new campaign "Lost Mines": 29 entries created, 1 skipped \(names taken\)\.$/m);
    assert.match(out, /^Passed over 1 file \(nothing to import, unless said\): .*README\.md\.$/m);
    assert.match(out, /^Loss report: \d+ unmapped, \d+ converted, \d+ kept-in-extra, 1 skipped, \d+ ignored by design \(\d+ lines\)\.$/m);
    const full = JSON.parse(readFileSync(report, 'utf8')) as { entries: { kind: string; path: string; entity?: string }[] };
    assert.ok(full.entries.some((e) => e.kind === 'kept-in-extra' && e.path === 'thaco' && e.entity === 'npc "Troll"'));
    const list = JSON.parse(await ok(dir, ['list', 'npcs', '--campaign', 'Lost Mines', '--json'])) as { name: string }[];
    assert.equal(list.length, 8);
    const randal = JSON.parse(await ok(dir, ['get', 'character', 'Randal (Human Fighter)', '--json'])) as { ac: number };
    assert.equal(randal.ac, 19, 'chain mail, shield and Fighting Style: Defense');
    // Again: the names are taken.
    const again = JSON.parse(await ok(dir, ['import', join(FIX, 'foundry-heroes/randal-human-fighter.yml'), '--campaign', 'Lost Mines', '--json'])) as { created: unknown[]; skipped: { name: string }[] };
    assert.deepEqual(again.created, []);
    assert.equal(again.skipped[0]!.name, 'Randal (Human Fighter)');
    const renamed = JSON.parse(await ok(dir, ['import', join(FIX, 'foundry-heroes/randal-human-fighter.yml'), '--campaign', 'Lost Mines', '--on-conflict', 'rename', '--json'])) as { created: { name: string }[] };
    assert.equal(renamed.created[0]!.name, 'Randal (Human Fighter) (2)');
  });

  it('refuses bad files with one line naming the file and the place, and writes nothing', async () => {
    const dir = await vault('b');
    await ok(dir, ['create', 'campaign', '--name', 'C']);
    const before = fingerprint(join(dir, '.campaign-vault'));
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, '{"name": "X",\n  "type": "npc",, }');
    const good = join(FIX, 'foundry-npcs/cultist.json');
    await fails(dir, ['import', good, bad, '--campaign', 'C'], 6, /^campaign-vault: ".*bad\.json" \(line 2, column 17\): it is not valid JSON/);
    const unknown = join(tmp, 'notes.yaml');
    writeFileSync(unknown, 'title: my notes\n');
    await fails(dir, ['import', unknown, '--campaign', 'C'], 6, /notes\.yaml": its format is not one Campaign Vault can import/);
    await fails(dir, ['import', good], 6, /belong to a campaign/);
    await fails(dir, ['import', good, '--campaign', 'Nowhere'], 4, /There is no campaign "Nowhere"/);
    await fails(dir, ['import', join(tmp, 'missing.json'), '--campaign', 'C'], 4, /there is no such file or folder/);
    // A 50 MB YAML file (sparse: nothing written) is refused from its size, before it is read or parsed.
    const huge = join(tmp, 'huge.yaml');
    writeFileSync(huge, '');
    truncateSync(huge, 50 * 1024 * 1024);
    await fails(dir, ['import', huge, '--campaign', 'C'], 6, /huge\.yaml": the file is too large to import \(50\.0 MiB; at most 4 MiB for YAML or Markdown\)/);
    assert.deepEqual(fingerprint(join(dir, '.campaign-vault')), before);
    // Usage mistakes are found before the vault is opened (no password needed).
    const r = await new Promise<Run>((resolve) =>
      execFile(process.execPath, [cliPath, '--dir', dir, 'import', good, '--on-conflict', 'merge'], { env: { ...env(), CAMPAIGN_VAULT_PASSWORD: '' } }, (err, stdout, stderr) => resolve({ code: Number((err as { code?: number } | null)?.code ?? 0), stdout, stderr })),
    );
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--on-conflict takes skip, rename or replace, not "merge"/);
  });

  it('exports a campaign to YAML files and imports them into a fresh vault with identical entries', async () => {
    const dir = await vault('c');
    await ok(dir, ['import', join(FIX, 'foundry-heroes/zanna-gnome-wizard.yml'), join(FIX, 'open5e-v1/Monster.json'), '--campaign', 'Phandelver', '--create-campaign']);
    const cid = (JSON.parse(await ok(dir, ['get', 'campaign', 'Phandelver', '--json'])) as { id: string }).id;
    const town = (await ok(dir, ['create', 'location', '--name', 'Phandalin', '--campaign', cid])).trim();
    await ok(dir, ['create', 'location', '--name', 'Stonehill Inn / upstairs', '--campaign', cid, '--set', `parent_id=${town}`]);
    const folder = join(tmp, 'export');
    const out = await ok(dir, ['export', folder]);
    // Zanna's 9 spells and 18 pieces of gear are entries of the campaign too.
    assert.match(out, /^Exported 35 entries and the campaign to .*export \(37 files\)\.$/m);
    assert.deepEqual(readdirSync(folder).sort(), ['campaign-vault-export.yaml', 'campaign.yaml', 'characters', 'items', 'locations', 'npcs', 'spells']);
    assert.ok(readdirSync(join(folder, 'locations')).includes('Stonehill Inn _ upstairs.yaml'));
    await fails(dir, ['export', folder], 5, /is not empty/);

    const fresh = await vault('d');
    const imported = await ok(fresh, ['import', folder]);
    assert.match(imported, /^Imported 36 files into the new campaign "Phandelver": 35 entries created\.$/m);
    assert.match(imported, /^Nothing was lost or changed on the way in\.$/m);
    const strip = (text: string) => (JSON.parse(text) as Record<string, unknown>[]).map(({ version: _v, created_at: _c, updated_at: _u, ...rest }) => rest);
    for (const kind of ['characters', 'npcs', 'locations', 'spells', 'items']) {
      assert.deepEqual(strip(await ok(fresh, ['list', kind, '--json'])), strip(await ok(dir, ['list', kind, '--json'])), kind);
    }
  });

  it('says which symbolic links in an imported folder it passed over (never follows them)', async () => {
    const dir = await vault('links');
    const folder = join(tmp, 'with-links');
    mkdirSync(folder);
    copyFileSync(join(FIX, 'foundry-npcs/cultist.json'), join(folder, 'cultist.json'));
    writeFileSync(join(tmp, 'outside.json'), readFileSync(join(FIX, 'foundry-npcs/cultist.json')));
    symlinkSync(join(tmp, 'outside.json'), join(folder, 'elsewhere.json'));
    symlinkSync(tmp, join(folder, 'loop'));
    const out = await ok(dir, ['import', folder, '--campaign', 'C', '--create-campaign', '--dry-run']);
    assert.match(out, /^Read 1 file: /m);
    assert.match(out, /^Passed over 2 files \(nothing to import, unless said\): .*elsewhere\.json \(a symbolic link, not followed\), .*loop \(a symbolic link, not followed\)\.$/m);
    const json = JSON.parse(await ok(dir, ['import', folder, '--campaign', 'C', '--create-campaign', '--dry-run', '--json'])) as { passedOver: string[] };
    assert.equal(json.passedOver.length, 2);
  });

  it('refuses an export manifest that points outside its folder', async () => {
    const dir = await vault('e');
    const folder = join(tmp, 'evil');
    mkdirSync(folder);
    writeFileSync(join(folder, 'campaign-vault-export.yaml'), 'format: campaign-vault-export\nversion: 1\nfiles:\n  - ../a/secret.yaml\n');
    await fails(dir, ['import', folder], 6, /\(files\[0\]\): the path "..\/a\/secret.yaml" is not a safe relative path/);
  });
});
