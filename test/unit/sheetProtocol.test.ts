import * as assert from 'node:assert/strict';
import { isHostMessage, parseWebviewMessage } from '../../src/core/sheet';

describe('core/sheet: webview protocol guards', () => {
  it('accepts well-formed messages from the webview', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseWebviewMessage({ type: 'openText' }), { type: 'openText' });
    const edit = { type: 'edit', requestId: 7, path: ['inventory', 2, 'quantity'], value: 3 };
    assert.deepEqual(parseWebviewMessage(edit), edit);
    assert.deepEqual(parseWebviewMessage({ type: 'edit', requestId: 0, path: ['notes'], value: null }), { type: 'edit', requestId: 0, path: ['notes'], value: null });
  });

  const malformed: [string, unknown][] = [
    ['not an object', 'ready'],
    ['null', null],
    ['an array', [{ type: 'ready' }]],
    ['an unknown type', { type: 'deleteVault' }],
    ['extra fields on ready', { type: 'ready', html: '<img>' }],
    ['an edit without a path', { type: 'edit', requestId: 1, value: 3 }],
    ['an empty path', { type: 'edit', requestId: 1, path: [], value: 3 }],
    ['a path too deep', { type: 'edit', requestId: 1, path: Array(13).fill('a'), value: 3 }],
    ['a prototype key', { type: 'edit', requestId: 1, path: ['__proto__', 'x'], value: 3 }],
    ['a negative index', { type: 'edit', requestId: 1, path: ['inventory', -1, 'quantity'], value: 3 }],
    ['a fractional index', { type: 'edit', requestId: 1, path: ['inventory', 1.5], value: 3 }],
    ['an empty key', { type: 'edit', requestId: 1, path: [''], value: 3 }],
    ['an object value', { type: 'edit', requestId: 1, path: ['abilities'], value: { str: 99 } }],
    ['a list value', { type: 'edit', requestId: 1, path: ['tags'], value: ['a'] }],
    ['NaN', { type: 'edit', requestId: 1, path: ['level'], value: Number.NaN }],
    ['Infinity', { type: 'edit', requestId: 1, path: ['level'], value: Number.POSITIVE_INFINITY }],
    ['a missing value', { type: 'edit', requestId: 1, path: ['level'] }],
    ['an undefined value', { type: 'edit', requestId: 1, path: ['level'], value: undefined }],
    ['a string request id', { type: 'edit', requestId: '1', path: ['level'], value: 2 }],
    ['a fractional request id', { type: 'edit', requestId: 1.5, path: ['level'], value: 2 }],
    ['extra fields on edit', { type: 'edit', requestId: 1, path: ['level'], value: 2, uri: 'file:///etc/passwd' }],
    ['a huge string', { type: 'edit', requestId: 1, path: ['notes'], value: 'x'.repeat(1_000_001) }],
  ];
  for (const [what, message] of malformed) {
    it(`rejects ${what}`, () => assert.equal(parseWebviewMessage(message), undefined));
  }

  it('the webview checks host messages too', () => {
    assert.ok(isHostMessage({ type: 'invalid', version: 1, message: 'bad' }));
    assert.ok(isHostMessage({ type: 'editResult', requestId: 1, ok: false, message: 'no' }));
    assert.ok(isHostMessage({ type: 'update', version: 1, model: { kind: 'npc' }, issues: [] }));
    assert.ok(!isHostMessage({ type: 'update', version: 1, model: { kind: 'spell' }, issues: [] }));
    assert.ok(!isHostMessage({ type: 'editResult', requestId: 1 }));
    assert.ok(!isHostMessage('update'));
  });
});
