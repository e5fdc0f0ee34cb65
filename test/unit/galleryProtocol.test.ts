import * as assert from 'node:assert/strict';
import { parseGalleryMessage } from '../../src/core/assets/galleryProtocol';

describe('core/assets/galleryProtocol: the gallery webview’s messages, checked on the host', () => {
  it('accepts the messages the webview sends', () => {
    assert.deepEqual(parseGalleryMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseGalleryMessage({ type: 'view', id: '0f3a-77' }), { type: 'view', id: '0f3a-77' });
    assert.deepEqual(parseGalleryMessage({ type: 'shown', thumbnails: 12 }), { type: 'shown', thumbnails: 12 });
    assert.deepEqual(parseGalleryMessage({ type: 'viewed', id: 'a1', width: 4096, height: 4096, zoom: 0.25 }), { type: 'viewed', id: 'a1', width: 4096, height: 4096, zoom: 0.25 });
    assert.deepEqual(parseGalleryMessage({ type: 'error', message: 'x'.repeat(5000) }), { type: 'error', message: 'x'.repeat(2000) });
    assert.deepEqual(parseGalleryMessage({ type: 'rename', id: 'a1' }), { type: 'rename', id: 'a1' });
    assert.deepEqual(parseGalleryMessage({ type: 'tag', ids: ['a1', 'b2', 'a1'] }), { type: 'tag', ids: ['a1', 'b2'] }, 'repeats dropped');
    assert.deepEqual(parseGalleryMessage({ type: 'remove', ids: ['a1'], extra: 'ignored' }), { type: 'remove', ids: ['a1'] });
    assert.deepEqual(parseGalleryMessage({ type: 'pdfThumbnail', id: 'p1' }), { type: 'pdfThumbnail', id: 'p1' });
    assert.deepEqual(parseGalleryMessage({ type: 'pdfRange', id: 'p1', begin: 0, end: 65536 }), { type: 'pdfRange', id: 'p1', begin: 0, end: 65536 });
    assert.deepEqual(parseGalleryMessage({ type: 'pdfDrawn', id: 'p1', ok: false }), { type: 'pdfDrawn', id: 'p1', ok: false });
  });

  it('refuses anything else: unknown types, ids with path tricks, bad numbers, non-objects', () => {
    for (const bad of [
      null,
      'ready',
      42,
      [],
      { type: 'eval', code: '1' },
      { type: 'view' },
      { type: 'view', id: '../../etc/passwd' },
      { type: 'view', id: 'a'.repeat(65) },
      { type: 'view', id: 7 },
      { type: 'shown', thumbnails: -1 },
      { type: 'shown', thumbnails: 1.5 },
      { type: 'viewed', id: 'a', width: 1, height: 1, zoom: 0 },
      { type: 'viewed', id: 'a', width: 1, height: 1, zoom: Number.NaN },
      { type: 'error', message: {} },
      { type: 'rename', id: '../x' },
      { type: 'rename', ids: ['a1'] },
      { type: 'tag', ids: [] },
      { type: 'tag', ids: 'a1' },
      { type: 'remove', ids: ['a1', '../../etc'] },
      { type: 'remove', ids: Array.from({ length: 10_001 }, (_, i) => `a${i}`) },
      { type: 'pdfRange', id: 'p1', begin: 10, end: 10 },
      { type: 'pdfRange', id: 'p1', begin: -1, end: 10 },
      { type: 'pdfRange', id: 'p1', begin: 0, end: 8 * 1024 * 1024 + 1 },
      { type: 'pdfDrawn', id: 'p1', ok: 'yes' },
    ]) {
      assert.equal(parseGalleryMessage(bad), undefined, JSON.stringify(bad));
    }
  });
});
