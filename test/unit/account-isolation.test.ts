// Account spec.isolation (issue 14): the validation causes, the labels a new space's Namespace is written with,
// the NetworkPolicy, the Space conditions read back from the Namespace, and the account controller's
// reconcile (apply, repair with an Event, removal) against a recording writer.
import type { AccountSource, AccountWriter } from '../../registry/account/controller.js';
import { AccountController } from '../../registry/account/controller.js';
import { isolationNetworkPolicy, namespaceIsolationPatch } from '../../registry/account/isolation.js';
import type { Account, AccountIsolation } from '../../registry/account/types.js';
import { validateAccount } from '../../registry/account/validation.js';
import type { EventSink } from '../../registry/events.js';
import { namespaceToSpace } from '../../registry/space/convert.js';
import { namespaceApplyConfig, newNamespace } from '../../registry/space/namespace-of.js';
import type { Space } from '../../registry/space/types.js';
import type { ApplyTarget } from '../../storage/object-writer.js';
import { silentLogger } from '../../storage/logger.js';
import { recordingAccountWriter } from '../support/recording-account-writer.js';

const account = (isolation?: unknown, space?: Account['spec']['space']): Account => ({
  apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'Account', metadata: { name: 'team', uid: 'uid-team' },
  spec: { subjects: [{ kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }],
    ...(isolation === undefined ? {} : { isolation: isolation as AccountIsolation }), ...(space ? { space } : {}) },
});
const causes = (isolation: unknown) => validateAccount(account(isolation)).map((e) => `${e.field} ${e.type}: ${e.detail}`);
const PSA = (level: string) => ({
  'pod-security.kubernetes.io/enforce': level, 'pod-security.kubernetes.io/warn': level, 'pod-security.kubernetes.io/audit': level,
});

describe('spec.isolation validation', () => {
  it('accepts the documented shape and no isolation at all', () => {
    expect(causes(undefined)).toEqual([]);
    expect(causes({
      podSecurity: 'restricted', network: 'Account', allowFrom: [
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
        { namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'In', values: ['a', 'b'] }] }, podSelector: { matchLabels: { app: 'prom' } } },
        { ipBlock: { cidr: '10.0.0.0/16', except: ['10.0.1.0/24'] } },
        { ipBlock: { cidr: '2001:db8::/64' } },
      ],
    })).toEqual([]);
  });

  it('refuses values outside the enums, naming the supported ones', () => {
    expect(causes({ podSecurity: 'strict', network: 'Namespace' })).toEqual([
      'spec.isolation.podSecurity FieldValueNotSupported: Unsupported value: "strict": supported values: "privileged", "baseline", "restricted"',
      'spec.isolation.network FieldValueNotSupported: Unsupported value: "Namespace": supported values: "None", "Account"',
    ]);
  });

  it('refuses more than 32 peers', () => {
    const peer = { podSelector: {} };
    expect(causes({ allowFrom: Array.from({ length: 33 }, () => peer) })).toEqual([
      'spec.isolation.allowFrom FieldValueTooMany: Too many: 33: must have at most 32 items',
    ]);
    expect(causes({ allowFrom: Array.from({ length: 32 }, () => peer) })).toEqual([]);
  });

  it('wants exactly one of ipBlock or selectors in each peer', () => {
    expect(causes({ allowFrom: [{}, { ipBlock: { cidr: '10.0.0.0/8' }, namespaceSelector: {} }] })).toEqual([
      'spec.isolation.allowFrom[0] FieldValueRequired: Required value: must specify a peer',
      'spec.isolation.allowFrom[1] FieldValueForbidden: Forbidden: may not specify both ipBlock and another peer',
    ]);
  });

  it('checks selectors and CIDRs as kube-apiserver would', () => {
    expect(causes({ allowFrom: [
      { namespaceSelector: { matchLabels: { 'bad key!': 'x' } } },
      { podSelector: { matchExpressions: [{ key: 'a', operator: 'In' }, { key: 'b', operator: 'Exists', values: ['x'] }, { key: 'c', operator: 'Near', values: [] }] } },
      { ipBlock: { cidr: '10.0.0.300/8', except: ['nope'] } },
      { ipBlock: {} },
    ] })).toEqual([
      'spec.isolation.allowFrom[0].namespaceSelector.matchLabels FieldValueInvalid: Invalid value: "bad key!": name part must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyName\',  or \'my.name\',  or \'123-abc\', regex used for validation is \'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\')',
      'spec.isolation.allowFrom[1].podSelector.matchExpressions[0].values FieldValueRequired: Required value: must be specified when `operator` is \'In\' or \'NotIn\'',
      'spec.isolation.allowFrom[1].podSelector.matchExpressions[1].values FieldValueForbidden: Forbidden: may not be specified when `operator` is \'Exists\' or \'DoesNotExist\'',
      'spec.isolation.allowFrom[1].podSelector.matchExpressions[2].operator FieldValueNotSupported: Unsupported value: "Near": supported values: "In", "NotIn", "Exists", "DoesNotExist"',
      'spec.isolation.allowFrom[2].ipBlock.cidr FieldValueInvalid: Invalid value: "10.0.0.300/8": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
      'spec.isolation.allowFrom[2].ipBlock.except[0] FieldValueInvalid: Invalid value: "nope": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
      'spec.isolation.allowFrom[3].ipBlock.cidr FieldValueRequired: Required value',
    ]);
  });

  it('answers wrong JSON types with causes, never a TypeError', () => {
    expect(causes('restricted')).toEqual(['spec.isolation FieldValueTypeInvalid: Invalid value: must be an object']);
    expect(causes({ allowFrom: { podSelector: {} } })).toEqual(['spec.isolation.allowFrom FieldValueTypeInvalid: Invalid value: must be a list of NetworkPolicyPeers']);
    expect(causes({ allowFrom: [{ podSelector: 'app=x' }] })).toEqual(['spec.isolation.allowFrom[0].podSelector FieldValueTypeInvalid: Invalid value: must be a label selector object']);
  });
});

const space = (labels?: Record<string, string>, annotations?: Record<string, string>): Space => ({
  apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'Space', metadata: { name: 's', ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) },
  spec: { account: 'team' }, status: {},
});

describe('the Namespace of a new space', () => {
  it('carries the account\'s pod-security labels over the user\'s and the space template\'s', () => {
    const ns = newNamespace(space({ 'pod-security.kubernetes.io/enforce': 'privileged', app: 'x' }), 's',
      account({ podSecurity: 'restricted' }, { spaceTemplate: { metadata: { labels: { 'pod-security.kubernetes.io/warn': 'baseline' } } } }));
    expect(ns.metadata.labels).toEqual({ ...PSA('restricted'), app: 'x', 'kiosk.sh/account': 'team' });
    expect(ns.metadata.annotations).toEqual({ 'kiosk.sh/pod-security': 'restricted' });
  });

  it('says the network policy is pending until the create has applied it; the tenant cannot say otherwise', () => {
    const ns = newNamespace(space(undefined, { 'kiosk.sh/network-isolation': 'Account', note: 'n' }), 's', account({ network: 'Account' }));
    expect(ns.metadata.labels).toEqual({ 'kiosk.sh/account': 'team' });
    expect(ns.metadata.annotations).toEqual({ note: 'n', 'kiosk.sh/network-isolation': 'Pending' });
    expect(namespaceApplyConfig(space(undefined, { 'kiosk.sh/pod-security': 'baseline', note: 'n' })).metadata.annotations).toEqual({ note: 'n' });
  });

  it('is as before for an account without isolation', () => {
    const ns = newNamespace(space({ app: 'x' }), 's', account());
    expect(ns.metadata).toEqual({ name: 's', labels: { app: 'x', 'kiosk.sh/account': 'team' } });
  });
});

describe('the isolation NetworkPolicy', () => {
  it('admits ingress only from the account\'s spaces and allowFrom, labelled as the server\'s and protected', () => {
    const policy = isolationNetworkPolicy(account({ network: 'Account', allowFrom: [
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
      { ipBlock: { cidr: '10.0.0.0/16', except: [] } },
      { podSelector: { matchLabels: {} } },
    ] }), 's');
    expect(policy).toEqual({
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy',
      metadata: { name: 'kiosk-account-isolation', namespace: 's', labels: { 'app.kubernetes.io/name': 'kiosk', 'kiosk.sh/account': 'team', 'kiosk.sh/protected': 'true' } },
      spec: {
        podSelector: {}, policyTypes: ['Ingress'],
        ingress: [{ from: [
          { namespaceSelector: { matchLabels: { 'kiosk.sh/account': 'team' } } },
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
          // Stored as kube-apiserver stores it (empty lists and maps dropped), so a reconcile sees no difference.
          { ipBlock: { cidr: '10.0.0.0/16' } },
          { podSelector: {} },
        ] }],
      },
    });
  });
});

describe('Space conditions', () => {
  const view = (labels: Record<string, string>, annotations?: Record<string, string>) =>
    namespaceToSpace({ metadata: { name: 's', labels: { 'kiosk.sh/account': 'team', ...labels }, ...(annotations ? { annotations } : {}) }, status: { phase: 'Active' } }).status;

  it('are absent for a space of an account without isolation (the output is unchanged)', () => {
    expect(view({ 'pod-security.kubernetes.io/enforce': 'baseline' })).toEqual({ phase: 'Active' });
  });

  it('say True when the labels and the policy are in place', () => {
    expect(view(PSA('restricted'), { 'kiosk.sh/pod-security': 'restricted', 'kiosk.sh/network-isolation': 'Account' }).conditions).toEqual([
      { type: 'PodSecurityEnforced', status: 'True', reason: 'LabelsSet', message: 'Pods must meet the "restricted" Pod Security Standard (enforce, warn and audit)' },
      { type: 'NetworkIsolated', status: 'True', reason: 'NetworkPolicyApplied',
        message: 'NetworkPolicy kiosk-account-isolation admits ingress only from the account\'s spaces and spec.isolation.allowFrom (enforced by a NetworkPolicy-capable CNI)' },
    ]);
  });

  it('say False while a label has drifted or the policy is pending', () => {
    expect(view({ ...PSA('restricted'), 'pod-security.kubernetes.io/enforce': 'privileged' },
      { 'kiosk.sh/pod-security': 'restricted', 'kiosk.sh/network-isolation': 'Pending' }).conditions).toEqual([
      { type: 'PodSecurityEnforced', status: 'False', reason: 'LabelsChanged', message: 'pod-security.kubernetes.io/enforce not "restricted"; the account controller is restoring them' },
      { type: 'NetworkIsolated', status: 'False', reason: 'Pending', message: 'NetworkPolicy kiosk-account-isolation is not applied yet' },
    ]);
  });
});

describe('the namespace patch', () => {
  it('removes only the labels the server set, and only while they hold its level', () => {
    expect(namespaceIsolationPatch({ labels: { ...PSA('baseline'), 'pod-security.kubernetes.io/audit': 'restricted' }, annotations: { 'kiosk.sh/pod-security': 'baseline' } }, undefined, false))
      .toEqual({ metadata: { labels: { 'pod-security.kubernetes.io/enforce': null, 'pod-security.kubernetes.io/warn': null }, annotations: { 'kiosk.sh/pod-security': null } } });
    // Labels an admin set himself (no annotation) are not the server's.
    expect(namespaceIsolationPatch({ labels: PSA('baseline') }, undefined, false)).toBeUndefined();
  });
});

describe('AccountController and spec.isolation', () => {
  let acct: Account;
  let meta: { name: string; labels: Record<string, string>; annotations?: Record<string, string> };
  let policies: Map<string, { metadata: { name: string; namespace: string; labels: Record<string, string> }; spec: unknown }>;
  let accountOf: Map<string, string>;
  let writes: string[];
  let bodies: unknown[];
  let events: Array<{ type: string; reason: string; note: string; name: string }>;
  let controller: AccountController;
  /** The namespace where applying the policy fails. */
  let failIn: string | undefined;

  beforeEach(() => {
    failIn = undefined;
    acct = account();
    meta = { name: 's', labels: { 'kiosk.sh/account': 'team' } };
    policies = new Map();
    accountOf = new Map([['s', 'team']]);
    writes = [];
    bodies = [];
    events = [];
    const source: AccountSource = {
      account: (name) => (name === 'team' ? acct : undefined),
      namespacesOf: (name) => [...accountOf].filter(([, a]) => a === name).map(([ns]) => ns),
      accountOfNamespace: (ns) => accountOf.get(ns),
      roleBindingsOf: () => [],
      networkPolicy: (ns) => policies.get(ns),
      networkPoliciesOf: (name) => [...policies.values()].filter((p) => p.metadata.labels['kiosk.sh/account'] === name),
      instancesIn: () => [],
      namespaceCreated: () => 0,
      namespace: (name) => (name === 's' ? { metadata: meta } : accountOf.has(name) ? { metadata: { name } } : undefined),
      clusterRole: () => undefined,
      clusterRoleBinding: () => undefined,
    };
    const base = recordingAccountWriter(writes);
    const writer: AccountWriter = {
      ...base,
      apply: <T>(obj: ApplyTarget, plural: string) => {
        if (plural === 'networkpolicies') bodies.push(obj);
        if (plural === 'networkpolicies' && obj.metadata.namespace === failIn) return Promise.reject(new Error('networkpolicies is forbidden'));
        return base.apply<T>(obj, plural);
      },
      patch: <T>(obj: ApplyTarget, plural: string, patch: unknown) => { if (plural === 'namespaces') bodies.push(patch); return base.patch<T>(obj, plural, patch); },
    };
    const sink: EventSink = { record: (e) => { events.push({ type: e.type, reason: e.reason, note: e.note, name: e.regarding.name }); } };
    controller = new AccountController(source, writer, silentLogger, sink);
  });
  afterEach(() => { controller.stop(); });

  /** The isolation writes of one reconcile (the account's own RBAC left out). */
  const reconcile = async () => {
    writes.length = 0;
    bodies.length = 0;
    controller.onAccount(acct);
    controller.start();
    await controller.idle();
    controller.stop();
    return writes.filter((w) => / (networkpolicies|namespaces) /.test(w));
  };
  /** What the informers would hold after the writes of a reconcile. */
  const settle = () => {
    const policy = bodies.find((b): b is ReturnType<typeof isolationNetworkPolicy> => (b as { kind?: string }).kind === 'NetworkPolicy');
    if (policy) policies.set('s', policy);
    if (writes.includes('delete networkpolicies s/kiosk-account-isolation')) policies.delete('s');
    const patch = bodies.find((b) => (b as { metadata?: unknown }).metadata && !(b as { kind?: string }).kind) as
      { metadata: { labels?: Record<string, string | null>; annotations?: Record<string, string | null> } } | undefined;
    const merge = (into: Record<string, string>, p: Record<string, string | null> | undefined) => {
      for (const [k, v] of Object.entries(p ?? {})) {
        if (v === null) Reflect.deleteProperty(into, k);
        else into[k] = v;
      }
      return into;
    };
    meta = { name: 's', labels: merge({ ...meta.labels }, patch?.metadata.labels), annotations: merge({ ...meta.annotations }, patch?.metadata.annotations) };
  };

  it('writes nothing for an account without isolation', async () => {
    expect(await reconcile()).toEqual([]);
  });

  it('isolates an existing space when the account asks, then has nothing more to do', async () => {
    acct = account({ podSecurity: 'baseline', network: 'Account' });
    expect(await reconcile()).toEqual(['apply networkpolicies s/kiosk-account-isolation', 'patch namespaces /s']);
    expect(bodies[1]).toEqual({ metadata: { labels: PSA('baseline'), annotations: { 'kiosk.sh/pod-security': 'baseline', 'kiosk.sh/network-isolation': 'Account' } } });
    settle();
    expect(await reconcile()).toEqual([]);
    expect(events).toEqual([]);
  });

  it('repairs drift with a Normal IsolationRepaired Event, but not its own apply still on its way', async () => {
    acct = account({ podSecurity: 'restricted', network: 'Account' });
    await reconcile();
    // The informer has not seen the policy yet: applied again, but no one changed anything.
    meta = { name: 's', labels: { ...meta.labels, ...PSA('restricted') }, annotations: { 'kiosk.sh/pod-security': 'restricted', 'kiosk.sh/network-isolation': 'Account' } };
    expect(await reconcile()).toEqual(['apply networkpolicies s/kiosk-account-isolation']);
    expect(events).toEqual([]);
    settle();
    meta.labels['pod-security.kubernetes.io/enforce'] = 'privileged';
    expect(await reconcile()).toEqual(['patch namespaces /s']);
    expect(bodies).toEqual([{ metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } }]);
    expect(events).toEqual([{ type: 'Normal', reason: 'IsolationRepaired', name: 's',
      note: 'Restored the isolation of account team: pod-security labels were changed (restored to restricted)' }]);
  });

  it('removes the policy and the server\'s labels when the account drops isolation', async () => {
    acct = account({ podSecurity: 'restricted', network: 'Account' });
    await reconcile();
    settle();
    acct = account({ network: 'None' });
    expect(await reconcile()).toEqual(['delete networkpolicies s/kiosk-account-isolation', 'patch namespaces /s']);
    expect(bodies).toEqual([{ metadata: {
      labels: { 'pod-security.kubernetes.io/enforce': null, 'pod-security.kubernetes.io/warn': null, 'pod-security.kubernetes.io/audit': null },
      annotations: { 'kiosk.sh/pod-security': null, 'kiosk.sh/network-isolation': null },
    } }]);
  });

  it('does not bind a new space whose isolation failed, and binds the others', async () => {
    acct = account({ network: 'Account' });
    accountOf.set('t', 'team');
    failIn = 's';
    writes.length = 0;
    controller.onAccount(acct);
    controller.start();
    await controller.idle();
    controller.stop();
    const bound = writes.filter((w) => w.startsWith('apply rolebindings'));
    expect(bound).toEqual(['apply rolebindings t/kiosk-account-team']);
    expect(events.filter((e) => e.type === 'Warning').map((e) => `${e.reason} ${e.name}`)).toContain('IsolationSyncFailed s');
  });

  it('takes the policy from a space that left the account for none', async () => {
    acct = account({ network: 'Account' });
    await reconcile();
    settle();
    accountOf.delete('s');
    expect(await reconcile()).toEqual(['delete networkpolicies s/kiosk-account-isolation', 'patch namespaces /s']);
    expect(bodies).toEqual([{ metadata: { annotations: { 'kiosk.sh/network-isolation': null } } }]);
  });
});
