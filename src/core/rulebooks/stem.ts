// The stemmer of rulebook search, on its own so the viewer's webview can use it without the index.

/**
 * A light English stemmer for rule terms: plural and verb endings off, a doubled final consonant
 * undoubled and a final e dropped, so grapple / grappled / grapples / grappling all become
 * "grappl" and hide / hiding "hid". Never shorter than three letters; non-words kept as they are.
 */
export function stem(term: string): string {
  let w = term;
  if (w.length <= 3 || !/^\p{L}+$/u.test(w)) return w;
  if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}i`;
  else if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) w = w.slice(0, -1);
  for (const suffix of ['ing', 'ed']) {
    if (w.endsWith(suffix) && w.length - suffix.length >= 3 && /[aeiouy]/u.test(w.slice(0, -suffix.length))) {
      w = w.slice(0, -suffix.length);
      if (/([^aeiouls])\1$/u.test(w)) w = w.slice(0, -1);
      break;
    }
  }
  if (w.endsWith('e') && w.length > 3) w = w.slice(0, -1);
  if (w.endsWith('y') && w.length > 3) w = `${w.slice(0, -1)}i`;
  return w;
}
