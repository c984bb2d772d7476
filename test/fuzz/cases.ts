/**
 * Contract breaches, grouped by what went wrong, each with the smallest recipe that showed it. Cases come
 * from `fc.sample` with a fixed seed: the same seed gives the same cases on every machine, and a failure is
 * reported as a list of distinct breaches with a replayable reproducer instead of one shrunk counterexample
 * (shrinking megabyte payloads would take longer than the suite may run).
 */
import fc from 'fast-check';

/** FUZZ_SEED and FUZZ_RUNS override a suite's defaults (a longer local run, or replaying a report). */
export function fuzzSettings(defaultSeed: number, defaultRuns: number): { seed: number; runs: number } {
  const seed = Number(process.env.FUZZ_SEED ?? defaultSeed);
  const runs = Number(process.env.FUZZ_RUNS ?? defaultRuns);
  return { seed: Number.isFinite(seed) ? seed : defaultSeed, runs: Number.isFinite(runs) && runs > 0 ? runs : defaultRuns };
}

export interface Breach {
  /** What went wrong, with the numbers taken out so that one bug is one entry. */
  signature: string;
  count: number;
  /** The first outcome seen, in full. */
  outcome: string;
  /** The shortest recipe that produced it. */
  reproducer: string;
}

export class BreachLog {
  private readonly bySignature = new Map<string, Breach>();
  /** Records a breach; `reproducer` is the case's description (see defaultDescribe). */
  add(where: string, reproducer: string, outcome: string): void {
    const signature = `${where}: ${outcome.split(' @ ')[0]!.replace(/\d+/g, 'N').replace(/"[^"]*"/g, '"…"').slice(0, 200)}`;
    const known = this.bySignature.get(signature);
    if (!known) this.bySignature.set(signature, { signature, count: 1, outcome, reproducer });
    else {
      known.count++;
      if (reproducer.length < known.reproducer.length) known.reproducer = reproducer;
    }
  }

  breaches(): Breach[] {
    return [...this.bySignature.values()];
  }

  /** One line per breach, for a failing expectation's diff. */
  report(): string[] {
    return this.breaches().map((b) => `${b.signature} (x${b.count})\n    outcome: ${b.outcome}\n    reproducer: ${b.reproducer}`);
  }
}

export function defaultDescribe(input: unknown): string {
  const text = fc.stringify(input);
  return text.length > 1500 ? `${text.slice(0, 1500)}…` : text;
}
