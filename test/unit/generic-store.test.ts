// The generic store against an in-memory strategy: the order of a write (404, 403, preconditions, optimistic
// concurrency, validation, the write, the resource's steps, read-your-writes), dry run, and how kube-apiserver's
// errors reach the client.
import { StatusError } from '../../storage/apimachinery/errors.js';
import type { ObjectMeta } from '../../storage/apimachinery/object-meta.js';
import { KubeApiError } from '../../storage/kube-api-error.js';
import { GenericStore } from '../../registry/generic/store.js';
import type { PreparedWrite, StoredApplyOptions, StoredDeleteOptions, StoredWriteOptions, WriteStrategy } from '../../registry/generic/strategy.js';
import { OPTIMISTIC_LOCK_ERROR_MSG } from '../../registry/generic/preconditions.js';
import type { RequestContext } from '../../registry/rest.js';
import type { WriteContext } from '../../registry/write-verbs.js';
import { rejectionStatusOf } from '../support/status-of.js';

interface Widget {
  metadata: ObjectMeta;
  spec: { size?: number; color?: string };
}

function must<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('expected a value');
  return value;
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

  read(name: string): Promise<Widget | undefined> {
    return Promise.resolve(structuredClone(this.stored.get(name)));
  }

  /** Scripted failures of applies, in order (undefined: that apply succeeds). */
  applyFailures: Array<Error | undefined> = [];

  /**
   * Not kube-apiserver's merge (the integration tests have that): the configuration's spec replaces the
   * stored one, its fields are the applier's, and the preconditions are checked as kube-apiserver checks them
   * (an object that is absent is created, unless a uid says which object it must be).
   */
  apply(name: string, config: Widget, o: StoredApplyOptions): Promise<Widget> {
    this.log.push(`apply ${name} ${JSON.stringify(config.spec)} ${JSON.stringify(o)}`);
    const fail = this.applyFailures.shift();
    if (fail) return Promise.reject(fail);
    const current = this.stored.get(name);
    if (!current && o.uid) return Promise.reject(new KubeApiError(409, { reason: 'Conflict', message: 'uid mismatch' }, 'uid'));
    if (current && ((o.resourceVersion && o.resourceVersion !== current.metadata.resourceVersion) || (o.uid && o.uid !== current.metadata.uid))) {
      return Promise.reject(new KubeApiError(409, { reason: 'Conflict', message: 'the object has been modified' }, 'conflict'));
    }
    const owned = { manager: o.fieldManager, operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': Object.fromEntries(Object.keys(config.spec).map((k) => [`f:${k}`, {}])) } };
    const base = current ?? { metadata: { name, uid: `uid-${name}` }, spec: {} };
    const made = { metadata: { ...base.metadata, resourceVersion: String(++this.rv), managedFields: [owned] }, spec: structuredClone(config.spec) };
    if (!o.dryRun) this.stored.set(name, made);
    return Promise.resolve(structuredClone(made));
  }

  setManagedFields(name: string, managedFields: Array<Record<string, unknown>>, resourceVersion: string): Promise<Widget> {
    this.log.push(`set managedFields ${name} at ${resourceVersion}: ${managedFields.map((m) => `${String(m.manager)}/${String(m.operation)} ${JSON.stringify(m.fieldsV1)}`).join(', ')}`);
    const current = must(this.stored.get(name));
    if (current.metadata.resourceVersion !== resourceVersion) {
      return Promise.reject(new KubeApiError(409, { reason: 'Conflict', message: 'the object has been modified' }, 'conflict'));
    }
    const made = { ...current, metadata: { ...current.metadata, managedFields, resourceVersion: String(++this.rv) } };
    this.stored.set(name, made);
    return Promise.resolve(structuredClone(made));
  }

  applyConfig(w: Widget): Widget {
    return { metadata: { name: w.metadata.name }, spec: w.spec };
  }

  create(w: Widget, { dryRun, fieldManager }: StoredWriteOptions): Promise<Widget> {
    this.log.push(`create ${String(w.metadata.name)}${dryRun ? ' (dry run)' : ''} as ${fieldManager}`);
    this.failure();
    // The created object's fields are the creator's; the strategy's preparation adds `color`, which a client never sends.
    const managedFields = [{ manager: fieldManager, operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:color': {}, 'f:size': {} } } }];
    const made = { ...structuredClone(w), metadata: { ...w.metadata, uid: `uid-${String(w.metadata.name)}`, resourceVersion: String(++this.rv), managedFields } };
    if (!dryRun) this.stored.set(String(w.metadata.name), made);
    return Promise.resolve(made);
  }

  update(w: Widget, { dryRun, fieldManager }: StoredWriteOptions): Promise<Widget> {
    this.log.push(`update ${String(w.metadata.name)}${dryRun ? ' (dry run)' : ''} as ${fieldManager}`);
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
      expect(strategy.log).not.toContain('update w as test');
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
      expect(strategy.log).toEqual(['get w', 'authorize update w', 'update w as test', 'release', `after ${String(answer.metadata.resourceVersion)}`, 'finish']);
      expect(index.waits).toEqual([false]);
      expect(strategy.stored.get('w')?.spec.size).toBe(2);
    });

    it('in a dry run sends the write as a dry run, skips the steps after it and does not wait', async () => {
      strategy.put('w', 1);
      const answer = await store.update(ctx(true), 'w', { metadata: { name: 'w' }, spec: { size: 2 } });
      expect(answer.spec.size).toBe(2);
      expect(strategy.stored.get('w')?.spec.size).toBe(1);
      expect(strategy.log).toEqual(['get w', 'authorize update w', 'update w (dry run) as test', 'release', 'finish']);
      expect(index.waits).toEqual([]);
    });

    it('releases what preparing held when the write fails', async () => {
      strategy.put('w', 1);
      strategy.failWith = new KubeApiError(409, { kind: 'Status', reason: 'Conflict', message: 'changed' }, 'changed');
      const err = await statusOf(store.update(ctx(), 'w', { metadata: { name: 'w' }, spec: { size: 2 } }));
      expect(err.message).toBe(`Operation cannot be fulfilled on widgets.test.kiosk.sh "w": ${OPTIMISTIC_LOCK_ERROR_MSG}`);
      expect(strategy.log).toEqual(['get w', 'authorize update w', 'update w as test', 'release', 'finish']);
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
      expect(strategy.log).toEqual(['create w as test', 'release', `after ${String(answer.metadata.resourceVersion)}`, 'finish']);
      expect(index.waits).toEqual([false]);
    });

    it('in a dry run stores nothing and neither runs the steps after it nor waits', async () => {
      await store.create(ctx(true), { metadata: { name: 'w' }, spec: { size: 1 } });
      expect(strategy.stored.has('w')).toBe(false);
      expect(strategy.log).toEqual(['create w (dry run) as test', 'release', 'finish']);
      expect(index.waits).toEqual([]);
    });
  });

  describe('apply', () => {
    const applyConflict = () => new KubeApiError(409, {
      reason: 'Conflict', message: 'Apply failed with 1 conflict: conflict with "flux": .spec.size',
      details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "flux"', field: '.spec.size' }] },
    }, 'apply conflict');
    const writes = () => strategy.log.filter((l) => /^(create|apply|update) /.test(l));

    it('creates an absent object as a create does, then gives the applier exactly the fields it sent (201)', async () => {
      const { object, created } = await store.apply(ctx(), 'w', { metadata: { name: 'w' }, spec: { size: 2 } }, { force: false });
      expect(created).toBe(true);
      expect(writes()).toEqual([
        'apply w {"size":2} {"fieldManager":"test","force":false,"dryRun":true}',
        'create w as kiosk',
      ]);
      // The server's manager keeps what the client did not send.
      expect(strategy.log.find((l) => l.startsWith('set managedFields'))).toBe(
        `set managedFields w at ${String(Number(object.metadata.resourceVersion) - 1)}: test/Apply {"f:spec":{"f:size":{}}}, kiosk/Update {"f:spec":{"f:color":{}}}`);
      expect(object.metadata.managedFields?.map((m) => m.manager)).toEqual(['test', 'kiosk']);
      expect(strategy.log).toContain('finish');
    });

    it('hands the fields over on the version the object has by then, when something wrote to it right after the create', async () => {
      const original = strategy.setManagedFields.bind(strategy);
      let first = true;
      strategy.setManagedFields = (name, fields, rv) => {
        if (first) {
          first = false;
          // A controller writes status between the create and the hand-over.
          const w = must(strategy.stored.get(name));
          strategy.stored.set(name, { ...w, metadata: { ...w.metadata, resourceVersion: '999' } });
        }
        return original(name, fields, rv);
      };
      const { object } = await store.apply(ctx(), 'w', { metadata: { name: 'w' }, spec: { size: 2 } }, { force: false });
      expect(object.metadata.managedFields?.map((m) => m.manager)).toEqual(['test', 'kiosk']);
      expect(strategy.log.filter((l) => l.startsWith('set managedFields')).map((l) => l.split(':')[0])).toEqual(['set managedFields w at 12', 'set managedFields w at 999']);
    });

    it('keeps the create when the hand-over keeps failing, and tells the client', async () => {
      strategy.setManagedFields = () => Promise.reject(new KubeApiError(409, { reason: 'Conflict', message: 'the object has been modified' }, 'changed'));
      const c = ctx();
      const { object, created } = await store.apply(c, 'w', { metadata: { name: 'w' }, spec: { size: 2 } }, { force: false });
      expect(created).toBe(true);
      expect(object.metadata.uid).toBe('uid-w');
      expect(c.warnings).toEqual(['created, but its fields could not be handed to field manager "test": the object has been modified']);
      // The create's own steps ran: the object is complete.
      expect(strategy.log).toContain(`after ${String(object.metadata.resourceVersion)}`);
    });

    it('in a dry run creates nothing, and answers the ownership the apply would give', async () => {
      const { object, created } = await store.apply(ctx(true), 'w', { metadata: { name: 'w' }, spec: { size: 2 } }, { force: false });
      expect(created).toBe(true);
      expect(strategy.stored.has('w')).toBe(false);
      expect(object.metadata.managedFields?.map((m) => `${String(m.manager)}/${String(m.operation)}`)).toEqual(['test/Apply', 'kiosk/Update']);
      expect(strategy.log.filter((l) => l.startsWith('set managedFields'))).toEqual([]);
    });

    it('needs create permission to create, and is 404 for an object hidden from the user, as an update', async () => {
      const denying = new GenericStore(strategy, index, { authorize: () => Promise.resolve({ allowed: false, reason: '' }) });
      const denied = await statusOf(denying.apply(ctx(), 'w', { metadata: { name: 'w' }, spec: {} }, { force: false }));
      expect(denied.toStatus()).toMatchObject({ code: 403, message: 'widgets.test.kiosk.sh "w" is forbidden: User "dev" cannot create resource "widgets" in API group "test.kiosk.sh" at the cluster scope' });
      strategy.put('secret', 1);
      strategy.hidden.add('secret');
      const hidden = await statusOf(store.apply(ctx(), 'secret', { metadata: { name: 'secret' }, spec: { size: 9 } }, { force: true }));
      expect(hidden.code).toBe(404);
      expect(writes()).toEqual([]);
    });

    it('updates through a dry-run apply checked like an update, then the same apply on the version it read', async () => {
      const w = strategy.put('w', 1);
      const { object, created } = await store.apply(ctx(), 'w', { metadata: { name: 'w' }, spec: { size: 3 } }, { force: false });
      expect(created).toBe(false);
      expect(object.spec.size).toBe(3);
      const rv = String(w.metadata.resourceVersion);
      expect(writes()).toEqual([
        `apply w {"size":3} {"fieldManager":"test","force":false,"dryRun":true,"resourceVersion":"${rv}","uid":"uid-w"}`,
        `apply w {"size":3} {"fieldManager":"test","force":false,"dryRun":false,"resourceVersion":"${rv}","uid":"uid-w"}`,
      ]);
      expect(strategy.log.indexOf('authorize update w')).toBeLessThan(strategy.log.findIndex((l) => l.startsWith('apply')));
    });

    it('refuses what validation refuses before anything is written', async () => {
      strategy.put('w', 1);
      const err = await statusOf(store.apply(ctx(), 'w', { metadata: { name: 'w' }, spec: { size: -1 } }, { force: false }));
      expect(err.code).toBe(422);
      expect(writes().filter((l) => l.includes('"dryRun":false'))).toEqual([]);
    });

    it('passes an apply conflict on with its causes, and starts over when the object changed under it', async () => {
      strategy.put('w', 1);
      strategy.applyFailures = [applyConflict()];
      const err = await statusOf(store.apply(ctx(), 'w', { metadata: { name: 'w' }, spec: { size: 3 } }, { force: false }));
      expect(err.toStatus()).toMatchObject({ code: 409, reason: 'Conflict', message: 'Apply failed with 1 conflict: conflict with "flux": .spec.size',
        details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "flux"', field: '.spec.size' }] } });
      strategy.log.length = 0;
      // Someone wrote between the dry run and the apply: the store reads again and applies on the new version.
      strategy.applyFailures = [undefined, new KubeApiError(409, { reason: 'Conflict', message: 'the object has been modified' }, 'changed')];
      const { object } = await store.apply(ctx(), 'w', { metadata: { name: 'w' }, spec: { size: 4 } }, { force: false });
      expect(object.spec.size).toBe(4);
      expect(writes().length).toBe(4);
    });

    it('keeps the client\'s resourceVersion as a precondition: a stale one is the conflict, never retried', async () => {
      strategy.put('w', 1);
      const err = await statusOf(store.apply(ctx(), 'w', { metadata: { name: 'w', resourceVersion: '1' }, spec: { size: 3 } }, { force: false }));
      expect(err.toStatus()).toMatchObject({ code: 409, message: `Operation cannot be fulfilled on widgets.test.kiosk.sh "w": ${OPTIMISTIC_LOCK_ERROR_MSG}` });
      expect(writes()).toEqual(['apply w {"size":3} {"fieldManager":"test","force":false,"dryRun":true,"resourceVersion":"1","uid":"uid-w"}']);
    });

    it('applies to an object created by someone else after it was found absent', async () => {
      strategy.failWith = new KubeApiError(409, { reason: 'AlreadyExists', message: 'exists' }, 'exists');
      const racing = strategy.put('w', 1);
      strategy.hidden.add('w');
      const hideOnce = strategy.get.bind(strategy);
      let calls = 0;
      strategy.get = (c, n) => (++calls === 1 ? Promise.resolve(undefined) : (strategy.hidden.delete('w'), hideOnce(c, n)));
      strategy.read = (n) => (calls > 1 ? hideOnce({ user: ctx().user }, n) : Promise.resolve(undefined));
      const { created } = await store.apply(ctx(), 'w', { metadata: { name: 'w' }, spec: { size: 5 } }, { force: false });
      expect(created).toBe(false);
      expect(writes()).toEqual([
        'apply w {"size":5} {"fieldManager":"test","force":false,"dryRun":true}',
        'create w as kiosk',
        `apply w {"size":5} {"fieldManager":"test","force":false,"dryRun":true,"resourceVersion":"${String(racing.metadata.resourceVersion)}","uid":"uid-w"}`,
        `apply w {"size":5} {"fieldManager":"test","force":false,"dryRun":false,"resourceVersion":"${String(racing.metadata.resourceVersion)}","uid":"uid-w"}`,
      ]);
    });

    it('gives up after a few rounds of an object that keeps changing', async () => {
      strategy.put('w', 1);
      const changed = () => new KubeApiError(409, { reason: 'Conflict', message: 'the object has been modified' }, 'changed');
      strategy.applyFailures = Array.from({ length: 10 }, changed);
      const err = await statusOf(store.apply(ctx(), 'w', { metadata: { name: 'w' }, spec: { size: 3 } }, { force: false }));
      expect(err.code).toBe(409);
      expect(writes().length).toBe(5);
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
