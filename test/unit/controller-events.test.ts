// The Events the controllers emit, through a recording EventSink: what a tenant or admin will see.
import type { AccountSource, AccountWriter } from '../../registry/account/controller.js';
import { AccountController } from '../../registry/account/controller.js';
import type { Account } from '../../registry/account/types.js';
import type { EventSink } from '../../registry/events.js';
import type { Mapping, TemplateBackend, TemplateSource } from '../../registry/template/controller.js';
import { TemplateInstanceController } from '../../registry/template/controller.js';
import type { Template, TemplateInstance } from '../../registry/template/types.js';
import type { ApplyTarget } from '../../storage/object-writer.js';
import { silentLogger } from '../../storage/logger.js';

type Recorded = Parameters<EventSink['record']>[0];

class RecordingSink implements EventSink {
  readonly events: Recorded[] = [];
  record(event: Recorded): void {
    this.events.push(event);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
async function until(predicate: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(5);
  }
}

/** kube-apiserver's refusal, as storage's KubeApiError carries it. */
const forbidden = (message: string) => Object.assign(new Error(`PATCH /some/path: 403 ${message}`), { statusCode: 403, status: { kind: 'Status', message } });

describe('TemplateInstanceController events', () => {
  const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { a: 'b' } };
  const broken = { apiVersion: 'v1', kind: 'NoSuchKind', metadata: { name: 'broken' } };
  let template: Template;
  let instance: TemplateInstance;
  let sink: RecordingSink;
  let controller: TemplateInstanceController;

  beforeEach(() => {
    template = { apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'Template', metadata: { name: 'tpl', uid: 't-1', resourceVersion: '5' }, resources: { manifests: [broken] } };
    instance = {
      apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'TemplateInstance',
      metadata: { name: 'ti', namespace: 'team-a', uid: 'ti-1', resourceVersion: '10' }, spec: { template: 'tpl' },
    };
    sink = new RecordingSink();
    const source: TemplateSource = {
      instance: () => instance,
      instancesOfTemplate: () => [instance],
      template: () => template,
      liveTemplate: async () => template,
      namespace: (name) => ({ metadata: { name } }),
      account: () => undefined,
    };
    let rv = 10;
    const backend: TemplateBackend = {
      mapping: async (_apiVersion, kind): Promise<Mapping | undefined> => (kind === 'ConfigMap' ? { prefix: '/api/v1', resource: 'configmaps', namespaced: true } : undefined),
      apply: async () => undefined,
      remove: async () => undefined,
      // As the informer would: the status write comes back as a new version of the instance.
      patchInstanceStatus: async (_ns, _name, status) => {
        instance = { ...instance, metadata: { ...instance.metadata, resourceVersion: String(++rv) }, status };
        controller.onInstance(instance);
      },
      helmTemplate: async () => '',
      secretValue: async () => undefined,
    };
    controller = new TemplateInstanceController(source, backend, silentLogger, sink);
  });
  afterEach(() => controller.close());

  it('records a Warning DeployFailed with the status message on every failed attempt', async () => {
    controller.start();
    controller.onInstance(instance);
    await until(() => sink.events.length >= 2);
    controller.stop();
    expect(instance.status).toMatchObject({ status: 'Failed', reason: 'FindObjectMapping', message: 'no matches for kind "NoSuchKind" in version "v1"' });
    for (const e of sink.events) {
      expect(e).toMatchObject({
        type: 'Warning', reason: 'DeployFailed', action: 'Deploying', note: instance.status!.message,
        regarding: { apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'TemplateInstance', name: 'ti', namespace: 'team-a', uid: 'ti-1' },
      });
    }
  });

  it('records a Normal Deployed once, on the change to Deployed, not on resyncs', async () => {
    template.resources = { manifests: [configMap] };
    controller.start();
    controller.onInstance(instance);
    await until(() => instance.status?.status === 'Deployed');
    controller.onInstance(instance);
    controller.onInstance(instance);
    await sleep(50);
    expect(sink.events).toEqual([{
      type: 'Normal', reason: 'Deployed', action: 'Deploying', note: "Deployed 1 object(s) of template 'tpl'",
      regarding: { apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'TemplateInstance', name: 'ti', namespace: 'team-a', uid: 'ti-1', resourceVersion: '10' },
    }]);
  });

  it('records the recovery from Failed to Deployed', async () => {
    controller.start();
    controller.onInstance(instance);
    await until(() => instance.status?.status === 'Failed');
    template = { ...template, metadata: { ...template.metadata, resourceVersion: '6' }, resources: { manifests: [configMap] } };
    controller.onInstance(instance);
    await until(() => instance.status?.status === 'Deployed');
    await sleep(20);
    expect(sink.events.map((e) => `${e.type} ${e.reason}`).at(-1)).toBe('Normal Deployed');
    expect(sink.events.filter((e) => e.reason === 'Deployed')).toHaveLength(1);
  });

  it('reports a failure outside the render and apply path (a refused status write) too', async () => {
    template.resources = { manifests: [] };
    instance.status = { status: 'Failed', templateManifests: '' };
    const failing = new TemplateInstanceController(
      { instance: () => instance, instancesOfTemplate: () => [], template: () => template, liveTemplate: async () => template, namespace: () => undefined, account: () => undefined },
      {
        mapping: async () => undefined, apply: async () => undefined, remove: async () => undefined,
        patchInstanceStatus: async () => { throw forbidden('templateinstances.config.kiosk.sh "ti" is forbidden'); },
        helmTemplate: async () => '', secretValue: async () => undefined,
      }, silentLogger, sink);
    failing.start();
    failing.onInstance(instance);
    await until(() => sink.events.length >= 1);
    failing.close();
    expect(sink.events[0]).toMatchObject({ type: 'Warning', reason: 'DeployFailed', note: 'templateinstances.config.kiosk.sh "ti" is forbidden' });
  });
});

describe('AccountController events', () => {
  const LONG_AGO = Date.now() - 3_600_000;
  let account: Account;
  let sink: RecordingSink;
  let applied: ApplyTarget[];
  let refuse: (obj: ApplyTarget, plural: string) => Error | undefined;
  let terminating: Set<string>;
  let deployed: Set<string>;
  let controller: AccountController;

  beforeEach(() => {
    account = {
      apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'Account', metadata: { name: 'acme', uid: 'a-1', resourceVersion: '7' },
      spec: { subjects: [{ kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }], space: { templateInstances: [{ spec: { template: 'base' } }] } },
    };
    sink = new RecordingSink();
    applied = [];
    refuse = () => undefined;
    terminating = new Set();
    deployed = new Set();
    const source: AccountSource = {
      account: () => account,
      namespacesOf: (name) => (name === 'acme' ? ['space-a', 'space-b'] : []),
      accountOfNamespace: (ns) => (['space-a', 'space-b'].includes(ns) ? 'acme' : undefined),
      roleBindingsOf: () => [],
      networkPolicy: () => undefined,
      networkPoliciesOf: () => [],
      instancesIn: (ns) => (deployed.has(ns) ? [{ spec: { template: 'base' }, status: { status: 'Deployed' } }] : []),
      namespaceCreated: () => LONG_AGO,
      namespace: (name) => ({ metadata: { name, uid: `uid-${name}`, resourceVersion: '3', ...(terminating.has(name) ? { deletionTimestamp: '2025-01-01T00:00:00Z' } : {}) } }),
      clusterRole: () => undefined,
      clusterRoleBinding: () => undefined,
    };
    const writer: AccountWriter = {
      apply: async <T>(obj: ApplyTarget, plural: string) => {
        const err = refuse(obj, plural);
        if (err) throw err;
        applied.push(obj);
        return obj as T;
      },
      patchStatus: async <T>() => ({}) as T,
      remove: async () => undefined,
      patch: async <T>() => ({}) as T,
    };
    controller = new AccountController(source, writer, silentLogger, sink);
  });
  afterEach(() => controller.stop());

  const reconcileOnce = async () => {
    controller.onAccount(account);
    controller.start();
    await controller.idle();
    controller.stop();
  };
  const accountRef = { apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'Account', name: 'acme', uid: 'a-1', resourceVersion: '7' };
  const namespaceRef = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', name, uid: `uid-${name}`, resourceVersion: '3' });

  it('records nothing when everything applies', async () => {
    // space-a has its mandatory template deployed: bound; space-b gets it, and its binding only once deployed.
    deployed.add('space-a');
    await reconcileOnce();
    expect(applied.map((o) => `${o.kind} ${o.metadata.namespace ?? ''}`)).toEqual(['ClusterRole ', 'ClusterRoleBinding ', 'RoleBinding space-a', 'TemplateInstance space-b']);
    expect(sink.events).toEqual([]);
  });

  it('a ClusterRole the server may not write: a Warning on the Account', async () => {
    refuse = (_o, plural) => (plural === 'clusterroles' ? forbidden('clusterroles.rbac.authorization.k8s.io "kiosk-account-acme" is forbidden') : undefined);
    await reconcileOnce();
    expect(sink.events).toEqual([{
      regarding: accountRef, type: 'Warning', reason: 'RBACSyncFailed', action: 'SyncingRBAC',
      note: 'Applying ClusterRole kiosk-account-acme failed: clusterroles.rbac.authorization.k8s.io "kiosk-account-acme" is forbidden',
    }]);
  });

  it('a RoleBinding refused in one space: a Warning on that Namespace and on the Account, and the other space still bound', async () => {
    account.spec.space = { clusterRole: 'cluster-admin' };
    const message = 'rolebindings.rbac.authorization.k8s.io "kiosk-account-acme" is forbidden: user "system:serviceaccount:kiosk-system:kiosk" is attempting to grant RBAC permissions not currently held';
    refuse = (o, plural) => (plural === 'rolebindings' && o.metadata.namespace === 'space-a' ? forbidden(message) : undefined);
    await reconcileOnce();
    expect(applied.filter((o) => o.kind === 'RoleBinding').map((o) => o.metadata.namespace)).toEqual(['space-b']);
    const note = `Binding the subjects of account acme to ClusterRole cluster-admin failed: ${message}`;
    expect(sink.events).toEqual([
      { regarding: namespaceRef('space-a'), type: 'Warning', reason: 'RoleBindingFailed', action: 'Binding', note },
      { regarding: accountRef, type: 'Warning', reason: 'RBACSyncFailed', action: 'Binding', note: `RoleBinding kiosk-account-acme failed in 1 space(s) (space-a); space-a: ${note}` },
    ]);
  });

  it('a template roll-out refused in a space: a Warning on that Namespace and on the Account', async () => {
    refuse = (o, plural) => (plural === 'templateinstances' && o.metadata.namespace === 'space-b' ? forbidden('namespaces "space-b" is being terminated') : undefined);
    await reconcileOnce();
    expect(applied.filter((o) => o.kind === 'TemplateInstance').map((o) => o.metadata.namespace)).toEqual(['space-a']);
    const note = 'Instantiating template base of account acme failed: namespaces "space-b" is being terminated';
    expect(sink.events).toEqual([
      { regarding: namespaceRef('space-b'), type: 'Warning', reason: 'TemplateRolloutFailed', action: 'RollingOutTemplates', note },
      { regarding: accountRef, type: 'Warning', reason: 'TemplateRolloutFailed', action: 'RollingOutTemplates', note: `Template roll-out failed in 1 space(s) (space-b); space-b: ${note}` },
    ]);
  });

  it('a space being deleted is left alone: no write into it, no Warning', async () => {
    // kube-apiserver would refuse the binding ("being terminated"): not a failure anyone must act on.
    refuse = (o) => (o.metadata.namespace === 'space-a' ? forbidden('unable to create new content in namespace space-a because it is being terminated') : undefined);
    terminating.add('space-a');
    deployed.add('space-b');
    await reconcileOnce();
    expect(applied.map((o) => `${o.kind} ${String(o.metadata.namespace)}`).filter((k) => k.includes('space-'))).toEqual(['RoleBinding space-b']);
    expect(sink.events).toEqual([]);
  });
});
