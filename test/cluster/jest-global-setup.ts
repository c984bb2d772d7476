// Starts the sandbox for the integration suites, or reuses one that is running (then only our server
// is restarted, so the tests run against the code just built). Teardown stops only what setup started.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sandboxPaths } from './paths.js';
import { restartServer, startSandbox } from './sandbox.js';

export const OWNER_MARKER = 'jest-owned';

export default async function globalSetup(): Promise<void> {
  const log = (line: string) => process.stderr.write(`[sandbox] ${line}\n`);
  const { state, reused } = await startSandbox(log);
  if (reused) {
    log('reusing the running sandbox; restarting the kiosk server from the current build');
    await restartServer(state);
  } else {
    await writeFile(join(sandboxPaths().sandbox, OWNER_MARKER), String(process.pid));
  }
}
