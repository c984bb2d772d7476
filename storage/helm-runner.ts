import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Runs `helm template` (never install: no release, no cluster access by helm). The values document goes
 * through a private temporary file, removed afterwards; output over 32 MiB or a run over 60 s fails.
 */
export class HelmRunner {
  constructor(private readonly binary: string) {}

  async template(args: string[], values: string | undefined): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'kiosk-helm-'));
    try {
      const valuesArgs: string[] = [];
      if (values !== undefined) {
        const file = join(dir, 'values.yaml');
        await writeFile(file, values, { mode: 0o600 });
        valuesArgs.push('--values', file);
      }
      return await new Promise<string>((resolve, reject) => {
        execFile(this.binary, [...args, ...valuesArgs], {
          timeout: 60_000, maxBuffer: 32 * 1024 * 1024,
          // helm keeps its repository cache and config in these; a private folder per run.
          env: { ...process.env, HELM_CACHE_HOME: join(dir, 'cache'), HELM_CONFIG_HOME: join(dir, 'config'), HELM_DATA_HOME: join(dir, 'data') },
        }, (err, stdout, stderr) => {
          if (err) reject(new Error((stderr || err.message).trim()));
          else resolve(stdout);
        });
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
