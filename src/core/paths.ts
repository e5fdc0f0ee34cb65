import { VaultError } from './errors';

/** Longest path segment most file systems accept (bytes in UTF-8; we count UTF-16 units, stricter for non-ASCII). */
const MAX_SEGMENT = 255;
const MAX_PATH = 1024;
// Control characters (C0, DEL, C1) and the bidirectional/zero-width formatting characters that
// make a name display differently from what it is.
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/u;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

/**
 * A name quoted for logs and messages with every control, formatting and non-ASCII character
 * written as `\uXXXX`, so a right-to-left override or a zero-width space cannot disguise it.
 */
export function quoteName(name: string, maxLength = 80): string {
  const cut = name.length > maxLength ? `${name.slice(0, maxLength)}…` : name;
  return JSON.stringify(cut).replace(/[\u0080-\uffff]/g, (c) => (c === '…' ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/**
 * Checks a path relative to a store's root and returns its segments. Refuses what could escape
 * the root or mean different files on different systems: absolute paths, `.` and `..`, empty
 * segments, backslashes, drive letters, control and bidi characters, Windows reserved names,
 * trailing dots or spaces, and over-long names.
 */
export function assertSafeRelativePath(path: string): string[] {
  const fail = (why: string): never => {
    throw new VaultError('invalid-path', `unsafe path ${quoteName(path)}: ${why}`);
  };
  if (path.length === 0) fail('empty');
  if (path.length > MAX_PATH) fail(`longer than ${MAX_PATH} characters`);
  if (path.startsWith('/')) fail('absolute');
  if (path.includes('\\')) fail('contains a backslash');
  if (/^[a-zA-Z]:/.test(path)) fail('starts with a drive letter');
  if (FORBIDDEN.test(path)) fail('contains a control or formatting character');
  const segments = path.split('/');
  for (const s of segments) {
    if (s === '') fail('contains an empty segment');
    if (s === '.' || s === '..') fail(`contains "${s}"`);
    if (s.length > MAX_SEGMENT) fail(`a segment is longer than ${MAX_SEGMENT} characters`);
    if (WINDOWS_RESERVED.test(s)) fail(`"${s}" is a reserved name on Windows`);
    if (/[. ]$/.test(s)) fail('a segment ends with a dot or a space');
    if (/[<>:"|?*]/.test(s)) fail('contains a character Windows does not allow in file names');
  }
  return segments;
}

/** Joins safe segments with `/`. */
export function joinPath(...parts: string[]): string {
  const path = parts.filter((p) => p.length > 0).join('/');
  assertSafeRelativePath(path);
  return path;
}
