// Template parameter validation: what the worst Go patterns and values cost, on the event loop and off it.
// For each pair: matchesGoRegexp inline (the CPU a match takes, all of it on the caller's event loop), then
// GoRegexpWorker.match (what the controller does): what the call itself costs the event loop (posting the
// strings), the longest event-loop delay seen until the answer (it includes the machine's own scheduling
// noise), and the time until the answer or the deadline. Run: npm run -s build && node dist/test/bench/measure-regexp.js
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { GoRegexpWorker } from '../../storage/apimachinery/go-regexp/worker.js';
import { matchesGoRegexp, MAX_PATTERN_LENGTH, MAX_VALUE_LENGTH } from '../../storage/apimachinery/go-regexp/go-regexp.js';

const MiB = 1024 * 1024;
const costly = (n: number) => `${'a'.repeat(999)}b`.repeat(Math.ceil(n / 1000)).slice(0, n);
const alphabet = (n: number) => 'abcdefghijklmnopqrstuvwxyz'.repeat(Math.ceil(n / 26)).slice(0, n);

export interface Pair {
  name: string;
  pattern: string;
  value: string;
  /** Skip the inline run: it would take minutes or more. */
  inline?: boolean;
}

export const pairs: Pair[] = [
  { name: '^(a+)+$ on 33 a and !', pattern: '^(a+)+$', value: `${'a'.repeat(33)}!` },
  { name: '^(a+)+$ on 1 MiB', pattern: '^(a+)+$', value: `${'a'.repeat(MAX_VALUE_LENGTH - 1)}!` },
  { name: '(a|a)*b on 1 MiB', pattern: '(a|a)*b', value: 'a'.repeat(MAX_VALUE_LENGTH) },
  { name: '(a*)*$ on 1 MiB', pattern: '^(a*)*$', value: `${'a'.repeat(MAX_VALUE_LENGTH - 1)}b` },
  { name: '(x+x+)+y on 1 MiB', pattern: '(x+x+)+y', value: 'x'.repeat(MAX_VALUE_LENGTH) },
  { name: 'DNS label on 1 MiB', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', value: `${'a'.repeat(MAX_VALUE_LENGTH - 1)}-` },
  { name: 'DFA blow-up [a-q][^u-z]{13}x on 1 MiB', pattern: '[a-q][^u-z]{13}x', value: alphabet(MAX_VALUE_LENGTH) },
  { name: '(a?){1000}a{1000} on 16,000', pattern: '(a?){1000}a{1000}', value: costly(16_000) },
  { name: '(a?){1000}a{1000} on 1 MiB', pattern: '(a?){1000}a{1000}', value: costly(MAX_VALUE_LENGTH), inline: false },
  { name: '[\\pL\\pN\\pP]{1000} on 1 character', pattern: '[\\pL\\pN\\pP]{1000}', value: 'x' },
  { name: `a ${MAX_PATTERN_LENGTH / 1024} KiB class of \\pL`, pattern: `[${'\\pL'.repeat(MAX_PATTERN_LENGTH / 3 - 1)}]`.slice(0, MAX_PATTERN_LENGTH), value: 'x' },
  { name: 'a 3 MiB value (refused)', pattern: 'a', value: 'a'.repeat(3 * MiB) },
];

const ms = (n: number) => `${n.toFixed(1)} ms`;

/** One pair through the worker, as the controller matches: what it costs the caller's event loop, and when it answers. */
export interface WorkerMeasure {
  name: string;
  /** The time `match` itself held the event loop (posting the strings). */
  callMs: number;
  /** The longest event-loop delay until the answer (includes the machine's own scheduling noise). */
  maxDelayMs: number;
  answerAfterMs: number;
  outcome: string;
}

export async function measureOnWorker(worker: GoRegexpWorker, pair: Pair): Promise<WorkerMeasure> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const start = performance.now();
  const answer = worker.match(pair.pattern, pair.value);
  const callMs = performance.now() - start;
  let outcome: string;
  try {
    outcome = String(await answer);
  } catch (err) {
    outcome = (err as Error).message.slice(0, 60);
  }
  const answerAfterMs = performance.now() - start;
  delay.disable();
  return { name: pair.name, callMs, maxDelayMs: delay.max / 1e6, answerAfterMs, outcome };
}

async function main(): Promise<void> {
  const worker = new GoRegexpWorker();
  await worker.match('a', 'a'); // Start the thread outside the figures.
  console.log(['pair', 'inline (event loop held)', 'worker: call', 'worker: max event-loop delay', 'worker: answer after', 'answer'].join(' | '));
  for (const pair of pairs) {
    let inline = 'skipped';
    if (pair.inline !== false) {
      const start = performance.now();
      try {
        matchesGoRegexp(pair.pattern, pair.value);
      } catch {
        // Refused: the time to refuse is the figure.
      }
      inline = ms(performance.now() - start);
    }
    const m = await measureOnWorker(worker, pair);
    console.log([pair.name, inline, ms(m.callMs), ms(m.maxDelayMs), ms(m.answerAfterMs), m.outcome].join(' | '));
  }
  worker.close();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
