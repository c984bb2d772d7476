// `npm run fuzz [-- --runs N --seed S --concurrency C --json FILE]`: the fuzz driver for a longer run than the
// integration suite's, against the sandbox (started if none is running, and stopped afterwards only then).
// Prints requests, status histogram, each 5xx with a reproducer, livez p50/p99 and the event-loop lag.
import { writeFileSync } from 'node:fs';
import { runningSandbox, startSandbox, stopSandbox } from '../cluster/sandbox.js';
import type { RequestRecipe } from './arbitraries.js';
import { describeRecipe } from './arbitraries.js';
import { renderSummary, runFuzz, setUpFixtures, tearDownFixtures } from './driver.js';

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
    process.exitCode = summary.serverErrors.length > 0 || !summary.server.alive || summary.server.pidAfter !== summary.server.pidBefore ? 1 : 0;
  } finally {
    await tearDownFixtures(run, ctx);
    if (!running) await stopSandbox();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 2;
});
