// Issue 11, point 1 (self-fencing): the server keeps its NetworkPolicy's first ingress rule equal to
// kube-apiserver's addresses from the default/kubernetes EndpointSlices. The sandbox applies
// manifests/network-policy (policy and RBAC) and runs the server with --self-fencing-network-policy.
// The sandbox has no network plugin, so nothing enforces the policy: these tests check what the object
// says. Its kube-apiserver writes no EndpointSlice for itself (--endpoint-reconciler-type=none: loopback
// addresses are not valid endpoints), so the tests write the slices kube-apiserver's reconciler would.
// That no address at all leaves the last ones in place (never an empty `from`) is a unit test
// (self-fencing-addresses.test.ts): here nothing could show that the server had seen the deletion.
import { kubectl, kubectlOk } from '../cluster/kubectl.js';
import { sandboxPaths } from '../cluster/paths.js';
import { SELF_FENCING_POLICY, SERVER_NAMESPACE } from '../cluster/sandbox.js';
import { eventually } from '../support/sandbox-access.js';

const run = Date.now().toString(36);
const extra = `kubernetes-extra-${run}`;
const PLACEHOLDER = '192.0.2.1/32';

const slice = (name: string, addressType: 'IPv4' | 'IPv6', addresses: string[]) => JSON.stringify({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
  metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes', 'endpointslice.kubernetes.io/managed-by': `test-${run}` } },
  addressType, ports: [{ name: 'https', port: 6443, protocol: 'TCP' }],
  endpoints: addresses.map((address) => ({ addresses: [address], conditions: { ready: true } })),
});

/** The cidrs of the policy's first ingress rule, as written. */
async function fenced(): Promise<string> {
  return (await kubectlOk(['get', 'networkpolicy', SELF_FENCING_POLICY, '-n', SERVER_NAMESPACE, '-o', 'jsonpath={.spec.ingress[0].from[*].ipBlock.cidr}'])).trim();
}

const resetPolicy = () => kubectlOk(['apply', '-f', `${sandboxPaths().manifests}/network-policy/network-policy.yaml`]);

beforeAll(async () => {
  await kubectl(['delete', 'endpointslice', 'kubernetes', extra, '-n', 'default', '--ignore-not-found']);
  await resetPolicy();
});

afterAll(async () => {
  await kubectl(['delete', 'endpointslice', 'kubernetes', extra, '-n', 'default', '--ignore-not-found']);
  await resetPolicy();
});

describe('the self-fencing NetworkPolicy', () => {
  it('follows kube-apiserver\'s EndpointSlices, and is never widened to every source', async () => {
    // The manifest's placeholder: no kube-apiserver address is known yet, so the port stays closed.
    expect(await fenced()).toBe(PLACEHOLDER);

    await kubectlOk(['apply', '-f', '-'], { stdin: slice('kubernetes', 'IPv4', ['192.168.50.10']) });
    expect(await eventually(async () => (await fenced()) === '192.168.50.10/32', 30_000, 200)).toBe(true);

    // A second apiserver, and another slice (dual stack): the rule holds the union, sorted.
    await kubectlOk(['apply', '-f', '-'], { stdin: slice('kubernetes', 'IPv4', ['192.168.50.11', '192.168.50.10']) });
    await kubectlOk(['apply', '-f', '-'], { stdin: slice(extra, 'IPv6', ['fd00::10']) });
    expect(await eventually(async () => (await fenced()) === '192.168.50.10/32 192.168.50.11/32 fd00::10/128', 30_000, 200)).toBe(true);

    // An apiserver goes away.
    await kubectlOk(['delete', 'endpointslice', extra, '-n', 'default']);
    await kubectlOk(['apply', '-f', '-'], { stdin: slice('kubernetes', 'IPv4', ['192.168.50.11']) });
    expect(await eventually(async () => (await fenced()) === '192.168.50.11/32', 30_000, 200)).toBe(true);

    // The other rules of the policy (the admin's) are untouched, and the first keeps its port.
    const policy = JSON.parse(await kubectlOk(['get', 'networkpolicy', SELF_FENCING_POLICY, '-n', SERVER_NAMESPACE, '-o', 'json'])) as {
      spec: { ingress: Array<{ ports: unknown[]; from: unknown[] }> };
    };
    expect(policy.spec.ingress).toEqual([{ ports: [{ port: 8443, protocol: 'TCP' }], from: [{ ipBlock: { cidr: '192.168.50.11/32' } }] }]);
  }, 120_000);
});
