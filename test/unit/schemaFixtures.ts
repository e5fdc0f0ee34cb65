// Test helpers for schema.test.ts: real data (Foundry dnd5e actors, 5e-bits SRD records) turned
// into Campaign Vault bodies by the importers themselves (src/core/import), so the schemas are
// checked against what an import really produces.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseImportFile } from '../../src/core/import';

export const root = join(__dirname, '../../..');
export const readJson = (path: string): unknown => JSON.parse(readFileSync(join(root, path), 'utf8'));

type Body = Record<string, unknown>;

/** The bodies an import of the file (a path from the repository root) would create. */
export function importedBodies(path: string): Body[] {
  return parseImportFile(readFileSync(join(root, path), 'utf8'), path).drafts.map((d) => d.body);
}

/** The one body a single-entity file imports as (a Foundry actor's spells and gear, entries of their own, aside). */
export function importedBody(path: string): Body {
  const [body, ...rest] = parseImportFile(readFileSync(join(root, path), 'utf8'), path)
    .drafts.filter((d) => !d.reuse)
    .map((d) => d.body);
  if (!body || rest.length > 0) throw new Error(`${path}: expected one entity`);
  return body;
}

// ── One record or document at a time, through the same importers (for the sheet, search and bench) ──

export const readYaml = (path: string): unknown => parseYaml(readFileSync(join(root, path), 'utf8'));

/** A 5e-bits record as the importers read it (only the fields callers look at are typed). */
export type BitsRecord = { readonly index: string; readonly name: string; readonly [field: string]: unknown };
export type BitsMonster = BitsRecord;
export type BitsSpell = BitsRecord;
export type BitsItem = BitsRecord;

function onlyBody(text: string, file: string): Body {
  const { drafts } = parseImportFile(text, file);
  const [first] = drafts;
  if (!first) throw new Error(`${file}: the importers made nothing of it`);
  return first.body;
}

/** A Foundry dnd5e character actor (parsed YAML or JSON) → a character body. */
export const characterFromFoundry = (actor: unknown): Body => onlyBody(JSON.stringify(actor), 'actor.json');

/** A Foundry dnd5e NPC actor → an NPC body, with the role a game master would give it. */
export const npcFromFoundry = (actor: unknown, role?: string): Body => ({ ...onlyBody(JSON.stringify(actor), 'actor.json'), ...(role ? { role } : {}) });

/** One 5e-bits record → its body (NPC with stat block, spell or item). */
const fromBits = (record: BitsRecord): Body => onlyBody(JSON.stringify([record]), '5e-SRD-records.json');
export const npcFromBitsMonster = fromBits;
export const spellFromBits = fromBits;
export const itemFromBits = fromBits;
