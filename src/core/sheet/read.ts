// Defensive readers: a body comes from YAML a person typed, so every field may be missing, null or
// of the wrong type. The sheet is derived from whatever is usable; the schema diagnostics report the rest.

export type Obj = Readonly<Record<string, unknown>>;

export const obj = (x: unknown): Obj => (typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Obj) : {});
export const arr = (x: unknown): readonly unknown[] => (Array.isArray(x) ? x : []);
export const int = (x: unknown): number | null => (typeof x === 'number' && Number.isInteger(x) ? x : null);
export const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
export const str = (x: unknown): string | null => (typeof x === 'string' && x.trim() !== '' ? x : null);
export const bool = (x: unknown): boolean => x === true;

/** A string or a list of strings (personality traits may be either), as paragraphs. */
export const lines = (x: unknown): string[] =>
  typeof x === 'string' ? (x.trim() ? [x] : []) : arr(x).filter((s): s is string => typeof s === 'string' && s.trim() !== '');

/** A list of strings, other entries dropped. */
export const strings = (x: unknown): string[] => arr(x).filter((s): s is string => typeof s === 'string');
