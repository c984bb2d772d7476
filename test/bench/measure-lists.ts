import { loadavg } from 'node:os';
import type { Clients, Identity } from './clients.js';
import { SPACES_PATH, impersonate, remoteUser } from './clients.js';
import type { HttpResult } from './http.js';
import { sleep } from './limiter.js';
import { cpuShares } from './proc.js';
import { gcDuring } from './gc-figures.js';
import { logOffset, serverLatencies } from './server-log.js';
import { BENCH_USER, MEASURED_VISIBLE, WIDE_USER, tenantNamespace } from './model.js';
import type { BenchOptions, ListFigures } from './results.js';
import type { Summary } from './stats.js';
import { summarize } from './stats.js';

/** Warm-up requests per series: JIT, connection, SubjectAccessReview cache and view cache all warm. */
const WARMUP = 30;
const DISCOVERY_PATH = '/apis/tenancy.kiosk.sh/v1alpha1';

/**
 * Sequential samples of one request: one at a time, so each figure is a latency and not a queueing
 * effect. Every answer must be 200; `check` looks at the warm-up answers' bodies (parsing each sample
 * would add client time between requests, not to them).
 */
async function sample(samples: number, send: () => Promise<HttpResult>, check: (r: HttpResult) => void): Promise<Summary> {
  for (let i = 0; i < WARMUP; i++) check(await send());
  const ms: number[] = [];
  for (let i = 0; i < samples; i++) {
    const r = await send();
    if (r.status !== 200) throw new Error(`sample ${i}: ${r.status} ${r.body.slice(0, 200)}`);
    ms.push(r.ms);
  }
  return summarize(ms);
}

function expectSpaces(expected: number, seen: (n: number) => void) {
  return (r: HttpResult) => {
    if (r.status !== 200) throw new Error(`list spaces: ${r.status} ${r.body.slice(0, 300)}`);
    const n = (JSON.parse(r.body) as { items: unknown[] }).items.length;
    if (n !== expected) throw new Error(`list spaces returned ${n} items, expected ${expected}`);
    seen(n);
  };
}

/**
 * After our server restarts, kube-apiserver's aggregator answers 503 until its availability check sees
 * the APIService up again. Waits (bounded) for a proxied list to succeed; returns the seconds waited.
 */
export async function waitForAggregator(clients: Clients, timeoutMs = 120_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    const r = await clients.apiserver.request(SPACES_PATH, { headers: impersonate(BENCH_USER) }).catch(() => undefined);
    if (r?.status === 200) return (Date.now() - started) / 1000;
    if (Date.now() - started > timeoutMs) throw new Error(`kube-apiserver did not proxy to our server within ${timeoutMs / 1000}s (last: ${String(r?.status)} ${String(r?.body.slice(0, 200))})`);
    await sleep(200);
  }
}

/**
 * The list latencies of one size. `serverLog` is our server's log file: the latencies it logged itself
 * for bench-user's lists are read back, so the figures split into time inside the server and the rest.
 */
export async function measureLists(clients: Clients, options: BenchOptions, server: { pid: number; log: string }): Promise<ListFigures> {
  const aggregatorWaitSeconds = await waitForAggregator(clients);
  const visible = { benchUser: 0, wideUser: 0 };
  const direct = (who: Identity, path = SPACES_PATH) => () => clients.server.request(path, { headers: remoteUser(who) });
  const proxied = (who: Identity) => () => clients.apiserver.request(SPACES_PATH, { headers: impersonate(who) });
  const bench = expectSpaces(MEASURED_VISIBLE, (n) => (visible.benchUser = n));
  const wide = expectSpaces(MEASURED_VISIBLE, (n) => (visible.wideUser = n));
  const adminGet = () => clients.apiserver.request(`/api/v1/namespaces/${tenantNamespace(0)}`);
  const okStatus = (r: HttpResult) => {
    if (r.status !== 200) throw new Error(`GET ${r.body.slice(0, 200)}: ${r.status}`);
  };
  const loadAverage = loadavg()[0]!;
  const offset = logOffset(server.log);
  const { result: directRun, gc } = await gcDuring(clients, () => cpuShares(server.pid, () => sample(options.listSamples, direct(BENCH_USER), bench)));
  const figures = {
    direct: directRun.result,
    viaApiserver: await sample(options.apiserverSamples, proxied(BENCH_USER), bench),
    wideDirect: await sample(options.wideSamples, direct(WIDE_USER), wide),
    wideViaApiserver: await sample(options.wideSamples, proxied(WIDE_USER), wide),
    adminGetNamespace: await sample(options.apiserverSamples, adminGet, okStatus),
    discoveryDirect: await sample(options.apiserverSamples, direct(BENCH_USER, DISCOVERY_PATH), okStatus),
  };
  // The server logs warm-up requests too: drop them, as the client-side figures do.
  const logged = serverLatencies(server.log, offset, SPACES_PATH, BENCH_USER.username);
  return {
    ...figures,
    serverSide: { direct: summarize(logged.direct.slice(WARMUP)), viaApiserver: summarize(logged.viaApiserver.slice(WARMUP)) },
    visible, aggregatorWaitSeconds, loadAverage: Math.round(loadAverage * 100) / 100, cpuDuringDirect: directRun.cpus, gcDuringDirect: gc,
  };
}
