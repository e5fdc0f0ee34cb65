/**
 * The Markdown that hovers show, built as text without `vscode` so plain-Node tests can check it.
 * Every piece of user text goes through {@link escapeMarkdown}; the provider wraps the result in a
 * MarkdownString with `isTrusted: false` and `supportHtml: false` as a second line of defence.
 * Our own wording goes through the `l10n` argument: the provider passes `vscode.l10n`, plain-Node
 * tests get {@link ENGLISH} (the same English, placeholders filled).
 */
import { diceStats, type DiceParseResult } from '../../core/dice';
import { KINDS, type EntityKind } from '../../core/db/kinds';
import type { EntitySummary, LinkScope, Resolution } from '../../core/links';

/** The part of `vscode.l10n` these builders use. */
export interface L10n {
  t(message: string, ...args: (string | number)[]): string;
}

/** `vscode.l10n` without a bundle: the English text with `{0}`-style placeholders filled. */
export const ENGLISH: L10n = {
  t: (message, ...args) => message.replace(/\{(\d+)\}/g, (m, i: string) => (args[Number(i)] === undefined ? m : String(args[Number(i)]))),
};

/** A codicon for each kind (the Campaigns view, Quick Search items, hovers). */
export const KIND_ICONS: Readonly<Record<EntityKind, string>> = {
  campaign: 'book',
  character: 'person',
  npc: 'organization',
  session: 'calendar',
  location: 'location',
  item: 'package',
  spell: 'sparkle',
  rulebook: 'library',
  asset: 'file-media',
};

// Control characters (but tab and newline) and bidirectional controls are shown as U+FFFD.
const UNSAFE = /(?![\t\n])[\p{Cc}\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/gu;

/** User text made inert: every ASCII punctuation mark backslash-escaped, controls replaced, one line. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(UNSAFE, '\uFFFD')
    .replace(/\s+/gu, ' ')
    .replace(/[\\`*_{}[\]()#+\-.!|<>~&$:"'=^@%/;?,]/g, (c) => `\\${c}`);
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** "NPC", "location"… as a heading word. */
export function kindLabel(kind: EntityKind): string {
  return capital(KINDS[kind].label);
}

/** Fields shown under the heading: the kind's indexed columns (role, class, level, rarity…) that are set. */
function keyFields(entity: Readonly<Record<string, unknown>>): [string, string][] {
  const out: [string, string][] = [];
  for (const field of Object.keys(KINDS[entity.kind as EntityKind]?.columns ?? {})) {
    if (field.endsWith('_id') || field === 'hash' || field === 'size' || field === 'is_active') continue;
    const v = entity[field];
    if (typeof v === 'string' || typeof v === 'number') out.push([field.replace(/_/g, ' '), String(v)]);
  }
  return out.slice(0, 4);
}

const PROSE_FIELDS = ['summary', 'description', 'biography', 'notes', 'backstory'];
export const PREVIEW_LINES = 4;
export const PREVIEW_CHARS = 400;

/** The first lines of the first prose field that is set. */
export function proseOf(entity: Readonly<Record<string, unknown>>): string[] {
  for (const field of PROSE_FIELDS) {
    const v = entity[field];
    if (typeof v !== 'string' || !v.trim()) continue;
    const lines = v
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean);
    const out: string[] = [];
    let size = 0;
    for (const line of lines.slice(0, PREVIEW_LINES)) {
      const room = PREVIEW_CHARS - size;
      if (room <= 0) break;
      out.push(line.length > room ? `${line.slice(0, room)}…` : line);
      size += line.length;
    }
    if (lines.length > out.length && !out[out.length - 1]?.endsWith('…')) out.push('…');
    return out;
  }
  return [];
}

const whereText = (scope: LinkScope, campaign: string | undefined, l10n: L10n) =>
  scope === 'elsewhere'
    ? ` · ${campaign ? l10n.t('in another campaign, {0}', escapeMarkdown(campaign)) : l10n.t('in another campaign')}`
    : campaign
      ? ` · ${escapeMarkdown(campaign)}`
      : scope === 'library'
        ? ` · ${l10n.t('library')}`
        : '';

/** The preview of a linked entity: name, kind, campaign, key fields, the start of its text. */
export function entityPreview(entity: Readonly<Record<string, unknown>> & EntitySummary, scope: LinkScope, campaignName: string | undefined, l10n: L10n = ENGLISH): string {
  const parts = [`**${escapeMarkdown(entity.name)}** — ${kindLabel(entity.kind)}${whereText(scope, campaignName, l10n)}`];
  const fields = keyFields(entity);
  if (fields.length) parts.push(fields.map(([k, v]) => `${escapeMarkdown(capital(k))}: ${escapeMarkdown(v)}`).join(' · '));
  const prose = proseOf(entity);
  if (prose.length) parts.push(prose.map(escapeMarkdown).join('  \n'));
  return parts.join('\n\n');
}

/** What a hover says about a link that does not lead to exactly one entity. */
export function unresolvedPreview(
  name: string,
  resolution: Exclude<Resolution, { status: 'resolved' }>,
  campaignName: (id: string | null | undefined) => string | undefined,
  l10n: L10n = ENGLISH,
): string {
  if (resolution.status === 'unresolved') return l10n.t('No entity is named **{0}**.', escapeMarkdown(name));
  const lines = resolution.candidates
    .slice(0, 8)
    .map((c) => `- ${c.campaign_id ? l10n.t('{0} in {1}', kindLabel(c.kind), escapeMarkdown(campaignName(c.campaign_id) ?? l10n.t('another campaign'))) : kindLabel(c.kind)}`);
  const kinds = new Set(resolution.candidates.map((c) => c.kind));
  const hint = kinds.size > 1 ? l10n.t('Name the kind to choose, as in `[[{0}/…]]`.', KINDS[[...kinds][0]!].table) : l10n.t('Rename one of them to tell them apart.');
  return [l10n.t('{0} entities are named **{1}**:', resolution.candidates.length, escapeMarkdown(name)), lines.join('\n'), hint].join('\n\n');
}

/** How a number reads in a hover: whole, or with at most two decimals. */
export function formatNumber(n: number, l10n: L10n = ENGLISH): string {
  if (n === Infinity) return l10n.t('no limit');
  if (n === -Infinity) return l10n.t('no limit');
  return Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/0$/, '');
}

/** The dice hover: range and average, or what is wrong. */
export function dicePreview(text: string, parsed: DiceParseResult, l10n: L10n = ENGLISH): string {
  if (!parsed.ok) return `**${escapeMarkdown(text)}**: ${escapeMarkdown(parsed.error.message)}`;
  const s = diceStats(parsed.expression);
  const range = s.max === Infinity ? l10n.t('{0} or more', formatNumber(s.min, l10n)) : `${formatNumber(s.min, l10n)}–${formatNumber(s.max, l10n)}`;
  return `**${escapeMarkdown(text)}**: ${l10n.t('{0}, average {1}', range, formatNumber(s.average, l10n))}`;
}
