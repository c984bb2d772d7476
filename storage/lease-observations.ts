/**
 * client-go's rule for judging a Lease someone else holds: it counts as held until its duration has passed
 * on *our* clock since we last saw its record change. The holder's renewTime is never compared with our
 * clock, so clocks skewed between nodes (or stepped) can neither keep a dead holder alive nor end a live one.
 */
export class LeaseObservations {
  private readonly seen = new Map<string, { record: string; atMs: number }>();

  /** Notes `record` (what identifies a renewal) for `key`; returns when, on the caller's clock, it last changed. */
  observe(key: string, record: string, nowMs: number): number {
    const last = this.seen.get(key);
    if (last?.record === record) return last.atMs;
    this.seen.set(key, { record, atMs: nowMs });
    return nowMs;
  }

  has(key: string): boolean {
    return this.seen.has(key);
  }

  forget(key: string): void {
    this.seen.delete(key);
  }
}
