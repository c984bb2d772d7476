// The registry's admission plugins, each decided over fakes of what it reads: AccountQuota admission over an
// in-memory QuotaSource and ledger (which reviews it does not judge, the upstream denials it words, the answers
// when it cannot decide), validate-accountquota, and validate-account for what account-admission.test.ts leaves
// out. Reservations (claims, expiry, bounds) are in quota-reservations.test.ts; the transport in
// admission-webhook.test.ts.
import { readAdmissionRequest } from '../../apiserver/admission/review.js';
import type { AdmissionDecision, AdmissionRequest } from '../../registry/admission.js';
import { validateConfigAccount } from '../../registry/account/admission.js';
import type { QuotaLedger, QuotaSource } from '../../registry/accountquota/admission.js';
import { AccountQuotaAdmission, validateAccountQuota } from '../../registry/accountquota/admission.js';
import type { CountedKind } from '../../registry/accountquota/counted-kinds.js';
import type { AccountQuota } from '../../registry/accountquota/types.js';
import { UsageIndex } from '../../registry/accountquota/usage-index.js';
import type { Status } from '../../storage/apimachinery/errors.js';
import { MAX_JSON_DEPTH } from '../../storage/apimachinery/go-json.js';
import { LedgerRetryError } from '../../storage/lease-ledger.js';

const PODS = { group: '', resource: 'pods' };

/** The Status a denial carries, or undefined for an allow. */
const statusOf = (d: AdmissionDecision): Status | undefined => (d.allowed ? undefined : d.error.toStatus());

interface Entry { data: unknown; createdAt: number; expiresAt: number }

/** The ledger's contract in memory: one transaction at a time over the live entries; counts what it was asked. */
class MemoryLedger implements QuotaLedger {
  entries: Record<string, Entry> = {};
  names: string[] = [];
  /** Thrown instead of running the next transaction (a ledger that cannot take a write now). */
  failWith: Error | undefined;

  async transact<T, R>(name: string, decide: (entries: Record<string, { data: T; createdAt: number; expiresAt: number }>, now: number) =>
    Promise<{ write?: Record<string, { data: T; createdAt: number; expiresAt: number }>; result: R }>): Promise<R> {
    this.names.push(name);
    if (this.failWith) throw this.failWith;
    const { write, result } = await decide(this.entries as Record<string, { data: T; createdAt: number; expiresAt: number }>, 1_000_000);
    if (write) this.entries = write;
    return result;
  }
}

/** Account "acct" owns namespaces space-a and space-b, under the quotas given; "loose" has no account. */
function setup(quotas: AccountQuota[]) {
  const usage = new UsageIndex();
  const ledger = new MemoryLedger();
  const synced: CountedKind[][] = [];
  let syncs = true;
  const source: QuotaSource = {
    accountOfNamespace: (ns) => (ns === 'space-a' || ns === 'space-b' ? 'acct' : undefined),
    namespacesOf: (account) => (account === 'acct' ? ['space-a', 'space-b'] : []),
    quotasOf: (account) => (account === 'acct' ? quotas : []),
    countedKindsSynced: (kinds) => {
      synced.push(kinds);
      return Promise.resolve(syncs);
    },
    usage,
  };
  return { admission: new AccountQuotaAdmission(source, ledger), usage, ledger, synced, notSynced: () => (syncs = false) };
}

const quota = (name: string, hard: Record<string, string>): AccountQuota => ({ metadata: { name }, spec: { account: 'acct', quota: { hard } } });

interface PodShape { name?: string; cpu?: string; containers?: number }
const pod = ({ name = 'web', cpu, containers = 1 }: PodShape = {}) => ({
  metadata: { name, namespace: 'space-a' },
  spec: {
    containers: Array.from({ length: containers }, (_, i) => ({
      name: `c${String(i)}`, image: 'nginx', ...(cpu ? { resources: { requests: { cpu }, limits: { cpu } } } : {}),
    })),
  },
});

function podReview(object: Record<string, unknown> | undefined, extra: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return {
    uid: 'uid-1', kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' },
    namespace: 'space-a', name: 'web', operation: 'CREATE', userInfo: { username: 'dev' },
    ...(object ? { object } : {}), ...extra,
  };
}

describe('AccountQuota admission: what it does not judge', () => {
  it.each<[string, AdmissionRequest]>([
    ['a DELETE', podReview(pod(), { operation: 'DELETE' })],
    ['a CONNECT', podReview(pod(), { operation: 'CONNECT' })],
    ['a write to a subresource (status, binding)', podReview(pod(), { subResource: 'status' })],
    ['an object in a namespace of no account', podReview(pod(), { namespace: 'loose' })],
    ['a review without an object', podReview(undefined)],
    ['a kind no quota of the account counts', { ...podReview(pod()), resource: { group: 'apps', version: 'v1', resource: 'deployments' } }],
  ])('allows %s without reading usage or the ledger', async (_what, request) => {
    const { admission, ledger, synced } = setup([quota('q', { pods: '0', 'limits.cpu': '0' })]);
    expect(await admission.admit(request)).toEqual({ allowed: true });
    expect(ledger.names).toEqual([]);
    expect(synced).toEqual([]);
  });

  it('allows an object that adds nothing a quota counts (an update that changes no resources)', async () => {
    const { admission, ledger } = setup([quota('q', { pods: '1' })]);
    expect(await admission.admit(podReview(pod(), { operation: 'UPDATE', oldObject: pod() }))).toEqual({ allowed: true });
    expect(ledger.names).toEqual([]);
  });
});

describe('AccountQuota admission: upstream\'s denials', () => {
  it('refuses a pod over its account\'s quota with ResourceQuota\'s "exceeded quota" 403, counting every namespace of the account', async () => {
    const { admission, usage, ledger } = setup([quota('pods-q', { pods: '2' })]);
    usage.set(PODS, pod({ name: 'one' }));
    usage.set(PODS, { ...pod({ name: 'two' }), metadata: { name: 'two', namespace: 'space-b' } });
    const decision = await admission.admit(podReview(pod()));
    expect(statusOf(decision)).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 403, reason: 'Forbidden',
      message: 'pods "web" is forbidden: exceeded quota: pods-q, requested: pods=1, used: pods=2, limited: pods=2',
      details: { name: 'web', group: '', kind: 'pods' },
    });
    // Decided inside the account's ledger transaction, and nothing reserved for the refused pod.
    expect(ledger.names).toEqual(['quota-acct']);
    expect(ledger.entries).toEqual({});
  });

  it('names only the exceeded resources, and the first quota (by name) that is exceeded', async () => {
    const { admission } = setup([quota('z-cpu', { 'limits.cpu': '1' }), quota('a-mixed', { pods: '5', 'limits.cpu': '500m' })]);
    const decision = await admission.admit(podReview(pod({ cpu: '2' })));
    expect(statusOf(decision)?.message).toBe('pods "web" is forbidden: exceeded quota: a-mixed, requested: limits.cpu=2, used: limits.cpu=0, limited: limits.cpu=500m');
  });

  it('refuses a pod without the limits a quota demands with "failed quota", naming each container', async () => {
    const { admission, ledger } = setup([quota('cpu-q', { 'limits.cpu': '4', 'requests.memory': '1Gi' })]);
    const decision = await admission.admit(podReview(pod({ containers: 2 })));
    expect(statusOf(decision)).toMatchObject({
      code: 403, reason: 'Forbidden',
      message: 'pods "web" is forbidden: failed quota: cpu-q: must specify limits.cpu for: c0,c1; requests.memory for: c0,c1',
    });
    expect(ledger.names).toEqual([]);
  });

  it('allows what fits, and reserves it in the account\'s ledger so the next review counts it', async () => {
    const { admission, ledger } = setup([quota('q', { 'limits.cpu': '3' })]);
    expect(await admission.admit(podReview(pod({ name: 'a', cpu: '2' }), { name: 'a' }))).toEqual({ allowed: true });
    expect(Object.keys(ledger.entries)).toHaveLength(1);
    const second = await admission.admit(podReview(pod({ name: 'b', cpu: '2' }), { name: 'b' }));
    expect(statusOf(second)?.message).toBe('pods "b" is forbidden: exceeded quota: q, requested: limits.cpu=2, used: limits.cpu=2, limited: limits.cpu=3');
  });

  it('counts only what an update adds', async () => {
    const { admission, usage } = setup([quota('q', { 'limits.cpu': '3' })]);
    usage.set(PODS, pod({ cpu: '2' }));
    // 2 -> 3 adds 1, which fits beside the 2 in use only because the 2 are the object's own.
    expect(await admission.admit(resizeReview(pod({ cpu: '3' }), stored(pod({ cpu: '2' }))))).toEqual({ allowed: true });
  });

  it('reserves nothing for a dry run, though it decides it the same way', async () => {
    const { admission, ledger } = setup([quota('q', { pods: '1' })]);
    expect(await admission.admit(podReview(pod(), { dryRun: true }))).toEqual({ allowed: true });
    expect(ledger.entries).toEqual({});
    expect(ledger.names).toEqual(['quota-acct']);
  });
});

/** The pod as kube-apiserver holds it (an old object with a resourceVersion: an update, not a create on update). */
const stored = (p: ReturnType<typeof pod>) => ({ ...p, metadata: { ...p.metadata, resourceVersion: '7' } });

/** `kubectl patch pod web --subresource resize`: an UPDATE of pods/resize with the pod before and after. */
const resizeReview = (object: Record<string, unknown>, oldObject: Record<string, unknown>) =>
  podReview(object, { operation: 'UPDATE', subResource: 'resize', oldObject });

describe('AccountQuota admission: in-place pod resize (UPDATE of pods/resize), as ResourceQuota charges it', () => {
  it('refuses a resize that takes the account over a hard limit, worded as a create over quota', async () => {
    const { admission, usage, ledger } = setup([quota('cpu-q', { 'limits.cpu': '4' })]);
    usage.set(PODS, pod({ cpu: '2' }));
    const decision = await admission.admit(resizeReview(pod({ cpu: '8' }), stored(pod({ cpu: '2' }))));
    // What kube-apiserver's ResourceQuota says for the same resize (the sandbox test compares them).
    expect(statusOf(decision)).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 403, reason: 'Forbidden',
      message: 'pods "web" is forbidden: exceeded quota: cpu-q, requested: limits.cpu=6, used: limits.cpu=2, limited: limits.cpu=4',
      details: { name: 'web', group: '', kind: 'pods' },
    });
    expect(ledger.entries).toEqual({});
  });

  it('counts the pods of every space of the account, and reserves a resize that fits so the next request counts it', async () => {
    const { admission, usage, ledger } = setup([quota('cpu-q', { 'limits.cpu': '6' })]);
    // Seen by the informers at time 0, before the ledger's clock (1_000_000): the claim below is not yet seen.
    usage.set(PODS, pod({ cpu: '2' }), 0);
    usage.set(PODS, { ...pod({ name: 'other', cpu: '1' }), metadata: { name: 'other', namespace: 'space-b' } }, 0);
    expect(await admission.admit(resizeReview(pod({ cpu: '4' }), stored(pod({ cpu: '2' }))))).toEqual({ allowed: true });
    // The claim is the pod's own, holding the increase only.
    expect(Object.values(ledger.entries).map((e) => e.data)).toEqual([{ object: 'pods./space-a/web', deltas: { 'cpu-q': { 'limits.cpu': '2' } } }]);
    // Until the informers see the resized pod, a new pod is checked against 2 + 1 + the 2 reserved.
    const next = await admission.admit(podReview(pod({ name: 'new', cpu: '2' }), { name: 'new' }));
    expect(statusOf(next)?.message).toBe('pods "new" is forbidden: exceeded quota: cpu-q, requested: limits.cpu=2, used: limits.cpu=5, limited: limits.cpu=6');
    // Once they see it, its usage is the pod's: 4 + 1, and a pod of 1 fits exactly.
    usage.set(PODS, pod({ cpu: '4' }));
    expect(await admission.admit(podReview(pod({ name: 'new', cpu: '1' }), { name: 'new' }))).toEqual({ allowed: true });
  });

  it('admits a shrink without reading usage or the ledger, whatever the usage', async () => {
    const { admission, usage, ledger } = setup([quota('cpu-q', { 'limits.cpu': '1' })]);
    usage.set(PODS, pod({ cpu: '8' }));
    expect(await admission.admit(resizeReview(pod({ cpu: '4' }), stored(pod({ cpu: '8' }))))).toEqual({ allowed: true });
    expect(ledger.names).toEqual([]);
  });

  it('refuses a resize that leaves a container without a limit the quota demands ("failed quota"), as the pod evaluator\'s Constraints', async () => {
    const { admission } = setup([quota('cpu-q', { 'limits.cpu': '4' })]);
    const decision = await admission.admit(resizeReview(pod({ containers: 2 }), stored(pod({ containers: 2 }))));
    expect(statusOf(decision)?.message).toBe('pods "web" is forbidden: failed quota: cpu-q: must specify limits.cpu for: c0,c1');
  });

  it('charges nothing, and demands no limits, on an update of the pod itself that does not change its Terminating scope', async () => {
    // A pod created before the quota, without limits, may still have its labels changed (upstream: Handles is false).
    const { admission, ledger } = setup([quota('cpu-q', { 'limits.cpu': '1' })]);
    const labelled = { ...pod(), metadata: { ...pod().metadata, labels: { tier: 'web' } } };
    expect(await admission.admit(podReview(labelled, { operation: 'UPDATE', oldObject: stored(pod()) }))).toEqual({ allowed: true });
    expect(ledger.names).toEqual([]);
  });

  it('honours dry run: decided the same way, nothing reserved', async () => {
    const { admission, ledger } = setup([quota('cpu-q', { 'limits.cpu': '4' })]);
    expect(await admission.admit({ ...resizeReview(pod({ cpu: '3' }), stored(pod({ cpu: '2' }))), dryRun: true })).toEqual({ allowed: true });
    expect(ledger.entries).toEqual({});
    expect(statusOf(await admission.admit({ ...resizeReview(pod({ cpu: '7' }), stored(pod({ cpu: '2' }))), dryRun: true }))?.message)
      .toBe('pods "web" is forbidden: exceeded quota: cpu-q, requested: limits.cpu=5, used: limits.cpu=0, limited: limits.cpu=4');
  });
});

describe('AccountQuota admission: when it cannot decide', () => {
  it('answers 503 with a retry-after while the usage of the quotas\' kinds is still being computed', async () => {
    const { admission, notSynced, synced, ledger } = setup([quota('q', { pods: '10', services: '2' })]);
    notSynced();
    const decision = await admission.admit(podReview(pod()));
    expect(statusOf(decision)).toMatchObject({
      code: 503, reason: 'ServiceUnavailable', message: 'the usage of the account\'s quotas is still being computed; retry shortly',
    });
    expect(decision.allowed ? undefined : decision.error.retryAfterSeconds).toBe(1);
    // It waits for every kind the account's quotas count, not only the pod's.
    expect(synced).toEqual([[{ group: '', resource: 'pods' }, { group: '', resource: 'services' }]]);
    expect(ledger.names).toEqual([]);
  });

  it('answers 429 with the ledger\'s retry-after (at least a second) when the ledger cannot take the claim', async () => {
    const { admission, ledger } = setup([quota('q', { pods: '10' })]);
    ledger.failWith = new LedgerRetryError('other writers kept winning', 2_300);
    expect(statusOf(await admission.admit(podReview(pod())))).toMatchObject({
      code: 429, reason: 'TooManyRequests', message: 'too many admissions pending in account acct; retry shortly', details: { retryAfterSeconds: 3 },
    });
    ledger.failWith = new LedgerRetryError('other writers kept winning', 10);
    expect(statusOf(await admission.admit(podReview(pod())))?.details?.retryAfterSeconds).toBe(1);
  });

  it('lets any other ledger failure through to the transport (which denies it as a 500)', async () => {
    const { admission, ledger } = setup([quota('q', { pods: '10' })]);
    ledger.failWith = new Error('connect ECONNREFUSED');
    await expect(admission.admit(podReview(pod()))).rejects.toThrow('connect ECONNREFUSED');
  });

  it('refuses with 400 an object whose quantities cannot be evaluated', async () => {
    const { admission, ledger } = setup([quota('q', { 'limits.cpu': '4' })]);
    const status = statusOf(await admission.admit(podReview(pod({ cpu: 'lots' }))));
    expect(status).toMatchObject({ code: 400, reason: 'BadRequest' });
    expect(status?.message.startsWith('the object\'s resources cannot be evaluated against the account\'s quotas: ')).toBe(true);
    expect(ledger.names).toEqual([]);
  });

  it('refuses with 422 an object kube-apiserver would have refused, before reserving anything', async () => {
    const { admission, ledger } = setup([quota('q', { pods: '10' })]);
    const status = statusOf(await admission.admit(podReview(pod({ name: 'Web' }), { name: 'Web' })));
    expect(status).toMatchObject({ code: 422, reason: 'Invalid', details: { kind: 'Pod', group: '', name: 'Web', causes: [{ field: 'metadata.name', reason: 'FieldValueInvalid' }] } });
    expect(ledger.names).toEqual([]);
  });
});

describe('validate-accountquota', () => {
  const review = (object: Record<string, unknown> | undefined): AdmissionRequest => ({
    uid: 'u', operation: 'CREATE', kind: { group: 'config.kiosk.sh', version: 'v1alpha1', kind: 'AccountQuota' },
    resource: { group: 'config.kiosk.sh', version: 'v1alpha1', resource: 'accountquotas' }, userInfo: { username: 'admin' },
    ...(object ? { object } : {}),
  });

  it('allows a well-formed quota, and a review with no object or no spec to judge', () => {
    expect(validateAccountQuota(review({ metadata: { name: 'q' }, spec: { account: 'acct', quota: { hard: { pods: '10', 'limits.cpu': '4' } } } }))).toEqual({ allowed: true });
    expect(validateAccountQuota(review(undefined))).toEqual({ allowed: true });
    expect(validateAccountQuota(review({ metadata: { name: 'q' } }))).toEqual({ allowed: true });
  });

  it('refuses a quantity that does not parse with 422 on the AccountQuota, naming the field', () => {
    const status = statusOf(validateAccountQuota(review({ metadata: { name: 'q' }, spec: { account: 'acct', quota: { hard: { pods: 'ten' } } } })));
    expect(status).toMatchObject({ code: 422, reason: 'Invalid', details: { kind: 'AccountQuota', group: 'config.kiosk.sh', name: 'q' } });
    expect(status?.message.startsWith('AccountQuota.config.kiosk.sh "q" is invalid: spec.quota.hard[pods]: ')).toBe(true);
    expect(status?.details?.causes?.map((c) => c.field)).toEqual(['spec.quota.hard[pods]']);
  });

  // The quota's type errors print the bad value as JSON; the transport's depth bound (review.ts) is what keeps
  // that within V8's stack, so the deepest review it passes on must still be judged (the fuzz found 100,000 levels).
  it('judges scopes nested as deep as the transport lets a review be with a 422, not a stack overflow', () => {
    // AdmissionReview, request, object, spec, quota: five levels above spec.quota.scopes.
    const depth = MAX_JSON_DEPTH - 5;
    const body = JSON.stringify({ kind: 'AdmissionReview', request: review({ metadata: { name: 'q' }, spec: { quota: { scopes: 'DEEP' } } }) })
      .replace('"DEEP"', `${'['.repeat(depth)}${']'.repeat(depth)}`);
    const status = statusOf(validateAccountQuota(readAdmissionRequest(Buffer.from(body))));
    expect(status).toMatchObject({ code: 422, reason: 'Invalid' });
    expect(status?.details?.causes?.map((c) => [c.field, c.reason])).toEqual([['spec.quota.scopes', 'FieldValueTypeInvalid']]);
    expect(() => readAdmissionRequest(Buffer.from(body.replace('[', '[[').replace(']', ']]')))).toThrow('the body is not an AdmissionReview');
  });
});

describe('validate-account, beyond the spec rules', () => {
  const review = (operation: AdmissionRequest['operation'], object?: Record<string, unknown>): AdmissionRequest => ({
    uid: 'u', operation, kind: { group: 'config.kiosk.sh', version: 'v1alpha1', kind: 'Account' },
    resource: { group: 'config.kiosk.sh', version: 'v1alpha1', resource: 'accounts' }, userInfo: { username: 'admin' },
    ...(object ? { object } : {}),
  });
  const malformed = { spec: { subjects: [{ kind: 'User', name: 'x' }] } };

  it('allows a review with no object (a DELETE)', () => {
    expect(validateConfigAccount(review('DELETE'))).toEqual({ allowed: true });
  });

  it('judges an UPDATE without the old object as a create', () => {
    expect(validateConfigAccount(review('UPDATE', { metadata: { name: 'a' }, ...malformed })).allowed).toBe(false);
  });

  it('names an Account without a name as ""', () => {
    expect(statusOf(validateConfigAccount(review('CREATE', malformed)))?.message.startsWith('Account.config.kiosk.sh "" is invalid: ')).toBe(true);
  });
});
