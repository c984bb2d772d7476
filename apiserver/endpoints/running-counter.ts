import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';

/**
 * A prom-client Counter over running counts kept elsewhere (numbers that only grow from 0 at process
 * start, like AccessIndex.stats): a prom-client Counter can only be incremented, so collect() increments
 * each series by what its count grew since the previous scrape, and the exported value stays equal to
 * the count. (A count that went down, which the sources never do, is taken as the new base, not exported.)
 */
export function runningCounter<L extends string>(config: {
  name: string;
  help: string;
  labelNames: readonly L[];
  registers: Registry[];
  /** The counts now, one per label set; every label set read once exists from then on. */
  read: () => Iterable<readonly [Record<L, string>, number]>;
}): Counter<L> {
  const { read, ...counter } = config;
  const last = new Map<string, number>();
  return new Counter<L>({
    ...counter,
    collect() {
      for (const [labels, count] of read()) {
        const key = JSON.stringify(config.labelNames.map((l) => labels[l]));
        const delta = count - (last.get(key) ?? 0);
        last.set(key, count);
        this.inc(labels, Math.max(0, delta));
      }
    },
  });
}
