import * as assert from 'node:assert/strict';
import { citationOfLink, citationText, citationsInBody, citedPages, resolveCitation, scanCitations, scanLinks, type CitableBook } from '../../src/core/links';

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
