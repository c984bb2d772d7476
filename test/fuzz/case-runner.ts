/**
 * Runs a unit fuzz target's cases in a worker thread with a heap limit, one worker after another: a case
 * that exhausts the heap (a YAML alias bomb) or does not return within the hang bound ends its worker and
 * is recorded as a breach, and the next worker resumes after it. The hang bound is a detector for a case
 * that never finishes, not a speed assertion: it is far above what any case needs even on a loaded machine.
 */
import { Worker } from 'node:worker_threads';
import type { CaseMessage, CaseWorkerData } from './case-worker.js';
import { BreachLog } from './cases.js';
import { TARGETS } from './targets.js';

export interface RunOptions {
  seed: number;
  runs: number;
  /** Heap of a worker, in MiB (the server runs with more, but a bomb exhausts any heap). */
  heapMiB?: number;
  /** A case silent for this long is a hang. */
  hangMs?: number;
}

const WORKER = new URL('./case-worker.js', import.meta.url);

/** How many cases a target has: its fixed list, or `runs` samples. */
export const caseCount = (target: string, runs: number): number => TARGETS[target]?.cases?.().length ?? runs;

export async function runTarget(target: string, options: RunOptions): Promise<{ log: BreachLog; ran: number }> {
  const log = new BreachLog();
  options = { ...options, runs: caseCount(target, options.runs) };
  let from = 0;
  let ran = 0;
  while (from < options.runs) {
    const next = await new Promise<number>((resolve) => {
      const worker = new Worker(WORKER, {
        workerData: { target, seed: options.seed, runs: options.runs, from } satisfies CaseWorkerData,
        resourceLimits: { maxOldGenerationSizeMb: options.heapMiB ?? 128 },
        stdout: true,
        stderr: true,
      });
      let current: { index: number; reproducer: string } | undefined;
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      const finish = (resumeAt: number) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        void worker.terminate();
        resolve(resumeAt);
      };
      const fail = (what: string) => {
        if (settled) return;
        if (current) {
          ran++;
          log.add(`${target}: ${what}`, current.reproducer, what);
          finish(current.index + 1);
        } else finish(options.runs);
      };
      worker.on('message', (m: CaseMessage) => {
        if (m.type === 'start') {
          current = { index: m.index, reproducer: m.reproducer };
          clearTimeout(timer);
          timer = setTimeout(() => fail(`no result within ${(options.hangMs ?? 30_000) / 1000} s (hang)`), options.hangMs ?? 30_000);
          return;
        }
        ran++;
        clearTimeout(timer);
        const reproducer = current?.reproducer ?? `case ${m.index}`;
        if (m.polluted.length) log.add(`${target}: prototype polluted`, reproducer, `prototype gained ${m.polluted.join(', ')}`);
        if (m.outcome) log.add(target, reproducer, m.outcome);
        current = undefined;
      });
      worker.on('error', (err: Error & { code?: string }) => fail(err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'worker ran out of memory' : `worker died: ${err.message}`));
      worker.on('exit', () => (current ? fail('worker exited') : finish(options.runs)));
    });
    from = next;
  }
  return { log, ran };
}
