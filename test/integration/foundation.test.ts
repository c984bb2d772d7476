import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectl, kubectlOk } from '../cluster/kubectl.js';
import { createCa, createLeaf } from '../cluster/pki.js';
import { direct, frontProxyCredentials, pki } from '../support/sandbox-access.js';

const GV_PATH = '/apis/tenancy.kiosk.sh/v1alpha1';
// Discovery is open to every authenticated user; /metrics is not, so it tells who the server thinks we are.
const PRIVILEGED_PATH = '/metrics';

describe('the sandbox control plane with our server registered', () => {
  it('has the APIService Available', async () => {
    const out = await kubectlOk(['get', 'apiservice', 'v1alpha1.tenancy.kiosk.sh']);
    expect(out).toMatch(/^v1alpha1\.tenancy\.kiosk\.sh\s+kiosk-system\/kiosk-apiservice\s+True\s+/m);
  });

  it('lists spaces and accounts as cluster-scoped resources of tenancy.kiosk.sh', async () => {
    const out = await kubectlOk(['api-resources', '--api-group=tenancy.kiosk.sh', '--cached=false']);
    expect(out).toMatch(/^accounts\s+tenancy\.kiosk\.sh\/v1alpha1\s+false\s+Account\s*$/m);
    expect(out).toMatch(/^spaces\s+tenancy\.kiosk\.sh\/v1alpha1\s+false\s+Space\s*$/m);
  });

  it('deletes a namespace to completion (the namespace controller runs and can discover our group)', async () => {
    await kubectlOk(['create', 'ns', 'foundation-x']);
    await kubectlOk(['delete', 'ns', 'foundation-x', '--wait', '--timeout=60s'], { timeoutMs: 70_000 });
    const after = await kubectl(['get', 'ns', 'foundation-x']);
    expect(after.code).not.toBe(0);
    expect(after.stderr).toContain('namespaces "foundation-x" not found');
  });
});

describe('authentication of requests sent straight to our server', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'forged-certs-'));
    const p = pki();
    await createCa(dir, 'other-ca', 'attacker-ca');
    // A certificate with the allowed CN, but from a CA the front proxy does not use.
    await createLeaf(dir, 'other-front-proxy', '/CN=front-proxy-client', 'other-ca', 'clientAuth');
    // A certificate from the real front-proxy CA whose CN is not in requestheader-allowed-names.
    await createLeafFrom(p.dir, dir, 'wrong-cn', '/CN=not-the-front-proxy');
  }, 60_000);

  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** Signs a clientAuth leaf with the sandbox's front-proxy CA, writing it into `outDir`. */
  async function createLeafFrom(pkiDir: string, outDir: string, name: string, subject: string) {
    await copyFile(join(pkiDir, 'front-proxy-ca.crt'), join(outDir, 'front-proxy-ca.crt'));
    await copyFile(join(pkiDir, 'front-proxy-ca.key'), join(outDir, 'front-proxy-ca.key'));
    await createLeaf(outDir, name, subject, 'front-proxy-ca', 'clientAuth');
  }

  const adminHeaders = { 'X-Remote-User': 'admin', 'X-Remote-Group': 'system:masters' };

  it('believes the headers from the real front proxy', async () => {
    const res = await direct({ path: GV_PATH, headers: adminHeaders, ...frontProxyCredentials() });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ kind: 'APIResourceList', groupVersion: 'tenancy.kiosk.sh/v1alpha1' });
    const metrics = await direct({ path: PRIVILEGED_PATH, headers: adminHeaders, ...frontProxyCredentials() });
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('apiserver_request_total');
  });

  it('treats X-Remote-User without any client certificate as anonymous', async () => {
    const res = await direct({ path: PRIVILEGED_PATH, headers: adminHeaders });
    expect(res.status).toBe(403);
    expect(res.json()).toMatchObject({
      kind: 'Status', reason: 'Forbidden', code: 403,
      message: `forbidden: User "system:anonymous" cannot get path "${PRIVILEGED_PATH}"`,
    });
  });

  it('rejects a front-proxy-looking certificate from another CA with 401', async () => {
    const res = await direct({
      path: GV_PATH, headers: adminHeaders,
      cert: await readFile(join(dir, 'other-front-proxy.crt')), key: await readFile(join(dir, 'other-front-proxy.key')),
    });
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({ kind: 'Status', reason: 'Unauthorized', message: 'Unauthorized', code: 401 });
  });

  it('rejects a front-proxy-CA certificate whose CN is not allowed with 401', async () => {
    const res = await direct({
      path: GV_PATH, headers: adminHeaders,
      cert: await readFile(join(dir, 'wrong-cn.crt')), key: await readFile(join(dir, 'wrong-cn.key')),
    });
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({ reason: 'Unauthorized' });
  });

  it('keeps repeated X-Remote-Group headers as separate groups', async () => {
    const separate = await direct({
      path: PRIVILEGED_PATH, headers: { 'X-Remote-User': 'someone', 'X-Remote-Group': ['team,a', 'system:masters'] }, ...frontProxyCredentials(),
    });
    expect(separate.status).toBe(200);
    // One header whose value merely contains the text is not membership of system:masters.
    const joined = await direct({
      path: PRIVILEGED_PATH, headers: { 'X-Remote-User': 'someone', 'X-Remote-Group': 'team,system:masters' }, ...frontProxyCredentials(),
    });
    expect(joined.status).toBe(403);
    expect(joined.json<{ message: string }>().message).toBe(`forbidden: User "someone" cannot get path "${PRIVILEGED_PATH}"`);
  });

  it('adds system:authenticated, so authenticated users pass the default discovery RBAC', async () => {
    const res = await direct({ path: GV_PATH, headers: { 'X-Remote-User': 'plain-user' }, ...frontProxyCredentials() });
    expect(res.status).toBe(200);
    // Anonymous users are not in system:authenticated, so the same request is denied for them.
    const anonymous = await direct({ path: GV_PATH });
    expect(anonymous.status).toBe(403);
  });
});

describe('health and discovery endpoints', () => {
  it('answers /healthz, /livez and /readyz without credentials', async () => {
    for (const path of ['/healthz', '/livez', '/readyz']) {
      const res = await direct({ path });
      expect([path, res.status, res.body]).toEqual([path, 200, 'ok']);
    }
    const verbose = await direct({ path: '/readyz?verbose' });
    expect(verbose.body).toContain('[+]request-header-authentication ok');
    expect(verbose.body).toContain('readyz check passed');
  });

  it('serves aggregated discovery v2 with its content type and an ETag that yields 304', async () => {
    const accept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';
    const headers = { ...{ 'X-Remote-User': 'system:kube-aggregator', 'X-Remote-Group': 'system:masters' }, Accept: accept };
    const res = await direct({ path: '/apis', headers, ...frontProxyCredentials() });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const doc = res.json<{ kind: string; apiVersion: string; items: Array<{ versions: Array<{ resources: Array<{ resource: string; scope: string; responseKind: { kind: string } }> }> }> }>();
    expect(doc.kind).toBe('APIGroupDiscoveryList');
    expect(doc.apiVersion).toBe('apidiscovery.k8s.io/v2');
    expect(doc.items[0]!.versions[0]!.resources.map((r) => [r.resource, r.scope, r.responseKind.kind]))
      .toEqual([['spaces', 'Cluster', 'Space'], ['accounts', 'Cluster', 'Account']]);
    const again = await direct({ path: '/apis', headers: { ...headers, 'If-None-Match': res.headers.etag as string }, ...frontProxyCredentials() });
    expect(again.status).toBe(304);
  });

  it('answers 406 when only media types it cannot produce are acceptable', async () => {
    const res = await direct({
      path: '/apis', headers: { 'X-Remote-User': 'admin', 'X-Remote-Group': 'system:masters', Accept: 'application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList' },
      ...frontProxyCredentials(),
    });
    expect(res.status).toBe(406);
    expect(res.json()).toMatchObject({ kind: 'Status', reason: 'NotAcceptable', code: 406 });
  });
});
