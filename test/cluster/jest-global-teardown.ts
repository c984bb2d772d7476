import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { OWNER_MARKER } from './jest-global-setup.js';
import { sandboxPaths } from './paths.js';
import { stopSandbox } from './sandbox.js';

/** Stops the sandbox only when this test run started it; a sandbox the developer started keeps running. */
export default async function globalTeardown(): Promise<void> {
  const marker = join(sandboxPaths().sandbox, OWNER_MARKER);
  if (!existsSync(marker)) return;
  await stopSandbox();
  await rm(marker, { force: true });
}
