// Accounts through the generic store, against a fake of the config.kiosk.sh backend and of the index: the
// stored object is the config Account, the answer its tenancy view; validation, kube-apiserver's 422 in our
// words, finalizers on delete, and read-your-writes on the index's versions.
import { KubeApiError } from '../../storage/kube-api-error.js';
import type { AccountBackend, ConfigAccount } from '../../registry/account/backend.js';
import { AccountStrategy } from '../../registry/account/strategy.js';
import type { AccountIndex } from '../../registry/account/strategy.js';
import type { Account } from '../../registry/account/types.js';
import { GenericStore } from '../../registry/generic/store.js';
import type { StoredApplyOptions, StoredWriteOptions } from '../../registry/generic/strategy.js';
import { OPTIMISTIC_LOCK_ERROR_MSG } from '../../registry/generic/preconditions.js';
import type { WriteContext } from '../../registry/write-verbs.js';
import { rejectionStatusOf } from '../support/status-of.js';

type TenancyAccount = Account<'tenancy.kiosk.sh/v1alpha1'>;

/** The value, which the test set up to be there. */
function must<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('missing from the fixture');
  return value;
}

/** The config.kiosk.sh Accounts in kube-apiserver, kept in a map, every write logged. */
class FakeAccountBackend implements AccountBackend {
  readonly stored = new Map<string, ConfigAccount>();
  readonly log: string[] = [];
  failWith?: Error;
  finalizer = false;
  rv = 200;

  put(name: string, spec: ConfigAccount['spec'] = {}): ConfigAccount {
    const a: ConfigAccount = { apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'Account', metadata: { name, uid: `uid-${name}`, resourceVersion: String(++this.rv) }, spec, status: { namespaces: [{ name: 'ns1' }] } };
    this.stored.set(name, a);
    return structuredClone(a);
  }

  private fail(): void {
    const err = this.failWith;
    this.failWith = undefined;
    if (err) throw err;
  }

  get(name: string): Promise<ConfigAccount | undefined> {
    return Promise.resolve(structuredClone(this.stored.get(name)));
  }

  create(account: ConfigAccount, { dryRun }: StoredWriteOptions): Promise<ConfigAccount> {
    this.log.push(`create ${JSON.stringify(account)}${dryRun ? ' (dry run)' : ''}`);
    this.fail();
    const made = { ...structuredClone(account), metadata: { ...account.metadata, uid: 'uid-new', resourceVersion: String(++this.rv), managedFields: [{ manager: 'kubectl', apiVersion: 'config.kiosk.sh/v1alpha1' }] } };
    if (!dryRun) this.stored.set(String(account.metadata.name), made);
    return Promise.resolve(structuredClone(made));
  }

  update(account: ConfigAccount, { dryRun }: StoredWriteOptions): Promise<ConfigAccount> {
    this.log.push(`update ${String(account.metadata.name)}${dryRun ? ' (dry run)' : ''}`);
    return this.write(account, dryRun);
  }

  patch(name: string, patch: { metadata?: Record<string, unknown> }): Promise<ConfigAccount> {
    this.log.push(`patch ${name} ${JSON.stringify(patch)}`);
    const current = must(this.stored.get(name));
    return this.write({ ...current, metadata: { ...current.metadata, ...patch.metadata } }, false);
  }

  /** kube-apiserver's merge is not this fake's: an apply here replaces what it names (integration tests merge for real). */
  apply(name: string, config: ConfigAccount, options: StoredApplyOptions): Promise<ConfigAccount> {
    this.log.push(`apply ${name} ${JSON.stringify(options)}`);
    const current = must(this.stored.get(name));
    return this.write({ ...current, ...config, metadata: { ...current.metadata, ...config.metadata } }, options.dryRun);
  }

  private write(account: ConfigAccount, dryRun: boolean): Promise<ConfigAccount> {
    this.fail();
    const made = { ...structuredClone(account), metadata: { ...account.metadata, resourceVersion: String(++this.rv) } };
    if (!dryRun) this.stored.set(String(account.metadata.name), made);
    return Promise.resolve(structuredClone(made));
  }

  delete(name: string, options: { dryRun: boolean; propagationPolicy?: string; uid?: string; resourceVersion?: string }): Promise<ConfigAccount | { kind: 'Status' }> {
    this.log.push(`delete ${name} ${JSON.stringify(options)}`);
    this.fail();
    const current = must(this.stored.get(name));
    if (!this.finalizer) {
      if (!options.dryRun) this.stored.delete(name);
      return Promise.resolve({ kind: 'Status' });
    }
    const kept = { ...current, metadata: { ...current.metadata, deletionTimestamp: '2026-01-01T00:00:00Z', resourceVersion: String(++this.rv) } };
    if (!options.dryRun) this.stored.set(name, kept);
    return Promise.resolve(structuredClone(kept));
  }

}

/** The index's view of Accounts (the version it holds), with the wait answered at once. */
class FakeIndex implements AccountIndex {
  readonly versions = new Map<string, string>();
  readonly waits: boolean[] = [];

  indexedVersion(name: string): string | undefined {
    return this.versions.get(name);
  }

  waitFor(condition: () => boolean): Promise<boolean> {
    const held = condition();
    this.waits.push(held);
    return Promise.resolve(held);
  }
}

const tenancy = (name: string, spec: TenancyAccount['spec'] = {}, meta: Partial<TenancyAccount['metadata']> = {}): TenancyAccount => ({
  apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'Account', metadata: { name, ...meta }, spec,
});

const admin = (dryRun = false): WriteContext => ({ user: { username: 'admin', groups: ['system:masters'], extra: {} }, dryRun, fieldManager: 'kubectl', warnings: [] });

const statusOf = rejectionStatusOf;

describe('Accounts through the generic store', () => {
  let backend: FakeAccountBackend;
  let index: FakeIndex;
  let store: GenericStore<TenancyAccount, ConfigAccount>;

  beforeEach(() => {
    backend = new FakeAccountBackend();
    index = new FakeIndex();
    store = new GenericStore(new AccountStrategy(backend, index), index);
  });

  describe('create', () => {
    it('stores a config.kiosk.sh Account and answers its tenancy view, managed fields relabelled', async () => {
      const created = await store.create(admin(), tenancy('a', { space: { limit: 2 } }, { labels: { team: 'x' } }));
      expect(backend.log).toEqual(['create {"apiVersion":"config.kiosk.sh/v1alpha1","kind":"Account","metadata":{"name":"a","labels":{"team":"x"}},"spec":{"space":{"limit":2}}}']);
      expect(created).toMatchObject({
        apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'Account', spec: { space: { limit: 2 } },
        metadata: { name: 'a', uid: 'uid-new', managedFields: [{ manager: 'kubectl', apiVersion: 'tenancy.kiosk.sh/v1alpha1' }] },
      });
    });

    it('validates before writing', async () => {
      const err = await statusOf(store.create(admin(), tenancy('a', { space: { limit: -1 } })));
      expect(err.toStatus()).toMatchObject({ code: 422, message: 'Account.tenancy.kiosk.sh "a" is invalid: spec.space.limit: Invalid value: -1: must be greater than or equal to 0' });
      expect(backend.log).toEqual([]);
    });

    it('words the CRD schema\'s 422 as ours, same causes', async () => {
      backend.failWith = new KubeApiError(422, {
        reason: 'Invalid', code: 422, message: 'Account.config.kiosk.sh "a" is invalid: spec.subjects[0].kind: Required value',
        details: { causes: [{ field: 'spec.subjects[0].kind', reason: 'FieldValueRequired', message: 'Required value' }] },
      }, 'invalid');
      const err = await statusOf(store.create(admin(), tenancy('a')));
      expect(err.toStatus()).toMatchObject({
        code: 422, message: 'Account.tenancy.kiosk.sh "a" is invalid: spec.subjects[0].kind: Required value',
        details: { kind: 'Account', group: 'tenancy.kiosk.sh', causes: [{ field: 'spec.subjects[0].kind', reason: 'FieldValueRequired', message: 'Required value' }] },
      });
    });

    it('answers once the index holds the write or something newer (the controller writes status at once)', async () => {
      index.versions.set('a', '999');
      await store.create(admin(), tenancy('a'));
      index.versions.set('b', '9');
      await store.create(admin(), tenancy('b'));
      expect(index.waits).toEqual([true, false]);
    });

    it('in a dry run stores nothing and does not wait', async () => {
      await store.create(admin(true), tenancy('a'));
      expect(backend.stored.size).toBe(0);
      expect(backend.log[0]).toMatch(/\(dry run\)$/);
      expect(index.waits).toEqual([]);
    });
  });

  describe('update', () => {
    it('is 404 for an Account that does not exist', async () => {
      expect((await statusOf(store.update(admin(), 'a', tenancy('a')))).message).toBe('accounts.tenancy.kiosk.sh "a" not found');
    });

    it('refuses a stale or never-issued copy, and takes the stored version', async () => {
      const stored = backend.put('a');
      for (const resourceVersion of ['5', '99999999']) {
        expect((await statusOf(store.update(admin(), 'a', tenancy('a', { space: { limit: 1 } }, { resourceVersion })))).message)
          .toBe(`Operation cannot be fulfilled on accounts.tenancy.kiosk.sh "a": ${OPTIMISTIC_LOCK_ERROR_MSG}`);
      }
      const resourceVersion = must(stored.metadata.resourceVersion);
      expect((await store.update(admin(), 'a', tenancy('a', { space: { limit: 1 } }, { resourceVersion }))).spec).toEqual({ space: { limit: 1 } });
    });

    it('refuses another uid as an immutable field, before validating', async () => {
      backend.put('a');
      const err = await statusOf(store.update(admin(), 'a', tenancy('a', { space: { limit: -1 } }, { uid: 'x' })));
      expect(err.message).toBe('Account.tenancy.kiosk.sh "a" is invalid: metadata.uid: Invalid value: "x": field is immutable');
    });

    it('takes metadata and spec from the client, never status, and writes nothing when those are unchanged', async () => {
      const stored = backend.put('a', { space: { limit: 1 } });
      await store.update(admin(), 'a', { ...tenancy('a', { space: { limit: 1 } }), status: { namespaces: [] } });
      expect(backend.log).toEqual([]);
      const updated = await store.update(admin(), 'a', { ...tenancy('a', { space: { limit: 3 } }, { labels: { l: 'v' } }), status: { namespaces: [] } });
      expect(updated).toMatchObject({ metadata: { labels: { l: 'v' }, uid: stored.metadata.uid }, spec: { space: { limit: 3 } }, status: stored.status });
    });

    it('maps a conflict kube-apiserver finds to the optimistic-lock conflict', async () => {
      backend.put('a');
      backend.failWith = new KubeApiError(409, { reason: 'Conflict', message: 'changed' }, 'changed');
      expect((await statusOf(store.update(admin(), 'a', tenancy('a', { space: { limit: 1 } })))).message)
        .toBe(`Operation cannot be fulfilled on accounts.tenancy.kiosk.sh "a": ${OPTIMISTIC_LOCK_ERROR_MSG}`);
    });
  });

  describe('delete', () => {
    it('sends the preconditions it checked and answers the Account as it was when it is gone at once', async () => {
      const stored = backend.put('a');
      const rv = must(stored.metadata.resourceVersion);
      index.versions.set('a', rv);
      const deleted = await store.delete(admin(), 'a', { dryRun: false, propagationPolicy: 'Background', preconditions: { resourceVersion: rv } });
      // The resourceVersion the store checked goes along: a change between the check and the delete is refused.
      expect(backend.log).toEqual([`delete a {"dryRun":false,"propagationPolicy":"Background","uid":"uid-a","resourceVersion":"${rv}"}`]);
      expect(deleted.metadata.resourceVersion).toBe(stored.metadata.resourceVersion);
      expect(index.waits).toEqual([false]);
    });

    it('answers the Account a finalizer keeps, and waits until the index holds that', async () => {
      backend.put('a');
      backend.finalizer = true;
      const deleted = await store.delete(admin(), 'a', { dryRun: false });
      expect(deleted.metadata.deletionTimestamp).toBe('2026-01-01T00:00:00Z');
      index.versions.set('b', '1000');
      backend.put('b');
      await store.delete(admin(), 'b', { dryRun: false });
      expect(index.waits).toEqual([true, true]);
    });

    it('checks the preconditions with kube-apiserver\'s words', async () => {
      backend.put('a');
      expect((await statusOf(store.delete(admin(), 'a', { dryRun: false, preconditions: { uid: 'x' } }))).message)
        .toBe('Operation cannot be fulfilled on accounts.tenancy.kiosk.sh "a": Precondition failed: UID in precondition: x, UID in object meta: uid-a');
      expect((await statusOf(store.delete(admin(), 'a', { dryRun: false, preconditions: { resourceVersion: '1' } }))).message)
        .toBe('Operation cannot be fulfilled on accounts.tenancy.kiosk.sh "a": Precondition failed: ResourceVersion in precondition: 1, ResourceVersion in object meta: 201');
      expect(backend.log).toEqual([]);
    });

    it('in a dry run deletes nothing and does not wait', async () => {
      backend.put('a');
      await store.delete(admin(true), 'a', { dryRun: true });
      expect(backend.stored.has('a')).toBe(true);
      expect(index.waits).toEqual([]);
    });

    it('says NotFound in our words when kube-apiserver no longer has it', async () => {
      backend.put('a');
      backend.failWith = new KubeApiError(404, { reason: 'NotFound', message: 'accounts.config.kiosk.sh "a" not found' }, 'not found');
      expect((await statusOf(store.delete(admin(), 'a', { dryRun: false }))).message).toBe('accounts.tenancy.kiosk.sh "a" not found');
    });
  });
});
