// Timing, percentiles, memory sampling and the machine description for `npm run bench`.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const now = (): number => performance.now();

/** Nearest-rank percentile of an unsorted sample (ms). */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export interface Summary {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export function summarize(samples: readonly number[]): Summary {
  const mean = samples.reduce((a, b) => a + b, 0) / Math.max(1, samples.length);
  return { n: samples.length, p50: percentile(samples, 50), p99: percentile(samples, 99), max: Math.max(...samples), mean };
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

/** Times `fn` once (ms). */
export async function time<T>(fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const t0 = now();
  const value = await fn();
  return { ms: now() - t0, value };
}

export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface MemoryPeak {
  /** Highest resident set size seen while the phase ran (MiB). */
  readonly rssMiB: number;
  /** Highest V8 heap + external memory (Buffers, ArrayBuffers and sql.js's wasm memory) seen (MiB). */
  readonly heapMiB: number;
  /** RSS when the phase started (MiB), so the growth can be read off. */
  readonly rssStartMiB: number;
}

const MiB = 1024 * 1024;

/**
 * Samples memory every 20 ms while a phase runs (sampling needs the event loop, so long synchronous
 * stretches are seen at their end; the process-wide peak RSS from getrusage backs it up).
 */
export class MemorySampler {
  private rss = 0;
  private heap = 0;
  private readonly start: number;
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.start = process.memoryUsage.rss();
    this.sample();
    this.timer = setInterval(() => this.sample(), 20);
  }

  sample(): void {
    const m = process.memoryUsage();
    this.rss = Math.max(this.rss, m.rss);
    this.heap = Math.max(this.heap, m.heapUsed + m.external);
  }

  stop(): MemoryPeak {
    this.sample();
    clearInterval(this.timer);
    return { rssMiB: this.rss / MiB, heapMiB: this.heap / MiB, rssStartMiB: this.start / MiB };
  }
}

export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly ramGiB: number;
  readonly node: string;
  readonly os: string;
  /** File system holding the temporary vaults and reference databases. */
  readonly fs: string;
  readonly tmp: string;
}

function fileSystemOf(dir: string): string {
  try {
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' '))
      .filter((f) => f.length > 2);
    let best: string[] | undefined;
    const abs = path.resolve(dir);
    for (const m of mounts) {
      const at = m[1]!;
      if ((abs === at || abs.startsWith(at.endsWith('/') ? at : `${at}/`)) && (!best || at.length > best[1]!.length)) best = m;
    }
    return best ? `${best[2]} (${best[0]} on ${best[1]})` : 'unknown';
  } catch {
    return 'unknown';
  }
}

function osName(): string {
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
    if (pretty) return `${pretty}, ${os.type()} ${os.release()} ${os.arch()}`;
  } catch {
    // not Linux
  }
  return `${os.type()} ${os.release()} ${os.arch()}`;
}

function cpuName(): string {
  const model = os.cpus()[0]?.model?.trim() ?? 'unknown';
  try {
    // lscpu knows the family name where /proc/cpuinfo only says "AMD EPYC" on some virtual machines.
    const out = execFileSync('lscpu', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const name = /^Model name:\s*(.+)$/m.exec(out)?.[1]?.trim();
    if (name && name.length > model.length) return name;
  } catch {
    // no lscpu
  }
  return model;
}

export function machine(tmp: string): Machine {
  return {
    cpu: cpuName(),
    cores: os.availableParallelism?.() ?? os.cpus().length,
    ramGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: osName(),
    fs: fileSystemOf(tmp),
    tmp,
  };
}
