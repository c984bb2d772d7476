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
import { renderSummary, runFuzz, setUpFixtures, tearDownFixtures } from '../fuzz/driver.js';

/** kubelet's default probe timeout, which manifests/deployment.yaml keeps for /livez. */
const LIVENESS_TIMEOUT_MS = 1_000;
const SEED = Number(process.env.FUZZ_SEED ?? 0x66757a7a);
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const run = Date.now().toString(36);

describe('fuzz: generated requests against the sandbox', () => {
  let ctx: FuzzContext;
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
    expect(summary.serverErrors.map((e) => `${e.status} ${e.target} ${e.family}: ${e.response.slice(0, 200)}`)).toEqual([]);
  });

  it('leaves the server process running under the same pid', () => {
    expect(summary.server).toEqual({ pidBefore: summary.server.pidBefore, pidAfter: summary.server.pidBefore, alive: true });
  });

  it('keeps /livez answering, each probe within the liveness probe\'s timeout, while the fuzzer runs', () => {
    // A liveness probe that fails or takes longer than its timeout (kubelet's default, 1 s, which the Deployment
    // keeps) counts towards a restart. The latency figures themselves (the issue's p99 <= 100 ms) are
    // measured by `npm run fuzz` into docs/benchmarks.md, not asserted here: they move with the machine's load.
    process.stderr.write(`[fuzz] /livez p50 ${summary.livez.p50.toFixed(1)} ms, p99 ${summary.livez.p99.toFixed(1)} ms, max ${summary.livez.max.toFixed(1)} ms; `
      + `event-loop lag p99 ${summary.eventLoopLagP99Seconds === undefined ? 'not read' : `${(summary.eventLoopLagP99Seconds * 1000).toFixed(1)} ms`}\n`);
    expect(summary.livez.failures).toEqual([]);
    expect(summary.livez.samples).toBeGreaterThan(0);
    expect(summary.livez.max).toBeLessThan(LIVENESS_TIMEOUT_MS);
  });
});
