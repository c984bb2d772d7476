/**
 * What one object costs under a quota, computed as kube's quota evaluators compute it
 * (k8s.io/kubernetes pkg/quota/v1/evaluator/core: pods.go, services.go, persistent_volume_claims.go;
 * k8s.io/apiserver pkg/quota/v1/generic/evaluator.go; k8s.io/component-helpers resource/helpers.go),
 * plus the checks and messages of quota admission (k8s.io/apiserver
 * pkg/admission/plugin/resourcequota/controller.go, CheckRequest).
 *
 * Feature gates are taken at their Kubernetes 1.36 defaults: PodLevelResources, InPlacePodVerticalScaling
 * (status resources), RecoverVolumeExpansionFailure and VolumeAttributesClass are on. DRA resource claims
 * are counted as objects only (upstream's claim evaluator, for device-class quotas, is not ported).
 */
import { forbidden } from '../../storage/apimachinery/errors.js';
import type { GroupResource } from '../../storage/apimachinery/group-version.js';
import type { StatusError } from '../../storage/apimachinery/errors.js';
import { labelSelectorAsSelector } from '../../storage/apimachinery/label-selector.js';
import { goQuote } from '../../storage/apimachinery/go-quote.js';
import { add, cmp, isZero, newQuantity, parseQuantity, roundUp, sign, ZERO } from '../../storage/apimachinery/quantity.js';
import type { Quantity } from '../../storage/apimachinery/quantity.js';
import {
  DEVICE_CLASS_PREFIX, HUGEPAGES_PREFIX, REQUESTS_HUGEPAGES_PREFIX, REQUESTS_PREFIX, STORAGE_CLASS_SUFFIX,
  isExtendedResourceName, isNativeResource, objectCountResourceName, storageClassResourceName,
} from './resources.js';
import type { ScopeSelector, ScopedResourceSelectorRequirement } from './types.js';
import type { ResourceList, ResourceListLike } from './resource-list.js';
import { addInto, addResourceLists, formatResourceList, maskResourceList, maxInto, maxOf, removeZeros, subtractNonNegative, toResourceList } from './resource-list.js';

export interface UsageOptions {
  /** The current time in milliseconds, for pods stuck terminating past their grace period (default: now). */
  now?: number;
}

export interface DeltaOptions extends UsageOptions {
  /** The request's subresource ('' or absent: the object itself), for `handles`. */
  subResource?: string;
}

// ---- JSON shapes (only the fields quota reads)

type Obj = Record<string, unknown>;

interface Requirements {
  requests?: Obj | null;
  limits?: Obj | null;
}

interface Container {
  name?: string;
  resources?: Requirements | null;
  restartPolicy?: string | null;
}

interface ContainerStatus {
  name?: string;
  resources?: Requirements | null;
  allocatedResources?: Obj | null;
}

interface AffinityTerm {
  namespaces?: string[] | null;
  namespaceSelector?: unknown;
}

interface PodAffinityLike {
  requiredDuringSchedulingIgnoredDuringExecution?: AffinityTerm[] | null;
  preferredDuringSchedulingIgnoredDuringExecution?: Array<{ podAffinityTerm?: AffinityTerm | null }> | null;
}

interface Pod {
  metadata?: { deletionTimestamp?: string | null; deletionGracePeriodSeconds?: number | null };
  spec?: {
    containers?: Container[] | null;
    initContainers?: Container[] | null;
    overhead?: Obj | null;
    resources?: Requirements | null;
    activeDeadlineSeconds?: number | null;
    priorityClassName?: string | null;
    affinity?: { podAffinity?: PodAffinityLike | null; podAntiAffinity?: PodAffinityLike | null } | null;
  };
  status?: {
    phase?: string;
    qosClass?: string;
    conditions?: Array<{ type?: string; reason?: string }> | null;
    containerStatuses?: ContainerStatus[] | null;
    initContainerStatuses?: ContainerStatus[] | null;
  };
}

interface Service {
  spec?: { type?: string; ports?: Array<{ nodePort?: number | null }> | null; allocateLoadBalancerNodePorts?: boolean | null };
}

interface PersistentVolumeClaim {
  metadata?: { annotations?: Record<string, string> | null };
  spec?: { storageClassName?: string | null; resources?: Requirements | null; volumeAttributesClassName?: string | null };
  status?: {
    allocatedResources?: Obj | null;
    currentVolumeAttributesClassName?: string | null;
    modifyVolumeStatus?: { targetVolumeAttributesClassName?: string } | null;
  };
}

// The one cast from a decoded object to the shape read from it: every field is optional there, so reading is safe.
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the type parameter is the cast
const asObj = <T>(v: unknown): T => (v !== null && typeof v === 'object' ? v : {}) as T;

// ---- pods

/** Whether the pod has reached a terminal phase (Succeeded or Failed): it no longer uses compute quota. */
export function podIsTerminal(pod: unknown): boolean {
  const phase = asObj<Pod>(pod).status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** QuotaV1Pod: charged for compute unless terminal, or marked for deletion with its grace period expired. */
function podChargedForCompute(pod: Pod, now: number): boolean {
  if (podIsTerminal(pod)) return false;
  const deletion = pod.metadata?.deletionTimestamp;
  const grace = pod.metadata?.deletionGracePeriodSeconds;
  if (deletion != null && grace != null) {
    const deletedAt = Date.parse(deletion);
    if (!Number.isNaN(deletedAt) && now > deletedAt + grace * 1000) return false;
  }
  return true;
}

/** IsTerminating: `activeDeadlineSeconds` is set (and not negative). */
export function podIsTerminating(pod: unknown): boolean {
  const deadline = asObj<Pod>(pod).spec?.activeDeadlineSeconds;
  return typeof deadline === 'number' && deadline >= 0;
}

const isSupportedPodLevelResource = (name: string) => name === 'cpu' || name === 'memory' || name.startsWith(HUGEPAGES_PREFIX);
const hasSupportedPodLevel = (list: Obj | null | undefined) => Object.keys(list ?? {}).some(isSupportedPodLevelResource);

/** resourcehelper.IsPodLevelResourcesSet. */
function isPodLevelResourcesSet(pod: Pod): boolean {
  const r = pod.spec?.resources;
  return r != null && (hasSupportedPodLevel(r.requests) || hasSupportedPodLevel(r.limits));
}

function isPodResizeInfeasible(pod: Pod): boolean {
  for (const c of pod.status?.conditions ?? []) {
    if (c.type === 'PodResizePending') return c.reason === 'Infeasible';
  }
  return false;
}

function statusesByName(pod: Pod): Map<string, ContainerStatus> {
  const byName = new Map<string, ContainerStatus>();
  for (const cs of pod.status?.containerStatuses ?? []) byName.set(cs.name ?? '', cs);
  for (const cs of pod.status?.initContainerStatuses ?? []) byName.set(cs.name ?? '', cs);
  return byName;
}

type Which = 'requests' | 'limits';

/**
 * A container's effective requests or limits, with in-place resize taken into account
 * (determineEffectiveRequests / determineEffectiveLimits): the larger of spec, actuated and allocated.
 */
function effective(pod: Pod, which: Which, c: Container, cs: ContainerStatus | undefined): ResourceList {
  const spec = toResourceList(c.resources?.[which]);
  if (cs?.resources == null) return spec;
  const actuated = toResourceList(cs.resources[which]);
  if (which === 'requests') {
    const allocated = toResourceList(cs.allocatedResources);
    return isPodResizeInfeasible(pod) ? maxOf(actuated, allocated) : maxOf(spec, actuated, allocated);
  }
  return isPodResizeInfeasible(pod) ? new Map(actuated) : maxOf(spec, actuated);
}

/** AggregateContainerRequests / AggregateContainerLimits, sidecars included. */
function aggregateContainers(pod: Pod, which: Which): ResourceList {
  const statuses = statusesByName(pod);
  const total: ResourceList = new Map();
  for (const c of pod.spec?.containers ?? []) addInto(total, effective(pod, which, c, statuses.get(c.name ?? '')));
  const sidecars: ResourceList = new Map();
  const initMax: ResourceList = new Map();
  for (const c of pod.spec?.initContainers ?? []) {
    const restartable = c.restartPolicy === 'Always';
    const own = restartable ? effective(pod, which, c, statuses.get(c.name ?? '')) : toResourceList(c.resources?.[which]);
    let peak: ResourceList;
    if (restartable) {
      // A sidecar keeps running: it adds to the pod's total and to every later init container's peak.
      addInto(total, own);
      addInto(sidecars, own);
      peak = sidecars;
    } else {
      peak = new Map();
      addInto(peak, own);
      addInto(peak, sidecars);
    }
    maxInto(initMax, peak);
  }
  maxInto(total, initMax);
  return total;
}

/**
 * resourcehelper.PodRequests: max(sum of containers and sidecars, peak of any init container) per
 * resource, pod-level requests (cpu, memory, hugepages) overriding, plus pod overhead.
 */
export function podRequests(pod: unknown): ResourceList {
  const p = asObj<Pod>(pod);
  const reqs = aggregateContainers(p, 'requests');
  const podLevel = p.spec?.resources;
  if (podLevel != null && hasSupportedPodLevel(podLevel.requests)) {
    for (const [name, q] of toResourceList(podLevel.requests)) if (isSupportedPodLevelResource(name)) reqs.set(name, q);
  }
  if (p.spec?.overhead != null) addInto(reqs, toResourceList(p.spec.overhead));
  return reqs;
}

/** resourcehelper.PodLimits: like podRequests; overhead is added only to limits that are set and non-zero. */
export function podLimits(pod: unknown): ResourceList {
  const p = asObj<Pod>(pod);
  const limits = aggregateContainers(p, 'limits');
  if (isPodLevelResourcesSet(p)) {
    for (const [name, q] of toResourceList(p.spec?.resources?.limits)) if (isSupportedPodLevelResource(name)) limits.set(name, q);
  }
  for (const [name, q] of toResourceList(p.spec?.overhead)) {
    const existing = limits.get(name);
    if (existing !== undefined && !isZero(existing)) limits.set(name, add(existing, q));
  }
  return limits;
}

const qosResources = (list: ResourceList) => new Set([...list].filter(([name, q]) => (name === 'cpu' || name === 'memory') && sign(q) === 1).map(([n]) => n));

/** v1 qos.GetPodQOS: `status.qosClass` when set, else computed (BestEffort, Burstable or Guaranteed). */
export function podQOSClass(pod: unknown): string {
  const p = asObj<Pod>(pod);
  if (p.status?.qosClass) return p.status.qosClass;
  const requests: ResourceList = new Map();
  const limits: ResourceList = new Map();
  let guaranteed = true;
  const collect = (into: ResourceList, list: ResourceList) => {
    for (const [name, q] of list) {
      if ((name === 'cpu' || name === 'memory') && sign(q) === 1) into.set(name, into.has(name) ? add(q, into.get(name) as Quantity) : q);
    }
  };
  const podLevel = p.spec?.resources;
  if (podLevel != null) {
    collect(requests, toResourceList(podLevel.requests));
    const lim = toResourceList(podLevel.limits);
    if (lim.size > 0) {
      collect(limits, lim);
      const found = qosResources(lim);
      if (!found.has('memory') || !found.has('cpu')) guaranteed = false;
    }
  } else {
    for (const c of [...(p.spec?.containers ?? []), ...(p.spec?.initContainers ?? [])]) {
      collect(requests, toResourceList(c.resources?.requests));
      const lim = toResourceList(c.resources?.limits);
      collect(limits, lim);
      const found = qosResources(lim);
      if (!found.has('memory') || !found.has('cpu')) guaranteed = false;
    }
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, req] of requests) {
      const lim = limits.get(name);
      if (lim === undefined || cmp(lim, req) !== 0) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

/** isBestEffort: no cpu or memory request or limit anywhere (QoS class BestEffort). */
export function podIsBestEffort(pod: unknown): boolean {
  return podQOSClass(pod) === 'BestEffort';
}

/** schedutil.IsDRAExtendedResourceName. */
const isDRAExtendedResourceName = (name: string) => isExtendedResourceName(name) || name.startsWith(DEVICE_CLASS_PREFIX);

/** podComputeUsageHelper: the quota names a set of requests and limits charges. */
function podComputeUsage(requests: ResourceList, limits: ResourceList): ResourceList {
  const result: ResourceList = new Map([['pods', parseQuantity('1')]]);
  for (const name of ['cpu', 'memory', 'ephemeral-storage']) {
    const request = requests.get(name);
    if (request !== undefined) {
      result.set(name, request);
      result.set(`requests.${name}`, request);
    }
    const limit = limits.get(name);
    if (limit !== undefined) result.set(`limits.${name}`, limit);
  }
  for (const [name, request] of requests) {
    if (name.startsWith(HUGEPAGES_PREFIX)) {
      result.set(name, request);
      result.set(`${REQUESTS_PREFIX}${name}`, request);
    }
    if (isDRAExtendedResourceName(name)) result.set(`${REQUESTS_PREFIX}${name}`, request);
  }
  return result;
}

/** PodUsageFunc: `count/pods` always; compute resources and `pods` only while the pod is not terminal. */
function podUsage(pod: Pod, now: number): ResourceList {
  const result: ResourceList = new Map([['count/pods', newQuantity(1)]]);
  if (!podChargedForCompute(pod, now)) return result;
  for (const [name, q] of podComputeUsage(podRequests(pod), podLimits(pod))) result.set(name, q);
  return result;
}

/** The pod evaluator's resources (podResources, plus the hugepages and extended-resource prefixes). */
const podResources = new Set([
  'count/pods', 'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage',
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'pods',
]);

/** isExtendedResourceNameForQuota: `requests.<extended>` (or an implicit device-class name). */
const isExtendedResourceNameForQuota = (name: string) =>
  (!isNativeResource(name) || name.startsWith(`${REQUESTS_PREFIX}${DEVICE_CLASS_PREFIX}`)) && name.startsWith(REQUESTS_PREFIX);

function matchesPodResource(name: string): boolean {
  return podResources.has(name) || name.startsWith(HUGEPAGES_PREFIX) || name.startsWith(REQUESTS_HUGEPAGES_PREFIX)
    || isExtendedResourceNameForQuota(name);
}

const termsCrossNamespace = (terms: AffinityTerm[] | null | undefined) =>
  (terms ?? []).some((t) => (t.namespaces?.length ?? 0) !== 0 || (t.namespaceSelector !== undefined && t.namespaceSelector !== null));

function affinityCrossNamespace(a: PodAffinityLike | null | undefined): boolean {
  if (a == null) return false;
  return termsCrossNamespace(a.requiredDuringSchedulingIgnoredDuringExecution)
    || termsCrossNamespace((a.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => w.podAffinityTerm ?? {}));
}

/** usesCrossNamespacePodAffinity: an (anti-)affinity term names namespaces or has a namespaceSelector. */
export function podUsesCrossNamespaceAffinity(pod: unknown): boolean {
  const affinity = asObj<Pod>(pod).spec?.affinity;
  if (affinity == null) return false;
  return affinityCrossNamespace(affinity.podAffinity) || affinityCrossNamespace(affinity.podAntiAffinity);
}

// ---- scope selectors

const selectorOperators = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/**
 * helper.ScopedResourceSelectorRequirementsAsSelector plus Matches against `{<scopeName>: value}` (no
 * labels when there is no value). An invalid requirement throws, worded as the evaluator's error.
 */
function selectorMatches(req: ScopedResourceSelectorRequirement, values: string[]): boolean {
  let selector;
  try {
    // Decoded, so not necessarily a string whatever the type says.
    const operatorGiven: unknown = req.operator;
    if (!selectorOperators.has(req.operator)) throw new Error(`${goQuote(String(operatorGiven))} is not a valid scope selector operator`);
    selector = labelSelectorAsSelector({ matchExpressions: [{ key: req.scopeName, operator: req.operator, values: req.values ?? [] }] });
  } catch (err) {
    throw new Error(`failed to parse and convert selector: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (values.length === 0) return selector.matches({});
  return values.some((v) => selector.matches({ [req.scopeName]: v }));
}

/** podMatchesScopeFunc. */
function podMatchesScope(req: ScopedResourceSelectorRequirement, pod: Pod): boolean {
  switch (req.scopeName) {
    case 'Terminating': return podIsTerminating(pod);
    case 'NotTerminating': return !podIsTerminating(pod);
    case 'BestEffort': return podIsBestEffort(pod);
    case 'NotBestEffort': return !podIsBestEffort(pod);
    case 'PriorityClass': {
      const name = pod.spec?.priorityClassName ?? '';
      if (req.operator === 'Exists') return name.length !== 0;
      return selectorMatches(req, name ? [name] : []);
    }
    case 'CrossNamespacePodAffinity': return podUsesCrossNamespaceAffinity(pod);
    default: return false;
  }
}

/** getReferencedVolumeAttributesClassNames. */
function volumeAttributesClassNames(pvc: PersistentVolumeClaim): string[] {
  const names = new Set<string>();
  if (pvc.spec?.volumeAttributesClassName) names.add(pvc.spec.volumeAttributesClassName);
  if (pvc.status?.currentVolumeAttributesClassName) names.add(pvc.status.currentVolumeAttributesClassName);
  const target = pvc.status?.modifyVolumeStatus?.targetVolumeAttributesClassName;
  if (target) names.add(target);
  return [...names];
}

/** pvcMatchesScopeFunc: only the VolumeAttributesClass scope applies to claims. */
function pvcMatchesScope(req: ScopedResourceSelectorRequirement, pvc: PersistentVolumeClaim): boolean {
  if (req.scopeName !== 'VolumeAttributesClass') return false;
  const names = volumeAttributesClassNames(pvc);
  if (req.operator === 'Exists') return names.length !== 0;
  return selectorMatches(req, names);
}

const isCore = (kind: GroupResource, resource: string) => kind.group === '' && kind.resource === resource;

/** getScopeSelectorsFromQuota: each scope as an Exists requirement, then the selector's expressions. */
function scopeSelectors(scopes: readonly string[] | null | undefined, scopeSelector: ScopeSelector | null | undefined): ScopedResourceSelectorRequirement[] {
  return [
    ...(scopes ?? []).map((scopeName) => ({ scopeName, operator: 'Exists' })),
    ...(scopeSelector?.matchExpressions ?? []),
  ];
}

/**
 * Whether the object falls under a quota's scopes and scope selector (all must match). Pods match
 * their scopes; claims match VolumeAttributesClass; any other object matches only a quota without
 * scopes, as upstream's MatchesNoScopeFunc. Throws on a selector upstream cannot convert.
 */
export function matchesScopes(kind: GroupResource, obj: unknown, scopes?: readonly string[] | null, scopeSelector?: ScopeSelector | null): boolean {
  let matched = true;
  for (const req of scopeSelectors(scopes, scopeSelector)) {
    let m: boolean;
    if (isCore(kind, 'pods')) m = podMatchesScope(req, asObj<Pod>(obj));
    else if (isCore(kind, 'persistentvolumeclaims')) m = pvcMatchesScope(req, asObj<PersistentVolumeClaim>(obj));
    else m = false;
    matched = matched && m;
  }
  return matched;
}

// ---- services, claims, counts

/** The service evaluator: counts, node ports and load balancers. */
function serviceUsage(svc: Service): ResourceList {
  const ports = svc.spec?.ports ?? [];
  const result: ResourceList = new Map([
    ['count/services', newQuantity(1)],
    ['services', newQuantity(1)],
    ['services.loadbalancers', ZERO],
    ['services.nodeports', ZERO],
  ]);
  switch (svc.spec?.type) {
    case 'NodePort':
      result.set('services.nodeports', newQuantity(ports.length));
      break;
    case 'LoadBalancer':
      // Without allocated node ports, only the ports that still name one count.
      result.set('services.nodeports', newQuantity(svc.spec.allocateLoadBalancerNodePorts === false
        ? ports.filter((p) => (p.nodePort ?? 0) !== 0).length
        : ports.length));
      result.set('services.loadbalancers', newQuantity(1));
      break;
  }
  return result;
}

/** storagehelpers.GetPersistentVolumeClaimClass: the beta annotation first, then spec.storageClassName. */
export function pvcStorageClass(pvc: unknown): string {
  const p = asObj<PersistentVolumeClaim>(pvc);
  const annotations = p.metadata?.annotations ?? {};
  if (Object.hasOwn(annotations, 'volume.beta.kubernetes.io/storage-class')) return annotations['volume.beta.kubernetes.io/storage-class'] ?? '';
  return p.spec?.storageClassName ?? '';
}

/** getStorageUsage: the request rounded up to whole bytes, or the allocated size when that is larger. */
function pvcStorage(pvc: PersistentVolumeClaim): Quantity | undefined {
  const roundUpBytes = (q: Quantity) => roundUp(q, 0).quantity;
  const requested = toResourceList(pvc.spec?.resources?.requests).get('storage');
  if (requested === undefined) return undefined;
  let result = roundUpBytes(requested);
  const allocated = toResourceList(pvc.status?.allocatedResources);
  const allocatedStorage = allocated.get('storage');
  if (allocatedStorage !== undefined && cmp(allocatedStorage, result) > 0) result = roundUpBytes(allocatedStorage);
  return result;
}

function pvcUsage(pvc: PersistentVolumeClaim): ResourceList {
  const result: ResourceList = new Map([
    ['persistentvolumeclaims', newQuantity(1)],
    ['count/persistentvolumeclaims', newQuantity(1)],
  ]);
  const storageClass = pvcStorageClass(pvc);
  if (storageClass) result.set(storageClassResourceName(storageClass, 'persistentvolumeclaims'), newQuantity(1));
  const storage = pvcStorage(pvc);
  if (storage !== undefined) {
    result.set('requests.storage', storage);
    if (storageClass) result.set(storageClassResourceName(storageClass, 'requests.storage'), storage);
  }
  return result;
}

/** legacyObjectCountAliases: core kinds counted under a bare name as well as `count/`. */
const legacyCountAliases = new Set(['configmaps', 'resourcequotas', 'replicationcontrollers', 'secrets']);

/**
 * Everything the object is charged for, under every quota resource name it contributes to (not yet
 * masked by any quota's `hard`). Quantities in the object are parsed; an invalid one throws.
 */
export function usageOf(kind: GroupResource, obj: unknown, options: UsageOptions = {}): ResourceList {
  if (kind.group === '') {
    switch (kind.resource) {
      case 'pods': return podUsage(asObj<Pod>(obj), options.now ?? Date.now());
      case 'services': return serviceUsage(asObj<Service>(obj));
      case 'persistentvolumeclaims': return pvcUsage(asObj<PersistentVolumeClaim>(obj));
    }
    if (legacyCountAliases.has(kind.resource)) {
      return new Map([[objectCountResourceName(kind), newQuantity(1)], [kind.resource, newQuantity(1)]]);
    }
  }
  return new Map([[objectCountResourceName(kind), newQuantity(1)]]);
}

/** evaluator.MatchingResources: the names among `names` this kind's evaluator tracks. */
export function matchingResources(kind: GroupResource, names: Iterable<string>): string[] {
  const out: string[] = [];
  for (const name of names) {
    let matches: boolean;
    if (isCore(kind, 'pods')) {
      matches = matchesPodResource(name);
    } else if (isCore(kind, 'services')) {
      matches = ['count/services', 'services', 'services.nodeports', 'services.loadbalancers'].includes(name);
    } else if (isCore(kind, 'persistentvolumeclaims')) {
      matches = ['count/persistentvolumeclaims', 'persistentvolumeclaims', 'requests.storage'].includes(name)
        || name.endsWith(`${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`) || name.endsWith(`${STORAGE_CLASS_SUFFIX}requests.storage`);
    } else {
      matches = name === objectCountResourceName(kind) || (kind.group === '' && legacyCountAliases.has(kind.resource) && name === kind.resource);
    }
    if (matches) out.push(name);
  }
  return out;
}

const namesOf = (hard: ResourceListLike | Obj): string[] => (hard instanceof Map ? [...(hard as ReadonlyMap<string, unknown>).keys()] : Object.keys(hard));

/** evaluator.Matches: the quota names something this kind uses, and the object is in the quota's scopes. */
export function quotaMatches(kind: GroupResource, obj: unknown, hard: ResourceListLike | Obj,
  scopes?: readonly string[] | null, scopeSelector?: ScopeSelector | null): boolean {
  return matchingResources(kind, namesOf(hard)).length > 0 && matchesScopes(kind, obj, scopes, scopeSelector);
}

/**
 * evaluator.Handles: whether quota admission charges a write at all, as Kubernetes 1.36's evaluators answer
 * (pkg/quota/v1/evaluator/core pods.go, services.go, persistent_volume_claims.go, resource_claims.go;
 * k8s.io/apiserver pkg/quota/v1/generic evaluator.go). A create is one without `oldObj`; `subResource` is
 * the request's ('' for the object itself).
 *   pods                    CREATE; UPDATE only when the pod enters or leaves the Terminating scope
 *                           (activeDeadlineSeconds); UPDATE of `pods/resize` (in-place resize, which
 *                           changes the containers' requests and limits)
 *   services                CREATE and UPDATE (a type change to NodePort or LoadBalancer adds to
 *                           services.nodeports and services.loadbalancers)
 *   persistentvolumeclaims  CREATE and UPDATE (an expansion raises spec.resources.requests.storage).
 *                           Upstream also charges UPDATEs of `persistentvolumeclaims/status` that change
 *                           status.allocatedResources or the VolumeAttributesClass names, but never denies
 *                           them (CheckRequest skips the check for `status`): they only move the usage, which
 *                           our informers follow, so they are not handled here
 *   any other kind          CREATE of the object itself (an object count; an update cannot change it)
 * Every other subresource is not charged.
 */
export function handles(kind: GroupResource, newObj: unknown, oldObj?: unknown, subResource = ''): boolean {
  const update = oldObj !== undefined;
  if (subResource !== '') return isCore(kind, 'pods') && subResource === 'resize' && update;
  if (!update) return true;
  if (isCore(kind, 'pods')) return podIsTerminating(oldObj) !== podIsTerminating(newObj);
  return isCore(kind, 'services') || isCore(kind, 'persistentvolumeclaims');
}

/**
 * The usage a create (no `oldObj`) or update adds to one quota, as CheckRequest charges it: nothing if
 * the evaluator ignores the operation or the object is outside the quota; on an update of an object
 * that has a resourceVersion and was inside the quota before, the increase over the old object's usage
 * (per name, never negative); otherwise the full usage. Masked to the names in `hard`, zeros removed.
 * Terminal pods are charged only `count/pods`. A resize (`options.subResource` 'resize') is an update like
 * any other: the increase of the pod's requests and limits.
 */
export function quotaDelta(kind: GroupResource, newObj: unknown, oldObj: unknown, hard: ResourceListLike | Obj,
  scopes?: readonly string[] | null, scopeSelector?: ScopeSelector | null, options: DeltaOptions = {}): ResourceList {
  if (!handles(kind, newObj, oldObj, options.subResource)) return new Map();
  if (!quotaMatches(kind, newObj, hard, scopes, scopeSelector)) return new Map();
  let delta = usageOf(kind, newObj, options);
  if (oldObj !== undefined) {
    const resourceVersion = asObj<{ metadata?: { resourceVersion?: string } }>(oldObj).metadata?.resourceVersion;
    if (resourceVersion && quotaMatches(kind, oldObj, hard, scopes, scopeSelector)) {
      delta = subtractNonNegative(delta, usageOf(kind, oldObj, options));
    }
  }
  return maskResourceList(removeZeros(delta), namesOf(hard));
}

// ---- admission messages

/** The resources whose missing per-container values quota enforces (validationSet; never extended upstream). */
const validationSet = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);

/**
 * The pod evaluator's Constraints: when a quota's `hard` names cpu or memory requests or limits, every
 * container and init container must set them (unless pod-level resources are set). Returns upstream's
 * text, `must specify limits.cpu for: a,b; requests.memory for: a` (resources and container names
 * sorted), or undefined when nothing is missing. Admission wraps it with `failedQuotaMessage`.
 */
export function missingLimits(kind: GroupResource, pod: unknown, hard: ResourceListLike | Obj): string | undefined {
  if (!isCore(kind, 'pods')) return undefined;
  const p = asObj<Pod>(pod);
  if (isPodLevelResourcesSet(p)) return undefined;
  const required = matchingResources(kind, namesOf(hard)).filter((name) => validationSet.has(name));
  if (required.length === 0) return undefined;
  const missing = new Map<string, Set<string>>();
  for (const c of [...(p.spec?.containers ?? []), ...(p.spec?.initContainers ?? [])]) {
    const usage = podComputeUsage(toResourceList(c.resources?.requests), toResourceList(c.resources?.limits));
    for (const name of required) {
      if (usage.has(name)) continue;
      const names = missing.get(name) ?? new Set<string>();
      names.add(c.name ?? '');
      missing.set(name, names);
    }
  }
  if (missing.size === 0) return undefined;
  const parts = [...missing.keys()].sort().map((name) => `${name} for: ${[...(missing.get(name) ?? [])].sort().join(',')}`);
  return `must specify ${parts.join('; ')}`;
}

/** `failed quota: <quota>: <detail>`, the Constraints denial. */
export function failedQuotaMessage(quotaName: string, detail: string): string {
  return `failed quota: ${quotaName}: ${detail}`;
}

const sortedNames = (names: Iterable<string>) => [...names].sort().join(',');

/** `exceeded quota: <q>, requested: …, used: …, limited: …` (each list sorted, comma-joined). */
export function exceededMessage(quotaName: string, requested: ResourceListLike, used: ResourceListLike, limited: ResourceListLike): string {
  return `exceeded quota: ${quotaName}, requested: ${formatResourceList(requested)}, used: ${formatResourceList(used)}, limited: ${formatResourceList(limited)}`;
}

/**
 * The exceeded check of CheckRequest for one quota: `used + requested` against `hard` on the requested
 * names. Returns the exceededMessage (masked to the exceeded names), or undefined when it fits.
 */
export function checkExceeded(quotaName: string, requested: ResourceListLike, used: ResourceListLike, hard: ResourceListLike): string | undefined {
  const req = toResourceList(requested);
  const newUsage = maskResourceList(addResourceLists(used, req), req.keys());
  const hardList = toResourceList(hard);
  const exceeded: string[] = [];
  for (const [name, limit] of hardList) {
    const q = newUsage.get(name);
    if (q !== undefined && cmp(q, limit) > 0) exceeded.push(name);
  }
  if (exceeded.length === 0) return undefined;
  return exceededMessage(quotaName, maskResourceList(req, exceeded), maskResourceList(used, exceeded), maskResourceList(hardList, exceeded));
}

/** `quota usage is negative for resource(s): <sorted names>`. */
export function negativeUsageMessage(resources: Iterable<string>): string {
  return `quota usage is negative for resource(s): ${sortedNames(resources)}`;
}

/**
 * admission.NewForbidden: `<resource>[.<group>] "<name>" is forbidden: <reason>`, where the name is the
 * request's, else the object's name, else its generateName, else `Unknown`.
 */
export function quotaForbidden(gr: GroupResource, requestName: string | undefined, obj: unknown, reason: string): StatusError {
  const meta = asObj<{ metadata?: { name?: string; generateName?: string } }>(obj).metadata;
  const name = requestName || meta?.name || meta?.generateName || 'Unknown';
  return forbidden(gr, name, reason);
}
