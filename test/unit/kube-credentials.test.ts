// The credentials KubeClient applies without @kubernetes/client-node are the ones client-node's KubeConfig
// applies (its loadFromFile + applyToHTTPSOptions is the oracle): the same CA, client certificate and key, TLS
// server name, certificate check and Authorization header, for the kubeconfigs the server reads itself. Any
// other kubeconfig takes the fallback, which is client-node itself. Files are re-read as they rotate.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { OutgoingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { dump } from 'js-yaml';
import { REREAD_AFTER_MS } from '../../storage/direct-credentials.js';
import { loadKubeCredentials } from '../../storage/kube-credentials.js';
import type { KubeCredentials, RequestTarget } from '../../storage/kube-credentials.js';
import { readKubeconfig } from '../../storage/kubeconfig-file.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kube-credentials-'));
  mkdirSync(join(dir, 'pki'));
  mkdirSync(join(dir, 'configs'));
  for (const name of ['ca.crt', 'client.crt', 'client.key', 'other-ca.crt']) writeFileSync(join(dir, 'pki', name), `${name} bytes\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** What a request carries: the fields KubeClient passes on to https.request. */
function applied(opts: RequestTarget) {
  const { ca, cert, key, servername, rejectUnauthorized, auth, headers } = opts;
  return { ca, cert, key, servername, rejectUnauthorized, auth, headers };
}

async function ours(credentials: KubeCredentials) {
  const opts: RequestTarget = { headers: { Accept: 'application/json' } };
  await credentials.applyTo(opts);
  return applied(opts);
}

async function oracle(path: string) {
  const config = new KubeConfig();
  config.loadFromFile(path);
  const opts: RequestTarget = { headers: { Accept: 'application/json' } };
  await config.applyToHTTPSOptions(opts);
  return { server: config.getCurrentCluster()?.server, ...applied(opts) };
}

let written = 0;
/** A kubeconfig file (in `dir/configs` unless `at` says where), from its document. */
function kubeconfig(doc: Record<string, unknown>, at = join(dir, 'configs', `kubeconfig-${String(++written)}.yaml`)): string {
  writeFileSync(at, dump(doc));
  return at;
}

/** A kubeconfig with one context `main` over cluster `c` and user `u`. */
const single = (cluster: Record<string, unknown>, user: Record<string, unknown> | null, extra: Record<string, unknown> = {}) => kubeconfig({
  apiVersion: 'v1',
  kind: 'Config',
  clusters: [{ name: 'c', cluster: { server: 'https://10.0.0.1:6443', ...cluster } }],
  users: [{ name: 'u', user }],
  contexts: [{ name: 'main', context: { cluster: 'c', user: 'u', namespace: 'kiosk' } }],
  'current-context': 'main',
  preferences: {},
  ...extra,
});

/** Loads `path` both ways and expects the same request options (and server). */
async function expectSameAsClientNode(path: string): Promise<KubeCredentials> {
  const credentials = await loadKubeCredentials(path, { env: {} });
  const expected = await oracle(path);
  expect({ server: credentials.server, ...(await ours(credentials)) }).toEqual(expected);
  return credentials;
}

describe('a kubeconfig the server reads itself applies what client-node applies', () => {
  const cases: Array<[string, () => string]> = [
    ['inline CA, client certificate, key and token', () => single(
      { 'certificate-authority-data': b64('inline ca') },
      { 'client-certificate-data': b64('inline cert'), 'client-key-data': b64('inline key'), token: 'inline-token' })],
    ['file paths relative to the kubeconfig\'s folder', () => single(
      { 'certificate-authority': '../pki/ca.crt' },
      { 'client-certificate': '../pki/client.crt', 'client-key': join('..', 'pki', 'client.key') })],
    ['absolute file paths, with a token', () => single(
      { 'certificate-authority': join(dir, 'pki', 'ca.crt') },
      { 'client-certificate': join(dir, 'pki', 'client.crt'), 'client-key': join(dir, 'pki', 'client.key'), token: 'abs-token' })],
    ['insecure-skip-tls-verify (a CA besides is still sent, as client-node does)', () => single(
      { 'insecure-skip-tls-verify': true, 'certificate-authority-data': b64('ca') }, { token: 't' })],
    ['insecure-skip-tls-verify: false', () => single({ 'insecure-skip-tls-verify': false, 'certificate-authority-data': b64('ca') }, { token: 't' })],
    ['tls-server-name', () => single({ 'tls-server-name': 'kubernetes.default.svc', 'certificate-authority-data': b64('ca') }, { token: 't' })],
    ['a server with a trailing slash', () => single({ server: 'https://api.example:443/' }, { token: 't' })],
    ['a CA file and CA data both set: the file wins', () => single(
      { 'certificate-authority': '../pki/ca.crt', 'certificate-authority-data': b64('ignored') }, { token: 't' })],
    ['a user without credentials', () => single({ 'certificate-authority-data': b64('ca') }, null)],
    ['extensions (minikube\'s) and empty fields', () => single(
      { 'certificate-authority-data': b64('ca'), 'tls-server-name': '', extensions: [{ name: 'cluster_info', extension: { provider: 'minikube.sigs.k8s.io' } }] },
      { token: 't', 'client-certificate': null })],
    ['several contexts: current-context chooses the second', () => kubeconfig({
      clusters: [
        { name: 'first', cluster: { server: 'https://first:6443', 'certificate-authority': '../pki/other-ca.crt' } },
        { name: 'second', cluster: { server: 'https://second:6443', 'certificate-authority': '../pki/ca.crt', 'tls-server-name': 'second.internal' } },
      ],
      users: [
        { name: 'alice', user: { token: 'alice-token' } },
        { name: 'bob', user: { 'client-certificate-data': b64('bob cert'), 'client-key-data': b64('bob key') } },
      ],
      contexts: [
        { name: 'one', context: { cluster: 'first', user: 'alice' } },
        { name: 'two', context: { cluster: 'second', user: 'bob' } },
      ],
      'current-context': 'two',
    })],
  ];

  it.each(cases)('%s', async (_name, write) => {
    const path = write();
    expect(readKubeconfig(path)).toHaveProperty('direct');
    await expectSameAsClientNode(path);
  });

  it('chooses the context named by current-context, not the first', async () => {
    const path = cases[cases.length - 1]![1]();
    const credentials = await expectSameAsClientNode(path);
    expect(credentials.server).toBe('https://second:6443');
    expect((await ours(credentials)).servername).toBe('second.internal');
  });

  it('works from a relative kubeconfig path too', async () => {
    const path = single({ 'certificate-authority': '../pki/ca.crt' }, { 'client-key': '../pki/client.key' });
    await expectSameAsClientNode(relative(process.cwd(), path));
  });
});

describe('files are re-read as they rotate', () => {
  it('re-reads a tokenFile (relative to the kubeconfig) once the last read is older than a minute', async () => {
    writeFileSync(join(dir, 'pki', 'token'), 'first-token\n');
    const path = single({ 'certificate-authority': '../pki/ca.crt' }, { tokenFile: '../pki/token' });
    expect(readKubeconfig(path)).toHaveProperty('direct');
    let now = 1_000_000;
    const credentials = await loadKubeCredentials(path, { env: {}, now: () => now });
    // client-node 1.4 reads no `tokenFile` (only its own `token-file`, once): client-go's semantics are the
    // reference here (the file's content, trimmed, re-read), and client-node's for everything else.
    const { headers: _, ...rest } = await oracle(path);
    const first = await ours(credentials);
    expect({ server: credentials.server, ...first, headers: undefined }).toEqual({ ...rest, headers: undefined });
    expect(first.headers.Authorization).toBe('Bearer first-token');

    writeFileSync(join(dir, 'pki', 'token'), 'second-token');
    now += 1_000;
    expect((await ours(credentials)).headers.Authorization).toBe('Bearer first-token');
    now += REREAD_AFTER_MS;
    expect((await ours(credentials)).headers.Authorization).toBe('Bearer second-token');
  });

  it('re-reads certificate files the same way', async () => {
    writeFileSync(join(dir, 'pki', 'rotating.crt'), 'cert one');
    const path = single({}, { 'client-certificate': '../pki/rotating.crt', 'client-key': '../pki/client.key' });
    let now = 0;
    const credentials = await loadKubeCredentials(path, { env: {}, now: () => now });
    expect((await ours(credentials)).cert).toEqual(Buffer.from('cert one'));
    writeFileSync(join(dir, 'pki', 'rotating.crt'), 'cert two');
    now += REREAD_AFTER_MS + 1;
    expect((await ours(credentials)).cert).toEqual(Buffer.from('cert two'));
  });
});

describe('any other kubeconfig is read by client-node', () => {
  const execToken = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token: 'from-exec' } });
  const cases: Array<[string, () => string]> = [
    ['an exec credential plugin', () => single({ 'certificate-authority-data': b64('ca') }, {
      exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: process.execPath, args: ['-e', `process.stdout.write(${JSON.stringify(execToken)})`] },
    })],
    ['basic auth', () => single({ 'certificate-authority-data': b64('ca') }, { username: 'admin', password: 'secret' })],
    ['impersonation', () => single({ 'certificate-authority-data': b64('ca') }, { token: 't', as: 'someone' })],
    ['a proxy', () => single({ 'certificate-authority-data': b64('ca'), 'proxy-url': 'http://proxy:3128' }, { token: 't' })],
    ['client-node\'s own token-file', () => {
      writeFileSync(join(dir, 'pki', 'legacy-token'), 'legacy');
      return single({}, { 'token-file': join(dir, 'pki', 'legacy-token') });
    }],
    ['both token and tokenFile', () => single({}, { token: 'static', tokenFile: '../pki/ca.crt' })],
    ['insecure-skip-tls-verify as a string', () => single({ 'insecure-skip-tls-verify': 'yes' }, { token: 't' })],
    ['a context without a user (client-node then applies no CA either)', () => kubeconfig({
      clusters: [{ name: 'c', cluster: { server: 'https://c:6443', 'certificate-authority-data': b64('ca') } }],
      contexts: [{ name: 'x', context: { cluster: 'c' } }],
      'current-context': 'x',
    })],
  ];

  it.each(cases)('%s', async (_name, write) => {
    const path = write();
    expect(readKubeconfig(path)).toHaveProperty('fallback');
    await expectSameAsClientNode(path);
  });

  it('leaves an entry client-node rejects to client-node, which throws its own error', async () => {
    const path = single({}, { token: 't' }, { contexts: [{ name: 'main', context: { cluster: 'c', user: 'u' } }, { context: { cluster: 'c' } }] });
    expect(readKubeconfig(path)).toHaveProperty('fallback');
    expect(() => { new KubeConfig().loadFromFile(path); }).toThrow('contexts[1].name is missing');
    await expect(loadKubeCredentials(path, { env: {} })).rejects.toThrow('contexts[1].name is missing');
  });

  it('takes the exec plugin\'s token, as client-node does', async () => {
    const credentials = await expectSameAsClientNode(cases[0]![1]());
    expect((await ours(credentials)).headers.Authorization).toBe('Bearer from-exec');
  });
});

describe('a kubeconfig that cannot work is a clear error at load', () => {
  it('does not exist', async () => {
    await expect(loadKubeCredentials(join(dir, 'nowhere.yaml'), { env: {} })).rejects.toThrow(/^kubeconfig .*nowhere\.yaml: ENOENT/);
  });

  it('has no current-context', async () => {
    const path = single({}, { token: 't' }, { 'current-context': null });
    await expect(loadKubeCredentials(path, { env: {} })).rejects.toThrow(`kubeconfig ${path} has no current-context`);
  });

  it('names a current-context it does not define', async () => {
    const path = single({}, { token: 't' }, { 'current-context': 'elsewhere' });
    await expect(loadKubeCredentials(path, { env: {} })).rejects.toThrow(`kubeconfig ${path}: current-context "elsewhere" is not among its contexts`);
  });

  it('names a missing cluster', async () => {
    const path = single({}, { token: 't' }, { contexts: [{ name: 'main', context: { cluster: 'gone', user: 'u' } }] });
    await expect(loadKubeCredentials(path, { env: {} })).rejects.toThrow(`kubeconfig ${path}: context "main" names cluster "gone", which is not among its clusters`);
  });

  it('is no YAML mapping', async () => {
    const path = join(dir, 'configs', 'list.yaml');
    writeFileSync(path, '- a\n- b\n');
    await expect(loadKubeCredentials(path, { env: {} })).rejects.toThrow(`kubeconfig ${path}: not a kubeconfig (no YAML mapping)`);
  });
});

describe('in-cluster: the pod\'s ServiceAccount', () => {
  let root: string;
  const saDir = () => join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
  beforeAll(() => {
    root = join(dir, 'pod');
    mkdirSync(saDir(), { recursive: true });
    writeFileSync(join(saDir(), 'ca.crt'), 'cluster ca');
    writeFileSync(join(saDir(), 'token'), 'sa-token-1');
    writeFileSync(join(saDir(), 'namespace'), 'kiosk');
  });
  const env = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };

  it('applies the CA and token client-node\'s loadFromCluster applies', async () => {
    const credentials = await loadKubeCredentials(undefined, { env, root });
    expect(credentials.server).toBe('https://10.96.0.1:443');
    // client-node reads the service variables from process.env, which unit tests leave alone: the oracle is
    // asked for the options only.
    const config = new KubeConfig();
    config.loadFromCluster(root);
    const expected: RequestTarget = { headers: { Accept: 'application/json' } };
    await config.applyToHTTPSOptions(expected);
    expect(await ours(credentials)).toEqual(applied(expected));
    expect((await ours(credentials)).headers).toEqual({ Accept: 'application/json', Authorization: 'Bearer sa-token-1' } satisfies OutgoingHttpHeaders);
  });

  it('brackets an IPv6 service host', async () => {
    const credentials = await loadKubeCredentials(undefined, { env: { KUBERNETES_SERVICE_HOST: 'fd00:10:96::1', KUBERNETES_SERVICE_PORT: '443' }, root });
    expect(credentials.server).toBe('https://[fd00:10:96::1]:443');
  });

  it('picks up the token kubelet rotated', async () => {
    let now = 5_000;
    const credentials = await loadKubeCredentials(undefined, { env, root, now: () => now });
    expect((await ours(credentials)).headers.Authorization).toBe('Bearer sa-token-1');
    writeFileSync(join(saDir(), 'token'), 'sa-token-2');
    now += REREAD_AFTER_MS + 1;
    expect((await ours(credentials)).headers.Authorization).toBe('Bearer sa-token-2');
    writeFileSync(join(saDir(), 'token'), 'sa-token-1');
  });

  it('fails each request, as client-node does, while the ServiceAccount files cannot be read', async () => {
    const credentials = await loadKubeCredentials(undefined, { env, root: join(dir, 'no-pod') });
    await expect(ours(credentials)).rejects.toThrow(/ENOENT.*no-pod\/var\/run\/secrets\/kubernetes\.io\/serviceaccount\/ca\.crt/);
  });

  it('is an error outside a pod (no service variables)', async () => {
    await expect(loadKubeCredentials(undefined, { env: {}, root })).rejects.toThrow(
      'unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined');
  });

  it('is client-node\'s error for a port that means plain http', async () => {
    await expect(loadKubeCredentials(undefined, { env: { ...env, KUBERNETES_SERVICE_PORT: '8080' }, root })).rejects.toThrow(
      'HTTP protocol is not allowed when skipTLSVerify is not set or false');
  });
});
