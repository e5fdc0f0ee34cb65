import * as assert from 'node:assert/strict';
import { VaultError, describeError, isVaultError } from '../../src/core/errors';
import { toVaultError } from '../../src/node/fileStore';

describe('core/errors', () => {
  it('gives each error code a sentence for the user and keeps the detail for the log', () => {
    const e = new VaultError('disk-full', 'write db/journal: ENOSPC');
    assert.equal(e.message, 'write db/journal: ENOSPC');
    assert.match(e.userMessage, /disk is full/);
    assert.equal(describeError(e), e.userMessage);
    assert.equal(describeError(new Error('plain')), 'plain');
    assert.equal(describeError('text'), 'text');
  });

  it('tells codes apart', () => {
    const e = new VaultError('corrupt', 'x');
    assert.equal(isVaultError(e), true);
    assert.equal(isVaultError(e, 'corrupt'), true);
    assert.equal(isVaultError(e, 'io'), false);
    assert.equal(isVaultError(new Error('x')), false);
  });

  const errnos: [string, string][] = [
    ['ENOENT', 'not-found'],
    ['ENOSPC', 'disk-full'],
    ['EDQUOT', 'disk-full'],
    ['EROFS', 'read-only'],
    ['EACCES', 'permission-denied'],
    ['EPERM', 'permission-denied'],
    ['EIO', 'io'],
    ['EWHATEVER', 'io'],
  ];
  for (const [errno, code] of errnos) {
    it(`maps ${errno} from Node's fs to "${code}", keeping the cause`, () => {
      const cause = Object.assign(new Error(`${errno}: boom`), { code: errno });
      const e = toVaultError(cause, 'write', 'db/journal');
      assert.equal(e.code, code);
      assert.equal(e.cause, cause);
      assert.match(e.message, /write db\/journal/);
    });
  }
});

describe('core/errors: hints', () => {
  it('a hint completes the sentence, or replaces a generic one', () => {
    assert.equal(new VaultError('not-found', 'x', { hint: 'There is no campaign "nope".' }).userMessage, 'There is no campaign "nope".');
    assert.match(new VaultError('disk-full', 'x', { hint: 'While saving Zanna.' }).userMessage, /^The disk is full\..* While saving Zanna\.$/);
    assert.doesNotMatch(new VaultError('not-found', 'x', { hint: 'There is no NPC "Bob".' }).userMessage, /file the vault needs/);
  });
});
