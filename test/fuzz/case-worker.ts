/**
 * Worker side of case-runner.ts: regenerates the target's cases from the same seed (so nothing big crosses
 * the thread boundary), runs them from `from` on, and reports each. The parent watches for the worker dying
 * (out of memory) or going silent (a case that never returns).
 */
import { parentPort, workerData } from 'node:worker_threads';
import fc from 'fast-check';
import { defaultDescribe } from './cases.js';
import { breachOf, prototypeChanges, restorePrototypes, snapshotPrototypes } from './invariants.js';
import { TARGETS } from './targets.js';

export interface CaseWorkerData {
  target: string;
  seed: number;
  runs: number;
  from: number;
}

export type CaseMessage =
  | { type: 'start'; index: number; reproducer: string }
  | { type: 'done'; index: number; outcome?: string; polluted: string[] };

async function main(): Promise<void> {
  const { target, seed, runs, from } = workerData as CaseWorkerData;
  const t = TARGETS[target];
  if (!t || !parentPort) throw new Error(`no fuzz target ${target}`);
  const cases = t.cases ? t.cases() : fc.sample(t.arbitrary(), { seed, numRuns: runs });
  const snapshot = snapshotPrototypes();
  for (let index = from; index < cases.length; index++) {
    const input = cases[index];
    parentPort.postMessage({ type: 'start', index, reproducer: `case #${index} of seed ${seed}: ${defaultDescribe(input)}` } satisfies CaseMessage);
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
}

void main();
