import type { DiceExpression, DiceTerm, Term } from './parse';

export interface DiceStats {
  readonly min: number;
  /** `Infinity` when the expression holds exploding dice. */
  readonly max: number;
  /** The exact expected value (up to floating point). */
  readonly average: number;
}

/**
 * The exact expected sum of the `keep` highest (or lowest) of `count` dice with `sides` sides.
 *
 * Not by enumerating the `sides^count` outcomes: by linearity of expectation. The sum of the k
 * highest dice is Σ over v = 1…sides of min(C_v, k), where C_v is the number of dice showing at least
 * v (a die showing x contributes 1 for each v ≤ x; only the k highest count). C_v is binomial
 * (count, p_v = (sides − v + 1) / sides), so E = Σ_v E[min(C_v, k)] — O(sides × count) work, exact
 * for every term the parser accepts (100 dice of 1000 sides: 10⁵ steps). For the k lowest,
 * min(C_v, k) becomes max(C_v − (count − k), 0).
 */
export function keptAverage(count: number, sides: number, keep: number, which: 'highest' | 'lowest'): number {
  // log C(count, i), built once.
  const logChoose: number[] = [0];
  for (let i = 1; i <= count; i++) logChoose.push(logChoose[i - 1]! + Math.log(count - i + 1) - Math.log(i));
  let total = 0;
  for (let v = 1; v <= sides; v++) {
    const p = (sides - v + 1) / sides;
    let expected = 0;
    for (let i = 0; i <= count; i++) {
      const weight = which === 'highest' ? Math.min(i, keep) : Math.max(i - (count - keep), 0);
      if (weight === 0) continue;
      const prob = p === 1 ? (i === count ? 1 : 0) : Math.exp(logChoose[i]! + i * Math.log(p) + (count - i) * Math.log1p(-p));
      expected += weight * prob;
    }
    total += expected;
  }
  return total;
}

function termStats(term: DiceTerm): DiceStats {
  const kept = term.keep ? term.keep.count : term.count;
  const min = kept;
  if (term.explode) {
    // One exploding die: E = (s+1)/2 · s/(s−1) (a geometric number of rerolls). The roller stops
    // after DICE_LIMITS.maxExplosions rerolls, which changes this by less than s·s^-100.
    return { min, max: Infinity, average: (term.count * ((term.sides + 1) / 2) * term.sides) / (term.sides - 1) };
  }
  const average = term.keep && term.keep.count < term.count ? keptAverage(term.count, term.sides, term.keep.count, term.keep.which) : (term.count * (term.sides + 1)) / 2;
  return { min, max: kept * term.sides, average };
}

function statsOf(term: Term): DiceStats {
  return term.type === 'constant' ? { min: term.value, max: term.value, average: term.value } : termStats(term);
}

/** Smallest and largest possible totals and the expected total. */
export function diceStats(e: DiceExpression): DiceStats {
  let min = 0;
  let max = 0;
  let average = 0;
  for (const term of e.terms) {
    const s = statsOf(term);
    if (term.sign > 0) {
      min += s.min;
      max += s.max;
      average += s.average;
    } else {
      min -= s.max;
      max -= s.min;
      average -= s.average;
    }
  }
  return { min, max, average };
}
