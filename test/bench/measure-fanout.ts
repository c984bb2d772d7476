import { performance } from 'node:perf_hooks';
import type { SandboxState } from '../cluster/sandbox.js';
import type { Clients } from './clients.js';
import { SPACES_PATH, connect, remoteUser, serverPid } from './clients.js';
import { collectionPath, create } from './generator.js';
import { Limiter, sleep } from './limiter.js';
import { FANOUT_GROUP, FANOUT_NAMESPACES, fanoutNamespace, roleBinding } from './model.js';
import { cpuMs, memoryMiB, settle } from './proc.js';
import type { BenchOptions, FanoutEvent, FanoutFigures } from './results.js';
import { percentile, summarize } from './stats.js';
import { SpaceWatch } from './watch.js';

/** Watches opened at once: TLS handshakes are CPU-bound on both sides, a burst of 1,000 gains nothing. */
const OPEN_CONCURRENCY = 50;
const EVENT_TIMEOUT_MS = 30_000;
const GRANT = 'bench-fanout';
const UNRELATED = 'bench-unrelated';
const PROBE_USER = { username: 'bench-probe', groups: [] };

const round = (x: number) => Math.round(x * 100) / 100;

/**
 * Waits until our server's index has caught up with a resourceVersion, using the list's own "not older
 * than" semantics (the server holds the request until its clock reaches it).
 */
async function awaitIndex(clients: Clients, resourceVersion: string): Promise<void> {
  // As a user who sees nothing: an admin's list with limit=1 counts remainingItemCount over every
  // namespace, a cost that would grow with the size and blur the per-change figure.
  const r = await clients.server.request(`${SPACES_PATH}?limit=1&resourceVersion=${resourceVersion}`, { headers: remoteUser(PROBE_USER) });
  if (r.status !== 200) throw new Error(`waiting for resourceVersion ${resourceVersion}: ${r.status} ${r.body.slice(0, 200)}`);
}

/** One write seen by every watcher: times the arrivals relative to the write and the server's CPU meanwhile. */
async function timedEvent(pid: number, watchers: SpaceWatch[], type: 'ADDED' | 'DELETED', ns: string, write: () => Promise<unknown>): Promise<FanoutEvent> {
  const cpu0 = cpuMs(pid);
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  await write();
  const arrivals = await Promise.all(watchers.map((w) => w.waitFor(type, ns, EVENT_TIMEOUT_MS)));
  const serverCpuMs = round(cpuMs(pid) - cpu0);
  const client = process.cpuUsage(client0);
  const sorted = arrivals.map((a) => a - t0).sort((a, b) => a - b);
  return {
    firstMs: round(sorted[0]!), p50Ms: round(percentile(sorted, 50)), p99Ms: round(percentile(sorted, 99)),
    lastMs: round(sorted[sorted.length - 1]!), serverCpuMs, clientCpuMs: round((client.user + client.system) / 1000),
  };
}

/**
 * Server CPU per RoleBinding change that no watcher is concerned with (a user nobody watches as), so
 * that with watches open the figure shows what merely having them costs on every change. Creates are
 * timed (each waited for in the index); the deletes that clean up happen outside the window.
 */
async function unrelatedCost(clients: Clients, pid: number, changes: number): Promise<number> {
  const ns = fanoutNamespace(0);
  const bindings = Array.from({ length: changes }, (_, i) =>
    roleBinding(ns, `${UNRELATED}-${i}`, 'bench:space-viewer', [{ kind: 'User', name: 'bench-nobody' }], 'fanout'));
  const remove = () => Promise.all(bindings.map((b) =>
    clients.apiserver.json(`${collectionPath(b)}/${b.metadata.name}`, { method: 'DELETE' }, [200, 404])));
  await remove();
  await settle(pid, 30_000);
  await awaitIndex(clients, '0'); // warms the SubjectAccessReview cache for the probe user
  const cpu0 = cpuMs(pid);
  for (const b of bindings) await awaitIndex(clients, await create(clients.apiserver, b));
  const perChange = (cpuMs(pid) - cpu0) / changes;
  await remove();
  await settle(pid, 30_000);
  return round(perChange);
}

/**
 * Opens `options.watches` watches straight to our server (users bench-fan-user-<k>, some with two
 * watches, all in the fan-out group), then grants the group a namespace and revokes it again, timing
 * how long until every watcher has the event and how much server CPU each event costs.
 */
export async function measureFanout(state: SandboxState, clients: Clients, options: BenchOptions): Promise<FanoutFigures> {
  const pid = serverPid(state);
  // Leftovers of an interrupted run would make a grant a no-op for the watchers.
  for (let k = 0; k < FANOUT_NAMESPACES; k++) {
    await clients.apiserver.json(`${collectionPath({ kind: 'RoleBinding', metadata: { namespace: fanoutNamespace(k) } })}/${GRANT}`, { method: 'DELETE' }, [200, 404]);
  }
  const noWatches = await unrelatedCost(clients, pid, options.unrelatedChanges);
  const rssBeforeWatchesMiB = memoryMiB(pid).rss;

  // One socket per watch: a dedicated agent whose pool is larger than the number of watches.
  const streams = connect(state, options.watches + 16);
  const watchers: SpaceWatch[] = [];
  const limiter = new Limiter(OPEN_CONCURRENCY);
  const opened = performance.now();
  try {
    await Promise.all(Array.from({ length: options.watches }, (_, k) => limiter.run(async () => {
      const who = { username: `bench-fan-user-${k % options.fanoutUsers}`, groups: [FANOUT_GROUP] };
      watchers.push(await SpaceWatch.open(streams.server, who));
    })));
    const openSeconds = round((performance.now() - opened) / 1000);
    await settle(pid, 60_000);
    const rssWithWatchesMiB = memoryMiB(pid).rss;

    const grants: FanoutEvent[] = [];
    const revokes: FanoutEvent[] = [];
    for (let j = 0; j < options.fanoutEvents; j++) {
      const ns = fanoutNamespace(j % FANOUT_NAMESPACES);
      const binding = roleBinding(ns, GRANT, 'bench:space-viewer', [{ kind: 'Group', name: FANOUT_GROUP }], 'fanout');
      grants.push(await timedEvent(pid, watchers, 'ADDED', ns, () => create(clients.apiserver, binding)));
      await sleep(50);
      revokes.push(await timedEvent(pid, watchers, 'DELETED', ns,
        () => clients.apiserver.json(`${collectionPath(binding)}/${GRANT}`, { method: 'DELETE' })));
      for (const w of watchers) w.forget();
      await sleep(50);
    }
    const withWatches = await unrelatedCost(clients, pid, options.unrelatedChanges);
    const all = [...grants, ...revokes];
    return {
      watches: watchers.length, distinctUsers: Math.min(options.fanoutUsers, options.watches), openSeconds,
      rssBeforeWatchesMiB, rssWithWatchesMiB, grants, revokes,
      lastMs: summarize(all.map((e) => e.lastMs)), serverCpuMsPerEvent: summarize(all.map((e) => e.serverCpuMs)),
      unrelatedCpuMsPerChange: { noWatches, withWatches, changes: options.unrelatedChanges },
    };
  } finally {
    for (const w of watchers) w.close();
    streams.close();
  }
}
