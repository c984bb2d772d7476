// Memory per open watch on one server process: heap and RSS with N watches held open, straight to the
// port (as kube-apiserver's aggregator connects, one TLS connection per watch), then after they close.
//
//   npm run -s build && node dist/test/bench/watch-memory.js [watches=1000]
//
// Needs a running sandbox (npm run sandbox). Starts its own replica so the figures are that process's
// alone. The watches are spread over users of at most 100 watches each (the default per-user limit),
// all in system:masters, so each watch starts with every namespace as ADDED.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import type { ClientRequest } from 'node:http';
import { startExtraServer } from '../cluster/sandbox.js';
import { pki, sandboxState } from '../support/sandbox-access.js';
import { asUser, directAgent, metric, MiB, rssBytes, settledRss } from '../support/server-memory.js';

const SPACES = '/apis/tenancy.kiosk.sh/v1alpha1/spaces?watch=true';
const PER_USER = 100;

function openWatch(port: number, user: string, agent: ReturnType<typeof directAgent>, ca: Buffer): Promise<ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: SPACES, agent, ca, headers: asUser(user, ['system:masters', 'system:authenticated']) }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`watch answered ${res.statusCode}`));
      res.on('data', () => undefined);
      res.on('error', () => undefined);
      resolve(req);
    });
    req.on('error', (err) => reject(err));
    req.end();
  });
}

async function openedCount(port: number, n: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  while ((await metric(port, 'apiserver_longrunning_requests')) !== n) {
    if (Date.now() > deadline) throw new Error(`the server did not reach ${n} open watches`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function main(): Promise<void> {
  const watches = Number(process.argv[2] ?? 1000);
  const server = await startExtraServer(sandboxState());
  const agent = directAgent(watches + 8);
  const ca = readFileSync(pki().extensionCaCert);
  const fmt = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;
  try {
    // Warm-up: the code paths, TLS and the first views, then a settled baseline.
    const warm = await Promise.all(Array.from({ length: 20 }, (_, i) => openWatch(server.port, `bench-warm-${i % 2}`, agent, ca)));
    await openedCount(server.port, 20);
    for (const r of warm) r.destroy();
    await openedCount(server.port, 0);
    const rss0 = await settledRss(server.pid);
    const heap0 = await metric(server.port, 'nodejs_heap_size_used_bytes');

    const open: ClientRequest[] = [];
    for (let i = 0; i < watches; i += 50) {
      const batch = Array.from({ length: Math.min(50, watches - i) }, (_, j) => openWatch(server.port, `bench-user-${Math.floor((i + j) / PER_USER)}`, agent, ca));
      open.push(...await Promise.all(batch));
    }
    await openedCount(server.port, watches);
    const rss1 = await settledRss(server.pid);
    const heap1 = await metric(server.port, 'nodejs_heap_size_used_bytes');

    for (const r of open) r.destroy();
    await openedCount(server.port, 0);
    // Let GC and the allocator return what they will (up to a minute), then read again.
    let rss2 = await settledRss(server.pid);
    const deadline = Date.now() + 60_000;
    while (rss2 - rss0 > 20 * MiB && Date.now() < deadline) rss2 = await settledRss(server.pid);
    const heap2 = await metric(server.port, 'nodejs_heap_size_used_bytes');

    const namespaces = (await metric(server.port, 'kiosk_access_index_objects').catch(() => NaN));
    process.stdout.write([
      `watch memory: ${watches} watches held open straight to the port (index objects: ${namespaces})`,
      `  baseline           RSS ${fmt(rss0)}   heap used ${fmt(heap0)}`,
      `  with watches open  RSS ${fmt(rss1)}   heap used ${fmt(heap1)}`,
      `  per open watch     RSS ${((rss1 - rss0) / watches / 1024).toFixed(1)} KiB   heap ${((heap1 - heap0) / watches / 1024).toFixed(1)} KiB`,
      `  after closing      RSS ${fmt(rss2)} (${fmt(rss2 - rss0)} above baseline)   heap used ${fmt(heap2)}`,
      `  process RSS now    ${fmt(rssBytes(server.pid))}`,
    ].join('\n') + '\n');
  } finally {
    agent.destroy();
    await server.stop();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
