import { existsSync } from 'node:fs';
import * as path from 'node:path';
import initSqlJs, { type SqlJsStatic } from 'sql.js';

let loading: Promise<SqlJsStatic> | undefined;

/**
 * Loads sql.js once per process. The wasm file sits beside the bundle (dist/sql-wasm.wasm, copied
 * by esbuild.mjs) or, when running from source or tests, in node_modules.
 */
export function loadSqlJs(): Promise<SqlJsStatic> {
  loading ??= initSqlJs({
    locateFile: (file: string) => {
      const beside = path.join(__dirname, file);
      return existsSync(beside) ? beside : require.resolve(`sql.js/dist/${file}`);
    },
  });
  return loading;
}
