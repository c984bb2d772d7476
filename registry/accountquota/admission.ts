import type { AdmissionDecision, AdmissionRequest } from '../admission.js';
import { badRequest, invalid, StatusError, tooManyRequests } from '../../storage/apimachinery/errors.js';
import { isPlainObject } from '../../storage/apimachinery/go-json.js';
import { LedgerRetryError } from '../../storage/lease-ledger.js';
import type { CountedKind } from './counted-kinds.js';
import { kindKey, kindsCountedBy, PODS } from './counted-kinds.js';
import type { Quantity } from '../../storage/apimachinery/quantity.js';
import { add, cmp, format, parseQuantity } from '../../storage/apimachinery/quantity.js';
import type { Reservation, ReservationEntry } from './reservations.js';
import {
  claimKey, counts, liveEntries, MAX_PENDING_RESERVATIONS, mergeClaim, RESERVATION_TTL_MS, retryAfterSeconds,
} from './reservations.js';
import { reviewedName, reviewObjectErrors, shown } from './review-object.js';
import type { AccountQuota } from './types.js';
import { checkExceeded, failedQuotaMessage, handles, missingLimits, quotaDelta, quotaForbidden, quotaMatches } from './usage.js';
import { validateQuotaSpec } from './resources.js';
import { objectKey, UsageIndex } from './usage-index.js';

export { MAX_PENDING_RESERVATIONS, RESERVATION_TTL_MS, SEEN_RESERVATION_GRACE_MS } from './reservations.js';

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

/** Told how long after this replica wrote a reservation its informers saw the object (the lag RESERVATION_TTL_MS must cover). */
export type VisibleObserver = (seconds: number) => void;

/** The most reservations of this replica remembered for VisibleObserver; older ones are forgotten first. */
const MAX_REMEMBERED = 10_000;

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
  /** Reservations this replica wrote, by object, with when: for the visibility lag observer only. */
  private readonly written = new Map<string, number>();

  constructor(private readonly source: QuotaSource, private readonly ledger: QuotaLedger, private readonly visible?: VisibleObserver) {
    if (visible) {
      source.usage.onSeen((key, at) => {
        const since = this.written.get(key);
        if (since === undefined) return;
        this.written.delete(key);
        visible(Math.max(0, at - since) / 1000);
      });
    }
  }

  async admit(request: AdmissionRequest): Promise<AdmissionDecision> {
    if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return { allowed: true };
    const kind: CountedKind = { group: request.resource.group, resource: request.resource.resource };
    const oldObject = request.operation === 'UPDATE' ? request.oldObject : undefined;
    const subResource = request.subResource ?? '';
    // Only the writes ResourceQuota charges (usage.ts, handles): of the subresources, only pods/resize. Its
    // constraints ("must specify") are not checked on the others either (an update of a pod's labels).
    if (!handles(kind, request.object, oldObject, subResource)) return { allowed: true };
    const namespace = request.namespace ?? '';
    const account = this.source.accountOfNamespace(namespace);
    if (!account || !request.object) return { allowed: true };
    const quotas = this.source.quotasOf(account)
      .filter((q) => kindsCountedBy(Object.keys(q.spec.quota?.hard ?? {})).some((k) => kindKey(k) === kindKey(kind)))
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    if (quotas.length === 0) return { allowed: true };
    const invalidObject = reviewObjectErrors(kind, request);
    if (invalidObject.length > 0) {
      const kindName = typeof request.kind?.kind === 'string' ? request.kind.kind : kind.resource;
      return { allowed: false, error: invalid(kindName, kind.group, shown(reviewedName(request)), invalidObject) };
    }
    const name = reviewedName(request);
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
        const delta = quotaDelta(kind, request.object, oldObject, hard, scopes, selector, { subResource });
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
    // A generateName create that kube-apiserver sent unnamed (see reviewedName) cannot be matched to its
    // object: it keeps a claim of its own until it expires, as every reservation did before claims were keyed.
    // Unnamed, it passed reviewObjectErrors only with a string generateName; named, the prefix is not used.
    const generateNameField = (request.object.metadata as { generateName?: unknown } | undefined)?.generateName;
    const generateName = typeof generateNameField === 'string' ? generateNameField : '';
    const objKey = objectKey(kind, namespace, name || `${generateName}#${request.uid.slice(0, 64)}`);
    return this.decide(account, quotas, deltas, objKey, request, forbidden).then((decision) => {
      if (decision.allowed && !request.dryRun) this.remember(objKey, Date.now());
      return decision;
    }, (err: unknown) => {
      // Sums of quantities whose scales are absurdly far apart (1 and 1e999999999) do not fit a number.
      if (err instanceof RangeError) return { allowed: false, error: unevaluable(err) };
      // The ledger cannot take the claim now (it would outgrow its Lease, or other writers kept winning):
      // a retry after the earliest reservation expires, as kube-apiserver answers a request it has no room
      // for, never a 500.
      if (err instanceof LedgerRetryError) {
        return { allowed: false, error: tooManyRequests(`too many admissions pending in account ${account}; retry shortly`, Math.max(1, Math.ceil(err.retryAfterMs / 1000))) };
      }
      throw err;
    });
  }

  /**
   * The ledger transaction: checks the deltas against usage plus reservations and reserves them, as the one
   * claim of the object (a claim the object held already is replaced, not added to).
   */
  private decide(account: string, quotas: AccountQuota[], deltas: Map<string, Map<string, Quantity>>, objKey: string,
    request: AdmissionRequest, forbidden: (reason: string) => AdmissionDecision): Promise<AdmissionDecision> {
    const seen = (key: string, since: number) => this.source.usage.seenSince(key, since);
    // Async with nothing to await, so that a throw in it (a RangeError from the sums) is a rejection, whichever ledger calls it.
    // eslint-disable-next-line @typescript-eslint/require-await -- see above
    return this.ledger.transact<Reservation, AdmissionDecision>(`quota-${account}`.slice(0, 253), async (entries, now) => {
      const namespaces = this.source.namespacesOf(account);
      const key = claimKey(objKey);
      const live = liveEntries(entries, now, seen);
      const previous = Object.hasOwn(live, key) ? live[key] : undefined;
      for (const q of quotas) {
        const delta = deltas.get(q.metadata.name);
        if (!delta) continue;
        const hard = hardOf(q);
        // The object's own earlier claim is what this request replaces: it is not usage besides it.
        const used = this.usedWithReservations(q, namespaces, entries, key);
        const exceeded = checkExceeded(q.metadata.name, delta, used, hard);
        if (exceeded !== undefined) return { result: forbidden(exceeded) };
      }
      if (request.dryRun) return { result: { allowed: true } };
      if (Object.keys(live).length - (previous ? 1 : 0) >= MAX_PENDING_RESERVATIONS) {
        return { result: { allowed: false, error: tooManyRequests(`too many admissions pending in account ${account}; retry shortly`, retryAfterSeconds(live, now)) } };
      }
      const data = mergeClaim(previous, previous !== undefined && counts(previous, seen), {
        object: objKey,
        deltas: Object.fromEntries([...deltas].map(([qn, d]) => [qn, Object.fromEntries([...d].map(([n, v]) => [n, format(v)]))])),
      });
      return { write: { ...live, [key]: { data, createdAt: now, expiresAt: now + RESERVATION_TTL_MS } }, result: { allowed: true } };
    });
  }

  /** Notes a reservation this replica wrote, for the visibility lag observer. */
  private remember(objKey: string, now: number): void {
    if (!this.visible) return;
    this.written.delete(objKey);
    this.written.set(objKey, now);
    for (const [k, t] of this.written) {
      if (this.written.size <= MAX_REMEMBERED && now - t <= RESERVATION_TTL_MS) break;
      this.written.delete(k);
    }
  }

  /**
   * A quota's usage: the informers' view plus reservations whose objects the informers have not seen yet,
   * except the claim under `exceptKey`.
   */
  private usedWithReservations(q: AccountQuota, namespaces: string[], entries: Record<string, LedgerEntry<Reservation>>, exceptKey: string): Map<string, Quantity> {
    const names = Object.keys(q.spec.quota?.hard ?? {});
    const used = UsageIndex.total(this.source.usage.usage(q, namespaces), names);
    for (const [k, e] of Object.entries(entries) as Array<[string, ReservationEntry]>) {
      if (k === exceptKey) continue;
      // Ledger entries are JSON from a Lease: read only their own keys.
      const d = Object.hasOwn(e.data.deltas, q.metadata.name) ? e.data.deltas[q.metadata.name] : undefined;
      if (!d || !counts(e, (key, since) => this.source.usage.seenSince(key, since))) continue;
      for (const [n, v] of Object.entries(d)) {
        const sum = used.get(n);
        if (sum !== undefined) used.set(n, add(sum, parseQuantity(v)));
      }
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
  const quota = request.object;
  if (!quota?.spec) return { allowed: true };
  // validateQuotaSpec judges the JSON it is given; a spec that is no object holds no quota.
  const errors = validateQuotaSpec((isPlainObject(quota.spec) ? quota.spec.quota : undefined) ?? {}, 'spec.quota');
  if (errors.length === 0) return { allowed: true };
  return { allowed: false, error: invalid('AccountQuota', 'config.kiosk.sh', quota.metadata?.name ?? '', errors) };
}
