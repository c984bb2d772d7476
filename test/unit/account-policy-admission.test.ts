// The policy decision (registry/policy/admission.ts) over faked informer reads: which reviews are judged,
// the 403 the tenant reads, the Warning Event (not for a dry run), and policy-defaults' nodeSelector patch.
import type { AdmissionRequest } from '../../registry/admission.js';
import type { EventSink } from '../../registry/events.js';
import { nodeSelectorPatch } from '../../registry/policy/node-selector-patch.js';
import { PolicyAdmission } from '../../registry/policy/admission.js';
import { policyOf } from '../../registry/policy/policy-of.js';

const accounts: Record<string, unknown> = {
  guarded: { spec: { policy: { allowedRegistries: ['registry.example.com/'], allowedStorageClasses: ['gp3'], allowedIngressClasses: ['nginx'], nodeSelector: { pool: 'tenants' } } } },
  open: { spec: { subjects: [] } },
};
const namespaces: Record<string, string> = { 'team-a': 'guarded', 'team-b': 'open' };

let recorded: Array<Parameters<EventSink['record']>[0]>;
const admission = () => new PolicyAdmission({ accountOfNamespace: (ns) => namespaces[ns], account: (name) => accounts[name] }, { record: (e) => recorded.push(e) });
beforeEach(() => { recorded = []; });

const review = (over: Partial<AdmissionRequest> & { object?: Record<string, unknown> }): AdmissionRequest => ({
  uid: 'u', resource: { group: '', version: 'v1', resource: 'pods' }, namespace: 'team-a', name: 'x', operation: 'CREATE',
  userInfo: { username: 'dev' }, ...over,
});
const nginxPod = { metadata: { name: 'x' }, spec: { containers: [{ name: 'a', image: 'docker.io/nginx' }], nodeSelector: { pool: 'tenants' } } };
const goodPod = { metadata: { name: 'x' }, spec: { containers: [{ name: 'a', image: 'registry.example.com/nginx' }], nodeSelector: { pool: 'tenants' } } };

describe('policy.kiosk.sh', () => {
  it('refuses with a 403 in kube-apiserver\'s form and records a Warning Event on the namespace', () => {
    const decision = admission().validate(review({ object: nginxPod }));
    expect(decision.allowed).toBe(false);
    if (decision.allowed) return;
    expect(decision.error.toStatus()).toMatchObject({
      code: 403, reason: 'Forbidden', details: { name: 'x', group: '', kind: 'pods' },
      message: 'pods "x" is forbidden: image "docker.io/nginx" is not allowed in account guarded (allowed registries: registry.example.com/)',
    });
    expect(recorded).toEqual([{
      regarding: { apiVersion: 'v1', kind: 'Namespace', name: 'team-a' }, type: 'Warning', reason: 'PolicyViolation', action: 'Create',
      note: 'pods: image "docker.io/nginx" is not allowed in account guarded (allowed registries: registry.example.com/)',
    }]);
  });

  it('records no Event for a dry run, but refuses it the same', () => {
    expect(admission().validate(review({ object: nginxPod, dryRun: true })).allowed).toBe(false);
    expect(recorded).toEqual([]);
  });

  it('allows a compliant pod, any pod of an account without policy, and namespaces outside accounts', () => {
    expect(admission().validate(review({ object: goodPod }))).toEqual({ allowed: true });
    expect(admission().validate(review({ object: nginxPod, namespace: 'team-b' }))).toEqual({ allowed: true });
    expect(admission().validate(review({ object: nginxPod, namespace: 'elsewhere' }))).toEqual({ allowed: true });
    expect(recorded).toEqual([]);
  });

  it('names PVCs and Ingresses as kube-apiserver does, and judges each kind by its own rule', () => {
    const pvc = admission().validate(review({ resource: { group: '', version: 'v1', resource: 'persistentvolumeclaims' }, name: 'data',
      object: { metadata: { name: 'data' }, spec: { storageClassName: 'standard' } } }));
    expect(!pvc.allowed && pvc.error.message).toBe('persistentvolumeclaims "data" is forbidden: storage class "standard" is not allowed in account guarded (allowed storage classes: gp3)');
    const ing = admission().validate(review({ resource: { group: 'networking.k8s.io', version: 'v1', resource: 'ingresses' }, name: 'web',
      object: { metadata: { name: 'web' }, spec: { ingressClassName: 'traefik' } } }));
    expect(!ing.allowed && ing.error.message).toBe('ingresses.networking.k8s.io "web" is forbidden: ingress class "traefik" is not allowed in account guarded (allowed ingress classes: nginx)');
    expect(recorded.map((e) => e.note)).toEqual([
      'persistentvolumeclaims: storage class "standard" is not allowed in account guarded (allowed storage classes: gp3)',
      'ingresses.networking.k8s.io: ingress class "traefik" is not allowed in account guarded (allowed ingress classes: nginx)',
    ]);
    // A pod's other subresources (status, binding) are not the policy's.
    expect(admission().validate(review({ subResource: 'status', operation: 'UPDATE', object: nginxPod, oldObject: goodPod }))).toEqual({ allowed: true });
  });

  it('judges a new ephemeral container, and leaves an old pod\'s unchanged images alone on UPDATE', () => {
    const withDebug = { ...nginxPod, spec: { ...nginxPod.spec, ephemeralContainers: [{ name: 'd', image: 'busybox' }] } };
    const ephemeral = admission().validate(review({ subResource: 'ephemeralcontainers', operation: 'UPDATE', object: withDebug, oldObject: nginxPod }));
    expect(!ephemeral.allowed && ephemeral.error.message).toBe('pods "x" is forbidden: image "busybox" is not allowed in account guarded (allowed registries: registry.example.com/)');
    expect(recorded[0]?.action).toBe('Update');
    const relabelled = { ...nginxPod, metadata: { name: 'x', labels: { a: 'b' } } };
    expect(admission().validate(review({ operation: 'UPDATE', object: relabelled, oldObject: nginxPod }))).toEqual({ allowed: true });
    expect(admission().validate(review({ operation: 'DELETE', oldObject: nginxPod }))).toEqual({ allowed: true });
  });
});

describe('policy-defaults.kiosk.sh', () => {
  it('adds the nodeSelector to a pod without one, and nothing to a pod that has it', () => {
    const bare: Record<string, unknown> = { metadata: { generateName: 'web-' }, spec: { containers: [] } };
    expect(admission().defaults(review({ name: '', object: bare }))).toEqual({ allowed: true, patch: [{ op: 'add', path: '/spec/nodeSelector', value: { pool: 'tenants' } }] });
    expect(admission().defaults(review({ object: goodPod }))).toEqual({ allowed: true });
    expect(admission().defaults(review({ object: bare, namespace: 'team-b' }))).toEqual({ allowed: true });
    expect(admission().defaults(review({ object: bare, operation: 'UPDATE', oldObject: bare }))).toEqual({ allowed: true });
  });

  it('adds only absent keys, escapes them as JSON Pointer tokens, and leaves a conflicting value to the validating webhook', () => {
    const policy = { nodeSelector: { pool: 'tenants', 'kubernetes.io/os': 'linux', 'a~b': 'c' } };
    expect(nodeSelectorPatch(policy, { spec: { nodeSelector: { pool: 'other' } } })).toEqual([
      { op: 'add', path: '/spec/nodeSelector/kubernetes.io~1os', value: 'linux' },
      { op: 'add', path: '/spec/nodeSelector/a~0b', value: 'c' },
    ]);
    expect(nodeSelectorPatch(policy, { spec: { nodeSelector: null } })).toEqual([{ op: 'add', path: '/spec/nodeSelector', value: { pool: 'tenants', 'kubernetes.io/os': 'linux', 'a~b': 'c' } }]);
  });
});

describe('policyOf', () => {
  it('reads no policy as undefined and a malformed list as allowing nothing (fails closed)', () => {
    expect(policyOf({ spec: {} })).toBeUndefined();
    expect(policyOf({ spec: { policy: null } })).toBeUndefined();
    expect(policyOf({ spec: { policy: { allowedRegistries: 'quay.io/', allowedStorageClasses: ['gp3', 7], nodeSelector: { a: 'b', c: 1 } } } }))
      .toEqual({ allowedRegistries: [], allowedStorageClasses: ['gp3'], nodeSelector: { a: 'b' } });
  });
});
