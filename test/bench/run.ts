// `npm run bench [-- --sizes=100,1000,10000 --keep ...]`: fills a sandbox of its own with a synthetic
// tenant population size by size, measures our server at each size, and writes
// test/bench/results/<date>.json and docs/benchmarks.md. See docs/benchmarks.md for what each figure is.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repoRoot, sandboxPaths } from '../cluster/paths.js';
import type { SandboxState } from '../cluster/sandbox.js';
import { startSandbox, stopSandbox } from '../cluster/sandbox.js';
import type { Clients } from './clients.js';
import { connect, serverPid } from './clients.js';
import type { BenchCli } from './cli.js';
import { parseBenchArgs } from './cli.js';
import { writeBenchmarksDoc } from './docs.js';
import { machine, resultsFile, snapshotBuild } from './frozen-build.js';
import { countRoleBindings, growTo, installBase, waitForServer } from './generator.js';
import { measureFanout } from './measure-fanout.js';
import { measureLists } from './measure-lists.js';
import { heapUsedMiB, measureStartup, pagedListSeconds } from './measure-startup.js';
import { measureVisibility } from './measure-visibility.js';
import { NAMESPACES_PER_ACCOUNT, population } from './model.js';
import { memoryMiB, settle } from './proc.js';
import { renderConsole } from './report.js';
import type { BenchOptions, BenchResults, SizeResult } from './results.js';

const log = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

const DEFAULT_OPTIONS: BenchOptions = {
  sizes: [100, 1_000, 10_000],
  listSamples: 500,
  apiserverSamples: 200,
  wideSamples: 200,
  visibilitySamples: 50,
  watches: 1_000,
  fanoutUsers: 600,
  fanoutEvents: 10,
  unrelatedChanges: 50,
};

const FLAGS: Record<string, Exclude<keyof BenchOptions, 'sizes'>> = {
  'list-samples': 'listSamples', 'apiserver-samples': 'apiserverSamples', 'wide-samples': 'wideSamples',
  'visibility-samples': 'visibilitySamples', watches: 'watches', 'fanout-users': 'fanoutUsers',
  'fanout-events': 'fanoutEvents', 'unrelated-changes': 'unrelatedChanges',
};

type Cli = BenchCli<BenchOptions>;

function parseArgs(argv: string[]): Cli {
  const cli = parseBenchArgs(argv, DEFAULT_OPTIONS, FLAGS, {
    special: (flag, value, options) => {
      if (flag !== 'sizes') return false;
      options.sizes = value.split(',').map(Number);
      // Sizes grow: each keeps the objects of the previous one, so they must ascend. The measured users'
      // 20 namespaces are among the first 100.
      if (options.sizes.some((s, i, all) => !Number.isInteger(s) || s < 100 || (i > 0 && s <= all[i - 1]!))) {
        throw new Error('--sizes must be ascending integers of at least 100');
      }
      return true;
    },
  });
  cli.options.fanoutUsers = Math.min(cli.options.fanoutUsers, cli.options.watches);
  return cli;
}

/** docs/benchmarks.md from these results, keeping the AccountQuota section of the newest quota run (test/bench/docs.ts). */
function writeDocs(results: BenchResults): void {
  writeBenchmarksDoc({ readPath: results });
}

function save(results: BenchResults, file: string): void {
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  writeDocs(results);
}

async function measureSize(state: SandboxState, clients: Clients, from: number, size: number, base: number, options: BenchOptions): Promise<{ result: SizeResult; clients: Clients }> {
  log(`growing to ${size.toLocaleString('en-US')} namespaces`);
  const started = Date.now();
  const objectsCreated = await growTo(clients, from, size, log);
  const generateSeconds = (Date.now() - started) / 1000;
  const caughtUp = await waitForServer(clients, size, base);
  const roleBindings = (await countRoleBindings(clients.apiserver)) - base;
  log(`created ${objectsCreated} objects in ${generateSeconds.toFixed(0)} s; the account controller finished ${caughtUp.controllerSeconds.toFixed(1)} s later ` +
    `(${roleBindings} tenant RoleBindings), our server ${caughtUp.serverSeconds.toFixed(1)} s after that`);
  await settle(serverPid(state), 180_000);
  const steadyMem = memoryMiB(serverPid(state));
  const steadyHeap = await heapUsedMiB(clients);
  const roleBindingList = await pagedListSeconds(clients.apiserver, '/apis/rbac.authorization.k8s.io/v1/rolebindings');
  log(`RSS after the burst: ${steadyMem.rss} MiB (heap ${String(steadyHeap)} MiB); RoleBinding paged list ${roleBindingList.seconds} s; restarting the server`);

  clients.close();
  const restarted = await measureStartup(state, Math.ceil(size / NAMESPACES_PER_ACCOUNT));
  const fresh = connect(state);
  const startup = { ...restarted, heapUsedMiB: await heapUsedMiB(fresh), roleBindingList };
  log(`ready in ${startup.readySeconds} s (index ${String(startup.indexBuildMs)} ms), idle ${startup.settleSeconds.toFixed(0)} s later, RSS ${startup.rssMiB} MiB (heap ${String(startup.heapUsedMiB)} MiB)`);
  const serverLog = state.components.find((c) => c.pid === serverPid(state))!.logFile;
  const lists = await measureLists(fresh, options, { pid: serverPid(state), log: serverLog });
  log(`list direct p50/p99 ${lists.direct.p50}/${lists.direct.p99} ms, via kube-apiserver ${lists.viaApiserver.p50}/${lists.viaApiserver.p99} ms`);
  const visibility = await measureVisibility(fresh, options.visibilitySamples);
  log(`grant→watch p99 ${visibility.watchGrant.p99} ms, revoke→watch p99 ${visibility.watchRevoke.p99} ms, grant→list p99 ${visibility.listGrant.p99} ms`);
  const fanout = await measureFanout(state, fresh, options);
  log(`fan-out to ${fanout.watches} watches: last watcher p99 ${fanout.lastMs.p99} ms, CPU/event mean ${fanout.serverCpuMsPerEvent.mean} ms`);

  const { users, groups } = population(size);
  return {
    clients: fresh,
    result: {
      namespaces: size, roleBindings, accounts: Math.ceil(size / NAMESPACES_PER_ACCOUNT), users, groups,
      generateSeconds, objectsCreated, controllerSeconds: caughtUp.controllerSeconds, catchUpSeconds: caughtUp.serverSeconds, steady: { rssMiB: steadyMem.rss, peakMiB: steadyMem.peak, heapUsedMiB: steadyHeap },
      startup, lists, visibility, fanout,
    },
  };
}

async function main(): Promise<number> {
  const cli = parseArgs(process.argv.slice(2));
  if (cli.report) {
    const results = JSON.parse(readFileSync(cli.report, 'utf8')) as BenchResults;
    results.notes.push(...cli.notes);
    writeDocs(results);
    process.stdout.write(`${renderConsole(results)}\n\nwrote docs/benchmarks.md from ${cli.report}\n`);
    return 0;
  }
  if (!process.env.KIOSK_BENCH_SOURCE) {
    // The benchmark fills the cluster with tens of thousands of objects and restarts the server: it must
    // never run in the sandbox someone is developing against.
    process.env.KIOSK_SANDBOX_DIR ??= join(repoRoot(), '.sandbox-bench');
    if (resolve(sandboxPaths().sandbox) === join(repoRoot(), '.sandbox')) throw new Error('refusing to run in the default sandbox (.sandbox/): set KIOSK_SANDBOX_DIR to another folder');
    mkdirSync(sandboxPaths().sandbox, { recursive: true });
    const copy = snapshotBuild(repoRoot(), sandboxPaths().sandbox);
    log(`sandbox: ${sandboxPaths().sandbox}; running from a copy of the build in ${copy}`);
    // Ctrl-C reaches both processes: the child stops its sandbox, this one waits for it.
    process.on('SIGINT', () => undefined);
    const child = spawnSync(process.execPath, [join(copy, 'dist', 'test', 'bench', 'run.js'), ...process.argv.slice(2)],
      { stdio: 'inherit', env: { ...process.env, KIOSK_BENCH_SOURCE: repoRoot() } });
    return child.status ?? 1;
  }

  const startedAt = new Date();
  const file = resultsFile(startedAt);
  const results: BenchResults = {
    schema: 1, startedAt: startedAt.toISOString(), finishedAt: '', machine: machine(), options: cli.options, sizes: [], notes: [...cli.notes],
  };
  const reduced = Object.entries(FLAGS).filter(([, key]) => cli.options[key] < DEFAULT_OPTIONS[key]);
  if (reduced.length > 0) results.notes.push(`Reduced sample counts: ${reduced.map(([flag, key]) => `${flag} ${cli.options[key]} (default ${DEFAULT_OPTIONS[key]})`).join(', ')}.`);

  const { state, reused } = await startSandbox(log);
  const interrupted = () => void (cli.keep ? Promise.resolve(false) : stopSandbox()).finally(() => process.exit(130));
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  if (reused) results.notes.push('The benchmark sandbox was already running and was reused; objects from an earlier run were kept.');
  let clients = connect(state);
  try {
    const base = await installBase(clients);
    let have = 0;
    for (const size of cli.options.sizes) {
      const measured = await measureSize(state, clients, have, size, base, cli.options);
      clients = measured.clients;
      results.sizes.push(measured.result);
      have = size;
      results.finishedAt = new Date().toISOString();
      save(results, file);
    }
  } catch (err) {
    results.notes.push(`The run failed: ${String((err as Error).message.split('\n')[0])}`);
    results.finishedAt = new Date().toISOString();
    if (results.sizes.length > 0) save(results, file);
    throw err;
  } finally {
    clients.close();
    if (!cli.keep) {
      log('stopping the benchmark sandbox');
      await stopSandbox();
    }
  }
  process.stdout.write(`${renderConsole(results)}\n\nwrote ${file} and docs/benchmarks.md\n`);
  return 0;
}

main().then((code) => process.exit(code), (err: unknown) => {
  log(`ERROR: ${(err as Error).stack ?? (err as Error).message}`);
  process.exit(1);
});
