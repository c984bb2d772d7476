// The sandbox command when a component fails to start: the tail of its log, a non-zero exit, nothing left
// running. A stand-in etcd that fails at once is the component (it is not a fake kube-apiserver: nothing
// is served, the harness's failure path is what is under test).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { K8S_VERSION, repoRoot } from '../cluster/paths.js';
import { pkiFiles } from '../cluster/pki.js';

describe('npm run sandbox when a component fails to start', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sandbox-failure-'));
    const bin = join(dir, 'cache', `k8s-v${K8S_VERSION}`, 'bin');
    mkdirSync(bin, { recursive: true });
    const script = (body: string) => `#!/bin/sh\n${body}\n`;
    writeFileSync(join(bin, 'etcd'), script('echo "etcd: refusing to start (failure injected by the test)" >&2; exit 3'));
    writeFileSync(join(bin, 'kube-apiserver'), script(`[ "$1" = "--version" ] && echo "Kubernetes v${K8S_VERSION}" && exit 0; exit 1`));
    // helm answers with the version the build script pins, so nothing is compiled (that took a minute and,
    // on a busy machine, ran past the timeout).
    const helmVersion = /HELM_VERSION=\$\{HELM_VERSION:-(v[0-9.]+)\}/.exec(readFileSync(join(repoRoot(), 'test', 'cluster', 'build-binaries.sh'), 'utf8'))![1]!;
    writeFileSync(join(bin, 'helm'), script(`[ "$1" = "version" ] && echo "${helmVersion}" && exit 0; exit 1`));
    for (const b of ['kube-controller-manager', 'kubectl']) writeFileSync(join(bin, b), script('exit 1'));
    for (const b of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kubectl', 'helm']) chmodSync(join(bin, b), 0o755);
    writeFileSync(join(dir, 'cache', `k8s-v${K8S_VERSION}`, 'etcd.version'), 'v0.0.0-test\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the tail of the failing component\'s log and exits non-zero', () => {
    const sandbox = join(dir, 'sandbox');
    // The PKI a sandbox that ran before keeps (placeholders: etcd reads none of it, and it fails first), so the
    // start skips making eight RSA keys, seconds of CPU that have nothing to do with the failure under test.
    const pki = pkiFiles(join(sandbox, 'pki'));
    mkdirSync(pki.dir, { recursive: true });
    for (const file of [pki.frontProxyClientCert, pki.serviceAccountPub, pki.admissionClientCert, pki.admissionClientKey]) writeFileSync(file, 'placeholder\n');
    const r = spawnSync(process.execPath, [join(repoRoot(), 'dist', 'test', 'cluster', 'cli.js'), 'start', '--detach'], {
      env: { ...process.env, KIOSK_SANDBOX_DIR: sandbox, KIOSK_CACHE_DIR: join(dir, 'cache') }, encoding: 'utf8', timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('[sandbox] ERROR: etcd exited during start-up. Last lines of');
    expect(r.stderr).toContain('etcd: refusing to start (failure injected by the test)');
    // Nothing is recorded as running afterwards.
    expect(existsSync(join(sandbox, 'state.json'))).toBe(false);
    expect(readFileSync(join(sandbox, 'logs', 'etcd.log'), 'utf8')).toContain('refusing to start');
  }, 90_000);
});
