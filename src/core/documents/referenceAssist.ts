// Help with the fields that name other entries, in an entry's YAML: which reference field
// (`location_id`, `spells.known[].spell_id` …) the cursor is in and which entries fit it, and the
// `[[` of an entity link being typed and what to insert for it. Pure: no `vscode`, no Node.
import type { EntityKind } from '../db/kinds';
import { markdownCode, nameKey, scanLinks, yamlComments, type EntitySummary, type LinkResolver, type LinkScope, type LinkSyntax } from '../links';
import { referenceFieldAt, type ReferenceField } from '../schema/references';
import { valueAt, type ValueAt } from './schemaAssist';

export interface ReferenceAt extends ValueAt {
  readonly field: ReferenceField;
}

/** The reference field whose value holds `offset` in the YAML `text` of an entry of `kind`. */
export function referenceAt(kind: EntityKind, text: string, offset: number): ReferenceAt | undefined {
  const v = valueAt(text, offset);
  if (!v) return undefined;
  const field = referenceFieldAt(kind, v.path);
  return field ? { ...v, field } : undefined;
}

export interface Candidate<E extends EntitySummary> {
  readonly entity: E;
  readonly scope: LinkScope;
}

const SCOPES: readonly LinkScope[] = ['campaign', 'library', 'elsewhere'];

/** Where an entry is from the point of view of a document of campaign `campaignId` (as links resolve). */
export function scopeOf(e: EntitySummary, campaignId: string | null | undefined): LinkScope {
  const own = e.kind === 'campaign' ? e.id : (e.campaign_id ?? null);
  if (own === null || (e.kind === 'campaign' && own !== campaignId)) return 'library';
  return own === campaignId ? 'campaign' : 'elsewhere';
}

/** Sorts by scope (this campaign, the library, other campaigns), then by name. */
function byScopeAndName<E extends EntitySummary>(a: Candidate<E>, b: Candidate<E>): number {
  const s = SCOPES.indexOf(a.scope) - SCOPES.indexOf(b.scope);
  if (s !== 0) return s;
  const n = nameKey(a.entity.name).localeCompare(nameKey(b.entity.name));
  return n !== 0 ? n : a.entity.id < b.entity.id ? -1 : a.entity.id > b.entity.id ? 1 : 0;
}

/**
 * The entries a reference field can name: of its kind, not the document's own entry, and — where
 * the vault requires it (a location's parent) — in the document's campaign. This campaign's first,
 * then the shared library's, then other campaigns'.
 */
export function referenceCandidates<E extends EntitySummary>(
  entities: Iterable<E>,
  field: ReferenceField,
  context: { readonly campaign_id?: string | null; readonly selfId?: string },
): Candidate<E>[] {
  const out: Candidate<E>[] = [];
  for (const entity of entities) {
    if (entity.kind !== field.target || entity.id === context.selfId) continue;
    const scope = scopeOf(entity, context.campaign_id);
    if (field.sameCampaign && context.campaign_id !== undefined && scope !== 'campaign') continue;
    out.push({ entity, scope });
  }
  return out.sort(byScopeAndName);
}

/**
 * The entries a `[[` link can name, for the text typed after it: every kind, names holding the
 * typed text (case and spacing aside), never the document's own entry; ranked like
 * {@link referenceCandidates}.
 */
export function linkCandidates<E extends EntitySummary>(entities: Iterable<E>, context: { readonly campaign_id?: string | null; readonly selfId?: string }, typed: string): Candidate<E>[] {
  const key = nameKey(typed);
  const out: Candidate<E>[] = [];
  for (const entity of entities) {
    if (entity.id === context.selfId || (key !== '' && !nameKey(entity.name).includes(key))) continue;
    out.push({ entity, scope: scopeOf(entity, context.campaign_id) });
  }
  return out.sort(byScopeAndName);
}

/** An id as the YAML value to insert: plain when YAML reads it back as the same text, else quoted. */
export function yamlId(id: string, quote?: '"' | "'"): string {
  if (quote === '"') return JSON.stringify(id).slice(1, -1);
  if (quote === "'") return id.replace(/'/g, "''");
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
  const word = /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(id) && !/^(true|false|null|yes|no|on|off|y|n)$/i.test(id);
  return uuid || word ? id : JSON.stringify(id);
}

// ── `[[` entity links ────────────────────────────────────────────────────────────────────────────

export interface OpenLink {
  /** Offset of the `[[`. */
  readonly start: number;
  /** Where the text to replace ends: the cursor, or past the `]]` (and text) already there. */
  readonly end: number;
  /** What is typed between `[[` and the cursor. */
  readonly typed: string;
  /** The link starts a plain YAML value (`ally: [[`), so it must be quoted to stay text. */
  readonly quote: boolean;
}

/**
 * The entity link being typed at `offset`: a `[[` before the cursor on the same line with nothing
 * between that ends or breaks a link target, outside YAML comments (`yaml`) or Markdown code and
 * HTML comments (`markdown`), where links are not read either.
 */
export function openLinkAt(text: string, offset: number, syntax: LinkSyntax = 'yaml'): OpenLink | undefined {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const before = text.slice(lineStart, offset);
  const open = before.lastIndexOf('[[');
  if (open < 0) return undefined;
  const typed = before.slice(open + 2);
  if (/[[\]|\\]/.test(typed)) return undefined;
  const start = lineStart + open;
  let slashes = 0;
  for (let j = start - 1; j >= lineStart && text[j] === '\\'; j--) slashes++;
  if (slashes % 2 === 1) return undefined;
  const skipped = syntax === 'yaml' ? yamlComments(text) : syntax === 'markdown' ? markdownCode(text) : [];
  if (skipped.some(([s, e]) => start >= s && start < e)) return undefined;
  const lineEnd = text.indexOf('\n', offset);
  const after = text.slice(offset, lineEnd < 0 ? text.length : lineEnd);
  const closing = /^[^[\]|\r]*\]\]/.exec(after);
  const prefix = before.slice(0, open);
  const quote = syntax === 'yaml' && /^\s*(- +)*([^\s#'"-][^#'"]*?:)?\s*$/.test(prefix) && /(:|-)\s*$/.test(prefix);
  return { start, end: offset + (closing ? closing[0].length : 0), typed, quote };
}

/** Whether `target` written as `[[target]]` is read back as a link to that same target. */
function linkable(target: string): boolean {
  const links = scanLinks(`[[${target}]]`);
  return links.length === 1 && links[0]!.target === target && links[0]!.length === target.length + 4;
}

/**
 * What goes between `[[` and `]]` for `entity`, seen from a document of campaign `campaign_id`:
 * its name, or `kind/name` when the name alone would find another entry (or several). Undefined
 * when no link can name it (a name holding brackets or `|`).
 */
export function linkTarget<E extends EntitySummary>(entity: E, resolver: LinkResolver<E>, context: { readonly campaign_id?: string | null }): string | undefined {
  const plain = entity.name.trim();
  if (!linkable(plain)) return undefined;
  const r = resolver.resolve({ name: plain }, context);
  if (r.status === 'resolved' && r.entity.id === entity.id && !plain.includes('/')) return plain;
  const qualified = `${entity.kind}/${plain}`;
  return linkable(qualified) ? qualified : undefined;
}

/** The text to insert for a chosen entity: `[[target]]`, quoted when it starts a plain YAML value. */
export function linkInsertText(target: string, link: Pick<OpenLink, 'quote'>): string {
  return link.quote ? JSON.stringify(`[[${target}]]`) : `[[${target}]]`;
}
