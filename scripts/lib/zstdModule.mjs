// An esbuild plugin for bundles that load packages from node_modules (the tests, the benchmark).
// src/core/backup/codec.ts reaches @bokuweb/zstd-wasm's emscripten Module by its file path (the
// package exports only functions that copy every output into a fresh array). Bundled with the
// package (the extension, the CLI, the worker) both are one module; where the package stays
// external, that import must stay external too, as the very file the package loads, or it would
// be a second, never initialised instance.
import { resolve } from 'node:path';

export function zstdModuleExternal() {
  return {
    name: 'zstd-module-external',
    setup(build) {
      build.onResolve({ filter: /@bokuweb\/zstd-wasm\/dist\/common\/module$/ }, (args) => ({ path: `${resolve(args.resolveDir, args.path)}.js`, external: true }));
    },
  };
}
