/** Runs the UI tests (plain Node driving chromium): `CV_VSCODE=newest CV_VSIX=… node out/test/e2e/index.js`. */
import { runMocha } from '../support/runMocha';

void runMocha(__dirname, { timeout: 60_000 }).then((failures) => {
  process.exitCode = failures > 0 ? 1 : 0;
});
