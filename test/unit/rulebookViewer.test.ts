import * as assert from 'node:assert/strict';
import { PageIndex } from '../../src/core/rulebooks/search';
import { parseViewerMessage, viewerOutline } from '../../src/core/rulebooks/viewerProtocol';
import { pageItems } from '../../src/vscode/authoring/searchItems';

describe('rulebooks in VS Code: Quick Search page hits and the viewer’s messages', () => {
  it('lists a page hit as "book · p. label · heading" with its snippet, the PDF page when the label differs', () => {
    const index = new PageIndex();
    const book = { id: 'b1', name: 'SRD $(alert)', campaign_id: null };
    index.addPages(book, [
      { page: 1, label: 'i', text: 'Contents', headings: [], chapter: null },
      { page: 197, label: '195', text: 'Grappling\nWhen you want to grab a creature or wrestle with it, you can use the Attack action.', headings: [{ at: 0, title: 'Grappling' }], chapter: 'Combat' },
    ]);
    const items = pageItems(index.search('grapple', { limit: 5 }));
    assert.equal(items.length, 1);
    assert.equal(items[0]!.label, '$(book) SRD $\u200B(alert) · p. 195 (page 197) · Grappling');
    assert.equal(items[0]!.description, 'rulebook page');
    assert.match(items[0]!.detail ?? '', /grab a creature/);
    assert.equal(items[0]!.hit.page, 197);
    assert.equal(items[0]!.hit.rulebook_id, 'b1');
    assert.equal(items[0]!.alwaysShow, true);
  });

  it('takes only well-formed messages from the viewer’s webview', () => {
    assert.deepEqual(parseViewerMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseViewerMessage({ type: 'range', begin: 0, end: 65536 }), { type: 'range', begin: 0, end: 65536 });
    assert.deepEqual(parseViewerMessage({ type: 'rendered', page: 3, pages: 83, inked: true }), { type: 'rendered', page: 3, pages: 83, inked: true });
    assert.deepEqual(parseViewerMessage({ type: 'password', wrong: false }), { type: 'password', wrong: false });
    assert.deepEqual(parseViewerMessage({ type: 'openEntry', id: '0b6f6c2e-1a2b-4c3d-8e9f-001122334455' }), { type: 'openEntry', id: '0b6f6c2e-1a2b-4c3d-8e9f-001122334455' });
    assert.deepEqual(parseViewerMessage({ type: 'find', query: 'wild die', mode: 'phrase' }), { type: 'find', query: 'wild die', mode: 'phrase' });
    assert.deepEqual(parseViewerMessage({ type: 'highlighted', page: 3, count: 2, current: 'Wild Die' }), { type: 'highlighted', page: 3, count: 2, current: 'Wild Die' });
    assert.deepEqual(parseViewerMessage({ type: 'highlighted', page: 3, count: 0, current: null }), { type: 'highlighted', page: 3, count: 0, current: null });
    for (const bad of [{ type: 'find', query: 'x', mode: 'regexp' }, { type: 'find', query: 7, mode: 'phrase' }, { type: 'find', query: 'x'.repeat(5000), mode: 'phrase' }, { type: 'highlighted', page: 1, count: -1, current: null }, { type: 'highlighted', page: 1, count: 1 }]) {
      assert.equal(parseViewerMessage(bad), undefined, JSON.stringify(bad));
    }
    for (const bad of [{ type: 'openEntry', id: '../x' }, { type: 'openEntry', id: 'x'.repeat(65) }, { type: 'openEntry' }, null, 'ready', {}, { type: 'range', begin: -1, end: 5 }, { type: 'range', begin: 5, end: 5 }, { type: 'range', begin: 0.5, end: 9 }, { type: 'rendered', page: '3', pages: 83, inked: true }, { type: 'password' }, { type: 'open' }]) {
      assert.equal(parseViewerMessage(bad), undefined, JSON.stringify(bad));
    }
    assert.equal((parseViewerMessage({ type: 'error', message: 'x'.repeat(5000) }) as { message: string }).message.length, 2000);
  });

  it('lists a book’s outline for the sidebar: entries that point at one of its pages, levels kept in bounds', () => {
    const outline = [
      { title: 'Combat', level: 0, page: 3 },
      { title: 'Grappling', level: 1, page: 4 },
      { title: 'Nowhere', level: 0 },
      { title: 'Too far', level: 0, page: 99 },
      { title: 'Deep', level: 40, page: 5 },
      'junk',
      null,
    ];
    assert.deepEqual(viewerOutline({ page_count: 5, outline }), [
      { title: 'Combat', level: 0, page: 3 },
      { title: 'Grappling', level: 1, page: 4 },
      { title: 'Deep', level: 8, page: 5 },
    ]);
    assert.deepEqual(viewerOutline({ page_count: 5 }), []);
  });
});
