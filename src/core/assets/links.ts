/**
 * How a session's notes link to an asset (docs/ASSETS.md, "Links in notes"). A note is the
 * `campaign:` document `/<campaign>/sessions/<session>.md`; the link is a path relative to its
 * folder, `assets/<asset id>/<file name>`, which the `campaign:` file system serves read-only from
 * the vault (never a copy on disk). Relative, so VS Code's Markdown preview resolves it inside the
 * note's own folder — the only folder it lets a note outside the workspace load pictures from — and
 * shows the picture; by id, so a rename does not break it (the file name is only for people and for
 * the preview to know the type). Pictures get an image link (`![name](…)`), anything else a link.
 * Pure: no `vscode`, no Node built-ins.
 */
import { DRAWABLE_MIMES } from './galleryProtocol';

/** The folder (under a campaign's `sessions` folder) the links point into. */
export const ASSET_LINK_FOLDER = 'assets';

const EXTENSIONS: Readonly<Record<string, string>> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/svg+xml': 'svg',
  'application/pdf': 'pdf',
  'audio/mpeg': 'mp3',
  'audio/ogg': 'ogg',
  'audio/wav': 'wav',
  'audio/flac': 'flac',
};

const ID = /^[0-9A-Za-z][0-9A-Za-z_-]{0,63}$/;

export interface LinkedAsset {
  readonly id: string;
  readonly name: string;
  readonly mime?: unknown;
}

/** The file name a link shows: the name with what makes a path or a link ambiguous replaced, and the type's extension. */
export function assetFileName(asset: LinkedAsset): string {
  const base = asset.name.replace(/[/\\\p{Cc}<>()[\]#?%]/gu, '_').trim() || 'asset';
  const ext = typeof asset.mime === 'string' ? EXTENSIONS[asset.mime] : undefined;
  return ext && !base.toLowerCase().endsWith(`.${ext}`) ? `${base}.${ext}` : base;
}

/** `assets/<id>/<file name>`, percent-encoded per segment, as it goes between the link's parentheses. */
export function assetLinkTarget(asset: LinkedAsset): string {
  return [ASSET_LINK_FOLDER, asset.id, assetFileName(asset)].map(encodeURIComponent).join('/');
}

/** Link text made inert: the characters Markdown gives a meaning to inside `[…]` are escaped, one line. */
function linkText(name: string): string {
  return name.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ').replace(/[\\[\]*_`<>!]/g, (c) => `\\${c}`).trim() || 'asset';
}

/** Whether the link to this asset is a picture (what the preview can show). */
export function isPictureAsset(asset: LinkedAsset): boolean {
  return typeof asset.mime === 'string' && (DRAWABLE_MIMES.includes(asset.mime) || asset.mime === 'image/svg+xml');
}

/** The Markdown a drop inserts: `![name](assets/<id>/<file>)` for a picture, `[name](assets/<id>/<file>)` for the rest. */
export function assetMarkdownLink(asset: LinkedAsset): string {
  return `${isPictureAsset(asset) ? '!' : ''}[${linkText(asset.name)}](${assetLinkTarget(asset)})`;
}

/**
 * The asset id a link target names (`assets/<id>/<file>`, relative, as written in a note; percent
 * escapes allowed), or undefined when it is not such a link.
 */
export function assetIdOfTarget(target: string): string | undefined {
  let path: string;
  try {
    path = decodeURIComponent(target.trim().replace(/^<|>$/g, ''));
  } catch {
    return undefined;
  }
  const parts = path.replace(/^\.\//, '').split('/');
  if (parts.length !== 3 || parts[0] !== ASSET_LINK_FOLDER || !ID.test(parts[1]!) || parts[2] === '') return undefined;
  return parts[1];
}

/** One asset link found in a note: the whole `[…](…)` (offset, length) and the asset's id. */
export interface AssetLinkInText {
  readonly offset: number;
  readonly length: number;
  readonly id: string;
}

/** Every `[…](assets/<id>/…)` and `![…](assets/<id>/…)` in a Markdown text. */
export function scanAssetLinks(text: string): AssetLinkInText[] {
  const out: AssetLinkInText[] = [];
  const re = /!?\[(?:\\.|[^\]\\\n]){0,400}\]\(\s*(<[^>\n]{1,1000}>|[^)\s]{1,1000})(?:\s+"[^"\n]*")?\s*\)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const id = assetIdOfTarget(m[1]!);
    if (id) out.push({ offset: m.index, length: m[0].length, id });
  }
  return out;
}
