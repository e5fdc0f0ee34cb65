import * as assert from 'node:assert/strict';
import { isVaultError } from '../../src/core/errors';
import { assertSafeRelativePath, joinPath, quoteName } from '../../src/core/paths';

describe('core/paths: assertSafeRelativePath', () => {
  it('accepts ordinary nested names, including non-ASCII ones', () => {
    assert.deepEqual(assertSafeRelativePath('db/snapshot-0001.bin'), ['db', 'snapshot-0001.bin']);
    assert.deepEqual(assertSafeRelativePath('Lost Mines/characters/Zanna.yaml'), ['Lost Mines', 'characters', 'Zanna.yaml']);
    assert.deepEqual(assertSafeRelativePath('Ḑragon’s Lair/دليل.yaml'), ['Ḑragon’s Lair', 'دليل.yaml']);
  });

  const refused: [string, string][] = [
    ['', 'empty'],
    ['/etc/passwd', 'absolute'],
    ['../outside', '".."'],
    ['a/../../b', '".."'],
    ['a/./b', '"."'],
    ['a//b', 'empty segment'],
    ['a/', 'empty segment'],
    ['a\\..\\b', 'backslash'],
    ['C:/Windows', 'drive letter'],
    ['bad\u0000name', 'control'],
    ['new\nline', 'control'],
    ['evil\u202egnp.exe', 'formatting'],
    ['zero\u200bwidth', 'formatting'],
    ['CON', 'reserved'],
    ['dir/lpt1.txt', 'reserved'],
    ['trailing.', 'dot or a space'],
    ['trailing ', 'dot or a space'],
    ['what?', 'Windows does not allow'],
    ['x'.repeat(256), 'longer than 255'],
    [Array.from({ length: 300 }, () => 'abcd').join('/'), 'longer than 1024'],
  ];
  for (const [path, why] of refused) {
    it(`refuses ${quoteName(path, 40)} (${why})`, () => {
      assert.throws(
        () => assertSafeRelativePath(path),
        (e: unknown) => isVaultError(e, 'invalid-path') && e.message.includes(why),
      );
    });
  }

  it('quotes names for messages with invisible and non-ASCII characters escaped', () => {
    assert.equal(quoteName('evil\u202egnp.exe'), '"evil\\u202egnp.exe"');
    assert.equal(quoteName('Zanna'), '"Zanna"');
    assert.equal(quoteName('abcdef', 3), '"abc…"');
    assert.throws(
      () => assertSafeRelativePath('x\u202ey'),
      (e: unknown) => isVaultError(e) && e.message.includes('\\u202e') && !e.message.includes('\u202e'),
    );
  });

  it('joinPath joins segments and checks the result', () => {
    assert.equal(joinPath('db', '', 'journal'), 'db/journal');
    assert.throws(() => joinPath('db', '..'), (e: unknown) => isVaultError(e, 'invalid-path'));
  });
});
