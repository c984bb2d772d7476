// Issue 11, point 1: only kube-apiserver drives admission. The sandbox's kube-apiserver presents its admission
// client certificate (--admission-control-config-file, see test/cluster/control-plane.ts) and the server runs with
// --admission-client-ca-file: real admissions work as before, while forged AdmissionReviews sent straight to the
// port, with no certificate or with any other certificate the TLS server trusts, get 401, write nothing, and are
// refused before their body is read.
import { readFileSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectl, kubectlOk } from '../cluster/kubectl.js';
import { ADMISSION_CLIENT_NAME, createCa, createLeaf } from '../cluster/pki.js';
import { SERVER_DNS_NAME, SERVER_NAMESPACE } from '../cluster/sandbox.js';
import { admissionCredentials, direct, eventually, frontProxyCredentials, pki, sandboxState } from '../support/sandbox-access.js';
import { quotaTenant } from '../support/quota-tenant.js';

const run = Date.now().toString(36);
const acct = `adm-${run}`;
const space = `adm-s-${run}`;
const lease = `quota-${acct}`;

const pod = (name: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${space}}
spec: {containers: [{name: app, image: nginx}]}
`;

/** The review a forger sends: a pod CREATE in the quota'd space, which would reserve a pod in the ledger. */
const forgedReview = (i: number) => JSON.stringify({
  apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
  request: {
    uid: `forged-${run}-${i}`, kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' },
    namespace: space, name: `forged-${i}`, operation: 'CREATE', userInfo: { username: 'forger' },
    object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: `forged-${i}`, namespace: space }, spec: { containers: [{ name: 'c', image: 'x' }] } },
  },
});

const leaseVersion = async () => (await kubectlOk(['get', 'lease', lease, '-n', SERVER_NAMESPACE, '-o', 'jsonpath={.metadata.resourceVersion}'])).trim();

let work = '';
/** Every kind of credential a forger may hold, none of them kube-apiserver's admission certificate. */
const forgers: Record<string, { cert?: Buffer; key?: Buffer }> = {};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'kiosk-admission-'));
  const p = pki();
  // A CA of the forger's own, issuing a certificate with the very CN the server allows.
  await createCa(work, 'forger-ca', 'forger-ca');
  await createLeaf(work, 'forged-name', `/CN=${ADMISSION_CLIENT_NAME}`, 'forger-ca', 'clientAuth');
  // The right CA, another CN: the allowed-names check.
  await copyFile(p.admissionCaCert, join(work, 'admission-client-ca.crt'));
  await copyFile(p.admissionCaKey, join(work, 'admission-client-ca.key'));
  await createLeaf(work, 'other-name', '/CN=someone-else', 'admission-client-ca', 'clientAuth');
  const pair = async (name: string) => ({ cert: await readFile(join(work, `${name}.crt`)), key: await readFile(join(work, `${name}.key`)) });
  forgers['no certificate'] = {};
  forgers['a certificate from another CA, allowed CN'] = await pair('forged-name');
  forgers['the admission CA, a CN not allowed'] = await pair('other-name');
  // Both verify in the TLS handshake (their CAs are in the server's `ca` list): the issuer check refuses them.
  forgers['the front-proxy client certificate'] = frontProxyCredentials();
  forgers['the cluster admin certificate (system:masters)'] = { cert: await readFile(p.adminCert), key: await readFile(p.adminKey) };

  await quotaTenant(acct, [space], { pods: '2' });
  // The quota is in force once the server's controller reports it over the space (admission reads the same caches).
  expect(await eventually(async () => (await kubectlOk(['get', 'accountquota', `${acct}-quota`, '-o',
    'jsonpath={.status.total.hard.pods}/{.status.namespaces[*].namespace}'])).trim() === `2/${space}`, 30_000)).toBe(true);
}, 120_000);

afterAll(async () => {
  await kubectl(['delete', 'ns', space, '--ignore-not-found', '--wait=false']);
  await kubectl(['delete', 'accountquota', `${acct}-quota`, '--ignore-not-found']);
  await kubectl(['delete', 'accounts.config.kiosk.sh', acct, '--ignore-not-found']);
  await kubectl(['delete', 'lease', lease, '-n', SERVER_NAMESPACE, '--ignore-not-found']);
  await rm(work, { recursive: true, force: true });
});

describe('webhook client authentication', () => {
  it('admits and denies real pods through kube-apiserver as before', async () => {
    // kube-apiserver presents its admission certificate: the webhook (failurePolicy Fail) decides as usual.
    expect((await kubectl(['apply', '-f', '-'], { stdin: pod('p1') })).code).toBe(0);
    expect((await kubectl(['apply', '-f', '-'], { stdin: pod('p2') })).code).toBe(0);
    const third = await kubectl(['apply', '-f', '-'], { stdin: pod('p3') });
    expect(third.code).toBe(1);
    expect(third.stderr).toContain('exceeded quota');
    expect(third.stderr).toContain('admission webhook "accountquota.kiosk.sh" denied the request');
  }, 60_000);

  it('answers 1,000 forged reviews with 1,000 × 401 and writes no Lease', async () => {
    // The previous test's admissions wrote the ledger: it exists, and only admissions for this account write it.
    const before = await leaseVersion();
    const kinds = Object.entries(forgers);
    const codes = new Map<string, number>();
    const reasons = new Set<string>();
    const BATCH = 25;
    for (let start = 0; start < 1000; start += BATCH) {
      const answers = await Promise.all(Array.from({ length: BATCH }, (_, j) => {
        const i = start + j;
        const [, credentials] = kinds[i % kinds.length]!;
        // Express routes ignore case: every spelling of the path is refused alike.
        const path = i % 2 === 0 ? '/admission/accountquota' : '/Admission/AccountQuota';
        return direct({ method: 'POST', path, headers: { 'Content-Type': 'application/json' }, body: forgedReview(i), ...credentials });
      }));
      for (const [j, a] of answers.entries()) {
        const key = `${kinds[(start + j) % kinds.length]![0]}: ${a.status}`;
        codes.set(key, (codes.get(key) ?? 0) + 1);
        reasons.add(a.json<{ kind: string; reason: string }>().reason);
      }
    }
    expect(Object.fromEntries(codes)).toEqual(Object.fromEntries(kinds.map(([name]) => [`${name}: 401`, 1000 / kinds.length])));
    expect([...reasons]).toEqual(['Unauthorized']);
    expect(await leaseVersion()).toBe(before);

    // The same review with kube-apiserver's certificate is decided (the quota is full: denied, no write either).
    const real = await direct({ method: 'POST', path: '/admission/accountquota', headers: { 'Content-Type': 'application/json' }, body: forgedReview(1000), ...admissionCredentials() });
    expect(real.status).toBe(200);
    const response = real.json<{ response: { allowed: boolean; status?: { message: string } } }>().response;
    expect(response.allowed).toBe(false);
    expect(response.status?.message).toContain('exceeded quota');
  }, 300_000);

  it('refuses before reading the body, and closes the connection on the rest of a 50 MB body', async () => {
    const TOTAL = 50 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    type Answer = { status: number; reason: string; connection: string | undefined; sentAtResponse: number; finishedAtResponse: boolean };
    const outcome = await new Promise<Answer & { sentAtClose: number; closedBy: string }>((resolve) => {
      let sent = 0;
      let answered: Answer | undefined;
      // Chunked, no Content-Length: a server that read bodies would read up to its 3 MiB limit and say 413.
      const req = request({
        // A keep-alive client, as kube-apiserver's: one without keep-alive closes its own socket after the answer.
        host: '127.0.0.1', port: sandboxState().ports.server, method: 'POST', path: '/admission/accountquota', agent: new Agent({ keepAlive: true }),
        headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
        ca: readFileSync(pki().extensionCaCert), servername: SERVER_DNS_NAME,
      }, (res) => {
        const sentAtResponse = sent;
        const finishedAtResponse = req.writableFinished;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          answered = {
            status: res.statusCode ?? 0, reason: (JSON.parse(body) as { reason: string }).reason, connection: res.headers.connection, sentAtResponse, finishedAtResponse,
          };
          pump();
        });
      });
      let settled = false;
      const finish = (closedBy: string) => {
        if (settled) return;
        settled = true;
        resolve({ ...answered!, sentAtClose: sent, closedBy });
      };
      // After the 401 the client goes on sending: the server must close the connection long before 50 MB.
      req.on('error', (err: NodeJS.ErrnoException) => finish(err.code ?? err.message));
      req.on('socket', (socket) => socket.once('close', () => finish('close')));
      const pump = () => {
        while (sent < TOTAL) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end(() => finish('the client (whole body sent)'));
      };
      // Headers and one chunk, then nothing until the answer: no race between our writes and the server's close.
      req.flushHeaders();
      sent += chunk.length;
      req.write(chunk);
    });
    expect(outcome.status).toBe(401);
    expect(outcome.reason).toBe('Unauthorized');
    expect(outcome.finishedAtResponse).toBe(false);
    // The server closes the connection (the client never does before its 50 MB are sent): a write fails, or the
    // socket closes under the writes.
    expect(outcome.connection).toBe('close');
    expect(['EPIPE', 'ECONNRESET', 'close']).toContain(outcome.closedBy);
    expect(outcome.sentAtClose).toBeLessThan(TOTAL);
    // The figures for the README: what had left the client when the answer came, and when the server hung up
    // (it answers with Connection: close, discards at most 256 KiB more, and closes).
    process.stdout.write(`admission 401 after ${outcome.sentAtResponse} bytes of body; connection closed by the server after ${(outcome.sentAtClose / 1024 / 1024).toFixed(2)} MiB of 50 MiB sent\n`);
  }, 60_000);
});
