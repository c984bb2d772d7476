/**
 * Runs a unit fuzz target's cases in a worker thread with a heap limit, one worker after another: a case
 * that exhausts the heap (a YAML alias bomb) or does not return within the hang bound ends its worker and
 * is recorded as a breach, and the next worker resumes after it. The hang bound is a detector for a case
 * that never finishes, not a speed assertion: it is far above what any case needs even on a loaded machine.
 * A worker that finished a target cleanly runs the next target too (loading the code under test in a
 * fresh worker costs about a second of CPU); it is ended once nothing asks for it.
 */
import { Worker } from 'node:worker_threads';
import type { CaseJob, CaseMessage } from './case-worker.js';
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

/** How long a worker that finished a target waits for the next one before it is ended. */
const IDLE_MS = 2_000;

/** The worker that finished its last target cleanly, with its heap limit, waiting for another. */
let idle: { worker: Worker; heapMiB: number; timer: NodeJS.Timeout; gone: () => void } | undefined;

/** Forgets the idle worker, and ends it unless it is handed on. */
function unpark(end: boolean): Worker | undefined {
  const parked = idle;
  idle = undefined;
  if (!parked) return undefined;
  clearTimeout(parked.timer);
  parked.worker.off('error', parked.gone).off('exit', parked.gone);
  if (end) void parked.worker.terminate();
  return parked.worker;
}

/** The idle worker if it has the heap asked for, else a fresh one (an idle one with another heap is ended). */
function takeWorker(heapMiB: number): Worker {
  const reusable = idle?.heapMiB === heapMiB;
  const parked = unpark(!reusable);
  if (reusable && parked) {
    parked.ref();
    return parked;
  }
  return new Worker(WORKER, { resourceLimits: { maxOldGenerationSizeMb: heapMiB }, stdout: true, stderr: true });
}

/**
 * Keeps a worker that finished cleanly for the next target, for IDLE_MS; it does not keep the process alive.
 * One that dies meanwhile is forgotten, so it is never handed a target.
 */
function park(worker: Worker, heapMiB: number): void {
  unpark(true);
  worker.unref();
  const gone = () => {
    if (idle?.worker === worker) unpark(true);
  };
  worker.on('error', gone).on('exit', gone);
  const timer = setTimeout(gone, IDLE_MS);
  timer.unref();
  idle = { worker, heapMiB, timer, gone };
}

/** How many cases a target has: its fixed list, or `runs` samples. */
export const caseCount = (target: string, runs: number): number => TARGETS[target]?.cases?.().length ?? runs;

export async function runTarget(target: string, options: RunOptions): Promise<{ log: BreachLog; ran: number }> {
  const log = new BreachLog();
  options = { ...options, runs: caseCount(target, options.runs) };
  let from = 0;
  let ran = 0;
  const heapMiB = options.heapMiB ?? 128;
  while (from < options.runs) {
    const next = await new Promise<number>((resolve) => {
      const worker = takeWorker(heapMiB);
      let current: { index: number; reproducer: string } | undefined;
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      /** Ends this target's run; the worker is kept for the next target only when it finished cleanly. */
      const finish = (resumeAt: number, clean = false) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        if (clean) park(worker, heapMiB);
        else void worker.terminate();
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
      const onMessage = (m: CaseMessage) => {
        if (m.type === 'finished') {
          finish(options.runs, true);
          return;
        }
        if (m.type === 'start') {
          current = { index: m.index, reproducer: m.reproducer };
          clearTimeout(timer);
          timer = setTimeout(() => { fail(`no result within ${String((options.hangMs ?? 30_000) / 1000)} s (hang)`); }, options.hangMs ?? 30_000);
          return;
        }
        ran++;
        clearTimeout(timer);
        const reproducer = current?.reproducer ?? `case ${String(m.index)}`;
        if (m.polluted.length) log.add(`${target}: prototype polluted`, reproducer, `prototype gained ${m.polluted.join(', ')}`);
        if (m.outcome) log.add(target, reproducer, m.outcome);
        current = undefined;
      };
      const onError = (err: Error & { code?: string }) => {
        fail(err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'worker ran out of memory' : `worker died: ${err.message}`);
      };
      const onExit = () => {
        if (current) fail('worker exited');
        else finish(options.runs);
      };
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      worker.postMessage({ target, seed: options.seed, runs: options.runs, from } satisfies CaseJob);
    });
    from = next;
  }
  return { log, ran };
}
