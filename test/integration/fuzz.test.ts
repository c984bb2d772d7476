// Fuzz tier against the real sandbox: at least 10,000 generated requests (seeded), over every write verb
// (create, update, patch json/merge/apply/strategic, delete) on spaces and accounts, get/list/watch with
// generated query parameters, and the three admission hooks (straight to /admission/<hook>, and through
// kube-apiserver by dry-run creates of pods, services, claims, config maps, AccountQuotas and config
// Accounts), both through kube-apiserver (admin, and impersonating a tenant) and straight to our port.
// Assertions: no 5xx and no unanswered request, the server keeps its pid, and /livez stays responsive.
// The figures (histogram, livez p50/p99, event-loop lag) are printed; `npm run fuzz` runs longer.
import { sandboxState } from '../support/sandbox-access.js';
import type { FuzzContext } from '../fuzz/arbitraries.js';
import type { FuzzSummary } from '../fuzz/driver.js';
import { LIVENESS_TIMEOUT_MS, renderSummary, runFuzz, setUpFixtures, tearDownFixtures } from '../fuzz/driver.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { repoRoot } from '../cluster/paths.js';

/** The Deployment's liveness probe: the kubelet restarts the server after failureThreshold failures periodSeconds apart. */
function livenessProbe(): { periodSeconds: number; failureThreshold: number } {
  const docs = readFileSync(join(repoRoot(), 'manifests', 'deployment.yaml'), 'utf8').split(/^---$/m).map((d) => load(d) as { kind?: string } | null);
  const deployment = docs.find((d) => d?.kind === 'Deployment') as { spec: { template: { spec: { containers: Array<{ livenessProbe: { periodSeconds: number; failureThreshold: number } }> } } } };
  return deployment.spec.template.spec.containers[0]!.livenessProbe;
}
const SEED = Number(process.env.FUZZ_SEED ?? 0x66757a7a);
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const run = Date.now().toString(36);

describe('fuzz: generated requests against the sandbox', () => {
  let ctx: FuzzContext | undefined;
  let summary: FuzzSummary;

  beforeAll(async () => {
    ctx = await setUpFixtures(run);
    summary = await runFuzz({
      seed: SEED, runs: RUNS, concurrency: 16, ctx, state: sandboxState(), progressEvery: 2_000,
      progress: (done) => process.stderr.write(`[fuzz] ${done}/${RUNS}\n`),
    });
    process.stderr.write(`${renderSummary(summary)}\n`);
  }, 900_000);

  afterAll(async () => {
    if (ctx) await tearDownFixtures(run, ctx);
  }, 120_000);

  it(`sends ${RUNS} requests and every one is answered`, () => {
    expect(summary.requests).toBe(RUNS);
    expect(summary.serverErrors.filter((e) => e.status.startsWith('error:')).map((e) => `${e.status} ${e.family}: ${e.recipe.slice(0, 300)}`)).toEqual([]);
  });

  it('gets no 5xx from our server, straight or through kube-apiserver', () => {
    // With the request that got it, so a failure can be replayed without re-running the whole seed.
    expect(summary.serverErrors.map((e) => `${e.status} ${e.target} ${e.family}: ${e.response.slice(0, 200)} <- ${e.recipe.slice(0, 600)}`)).toEqual([]);
  });

  it('leaves the server process running under the same pid', () => {
    expect(summary.server).toEqual({ pidBefore: summary.server.pidBefore, pidAfter: summary.server.pidBefore, alive: true });
  });

  it('keeps /livez answering, and never slow for long enough that the kubelet would restart the server', () => {
    // A probe that fails or outlasts its timeout (kubelet's default, 1 s, which the Deployment keeps) counts
    // towards a restart; the kubelet restarts after failureThreshold such probes in a row, periodSeconds apart.
    // Single slow answers on a loaded machine restart nothing, so what is asserted is the kubelet's rule. The
    // latency figures (the issue's p99 <= 100 ms) are measured by `npm run fuzz` into docs/benchmarks.md.
    const { periodSeconds, failureThreshold } = livenessProbe();
    process.stderr.write(`[fuzz] /livez p50 ${summary.livez.p50.toFixed(1)} ms, p99 ${summary.livez.p99.toFixed(1)} ms, max ${summary.livez.max.toFixed(1)} ms, `
      + `longest stretch over ${LIVENESS_TIMEOUT_MS} ms ${summary.livez.longestSlowStretchMs.toFixed(0)} ms; `
      + `event-loop lag p99 ${summary.eventLoopLagP99Seconds === undefined ? 'not read' : `${(summary.eventLoopLagP99Seconds * 1000).toFixed(1)} ms`}\n`);
    expect(summary.livez.failures).toEqual([]);
    expect(summary.livez.samples).toBeGreaterThan(0);
    expect(summary.livez.longestSlowStretchMs).toBeLessThan((failureThreshold - 1) * periodSeconds * 1000);
  });
});
