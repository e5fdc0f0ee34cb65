// The messages between the Character Sheet webview and its extension-host editor, declared once and
// used by both sides. The host trusts nothing the webview sends: `parseWebviewMessage` checks every
// field and rejects anything else. The host's own messages are checked in the webview too.
import type { FieldPath, SheetModel } from './model';

export type EditValue = string | number | boolean | null;

/** Webview → host. */
export type WebviewMessage =
  /** The webview's script has loaded and listens: the host may post from now on. */
  | { readonly type: 'ready' }
  /** Set one field of the body. `requestId` comes back in the matching `editResult`. */
  | { readonly type: 'edit'; readonly requestId: number; readonly path: FieldPath; readonly value: EditValue }
  /** Open the same file in the text editor (to fix invalid YAML). */
  | { readonly type: 'openText' }
  /**
   * Open the entry a spell or item line links to (`spell_id`, `item_id`). The host opens it only
   * if the document itself holds that id in a reference field and the entry is in its vault.
   */
  | { readonly type: 'openEntry'; readonly id: string };

/** Host → webview. */
export type HostMessage =
  /** The document parsed: the sheet to show, and any schema problems (shown, not blocking). */
  | { readonly type: 'update'; readonly version: number; readonly model: SheetModel; readonly issues: readonly string[] }
  /** The document is not valid YAML (or not a body): keep the last good sheet and show this. */
  | { readonly type: 'invalid'; readonly version: number; readonly message: string }
  /** The outcome of an `edit`: on failure, a sentence for the user. */
  | { readonly type: 'editResult'; readonly requestId: number; readonly ok: boolean; readonly message?: string }
  /** Something else went wrong on the host side. */
  | { readonly type: 'error'; readonly message: string };

export const MAX_PATH_LENGTH = 12;
export const MAX_KEY_LENGTH = 100;
export const MAX_TEXT_VALUE = 1_000_000;
/** Ids are at most this long (the schemas' limit on every `*_id`). */
export const MAX_ID_LENGTH = 200;

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const hasOnly = (x: Record<string, unknown>, keys: readonly string[]) => Object.keys(x).every((k) => keys.includes(k));

export function isFieldPath(x: unknown): x is FieldPath {
  return (
    Array.isArray(x) &&
    x.length > 0 &&
    x.length <= MAX_PATH_LENGTH &&
    x.every(
      (p) =>
        (typeof p === 'string' && p.length > 0 && p.length <= MAX_KEY_LENGTH && !FORBIDDEN_KEYS.has(p)) ||
        (typeof p === 'number' && Number.isSafeInteger(p) && p >= 0),
    )
  );
}

export function isEditValue(x: unknown): x is EditValue {
  return (
    x === null ||
    typeof x === 'boolean' ||
    (typeof x === 'number' && Number.isFinite(x)) ||
    (typeof x === 'string' && x.length <= MAX_TEXT_VALUE)
  );
}

/** The message if `x` is exactly a well-formed webview message, otherwise undefined. */
export function parseWebviewMessage(x: unknown): WebviewMessage | undefined {
  if (!isRecord(x)) return undefined;
  switch (x.type) {
    case 'ready':
      return hasOnly(x, ['type']) ? { type: 'ready' } : undefined;
    case 'openText':
      return hasOnly(x, ['type']) ? { type: 'openText' } : undefined;
    case 'openEntry':
      if (!hasOnly(x, ['type', 'id']) || typeof x.id !== 'string' || x.id.length === 0 || x.id.length > MAX_ID_LENGTH || /\p{Cc}/u.test(x.id)) return undefined;
      return { type: 'openEntry', id: x.id };
    case 'edit':
      if (!hasOnly(x, ['type', 'requestId', 'path', 'value'])) return undefined;
      if (typeof x.requestId !== 'number' || !Number.isSafeInteger(x.requestId) || x.requestId < 0) return undefined;
      if (!isFieldPath(x.path) || !('value' in x) || !isEditValue(x.value)) return undefined;
      return { type: 'edit', requestId: x.requestId, path: [...x.path], value: x.value };
    default:
      return undefined;
  }
}

/** A light check of what the host posts (the webview renders only these shapes). */
export function isHostMessage(x: unknown): x is HostMessage {
  if (!isRecord(x)) return false;
  switch (x.type) {
    case 'update':
      return typeof x.version === 'number' && isRecord(x.model) && (x.model.kind === 'character' || x.model.kind === 'npc') && Array.isArray(x.issues);
    case 'invalid':
      return typeof x.version === 'number' && typeof x.message === 'string';
    case 'editResult':
      return typeof x.requestId === 'number' && typeof x.ok === 'boolean' && (x.message === undefined || typeof x.message === 'string');
    case 'error':
      return typeof x.message === 'string';
    default:
      return false;
  }
}
