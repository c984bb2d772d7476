// AccountQuota: the walkthrough's quota section, one budget across spaces, exact under concurrency (also
// with two server processes deciding), freed capacity, the cpu-limit quota on a Deployment, validation.
import { randomUUID } from 'node:crypto';
import { kubectl, kubectlOk } from '../cluster/kubectl.js';
import { startExtraServer } from '../cluster/sandbox.js';
import { FileSet } from '../support/files.js';
import { admissionCredentials, direct, eventually, sandboxState } from '../support/sandbox-access.js';
import { NODE_QUOTA } from '../support/walkthrough-yaml.js';
import { quotaTenant } from '../support/quota-tenant.js';

const run = Date.now().toString(36);
const files = new FileSet();
const apply = (yaml: string, ...args: string[]) => kubectlOk(['apply', '-f', '-', ...args], { stdin: yaml });

const pod = (name: string, ns: string, cpuLimit?: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${ns}}
spec:
  containers:
  - name: app
    image: nginx
${cpuLimit ? `    resources: {limits: {cpu: "${cpuLimit}"}, requests: {cpu: "${cpuLimit}"}}\n` : ''}`;

describe('walkthrough: Apply account quotas to existing accounts', () => {
  it('admins create the quota; tenants get the upstream RBAC message; admins list it', async () => {
    await apply(`apiVersion: tenancy.kiosk.sh/v1alpha1
kind: Account
metadata: {name: node-account}
spec:
  space: {limit: 2}
  subjects: [{kind: User, name: dev, apiGroup: rbac.authorization.k8s.io}]
`);
    await kubectl(['delete', 'accountquota', 'default-user-limits', '--ignore-not-found']);
    const file = files.write('node-quota.yml', NODE_QUOTA);
    expect(await kubectlOk(['apply', '-f', file])).toBe('accountquota.config.kiosk.sh/default-user-limits created\n');
    expect(await eventually(async () => (await kubectl(['get', 'clusterrole', 'kiosk-account-node-account', '-o', 'yaml'])).stdout.includes('customresourcedefinitions'))).toBe(true);
    const denied = await kubectl(['apply', '-f', file, '--as=dev']);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('User "dev" cannot get resource "accountquotas" in API group "config.kiosk.sh" at the cluster scope');
    expect(await kubectlOk(['get', 'accountquotas'])).toMatch(/^default-user-limits\s+node-account\s+\S+$/m);
  });
});

describe('one pod budget across the spaces of an account', () => {
  const acct = `aq-${run}`;
  const [a, b] = [`aq-${run}-a`, `aq-${run}-b`];
  beforeAll(() => quotaTenant(acct, [a, b], { pods: '2' }), 60_000);

  it('admits one pod in each space, denies the third with the upstream message, and frees capacity on delete', async () => {
    await apply(pod('one', a));
    await apply(pod('two', b));
    const third = await kubectl(['apply', '-f', '-'], { stdin: pod('three', a) });
    expect(third.code).toBe(1);
    expect(third.stderr).toContain(`exceeded quota: ${acct}-quota, requested: pods=1, used: pods=2, limited: pods=2`);
    await kubectlOk(['delete', 'pod', 'one', '-n', a, '--grace-period=0', '--force']);
    const deleted = Date.now();
    expect(await eventually(async () => (await kubectl(['apply', '-f', '-'], { stdin: pod('three', a) })).code === 0, 5_000, 50)).toBe(true);
    expect(Date.now() - deleted).toBeLessThan(2_000);
    expect(await eventually(async () => {
      const q = JSON.parse(await kubectlOk(['get', 'accountquota', `${acct}-quota`, '-o', 'json'])) as {
        status?: { total?: { used?: { pods?: string }; hard: { pods?: string } }; namespaces: Array<{ namespace: string; status: { used: { pods: string } } }> };
      };
      return q.status?.total?.used?.pods === '2' && q.status.total.hard.pods === '2'
        && JSON.stringify(q.status.namespaces.map((n) => [n.namespace, n.status.used.pods])) === JSON.stringify([[a, '1'], [b, '1']]);
    })).toBe(true);
  }, 60_000);
});

describe('exact under concurrency', () => {
  it('fifty concurrent pod creates with pods: "2" leave exactly two pods', async () => {
    const acct = `aq-race-${run}`;
    const ns = `${acct}-s`;
    await quotaTenant(acct, [ns], { pods: '2' });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => kubectl(['apply', '-f', '-'], { stdin: pod(`p${i}`, ns) })));
    expect(results.filter((r) => r.code === 0)).toHaveLength(2);
    for (const r of results.filter((x) => x.code !== 0)) expect(r.stderr).toContain('exceeded quota');
    expect((await kubectlOk(['get', 'pods', '-n', ns, '-o', 'name'])).trim().split('\n')).toHaveLength(2);
  }, 120_000);

  it('holds when two server processes decide at once', async () => {
    const acct = `aq-two-${run}`;
    const ns = `${acct}-s`;
    await quotaTenant(acct, [ns], { pods: '2' });
    const second = await startExtraServer(sandboxState());
    try {
      const review = (i: number, port?: number) => direct({
        // As kube-apiserver calls a webhook: its admission client certificate, and the review.
        method: 'POST', path: '/admission/accountquota', port, headers: { 'Content-Type': 'application/json' }, ...admissionCredentials(),
        body: JSON.stringify({
          apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
          request: {
            uid: randomUUID(), kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' },
            namespace: ns, name: `r${i}`, operation: 'CREATE', userInfo: { username: 'someone' },
            object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: `r${i}`, namespace: ns }, spec: { containers: [{ name: 'c', image: 'x' }] } },
          },
        }),
      });
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => review(i, i % 2 === 0 ? undefined : second.port)));
      const allowed = results.map((r) => r.json<{ response: { allowed: boolean } }>().response.allowed);
      expect(allowed.filter(Boolean)).toHaveLength(2);
    } finally {
      await second.stop();
    }
  }, 120_000);
});

describe('a limits.cpu quota', () => {
  it('admits exactly two of three replicas with a cpu limit of 2, and the ReplicaSet\'s events show the denial', async () => {
    const acct = `aq-cpu-${run}`;
    const ns = `${acct}-s`;
    await quotaTenant(acct, [ns], { 'limits.cpu': '4' });
    await apply(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ${ns}}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx
        resources: {requests: {cpu: "1"}, limits: {cpu: "2"}}
`);
    expect(await eventually(async () => (await kubectlOk(['get', 'pods', '-n', ns, '-o', 'name'])).trim().split('\n').filter(Boolean).length === 2, 30_000, 500)).toBe(true);
    expect(await eventually(async () => (await kubectlOk(['get', 'events', '-n', ns])).includes('exceeded quota'), 30_000, 500)).toBe(true);
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await kubectlOk(['get', 'pods', '-n', ns, '-o', 'name'])).trim().split('\n')).toHaveLength(2);
  }, 90_000);

  it('denies a pod without a cpu limit with the upstream "must specify" message', async () => {
    const ns = `aq-cpu-${run}-s`;
    const r = await kubectl(['apply', '-f', '-'], { stdin: pod('nolimit', ns) });
    expect(r.stderr).toContain('failed quota: ');
    expect(r.stderr).toContain('must specify limits.cpu');
  });
});

describe('bad AccountQuotas are 422 with field causes', () => {
  const quota = (name: string, account: string, hard: string) => `apiVersion: config.kiosk.sh/v1alpha1
kind: AccountQuota
metadata: {name: ${name}}
spec:
  account: ${account}
  quota:
    hard: {${hard}}
`;
  it.each([
    ['a negative quantity', 'pods: "-1"', 'spec.quota.hard'],
    ['an unknown resource name', 'bogus: "1"', 'spec.quota.hard'],
    ['an unparsable quantity', 'limits.cpu: "abc"', 'spec.quota.hard'],
  ])('%s', async (_what, hard, field) => {
    const r = await kubectl(['apply', '-f', '-', '-o', 'json'], { stdin: quota(`aq-bad-${run}`, 'x', hard) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is invalid/);
    expect(r.stderr).toContain(field);
  });

  it('accepts every name Kubernetes accepts for pods, hugepages included', async () => {
    const r = await kubectl(['apply', '-f', '-', '--dry-run=server'], {
      stdin: quota(`aq-names-${run}`, 'x', 'hugepages-2Mi: 1Gi, requests.hugepages-1Gi: 2Gi, requests.nvidia.com/gpu: "1", count/deployments.apps: "3"'),
    });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('changing spec.account', async () => {
    await apply(quota(`aq-imm-${run}`, 'first', 'pods: "1"'));
    const r = await kubectl(['patch', 'accountquota', `aq-imm-${run}`, '--type=merge', '-p', '{"spec":{"account":"second"}}']);
    expect(r.stderr.trim()).toBe(`The AccountQuota "aq-imm-${run}" is invalid: spec.account: Invalid value: "second": field is immutable`);
  });
});

describe('several AccountQuotas on one account', () => {
  it('enforces each of them', async () => {
    const acct = `aq-multi-${run}`;
    const ns = `${acct}-s`;
    await quotaTenant(acct, [ns], { pods: '5' });
    await apply(`apiVersion: config.kiosk.sh/v1alpha1
kind: AccountQuota
metadata: {name: ${acct}-strict}
spec:
  account: ${acct}
  quota:
    hard: {configmaps: "1"}
`);
    await apply(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: first, namespace: ${ns}}\n`);
    const second = await kubectl(['apply', '-f', '-'], { stdin: `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: second, namespace: ${ns}}\n` });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`exceeded quota: ${acct}-strict, requested: configmaps=1, used: configmaps=1, limited: configmaps=1`);
    // The other quota still counts pods.
    for (let i = 0; i < 5; i++) await apply(pod(`m${i}`, ns));
    const sixth = await kubectl(['apply', '-f', '-'], { stdin: pod('m5', ns) });
    expect(sixth.stderr).toContain(`exceeded quota: ${acct}-quota, requested: pods=1, used: pods=5, limited: pods=5`);
  }, 90_000);
});
