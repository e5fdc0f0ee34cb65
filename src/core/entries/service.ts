import type { Row } from '../db/engine';
import { ENTITY_KINDS, KINDS, bodyOf, type EntityKind } from '../db/kinds';
import { countRows, deleteRow, findRow, insertEntity, listRows, rowToEntity, selectRow, updateEntity, type Entity, type ListQuery, type StoredEntity } from '../db/repository';
import { VaultError } from '../errors';
import { quoteName } from '../paths';
import type { Runner, VaultSession } from '../session/session';
import { capital, checkBody, checkCampaign, checkParent, conflict, current, laterOf, mergeBody, newId, specOf, splitInput, successor, writeVersion } from './rules';
import { dropText, hasTextTable, storeText } from './texts';

export interface UpdateOptions {
  /** Refuse the update unless the stored version is this one (optimistic concurrency). */
  readonly expectedVersion?: number;
}

/** The entry operations a batch hands out ({@link EntryService.within}): what a bulk import needs. */
export type EntryOps = Pick<EntryService, 'create' | 'get' | 'list' | 'update' | 'count'>;

/**
 * Entries of every kind: create, read, list, update (optimistic concurrency), the trash (soft
 * delete, restore, purge), moves between campaigns, the text an entry was saved as, and putting
 * back one entry from a backup. Each write is one audited, journaled transaction.
 */
export class EntryService {
  /** `runner` runs each operation: on the session's queue (each write its own transaction), or inside one batch. */
  constructor(
    private readonly session: VaultSession,
    private readonly runner: Runner = session,
  ) {}

  /** The same operations, run inside a batch (see {@link VaultSession.batch}). */
  within(runner: Runner): EntryService {
    return new EntryService(this.session, runner);
  }

  /** Creates an entity. `input` holds its body fields plus optional `id` and `campaign_id`. */
  create(kind: EntityKind, input: Record<string, unknown>, opts: { text?: string } = {}): Promise<Entity> {
    const spec = specOf(kind);
    return this.runner.write(
      (s, at) => {
        const { body, id: givenId, campaign_id } = splitInput(input);
        checkBody(spec, body);
        const id = givenId ?? newId(this.session.opts.random, this.session.opts.clock);
        if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(id)) throw new VaultError('invalid', `bad id ${id}`, { hint: 'An id may hold letters, digits, - and _ only.' });
        const campaignId = checkCampaign(s.engine, spec, campaign_id);
        checkParent(s.engine, spec, id, body, campaignId);
        const stored: StoredEntity = { id, campaign_id: campaignId, body, version: 1, created_at: at, updated_at: at, deleted_at: null };
        insertEntity(s.engine, spec, stored);
        const entity = rowToEntity(spec, selectRow(s.engine, spec, id)!);
        s.audit.record(s.engine, at, 'create', { kind, id, after: entity });
        if (opts.text !== undefined) storeText(s.engine, kind, id, entity.version, opts.text);
        return entity;
      },
      (e) => ({ kind, id: e.id, campaign_id: e.campaign_id ?? null, action: 'create' }),
    );
  }

  /** By id, or by name (optionally within a campaign). Soft-deleted entities are found by id only. */
  get(kind: EntityKind, idOrName: string, opts: { campaign_id?: string | null } = {}): Promise<Entity | undefined> {
    const spec = specOf(kind);
    return this.runner.read((s) => {
      const row = findRow(s.engine, spec, idOrName.normalize('NFC'), opts.campaign_id);
      return row ? rowToEntity(spec, row) : undefined;
    });
  }

  list(kind: EntityKind, query: ListQuery = {}): Promise<Entity[]> {
    const spec = specOf(kind);
    return this.runner.read((s) => listRows(s.engine, spec, query).map((r) => rowToEntity(spec, r)));
  }

  /**
   * Changes an entity. `changes` is merged into the body (a field set to `null` is removed);
   * with `replace: true` the body is replaced whole (the YAML editor's save). A stale
   * `expectedVersion` (or a `version` field in `changes`) is refused with `conflict`.
   */
  update(kind: EntityKind, id: string, changes: Record<string, unknown>, opts: UpdateOptions & { replace?: boolean; text?: string } = {}): Promise<Entity> {
    const spec = specOf(kind);
    return this.runner.write(
      (s, at) => {
        const { row, before } = current(s.engine, spec, id);
        if (before.deleted_at !== null) throw new VaultError('invalid', 'update of deleted entity', { hint: `${capital(spec.label)} ${quoteName(before.name)} is in the trash; restore it first.` });
        const expected = opts.expectedVersion ?? (typeof changes.version === 'number' ? changes.version : undefined);
        if (expected !== undefined && expected !== before.version) throw conflict(spec, before, expected);
        const { body: patch, campaign_id } = splitInput(changes);
        const body = opts.replace ? patch : mergeBody(JSON.parse(String(row.body)) as Record<string, unknown>, patch);
        checkBody(spec, body);
        const campaignId = campaign_id === undefined ? (before.campaign_id ?? null) : checkCampaign(s.engine, spec, campaign_id);
        checkParent(s.engine, spec, id, body, campaignId);
        const after = writeVersion(s.engine, s.audit, spec, before, successor(before, at, body, { campaign_id: campaignId }), at, 'update');
        if (opts.text !== undefined) storeText(s.engine, kind, id, after.version, opts.text);
        return after;
      },
      (e) => ({ kind, id, campaign_id: e.campaign_id ?? null, action: 'update' }),
    );
  }

  /** Moves an entity to the trash (soft delete, `deleted` true) or brings it back. */
  setDeleted(kind: EntityKind, id: string, deleted: boolean, opts: UpdateOptions = {}): Promise<Entity> {
    const spec = specOf(kind);
    return this.runner.write(
      (s, at) => {
        const { row, before } = current(s.engine, spec, id, opts.expectedVersion);
        if ((before.deleted_at !== null) === deleted) return before;
        const body = JSON.parse(String(row.body)) as Record<string, unknown>;
        const next = successor(before, at, body, { deleted_at: deleted ? laterOf(at, before.updated_at) : null });
        return writeVersion(s.engine, s.audit, spec, before, next, at, deleted ? 'delete' : 'restore');
      },
      (e) => ({ kind, id, campaign_id: e.campaign_id ?? null, action: deleted ? 'delete' : 'restore' }),
    );
  }

  /**
   * The text an entry was last saved as (through `create`/`update` with `text`), if no other change
   * came after it; undefined otherwise — then the entry's text is written out afresh.
   */
  entryText(kind: EntityKind, id: string): Promise<string | undefined> {
    const spec = specOf(kind);
    return this.runner.read(({ engine }) => {
      if (!hasTextTable(engine)) return undefined;
      const row = engine.get(`SELECT t.text AS text FROM entity_texts t JOIN ${spec.table} e ON e.id = t.entity_id AND e.version = t.entity_version WHERE t.kind = ? AND t.entity_id = ?`, [kind, id]);
      return row ? String(row.text) : undefined;
    });
  }

  /** How many live entities of a kind there are (in one campaign, or in the shared library with `null`). */
  count(kind: EntityKind, opts: { campaign_id?: string | null } = {}): Promise<number> {
    const spec = specOf(kind);
    return this.runner.read(({ engine }) => {
      if (opts.campaign_id === null && spec.scope !== 'none') return Number(engine.get(`SELECT count(*) AS n FROM ${spec.table} WHERE deleted_at IS NULL AND campaign_id IS NULL`)?.n ?? 0);
      return countRows(engine, spec, opts.campaign_id ?? undefined);
    });
  }

  /**
   * Moves an entity to another campaign (`null`: the shared library, for kinds that allow it) in
   * one durable step. A location takes its sub-locations along and leaves its parent behind.
   */
  move(kind: EntityKind, id: string, campaignId: string | null, opts: UpdateOptions = {}): Promise<Entity> {
    const spec = specOf(kind);
    return this.runner.write(
      (s, at) => {
        if (spec.scope === 'none') throw new VaultError('invalid', 'move of a campaign', { hint: 'A campaign cannot be moved into another campaign.' });
        const { before: root } = current(s.engine, spec, id);
        if (root.deleted_at !== null) throw new VaultError('invalid', 'move of deleted entity', { hint: `${capital(spec.label)} ${quoteName(root.name)} is in the trash; restore it first.` });
        if (opts.expectedVersion !== undefined && opts.expectedVersion !== root.version) throw conflict(spec, root, opts.expectedVersion);
        const target = checkCampaign(s.engine, spec, campaignId);
        if (target === (root.campaign_id ?? null)) return root;
        // The location and everything inside it, parents before children.
        const moving: Entity[] = [root];
        if (kind === 'location') {
          for (let i = 0; i < moving.length; i++) {
            for (const r of s.engine.all(`SELECT * FROM ${spec.table} WHERE parent_id = ? AND deleted_at IS NULL`, [moving[i]!.id])) moving.push(rowToEntity(spec, r));
          }
        }
        let moved: Entity = root;
        for (const before of moving) {
          const body = bodyOf(before);
          if (before.id === root.id && kind === 'location') delete body.parent_id;
          const after = writeVersion(s.engine, s.audit, spec, before, successor(before, at, body, { campaign_id: target }), at, 'update', { moved_to: target });
          if (before.id === root.id) moved = after;
        }
        return moved;
      },
      (e) => ({ kind, id, campaign_id: e.campaign_id ?? null, action: 'update' }),
    );
  }

  /** Removes a trashed entity for good (a campaign takes everything in it along). */
  purge(kind: EntityKind, id: string): Promise<void> {
    const spec = specOf(kind);
    return this.runner.write(
      (s, at) => {
        const { before } = current(s.engine, spec, id);
        if (before.deleted_at === null) throw new VaultError('invalid', 'purge of live entity', { hint: `Move ${quoteName(before.name)} to the trash before deleting it for good.` });
        const children = kind === 'campaign' ? ENTITY_KINDS.filter((k) => KINDS[k].scope !== 'none').flatMap((k) => listRows(s.engine, KINDS[k], { campaign_id: id, include_deleted: true }).map((r) => rowToEntity(KINDS[k], r))) : [];
        deleteRow(s.engine, spec, id);
        for (const e of [...children, before]) dropText(s.engine, e.kind, e.id);
        for (const c of children) s.audit.record(s.engine, at, 'purge', { kind: c.kind, id: c.id, before: c, detail: { with_campaign: id } });
        s.audit.record(s.engine, at, 'purge', { kind, id, before });
      },
      () => ({ kind, id, action: 'purge' }),
    );
  }

  /**
   * Puts one entry back as it was in a backup (`row` is its table row there), keeping its id: an
   * entry that still exists gets the old content as a new version; one purged since is inserted
   * again. Its campaign (and a location's parent) must still exist.
   */
  restoreRow(kind: EntityKind, row: Readonly<Record<string, unknown>>, text?: string): Promise<Entity> {
    const spec = specOf(kind);
    return this.runner.write(
      (s, at) => {
        const old = rowToEntity(spec, row as Row);
        const body = JSON.parse(String(row.body)) as Record<string, unknown>;
        checkBody(spec, body);
        const campaignId = spec.scope === 'none' ? null : (old.campaign_id ?? null);
        if (campaignId !== null && !selectRow(s.engine, KINDS.campaign, campaignId)) {
          throw new VaultError('invalid', 'campaign gone', { hint: `The campaign of ${spec.label} ${quoteName(old.name)} no longer exists; restore the whole vault, or the campaign first.` });
        }
        checkParent(s.engine, spec, old.id, body, campaignId);
        const currentRow = selectRow(s.engine, spec, old.id);
        const current = currentRow ? rowToEntity(spec, currentRow) : undefined;
        const stored: StoredEntity = {
          id: old.id,
          campaign_id: campaignId,
          body,
          version: current ? current.version + 1 : old.version,
          created_at: current?.created_at ?? old.created_at,
          updated_at: laterOf(at, current?.updated_at ?? old.updated_at),
          deleted_at: null,
        };
        if (current) {
          if (!updateEntity(s.engine, spec, stored, current.version)) throw conflict(spec, current, current.version);
        } else insertEntity(s.engine, spec, stored);
        const after = rowToEntity(spec, selectRow(s.engine, spec, old.id)!);
        s.audit.record(s.engine, at, 'restore-backup', { kind, id: old.id, ...(current ? { before: current } : {}), after });
        if (text !== undefined) storeText(s.engine, kind, old.id, after.version, text);
        return after;
      },
      (e) => ({ kind, id: e.id, campaign_id: e.campaign_id ?? null, action: 'restore-backup' }),
    );
  }
}
