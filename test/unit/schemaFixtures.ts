// Test helpers for schema.test.ts: real data (Foundry dnd5e actors, 5e-bits SRD records) turned
// into Campaign Vault bodies by the importers themselves (src/core/import), so the schemas are
// checked against what an import really produces.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseImportFile } from '../../src/core/import';

export const root = join(__dirname, '../../..');
export const readJson = (path: string): unknown => JSON.parse(readFileSync(join(root, path), 'utf8'));

type Body = Record<string, unknown>;

/** The bodies an import of the file (a path from the repository root) would create. */
export function importedBodies(path: string): Body[] {
  return parseImportFile(readFileSync(join(root, path), 'utf8'), path).drafts.map((d) => d.body);
}

/** The one body a single-entity file imports as. */
export function importedBody(path: string): Body {
  const [body, ...rest] = importedBodies(path);
  if (!body || rest.length > 0) throw new Error(`${path}: expected one entity`);
  return body;
}
