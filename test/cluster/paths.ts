import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Kubernetes release the sandbox runs; the binaries are built from its published Go modules. */
export const K8S_VERSION = '1.36.3';

/** The repository root: the nearest folder above this file (source or dist/) that holds package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot locate the repository root (no package.json above this file)');
    dir = parent;
  }
  return dir;
}

export interface SandboxPaths {
  root: string;
  sandbox: string;
  pki: string;
  logs: string;
  etcdData: string;
  state: string;
  adminKubeconfig: string;
  serverKubeconfig: string;
  cacheRoot: string;
  bin: string;
  buildScript: string;
  serverEntry: string;
  manifests: string;
}

export function sandboxPaths(env: NodeJS.ProcessEnv = process.env): SandboxPaths {
  const root = repoRoot();
  const sandbox = env.KIOSK_SANDBOX_DIR ? resolve(env.KIOSK_SANDBOX_DIR) : join(root, '.sandbox');
  const cacheRoot = env.KIOSK_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kiosk-next');
  return {
    root,
    sandbox,
    pki: join(sandbox, 'pki'),
    logs: join(sandbox, 'logs'),
    etcdData: join(sandbox, 'etcd'),
    state: join(sandbox, 'state.json'),
    adminKubeconfig: join(sandbox, 'admin.kubeconfig'),
    serverKubeconfig: join(sandbox, 'server.kubeconfig'),
    cacheRoot,
    bin: join(cacheRoot, `k8s-v${K8S_VERSION}`, 'bin'),
    buildScript: join(root, 'test', 'cluster', 'build-binaries.sh'),
    serverEntry: join(root, 'dist', 'apiserver', 'main.js'),
    manifests: join(root, 'manifests'),
  };
}
