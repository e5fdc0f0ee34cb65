import * as assert from 'node:assert/strict';
import { promises as fs, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as vscode from 'vscode';
import type { DataManager } from '../../src/core/api';
import type { KdfParams } from '../../src/core/crypto/kdf';
import type { AddRulebookResult } from '../../src/core/rulebooks/service';
import type { CampaignVaultApi, CampaignVaultTesting } from '../../src/vscode/api';
import { ScriptedPrompter } from '../support/scriptedPrompter';
import { until } from '../support/until';

const EXTENSION_ID = 'campaign-vault.campaign-vault';
const FAST_KDF: KdfParams = { algorithm: 'argon2id', memoryKiB: 8, iterations: 1, parallelism: 1 };
const PASSWORD = 'the rules as written 7';
const FIXTURES = resolve(__dirname, '../../../test/fixtures/rulebooks');
const fixture = (name: string) => vscode.Uri.file(join(FIXTURES, name));

describe('Campaign Vault: rulebooks in VS Code (add, tree, viewer)', function () {
  this.timeout(180_000);
  let testing: CampaignVaultTesting;
  let folder: vscode.WorkspaceFolder;
  let vaultDir: string;
  const ui = new ScriptedPrompter();
  const run = <T>(command: string, ...args: unknown[]) => vscode.commands.executeCommand<T>(`campaignVault.${command}`, ...args);
  const dm = (): DataManager => testing.dataManager(folder.uri)!;
  const scratch = mkdtempSync(join(tmpdir(), 'cv-rulebooks-it-'));
  /** What the vault holds: rulebooks, assets and stored files (a refused add must change none). */
  const holdings = async () => ({ rulebooks: await dm().count('rulebook'), assets: await dm().count('asset'), files: (await dm().listFiles()).length });
  const viewer = (id: string) => testing.rulebookViewers().find((v) => v.id === id);
  let opend6: AddRulebookResult;
  let qw: AddRulebookResult;
  let locked: AddRulebookResult;
  /** The page of QuestWorlds shown last. */
  let lastRead = 0;

  before(async () => {
    const api = await vscode.extensions.getExtension<CampaignVaultApi>(EXTENSION_ID)!.activate();
    testing = api._testing!;
    folder = vscode.workspace.workspaceFolders![0]!;
    vaultDir = join(folder.uri.fsPath, '.campaign-vault');
    await fs.rm(vaultDir, { recursive: true, force: true });
    testing.setKdf(FAST_KDF);
    testing.setPrompter(ui);
    await run('refresh');
    await dm().createVault(PASSWORD);
    await run('refresh');
    await dm().createCampaign({ name: 'Mini Six One-Shot' });
  });

  afterEach(function () {
    ui.finishTest(this.currentTest?.state);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await dm()?.lock();
    await fs.rm(vaultDir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
    testing?.setPrompter(undefined);
    testing?.setKdf(undefined);
    await run('refresh');
  });

  it('Add Rulebook reads a PDF with a cancellable progress, and the Campaigns view lists the book with its page count', async () => {
    ui.play({ pick: 'rulebook-campaign', label: 'Shared Library' });
    const added = await run<AddRulebookResult[]>('addRulebook', { uris: [fixture('minimal-opend6-srd.pdf')] });
    assert.equal(added?.length, 1, JSON.stringify(ui.shown('error')));
    opend6 = added[0]!;
    assert.equal(opend6.pages, 83);
    assert.equal(opend6.rulebook.campaign_id ?? null, null, 'in the Shared Library, as picked');
    assert.deepEqual(ui.progresses.map((p) => [p.id, p.cancellable]), [['rulebook-add', true]]);
    assert.match(ui.shown('rulebook-added')[0]?.text ?? '', /83 pages/);
    const books = await until('the tree to list the book', async () => {
      const kids = await testing.tree(['Shared Library', 'Rulebooks']).catch(() => []);
      return kids.length > 0 ? kids : undefined;
    });
    assert.deepEqual(
      books.map((b) => [b.label, b.description, b.contextValue]),
      [[opend6.rulebook.name, '83 pages', 'entity.rulebook']],
    );
  });

  it('adds a book into a campaign from the Explorer (a .pdf URI), asking for the PDF’s password until it is right', async () => {
    ui.play({ input: 'pdf-password', answer: 'not it' }, { input: 'pdf-password', answer: 'openpassword' });
    const pdf = join(scratch, 'Locked Rules.pdf');
    writeFileSync(pdf, readFileSync(join(FIXTURES, 'libreoffice-writer-password.pdf')));
    const campaign = (await dm().list('campaign'))[0]!;
    const added = await run<AddRulebookResult[]>('addRulebook', { uris: [vscode.Uri.file(pdf)], campaign: campaign.name });
    assert.equal(added?.length, 1, JSON.stringify(ui.shown('error')));
    assert.equal(added[0]!.rulebook.campaign_id, campaign.id);
    locked = added[0]!;
    assert.equal(ui.inputs.length, 2);
    assert.equal(ui.inputs[0]!.password, true);
    assert.equal(ui.inputs[0]!.initialMessage, undefined, 'the first ask says nothing is wrong');
    assert.match(ui.inputs[1]!.initialMessage?.message ?? '', /not the PDF’s password/);
  });

  it('refuses a file that is not a PDF and a damaged PDF with one clear sentence, writing nothing', async () => {
    const before = await holdings();
    const notPdf = join(scratch, 'notes.pdf');
    writeFileSync(notPdf, 'These are my notes, not a PDF.\n');
    assert.deepEqual(await run('addRulebook', { uris: [vscode.Uri.file(notPdf)], campaign: null }), undefined);
    assert.match(ui.shown('error')[0]?.text ?? '', /notes\.pdf.*is not a PDF/);
    const truncated = join(scratch, 'truncated.pdf');
    writeFileSync(truncated, readFileSync(join(FIXTURES, 'questworlds-srd.pdf')).subarray(0, 20_000));
    assert.deepEqual(await run('addRulebook', { uris: [vscode.Uri.file(truncated)], campaign: null }), undefined);
    assert.match(ui.shown('error')[1]?.text ?? '', /damaged|truncated|could not be read/i);
    assert.deepEqual(ui.shown('rulebook-added'), []);
    assert.deepEqual(await holdings(), before, 'nothing half-written');
  });

  it('a cancelled add leaves nothing behind', async () => {
    const before = await holdings();
    ui.cancel.add('rulebook-add');
    assert.deepEqual(await run('addRulebook', { uris: [fixture('questworlds-srd.pdf')], campaign: null }), []);
    assert.match(ui.shown('cancelled')[0]?.text ?? '', /cancelled/i);
    assert.deepEqual(await holdings(), before);
  });

  it('Open Rulebook shows a page drawn by pdf.js, the PDF arriving range by range as pdf.js asks', async () => {
    const added = await run<AddRulebookResult[]>('addRulebook', { uris: [fixture('questworlds-srd.pdf')], campaign: null });
    assert.equal(added?.length, 1, JSON.stringify(ui.shown('error')));
    qw = added[0]!;
    assert.equal(qw.pages, 68);
    const opened = await run<{ id: string }>('openRulebook', { id: qw.rulebook.id, page: 30 });
    assert.equal(opened?.id, qw.rulebook.id);
    const shown = await until('the viewer to draw page 30', () => (viewer(qw.rulebook.id)?.rendered?.page === 30 ? viewer(qw.rulebook.id) : undefined), 60_000);
    assert.equal(shown.rendered?.pages, 68);
    assert.equal(shown.rendered?.inked, true, 'the page has ink on it (text drawn, not a blank canvas)');
    assert.deepEqual(shown.errors, []);
    assert.ok(shown.ranges >= 1, 'pdf.js asked for ranges beyond the first chunk');
    assert.ok(shown.bytesSent <= Number(qw.asset.size), `the webview got ${shown.bytesSent} bytes of a ${String(qw.asset.size)}-byte file`);
  });

  it('Quick Search lists rulebook pages, and Enter opens the book at the page', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await until('the viewer to close', () => viewer(qw.rulebook.id) === undefined);
    const searching = run('quickSearch', 'augments');
    // Enter does nothing until the list has its items (the page index is built first): press it until the book opens.
    const shown = await until(
      'Enter on the first page hit to open the book',
      async () => {
        await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
        return viewer(qw.rulebook.id)?.rendered;
      },
      60_000,
    );
    await searching;
    const page = await dm().rulebooks.page(qw.rulebook.id, { page: shown.page });
    assert.match(page.text, /augment/i, `page ${shown.page} is about augments`);
    // The query is highlighted on that page, and counted over the whole book.
    const lit = await until('the viewer to highlight the query on the page', () => {
      const v = viewer(qw.rulebook.id);
      return v?.highlighted?.page === shown.page && v.highlighted.count > 0 && v.highlighted.current !== null && v.found ? v : undefined;
    });
    assert.match(lit.highlighted!.current!, /^augment/i);
    assert.deepEqual({ query: lit.found!.query, mode: lit.found!.mode }, { query: 'augments', mode: 'words' });
    assert.ok(lit.found!.total >= lit.highlighted!.count, JSON.stringify(lit.found));
    lastRead = shown.page;
  });

  it('openRulebook with a highlight turns an open viewer to the page and marks the term there', async () => {
    const pages = await dm().rulebooks.findInBook(qw.rulebook.id, 'augment', 'words');
    const other = pages.find((p) => p.page !== lastRead);
    assert.ok(other, JSON.stringify(pages));
    await run('openRulebook', { id: qw.rulebook.id, page: other.page, highlight: 'Augment' });
    const lit = await until(`the viewer to mark "augment" on page ${other.page}`, () => {
      const v = viewer(qw.rulebook.id);
      return v?.highlighted?.page === other.page && v.highlighted.current !== null && v.found?.query === 'Augment' ? v : undefined;
    });
    assert.equal(lit.highlighted!.count, other.count, 'the page shows as many matches as the host counted from the stored text');
    await run('openRulebook', { id: qw.rulebook.id, page: other.page, highlight: 7 });
    assert.match(ui.shown('error')[0]?.text ?? '', /What to highlight must be text/);
    await run('openRulebook', { id: qw.rulebook.id, page: lastRead });
    await until('the viewer to turn back', () => viewer(qw.rulebook.id)?.rendered?.page === lastRead);
  });

  it('opens a book again at the page last read, and a page by the Campaigns view’s node', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await until('the viewer to close', () => viewer(qw.rulebook.id) === undefined);
    await run('openRulebook', qw.rulebook.id);
    await until('the viewer to reopen at the page last read', () => viewer(qw.rulebook.id)?.rendered?.page === lastRead, 60_000);
    const node = await testing.treeNode(['Shared Library', 'Rulebooks', opend6.rulebook.name]);
    await run('openRulebook', node);
    await until('the node’s book to show its first page', () => viewer(opend6.rulebook.id)?.rendered?.page === 1, 60_000);
    await run('openRulebook', opend6.rulebook.id, 12);
    await until('the open viewer to turn to page 12', () => viewer(opend6.rulebook.id)?.rendered?.page === 12, 60_000);
  });

  it('shows a book’s chapters under it in the Campaigns view, each opening the book at its first page', async () => {
    const outline = ((await dm().rulebooks.get(qw.rulebook.id)).outline as { title: string; level: number; page?: number }[]).filter((o) => o.level === 0 && o.page !== undefined);
    assert.ok(outline.length >= 3, `QuestWorlds has chapters (${outline.length})`);
    const book = (await testing.tree(['Shared Library', 'Rulebooks'])).find((i) => i.label === qw.rulebook.name)!;
    assert.equal(book.collapsible, true);
    assert.equal(book.command, 'campaignVault.openRulebook', 'a click still opens the book; its twistie shows the chapters');
    const chapters = await testing.tree(['Shared Library', 'Rulebooks', qw.rulebook.name]);
    assert.deepEqual(
      chapters.map((c) => c.label),
      outline.map((o) => o.title.trim()),
    );
    const last = chapters.at(-1)!;
    const lastPage = outline.at(-1)!.page!;
    assert.equal(last.description, `p. ${(await dm().rulebooks.page(qw.rulebook.id, { page: lastPage })).label ?? lastPage}`);
    await vscode.commands.executeCommand(last.command!, ...(last.commandArguments ?? []));
    await until(`the viewer at the last chapter (page ${lastPage})`, () => viewer(qw.rulebook.id)?.rendered?.page === lastPage, 60_000);
  });

  it('asks for a PDF’s password when the viewer opens it (the password is not kept)', async () => {
    ui.play({ input: 'pdf-password', answer: 'openpassword' });
    await run('openRulebook', locked.rulebook.id);
    await until('the protected book to show its first page', () => viewer(locked.rulebook.id)?.rendered?.page === 1, 60_000);
    assert.equal(ui.inputs.at(-1)?.password, true);
    assert.equal(viewer(locked.rulebook.id)?.rendered?.inked, true);
  });

  it('refuses a page out of range and an unknown book', async () => {
    await run('openRulebook', { id: opend6.rulebook.id, page: 84 });
    assert.match(ui.shown('error')[0]?.text ?? '', /pages 1 to 83; there is no page 84/);
    await run('openRulebook', 'No Such Book');
    assert.match(ui.shown('error')[1]?.text ?? '', /no rulebook “No Such Book”/);
  });

  it('makes [[Book#pN]] and source: Book#pN links to the printed page, with its text on hover, and warns of a book or page that is not there', async () => {
    const twelve = await dm().rulebooks.page(qw.rulebook.id, { label: '12' });
    const book = qw.rulebook.name;
    const notes = join(scratch, 'session-3.md');
    writeFileSync(notes, `The augments rule: [[${book}#p12]].\nAnd [[Player’s Handbook#p96]], and [[${book}#p999|a page too far]].\n`);
    const spell = join(scratch, 'augment.yaml');
    writeFileSync(spell, `name: Augment\nsource: ${book}#p12  # where the rule is\n`);
    const doc = await vscode.workspace.openTextDocument(notes);
    await vscode.window.showTextDocument(doc);
    const links = await until('the citation link', async () => {
      const all = (await vscode.commands.executeCommand<vscode.DocumentLink[]>('vscode.executeLinkProvider', doc.uri)) ?? [];
      return all.filter((l) => l.target?.scheme === 'command').length > 0 ? all.filter((l) => l.target?.scheme === 'command') : undefined;
    });
    assert.equal(links.length, 1, 'only the citation that resolves is a link');
    assert.equal(doc.getText(links[0]!.range), `[[${book}#p12]]`);
    const target = links[0]!.target!;
    assert.equal(target.path, 'campaignVault.openRulebook');
    const [args] = JSON.parse(decodeURIComponent(target.query)) as [{ id: string; page: number }];
    assert.deepEqual(args, { id: qw.rulebook.id, page: twelve.page });
    // An entry of the vault that cites the page is listed by the viewer under "Cited by".
    await dm().create('spell', { name: 'Augment', source: `${book}#p12`, description: `See also [[${book}#p999]].` });
    await vscode.commands.executeCommand('campaignVault.openRulebook', args);
    await until('the viewer at printed page 12', () => viewer(qw.rulebook.id)?.rendered?.page === twelve.page, 60_000);
    await until('"Cited by: Augment" under page 12', () => viewer(qw.rulebook.id)?.citedBy.includes('Augment'));
    await vscode.commands.executeCommand('campaignVault.openRulebook', { id: qw.rulebook.id, page: twelve.page + 1 });
    await until('no "Cited by" on the next page', () => viewer(qw.rulebook.id)?.rendered?.page === twelve.page + 1 && viewer(qw.rulebook.id)?.citedBy.length === 0, 60_000);

    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(0, 22));
    const hoverText = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.ok(hoverText.includes('page 12'), hoverText);
    const firstWords = twelve.text.split(/\s+/).filter((w) => /^[A-Za-z]{5,}$/.test(w)).slice(0, 3);
    for (const w of firstWords) assert.ok(hoverText.includes(w), `the hover shows the page's text ("${w}")`);

    const warnings = await until('two citation warnings', () => {
      const d = vscode.languages.getDiagnostics(doc.uri).filter((x) => x.source?.includes('citation'));
      return d.length === 2 ? d : undefined;
    });
    assert.deepEqual(
      warnings.map((w) => [doc.getText(w.range), w.severity]),
      [
        ['[[Player’s Handbook#p96]]', vscode.DiagnosticSeverity.Warning],
        [`[[${book}#p999|a page too far]]`, vscode.DiagnosticSeverity.Warning],
      ],
    );
    assert.match(warnings[0]!.message, /No rulebook is named "Player’s Handbook"/);
    assert.ok(warnings[1]!.message.includes(`"${book}" has no page 999`), warnings[1]!.message);

    const yaml = await vscode.workspace.openTextDocument(spell);
    const yamlLinks = await until('the source: link', async () => {
      const all = (await vscode.commands.executeCommand<vscode.DocumentLink[]>('vscode.executeLinkProvider', yaml.uri)) ?? [];
      return all.find((l) => l.target?.scheme === 'command');
    });
    assert.equal(yaml.getText(yamlLinks.range), `${book}#p12`);
  });

  it('completes the page of a citation with the book’s chapters after [[Book# and source: Book#', async () => {
    const book = qw.rulebook.name;
    const chapters = ((await dm().rulebooks.get(qw.rulebook.id)).outline as { title: string; level: number; page?: number }[]).filter((o) => o.level === 0 && o.page !== undefined);
    const offered = async (file: string, text: string) => {
      writeFileSync(file, text);
      const doc = await vscode.workspace.openTextDocument(file);
      const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, doc.positionAt(text.length), '#');
      return list.items.filter((i) => i.kind === vscode.CompletionItemKind.Reference && typeof i.label !== 'string' && /^p\S+$/.test(i.label.label)) as (vscode.CompletionItem & { label: vscode.CompletionItemLabel })[];
    };
    const inNotes = await offered(join(scratch, 'session-4.md'), `The rule is in [[${book}#`);
    for (const chapter of chapters) {
      const item = inNotes.find((i) => i.label.description?.trim() === chapter.title.trim());
      assert.ok(item, `the chapter "${chapter.title}" is offered: ${inNotes.map((i) => `${i.label.label} ${i.label.description}`).join(', ')}`);
      const printed = String(item.insertText).replace(/^p/, '');
      assert.equal((await dm().rulebooks.page(qw.rulebook.id, { label: printed })).page, chapter.page, `p${printed} is the page "${chapter.title}" starts on`);
    }
    const inSource = await offered(join(scratch, 'grapple.yaml'), `name: Grapple\nsource: ${book}#`);
    assert.deepEqual(
      inSource.map((i) => i.insertText),
      inNotes.map((i) => i.insertText),
      'source: offers the same pages',
    );
    assert.deepEqual(await offered(join(scratch, 'session-5.md'), 'See [[Player’s Handbook#'), [], 'nothing for a book the vault does not have');
  });

  it('closes the viewers when the vault locks', async () => {
    assert.ok(testing.rulebookViewers().length >= 1);
    await run('lock');
    await until('the viewers to close', () => testing.rulebookViewers().length === 0);
    ui.play({ input: 'password', answer: PASSWORD });
    await run('unlock');
  });
});
