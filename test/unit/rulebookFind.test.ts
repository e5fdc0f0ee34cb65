/** Find in a rulebook (src/core/rulebooks/find.ts): the matcher the host and the viewer share. */
import * as assert from 'node:assert/strict';
import { findMatches, firstMatchFrom, foldForFind, MAX_MATCHES_PER_PAGE, nthMatch, queryStems, totalMatches } from '../../src/core/rulebooks/find';

const texts = (text: string, query: string, mode?: 'phrase' | 'words') => findMatches(text, query, mode).map((m) => text.slice(m.start, m.end));

describe('rulebooks: find in the book (the matcher)', () => {
  it('finds a phrase whatever its case, accents, ligatures, quotes, dashes and line breaks', () => {
    assert.deepEqual(texts('The Wild Die. One wild die is rolled; the WILD DIE explodes.', 'wild die'), ['Wild Die', 'wild die', 'WILD DIE']);
    assert.deepEqual(texts('Éowyn and EOWYN', 'eowyn'), ['Éowyn', 'EOWYN']);
    assert.deepEqual(texts('a ﬁre bolt', 'fire'), ['ﬁre']);
    assert.deepEqual(texts('the GM’s whim', "gm's"), ['GM’s']);
    assert.deepEqual(texts('Point Blank/Hand−to−Hand −5', 'hand-to-hand'), ['Hand−to−Hand']);
    assert.deepEqual(texts('Fast Static\nCombat and Fast  Static   Combat', 'fast static combat'), ['Fast Static\nCombat', 'Fast  Static   Combat']);
  });

  it('joins a word hyphenated at the end of a line, and only then', () => {
    assert.deepEqual(texts('be more comfortable with Tra-\nditional OpenD6 Combat.', 'traditional'), ['Tra-\nditional']);
    // A real hyphen stays: "well-known" is not "wellknown", and a capital after the break is a new word.
    assert.deepEqual(texts('a well-known rule', 'wellknown'), []);
    assert.deepEqual(texts('Hand-\nTo', 'handto'), []);
  });

  it('gives offsets into the original text, also after characters that fold to more or fewer', () => {
    const text = 'ﬁ Straße — ÉLAN élan';
    for (const m of findMatches(text, 'élan')) assert.equal(text.slice(m.start, m.end).toLowerCase(), 'élan');
    const f = foldForFind('A\u00ADB  c');
    assert.equal(f.folded, 'ab c');
    assert.equal(f.from.length, f.folded.length);
  });

  it('finds nothing for an empty query, and does not overlap or run away', () => {
    assert.deepEqual(findMatches('anything', ''), []);
    assert.deepEqual(findMatches('anything', '   '), []);
    assert.deepEqual(texts('aaaa', 'aa'), ['aa', 'aa']);
    assert.equal(findMatches('a'.repeat(5000), 'a').length, MAX_MATCHES_PER_PAGE);
  });

  it('in words mode (a Quick Search hit), finds each word of the query by its stem, as search does', () => {
    assert.deepEqual(texts('Grappling. When you grapple a creature, it is grappled.', 'grapple', 'words'), ['Grappling', 'grapple', 'grappled']);
    assert.deepEqual(texts('Scaling: not all objects are on the same scale.', 'scaling', 'words'), ['Scaling', 'scale']);
    // Joining words are left out when the query has others; a whole phrase is not needed.
    assert.deepEqual(queryStems('the rules of grappling'), ['rul', 'grappl']);
    assert.deepEqual(texts('Wild dice: roll the wild die.', 'the wild die', 'words'), ['Wild', 'wild', 'die']);
    assert.deepEqual(texts('to be or not', 'to', 'words'), ['to']);
  });

  it('counts across pages: the n-th match, the first from a page, the total', () => {
    const pages = [
      { page: 3, count: 2 },
      { page: 7, count: 1 },
      { page: 12, count: 3 },
    ];
    assert.equal(totalMatches(pages), 6);
    assert.deepEqual(nthMatch(pages, 0), { page: 3, index: 0 });
    assert.deepEqual(nthMatch(pages, 2), { page: 7, index: 0 });
    assert.deepEqual(nthMatch(pages, 5), { page: 12, index: 2 });
    assert.equal(nthMatch(pages, 6), undefined);
    assert.equal(firstMatchFrom(pages, 1), 0);
    assert.equal(firstMatchFrom(pages, 7), 2);
    assert.equal(firstMatchFrom(pages, 8), 3);
    assert.equal(firstMatchFrom(pages, 13), 0, 'wraps to the first match');
  });
});
