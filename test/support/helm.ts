import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { sandboxPaths } from '../cluster/paths.js';

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the helm built into the binary cache beside the control plane; never throws on a non-zero exit. */
export function helm(args: string[]): Promise<HelmResult> {
  return new Promise((resolve) => {
    execFile(join(sandboxPaths().bin, 'helm'), args, { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
