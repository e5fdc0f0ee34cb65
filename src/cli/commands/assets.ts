// Assets (docs/FILES.md): `asset add | list | get | remove` — maps, portraits, handouts and sounds,
// stored once and encrypted, with the facts of their header.
import { constants as fsConstants } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import * as path from 'node:path';
import type { Entity } from '../../core/api';
import { formatDuration } from '../../core/assets/audio';
import { DEFAULT_THUMBNAIL, MAX_THUMBNAIL, MIN_THUMBNAIL } from '../../core/assets/thumbnail';
import type { AssetType } from '../../core/files/sniff';
import { VaultError } from '../../core/errors';
import { quoteName } from '../../core/paths';
import { CliError, type Context } from '../context';
import { toJson } from '../format';
import { UsageError } from '../values';
import { CAMPAIGN, campaignId, list, readBytes, size, str, type Command } from './common';

const TYPES: readonly AssetType[] = ['image', 'map', 'handout', 'pdf', 'audio', 'other'];

function assetType(v: string | undefined): AssetType | undefined {
  if (v === undefined) return undefined;
  if (!(TYPES as readonly string[]).includes(v)) throw new UsageError(`--type is one of ${TYPES.join(', ')}.`);
  return v as AssetType;
}

function thumbnailSize(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < MIN_THUMBNAIL || n > MAX_THUMBNAIL) throw new UsageError(`--size is a whole number of pixels from ${MIN_THUMBNAIL} to ${MAX_THUMBNAIL}, not ${JSON.stringify(v)}.`);
  return n;
}

function facts(a: Entity): Record<string, unknown> {
  return {
    id: a.id,
    name: a.name,
    type: a.asset_type ?? null,
    mime: a.mime ?? null,
    size: a.size ?? null,
    width: a.width ?? null,
    height: a.height ?? null,
    ...(a.orientation ? { orientation: a.orientation } : {}),
    ...(a.has_location ? { has_location: true } : {}),
    ...(typeof a.duration === 'number' ? { duration: a.duration } : {}),
    ...(typeof a.page_count === 'number' ? { page_count: a.page_count } : {}),
    tags: Array.isArray(a.tags) ? a.tags : [],
    hash: a.hash ?? null,
    campaign_id: a.campaign_id ?? null,
  };
}

function line(a: Entity): string {
  const dims = typeof a.width === 'number' && typeof a.height === 'number' ? ` · ${a.width} × ${a.height}` : '';
  const tags = Array.isArray(a.tags) && a.tags.length > 0 ? ` · #${a.tags.join(' #')}` : '';
  const where = a.has_location ? ' · has a GPS position' : '';
  const length = typeof a.duration === 'number' ? ` · ${formatDuration(a.duration)}` : typeof a.page_count === 'number' ? ` · ${a.page_count} page${a.page_count === 1 ? '' : 's'}` : '';
  return `${a.name} · ${String(a.asset_type ?? 'other')}${dims}${length} · ${size(Number(a.size ?? 0))}${tags}${where} · ${String(a.hash ?? '').slice(0, 12)}\n`;
}

/** Writes `data` to `file`, which must not exist yet, through a temporary file beside it. */
async function writeNew(file: string, data: Uint8Array): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  let handle;
  try {
    handle = await open(file, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(1, code === 'EEXIST' ? `${file} exists already; nothing was written (remove it or choose another --out).` : `Cannot write ${file}: ${code ?? String(e)}.`);
  }
  await handle.close();
  try {
    const out = await open(tmp, 'w');
    try {
      await out.writeFile(data);
      await out.sync();
    } finally {
      await out.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    await rm(file, { force: true });
    throw e;
  }
}

export const ASSET_COMMANDS = {
  asset: {
    args: 'add <file…> [--name <name>] [--campaign <name|id>] [--type <type>] [--tag <tag>]… [--without-location] | list [--type <type>] [--tag <tag>] | get <name|id> --out <file> | thumbnail <name|id> [--size 256] --out <file> | remove <name|id>',
    summary: 'add maps, portraits, handouts and sounds (prints their ids), list them, write one out, or move one to the trash',
    help: [
      'add <file…>           stores each file (encrypted, once) with its type, pixel size and orientation, a sound’s duration,',
      '                      a PDF’s page count; prints the new ids',
      '  --name <name>       the asset’s name (one file only; default: the file’s name)',
      '  ' + CAMPAIGN,
      `  --type <type>       what it is for: ${TYPES.join(', ')} (default: by content)`,
      '  --tag <tag>         a tag (repeat for more)',
      '  --without-location  store a copy without the GPS position a photo holds (pixels untouched)',
      'list                  the assets: name · type · width × height or duration or pages · size · tags · hash (--json: all fields)',
      '  --type, --tag       only those of this type, with this tag',
      'get <name|id> --out <file>   writes the asset’s file (checked) to a new file',
      'thumbnail <name|id> --out <file>   writes its thumbnail (WebP, upright) to a new file',
      `  --size <pixels>     the longer side, ${MIN_THUMBNAIL}–${MAX_THUMBNAIL} (default ${DEFAULT_THUMBNAIL}); never enlarged`,
      '                      PNG, JPEG and WebP only: SVG, PDF pages and sounds are drawn by the gallery',
      'remove <name|id>      moves the asset to the trash (restore brings it back)',
      'A header that claims more than 16384 × 16384 pixels, or is damaged, is refused; nothing is stored.',
    ],
    options: { name: { type: 'string' }, campaign: { type: 'string' }, type: { type: 'string' }, tag: { type: 'string', multiple: true }, 'without-location': { type: 'boolean' }, out: { type: 'string' }, size: { type: 'string' } },
    positionals: [1, 10_000],
    async run(ctx: Context, values, [sub, ...args]) {
      const type = assetType(str(values.type));
      const tags = list(values.tag);
      if (sub === 'add') {
        if (args.length === 0) throw new UsageError('Give the files to add: asset add <file…>.');
        if (str(values.name) !== undefined && args.length > 1) throw new UsageError('--name goes with one file; several files are named after themselves.');
        const files = await Promise.all(args.map(async (f) => ({ file: f, data: await readBytes(f) })));
        const dm = await ctx.open('write');
        const cid = str(values.campaign) === undefined ? undefined : await campaignId(dm, str(values.campaign)!);
        // Every header is checked before the first file is stored.
        for (const { file, data } of files) {
          try {
            dm.assets.inspect(data);
          } catch (e) {
            if (e instanceof VaultError) throw new VaultError(e.code, e.message, { cause: e, hint: `${file}: ${e.userMessage} Nothing was added.` });
            throw e;
          }
        }
        const added = [];
        for (const { file, data } of files) {
          const r = await dm.assets.add(data, {
            name: str(values.name) ?? path.basename(file),
            ...(cid !== undefined ? { campaign_id: cid } : {}),
            ...(type ? { asset_type: type } : {}),
            ...(tags.length ? { tags } : {}),
            withoutLocation: values['without-location'] === true,
          });
          added.push(r);
          if (!ctx.json) {
            ctx.out.write(`${r.asset.id}\n`);
            if (r.locationRemoved) ctx.note.write(`${quoteName(r.asset.name)}: stored without its GPS position.\n`);
            else if (r.image?.hasLocation) ctx.note.write(`${quoteName(r.asset.name)} holds a GPS position (where it was taken); add it with --without-location to store a copy without.\n`);
            if (r.image?.hasScript) ctx.note.write(`${quoteName(r.asset.name)} is an SVG with script in it; Campaign Vault never runs it.\n`);
          }
        }
        if (ctx.json) ctx.out.write(toJson(added.map((r) => ({ ...facts(r.asset), location_removed: r.locationRemoved }))));
        return;
      }
      if (sub === 'list') {
        if (args.length > 0) throw new UsageError('asset list takes no names; filter with --type, --tag or --campaign.');
        const dm = await ctx.open('read');
        const cid = str(values.campaign) === undefined ? undefined : await campaignId(dm, str(values.campaign)!);
        const rows = await dm.assets.list({ ...(cid !== undefined ? { campaign_id: cid } : {}), ...(type ? { asset_type: type } : {}), ...(tags[0] !== undefined ? { tag: tags[0] } : {}) });
        if (ctx.json) ctx.out.write(toJson(rows.map(facts)));
        else if (rows.length === 0) ctx.note.write('No assets.\n');
        else for (const a of rows) ctx.out.write(line(a));
        return;
      }
      if (sub === 'get' || sub === 'remove' || sub === 'thumbnail') {
        if (args.length !== 1) throw new UsageError(`asset ${sub} takes one name or id.`);
        const out = str(values.out);
        if (sub !== 'remove' && out === undefined) throw new UsageError(`Give the file to write: asset ${sub} <name|id> --out <file>.`);
        const pixels = thumbnailSize(str(values.size));
        if (pixels !== undefined && sub !== 'thumbnail') throw new UsageError('--size goes with asset thumbnail.');
        const dm = await ctx.open(sub === 'remove' ? 'write' : 'read');
        const cid = str(values.campaign) === undefined ? undefined : await campaignId(dm, str(values.campaign)!);
        let asset: Entity;
        try {
          asset = await dm.assets.get(args[0]!, cid);
        } catch {
          throw new CliError(4, `There is no asset ${quoteName(args[0]!)}${str(values.campaign) === undefined ? '' : ` in campaign ${quoteName(str(values.campaign)!)}`}.`);
        }
        if (sub === 'thumbnail') {
          const t = await dm.assets.thumbnail(asset, pixels ?? DEFAULT_THUMBNAIL);
          await writeNew(out!, t.data);
          if (!ctx.json) ctx.note.write(`Wrote a ${t.width} × ${t.height} thumbnail of ${quoteName(asset.name)} (WebP, ${size(t.data.length)}) to ${out}.\n`);
          else ctx.out.write(toJson({ id: asset.id, name: asset.name, mime: t.mime, width: t.width, height: t.height, size: t.data.length, out }));
          return;
        }
        if (sub === 'get') {
          await writeNew(out!, await dm.assets.read(asset));
          if (!ctx.json) ctx.note.write(`Wrote ${quoteName(asset.name)} (${size(Number(asset.size ?? 0))}) to ${out}.\n`);
          else ctx.out.write(toJson(facts(asset)));
          return;
        }
        await dm.delete('asset', asset.id);
        ctx.out.write(ctx.json ? toJson({ id: asset.id, deleted: true }) : `Moved ${quoteName(asset.name)} to the trash.\n`);
        return;
      }
      throw new UsageError(`"${sub}" is not an asset command: add, list, get, thumbnail or remove.`);
    },
  },
} satisfies Record<string, Command>;
