import { parseDice, type DiceParseResult } from './parse';

/**
 * Dice expressions inside prose or YAML values, the same pattern the TextMate grammar
 * (syntaxes/campaign-vault.injection.tmLanguage.json) uses — a test keeps the two equal. An
 * expression starts with dice (`2d6`, `d%`, `4d6kh3`, `3d6!`) not glued to a letter or digit,
 * then any `+`/`-` terms, dice or numbers: `1d20 + 5 - 1d4`.
 */
const WORD = '[\\p{L}\\p{N}_]';
const DIE = '[0-9]{0,3}[dD](?:[0-9]{1,4}|%)(?:[kK][hHlL]?[0-9]{1,3}|!)?';
// The final (?!:) keeps YAML keys such as `d6:` (a table of results) from being taken for dice.
export const DICE_PATTERN = `(?<!${WORD})${DIE}(?!${WORD})(?:[ \\t]*[-+][ \\t]*(?:${DIE}|[0-9]{1,5})(?!${WORD}))*(?!:)`;

export interface DiceMatch {
  readonly offset: number;
  readonly length: number;
  readonly text: string;
  /** Parsed: the limits (100 dice, d1000) can still refuse what the pattern found. */
  readonly parsed: DiceParseResult;
}

/** Every dice expression in `text`. */
export function findDice(text: string): DiceMatch[] {
  const out: DiceMatch[] = [];
  for (const m of text.matchAll(new RegExp(DICE_PATTERN, 'gu'))) {
    out.push({ offset: m.index, length: m[0].length, text: m[0], parsed: parseDice(m[0]) });
  }
  return out;
}
