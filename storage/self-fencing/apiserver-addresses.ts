/** The parts of a discovery.k8s.io/v1 EndpointSlice the fence reads. */
export interface EndpointSlice {
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  addressType?: string;
  endpoints?: Array<{ addresses?: string[] }> | null;
}

/** The label kube-apiserver's endpoint reconciler puts on the default/kubernetes EndpointSlices. */
export const KUBERNETES_SERVICE_SELECTOR = 'kubernetes.io/service-name=kubernetes';

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-fA-F:.]{2,45}$/;

/**
 * kube-apiserver's addresses as NetworkPolicy ipBlock CIDRs (one host each: /32, /128), from every
 * EndpointSlice of the default/kubernetes Service: sorted, without duplicates. Every endpoint counts,
 * ready or not: each is a real kube-apiserver, and one about to become ready must not be fenced out.
 * Only the IPv4 and IPv6 address types exist for this Service; an address that is not an IP is skipped
 * (a cidr field kube-apiserver would refuse must never be written).
 */
export function apiserverCidrs(slices: EndpointSlice[]): string[] {
  const cidrs = new Set<string>();
  for (const slice of slices) {
    for (const endpoint of slice.endpoints ?? []) {
      for (const address of endpoint.addresses ?? []) {
        if (slice.addressType === 'IPv4' && IPV4.test(address)) cidrs.add(`${address}/32`);
        else if (slice.addressType === 'IPv6' && IPV6.test(address) && address.includes(':')) cidrs.add(`${address.toLowerCase()}/128`);
      }
    }
  }
  return [...cidrs].sort();
}

export interface IpBlockPeer {
  ipBlock: { cidr: string };
}

/**
 * What to write into the fenced rule's `from`: one ipBlock per cidr, or undefined when nothing must be
 * written: the rule already says exactly that, or no address is known. A rule without peers admits every
 * source, so an empty list is never written; the last known addresses stay instead.
 */
export function fencePeers(cidrs: string[], current: unknown[] | undefined): IpBlockPeer[] | undefined {
  if (cidrs.length === 0) return undefined;
  const desired = cidrs.map((cidr) => ({ ipBlock: { cidr } }));
  return JSON.stringify(current ?? []) === JSON.stringify(desired) ? undefined : desired;
}
