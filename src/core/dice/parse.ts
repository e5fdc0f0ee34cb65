/**
 * Dice expressions as game masters write them: `1d20`, `2d6+3`, `d8`, `d%`, `4d6kh3` (keep the
 * highest 3; `4d6k3` is the same), `2d20kl1` (keep the lowest), `3d6!` (exploding dice),
 * `1d20+5-1d4`. Spaces around `+` and `-` are allowed. Bad input gives a {@link DiceError} that
 * says what was expected and where (1-based column).
 */

/** Limits that keep a hostile or mistyped expression from costing time or memory. */
export const DICE_LIMITS = {
  /** Characters in one expression. */
  maxLength: 200,
  /** Dice in one term (`100d6`). */
  maxCount: 100,
  /** Sides of one die (`d1000`). */
  maxSides: 1000,
  /** Terms (`1d20+5-1d4` has three). */
  maxTerms: 20,
  /** Largest constant (`+99999`). */
  maxConstant: 99_999,
  /** Rerolls of one exploding die before it stops exploding. */
  maxExplosions: 100,
} as const;

export type Keep = { readonly which: 'highest' | 'lowest'; readonly count: number };

export interface DiceTerm {
  readonly type: 'dice';
  /** +1 or -1. */
  readonly sign: 1 | -1;
  readonly count: number;
  readonly sides: number;
  readonly keep?: Keep;
  readonly explode?: boolean;
  /** Where the term (without its sign) starts in the text, 0-based, and its length. */
  readonly offset: number;
  readonly length: number;
}

export interface ConstantTerm {
  readonly type: 'constant';
  readonly sign: 1 | -1;
  readonly value: number;
  readonly offset: number;
  readonly length: number;
}

export type Term = DiceTerm | ConstantTerm;

export interface DiceExpression {
  /** The text as given. */
  readonly source: string;
  readonly terms: readonly Term[];
}

export interface DiceError {
  /** One sentence for the game master, naming the column. */
  readonly message: string;
  /** 0-based offset of the problem in the text. */
  readonly offset: number;
  /** 1-based column (offset + 1), as editors show it. */
  readonly column: number;
}

export type DiceParseResult = { readonly ok: true; readonly expression: DiceExpression } | { readonly ok: false; readonly error: DiceError };

class Fail extends Error {
  constructor(
    readonly what: string,
    readonly offset: number,
  ) {
    super(what);
  }
}

/** What the parser saw at `i`, for messages: "the end", "“x”". */
function seen(text: string, i: number): string {
  if (i >= text.length) return 'the end';
  const ch = String.fromCodePoint(text.codePointAt(i)!);
  return /^[\p{L}\p{N}\p{P}\p{S}]$/u.test(ch) ? `“${ch}”` : `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Parses a dice expression. Never throws. */
export function parseDice(text: string): DiceParseResult {
  try {
    return { ok: true, expression: new Parser(text).parse() };
  } catch (e) {
    if (!(e instanceof Fail)) throw e;
    return { ok: false, error: { message: `${e.what} (column ${e.offset + 1})`, offset: e.offset, column: e.offset + 1 } };
  }
}

class Parser {
  private i = 0;

  constructor(private readonly text: string) {}

  parse(): DiceExpression {
    const t = this.text;
    if (t.length > DICE_LIMITS.maxLength) throw new Fail(`A dice expression may be at most ${DICE_LIMITS.maxLength} characters long`, DICE_LIMITS.maxLength);
    this.spaces();
    if (this.i >= t.length) throw new Fail('Expected a dice expression such as 2d6+3', this.i);
    const terms: Term[] = [];
    let sign: 1 | -1 = 1;
    if (t[this.i] === '+' || t[this.i] === '-') {
      sign = t[this.i] === '-' ? -1 : 1;
      this.i++;
      this.spaces();
    }
    for (;;) {
      if (terms.length === DICE_LIMITS.maxTerms) throw new Fail(`A dice expression may have at most ${DICE_LIMITS.maxTerms} terms`, this.i);
      terms.push(this.term(sign));
      this.spaces();
      if (this.i >= t.length) break;
      const op = t[this.i];
      if (op !== '+' && op !== '-') throw new Fail(`Expected “+”, “-” or the end, found ${seen(t, this.i)}`, this.i);
      sign = op === '-' ? -1 : 1;
      this.i++;
      this.spaces();
    }
    return { source: t, terms };
  }

  private spaces(): void {
    while (this.text[this.i] === ' ' || this.text[this.i] === '\t') this.i++;
  }

  /** Digits at the cursor, or undefined. Leading zeros are allowed; more than 6 digits is too large anyway. */
  private number(): { value: number; offset: number } | undefined {
    const start = this.i;
    while (this.i < this.text.length && this.text.charCodeAt(this.i) >= 48 && this.text.charCodeAt(this.i) <= 57) this.i++;
    if (this.i === start) return undefined;
    const digits = this.text.slice(start, this.i);
    return { value: digits.length > 9 ? Number.MAX_SAFE_INTEGER : Number(digits), offset: start };
  }

  private term(sign: 1 | -1): Term {
    const t = this.text;
    const start = this.i;
    const count = this.number();
    if (t[this.i] !== 'd' && t[this.i] !== 'D') {
      if (!count) throw new Fail(`Expected a number or dice such as d20, found ${seen(t, this.i)}`, this.i);
      if (count.value > DICE_LIMITS.maxConstant) throw new Fail(`A number may be at most ${DICE_LIMITS.maxConstant}`, count.offset);
      return { type: 'constant', sign, value: count.value, offset: start, length: this.i - start };
    }
    const n = count?.value ?? 1;
    if (count && n < 1) throw new Fail('Roll at least one die', count.offset);
    if (n > DICE_LIMITS.maxCount) throw new Fail(`At most ${DICE_LIMITS.maxCount} dice in one term`, count!.offset);
    this.i++; // d
    let sides: number;
    if (t[this.i] === '%') {
      sides = 100;
      this.i++;
    } else {
      const s = this.number();
      if (!s) throw new Fail(`Expected the number of sides after “d”, found ${seen(t, this.i)}`, this.i);
      if (s.value < 1) throw new Fail('A die has at least one side', s.offset);
      if (s.value > DICE_LIMITS.maxSides) throw new Fail(`A die may have at most ${DICE_LIMITS.maxSides} sides`, s.offset);
      sides = s.value;
    }
    let keep: Keep | undefined;
    let explode = false;
    const c = t[this.i]?.toLowerCase();
    if (c === 'k') {
      const at = this.i;
      this.i++;
      let which: Keep['which'] = 'highest';
      const h = t[this.i]?.toLowerCase();
      if (h === 'h' || h === 'l') {
        which = h === 'h' ? 'highest' : 'lowest';
        this.i++;
      }
      const k = this.number();
      if (!k) throw new Fail(`Expected how many dice to keep after “${t.slice(at, this.i)}”, found ${seen(t, this.i)}`, this.i);
      if (k.value < 1 || k.value > n) throw new Fail(`Keep between 1 and ${n} of ${n} dice`, k.offset);
      keep = { which, count: k.value };
    } else if (c === '!') {
      if (sides < 2) throw new Fail('A one-sided die cannot explode', this.i);
      explode = true;
      this.i++;
    }
    const next = t[this.i];
    if (next !== undefined && /[\p{L}\p{N}_!%.]/u.test(next)) throw new Fail(`Unexpected ${seen(t, this.i)} after ${t.slice(start, this.i)}`, this.i);
    return { type: 'dice', sign, count: n, sides, ...(keep ? { keep } : {}), ...(explode ? { explode } : {}), offset: start, length: this.i - start };
  }
}

/** The canonical text of an expression: `4d6kh3 + 2`. */
export function formatDice(e: DiceExpression): string {
  return e.terms
    .map((term, i) => {
      const body =
        term.type === 'constant'
          ? String(term.value)
          : `${term.count}d${term.sides}${term.keep ? `k${term.keep.which === 'highest' ? 'h' : 'l'}${term.keep.count}` : ''}${term.explode ? '!' : ''}`;
      return i === 0 ? (term.sign < 0 ? `-${body}` : body) : `${term.sign < 0 ? ' - ' : ' + '}${body}`;
    })
    .join('');
}
