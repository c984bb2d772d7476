/**
 * One batch of AccountQuota claims, decided together against an account's ledger: the decision function the
 * ledger batcher (storage/ledger-batcher.ts) runs once per read of the ledger. Requests are decided in arrival
 * order, each against the informers' usage plus every claim that counts, including those admitted earlier in
 * the same batch; all the batch's new claims are written in the one compare-and-swap. Pure: it may run again
 * on a fresh read when the write loses to another replica.
 */
import type { LedgerEntry } from '../../storage/lease-ledger.js';
import type { Quantity } from '../../storage/apimachinery/quantity.js';
import { add, format, parseQuantity, sub } from '../../storage/apimachinery/quantity.js';
import type { Reservation, ReservationEntry } from './reservations.js';
import { claimKey, counts, liveEntries, MAX_PENDING_RESERVATIONS, mergeClaim, RESERVATION_TTL_MS, retryAfterSeconds } from './reservations.js';
import type { AccountQuota } from './types.js';
import { checkExceeded } from './usage.js';
import { UsageIndex } from './usage-index.js';

/** What one admission asks of the ledger: its positive deltas per quota, claimed for one object. */
export interface ClaimRequest {
  account: string;
  quotas: AccountQuota[];
  /** quota name → resource name → what the request adds (positive only). */
  deltas: Map<string, Map<string, Quantity>>;
  /** objectKey() of the object the claim is for. */
  objKey: string;
  dryRun: boolean;
}

/** How a claim was decided; admission words each outcome as its AdmissionReview answer. */
export type ClaimOutcome =
  | { kind: 'allowed' }
  | { kind: 'exceeded'; reason: string }
  /** The account holds MAX_PENDING_RESERVATIONS claims already. */
  | { kind: 'pending-full'; retryAfterSeconds: number }
  /** Sums of quantities whose scales are absurdly far apart do not fit a number. */
  | { kind: 'unevaluable'; error: RangeError }
  /** Not decided before its deadline: nothing recorded, the client retries. */
  | { kind: 'shed' };

export interface ClaimSource {
  namespacesOf(account: string): string[];
  usage: UsageIndex;
}

const hardOf = (q: AccountQuota) => Object.fromEntries(Object.entries(q.spec.quota?.hard ?? {}).map(([k, v]) => [k, String(v)]));
const ownDelta = (e: ReservationEntry, quota: string) => (Object.hasOwn(e.data.deltas, quota) ? e.data.deltas[quota] : undefined);

/** `used` with a claim's quantities added (sign 1) or taken away (sign -1), on the names `used` tracks only. */
function applyClaim(used: Map<string, Quantity>, delta: Record<string, string> | undefined, sign: 1 | -1): Map<string, Quantity> {
  if (!delta) return used;
  const out = new Map(used);
  for (const [n, v] of Object.entries(delta)) {
    const sum = out.get(n);
    if (sum !== undefined) out.set(n, sign === 1 ? add(sum, parseQuantity(v)) : sub(sum, parseQuantity(v)));
  }
  return out;
}

/** Decides `requests` in order against the ledger's `entries`; the entries to write (if any claim was added) and one outcome per request. */
export function decideClaims(source: ClaimSource, entries: Record<string, LedgerEntry<Reservation>>, now: number, requests: readonly ClaimRequest[]):
  { write?: Record<string, LedgerEntry<Reservation>>; results: ClaimOutcome[] } {
  const seen = (key: string, since: number) => source.usage.seenSince(key, since);
  // Entries whose object was seen long ago count nowhere: they are not carried into the write.
  const working: Record<string, ReservationEntry> = liveEntries(entries, now, seen);
  // Per account and quota: the informers' usage plus every claim that counts. Computed once per batch and
  // kept current as claims are added, so a batch costs one pass over the ledger, not one per request.
  const used = new Map<string, Map<string, Quantity>>();
  const cacheKey = (account: string, quota: string) => `${account}\u0000${quota}`;
  const usedOf = (account: string, q: AccountQuota): Map<string, Quantity> => {
    const key = cacheKey(account, q.metadata.name);
    const cached = used.get(key);
    if (cached) return cached;
    let total = UsageIndex.total(source.usage.usage(q, source.namespacesOf(account)), Object.keys(q.spec.quota?.hard ?? {}));
    for (const e of Object.values(working)) if (counts(e, seen)) total = applyClaim(total, ownDelta(e, q.metadata.name), 1);
    used.set(key, total);
    return total;
  };

  // Claims still counting (their object not seen yet) are what the cap bounds: a claim whose object this
  // replica has seen counts nowhere and only waits out SEEN_RESERVATION_GRACE_MS for the other replicas. In
  // a burst at 100+ creates a second those are hundreds, and counting them refused creates with 429 that
  // no quota refused. The ledger's byte cap still bounds the entries of both kinds.
  let counting = Object.values(working).filter((e) => counts(e, seen)).length;
  const added: string[] = [];
  const results = requests.map((r): ClaimOutcome => {
    try {
      const key = claimKey(r.objKey);
      const previous = Object.hasOwn(working, key) ? working[key] : undefined;
      const previousCounts = previous !== undefined && counts(previous, seen);
      for (const q of r.quotas) {
        const delta = r.deltas.get(q.metadata.name);
        if (!delta) continue;
        // The object's own earlier claim is what this request replaces: it is not usage besides it.
        const base = usedOf(r.account, q);
        const usedBesides = previous && previousCounts ? applyClaim(base, ownDelta(previous, q.metadata.name), -1) : base;
        const exceeded = checkExceeded(q.metadata.name, delta, usedBesides, hardOf(q));
        if (exceeded !== undefined) return { kind: 'exceeded', reason: exceeded };
      }
      if (r.dryRun) return { kind: 'allowed' };
      if (counting - (previousCounts ? 1 : 0) >= MAX_PENDING_RESERVATIONS) {
        return { kind: 'pending-full', retryAfterSeconds: retryAfterSeconds(working, now) };
      }
      const data = mergeClaim(previous, previousCounts, {
        object: r.objKey,
        deltas: Object.fromEntries([...r.deltas].map(([qn, d]) => [qn, Object.fromEntries([...d].map(([n, v]) => [n, format(v)]))])),
      });
      const entry: ReservationEntry = { data, createdAt: now, expiresAt: now + RESERVATION_TTL_MS };
      // The sums first, so a RangeError leaves the batch's state as it was.
      const updates = new Map<string, Map<string, Quantity>>();
      for (const [k, total] of used) {
        const quota = k.slice(k.indexOf('\u0000') + 1);
        let next = previous && previousCounts ? applyClaim(total, ownDelta(previous, quota), -1) : total;
        if (counts(entry, seen)) next = applyClaim(next, ownDelta(entry, quota), 1);
        updates.set(k, next);
      }
      for (const [k, v] of updates) used.set(k, v);
      working[key] = entry;
      counting += (counts(entry, seen) ? 1 : 0) - (previousCounts ? 1 : 0);
      added.push(key);
      return { kind: 'allowed' };
    } catch (err) {
      if (err instanceof RangeError) return { kind: 'unevaluable', error: err };
      throw err;
    }
  });
  return added.length > 0 ? { write: working, results } : { results };
}
