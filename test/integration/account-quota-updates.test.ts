// AccountQuota charges the updates kube-apiserver's ResourceQuota charges (the list at the rules of
// manifests/webhook.yaml): an in-place pod resize (UPDATE of pods/resize), a Service's type change, a claim's
// expansion. Each is tried in an account's space under an AccountQuota and in a namespace of no account under a
// ResourceQuota with the same hard limits: the refusals must read the same (but for the quota's name and the
// webhook's prefix), and what is admitted must show in the AccountQuota's status.
//
// The sandbox has no kubelet, scheduler or volume controllers: pods stay Pending (kube-apiserver still admits a
// resize of a Pending pod; the spec changes at once, and quota counts the spec), and a claim is bound by writing
// its status, which is what lets kube-apiserver accept an expansion.
import { kubectl, kubectlOk } from '../cluster/kubectl.js';
import { eventually } from '../support/sandbox-access.js';
import { quotaTenant } from '../support/quota-tenant.js';

const run = Date.now().toString(36);
const acct = `aq-upd-${run}`;
const space = `${acct}-s`;
/** A namespace of no account, under kube-apiserver's own ResourceQuota: what the AccountQuota must match. */
const plain = `${acct}-plain`;
const storageClass = `${acct}-expandable`;
const hard = { 'limits.cpu': '4', 'services.nodeports': '1', 'services.loadbalancers': '0', 'requests.storage': '3Gi' };

const apply = (yaml: string) => kubectlOk(['apply', '-f', '-'], { stdin: yaml });

/**
 * The reason of a refusal as the user reads it, from `<resource> "<name>" is forbidden:` on, with the quota's
 * name replaced: kube-apiserver prefixes a webhook's message with `admission webhook "…" denied the request: `.
 */
function reason(stderr: string, quotaName: string): string {
  const at = stderr.search(/\S+ "[^"]+" is forbidden: /);
  return at < 0 ? stderr : stderr.slice(at).trim().replace(`exceeded quota: ${quotaName},`, 'exceeded quota: <quota>,');
}

/** Runs the same kubectl write in the account's space and in the plain namespace; both must be refused alike. */
async function refusedAlike(args: (ns: string) => string[]): Promise<string> {
  const ours = await kubectl(args(space));
  const theirs = await kubectl(args(plain));
  expect({ ours: ours.code, theirs: theirs.code }).toEqual({ ours: 1, theirs: 1 });
  expect(ours.stderr).toContain('admission webhook "accountquota.kiosk.sh" denied the request: ');
  expect(reason(ours.stderr, `${acct}-quota`)).toBe(reason(theirs.stderr, 'rq'));
  return reason(ours.stderr, `${acct}-quota`);
}

/** The AccountQuota's total usage of `name`, as its status shows it. */
async function used(name: string): Promise<string | undefined> {
  const q = JSON.parse(await kubectlOk(['get', 'accountquota', `${acct}-quota`, '-o', 'json'])) as { status?: { total?: { used?: Record<string, string> } } };
  return q.status?.total?.used?.[name];
}

beforeAll(async () => {
  await quotaTenant(acct, [space], hard);
  await kubectlOk(['create', 'namespace', plain]);
  await kubectlOk(['create', 'quota', 'rq', '-n', plain, `--hard=${Object.entries(hard).map(([k, v]) => `${k}=${v}`).join(',')}`]);
  // ResourceQuota refuses what it counts until the quota controller has written its usage.
  if (!(await eventually(async () => (await kubectlOk(['get', 'quota', 'rq', '-n', plain, '-o', 'jsonpath={.status.used.limits\\.cpu}'])) !== '', 30_000, 200))) {
    throw new Error('the ResourceQuota has no usage after 30 s');
  }
}, 90_000);

afterAll(async () => {
  await kubectl(['delete', 'namespace', plain, '--wait=false']);
  await kubectl(['delete', 'space', space, '--wait=false']);
  await kubectl(['delete', 'pv', `${space}-pv`, `${plain}-pv`, '--wait=false']);
  await kubectl(['delete', 'storageclass', storageClass, '--wait=false']);
});

describe('an in-place pod resize (kubectl patch pod --subresource resize)', () => {
  const resize = (limit: string) => (ns: string) => ['patch', 'pod', 'small', '-n', ns, '--subresource', 'resize', '--type', 'merge',
    '-p', JSON.stringify({ spec: { containers: [{ name: 'app', resources: { requests: { cpu: '1' }, limits: { cpu: limit } } }] } })];

  it('over the quota is refused with the message ResourceQuota gives; within it is admitted and counted', async () => {
    for (const ns of [space, plain]) {
      await apply(`apiVersion: v1
kind: Pod
metadata: {name: small, namespace: ${ns}}
spec:
  containers:
  - name: app
    image: nginx
    resources: {requests: {cpu: "1"}, limits: {cpu: "2"}}
`);
    }
    expect(await eventually(async () => (await used('limits.cpu')) === '2', 10_000)).toBe(true);

    // 2 -> 8 adds 6 to the 2 in use, against 4: the issue's finding, refused now as ResourceQuota refuses it.
    expect(await refusedAlike(resize('8'))).toBe('pods "small" is forbidden: exceeded quota: <quota>, requested: limits.cpu=6, used: limits.cpu=2, limited: limits.cpu=4');
    expect(await kubectlOk(['get', 'pod', 'small', '-n', space, '-o', 'jsonpath={.spec.containers[0].resources.limits.cpu}'])).toBe('2');

    // 2 -> 3 fits: admitted (the pod stays Pending with no kubelet; the API accepts the resize all the same).
    await kubectlOk(resize('3')(space));
    expect(await kubectlOk(['get', 'pod', 'small', '-n', space, '-o', 'jsonpath={.spec.containers[0].resources.limits.cpu} {.status.phase}'])).toBe('3 Pending');
    expect(await eventually(async () => (await used('limits.cpu')) === '3', 10_000)).toBe(true);

    // And counted at admission: a new pod with a limit of 2 no longer fits beside the resized one.
    const second = await kubectl(['run', 'second', '-n', space, '--image=nginx', '--restart=Never', '--overrides',
      JSON.stringify({ spec: { containers: [{ name: 'second', image: 'nginx', resources: { limits: { cpu: '2' } } }] } })]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`pods "second" is forbidden: exceeded quota: ${acct}-quota, requested: limits.cpu=2, used: limits.cpu=3, limited: limits.cpu=4`);

    // A shrink frees what it gave back.
    await kubectlOk(resize('1')(space));
    expect(await eventually(async () => (await used('limits.cpu')) === '1', 10_000)).toBe(true);
  }, 90_000);
});

describe('a Service\'s type change', () => {
  it('to NodePort or LoadBalancer over the quota is refused as ResourceQuota refuses it; within it is counted', async () => {
    for (const ns of [space, plain]) {
      await apply(`apiVersion: v1
kind: Service
metadata: {name: web, namespace: ${ns}}
spec: {selector: {app: web}, ports: [{name: a, port: 80}, {name: b, port: 81}]}
`);
    }
    const retype = (name: string, type: string) => (ns: string) => ['patch', 'service', name, '-n', ns, '--type', 'merge', '-p', JSON.stringify({ spec: { type } })];
    expect(await refusedAlike(retype('web', 'NodePort'))).toBe(
      'services "web" is forbidden: exceeded quota: <quota>, requested: services.nodeports=2, used: services.nodeports=0, limited: services.nodeports=1');
    expect(await refusedAlike(retype('web', 'LoadBalancer'))).toBe('services "web" is forbidden: exceeded quota: <quota>, requested: services.loadbalancers=1,services.nodeports=2, '
      + 'used: services.loadbalancers=0,services.nodeports=0, limited: services.loadbalancers=0,services.nodeports=1');

    await apply(`apiVersion: v1
kind: Service
metadata: {name: one, namespace: ${space}}
spec: {selector: {app: one}, ports: [{port: 80}]}
`);
    await kubectlOk(retype('one', 'NodePort')(space));
    expect(await eventually(async () => (await used('services.nodeports')) === '1', 10_000)).toBe(true);
  }, 60_000);
});

describe('a claim\'s expansion', () => {
  it('over the quota is refused as ResourceQuota refuses it; within it is counted', async () => {
    await apply(`apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: ${storageClass}}
provisioner: kubernetes.io/no-provisioner
allowVolumeExpansion: true
`);
    for (const ns of [space, plain]) {
      await apply(`apiVersion: v1
kind: PersistentVolume
metadata: {name: ${ns}-pv}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: ${storageClass}
  hostPath: {path: /tmp/${ns}-pv}
  claimRef: {namespace: ${ns}, name: data}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: ${ns}}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: ${storageClass}
  volumeName: ${ns}-pv
  resources: {requests: {storage: 1Gi}}
`);
      // No volume controller runs: bind the claim as it would (only a bound claim may be expanded).
      await kubectlOk(['patch', 'pvc', 'data', '-n', ns, '--subresource', 'status', '--type', 'merge',
        '-p', JSON.stringify({ status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] } })]);
    }
    const expand = (size: string) => (ns: string) => ['patch', 'pvc', 'data', '-n', ns, '--type', 'merge',
      '-p', JSON.stringify({ spec: { resources: { requests: { storage: size } } } })];
    expect(await refusedAlike(expand('5Gi'))).toBe(
      'persistentvolumeclaims "data" is forbidden: exceeded quota: <quota>, requested: requests.storage=4Gi, used: requests.storage=1Gi, limited: requests.storage=3Gi');
    await kubectlOk(expand('2Gi')(space));
    expect(await eventually(async () => (await used('requests.storage')) === '2Gi', 10_000)).toBe(true);
  }, 60_000);
});
