import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { sandboxPaths } from './paths.js';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlOptions {
  kubeconfig?: string;
  stdin?: string;
  timeoutMs?: number;
  /** Extra environment, e.g. KUBE_EDITOR for `kubectl edit`. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs the sandbox's kubectl (built with the control plane, so client and server versions match)
 * against the admin kubeconfig unless told otherwise. Never throws on a non-zero exit: tests assert on it.
 */
export function kubectl(args: string[], options: KubectlOptions = {}): Promise<KubectlResult> {
  const paths = sandboxPaths();
  return runCachedBinary('kubectl', ['--kubeconfig', options.kubeconfig ?? paths.adminKubeconfig, ...args], options);
}

/** Runs a binary of the cache (kubectl, helm); never throws on a non-zero exit, resolves with its code. */
export function runCachedBinary(name: string, args: string[], options: Omit<KubectlOptions, 'kubeconfig'> = {}): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = execFile(join(sandboxPaths().bin, name), args,
      { timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...options.env } },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    if (options.stdin !== undefined) child.stdin?.end(options.stdin);
  });
}

/** Like kubectl(), but fails with kubectl's own error output when the command does not succeed. */
export async function kubectlOk(args: string[], options: KubectlOptions = {}): Promise<string> {
  const r = await kubectl(args, options);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}
