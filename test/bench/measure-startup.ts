import { readFileSync } from 'node:fs';
import { probe } from '../cluster/probe.js';
import type { SandboxState } from '../cluster/sandbox.js';
import { restartServer } from '../cluster/sandbox.js';
import type { Clients } from './clients.js';
import { ADMIN, connect, remoteUser, serverPid } from './clients.js';
import type { HttpsEndpoint } from './http.js';
import { sleep } from './limiter.js';
import { memoryMiB, processAgeSeconds, settle } from './proc.js';
import type { StartupFigures } from './results.js';

const READY_TIMEOUT_MS = 120_000;
const REAPPLY_TIMEOUT_MS = 180_000;
/** No apply for this long after ready: the re-applies are over. */
const REAPPLY_QUIET_MS = 10_000;
/** The harness polls /readyz every 200 ms; a finer poll of our own keeps the figure within ~20 ms. */
const POLL_MS = 10;

/** The `ms` of the last "access index built" line in the server's log: informers started to index synced. */
function indexBuildMs(logFile: string): number | undefined {
  const lines = readFileSync(logFile, 'utf8').trimEnd().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!lines[i]!.includes('"access index built"')) continue;
    try {
      return (JSON.parse(lines[i]!) as { ms?: number }).ms;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Restarts only our server (the sandbox's restartServer) and times start-up to ready: the process's
 * age, from its kernel start time, when /readyz first answers 200 (informers synced, index built). The
 * harness's own wait runs alongside; ours only polls faster. Then waits for the process to fall idle
 * and reads its memory.
 */
export async function measureStartup(state: SandboxState, accounts: number): Promise<Omit<StartupFigures, 'heapUsedMiB' | 'roleBindingList'>> {
  const oldPid = serverPid(state);
  const admin = connect(state).apiserver;
  const appliesBefore = await accountApplies(admin);
  let readySeconds: number | undefined;
  let restartDone = false;
  const restarting = restartServer(state).finally(() => (restartDone = true));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (readySeconds === undefined && Date.now() < deadline) {
    // restartServer records the new process in state.components as soon as it is spawned.
    const fresh = state.components.find((c) => c.name === 'kiosk-apiserver' && c.pid !== oldPid);
    if (fresh) {
      const res = await probe(`https://127.0.0.1:${state.ports.server}/readyz`, { insecure: true }, 1000).catch(() => undefined);
      if (res?.status === 200) readySeconds = processAgeSeconds(fresh.pid);
    }
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set from another callback, which TypeScript's narrowing does not see
    if (restartDone && readySeconds === undefined && !fresh) break;
    await sleep(POLL_MS);
  }
  await restarting;
  const pid = serverPid(state);
  if (readySeconds === undefined) throw new Error(`our poll never saw /readyz answer 200 within ${READY_TIMEOUT_MS / 1000}s`);
  const readyAt = Date.now();
  // A start may re-apply each Account's ClusterRole and ClusterRoleBinding: time until all are done, or
  // until none has come for REAPPLY_QUIET_MS (the controller skips what is already as it should be, and a
  // replica that is not the leader applies nothing).
  let reapplied = 0;
  let lastChange = Date.now();
  while (Date.now() - readyAt < REAPPLY_TIMEOUT_MS) {
    const now = (await accountApplies(admin)) - appliesBefore;
    if (now !== reapplied) lastChange = Date.now();
    reapplied = now;
    if (reapplied >= 2 * accounts || Date.now() - lastChange >= REAPPLY_QUIET_MS) break;
    await sleep(250);
  }
  const reapplySeconds = (Date.now() - readyAt) / 1000;
  admin.close();
  const settleSeconds = await settle(pid);
  const component = state.components.find((c) => c.pid === pid)!;
  const mem = memoryMiB(pid);
  return {
    readySeconds: Math.round(readySeconds * 100) / 100, indexBuildMs: indexBuildMs(component.logFile),
    settleSeconds, reapplied, reapplySeconds, rssMiB: mem.rss, peakMiB: mem.peak,
  };
}

/** Server-side applies of ClusterRoles and ClusterRoleBindings kube-apiserver has served (its own request counter). */
async function accountApplies(apiserver: HttpsEndpoint): Promise<number> {
  const metrics = await apiserver.request('/metrics');
  let total = 0;
  for (const m of metrics.body.matchAll(/^apiserver_request_total\{([^}]*)\} (\d+)/gm)) {
    if (/verb="APPLY"/.test(m[1]!) && /resource="clusterrole(binding)?s"/.test(m[1]!)) total += Number(m[2]);
  }
  return total;
}

/** The V8 heap in use, in MiB, from the server's own /metrics (prom-client's default Node metrics). */
export async function heapUsedMiB(clients: Clients): Promise<number | undefined> {
  const res = await clients.server.request('/metrics', { headers: remoteUser(ADMIN) });
  const bytes = /^nodejs_heap_size_used_bytes (\d+(?:\.\d+)?)/m.exec(res.body)?.[1];
  return bytes === undefined ? undefined : Math.round(Number(bytes) / 2 ** 20 * 10) / 10;
}

/**
 * The informer's own initial list, done by the benchmark as the admin: every page of `path` with
 * limit=500, sequentially, each page parsed. The kube-apiserver side of start-up, measured apart from ours.
 */
export async function pagedListSeconds(apiserver: HttpsEndpoint, path: string): Promise<{ seconds: number; items: number; pages: number }> {
  const started = Date.now();
  let items = 0;
  let pages = 0;
  let token = '';
  do {
    const page = await apiserver.json<{ items: unknown[]; metadata: { continue?: string } }>(
      `${path}?limit=500${token ? `&continue=${encodeURIComponent(token)}` : ''}`);
    items += page.items.length;
    pages++;
    token = page.metadata.continue ?? '';
  } while (token && pages < 10_000);
  return { seconds: (Date.now() - started) / 1000, items, pages };
}
