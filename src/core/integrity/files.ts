import { createBLAKE3 } from 'hash-wasm';
import type { SqlJsStatic } from 'sql.js';
import { Engine } from '../db/engine';
import { VaultError } from '../errors';
import type { ReadBack } from '../vault/store';
import type { Found } from './database';

export interface FileCheckContext {
  readonly SQL: SqlJsStatic;
  /** The database open in this session, to compare with what the files on disk load. */
  readonly memory: Engine;
  /** Whether this session holds the writer lock (then a fresh snapshot can replace damaged files). */
  readonly writable: boolean;
}

/**
 * Findings about the files in `.campaign-vault/` as {@link VaultStore.readBack} re-read them:
 * damaged or unauthentic files, interrupted writes and leftovers, and whether the files load
 * exactly the database that is open. In a writable session the open database is sound (it was
 * loaded from authenticated files and changed only by acknowledged writes), so writing a fresh
 * snapshot of it — which every repair does — replaces damaged snapshots and journals.
 */
export async function checkFiles(read: ReadBack, ctx: FileCheckContext): Promise<Found[]> {
  const out: Found[] = [];
  const push = (code: string, severity: 'error' | 'warning' | 'info', message: string, where: string, fixable: boolean) =>
    out.push({ finding: { code, severity, message, where, fixable }, ...(fixable ? { fix: { type: 'checkpoint' as const } } : {}) });
  const freshCopy = ctx.writable ? ' Repair writes a fresh copy of the database that is open now, which replaces it.' : ' Open the vault for writing (close other windows using it) to repair it.';
  for (const f of read.files) {
    if (f.kind === 'gone') {
      push('vault.file-vanished', 'warning', 'A vault file disappeared while it was being checked: another program is changing the vault folder. Check again once it is done.', f.file, false);
    } else if (f.kind === 'header' && f.problem) {
      push('vault.header', 'error', `The key file (vault.json) does not authenticate: it was changed outside Campaign Vault or damaged (${f.problem}). The vault opens only while this window keeps it open; restore vault.json from a backup, or make a portable export now.`, f.file, false);
    } else if (f.kind === 'snapshot' && f.problem) {
      push('vault.snapshot-corrupt', 'error', `The saved database file is damaged (${f.problem}), so the vault would not open again.${freshCopy}`, f.file, ctx.writable);
    } else if (f.kind === 'journal' && f.problem) {
      push('vault.journal-corrupt', 'error', `A file of recent changes is damaged (${f.problem}), so the vault would not open again.${freshCopy}`, f.file, ctx.writable);
    } else if (f.kind === 'journal' && f.tornTail) {
      push('vault.journal-torn', 'info', `A save that was interrupted (a crash or a power cut) left an unfinished record at the end of a file of recent changes; it was never confirmed and was set aside, so nothing you saved is missing.${ctx.writable ? ' Repair tidies it away.' : ''}`, f.file, ctx.writable);
    } else if (f.kind === 'safety' && f.problem) {
      push('vault.safety-corrupt', 'warning', `The safety copy kept from before the last schema change or repair is damaged (${f.problem}); it could not be used to go back. The vault itself is not affected.${ctx.writable ? ' Repair replaces it with a copy of the database as it is now.' : ''}`, f.file, ctx.writable);
    } else if (f.kind === 'leftover') {
      push('vault.leftover', 'info', `A file left over from an earlier save (no longer needed; an interrupted write or a tidy-up that did not finish).${f.problem ? ' It is also damaged.' : ''}${ctx.writable ? ' Repair removes it.' : ''}`, f.file, ctx.writable);
    } else if (f.kind === 'unknown') {
      push('vault.unknown-file', 'info', 'A file that Campaign Vault did not write is in the database folder. It is ignored; move it elsewhere if you put it there.', f.file, false);
    }
  }
  if (read.loaded) {
    let disk: Engine | undefined;
    try {
      disk = Engine.load(ctx.SQL, read.loaded.snapshot, read.loaded.records);
      const [a, b] = [await contentDigest(ctx.memory), await contentDigest(disk)];
      if (a !== b) {
        if (ctx.writable) {
          push('vault.disk-differs', 'error', `The vault files on disk do not load exactly the database that is open: something changed them behind Campaign Vault's back.${freshCopy}`, 'database', true);
        } else {
          push('vault.disk-newer', 'info', 'Another window or program has saved changes since this window opened the vault; reload it to see them.', 'database', false);
        }
      }
    } catch (e) {
      push('vault.replay-failed', 'error', `The vault files on disk do not load: a recorded change no longer applies (${e instanceof VaultError ? e.message : String(e)}).${freshCopy}`, 'database', ctx.writable);
    } finally {
      disk?.close();
    }
  }
  return out;
}

/** A digest of every row of every table (schema included), independent of page layout. */
export async function contentDigest(engine: Engine): Promise<string> {
  const h = await createBLAKE3();
  h.init();
  const tables = engine.all("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
  for (const t of tables) {
    h.update(`\u0000table ${String(t.name)}\u0000${String(t.sql)}\u0000`);
    for (const r of engine.all(`SELECT * FROM "${String(t.name).replace(/"/g, '""')}" ORDER BY rowid`)) {
      h.update(JSON.stringify(Object.values(r).map((v) => (v instanceof Uint8Array ? { b: Array.from(v) } : v))));
      h.update('\u0000');
    }
  }
  return h.digest('hex');
}
