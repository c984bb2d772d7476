// One tenant asking for thousands of watches: up to --max-watches-per-user are served, the rest are
// answered 429 with Retry-After (directly and through kube-apiserver alike), other users list and watch
// as before, and the memory the watches held is returned once they close.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { startExtraServer } from '../cluster/sandbox.js';
import { kubectlOk } from '../cluster/kubectl.js';
import { grantSpacesReader } from '../support/rbac.js';
import { pki, sandboxState } from '../support/sandbox-access.js';
import { asUser, directAgent, metric, MiB, rssBytes, send, settledRss } from '../support/server-memory.js';

const SPACES = '/apis/tenancy.kiosk.sh/v1alpha1/spaces';
const PER_USER = 100;
const ASKED = 10_000;
/** The Deployment's V8 heap limit (NODE_OPTIONS=--max-old-space-size=768 in manifests/deployment.yaml). */
const HEAP_LIMIT = 768 * MiB;

interface Held { res: IncomingMessage; req: ClientRequest }
type Outcome = { status: number; headers: IncomingMessage['headers']; body: string; held?: Held };

/**
 * Asks for a watch: a 200 is kept open (its events read and dropped) and returned as held; any other
 * answer is read to its end, freeing the agent's connection for the next request.
 */
function askWatch(agent: Agent, port: number, path: string, headers: OutgoingHttpHeaders, ca: Buffer): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent, ca }, (res) => {
      if (res.statusCode === 200) {
        res.on('data', () => undefined);
        res.on('error', () => undefined);
        resolve({ status: 200, headers: res.headers, body: '', held: { res, req } });
        return;
      }
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', (err) => reject(err));
    req.end();
  });
}

function closeAll(outcomes: Outcome[]): void {
  for (const o of outcomes) o.held?.req.destroy();
}

/** Runs the asks with at most `concurrency` awaiting an answer at once (held watches do not count). */
async function askMany(n: number, concurrency: number, ask: () => Promise<Outcome>): Promise<Outcome[]> {
  const out: Outcome[] = [];
  let started = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (started < n) {
      started++;
      out.push(await ask());
    }
  }));
  return out;
}

function expectTooManyRequests(o: Outcome): void {
  expect(o.status).toBe(429);
  expect(o.headers['retry-after']).toBe('1');
  expect(JSON.parse(o.body)).toMatchObject({
    kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 429, reason: 'TooManyRequests', details: { retryAfterSeconds: 1 },
  });
}

describe('watches bounded per user', () => {
  beforeAll(async () => {
    await grantSpacesReader('watch-limits-dev', 'watch-limits-dev');
  });

  it(`one user asking for ${ASKED} watches straight to the port gets ${PER_USER}; others are unaffected; memory returns`, async () => {
    const server = await startExtraServer(sandboxState());
    const agent = directAgent(PER_USER + 64);
    const other = directAgent(4);
    const ca = readFileSync(pki().extensionCaCert);
    const dev = asUser('watch-limits-dev');
    let outcomes: Outcome[] = [];
    try {
      // Warm-up: a few watches opened and closed, so the baseline includes the code paths and TLS state.
      closeAll(await askMany(20, 20, () => askWatch(agent, server.port, `${SPACES}?watch=true`, asUser('watch-limits-warmup', ['system:masters']), ca)));
      await metricSettles(server.port, 0);
      const baseline = await settledRss(server.pid);

      outcomes = await askMany(ASKED, 64, () => askWatch(agent, server.port, `${SPACES}?watch=true`, dev, ca));
      const served = outcomes.filter((o) => o.status === 200);
      expect(served).toHaveLength(PER_USER);
      const refused = outcomes.filter((o) => o.status !== 200);
      expect(refused).toHaveLength(ASKED - PER_USER);
      for (const o of refused) expectTooManyRequests(o);
      expect((JSON.parse(refused[0]!.body) as { message: string }).message).toBe(
        `Too many requests, please try again later: user "watch-limits-dev" already has ${PER_USER} watches open, the most one user may hold`);

      // Another user lists and watches as before, while the first holds its watches.
      expect((await send(other, server.port, SPACES, asUser('kubernetes-admin', ['system:masters']))).status).toBe(200);
      const otherWatch = await askWatch(other, server.port, `${SPACES}?watch=true`, asUser('watch-limits-other', ['system:masters']), ca);
      expect(otherWatch.status).toBe(200);
      closeAll([otherWatch]);

      // Within the Deployment's memory: the heap well under its limit, and the process still serving.
      const heap = await metric(server.port, 'nodejs_heap_size_used_bytes');
      const held = rssBytes(server.pid);
      process.stdout.write(`[watch-limits] baseline RSS ${(baseline / MiB).toFixed(1)} MiB; with ${PER_USER} watches held and ${ASKED - PER_USER} refused: RSS ${(held / MiB).toFixed(1)} MiB, heap ${(heap / MiB).toFixed(1)} MiB\n`);
      expect(heap).toBeLessThan(HEAP_LIMIT);
      expect(await metric(server.port, 'apiserver_longrunning_requests')).toBe(PER_USER);

      closeAll(outcomes);
      await metricSettles(server.port, 0);
      // The user's slots are back: a new watch is served.
      const again = await askWatch(other, server.port, `${SPACES}?watch=true`, dev, ca);
      expect(again.status).toBe(200);
      closeAll([again]);
      await metricSettles(server.port, 0);

      // RSS returns to within 20 MiB of the baseline (allocator and GC permitting: wait for it).
      let after = await settledRss(server.pid);
      const deadline = Date.now() + 120_000;
      while (after - baseline > 20 * MiB && Date.now() < deadline) after = await settledRss(server.pid);
      process.stdout.write(`[watch-limits] after closing: RSS ${(after / MiB).toFixed(1)} MiB\n`);
      expect(after - baseline).toBeLessThanOrEqual(20 * MiB);
      expect((await send(other, server.port, SPACES, asUser('kubernetes-admin', ['system:masters']))).status).toBe(200);
    } finally {
      closeAll(outcomes);
      agent.destroy();
      other.destroy();
      await server.stop();
    }
  }, 600_000);

  it('through kube-apiserver, the 429 with Retry-After reaches the client; other users still list and watch', async () => {
    const state = sandboxState();
    const p = pki();
    const ca = readFileSync(p.caCert);
    const agent = new Agent({ keepAlive: true, maxSockets: PER_USER + 32, cert: readFileSync(p.adminCert), key: readFileSync(p.adminKey) });
    const admin = new Agent({ keepAlive: true, maxSockets: 4, cert: readFileSync(p.adminCert), key: readFileSync(p.adminKey) });
    let outcomes: Outcome[] = [];
    try {
      outcomes = await askMany(PER_USER + 50, 32, () => askWatch(agent, state.ports.apiserver, `${SPACES}?watch=true`,
        { 'Impersonate-User': 'watch-limits-dev' }, ca));
      expect(outcomes.filter((o) => o.status === 200)).toHaveLength(PER_USER);
      const refused = outcomes.filter((o) => o.status !== 200);
      expect(refused).toHaveLength(50);
      for (const o of refused) expectTooManyRequests(o);

      // The admin, and kubectl as another tenant, are unaffected.
      expect((await askWatch(admin, state.ports.apiserver, SPACES, {}, ca)).status).toBe(200);
      const adminWatch = await askWatch(admin, state.ports.apiserver, `${SPACES}?watch=true`, {}, ca);
      expect(adminWatch.status).toBe(200);
      closeAll([adminWatch]);
      await kubectlOk(['get', 'spaces', '--as=watch-limits-dev-2', '--as-group=system:masters']);
    } finally {
      closeAll(outcomes);
      agent.destroy();
      admin.destroy();
    }
  }, 300_000);
});

/** Waits until the server counts `n` open watches (closes reach it asynchronously). */
async function metricSettles(port: number, n: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await metric(port, 'apiserver_longrunning_requests')) !== n) {
    if (Date.now() > deadline) throw new Error(`apiserver_longrunning_requests did not reach ${n}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
