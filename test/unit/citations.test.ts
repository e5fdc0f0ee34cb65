import * as assert from 'node:assert/strict';
import { bookNamed, citationBeingTyped, citationOfLink, citationText, citationsInBody, citedPages, pageChoices, resolveCitation, scanCitations, scanLinks, type CitableBook } from '../../src/core/links';

/** The SRD's printed page 1 is its PDF page 3 (offset 2); QuestWorlds has its own labels (roman front matter). */
const SRD: CitableBook = { id: 'srd', name: 'SRD 5.1', page_count: 403, page_offset: 2 };
const QW: CitableBook = { id: 'qw', name: 'QuestWorlds', page_count: 6, page_labels: ['i', 'ii', '1', '2', '3', '4'] };
const CAMPAIGN_SRD: CitableBook = { id: 'srd-c', name: 'srd 5.1', page_count: 10, campaign_id: 'c1' };

describe('core/links/citations: [[Book#p254]] and source: Book#p254', () => {
  it('finds page citations among links, with the kind prefix and a shown text, and leaves other links alone', () => {
    const text = 'Grapple per [[SRD 5.1#p195]], see [[rulebook/QuestWorlds#p ii|the intro]] and [[Sildar]] or [[npc/Goblin#p3]].';
    const found = scanCitations(text, 'markdown');
    assert.deepEqual(
      found.map((c) => [text.slice(c.offset, c.offset + c.length), c.book, c.label, c.alias ?? null, c.form]),
      [
        ['[[SRD 5.1#p195]]', 'SRD 5.1', '195', null, 'link'],
        ['[[rulebook/QuestWorlds#p ii|the intro]]', 'QuestWorlds', 'ii', 'the intro', 'link'],
      ],
    );
    const npc = scanLinks('[[npc/Goblin#p3]]')[0]!;
    assert.equal(citationOfLink(npc), undefined, 'a kind other than rulebook is an entry link');
    assert.equal(scanCitations('`[[SRD 5.1#p195]]` in code', 'markdown').length, 0, 'not in a code span');
  });

  it('reads source: values in YAML, quoted or not, with a comment after, and not free text', () => {
    const yaml = ['name: Fireball', 'source: SRD 5.1#p241  # the spell', 'features:', '  - name: Rage', "    source: 'QuestWorlds#p2'", 'notes: source: SRD 5.1#p9', 'x-source: SRD 5.1#p1', 'other:', '  source: SRD 5.1'].join('\n');
    const found = scanCitations(yaml, 'yaml');
    assert.deepEqual(
      found.map((c) => [yaml.slice(c.offset, c.offset + c.length), c.book, c.label]),
      [
        ['SRD 5.1#p241', 'SRD 5.1', '241'],
        ["'QuestWorlds#p2'", 'QuestWorlds', '2'],
      ],
    );
  });

  it('resolves a printed label to the PDF page, through the offset or the book’s own labels', () => {
    assert.deepEqual(resolveCitation({ book: 'srd 5.1', label: '195' }, [SRD, QW]), { status: 'resolved', book: SRD, page: 197 });
    assert.deepEqual(resolveCitation({ book: 'QuestWorlds', label: 'ii' }, [SRD, QW]), { status: 'resolved', book: QW, page: 2 });
    assert.deepEqual(resolveCitation({ book: 'QuestWorlds', label: '1' }, [SRD, QW]), { status: 'resolved', book: QW, page: 3 });
  });

  it('says what is wrong with an unknown book or a page out of range', () => {
    const unknown = resolveCitation({ book: 'Player’s Handbook', label: '12' }, [SRD]);
    assert.equal(unknown.status, 'unknown-book');
    assert.match((unknown as { message: string }).message, /No rulebook is named "Player’s Handbook"/);
    const past = resolveCitation({ book: 'SRD 5.1', label: '402' }, [SRD]);
    assert.equal(past.status, 'no-such-page');
    assert.match((past as { message: string }).message, /"SRD 5\.1" has no page 402 \(its pages run from 1 to 401\)/);
    assert.equal(resolveCitation({ book: 'QuestWorlds', label: 'iii' }, [QW]).status, 'no-such-page');
  });

  it('prefers the citing campaign’s own book, then the shared library', () => {
    assert.equal((resolveCitation({ book: 'SRD 5.1', label: '1' }, [SRD, CAMPAIGN_SRD], { campaign_id: 'c1' }) as { book: CitableBook }).book.id, 'srd-c');
    assert.equal((resolveCitation({ book: 'SRD 5.1', label: '1' }, [SRD, CAMPAIGN_SRD], { campaign_id: 'c2' }) as { book: CitableBook }).book.id, 'srd');
    assert.equal(resolveCitation({ book: 'SRD 5.1', label: '1' }, [SRD, { ...SRD, id: 'srd2' }]).status, 'ambiguous-book');
  });

  it('writes the citation of a page by its printed label, and none for front matter without one', () => {
    assert.equal(citationText(SRD, 197), 'SRD 5.1#p195');
    assert.equal(citationText(QW, 2), 'QuestWorlds#pii');
    assert.equal(citationText(SRD, 2), undefined);
  });

  it('finds the citations anywhere in an entry, and which entries cite each page of a book', () => {
    const fireball = { id: 'f', name: 'Fireball', campaign_id: null, body: { source: 'SRD 5.1#p241', description: 'Also [[SRD 5.1#p241]] and [[QuestWorlds#pii]].' } };
    const session = { id: 's', name: 'Session 3', campaign_id: 'c1', body: { notes: 'Grapple: [[SRD 5.1#p195]]', features: [{ name: 'x', text: '[[SRD 5.1#p9999]]' }] } };
    const goblin = { id: 'g', name: 'Goblin', campaign_id: null, body: { source: 'SRD 5.1', notes: 'no citation' } };
    assert.deepEqual(citationsInBody(fireball.body), [
      { book: 'SRD 5.1', label: '241' },
      { book: 'SRD 5.1', label: '241' },
      { book: 'QuestWorlds', label: 'ii' },
    ]);
    assert.deepEqual(citationsInBody(goblin.body), []);
    const pages = citedPages([fireball, session, goblin].map((e) => ({ entry: e, body: e.body })), [SRD, QW], 'srd');
    assert.deepEqual(
      [...pages].map(([page, es]) => [page, es.map((e) => e.name)]),
      [
        [243, ['Fireball']],
        [197, ['Session 3']],
      ],
    );
    assert.deepEqual([...citedPages([fireball].map((e) => ({ entry: e, body: e.body })), [SRD, QW], 'qw').keys()], [2]);
  });
});

describe('core/links/citations: completing the page of a citation being typed', () => {
  const at = (textWithCursor: string, syntax: 'yaml' | 'markdown' = 'markdown') => {
    const offset = textWithCursor.indexOf('‸');
    const text = textWithCursor.replace('‸', '');
    const t = citationBeingTyped(text, offset, syntax);
    return t && { book: t.book, replaced: text.slice(t.start, t.end), form: t.form };
  };

  it('finds the book and the label so far after [[Book# and source: Book#', () => {
    assert.deepEqual(at('The rule is in [[SRD 5.1#‸'), { book: 'SRD 5.1', replaced: '', form: 'link' });
    assert.deepEqual(at('See [[SRD 5.1#p19‸'), { book: 'SRD 5.1', replaced: 'p19', form: 'link' });
    assert.deepEqual(at('See [[SRD 5.1#p1‸9]] now'), { book: 'SRD 5.1', replaced: 'p19', form: 'link' }, 'the whole label is replaced, not only up to the cursor');
    assert.deepEqual(at('See [[rulebook/SRD 5.1#‸'), { book: 'SRD 5.1', replaced: '', form: 'link' });
    assert.deepEqual(at('name: Fireball\nsource: SRD 5.1#p2‸', 'yaml'), { book: 'SRD 5.1', replaced: 'p2', form: 'source' });
    assert.deepEqual(at('  - source: "Player Guide#‸', 'yaml'), { book: 'Player Guide', replaced: '', form: 'source' });
  });

  it('is nothing outside a citation', () => {
    assert.equal(at('# Heading‸'), undefined);
    assert.equal(at('[[SRD 5.1#p19]] and then #‸'), undefined, 'the link is closed');
    assert.equal(at('[[SRD 5.1#p19|grapple‸'), undefined, 'in the alias');
    assert.equal(at('[[#‸'), undefined, 'no book');
    assert.equal(at('[[SRD 5.1\n#‸'), undefined, 'another line');
    assert.equal(at('source: SRD 5.1#p2‸', 'markdown'), undefined, 'source: is a YAML field');
    assert.equal(at('notes: a # comment‸', 'yaml'), undefined);
    assert.equal(at('source: SRD 5.1 #‸', 'yaml'), undefined, 'a YAML comment');
  });

  it('offers the outline’s chapters and sections with printed labels, in book order', () => {
    const book = { page_offset: 2, page_count: 40 };
    const outline = [
      { title: 'Cover', level: 0, page: 1 },
      { title: 'Combat', level: 0, page: 20 },
      { title: '  Grappling\n', level: 1, page: 22 },
      { title: 'Shoving', level: 2, page: 22 },
      { title: 'Appendix', level: 0 },
      { title: 'Beyond', level: 0, page: 99 },
    ];
    assert.deepEqual(pageChoices(book, outline), [
      { label: '18', page: 20, title: 'Combat', level: 0 },
      { label: '20', page: 22, title: 'Grappling', level: 1 },
    ]);
    assert.deepEqual(pageChoices({ page_labels: ['i', 'ii', '1'], page_count: 3 }, [{ title: 'Start', level: 0, page: 3 }]), [{ label: '1', page: 3, title: 'Start', level: 0 }]);
    assert.equal(pageChoices(book, outline, 1).length, 1);
  });

  it('names the book as a citation resolves it: this campaign’s, then the library’s', () => {
    const books: CitableBook[] = [
      { id: 'a', name: 'SRD', campaign_id: 'c1' },
      { id: 'b', name: 'srd', campaign_id: null },
    ];
    assert.equal((bookNamed('SRD', books, { campaign_id: 'c1' }) as { book: CitableBook }).book.id, 'a');
    assert.equal((bookNamed('SRD', books, { campaign_id: 'c2' }) as { book: CitableBook }).book.id, 'b');
    assert.equal(bookNamed('Nope', books).status, 'unknown-book');
  });
});
