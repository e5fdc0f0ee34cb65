/** Dice expressions: parse (with errors that say where), min/max/average, roll with a Random port, find in text. */
export { DICE_LIMITS, formatDice, parseDice, type DiceError, type DiceExpression, type DiceParseResult, type DiceTerm, type ConstantTerm, type Keep, type Term } from './parse';
export { diceStats, keptAverage, type DiceStats } from './stats';
export { rollDice, rollDie, type RollResult, type RolledTerm } from './roll';
export { DICE_PATTERN, findDice, type DiceMatch } from './scan';
