// Types for harness.mjs, so the TypeScript UI tests can use it.
import type { ChildProcess } from 'node:child_process';
import type { BrowserContext, Page } from 'playwright-core';

export type VersionName = 'newest' | 'minimum';
export const VERSIONS: Record<VersionName, { codeServer: string; vscode: string; node: string }>;
export const CHROMIUM: string;
export const WORKBENCH_SETTINGS: Record<string, unknown>;

export interface CodeServer {
  which: VersionName;
  codeServer: string;
  vscode: string;
  dir: string;
  entry: string;
  node: string;
}
export interface RunDir {
  runDir: string;
  userDataDir: string;
  extensionsDir: string;
  xdgConfig: string;
  xdgData: string;
  tmp: string;
  config: string;
  env: NodeJS.ProcessEnv;
}
export interface RunningServer {
  url: string;
  port: number;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  stop(): Promise<void>;
}

export function toolsDir(root: string): string;
export function codeServer(root: string, which: string): CodeServer;
export function freePort(): Promise<number>;
export function prepareRunDir(runDir: string, dirs?: { userDataDir?: string; extensionsDir?: string }): RunDir;
export function installVsix(cs: CodeServer, run: RunDir, vsix: string): string;
export function linkExtension(root: string, run: RunDir): string;
export function startCodeServer(
  cs: CodeServer,
  run: RunDir,
  options?: { folder?: string; port?: number; extraArgs?: string[]; log?: (s: string) => void },
): Promise<RunningServer>;
export function launchBrowser(run: RunDir, options?: { viewport?: { width: number; height: number } }): Promise<BrowserContext>;
export function waitForWorkbench(page: Page, timeout?: number): Promise<void>;
export function openCampaignVaultView(page: Page): Promise<void>;
export function copyWorkspace(source: string, run: RunDir, name?: string): string;
