/**
 * The request driver: sends generated requests to a running sandbox, straight to our server's port and
 * through kube-apiserver (admin, and impersonating a tenant), a fixed number in flight, while a separate
 * process probes /livez; then summarizes what came back. Shared by the integration suite and `npm run fuzz`.
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { Agent, request } from 'node:https';
import fc from 'fast-check';
import { isRunning } from '../cluster/component.js';
import { kubectl, kubectlOk } from '../cluster/kubectl.js';
import { sandboxPaths } from '../cluster/paths.js';
import { pkiFiles } from '../cluster/pki.js';
import type { SandboxState } from '../cluster/sandbox.js';
import { readState, SERVER_DNS_NAME } from '../cluster/sandbox.js';
import type { FuzzContext, RequestRecipe } from './arbitraries.js';
import { describeRecipe, materializeRequest, requestArbitrary } from './arbitraries.js';
import type { ProbeResult } from './livez-probe.js';

export interface DriverOptions {
  seed: number;
  runs: number;
  concurrency: number;
  ctx: FuzzContext;
  state: SandboxState;
  /** Called every `progressEvery` requests. */
  progress?: (done: number, summary: Pick<FuzzSummary, 'histogram'>) => void;
  progressEvery?: number;
  /** Recipes to leave out (counted as `skipped`): to look past a known crash in a discovery run. */
  skip?: (recipe: RequestRecipe) => boolean;
}

export interface ServerError {
  /** The status code, or `error:<code>` when no answer came (ECONNREFUSED once the server is dead). */
  status: string;
  family: string;
  target: string;
  /** The beginning of the response body (a Status, usually). */
  response: string;
  recipe: string;
}

export interface FuzzSummary {
  seed: number;
  requests: number;
  durationMs: number;
  /** Responses by status code (`client:<reason>` for requests Node refused to send, `error:<code>` for failed connections). */
  histogram: Record<string, number>;
  /** Per family (verb and resource, hook), responses by status. */
  byFamily: Record<string, Record<string, number>>;
  /** Every 5xx, and every request that got no answer (reset, timeout). */
  serverErrors: ServerError[];
  /**
   * When our server first stopped answering (a connection refused or reset on its port): the requests that
   * were in flight then. The one that crashed it is among them.
   */
  suspects?: { afterRequests: number; inFlight: string[] };
  livez: {
    samples: number; p50: number; p99: number; max: number; failures: string[];
    /** The longest stretch (ms) of back-to-back probes that each took longer than the liveness timeout. */
    longestSlowStretchMs: number;
  };
  /** prom-client's nodejs_eventloop_lag_p99_seconds over the run (prom-client resets it on every scrape). */
  eventLoopLagP99Seconds?: number;
  server: { pidBefore: number; pidAfter: number; alive: boolean };
}

const SERVER = 'kiosk-apiserver';
/** No request may take longer; a webhook call gives up after 10 s, so this is a hang, not a slow answer. */
const REQUEST_TIMEOUT_MS = 60_000;
/** A watch is read this long (enough to see it established or refused), then closed by the client. */
const WATCH_READ_MS = 1_000;
const KEEP_BODY = 2_000;

export function serverPid(state: SandboxState): number {
  const c = state.components.find((x) => x.name === SERVER);
  if (!c) throw new Error('the sandbox records no kiosk-apiserver');
  return c.pid;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface Clients {
  direct: Agent;
  /** kube-apiserver's admission client certificate: what /admission/* accepts (the others get 401). */
  admission: Agent;
  anonymous: Agent;
  apiserver: Agent;
  state: SandboxState;
}

function clients(state: SandboxState, concurrency: number): Clients {
  const p = pkiFiles(sandboxPaths().pki);
  const common = { keepAlive: true, maxSockets: concurrency };
  return {
    direct: new Agent({ ...common, ca: readFileSync(p.extensionCaCert), servername: SERVER_DNS_NAME, cert: readFileSync(p.frontProxyClientCert), key: readFileSync(p.frontProxyClientKey) }),
    anonymous: new Agent({ ...common, ca: readFileSync(p.extensionCaCert), servername: SERVER_DNS_NAME }),
    admission: new Agent({ ...common, ca: readFileSync(p.extensionCaCert), servername: SERVER_DNS_NAME, cert: readFileSync(p.admissionClientCert), key: readFileSync(p.admissionClientKey) }),
    apiserver: new Agent({ ...common, ca: readFileSync(p.caCert), cert: readFileSync(p.adminCert), key: readFileSync(p.adminKey) }),
    state,
  };
}

/** Who the request is from: front-proxy headers straight to our port, impersonation through kube-apiserver. */
function identity(r: RequestRecipe, tenant: string): OutgoingHttpHeaders {
  if (r.target === 'direct') {
    if (r.user === 'admin') return { 'X-Remote-User': 'fuzz-admin', 'X-Remote-Group': ['system:masters', 'system:authenticated'] };
    if (r.user === 'tenant') return { 'X-Remote-User': tenant, 'X-Remote-Group': 'system:authenticated' };
    return {};
  }
  return r.user === 'tenant' ? { 'Impersonate-User': tenant } : {};
}

interface Outcome {
  status: string;
  body: string;
}

function send(c: Clients, r: RequestRecipe, tenant: string): Promise<Outcome> {
  const m = materializeRequest(r);
  // Reviews straight to the port come with the admission certificate (as kube-apiserver sends them) so they
  // reach the decoder; anonymous ones stay anonymous and must get 401.
  const agent = r.target === 'apiserver' ? c.apiserver : r.user === 'anonymous' ? c.anonymous
    : r.path.startsWith('/admission/') ? c.admission : c.direct;
  const port = r.target === 'apiserver' ? c.state.ports.apiserver : c.state.ports.server;
  const headers: OutgoingHttpHeaders = { ...m.headers, ...identity(r, tenant) };
  if (m.body) headers['Content-Length'] = m.body.length;
  return new Promise((resolve) => {
    let settled = false;
    const done = (o: Outcome) => {
      if (!settled) {
        settled = true;
        resolve(o);
      }
    };
    let req;
    try {
      req = request({ host: '127.0.0.1', port, method: m.method, path: m.path, headers, agent, timeout: REQUEST_TIMEOUT_MS }, (res: IncomingMessage) => {
        const status = String(res.statusCode ?? 0);
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (body.length < KEEP_BODY) body += chunk.slice(0, KEEP_BODY - body.length);
        });
        res.on('end', () => done({ status, body }));
        res.on('error', () => done({ status, body }));
        if (r.watch) {
          setTimeout(() => {
            res.destroy();
            done({ status, body });
          }, WATCH_READ_MS).unref();
        }
      });
    } catch (err) {
      // Node refuses some generated headers and paths before sending (invalid characters): not a server answer.
      done({ status: `client:${(err as { code?: string }).code ?? 'error'}`, body: '' });
      return;
    }
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (err: Error & { code?: string }) => done({ status: `error:${err.code ?? err.message}`, body: '' }));
    req.end(m.body);
  });
}

/** GET /metrics as a system:masters user; the value of one sample line. */
export async function readMetric(state: SandboxState, name: string): Promise<number | undefined> {
  const text = await new Promise<string>((resolve, reject) => {
    const p = pkiFiles(sandboxPaths().pki);
    const req = request({
      host: '127.0.0.1', port: state.ports.server, path: '/metrics', ca: readFileSync(p.extensionCaCert), servername: SERVER_DNS_NAME,
      cert: readFileSync(p.frontProxyClientCert), key: readFileSync(p.frontProxyClientKey), agent: false,
      headers: { 'X-Remote-User': 'fuzz-admin', 'X-Remote-Group': 'system:masters' },
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : undefined;
}

function startProbe(state: SandboxState): { stop: () => Promise<ProbeResult> } {
  const script = new URL('./livez-probe.js', import.meta.url).pathname;
  const child = fork(script, [String(state.ports.server), pkiFiles(sandboxPaths().pki).extensionCaCert, SERVER_DNS_NAME, '50'], { stdio: 'ignore' as never, execArgv: [] });
  const result = new Promise<ProbeResult>((resolve, reject) => {
    child.once('message', (m) => resolve(m as ProbeResult));
    child.once('exit', (code) => reject(new Error(`livez probe exited (${String(code)}) before reporting`)));
  });
  return {
    stop: () => {
      child.send('stop');
      return result;
    },
  };
}

/** Runs `runs` generated requests with `concurrency` in flight. */
export async function runFuzz(options: DriverOptions): Promise<FuzzSummary> {
  const { seed, runs, concurrency, ctx, state } = options;
  const pidBefore = serverPid(state);
  const c = clients(state, concurrency);
  const histogram: Record<string, number> = {};
  const byFamily: Record<string, Record<string, number>> = {};
  const serverErrors: ServerError[] = [];
  await readMetric(state, 'nodejs_eventloop_lag_p99_seconds'); // resets prom-client's event-loop histogram
  const probe = startProbe(state);
  const arb = requestArbitrary(ctx, 'server');
  const started = Date.now();
  let next = 0;
  let done = 0;
  // Cases are generated one at a time from seed+index: the same seed gives the same requests, and no more
  // than `concurrency` payloads are in memory at once.
  const recipeAt = (i: number) => fc.sample(arb, { seed: seed + i, numRuns: 1 })[0]!;
  const inFlight = new Set<RequestRecipe>();
  let suspects: FuzzSummary['suspects'];
  const worker = async () => {
    while (next < runs) {
      const recipe = recipeAt(next++);
      inFlight.add(recipe);
      const out = options.skip?.(recipe) ? { status: 'skipped', body: '' } : await send(c, recipe, ctx.tenant);
      if (!suspects && recipe.target === 'direct' && (out.status === 'error:ECONNREFUSED' || out.status === 'error:ECONNRESET')) {
        suspects = { afterRequests: done, inFlight: [...inFlight].map((r) => describeRecipe(r).slice(0, 2_000)) };
      }
      inFlight.delete(recipe);
      histogram[out.status] = (histogram[out.status] ?? 0) + 1;
      const fam = (byFamily[`${recipe.target} ${recipe.family}`] ??= {});
      fam[out.status] = (fam[out.status] ?? 0) + 1;
      if ((/^5/.test(out.status) && !isTooLargeResourceVersion(out)) || out.status.startsWith('error:')) {
        serverErrors.push({ status: out.status, family: recipe.family, target: recipe.target, response: out.body.slice(0, 600), recipe: describeRecipe(recipe).slice(0, 4_000) });
      }
      done++;
      if (options.progress && done % (options.progressEvery ?? 1000) === 0) options.progress(done, { histogram });
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    c.direct.destroy();
    c.admission.destroy();
    c.anonymous.destroy();
    c.apiserver.destroy();
  }
  const durationMs = Date.now() - started;
  const probed = await probe.stop();
  const lag = await readMetric(state, 'nodejs_eventloop_lag_p99_seconds').catch(() => undefined);
  const sorted = [...probed.latencies].sort((a, b) => a - b);
  // The state file is rewritten when the harness restarts a component: read it again.
  const after = (await readState()) ?? state;
  const component = after.components.find((x) => x.name === SERVER)!;
  return {
    seed, requests: done, durationMs, histogram, byFamily, serverErrors, ...(suspects ? { suspects } : {}),
    livez: {
      samples: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN, failures: probed.failures,
      longestSlowStretchMs: longestStretchOver(probed.latencies, LIVENESS_TIMEOUT_MS),
    },
    ...(lag !== undefined ? { eventLoopLagP99Seconds: lag } : {}),
    server: { pidBefore, pidAfter: component.pid, alive: isRunning(component) },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Fixtures: a tenant with an account, a quota and a space, so that every path has something to act on.
// ---------------------------------------------------------------------------------------------------------

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function setUpFixtures(run: string): Promise<FuzzContext> {
  const acct = `fz-${run}-acct`;
  const space = `fz-${run}-space`;
  const tenant = `fuzz-tenant-${run}`;
  // After a server restart the aggregator needs a moment before kubectl finds tenancy.kiosk.sh again.
  await waitFor(async () => (await kubectl(['get', 'accounts.tenancy.kiosk.sh'])).code === 0, 'tenancy.kiosk.sh to be served');
  await kubectlOk(['apply', '-f', '-'], {
    stdin: `apiVersion: tenancy.kiosk.sh/v1alpha1
kind: Account
metadata: {name: ${acct}}
spec:
  subjects: [{kind: User, name: ${tenant}, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ${acct}-kiosk-edit}
subjects: [{kind: User, name: ${tenant}, apiGroup: rbac.authorization.k8s.io}]
roleRef: {kind: ClusterRole, name: kiosk-edit, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: config.kiosk.sh/v1alpha1
kind: AccountQuota
metadata: {name: ${acct}-quota}
spec:
  account: ${acct}
  quota:
    hard: {pods: "1000", limits.cpu: "1000", requests.memory: 1Ti, count/configmaps: "1000", services: "100", services.loadbalancers: "5", requests.storage: 1Ti}
---
apiVersion: config.kiosk.sh/v1alpha1
kind: AccountQuota
metadata: {name: ${acct}-scoped}
spec:
  account: ${acct}
  quota:
    hard: {requests.cpu: "100"}
    scopeSelector: {matchExpressions: [{scopeName: PriorityClass, operator: In, values: [high]}]}
`,
  });
  await kubectlOk(['apply', '-f', '-'], { stdin: `apiVersion: tenancy.kiosk.sh/v1alpha1\nkind: Space\nmetadata: {name: ${space}}\nspec: {account: ${acct}}\n` });
  // Pod creates need the namespace's default ServiceAccount (the controller manager makes it).
  await waitFor(async () => (await kubectl(['get', 'sa', 'default', '-n', space])).code === 0, `the default ServiceAccount of ${space}`);
  return { names: Array.from({ length: 6 }, (_, i) => `fz-${run}-${i}`), accounts: [acct], quotaSpaces: [space], tenant };
}

/** Removes what a run created (namespaces finish terminating in the background). */
export async function tearDownFixtures(run: string, ctx: FuzzContext): Promise<void> {
  const names = [...ctx.names, ...ctx.quotaSpaces];
  await kubectl(['delete', 'namespaces', ...names, '--ignore-not-found', '--wait=false']);
  await kubectl(['delete', 'accounts.config.kiosk.sh', ...ctx.names, ...ctx.accounts, '--ignore-not-found', '--wait=false']);
  await kubectl(['delete', 'accountquotas.config.kiosk.sh', `fz-${run}-acct-quota`, `fz-${run}-acct-scoped`, '--ignore-not-found', '--wait=false']);
  await kubectl(['delete', 'clusterrolebinding', `fz-${run}-acct-kiosk-edit`, '--ignore-not-found']);
}

/** kubelet's default probe timeout, which manifests/deployment.yaml keeps for /livez. */
export const LIVENESS_TIMEOUT_MS = 1_000;

/** The longest run of consecutive latencies each above `limitMs`, as the time it spans. */
export function longestStretchOver(latencies: number[], limitMs: number): number {
  let longest = 0;
  let current = 0;
  for (const ms of latencies) {
    current = ms > limitMs ? current + ms : 0;
    longest = Math.max(longest, current);
  }
  return longest;
}

/** A few lines for a console: requests, histogram, livez, lag, and each 5xx. */
export function renderSummary(s: FuzzSummary): string {
  const hist = Object.entries(s.histogram).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(' ');
  const lines = [
    `fuzz: seed ${s.seed}, ${s.requests} requests in ${(s.durationMs / 1000).toFixed(1)} s (${(s.requests / (s.durationMs / 1000)).toFixed(0)}/s)`,
    `status: ${hist}`,
    `livez: ${s.livez.samples} probes, p50 ${s.livez.p50.toFixed(1)} ms, p99 ${s.livez.p99.toFixed(1)} ms, max ${s.livez.max.toFixed(1)} ms, ${s.livez.failures.length} failed`,
    `event-loop lag p99 (prom-client): ${s.eventLoopLagP99Seconds === undefined ? 'n/a' : `${(s.eventLoopLagP99Seconds * 1000).toFixed(1)} ms`}`,
    `server pid ${s.server.pidBefore} -> ${s.server.pidAfter}, ${s.server.alive ? 'alive' : 'DEAD'}`,
    `5xx and unanswered: ${s.serverErrors.length}`,
  ];
  if (s.suspects) {
    lines.push(`server stopped answering after ${s.suspects.afterRequests} requests; in flight then:`, ...s.suspects.inFlight.map((r) => `  ${r.slice(0, 600)}`));
  }
  const byKind = new Map<string, ServerError[]>();
  for (const e of s.serverErrors) {
    // A dead server refuses everything: one line per error code then, not one per family.
    const key = e.status.startsWith('error:') ? `${e.status} ${e.target}` : `${e.status} ${e.target} ${e.family}: ${e.response.replace(/\d+/g, 'N').slice(0, 160)}`;
    byKind.set(key, [...(byKind.get(key) ?? []), e]);
  }
  for (const [key, list] of byKind) {
    const shortest = list.reduce((a, b) => (b.recipe.length < a.recipe.length ? b : a));
    lines.push(`  x${list.length} ${key}`, `      reproducer: ${shortest.recipe.slice(0, 1500)}`);
  }
  return lines.join('\n');
}

/**
 * kube-apiserver's own answer to a read at a resourceVersion the server has not reached (after a bounded wait):
 * 504 Timeout with the cause ResourceVersionTooLarge. A forged continue token or resourceVersion from the future
 * asks for exactly that; it is the API's answer, not a failure of the server.
 */
function isTooLargeResourceVersion(out: { status: string; body: string }): boolean {
  if (out.status !== '504') return false;
  try {
    const status = JSON.parse(out.body) as { reason?: string; details?: { causes?: Array<{ reason?: string }> } };
    return status.reason === 'Timeout' && (status.details?.causes ?? []).some((c) => c.reason === 'ResourceVersionTooLarge');
  } catch {
    return false;
  }
}
