// Spaces through the generic store, against fakes of the SpaceBackend and of the access index: who may put a
// space in which account, the space limit, mandatory templates and the creating mark, moving a space between
// accounts, and the generic steps (404, 403, preconditions, optimistic lock, dry run) in the Space's words.
import type { AccessAttributes, AccessDecision } from '../../storage/authorization/subject-access-reviewer.js';
import { KubeApiError } from '../../storage/kube-api-error.js';
import type { UserInfo } from '../../storage/user-info.js';
import type { Account } from '../../registry/account/types.js';
import { GenericStore } from '../../registry/generic/store.js';
import { OPTIMISTIC_LOCK_ERROR_MSG } from '../../registry/generic/preconditions.js';
import type { NetworkPolicyObject } from '../../registry/account/isolation.js';
import type { NamespaceObject, RoleBindingObject, SpaceBackend, TemplateInstanceObject } from '../../registry/space/backend.js';
import type { TemplateWaiter } from '../../registry/space/complete-create.js';
import { CreatesInFlight } from '../../registry/space/creating-mark.js';
import { SpaceStrategy } from '../../registry/space/strategy.js';
import type { StoredApplyOptions, StoredWriteOptions } from '../../registry/generic/strategy.js';
import type { SpaceIndex } from '../../registry/space/strategy.js';
import type { Space } from '../../registry/space/types.js';
import type { WriteContext } from '../../registry/write-verbs.js';
import { rejectionStatusOf } from '../support/status-of.js';

const ACCOUNT_LABEL = 'kiosk.sh/account';
const MARK = { 'kiosk.sh/space-phase': 'creating', 'kiosk.sh/space-creator': 'replica-a' };

/** The value, which the test set up to be there. */
function must<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('missing from the fixture');
  return value;
}

/** kube-apiserver and the caches as the Space strategy sees them, kept in maps, every write logged. */
class FakeSpaceBackend implements SpaceBackend {
  readonly namespaces = new Map<string, NamespaceObject>();
  readonly accounts = new Map<string, Account>();
  /** `user verb namespace` (namespace empty for cluster scope) the authorizer allows. */
  readonly allowed = new Set<string>();
  readonly log: string[] = [];
  failUpdate?: Error;
  private rv = 100;

  namespace(name: string, account?: string): NamespaceObject {
    const ns: NamespaceObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name, uid: `uid-${name}`, resourceVersion: String(++this.rv), ...(account ? { labels: { [ACCOUNT_LABEL]: account } } : {}) } };
    this.namespaces.set(name, ns);
    return ns;
  }

  createNamespace(ns: NamespaceObject, { dryRun }: StoredWriteOptions): Promise<NamespaceObject> {
    this.log.push(`create namespace ${ns.metadata.name}${dryRun ? ' (dry run)' : ''}`);
    if (this.namespaces.has(ns.metadata.name)) {
      return Promise.reject(new KubeApiError(409, { reason: 'AlreadyExists', message: `namespaces "${ns.metadata.name}" already exists` }, 'exists'));
    }
    const made = { ...structuredClone(ns), metadata: { ...structuredClone(ns.metadata), uid: `uid-${ns.metadata.name}`, resourceVersion: String(++this.rv) } };
    if (!dryRun) this.namespaces.set(ns.metadata.name, made);
    return Promise.resolve(structuredClone(made));
  }

  getNamespace(name: string): Promise<NamespaceObject | undefined> {
    return Promise.resolve(structuredClone(this.namespaces.get(name)));
  }

  applyNamespace(name: string, config: NamespaceObject, options: StoredApplyOptions): Promise<NamespaceObject> {
    this.log.push(`apply namespace ${name} ${JSON.stringify(config.metadata)} ${JSON.stringify(options)}`);
    const ns = must(this.namespaces.get(name));
    // Not kube-apiserver's merge: labels and annotations named replace the stored ones (integration tests merge for real).
    const made = { ...structuredClone(ns), metadata: { ...structuredClone(ns.metadata), ...structuredClone(config.metadata), resourceVersion: String(++this.rv) } };
    if (!options.dryRun) this.namespaces.set(name, made);
    return Promise.resolve(structuredClone(made));
  }

  updateNamespace(ns: NamespaceObject, { dryRun }: StoredWriteOptions): Promise<NamespaceObject> {
    this.log.push(`update namespace ${ns.metadata.name}${dryRun ? ' (dry run)' : ''}`);
    const fail = this.failUpdate;
    this.failUpdate = undefined;
    if (fail) return Promise.reject(fail);
    const made = { ...structuredClone(ns), metadata: { ...structuredClone(ns.metadata), resourceVersion: String(++this.rv) } };
    if (!dryRun) this.namespaces.set(ns.metadata.name, made);
    return Promise.resolve(structuredClone(made));
  }

  patchNamespace(name: string, patch: unknown): Promise<NamespaceObject> {
    this.log.push(`patch namespace ${name} ${JSON.stringify(patch)}`);
    const ns = must(this.namespaces.get(name));
    const asked = (patch as { metadata: { annotations: Record<string, string | null> } }).metadata.annotations;
    const annotations = Object.fromEntries(Object.entries({ ...(ns.metadata.annotations ?? {}), ...asked })
      .filter((entry): entry is [string, string] => entry[1] !== null));
    const next = { ...ns, metadata: { ...ns.metadata, annotations, resourceVersion: String(++this.rv) } };
    this.namespaces.set(name, next);
    return Promise.resolve(structuredClone(next));
  }

  deleteNamespace(name: string, options: { dryRun: boolean; propagationPolicy?: string; uid?: string; resourceVersion?: string }): Promise<NamespaceObject> {
    this.log.push(`delete namespace ${name} ${JSON.stringify(options)}`);
    const ns = must(this.namespaces.get(name));
    const terminating = { ...ns, status: { phase: 'Terminating' } };
    if (!options.dryRun) this.namespaces.set(name, terminating);
    return Promise.resolve(structuredClone(terminating));
  }

  namespacesWithLabel(label: string, value: string): Promise<Set<string>> {
    return Promise.resolve(new Set([...this.namespaces.values()].filter((n) => n.metadata.labels?.[label] === value).map((n) => n.metadata.name)));
  }

  applyRoleBinding(rb: RoleBindingObject, dryRun: boolean): Promise<void> {
    this.log.push(`bind ${rb.metadata.namespace} ${rb.metadata.name} ${rb.roleRef.name}${dryRun ? ' (dry run)' : ''}`);
    return Promise.resolve();
  }

  applyNetworkPolicy(policy: NetworkPolicyObject): Promise<void> {
    this.log.push(`networkpolicy ${policy.metadata.namespace} ${policy.metadata.name} ${JSON.stringify(policy.spec.ingress)}`);
    return Promise.resolve();
  }

  deleteRoleBinding(namespace: string, name: string): Promise<void> {
    this.log.push(`unbind ${namespace} ${name}`);
    return Promise.resolve();
  }

  createTemplateInstance(ti: TemplateInstanceObject, dryRun: boolean): Promise<string> {
    const name = ti.metadata.name ?? `${String(ti.metadata.generateName)}x1`;
    this.log.push(`template instance ${ti.metadata.namespace}/${name} of ${ti.spec.template}${dryRun ? ' (dry run)' : ''}`);
    return Promise.resolve(name);
  }

  account(name: string): Promise<Account | undefined> {
    return Promise.resolve(this.accounts.get(name));
  }

  authorize(user: UserInfo, attributes: AccessAttributes): Promise<AccessDecision> {
    return Promise.resolve({ allowed: this.allowed.has(`${user.username} ${attributes.verb} ${attributes.resource?.namespace ?? ''}`), reason: '' });
  }

  async reserveSpace(account: string, space: string, limit: number, dryRun: boolean): Promise<{ ok: true } | { ok: false; count: number } | { ok: false; busy: true }> {
    const count = (await this.namespacesWithLabel(ACCOUNT_LABEL, account)).size;
    this.log.push(`reserve ${account} ${space}${dryRun ? ' (dry run)' : ''}`);
    return count < limit ? { ok: true } : { ok: false, count };
  }

  releaseSpace(account: string, space: string): Promise<void> {
    this.log.push(`release ${account} ${space}`);
    return Promise.resolve();
  }
}

/** The access index: who sees which namespace, and the versions it holds. */
class FakeIndex implements SpaceIndex {
  readonly visible = new Set<string>();
  readonly versions = new Map<string, string>();
  readonly waits: boolean[] = [];

  object(_collection: 'namespaces', name: string) {
    const resourceVersion = this.versions.get(name);
    return resourceVersion === undefined ? undefined : { metadata: { resourceVersion } };
  }

  isUserAllowed(user: Pick<UserInfo, 'username'>, name: string): boolean {
    return this.visible.has(`${user.username} ${name}`);
  }

  waitFor(condition: () => boolean): Promise<boolean> {
    const held = condition();
    this.waits.push(held);
    return Promise.resolve(held);
  }
}

const account = (name: string, spec: Account['spec'] = {}): Account => ({
  apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'Account', metadata: { name, uid: `uid-${name}` },
  spec: { subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'dev' }], ...spec },
});

const space = (name: string, accountName?: string, meta: Partial<Space['metadata']> = {}): Space => ({
  apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'Space', metadata: { name, ...meta }, spec: accountName ? { account: accountName } : {}, status: {},
});

const as = (username: string, dryRun = false): WriteContext => ({ user: { username, groups: ['system:authenticated'], extra: {} }, dryRun, fieldManager: 'kubectl', warnings: [] });

const statusOf = rejectionStatusOf;

describe('Spaces through the generic store', () => {
  let backend: FakeSpaceBackend;
  let index: FakeIndex;
  let creates: CreatesInFlight;
  let templates: TemplateWaiter & { calls: string[]; answer: Awaited<ReturnType<TemplateWaiter['waitForDeployed']>>; inFlight: boolean[] };
  let store: GenericStore<Space, NamespaceObject>;

  beforeEach(() => {
    backend = new FakeSpaceBackend();
    index = new FakeIndex();
    creates = new CreatesInFlight('replica-a');
    templates = {
      calls: [], answer: { ok: true }, inFlight: [],
      waitForDeployed(namespace: string, names: string[]) {
        this.calls.push(`${namespace}: ${names.join(', ')}`);
        this.inFlight.push(creates.has(namespace));
        return Promise.resolve(this.answer);
      },
    };
    store = new GenericStore(new SpaceStrategy(backend, index, templates, creates), index);
    backend.accounts.set('acme', account('acme'));
  });

  describe('create', () => {
    it('puts a member\'s space in the account, binds the account\'s subjects, and waits until the user sees it', async () => {
      const created = await store.create(as('dev'), space('s1', 'acme'));
      expect(created).toMatchObject({ kind: 'Space', metadata: { name: 's1', uid: 'uid-s1' }, spec: { account: 'acme' } });
      expect(backend.namespaces.get('s1')?.metadata.labels).toEqual({ [ACCOUNT_LABEL]: 'acme' });
      expect(backend.log).toEqual(['create namespace s1', 'bind s1 kiosk-account-acme admin']);
      expect(index.waits).toEqual([false]);
    });

    it('refuses a space in someone else\'s account with Kiosk\'s message', async () => {
      const err = await statusOf(store.create(as('eve'), space('s1', 'acme')));
      expect(err.toStatus()).toMatchObject({
        code: 403, message: 'space.tenancy.kiosk.sh "s1" is forbidden: User "eve" cannot create resource "spaces" in API group "tenancy.kiosk.sh" at the cluster scope',
      });
      expect(backend.log).toEqual([]);
    });

    it('requires an account of tenants, and an existing one of admins', async () => {
      expect((await statusOf(store.create(as('dev'), space('s1')))).message).toBe(
        'Space.tenancy.kiosk.sh "s1" is invalid: spec.account: Required value: the account the space belongs to (only users who may create namespaces can omit it)');
      backend.allowed.add('admin create ');
      expect((await statusOf(store.create(as('admin'), space('s1', 'nope')))).message).toBe('Space.tenancy.kiosk.sh "s1" is invalid: spec.account: Not found: "nope"');
      expect((await store.create(as('admin'), space('s2'))).spec).toEqual({});
      expect(backend.log).toEqual(['create namespace s2']);
    });

    it('holds the space limit: reserves before the namespace, lets go after it, refuses when full', async () => {
      backend.accounts.set('acme', account('acme', { space: { limit: 2 } }));
      backend.namespace('old', 'acme');
      await store.create(as('dev'), space('s1', 'acme'));
      expect(backend.log.slice(0, 3)).toEqual(['reserve acme s1', 'create namespace s1', 'release acme s1']);
      const err = await statusOf(store.create(as('dev'), space('s2', 'acme')));
      expect(err.toStatus()).toMatchObject({ code: 403, message: 'spaces.tenancy.kiosk.sh "s2" is forbidden: space limit of 2 reached for account acme' });
      expect(backend.namespaces.has('s2')).toBe(false);
    });

    it('lets go of the reservation when the namespace cannot be made, and says it exists', async () => {
      backend.accounts.set('acme', account('acme', { space: { limit: 5 } }));
      backend.namespace('s1');
      const err = await statusOf(store.create(as('dev'), space('s1', 'acme')));
      expect(err.toStatus()).toMatchObject({ code: 409, reason: 'AlreadyExists', message: 'spaces.tenancy.kiosk.sh "s1" already exists' });
      expect(backend.log).toEqual(['reserve acme s1', 'create namespace s1', 'release acme s1']);
    });

    it('marks a space with mandatory templates as being created until its templates are deployed and it is bound', async () => {
      backend.accounts.set('acme', account('acme', { space: { templateInstances: [{ spec: { template: 'base' } }, { metadata: { name: 'named' }, spec: { template: 'extra' } }] } }));
      const created = await store.create(as('dev'), space('s1', 'acme'));
      expect(backend.log).toEqual([
        'create namespace s1', 'template instance s1/base-x1 of base', 'template instance s1/named of extra', 'bind s1 kiosk-account-acme admin',
        'patch namespace s1 {"metadata":{"annotations":{"kiosk.sh/space-phase":null,"kiosk.sh/space-creator":null}}}',
      ]);
      expect(templates.calls).toEqual(['s1: base-x1, named']);
      expect(templates.inFlight).toEqual([true]);
      expect(creates.has('s1')).toBe(false);
      expect(created.metadata.annotations).toEqual({});
    });

    it('isolates a space of an isolated account before its tenant is bound, and records the policy on it', async () => {
      backend.accounts.set('acme', account('acme', { isolation: { podSecurity: 'restricted', network: 'Account' } }));
      const created = await store.create(as('dev'), space('s1', 'acme'));
      expect(backend.log).toEqual([
        'create namespace s1',
        'networkpolicy s1 kiosk-account-isolation [{"from":[{"namespaceSelector":{"matchLabels":{"kiosk.sh/account":"acme"}}}]}]',
        'bind s1 kiosk-account-acme admin',
        'patch namespace s1 {"metadata":{"annotations":{"kiosk.sh/network-isolation":"Account"}}}',
      ]);
      expect(created.metadata.labels).toEqual({
        'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted', 'pod-security.kubernetes.io/audit': 'restricted',
      });
      expect(created.status.conditions?.map((c) => `${c.type}=${c.status}`)).toEqual(['PodSecurityEnforced=True', 'NetworkIsolated=True']);
    });

    it('refuses a tenant\'s label under a reserved prefix unless it is what the account sets, and lets admins set any', async () => {
      backend.accounts.set('acme', account('acme', { space: { spaceTemplate: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } } } }));
      for (const labels of [{ 'pod-security.kubernetes.io/audit': 'privileged' }, { 'pod-security.kubernetes.io/enforce': 'privileged' }] as Array<Record<string, string>>) {
        const err = await statusOf(store.create(as('dev'), space('s1', 'acme', { labels })));
        expect(err.toStatus()).toMatchObject({
          code: 403, reason: 'Forbidden', details: { name: 's1', group: 'tenancy.kiosk.sh', kind: 'spaces' },
          message: expect.stringMatching(/^spaces\.tenancy\.kiosk\.sh "s1" is forbidden: label "pod-security\.kubernetes\.io\/\w+": keys under pod-security\.kubernetes\.io\/, kiosk\.sh\/ are reserved/) as unknown,
        });
      }
      expect(backend.namespaces.has('s1')).toBe(false);
      // Asking for exactly what the spaceTemplate sets is no escalation.
      await store.create(as('dev'), space('s1', 'acme', { labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } }));
      expect(backend.namespaces.get('s1')?.metadata.labels).toEqual({ [ACCOUNT_LABEL]: 'acme', 'pod-security.kubernetes.io/enforce': 'baseline' });
      backend.allowed.add('root update ');
      backend.accounts.set('acme', { ...account('acme'), spec: { subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'root' }] } });
      await store.create(as('root'), space('s2', 'acme', { annotations: { 'kiosk.sh/owner': 'platform' } }));
      expect(backend.namespaces.get('s2')?.metadata.annotations).toEqual({ 'kiosk.sh/owner': 'platform' });
    });

    it('writes the mark into the namespace create itself, and a tenant cannot forge it', async () => {
      backend.accounts.set('acme', account('acme', { space: { templateInstances: [{ spec: { template: 'base' } }] } }));
      let annotations: Record<string, string> | undefined;
      const create = backend.createNamespace.bind(backend);
      backend.createNamespace = (ns, dryRun) => { annotations = ns.metadata.annotations; return create(ns, dryRun); };
      await store.create(as('dev'), space('s1', 'acme', { annotations: { 'kiosk.sh/space-phase': 'done', keep: 'me' } }));
      expect(annotations).toEqual({ keep: 'me', ...MARK });
    });

    it('removes a space whose templates fail, and says why', async () => {
      backend.accounts.set('acme', account('acme', { space: { templateInstances: [{ spec: { template: 'base' } }] } }));
      templates.answer = { ok: false, name: 'base-x1', reason: 'Failed', message: 'boom' };
      const err = await statusOf(store.create(as('dev'), space('s1', 'acme')));
      expect(err.toStatus()).toMatchObject({
        code: 500, reason: 'InternalError', message: 'Internal error occurred: TemplateInstance \'base-x1\' failed with Failed: boom',
        details: { name: 's1', group: 'tenancy.kiosk.sh', kind: 'spaces', causes: [{ message: 'TemplateInstance \'base-x1\' failed with Failed: boom' }] },
      });
      expect(backend.log).toContain('delete namespace s1 {"dryRun":false,"propagationPolicy":"Background"}');
      expect(backend.log.some((l) => l.startsWith('bind'))).toBe(false);
      expect(creates.has('s1')).toBe(false);
    });

    it('in a dry run makes nothing: no namespace, template, binding, mark or reservation held', async () => {
      backend.accounts.set('acme', account('acme', { space: { limit: 3, templateInstances: [{ spec: { template: 'base' } }] } }));
      const created = await store.create(as('dev', true), space('s1', 'acme'));
      expect(created.metadata.annotations).toBeUndefined();
      expect(backend.namespaces.has('s1')).toBe(false);
      expect(backend.log).toEqual(['reserve acme s1 (dry run)', 'create namespace s1 (dry run)']);
      expect(index.waits).toEqual([]);
    });
  });

  describe('update', () => {
    beforeEach(() => {
      const ns = backend.namespace('s1', 'acme');
      index.visible.add('dev s1');
      index.versions.set('s1', must(ns.metadata.resourceVersion));
      backend.allowed.add('dev update s1');
    });

    it('is 404 for a space the user cannot see, 403 for one RBAC does not let them update', async () => {
      expect((await statusOf(store.update(as('eve'), 's1', space('s1', 'acme')))).message).toBe('spaces.tenancy.kiosk.sh "s1" not found');
      index.visible.add('eve s1');
      expect((await statusOf(store.update(as('eve'), 's1', space('s1', 'acme')))).message).toBe(
        'spaces.tenancy.kiosk.sh "s1" is forbidden: User "eve" cannot update resource "namespaces" in API group "" in the namespace "s1"');
    });

    it('refuses a stale copy with the optimistic-lock conflict, and so a conflict kube-apiserver finds', async () => {
      expect((await statusOf(store.update(as('dev'), 's1', space('s1', 'acme', { resourceVersion: '7', labels: { a: 'b' } })))).message)
        .toBe(`Operation cannot be fulfilled on spaces.tenancy.kiosk.sh "s1": ${OPTIMISTIC_LOCK_ERROR_MSG}`);
      backend.failUpdate = new KubeApiError(409, { reason: 'Conflict', message: 'Operation cannot be fulfilled on namespaces "s1"' }, 'conflict');
      expect((await statusOf(store.update(as('dev'), 's1', space('s1', 'acme', { labels: { a: 'b' } })))).message)
        .toBe(`Operation cannot be fulfilled on spaces.tenancy.kiosk.sh "s1": ${OPTIMISTIC_LOCK_ERROR_MSG}`);
    });

    it('passes kube-apiserver\'s 422 for the namespace through', async () => {
      backend.failUpdate = new KubeApiError(422, { reason: 'Invalid', code: 422, message: 'Namespace "s1" is invalid: metadata.labels: Invalid value: "-"' }, 'invalid');
      const err = await statusOf(store.update(as('dev'), 's1', space('s1', 'acme', { labels: { a: '-' } })));
      expect(err.toStatus()).toMatchObject({ code: 422, reason: 'Invalid', message: 'Namespace "s1" is invalid: metadata.labels: Invalid value: "-"' });
    });

    it('writes labels and annotations, keeps the account label and the creating mark, and waits for the index', async () => {
      must(backend.namespaces.get('s1')).metadata.annotations = { ...MARK };
      const updated = await store.update(as('dev'), 's1', space('s1', 'acme', { labels: { team: 'a', [ACCOUNT_LABEL]: 'forged' }, annotations: { note: 'x' } }));
      expect(backend.namespaces.get('s1')?.metadata).toMatchObject({ labels: { team: 'a', [ACCOUNT_LABEL]: 'acme' }, annotations: { note: 'x', ...MARK } });
      expect(updated.metadata.labels).toEqual({ team: 'a' });
      expect(index.waits).toEqual([false]);
    });

    it('refuses a tenant\'s pod-security label, keeps the account\'s and the server\'s isolation annotations whatever the tenant sends', async () => {
      backend.accounts.set('acme', account('acme', { isolation: { podSecurity: 'baseline' } }));
      must(backend.namespaces.get('s1')).metadata.annotations = { 'kiosk.sh/network-isolation': 'Account' };
      const refused = await statusOf(store.update(as('dev'), 's1', space('s1', 'acme', { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } })));
      expect(refused.toStatus()).toMatchObject({ code: 403, reason: 'Forbidden' });
      // The server's bookkeeping is dropped from the request, not judged: the update goes through without it.
      await store.update(as('dev'), 's1', space('s1', 'acme', { labels: { team: 'a' }, annotations: { 'kiosk.sh/pod-security': 'privileged' } }));
      expect(backend.namespaces.get('s1')?.metadata).toMatchObject({
        labels: { team: 'a', 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/warn': 'baseline', 'pod-security.kubernetes.io/audit': 'baseline' },
        annotations: { 'kiosk.sh/pod-security': 'baseline', 'kiosk.sh/network-isolation': 'Account' },
      });
    });

    it('refuses a tenant\'s change or removal of a reserved key, allows other edits that carry it unchanged', async () => {
      must(backend.namespaces.get('s1')).metadata.labels = { [ACCOUNT_LABEL]: 'acme', 'pod-security.kubernetes.io/enforce': 'restricted' };
      for (const labels of [{ 'pod-security.kubernetes.io/enforce': 'privileged' }, {}, { 'pod-security.kubernetes.io/enforce': 'restricted', 'kiosk.sh/x': '1' }] as Array<Record<string, string>>) {
        const err = await statusOf(store.update(as('dev'), 's1', space('s1', 'acme', { labels })));
        expect(err.toStatus()).toMatchObject({ code: 403, reason: 'Forbidden' });
      }
      expect(backend.log).toEqual([]);
      await store.update(as('dev'), 's1', space('s1', 'acme', { labels: { 'pod-security.kubernetes.io/enforce': 'restricted', team: 'a' } }));
      expect(backend.namespaces.get('s1')?.metadata.labels).toEqual({ [ACCOUNT_LABEL]: 'acme', 'pod-security.kubernetes.io/enforce': 'restricted', team: 'a' });
      backend.allowed.add('dev update ');
      await store.update(as('dev'), 's1', space('s1', 'acme', { labels: { team: 'a' } }));
      expect(backend.namespaces.get('s1')?.metadata.labels).toEqual({ [ACCOUNT_LABEL]: 'acme', team: 'a' });
    });

    it('writes nothing when nothing changes', async () => {
      await store.update(as('dev'), 's1', space('s1', 'acme'));
      expect(backend.log).toEqual([]);
    });

    // Make before break: a subject of both accounts never loses the space on the way (no DELETED, ADDED in a watch).
    it('moves a space between accounts with the RoleBinding, the new one bound before the old one goes', async () => {
      backend.accounts.set('other', { ...account('other', { space: { limit: 4, clusterRole: 'edit' } }) });
      await store.update(as('dev'), 's1', space('s1', 'other'));
      expect(backend.log).toEqual(['reserve other s1', 'update namespace s1', 'release other s1', 'bind s1 kiosk-account-other edit', 'unbind s1 kiosk-account-acme']);
      expect(backend.namespaces.get('s1')?.metadata.labels).toEqual({ [ACCOUNT_LABEL]: 'other' });
    });

    it('in a dry run moves nothing', async () => {
      backend.accounts.set('other', account('other'));
      await store.update(as('dev', true), 's1', space('s1', 'other'));
      expect(backend.log).toEqual(['update namespace s1 (dry run)']);
      expect(backend.namespaces.get('s1')?.metadata.labels).toEqual({ [ACCOUNT_LABEL]: 'acme' });
      expect(index.waits).toEqual([]);
    });
  });

  describe('delete', () => {
    beforeEach(() => {
      backend.namespace('s1', 'acme');
      index.visible.add('dev s1');
      backend.allowed.add('dev delete s1');
    });

    it('checks the uid precondition with kube-apiserver\'s words', async () => {
      const err = await statusOf(store.delete(as('dev'), 's1', { dryRun: false, preconditions: { uid: 'other' } }));
      expect(err.toStatus()).toMatchObject({
        code: 409, reason: 'Conflict', message: 'Operation cannot be fulfilled on spaces.tenancy.kiosk.sh "s1": Precondition failed: UID in precondition: other, UID in object meta: uid-s1',
      });
      expect(backend.namespaces.get('s1')?.status).toBeUndefined();
    });

    it('deletes the namespace it checked, with the version when the client asked for one, and answers it Terminating', async () => {
      const rv = must(must(backend.namespaces.get('s1')).metadata.resourceVersion);
      const deleted = await store.delete(as('dev'), 's1', { dryRun: false, propagationPolicy: 'Foreground', preconditions: { resourceVersion: rv } });
      expect(deleted.status).toEqual({ phase: 'Terminating' });
      expect(backend.log).toEqual([`delete namespace s1 {"dryRun":false,"propagationPolicy":"Foreground","uid":"uid-s1","resourceVersion":"${rv}"}`]);
    });

    it('is 403 without RBAC on the namespace, and in a dry run deletes nothing', async () => {
      expect((await statusOf(store.delete({ ...as('dev'), user: { username: 'dev', groups: [], extra: {} } }, 's2', { dryRun: false }))).code).toBe(404);
      index.visible.add('eve s1');
      expect((await statusOf(store.delete(as('eve'), 's1', { dryRun: false }))).message).toBe(
        'spaces.tenancy.kiosk.sh "s1" is forbidden: User "eve" cannot delete resource "namespaces" in API group "" in the namespace "s1"');
      await store.delete(as('dev', true), 's1', { dryRun: true });
      expect(backend.namespaces.get('s1')?.status).toBeUndefined();
    });
  });
});
