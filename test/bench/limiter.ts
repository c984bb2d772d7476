/**
 * At most `limit` tasks in flight. kube-apiserver takes parallel writes well, but an unbounded burst of
 * tens of thousands would only queue in our own process and in its max-requests-inflight.
 */
export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/** Runs `task` for each item with bounded concurrency; the first failure rejects after in-flight tasks settle. */
export async function forEachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  const limiter = new Limiter(limit);
  const results = await Promise.allSettled(items.map((item) => limiter.run(() => task(item))));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
