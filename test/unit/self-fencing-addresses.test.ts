import type { EndpointSlice } from '../../storage/self-fencing/apiserver-addresses.js';
import { apiserverCidrs, fencePeers } from '../../storage/self-fencing/apiserver-addresses.js';

const slice = (name: string, addressType: string, ...addresses: string[][]): EndpointSlice => ({
  metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
  addressType, endpoints: addresses.map((a) => ({ addresses: a })),
});

describe('kube-apiserver addresses from the default/kubernetes EndpointSlices', () => {
  it.each<[string, EndpointSlice[], string[]]>([
    ['no slice', [], []],
    ['a slice without endpoints', [{ metadata: { name: 'kubernetes' }, addressType: 'IPv4', endpoints: null }], []],
    ['one apiserver', [slice('kubernetes', 'IPv4', ['10.0.0.5'])], ['10.0.0.5/32']],
    ['three apiservers, sorted, duplicates once', [slice('kubernetes', 'IPv4', ['10.0.0.7'], ['10.0.0.5'], ['10.0.0.7'])], ['10.0.0.5/32', '10.0.0.7/32']],
    ['dual stack across slices', [slice('kubernetes', 'IPv4', ['10.0.0.5']), slice('kubernetes-v6', 'IPv6', ['FD00::5'])], ['10.0.0.5/32', 'fd00::5/128']],
    ['an address of the wrong type is skipped', [slice('kubernetes', 'IPv4', ['fd00::5', '10.0.0.5']), slice('x', 'IPv6', ['10.0.0.6'])], ['10.0.0.5/32']],
    ['not an IP, or FQDN slices, never become a cidr', [slice('kubernetes', 'IPv4', ['10.0.0.256', '0.0.0.0/0', 'a.b']), slice('f', 'FQDN', ['apiserver.example.com'])], []],
  ])('%s', (_what, slices, cidrs) => {
    expect(apiserverCidrs(slices)).toEqual(cidrs);
  });
});

describe('what the fence writes', () => {
  it('one ipBlock per address, nothing when the rule already says it', () => {
    expect(fencePeers(['10.0.0.5/32', 'fd00::5/128'], [{ ipBlock: { cidr: '192.0.2.1/32' } }]))
      .toEqual([{ ipBlock: { cidr: '10.0.0.5/32' } }, { ipBlock: { cidr: 'fd00::5/128' } }]);
    expect(fencePeers(['10.0.0.5/32'], [{ ipBlock: { cidr: '10.0.0.5/32' } }])).toBeUndefined();
  });

  it('never an empty list, which would admit every source: the last addresses stay', () => {
    expect(fencePeers([], [{ ipBlock: { cidr: '10.0.0.5/32' } }])).toBeUndefined();
    expect(fencePeers([], undefined)).toBeUndefined();
  });
});
