/** `campaign-vault rulebook …` and `search` (the CLI's run in this process, on real folders), with backups and portable files. */
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES } from './rulebookHelpers';
import { runCli, type CliResult } from '../support/cli';

type Result = CliResult;

describe('campaign-vault rulebook and search', function () {
  this.timeout(300_000);
  let tmp: string;
  let dir: string;
  const PW = { CAMPAIGN_VAULT_PASSWORD: 'correct horse' };
  const quest = join(FIXTURES, 'questworlds-srd.pdf');

  /** Runs `campaign-vault --dir <folder> …args` in this process with only the given environment (and the fast test KDF). */
  const cli = (args: string[], env: Record<string, string> = PW, folder = dir): Promise<Result> => runCli(folder, args, env, tmp);
  const ok = async (args: string[], env: Record<string, string> = PW, folder?: string): Promise<string> => {
    const r = await cli(args, env, folder);
    assert.equal(r.code, 0, `campaign-vault ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'cv-rulebook-cli-'));
    dir = join(tmp, 'workspace');
    mkdirSync(dir);
    await ok(['init']);
    await ok(['create', 'campaign', '--name', 'Lost Mines']);
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('adds a book and prints its id; list, get and delete of kind rulebook work on it', async () => {
    const id = (await ok(['rulebook', 'add', quest, '--name', 'QuestWorlds', '--page-offset', '3'])).trim();
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.match(await ok(['list', 'rulebooks']), /QuestWorlds\s+\S+\s+68/);
    const got = JSON.parse(await ok(['get', 'rulebook', 'QuestWorlds', '--json'])) as { id: string; page_count: number; page_offset: number; outline: unknown[] };
    assert.equal(got.id, id);
    assert.equal(got.page_count, 68);
    assert.equal(got.page_offset, 3);
    assert.equal(got.outline.length, 155);
    const other = (await ok(['rulebook', 'add', join(FIXTURES, 'minimal-opend6-srd.pdf'), '--campaign', 'Lost Mines'])).trim();
    await ok(['delete', 'rulebook', other]);
    assert.doesNotMatch(await ok(['list', 'rulebooks']), /OpenD6/);
  });

  it('prints a page’s text by page index or printed label', async () => {
    const byPage = await ok(['rulebook', 'text', 'QuestWorlds', '--page', '21']);
    assert.match(byPage, /2\.6 Augments/);
    assert.equal(await ok(['rulebook', 'text', 'QuestWorlds', '--label', '18']), byPage, 'label 18 is page 21 with offset 3');
    const r = await cli(['rulebook', 'text', 'QuestWorlds', '--page', '69']);
    assert.equal(r.code === 0, false);
    assert.match(r.stderr, /pages 1 to 68/);
    assert.equal((await cli(['rulebook', 'text', 'QuestWorlds'])).code === 0, false);
  });

  it('searches pages and entries; JSON hits carry type, rulebook, page, label, heading, snippet and score', async () => {
    await ok(['create', 'npc', '--name', 'Augusta the Augmenter', '--campaign', 'Lost Mines']);
    const hits = JSON.parse(await ok(['search', 'augment', '--json', '--limit', '5'])) as Record<string, unknown>[];
    const page = hits.find((h) => h.type === 'page')!;
    assert.deepEqual(Object.keys(page).sort(), ['campaign_id', 'heading', 'label', 'page', 'rulebook', 'rulebook_id', 'score', 'snippet', 'type']);
    assert.equal(page.rulebook, 'QuestWorlds');
    assert.equal(page.page, 21);
    assert.equal(page.label, '18');
    assert.equal(page.heading, '2.6 Augments');
    assert.ok(hits.some((h) => h.type === 'npc'));
    const onlyPages = JSON.parse(await ok(['search', 'augment', '--json', '--rulebooks'])) as { type: string }[];
    assert.ok(onlyPages.length > 0 && onlyPages.every((h) => h.type === 'page'));
    const onlyNpcs = JSON.parse(await ok(['search', 'augment', '--json', '--kind', 'npc'])) as { type: string }[];
    assert.deepEqual(onlyNpcs.map((h) => h.type), ['npc']);
    assert.match(await ok(['search', 'augment', '--rulebooks', '--limit', '1']), /^QuestWorlds · p\. 18 \(page 21\) · 2\.6 Augments — /);
  });

  it('refuses bad PDFs with one sentence and adds nothing', async () => {
    const before = await ok(['list', 'rulebooks', '--json']);
    const locked = await cli(['rulebook', 'add', join(FIXTURES, 'libreoffice-writer-password.pdf')]);
    assert.equal(locked.code, 3);
    assert.match(locked.stderr, /protected by a password: put it in \$CAMPAIGN_VAULT_PDF_PASSWORD/);
    const broken = join(tmp, 'broken.pdf');
    writeFileSync(broken, Buffer.from('%PDF-1.7\ntruncated'));
    const r = await cli(['rulebook', 'add', broken]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /damaged or truncated/);
    assert.equal(await ok(['list', 'rulebooks', '--json']), before);
    const withPw = JSON.parse(await ok(['rulebook', 'add', join(FIXTURES, 'libreoffice-writer-password.pdf'), '--json', '--name', 'Locked'], { ...PW, CAMPAIGN_VAULT_PDF_PASSWORD: 'openpassword' })) as { pages: number };
    assert.equal(withPw.pages, 1);
    const scanned = await cli(['rulebook', 'add', join(FIXTURES, 'imagemagick-images.pdf'), '--name', 'Scan']);
    assert.equal(scanned.code, 0);
    assert.match(scanned.stderr, /has no text to search/);
  });

  it('backs the page text up and restores it; a portable file carries the book and its PDF, and reindex rebuilds the text', async () => {
    await ok(['backup']);
    const restored = join(tmp, 'restored');
    await ok(['restore', 'latest', '--to', restored], { ...PW, CAMPAIGN_VAULT_NEW_PASSWORD: 'battery staple' });
    const pw2 = { CAMPAIGN_VAULT_PASSWORD: 'battery staple' };
    assert.match(await ok(['rulebook', 'text', 'QuestWorlds', '--page', '21'], pw2, restored), /2\.6 Augments/);
    const restoredCheck = await cli(['check'], pw2, restored);
    assert.doesNotMatch(restoredCheck.stdout + restoredCheck.stderr, /rulebook\./, restoredCheck.stdout);

    const file = join(tmp, 'vault.cvpb');
    await ok(['export-backup', file], { ...PW, CAMPAIGN_VAULT_BACKUP_PASSWORD: 'portable pw' });
    const other = join(tmp, 'other');
    mkdirSync(other);
    await ok(['init'], PW, other);
    await ok(['import-backup', file], { ...PW, CAMPAIGN_VAULT_BACKUP_PASSWORD: 'portable pw' }, other);
    const check = await cli(['check'], PW, other);
    assert.match(check.stdout, /rulebook\.text-missing.*QuestWorlds/);
    await ok(['rulebook', 'reindex', 'QuestWorlds'], PW, other);
    assert.match(await ok(['rulebook', 'text', 'QuestWorlds', '--label', '18'], PW, other), /2\.6 Augments/);
    const after = await cli(['check'], PW, other);
    assert.doesNotMatch(after.stdout, /rulebook "QuestWorlds"/);
    assert.match(after.stdout, /rulebook "Scan" is missing/, 'the books not re-extracted yet are still reported');
  });

  it('refuses usage mistakes before opening the vault', async () => {
    assert.equal((await cli(['rulebook', 'add', join(tmp, 'nope.pdf')])).code, 4);
    assert.equal((await cli(['rulebook', 'frobnicate', 'x'])).code === 0, false);
    assert.equal((await cli(['rulebook', 'add', quest, '--page-offset', 'two'])).code === 0, false);
    assert.equal((await cli(['search', 'x', '--kind', 'npc', '--rulebooks'])).code === 0, false);
  });
});
