import { HUGEPAGES_PREFIX } from './resources.js';

/** A resource type, as a quota resource name refers to it. */
export interface CountedKind {
  group: string;
  resource: string;
}

export const PODS: CountedKind = { group: '', resource: 'pods' };
export const SERVICES: CountedKind = { group: '', resource: 'services' };
export const PVCS: CountedKind = { group: '', resource: 'persistentvolumeclaims' };

const CORE_COUNTED = new Set(['pods', 'services', 'persistentvolumeclaims', 'configmaps', 'secrets', 'replicationcontrollers', 'resourcequotas']);

/**
 * Which kind of object a quota resource name counts: the pod compute names (requests.*, limits.*, cpu,
 * memory, hugepages-<size>, extended resources) count pods; services.* services; requests.storage and per-storage-class
 * names persistent volume claims; `count/<resource>[.<group>]` that resource.
 */
export function kindCountedBy(name: string): CountedKind | undefined {
  if (name.startsWith('count/')) {
    const rest = name.slice('count/'.length);
    const dot = rest.indexOf('.');
    return dot < 0 ? { group: '', resource: rest } : { group: rest.slice(dot + 1), resource: rest.slice(0, dot) };
  }
  if (CORE_COUNTED.has(name)) return { group: '', resource: name };
  if (name.startsWith('services.')) return SERVICES;
  if (name === 'requests.storage' || name.includes('.storageclass.storage.k8s.io/')) return PVCS;
  if (name.startsWith('requests.') || name.startsWith('limits.') || name === 'cpu' || name === 'memory' || name === 'ephemeral-storage'
    || name.startsWith(HUGEPAGES_PREFIX)) return PODS;
  return undefined;
}

export const kindKey = (k: CountedKind) => `${k.resource}.${k.group}`;

/** The distinct kinds a set of quota resource names counts. */
export function kindsCountedBy(names: Iterable<string>): CountedKind[] {
  const out = new Map<string, CountedKind>();
  for (const n of names) {
    const k = kindCountedBy(n);
    if (k) out.set(kindKey(k), k);
  }
  return [...out.values()];
}
