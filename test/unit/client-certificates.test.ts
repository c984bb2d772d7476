/**
 * Client certificates are trusted only when the TLS handshake verified them (OpenSSL, as Go does in
 * kube-apiserver), then attributed to the CA that anchors the chain. A real ApiServer with its real TLS
 * setup, in process; certificates made with openssl, including the two malformed chains that the former
 * hand-written verification accepted. Their keys are EC P-256: what is under test (chains, extensions, names)
 * does not depend on the key type, and the 17 RSA keys this took cost seconds of CPU per run.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { Authenticator } from '../../apiserver/authn/authenticator.js';
import { ClientCaPool } from '../../apiserver/authn/client-ca-pool.js';
import type { VerifiedPeer } from '../../apiserver/authn/verified-peer.js';
import type { Authorizer } from '../../apiserver/chain/authorization.js';
import { defaultOptions } from '../../apiserver/options.js';
import { ApiServer } from '../../apiserver/server.js';
import { parseRequestHeaderConfig } from '../../storage/authentication/request-header-config.js';
import { silentLogger } from '../../storage/logger.js';
import type { UserInfo } from '../../storage/user-info.js';

const run = promisify(execFile);
let dir: string;
let server: ApiServer;
let clientCAs: ClientCaPool;
let authenticator: Authenticator;
const seen: UserInfo[] = [];
const pem = (name: string) => readFileSync(join(dir, `${name}.crt`), 'utf8');

/** openssl's arguments for a new EC P-256 key. */
const NEW_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];

/**
 * Serial numbers, one per certificate. Not -CAcreateserial: certificates signed by one CA at once would read
 * and rewrite its shared .srl file concurrently, and openssl fails on one it reads half-written.
 */
let nextSerial = 1;

/** A certificate signed by `<ca>`, with exactly the extensions given (openssl x509 -req -extfile). */
async function sign(name: string, subject: string, ca: string, ext: string[], days = '365'): Promise<void> {
  await writeFile(join(dir, `${name}.ext`), ext.join('\n') + '\n');
  await run('openssl', ['req', '-new', ...NEW_KEY, '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], { cwd: dir });
  await run('openssl', ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-set_serial', String(nextSerial++),
    '-days', days, '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.crt`], { cwd: dir });
}

const CLIENT_LEAF = ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=clientAuth'];
const INTERMEDIATE = ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature'];

/** A self-signed root CA `<name>` (CN = name), with the extensions test/cluster/pki.ts gives the sandbox's CAs. */
async function createCa(name: string, ext = INTERMEDIATE): Promise<void> {
  await run('openssl', ['req', '-x509', ...NEW_KEY, '-nodes', '-sha256', '-days', '365', '-keyout', `${name}.key`, '-out', `${name}.crt`,
    '-subj', `/CN=${name}`, ...ext.flatMap((e) => ['-addext', e])], { cwd: dir });
}

/** A leaf for serverAuth or clientAuth signed by `<ca>`, with the extensions test/cluster/pki.ts gives the sandbox's leaves. */
function createLeaf(name: string, subject: string, ca: string, usage: 'serverAuth' | 'clientAuth', subjectAltNames?: string): Promise<void> {
  return sign(name, subject, ca, ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${usage}`, ...(subjectAltNames ? [`subjectAltName=${subjectAltNames}`] : [])]);
}

function authConfig(requestHeaderCA: string, clientCA: string) {
  return parseRequestHeaderConfig({
    'client-ca-file': clientCA,
    'requestheader-client-ca-file': requestHeaderCA,
    'requestheader-allowed-names': '["front-proxy-client"]',
    'requestheader-username-headers': '["X-Remote-User"]',
    'requestheader-group-headers': '["X-Remote-Group"]',
    'requestheader-extra-headers-prefix': '["X-Remote-Extra-"]',
  });
}

/** GET with the named client certificate (and the chain files after it); the status and who the server saw. */
function call(certs: string[], headers: Record<string, string> = {}): Promise<{ status: number; user?: UserInfo }> {
  seen.length = 0;
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port: server.port, path: '/apis/whoami', method: 'GET', agent: false,
      ca: pem('serving-ca'), servername: 'localhost', headers: { 'X-Remote-User': 'admin', 'X-Remote-Group': 'team-x', ...headers },
      ...(certs.length > 0 ? { cert: certs.map(pem).join(''), key: readFileSync(join(dir, `${String(certs[0])}.key`)) } : {}),
    }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ...(seen[0] ? { user: seen[0] } : {}) }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'client-certs-'));
  await Promise.all([
    createCa('serving-ca'), createCa('proxy-ca'), createCa('client-ca'), createCa('other-ca'),
    createCa('pathlen-ca', ['basicConstraints=critical,CA:TRUE,pathlen:0', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature']),
  ]);
  await Promise.all([
    createLeaf('serving', '/CN=localhost', 'serving-ca', 'serverAuth', 'DNS:localhost,IP:127.0.0.1'),
    createLeaf('proxy', '/CN=front-proxy-client', 'proxy-ca', 'clientAuth'),
    createLeaf('wrong-cn', '/CN=someone-else', 'proxy-ca', 'clientAuth'),
    createLeaf('forged', '/CN=front-proxy-client', 'other-ca', 'clientAuth'),
    createLeaf('user-named-proxy', '/CN=front-proxy-client', 'client-ca', 'clientAuth'),
    createLeaf('alice', '/O=team-a/CN=alice', 'client-ca', 'clientAuth'),
    sign('expired', '/CN=front-proxy-client', 'proxy-ca', CLIENT_LEAF, '-1'),
    sign('critical-ext', '/CN=front-proxy-client', 'proxy-ca', [...CLIENT_LEAF, '1.3.6.1.4.1.55555.1=critical,ASN1:UTF8String:unknown']),
    sign('pathlen-intermediate', '/CN=pathlen-intermediate', 'pathlen-ca', INTERMEDIATE),
    sign('proxy-intermediate', '/CN=proxy-intermediate', 'proxy-ca', INTERMEDIATE),
  ]);
  await Promise.all([
    sign('pathlen-leaf', '/CN=front-proxy-client', 'pathlen-intermediate', CLIENT_LEAF),
    sign('chained', '/CN=front-proxy-client', 'proxy-intermediate', CLIENT_LEAF),
  ]);

  clientCAs = new ClientCaPool();
  authenticator = new Authenticator(undefined, clientCAs);
  authenticator.setConfig(authConfig(pem('proxy-ca') + pem('pathlen-ca'), pem('client-ca')));
  const authorizer: Authorizer = {
    authorize: async (user) => {
      seen.push(user);
      return { allowed: true, reason: '' };
    },
  };
  server = new ApiServer({ ...defaultOptions, securePort: 0, bindAddress: '127.0.0.1' }, {
    log: silentLogger, authenticator, clientCAs, authorizer, metrics: new Registry(),
    group: { group: 'tenancy.kiosk.sh', version: 'v1alpha1' }, resources: [], readyChecks: [], admission: {},
    servingCertificate: () => ({ certPem: pem('serving'), keyPem: readFileSync(join(dir, 'serving.key'), 'utf8') }),
  });
  clientCAs.onChange(() => server.reloadTls());
  await server.start();
}, 120_000);

afterAll(async () => {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset if beforeAll failed
  await server?.stop(0);
  await rm(dir, { recursive: true, force: true });
});

describe('front-proxy client certificates', () => {
  it('believes the headers of a verified front-proxy certificate with an allowed CN', async () => {
    const { status, user } = await call(['proxy']);
    expect(status).toBe(404);
    expect(user?.username).toBe('admin');
    expect(user?.groups).toEqual(['team-x', 'system:authenticated']);
  });

  it('accepts a chain through an intermediate the client sends', async () => {
    expect((await call(['chained', 'proxy-intermediate'])).user?.username).toBe('admin');
  });

  it.each([
    ['a leaf with an unknown critical extension', ['critical-ext']],
    ['an intermediate below a pathlen:0 root', ['pathlen-leaf', 'pathlen-intermediate']],
    ['an allowed CN signed by another CA', ['forged']],
    ['an expired certificate', ['expired']],
    ['a front-proxy certificate whose CN is not allowed', ['wrong-cn']],
  ])('refuses %s with 401', async (_what, certs) => {
    const { status, user } = await call(certs);
    expect(status).toBe(401);
    expect(user).toBeUndefined();
  });

  it('never takes a user certificate from the client CA for the front proxy, whatever its CN', async () => {
    const { status, user } = await call(['user-named-proxy']);
    expect(status).toBe(404);
    expect(user?.username).toBe('front-proxy-client');
    expect(user?.groups).toEqual(['system:authenticated']);
  });

  it('is anonymous without a certificate, X-Remote-* headers ignored', async () => {
    const { user } = await call([]);
    expect(user?.username).toBe('system:anonymous');
  });
});

describe('x509 user certificates', () => {
  it('authenticates a client-CA certificate as CN with O groups', async () => {
    const { user } = await call(['alice'], { 'X-Remote-User': '' });
    expect(user?.username).toBe('alice');
    expect(user?.groups).toEqual(['team-a', 'system:authenticated']);
  });

  it('refuses a front-proxy certificate without user headers (it is not a client-CA user)', async () => {
    expect((await call(['proxy'], { 'X-Remote-User': '' })).status).toBe(401);
  });
});

describe('a rotated front-proxy CA', () => {
  it('reaches new handshakes: the new CA is trusted and the old one no longer', async () => {
    authenticator.setConfig(authConfig(pem('other-ca'), pem('client-ca')));
    try {
      expect((await call(['forged'])).user?.username).toBe('admin');
      expect((await call(['proxy'])).status).toBe(401);
    } finally {
      authenticator.setConfig(authConfig(pem('proxy-ca') + pem('pathlen-ca'), pem('client-ca')));
    }
    expect((await call(['proxy'])).user?.username).toBe('admin');
  });
});

describe('ClientCaPool', () => {
  it('serves every named bundle in the TLS ca list once, drops unparsable blocks, and tells which bundle anchors a peer', () => {
    const pool = new ClientCaPool();
    let changes = 0;
    pool.onChange(() => changes++);
    pool.set('front-proxy', pem('proxy-ca') + '-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n');
    pool.set('admission', pem('other-ca') + pem('proxy-ca'));
    pool.set('admission', pem('other-ca') + pem('proxy-ca'));
    expect(changes).toBe(2);
    expect(pool.pems()).toHaveLength(2);
    const peer = { anchorFingerprint256: new X509Certificate(pem('proxy-ca')).fingerprint256 } as VerifiedPeer;
    expect(pool.anchors('front-proxy', peer)).toBe(true);
    expect(pool.anchors('client', peer)).toBe(false);
    pool.set('front-proxy', '');
    expect(pool.anchors('front-proxy', peer)).toBe(false);
    expect(changes).toBe(3);
  });
});
