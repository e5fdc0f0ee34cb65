// npm start: builds the extension, makes sure the real VS Code (code-server) is installed, copies
// the sample campaign into .tools/sample-campaign (once; your changes there are kept), and serves
// the workbench with the extension on http://127.0.0.1:8080 until Ctrl+C.
//   npm start -- --screenshot out.png   saves a screenshot of the workbench with the Campaign Vault
//                                       view open, and exits (for machines without a screen)
//   npm start -- --vscode minimum       VS Code 1.100.3 instead of the newest (1.139.1)
//   npm start -- --port 9000 --folder <path>
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeServer, freePort, launchBrowser, linkExtension, openCampaignVaultView, prepareRunDir, startCodeServer, toolsDir, waitForWorkbench } from './lib/harness.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const option = (name) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const screenshot = option('screenshot');
const which = option('vscode') ?? 'newest';

function must(cmd, args, what) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`✘ ${what} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

must('bash', [join(root, 'scripts/setup.sh')], 'setup');
must(process.execPath, [join(root, 'esbuild.mjs')], 'build');

const cs = codeServer(root, which);
const tools = toolsDir(root);
const folder = option('folder') ? resolve(option('folder')) : join(tools, 'sample-campaign');
if (!option('folder') && !existsSync(folder)) {
  cpSync(join(root, 'test/fixtures/sample-campaign'), folder, { recursive: true });
  seedSampleVault(folder);
}

/**
 * The sample folder gets a vault (unencrypted, so the demo opens without a password) holding its
 * campaign: the heroes, NPCs and monsters imported from the folder's own files, its rulebook, map
 * and handouts, a few nested locations and the first session with its notes (citing a page of the
 * rulebook) — all through the command-line tool.
 */
function seedSampleVault(dir) {
  const cli = (...args) => {
    const r = spawnSync(process.execPath, [join(root, 'dist/cli.js'), ...args, '--dir', dir], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`campaign-vault ${args.join(' ')}: ${r.stderr.trim()}`);
    return r.stdout.trim();
  };
  const campaign = 'The Sundered Crown';
  try {
    cli('init', '--no-encryption');
    cli('import', join(dir, 'characters'), join(dir, 'npcs'), join(dir, 'monsters'), '--campaign', campaign, '--create-campaign');
    const coast = cli('create', 'location', '--name', 'Sword Coast', '--campaign', campaign, '--set', 'type=region');
    const town = cli('create', 'location', '--name', 'Phandalin', '--campaign', campaign, '--set', 'type=town', '--set', `parent_id=${coast}`);
    cli('create', 'location', '--name', 'Stonehill Inn', '--campaign', campaign, '--set', 'type=tavern', '--set', `parent_id=${town}`);
    cli('create', 'location', '--name', 'Cragmaw Hideout', '--campaign', campaign, '--set', 'type=dungeon', '--set', `parent_id=${coast}`);
    // The folder's rulebook, map and handouts, stored in the vault (encrypted when the vault is).
    cli('rulebook', 'add', join(dir, 'rulebooks/pdflatex-4-pages.pdf'), '--name', 'Sample Rules', '--campaign', campaign);
    cli('asset', 'add', join(dir, 'maps/azgaar-fmg-preview.png'), '--name', 'Map of the Realm', '--type', 'map', '--campaign', campaign, '--tag', 'world');
    cli('asset', 'add', join(dir, 'handouts/castle.png'), join(dir, 'handouts/dragon-head.png'), '--type', 'handout', '--campaign', campaign);
    // JSON is YAML: the session with the folder's Markdown notes, citing a page of the rulebook.
    const session = join(dir, '.session-01.json');
    const notes = `${readFileSync(join(dir, 'sessions/session-01.md'), 'utf8').trimEnd()}\n\nRules we looked up: [[Sample Rules#p2]].\n`;
    writeFileSync(session, JSON.stringify({ name: 'The Road to Phandalin', number: 1, date: '2026-11-20', status: 'played', notes }));
    try {
      cli('create', 'session', '--campaign', campaign, '--file', session);
    } finally {
      rmSync(session, { force: true });
    }
    console.log(`[start] the sample folder holds an unencrypted vault with the campaign "${campaign}"`);
  } catch (e) {
    console.error(`[start] could not fill the sample vault (the folder opens without it): ${e.message}`);
  }
}

// A persistent profile for interactive use; a throw-away one for screenshots.
const runDir = screenshot ? join(tools, 'runs', `screenshot-${process.pid}`) : join(tools, 'runs', `start-${which}`);
if (screenshot) rmSync(runDir, { recursive: true, force: true });
const run = prepareRunDir(runDir);
linkExtension(root, run);

const port = Number(option('port') ?? (screenshot ? await freePort() : 8080));
const server = await startCodeServer(cs, run, { folder, port });
const url = `${server.url}/?folder=${encodeURIComponent(folder)}`;

if (screenshot) {
  let code = 0;
  const browser = await launchBrowser(run);
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    await page.goto(url);
    await waitForWorkbench(page);
    await openCampaignVaultView(page);
    await page.locator('.statusbar-item', { hasText: /vault/i }).first().waitFor({ state: 'visible' });
    if (!option('folder')) await showSampleCampaign(page);
    await page.mouse.move(800, 450);
    await page.waitForTimeout(500);
    await page.screenshot({ path: resolve(screenshot) });
    console.log(`screenshot of VS Code ${cs.vscode} with Campaign Vault saved to ${resolve(screenshot)}`);
  } catch (e) {
    console.error(`✘ screenshot failed: ${e?.message ?? e}`);
    code = 1;
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop();
    rmSync(runDir, { recursive: true, force: true });
  }
  process.exit(code);
}

/** For the screenshot: the sample campaign unfolded in the tree, and a hero's YAML beside its sheet. */
async function showSampleCampaign(page) {
  const row = (label) => page.locator('.sidebar .monaco-list-row', { has: page.locator('.label-name', { hasText: new RegExp(`^${label.replace(/[()]/g, '\\$&')}$`) }) }).first();
  for (const label of ['The Sundered Crown', 'Characters', 'NPCs', 'Locations', 'Sword Coast']) {
    await row(label).waitFor({ state: 'visible', timeout: 15_000 });
    await row(label).click();
  }
  await row('Zanna (Gnome Wizard)').click();
  await page.locator('.tab', { hasText: 'Zanna (Gnome Wizard).yaml' }).waitFor({ state: 'visible' });
  await page.keyboard.press('F1');
  await page.locator('.quick-input-widget input').fill('>Campaign Vault: Open as Character Sheet');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Open as Character Sheet' }).first().waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
  await page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame').getByText('Spell save DC').first().waitFor({ state: 'visible' });
  await page.waitForTimeout(800);
}

console.log(`\nCampaign Vault is running in VS Code ${cs.vscode} (code-server ${cs.codeServer}) on the sample campaign:\n\n  ${url}\n\nPress Ctrl+C to stop.`);
const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
const { code, signal } = await server.exited;
console.error(`code-server exited (${code ?? signal})`);
process.exit(code ?? 1);
