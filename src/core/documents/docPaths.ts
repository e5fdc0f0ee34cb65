// Where an entity lives in the `campaign:` file system the editor sees:
//   /<campaign>/campaign.yaml                  the campaign itself
//   /<campaign>/<kind folder>/<name>.yaml      an entry of the campaign (characters, npcs, …)
//   /<campaign>/sessions/<name>.md             a session's notes as Markdown
//   /_shared/<kind folder>/<name>.yaml         the shared library (items, spells, rulebooks, assets)
// Names are shown as they are, except the two characters a path cannot hold inside a segment,
// which become look-alikes. Pure: no `vscode`, no Node built-ins.
import { ASSET_LINK_FOLDER, assetFileName } from '../assets/links';
import { ENTITY_KINDS, KINDS, type EntityKind } from '../db/kinds';

/** The folder of the entries that belong to no campaign. */
export const LIBRARY_SEGMENT = '_shared';
/** The campaign's own document inside its folder. */
export const CAMPAIGN_FILE = 'campaign.yaml';

/** The folder of each kind inside a campaign: its table name (characters, npcs, …). */
export const KIND_FOLDERS: Readonly<Record<Exclude<EntityKind, 'campaign'>, string>> = Object.fromEntries(
  ENTITY_KINDS.filter((k) => k !== 'campaign').map((k) => [k, KINDS[k].table]),
) as Record<Exclude<EntityKind, 'campaign'>, string>;

export const CAMPAIGN_KINDS = ENTITY_KINDS.filter((k): k is Exclude<EntityKind, 'campaign'> => k !== 'campaign');
export const LIBRARY_KINDS = CAMPAIGN_KINDS.filter((k) => KINDS[k].scope === 'optional');

/** Which file types an entity of a kind has. */
export function extensionsOf(kind: EntityKind): readonly ('yaml' | 'md')[] {
  return kind === 'session' ? ['yaml', 'md'] : ['yaml'];
}

const ENCODE: Record<string, string> = { '/': '\u2215', '\\': '\u29f5' };
const DECODE: Record<string, string> = { '\u2215': '/', '\u29f5': '\\' };

/** A name as one path segment: "/" and "\" become the look-alikes ∕ and ⧵. */
export function nameToSegment(name: string): string {
  return name.replace(/[/\\]/g, (c) => ENCODE[c]!);
}

/** The name a segment shows (the inverse of {@link nameToSegment}), in NFC. */
export function segmentToName(segment: string): string {
  return segment.replace(/[\u2215\u29f5]/g, (c) => DECODE[c]!).normalize('NFC');
}

export type DocLocation =
  | { readonly type: 'root' }
  | { readonly type: 'campaign-folder'; readonly campaign: string }
  | { readonly type: 'library-folder' }
  | { readonly type: 'kind-folder'; readonly campaign: string | null; readonly kind: Exclude<EntityKind, 'campaign'> }
  | { readonly type: 'campaign-file'; readonly campaign: string }
  | { readonly type: 'entity'; readonly campaign: string | null; readonly kind: Exclude<EntityKind, 'campaign'>; readonly name: string; readonly ext: 'yaml' | 'md' };

/** Why a path names nothing the vault can hold (a sentence for the user). */
export class DocPathError extends Error {
  override readonly name = 'DocPathError';
}

const kindOfFolder = (folder: string): Exclude<EntityKind, 'campaign'> | undefined => CAMPAIGN_KINDS.find((k) => KIND_FOLDERS[k] === folder);

/**
 * What a path of the `campaign:` file system names. Campaign names and entry names are returned
 * decoded (NFC); whether they exist is for the caller to find out. Throws {@link DocPathError}
 * for a path that cannot name anything.
 */
export function parseDocPath(path: string): DocLocation {
  const parts = path.split('/').filter((p) => p.length > 0);
  if (parts.some((p) => p === '.' || p === '..')) throw new DocPathError('A path to an entry cannot contain "." or "..".');
  if (parts.length === 0) return { type: 'root' };
  const [first, second, third, ...rest] = parts as [string, string | undefined, string | undefined, ...string[]];
  const library = first === LIBRARY_SEGMENT;
  const campaign = library ? null : segmentToName(first);
  if (second === undefined) return campaign === null ? { type: 'library-folder' } : { type: 'campaign-folder', campaign };
  if (third === undefined && second === CAMPAIGN_FILE && campaign !== null) return { type: 'campaign-file', campaign };
  const kind = kindOfFolder(second);
  if (!kind) {
    const folders = (library ? LIBRARY_KINDS : CAMPAIGN_KINDS).map((k) => KIND_FOLDERS[k]).join(', ');
    throw new DocPathError(`"${second}" is not a folder of ${library ? 'the shared library' : 'a campaign'}: use one of ${folders}${library ? '' : `, or ${CAMPAIGN_FILE}`}.`);
  }
  if (library && !LIBRARY_KINDS.includes(kind)) throw new DocPathError(`The shared library holds ${LIBRARY_KINDS.map((k) => KIND_FOLDERS[k]).join(', ')}; ${second} belong to a campaign.`);
  if (third === undefined) return { type: 'kind-folder', campaign, kind };
  if (rest.length > 0) throw new DocPathError(`${KIND_FOLDERS[kind]} holds entries, not folders: "${third}" cannot contain anything.`);
  const m = /^(.*)\.(yaml|md)$/s.exec(third);
  if (!m || m[1]!.length === 0) throw new DocPathError(`"${third}" is not an entry: entries are named <name>.yaml${kind === 'session' ? ' (and <name>.md for the notes)' : ''}.`);
  const ext = m[2] as 'yaml' | 'md';
  if (!extensionsOf(kind).includes(ext)) throw new DocPathError(`Only sessions have Markdown notes; "${third}" should end in .yaml.`);
  return { type: 'entity', campaign, kind, name: segmentToName(m[1]!), ext };
}

/** The path of an entity's document. `campaign` is the campaign's name, or null for the library. */
export function entityDocPath(campaign: string | null, kind: EntityKind, name: string, ext: 'yaml' | 'md' = 'yaml'): string {
  if (kind === 'campaign') return `/${nameToSegment(name)}/${CAMPAIGN_FILE}`;
  const folder = campaign === null ? LIBRARY_SEGMENT : nameToSegment(campaign);
  return `/${folder}/${KIND_FOLDERS[kind]}/${nameToSegment(name)}.${ext}`;
}

/**
 * An asset's file as the `campaign:` file system serves it, read-only, for the links a session's
 * notes hold (src/core/assets/links.ts): `/<campaign>/sessions/assets/<asset id>/<file name>`
 * (`_shared` instead of a campaign for an asset of the shared library). The id finds the asset; the
 * file name is only shown.
 */
export function assetDocPath(campaign: string | null, asset: { readonly id: string; readonly name: string; readonly mime?: unknown }): string {
  return `/${campaign === null ? LIBRARY_SEGMENT : nameToSegment(campaign)}/${KIND_FOLDERS.session}/${ASSET_LINK_FOLDER}/${asset.id}/${nameToSegment(assetFileName(asset))}`;
}

/** The asset id an asset path ({@link assetDocPath}) names, or undefined when the path is not one. */
export function parseAssetDocPath(path: string): { readonly campaign: string | null; readonly id: string } | undefined {
  const parts = path.split('/').filter((p) => p.length > 0);
  if (parts.length !== 5 || parts[1] !== KIND_FOLDERS.session || parts[2] !== ASSET_LINK_FOLDER || parts.some((p) => p === '.' || p === '..')) return undefined;
  if (!/^[0-9A-Za-z][0-9A-Za-z_-]{0,63}$/.test(parts[3]!)) return undefined;
  return { campaign: parts[0] === LIBRARY_SEGMENT ? null : segmentToName(parts[0]!), id: parts[3]! };
}
