// Applies one field edit from the sheet to the YAML text of a body, through the `yaml` Document API
// so that comments, key order and the rest of the document survive. The value is checked against
// the kind's JSON Schema first (type, range, length, pattern, enum), so the sheet cannot write what
// the text editor's diagnostics would then reject. Pure: text in, text (or a sentence) out.
import { Document, Scalar, isCollection, isMap, isScalar, isSeq } from 'yaml';
import { lineOf, readYamlText, yamlValue, type TextProblem } from '../documents/yamlText';
import { schemaFor, type JsonSchema } from '../schema/kinds';
import type { FieldPath } from './model';
import type { EditValue } from './protocol';

export type SheetKind = 'character' | 'npc';
export type EditResult = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly message: string };

const MAX_PATH = 12;
const TO_STRING = { lineWidth: 0 } as const; // never re-fold long lines the user wrote

/** "abilities.str", "inventory[2].quantity". */
export function readableFieldPath(path: FieldPath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

const typesOf = (s: JsonSchema): string[] => (Array.isArray(s.type) ? (s.type as string[]) : typeof s.type === 'string' ? [s.type] : []);
const SCALAR_TYPES = new Set(['string', 'integer', 'number', 'boolean', 'null']);

/** The subschema of a field, or a sentence saying why the sheet cannot edit it. */
function fieldSchema(kind: SheetKind, path: FieldPath): JsonSchema | string {
  let s = schemaFor(kind);
  for (const seg of path) {
    const types = typesOf(s);
    const props = s.properties as Record<string, JsonSchema> | undefined;
    if (typeof seg === 'string' && types.includes('object') && props && Object.hasOwn(props, seg)) s = props[seg]!;
    else if (typeof seg === 'number' && types.includes('array') && typeof s.items === 'object') s = s.items as JsonSchema;
    else return `${readableFieldPath(path)} is not a field of a ${kind === 'npc' ? 'NPC' : 'character'} the sheet can edit`;
  }
  if (!typesOf(s).some((t) => SCALAR_TYPES.has(t))) return `${readableFieldPath(path)} is a group of fields or a list: edit it in the text editor`;
  return s;
}

/** Checks a value against a scalar field's schema; returns a sentence when it does not fit. */
function checkValue(path: FieldPath, s: JsonSchema, value: EditValue): string | undefined {
  const types = typesOf(s);
  const label = typeof s.title === 'string' ? `${s.title} (${readableFieldPath(path)})` : readableFieldPath(path);
  const min = typeof s.minimum === 'number' ? s.minimum : undefined;
  const max = typeof s.maximum === 'number' ? s.maximum : undefined;
  const range = min !== undefined && max !== undefined ? ` from ${min} to ${max}` : min !== undefined ? ` of at least ${min}` : max !== undefined ? ` of at most ${max}` : '';
  if (value === null) return types.includes('null') ? undefined : `${label} cannot be empty`;
  if (Array.isArray(s.enum) && !s.enum.includes(value)) return `${label} must be one of ${s.enum.filter((e) => e !== null).join(', ')}`;
  switch (typeof value) {
    case 'boolean':
      return types.includes('boolean') ? undefined : `${label} cannot be true or false`;
    case 'number': {
      if (!Number.isFinite(value)) return `${label} must be a finite number`;
      if (!types.includes('number') && !(types.includes('integer') && Number.isInteger(value))) {
        return types.includes('integer') ? `${label} must be a whole number${range}` : `${label} cannot be a number`;
      }
      if ((min !== undefined && value < min) || (max !== undefined && value > max)) return `${label} must be a ${types.includes('integer') ? 'whole ' : ''}number${range}`;
      return undefined;
    }
    case 'string': {
      if (!types.includes('string')) return types.includes('integer') || types.includes('number') ? `${label} must be a number${range}` : `${label} cannot be text`;
      const length = [...value].length;
      if (typeof s.minLength === 'number' && length < s.minLength) return `${label} cannot be empty`;
      if (typeof s.maxLength === 'number' && length > s.maxLength) return `${label} is too long (at most ${s.maxLength} characters)`;
      if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(value)) {
        return `${label} ${typeof s.patternErrorMessage === 'string' ? s.patternErrorMessage : 'has the wrong form'}`;
      }
      return undefined;
    }
    default:
      return `${label} cannot be set to that value`;
  }
}

/** Checks what an edit message carries, before anything looks at the text. */
export function checkEdit(kind: SheetKind, path: FieldPath, value: EditValue): string | undefined {
  if (path.length === 0 || path.length > MAX_PATH) return 'The edited field has no valid path';
  const s = fieldSchema(kind, path);
  return typeof s === 'string' ? s : checkValue(path, s, value);
}

/** The text's first YAML error (limits included: src/core/documents/yamlText.ts), worded for the sheet. */
function firstError(text: string, problems: readonly TextProblem[]): string | undefined {
  const e = problems.find((p) => p.severity === 'error');
  if (e === undefined) return undefined;
  return `The YAML has an error (line ${lineOf(text, e.start)}): ${e.message.replace(/\.$/, '')}. Fix it in the text editor; the sheet does not change a file it cannot read`;
}

/** A scalar as it would be written in place, or undefined when it needs more than one line. */
function inlineScalar(original: Scalar, value: EditValue): string | undefined {
  const s = new Scalar(value);
  if (original.type === Scalar.QUOTE_DOUBLE || original.type === Scalar.QUOTE_SINGLE || original.type === Scalar.PLAIN) s.type = original.type;
  const text = new Document(s).toString(TO_STRING).replace(/\n$/, '');
  return text.includes('\n') ? undefined : text;
}

/**
 * Sets the field at `path` to `value` in the YAML `text` of a `kind` body. Intermediate groups that
 * are missing or null are created; list items must exist. An existing one-line scalar is replaced in
 * place (the rest of the text stays byte for byte); otherwise the document is re-printed by the
 * `yaml` library, which keeps comments and order but may normalise spacing.
 */
export function applyFieldEdit(text: string, kind: SheetKind, path: FieldPath, value: EditValue): EditResult {
  const problem = checkEdit(kind, path, value);
  if (problem !== undefined) return { ok: false, message: problem };
  const read = readYamlText(text);
  const error = firstError(text, read.problems);
  if (error !== undefined || !read.doc) return { ok: false, message: error ?? 'The YAML cannot be read' };
  const doc = read.doc;
  if (!isMap(doc.contents)) return { ok: false, message: `The file does not hold a ${kind === 'npc' ? 'NPC' : 'character'} (its top level is not a group of fields)` };

  // Every group on the way must exist (created when missing or null); a list item must exist.
  for (let i = 0; i < path.length - 1; i++) {
    const prefix = path.slice(0, i + 1);
    const node = doc.getIn(prefix, true);
    const next = path[i + 1];
    if (typeof next === 'number') {
      if (!isSeq(node) || next < 0 || next >= node.items.length) return { ok: false, message: `${readableFieldPath(path.slice(0, i + 2))} does not exist` };
    } else if (node === undefined || (isScalar(node) && node.value === null)) {
      doc.setIn(prefix, doc.createNode({}));
    } else if (!isMap(node)) {
      return { ok: false, message: `${readableFieldPath(prefix)} is not a group of fields` };
    }
  }
  const existing = doc.getIn(path, true);
  if (isCollection(existing)) return { ok: false, message: `${readableFieldPath(path)} is a group of fields or a list: edit it in the text editor` };

  const inPlace = isScalar(existing) && existing.range ? { node: existing, range: existing.range } : undefined;
  doc.setIn(path, value);
  const printed = doc.toString(TO_STRING);
  if (inPlace) {
    const written = inlineScalar(inPlace.node, value);
    if (written !== undefined) {
      const spliced = text.slice(0, inPlace.range[0]) + written + text.slice(inPlace.range[1]);
      const check = readYamlText(spliced).doc;
      const [after, wanted] = [check && yamlValue(check, spliced), yamlValue(doc, printed)];
      // Only if the splice means exactly what the re-printed document means.
      if (after && !after.problem && !wanted.problem && JSON.stringify(after.value) === JSON.stringify(wanted.value)) return { ok: true, text: spliced };
    }
  }
  return { ok: true, text: printed };
}

/** The smallest replacement turning `before` into `after`: offsets in `before` and the new text. */
export function minimalChange(before: string, after: string): { start: number; end: number; text: string } {
  const max = Math.min(before.length, after.length);
  let start = 0;
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  // Never split a surrogate pair.
  if (start > 0 && start < before.length && /[\uD800-\uDBFF]/.test(before[start - 1]!)) start--;
  let tail = 0;
  while (tail < max - start && before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)) tail++;
  if (tail > 0 && /[\uDC00-\uDFFF]/.test(before[before.length - tail] ?? '') && before.length - tail - 1 >= start && /[\uD800-\uDBFF]/.test(before[before.length - tail - 1]!)) {
    tail--;
  }
  return { start, end: before.length - tail, text: after.slice(start, after.length - tail) };
}
