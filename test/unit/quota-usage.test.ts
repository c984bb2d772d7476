import { format, parseQuantity } from '../../storage/apimachinery/quantity.js';
import { addResourceLists, formatResourceList, maskResourceList, removeZeros, subtractNonNegative, toResourceList } from '../../registry/accountquota/resource-list.js';
import { checkExceeded, exceededMessage, failedQuotaMessage, handles, matchesScopes, matchingResources, missingLimits, negativeUsageMessage, podIsBestEffort, podIsTerminal, podIsTerminating, podLimits, podQOSClass, podRequests, podUsesCrossNamespaceAffinity, pvcStorageClass, quotaDelta, quotaForbidden, quotaMatches, usageOf } from '../../registry/accountquota/usage.js';
import type { ResourceList } from '../../registry/accountquota/resource-list.js';
import type { ScopeSelector } from '../../registry/accountquota/types.js';
import type { GroupResource } from '../../storage/apimachinery/group-version.js';

// Expected usages, messages and admission outcomes were produced by k8s.io/kubernetes v1.36.3 (the core
// quota evaluators' Usage and Constraints, and resourcequota.CheckRequest) on the same objects.

type Obj = Record<string, unknown>;
type List = Record<string, string> | null;

const PODS = { group: '', resource: 'pods' };
const SERVICES = { group: '', resource: 'services' };
const PVCS = { group: '', resource: 'persistentvolumeclaims' };
const CONFIGMAPS = { group: '', resource: 'configmaps' };
const DEPLOYMENTS = { group: 'apps', resource: 'deployments' };
const NOW = Date.parse('2024-01-01T00:00:00Z');

const c = (name: string, requests: List, limits: List, extra: Obj = {}) =>
  ({ name, image: 'nginx', resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) }, ...extra });
const pod = (containers: Obj[], extra: { metadata?: Obj; spec?: Obj; status?: Obj } = {}) => ({
  metadata: { name: 'nginx', namespace: 'ns', ...extra.metadata },
  spec: { containers, ...extra.spec },
  ...(extra.status ? { status: extra.status } : {}),
});
const svc = (type: string | undefined, ports: Obj[], extra: Obj = {}) => ({ metadata: { name: 's' }, spec: { type, ports, ...extra } });
const pvc = (spec: Obj, extra: { metadata?: Obj; status?: Obj } = {}) =>
  ({ metadata: { name: 'c', ...extra.metadata }, spec, ...(extra.status ? { status: extra.status } : {}) });
const withRV = <T extends { metadata: Obj }>(o: T): T => ({ ...o, metadata: { ...o.metadata, resourceVersion: '5' } });

/** A resource list as sorted `{name: String()}`. */
const printed = (list: ResourceList) => Object.fromEntries([...list].map(([k, v]) => [k, format(v)] as const).sort(([a], [b]) => (a < b ? -1 : 1)));
const sel = (scopeName: string, operator: string, values?: string[]): ScopeSelector =>
  ({ matchExpressions: [{ scopeName, operator, ...(values ? { values } : {}) }] });
const usage = (kind: GroupResource, obj: unknown) => printed(usageOf(kind, obj, { now: NOW }));

describe('pod usage', () => {
  it.each<[string, unknown, Record<string, string>]>([
    ['requests and limits', pod([c('nginx', { cpu: '100m', memory: '128Mi' }, { cpu: '200m', memory: '256Mi' })]),
      { 'count/pods': '1', cpu: '100m', 'limits.cpu': '200m', 'limits.memory': '256Mi', memory: '128Mi', pods: '1', 'requests.cpu': '100m', 'requests.memory': '128Mi' }],
    ['the sum over containers', pod([c('a', { cpu: '100m', memory: '128Mi' }, null), c('b', { cpu: '1.5', memory: '1Gi' }, null)]),
      { 'count/pods': '1', cpu: '1600m', memory: '1152Mi', pods: '1', 'requests.cpu': '1600m', 'requests.memory': '1152Mi' }],
    ['the largest init container when it exceeds the containers', pod([c('a', { cpu: '100m' }, null)], { spec: { initContainers: [
      c('i1', { cpu: '2', memory: '64Mi' }, { cpu: '3' }), c('i2', { cpu: '500m', memory: '1Gi' }, null)] } }),
    { 'count/pods': '1', cpu: '2', 'limits.cpu': '3', memory: '1Gi', pods: '1', 'requests.cpu': '2', 'requests.memory': '1Gi' }],
    ['sidecars (restartable init containers) on top of containers and later init containers', pod([c('a', { cpu: '100m' }, { cpu: '1' })], { spec: { initContainers: [
      c('side', { cpu: '200m', memory: '100Mi' }, { cpu: '500m' }, { restartPolicy: 'Always' }),
      c('i2', { cpu: '250m' }, { cpu: '600m' }),
      c('side2', { cpu: '50m' }, null, { restartPolicy: 'Always' })] } }),
    { 'count/pods': '1', cpu: '450m', 'limits.cpu': '1500m', memory: '100Mi', pods: '1', 'requests.cpu': '450m', 'requests.memory': '100Mi' }],
    ['overhead on requests and on set limits', pod([c('a', { cpu: '100m', memory: '128Mi' }, { cpu: '1', memory: '1Gi' })], { spec: { overhead: { cpu: '250m', memory: '120Mi' } } }),
      { 'count/pods': '1', cpu: '350m', 'limits.cpu': '1250m', 'limits.memory': '1144Mi', memory: '248Mi', pods: '1', 'requests.cpu': '350m', 'requests.memory': '248Mi' }],
    ['overhead skipping unset limits', pod([c('a', { cpu: '100m' }, { memory: '1Gi' })], { spec: { overhead: { cpu: '250m', memory: '120Mi' } } }),
      { 'count/pods': '1', cpu: '350m', 'limits.memory': '1144Mi', memory: '120Mi', pods: '1', 'requests.cpu': '350m', 'requests.memory': '120Mi' }],
    ['overhead skipping zero limits', pod([c('a', { cpu: '100m' }, { cpu: '0', memory: '1Gi' })], { spec: { overhead: { cpu: '250m', memory: '120Mi' } } }),
      { 'count/pods': '1', cpu: '350m', 'limits.cpu': '0', 'limits.memory': '1144Mi', memory: '120Mi', pods: '1', 'requests.cpu': '350m', 'requests.memory': '120Mi' }],
    ['a succeeded pod: only its object count', pod([c('a', { cpu: '1' }, null)], { status: { phase: 'Succeeded' } }), { 'count/pods': '1' }],
    ['a failed pod: only its object count', pod([c('a', { cpu: '1' }, null)], { status: { phase: 'Failed' } }), { 'count/pods': '1' }],
    ['a running pod', pod([c('a', { cpu: '1' }, null)], { status: { phase: 'Running' } }), { 'count/pods': '1', cpu: '1', pods: '1', 'requests.cpu': '1' }],
    ['a pod stuck terminating past its grace period', pod([c('a', { cpu: '1' }, null)], { metadata: { deletionTimestamp: '2023-12-31T23:59:00Z', deletionGracePeriodSeconds: 30 } }),
      { 'count/pods': '1' }],
    ['a pod still within its grace period', pod([c('a', { cpu: '1' }, null)], { metadata: { deletionTimestamp: '2023-12-31T23:59:50Z', deletionGracePeriodSeconds: 30 } }),
      { 'count/pods': '1', cpu: '1', pods: '1', 'requests.cpu': '1' }],
    ['ephemeral storage, hugepages and extended resources', pod([c('a',
      { 'ephemeral-storage': '1Gi', 'hugepages-2Mi': '100Mi', 'nvidia.com/gpu': '2', 'example.com/foo': '1', 'deviceclass.resource.kubernetes.io/gpu': '1', 'kubernetes.io/bar': '1' },
      { 'ephemeral-storage': '2Gi', 'hugepages-2Mi': '100Mi', 'nvidia.com/gpu': '2' })]),
    { 'count/pods': '1', 'ephemeral-storage': '1Gi', 'hugepages-2Mi': '100Mi', 'limits.ephemeral-storage': '2Gi', pods: '1',
      'requests.deviceclass.resource.kubernetes.io/gpu': '1', 'requests.ephemeral-storage': '1Gi', 'requests.example.com/foo': '1',
      'requests.hugepages-2Mi': '100Mi', 'requests.nvidia.com/gpu': '2' }],
    ['no resources', pod([c('a', null, null)]), { 'count/pods': '1', pods: '1' }],
    ['pod-level resources overriding the containers', pod([c('a', { cpu: '100m' }, { cpu: '200m' })], { spec: { resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '2' } } } }),
      { 'count/pods': '1', cpu: '1', 'limits.cpu': '2', memory: '1Gi', pods: '1', 'requests.cpu': '1', 'requests.memory': '1Gi' }],
    ['pod-level limits only', pod([c('a', { cpu: '100m' }, { cpu: '200m' })], { spec: { resources: { limits: { memory: '2Gi' } } } }),
      { 'count/pods': '1', cpu: '100m', 'limits.cpu': '200m', 'limits.memory': '2Gi', pods: '1', 'requests.cpu': '100m' }],
    ['empty pod-level resources', pod([c('a', { cpu: '100m' }, { cpu: '200m' })], { spec: { resources: {} } }),
      { 'count/pods': '1', cpu: '100m', 'limits.cpu': '200m', pods: '1', 'requests.cpu': '100m' }],
    ['unsupported pod-level resources', pod([c('a', { cpu: '100m' }, { cpu: '200m' })], { spec: { resources: { requests: { 'ephemeral-storage': '1Gi' } } } }),
      { 'count/pods': '1', cpu: '100m', 'limits.cpu': '200m', pods: '1', 'requests.cpu': '100m' }],
    ['a resize in progress: the larger of spec, actuated and allocated', pod([c('a', { cpu: '100m', memory: '100Mi' }, { cpu: '200m' })], { status: { phase: 'Running',
      containerStatuses: [{ name: 'a', resources: { requests: { cpu: '300m' }, limits: { cpu: '150m' } }, allocatedResources: { cpu: '250m', memory: '50Mi' } }] } }),
    { 'count/pods': '1', cpu: '300m', 'limits.cpu': '200m', memory: '100Mi', pods: '1', 'requests.cpu': '300m', 'requests.memory': '100Mi' }],
    ['an infeasible resize: actuated and allocated only', pod([c('a', { cpu: '100m', memory: '100Mi' }, { cpu: '200m' })], { status: { phase: 'Running',
      conditions: [{ type: 'PodResizePending', status: 'True', reason: 'Infeasible' }],
      containerStatuses: [{ name: 'a', resources: { requests: { cpu: '50m' }, limits: { cpu: '150m' } }, allocatedResources: { cpu: '60m' } }] } }),
    { 'count/pods': '1', cpu: '60m', 'limits.cpu': '150m', pods: '1', 'requests.cpu': '60m' }],
    ['decimal and binary sums', pod([c('a', { cpu: '1.5', memory: '1.5Gi' }, null), c('b', { cpu: '0.5', memory: '512Mi' }, null)]),
      { 'count/pods': '1', cpu: '2', memory: '2Gi', pods: '1', 'requests.cpu': '2', 'requests.memory': '2Gi' }],
    ['mixed decimal and binary memory', pod([c('a', { memory: '1G' }, null), c('b', { memory: '1Gi' }, null)]),
      { 'count/pods': '1', memory: '2073741824', pods: '1', 'requests.memory': '2073741824' }],
    ['a single request keeps its text', pod([c('a', { cpu: '+1' }, null)]), { 'count/pods': '1', cpu: '+1', pods: '1', 'requests.cpu': '+1' }],
    ['a negative request', pod([c('a', { cpu: '-1' }, null)]), { 'count/pods': '1', cpu: '-1', pods: '1', 'requests.cpu': '-1' }],
  ])('%s', (_, obj, expected) => {
    expect(usage(PODS, obj)).toEqual(expected);
  });

  it('exposes the effective pod requests and limits', () => {
    const p = pod([c('a', { cpu: '100m' }, { cpu: '1' })], { spec: { initContainers: [c('i', { cpu: '2' }, { cpu: '2' })], overhead: { cpu: '10m' } } });
    expect(printed(podRequests(p))).toEqual({ cpu: '2010m' });
    expect(printed(podLimits(p))).toEqual({ cpu: '2010m' });
  });

  it.each([
    [{ status: { phase: 'Succeeded' } }, true], [{ status: { phase: 'Failed' } }, true], [{ status: { phase: 'Running' } }, false],
    [{ status: { phase: 'Pending' } }, false], [{}, false], [null, false],
  ])('%j terminal: %s', (p, terminal) => {
    expect(podIsTerminal(p)).toBe(terminal);
  });

  it.each([
    [{ spec: { activeDeadlineSeconds: 10 } }, true], [{ spec: { activeDeadlineSeconds: 0 } }, true],
    [{ spec: { activeDeadlineSeconds: -1 } }, false], [{ spec: {} }, false], [{ spec: { activeDeadlineSeconds: null } }, false],
  ])('%j terminating: %s', (p, terminating) => {
    expect(podIsTerminating(p)).toBe(terminating);
  });

  it.each<[string, unknown, string]>([
    ['no resources', pod([c('a', null, null)]), 'BestEffort'],
    ['only non-compute resources', pod([c('a', { 'ephemeral-storage': '1Gi' }, { 'nvidia.com/gpu': '1' })]), 'BestEffort'],
    ['a zero request', pod([c('a', { cpu: '0' }, null)]), 'BestEffort'],
    ['a request', pod([c('a', { cpu: '100m' }, null)]), 'Burstable'],
    ['an init container request', pod([c('a', null, null)], { spec: { initContainers: [c('i', { memory: '1Mi' }, null)] } }), 'Burstable'],
    ['equal requests and limits', pod([c('a', { cpu: '1', memory: '1Gi' }, { cpu: '1', memory: '1Gi' })]), 'Guaranteed'],
    // Limits without requests: API defaulting would copy them into requests; ComputePodQOS alone says Burstable.
    ['limits only', pod([c('a', null, { cpu: '1', memory: '1Gi' })]), 'Burstable'],
    ['different requests and limits', pod([c('a', { cpu: '500m', memory: '1Gi' }, { cpu: '1', memory: '1Gi' })]), 'Burstable'],
    ['the status class', pod([c('a', { cpu: '1' }, null)], { status: { qosClass: 'BestEffort' } }), 'BestEffort'],
    ['empty pod-level resources', pod([c('a', { cpu: '1' }, { cpu: '1' })], { spec: { resources: {} } }), 'BestEffort'],
    ['pod-level requests', pod([c('a', null, null)], { spec: { resources: { requests: { cpu: '1' } } } }), 'Burstable'],
    ['pod-level guaranteed', pod([c('a', null, null)], { spec: { resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } } }), 'Guaranteed'],
  ])('QoS with %s: %s', (_, p, qos) => {
    expect(podQOSClass(p)).toBe(qos);
    expect(podIsBestEffort(p)).toBe(qos === 'BestEffort');
  });

  it.each<[string, Obj, boolean]>([
    ['required namespaces', { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'x', namespaces: ['other'] }] } }, true],
    ['a preferred anti-affinity namespaceSelector', { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: { topologyKey: 'x', namespaceSelector: {} } }] } }, true],
    ['same-namespace terms', { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'x', namespaces: [] }] } }, false],
    ['node affinity only', { nodeAffinity: {} }, false],
  ])('cross-namespace affinity with %s: %s', (_, affinity, cross) => {
    expect(podUsesCrossNamespaceAffinity(pod([c('a', null, null)], { spec: { affinity } }))).toBe(cross);
  });
});

describe('service, claim and count usage', () => {
  const svcUsage = (lb: string, np: string) => ({ 'count/services': '1', services: '1', 'services.loadbalancers': lb, 'services.nodeports': np });
  it.each<[string, unknown, Record<string, string>]>([
    ['ClusterIP', svc('ClusterIP', [{ port: 80 }]), svcUsage('0', '0')],
    ['no type', svc(undefined, [{ port: 80 }]), svcUsage('0', '0')],
    ['NodePort: every port', svc('NodePort', [{ port: 80 }, { port: 443, nodePort: 30443 }]), svcUsage('0', '2')],
    ['NodePort without ports', svc('NodePort', []), svcUsage('0', '0')],
    ['LoadBalancer: every port', svc('LoadBalancer', [{ port: 80 }, { port: 81 }, { port: 82 }]), svcUsage('1', '3')],
    ['LoadBalancer without node port allocation: ports that name one', svc('LoadBalancer', [{ port: 80, nodePort: 30080 }, { port: 81 }], { allocateLoadBalancerNodePorts: false }), svcUsage('1', '1')],
    ['LoadBalancer allocating node ports', svc('LoadBalancer', [{ port: 80 }], { allocateLoadBalancerNodePorts: true }), svcUsage('1', '1')],
    ['ExternalName', svc('ExternalName', [{ port: 80 }], { externalName: 'x.com' }), svcUsage('0', '0')],
  ])('service %s', (_, obj, expected) => {
    expect(usage(SERVICES, obj)).toEqual(expected);
  });

  const claim = (storage?: string, cls?: string) => ({
    'count/persistentvolumeclaims': '1', persistentvolumeclaims: '1',
    ...(storage ? { 'requests.storage': storage } : {}),
    ...(cls ? { [`${cls}.storageclass.storage.k8s.io/persistentvolumeclaims`]: '1' } : {}),
    ...(cls && storage ? { [`${cls}.storageclass.storage.k8s.io/requests.storage`]: storage } : {}),
  });
  it.each<[string, unknown, Record<string, string>]>([
    ['without a class', pvc({ resources: { requests: { storage: '1Gi' } } }), claim('1Gi')],
    ['with a class', pvc({ storageClassName: 'gold', resources: { requests: { storage: '10Gi' } } }), claim('10Gi', 'gold')],
    ['with the empty class', pvc({ storageClassName: '', resources: { requests: { storage: '10Gi' } } }), claim('10Gi')],
    ['rounded up to whole bytes', pvc({ storageClassName: 'gold', resources: { requests: { storage: '1.5' } } }), claim('2', 'gold')],
    ['rounded up from millibytes', pvc({ storageClassName: 'gold', resources: { requests: { storage: '1500m' } } }), claim('2', 'gold')],
    ['without a storage request', pvc({ storageClassName: 'gold', resources: {} }), claim(undefined, 'gold')],
    ['the beta annotation winning', pvc({ storageClassName: 'gold', resources: { requests: { storage: '1Gi' } } },
      { metadata: { annotations: { 'volume.beta.kubernetes.io/storage-class': 'silver' } } }), claim('1Gi', 'silver')],
    ['an empty beta annotation winning', pvc({ storageClassName: 'gold', resources: { requests: { storage: '1Gi' } } },
      { metadata: { annotations: { 'volume.beta.kubernetes.io/storage-class': '' } } }), claim('1Gi')],
    ['a larger allocated size', pvc({ storageClassName: 'gold', resources: { requests: { storage: '1Gi' } } }, { status: { allocatedResources: { storage: '2Gi' } } }), claim('2Gi', 'gold')],
    ['a smaller allocated size', pvc({ storageClassName: 'gold', resources: { requests: { storage: '3Gi' } } }, { status: { allocatedResources: { storage: '2Gi' } } }), claim('3Gi', 'gold')],
    ['a fractional allocated size', pvc({ storageClassName: 'gold', resources: { requests: { storage: '1Gi' } } }, { status: { allocatedResources: { storage: '1500000000.5' } } }),
      claim('1500000001', 'gold')],
  ])('claim %s', (_, obj, expected) => {
    expect(usage(PVCS, obj)).toEqual(expected);
  });

  it('reads the storage class', () => {
    expect(pvcStorageClass(pvc({ storageClassName: 'gold' }))).toBe('gold');
    expect(pvcStorageClass(pvc({}))).toBe('');
    expect(pvcStorageClass(pvc({ storageClassName: 'gold' }, { metadata: { annotations: { 'volume.beta.kubernetes.io/storage-class': 'x' } } }))).toBe('x');
  });

  it.each<[GroupResource, Record<string, string>]>([
    [CONFIGMAPS, { configmaps: '1', 'count/configmaps': '1' }],
    [{ group: '', resource: 'secrets' }, { 'count/secrets': '1', secrets: '1' }],
    [{ group: '', resource: 'replicationcontrollers' }, { 'count/replicationcontrollers': '1', replicationcontrollers: '1' }],
    [{ group: '', resource: 'resourcequotas' }, { 'count/resourcequotas': '1', resourcequotas: '1' }],
    [{ group: '', resource: 'serviceaccounts' }, { 'count/serviceaccounts': '1' }],
    [DEPLOYMENTS, { 'count/deployments.apps': '1' }],
    [{ group: 'metrics.k8s.io', resource: 'pods' }, { 'count/pods.metrics.k8s.io': '1' }],
    [{ group: 'apps', resource: 'secrets' }, { 'count/secrets.apps': '1' }],
  ])('%j counts as %j', (kind, expected) => {
    expect(usage(kind, { metadata: { name: 'x' } })).toEqual(expected);
  });

  it('throws on a quantity that does not parse', () => {
    expect(() => usageOf(PODS, pod([c('a', { cpu: 'lots' }, null)]))).toThrow("quantities must match the regular expression");
  });
});

describe('matching resources and scopes', () => {
  it.each<[GroupResource, string[], string[]]>([
    [PODS, ['pods', 'count/pods', 'cpu', 'requests.memory', 'limits.ephemeral-storage', 'hugepages-2Mi', 'requests.hugepages-2Mi',
      'requests.nvidia.com/gpu', 'requests.deviceclass.resource.kubernetes.io/gpu', 'requests.foo', 'nvidia.com/gpu', 'services', 'requests.storage'],
    ['pods', 'count/pods', 'cpu', 'requests.memory', 'limits.ephemeral-storage', 'hugepages-2Mi', 'requests.hugepages-2Mi',
      'requests.nvidia.com/gpu', 'requests.deviceclass.resource.kubernetes.io/gpu']],
    [SERVICES, ['services', 'count/services', 'services.nodeports', 'services.loadbalancers', 'pods'], ['services', 'count/services', 'services.nodeports', 'services.loadbalancers']],
    [PVCS, ['persistentvolumeclaims', 'count/persistentvolumeclaims', 'requests.storage', 'gold.storageclass.storage.k8s.io/requests.storage',
      'gold.storageclass.storage.k8s.io/persistentvolumeclaims', 'storage', 'pods'],
    ['persistentvolumeclaims', 'count/persistentvolumeclaims', 'requests.storage', 'gold.storageclass.storage.k8s.io/requests.storage',
      'gold.storageclass.storage.k8s.io/persistentvolumeclaims']],
    [CONFIGMAPS, ['configmaps', 'count/configmaps', 'secrets'], ['configmaps', 'count/configmaps']],
    [DEPLOYMENTS, ['count/deployments.apps', 'deployments', 'count/deployments'], ['count/deployments.apps']],
  ])('%j tracks %j of %j', (kind, names, expected) => {
    expect(matchingResources(kind, names)).toEqual(expected);
  });

  const terminating = pod([c('a', null, null)], { spec: { activeDeadlineSeconds: 10 } });
  const burstable = pod([c('a', { cpu: '1' }, null)]);
  const high = pod([c('a', null, null)], { spec: { priorityClassName: 'high' } });
  const plain = pod([c('a', null, null)]);
  it.each<[string, GroupResource, unknown, string[], ScopeSelector | undefined, boolean]>([
    ['no scopes', PODS, plain, [], undefined, true],
    ['Terminating', PODS, terminating, ['Terminating'], undefined, true],
    ['Terminating, not', PODS, plain, ['Terminating'], undefined, false],
    ['NotTerminating', PODS, plain, ['NotTerminating'], undefined, true],
    ['BestEffort', PODS, plain, ['BestEffort'], undefined, true],
    ['BestEffort, not', PODS, burstable, ['BestEffort'], undefined, false],
    ['NotBestEffort', PODS, burstable, ['NotBestEffort'], undefined, true],
    ['every scope must match', PODS, terminating, ['Terminating', 'NotBestEffort'], undefined, false],
    ['scopes and selector together', PODS, high, ['BestEffort'], sel('PriorityClass', 'In', ['high']), true],
    ['PriorityClass In', PODS, high, [], sel('PriorityClass', 'In', ['high', 'mid']), true],
    ['PriorityClass In, other class', PODS, pod([c('a', null, null)], { spec: { priorityClassName: 'low' } }), [], sel('PriorityClass', 'In', ['high']), false],
    ['PriorityClass In, no class', PODS, plain, [], sel('PriorityClass', 'In', ['high']), false],
    ['PriorityClass NotIn, no class', PODS, plain, [], sel('PriorityClass', 'NotIn', ['high']), true],
    ['PriorityClass NotIn, that class', PODS, high, [], sel('PriorityClass', 'NotIn', ['high']), false],
    ['PriorityClass Exists', PODS, high, [], sel('PriorityClass', 'Exists'), true],
    ['PriorityClass Exists, no class', PODS, plain, [], sel('PriorityClass', 'Exists'), false],
    ['PriorityClass DoesNotExist', PODS, plain, [], sel('PriorityClass', 'DoesNotExist'), true],
    ['PriorityClass DoesNotExist, a class', PODS, high, [], sel('PriorityClass', 'DoesNotExist'), false],
    ['CrossNamespacePodAffinity', PODS, pod([c('a', null, null)], { spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'x', namespaces: ['o'] }] } } } }),
      ['CrossNamespacePodAffinity'], undefined, true],
    ['CrossNamespacePodAffinity, not', PODS, plain, ['CrossNamespacePodAffinity'], undefined, false],
    ['a pod and a claim scope', PODS, plain, ['VolumeAttributesClass'], undefined, false],
    ['a service and a pod scope', SERVICES, svc('ClusterIP', []), ['NotTerminating'], undefined, false],
    ['a service without scopes', SERVICES, svc('ClusterIP', []), [], undefined, true],
    ['a deployment and a pod scope', DEPLOYMENTS, { metadata: { name: 'd' } }, ['NotBestEffort'], undefined, false],
    ['a deployment and an empty selector', DEPLOYMENTS, { metadata: { name: 'd' } }, [], { matchExpressions: [] }, true],
    ['a claim and a pod scope', PVCS, pvc({}), ['Terminating'], undefined, false],
    ['a claim with a class In', PVCS, pvc({ volumeAttributesClassName: 'fast' }), [], sel('VolumeAttributesClass', 'In', ['fast']), true],
    ['a claim with a target class In', PVCS, pvc({}, { status: { modifyVolumeStatus: { targetVolumeAttributesClassName: 'fast' } } }), [], sel('VolumeAttributesClass', 'In', ['fast']), true],
    ['a claim without a class NotIn', PVCS, pvc({}), [], sel('VolumeAttributesClass', 'NotIn', ['fast']), true],
    ['a claim without a class Exists', PVCS, pvc({}), ['VolumeAttributesClass'], undefined, false],
    ['a claim with a current class Exists', PVCS, pvc({}, { status: { currentVolumeAttributesClassName: 'slow' } }), ['VolumeAttributesClass'], undefined, true],
  ])('%s', (_, kind, obj, scopes, scopeSelector, matches) => {
    expect(matchesScopes(kind, obj, scopes, scopeSelector)).toBe(matches);
  });

  it.each([
    [sel('PriorityClass', 'In', ['a b']), "failed to parse and convert selector: values[0][PriorityClass]: Invalid value: \"a b\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"],
    [sel('PriorityClass', 'Bogus', ['a']), 'failed to parse and convert selector: "Bogus" is not a valid scope selector operator'],
  ])('throws as the evaluator does on %j', (scopeSelector, message) => {
    expect(() => matchesScopes(PODS, high, [], scopeSelector)).toThrow(new Error(message));
  });

  it('matches a quota when it names a tracked resource and the scopes match', () => {
    expect(quotaMatches(PODS, plain, { pods: '1' })).toBe(true);
    expect(quotaMatches(PODS, plain, { services: '1' })).toBe(false);
    expect(quotaMatches(PODS, burstable, { pods: '1' }, ['BestEffort'])).toBe(false);
    expect(quotaMatches(DEPLOYMENTS, {}, { 'count/deployments.apps': '1' })).toBe(true);
    expect(quotaMatches(DEPLOYMENTS, {}, new Map([['count/deployments.apps', parseQuantity('1')]]))).toBe(true);
  });
});

describe('quotaDelta', () => {
  const delta = (...args: Parameters<typeof quotaDelta>) => printed(quotaDelta(...args));

  it.each<[string, GroupResource, unknown, unknown, Record<string, string>, string[] | undefined, ScopeSelector | undefined, Record<string, string>]>([
    ['a pod create, masked to hard', PODS, pod([c('nginx', { cpu: '500m' }, { cpu: '1' })]), undefined,
      { 'requests.cpu': '1', 'limits.cpu': '2', pods: '5', 'count/pods': '1' }, undefined, undefined,
      { 'count/pods': '1', 'limits.cpu': '1', pods: '1', 'requests.cpu': '500m' }],
    ['zero usage left out', PODS, pod([c('nginx', null, { cpu: '0' })]), undefined, { pods: '5', 'limits.cpu': '1' }, undefined, undefined, { pods: '1' }],
    ['a terminal pod: its count only', PODS, pod([c('nginx', { cpu: '1' }, null)], { status: { phase: 'Succeeded' } }), undefined,
      { pods: '1', 'count/pods': '5', 'requests.cpu': '1' }, undefined, undefined, { 'count/pods': '1' }],
    ['a pod outside the scopes', PODS, pod([c('nginx', { cpu: '1' }, null)]), undefined, { pods: '1' }, ['BestEffort'], undefined, {}],
    ['a quota naming nothing the pod uses', PODS, pod([c('nginx', null, null)]), undefined, { services: '1' }, undefined, undefined, {}],
    ['a pod update that stays in scope: not handled', PODS, pod([c('nginx', { cpu: '2' }, null)]), withRV(pod([c('nginx', { cpu: '1' }, null)])),
      { 'requests.cpu': '1' }, undefined, undefined, {}],
    ['a pod entering the Terminating scope: full usage', PODS, pod([c('nginx', null, null)], { spec: { activeDeadlineSeconds: 10 } }),
      withRV(pod([c('nginx', null, null)])), { pods: '2' }, ['Terminating'], undefined, { pods: '1' }],
    ['a pod changing scope under an unscoped quota: the increase only', PODS, pod([c('nginx', null, null)], { spec: { activeDeadlineSeconds: 10 } }),
      withRV(pod([c('nginx', null, null)])), { pods: '1' }, undefined, undefined, {}],
    ['an update without resourceVersion is charged in full', PODS, pod([c('nginx', null, null)], { spec: { activeDeadlineSeconds: 10 } }),
      pod([c('nginx', null, null)]), { pods: '1' }, undefined, undefined, { pods: '1' }],
    ['a service becoming a LoadBalancer', SERVICES, svc('LoadBalancer', [{ port: 80 }, { port: 81 }]), withRV(svc('ClusterIP', [{ port: 80 }])),
      { services: '1', 'services.loadbalancers': '1', 'services.nodeports': '1' }, undefined, undefined, { 'services.loadbalancers': '1', 'services.nodeports': '2' }],
    ['a LoadBalancer becoming a ClusterIP: nothing negative', SERVICES, svc('ClusterIP', [{ port: 80 }]), withRV(svc('LoadBalancer', [{ port: 80 }])),
      { services: '1', 'services.loadbalancers': '1', 'services.nodeports': '1' }, undefined, undefined, {}],
    ['a service and a pod scope', SERVICES, svc('NodePort', [{ port: 80 }]), undefined, { services: '5' }, ['Terminating'], undefined, {}],
    ['a claim expansion', PVCS, pvc({ storageClassName: 'gold', resources: { requests: { storage: '20Gi' } } }),
      withRV(pvc({ storageClassName: 'gold', resources: { requests: { storage: '10Gi' } } })),
      { 'requests.storage': '25Gi', 'gold.storageclass.storage.k8s.io/requests.storage': '15Gi', persistentvolumeclaims: '5' }, undefined, undefined,
      { 'gold.storageclass.storage.k8s.io/requests.storage': '10Gi', 'requests.storage': '10Gi' }],
    ['a claim shrink request', PVCS, pvc({ resources: { requests: { storage: '5Gi' } } }), withRV(pvc({ resources: { requests: { storage: '10Gi' } } })),
      { 'requests.storage': '25Gi' }, undefined, undefined, {}],
    ['a claim with a VolumeAttributesClass', PVCS, pvc({ volumeAttributesClassName: 'fast', resources: { requests: { storage: '5Gi' } } }), undefined,
      { 'requests.storage': '1Gi' }, undefined, sel('VolumeAttributesClass', 'In', ['fast']), { 'requests.storage': '5Gi' }],
    ['a configmap create', CONFIGMAPS, { metadata: { name: 'cm' } }, undefined, { configmaps: '1', 'count/configmaps': '1', secrets: '1' }, undefined, undefined,
      { configmaps: '1', 'count/configmaps': '1' }],
    ['a configmap update: never charged', CONFIGMAPS, { metadata: { name: 'cm' } }, withRV({ metadata: { name: 'cm' } }), { configmaps: '1' }, undefined, undefined, {}],
    ['a deployment create', DEPLOYMENTS, { metadata: { name: 'd' } }, undefined, { 'count/deployments.apps': '2' }, undefined, undefined, { 'count/deployments.apps': '1' }],
    ['a deployment and a scoped quota', DEPLOYMENTS, { metadata: { name: 'd' } }, undefined, { 'count/deployments.apps': '2' }, ['NotTerminating'], undefined, {}],
  ])('%s', (_, kind, obj, old, hard, scopes, scopeSelector, expected) => {
    expect(delta(kind, obj, old, hard, scopes, scopeSelector, { now: NOW })).toEqual(expected);
  });

  it('handles every create, service and claim updates, and pod updates that change the Terminating scope', () => {
    expect(handles(DEPLOYMENTS, {})).toBe(true);
    expect(handles(DEPLOYMENTS, {}, {})).toBe(false);
    expect(handles(SERVICES, {}, {})).toBe(true);
    expect(handles(PVCS, {}, {})).toBe(true);
    const plain = pod([c('a', null, null)]);
    expect(handles(PODS, plain, plain)).toBe(false);
    expect(handles(PODS, pod([], { spec: { activeDeadlineSeconds: 1 } }), plain)).toBe(true);
    expect(handles(PODS, plain, pod([], { spec: { activeDeadlineSeconds: 1 } }))).toBe(true);
  });

  // The evaluators' Handles in Kubernetes 1.36: of the subresources only an UPDATE of pods/resize is charged
  // (persistentvolumeclaims/status is charged but never denied upstream, see handles()).
  it.each<[string, GroupResource, string, boolean, boolean]>([
    ['a pod resize', PODS, 'resize', true, true],
    ['a pod resize without an old pod (no UPDATE kube-apiserver sends)', PODS, 'resize', false, false],
    ['a pod status update', PODS, 'status', true, false],
    ['a pod binding', PODS, 'binding', false, false],
    ['a pod eviction', PODS, 'eviction', false, false],
    ['a pod\'s ephemeral containers', PODS, 'ephemeralcontainers', true, false],
    ['a claim status update', PVCS, 'status', true, false],
    ['a service status update', SERVICES, 'status', true, false],
    ['a resize of anything but a pod', DEPLOYMENTS, 'resize', true, false],
    ['a deployment scale', DEPLOYMENTS, 'scale', true, false],
  ])('%s', (_, kind, subResource, update, expected) => {
    const plain = pod([c('a', { cpu: '1' }, null)]);
    expect(handles(kind, plain, update ? plain : undefined, subResource)).toBe(expected);
  });

  it.each<[string, unknown, unknown, Record<string, string>, string[] | undefined, Record<string, string>]>([
    ['a resize raising requests and limits: the increase', pod([c('app', { cpu: '1', memory: '1Gi' }, { cpu: '8' })]),
      withRV(pod([c('app', { cpu: '1', memory: '512Mi' }, { cpu: '2' })])), { 'limits.cpu': '4', 'requests.memory': '2Gi', 'requests.cpu': '2', pods: '3' }, undefined,
      { 'limits.cpu': '6', 'requests.memory': '512Mi' }],
    ['a resize lowering them: nothing', pod([c('app', { cpu: '500m' }, { cpu: '1' })]), withRV(pod([c('app', { cpu: '1' }, { cpu: '2' })])),
      { 'limits.cpu': '4', 'requests.cpu': '2' }, undefined, {}],
    ['a resize of one container among two', pod([c('a', null, { cpu: '1' }), c('b', null, { cpu: '3' })]),
      withRV(pod([c('a', null, { cpu: '1' }), c('b', null, { cpu: '1' })])), { 'limits.cpu': '4' }, undefined, { 'limits.cpu': '2' }],
    ['a resize of a pod outside the quota\'s scope', pod([c('app', null, { cpu: '8' })]), withRV(pod([c('app', null, { cpu: '2' })])),
      { 'limits.cpu': '4' }, ['Terminating'], {}],
    ['a resize of a terminal pod', pod([c('app', null, { cpu: '8' })], { status: { phase: 'Succeeded' } }),
      withRV(pod([c('app', null, { cpu: '2' })], { status: { phase: 'Succeeded' } })), { 'limits.cpu': '4' }, undefined, {}],
    // Upstream takes the larger of spec and status per container (InPlacePodVerticalScaling): while a shrink from
    // 6 to 2 is not yet actuated, the 6 the kubelet reports still count, so growing back to 5 adds nothing.
    ['a resize while an earlier shrink is not yet actuated', pod([c('app', null, { cpu: '5' })], { status: { containerStatuses: [{ name: 'app', resources: { limits: { cpu: '6' } } }] } }),
      withRV(pod([c('app', null, { cpu: '2' })], { status: { containerStatuses: [{ name: 'app', resources: { limits: { cpu: '6' } } }] } })),
      { 'limits.cpu': '8' }, undefined, {}],
    ['a resize past what the kubelet reports', pod([c('app', null, { cpu: '7' })], { status: { containerStatuses: [{ name: 'app', resources: { limits: { cpu: '6' } } }] } }),
      withRV(pod([c('app', null, { cpu: '2' })], { status: { containerStatuses: [{ name: 'app', resources: { limits: { cpu: '6' } } }] } })),
      { 'limits.cpu': '8' }, undefined, { 'limits.cpu': '1' }],
  ])('%s', (_, obj, old, hard, scopes, expected) => {
    expect(delta(PODS, obj, old, hard, scopes, undefined, { now: NOW, subResource: 'resize' })).toEqual(expected);
    // The same change to the pod itself is not charged (kube-apiserver refuses it anyway: resources are immutable there).
    expect(delta(PODS, obj, old, hard, scopes, undefined, { now: NOW })).toEqual({});
  });
});

describe('admission messages', () => {
  it.each<[string, unknown, Record<string, string>, string | undefined]>([
    ['nothing set', pod([c('nginx', null, null)]), { 'limits.cpu': '1', 'limits.memory': '1Gi', 'requests.cpu': '1', 'requests.memory': '1Gi' },
      'must specify limits.cpu for: nginx; limits.memory for: nginx; requests.cpu for: nginx; requests.memory for: nginx'],
    ['some set, with an init container', pod([c('nginx', { cpu: '1' }, null), c('web', null, { memory: '1Gi' })], { spec: { initContainers: [c('init', { cpu: '1', memory: '1' }, { cpu: '1', memory: '1' })] } }),
      { 'limits.cpu': '1', 'limits.memory': '1Gi', 'requests.cpu': '1', 'requests.memory': '1Gi' },
      'must specify limits.cpu for: nginx,web; limits.memory for: nginx; requests.cpu for: web; requests.memory for: nginx,web'],
    ['container names sorted, a zero counting as set', pod([c('b', { cpu: '1', memory: '1' }, { cpu: '1', memory: '1' }), c('a', { cpu: '0' }, null)], { spec: { initContainers: [c('c', null, null)] } }),
      { 'limits.cpu': '1', 'limits.memory': '1Gi', 'requests.cpu': '1', 'requests.memory': '1Gi' },
      'must specify limits.cpu for: a,c; limits.memory for: a,c; requests.cpu for: c; requests.memory for: a,c'],
    ['pod-level resources', pod([c('a', null, null)], { spec: { resources: { requests: { cpu: '1' } } } }),
      { 'limits.cpu': '1', 'limits.memory': '1Gi', 'requests.cpu': '1', 'requests.memory': '1Gi' }, undefined],
    ['unsupported pod-level resources', pod([c('a', null, null)], { spec: { resources: { requests: { 'ephemeral-storage': '1' } } } }),
      { 'limits.cpu': '1', 'limits.memory': '1Gi', 'requests.cpu': '1', 'requests.memory': '1Gi' },
      'must specify limits.cpu for: a; limits.memory for: a; requests.cpu for: a; requests.memory for: a'],
    ['bare cpu and memory', pod([c('nginx', null, null)]), { cpu: '1', memory: '1' }, 'must specify cpu for: nginx; memory for: nginx'],
    ['other resources', pod([c('nginx', null, null)]), { pods: '1', 'requests.ephemeral-storage': '1' }, undefined],
    ['one limit', pod([c('nginx', null, null)]), { 'limits.cpu': '1' }, 'must specify limits.cpu for: nginx'],
    ['two containers', pod([c('nginx', null, null), c('a', null, null)]), { 'limits.cpu': '1', 'limits.memory': '1' },
      'must specify limits.cpu for: a,nginx; limits.memory for: a,nginx'],
  ])('must specify: %s', (_, p, hard, message) => {
    expect(missingLimits(PODS, p, hard)).toBe(message);
  });

  it('asks nothing of other kinds', () => {
    expect(missingLimits(DEPLOYMENTS, {}, { 'limits.cpu': '1' })).toBeUndefined();
  });

  it('words the admission errors as kube-apiserver', () => {
    const p = pod([c('nginx', null, null)]);
    expect(quotaForbidden(PODS, '', p, failedQuotaMessage('compute', missingLimits(PODS, p, { 'limits.cpu': '2', 'limits.memory': '2Gi' }) ?? '')).message)
      .toBe('pods "nginx" is forbidden: failed quota: compute: must specify limits.cpu for: nginx; limits.memory for: nginx');
    expect(quotaForbidden(PODS, '', p, exceededMessage('default-user-limits', { pods: '1' }, { pods: '2' }, { pods: '2' })).message)
      .toBe('pods "nginx" is forbidden: exceeded quota: default-user-limits, requested: pods=1, used: pods=2, limited: pods=2');
    expect(quotaForbidden(PODS, '', p, negativeUsageMessage(['requests.cpu', 'cpu'])).message)
      .toBe('pods "nginx" is forbidden: quota usage is negative for resource(s): cpu,requests.cpu');
    const err = quotaForbidden(DEPLOYMENTS, undefined, { metadata: { generateName: 'web-' } }, 'x');
    expect(err.message).toBe('deployments.apps "web-" is forbidden: x');
    expect(err.code).toBe(403);
    expect(err.toStatus()).toMatchObject({ reason: 'Forbidden', details: { name: 'web-', group: 'apps', kind: 'deployments' } });
    expect(quotaForbidden(PODS, 'named', p, 'x').message).toBe('pods "named" is forbidden: x');
    expect(quotaForbidden(PODS, '', {}, 'x').message).toBe('pods "Unknown" is forbidden: x');
  });

  it.each<[string, Record<string, string>, Record<string, string>, Record<string, string>, string | undefined]>([
    ['a pod over the count', { pods: '1' }, { pods: '2' }, { pods: '2' },
      'exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2'],
    ['a pod that fits', { pods: '1' }, { pods: '1' }, { pods: '2' }, undefined],
    ['only the exceeded names, sorted', { 'count/pods': '1', 'limits.cpu': '1', pods: '1', 'requests.cpu': '500m' },
      { 'requests.cpu': '600m', 'limits.cpu': '1500m', pods: '0', 'count/pods': '1' }, { 'requests.cpu': '1', 'limits.cpu': '2', pods: '5', 'count/pods': '1' },
      'exceeded quota: q, requested: count/pods=1,limits.cpu=1,requests.cpu=500m, used: count/pods=1,limits.cpu=1500m,requests.cpu=600m, limited: count/pods=1,limits.cpu=2,requests.cpu=1'],
    ['memory in mixed formats, printed as given', { 'limits.memory': '2Gi', memory: '1536Mi', 'requests.memory': '1536Mi' },
      { 'requests.memory': '1Gi', 'limits.memory': '1.5Gi', memory: '1G' }, { 'requests.memory': '2Gi', 'limits.memory': '3Gi', memory: '2G' },
      'exceeded quota: q, requested: limits.memory=2Gi,memory=1536Mi,requests.memory=1536Mi, used: limits.memory=1536Mi,memory=1G,requests.memory=1Gi, limited: limits.memory=3Gi,memory=2G,requests.memory=2Gi'],
    ['per-class storage', { 'gold.storageclass.storage.k8s.io/requests.storage': '10Gi', 'requests.storage': '10Gi' },
      { 'requests.storage': '10Gi', 'gold.storageclass.storage.k8s.io/requests.storage': '10Gi' },
      { 'requests.storage': '25Gi', 'gold.storageclass.storage.k8s.io/requests.storage': '15Gi' },
      'exceeded quota: q, requested: gold.storageclass.storage.k8s.io/requests.storage=10Gi, used: gold.storageclass.storage.k8s.io/requests.storage=10Gi, limited: gold.storageclass.storage.k8s.io/requests.storage=15Gi'],
    ['a name used has no usage for yet', { 'requests.storage': '5Gi' }, {}, { 'requests.storage': '1Gi' },
      'exceeded quota: q, requested: requests.storage=5Gi, used: , limited: requests.storage=1Gi'],
    ['exactly at the limit', { 'requests.cpu': '400m' }, { 'requests.cpu': '600m' }, { 'requests.cpu': '1' }, undefined],
    ['names not limited', { 'count/pods': '1' }, {}, { pods: '1' }, undefined],
  ])('checkExceeded: %s', (_, requested, used, hard, message) => {
    expect(checkExceeded('q', requested, used, hard)).toBe(message);
  });

  it('prints resource lists sorted, as prettyPrint', () => {
    expect(formatResourceList({ 'requests.memory': '1.5Gi', cpu: '1.5', 'count/pods': '1' })).toBe('count/pods=1,cpu=1500m,requests.memory=1536Mi');
    expect(formatResourceList(new Map())).toBe('');
  });
});

describe('resource lists', () => {
  const l = (o: Record<string, string>) => toResourceList(o);
  it('adds, subtracts without going negative, masks and drops zeros', () => {
    expect(printed(addResourceLists(l({ pods: '1', cpu: '1' }), { cpu: '500m', memory: '1Gi' }))).toEqual({ cpu: '1500m', memory: '1Gi', pods: '1' });
    expect(printed(subtractNonNegative({ cpu: '2', pods: '1' }, { cpu: '500m', pods: '3', memory: '1Gi' }))).toEqual({ cpu: '1500m', memory: '0', pods: '0' });
    expect(printed(maskResourceList({ cpu: '1', pods: '1' }, ['pods', 'x']))).toEqual({ pods: '1' });
    expect(printed(removeZeros({ cpu: '0', pods: '1', memory: '0Gi' }))).toEqual({ pods: '1' });
  });
});
