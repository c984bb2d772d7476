/**
 * The claims AccountQuota admission keeps in an account's ledger, and the rules that bound them. Anyone who
 * can reach the webhook port can send an AdmissionReview (unless webhook callers are authenticated), so what
 * one review may hold must be bounded: one claim per object (namespace/name), a short life, a cap in count
 * and in bytes. Pure functions over ledger entries: the ledger's transaction calls them.
 */
import type { Quantity } from '../../storage/apimachinery/quantity.js';
import { cmp, format, parseQuantity } from '../../storage/apimachinery/quantity.js';

/** What one admitted request adds to each quota (quota name → resource name → quantity), until its object is seen. */
export interface Reservation {
  /** objectKey() of the object: `<resource>.<group>/<namespace>/<name>`. */
  object: string;
  deltas: Record<string, Record<string, string>>;
}

export interface ReservationEntry {
  data: Reservation;
  createdAt: number;
  expiresAt: number;
}

/**
 * How long a reservation counts at most when its object is never seen. A real create is persisted as soon as
 * kube-apiserver's admission chain finishes, and the informers see it a short lag later: on the sandbox, with
 * its two CPUs saturated (8 busy-loop processes, on a machine shared with other test runs), every one of 500
 * pod creates was seen within 0.25 s of its reservation, 99 % within 0.1 s (test/bench/forged-reviews.ts,
 * kiosk_accountquota_reservation_visible_seconds). Ten seconds is forty times that, and is the webhook's own
 * timeoutSeconds: validating webhooks run in parallel, so the chain finishes at most that long after ours
 * answers unless another validating webhook on the same objects is allowed longer (then a burst can pass
 * the quota by the creates that land after their claim expired). A forged review, or a create refused
 * later in the chain, holds its claim this long and no longer.
 */
export const RESERVATION_TTL_MS = 10_000;

/**
 * A reservation whose object this replica's informers have seen is dropped from the ledger once it is this
 * old: by then every replica's informers have seen it too (they lag by far less, see above), so none undercounts.
 */
export const SEEN_RESERVATION_GRACE_MS = 2_000;

/**
 * At most this many reservations that still count (their object not seen) in an account's ledger: what
 * forged or refused-later reviews can hold. The ledger's byte cap (MAX_LEDGER_ANNOTATION_BYTES) is the hard
 * bound on all entries, seen ones waiting out their grace included; this one keeps each decision's work small.
 */
export const MAX_PENDING_RESERVATIONS = 600;

/** The ledger key of an object's claim: the object itself, so a review repeated for one object holds one claim. */
export const claimKey = (objKey: string) => objKey;

type Seen = (objKey: string, since: number) => boolean;

/** Whether an entry still counts against the quotas: its object has not been seen since it was made. */
export const counts = (e: ReservationEntry, seen: Seen) => !seen(e.data.object, e.createdAt);

/**
 * The entries worth keeping: expired ones are gone already (the ledger drops them); those whose object was
 * seen more than SEEN_RESERVATION_GRACE_MS after they were made count nowhere any more.
 */
export function liveEntries(entries: Record<string, ReservationEntry>, now: number, seen: Seen): Record<string, ReservationEntry> {
  return Object.fromEntries(Object.entries(entries).filter(([, e]) => !(now - e.createdAt > SEEN_RESERVATION_GRACE_MS && seen(e.data.object, e.createdAt))));
}

/**
 * A new claim for an object that may hold one already. Only one object can exist under a name, so the claim
 * is the larger of the two per quantity while the older one still counts (two racing creates of one name
 * with different specs: whichever lands is covered), and simply the new one otherwise.
 */
export function mergeClaim(previous: ReservationEntry | undefined, previousCounts: boolean, next: Reservation): Reservation {
  if (!previous || !previousCounts) return next;
  const deltas: Record<string, Record<string, string>> = {};
  const quotas = new Set([...Object.keys(previous.data.deltas), ...Object.keys(next.deltas)]);
  for (const q of quotas) {
    const a = ownValue(previous.data.deltas, q) ?? {};
    const b = ownValue(next.deltas, q) ?? {};
    const merged: Record<string, string> = {};
    for (const n of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const x = quantityOrUndefined(ownValue(a, n));
      const y = quantityOrUndefined(ownValue(b, n));
      // n is a key of a or of b, so at least one is there.
      const larger: Quantity | undefined = x === undefined ? y : y === undefined ? x : cmp(x, y) >= 0 ? x : y;
      if (larger) merged[n] = format(larger);
    }
    deltas[q] = merged;
  }
  return { object: next.object, deltas };
}

/** Seconds until the earliest entry expires (at least 1): when a client refused at the bound may retry. */
export function retryAfterSeconds(entries: Record<string, ReservationEntry>, now: number): number {
  const earliest = Math.min(...Object.values(entries).map((e) => e.expiresAt));
  return Number.isFinite(earliest) ? Math.max(1, Math.ceil((earliest - now) / 1000)) : 1;
}

/** Own keys only: a key such as `constructor` must not find Object.prototype's members. */
function ownValue<V>(record: Record<string, V>, key: string): V | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function quantityOrUndefined(text: string | undefined): Quantity | undefined {
  return text === undefined ? undefined : parseQuantity(text);
}
