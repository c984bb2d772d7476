import type { AdmissionDecision, AdmissionRequest } from '../admission.js';
import { badRequest, invalid, StatusError, tooManyRequests } from '../errors.js';
import type { CountedKind } from './counted-kinds.js';
import { kindKey, kindsCountedBy, PODS } from './counted-kinds.js';
import type { Quantity } from './quantity.js';
import { add, cmp, format, parseQuantity } from './quantity.js';
import type { AccountQuota } from './types.js';
import { exceededMessage, failedQuotaMessage, missingLimits, quotaDelta, quotaForbidden, quotaMatches } from './usage.js';
import { validateQuotaSpec } from './resources.js';
import { objectKey, UsageIndex } from './usage-index.js';

/** A reservation in the account's ledger: what one admitted request adds to each quota, until its object is seen. */
interface Reservation {
  object: string;
  deltas: Record<string, Record<string, string>>;
}

interface LedgerEntry<T> {
  data: T;
  createdAt: number;
  expiresAt: number;
}

/** The compare-and-swap ledger (storage/LeaseLedger) the decisions serialize on, one per account. */
export interface QuotaLedger {
  transact<T, R>(name: string, decide: (entries: Record<string, LedgerEntry<T>>, now: number) => Promise<{ write?: Record<string, LedgerEntry<T>>; result: R }>): Promise<R>;
}

export interface QuotaSource {
  accountOfNamespace(namespace: string): string | undefined;
  namespacesOf(account: string): string[];
  quotasOf(account: string): AccountQuota[];
  /** Resolves once the informers of the kinds are synced (false: not within the wait). */
  countedKindsSynced(kinds: CountedKind[]): Promise<boolean>;
  usage: UsageIndex;
}

/** How long a reservation counts at most: longer than any informer lag, short enough to free a failed create. */
export const RESERVATION_TTL_MS = 30_000;

/**
 * A reservation whose object this replica's informers have seen is dropped from the ledger once it is this
 * old: by then every replica's informers have seen it too (they lag by far less), so none undercounts.
 * Without it the ledger would keep 30 s of admissions and outgrow a Lease annotation (256 KiB) in a burst.
 */
export const SEEN_RESERVATION_GRACE_MS = 5_000;

/**
 * At most this many reservations in an account's ledger (about 200 KiB, under the 256 KiB a Lease
 * annotation may hold): past it, admissions in the account are told to retry (429) until reservations are
 * seen or expire, instead of failing on an oversized write.
 */
export const MAX_PENDING_RESERVATIONS = 600;

const hardOf = (q: AccountQuota) => Object.fromEntries(Object.entries(q.spec.quota?.hard ?? {}).map(([k, v]) => [k, String(v)]));

/**
 * AccountQuota admission for namespaced objects: exact under concurrency, across server replicas. For
 * each quota of the object's account, what the request adds is checked against the usage (from the
 * informers) plus the reservations of requests admitted but not yet visible, and reserved in the same
 * compare-and-swap on the account's ledger. Reservations stop counting once the informers see their
 * object (or its deletion), and expire after RESERVATION_TTL_MS, which also frees what a request that
 * failed later had reserved. Upstream's messages: "exceeded quota: …", "failed quota: …: must specify …".
 */
export class AccountQuotaAdmission {
  constructor(private readonly source: QuotaSource, private readonly ledger: QuotaLedger) {}

  async admit(request: AdmissionRequest): Promise<AdmissionDecision> {
    if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return { allowed: true };
    if (request.subResource) return { allowed: true };
    const namespace = request.namespace ?? '';
    const account = this.source.accountOfNamespace(namespace);
    if (!account || !request.object) return { allowed: true };
    const kind: CountedKind = { group: request.resource.group, resource: request.resource.resource };
    const quotas = this.source.quotasOf(account)
      .filter((q) => kindsCountedBy(Object.keys(q.spec.quota?.hard ?? {})).some((k) => kindKey(k) === kindKey(kind)))
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    if (quotas.length === 0) return { allowed: true };
    const name = request.name || request.object.metadata?.name || '';
    // As the ResourceQuota admission plugin words it: `pods "nginx" is forbidden: exceeded quota: …`.
    const forbidden = (reason: string) => ({ allowed: false as const, error: quotaForbidden({ group: kind.group, resource: kind.resource }, name, request.object, reason) });

    const deltas = new Map<string, Map<string, Quantity>>();
    try {
      for (const q of quotas) {
        const hard = hardOf(q);
        const scopes = q.spec.quota?.scopes ?? [];
        const selector = q.spec.quota?.scopeSelector;
        // Only quotas the object falls under demand limits of it (a scoped quota may not cover it).
        if (kindKey(kind) === kindKey(PODS) && quotaMatches(kind, request.object, hard, scopes, selector)) {
          const missing = missingLimits(kind, request.object, hard);
          if (missing) return forbidden(failedQuotaMessage(q.metadata.name, missing));
        }
        const delta = quotaDelta(kind, request.object, request.operation === 'UPDATE' ? request.oldObject : undefined, hard, scopes, selector);
        const positive = new Map([...delta].filter(([, v]) => cmp(v, parseQuantity('0')) > 0));
        if (positive.size > 0) deltas.set(q.metadata.name, positive);
      }
    } catch (err) {
      // Quotas are validated when written (validate-accountquota) and kube-apiserver validates the object's
      // quantities before it calls us, so what cannot be evaluated here is an object that did not come
      // through it: refuse it as a bad request rather than let it past.
      return { allowed: false, error: unevaluable(err) };
    }
    if (deltas.size === 0) return { allowed: true };

    const kinds = kindsCountedBy(quotas.flatMap((q) => Object.keys(q.spec.quota?.hard ?? {})));
    if (!(await this.source.countedKindsSynced(kinds))) {
      return { allowed: false, error: new StatusError(503, 'ServiceUnavailable', 'the usage of the account\'s quotas is still being computed; retry shortly', {}, 1) };
    }
    const objKey = objectKey(kind, namespace, name);
    return this.decide(account, quotas, deltas, objKey, request, forbidden).catch((err: unknown) => {
      // Sums of quantities whose scales are absurdly far apart (1 and 1e999999999) do not fit a number.
      if (err instanceof RangeError) return { allowed: false, error: unevaluable(err) };
      throw err;
    });
  }

  /** The ledger transaction: checks the deltas against usage plus reservations and reserves them. */
  private decide(account: string, quotas: AccountQuota[], deltas: Map<string, Map<string, Quantity>>, objKey: string,
    request: AdmissionRequest, forbidden: (reason: string) => AdmissionDecision): Promise<AdmissionDecision> {
    return this.ledger.transact<Reservation, AdmissionDecision>(`quota-${account}`.slice(0, 253), async (entries, now) => {
      const namespaces = this.source.namespacesOf(account);
      for (const q of quotas) {
        const delta = deltas.get(q.metadata.name);
        if (!delta) continue;
        const hard = hardOf(q);
        const used = this.usedWithReservations(q, namespaces, entries);
        const exceeded = [...delta.keys()].filter((n) => cmp(add(used.get(n) ?? parseQuantity('0'), delta.get(n)!), parseQuantity(hard[n]!)) > 0).sort();
        if (exceeded.length > 0) {
          const pick = (m: (n: string) => string) => Object.fromEntries(exceeded.map((n) => [n, m(n)]));
          return {
            result: forbidden(exceededMessage(q.metadata.name,
              pick((n) => format(delta.get(n)!)), pick((n) => format(used.get(n) ?? parseQuantity('0'))), pick((n) => format(parseQuantity(hard[n]!))))),
          };
        }
      }
      if (request.dryRun) return { result: { allowed: true } };
      const kept = Object.fromEntries(Object.entries(entries)
        .filter(([, e]) => !(now - e.createdAt > SEEN_RESERVATION_GRACE_MS && this.source.usage.seenSince(e.data.object, e.createdAt))));
      if (Object.keys(kept).length >= MAX_PENDING_RESERVATIONS) {
        return { result: { allowed: false, error: tooManyRequests(`too many admissions pending in account ${account}; retry shortly`, 1) } };
      }
      const data: Reservation = {
        object: objKey,
        deltas: Object.fromEntries([...deltas].map(([qn, d]) => [qn, Object.fromEntries([...d].map(([n, v]) => [n, format(v)]))])),
      };
      return { write: { ...kept, [`${objKey}#${request.uid}`]: { data, createdAt: now, expiresAt: now + RESERVATION_TTL_MS } }, result: { allowed: true } };
    });
  }

  /** A quota's usage: the informers' view plus reservations whose objects the informers have not seen yet. */
  private usedWithReservations(q: AccountQuota, namespaces: string[], entries: Record<string, LedgerEntry<Reservation>>): Map<string, Quantity> {
    const names = Object.keys(q.spec.quota?.hard ?? {});
    const used = UsageIndex.total(this.source.usage.usage(q, namespaces), names);
    for (const e of Object.values(entries)) {
      // Ledger entries are JSON from a Lease: read only their own keys.
      const d = Object.hasOwn(e.data.deltas, q.metadata.name) ? e.data.deltas[q.metadata.name] : undefined;
      if (!d || this.source.usage.seenSince(e.data.object, e.createdAt)) continue;
      for (const [n, v] of Object.entries(d)) if (used.has(n)) used.set(n, add(used.get(n)!, parseQuantity(v)));
    }
    return used;
  }
}

/** The answer for an object whose resources cannot be evaluated against the quotas. */
function unevaluable(err: unknown): StatusError {
  return badRequest(`the object's resources cannot be evaluated against the account's quotas: ${err instanceof Error ? err.message : String(err)}`);
}

/** Validation of AccountQuota objects (quantities and the rest of a ResourceQuota spec), as 422 Invalid. */
export function validateAccountQuota(request: AdmissionRequest): AdmissionDecision {
  const quota = request.object as unknown as AccountQuota | undefined;
  if (!quota?.spec) return { allowed: true };
  const errors = validateQuotaSpec(quota.spec.quota ?? {}, 'spec.quota');
  if (errors.length === 0) return { allowed: true };
  return { allowed: false, error: invalid('AccountQuota', 'config.kiosk.sh', quota.metadata?.name ?? '', errors) };
}
