import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS } from '../../src/vscode/commands/ids';

const root = join(__dirname, '../../..');
const rawManifest = readFileSync(join(root, 'package.json'), 'utf8');
const nls = JSON.parse(readFileSync(join(root, 'package.nls.json'), 'utf8')) as Record<string, string>;
/** package.json as VS Code shows it: every `%key%` replaced by its text from package.nls.json. */
const manifest = JSON.parse(rawManifest, (_key, value: unknown) => {
  if (typeof value !== 'string') return value;
  const m = /^%([\w.-]+)%$/.exec(value);
  return m ? nls[m[1]!] : value;
});

describe('package.json contributions', () => {
  it('targets VS Code 1.100 and later', () => {
    assert.equal(manifest.engines.vscode, '^1.100.0');
  });

  it('contributes exactly the commands the code defines, each with a title and the category', () => {
    const contributed = manifest.contributes.commands.map((c: { command: string }) => c.command).sort();
    assert.deepEqual(contributed, Object.values(COMMANDS).sort());
    for (const c of manifest.contributes.commands) {
      assert.equal(c.category, 'Campaign Vault', `${c.command} has no category`);
      assert.ok(c.title, `${c.command} has no title`);
    }
  });

  it('refers in menus and welcome views only to commands that exist', () => {
    const known = new Set<string>(Object.values(COMMANDS));
    for (const [menu, items] of Object.entries(manifest.contributes.menus ?? {})) {
      for (const item of items as { command: string }[]) assert.ok(known.has(item.command), `${menu} names unknown ${item.command}`);
    }
    for (const w of manifest.contributes.viewsWelcome) {
      for (const [, id] of (w.contents as string).matchAll(/\(command:([\w.]+)\)/g)) {
        assert.ok(known.has(id!) || id!.startsWith('workbench.'), `welcome view names unknown ${id}`);
      }
    }
  });

  it('has an activity-bar container with an icon file, holding the Campaigns, Backups and Integrity views with welcome content', () => {
    const [container] = manifest.contributes.viewsContainers.activitybar;
    assert.equal(container.title, 'Campaign Vault');
    assert.ok(existsSync(join(root, container.icon)), `missing ${container.icon}`);
    assert.deepEqual(manifest.contributes.views[container.id].map((v: { id: string; name: string }) => v.name), ['Campaigns', 'Backups', 'Integrity']);
    for (const view of ['campaignVault.campaigns', 'campaignVault.backups', 'campaignVault.integrity']) {
      assert.ok(manifest.contributes.viewsWelcome.some((w: { view: string }) => w.view === view), `no welcome content for ${view}`);
    }
  });

  it('takes every user-visible string from package.nls.json, each key defined and used', () => {
    const used = new Set([...rawManifest.matchAll(/"%([\w.-]+)%"/g)].map((m) => m[1]!));
    assert.ok(used.size > 50, `only ${used.size} localized strings`);
    assert.deepEqual([...used].filter((k) => nls[k] === undefined), [], 'keys without text in package.nls.json');
    assert.deepEqual(Object.keys(nls).filter((k) => !used.has(k)), [], 'texts package.json never uses');
    for (const c of JSON.parse(rawManifest).contributes.commands as { title: string }[]) assert.match(c.title, /^%.+%$/, 'a command title written in package.json');
  });

  it('ships through an allowlist .vscodeignore', () => {
    const lines = readFileSync(join(root, '.vscodeignore'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    assert.equal(lines[0], '**');
    // Only re-inclusions, and exclusions inside what was re-included (the CLI bundle in dist/).
    assert.ok(lines.slice(1).every((l) => l.startsWith('!') || l.startsWith('dist/')), lines.join('\n'));
  });

  it('ships THIRD-PARTY-NOTICES.txt with the licence of every npm package in dist/, and the IJG attribution', () => {
    const notices = readFileSync(join(root, 'dist/THIRD-PARTY-NOTICES.txt'), 'utf8');
    for (const name of ['sql.js', '@noble/ciphers', 'hash-wasm', 'fflate', 'yaml', 'minisearch', 'pdfjs-dist', '@jsquash/png', '@jsquash/jpeg', '@jsquash/webp']) {
      assert.match(notices, new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\d`, 'm'), `${name} is named`);
    }
    assert.match(notices, /based in part on the work of the Independent JPEG Group/);
    assert.match(notices, /Apache License/);
  });
});
