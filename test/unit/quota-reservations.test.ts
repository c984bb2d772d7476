// AccountQuota reservations under forged reviews, without a cluster: one claim per object, bounded in count
// (429 with Retry-After, never an error), expiring after the short TTL, and nothing reserved for an object
// kube-apiserver would have refused; plus the Lease ledger's byte cap, checked before kube-apiserver is asked.
import type { AdmissionDecision, AdmissionRequest } from '../../registry/admission.js';
import type { QuotaLedger } from '../../registry/accountquota/admission.js';
import { AccountQuotaAdmission, MAX_PENDING_RESERVATIONS, RESERVATION_TTL_MS } from '../../registry/accountquota/admission.js';
import type { Reservation, ReservationEntry } from '../../registry/accountquota/reservations.js';
import { liveEntries, mergeClaim, retryAfterSeconds, SEEN_RESERVATION_GRACE_MS } from '../../registry/accountquota/reservations.js';
import { reviewObjectErrors } from '../../registry/accountquota/review-object.js';
import type { AccountQuota } from '../../registry/accountquota/types.js';
import { UsageIndex } from '../../registry/accountquota/usage-index.js';
import type { KubeClient } from '../../storage/client.js';
import { LeaseLedger, LedgerFullError, MAX_LEDGER_ANNOTATION_BYTES } from '../../storage/lease-ledger.js';

const PODS = { group: '', resource: 'pods' };
const SERVICES = { group: '', resource: 'services' };

/** storage/LeaseLedger's contract in memory, on a clock the test moves: expired entries are dropped on read. */
function memoryLedger(clock: { now: number }, full?: (entries: Record<string, unknown>) => boolean) {
  let entries: Record<string, ReservationEntry> = {};
  const ledger: QuotaLedger = {
    async transact(_name, decide) {
      const live = Object.fromEntries(Object.entries(entries).filter(([, e]) => e.expiresAt > clock.now));
      const { write, result } = await decide(live as never, clock.now);
      if (write) {
        if (full?.(write)) throw new LedgerFullError('quota-acct', 300_000, 4_200);
        entries = write as unknown as Record<string, ReservationEntry>;
      }
      return result;
    },
  };
  return { ledger, entries: () => entries };
}

const quota = (hard: Record<string, string>): AccountQuota => ({ metadata: { name: 'q' }, spec: { account: 'acct', quota: { hard } } });

function admission(hard: Record<string, string>, options: { full?: (e: Record<string, unknown>) => boolean } = {}) {
  const clock = { now: 1_000_000 };
  const usage = new UsageIndex();
  const { ledger, entries } = memoryLedger(clock, options.full);
  const a = new AccountQuotaAdmission({
    accountOfNamespace: (ns) => (ns === 'space' ? 'acct' : undefined),
    namespacesOf: () => ['space'],
    quotasOf: () => [quota(hard)],
    countedKindsSynced: async () => true,
    usage,
  }, ledger);
  return { a, clock, usage, entries };
}

let uid = 0;
function review(name: string, extra: { cpu?: string; resource?: string; namespace?: string; dryRun?: boolean; metaName?: string; generateName?: string } = {}): AdmissionRequest {
  const resource = extra.resource ?? 'pods';
  const namespace = extra.namespace ?? 'space';
  const container = { name: 'c', image: 'x', ...(extra.cpu ? { resources: { limits: { cpu: extra.cpu }, requests: { cpu: extra.cpu } } } : {}) };
  return {
    uid: `u${uid++}`, kind: { group: '', version: 'v1', kind: resource === 'pods' ? 'Pod' : 'Service' },
    resource: { group: '', version: 'v1', resource }, namespace, name, operation: 'CREATE', userInfo: { username: 'forger' },
    dryRun: extra.dryRun,
    object: {
      metadata: { name: extra.metaName ?? name, namespace, ...(extra.generateName ? { generateName: extra.generateName } : {}) },
      spec: resource === 'pods' ? { containers: [container] } : { ports: [{ port: 80 }] },
    },
  };
}

const code = (d: AdmissionDecision) => (d.allowed ? 200 : d.error.code);

describe('one claim per object', () => {
  it('a review repeated for one name holds one claim, so other names still fit', async () => {
    const { a, entries } = admission({ pods: '2' });
    for (let i = 0; i < 5; i++) expect(code(await a.admit(review('same')))).toBe(200);
    expect(Object.keys(entries())).toEqual(['pods./space/same']);
    expect(code(await a.admit(review('other')))).toBe(200);
    expect(code(await a.admit(review('third')))).toBe(403);
  });

  it('a repeated claim is the larger of both per quantity while the first still counts', async () => {
    const { a, entries } = admission({ 'limits.cpu': '4' });
    expect(code(await a.admit(review('p', { cpu: '3' })))).toBe(200);
    // The same name again with less: it must not shrink the claim (the first create may be the one that lands).
    expect(code(await a.admit(review('p', { cpu: '1' })))).toBe(200);
    expect(entries()['pods./space/p']!.data.deltas).toEqual({ q: { 'limits.cpu': '3' } });
    // And with more than the rest of the quota allows beside other claims, but within it alone.
    expect(code(await a.admit(review('p', { cpu: '4' })))).toBe(200);
    expect(code(await a.admit(review('other', { cpu: '1' })))).toBe(403);
  });

  it('mergeClaim replaces a claim whose object was seen, and keeps the larger quantity of one still counting', () => {
    const prev: ReservationEntry = { data: { object: 'k', deltas: { q: { cpu: '2', pods: '1' } } }, createdAt: 0, expiresAt: 1 };
    const next: Reservation = { object: 'k', deltas: { q: { cpu: '500m' }, r: { pods: '1' } } };
    expect(mergeClaim(prev, false, next)).toBe(next);
    expect(mergeClaim(prev, true, next).deltas).toEqual({ q: { cpu: '2', pods: '1' }, r: { pods: '1' } });
  });
});

describe('a short life', () => {
  it('a claim whose object never comes stops counting after RESERVATION_TTL_MS', async () => {
    const { a, clock } = admission({ pods: '2' });
    expect(code(await a.admit(review('forged-1')))).toBe(200);
    expect(code(await a.admit(review('forged-2')))).toBe(200);
    expect(code(await a.admit(review('real')))).toBe(403);
    clock.now += RESERVATION_TTL_MS - 1;
    expect(code(await a.admit(review('real')))).toBe(403);
    clock.now += 1;
    expect(code(await a.admit(review('real')))).toBe(200);
  });

  it('a claim stops counting once its object is seen, and leaves the ledger after the grace', () => {
    const usage = new UsageIndex();
    const entry = (object: string, createdAt: number): ReservationEntry => ({ data: { object, deltas: {} }, createdAt, expiresAt: createdAt + RESERVATION_TTL_MS });
    usage.set(PODS, { metadata: { name: 'seen', namespace: 'space' } }, 150);
    const seen = (k: string, since: number) => usage.seenSince(k, since);
    const entries = { a: entry('pods./space/seen', 100), b: entry('pods./space/unseen', 100) };
    expect(Object.keys(liveEntries(entries, 100 + SEEN_RESERVATION_GRACE_MS, seen))).toEqual(['a', 'b']);
    expect(Object.keys(liveEntries(entries, 101 + SEEN_RESERVATION_GRACE_MS, seen))).toEqual(['b']);
  });

  it('a dry run reserves nothing', async () => {
    const { a, entries } = admission({ pods: '1' });
    expect(code(await a.admit(review('p', { dryRun: true })))).toBe(200);
    expect(entries()).toEqual({});
  });
});

describe('bounded in count and bytes', () => {
  it(`past ${MAX_PENDING_RESERVATIONS} claims a new object is told to retry (429) when the earliest expires`, async () => {
    const { a, clock, entries } = admission({ pods: '100000' });
    for (let i = 0; i < MAX_PENDING_RESERVATIONS; i++) {
      expect(code(await a.admit(review(`p${i}`)))).toBe(200);
      clock.now += 10;
    }
    const refused = await a.admit(review('one-more'));
    expect(refused.allowed).toBe(false);
    const status = !refused.allowed ? refused.error.toStatus() : undefined;
    expect(status).toMatchObject({ code: 429, reason: 'TooManyRequests', details: { retryAfterSeconds: Math.ceil((RESERVATION_TTL_MS - 6_000) / 1000) } });
    expect(Object.keys(entries())).toHaveLength(MAX_PENDING_RESERVATIONS);
    // A name already claimed is no new claim: it is still decided.
    expect(code(await a.admit(review('p599')))).toBe(200);
  });

  it(`claims whose objects were seen do not count towards the ${MAX_PENDING_RESERVATIONS}: a burst is refused only by its quota`, async () => {
    const { a, clock, usage, entries } = admission({ pods: '100000' });
    for (let i = 0; i < MAX_PENDING_RESERVATIONS; i++) {
      expect(code(await a.admit(review(`p${i}`)))).toBe(200);
      // Created and seen by the informers right after its claim, as in a burst that kube-apiserver persists.
      usage.set(PODS, { metadata: { name: `p${i}`, namespace: 'space' } }, clock.now + 1);
      clock.now += 2;
    }
    // Every claim is still in the ledger (within SEEN_RESERVATION_GRACE_MS, for replicas that lag), none counts.
    expect(Object.keys(entries())).toHaveLength(MAX_PENDING_RESERVATIONS);
    expect(code(await a.admit(review('one-more')))).toBe(200);
    expect(Object.keys(entries())).toHaveLength(MAX_PENDING_RESERVATIONS + 1);
  });

  it('a write the ledger cannot hold is a 429 with Retry-After, not an error', async () => {
    const { a } = admission({ pods: '10' }, { full: (e) => Object.keys(e).length > 1 });
    expect(code(await a.admit(review('first')))).toBe(200);
    const refused = await a.admit(review('second'));
    expect(!refused.allowed && refused.error.toStatus()).toMatchObject({ code: 429, details: { retryAfterSeconds: 5 } });
  });

  it('retryAfterSeconds is the earliest expiry, at least one second', () => {
    const e = (expiresAt: number): ReservationEntry => ({ data: { object: '', deltas: {} }, createdAt: 0, expiresAt });
    expect(retryAfterSeconds({ a: e(5_500), b: e(3_100) }, 1_000)).toBe(3);
    expect(retryAfterSeconds({ a: e(1_001) }, 1_000)).toBe(1);
    expect(retryAfterSeconds({}, 1_000)).toBe(1);
  });

  it('LeaseLedger refuses a write over MAX_LEDGER_ANNOTATION_BYTES before kube-apiserver sees it', async () => {
    const calls: string[] = [];
    const now = Date.now();
    const stored = { a: { data: 'x', createdAt: now, expiresAt: now + 7_000 } };
    const client = {
      async request(method: string) {
        calls.push(method);
        return { metadata: { name: 'quota-acct', namespace: 'kiosk-system', resourceVersion: '1', annotations: { 'kiosk.sh/ledger': JSON.stringify(stored) } } };
      },
    } as unknown as KubeClient;
    const ledger = new LeaseLedger(client, 'kiosk-system');
    const big = 'x'.repeat(MAX_LEDGER_ANNOTATION_BYTES);
    const err = await ledger.transact<string, undefined>('quota-acct', async (entries, t) => ({ write: { ...entries, b: { data: big, createdAt: t, expiresAt: t + 1 } }, result: undefined }))
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerFullError);
    expect((err as LedgerFullError).retryAfterMs).toBeGreaterThan(6_000);
    expect((err as LedgerFullError).retryAfterMs).toBeLessThanOrEqual(7_000);
    expect(calls).toEqual(['GET']);
  });
});

describe('an object kube-apiserver would refuse reserves nothing', () => {
  it('a 130,936-character pod name is 422 with the name shortened, and no claim', async () => {
    const { a, entries } = admission({ pods: '2' });
    const name = 'a'.repeat(130_936);
    const d = await a.admit(review(name));
    expect(d.allowed).toBe(false);
    const status = !d.allowed ? d.error.toStatus() : undefined;
    expect(status).toMatchObject({ code: 422, reason: 'Invalid' });
    expect(status!.message).toContain('metadata.name: Invalid value: "aaaa');
    expect(status!.message).toContain('must be no more than 253 bytes');
    expect(JSON.stringify(status).length).toBeLessThan(2_000);
    expect(entries()).toEqual({});
  });

  it.each([
    ['an upper-case name', review('Bad')],
    ['a namespace that is no DNS label', review('p', { namespace: 'Space_' })],
    ['a request name that disagrees with the object', review('p', { metaName: 'q' })],
    ['no name and no generateName', review('', { metaName: '' })],
    ['a service name that is no DNS-1035 label', review('1svc', { resource: 'services' })],
  ])('%s', (_what, request) => {
    expect(reviewObjectErrors(request.resource.resource === 'services' ? SERVICES : PODS, request)).not.toEqual([]);
  });

  it.each([
    ['a 253-character dotted pod name', review(`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`)],
    ['a generated name kube-apiserver sends', review('web-7d4b9c-x2x4z', { generateName: 'web-7d4b9c-' })],
    ['an unnamed create with a valid generateName', review('', { metaName: '', generateName: 'web-' })],
    ['a service name', review('svc-1', { resource: 'services' })],
  ])('%s is valid', (_what, request) => {
    expect(reviewObjectErrors(request.resource.resource === 'services' ? SERVICES : PODS, request)).toEqual([]);
  });

  // Found by the admission fuzz (FUZZ_RUNS=3000, seed 6382701, case #2239): an object as the request's name
  // reached isDNS1123Subdomain and threw a TypeError, which the webhook turned into a 500.
  it.each<[string, AdmissionRequest]>([
    ['the request', { ...review('p'), name: { "'+Vj6in": true } as unknown as string }],
    ['the object, the request unnamed', { ...review(''), object: { metadata: { name: ['p'], namespace: 'space' }, spec: { containers: [] } } as unknown as AdmissionRequest['object'] }],
  ])('a name that is no string in %s is a 422 type error and no claim', async (_where, request) => {
    const { a, entries } = admission({ pods: '2' });
    const d = await a.admit(request);
    expect(d.allowed ? undefined : d.error.toStatus()).toMatchObject({
      code: 422, reason: 'Invalid',
      details: { causes: [{ field: 'metadata.name', reason: 'FieldValueTypeInvalid', message: expect.stringContaining('must be of type string') as unknown }] },
    });
    expect(entries()).toEqual({});
  });

  it('an unparsable quantity is a 400 and no claim', async () => {
    const { a, entries } = admission({ 'limits.cpu': '4' });
    expect(code(await a.admit(review('p', { cpu: '1x' })))).toBe(400);
    expect(entries()).toEqual({});
  });
});
