import type { AdmissionDecision, AdmissionRequest } from '../admission.js';
import { badRequest, invalid, StatusError, tooManyRequests } from '../../storage/apimachinery/errors.js';
import { isPlainObject } from '../../storage/apimachinery/go-json.js';
import { LedgerRetryError } from '../../storage/lease-ledger.js';
import type { CountedKind } from './counted-kinds.js';
import { kindKey, kindsCountedBy, PODS } from './counted-kinds.js';
import { LedgerBatcher } from '../../storage/ledger-batcher.js';
import type { Quantity } from '../../storage/apimachinery/quantity.js';
import { cmp, parseQuantity } from '../../storage/apimachinery/quantity.js';
import type { ClaimOutcome, ClaimRequest } from './claim-batch.js';
import { decideClaims } from './claim-batch.js';
import type { Reservation } from './reservations.js';
import { RESERVATION_TTL_MS } from './reservations.js';
import { reviewedName, reviewObjectErrors, shown } from './review-object.js';
import type { AccountQuota } from './types.js';
import { failedQuotaMessage, handles, missingLimits, quotaDelta, quotaForbidden, quotaMatches } from './usage.js';
import { validateQuotaSpec } from './resources.js';
import type { UsageIndex } from './usage-index.js';
import { objectKey } from './usage-index.js';

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

/**
 * How long an admission may wait for its account's batch: kube-apiserver gives the webhook 10 s
 * (manifests/webhook.yaml timeoutSeconds) and fails the create with a 500 past it. Two seconds are left for a
 * compare-and-swap in flight at the deadline to land and for the answer to travel back.
 */
export const ADMISSION_DEADLINE_MS = 8_000;

/** The most admissions of one account decided in one ledger write; the rest wait for the next. */
export const MAX_BATCH = 256;

export interface AdmissionOptions {
  deadlineMs?: number;
  maxBatch?: number;
  /** Told each batch's size (admissions decided in one ledger transaction). */
  onBatch?: (size: number) => void;
  /** The deadlines' clock and timers (a test's hand-driven ones; Date.now and setTimeout otherwise). */
  now?: () => number;
  timer?: (fn: () => void, ms: number) => () => void;
}

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
  /** Per-account queues: concurrent admissions of one account are decided together, one ledger write per batch. */
  private readonly batcher: LedgerBatcher<Reservation, ClaimRequest, ClaimOutcome>;

  constructor(private readonly source: QuotaSource, ledger: QuotaLedger, private readonly visible?: VisibleObserver, options: AdmissionOptions = {}) {
    this.batcher = new LedgerBatcher<Reservation, ClaimRequest, ClaimOutcome>(ledger,
      (entries, now, requests) => Promise.resolve(decideClaims(source, entries, now, requests)), {
        maxBatch: options.maxBatch ?? MAX_BATCH,
        deadlineMs: options.deadlineMs ?? ADMISSION_DEADLINE_MS,
        shed: () => ({ kind: 'shed' }),
        onBatch: options.onBatch,
        now: options.now,
        timer: options.timer,
      });
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
   * Queues the claim on the account's batch: checked against usage plus reservations and reserved as the one
   * claim of the object (a claim the object held already is replaced, not added to), in one ledger write with
   * the other admissions of the account that arrived meanwhile.
   */
  private async decide(account: string, quotas: AccountQuota[], deltas: Map<string, Map<string, Quantity>>, objKey: string,
    request: AdmissionRequest, forbidden: (reason: string) => AdmissionDecision): Promise<AdmissionDecision> {
    const outcome = await this.batcher.submit(`quota-${account}`.slice(0, 253), { account, quotas, deltas, objKey, dryRun: request.dryRun === true });
    switch (outcome.kind) {
      case 'allowed': return { allowed: true };
      case 'exceeded': return forbidden(outcome.reason);
      case 'pending-full':
        return { allowed: false, error: tooManyRequests(`too many admissions pending in account ${account}; retry shortly`, outcome.retryAfterSeconds) };
      case 'unevaluable': return { allowed: false, error: unevaluable(outcome.error) };
      // kube-apiserver passes a denial's status code on to the client (webhook errors.ToStatusErr keeps it):
      // a 429, which client-go retries after the Retry-After, rather than its 500 for a webhook past its timeout.
      case 'shed': return { allowed: false, error: tooManyRequests(`too many concurrent admissions in account ${account}; retry`, 1) };
    }
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
