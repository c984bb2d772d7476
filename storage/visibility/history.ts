import type { BindingDelta } from './grants.js';

export type CollectionName = 'namespaces' | 'accounts';

/** One committed change, stamped with the resourceVersion clients see for it. */
export type Change<T> =
  | { kind: 'object'; collection: CollectionName; name: string; before: T | undefined; after: T | undefined }
  | { kind: 'grants'; deltas: Record<CollectionName, BindingDelta[]> };

export interface HistoryRecord<T> {
  rv: number;
  change: Change<T>;
}

/**
 * A bounded log of recent changes. A watch that resumes from a resourceVersion inside the window is
 * replayed from it; one older than the window gets 410 Expired and relists, as with kube-apiserver's
 * watch cache.
 */
export class History<T> {
  private readonly records: HistoryRecord<T>[] = [];
  private start = 0;
  /** The resourceVersion before the oldest retained record: resuming from it or later is possible. */
  private floor = 0;

  constructor(private readonly capacity: number) {}

  append(record: HistoryRecord<T>): void {
    this.records.push(record);
    if (this.records.length - this.start > this.capacity) {
      this.floor = this.records[this.start]?.rv ?? this.floor;
      this.start++;
      // Compact now and then instead of shifting on every append.
      if (this.start > this.capacity) {
        this.records.splice(0, this.start);
        this.start = 0;
      }
    }
  }

  /** Sets the oldest resourceVersion a watch may resume from (the clock when the history starts). */
  setFloor(rv: number): void {
    this.floor = Math.max(this.floor, rv);
  }

  oldestResumable(): number {
    return this.floor;
  }

  /** Records with rv > `rv`, oldest first; undefined when `rv` is older than the window. */
  since(rv: number): HistoryRecord<T>[] | undefined {
    if (rv < this.floor) return undefined;
    const out: HistoryRecord<T>[] = [];
    for (let i = this.records.length - 1; i >= this.start; i--) {
      const r = this.records[i];
      if (!r || r.rv <= rv) break;
      out.push(r);
    }
    return out.reverse();
  }

  get length(): number {
    return this.records.length - this.start;
  }
}
