import { KubeApiError } from '../../storage/kube-api-error.js';
import type { RequestParams } from '../../storage/client.js';
import type { EventRecord, EventRecorderOptions } from '../../storage/events/event-recorder.js';
import { EventRecorder, eventName, eventPlacement, microTime, truncateNote } from '../../storage/events/event-recorder.js';
import { TokenBucket } from '../../storage/events/token-bucket.js';
import { createLogger, silentLogger } from '../../storage/logger.js';

interface Call {
  method: string;
  path: string;
  params: RequestParams;
}

/** A KubeClient stand-in: records each request and answers with what `answer` says (default: success). */
class FakeClient {
  readonly calls: Call[] = [];
  answer: (call: Call) => Promise<unknown> = async () => ({});
  request<T>(method: string, path: string, params: RequestParams = {}): Promise<T> {
    const call = { method, path, params };
    this.calls.push(call);
    return this.answer(call) as Promise<T>;
  }
}

const T0 = Date.UTC(2025, 0, 2, 3, 4, 5, 678);
const ti = { apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'TemplateInstance', name: 'redis', namespace: 'team-a', uid: 'u-1', resourceVersion: '41' };
const failed = (note = 'no matches for kind "NoSuchKind" in version "v1"', over: Partial<EventRecord> = {}): EventRecord =>
  ({ regarding: ti, type: 'Warning', reason: 'DeployFailed', action: 'Deploying', note, ...over });
const body = (c: Call) => c.params.body as Record<string, unknown> & { metadata: { name: string; namespace: string } };

describe('EventRecorder', () => {
  let clock: number;
  let client: FakeClient;
  const recorders: EventRecorder[] = [];
  const make = (options: Partial<EventRecorderOptions> = {}, log = silentLogger) => {
    const r = new EventRecorder(client, { reportingInstance: 'host-1_42', now: () => clock, ...options }, log);
    recorders.push(r);
    return r;
  };
  beforeEach(() => {
    clock = T0;
    client = new FakeClient();
  });
  afterEach(() => {
    for (const r of recorders.splice(0)) r.stop();
  });

  it('creates an events.k8s.io/v1 Event with kube\'s fields, named <object>.<hex nanoseconds>', async () => {
    const r = make();
    r.start();
    r.record(failed());
    await r.flush();
    expect(client.calls).toHaveLength(1);
    const [call] = client.calls;
    expect(call!.method).toBe('POST');
    expect(call!.path).toBe('/apis/events.k8s.io/v1/namespaces/team-a/events');
    expect(body(call!)).toEqual({
      apiVersion: 'events.k8s.io/v1', kind: 'Event',
      metadata: { name: `redis.${(BigInt(T0) * 1_000_000n).toString(16)}`, namespace: 'team-a' },
      eventTime: '2025-01-02T03:04:05.678000Z',
      reportingController: 'kiosk.sh/kiosk', reportingInstance: 'host-1_42',
      action: 'Deploying', reason: 'DeployFailed', type: 'Warning',
      note: 'no matches for kind "NoSuchKind" in version "v1"',
      regarding: ti,
    });
    expect(r.stats).toEqual({ recorded: 1, created: 1, patched: 0, dropped: 0, failed: 0 });
  });

  it('aggregates repeats into the series of the first Event with merge patches', async () => {
    const r = make();
    r.start();
    r.record(failed());
    await r.flush();
    const name = body(client.calls[0]!).metadata.name;
    clock += 1_000;
    // The object's resourceVersion changes between attempts (its status was written): still the same Event.
    r.record(failed(undefined, { regarding: { ...ti, resourceVersion: '42' } }));
    await r.flush();
    clock += 60_000;
    r.record(failed());
    await r.flush();
    expect(client.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'POST /apis/events.k8s.io/v1/namespaces/team-a/events',
      `PATCH /apis/events.k8s.io/v1/namespaces/team-a/events/${name}`,
      `PATCH /apis/events.k8s.io/v1/namespaces/team-a/events/${name}`,
    ]);
    expect(client.calls[1]!.params).toMatchObject({ contentType: 'application/merge-patch+json', body: { series: { count: 2, lastObservedTime: microTime(T0 + 1_000) } } });
    expect(client.calls[2]!.params.body).toEqual({ series: { count: 3, lastObservedTime: microTime(T0 + 61_000) } });
    expect(r.stats).toMatchObject({ recorded: 3, created: 1, patched: 2 });
  });

  it('folds repeats that arrive while the Event waits into one write carrying the count', async () => {
    const r = make();
    for (let i = 0; i < 50; i++) r.record(failed());
    expect(r.depth).toBe(1);
    r.start();
    await r.flush();
    expect(client.calls).toHaveLength(1);
    expect(body(client.calls[0]!)).toMatchObject({ series: { count: 50, lastObservedTime: microTime(T0) } });
  });

  it.each<[string, Partial<EventRecord>]>([
    ['another note', { note: 'parameter SIZE is required but was not found in template instance' }],
    ['another reason', { reason: 'TemplateNotFound' }],
    ['another type', { type: 'Normal' }],
    ['another object', { regarding: { ...ti, name: 'postgres', uid: 'u-2' } }],
  ])('starts a separate Event for %s', async (_name, change) => {
    const r = make();
    r.start();
    r.record(failed());
    r.record({ ...failed(), ...change });
    await r.flush();
    expect(client.calls.map((c) => c.method)).toEqual(['POST', 'POST']);
    expect(body(client.calls[0]!).metadata.name).not.toBe(body(client.calls[1]!).metadata.name);
  });

  it('starts a new Event once the series window has passed since the last occurrence', async () => {
    const r = make();
    r.start();
    r.record(failed());
    await r.flush();
    clock += 9 * 60_000;
    r.record(failed());
    await r.flush();
    clock += 10 * 60_000 + 1;
    r.record(failed());
    await r.flush();
    expect(client.calls.map((c) => c.method)).toEqual(['POST', 'PATCH', 'POST']);
    expect(body(client.calls[2]!).metadata.name).toBe(`redis.${(BigInt(clock) * 1_000_000n).toString(16)}`);
    expect(body(client.calls[2]!).series).toBeUndefined();
  });

  it('starts a new Event when the one it patches has expired (404)', async () => {
    const r = make();
    r.start();
    r.record(failed());
    await r.flush();
    client.answer = async (call) => {
      if (call.method === 'PATCH') throw new KubeApiError(404, { kind: 'Status', reason: 'NotFound' }, 'PATCH: 404');
      return {};
    };
    clock += 1_000;
    r.record(failed());
    await r.flush();
    expect(client.calls.map((c) => c.method)).toEqual(['POST', 'PATCH', 'POST']);
    expect(body(client.calls[2]!).metadata.name).not.toBe(body(client.calls[0]!).metadata.name);
    expect(body(client.calls[2]!).series).toBeUndefined();
    expect(r.stats.failed).toBe(0);
  });

  it('puts Events about cluster-scoped objects into default, and a Namespace\'s into itself', async () => {
    const r = make();
    r.start();
    const account = { apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'Account', name: 'acme', uid: 'u-a' };
    const namespace = { apiVersion: 'v1', kind: 'Namespace', name: 'team-a', uid: 'u-n' };
    r.record({ regarding: account, type: 'Warning', reason: 'RBACSyncFailed', action: 'SyncingRBAC', note: 'forbidden' });
    r.record({ regarding: namespace, type: 'Warning', reason: 'RoleBindingFailed', action: 'Binding', note: 'forbidden' });
    await r.flush();
    expect(client.calls.map((c) => c.path)).toEqual([
      '/apis/events.k8s.io/v1/namespaces/default/events', '/apis/events.k8s.io/v1/namespaces/team-a/events',
    ]);
    expect(body(client.calls[0]!).regarding).toEqual(account);
    expect(body(client.calls[1]!).regarding).toEqual({ ...namespace, namespace: 'team-a' });
  });

  it('never throws into the caller: failed writes and bad input are logged and counted', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const r = make({}, createLogger((l) => lines.push(JSON.parse(l) as Record<string, unknown>)));
    client.answer = async () => {
      throw new KubeApiError(403, { kind: 'Status', message: 'events.events.k8s.io is forbidden' }, 'POST: 403 forbidden');
    };
    r.start();
    expect(() => r.record(failed())).not.toThrow();
    expect(() => r.record(undefined as unknown as EventRecord)).not.toThrow();
    await r.flush();
    expect(r.stats).toMatchObject({ recorded: 2, created: 0, failed: 2 });
    expect(lines.map((l) => l.msg).sort()).toEqual(['recording an event failed', 'writing an event failed']);
    expect(lines.find((l) => l.msg === 'writing an event failed')).toMatchObject({ namespace: 'team-a', reason: 'DeployFailed', err: 'POST: 403 forbidden' });

    // The next occurrence tries again, creating the Event with the count so far.
    client.answer = async () => ({});
    r.record(failed());
    await r.flush();
    expect(client.calls.at(-1)).toMatchObject({ method: 'POST', params: { body: { series: { count: 2 } } } });
  });

  it('does not log at the default verbosity an Event refused because its namespace is being deleted', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const r = make({}, createLogger((l) => lines.push(JSON.parse(l) as Record<string, unknown>)));
    client.answer = async () => {
      throw new KubeApiError(403, {
        kind: 'Status', reason: 'Forbidden', message: 'unable to create new content in namespace team-a because it is being terminated',
        details: { causes: [{ reason: 'NamespaceTerminating', message: 'namespace team-a is being terminated', field: 'metadata.namespace' }] },
      }, 'POST: 403');
    };
    r.start();
    r.record(failed());
    await r.flush();
    expect(r.stats.failed).toBe(1);
    expect(lines).toEqual([]);
  });

  it('never waits for kube-apiserver: record() returns while a write hangs', () => {
    client.answer = () => new Promise(() => undefined);
    const r = make();
    r.start();
    // record() is synchronous: that these 100 calls return at all, with the first write still hanging, is the
    // property (a wall-clock bound would only measure how busy the machine is).
    for (let i = 0; i < 100; i++) r.record(failed(`attempt ${i}`));
    expect(client.calls).toHaveLength(1);
    expect(r.depth).toBe(99);
  });

  it('bounds the queue: beyond maxQueued new Events are dropped, counted and logged once', () => {
    const lines: Array<Record<string, unknown>> = [];
    client.answer = () => new Promise(() => undefined);
    const r = make({ maxQueued: 2 }, createLogger((l) => lines.push(JSON.parse(l) as Record<string, unknown>)));
    r.start();
    for (let i = 0; i < 6; i++) r.record(failed(`distinct ${i}`));
    // One in flight, two waiting, three dropped; a repeat of a waiting one costs no slot.
    r.record(failed('distinct 1'));
    expect(client.calls).toHaveLength(1);
    expect(r.depth).toBe(2);
    expect(r.stats).toMatchObject({ recorded: 7, dropped: 3 });
    expect(lines.map((l) => l.msg)).toEqual(['event queue full; dropping events until it drains']);
  });

  it('rate-limits writes to kube-apiserver (burst, then qps)', async () => {
    const r = make({ now: Date.now, burst: 2, qps: 20 });
    r.start();
    const started = Date.now();
    for (let i = 0; i < 5; i++) r.record(failed(`distinct ${i}`));
    await new Promise((resolve) => setImmediate(resolve));
    expect(client.calls).toHaveLength(2);
    expect(r.depth).toBe(3);
    await r.flush();
    expect(client.calls).toHaveLength(5);
    // Three more tokens at 20 per second: at least ~150ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(120);
  });

  it('writes nothing before start() or after stop(), and keeps what is queued', async () => {
    const r = make();
    r.record(failed());
    await new Promise((resolve) => setImmediate(resolve));
    expect(client.calls).toHaveLength(0);
    r.start();
    await r.flush();
    r.stop();
    r.record(failed('later'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(client.calls).toHaveLength(1);
    expect(r.depth).toBe(1);
    r.start();
    await r.flush();
    expect(client.calls).toHaveLength(2);
  });

  it('cuts the reportingInstance to 128 characters', async () => {
    const r = make({ reportingInstance: 'x'.repeat(300) });
    r.start();
    r.record(failed());
    await r.flush();
    expect(body(client.calls[0]!).reportingInstance).toBe('x'.repeat(128));
  });
});

describe('event naming and fields', () => {
  it.each<[string, string, bigint, string]>([
    ['short name', 'redis', 0x1234abcdn, 'redis.1234abcd'],
    ['253-character name is cut to fit, ending alphanumeric', `${'a'.repeat(249)}-bbb`, 0x10n, `${'a'.repeat(249)}.10`],
  ])('%s', (_name, object, nanos, expected) => {
    const name = eventName(object, nanos);
    expect(name).toBe(expected);
    expect(name.length).toBeLessThanOrEqual(253);
  });

  it('names two Events of one object in the same millisecond differently', async () => {
    const client = new FakeClient();
    const r = new EventRecorder(client, { reportingInstance: 'i', now: () => T0 }, silentLogger);
    r.start();
    r.record(failed('one'));
    r.record(failed('two'));
    await r.flush();
    const [a, b] = client.calls.map((c) => body(c).metadata.name);
    expect(a).not.toBe(b);
    expect(BigInt(`0x${String(b!.split('.')[1])}`) - BigInt(`0x${String(a!.split('.')[1])}`)).toBe(1n);
  });

  it.each<[string, Parameters<typeof eventPlacement>[0], string]>([
    ['namespaced object', ti, 'team-a'],
    ['cluster-scoped object', { apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'Account', name: 'acme' }, 'default'],
    ['Namespace', { apiVersion: 'v1', kind: 'Namespace', name: 'team-b' }, 'team-b'],
  ])('places Events about a %s', (_name, regarding, namespace) => {
    expect(eventPlacement(regarding).namespace).toBe(namespace);
  });

  it('cuts notes to 1024 bytes on a character boundary', () => {
    expect(truncateNote('short')).toBe('short');
    const cut = truncateNote('é'.repeat(600));
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(1024);
    expect(cut).toMatch(/^é+\.\.\.$/);
  });

  it('writes MicroTime with six fractional digits', () => {
    expect(microTime(T0)).toBe('2025-01-02T03:04:05.678000Z');
  });
});

describe('TokenBucket', () => {
  it('allows a burst, then refills at qps', () => {
    let now = 0;
    const bucket = new TokenBucket(2, 3, () => now);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    expect(bucket.delayMs()).toBe(500);
    now += 250;
    expect(bucket.take()).toBe(false);
    expect(bucket.delayMs()).toBe(250);
    now += 250;
    expect(bucket.take()).toBe(true);
    now += 10_000;
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
  });
});
