// Validates entity bodies (what a user edits as YAML) against the JSON Schemas in schemas/.
// Ajv (draft 2020-12) compiles each schema once, on first use; the issues it finds are turned into
// sentences a game master understands (messages.ts). Pure: no `vscode`, no Node built-ins.
import Ajv2020 from 'ajv/dist/2020';
import type { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { KIND_LABELS, schemaFor, type EntityKind } from './kinds';
import { MAX_ISSUES, capitalize, formatNumber as fmt, issuesFromErrors, readablePath, type SchemaIssue } from './messages';
import { MAX_DEPTH, MAX_TEXT, MAX_VALUES, checkShape } from './shape';

export { ENTITY_KINDS, isEntityKind, schemaFor, type EntityKind, type JsonSchema } from './kinds';
export { MAX_ISSUES, type SchemaIssue } from './messages';
export { MAX_DEPTH, MAX_TEXT, MAX_VALUES } from './shape';
export { REFERENCE_FIELDS, referenceFieldAt, referencesIn, type ReferenceField, type ReferenceValue } from './references';

let ajv: Ajv2020 | undefined;
const compiled = new Map<EntityKind, ValidateFunction>();

function engine(): Ajv2020 {
  if (ajv === undefined) {
    ajv = new Ajv2020({
      allErrors: true, // every problem at once, for diagnostics
      verbose: true, // errors carry their schema and data, for the messages
      strict: true, // a mistake in a schema fails its compilation (and the unit tests)
      allowUnionTypes: true, // "type": ["string", "null"]
    });
    // VS Code's JSON/YAML extension: the sentence shown when a "pattern" fails. An annotation here.
    ajv.addKeyword({ keyword: 'patternErrorMessage', schemaType: 'string' });
    addFormats(ajv, ['date']);
  }
  return ajv;
}

function validatorFor(kind: EntityKind): ValidateFunction {
  let validate = compiled.get(kind);
  if (validate === undefined) {
    validate = engine().compile(schemaFor(kind));
    compiled.set(kind, validate);
  }
  return validate;
}

/**
 * Checks an entity body against its kind's schema. Returns [] when it is valid, otherwise at most
 * MAX_ISSUES issues, each with a JSON pointer and a sentence such as "abilities.str must be at
 * most 30". A body that is too deep, too big or not plain JSON data gets one issue and is not
 * looked at further.
 */
export function validateBody(kind: EntityKind, body: unknown): SchemaIssue[] {
  const validate = validatorFor(kind);
  const label = KIND_LABELS[kind];
  const problem = checkShape(body);
  if (problem !== undefined) {
    const what = capitalize(readablePath(problem.pointer, body, `the ${label}`));
    switch (problem.kind) {
      case 'depth':
        return [{ path: problem.pointer, keyword: 'depth', message: `${what} is nested too deeply (more than ${MAX_DEPTH} levels)` }];
      case 'values':
        return [{ path: '', keyword: 'size', message: `The ${label} is too large: more than ${fmt(MAX_VALUES)} values` }];
      case 'text':
        return [{ path: '', keyword: 'size', message: `The ${label} holds too much text: more than ${fmt(MAX_TEXT)} characters` }];
      case 'not-finite':
        return [{ path: problem.pointer, keyword: 'type', message: `${what} must be a finite number` }];
      case 'not-json':
        return [{ path: problem.pointer, keyword: 'type', message: `${what} is ${problem.what}, which cannot be saved: use text, a number, true/false, a list or a group of fields` }];
    }
  }
  if (validate(body)) return [];
  return issuesFromErrors(validate.errors ?? [], body, label).slice(0, MAX_ISSUES);
}
