// From the text of an open document to what the sheet webview is sent: the derived sheet and the
// schema problems, or why the text cannot be shown. Also which kind a file holds.
import { lineOf, readYamlText, yamlValue } from '../documents/yamlText';
import { validateBody } from '../schema';
import { deriveCharacterSheet } from './character';
import type { SheetKind } from './edit';
import { deriveStatBlock } from './npc';
import type { HostMessage } from './protocol';

export const MAX_ISSUES_SHOWN = 5;

/** The kind of a file from its folder, as the editor's selector sees it: `…/characters/x.yaml`, `…/npcs/x.yaml`. */
export function sheetKindFromPath(path: string): SheetKind | undefined {
  const folder = path.split(/[\\/]/).slice(-2, -1)[0]?.toLowerCase();
  return folder === 'characters' ? 'character' : folder === 'npcs' ? 'npc' : undefined;
}

/** The kind of a body when its path does not say: a stat block makes an NPC. */
export const sheetKindFromBody = (body: unknown): SheetKind =>
  typeof body === 'object' && body !== null && 'statblock' in body ? 'npc' : 'character';

/** The message that shows `text` (version `version`) as a sheet of `kind`. */
export function sheetMessage(text: string, kind: SheetKind | undefined, version: number): HostMessage {
  // The limits every entry reader applies (size, nesting, aliases): src/core/documents/yamlText.ts.
  const read = readYamlText(text);
  const e = read.problems.find((p) => p.severity === 'error');
  if (!read.doc || e !== undefined) return { type: 'invalid', version, message: `The YAML has an error on line ${lineOf(text, e?.start ?? 0)}: ${e?.message ?? 'it cannot be read'}` };
  const value = yamlValue(read.doc, text);
  if (value.problem) return { type: 'invalid', version, message: `The YAML cannot be read: ${value.problem.message}` };
  const body = value.value;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { type: 'invalid', version, message: 'The file does not hold a character or NPC: its top level must be a group of fields such as "name: Akra"' };
  }
  const k = kind ?? sheetKindFromBody(body);
  const all = validateBody(k, body);
  const issues = all.slice(0, MAX_ISSUES_SHOWN).map((i) => i.message);
  // Never drop problems silently: say how many more the text editor lists.
  if (all.length > MAX_ISSUES_SHOWN) {
    const capped = all[all.length - 1]!.keyword === 'limit';
    const more = all.length - MAX_ISSUES_SHOWN - (capped ? 1 : 0);
    issues.push(`…and ${capped ? 'more than ' : ''}${more} more ${more === 1 && !capped ? 'problem' : 'problems'}: open the file in the text editor to see them all`);
  }
  return { type: 'update', version, model: k === 'npc' ? deriveStatBlock(body) : deriveCharacterSheet(body), issues };
}
