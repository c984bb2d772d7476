// The AccountQuota admission benchmark's pieces: the tenant (an Account, two Spaces and an AccountQuota), the
// pods it holds, and the series that time the webhook, through kube-apiserver and straight to our server.
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:https';
import { SERVER_DNS_NAME } from '../cluster/sandbox.js';
import { admissionCredentials } from '../support/sandbox-access.js';
import type { Clients } from './clients.js';
import { logOffset, readFrom } from './server-log.js';
import type { HttpResult, HttpsEndpoint } from './http.js';
import { forEachLimited, sleep } from './limiter.js';
import { ACCOUNT_LABEL, SET_LABEL } from './model.js';
import { cpuMs } from './proc.js';
import type { FillFigures, LeaseOps, LedgerState, PodCount, QuotaOptions, ReviewFigures } from './quota-results.js';
import type { Summary } from './stats.js';
import { summarize } from './stats.js';

type Log = (line: string) => void;

export const QUOTA_ACCOUNT = 'bench-quota';
export const QUOTA_NAME = 'bench-quota';
export const QUOTA_SPACES = ['bench-quota-a', 'bench-quota-b'];
/** The reference namespace: no account label, so the webhook's namespaceSelector leaves it out. */
export const PLAIN_NAMESPACE = 'bench-quota-plain';
export const QUOTA_HARD = { pods: '5000', 'limits.cpu': '5000' };
export const CPU_LIMIT = '100m';
/** Where the server keeps its Leases (options.namespace) and the name of the account's ledger (registry/accountquota/admission.ts). */
const LEDGER_PATH = `/apis/coordination.k8s.io/v1/namespaces/kiosk-system/leases/${`quota-${QUOTA_ACCOUNT}`.slice(0, 253)}`;
const LEDGER_ANNOTATION = 'kiosk.sh/ledger';
const ADMISSION_PATH = '/admission/accountquota';
/** RESERVATION_TTL_MS of the server, plus a margin: after this, every reservation of a series has expired. */
const RESERVATION_TTL_MS = 10_000;

const podsPath = (ns: string) => `/api/v1/namespaces/${ns}/pods`;

/** A pod as a tenant would write it: one container with cpu (and memory) limits, which a limits.cpu quota requires. */
export function pod(name: string, namespace: string) {
  const resources = { cpu: CPU_LIMIT, memory: '64Mi' };
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace, labels: { app: 'bench-quota', [SET_LABEL]: 'quota' } },
    spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { limits: resources, requests: resources } }] },
  };
}

/** A short form of a failed answer, to count failures by kind. */
function failure(res: HttpResult): string {
  let message = res.body.slice(0, 200);
  try {
    message = (JSON.parse(res.body) as { message?: string }).message ?? message;
  } catch {
    // not a Status: keep the raw text
  }
  return `${res.status} ${message.replace(/\s+/g, ' ').slice(0, 240)}`;
}

/** POST that treats AlreadyExists as done and retries kube-apiserver's load shedding (429, 5xx) a few times. */
async function createObject(apiserver: HttpsEndpoint, path: string, obj: unknown): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const res = await apiserver.request(path, { method: 'POST', body: obj });
    if (res.status === 201 || res.status === 200 || res.status === 409) return;
    if ((res.status === 429 || res.status >= 500) && attempt < 5) {
      await sleep(250 * attempt);
      continue;
    }
    throw new Error(`POST ${path}: ${failure(res)}`);
  }
}

/** Polls `check` every `everyMs` until it returns true; false when `timeoutMs` passed first. */
async function until(check: () => Promise<boolean>, timeoutMs: number, everyMs = 250): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return true;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
}

/** A quantity of pods as the quota status writes it ("1k", "1200"), as a number. */
function podQuantity(q: string | undefined): number {
  const m = /^(\d+)(k?)$/.exec(q ?? '');
  return m ? Number(m[1]) * (m[2] ? 1000 : 1) : NaN;
}

interface QuotaObject {
  status?: { total?: { used?: Record<string, string> }; namespaces?: Array<{ namespace: string }> };
}

const readQuota = (apiserver: HttpsEndpoint) =>
  apiserver.json<QuotaObject>(`/apis/config.kiosk.sh/v1alpha1/accountquotas/${QUOTA_NAME}`);

/**
 * The account with its quota and two spaces (created as Spaces through kube-apiserver, as the admin, so our
 * server labels the namespaces), and the unlabelled reference namespace. Resolves once every namespace has
 * its default ServiceAccount (pods need it) and our server's quota controller reports both spaces.
 */
export async function setupTenant(clients: Clients, log: Log): Promise<void> {
  const { apiserver } = clients;
  await createObject(apiserver, '/apis/config.kiosk.sh/v1alpha1/accounts', {
    apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'Account', metadata: { name: QUOTA_ACCOUNT, labels: { [SET_LABEL]: 'quota' } },
    spec: {
      subjects: [
        { kind: 'User', name: 'bench-quota-user', apiGroup: 'rbac.authorization.k8s.io' },
        { kind: 'Group', name: 'bench-quota-team', apiGroup: 'rbac.authorization.k8s.io' },
      ],
    },
  });
  await createObject(apiserver, '/apis/config.kiosk.sh/v1alpha1/accountquotas', {
    apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'AccountQuota', metadata: { name: QUOTA_NAME, labels: { [SET_LABEL]: 'quota' } },
    spec: { account: QUOTA_ACCOUNT, quota: { hard: QUOTA_HARD } },
  });
  for (const name of QUOTA_SPACES) {
    await createObject(apiserver, '/apis/tenancy.kiosk.sh/v1alpha1/spaces',
      { apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'Space', metadata: { name }, spec: { account: QUOTA_ACCOUNT } });
  }
  await createObject(apiserver, '/api/v1/namespaces',
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: PLAIN_NAMESPACE, labels: { [SET_LABEL]: 'quota' } } });

  for (const ns of [...QUOTA_SPACES, PLAIN_NAMESPACE]) {
    const ok = await until(async () => (await apiserver.request(`/api/v1/namespaces/${ns}/serviceaccounts/default`)).status === 200, 60_000);
    if (!ok) throw new Error(`namespace ${ns} got no default ServiceAccount within 60 s`);
  }
  for (const ns of QUOTA_SPACES) {
    const labelled = await apiserver.json<{ metadata: { labels?: Record<string, string> } }>(`/api/v1/namespaces/${ns}`);
    if (labelled.metadata.labels?.[ACCOUNT_LABEL] !== QUOTA_ACCOUNT) throw new Error(`namespace ${ns} is not labelled ${ACCOUNT_LABEL}=${QUOTA_ACCOUNT}`);
  }
  const seen = await until(async () => {
    const q = await readQuota(apiserver);
    const names = (q.status?.namespaces ?? []).map((n) => n.namespace);
    return QUOTA_SPACES.every((s) => names.includes(s));
  }, 60_000);
  if (!seen) throw new Error(`the AccountQuota's status did not list ${QUOTA_SPACES.join(', ')} within 60 s`);
  log(`account ${QUOTA_ACCOUNT}: spaces ${QUOTA_SPACES.join(', ')}, quota ${JSON.stringify(QUOTA_HARD)}; reference namespace ${PLAIN_NAMESPACE}`);
}

/**
 * Creates pods fill-0000… spread over the spaces, `concurrency` at a time, through kube-apiserver (so the
 * webhook decides each, all on the one ledger of the account). Failed creates are retried (up to 8 times,
 * backing off); AlreadyExists counts as done. Returns the pods that exist, the failures seen (counted by
 * message), and what the burst cost: latency as the client and as our server saw it, Lease traffic, CPU.
 */
export async function fillPods(apiserver: HttpsEndpoint, count: number, concurrency: number, procs: Processes, log: Log): Promise<FillFigures> {
  const failures: Record<string, number> = {};
  const latencies: number[] = [];
  let done = 0;
  let retried = 0;
  let lost = 0;
  const offset = await settledLogOffset(procs.serverLog);
  const counters0 = await leaseCounters(apiserver);
  const cpu0 = { server: cpuMs(procs.server), apiserver: cpuMs(procs.apiserver) };
  const started = Date.now();
  await forEachLimited(Array.from({ length: count }, (_, i) => i), concurrency, async (i) => {
    const ns = QUOTA_SPACES[i % QUOTA_SPACES.length]!;
    const name = `fill-${String(i).padStart(4, '0')}`;
    for (let attempt = 1; ; attempt++) {
      const res = await apiserver.request(podsPath(ns), { method: 'POST', body: pod(name, ns) });
      if (res.status === 201) latencies.push(res.ms);
      if (res.status === 201 || res.status === 409) break;
      const why = failure(res);
      failures[why] = (failures[why] ?? 0) + 1;
      if (attempt >= 8) {
        lost++;
        return;
      }
      retried++;
      await sleep(250 * attempt);
    }
    if (++done % 100 === 0) log(`  ${done}/${count} pods (${(done / ((Date.now() - started) / 1000)).toFixed(0)}/s)`);
  });
  const seconds = (Date.now() - started) / 1000;
  const cpu = { server: cpuMs(procs.server) - cpu0.server, apiserver: cpuMs(procs.apiserver) - cpu0.apiserver };
  if (lost > 0) log(`  ${lost} pods could not be created after 8 attempts`);
  const { lastExpiry: _drop, ...ledgerAfter } = await ledgerState(apiserver);
  return {
    pods: done, seconds, concurrency, retried, failures, latency: summarize(latencies), serverSide: summarize(await settledLatencies(procs.serverLog, offset)),
    serverCpuMs: round(cpu.server / Math.max(1, done)), apiserverCpuMs: round(cpu.apiserver / Math.max(1, done)),
    // A burst of a minute: kube-apiserver's own Lease renewals (a few) are not worth subtracting.
    leaseOps: await leaseOpsSince(apiserver, counters0, seconds, { gets: 0, updates: 0 }), ledgerAfter,
  };
}

/** Pods in the account: as kube-apiserver lists them, and as the AccountQuota's status counts them. */
export async function podCount(apiserver: HttpsEndpoint): Promise<PodCount> {
  let listed = 0;
  for (const ns of QUOTA_SPACES) {
    const page = await apiserver.json<{ items: unknown[]; metadata: { remainingItemCount?: number } }>(`${podsPath(ns)}?limit=1`);
    listed += page.items.length + (page.metadata.remainingItemCount ?? 0);
  }
  return { listed, quotaUsed: (await readQuota(apiserver)).status?.total?.used?.pods };
}

/** Waits (bounded) until the AccountQuota's status counts `pods` pods; returns the seconds waited. */
export async function waitForQuotaStatus(apiserver: HttpsEndpoint, pods: number, timeoutMs = 180_000): Promise<number> {
  const started = Date.now();
  const ok = await until(async () => podQuantity((await readQuota(apiserver)).status?.total?.used?.pods) >= pods, timeoutMs, 500);
  if (!ok) throw new Error(`the AccountQuota's status did not count ${pods} pods within ${timeoutMs / 1000} s (now ${String((await podCount(apiserver)).quotaUsed)})`);
  return (Date.now() - started) / 1000;
}

interface LedgerLease {
  metadata: { annotations?: Record<string, string> };
}

/** The account's ledger as stored now (entries whose expiry passed stay until the next write drops them). */
export async function ledgerState(apiserver: HttpsEndpoint): Promise<LedgerState & { lastExpiry: number }> {
  const res = await apiserver.request(LEDGER_PATH);
  if (res.status === 404) return { liveEntries: 0, storedEntries: 0, annotationBytes: 0, lastExpiry: 0 };
  if (res.status !== 200) throw new Error(`GET ${LEDGER_PATH}: ${failure(res)}`);
  const text = (JSON.parse(res.body) as LedgerLease).metadata.annotations?.[LEDGER_ANNOTATION] ?? '{}';
  const entries = Object.values(JSON.parse(text) as Record<string, { expiresAt: number }>);
  const now = Date.now();
  return {
    liveEntries: entries.filter((e) => e.expiresAt > now).length, storedEntries: entries.length,
    annotationBytes: Buffer.byteLength(text), lastExpiry: Math.max(0, ...entries.map((e) => e.expiresAt)),
  };
}

// The metric's verb is the HTTP method (LIST, WATCH and APPLY apart): an update is PUT.
const counters = (m: Record<string, number>) => ({ get: m.GET ?? 0, update: m.PUT ?? 0, conflict: m['PUT 409'] ?? 0 });

/** kube-apiserver's apiserver_request_total for Leases so far: GETs, PUTs (updates) and PUTs answered 409. */
async function leaseCounters(apiserver: HttpsEndpoint): Promise<{ get: number; update: number; conflict: number }> {
  const res = await apiserver.request('/metrics', { headers: { Accept: 'text/plain' } });
  if (res.status !== 200) throw new Error(`GET /metrics: ${res.status}`);
  const sums: Record<string, number> = {};
  for (const line of res.body.split('\n')) {
    if (!line.startsWith('apiserver_request_total{') || !line.includes('resource="leases"')) continue;
    const verb = /verb="([A-Z]+)"/.exec(line)?.[1];
    const code = /code="(\d+)"/.exec(line)?.[1];
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (!verb || !Number.isFinite(value)) continue;
    sums[verb] = (sums[verb] ?? 0) + value;
    if (code === '409') sums[`${verb} 409`] = (sums[`${verb} 409`] ?? 0) + value;
  }
  return counters(sums);
}

/**
 * Waits until every reservation in the ledger has expired, so each series starts from the same ledger, and
 * meanwhile measures the Lease requests kube-apiserver serves at rest (at least `baselineMs` of it).
 */
export async function quietLedger(apiserver: HttpsEndpoint, log: Log, baselineMs = 8_000): Promise<{ ledger: LedgerState; idle: LeaseOps['idlePerSecond'] }> {
  const t0 = Date.now();
  const c0 = await leaseCounters(apiserver);
  const { lastExpiry } = await ledgerState(apiserver);
  const wait = Math.max(baselineMs, Math.min(RESERVATION_TTL_MS + 5_000, lastExpiry - Date.now() + 250));
  if (wait > baselineMs) log(`  waiting ${(wait / 1000).toFixed(0)} s for the ledger's reservations to expire`);
  await sleep(wait);
  const c1 = await leaseCounters(apiserver);
  const seconds = (Date.now() - t0) / 1000;
  const { lastExpiry: _drop, ...ledger } = await ledgerState(apiserver);
  return { ledger, idle: { gets: round((c1.get - c0.get) / seconds), updates: round((c1.update - c0.update) / seconds) } };
}

/** Lease traffic of a series: the counters' difference, less what kube-apiserver serves at rest over that time. */
async function leaseOpsSince(apiserver: HttpsEndpoint, before: { get: number; update: number; conflict: number }, seconds: number, idle: LeaseOps['idlePerSecond']): Promise<LeaseOps> {
  const after = await leaseCounters(apiserver);
  return {
    gets: Math.max(0, Math.round(after.get - before.get - idle.gets * seconds)),
    updates: Math.max(0, Math.round(after.update - before.update - idle.updates * seconds)),
    conflicts: after.conflict - before.conflict, idlePerSecond: idle,
  };
}

/** The latencies our server logged for admission reviews since `offset` of its log (its one line per request). */
function admissionLatencies(file: string, offset: number): number[] {
  const out: number[] = [];
  for (const line of readFrom(file, offset).split('\n')) {
    if (!line.includes(ADMISSION_PATH)) continue;
    try {
      const o = JSON.parse(line) as { msg?: string; uri?: string; latency?: string };
      // kube-apiserver calls the webhook with ?timeout=10s appended.
      if (o.msg === 'HTTP' && o.uri?.split('?')[0] === ADMISSION_PATH && o.latency?.endsWith('ms')) out.push(Number(o.latency.slice(0, -2)));
    } catch {
      // not a JSON line
    }
  }
  return out;
}

export interface Processes {
  server: number;
  apiserver: number;
  serverLog: string;
}

/**
 * The server writes a request's log line when the response has finished, so just after the client read the
 * last answer the line may not be there yet: wait a moment before marking where a series starts or ends.
 */
const LOG_SETTLE_MS = 200;
const settledLogOffset = async (file: string) => {
  await sleep(LOG_SETTLE_MS);
  return logOffset(file);
};
const settledLatencies = async (file: string, offset: number) => {
  await sleep(LOG_SETTLE_MS);
  return admissionLatencies(file, offset);
};
const round = (x: number) => Math.round(x * 100) / 100;

/**
 * Pod creates through kube-apiserver as the admin, one at a time: one in a space of the account (the webhook
 * decides it), then one in the reference namespace (no webhook), alternately, so that both series see the
 * same machine. Warm-up creates first. Pod names carry `run`, so a kept sandbox can be measured again.
 */
export async function measureCreates(apiserver: HttpsEndpoint, options: QuotaOptions, run: string, procs: Processes, log: Log) {
  const { ledger: ledgerBefore, idle } = await quietLedger(apiserver, log);
  const failures: Record<string, number> = {};
  const create = async (ns: string, name: string): Promise<number | undefined> => {
    const res = await apiserver.request(podsPath(ns), { method: 'POST', body: pod(name, ns) });
    if (res.status === 201) return res.ms;
    const why = `${ns === PLAIN_NAMESPACE ? 'reference' : 'account'}: ${failure(res)}`;
    failures[why] = (failures[why] ?? 0) + 1;
    return undefined;
  };
  for (let i = 0; i < options.warmup; i++) {
    await create(QUOTA_SPACES[i % QUOTA_SPACES.length]!, `warm-${run}-a-${i}`);
    await create(PLAIN_NAMESPACE, `warm-${run}-b-${i}`);
  }
  const offset = await settledLogOffset(procs.serverLog);
  const counters0 = await leaseCounters(apiserver);
  const cpu0 = { server: cpuMs(procs.server), apiserver: cpuMs(procs.apiserver) };
  const started = Date.now();
  const viaWebhook: number[] = [];
  const noWebhook: number[] = [];
  for (let i = 0; i < options.createSamples; i++) {
    const a = await create(QUOTA_SPACES[i % QUOTA_SPACES.length]!, `m-${run}-a-${i}`);
    if (a !== undefined) viaWebhook.push(a);
    const b = await create(PLAIN_NAMESPACE, `m-${run}-b-${i}`);
    if (b !== undefined) noWebhook.push(b);
  }
  const seconds = (Date.now() - started) / 1000;
  const cpu = { server: cpuMs(procs.server) - cpu0.server, apiserver: cpuMs(procs.apiserver) - cpu0.apiserver };
  const leaseOps = await leaseOpsSince(apiserver, counters0, seconds, idle);
  const failed = options.createSamples * 2 - viaWebhook.length - noWebhook.length;
  if (failed > options.createSamples / 10) throw new Error(`${failed} of ${options.createSamples * 2} measured pod creates failed: ${JSON.stringify(failures)}`);
  const { lastExpiry: _drop, ...ledgerAfter } = await ledgerState(apiserver);
  return {
    viaWebhook: summarize(viaWebhook), noWebhook: summarize(noWebhook), serverSide: summarize(await settledLatencies(procs.serverLog, offset)),
    failures, webhookFailures: options.createSamples - viaWebhook.length,
    // Both series' CPU is in these; the reference creates cost kube-apiserver about the same without the webhook.
    serverCpuMs: round(cpu.server / Math.max(1, viaWebhook.length)), apiserverCpuMs: round(cpu.apiserver / Math.max(1, viaWebhook.length + noWebhook.length)),
    leaseOps, ledgerBefore, ledgerAfter,
  };
}

/**
 * A client of the webhook as kube-apiserver is one: HTTPS to our server's port, trusting its CA, presenting
 * kube-apiserver's admission client certificate (the sandbox authenticates webhook callers), one keep-alive connection.
 */
class ReviewClient {
  private readonly agent: Agent;

  constructor(private readonly port: number, private readonly ca: Buffer) {
    this.agent = new Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1, ca, ...admissionCredentials() });
  }

  post(payload: string): Promise<HttpResult> {
    return new Promise((resolve, reject) => {
      const started = process.hrtime.bigint();
      const req = request({
        host: '127.0.0.1', port: this.port, method: 'POST', path: ADMISSION_PATH, agent: this.agent, ca: this.ca, servername: SERVER_DNS_NAME, ...admissionCredentials(),
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Content-Length': Buffer.byteLength(payload) },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: Number(process.hrtime.bigint() - started) / 1e6 }));
      });
      req.setTimeout(30_000, () => req.destroy(new Error(`POST ${ADMISSION_PATH}: no answer within 30 s`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

type PodObject = Record<string, unknown> & { metadata: Record<string, unknown> };

/**
 * A stored pod of the account as the template of the reviews' objects: what kube-apiserver sends a
 * validating webhook on CREATE is the pod after defaulting and the built-in admission plugins (service
 * account volume, tolerations, managedFields, uid and creationTimestamp already set), without a resourceVersion.
 */
export async function podTemplate(apiserver: HttpsEndpoint): Promise<PodObject> {
  const stored = await apiserver.json<PodObject>(`${podsPath(QUOTA_SPACES[0]!)}/fill-0000`);
  const { resourceVersion: _rv, ...metadata } = stored.metadata;
  return { ...stored, metadata };
}

/** The AdmissionReview kube-apiserver would POST for the create of pod `name` in `namespace`, serialized. */
function review(template: PodObject, namespace: string, name: string): { uid: string; payload: string } {
  const uid = randomUUID();
  const gvk = { group: '', version: 'v1', kind: 'Pod' };
  const gvr = { group: '', version: 'v1', resource: 'pods' };
  const object = { ...template, metadata: { ...template.metadata, name, namespace, uid: randomUUID(), creationTimestamp: new Date().toISOString().slice(0, 19) + 'Z' } };
  return {
    uid,
    payload: JSON.stringify({
      kind: 'AdmissionReview', apiVersion: 'admission.k8s.io/v1',
      request: {
        uid, kind: gvk, resource: gvr, requestKind: gvk, requestResource: gvr, name, namespace, operation: 'CREATE',
        userInfo: { username: 'bench-quota-user', groups: ['bench-quota-team', 'system:authenticated'] },
        object, oldObject: null, dryRun: false, options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1', fieldManager: 'kubectl-client-side-apply' },
      },
    }),
  };
}

/**
 * `samples` AdmissionReviews straight to our server, split over `clients` clients that send at once, each
 * sequentially on its own connection; warm-up reviews first. Every review is a CREATE of a pod with a
 * name of its own, alternately in the two spaces, and must come back with a decision for its uid.
 */
export async function measureReviews(apiserver: HttpsEndpoint, port: number, ca: Buffer, template: PodObject, options: QuotaOptions,
  clients: number, run: string, procs: Processes, log: Log): Promise<ReviewFigures> {
  const { ledger: ledgerBefore, idle } = await quietLedger(apiserver, log);
  const tally = { allowed: 0, denied: 0, errors: 0, firstError: undefined as string | undefined };
  let sequence = 0;
  const send = async (client: ReviewClient, tag: string): Promise<number | undefined> => {
    const k = sequence++;
    const r = review(template, QUOTA_SPACES[k % QUOTA_SPACES.length]!, `r-${run}-${tag}-${k}`);
    const res = await client.post(r.payload);
    let decision: { uid?: string; allowed?: boolean; status?: { message?: string } } | undefined;
    try {
      decision = (JSON.parse(res.body) as { response?: typeof decision }).response;
    } catch {
      decision = undefined;
    }
    if (res.status !== 200 || decision?.uid !== r.uid || typeof decision.allowed !== 'boolean') {
      tally.errors++;
      tally.firstError ??= failure(res);
      return undefined;
    }
    if (decision.allowed) tally.allowed++;
    else {
      tally.denied++;
      tally.firstError ??= `denied: ${decision.status?.message ?? ''}`;
    }
    return res.ms;
  };
  const pool = Array.from({ length: clients }, () => new ReviewClient(port, ca));
  try {
    const perClient = Math.ceil(options.warmup / clients);
    await Promise.all(pool.map(async (c, j) => { for (let i = 0; i < perClient; i++) await send(c, `w${clients}${j}`); }));
    Object.assign(tally, { allowed: 0, denied: 0, errors: 0, firstError: undefined });
    const offset = await settledLogOffset(procs.serverLog);
    const counters0 = await leaseCounters(apiserver);
    const cpu0 = { server: cpuMs(procs.server), apiserver: cpuMs(procs.apiserver) };
    const started = Date.now();
    const latencies: number[] = [];
    await Promise.all(pool.map(async (c, j) => {
      const share = Math.floor(options.reviewSamples / clients) + (j < options.reviewSamples % clients ? 1 : 0);
      for (let i = 0; i < share; i++) {
        const ms = await send(c, `c${clients}${j}`);
        if (ms !== undefined) latencies.push(ms);
      }
    }));
    const seconds = (Date.now() - started) / 1000;
    const decisions = tally.allowed + tally.denied;
    const cpu = { server: cpuMs(procs.server) - cpu0.server, apiserver: cpuMs(procs.apiserver) - cpu0.apiserver };
    const leaseOps = await leaseOpsSince(apiserver, counters0, seconds, idle);
    const { lastExpiry: _drop, ...ledgerAfter } = await ledgerState(apiserver);
    const serverSide: Summary = summarize(await settledLatencies(procs.serverLog, offset));
    return {
      clients, latency: summarize(latencies), serverSide, perSecond: round(decisions / seconds), ...tally,
      serverCpuMs: round(cpu.server / Math.max(1, decisions)), apiserverCpuMs: round(cpu.apiserver / Math.max(1, decisions)),
      leaseOps, ledgerBefore, ledgerAfter,
    };
  } finally {
    for (const c of pool) c.close();
  }
}
