/** Runs the unit tests (plain Node, no VS Code): `node out/test/unit/index.js`. */
import { runMocha } from '../support/runMocha';

void runMocha(__dirname, { timeout: 10_000 }).then((failures) => {
  process.exitCode = failures > 0 ? 1 : 0;
});
