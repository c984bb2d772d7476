/**
 * Worker side of case-runner.ts: for each job it is sent, regenerates the target's cases from the same seed
 * (so nothing big crosses the thread boundary), runs them from `from` on, reports each, then says it has
 * finished and waits for the next job. The parent watches for the worker dying (out of memory) or going
 * silent (a case that never returns), and starts a fresh worker after either.
 */
import { parentPort } from 'node:worker_threads';
import fc from 'fast-check';
import { defaultDescribe } from './cases.js';
import { breachOf, prototypeChanges, restorePrototypes, snapshotPrototypes } from './invariants.js';
import { TARGETS } from './targets.js';

export interface CaseJob {
  target: string;
  seed: number;
  runs: number;
  from: number;
}

export type CaseMessage =
  | { type: 'start'; index: number; reproducer: string }
  | { type: 'done'; index: number; outcome?: string; polluted: string[] }
  | { type: 'finished' };

async function run(job: CaseJob): Promise<void> {
  const { target, seed, runs, from } = job;
  const t = TARGETS[target];
  if (!t || !parentPort) throw new Error(`no fuzz target ${target}`);
  const cases = t.cases ? t.cases() : fc.sample(t.arbitrary(), { seed, numRuns: runs });
  const snapshot = snapshotPrototypes();
  for (let index = from; index < cases.length; index++) {
    const input = cases[index];
    parentPort.postMessage({ type: 'start', index, reproducer: `case #${String(index)} of seed ${String(seed)}: ${defaultDescribe(input)}` } satisfies CaseMessage);
    let outcome: string | undefined;
    try {
      await t.check(input);
    } catch (err) {
      outcome = breachOf(err);
    }
    const polluted = prototypeChanges(snapshot);
    if (polluted.length) restorePrototypes(snapshot);
    parentPort.postMessage({ type: 'done', index, ...(outcome ? { outcome } : {}), polluted } satisfies CaseMessage);
  }
  parentPort.postMessage({ type: 'finished' } satisfies CaseMessage);
}

// One job at a time: the parent sends the next only after 'finished'. A job that throws ends the worker
// (an unhandled rejection), which the parent sees as its death.
parentPort?.on('message', (job: CaseJob) => {
  void run(job);
});
