/**
 * Quick Search: every entity by name, tags and content, in memory (the vault's text decrypted —
 * cleared when the vault locks). {@link SearchIndex} is the index; {@link VaultCatalog} keeps one
 * in step with a DataManager.
 */
export { MAX_TEXT, entityText, foldTerm, snippet } from './text';
export { SearchIndex, type IndexedEntity, type SearchHit, type SearchOptions } from './searchIndex';
export { VaultCatalog, type EntitySource } from './catalog';
