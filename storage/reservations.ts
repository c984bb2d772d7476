import type { LeaseLedger } from './lease-ledger.js';

export type ReserveOutcome = { ok: true } | { ok: false; count: number };

/**
 * Race-free counting across server replicas ("at most N spaces per account"): the limit is checked and a
 * slot reserved in one transaction of a LeaseLedger, so concurrent creators serialize whichever replica
 * serves them. The members that exist are read live inside the transaction, so informer lag cannot let
 * one through. A reservation is released once the member exists (or failed), and expires after the TTL.
 */
export class CountReservations {
  constructor(private readonly ledger: LeaseLedger, private readonly ttlMs: number) {}

  /** Reserves `member` under `key` if fewer than `limit` members exist or are reserved; dryRun only checks. */
  reserve(key: string, member: string, limit: number, existing: () => Promise<Set<string>>, dryRun = false): Promise<ReserveOutcome> {
    return this.ledger.transact<null, ReserveOutcome>(key, async (entries, now) => {
      const members = await existing();
      for (const r of Object.keys(entries)) members.add(r);
      members.delete(member);
      if (members.size >= limit) return { result: { ok: false, count: members.size } };
      if (dryRun) return { result: { ok: true } };
      return { write: { ...entries, [member]: { data: null, createdAt: now, expiresAt: now + this.ttlMs } }, result: { ok: true } };
    });
  }

  /** Releases a reservation; a missing one is fine (expired, or released already). */
  release(key: string, member: string): Promise<void> {
    return this.ledger.transact<null, undefined>(key, (entries) => {
      if (!Object.hasOwn(entries, member)) return Promise.resolve({ result: undefined });
      const rest = Object.fromEntries(Object.entries(entries).filter(([m]) => m !== member));
      return Promise.resolve({ write: rest, result: undefined });
    });
  }
}
