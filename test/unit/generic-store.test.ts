// The generic store against an in-memory strategy: the order of a write (404, 403, preconditions, optimistic
// concurrency, validation, the write, the resource's steps, read-your-writes), dry run, and how kube-apiserver's
// errors reach the client.
import { StatusError } from '../../storage/apimachinery/errors.js';
import type { ObjectMeta } from '../../storage/apimachinery/object-meta.js';
import { KubeApiError } from '../../storage/kube-api-error.js';
import { GenericStore } from '../../registry/generic/store.js';
import type { PreparedWrite, StoredDeleteOptions, WriteStrategy } from '../../registry/generic/strategy.js';
import { OPTIMISTIC_LOCK_ERROR_MSG } from '../../registry/generic/preconditions.js';
import type { RequestContext } from '../../registry/rest.js';
import type { WriteContext } from '../../registry/write-verbs.js';
import { rejectionStatusOf } from '../support/status-of.js';

interface Widget {
  metadata: ObjectMeta;
  spec: { size?: number };
}

const WIDGETS = { group: 'test.kiosk.sh', resource: 'widgets' };

/** Widgets kept in a map, with a log of what was done to them, failures to script and a hand-driven index. */
class MemoryStrategy implements WriteStrategy<Widget, Widget> {
  readonly resource = WIDGETS;
  readonly kind = 'Widget';
  upstreamValidatesOurSchema = false;
  readonly stored = new Map<string, Widget>();
  readonly log: string[] = [];
  /** The versions the index shows, by name. */
  readonly indexed = new Map<string, string>();
  failWith?: Error;
  hidden = new Set<string>();
  denied = new Set<string>();
  keepOnDelete = false;
  private rv = 10;

  put(name: string, size: number): Widget {
    const w = { metadata: { name, uid: `uid-${name}`, resourceVersion: String(++this.rv) }, spec: { size } };
    this.stored.set(name, w);
    this.indexed.set(name, w.metadata.resourceVersion);
    return w;
  }

  toView(w: Widget): Widget {
    return structuredClone(w);
  }

  validate(w: Widget) {
    return (w.spec.size ?? 0) < 0 ? [{ field: 'spec.size', type: 'FieldValueInvalid', detail: `Invalid value: ${String(w.spec.size)}: must be greater than or equal to 0` }] : [];
  }

  authorize(_ctx: RequestContext, verb: 'update' | 'delete', name: string): Promise<void> {
    this.log.push(`authorize ${verb} ${name}`);
    if (this.denied.has(name)) return Promise.reject(new StatusError(403, 'Forbidden', `no ${verb} for you`));
    return Promise.resolve();
  }

  get(_ctx: RequestContext, name: string): Promise<Widget | undefined> {
    this.log.push(`get ${name}`);
    return Promise.resolve(this.hidden.has(name) ? undefined : structuredClone(this.stored.get(name)));
  }

  private failure(): void {
    const err = this.failWith;
    this.failWith = undefined;
    if (err) throw err;
  }

  create(w: Widget, dryRun: boolean): Promise<Widget> {
    this.log.push(`create ${String(w.metadata.name)}${dryRun ? ' (dry run)' : ''}`);
    this.failure();
    const made = { ...structuredClone(w), metadata: { ...w.metadata, uid: `uid-${String(w.metadata.name)}`, resourceVersion: String(++this.rv) } };
    if (!dryRun) this.stored.set(String(w.metadata.name), made);
    return Promise.resolve(made);
  }

  update(w: Widget, dryRun: boolean): Promise<Widget> {
    this.log.push(`update ${String(w.metadata.name)}${dryRun ? ' (dry run)' : ''}`);
    this.failure();
    const made = { ...structuredClone(w), metadata: { ...w.metadata, resourceVersion: String(++this.rv) } };
    if (!dryRun) this.stored.set(String(w.metadata.name), made);
    return Promise.resolve(made);
  }

  delete(name: string, options: StoredDeleteOptions): Promise<Widget | undefined> {
    this.log.push(`delete ${name} ${JSON.stringify(options)}`);
    this.failure();
    const current = this.stored.get(name);
    if (options.dryRun || !current) return Promise.resolve(this.keepOnDelete ? current : undefined);
    if (this.keepOnDelete) {
      const kept = { ...current, metadata: { ...current.metadata, deletionTimestamp: '2026-01-01T00:00:00Z', resourceVersion: String(++this.rv) } };
      this.stored.set(name, kept);
      return Promise.resolve(kept);
    }
    this.stored.delete(name);
    return Promise.resolve(undefined);
  }

  showsCreated(_ctx: RequestContext, name: string, w: Widget): boolean {
    return this.indexed.get(name) === w.metadata.resourceVersion;
  }

  showsUpdated(_ctx: RequestContext, name: string, w: Widget): boolean {
    return this.indexed.get(name) === w.metadata.resourceVersion;
  }

  showsDeleted(_ctx: RequestContext, name: string): boolean {
    return !this.indexed.has(name);
  }

  prepareForCreate(_ctx: WriteContext, w: Widget): Promise<PreparedWrite<Widget>> {
    return Promise.resolve(this.prepared(structuredClone(w)));
  }

  prepareForUpdate(_ctx: WriteContext, current: Widget, w: Widget): Promise<PreparedWrite<Widget>> {
    return Promise.resolve(this.prepared({ metadata: current.metadata, spec: structuredClone(w.spec) }));
  }

  private prepared(object: Widget): PreparedWrite<Widget> {
    return {
      object,
      release: () => { this.log.push('release'); return Promise.resolve(); },
      afterWrite: (written) => { this.log.push(`after ${String(written.metadata.resourceVersion)}`); return Promise.resolve(undefined); },
      finish: () => { this.log.push('finish'); },
    };
  }

  unchanged(current: Widget, next: Widget): boolean {
    return JSON.stringify(current.spec) === JSON.stringify(next.spec);
  }
}

/** The access index's wait, answered at once: what was asked is recorded, the condition is evaluated now. */
class ImmediateIndex {
  readonly waits: boolean[] = [];

  waitFor(condition: () => boolean): Promise<boolean> {
    const held = condition();
    this.waits.push(held);
    return Promise.resolve(held);
  }
}

const ctx = (dryRun = false): WriteContext => ({ user: { username: 'dev', groups: [], extra: {} }, dryRun, fieldManager: 'test', warnings: [] });

const statusOf = rejectionStatusOf;

describe('GenericStore', () => {
  let strategy: MemoryStrategy;
  let index: ImmediateIndex;
  let store: GenericStore<Widget, Widget>;

  beforeEach(() => {
    strategy = new MemoryStrategy();
    index = new ImmediateIndex();
    store = new GenericStore(strategy, index);
  });

  describe('update', () => {
    it('is 404 for an object that is absent or hidden, before any authorisation', async () => {
      strategy.put('hidden', 1);
      strategy.hidden.add('hidden');
      for (const name of ['absent', 'hidden']) {
        const err = await statusOf(store.update(ctx(), name, { metadata: { name }, spec: {} }));
        expect(err.toStatus()).toMatchObject({ code: 404, reason: 'NotFound', message: `widgets.test.kiosk.sh "${name}" not found` });
      }
      expect(strategy.log.filter((l) => l.startsWith('authorize'))).toEqual([]);
    });

    it('asks the strategy whether the user may, after the 404 check', async () => {
      strategy.put('w', 1);
      strategy.denied.add('w');
      const err = await statusOf(store.update(ctx(), 'w', { metadata: { name: 'w' }, spec: { size: 2 } }));
      expect(err.code).toBe(403);
      expect(strategy.log).toEqual(['get w', 'authorize update w']);
    });

    it('refuses a stale resourceVersion with the one optimistic-lock conflict', async () => {
      strategy.put('w', 1);
      const err = await statusOf(store.update(ctx(), 'w', { metadata: { name: 'w', resourceVersion: '3' }, spec: { size: 2 } }));
      expect(err.toStatus()).toEqual({
        kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Conflict', code: 409,
        message: `Operation cannot be fulfilled on widgets.test.kiosk.sh "w": ${OPTIMISTIC_LOCK_ERROR_MSG}`,
        details: { name: 'w', group: 'test.kiosk.sh', kind: 'widgets' },
      });
      expect(strategy.log).not.toContain('update w');
    });

    it('takes the resourceVersion of the object it read, or none', async () => {
      for (const [rv, size] of [['current', 2], [undefined, 3]] as const) {
        const w = strategy.put('w', 1);
        strategy.indexed.clear();
        const resourceVersion = rv && w.metadata.resourceVersion;
        const updated = await store.update(ctx(), 'w', { metadata: { name: 'w', ...(resourceVersion ? { resourceVersion } : {}) }, spec: { size } });
        expect(updated.spec.size).toBe(size);
      }
    });

    // As kube-apiserver: a version the object does not have now is a conflict, newer or never issued alike.
    it('refuses a version the object never had, even a newer one, with the optimistic-lock conflict', async () => {
      strategy.put('w', 1);
      const err = await statusOf(store.update(ctx(), 'w', { metadata: { name: 'w', resourceVersion: '99999999' }, spec: { size: 2 } }));
      expect(err.toStatus()).toMatchObject({ code: 409, reason: 'Conflict', message: `Operation cannot be fulfilled on widgets.test.kiosk.sh "w": ${OPTIMISTIC_LOCK_ERROR_MSG}` });
      expect(strategy.log).not.toContain('update w');
    });

    it('refuses another uid as an immutable field (422), not as a precondition', async () => {
      strategy.put('w', 1);
      const err = await statusOf(store.update(ctx(), 'w', { metadata: { name: 'w', uid: 'other' }, spec: { size: 2 } }));
      expect(err.toStatus()).toMatchObject({
        code: 422, reason: 'Invalid',
        message: 'Widget.test.kiosk.sh "w" is invalid: metadata.uid: Invalid value: "other": field is immutable',
      });
    });

    it('validates with the strategy', async () => {
      strategy.put('w', 1);
      const err = await statusOf(store.update(ctx(), 'w', { metadata: { name: 'w' }, spec: { size: -1 } }));
      expect(err.message).toBe('Widget.test.kiosk.sh "w" is invalid: spec.size: Invalid value: -1: must be greater than or equal to 0');
    });

    it('writes nothing when nothing changes, and lets go of what preparing held', async () => {
      const w = strategy.put('w', 1);
      const answer = await store.update(ctx(), 'w', { metadata: { name: 'w' }, spec: { size: 1 } });
      expect(answer.metadata.resourceVersion).toBe(w.metadata.resourceVersion);
      expect(strategy.log).toEqual(['get w', 'authorize update w', 'release', 'finish']);
    });

    it('writes, releases, runs the strategy\'s steps, then waits until the index shows the write', async () => {
      strategy.put('w', 1);
      strategy.indexed.clear();
      const answer = await store.update(ctx(), 'w', { metadata: { name: 'w' }, spec: { size: 2 } });
      expect(strategy.log).toEqual(['get w', 'authorize update w', 'update w', 'release', `after ${String(answer.metadata.resourceVersion)}`, 'finish']);
      expect(index.waits).toEqual([false]);
      expect(strategy.stored.get('w')?.spec.size).toBe(2);
    });

    it('in a dry run sends the write as a dry run, skips the steps after it and does not wait', async () => {
      strategy.put('w', 1);
      const answer = await store.update(ctx(true), 'w', { metadata: { name: 'w' }, spec: { size: 2 } });
      expect(answer.spec.size).toBe(2);
      expect(strategy.stored.get('w')?.spec.size).toBe(1);
      expect(strategy.log).toEqual(['get w', 'authorize update w', 'update w (dry run)', 'release', 'finish']);
      expect(index.waits).toEqual([]);
    });

    it('releases what preparing held when the write fails', async () => {
      strategy.put('w', 1);
      strategy.failWith = new KubeApiError(409, { kind: 'Status', reason: 'Conflict', message: 'changed' }, 'changed');
      const err = await statusOf(store.update(ctx(), 'w', { metadata: { name: 'w' }, spec: { size: 2 } }));
      expect(err.message).toBe(`Operation cannot be fulfilled on widgets.test.kiosk.sh "w": ${OPTIMISTIC_LOCK_ERROR_MSG}`);
      expect(strategy.log).toEqual(['get w', 'authorize update w', 'update w', 'release', 'finish']);
    });
  });

  describe('delete', () => {
    it('is 404 for an absent object', async () => {
      const err = await statusOf(store.delete(ctx(), 'gone', { dryRun: false }));
      expect(err.toStatus()).toMatchObject({ code: 404, message: 'widgets.test.kiosk.sh "gone" not found' });
    });

    it.each([
      [{ uid: 'uid-x' }, 'Precondition failed: UID in precondition: uid-x, UID in object meta: uid-w'],
      [{ resourceVersion: '3' }, 'Precondition failed: ResourceVersion in precondition: 3, ResourceVersion in object meta: 11'],
      [{ resourceVersion: '99999999' }, 'Precondition failed: ResourceVersion in precondition: 99999999, ResourceVersion in object meta: 11'],
    ])('checks the precondition %j (409, as kube-apiserver words it for a Namespace)', async (preconditions, text) => {
      strategy.put('w', 1);
      const err = await statusOf(store.delete(ctx(), 'w', { dryRun: false, preconditions }));
      expect(err.toStatus()).toMatchObject({ code: 409, reason: 'Conflict', message: `Operation cannot be fulfilled on widgets.test.kiosk.sh "w": ${text}` });
      expect(strategy.stored.has('w')).toBe(true);
    });

    it('deletes the object the preconditions were checked on: its uid, and its version when one was asked for', async () => {
      strategy.put('w', 1);
      await store.delete(ctx(), 'w', { dryRun: false, propagationPolicy: 'Background', preconditions: { resourceVersion: '11' } });
      expect(strategy.log).toContain('delete w {"dryRun":false,"propagationPolicy":"Background","uid":"uid-w","resourceVersion":"11"}');
      strategy.put('v', 1);
      await store.delete(ctx(), 'v', { dryRun: false });
      expect(strategy.log).toContain('delete v {"dryRun":false,"uid":"uid-v"}');
    });

    it('answers the object a finalizer keeps, else the last one the client could read', async () => {
      strategy.put('w', 1);
      strategy.keepOnDelete = true;
      expect((await store.delete(ctx(), 'w', { dryRun: false })).metadata.deletionTimestamp).toBe('2026-01-01T00:00:00Z');
      strategy.keepOnDelete = false;
      const v = strategy.put('v', 1);
      const answer = await store.delete(ctx(), 'v', { dryRun: false });
      expect(answer).toEqual(v);
      expect(index.waits).toEqual([false, false]);
    });

    it('in a dry run deletes nothing and does not wait', async () => {
      strategy.put('w', 1);
      await store.delete(ctx(true), 'w', { dryRun: true });
      expect(strategy.stored.has('w')).toBe(true);
      expect(strategy.log).toContain('delete w {"dryRun":true,"uid":"uid-w"}');
      expect(index.waits).toEqual([]);
    });
  });

  describe('create', () => {
    it('validates first, and writes nothing when invalid', async () => {
      const err = await statusOf(store.create(ctx(), { metadata: { name: 'w' }, spec: { size: -2 } }));
      expect(err.code).toBe(422);
      expect(strategy.log).toEqual([]);
    });

    it('writes, runs the steps after it, waits for the index, and finishes', async () => {
      const answer = await store.create(ctx(), { metadata: { name: 'w' }, spec: { size: 1 } });
      expect(answer.metadata.uid).toBe('uid-w');
      expect(strategy.log).toEqual(['create w', 'release', `after ${String(answer.metadata.resourceVersion)}`, 'finish']);
      expect(index.waits).toEqual([false]);
    });

    it('in a dry run stores nothing and neither runs the steps after it nor waits', async () => {
      await store.create(ctx(true), { metadata: { name: 'w' }, spec: { size: 1 } });
      expect(strategy.stored.has('w')).toBe(false);
      expect(strategy.log).toEqual(['create w (dry run)', 'release', 'finish']);
      expect(index.waits).toEqual([]);
    });
  });

  describe('errors from kube-apiserver', () => {
    const upstream = (code: number, reason: string, message: string, causes?: Array<{ field: string; reason: string; message: string }>) =>
      new KubeApiError(code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message, ...(causes ? { details: { causes } } : {}) }, message);

    it('409 AlreadyExists is ours', async () => {
      strategy.failWith = upstream(409, 'AlreadyExists', 'widgets "w" already exists');
      const err = await statusOf(store.create(ctx(), { metadata: { name: 'w' }, spec: {} }));
      expect(err.toStatus()).toMatchObject({ code: 409, reason: 'AlreadyExists', message: 'widgets.test.kiosk.sh "w" already exists' });
    });

    it('404 is ours', async () => {
      strategy.put('w', 1);
      strategy.failWith = upstream(404, 'NotFound', 'widgets "w" not found');
      const err = await statusOf(store.delete(ctx(), 'w', { dryRun: false }));
      expect(err.toStatus()).toMatchObject({ code: 404, reason: 'NotFound', message: 'widgets.test.kiosk.sh "w" not found' });
    });

    it('403 and 422 pass through as kube-apiserver said them', async () => {
      strategy.failWith = upstream(403, 'Forbidden', 'no');
      expect((await statusOf(store.create(ctx(), { metadata: { name: 'a' }, spec: {} }))).toStatus()).toMatchObject({ code: 403, reason: 'Forbidden', message: 'no' });
      strategy.failWith = upstream(422, 'Invalid', 'Namespace "b" is invalid: metadata.annotations: Invalid value', [{ field: 'metadata.annotations', reason: 'FieldValueInvalid', message: 'Invalid value' }]);
      expect((await statusOf(store.create(ctx(), { metadata: { name: 'b' }, spec: {} }))).toStatus()).toMatchObject({
        code: 422, reason: 'Invalid', message: 'Namespace "b" is invalid: metadata.annotations: Invalid value',
      });
    });

    it('422 against our own schema is reworded with our kind and group, same causes', async () => {
      strategy.upstreamValidatesOurSchema = true;
      strategy.failWith = upstream(422, 'Invalid', 'Widget.config.kiosk.sh "b" is invalid: spec.size: Invalid value: "string": must be integer',
        [{ field: 'spec.size', reason: 'FieldValueTypeInvalid', message: 'Invalid value: "string": must be integer' }]);
      expect((await statusOf(store.create(ctx(), { metadata: { name: 'b' }, spec: {} }))).toStatus()).toMatchObject({
        code: 422, reason: 'Invalid', message: 'Widget.test.kiosk.sh "b" is invalid: spec.size: Invalid value: "string": must be integer',
        details: { name: 'b', group: 'test.kiosk.sh', kind: 'Widget', causes: [{ field: 'spec.size', reason: 'FieldValueTypeInvalid', message: 'Invalid value: "string": must be integer' }] },
      });
    });

    it('5xx and other failures stay what they are (an internal error further up)', async () => {
      const err = upstream(500, 'InternalError', 'etcd is down');
      strategy.failWith = err;
      await expect(store.create(ctx(), { metadata: { name: 'c' }, spec: {} })).rejects.toBe(err);
      const other = new Error('socket hang up');
      strategy.failWith = other;
      await expect(store.create(ctx(), { metadata: { name: 'd' }, spec: {} })).rejects.toBe(other);
    });
  });
});
