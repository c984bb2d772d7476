// The authentication and authorization caches are keyed by what anyone who reaches the port sends: they
// must stay within their byte budgets whatever the requests look like, keep anonymous traffic apart from
// real users' decisions, and let expired entries go.
import type { KubeClient } from '../../storage/client.js';
import { DecisionCache } from '../../storage/decision-cache.js';
import { TokenReviewer } from '../../storage/authentication/token-reviewer.js';
import { SubjectAccessReviewer } from '../../storage/authorization/subject-access-reviewer.js';
import { anonymousUser } from '../../storage/user-info.js';

interface Call { path: string; body: { spec: Record<string, unknown> } }

/** A KubeClient that answers reviews from `answer` and records what it was asked. */
function fakeClient(answer: (call: Call) => unknown): { client: KubeClient; calls: Call[] } {
  const calls: Call[] = [];
  const client = {
    request: async (_method: string, path: string, params: { body: Call['body'] }) => {
      const call = { path, body: params.body };
      calls.push(call);
      return answer(call);
    },
  } as unknown as KubeClient;
  return { client, calls };
}

const longPath = (i: number) => `/${String(i).padStart(8, '0')}${'x'.repeat(200 * 1024)}`;
/** longPath(i) cut to 2,000 characters, built without the 200 KB it would be cut from. */
const path2k = (i: number) => `/${String(i).padStart(8, '0')}${'x'.repeat(2000 - 9)}`;
const dev = { username: 'dev', groups: ['system:authenticated'], extra: {} };
const MiB = 1024 * 1024;

describe('SubjectAccessReviewer cache', () => {
  it('holds 2,000 decisions about 200 KB paths in a few hundred KB: keyed by a digest, not by the path', async () => {
    const { client, calls } = fakeClient(() => ({ status: { allowed: false } }));
    // A TTL far longer than the test, however loaded the machine: this is about size, not expiry.
    const reviewer = new SubjectAccessReviewer(client, { ttlMs: 600_000 });
    for (let i = 0; i < 2000; i++) await reviewer.authorize(dev, { verb: 'get', path: longPath(i) });
    const { users } = reviewer.cacheStats();
    expect(users.entries).toBe(2000);
    expect(users.bytes).toBeLessThan(2000 * 512);
    // kube-apiserver still gets the whole path: its nonResourceURLs rules match on it.
    expect((calls[7]!.body.spec.nonResourceAttributes as { path: string }).path).toBe(longPath(7));
    // A cached decision is used again; a different path is a different question.
    await reviewer.authorize(dev, { verb: 'get', path: longPath(7) });
    expect(calls).toHaveLength(2000);
  });

  it('stays within its byte budget, evicting the least recently used', async () => {
    const { client } = fakeClient(() => ({ status: { allowed: true, reason: 'r'.repeat(5000) } }));
    const reviewer = new SubjectAccessReviewer(client, { ttlMs: 600_000, maxBytes: 256 * 1024 });
    for (let i = 0; i < 3000; i++) await reviewer.authorize(dev, { verb: 'get', path: `/p${i}` });
    const { users } = reviewer.cacheStats();
    expect(users.bytes).toBeLessThanOrEqual(256 * 1024);
    expect(users.entries).toBeGreaterThan(50);
    expect(users.entries).toBeLessThan(3000);
  });

  it('keeps anonymous decisions in their own budget: a flood of anonymous paths evicts no user decision', async () => {
    const { client, calls } = fakeClient(() => ({ status: { allowed: true } }));
    const reviewer = new SubjectAccessReviewer(client, { ttlMs: 600_000, maxBytes: 1 * MiB, anonymousMaxBytes: 64 * 1024 });
    const spaces = { verb: 'list', resource: { group: 'tenancy.kiosk.sh', version: 'v1alpha1', resource: 'spaces' } };
    await reviewer.authorize(dev, spaces);
    for (let i = 0; i < 5000; i++) await reviewer.authorize(anonymousUser(), { verb: 'get', path: path2k(i) });
    const stats = reviewer.cacheStats();
    expect(stats.anonymous.bytes).toBeLessThanOrEqual(64 * 1024);
    expect(stats.users.entries).toBe(1);
    const before = calls.length;
    await reviewer.authorize(dev, spaces);
    expect(calls.length).toBe(before);
  });

  it('asks once for concurrent identical requests', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { client, calls } = fakeClient(async () => {
      await gate;
      return { status: { allowed: true } };
    });
    const reviewer = new SubjectAccessReviewer(client, { ttlMs: 600_000 });
    const pending = Array.from({ length: 50 }, () => reviewer.authorize(dev, { verb: 'get', path: '/apis' }));
    release();
    const decisions = await Promise.all(pending);
    expect(decisions.every((d) => d.allowed)).toBe(true);
    expect(calls).toHaveLength(1);
  });

  it('a denied review is a denial, and the stored reason is bounded', async () => {
    const { client } = fakeClient(() => ({ status: { allowed: true, denied: true, reason: 'x'.repeat(100_000) } }));
    const reviewer = new SubjectAccessReviewer(client);
    const d = await reviewer.authorize(dev, { verb: 'get', path: '/' });
    expect(d.allowed).toBe(false);
    expect(d.reason.length).toBe(1024);
  });
});

describe('DecisionCache purge', () => {
  it('drops expired entries on purge, not only on read', async () => {
    const cache = new DecisionCache<boolean>({ ttlMs: 1, maxBytes: MiB }, () => 4);
    for (let i = 0; i < 100; i++) await cache.get(`k${i}`, async () => true);
    expect(cache.stats.entries).toBe(100);
    // Purge as the timer does until the TTL has passed (a condition, not a duration: the cache reads
    // its clock coarsely, and a loaded machine may take a while).
    while (cache.stats.entries > 0) {
      await new Promise((r) => setTimeout(r, 2));
      cache.purgeStale();
    }
    expect(cache.stats).toEqual({ entries: 0, bytes: 0 });
  });

  it('start() and stop() manage one timer that does not keep the process alive', () => {
    const cache = new DecisionCache<boolean>({ ttlMs: 1000, maxBytes: MiB }, () => 4);
    cache.start();
    cache.start();
    cache.stop();
    cache.stop();
    expect(cache.stats.entries).toBe(0);
  });
});

describe('TokenReviewer cache', () => {
  it('keeps outcomes of many long tokens small, never the tokens themselves', async () => {
    const { client, calls } = fakeClient((call) => ({
      status: (call.body.spec.token as string).startsWith('good')
        ? { authenticated: true, user: { username: 'dev', groups: ['devs'] } }
        : { authenticated: false, error: 'invalid bearer token' },
    }));
    const reviewer = new TokenReviewer(client, { ttlMs: 600_000, maxBytes: MiB });
    for (let i = 0; i < 1000; i++) await reviewer.review(`bad-${i}-${'t'.repeat(100_000)}`);
    const stats = reviewer.cacheStats();
    expect(stats.entries).toBe(1000);
    expect(stats.bytes).toBeLessThan(1000 * 512);
    expect(await reviewer.review('good')).toEqual({ user: { username: 'dev', groups: ['devs'], extra: {} } });
    await reviewer.review('good');
    expect(calls).toHaveLength(1001);
  });

  it('stays within its byte budget when users carry many groups', async () => {
    const groups = Array.from({ length: 500 }, (_, i) => `group-${i}`);
    const { client } = fakeClient(() => ({ status: { authenticated: true, user: { username: 'dev', groups } } }));
    const reviewer = new TokenReviewer(client, { ttlMs: 600_000, maxBytes: 256 * 1024 });
    for (let i = 0; i < 200; i++) await reviewer.review(`token-${i}`);
    expect(reviewer.cacheStats().bytes).toBeLessThanOrEqual(256 * 1024);
    expect(reviewer.cacheStats().entries).toBeLessThan(200);
  });
});
