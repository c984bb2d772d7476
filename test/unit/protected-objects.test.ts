// The protection webhook: which objects in a space are protected, and who may change or delete them.
import type { AccessAttributes } from '../../storage/authorization/subject-access-reviewer.js';
import type { Account } from '../../registry/account/types.js';
import type { AdmissionRequest } from '../../registry/admission.js';
import { ProtectedObjectsAdmission } from '../../registry/protection/admission.js';
import { ISOLATION_POLICY_NAME, PROTECTED_LABEL, protectionOf } from '../../registry/protection/protected-objects.js';
import type { ObjectReference } from '../../registry/events.js';

const account = (spec: Record<string, unknown>): Account => ({ apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'Account', metadata: { name: 'acme' }, spec: spec });
const mandatory = account({ space: { templateInstances: [{ spec: { template: 'netpol' } }, { spec: { template: '' } }] }, isolation: { network: 'Account' } });
const labels = { [PROTECTED_LABEL]: 'true' };
const owned = (owner: string) => ({ apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'TemplateInstance', name: owner, uid: 'u' });

describe('protectionOf', () => {
  const source = { account: () => mandatory, templateOfInstance: (_ns: string, name: string) => ({ 'netpol-1': 'netpol', mine: 'other' } as Record<string, string>)[name] };

  it('protects the isolation policy, mandatory instances and what they deployed, when labelled', () => {
    expect(protectionOf({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: ISOLATION_POLICY_NAME, labels } }, 's1', 'acme', source))
      .toBe('keeps the network isolation of account acme');
    expect(protectionOf({ apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'TemplateInstance', metadata: { name: 'netpol-1', labels }, spec: { template: 'netpol' } }, 's1', 'acme', source))
      .toBe('instantiates template netpol, mandatory in account acme');
    expect(protectionOf({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny', labels, ownerReferences: [owned('netpol-1')] } }, 's1', 'acme', source))
      .toBe('was deployed by template netpol, mandatory in account acme');
  });

  it('protects nothing unlabelled, nothing of a template the account does not mandate, nothing a tenant only labelled', () => {
    const policy = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny', ownerReferences: [owned('netpol-1')] } };
    expect(protectionOf(policy, 's1', 'acme', source)).toBeUndefined();
    expect(protectionOf({ ...policy, metadata: { ...policy.metadata, labels, ownerReferences: [owned('mine')] } }, 's1', 'acme', source)).toBeUndefined();
    expect(protectionOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels } }, 's1', 'acme', source)).toBeUndefined();
    expect(protectionOf({ apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'TemplateInstance', metadata: { name: 'x', labels }, spec: { template: 'other' } }, 's1', 'acme', source)).toBeUndefined();
    // The isolation policy of an account that no longer isolates is the tenant's to remove.
    const open = { ...source, account: () => account({}) };
    expect(protectionOf({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: ISOLATION_POLICY_NAME, labels } }, 's1', 'acme', open)).toBeUndefined();
    // JSON of any shape from a review: never a throw.
    for (const odd of [{ metadata: 'x' }, { metadata: { labels: ['x'] } }, { metadata: { labels, ownerReferences: 'x' } }, { metadata: { labels, ownerReferences: [null, 1] } }]) {
      expect(protectionOf(odd as never, 's1', 'acme', source)).toBeUndefined();
    }
  });
});

describe('ProtectedObjectsAdmission', () => {
  const events: Array<{ regarding: ObjectReference; reason: string; note: string }> = [];
  const asked: AccessAttributes[] = [];
  const admins = new Set(['root']);
  const admission = new ProtectedObjectsAdmission({
    account: () => mandatory, templateOfInstance: () => 'netpol',
    accountOfNamespace: (ns) => (ns === 's1' ? 'acme' : undefined),
    authorize: (user, attributes) => { asked.push(attributes); return Promise.resolve({ allowed: admins.has(user.username), reason: '' }); },
    ownUsername: () => Promise.resolve('system:serviceaccount:kiosk-system:kiosk'),
  }, { record: (e) => { events.push(e); } });
  const policy = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny', namespace: 's1', labels, ownerReferences: [owned('netpol-1')] } };
  const review = (username: string, operation: AdmissionRequest['operation'], extra: Partial<AdmissionRequest> = {}): AdmissionRequest => ({
    uid: '1', operation, namespace: 's1', name: 'deny', userInfo: { username, groups: ['system:authenticated'] },
    resource: { group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies' }, oldObject: policy, ...extra,
  });

  beforeEach(() => { events.length = 0; asked.length = 0; });

  it('refuses a tenant\'s delete and update with the reason, and records a Warning on the namespace', async () => {
    const denied = await admission.admit(review('dba', 'DELETE'));
    expect(denied.allowed).toBe(false);
    if (denied.allowed) return;
    expect(denied.error.toStatus()).toMatchObject({
      code: 403, reason: 'Forbidden',
      message: 'networkpolicies.networking.k8s.io "deny" is forbidden: it was deployed by template netpol, mandatory in account acme; only cluster admins may delete it',
    });
    expect(asked).toEqual([{ verb: 'delete', resource: { group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies' } }]);
    expect(events).toMatchObject([{ regarding: { kind: 'Namespace', name: 's1' }, reason: 'ProtectedObject' }]);
    expect((await admission.admit(review('dba', 'UPDATE', { object: policy }))).allowed).toBe(false);
    // A dry run is refused the same, and records nothing.
    events.length = 0;
    expect((await admission.admit(review('dba', 'DELETE', { dryRun: true }))).allowed).toBe(false);
    expect(events).toEqual([]);
  });

  it('lets admins, the server itself, subresources, creates and other namespaces through', async () => {
    expect((await admission.admit(review('root', 'DELETE'))).allowed).toBe(true);
    expect((await admission.admit(review('system:serviceaccount:kiosk-system:kiosk', 'UPDATE'))).allowed).toBe(true);
    expect((await admission.admit(review('dba', 'UPDATE', { subResource: 'status' }))).allowed).toBe(true);
    expect((await admission.admit(review('dba', 'CREATE', { oldObject: undefined, object: policy }))).allowed).toBe(true);
    expect((await admission.admit(review('dba', 'DELETE', { namespace: 'elsewhere' }))).allowed).toBe(true);
    expect(events).toEqual([]);
  });
});
