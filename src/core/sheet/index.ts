// The Character Sheet's core: derivations, the YAML field edit, and the webview protocol.
export * from './model';
export * from './rules';
export { deriveCharacterSheet } from './character';
export { deriveStatBlock } from './npc';
export { applyFieldEdit, checkEdit, minimalChange, readableFieldPath, type EditResult, type SheetKind } from './edit';
export { sheetKindFromBody, sheetKindFromPath, sheetMessage } from './document';
export * from './protocol';
