import * as vscode from 'vscode';
import type { ChangeEvent, DataManager, Entity } from '../../core/api';
import { KINDS, type EntityKind } from '../../core/db/kinds';
import {
  CAMPAIGN_FILE,
  CAMPAIGN_KINDS,
  DocPathError,
  KIND_FOLDERS,
  LIBRARY_KINDS,
  LIBRARY_SEGMENT,
  entityDocPath,
  extensionsOf,
  nameToSegment,
  parseAssetDocPath,
  parseDocPath,
  type DocLocation,
} from '../../core/documents/docPaths';
import { entityToText, lineOf, readEntityText, schemaProblems, type TextProblem } from '../../core/documents/yamlText';
import { describeError, isVaultError } from '../../core/errors';
import type { Logger } from '../../core/ports';
import { Disposable, toDisposable } from '../lifecycle';
import type { VaultRegistry } from '../vaults';

export const SCHEME = 'campaign';

/**
 * The vault as files, so every entry opens in a normal text editor (undo, save, diff, search):
 * `campaign://<workspace folder>/<campaign>/<kind>/<name>.yaml` (docs/AUTHORING.md). Saving writes
 * through the DataManager — validated, durable, audited; a document that is not valid YAML or not a
 * valid entry is refused with the reason and never reaches the vault.
 */
export class EntityFileSystem extends Disposable implements vscode.FileSystemProvider {
  private readonly changed = this._register(new vscode.EventEmitter<vscode.FileChangeEvent[]>());
  readonly onDidChangeFile = this.changed.event;
  /** Paths served for an entity id (per vault): after a rename the old path keeps reaching it. */
  private readonly paths = new Map<string, Set<string>>();
  private readonly aliases = new Map<string, { kind: EntityKind; id: string }>();
  /** Why a document's last save was refused, by URI: the Lock command names it. */
  private readonly failures = new Map<string, string>();
  private readonly saveOutcome = this._register(new vscode.EventEmitter<{ readonly uri: vscode.Uri; readonly refused?: string }>());
  /** Every save of a document: `refused` says why it was not saved (auto save resumes on it). */
  readonly onDidSave = this.saveOutcome.event;

  constructor(
    private readonly vaults: VaultRegistry,
    private readonly log: Logger,
  ) {
    super();
    // An unlocked vault's changes reach its documents; when it locks, every document of it changed.
    this._register(
      vaults.whileUnlocked(({ folder, dm, lifetime }) => {
        lifetime.add(dm.onDidChange((e) => this.onVaultChange(folder, e)));
        // Locked: every document of it is gone (so nothing shows a cached copy, and VS Code does not
        // read them again only to log their paths — entry names — as unreadable), and what this
        // provider remembered of it (entry names in paths, refused saves) is forgotten.
        lifetime.add(
          toDisposable(() => {
            this.onVaultChange(folder, { action: 'lock' });
            this.forget(folder);
          }),
        );
      }),
    );
  }

  /** Why the last save of `uri` was refused (until it saves or its vault locks). */
  saveFailure(uri: vscode.Uri): string | undefined {
    return this.failures.get(uri.toString());
  }

  private forget(folder: vscode.WorkspaceFolder): void {
    const byId = `${folder.uri.toString()}#`;
    for (const k of [...this.paths.keys()]) if (k.startsWith(byId)) this.paths.delete(k);
    const prefix = `${SCHEME}://${folderAuthority(folder)}/`;
    for (const map of [this.aliases, this.failures]) for (const k of [...map.keys()]) if (k.startsWith(prefix)) map.delete(k);
  }

  /** The URI of an entity's document (`md`: a session's notes). */
  static uriFor(folder: vscode.WorkspaceFolder, campaignName: string | null, kind: EntityKind, name: string, ext: 'yaml' | 'md' = 'yaml'): vscode.Uri {
    return vscode.Uri.from({ scheme: SCHEME, authority: folderAuthority(folder), path: entityDocPath(campaignName, kind, name, ext) });
  }

  /** The URI of an entity's document, looking up its campaign's name. */
  static async uriOf(folder: vscode.WorkspaceFolder, dm: DataManager, entity: Entity, ext: 'yaml' | 'md' = 'yaml'): Promise<vscode.Uri> {
    if (entity.kind === 'campaign') return EntityFileSystem.uriFor(folder, null, 'campaign', entity.name);
    const campaign = entity.campaign_id ? await dm.get('campaign', entity.campaign_id) : undefined;
    return EntityFileSystem.uriFor(folder, campaign?.name ?? null, entity.kind, entity.name, ext);
  }

  // ── events ────────────────────────────────────────────────────────────────────────────────

  private key(folder: vscode.WorkspaceFolder, id: string): string {
    return `${folder.uri.toString()}#${id}`;
  }

  private remember(folder: vscode.WorkspaceFolder, entity: Entity, uri: vscode.Uri): void {
    const k = this.key(folder, entity.id);
    let set = this.paths.get(k);
    if (!set) this.paths.set(k, (set = new Set()));
    set.add(uri.toString());
    this.aliases.set(uri.toString(), { kind: entity.kind, id: entity.id });
  }

  private onVaultChange(folder: vscode.WorkspaceFolder, e: ChangeEvent): void {
    const events: vscode.FileChangeEvent[] = [];
    // Only the documents of the entries that changed: an event on a folder would reach every
    // document below it, the unchanged (and unsaved) ones included.
    const prefix = `${SCHEME}://${folderAuthority(folder)}/`;
    if (e.id === undefined) {
      // Locked, unlocked, reloaded, migrated: every document served from this vault may differ,
      // the ones read before and every one open now. At Lock they are reported deleted: VS Code
      // then only asks whether they exist (no), where "changed" makes it read each one again and
      // log the refusal with its path. At Unlock they are created again, which brings back the
      // documents VS Code marked deleted, and changed, which reloads the others.
      const uris = new Set<string>();
      for (const set of this.paths.values()) for (const u of set) uris.add(u);
      for (const doc of vscode.workspace.textDocuments) uris.add(doc.uri.toString());
      const types =
        e.action === 'lock' ? [vscode.FileChangeType.Deleted] : e.action === 'unlock' ? [vscode.FileChangeType.Created, vscode.FileChangeType.Changed] : [vscode.FileChangeType.Changed];
      for (const u of uris) if (u.startsWith(prefix)) for (const type of types) events.push({ type, uri: vscode.Uri.parse(u) });
    } else {
      for (const u of this.paths.get(this.key(folder, e.id)) ?? []) {
        events.push({ type: e.action === 'purge' ? vscode.FileChangeType.Deleted : vscode.FileChangeType.Changed, uri: vscode.Uri.parse(u) });
      }
    }
    if (events.length > 0) this.changed.fire(events);
  }

  watch(): vscode.Disposable {
    // Every change of every vault is reported through onDidChangeFile already.
    return new vscode.Disposable(() => undefined);
  }

  // ── resolution ────────────────────────────────────────────────────────────────────────────

  private vaultOf(uri: vscode.Uri): { folder: vscode.WorkspaceFolder; dm: DataManager } {
    const folders = this.vaults.folders;
    const wanted = uri.authority === '' ? folders.find((f) => f.state === 'unlocked') ?? folders[0] : folders.find((f) => folderAuthority(f.folder) === uri.authority);
    if (!wanted) throw vscode.FileSystemError.Unavailable(vscode.l10n.t('No workspace folder “{0}” holds a Campaign Vault.', uri.authority));
    if (!wanted.dm.isUnlocked) {
      throw vscode.FileSystemError.Unavailable(
        wanted.state === 'absent' ? vscode.l10n.t('There is no vault in this workspace yet: run “Campaign Vault: Create Vault”.') : vscode.l10n.t('The vault is locked: run “Campaign Vault: Unlock” to open its entries.'),
      );
    }
    return { folder: wanted.folder, dm: wanted.dm };
  }

  private where(uri: vscode.Uri): DocLocation {
    // An asset's file (a note's link to a picture) is only read (stat and readFile handle it first).
    if (parseAssetDocPath(uri.path)) throw vscode.FileSystemError.NoPermissions(vscode.l10n.t('An asset’s file cannot be changed here: rename, tag or remove it in the gallery.'));
    try {
      return parseDocPath(uri.path);
    } catch (e) {
      if (e instanceof DocPathError) throw vscode.FileSystemError.FileNotFound(`${e.message}`);
      throw e;
    }
  }

  private async campaignId(dm: DataManager, campaign: string | null, uri: vscode.Uri): Promise<string | null> {
    if (campaign === null) return null;
    const c = await dm.get('campaign', campaign);
    if (!c || c.deleted_at !== null) throw vscode.FileSystemError.FileNotFound(uri);
    return c.id;
  }

  /**
   * The entity a document path names (by name, else by a path it was served under before a
   * rename), and the id of the campaign the path names (null: none; undefined: no such campaign).
   */
  private async resolve(dm: DataManager, loc: DocLocation, uri: vscode.Uri): Promise<{ entity?: Entity; campaignId?: string | null }> {
    let found: Entity | undefined;
    let campaignId: string | null | undefined = null;
    if (loc.type === 'campaign-file') found = await dm.get('campaign', loc.campaign);
    else if (loc.type === 'entity') {
      campaignId = await this.campaignId(dm, loc.campaign, uri).catch(() => undefined);
      if (campaignId !== undefined) found = await dm.get(loc.kind, loc.name, { campaign_id: campaignId });
    } else return {};
    if (found && found.deleted_at === null) return { entity: found, campaignId };
    const alias = this.aliases.get(uri.toString());
    if (alias) {
      const e = await dm.get(alias.kind, alias.id);
      if (e && e.deleted_at === null) return { entity: e, campaignId };
    }
    return { campaignId };
  }

  private async entityAt(dm: DataManager, loc: DocLocation, uri: vscode.Uri): Promise<Entity | undefined> {
    return (await this.resolve(dm, loc, uri)).entity;
  }

  // ── reading ───────────────────────────────────────────────────────────────────────────────

  /**
   * The asset an asset path names (`…/sessions/assets/<id>/<file>`, see docPaths.assetDocPath), live,
   * or undefined when the path is not one; FileNotFound when it names no live asset. Its bytes are
   * read from the vault into memory (never a copy on disk) — VS Code's Markdown preview loads a
   * note's pictures this way.
   */
  private async assetAt(dm: DataManager, uri: vscode.Uri): Promise<Entity | undefined> {
    const at = parseAssetDocPath(uri.path);
    if (!at) return undefined;
    const asset = await dm.assets.get(at.id).catch(() => undefined);
    if (!asset || asset.id !== at.id) throw vscode.FileSystemError.FileNotFound(uri);
    return asset;
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    return this.guard(uri, async () => {
      const { dm } = this.vaultOf(uri);
      const asset = await this.assetAt(dm, uri);
      if (asset) return { type: vscode.FileType.File, ctime: Date.parse(asset.created_at), mtime: Date.parse(asset.updated_at), size: Number(asset.size ?? 0), permissions: vscode.FilePermission.Readonly };
      const loc = this.where(uri);
      switch (loc.type) {
        case 'root':
        case 'library-folder':
          return dir();
        case 'campaign-folder': {
          const c = await dm.get('campaign', loc.campaign);
          if (!c || c.deleted_at !== null) throw vscode.FileSystemError.FileNotFound(uri);
          return dir(c);
        }
        case 'kind-folder':
          await this.campaignId(dm, loc.campaign, uri);
          return dir();
        default: {
          const e = await this.entityAt(dm, loc, uri);
          if (!e) throw vscode.FileSystemError.FileNotFound(uri);
          return { type: vscode.FileType.File, ctime: Date.parse(e.created_at), mtime: Date.parse(e.updated_at), size: (await this.content(dm, e, loc)).byteLength };
        }
      }
    });
  }

  /** The document's bytes: a session's notes, the text the entry was saved as, or its fields written out. */
  private async content(dm: DataManager, e: Entity, loc: DocLocation): Promise<Uint8Array> {
    let text: string;
    if (loc.type === 'entity' && loc.ext === 'md') text = typeof e.notes === 'string' ? e.notes : '';
    else text = (await dm.entryText(e.kind, e.id)) ?? entityToText(e.kind, e);
    return new TextEncoder().encode(text);
  }

  async readDirectory(uri: vscode.Uri): Promise<[string, vscode.FileType][]> {
    return this.guard(uri, async () => {
      const { dm } = this.vaultOf(uri);
      const loc = this.where(uri);
      switch (loc.type) {
        case 'root': {
          const campaigns = await dm.list('campaign');
          return [...campaigns.map((c): [string, vscode.FileType] => [nameToSegment(c.name), vscode.FileType.Directory]), [LIBRARY_SEGMENT, vscode.FileType.Directory]];
        }
        case 'library-folder':
          return LIBRARY_KINDS.map((k) => [KIND_FOLDERS[k], vscode.FileType.Directory]);
        case 'campaign-folder':
          await this.campaignId(dm, loc.campaign, uri);
          return [[CAMPAIGN_FILE, vscode.FileType.File], ...CAMPAIGN_KINDS.map((k): [string, vscode.FileType] => [KIND_FOLDERS[k], vscode.FileType.Directory])];
        case 'kind-folder': {
          const campaignId = await this.campaignId(dm, loc.campaign, uri);
          const entities = await dm.list(loc.kind, { campaign_id: campaignId });
          return entities.flatMap((e) => extensionsOf(loc.kind).map((ext): [string, vscode.FileType] => [`${nameToSegment(e.name)}.${ext}`, vscode.FileType.File]));
        }
        default:
          throw vscode.FileSystemError.FileNotADirectory(uri);
      }
    });
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    return this.guard(uri, async () => {
      const { folder, dm } = this.vaultOf(uri);
      const asset = await this.assetAt(dm, uri);
      if (asset) return dm.assets.read(asset);
      const loc = this.where(uri);
      if (loc.type !== 'entity' && loc.type !== 'campaign-file') throw vscode.FileSystemError.FileIsADirectory(uri);
      const e = await this.entityAt(dm, loc, uri);
      if (!e) throw vscode.FileSystemError.FileNotFound(uri);
      this.remember(folder, e, uri);
      return this.content(dm, e, loc);
    });
  }

  // ── writing ───────────────────────────────────────────────────────────────────────────────

  async writeFile(uri: vscode.Uri, content: Uint8Array, options: { readonly create: boolean; readonly overwrite: boolean }): Promise<void> {
    try {
      await this.write(uri, content, options);
      this.failures.delete(uri.toString());
      this.saveOutcome.fire({ uri });
    } catch (e) {
      const refused = e instanceof Error ? e.message : String(e);
      this.failures.set(uri.toString(), refused);
      this.saveOutcome.fire({ uri, refused });
      throw e;
    }
  }

  private async write(uri: vscode.Uri, content: Uint8Array, options: { readonly create: boolean; readonly overwrite: boolean }): Promise<void> {
    return this.guard(uri, async () => {
      const { folder, dm } = this.vaultOf(uri);
      const loc = this.where(uri);
      if (loc.type !== 'entity' && loc.type !== 'campaign-file') throw vscode.FileSystemError.FileIsADirectory(uri);
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(content);
      } catch {
        throw new vscode.FileSystemError(vscode.l10n.t('The document is not UTF-8 text; nothing was saved.'));
      }
      // The path is resolved once: the entry, and the campaign a new one goes into.
      const { entity: existing, campaignId } = await this.resolve(dm, loc, uri);
      if (existing && !options.overwrite) throw vscode.FileSystemError.FileExists(uri);
      if (!existing && !options.create) throw vscode.FileSystemError.FileNotFound(uri);
      const kind: EntityKind = loc.type === 'campaign-file' ? 'campaign' : loc.kind;
      const fileName = loc.type === 'campaign-file' ? loc.campaign : loc.name;

      if (loc.type === 'entity' && loc.ext === 'md') {
        if (!existing) throw vscode.FileSystemError.FileNotFound(vscode.l10n.t('Create the session {0}.yaml first; its notes are {0}.md.', fileName));
        await dm.update('session', existing.id, { notes: text.length > 0 ? text : null });
        return;
      }
      let body: Record<string, unknown>;
      let read: ReturnType<typeof readEntityText> | undefined;
      if (text.trim() === '') {
        // A new empty file (Explorer's "New File…"): the entry starts with its name.
        body = existing ? {} : { name: fileName };
        if (existing) throw new vscode.FileSystemError(vscode.l10n.t('An empty document would erase {0}; nothing was saved. Delete the entry instead if that is what you want.', fileName));
      } else {
        // The YAML is read here; the schema is checked once, by the DataManager's write.
        read = readEntityText(text);
        if (!read.body) throw notSaved(text, read.problems);
        body = read.body;
        if (body.name === undefined && !existing) body = { name: fileName, ...body };
      }
      // The text is kept as typed (comments and all) unless it was empty.
      const asTyped = text.trim() === '' ? {} : { text };
      try {
        if (existing) {
          const after = await dm.update(kind, existing.id, body, { replace: true, ...asTyped });
          if (after.name !== existing.name) this.remember(folder, after, uri);
          return;
        }
        if (typeof body.name === 'string' && body.name.normalize('NFC') !== fileName) {
          throw new vscode.FileSystemError(vscode.l10n.t('The name in the document (“{0}”) differs from the file name (“{1}”); make them the same.', body.name, fileName));
        }
        if (campaignId === undefined) throw vscode.FileSystemError.FileNotFound(uri);
        const created = await dm.create(kind, { ...body, ...(kind === 'campaign' ? {} : { campaign_id: campaignId }) }, asTyped);
        this.remember(folder, created, uri);
        this.changed.fire([{ type: vscode.FileChangeType.Created, uri }]);
      } catch (e) {
        // Schema problems, located in the text as the editor's diagnostics show them.
        const issues = isVaultError(e, 'invalid') ? (e as { issues?: SchemaIssue[] }).issues : undefined;
        if (read?.doc && issues && issues.length > 0) throw notSaved(text, schemaProblems(read.doc, text, issues));
        throw e;
      }
    });
  }

  async createDirectory(uri: vscode.Uri): Promise<void> {
    return this.guard(uri, async () => {
      const { dm } = this.vaultOf(uri);
      const loc = this.where(uri);
      if (loc.type !== 'campaign-folder') throw vscode.FileSystemError.NoPermissions(vscode.l10n.t('Only campaigns are folders you can create here; the folders inside a campaign are always there.'));
      await dm.create('campaign', { name: loc.campaign });
      this.changed.fire([{ type: vscode.FileChangeType.Created, uri }]);
    });
  }

  /** Moves the entry to the trash (restorable from the Campaigns view). */
  async delete(uri: vscode.Uri): Promise<void> {
    return this.guard(uri, async () => {
      const { dm } = this.vaultOf(uri);
      const loc = this.where(uri);
      if (loc.type === 'campaign-folder') {
        const c = await dm.get('campaign', loc.campaign);
        if (!c || c.deleted_at !== null) throw vscode.FileSystemError.FileNotFound(uri);
        await dm.delete('campaign', c.id);
      } else if (loc.type === 'entity' && loc.ext === 'yaml') {
        const e = await this.entityAt(dm, loc, uri);
        if (!e) throw vscode.FileSystemError.FileNotFound(uri);
        await dm.delete(e.kind, e.id);
      } else if (loc.type === 'entity') {
        throw vscode.FileSystemError.NoPermissions(vscode.l10n.t('A session’s notes go with the session: delete the session’s .yaml instead.'));
      } else {
        throw vscode.FileSystemError.NoPermissions(vscode.l10n.t('This folder is part of every campaign and cannot be deleted.'));
      }
      this.changed.fire([{ type: vscode.FileChangeType.Deleted, uri }]);
    });
  }

  /** Renames an entry, or moves it to another campaign (same kind only). */
  async rename(oldUri: vscode.Uri, newUri: vscode.Uri, options: { readonly overwrite: boolean }): Promise<void> {
    return this.guard(oldUri, async () => {
      const { folder, dm } = this.vaultOf(oldUri);
      if (newUri.authority !== oldUri.authority) throw vscode.FileSystemError.NoPermissions(vscode.l10n.t('Entries move between campaigns of one vault, not between vaults.'));
      const from = this.where(oldUri);
      const to = this.where(newUri);
      if (from.type === 'campaign-folder' && to.type === 'campaign-folder') {
        const c = await dm.get('campaign', from.campaign);
        if (!c) throw vscode.FileSystemError.FileNotFound(oldUri);
        await dm.update('campaign', c.id, { name: to.campaign });
      } else if (from.type === 'entity' && to.type === 'entity' && from.ext === 'yaml' && to.ext === 'yaml') {
        if (from.kind !== to.kind) throw vscode.FileSystemError.NoPermissions(vscode.l10n.t('A {0} stays a {0}: move it into another campaign’s {1} folder.', KINDS[from.kind].label, KIND_FOLDERS[from.kind]));
        const e = await this.entityAt(dm, from, oldUri);
        if (!e) throw vscode.FileSystemError.FileNotFound(oldUri);
        const target = await this.entityAt(dm, to, newUri);
        if (target && target.id !== e.id) {
          if (!options.overwrite) throw vscode.FileSystemError.FileExists(newUri);
          throw vscode.FileSystemError.NoPermissions(vscode.l10n.t('{0} already exists; rename or delete it first (entries are never overwritten by a move).', to.name));
        }
        const campaignId = await this.campaignId(dm, to.campaign, newUri);
        let moved = e;
        if ((e.campaign_id ?? null) !== campaignId) moved = await dm.move(e.kind, e.id, campaignId);
        if (moved.name !== to.name) moved = await dm.update(e.kind, e.id, { name: to.name });
        this.remember(folder, moved, newUri);
      } else {
        throw vscode.FileSystemError.NoPermissions(vscode.l10n.t('Only entries (.yaml) and campaign folders can be renamed or moved.'));
      }
      this.changed.fire([
        { type: vscode.FileChangeType.Deleted, uri: oldUri },
        { type: vscode.FileChangeType.Created, uri: newUri },
      ]);
    });
  }

  /** Runs an operation, turning vault errors into file-system errors with the user's sentence. */
  private async guard<T>(uri: vscode.Uri, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof vscode.FileSystemError) throw e;
      const message = describeError(e);
      this.log.debug(`${uri.toString()}: ${e instanceof Error ? e.message : String(e)}`);
      if (isVaultError(e, 'exists')) throw vscode.FileSystemError.FileExists(message);
      if (isVaultError(e, 'locked')) throw vscode.FileSystemError.Unavailable(message);
      if (isVaultError(e, 'read-only-session') || isVaultError(e, 'read-only') || isVaultError(e, 'permission-denied')) throw vscode.FileSystemError.NoPermissions(message);
      throw new vscode.FileSystemError(message);
    }
  }

}

interface SchemaIssue {
  readonly path: string;
  readonly message: string;
  readonly keyword?: string;
}

/** "Not saved: line 3: …": the first error of a document that was refused. */
function notSaved(text: string, problems: readonly TextProblem[]): vscode.FileSystemError {
  const errors = problems.filter((p) => p.severity === 'error');
  const first = errors[0];
  const line = first ? lineOf(text, first.start) : 1;
  const problem = first?.message ?? vscode.l10n.t('the document is not valid');
  const more = errors.length - 1;
  return new vscode.FileSystemError(
    more <= 0
      ? vscode.l10n.t('Not saved: line {0}: {1}', line, problem)
      : more === 1
        ? vscode.l10n.t('Not saved: line {0}: {1} (and {2} more problem, shown in the editor)', line, problem, more)
        : vscode.l10n.t('Not saved: line {0}: {1} (and {2} more problems, shown in the editor)', line, problem, more),
  );
}

function dir(e?: Entity): vscode.FileStat {
  return { type: vscode.FileType.Directory, ctime: e ? Date.parse(e.created_at) : 0, mtime: e ? Date.parse(e.updated_at) : 0, size: 0 };
}

/**
 * Whether `uri` is a `campaign:` document of the vault in `folder`: its authority names the folder
 * (a URI without one reaches the first unlocked vault, as {@link EntityFileSystem} resolves it).
 */
export function isDocumentOf(uri: vscode.Uri, folder: vscode.WorkspaceFolder, vaults: VaultRegistry): boolean {
  if (uri.scheme !== SCHEME) return false;
  if (uri.authority !== '') return uri.authority === folderAuthority(folder);
  return vaults.folders.find((f) => f.dm.isUnlocked)?.folder.uri.toString() === folder.uri.toString();
}

/**
 * A workspace folder's name as a URI authority: lower-case letters, digits and "-" (so no URI tool
 * changes it), with the folder's position appended only when two folders would share it.
 */
export function folderAuthority(folder: vscode.WorkspaceFolder): string {
  const slug = (name: string) =>
    name
      .normalize('NFKD')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'vault';
  const mine = slug(folder.name);
  const clash = (vscode.workspace.workspaceFolders ?? []).some((f) => f.index !== folder.index && slug(f.name) === mine);
  return clash ? `${mine}-${folder.index}` : mine;
}

