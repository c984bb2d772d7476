import type { KubeObject } from '../../storage/informers/informer.js';
import type { CollectionName } from '../../storage/visibility/history.js';
import type { ReadConsistency } from '../../storage/visibility/read-consistency.js';

/**
 * A ReadConsistency whose state a test sets: whether the index is current and the watches connected, whether a
 * wait for them reconnects, and what kube-apiserver answers a live read with (`live`; by default the object of
 * that name in `objects`). It records the live reads (by name) and the waits (their timeouts).
 */
export class ScriptedConsistency implements ReadConsistency {
  isCurrent = true;
  isConnected = true;
  /** Whether a wait for the watches finds them connected again. */
  reconnects = false;
  readonly objects = new Map<string, KubeObject>();
  live: (name: string) => Promise<KubeObject | undefined> = (name) => Promise.resolve(this.objects.get(name));
  readonly liveReads: string[] = [];
  readonly waits: number[] = [];

  current(): boolean {
    return this.isCurrent;
  }

  connected(): boolean {
    return this.isConnected;
  }

  waitConnected(timeoutMs: number): Promise<boolean> {
    this.waits.push(timeoutMs);
    if (this.isConnected) return Promise.resolve(true);
    if (this.reconnects) this.isConnected = true;
    return Promise.resolve(this.reconnects);
  }

  readLive(_collection: CollectionName, name: string): Promise<KubeObject | undefined> {
    this.liveReads.push(name);
    return this.live(name);
  }
}
