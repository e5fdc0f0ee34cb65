/**
 * The text an entry was last saved as (its YAML document), kept next to the entry while no other
 * change comes after it (table entity_texts, migration 3).
 */
import type { Engine } from '../db/engine';
import type { EntityKind } from '../db/kinds';

/** Whether the vault has the entity_texts table (migration 3; gone again after rolling it back). */
export function hasTextTable(engine: Engine): boolean {
  return engine.get("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = 'entity_texts'") !== undefined;
}

export function storeText(engine: Engine, kind: EntityKind, id: string, version: number, text: string): void {
  if (!hasTextTable(engine)) return;
  engine.run('INSERT INTO entity_texts (kind, entity_id, entity_version, text) VALUES (?, ?, ?, ?) ON CONFLICT (kind, entity_id) DO UPDATE SET entity_version = excluded.entity_version, text = excluded.text', [kind, id, version, text]);
}

export function dropText(engine: Engine, kind: EntityKind, id: string): void {
  if (hasTextTable(engine)) engine.run('DELETE FROM entity_texts WHERE kind = ? AND entity_id = ?', [kind, id]);
}
