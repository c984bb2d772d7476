// Bursts at a limit, side by side in one run (`npm run bench:quota -- --burst`): N pod creates sent at once
// through kube-apiserver under kube-apiserver's own ResourceQuota in a plain namespace, under an AccountQuota
// in one space, and under an AccountQuota spread over 10 spaces of one account; and N Space creates at once
// at an Account's space limit. Counts what was admitted and every status, the wall time of the burst, and the
// webhook's latency as our server logged it. The client sends a 429 again after its Retry-After, as client-go does.
import { loadavg } from 'node:os';
import type { Clients } from './clients.js';
import type { HttpResult } from './http.js';
import { HttpsEndpoint } from './http.js';
import { sleep } from './limiter.js';
import { SET_LABEL } from './model.js';
import type { BenchResults } from './results.js';
import { logOffset, readFrom } from './server-log.js';
import type { Summary } from './stats.js';
import { summarize } from './stats.js';

type Log = (line: string) => void;

export const BURST_RESULTS_PREFIX = 'quota-burst-';

export interface BurstCase {
  /** What limits the burst: `ResourceQuota`, `AccountQuota, 1 space`, `AccountQuota, 10 spaces`, `space limit`. */
  target: string;
  n: number;
  limit: number;
  /** From the first request sent to the last final answer (429s sent again included). */
  wallSeconds: number;
  /** Final answers 201. */
  admitted: number;
  /** Final answers by status. */
  statuses: Record<string, number>;
  /** 429 answers sent again (each one's Retry-After, at most 1 s, with jitter). */
  retried429: number;
  /** One 5xx message, if any. */
  firstServerError?: string;
  /** The webhook calls (or, for spaces, the space creates) as our server logged them; absent without a webhook. */
  server?: Summary;
}

export interface BurstResults {
  schema: 1;
  kind: 'quota-burst';
  startedAt: string;
  finishedAt: string;
  machine: BenchResults['machine'];
  load: { before: number; after: number };
  cases: BurstCase[];
  notes: string[];
}

const POD_SIZES = [200, 1_000];
const SPACE_SIZES = [200];
/** A limit below N: three quarters of it. */
const limitFor = (n: number) => Math.floor((n * 3) / 4);

const podsPath = (ns: string) => `/api/v1/namespaces/${ns}/pods`;
const SPACES_PATH = '/apis/tenancy.kiosk.sh/v1alpha1/spaces';
const pod = (name: string) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { [SET_LABEL]: 'burst' } },
  spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }] },
});

async function must(res: Promise<HttpResult>, what: string): Promise<void> {
  const r = await res;
  if (r.status >= 300 && r.status !== 409) throw new Error(`${what}: ${r.status} ${r.body.slice(0, 300)}`);
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} not within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

const hasDefaultServiceAccount = async (c: Clients, ns: string) => (await c.apiserver.request(`/api/v1/namespaces/${ns}/serviceaccounts/default`)).status === 200;

/** A plain namespace with a ResourceQuota `pods: limit`, once kube-apiserver's quota controller has its status. */
async function resourceQuotaNamespace(c: Clients, ns: string, limit: number): Promise<void> {
  await must(c.apiserver.request('/api/v1/namespaces', { method: 'POST', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { [SET_LABEL]: 'burst' } } } }), `namespace ${ns}`);
  await must(c.apiserver.request(`/api/v1/namespaces/${ns}/resourcequotas`, {
    method: 'POST', body: { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'pods' }, spec: { hard: { pods: String(limit) } } },
  }), `ResourceQuota in ${ns}`);
  await until(async () => hasDefaultServiceAccount(c, ns), 60_000, `default ServiceAccount in ${ns}`);
  await until(async () => {
    const q = await c.apiserver.json<{ status?: { hard?: Record<string, string> } }>(`/api/v1/namespaces/${ns}/resourcequotas/pods`);
    return q.status?.hard?.pods === String(limit);
  }, 60_000, `ResourceQuota status in ${ns}`);
}

/** An Account with `spaces` Spaces (created through the aggregator as the admin) and an AccountQuota `pods: limit`. */
async function accountQuotaSpaces(c: Clients, account: string, spaces: string[], limit: number, log: Log): Promise<void> {
  await must(c.apiserver.request('/apis/config.kiosk.sh/v1alpha1/accounts', {
    method: 'POST', body: { apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'Account', metadata: { name: account, labels: { [SET_LABEL]: 'burst' } }, spec: {} },
  }), `account ${account}`);
  await must(c.apiserver.request('/apis/config.kiosk.sh/v1alpha1/accountquotas', {
    method: 'POST', body: { apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'AccountQuota', metadata: { name: account }, spec: { account, quota: { hard: { pods: String(limit) } } } },
  }), `AccountQuota ${account}`);
  for (const s of spaces) {
    await must(c.apiserver.request(SPACES_PATH, { method: 'POST', body: { apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'Space', metadata: { name: s }, spec: { account } } }), `space ${s}`);
  }
  for (const s of spaces) await until(async () => hasDefaultServiceAccount(c, s), 60_000, `default ServiceAccount in ${s}`);
  await until(async () => {
    const q = await c.apiserver.json<{ status?: { namespaces?: Array<{ namespace: string }> } }>(`/apis/config.kiosk.sh/v1alpha1/accountquotas/${account}`);
    const listed = (q.status?.namespaces ?? []).map((n) => n.namespace);
    return spaces.every((s) => listed.includes(s));
  }, 60_000, `AccountQuota ${account} listing its spaces`);
  log(`  account ${account}: ${spaces.length} space(s), pods ${limit}`);
}

/** Latencies our server logged for requests whose URI (without its query) is `uri`, since `offset`. */
function serverLatencies(logFile: string, offset: number, uri: (u: string) => boolean): number[] {
  const out: number[] = [];
  for (const line of readFrom(logFile, offset).split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const o = JSON.parse(line) as { msg?: string; uri?: string; verb?: string; latency?: string };
      if (o.msg === 'HTTP' && o.uri && uri(o.uri.split('?')[0]!) && o.latency?.endsWith('ms')) out.push(Number(o.latency.slice(0, -2)));
    } catch {
      // not a JSON line
    }
  }
  return out;
}

/** Sends every request at once, each on a connection of its own; a 429 again after its Retry-After (≤ 1 s, jittered). */
async function burst(endpoint: HttpsEndpoint, requests: Array<{ path: string; body: unknown }>): Promise<Omit<BurstCase, 'target' | 'n' | 'limit' | 'server'>> {
  let retried = 0;
  let firstServerError: string | undefined;
  const started = Date.now();
  const finals = await Promise.all(requests.map(async ({ path, body }) => {
    for (let attempt = 0; ; attempt++) {
      const r = await endpoint.request(path, { method: 'POST', body, timeoutMs: 60_000 }).catch((err: unknown) => ({ status: 0, body: String(err), ms: 0 }));
      if (r.status >= 500 || r.status === 0) firstServerError ??= `${r.status} ${r.body.slice(0, 300)}`;
      if (r.status !== 429 || attempt >= 20) return r.status;
      retried++;
      await sleep(Math.random() * 1000);
    }
  }));
  const wallSeconds = (Date.now() - started) / 1000;
  const statuses: Record<string, number> = {};
  for (const s of finals) statuses[String(s)] = (statuses[String(s)] ?? 0) + 1;
  return { wallSeconds, admitted: statuses['201'] ?? 0, statuses, retried429: retried, firstServerError };
}

/** Measures every case, one after the other, on the running sandbox. */
export async function measureBursts(clients: Clients, tls: ConstructorParameters<typeof HttpsEndpoint>[1], apiserverPort: number,
  serverLog: string, run: string, log: Log): Promise<Pick<BurstResults, 'cases' | 'load'>> {
  const cases: BurstCase[] = [];
  const before = Math.round(loadavg()[0]! * 100) / 100;
  const settle = () => sleep(5_000);
  for (const n of POD_SIZES) {
    const limit = limitFor(n);
    const rq = `burst-rq-${n}-${run}`;
    const one = `burst-one-${n}-${run}`;
    const ten = `burst-ten-${n}-${run}`;
    const tenSpaces = Array.from({ length: 10 }, (_, i) => `${ten}-${i}`);
    log(`setting up N=${n}, limit ${limit}`);
    await resourceQuotaNamespace(clients, rq, limit);
    await accountQuotaSpaces(clients, one, [`${one}-0`], limit, log);
    await accountQuotaSpaces(clients, ten, tenSpaces, limit, log);
    const series: Array<{ target: string; namespaces: string[]; webhook: boolean }> = [
      { target: 'ResourceQuota, 1 namespace', namespaces: [rq], webhook: false },
      { target: 'AccountQuota, 1 space', namespaces: [`${one}-0`], webhook: true },
      { target: 'AccountQuota, 10 spaces', namespaces: tenSpaces, webhook: true },
    ];
    for (const s of series) {
      await settle();
      const endpoint = new HttpsEndpoint(apiserverPort, tls, n);
      const offset = logOffset(serverLog);
      try {
        const figures = await burst(endpoint, Array.from({ length: n }, (_, i) => ({ path: podsPath(s.namespaces[i % s.namespaces.length]!), body: pod(`b-${i}`) })));
        await sleep(300); // the server writes a request's log line after its response
        const server = s.webhook ? summarize(serverLatencies(serverLog, offset, (u) => u === '/admission/accountquota')) : undefined;
        cases.push({ target: s.target, n, limit, ...figures, server });
        log(`  ${s.target}, N=${n}: ${figures.wallSeconds.toFixed(2)} s, ${figures.admitted} admitted, ${JSON.stringify(figures.statuses)}, ${figures.retried429} 429s retried` +
          (server ? `, webhook p50/p99 ${server.p50}/${server.p99} ms` : ''));
      } finally {
        endpoint.close();
      }
    }
  }
  for (const n of SPACE_SIZES) {
    const limit = limitFor(n);
    const account = `burst-spaces-${n}-${run}`;
    await must(clients.apiserver.request('/apis/config.kiosk.sh/v1alpha1/accounts', {
      method: 'POST', body: { apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'Account', metadata: { name: account, labels: { [SET_LABEL]: 'burst' } }, spec: { space: { limit } } },
    }), `account ${account}`);
    await settle();
    const endpoint = new HttpsEndpoint(apiserverPort, tls, n);
    const offset = logOffset(serverLog);
    try {
      const figures = await burst(endpoint, Array.from({ length: n }, (_, i) => ({
        path: SPACES_PATH, body: { apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'Space', metadata: { name: `${account}-${i}` }, spec: { account } },
      })));
      await sleep(300);
      const server = summarize(serverLatencies(serverLog, offset, (u) => u === SPACES_PATH));
      cases.push({ target: 'space limit', n, limit, ...figures, server });
      log(`  space creates, N=${n}, limit ${limit}: ${figures.wallSeconds.toFixed(2)} s, ${figures.admitted} created, ${JSON.stringify(figures.statuses)}, server p50/p99 ${server.p50}/${server.p99} ms`);
    } finally {
      endpoint.close();
    }
  }
  return { cases, load: { before, after: Math.round(loadavg()[0]! * 100) / 100 } };
}

const fixed = (x: number) => (Number.isFinite(x) ? (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0)) : '—');

/** The section of docs/benchmarks.md for a burst run. */
export function renderBursts(b: BurstResults | undefined): string {
  if (!b) return '';
  const m = b.machine;
  const rows = b.cases.map((c) => `| ${c.target} | ${c.n} | ${c.limit} | ${fixed(c.wallSeconds)} | ${c.admitted} | ${Object.entries(c.statuses).map(([s, k]) => `${k}× ${s}`).join(', ')} | ${c.retried429} | ${c.server ? `${fixed(c.server.p50)} / ${fixed(c.server.p99)}` : '—'} |`);
  const ratio = (n: number) => {
    const rq = b.cases.find((c) => c.n === n && c.target.startsWith('ResourceQuota'));
    return b.cases.filter((c) => c.n === n && c.target.startsWith('AccountQuota')).map((c) => rq ? `${c.target} ${fixed(c.wallSeconds / rq.wallSeconds)}×` : '').join(', ');
  };
  return [
    '',
    '## AccountQuota admission under bursts',
    '',
    `Run ${b.startedAt.slice(0, 16).replace('T', ' ')} UTC on ${m.cpus} CPUs (${m.cpuModel}), Node ${m.node}, commit ${m.commit.slice(0, 12)}; `
      + `load average ${b.load.before.toFixed(2)} before, ${b.load.after.toFixed(2)} after. N creates sent at once through kube-apiserver as the`,
    'admin (exempt from its flow control), each on a connection of its own, against a limit below N; a 429 is sent again after its',
    'Retry-After (at most 1 s) as client-go does. "server ms" is the webhook call (the Space create, for spaces) as our server logged it.',
    'The cases run one after the other in the same sandbox; targets: exactly the limit admitted, no 5xx, AccountQuota wall time at most',
    '1.5× the ResourceQuota\'s.',
    '',
    '| limited by | N | limit | wall s | admitted | final statuses | 429s retried | server ms p50 / p99 |',
    '|---|---:|---:|---:|---:|---|---:|---:|',
    ...rows,
    '',
    ...POD_SIZES.filter((n) => b.cases.some((c) => c.n === n)).map((n) => `- N=${n}, wall time against the ResourceQuota's: ${ratio(n)}.`),
    ...b.cases.filter((c) => c.firstServerError).map((c) => `- ${c.target}, N=${c.n}: first 5xx: \`${(c.firstServerError ?? '').replace(/`/g, "'").slice(0, 240)}\``),
    ...b.notes.map((note) => `- ${note}`),
    '',
    'Run: `npm run bench:quota -- --burst` (its own sandbox, as the rest of bench:quota; writes test/bench/results/quota-burst-<date>.json and this section).',
    '',
  ].join('\n');
}
