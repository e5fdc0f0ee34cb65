import type { Random } from '../ports';
import { DICE_LIMITS, type DiceExpression, type Term } from './parse';

export interface RolledTerm {
  readonly term: Term;
  /** Every die rolled, in order (an exploding die's rerolls follow it); empty for a constant. */
  readonly rolls: readonly number[];
  /** Parallel to `rolls`: whether the die counts (false for dice dropped by kh/kl). */
  readonly kept: readonly boolean[];
  /** The term's value with its sign. */
  readonly value: number;
}

export interface RollResult {
  readonly total: number;
  readonly terms: readonly RolledTerm[];
}

/** A uniform integer in 1…n from the Random port, without modulo bias (rejection sampling). */
export function rollDie(random: Random, n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 2 ** 31) throw new RangeError(`bad die size ${n}`);
  const limit = Math.floor(2 ** 32 / n) * n;
  for (;;) {
    const b = random.bytes(4);
    const x = ((b[0]! << 24) >>> 0) + (b[1]! << 16) + (b[2]! << 8) + b[3]!;
    if (x < limit) return (x % n) + 1;
  }
}

function rollTerm(random: Random, term: Term): RolledTerm {
  if (term.type === 'constant') return { term, rolls: [], kept: [], value: term.sign * term.value };
  const rolls: number[] = [];
  for (let d = 0; d < term.count; d++) {
    let r = rollDie(random, term.sides);
    rolls.push(r);
    for (let n = 0; term.explode && r === term.sides && n < DICE_LIMITS.maxExplosions; n++) {
      r = rollDie(random, term.sides);
      rolls.push(r);
    }
  }
  const kept = rolls.map(() => true);
  if (term.keep) {
    // Drop the others; among equal values the later dice are dropped first.
    const order = rolls.map((v, i) => ({ v, i })).sort((a, b) => (term.keep!.which === 'highest' ? b.v - a.v : a.v - b.v) || a.i - b.i);
    for (const { i } of order.slice(term.keep.count)) kept[i] = false;
  }
  const sum = rolls.reduce((acc, v, i) => acc + (kept[i] ? v : 0), 0);
  return { term, rolls, kept, value: term.sign * sum };
}

/** Rolls every term; `random` is the core's Random port (tests pass a scripted one). */
export function rollDice(e: DiceExpression, random: Random): RollResult {
  const terms = e.terms.map((t) => rollTerm(random, t));
  return { total: terms.reduce((acc, t) => acc + t.value, 0), terms };
}
