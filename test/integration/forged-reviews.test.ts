// Forged AdmissionReviews, posted straight to the server's admission URL as anyone reaching its port can
// (without webhook authentication): they hold at most a bounded, short claim. The sandbox authenticates
// webhook callers (test/integration/admission-authentication.test.ts shows the forger's 401), so these
// reviews present kube-apiserver's admission certificate: what is tested is what the server holds for any
// review it accepts, which without webhook authentication is anyone's. Each test reads the quota
// Lease the server writes, so what is held, and until when, is checked on the ledger itself rather than timed.
import { kubectl, kubectlOk } from '../cluster/kubectl.js';
import type { ForgedReviewAnswer } from '../support/forged-review.js';
import { forgePodReview } from '../support/forged-review.js';
import { quotaTenant } from '../support/quota-tenant.js';
import { eventually, viaApiserver } from '../support/sandbox-access.js';

const run = Date.now().toString(36);
const TTL_MS = 10_000; // registry/accountquota/reservations.ts RESERVATION_TTL_MS
const MAX_LEDGER_ANNOTATION_BYTES = 192 * 1024; // storage/lease-ledger.ts
const MAX_PENDING_RESERVATIONS = 600;

interface Ledger { bytes: number; entries: Record<string, { data: { object: string }; createdAt: number; expiresAt: number }> }

/** The account's quota ledger, as the server stored it in its Lease. */
async function ledger(acct: string): Promise<Ledger> {
  const r = await kubectl(['get', 'lease', `quota-${acct}`, '-n', 'kiosk-system', '-o', 'json']);
  if (r.code !== 0) return { bytes: 0, entries: {} };
  const annotations = (JSON.parse(r.stdout) as { metadata: { annotations?: Record<string, string> } }).metadata.annotations ?? {};
  const bytes = Object.entries(annotations).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  return { bytes, entries: JSON.parse(annotations['kiosk.sh/ledger'] ?? '{}') as Ledger['entries'] };
}

/** Waits until the wall clock is past every claim in the ledger (the server runs on this machine's clock). */
async function pastExpiry(l: Ledger): Promise<void> {
  const last = Math.max(0, ...Object.values(l.entries).map((e) => e.expiresAt));
  expect(await eventually(async () => Date.now() > last + 50, TTL_MS + 5_000, 100)).toBe(true);
}

/** Replaces the account's ledger with `entries`, as a flood (or an older server) could have left it. */
async function fill(acct: string, entries: Record<string, unknown>): Promise<void> {
  const lease = JSON.parse(await kubectlOk(['get', 'lease', `quota-${acct}`, '-n', 'kiosk-system', '-o', 'json'])) as { metadata: { annotations?: Record<string, string> } };
  lease.metadata.annotations = { ...lease.metadata.annotations, 'kiosk.sh/ledger': JSON.stringify(entries) };
  await kubectlOk(['replace', '-f', '-'], { stdin: JSON.stringify(lease) });
}

const pod = (name: string, ns: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: ${ns}}\nspec: {containers: [{name: app, image: nginx}]}\n`;
const createPod = (name: string, ns: string) => kubectl(['apply', '-f', '-'], { stdin: pod(name, ns) });
/** One pod create through kube-apiserver without kubectl's retries (client-go retries a 429 that has a Retry-After). */
const postPod = (name: string, ns: string) => viaApiserver({
  method: 'POST', path: `/api/v1/namespaces/${ns}/pods`, headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, spec: { containers: [{ name: 'app', image: 'nginx' }] } }),
});

describe('forged reviews for pods that never come', () => {
  const acct = `fr-two-${run}`;
  const ns = `${acct}-s`;
  beforeAll(() => quotaTenant(acct, [ns], { pods: '2' }), 60_000);

  it('hold their claim for the short TTL only, then real creates go through', async () => {
    // One name sent five times is one claim; a second name fills the quota.
    for (let i = 0; i < 5; i++) expect(await forgePodReview(ns, 'ghost-a')).toMatchObject({ status: 200, allowed: true });
    expect(await forgePodReview(ns, 'ghost-b')).toMatchObject({ status: 200, allowed: true });
    const held = await ledger(acct);
    expect(Object.values(held.entries).map((e) => e.data.object).sort()).toEqual([`pods./${ns}/ghost-a`, `pods./${ns}/ghost-b`]);
    for (const e of Object.values(held.entries)) expect(e.expiresAt - e.createdAt).toBe(TTL_MS);
    // While they count (renewed just before, so a slow machine cannot let them lapse first), the real create
    // is refused as over quota, as in the attack.
    expect(await forgePodReview(ns, 'ghost-a')).toMatchObject({ allowed: true });
    const blocked = await postPod('real-1', ns);
    expect(blocked.status).toBe(403);
    expect(blocked.json<{ message: string }>().message).toContain('exceeded quota');
    // Once the claims have expired, the first real attempt is admitted, and the next too.
    await pastExpiry(await ledger(acct));
    expect((await createPod('real-1', ns)).code).toBe(0);
    expect((await createPod('real-2', ns)).code).toBe(0);
  }, 90_000);
});

describe('a forged review with a 130,936-character pod name', () => {
  const acct = `fr-long-${run}`;
  const ns = `${acct}-s`;
  beforeAll(() => quotaTenant(acct, [ns], { pods: '5' }), 60_000);

  it('is refused as invalid, reserves nothing, and real admissions keep working', async () => {
    const before = await ledger(acct);
    const r = await forgePodReview(ns, 'a'.repeat(130_936));
    expect(r).toMatchObject({ status: 200, allowed: false, code: 422 });
    expect(r.message).toContain('must be no more than 253 bytes');
    expect((await ledger(acct)).bytes).toBe(before.bytes);
    const real = await createPod('after-long', ns);
    expect({ code: real.code, stderr: real.stderr }).toEqual({ code: 0, stderr: '' });
  }, 60_000);
});

describe('1,000 forged reviews with distinct valid names', () => {
  const acct = `fr-many-${run}`;
  const ns = `${acct}-s`;
  const other = `fr-other-${run}`;
  const otherNs = `${other}-s`;
  beforeAll(async () => {
    await quotaTenant(acct, [ns], { pods: '100000' });
    await quotaTenant(other, [otherNs], { pods: '5' });
  }, 90_000);

  it('hold at most the bounded claim; other accounts are unaffected; this one is blocked at most the TTL', async () => {
    // 253-character names, the longest valid ones: the byte cap, not only the count, is what bounds them.
    const name = (i: number) => `${String(i).padStart(4, '0')}-${'x'.repeat(248)}`;
    const results: ForgedReviewAnswer[] = [];
    let largest = 0;
    let next = 0;
    const worker = async () => {
      while (next < 1_000) {
        const i = next++;
        results.push(await forgePodReview(ns, name(i)));
        if (i % 100 === 0) largest = Math.max(largest, (await ledger(acct)).bytes);
      }
    };
    const flood = Promise.all(Array.from({ length: 8 }, worker));
    // Meanwhile a real create in another account is admitted at once.
    const elsewhere = await createPod('meanwhile', otherNs);
    expect({ code: elsewhere.code, stderr: elsewhere.stderr }).toEqual({ code: 0, stderr: '' });
    await flood;

    expect(results).toHaveLength(1_000);
    expect(results.filter((r) => r.status !== 200 || (r.code ?? 0) >= 500)).toEqual([]);
    const refused = results.filter((r) => !r.allowed);
    // Refusals are only ever "retry later", with a Retry-After no longer than the TTL.
    for (const r of refused) {
      expect(r.code).toBe(429);
      expect(r.retryAfter).toBeGreaterThanOrEqual(1);
      expect(r.retryAfter).toBeLessThanOrEqual(TTL_MS / 1000);
    }
    const held = await ledger(acct);
    largest = Math.max(largest, held.bytes);
    expect(largest).toBeLessThanOrEqual(MAX_LEDGER_ANNOTATION_BYTES);
    expect(Object.keys(held.entries).length).toBeLessThanOrEqual(MAX_PENDING_RESERVATIONS);
    for (const e of Object.values(held.entries)) expect(e.expiresAt - e.createdAt).toBe(TTL_MS);

    // The account itself: once the flood's claims have expired, the first real create is admitted.
    await pastExpiry(held);
    const real = await createPod('after-flood', ns);
    expect({ code: real.code, stderr: real.stderr }).toEqual({ code: 0, stderr: '' });
  }, 180_000);
});

describe('at the bound', () => {
  const acct = `fr-full-${run}`;
  const ns = `${acct}-s`;
  const other = `fr-free-${run}`;
  const otherNs = `${other}-s`;
  beforeAll(async () => {
    await quotaTenant(acct, [ns], { pods: '100000' });
    await quotaTenant(other, [otherNs], { pods: '5' });
  }, 90_000);

  const claim = (object: string, now: number, extra = {}) => ({ data: { object, deltas: { [`${acct}-quota`]: { pods: '1' } }, ...extra }, createdAt: now, expiresAt: now + TTL_MS });

  it(`${MAX_PENDING_RESERVATIONS} pending claims: a new object is told to retry (429, Retry-After), real creates elsewhere are not`, async () => {
    expect(await forgePodReview(ns, 'first')).toMatchObject({ allowed: true });
    const now = Date.now();
    await fill(acct, Object.fromEntries(Array.from({ length: MAX_PENDING_RESERVATIONS }, (_, i) => [`pods./${ns}/f${i}`, claim(`pods./${ns}/f${i}`, now)])));
    const r = await forgePodReview(ns, 'one-more');
    expect(r).toMatchObject({ status: 200, allowed: false, code: 429 });
    expect(r.retryAfter).toBeLessThanOrEqual(TTL_MS / 1000);
    const real = await postPod('blocked', ns);
    expect(real.status).toBe(429);
    expect(real.json<{ message: string }>().message).toContain(`too many admissions pending in account ${acct}; retry shortly`);
    expect(Number(real.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await createPod('unaffected', otherNs)).code).toBe(0);
    await pastExpiry(await ledger(acct));
    expect((await createPod('blocked', ns)).code).toBe(0);
  }, 60_000);

  it('a ledger that a write would take past its byte cap answers 429, never the 500 of an oversized Lease', async () => {
    // One claim as large as the attack's (an older server stored the name as given, twice): 194 KiB, past the cap, under kube-apiserver's 256 KiB.
    const now = Date.now();
    const huge = `pods./${ns}/${'a'.repeat(97 * 1024)}`;
    await fill(acct, { [huge]: claim(huge, now) });
    const r = await forgePodReview(ns, 'x'.repeat(253));
    expect(r).toMatchObject({ status: 200, allowed: false, code: 429 });
    const real = await postPod('beside-huge', ns);
    expect(real.status).toBe(429);
    expect(real.json<{ message: string }>().message).toContain('too many admissions pending');
    await pastExpiry(await ledger(acct));
    expect((await createPod('beside-huge', ns)).code).toBe(0);
  }, 60_000);
});
