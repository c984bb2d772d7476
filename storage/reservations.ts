import type { LeaseLedger, LedgerEntry } from './lease-ledger.js';
import { LedgerBatcher } from './ledger-batcher.js';

/** A reservation's outcome: held, refused at the limit, or not decided within the deadline (the client retries). */
export type ReserveOutcome = { ok: true } | { ok: false; count: number } | { ok: false; busy: true };

type Operation =
  | { op: 'reserve'; member: string; limit: number; existing: () => Promise<Set<string>>; dryRun: boolean }
  | { op: 'release'; member: string };

/** How long a reservation or release may wait for its batch: under the aggregator's and clients' timeouts. */
export const RESERVE_DEADLINE_MS = 8_000;
const MAX_BATCH = 256;

/**
 * Race-free counting across server replicas ("at most N spaces per account"): the limit is checked and a
 * slot reserved in one transaction of a LeaseLedger, so concurrent creators serialize whichever replica
 * serves them. The members that exist are read live inside the transaction, so informer lag cannot let
 * one through. A reservation is released once the member exists (or failed), and expires after the TTL.
 * Concurrent reservations and releases of one key are decided in batches (storage/ledger-batcher.ts): one
 * live read and one compare-and-swap for all that arrived while the previous batch was in flight.
 */
export class CountReservations {
  private readonly batcher: LedgerBatcher<null, Operation, ReserveOutcome | undefined>;

  constructor(ledger: Pick<LeaseLedger, 'transact'>, private readonly ttlMs: number, options: { deadlineMs?: number } = {}) {
    this.batcher = new LedgerBatcher<null, Operation, ReserveOutcome | undefined>(ledger, (entries, now, ops) => this.decide(entries, now, ops), {
      maxBatch: MAX_BATCH,
      deadlineMs: options.deadlineMs ?? RESERVE_DEADLINE_MS,
      // A release not done in time leaves the reservation to expire; the member exists by then, so it holds no extra slot.
      shed: (o) => (o.op === 'reserve' ? { ok: false, busy: true } : undefined),
    });
  }

  /** Reserves `member` under `key` if fewer than `limit` members exist or are reserved; dryRun only checks. */
  async reserve(key: string, member: string, limit: number, existing: () => Promise<Set<string>>, dryRun = false): Promise<ReserveOutcome> {
    const outcome = await this.batcher.submit(key, { op: 'reserve', member, limit, existing, dryRun });
    return outcome ?? { ok: false, busy: true };
  }

  /** Releases a reservation; a missing one is fine (expired, or released already). */
  async release(key: string, member: string): Promise<void> {
    await this.batcher.submit(key, { op: 'release', member });
  }

  /** The batch, in order: the live members read once, each reservation checked against them and the batch's earlier ones. */
  private async decide(entries: Record<string, LedgerEntry<null>>, now: number, ops: readonly Operation[]):
    Promise<{ write?: Record<string, LedgerEntry<null>>; results: Array<ReserveOutcome | undefined> }> {
    const firstReserve = ops.find((o) => o.op === 'reserve');
    const existing = firstReserve ? await firstReserve.existing() : new Set<string>();
    const next = { ...entries };
    const changes: string[] = [];
    const results = ops.map((o): ReserveOutcome | undefined => {
      if (o.op === 'release') {
        if (!Object.hasOwn(next, o.member)) return undefined;
        Reflect.deleteProperty(next, o.member);
        changes.push(o.member);
        return undefined;
      }
      const members = new Set([...existing, ...Object.keys(next)]);
      members.delete(o.member);
      if (members.size >= o.limit) return { ok: false, count: members.size };
      if (o.dryRun) return { ok: true };
      next[o.member] = { data: null, createdAt: now, expiresAt: now + this.ttlMs };
      changes.push(o.member);
      return { ok: true };
    });
    return changes.length > 0 ? { write: next, results } : { results };
  }
}
