import type * as vscode from 'vscode';
import type { Logger } from '../core/ports';

export const LOG_CHANNEL_NAME = 'Campaign Vault';

/** Adapts the extension's one LogOutputChannel to the core's {@link Logger}, with component tags. */
export function channelLogger(channel: vscode.LogOutputChannel, component?: string): Logger {
  const tag = (m: string) => (component ? `[${component}] ${m}` : m);
  return {
    trace: (m, ...a) => channel.trace(tag(m), ...a),
    debug: (m, ...a) => channel.debug(tag(m), ...a),
    info: (m, ...a) => channel.info(tag(m), ...a),
    warn: (m, ...a) => channel.warn(tag(m), ...a),
    error: (m, ...a) => (m instanceof Error ? channel.error(m, ...a) : channel.error(tag(m), ...a)),
    child: (c) => channelLogger(channel, component ? `${component}/${c}` : c),
  };
}
