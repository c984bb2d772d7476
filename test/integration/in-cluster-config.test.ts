// The server as a pod runs it: no --kubeconfig, the ServiceAccount's token, CA and namespace at
// /var/run/secrets/kubernetes.io/serviceaccount and KUBERNETES_SERVICE_HOST/PORT in the environment.
// The files are supplied in a private mount namespace (unshare), so the real path is read and nothing
// on the machine changes.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningComponent } from '../cluster/component.js';
import { isRunning, startComponent, stopComponent, waitReady } from '../cluster/component.js';
import { kubectlOk } from '../cluster/kubectl.js';
import { sandboxPaths } from '../cluster/paths.js';
import { pkiFiles } from '../cluster/pki.js';
import { freePorts } from '../cluster/ports.js';
import { probeOk } from '../cluster/probe.js';
import { deploymentArgs, SERVER_NAMESPACE, SERVER_NODE_FLAGS, SERVER_SERVICE_ACCOUNT } from '../cluster/sandbox.js';
import { direct, frontProxyCredentials, sandboxState } from '../support/sandbox-access.js';

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

describe('in-cluster configuration (ServiceAccount files, no kubeconfig)', () => {
  let dir: string;
  let server: RunningComponent | undefined;
  let port: number;

  beforeAll(async () => {
    const paths = sandboxPaths();
    dir = await mkdtemp(join(tmpdir(), 'kiosk-sa-'));
    const token = (await kubectlOk(['create', 'token', SERVER_SERVICE_ACCOUNT, '-n', SERVER_NAMESPACE, '--duration=1h'])).trim();
    await writeFile(join(dir, 'token'), token);
    await writeFile(join(dir, 'ca.crt'), await readFile(pkiFiles(paths.pki).caCert));
    await writeFile(join(dir, 'namespace'), SERVER_NAMESPACE);
    [port] = await freePorts(1) as [number];
    const args = [...await deploymentArgs(paths), `--secure-port=${port}`, '--bind-address=127.0.0.1', `--helm-binary=${join(paths.bin, 'helm')}`];
    expect(args.some((a) => a.startsWith('--kubeconfig'))).toBe(false);
    // A tmpfs over /run (= /var/run) seen only by this process; then the pod's files, then the server.
    const script = `mount -t tmpfs tmpfs /run && mkdir -p ${SERVICE_ACCOUNT_DIR} && cp "$1"/token "$1"/ca.crt "$1"/namespace ${SERVICE_ACCOUNT_DIR}/ && shift && exec "$@"`;
    const started = startComponent({
      name: 'kiosk-in-cluster', command: 'unshare', logFile: join(paths.logs, 'kiosk-in-cluster.log'),
      args: ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', dir, process.execPath, ...SERVER_NODE_FLAGS, paths.serverEntry, ...args],
      env: { ...process.env, KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(sandboxState().ports.apiserver) },
    });
    // unshare and sh exec into node: the process to watch and stop is node, once the exec has happened.
    server = { ...started, command: process.execPath };
    const execDeadline = Date.now() + 10_000;
    while (!isRunning(server) && existsSync(`/proc/${started.pid}`) && Date.now() < execDeadline) await new Promise((r) => setTimeout(r, 50));
    await waitReady(server, () => probeOk(`https://127.0.0.1:${port}/readyz`, { insecure: true }), 60_000);
  });

  afterAll(async () => {
    if (server) await stopComponent(server);
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the cluster through the mounted token: informers synced, authorization delegated', async () => {
    // /readyz includes informers-synced, which needs list+watch with the ServiceAccount's token.
    const ready = await direct({ port, path: '/readyz?verbose' });
    expect(ready.status).toBe(200);
    expect(ready.body).toContain('[+]informers-synced ok');
    // A proxied request as the admin group: authorized by a SubjectAccessReview the server sends with the token.
    const list = await direct({
      port, path: '/apis/tenancy.kiosk.sh/v1alpha1/spaces', ...frontProxyCredentials(),
      headers: { 'X-Remote-User': 'kubernetes-admin', 'X-Remote-Group': 'system:masters' },
    });
    expect(list.status).toBe(200);
    expect(list.json<{ kind: string }>().kind).toBe('SpaceList');
    // And a user RBAC does not allow is refused by the same delegated check.
    const denied = await direct({ port, path: '/apis/tenancy.kiosk.sh/v1alpha1/accounts', ...frontProxyCredentials(), headers: { 'X-Remote-User': 'nobody-in-particular' } });
    expect(denied.status).toBe(403);
  });

  it('nothing of the service account leaked onto the machine', async () => {
    await expect(readFile(join(SERVICE_ACCOUNT_DIR, 'token'))).rejects.toThrow('ENOENT');
  });
});
