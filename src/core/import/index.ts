// Import: recognise a file's format from its content (and name), turn it into entity drafts with
// a loss report, and check every draft against the vault's schema before anything is written.
import { validateBody } from '../schema';
import { VaultError } from '../errors';
import { importFiveBits, fiveBitsKind } from './fiveBits';
import { importFoundry, isFoundryActor, isFoundryItem } from './foundry';
import { importOpen5e, isOpen5e } from './open5e';
import { importError, parseImportText } from './parse';
import { ReportBuilder, Tracker, type ImportReport, type LossEntry } from './report';
import { importStatblock, isStatblock } from './statblocks';
import { labelOf, type EntityDraft, type ImportFormat, type ParsedImport } from './types';
import { importVaultEntity, isManifest, isVaultEntity, readManifest, type Manifest } from './vault';

export { applyDrafts, importDrafts, type ApplyOptions, type ApplyResult, type OnConflict } from './apply';
export { MAX_IMPORT_DEPTH, MAX_IMPORT_TEXT, MAX_YAML_ALIASES, MAX_YAML_IMPORT_TEXT, importError, maxImportText, parseImportText } from './parse';
export { ReportBuilder, summarizeReport, type ImportReport, type LossEntry, type LossKind } from './report';
export type { DraftLink, EntityDraft, ImportFormat, ParsedImport } from './types';
export { EXPORT_FORMAT, EXPORT_VERSION, MANIFEST, NameAllocator, exportCampaign, readManifest, safeStem, type ExportFile, type Manifest } from './vault';
export { htmlToMarkdown } from './html';

const EXPECTED =
  'expected a Foundry VTT dnd5e actor or item (JSON or YAML), a 5e-bits or Open5e v1 SRD JSON file, a Fantasy Statblocks creature (YAML or a Markdown note with a ```statblock block) or a file of a Campaign Vault export';

function detect(value: unknown): ImportFormat | undefined {
  if (isManifest(value)) return 'campaign-vault-manifest';
  if (isVaultEntity(value)) return 'campaign-vault-export';
  if (isFoundryActor(value)) return 'foundry-dnd5e-actor';
  if (isFoundryItem(value)) return 'foundry-dnd5e-item';
  const first: unknown = Array.isArray(value) ? value[0] : value;
  if (Array.isArray(value) && (isFoundryActor(first) || isFoundryItem(first))) return 'foundry-dnd5e-item';
  if (isOpen5e(value)) return 'open5e-v1';
  if (fiveBitsKind(first) !== undefined) return '5e-bits';
  if (isStatblock(value)) return 'fantasy-statblocks';
  return undefined;
}

/**
 * Reads one file: parses it (safely), recognises its format, converts it into drafts and checks
 * each draft's body against the schema. Throws an `invalid` VaultError that names the file (and the
 * record and field) when any of that fails; a manifest gives no drafts (see {@link readManifest}).
 */
export function parseImportFile(text: string, fileName: string): ParsedImport & { manifest?: Manifest } {
  const value = parseImportText(text, fileName);
  if (typeof value !== 'object' || value === null) throw importError(fileName, `it holds ${value === null ? 'nothing' : `a single ${typeof value}`}; ${EXPECTED}.`);
  if (Array.isArray(value) && value.length === 0) throw importError(fileName, `it holds an empty list; ${EXPECTED}.`);
  const format = detect(value);
  if (format === undefined) throw importError(fileName, `its format is not one Campaign Vault can import: ${EXPECTED}.`);
  if (format === 'campaign-vault-manifest') return { format, drafts: [], report: [], manifest: readManifest(value, fileName) };
  const report = new ReportBuilder();
  const tracker = new Tracker(value);
  let drafts: EntityDraft[];
  try {
    switch (format) {
      case 'campaign-vault-export':
        drafts = importVaultEntity(value, fileName, report);
        break;
      case 'foundry-dnd5e-actor':
        drafts = importFoundry(value, fileName, report, tracker);
        break;
      case 'foundry-dnd5e-item':
        drafts = Array.isArray(value) ? value.flatMap((_, n) => importFoundry(value, fileName, report, tracker, `[${n}]`)) : importFoundry(value, fileName, report, tracker);
        break;
      case 'open5e-v1':
        drafts = importOpen5e(fileName, report, tracker);
        break;
      case '5e-bits':
        drafts = importFiveBits(fileName, report, tracker);
        break;
      case 'fantasy-statblocks':
        drafts = importStatblock(fileName, report, tracker);
        break;
    }
  } catch (e) {
    if (e instanceof VaultError) throw e;
    throw importError(fileName, `it looks like ${formatLabel(format)} but its data does not have the expected shape (${e instanceof Error ? e.message : String(e)}).`);
  }
  for (const d of drafts) checkDraft(d, format === 'campaign-vault-export');
  return { format, drafts, report: report.entries };
}

export function formatLabel(format: ImportFormat): string {
  return {
    'foundry-dnd5e-actor': 'a Foundry VTT dnd5e actor',
    'foundry-dnd5e-item': 'a Foundry VTT dnd5e item',
    '5e-bits': '5e-bits SRD JSON',
    'open5e-v1': 'Open5e v1 JSON',
    'fantasy-statblocks': 'a Fantasy Statblocks creature',
    'campaign-vault-export': 'a Campaign Vault export file',
    'campaign-vault-manifest': 'a Campaign Vault export manifest',
  }[format];
}

/** Names from other tools are stored in NFC; a vault export keeps its names exactly. */
function checkDraft(d: EntityDraft, exact: boolean): void {
  if (!exact && typeof d.body.name === 'string' && d.body.name !== d.body.name.normalize('NFC')) d.body.name = d.body.name.normalize('NFC');
  const issues = validateBody(d.kind, d.body);
  if (issues.length > 0) {
    const shown = issues
      .slice(0, 3)
      .map((i) => i.message)
      .join('; ');
    throw importError(d.file, `${labelOf(d.kind, d.body.name)} is not a valid entry: ${shown}${issues.length > 3 ? ` (and ${issues.length - 3} more)` : ''}.`, d.where ? `record ${d.where}` : undefined);
  }
}

/** Many files at once: every file is read and checked before the caller writes anything. */
export function parseImportFiles(files: readonly { name: string; text: string }[]): { drafts: EntityDraft[]; report: ImportReport; formats: Map<string, ImportFormat> } {
  const drafts: EntityDraft[] = [];
  const report = new ReportBuilder();
  const formats = new Map<string, ImportFormat>();
  for (const f of files) {
    const parsed = parseImportFile(f.text, f.name);
    formats.set(f.name, parsed.format);
    drafts.push(...parsed.drafts);
    report.merge(parsed.report as LossEntry[]);
  }
  return { drafts, report: report.report(), formats };
}

