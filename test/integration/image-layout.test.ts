// The image as the Dockerfile builds it, without a Docker engine: its build stage's COPY and RUN lines are
// carried out in a temporary folder (WORKDIR /src), its final stage's COPY --from=build lines assemble the
// runtime folder, and the ENTRYPOINT is started there. That proves the production-only dependencies and
// the three compiled folders are all the server needs (an ESM import that is missing fails at load).
// The helm stage (a Go build) is left out: the sandbox's helm is built the same way by build-binaries.sh.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sandboxPaths } from '../cluster/paths.js';
import { SERVER_NODE_FLAGS } from '../cluster/sandbox.js';

const run = promisify(execFile);

interface Stage { name: string; instructions: Array<{ op: string; args: string }> }

/** The Dockerfile's stages and instructions, with `\` continuations joined and comments dropped. */
function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const joined = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  for (const line of joined) {
    const [, op, args] = /^(\w+)\s+(.*)$/.exec(line) ?? [];
    if (!op) continue;
    if (op === 'FROM') stages.push({ name: /\sAS\s+(\S+)$/i.exec(args!)?.[1] ?? `stage${stages.length}`, instructions: [] });
    else stages.at(-1)?.instructions.push({ op, args: args! });
  }
  return stages;
}

describe('the container image layout', () => {
  let work: string;
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('builds as the Dockerfile says and the entry point loads with production dependencies only', async () => {
    const root = sandboxPaths().root;
    const stages = parseDockerfile(await readFile(join(root, 'Dockerfile'), 'utf8'));
    expect(stages.map((s) => s.name)).toEqual(['helm', 'build', 'stage2']);
    const [, build, final] = stages as [Stage, Stage, Stage];
    work = await mkdtemp(join(tmpdir(), 'kiosk-image-'));
    const src = join(work, 'src');
    const app = join(work, 'app');
    await mkdir(src);
    await mkdir(app);

    for (const { op, args } of build.instructions) {
      if (op === 'WORKDIR') expect(args).toBe('/src');
      if (op === 'COPY') {
        const parts = args.split(/\s+/);
        const dest = parts.pop()!;
        for (const from of parts) await cp(join(root, from), join(src, dest === './' ? from : dest), { recursive: true });
      }
      if (op === 'RUN') await run('sh', ['-c', args], { cwd: src, timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
    }
    let entrypoint: string[] = [];
    let user = '';
    for (const { op, args } of final.instructions) {
      if (op === 'COPY' && args.startsWith('--from=build ')) {
        const [from, dest] = args.slice('--from=build '.length).split(/\s+/) as [string, string];
        await cp(join(src, from.replace(/^\/src\/?/, '')), join(app, dest === './' ? from.split('/').pop()! : dest), { recursive: true });
      }
      if (op === 'USER') user = args;
      if (op === 'ENTRYPOINT') entrypoint = JSON.parse(args) as string[];
    }
    expect(user).toBe('65532:65532');
    // No development dependency made it in (jest, typescript, eslint are dev-only).
    for (const dev of ['jest', 'typescript', 'eslint']) await expect(readFile(join(app, 'node_modules', dev, 'package.json'))).rejects.toThrow('ENOENT');
    // The sandbox runs the server with the image's Node flags (prototype access disabled among them).
    expect(entrypoint).toEqual(['node', ...SERVER_NODE_FLAGS, 'dist/apiserver/main.js']);
    // With no flags the server loads every module, then refuses to start without a certificate.
    const started = await run(entrypoint[0] === 'node' ? process.execPath : entrypoint[0]!, entrypoint.slice(1), { cwd: app, timeout: 30_000 })
      .then(() => ({ code: 0, stderr: '' }), (err: unknown) => ({ code: (err as { code?: number }).code, stderr: (err as { stderr?: string }).stderr ?? '' }));
    expect(started.code).toBe(1);
    expect(started.stderr).toContain('a serving certificate is required: --cert-secret, or --tls-cert-file and --tls-private-key-file');
    expect(started.stderr).not.toContain('ERR_MODULE_NOT_FOUND');
  }, 600_000);
});
