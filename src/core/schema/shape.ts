// A cheap walk over a body before the schema sees it: bounds what no schema keyword can (nesting
// depth, the number of values, the total amount of text, also inside the free-form `extra` and
// `x-` fields) and refuses values JSON cannot hold (undefined, NaN, functions, class instances,
// BigInt, cycles). Iterative, so a hostile depth cannot overflow the stack.

/** Deepest nesting accepted; a full 5e sheet needs 5, a Foundry actor pasted under `extra` about 12. */
export const MAX_DEPTH = 64;
/** Most values (every object, array, key and scalar counts one) in one body. */
export const MAX_VALUES = 500_000;
/** Most characters of text (keys and strings together) in one body. */
export const MAX_TEXT = 16_000_000;

export type ShapeProblem =
  | { kind: 'depth'; pointer: string }
  | { kind: 'values'; pointer: string }
  | { kind: 'text'; pointer: string }
  | { kind: 'not-json'; pointer: string; what: string }
  | { kind: 'not-finite'; pointer: string };

export function escapePointerSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function describeNonJson(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'bigint') return 'a BigInt';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  const ctor = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  if (typeof ctor !== 'string' || ctor === '') return 'an object of an unknown kind';
  return `${/^[AEIOU]/i.test(ctor) ? 'an' : 'a'} ${ctor}`;
}

/** An object literal (also one made in another realm, such as a vm context), not a class instance. */
function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return (proto === null || Object.getPrototypeOf(proto) === null) && Object.prototype.toString.call(value) === '[object Object]';
}

/** The first way `body` is too big or not plain JSON data, or undefined when it is fine. */
export function checkShape(body: unknown): ShapeProblem | undefined {
  const stack: { value: unknown; pointer: string; depth: number }[] = [{ value: body, pointer: '', depth: 0 }];
  let values = 0;
  let text = 0;
  while (stack.length > 0) {
    const { value, pointer, depth } = stack.pop()!;
    if (++values > MAX_VALUES) return { kind: 'values', pointer };
    if (value === null || typeof value === 'boolean') continue;
    if (typeof value === 'string') {
      text += value.length;
      if (text > MAX_TEXT) return { kind: 'text', pointer };
      continue;
    }
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return { kind: 'not-finite', pointer };
      continue;
    }
    if (typeof value !== 'object') return { kind: 'not-json', pointer, what: describeNonJson(value) };
    if (depth >= MAX_DEPTH) return { kind: 'depth', pointer };
    if (Array.isArray(value)) {
      if (values + value.length > MAX_VALUES) return { kind: 'values', pointer };
      // Push in reverse so the first problem found is the first in document order.
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], pointer: `${pointer}/${i}`, depth: depth + 1 });
      continue;
    }
    if (!isPlainObject(value)) return { kind: 'not-json', pointer, what: describeNonJson(value) };
    const keys = Object.keys(value);
    values += keys.length;
    if (values > MAX_VALUES) return { kind: 'values', pointer };
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      text += key.length;
      if (text > MAX_TEXT) return { kind: 'text', pointer: `${pointer}/${escapePointerSegment(key)}` };
      stack.push({ value: (value as Record<string, unknown>)[key], pointer: `${pointer}/${escapePointerSegment(key)}`, depth: depth + 1 });
    }
  }
  return undefined;
}
