// registry/collection-view.ts over a fake VisibilitySource: get, list and watch per user, continue tokens and
// resourceVersions as kube-apiserver answers them, and the read-through and "storage is (re)initializing" paths
// while the informers behind the index recover. The real index behind it is in visibility-property.test.ts and
// read-consistency.test.ts.
import { CollectionView } from '../../registry/collection-view.js';
import { encodeContinue } from '../../registry/continue-token.js';
import type { ListOptions, RequestContext, WatchEvent } from '../../registry/rest.js';
import { StatusError } from '../../storage/apimachinery/errors.js';
import type { Status } from '../../storage/apimachinery/errors.js';
import { OBJECT_META_FIELDS, parseFieldSelector } from '../../storage/apimachinery/field-selector.js';
import { parseLabelSelector } from '../../storage/apimachinery/label-selector.js';
import type { KubeObject } from '../../storage/informers/informer.js';
import type { UserView } from '../../storage/visibility/access-index.js';
import type { PastView, VisibilitySource } from '../../registry/collection-view.js';
import { GrantCounter } from '../../storage/visibility/grants.js';
import type { CollectionName } from '../../storage/visibility/history.js';
import type { WatchOptions, WatchStart } from '../../storage/visibility/user-watch.js';
import type { ReadConsistency } from '../../storage/visibility/read-consistency.js';
import { ScriptedConsistency } from '../support/scripted-consistency.js';

const object = (name: string, rv: number, labels?: Record<string, string>): KubeObject => ({
  metadata: { name, resourceVersion: String(rv), ...(labels ? { labels } : {}) },
});

/** A visibility source whose objects, grants and resourceVersions the test sets; it records what it is asked. */
class FakeVisibility implements VisibilitySource {
  resourceVersion = 10;
  oldestResumable = 5;
  objects = new Map<string, KubeObject>();
  /** The names each user may see. */
  grants = new Map<string, string[]>();
  /** The newest resourceVersion the index will reach while a read waits for one. */
  reaches = 10;
  waited: Array<{ rv: number; timeoutMs: number; signal: AbortSignal | undefined }> = [];
  watches: WatchOptions[] = [];
  watchStart: WatchStart | undefined;
  closed = 0;
  collections: CollectionName[] = [];
  consistency: ReadConsistency | undefined;

  view(collection: CollectionName, user: RequestContext['user']): UserView {
    this.collections.push(collection);
    return { keys: new Set(this.grants.get(user.username) ?? []), counter: new GrantCounter() };
  }

  visibleNames(_collection: CollectionName, view: UserView): string[] {
    return [...view.keys].filter((n) => this.objects.has(n)).sort();
  }

  isVisible(_collection: CollectionName, view: UserView, name: string): boolean {
    return view.keys.has(name);
  }

  object(_collection: CollectionName, name: string): KubeObject | undefined {
    return this.objects.get(name);
  }

  /** The objects as they were at earlier resourceVersions (see snapshot()); grants stay as they are now. */
  pasts = new Map<number, Map<string, KubeObject>>();
  viewAts: number[] = [];

  /** Keeps the objects as they are now, as the state at the current resourceVersion. */
  snapshot(): void {
    this.pasts.set(this.resourceVersion, new Map(this.objects));
  }

  viewAt(_collection: CollectionName, view: UserView, rv: number): PastView | undefined {
    this.viewAts.push(rv);
    if (rv < this.oldestResumable) return undefined;
    const objects = rv >= this.resourceVersion ? this.objects : this.pasts.get(rv);
    if (!objects) throw new Error(`the test kept no state at ${String(rv)}`);
    return { visibleNames: () => [...view.keys].filter((n) => objects.has(n)).sort(), object: (name) => objects.get(name) };
  }

  openWatch(options: WatchOptions): WatchStart {
    this.watches.push(options);
    return this.watchStart ?? { ok: true, close: () => { this.closed++; } };
  }

  waitForResourceVersion(rv: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    this.waited.push({ rv, timeoutMs, signal });
    if (rv <= this.reaches) this.resourceVersion = Math.max(this.resourceVersion, rv);
    return Promise.resolve(rv <= this.reaches);
  }
}

interface Thing { name: string; rv: string }
const SPACES = { group: 'tenancy.kiosk.sh', resource: 'spaces' };
/** The conversion a resource gives the view: here it keeps the name and the object's own resourceVersion. */
const convert = (obj: KubeObject): Thing => ({ name: obj.metadata.name, rv: obj.metadata.resourceVersion ?? '' });

function setup() {
  const source = new FakeVisibility();
  for (const [i, name] of ['a', 'b', 'c', 'd', 'e'].entries()) source.objects.set(name, object(name, i + 1, { tier: i % 2 === 0 ? 'even' : 'odd' }));
  source.objects.set('hidden', object('hidden', 6));
  source.grants.set('dev', ['a', 'b', 'c', 'd', 'e', 'gone']);
  const view = new CollectionView<Thing>(source, 'namespaces', SPACES, convert, { apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'SpaceList' });
  return { source, view };
}

const dev: RequestContext = { user: { username: 'dev', groups: ['system:authenticated'], extra: {} } };

function options(o: Partial<Omit<ListOptions, 'labelSelector' | 'fieldSelector'>> & { labelSelector?: string; fieldSelector?: string } = {}): ListOptions {
  return {
    limit: 0, continueToken: '', resourceVersion: '', resourceVersionMatch: '', watch: false, allowWatchBookmarks: false,
    sendInitialEvents: undefined, timeoutSeconds: undefined, ...o,
    labelSelector: parseLabelSelector(o.labelSelector ?? ''),
    fieldSelector: parseFieldSelector(o.fieldSelector ?? '', OBJECT_META_FIELDS),
  };
}

/** The Status a promise rejects with (fails the test if it resolves or rejects with something else). */
async function statusOf(p: Promise<unknown>): Promise<Status> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(StatusError);
  return (err as StatusError).toStatus();
}

describe('CollectionView get', () => {
  it('returns what the user may see, converted', async () => {
    const { view, source } = setup();
    expect(await view.get(dev, 'c')).toEqual({ name: 'c', rv: '3' });
    expect(source.collections).toEqual(['namespaces']);
  });

  it('says 404, never 403, for what the user may not see, exactly as for what does not exist', async () => {
    const { view } = setup();
    const hidden = await statusOf(view.get(dev, 'hidden'));
    expect(hidden).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 404, reason: 'NotFound',
      message: 'spaces.tenancy.kiosk.sh "hidden" not found', details: { name: 'hidden', group: 'tenancy.kiosk.sh', kind: 'spaces' },
    });
    // Granted but absent, and neither granted nor present: the same answer with the name swapped.
    expect((await statusOf(view.get(dev, 'gone'))).message).toBe('spaces.tenancy.kiosk.sh "gone" not found');
    expect((await statusOf(view.get(dev, 'nothing'))).code).toBe(404);
    expect((await statusOf(view.get({ user: { username: 'stranger', groups: [], extra: {} } }, 'a'))).code).toBe(404);
  });
});

describe('CollectionView get while the informers recover', () => {
  function recovering() {
    const s = setup();
    const consistency = new ScriptedConsistency();
    s.source.consistency = consistency;
    return { ...s, consistency };
  }

  it('reads from the index without asking kube-apiserver while the index is current', async () => {
    const { view, consistency } = recovering();
    expect(await view.get(dev, 'a')).toEqual({ name: 'a', rv: '1' });
    expect(consistency.liveReads).toEqual([]);
  });

  it('reads through to kube-apiserver while it is not: the newest version, and what the index has not seen', async () => {
    const { view, consistency } = recovering();
    consistency.isCurrent = false;
    consistency.live = () => Promise.resolve(object('a', 42));
    expect(await view.get(dev, 'a')).toEqual({ name: 'a', rv: '42' });
    consistency.live = () => Promise.resolve(object('gone', 43));
    expect(await view.get(dev, 'gone')).toEqual({ name: 'gone', rv: '43' });
    expect(consistency.liveReads).toEqual(['a', 'gone']);
  });

  it('keeps visibility on what it read live, and says 404 for what kube-apiserver no longer has', async () => {
    const { view, consistency } = recovering();
    consistency.isCurrent = false;
    consistency.live = () => Promise.resolve(object('hidden', 50));
    expect((await statusOf(view.get(dev, 'hidden'))).code).toBe(404);
    consistency.live = () => Promise.resolve(undefined);
    expect((await statusOf(view.get(dev, 'a'))).code).toBe(404);
  });

  it('passes on a Status kube-apiserver answered with', async () => {
    const { view, consistency } = recovering();
    consistency.isCurrent = false;
    consistency.live = () => Promise.reject(new StatusError(403, 'Forbidden', 'namespaces "a" is forbidden'));
    expect(await statusOf(view.get(dev, 'a'))).toMatchObject({ code: 403, message: 'namespaces "a" is forbidden' });
  });

  it('falls back to the index when kube-apiserver cannot be read but the watches are open', async () => {
    const { view, consistency } = recovering();
    consistency.isCurrent = false;
    consistency.live = () => Promise.reject(new Error('connect ECONNREFUSED'));
    expect(await view.get(dev, 'b')).toEqual({ name: 'b', rv: '2' });
  });

  it('asks the client to retry (429, storage is (re)initializing, after 1 s) when neither can answer', async () => {
    const { view, consistency } = recovering();
    consistency.isCurrent = false;
    consistency.isConnected = false;
    consistency.live = () => Promise.reject(new Error('connect ECONNREFUSED'));
    const err = await view.get(dev, 'b').then(() => undefined, (e: unknown) => e);
    expect((err as StatusError).retryAfterSeconds).toBe(1);
    expect((err as StatusError).toStatus()).toMatchObject({ code: 429, reason: 'TooManyRequests', message: 'storage is (re)initializing', details: { retryAfterSeconds: 1 } });
  });
});

describe('CollectionView list', () => {
  it('lists what the user sees, in name order, at the index\'s resourceVersion, with the list kind', async () => {
    const { view, source } = setup();
    source.grants.set('dev', ['e', 'a', 'c', 'gone']);
    expect(await view.list(dev, options())).toEqual({
      apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'SpaceList', metadata: { resourceVersion: '10' },
      items: [{ name: 'a', rv: '1' }, { name: 'c', rv: '3' }, { name: 'e', rv: '5' }],
    });
    // No resourceVersion asked: nothing to wait for.
    expect(source.waited).toEqual([]);
  });

  it('is empty, not an error, for a user who sees nothing', async () => {
    const { view } = setup();
    expect((await view.list({ user: { username: 'stranger', groups: [], extra: {} } }, options())).items).toEqual([]);
  });

  it('pages with limit: a continue token and the count of the rest, then the next pages as of the first page\'s resourceVersion', async () => {
    const { view, source } = setup();
    source.snapshot();
    const first = await view.list(dev, options({ limit: 2 }));
    expect(first.items.map((t) => t.name)).toEqual(['a', 'b']);
    expect(first.metadata).toEqual({ resourceVersion: '10', continue: encodeContinue({ rv: 10, start: 'b' }), remainingItemCount: 3 });
    // The index moves on between pages; the pages show the state of the version they are cut from (kube's
    // snapshot semantics): not the new 'bb', and 'c' as it was.
    source.resourceVersion = 12;
    source.objects.set('bb', object('bb', 11));
    source.objects.set('c', object('c', 12));
    source.grants.set('dev', ['a', 'b', 'bb', 'c', 'd', 'e']);
    const second = await view.list(dev, options({ limit: 2, continueToken: first.metadata.continue ?? '' }));
    expect(second.items).toEqual([{ name: 'c', rv: '3' }, { name: 'd', rv: '4' }]);
    expect(second.metadata).toEqual({ resourceVersion: '10', continue: encodeContinue({ rv: 10, start: 'd' }), remainingItemCount: 1 });
    const last = await view.list(dev, options({ limit: 2, continueToken: second.metadata.continue ?? '' }));
    expect(last.items.map((t) => t.name)).toEqual(['e']);
    expect(last.metadata).toEqual({ resourceVersion: '10' });
    expect(source.viewAts).toEqual([10, 10, 10]);
  });

  it('resumes after the token\'s name even when that object is gone', async () => {
    const { view, source } = setup();
    source.objects.delete('b');
    const page = await view.list(dev, options({ continueToken: encodeContinue({ rv: 10, start: 'b' }) }));
    expect(page.items.map((t) => t.name)).toEqual(['c', 'd', 'e']);
  });

  it('applies selectors before cutting a page; under a selector no remainingItemCount, and a token only if more match', async () => {
    const { view } = setup();
    const even = await view.list(dev, options({ limit: 2, labelSelector: 'tier=even' }));
    expect(even.items.map((t) => t.name)).toEqual(['a', 'c']);
    expect(even.metadata).toEqual({ resourceVersion: '10', continue: encodeContinue({ rv: 10, start: 'c' }) });
    const odd = await view.list(dev, options({ limit: 2, labelSelector: 'tier=odd' }));
    expect(odd.items.map((t) => t.name)).toEqual(['b', 'd']);
    // 'e' is left, but it is even: no token for a page that would be empty.
    expect(odd.metadata).toEqual({ resourceVersion: '10' });
    const byName = await view.list(dev, options({ limit: 1, fieldSelector: 'metadata.name!=a' }));
    expect(byName.items.map((t) => t.name)).toEqual(['b']);
    expect(byName.metadata.continue).toBe(encodeContinue({ rv: 10, start: 'b' }));
    expect(byName.metadata.remainingItemCount).toBeUndefined();
  });

  it('answers 410 Expired for a token from before the retained history, and 400 for one that is no token', async () => {
    const { view } = setup();
    expect(await statusOf(view.list(dev, options({ continueToken: encodeContinue({ rv: 4, start: 'a' }) })))).toMatchObject({
      code: 410, reason: 'Expired',
      message: 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
    });
    expect(await statusOf(view.list(dev, options({ continueToken: 'not-a-token' })))).toMatchObject({ code: 400, reason: 'BadRequest' });
  });

  it('answers resourceVersionMatch=Exact as of that version inside the history, 410 Expired before it', async () => {
    const { view, source } = setup();
    expect((await view.list(dev, options({ resourceVersion: '10', resourceVersionMatch: 'Exact' }))).items).toHaveLength(5);
    source.snapshot();
    source.resourceVersion = 11;
    source.objects.set('a', object('a', 11));
    source.objects.delete('b');
    const exact = await view.list(dev, options({ resourceVersion: '10', resourceVersionMatch: 'Exact' }));
    expect(exact.metadata).toEqual({ resourceVersion: '10' });
    expect(exact.items.slice(0, 2)).toEqual([{ name: 'a', rv: '1' }, { name: 'b', rv: '2' }]);
    expect(await statusOf(view.list(dev, options({ resourceVersion: '4', resourceVersionMatch: 'Exact' })))).toMatchObject({
      code: 410, reason: 'Expired', message: 'The resourceVersion for the provided list is too old.',
    });
  });

  it('waits for a newer resourceVersion (not older than), then lists at the version reached', async () => {
    const { view, source } = setup();
    source.reaches = 15;
    const signal = new AbortController().signal;
    const list = await view.list({ ...dev, signal }, options({ resourceVersion: '14' }));
    expect(list.metadata.resourceVersion).toBe('14');
    expect(source.waited).toEqual([{ rv: 14, timeoutMs: 3_000, signal }]);
  });

  it('answers 504 Too large resource version when the index does not get there in time', async () => {
    const { view, source } = setup();
    const err = await view.list(dev, options({ resourceVersion: '50' })).then(() => undefined, (e: unknown) => e);
    expect((err as StatusError).toStatus()).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 504, reason: 'Timeout',
      message: 'Too large resource version: 50, current: 10',
      details: { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 },
    });
    expect((err as StatusError).retryAfterSeconds).toBe(1);
    expect(source.waited.map((w) => w.rv)).toEqual([50]);
  });

  it('does not wait for resourceVersion "0" (any version will do)', async () => {
    const { view, source } = setup();
    await view.list(dev, options({ resourceVersion: '0' }));
    expect(source.waited).toEqual([]);
  });

  it('waits up to 5 s for the informers to watch again, then asks the client to retry', async () => {
    const { view, source } = setup();
    const consistency = new ScriptedConsistency();
    source.consistency = consistency;
    expect((await view.list(dev, options())).items).toHaveLength(5);
    consistency.isConnected = false;
    expect(await statusOf(view.list(dev, options()))).toMatchObject({ code: 429, message: 'storage is (re)initializing', details: { retryAfterSeconds: 1 } });
    expect(consistency.waits).toEqual([5_000, 5_000]);
  });
});

describe('CollectionView watch', () => {
  it('starts from now for resourceVersion "" or "0", as the user, with the request\'s selectors', async () => {
    const { view, source } = setup();
    for (const resourceVersion of ['', '0']) await view.watch(dev, options({ resourceVersion, labelSelector: 'tier=odd' }), () => undefined);
    expect(source.watches.map((w) => ({ collection: w.collection, user: w.user.username, resumeFrom: w.resumeFrom }))).toEqual([
      { collection: 'namespaces', user: 'dev', resumeFrom: undefined },
      { collection: 'namespaces', user: 'dev', resumeFrom: undefined },
    ]);
    const [{ matches }] = source.watches as [WatchOptions];
    expect([matches(object('x', 1, { tier: 'odd' })), matches(object('x', 1, { tier: 'even' })), matches(object('x', 1))]).toEqual([true, false, false]);
    expect(source.waited).toEqual([]);
  });

  it('resumes after an explicit resourceVersion, once the index has reached it', async () => {
    const { view, source } = setup();
    await view.watch(dev, options({ resourceVersion: '7' }), () => undefined);
    expect(source.waited.map((w) => w.rv)).toEqual([7]);
    expect(source.watches.map((w) => w.resumeFrom)).toEqual([7]);
  });

  it('sends the current state instead of resuming when asked for initial events', async () => {
    const { view, source } = setup();
    await view.watch(dev, options({ resourceVersion: '7', sendInitialEvents: true }), () => undefined);
    expect(source.watches.map((w) => w.resumeFrom)).toEqual([undefined]);
  });

  it('hands on each event converted, with the object\'s own resourceVersion, and a resume marker as a BOOKMARK', async () => {
    const { view, source } = setup();
    const events: Array<WatchEvent<Thing>> = [];
    await view.watch(dev, options(), (e) => events.push(e));
    const [{ sink, resume }] = source.watches as [WatchOptions];
    sink({ type: 'ADDED', object: object('a', 1), rv: 11 });
    sink({ type: 'DELETED', object: object('b', 2), rv: 11 });
    resume?.(11);
    expect(events).toEqual([
      { type: 'ADDED', object: { name: 'a', rv: '1' } }, { type: 'DELETED', object: { name: 'b', rv: '2' } },
      { type: 'BOOKMARK', resourceVersion: '11' },
    ]);
  });

  it('closes the index\'s watch through the handle', async () => {
    const { view, source } = setup();
    const handle = await view.watch(dev, options(), () => undefined);
    expect(source.closed).toBe(0);
    handle.close();
    expect(source.closed).toBe(1);
  });

  it('answers 410 Expired for a resourceVersion the history no longer holds, naming the oldest it does', async () => {
    const { view, source } = setup();
    source.watchStart = { ok: false, reason: 'expired' };
    expect(await statusOf(view.watch(dev, options({ resourceVersion: '3' }), () => undefined))).toMatchObject({
      code: 410, reason: 'Expired', message: 'too old resource version: 3 (5)',
    });
  });

  it('answers 504 for a resourceVersion the index does not reach in time, and opens no watch', async () => {
    const { view, source } = setup();
    expect(await statusOf(view.watch(dev, options({ resourceVersion: '99' }), () => undefined))).toMatchObject({ code: 504, message: 'Too large resource version: 99, current: 10' });
    expect(source.watches).toEqual([]);
  });

  it('reports the index\'s resourceVersion for bookmarks', () => {
    const { view, source } = setup();
    source.resourceVersion = 77;
    expect(view.currentResourceVersion()).toBe('77');
  });
});
