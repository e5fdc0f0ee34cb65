import * as assert from 'node:assert/strict';
import { DICE_LIMITS, diceStats, findDice, formatDice, keptAverage, parseDice, rollDice, rollDie, type DiceExpression } from '../../src/core/dice';
import type { Random } from '../../src/core/ports';

function parse(text: string): DiceExpression {
  const r = parseDice(text);
  if (!r.ok) assert.fail(`${text}: ${r.error.message}`);
  return r.expression;
}
const stats = (text: string) => diceStats(parse(text));
function error(text: string) {
  const r = parseDice(text);
  assert.ok(!r.ok, `${text} should not parse`);
  return r.error;
}

/** A Random port that makes each die show the next of `faces` (values up to 256). */
function scripted(faces: number[]): Random & { left(): number } {
  const queue = [...faces];
  return {
    bytes(length: number) {
      assert.equal(length, 4);
      const f = queue.shift();
      if (f === undefined) assert.fail('rolled more dice than scripted');
      return new Uint8Array([0, 0, 0, f - 1]);
    },
    left: () => queue.length,
  };
}

/** Brute force over every outcome, to check the closed form against. */
function bruteKept(count: number, sides: number, keep: number, which: 'highest' | 'lowest'): number {
  let total = 0;
  let n = 0;
  const dice = new Array<number>(count).fill(1);
  for (;;) {
    const sorted = [...dice].sort((a, b) => (which === 'highest' ? b - a : a - b));
    total += sorted.slice(0, keep).reduce((a, b) => a + b, 0);
    n++;
    let i = 0;
    while (i < count && dice[i] === sides) dice[i++] = 1;
    if (i === count) break;
    dice[i]!++;
  }
  return total / n;
}

describe('dice: parsing', () => {
  it('reads the common forms', () => {
    assert.deepEqual(
      parse('2d6+3').terms.map((t) => (t.type === 'dice' ? [t.sign, t.count, t.sides] : [t.sign, t.value])),
      [
        [1, 2, 6],
        [1, 3],
      ],
    );
    const [d8] = parse('d8').terms;
    assert.ok(d8?.type === 'dice' && d8.count === 1 && d8.sides === 8);
    const [pct] = parse('d%').terms;
    assert.ok(pct?.type === 'dice' && pct.sides === 100);
    const [kh] = parse('4d6kh3').terms;
    assert.ok(kh?.type === 'dice');
    assert.deepEqual(kh.keep, { which: 'highest', count: 3 });
    assert.deepEqual((parse('4d6k3').terms[0] as typeof kh).keep, { which: 'highest', count: 3 });
    assert.deepEqual((parse('2d20kl1').terms[0] as typeof kh).keep, { which: 'lowest', count: 1 });
    assert.equal((parse('3d6!').terms[0] as typeof kh).explode, true);
    assert.equal(formatDice(parse(' 1D20 +5-  1d4 ')), '1d20 + 5 - 1d4');
    assert.equal(formatDice(parse('-1d4+2')), '-1d4 + 2');
  });

  it('records where each term is', () => {
    const t = parse('1d20 + 5 - 1d4').terms;
    assert.deepEqual(
      t.map((x) => [x.offset, x.length]),
      [
        [0, 4],
        [7, 1],
        [11, 3],
      ],
    );
  });

  it('says what is wrong and at which column', () => {
    const cases: [string, number, RegExp][] = [
      ['', 1, /Expected a dice expression/],
      ['1d', 3, /number of sides after “d”, found the end/],
      ['2d6+', 5, /Expected a number or dice/],
      ['2d6 3', 5, /Expected “\+”, “-” or the end, found “3”/],
      ['1d20x', 5, /Unexpected “x” after 1d20/],
      ['0d6', 1, /at least one die/],
      ['1d0', 3, /at least one side/],
      ['101d6', 1, /At most 100 dice/],
      ['1d1001', 3, /at most 1000 sides/],
      ['4d6kh5', 6, /Keep between 1 and 4 of 4 dice/],
      ['4d6kh0', 6, /Keep between 1 and 4/],
      ['4d6k', 5, /how many dice to keep after “k”/],
      ['1d1!', 4, /one-sided die cannot explode/],
      ['1d20+100000', 6, /at most 99999/],
      ['2d6 * 2', 5, /found “\*”/],
      ['1d6\u202e', 4, /found U\+202E/],
    ];
    for (const [text, column, message] of cases) {
      const e = error(text);
      assert.equal(e.column, column, `${JSON.stringify(text)}: ${e.message}`);
      assert.equal(e.offset, column - 1);
      assert.match(e.message, message, text);
      assert.match(e.message, new RegExp(`\\(column ${column}\\)$`));
    }
  });

  it('refuses expressions that are too long or have too many terms, without working through them', () => {
    assert.match(error('1+'.repeat(150) + '1').message, /at most 200 characters/);
    assert.match(error(Array(21).fill('1').join('+')).message, /at most 20 terms/);
    assert.equal(DICE_LIMITS.maxCount, 100);
  });
});

describe('dice: min, max, average', () => {
  it('plain dice and constants', () => {
    assert.deepEqual(stats('2d6+3'), { min: 5, max: 15, average: 10 });
    assert.deepEqual(stats('1d20'), { min: 1, max: 20, average: 10.5 });
    assert.deepEqual(stats('1d20+5-1d4'), { min: 2, max: 24, average: 13 });
    assert.deepEqual(stats('-1d4'), { min: -4, max: -1, average: -2.5 });
    assert.deepEqual(stats('d%'), { min: 1, max: 100, average: 50.5 });
  });

  it('keep highest / lowest, exactly', () => {
    const s = stats('4d6kh3');
    assert.equal(s.min, 3);
    assert.equal(s.max, 18);
    assert.ok(Math.abs(s.average - 15869 / 1296) < 1e-12, String(s.average)); // 12.2445987…
    assert.ok(Math.abs(stats('2d20kh1').average - 13.825) < 1e-12);
    assert.ok(Math.abs(stats('2d20kl1').average - 7.175) < 1e-12);
    assert.deepEqual(stats('4d6kh4'), stats('4d6'));
    for (const [c, s, k] of [
      [3, 8, 1],
      [5, 4, 2],
      [4, 10, 3],
      [6, 3, 5],
    ] as const) {
      for (const which of ['highest', 'lowest'] as const) {
        assert.ok(Math.abs(keptAverage(c, s, k, which) - bruteKept(c, s, k, which)) < 1e-9, `${c}d${s}k${which[0]}${k}`);
      }
    }
  });

  it('stays fast and finite at the limits', () => {
    const s = stats('100d1000kh50-100d1000kl1');
    assert.ok(Number.isFinite(s.average) && s.average > 0);
  });

  it('exploding dice have no maximum', () => {
    const s = stats('3d6!');
    assert.equal(s.min, 3);
    assert.equal(s.max, Infinity);
    assert.ok(Math.abs(s.average - 3 * 3.5 * 1.2) < 1e-12);
  });
});

describe('dice: rolling', () => {
  it('sums, drops and subtracts as written', () => {
    const r = rollDice(parse('4d6kh3+2-1d4'), scripted([3, 6, 1, 6, 4]));
    assert.deepEqual(r.terms[0]!.rolls, [3, 6, 1, 6]);
    assert.deepEqual(r.terms[0]!.kept, [true, true, false, true]);
    assert.equal(r.terms[0]!.value, 15);
    assert.equal(r.terms[2]!.value, -4);
    assert.equal(r.total, 13);
  });

  it('keep lowest drops the later of equal dice', () => {
    const r = rollDice(parse('3d20kl1'), scripted([5, 5, 9]));
    assert.deepEqual(r.terms[0]!.kept, [true, false, false]);
    assert.equal(r.total, 5);
  });

  it('an exploding die rolls again on its maximum', () => {
    const random = scripted([6, 6, 2, 4]);
    const r = rollDice(parse('2d6!'), random);
    assert.deepEqual(r.terms[0]!.rolls, [6, 6, 2, 4]);
    assert.equal(r.total, 18);
    assert.equal(random.left(), 0);
  });

  it('draws without modulo bias: rejects the values above the last whole multiple', () => {
    // 2^32 = 4294967296; for n = 6 the limit is 4294967292, so 0xFFFFFFFC…F are rejected.
    const draws = [new Uint8Array([0xff, 0xff, 0xff, 0xfd]), new Uint8Array([0, 0, 0, 7])];
    assert.equal(rollDie({ bytes: () => draws.shift()! }, 6), 2);
    assert.equal(draws.length, 0);
  });

  it('stays within min and max with real randomness', () => {
    const random: Random = { bytes: (n) => crypto.getRandomValues(new Uint8Array(n)) };
    const e = parse('4d6kh3+1d8-2');
    const s = diceStats(e);
    for (let i = 0; i < 500; i++) {
      const t = rollDice(e, random).total;
      assert.ok(t >= s.min && t <= s.max, String(t));
    }
  });
});

describe('dice: finding expressions in text', () => {
  it('finds dice in prose and YAML values, not inside words', () => {
    const found = findDice('The goblin hits (1d6 + 2) — roll 1d20+5-1d4, 4d6kh3 or d% but not add6, d8s, x2d6 or 3D.').map((m) => m.text);
    assert.deepEqual(found, ['1d6 + 2', '1d20+5-1d4', '4d6kh3', 'd%']);
    assert.deepEqual(
      findDice('damage: 2d6+3 # slashing').map((m) => [m.offset, m.length]),
      [[8, 5]],
    );
  });

  it('leaves YAML keys alone', () => {
    assert.deepEqual(findDice('d6: 1d6\n2d6+1: twins').map((m) => m.text), ['1d6', '2d6']);
  });

  it('reports what the limits refuse', () => {
    const [m] = findDice('a 200d6 fireball');
    assert.ok(m && !m.parsed.ok);
    assert.match(m.parsed.error.message, /At most 100 dice/);
  });
});
