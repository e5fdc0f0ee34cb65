import { promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';
import type { StateStore } from '../core/ports';
import { NodeFileStore } from './fileStore';

/**
 * Per-machine state kept outside every vault folder (rollback detection), one small JSON file.
 * The extension keeps it in its global storage folder; the command-line tool in
 * $XDG_STATE_HOME/campaign-vault (or ~/.local/state/campaign-vault).
 */
export class NodeStateStore implements StateStore {
  private readonly files: NodeFileStore;
  private cache: Record<string, string> | undefined;

  constructor(dir: string) {
    this.files = new NodeFileStore(dir);
  }

  static defaultDir(): string {
    const base = process.env.XDG_STATE_HOME || path.join(homedir(), '.local', 'state');
    return path.join(base, 'campaign-vault');
  }

  private async load(): Promise<Record<string, string>> {
    if (!this.cache) {
      const bytes = await this.files.readIfExists('state.json');
      try {
        this.cache = bytes ? (JSON.parse(new TextDecoder().decode(bytes)) as Record<string, string>) : {};
      } catch {
        this.cache = {};
      }
    }
    return this.cache;
  }

  async get(key: string): Promise<string | undefined> {
    // Re-read each time: another window or the CLI may have moved a vault forward.
    this.cache = undefined;
    return (await this.load())[key];
  }

  async set(key: string, value: string): Promise<void> {
    this.cache = undefined;
    const all = { ...(await this.load()), [key]: value };
    await fs.mkdir(this.files.root, { recursive: true });
    await this.files.writeAtomic('state.json', new TextEncoder().encode(JSON.stringify(all)));
    this.cache = all;
  }
}
