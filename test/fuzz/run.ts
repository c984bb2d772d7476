// `npm run fuzz [-- --runs N --seed S --concurrency C --json FILE]`: the fuzz driver for a longer run than the
// integration suite's, against the sandbox (started if none is running, and stopped afterwards only then).
// Prints requests, status histogram, each 5xx with a reproducer, livez p50/p99 and the event-loop lag.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { FUZZ_RESULTS_PREFIX, writeBenchmarksDoc } from '../bench/docs.js';
import { machine, resultsFile } from '../bench/frozen-build.js';
import type { BenchResults } from '../bench/results.js';
import { runningSandbox, startSandbox, stopSandbox } from '../cluster/sandbox.js';
import type { RequestRecipe } from './arbitraries.js';
import { describeRecipe } from './arbitraries.js';
import type { FuzzSummary } from './driver.js';
import { renderSummary, runFuzz, setUpFixtures, tearDownFixtures } from './driver.js';

/** A saved run: test/bench/results/fuzz-<date>.json, rendered into docs/benchmarks.md. */
export interface FuzzResults {
  startedAt: string;
  machine: BenchResults['machine'];
  /** The 1-minute load average at the end of the run. */
  load: number;
  concurrency: number;
  summary: FuzzSummary;
}

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const inline = process.argv.find((a) => a.startsWith(`--${name}=`));
  const raw = inline ? inline.split('=')[1] : i >= 0 ? process.argv[i + 1] : undefined;
  const n = Number(raw);
  return raw !== undefined && Number.isFinite(n) ? n : fallback;
}

const log = (line: string) => process.stderr.write(`[fuzz ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

async function main(): Promise<void> {
  const runs = flag('runs', 10_000);
  const seed = flag('seed', Date.now() % 2 ** 31);
  const concurrency = flag('concurrency', 16);
  const jsonAt = process.argv.indexOf('--json');
  // --skip TEXT (repeatable): leave out recipes whose description contains TEXT, to look past a known crash.
  const skips = process.argv.flatMap((a, i) => (a === '--skip' && process.argv[i + 1] ? [process.argv[i + 1]!] : []));
  const startedAt = new Date();
  const running = await runningSandbox();
  const { state } = running ? { state: running } : await startSandbox(log);
  const run = Date.now().toString(36);
  const ctx = await setUpFixtures(run);
  try {
    log(`seed ${seed}, ${runs} requests, ${concurrency} in flight${skips.length ? `, skipping recipes with ${skips.join(', ')}` : ''}`);
    const skip = skips.length ? (r: RequestRecipe) => { const d = describeRecipe(r); return skips.some((s) => d.includes(s)); } : undefined;
    const summary = await runFuzz({ seed, runs, concurrency, ctx, state, progressEvery: 1_000, progress: (done) => log(`${done}/${runs}`), ...(skip ? { skip } : {}) });
    process.stdout.write(`${renderSummary(summary)}\n`);
    if (jsonAt >= 0 && process.argv[jsonAt + 1]) writeFileSync(process.argv[jsonAt + 1]!, JSON.stringify(summary, null, 2));
    if (!process.argv.includes('--no-save')) {
      // The figures the issue asks for (/livez p99 while the fuzzer runs) live in the benchmarks, not in a timed test.
      const saved: FuzzResults = { startedAt: startedAt.toISOString(), machine: machine(), load: loadavg()[0] ?? 0, concurrency, summary: { ...summary, serverErrors: summary.serverErrors.slice(0, 20) } };
      const file = resultsFile(startedAt, FUZZ_RESULTS_PREFIX);
      writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`);
      log(`wrote ${file} and ${writeBenchmarksDoc({ fuzz: saved })}`);
    }
    process.exitCode = summary.serverErrors.length > 0 || !summary.server.alive || summary.server.pidAfter !== summary.server.pidBefore ? 1 : 0;
  } finally {
    await tearDownFixtures(run, ctx);
    if (!running) await stopSandbox();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main().catch((err: unknown) => {
  process.stderr.write(`${String(err instanceof Error ? err.stack : String(err))}\n`);
  process.exitCode = 2;
});
