import { randomBytes } from 'node:crypto';
import type { Clock, Logger, Random } from '../core/ports';

export const systemClock: Clock = { now: () => Date.now() };

export const secureRandom: Random = {
  bytes: (length) => new Uint8Array(randomBytes(length)),
};

/** A {@link Logger} on stderr, for the command-line tool and scripts. */
export function stderrLogger(minLevel: 'debug' | 'info' | 'warn' = 'warn', component?: string): Logger {
  const order = { trace: 0, debug: 1, info: 2, warn: 3, error: 4 } as const;
  const write = (level: keyof typeof order, message: string | Error, args: unknown[]) => {
    if (order[level] < order[minLevel]) return;
    const text = message instanceof Error ? (message.stack ?? message.message) : message;
    process.stderr.write(`${level}${component ? ` [${component}]` : ''} ${text}${args.length ? ` ${args.map(String).join(' ')}` : ''}\n`);
  };
  return {
    trace: (m, ...a) => write('trace', m, a),
    debug: (m, ...a) => write('debug', m, a),
    info: (m, ...a) => write('info', m, a),
    warn: (m, ...a) => write('warn', m, a),
    error: (m, ...a) => write('error', m, a),
    child: (c) => stderrLogger(minLevel, component ? `${component}/${c}` : c),
  };
}
