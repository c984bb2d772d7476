import { invalid } from '../../storage/apimachinery/errors.js';
import {
  QUOTA_SCOPES, STANDARD_QUOTA_RESOURCES, goJSON, isExtendedResourceName, isIntegerResourceName, isNativeResource,
  isResourceQuotaScopeValidForResource, isStandardQuotaResourceName, isStandardResourceQuotaScope,
  objectCountResourceName, storageClassResourceName, validateQuotaSpec,
} from '../../registry/accountquota/resources.js';
import type { QuotaSpec } from '../../registry/accountquota/types.js';

// Expected field errors were produced by k8s.io/kubernetes v1.36.3 ValidateResourceQuotaSpec (field path
// spec.quota) on the same specs; upstream walks `hard` in Go map order, we in sorted order.

const nameRegex = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character "
  + "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const mustBeExists = "must be 'Exists' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, "
  + 'ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity';

const errs = (spec: QuotaSpec) => validateQuotaSpec(spec, 'spec.quota').map((e) => [e.field, e.type, e.detail]);
const inv = (field: string, detail: string) => [field, 'FieldValueInvalid', detail];
const hard = (name: string) => `spec.quota.hard[${name}]`;

describe('resource names', () => {
  it('lists the standard quota resources', () => {
    expect([...STANDARD_QUOTA_RESOURCES].sort()).toEqual([
      'configmaps', 'cpu', 'ephemeral-storage', 'limits.cpu', 'limits.ephemeral-storage', 'limits.memory', 'memory',
      'persistentvolumeclaims', 'pods', 'replicationcontrollers', 'requests.cpu', 'requests.ephemeral-storage',
      'requests.memory', 'requests.storage', 'resourcequotas', 'secrets', 'services', 'services.loadbalancers',
      'services.nodeports',
    ]);
  });

  it.each([
    [{ group: '', resource: 'pods' }, 'count/pods'],
    [{ group: '', resource: 'services' }, 'count/services'],
    [{ group: 'apps', resource: 'deployments' }, 'count/deployments.apps'],
    [{ group: 'batch', resource: 'cronjobs' }, 'count/cronjobs.batch'],
    [{ group: 'tenancy.kiosk.sh', resource: 'spaces' }, 'count/spaces.tenancy.kiosk.sh'],
  ])('%j counts as %s', (gr, name) => {
    expect(objectCountResourceName(gr)).toBe(name);
  });

  it('names per-storage-class resources', () => {
    expect(storageClassResourceName('gold', 'requests.storage')).toBe('gold.storageclass.storage.k8s.io/requests.storage');
    expect(storageClassResourceName('gold', 'persistentvolumeclaims')).toBe('gold.storageclass.storage.k8s.io/persistentvolumeclaims');
  });

  it.each([
    // name, standard quota, native, extended, integer
    ['pods', true, true, false, true],
    ['services.nodeports', true, true, false, true],
    ['requests.storage', true, true, false, false],
    ['cpu', true, true, false, false],
    ['storage', false, true, false, false],
    ['hugepages-2Mi', true, true, false, false],
    ['requests.hugepages-1Gi', true, true, false, false],
    ['count/pods', false, false, true, true],
    ['count/deployments.apps', false, false, true, true],
    ['gold.storageclass.storage.k8s.io/requests.storage', false, false, true, true],
    ['nvidia.com/gpu', false, false, true, true],
    ['requests.nvidia.com/gpu', false, false, false, false],
    ['kubernetes.io/foo', false, true, false, false],
    ['x.kubernetes.io/y', false, true, false, false],
  ])('%s: standard %s, native %s, extended %s, integer %s', (name, standard, native, extended, integer) => {
    expect(isStandardQuotaResourceName(name)).toBe(standard);
    expect(isNativeResource(name)).toBe(native);
    expect(isExtendedResourceName(name)).toBe(extended);
    expect(isIntegerResourceName(name)).toBe(integer);
  });

  it('knows the scopes and which resources they apply to', () => {
    expect(QUOTA_SCOPES).toEqual(['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass',
      'VolumeAttributesClass', 'CrossNamespacePodAffinity']);
    expect(isStandardResourceQuotaScope('Foo')).toBe(false);
    expect(isResourceQuotaScopeValidForResource('BestEffort', 'pods')).toBe(true);
    expect(isResourceQuotaScopeValidForResource('BestEffort', 'cpu')).toBe(false);
    expect(isResourceQuotaScopeValidForResource('Terminating', 'limits.memory')).toBe(true);
    expect(isResourceQuotaScopeValidForResource('Terminating', 'services')).toBe(false);
    expect(isResourceQuotaScopeValidForResource('VolumeAttributesClass', 'requests.storage')).toBe(true);
    expect(isResourceQuotaScopeValidForResource('VolumeAttributesClass', 'pods')).toBe(false);
    expect(isResourceQuotaScopeValidForResource('Unknown', 'pods')).toBe(true);
  });

  it('prints values as Go json.Marshal does', () => {
    expect(goJSON('a<b>&c')).toBe('"a\\u003cb\\u003e\\u0026c"');
    expect(goJSON(['x', 'y'])).toBe('["x","y"]');
    expect(goJSON(null)).toBe('null');
    expect(goJSON(undefined)).toBe('null');
  });
});

describe('validateQuotaSpec', () => {
  it.each<[string, QuotaSpec]>([
    ['compute limits', { hard: { pods: '10', 'requests.cpu': '4', 'requests.memory': '8Gi', 'limits.cpu': '8', 'limits.memory': '16Gi' } }],
    ['a VolumeAttributesClass scope on claims', { hard: { persistentvolumeclaims: '1', 'requests.storage': '1Gi' }, scopes: ['VolumeAttributesClass'] }],
    ['a PriorityClass selector', { hard: { pods: '1' }, scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] } }],
    ['values that are not label values', { hard: { 'requests.storage': '1Gi' }, scopeSelector: { matchExpressions: [{ scopeName: 'VolumeAttributesClass', operator: 'In', values: ['<gold&>'] }] } }],
    ['an empty selector', { hard: {}, scopeSelector: {} }],
    ['no expressions', { hard: {}, scopeSelector: { matchExpressions: [] } }],
    ['non-integer compute values', { hard: { memory: '1.5', 'requests.memory': '0.5', 'limits.ephemeral-storage': '1n', 'ephemeral-storage': '+1', 'requests.ephemeral-storage': '01' } }],
    ['huge counts upstream lets through', { hard: { pods: '10E', services: '9P', configmaps: '1e3', replicationcontrollers: '1k', resourcequotas: '1Ki', persistentvolumeclaims: '0.5Ki' } }],
    ['numbers', { hard: { pods: 10, 'requests.cpu': 0.5 } }],
    ['nothing', {}],
  ])('accepts %s', (_, spec) => {
    expect(errs(spec)).toEqual([]);
  });

  it('accepts a missing spec', () => {
    expect(validateQuotaSpec(undefined, 'spec.quota')).toEqual([]);
    expect(validateQuotaSpec(null, 'spec.quota')).toEqual([]);
  });

  it.each<[string, QuotaSpec, unknown[][]]>([
    ['negative and fractional values', { hard: { pods: '1.5', services: '500m', secrets: '-1', configmaps: '-1.5', 'requests.cpu': '-100m', cpu: '1.5' } }, [
      inv(hard('configmaps'), 'Invalid value: "-1500m": must be greater than or equal to 0'),
      inv(hard('configmaps'), 'Invalid value: "-1500m": must be an integer'),
      inv(hard('pods'), 'Invalid value: "1500m": must be an integer'),
      inv(hard('requests.cpu'), 'Invalid value: "-100m": must be greater than or equal to 0'),
      inv(hard('secrets'), 'Invalid value: "-1": must be greater than or equal to 0'),
      inv(hard('services'), 'Invalid value: "500m": must be an integer'),
    ]],
    ['unknown and non-quota names', { hard: { foo: '1', storage: '1Gi', 'requests.storage': '1Gi', 'hugepages-2Mi': '1Gi', 'requests.hugepages-1Gi': '2Gi', 'limits.hugepages-2Mi': '1' } }, [
      inv(hard('foo'), 'Invalid value: "foo": must be a standard resource type or fully qualified'),
      inv(hard('foo'), 'Invalid value: "foo": must be a standard resource for quota'),
      inv(hard('limits.hugepages-2Mi'), 'Invalid value: "limits.hugepages-2Mi": must be a standard resource type or fully qualified'),
      inv(hard('limits.hugepages-2Mi'), 'Invalid value: "limits.hugepages-2Mi": must be a standard resource for quota'),
      inv(hard('storage'), 'Invalid value: "storage": must be a standard resource for quota'),
    ]],
    ['counts and extended resources are integers', { hard: { 'count/pods': '1.5', 'count/deployments.apps': '2', 'count/foo': '0.5', 'nvidia.com/gpu': '1.5', 'requests.nvidia.com/gpu': '1.5', 'gold.storageclass.storage.k8s.io/requests.storage': '500m', 'gold.storageclass.storage.k8s.io/persistentvolumeclaims': '2' } }, [
      inv(hard('count/foo'), 'Invalid value: "500m": must be an integer'),
      inv(hard('count/pods'), 'Invalid value: "1500m": must be an integer'),
      inv(hard('gold.storageclass.storage.k8s.io/requests.storage'), 'Invalid value: "500m": must be an integer'),
      inv(hard('nvidia.com/gpu'), 'Invalid value: "1500m": must be an integer'),
    ]],
    ['malformed names', { hard: { 'a b': '1', Foo_: '1', '/x': '1', 'a/b/c': '1', 'example.com/': '1', 'kubernetes.io/foo': '1.5', 'x.kubernetes.io/y': '1', '-a': '1', 'services.nodeports': '1.1', 'services.loadbalancers': '2' } }, [
      inv(hard('-a'), `Invalid value: "-a": name part ${nameRegex}`),
      inv(hard('-a'), 'Invalid value: "-a": must be a standard resource for quota'),
      inv(hard('/x'), 'Invalid value: "/x": prefix part must be non-empty'),
      inv(hard('Foo_'), `Invalid value: "Foo_": name part ${nameRegex}`),
      inv(hard('Foo_'), 'Invalid value: "Foo_": must be a standard resource for quota'),
      inv(hard('a b'), `Invalid value: "a b": name part ${nameRegex}`),
      inv(hard('a b'), 'Invalid value: "a b": must be a standard resource for quota'),
      inv(hard('a/b/c'), `Invalid value: "a/b/c": a valid label key ${nameRegex} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`),
      inv(hard('example.com/'), 'Invalid value: "example.com/": name part must be non-empty'),
      inv(hard('example.com/'), `Invalid value: "example.com/": name part ${nameRegex}`),
      inv(hard('services.nodeports'), 'Invalid value: "1100m": must be an integer'),
    ]],
    ['names print as JSON', { hard: { 'a<b': '1' } }, [
      inv(hard('a<b'), `Invalid value: "a\\u003cb": name part ${nameRegex}`),
      inv(hard('a<b'), 'Invalid value: "a\\u003cb": must be a standard resource for quota'),
    ]],
    ['a count too large for int64 millis in decimal form', { hard: { secrets: '10000000000000000000' } }, [
      inv(hard('secrets'), 'Invalid value: "10E": must be an integer'),
    ]],
    ['text that is no quantity', { hard: { pods: 'ten', cpu: '1x' } }, [
      inv(hard('cpu'), 'Invalid value: "1x": quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\''),
      inv(hard('pods'), 'Invalid value: "ten": quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\''),
    ]],
    ['conflicting scopes', { hard: { pods: '1', cpu: '1' }, scopes: ['Terminating', 'NotTerminating'] }, [
      inv('spec.quota.scopes', 'Invalid value: ["Terminating","NotTerminating"]: conflicting scopes'),
    ]],
    ['BestEffort on compute and non-pod resources, once per resource', { hard: { pods: '1', cpu: '1', 'requests.storage': '1Gi', services: '1' }, scopes: ['BestEffort'] }, [
      inv('spec.quota.scopes', 'Invalid value: ["BestEffort"]: unsupported scope applied to resource'),
      inv('spec.quota.scopes', 'Invalid value: ["BestEffort"]: unsupported scope applied to resource'),
      inv('spec.quota.scopes', 'Invalid value: ["BestEffort"]: unsupported scope applied to resource'),
    ]],
    ['BestEffort with NotBestEffort', { hard: { pods: '1', 'limits.memory': '1Gi' }, scopes: ['BestEffort', 'NotBestEffort'] }, [
      inv('spec.quota.scopes', 'Invalid value: ["BestEffort","NotBestEffort"]: unsupported scope applied to resource'),
      inv('spec.quota.scopes', 'Invalid value: ["BestEffort","NotBestEffort"]: conflicting scopes'),
    ]],
    ['an unknown scope', { hard: { pods: '1' }, scopes: ['Foo', 'Terminating'] }, [
      inv('spec.quota.scopes', 'Invalid value: ["Foo","Terminating"]: unsupported scope'),
    ]],
    ['pod scopes on storage and a claim scope on pods', { hard: { pods: '1', 'requests.storage': '1Gi' }, scopes: ['PriorityClass', 'CrossNamespacePodAffinity', 'VolumeAttributesClass'] }, [
      inv('spec.quota.scopes', 'Invalid value: ["PriorityClass","CrossNamespacePodAffinity","VolumeAttributesClass"]: unsupported scope applied to resource'),
      inv('spec.quota.scopes', 'Invalid value: ["PriorityClass","CrossNamespacePodAffinity","VolumeAttributesClass"]: unsupported scope applied to resource'),
      inv('spec.quota.scopes', 'Invalid value: ["PriorityClass","CrossNamespacePodAffinity","VolumeAttributesClass"]: unsupported scope applied to resource'),
    ]],
    ['In and NotIn without values', { hard: { pods: '1' }, scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In' }, { scopeName: 'PriorityClass', operator: 'NotIn', values: [] }] } }, [
      ['spec.quota.scopeSelector.matchExpressions.values', 'FieldValueRequired', "Required value: must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"],
      ['spec.quota.scopeSelector.matchExpressions.values', 'FieldValueRequired', "Required value: must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"],
    ]],
    ['Exists and DoesNotExist with values', { hard: { pods: '1' }, scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'Exists', values: ['a'] }, { scopeName: 'PriorityClass', operator: 'DoesNotExist', values: ['a', 'b'] }] } }, [
      inv('spec.quota.scopeSelector.matchExpressions.values', "Invalid value: [\"a\"]: must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"),
      inv('spec.quota.scopeSelector.matchExpressions.values', "Invalid value: [\"a\",\"b\"]: must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"),
    ]],
    ['an unknown operator and scope', { hard: { pods: '1' }, scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'Foo', values: ['a'] }, { scopeName: 'Bar', operator: 'Exists' }] } }, [
      inv('spec.quota.scopeSelector.matchExpressions.operator', 'Invalid value: "Foo": not a valid selector operator'),
      inv('spec.quota.scopeSelector.matchExpressions.scopeName', 'Invalid value: "Bar": unsupported scope'),
    ]],
    ['operators other than Exists on boolean scopes', { hard: { pods: '1' }, scopeSelector: { matchExpressions: [{ scopeName: 'Terminating', operator: 'In', values: ['a'] }, { scopeName: 'BestEffort', operator: 'DoesNotExist' }, { scopeName: 'CrossNamespacePodAffinity', operator: 'Exists' }] } }, [
      inv('spec.quota.scopeSelector.matchExpressions.operator', `Invalid value: "In": ${mustBeExists}`),
      inv('spec.quota.scopeSelector.matchExpressions.operator', `Invalid value: "DoesNotExist": ${mustBeExists}`),
    ]],
    ['conflicting selector scopes (upstream prints the internal selector, and spec.scopes)', { hard: { pods: '1', cpu: '1', services: '2' }, scopeSelector: { matchExpressions: [{ scopeName: 'BestEffort', operator: 'Exists' }, { scopeName: 'NotBestEffort', operator: 'Exists' }] } }, [
      ...Array.from({ length: 3 }, () => inv('spec.quota.scopeSelector.matchExpressions',
        'Invalid value: {"MatchExpressions":[{"ScopeName":"BestEffort","Operator":"Exists","Values":null},{"ScopeName":"NotBestEffort","Operator":"Exists","Values":null}]}: unsupported scope applied to resource')),
      inv('spec.quota.scopeSelector.matchExpressions', 'Invalid value: null: conflicting scopes'),
    ]],
    ['a selector conflicting with itself next to scopes', { hard: { pods: '1', cpu: '1' }, scopes: ['Terminating'], scopeSelector: { matchExpressions: [{ scopeName: 'Terminating', operator: 'Exists' }, { scopeName: 'NotTerminating', operator: 'Exists' }] } }, [
      inv('spec.quota.scopeSelector.matchExpressions', 'Invalid value: ["Terminating"]: conflicting scopes'),
    ]],
    ['counts are not checked against scopes', { hard: { 'count/pods': '1.5', 'count/deployments.apps': '-2' }, scopes: ['BestEffort'] }, [
      inv(hard('count/deployments.apps'), 'Invalid value: "-2": must be greater than or equal to 0'),
      inv(hard('count/pods'), 'Invalid value: "1500m": must be an integer'),
    ]],
  ])('rejects %s', (_, spec, expected) => {
    expect(errs(spec)).toEqual(expected);
  });

  it('feeds registry/errors invalid() as a ResourceQuota error reads', () => {
    const causes = validateQuotaSpec({ hard: { pods: '1.5' } }, 'spec.quota');
    expect(invalid('AccountQuota', 'config.kiosk.sh', 'default', causes).message)
      .toBe('AccountQuota.config.kiosk.sh "default" is invalid: spec.quota.hard[pods]: Invalid value: "1500m": must be an integer');
  });
});
