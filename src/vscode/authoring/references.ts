// Names instead of raw ids in entry documents: completion of `[[` links and of reference fields
// (`location_id`, `parent_id`, `spells.known[].spell_id` …) by name, hovers and inlay hints that say
// which entry an id names, Ctrl+click on an id to open it, and a warning on an id that names
// nothing. The logic is in src/core/documents/referenceAssist.ts and src/core/schema/references.ts.
import { isScalar, type Document } from 'yaml';
import * as vscode from 'vscode';
import { KINDS, type EntityKind } from '../../core/db/kinds';
import { DocPathError, parseDocPath } from '../../core/documents/docPaths';
import { linkCandidates, linkInsertText, linkTarget, openLinkAt, referenceAt, referenceCandidates, scopeOf, yamlId } from '../../core/documents/referenceAssist';
import { readEntityText } from '../../core/documents/yamlText';
import { nameKey, type LinkScope } from '../../core/links';
import { referencesIn, type ReferenceValue } from '../../core/schema/references';
import type { IndexedEntity, VaultCatalog } from '../../core/search';
import { kindOfDocument } from '../documents/assist';
import { SCHEME } from '../documents/entityFs';
import type { CatalogHolder } from './catalogs';
import type { AuthoringDeps } from './deps';
import { inert } from './markdown';
import { escapeMarkdown } from './preview';
import { MAX_SCANNED } from './links';

/** At most this many entries are offered after `[[` (typing narrows the list; it is then asked again). */
const MAX_LINK_ITEMS = 1000;
const DEBOUNCE_MS = 300;

const COMPLETION_KIND: Readonly<Record<EntityKind, vscode.CompletionItemKind>> = {
  campaign: vscode.CompletionItemKind.Folder,
  character: vscode.CompletionItemKind.User,
  npc: vscode.CompletionItemKind.User,
  session: vscode.CompletionItemKind.Event,
  location: vscode.CompletionItemKind.Module,
  item: vscode.CompletionItemKind.Constant,
  spell: vscode.CompletionItemKind.Function,
  rulebook: vscode.CompletionItemKind.File,
  asset: vscode.CompletionItemKind.File,
};


/** A reference value of a document, located in its text (inside any quotes). */
interface LocatedReference {
  readonly ref: ReferenceValue;
  readonly start: number;
  readonly end: number;
}

/** Every reference value of an entry document, with where its text is. */
function locatedReferences(kind: EntityKind, text: string): LocatedReference[] {
  if (text.length > MAX_SCANNED) return [];
  const read = readEntityText(text);
  if (!read.body || !read.doc) return [];
  const doc: Document = read.doc;
  const out: LocatedReference[] = [];
  for (const ref of referencesIn(kind, read.body)) {
    const path = ref.pointer.split('/').slice(1).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    const node = doc.getIn(path, true);
    if (!isScalar(node) || !node.range) continue;
    let [start, end] = node.range;
    if (text[start] === '"' || text[start] === "'") {
      start++;
      end--;
    }
    out.push({ ref, start, end: Math.max(start, end) });
  }
  return out;
}

/** Where the document sits: its campaign (for ranking and scope) and its own entry (never offered). */
interface DocContext {
  readonly campaign_id: string | null | undefined;
  readonly selfId?: string;
}

export class ReferenceAssist implements vscode.CompletionItemProvider, vscode.HoverProvider, vscode.DocumentLinkProvider, vscode.InlayHintsProvider, vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('campaign-vault-references');
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly hintsChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeInlayHints = this.hintsChanged.event;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly catalogs: CatalogHolder,
    private readonly deps: AuthoringDeps,
  ) {
    this.subscriptions.push(
      this.collection,
      this.hintsChanged,
      catalogs.onDidUpdate(() => {
        this.hintsChanged.fire();
        for (const doc of vscode.workspace.textDocuments) this.schedule(doc);
      }),
      vscode.workspace.onDidOpenTextDocument((doc) => this.schedule(doc)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document)),
      vscode.workspace.onDidCloseTextDocument((doc) => {
        clearTimeout(this.timers.get(doc.uri.toString()));
        this.timers.delete(doc.uri.toString());
        this.collection.delete(doc.uri);
      }),
    );
    for (const doc of vscode.workspace.textDocuments) this.schedule(doc);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    vscode.Disposable.from(...this.subscriptions).dispose();
  }

  private async catalog(): Promise<VaultCatalog | undefined> {
    const catalog = this.catalogs.get();
    if (!catalog) return undefined;
    await catalog.ready();
    return this.catalogs.get() === catalog ? catalog : undefined;
  }

  private context(doc: vscode.TextDocument, catalog: VaultCatalog): DocContext {
    const campaign_id = this.deps.campaignOf(doc.uri, catalog);
    let selfId: string | undefined;
    if (doc.uri.scheme === SCHEME) {
      try {
        const loc = parseDocPath(doc.uri.path);
        const self = loc.type === 'entity' ? { kind: loc.kind, name: loc.name } : loc.type === 'campaign-file' ? { kind: 'campaign' as const, name: loc.campaign } : undefined;
        if (self) {
          const key = nameKey(self.name);
          const own = self.kind === 'campaign' ? null : (campaign_id ?? null);
          selfId = [...catalog.index.all()].find((e) => e.kind === self.kind && nameKey(e.name) === key && (self.kind === 'campaign' || e.campaign_id === own))?.id;
        }
      } catch (e) {
        if (!(e instanceof DocPathError)) throw e;
      }
    }
    return { campaign_id, ...(selfId ? { selfId } : {}) };
  }

  private where(e: IndexedEntity, scope: LinkScope | undefined, catalog: VaultCatalog): string {
    if (e.kind === 'campaign') return vscode.l10n.t('campaign');
    const campaign = catalog.index.campaignName(e.campaign_id);
    const kind = KINDS[e.kind].label;
    if (!campaign) return vscode.l10n.t('{0} · shared library', kind);
    return scope === 'campaign' ? kind : vscode.l10n.t('{0} · {1}', kind, campaign);
  }

  // ── completion ──────────────────────────────────────────────────────────────────────────────

  async provideCompletionItems(doc: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.CompletionList | undefined> {
    // Entry documents (YAML), and Markdown notes (a session's, or a file's in the workspace): links only.
    const kind = kindOfDocument(doc);
    const markdown = doc.languageId === 'markdown';
    if (!kind && !markdown) return undefined;
    const text = doc.getText();
    if (text.length > MAX_SCANNED) return undefined;
    const offset = doc.offsetAt(position);
    const link = openLinkAt(text, offset, markdown ? 'markdown' : 'yaml');
    const ref = link || !kind ? undefined : referenceAt(kind, text, offset);
    if (!link && !ref) return undefined;
    const catalog = await this.catalog();
    if (!catalog || token.isCancellationRequested) return undefined;
    const context = this.context(doc, catalog);
    if (link) {
      const resolver = catalog.resolver();
      const range = new vscode.Range(doc.positionAt(link.start), doc.positionAt(link.end));
      const items: vscode.CompletionItem[] = [];
      let incomplete = false;
      const candidates = linkCandidates(catalog.index.all(), context, link.typed);
      for (const [i, { entity, scope }] of candidates.entries()) {
        if (items.length >= MAX_LINK_ITEMS) {
          incomplete = true;
          break;
        }
        const target = linkTarget(entity, resolver, context);
        if (target === undefined) continue;
        const item = new vscode.CompletionItem({ label: entity.name, description: this.where(entity, scope, catalog) }, COMPLETION_KIND[entity.kind]);
        item.detail = KINDS[entity.kind].label;
        item.insertText = linkInsertText(target, link);
        item.filterText = `[[${entity.name}`;
        item.range = range;
        item.sortText = String(i).padStart(6, '0');
        items.push(item);
      }
      return new vscode.CompletionList(items, incomplete);
    }
    const r = ref!;
    const range = new vscode.Range(doc.positionAt(r.start), doc.positionAt(r.end));
    // Right after the colon (`location_id:|`) the value needs its space.
    const space = !r.quote && text[r.start - 1] === ':' ? ' ' : '';
    const items = referenceCandidates(catalog.index.all(), r.field, context).map(({ entity, scope }, i) => {
      const item = new vscode.CompletionItem({ label: entity.name, description: this.where(entity, scope, catalog) }, COMPLETION_KIND[entity.kind]);
      item.detail = KINDS[entity.kind].label;
      item.insertText = space + yamlId(entity.id, r.quote);
      // Typing a name, or a part of the id already there, keeps the entry in the list.
      item.filterText = `${entity.name} ${entity.id}`;
      item.range = range;
      item.sortText = String(i).padStart(6, '0');
      item.documentation = inert(vscode.l10n.t('Inserts the id of {0} **{1}**: {2}', KINDS[entity.kind].label, escapeMarkdown(entity.name), escapeMarkdown(entity.id)));
      return item;
    });
    return new vscode.CompletionList(items, false);
  }

  // ── hover ───────────────────────────────────────────────────────────────────────────────────

  async provideHover(doc: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    const kind = kindOfDocument(doc);
    if (!kind) return undefined;
    const r = referenceAt(kind, doc.getText(), doc.offsetAt(position));
    if (!r || r.text.trim() === '') return undefined;
    const range = new vscode.Range(doc.positionAt(r.start), doc.positionAt(r.end));
    const catalog = await this.catalog();
    if (token.isCancellationRequested) return undefined;
    if (!catalog) return new vscode.Hover(inert(vscode.l10n.t('Unlock the vault to see which {0} this is.', KINDS[r.field.target].label)), range);
    return new vscode.Hover(inert(this.describeId(r.text.trim(), r.field.target, this.context(doc, catalog), catalog)), range);
  }

  private describeId(id: string, target: EntityKind, context: DocContext, catalog: VaultCatalog): string {
    const e = catalog.index.get(target, id);
    if (e) return `**${escapeMarkdown(e.name)}** — ${escapeMarkdown(this.where(e, scopeOf(e, context.campaign_id), catalog))}`;
    // The sentence names an entry: user text, so every mark in it is escaped.
    return escapeMarkdown(this.problemOf(id, target, catalog) ?? '');
  }

  /** Why an id names no entry of the kind the field wants, or undefined when it does. */
  private problemOf(id: string, target: EntityKind, catalog: VaultCatalog): string | undefined {
    if (catalog.index.get(target, id)) return undefined;
    const other = (Object.keys(KINDS) as EntityKind[]).map((k) => catalog.index.get(k, id)).find((e) => e !== undefined);
    if (other) return vscode.l10n.t('No {0} with this id: it is the id of the {1} {2}.', KINDS[target].label, KINDS[other.kind].label, other.name);
    return vscode.l10n.t('No {0} with this id in the vault (or it is in the Trash).', KINDS[target].label);
  }

  // ── links, inlay hints and diagnostics ─────────────────────────────────────────────────────

  async provideDocumentLinks(doc: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.DocumentLink[]> {
    const kind = kindOfDocument(doc);
    if (!kind) return [];
    const refs = locatedReferences(kind, doc.getText());
    if (refs.length === 0) return [];
    const catalog = await this.catalog();
    if (!catalog || token.isCancellationRequested) return [];
    const links: vscode.DocumentLink[] = [];
    for (const { ref, start, end } of refs) {
      const e = catalog.index.get(ref.field.target, ref.id);
      if (!e) continue;
      const campaign_name = catalog.index.campaignName(e.campaign_id);
      const link = new vscode.DocumentLink(new vscode.Range(doc.positionAt(start), doc.positionAt(end)), this.deps.uriFor({ id: e.id, kind: e.kind, name: e.name, campaign_id: e.campaign_id, ...(campaign_name ? { campaign_name } : {}) }));
      link.tooltip = vscode.l10n.t('Open {0} {1}', KINDS[e.kind].label, e.name);
      links.push(link);
    }
    return links;
  }

  async provideInlayHints(doc: vscode.TextDocument, range: vscode.Range, token: vscode.CancellationToken): Promise<vscode.InlayHint[]> {
    const kind = kindOfDocument(doc);
    if (!kind) return [];
    const refs = locatedReferences(kind, doc.getText());
    if (refs.length === 0) return [];
    const catalog = await this.catalog();
    if (!catalog || token.isCancellationRequested) return [];
    const from = doc.offsetAt(range.start);
    const to = doc.offsetAt(range.end);
    const hints: vscode.InlayHint[] = [];
    for (const { ref, start, end } of refs) {
      if (end < from || start > to) continue;
      const e = catalog.index.get(ref.field.target, ref.id);
      if (!e) continue;
      const after = doc.getText().slice(end, end + 1);
      const hint = new vscode.InlayHint(doc.positionAt(end + (after === '"' || after === "'" ? 1 : 0)), e.name);
      hint.paddingLeft = true;
      hint.tooltip = `${KINDS[e.kind].label}: ${e.name}`;
      hints.push(hint);
    }
    return hints;
  }

  private schedule(doc: vscode.TextDocument): void {
    if (doc.uri.scheme !== SCHEME || !kindOfDocument(doc)) return;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.check(doc).catch((e: unknown) => this.deps.log.error(e instanceof Error ? e : String(e)));
      }, DEBOUNCE_MS),
    );
  }

  private async check(doc: vscode.TextDocument): Promise<void> {
    const kind = kindOfDocument(doc);
    if (!kind || doc.isClosed) return;
    const version = doc.version;
    const refs = locatedReferences(kind, doc.getText());
    const catalog = refs.length > 0 ? await this.catalog() : undefined;
    if (doc.isClosed || doc.version !== version) return;
    if (!catalog) {
      this.collection.delete(doc.uri);
      return;
    }
    const context = this.context(doc, catalog);
    const diagnostics: vscode.Diagnostic[] = [];
    for (const { ref, start, end } of refs) {
      let message = this.problemOf(ref.id, ref.field.target, catalog);
      const e = catalog.index.get(ref.field.target, ref.id);
      if (!message && e && ref.field.sameCampaign && context.campaign_id !== undefined && (e.campaign_id ?? null) !== context.campaign_id) {
        message = vscode.l10n.t('{0} is in another campaign: a {1} here must be in the same campaign.', e.name, KINDS[ref.field.target].label);
      }
      if (!message) continue;
      const d = new vscode.Diagnostic(new vscode.Range(doc.positionAt(start), doc.positionAt(Math.max(end, start + 1))), message, vscode.DiagnosticSeverity.Warning);
      d.source = vscode.l10n.t('Campaign Vault (links)');
      d.code = ref.pointer;
      diagnostics.push(d);
    }
    this.collection.set(doc.uri, diagnostics);
  }
}

/** Registers the reference help for the YAML documents of the `campaign:` file system. */
export function registerReferenceAssist(catalogs: CatalogHolder, deps: AuthoringDeps): vscode.Disposable {
  const assist = new ReferenceAssist(catalogs, deps);
  const selector: vscode.DocumentSelector = { scheme: SCHEME, pattern: '**/*.yaml' };
  const markdown: vscode.DocumentSelector = ['campaign', 'file'].map((scheme) => ({ scheme, language: 'markdown' }));
  return vscode.Disposable.from(
    assist,
    vscode.languages.registerCompletionItemProvider(selector, assist, '[', ' '),
    vscode.languages.registerCompletionItemProvider(markdown, assist, '['),
    vscode.languages.registerHoverProvider(selector, assist),
    vscode.languages.registerDocumentLinkProvider(selector, assist),
    vscode.languages.registerInlayHintsProvider(selector, assist),
  );
}
