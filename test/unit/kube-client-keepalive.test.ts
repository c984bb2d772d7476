// KubeClient on the keep-alive race: kube-apiserver closes a connection it has kept idle (Go's IdleTimeout) just
// as the client sends the next request on it. The request was never read, so Node's documented answer
// (http.ClientRequest.reusedSocket) is to send it again on a fresh connection; a reset on a fresh connection,
// or of a create, is an answer the caller must see.
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../storage/client.js';
import { kubeConfigCredentials } from '../../storage/kube-credentials.js';
import { createCertificateAuthority, createServingCertificate } from '../../storage/serving-certs/x509.js';

const ca = createCertificateAuthority({ commonName: 'test-ca', notBefore: new Date(Date.now() - 60_000), validityDays: 1 });
const serving = createServingCertificate(ca, { commonName: '127.0.0.1', dnsNames: [], ipAddresses: ['127.0.0.1'], notBefore: new Date(Date.now() - 60_000), validityDays: 1 });

/** A server that resets the connection on the nth request a connection carries (nth = 1: every first request). */
async function resettingServer(resetOn: number): Promise<{ server: Server; seen: string[]; client: KubeClient }> {
  const perSocket = new WeakMap<Socket, number>();
  const seen: string[] = [];
  const server = createServer({ key: serving.keyPem, cert: serving.certPem }, (req, res) => {
    const n = (perSocket.get(req.socket) ?? 0) + 1;
    perSocket.set(req.socket, n);
    seen.push(`${req.method ?? ''} #${n}`);
    if (n === resetOn) return req.socket.destroy();
    req.resume();
    res.setHeader('Content-Type', 'application/json');
    return res.end(JSON.stringify({ kind: 'Lease', n }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'c', server: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, caData: Buffer.from(ca.certPem).toString('base64') }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return { server, seen, client: new KubeClient(kubeConfigCredentials(config)) };
}

describe('KubeClient on a kept-alive connection the server has closed', () => {
  let close: () => Promise<void>;
  afterEach(async () => close());
  const setUp = async (resetOn: number) => {
    const s = await resettingServer(resetOn);
    close = async () => {
      s.client.close();
      await new Promise<void>((resolve) => s.server.close(() => resolve()));
    };
    return s;
  };

  it.each(['GET', 'PUT', 'PATCH', 'DELETE'])('sends a %s again on a fresh connection when the reused one is reset', async (method) => {
    const { client, seen } = await setUp(2);
    await expect(client.request('GET', '/first')).resolves.toEqual({ kind: 'Lease', n: 1 });
    await expect(client.request(method, '/second', { body: {} })).resolves.toEqual({ kind: 'Lease', n: 1 });
    expect(seen).toEqual(['GET #1', `${method} #2`, `${method} #1`]);
  });

  it('does not send a create twice: a reset POST fails as it happened', async () => {
    const { client, seen } = await setUp(2);
    await client.request('GET', '/first');
    await expect(client.request('POST', '/second', { body: {} })).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(seen).toEqual(['GET #1', 'POST #2']);
  });

  it('does not retry a reset of a fresh connection: the server refused the request itself', async () => {
    const { client, seen } = await setUp(1);
    await expect(client.request('GET', '/only')).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(seen).toEqual(['GET #1']);
  });
});
