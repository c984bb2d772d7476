import { CREATE_DEADLINE_MS } from './creating-mark.js';
import type { CreatesInFlight } from './creating-mark.js';

/** Whether another replica still runs (storage/ReplicaLease: its own Lease, judged as client-go judges one). */
export interface ReplicaPresence {
  /** alive: false only once the replica is surely gone; recheckInMs: when the answer may change. */
  alive(identity: string): Promise<{ alive: boolean; recheckInMs?: number }>;
}

/**
 * Whether the create request behind a marked namespace can still finish or undo it:
 * - made here: alive exactly while this process runs it (a restart means a new identity, so a create of an
 *   earlier process of ours is someone else's and judged below);
 * - made by another replica: alive while that replica is (its Lease is renewed) and the create's deadline
 *   has not passed;
 * - past the deadline, never: a create gives up by then (the minute Kiosk waits for templates, and its writes).
 */
export function createLiveness(own: CreatesInFlight, replicas: ReplicaPresence, now: () => number = Date.now) {
  return {
    async isLive(namespace: string, creator: string, createdMs: number | undefined): Promise<{ live: boolean; recheckInMs?: number }> {
      if (creator === own.identity && creator !== '') return own.has(namespace) ? { live: true } : { live: false };
      const left = (createdMs ?? 0) + CREATE_DEADLINE_MS - now();
      if (left <= 0 || creator === '') return { live: false };
      const replica = await replicas.alive(creator);
      if (!replica.alive) return { live: false };
      return { live: true, recheckInMs: Math.min(left + 1_000, replica.recheckInMs ?? Infinity) };
    },
  };
}
