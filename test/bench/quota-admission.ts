// `npm run bench:quota [-- --keep --note="…" ...]`: AccountQuota admission latency with 1,000 pods in the account.
// Starts a sandbox of its own (.sandbox-bench-quota/), creates one Account with two spaces, an AccountQuota and
// the pods, then times pod creates through kube-apiserver (webhook in the path, and a reference without it) and
// AdmissionReviews straight to our server (one client, then concurrent clients). Writes
// test/bench/results/quota-admission-<date>.json and re-renders docs/benchmarks.md. See its "AccountQuota admission".
// With --burst it measures bursts at a limit instead (test/bench/measure-burst.ts): ResourceQuota and AccountQuota
// side by side, and space creates at a space limit; writes test/bench/results/quota-burst-<date>.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { repoRoot, sandboxPaths } from '../cluster/paths.js';
import { pkiFiles } from '../cluster/pki.js';
import type { SandboxState } from '../cluster/sandbox.js';
import { startSandbox, stopSandbox } from '../cluster/sandbox.js';
import { connect, serverPid } from './clients.js';
import type { BurstResults } from './measure-burst.js';
import { BURST_RESULTS_PREFIX, measureBursts, renderBursts } from './measure-burst.js';
import { QUOTA_RESULTS_PREFIX, writeBenchmarksDoc } from './docs.js';
import { machine, resultsFile, snapshotBuild } from './frozen-build.js';
import type { Processes } from './measure-quota.js';
import {
  CPU_LIMIT, PLAIN_NAMESPACE, QUOTA_ACCOUNT, QUOTA_HARD, QUOTA_NAME, QUOTA_SPACES,
  fillPods, measureCreates, measureReviews, podCount, podTemplate, setupTenant, waitForQuotaStatus,
} from './measure-quota.js';
import { memoryMiB, settle } from './proc.js';
import type { QuotaOptions, QuotaResults } from './quota-results.js';
import { renderQuotaConsole } from './report.js';
import type { BenchCli } from './cli.js';
import { parseBenchArgs } from './cli.js';

const log = (line: string) => process.stderr.write(`[bench:quota ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

const DEFAULT_OPTIONS: QuotaOptions = {
  pods: 1_000, fillConcurrency: 16, createSamples: 200, reviewSamples: 300, concurrentClients: 2, warmup: 20,
};

const FLAGS: Record<string, keyof QuotaOptions> = {
  pods: 'pods', 'fill-concurrency': 'fillConcurrency', 'create-samples': 'createSamples', 'review-samples': 'reviewSamples',
  clients: 'concurrentClients', warmup: 'warmup',
};

/** Sandboxes this benchmark must never run in: the developers' default one and the read-path benchmark's. */
const FORBIDDEN_SANDBOXES = ['.sandbox', '.sandbox-bench'];

type Cli = BenchCli<QuotaOptions> & { burst: boolean };

function parseArgs(argv: string[]): Cli {
  let burst = false;
  // Bounded: the run creates pods and sends reviews in loops of these sizes.
  const cli = {
    ...parseBenchArgs(argv, DEFAULT_OPTIONS, FLAGS, { max: 100_000, special: (flag) => (flag === 'burst' ? (burst = true) : false) }),
    burst,
  };
  if (cli.options.pods > 4_000) throw new Error('--pods must leave room under the quota\'s 5000 pods for the measured creates');
  cli.options.fillConcurrency = Math.min(cli.options.fillConcurrency, 64);
  cli.options.concurrentClients = Math.min(cli.options.concurrentClients, 16);
  return cli;
}

function save(results: QuotaResults, file: string): void {
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  writeBenchmarksDoc({ quota: results });
}

async function measure(state: SandboxState, cli: Cli, results: QuotaResults, file: string): Promise<void> {
  const clients = connect(state, 32);
  const procs: Processes = {
    server: serverPid(state),
    apiserver: state.components.find((c) => c.name === 'kube-apiserver')!.pid,
    serverLog: state.components.find((c) => c.pid === serverPid(state))!.logFile,
  };
  const run = Date.now().toString(36);
  const { options } = cli;
  try {
    await setupTenant(clients, log);
    log(`creating ${options.pods} pods, ${options.fillConcurrency} at a time`);
    const fill = await fillPods(clients.apiserver, options.pods, options.fillConcurrency, procs, log);
    log(`${fill.pods} pods in ${fill.seconds.toFixed(1)} s; ${fill.retried} creates retried; create p50/p99 ${fill.latency.p50}/${fill.latency.p99} ms, ` +
      `inside our server ${fill.serverSide.p50}/${fill.serverSide.p99} ms; lease GET/PUT/409 ${fill.leaseOps.gets}/${fill.leaseOps.updates}/${fill.leaseOps.conflicts}`);
    for (const [why, k] of Object.entries(fill.failures)) log(`  ${k} × ${why}`);
    results.setup.fill = fill;
    const statusCatchUpSeconds = await waitForQuotaStatus(clients.apiserver, fill.pods);
    results.setup.statusCatchUpSeconds = statusCatchUpSeconds;
    await settle(procs.server, 60_000);
    const afterFill = memoryMiB(procs.server);
    results.memory.afterFill = { rssMiB: afterFill.rss, peakMiB: afterFill.peak };
    results.pods.beforeMeasuring = await podCount(clients.apiserver);
    results.loadAverage = Math.round(loadavg()[0]! * 100) / 100;
    log(`quota status counted them ${statusCatchUpSeconds.toFixed(1)} s later; server RSS ${afterFill.rss} MiB (peak ${afterFill.peak}); ` +
      `${results.pods.beforeMeasuring.listed} pods listed, status ${String(results.pods.beforeMeasuring.quotaUsed)}`);

    log(`pod creates, ${options.createSamples} in the account and ${options.createSamples} in ${PLAIN_NAMESPACE}, alternately`);
    results.creates = await measureCreates(clients.apiserver, options, run, procs, log);
    log(`  via webhook p50/p99 ${results.creates.viaWebhook.p50}/${results.creates.viaWebhook.p99} ms, ` +
      `no webhook ${results.creates.noWebhook.p50}/${results.creates.noWebhook.p99} ms, inside our server ${results.creates.serverSide.p50}/${results.creates.serverSide.p99} ms`);

    const ca = readFileSync(pkiFiles(sandboxPaths().pki).extensionCaCert);
    const template = await podTemplate(clients.apiserver);
    for (const [key, clientCount] of [['sequential', 1], ['concurrent', options.concurrentClients]] as const) {
      log(`${options.reviewSamples} AdmissionReviews straight to our server, ${clientCount} client${clientCount > 1 ? 's' : ''}`);
      const figures = await measureReviews(clients.apiserver, state.ports.server, ca, template, options, clientCount, run, procs, log);
      results.reviews[key] = figures;
      log(`  p50/p99 ${figures.latency.p50}/${figures.latency.p99} ms (inside our server ${figures.serverSide.p50}/${figures.serverSide.p99}), ` +
        `${figures.perSecond}/s, ${figures.allowed} allowed, ${figures.denied} denied, ${figures.errors} failed; ` +
        `lease GET/PUT/409 ${figures.leaseOps.gets}/${figures.leaseOps.updates}/${figures.leaseOps.conflicts}`);
    }

    const end = memoryMiB(procs.server);
    results.memory.atEnd = { rssMiB: end.rss, peakMiB: end.peak };
    results.pods.atEnd = await podCount(clients.apiserver);
    results.finishedAt = new Date().toISOString();
    save(results, file);
  } finally {
    clients.close();
  }
}

function emptyResults(cli: Cli, startedAt: Date): QuotaResults {
  const zero = { n: 0, p50: NaN, p99: NaN, mean: NaN, min: NaN, max: NaN };
  const ledger = { liveEntries: 0, storedEntries: 0, annotationBytes: 0 };
  const lease = { gets: 0, updates: 0, conflicts: 0, idlePerSecond: { gets: 0, updates: 0 } };
  const review = {
    clients: 0, latency: zero, serverSide: zero, perSecond: 0, allowed: 0, denied: 0, errors: 0, serverCpuMs: 0, apiserverCpuMs: 0,
    leaseOps: lease, ledgerBefore: ledger, ledgerAfter: ledger,
  };
  return {
    schema: 1, kind: 'quota-admission', startedAt: startedAt.toISOString(), finishedAt: '', machine: machine(), options: cli.options,
    setup: {
      account: QUOTA_ACCOUNT, quota: QUOTA_NAME, hard: { ...QUOTA_HARD }, spaces: [...QUOTA_SPACES], plainNamespace: PLAIN_NAMESPACE, cpuLimitPerPod: CPU_LIMIT,
      fill: {
        pods: 0, seconds: 0, concurrency: cli.options.fillConcurrency, retried: 0, failures: {}, latency: zero, serverSide: zero,
        serverCpuMs: 0, apiserverCpuMs: 0, leaseOps: lease, ledgerAfter: ledger,
      },
      statusCatchUpSeconds: 0,
    },
    pods: { beforeMeasuring: { listed: 0, quotaUsed: undefined }, atEnd: { listed: 0, quotaUsed: undefined } },
    creates: {
      viaWebhook: zero, noWebhook: zero, serverSide: zero, failures: {}, webhookFailures: 0, serverCpuMs: 0, apiserverCpuMs: 0, leaseOps: lease, ledgerBefore: ledger, ledgerAfter: ledger,
    },
    reviews: { sequential: { ...review, clients: 1 }, concurrent: { ...review, clients: cli.options.concurrentClients } },
    memory: { afterFill: { rssMiB: 0, peakMiB: 0 }, atEnd: { rssMiB: 0, peakMiB: 0 } },
    loadAverage: 0,
    notes: [...cli.notes],
  };
}

async function main(): Promise<number> {
  const cli = parseArgs(process.argv.slice(2));
  if (cli.report) {
    const results = JSON.parse(readFileSync(cli.report, 'utf8')) as QuotaResults;
    results.notes.push(...cli.notes);
    writeBenchmarksDoc({ quota: results });
    process.stdout.write(`${renderQuotaConsole(results)}\n\nwrote docs/benchmarks.md from ${cli.report}\n`);
    return 0;
  }
  if (!process.env.KIOSK_BENCH_SOURCE) {
    // It fills a cluster with pods: never in the sandbox someone develops against, nor in the read-path benchmark's.
    process.env.KIOSK_SANDBOX_DIR ??= join(repoRoot(), '.sandbox-bench-quota');
    const sandbox = resolve(sandboxPaths().sandbox);
    if (FORBIDDEN_SANDBOXES.some((dir) => sandbox === join(repoRoot(), dir))) {
      throw new Error(`refusing to run in ${sandbox}: set KIOSK_SANDBOX_DIR to a folder of its own (default .sandbox-bench-quota/)`);
    }
    process.env.KIOSK_SANDBOX_DIR = sandbox;
    mkdirSync(sandbox, { recursive: true });
    const copy = snapshotBuild(repoRoot(), sandbox);
    log(`sandbox: ${sandbox}; running from a copy of the build in ${copy}`);
    process.on('SIGINT', () => undefined);
    const child = spawnSync(process.execPath, [join(copy, 'dist', 'test', 'bench', 'quota-admission.js'), ...process.argv.slice(2)],
      { stdio: 'inherit', env: { ...process.env, KIOSK_BENCH_SOURCE: repoRoot() } });
    return child.status ?? 1;
  }

  if (cli.burst) return runBursts(cli);
  const startedAt = new Date();
  const file = resultsFile(startedAt, QUOTA_RESULTS_PREFIX);
  const results = emptyResults(cli, startedAt);
  const reduced = Object.entries(FLAGS).filter(([, key]) => cli.options[key] < DEFAULT_OPTIONS[key]);
  if (reduced.length > 0) results.notes.push(`Reduced counts: ${reduced.map(([flag, key]) => `${flag} ${cli.options[key]} (default ${DEFAULT_OPTIONS[key]})`).join(', ')}.`);

  const { state, reused } = await startSandbox(log);
  const interrupted = () => void (cli.keep ? Promise.resolve(false) : stopSandbox()).finally(() => process.exit(130));
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  if (reused) results.notes.push('The sandbox was already running and was reused; its pods from an earlier run were kept.');
  try {
    await measure(state, cli, results, file);
  } catch (err) {
    results.notes.push(`The run failed: ${String((err as Error).message.split('\n')[0])}`);
    results.finishedAt = new Date().toISOString();
    // Only a run that got as far as its first series is worth a results file.
    if (results.creates.viaWebhook.n > 0) save(results, file);
    throw err;
  } finally {
    if (!cli.keep) {
      log('stopping the benchmark sandbox');
      await stopSandbox();
    }
  }
  process.stdout.write(`${renderQuotaConsole(results)}\n\nwrote ${file} and docs/benchmarks.md\n`);
  return 0;
}

/** `--burst`: the bursts at a limit, in a sandbox of their own, saved and rendered apart from the series above. */
async function runBursts(cli: Cli): Promise<number> {
  const startedAt = new Date();
  const file = resultsFile(startedAt, BURST_RESULTS_PREFIX);
  const { state } = await startSandbox(log);
  const clients = connect(state, 32);
  try {
    const pki = pkiFiles(sandboxPaths().pki);
    const tls = { ca: readFileSync(pki.caCert), cert: readFileSync(pki.adminCert), key: readFileSync(pki.adminKey) };
    const serverLog = state.components.find((c) => c.pid === serverPid(state))!.logFile;
    const measured = await measureBursts(clients, tls, state.ports.apiserver, serverLog, Date.now().toString(36), log);
    const results: BurstResults = {
      schema: 1, kind: 'quota-burst', startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), machine: machine(), ...measured, notes: [...cli.notes],
    };
    writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
    writeBenchmarksDoc({ quotaBurst: results });
    process.stdout.write(`${renderBursts(results)}\nwrote ${file} and docs/benchmarks.md\n`);
    return 0;
  } finally {
    clients.close();
    if (!cli.keep) {
      log('stopping the benchmark sandbox');
      await stopSandbox();
    }
  }
}

main().then((code) => process.exit(code), (err: unknown) => {
  log(`ERROR: ${(err as Error).stack ?? (err as Error).message}`);
  process.exit(1);
});
