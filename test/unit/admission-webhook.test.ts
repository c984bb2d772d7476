// The AdmissionReview transport (apiserver/admission/webhook.ts) over loopback HTTP, with hooks faked: what
// kube-apiserver gets back for an allowed, a denied and an undecidable review, and for bodies that are no
// review at all. The hooks' own decisions are in admission-decisions.test.ts.
import type { AdmissionDecision, AdmissionHandler, AdmissionRequest } from '../../registry/admission.js';
import { admissionRouter } from '../../apiserver/admission/webhook.js';
import { forbidden, invalid, tooManyRequests } from '../../storage/apimachinery/errors.js';
import { silentLogger } from '../../storage/logger.js';
import type { LoopbackApp } from './loopback-app.js';
import { call, serveLoopback } from './loopback-app.js';

const podRequest = (name: string): AdmissionRequest => ({
  uid: `uid-${name}`,
  kind: { group: '', version: 'v1', kind: 'Pod' },
  resource: { group: '', version: 'v1', resource: 'pods' },
  namespace: 'team-a',
  name,
  operation: 'CREATE',
  userInfo: { username: 'alice', groups: ['devs'] },
  object: { metadata: { name, namespace: 'team-a' }, spec: { containers: [] } },
});
const review = (request: unknown) => ({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request });

interface ReviewAnswer {
  apiVersion: string;
  kind: string;
  response: { uid: string; allowed: boolean; warnings?: string[]; status?: Record<string, unknown>; patchType?: string; patch?: string };
}

describe('AdmissionReview transport', () => {
  let app: LoopbackApp;
  /** What each hook was asked, in order. */
  let asked: Array<{ hook: string; request: AdmissionRequest }>;
  /** The next decision of the `decide` hook, or what it throws. */
  let next: () => AdmissionDecision;

  beforeEach(async () => {
    asked = [];
    next = () => ({ allowed: true });
    const hook = (name: string): AdmissionHandler => (request) => {
      asked.push({ hook: name, request });
      return Promise.resolve(next());
    };
    app = await serveLoopback((a) => a.use(admissionRouter({ decide: hook('decide'), other: hook('other') }, silentLogger)));
  });
  afterEach(() => app.close());

  const post = (hook: string, body: string, contentType = 'application/json') =>
    call(app.base, 'POST', `/admission/${hook}`, { body, headers: { 'content-type': contentType } });
  const admit = async (hook: string, request: AdmissionRequest) => {
    const answer = await post(hook, JSON.stringify(review(request)));
    expect(answer.status).toBe(200);
    return answer.json as ReviewAnswer;
  };

  it('hands the hook the review\'s request as sent, and answers an allow as a v1 AdmissionReview with its uid', async () => {
    const request = podRequest('web');
    expect(await admit('decide', request)).toEqual({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'uid-web', allowed: true } });
    expect(asked).toEqual([{ hook: 'decide', request }]);
  });

  it('routes each review to the hook its path names', async () => {
    await admit('other', podRequest('a'));
    await admit('decide', podRequest('b'));
    expect(asked.map((a) => `${a.hook} ${a.request.name ?? ''}`)).toEqual(['other a', 'decide b']);
  });

  it('passes an allow\'s warnings on, and leaves the field out when there are none', async () => {
    next = () => ({ allowed: true, warnings: ['spec.x is deprecated'] });
    expect((await admit('decide', podRequest('w'))).response).toEqual({ uid: 'uid-w', allowed: true, warnings: ['spec.x is deprecated'] });
    next = () => ({ allowed: true, warnings: [] });
    expect((await admit('decide', podRequest('w'))).response).toEqual({ uid: 'uid-w', allowed: true });
  });

  it('sends a mutating hook\'s patch as a base64 JSONPatch, and no patch fields without operations', async () => {
    const patch = [{ op: 'add' as const, path: '/spec/nodeSelector', value: { pool: 'tenants' } }];
    next = () => ({ allowed: true, patch });
    const { response } = await admit('decide', podRequest('p'));
    expect(Object.keys(response).sort()).toEqual(['allowed', 'patch', 'patchType', 'uid']);
    expect(response.patchType).toBe('JSONPatch');
    expect(JSON.parse(Buffer.from(response.patch ?? '', 'base64').toString('utf8'))).toEqual(patch);
    next = () => ({ allowed: true, patch: [] });
    expect((await admit('decide', podRequest('p'))).response).toEqual({ uid: 'uid-p', allowed: true });
  });

  it('answers a denial with the Status of its error: code, reason, message and details kept', async () => {
    next = () => ({ allowed: false, error: forbidden({ group: '', resource: 'pods' }, 'web', 'exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2') });
    expect((await admit('decide', podRequest('web'))).response).toEqual({
      uid: 'uid-web', allowed: false,
      status: {
        kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 403, reason: 'Forbidden',
        message: 'pods "web" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2',
        details: { name: 'web', group: '', kind: 'pods' },
      },
    });
  });

  it('keeps a 422\'s field causes and a 429\'s retry-after in the review (kube-apiserver shows them to the user)', async () => {
    next = () => ({ allowed: false, error: invalid('Account', 'config.kiosk.sh', 'a', [{ field: 'spec.subjects[0].kind', type: 'FieldValueRequired', detail: 'Required value' }]) });
    expect((await admit('decide', podRequest('a'))).response.status).toMatchObject({
      code: 422, reason: 'Invalid', details: { causes: [{ field: 'spec.subjects[0].kind', reason: 'FieldValueRequired', message: 'Required value' }] },
    });
    next = () => ({ allowed: false, error: tooManyRequests('too many admissions pending in account acct; retry shortly', 7) });
    const answer = await post('decide', JSON.stringify(review(podRequest('b'))));
    // The transport answers 200 whatever the decision: the HTTP status is about the webhook call itself.
    expect(answer.status).toBe(200);
    expect(answer.headers.get('retry-after')).toBeNull();
    expect((answer.json as ReviewAnswer).response.status).toMatchObject({ code: 429, reason: 'TooManyRequests', details: { retryAfterSeconds: 7 } });
  });

  it('turns a hook that throws into a denial with a 500 Status naming the error, not a failed call', async () => {
    next = () => {
      throw new Error('quota informer not ready');
    };
    expect((await admit('decide', podRequest('x'))).response).toEqual({
      uid: 'uid-x', allowed: false,
      status: {
        kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 500, reason: 'InternalError',
        message: 'Internal error occurred: quota informer not ready', details: { causes: [{ message: 'quota informer not ready' }] },
      },
    });
  });

  it('answers 404 for a hook it does not serve, inherited object keys included, and asks no hook', async () => {
    for (const hook of ['validate', 'constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const answer = await post(hook, JSON.stringify(review(podRequest('x'))));
      expect([hook, answer.status]).toEqual([hook, 404]);
      expect(answer.json).toMatchObject({ kind: 'Status', code: 404, reason: 'NotFound' });
    }
    expect((await call(app.base, 'GET', '/admission/decide')).status).toBe(404);
    expect(asked).toEqual([]);
  });

  it('answers 400 for a body that is not JSON, or that holds more than 50,000 objects, arrays and fields', async () => {
    for (const body of ['', 'not json', '{"kind": "AdmissionReview",', `[${'{},'.repeat(50_000)}{}]`]) {
      const answer = await post('decide', body);
      expect(answer.status).toBe(400);
      expect(answer.json).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 400, reason: 'BadRequest', message: 'the body is not an AdmissionReview' });
    }
    expect(asked).toEqual([]);
  });

  // The bound the hooks rely on: their field errors print values with JSON.stringify, which overflows the stack
  // near 4,500 levels; 100,000 is the depth the admission fuzz sent to validate-accountquota (seed 6382701, case #1745).
  it.each([1_001, 100_000])('answers 400 for a review nested %i levels deep, before any hook decides', async (depth) => {
    const body = JSON.stringify(review({ ...podRequest('deep'), object: { spec: { scopes: 'DEEP' } } }))
      .replace('"DEEP"', `${'['.repeat(depth)}${']'.repeat(depth)}`);
    const answer = await post('decide', body);
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ kind: 'Status', code: 400, reason: 'BadRequest', message: 'the body is not an AdmissionReview' });
    expect(asked).toEqual([]);
  });

  const valid = podRequest('v');
  it.each<[string, unknown]>([
    ['null', null],
    ['a number', 5],
    ['an array', [review(valid)]],
    ['another kind', { ...review(valid), kind: 'TokenReview' }],
    ['no request', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }],
    ['a null request', review(null)],
    ['a request that is a string', review('request')],
    ['no uid', review({ ...valid, uid: undefined })],
    ['an empty uid', review({ ...valid, uid: '' })],
    ['a numeric uid', review({ ...valid, uid: 7 })],
    ['no operation', review({ ...valid, operation: undefined })],
    ['no resource', review({ ...valid, resource: undefined })],
    ['a null resource', review({ ...valid, resource: null })],
    ['a resource without group', review({ ...valid, resource: { version: 'v1', resource: 'pods' } })],
    ['a resource whose name is no string', review({ ...valid, resource: { group: '', version: 'v1', resource: ['pods'] } })],
  ])('answers 400 for a review with %s, before any hook decides', async (_what, body) => {
    const answer = await post('decide', JSON.stringify(body));
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ kind: 'Status', code: 400, reason: 'BadRequest', message: 'the body is not an admission.k8s.io/v1 AdmissionReview with a request' });
    expect(asked).toEqual([]);
  });

  it('decides a review whose operation it does not know (the hook decides what that means)', async () => {
    const answer = await admit('decide', { ...podRequest('c'), operation: 'FROBNICATE' as AdmissionRequest['operation'] });
    expect(answer.response).toEqual({ uid: 'uid-c', allowed: true });
    expect(asked).toHaveLength(1);
  });
});
