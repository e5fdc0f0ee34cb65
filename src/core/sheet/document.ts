// From the text of an open document to what the sheet webview is sent: the derived sheet and the
// schema problems, or why the text cannot be shown. Also which kind a file holds.
import { parseDocument } from 'yaml';
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
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const e = doc.errors[0];
  if (e !== undefined) {
    const where = e.linePos?.[0] ? ` on line ${e.linePos[0].line}` : '';
    return { type: 'invalid', version, message: `The YAML has an error${where}: ${e.message.split('\n')[0]}` };
  }
  let body: unknown;
  try {
    body = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return { type: 'invalid', version, message: `The YAML cannot be read: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { type: 'invalid', version, message: 'The file does not hold a character or NPC: its top level must be a group of fields such as "name: Akra"' };
  }
  const k = kind ?? sheetKindFromBody(body);
  const issues = validateBody(k, body).slice(0, MAX_ISSUES_SHOWN).map((i) => i.message);
  return { type: 'update', version, model: k === 'npc' ? deriveStatBlock(body) : deriveCharacterSheet(body), issues };
}
