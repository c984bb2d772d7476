// The user's walkthrough (shared/seed/kiosk-on-eks-walkthrough.txt), every step in order, with its YAML
// and kubectl commands, against the sandbox instead of EKS: the sandbox admin kubeconfig is the cluster
// admin, and users dev and dba are impersonated with --as, as the walkthrough does.
//
// Limits of a sandbox, stated where they apply: it has no nodes (no kubelet), so `kubectl get nodes` is
// empty and pods stay Pending, and `kubectl exec … ping` cannot run; there is no IAM or aws-auth ConfigMap
// (users exist as names, which is all RBAC and impersonation need); the server is already installed, so the
// walkthrough's `helm install` from the internet is replaced by the sandbox's own install.
import { kubectl, kubectlOk } from '../cluster/kubectl.js';
import { FileSet } from '../support/files.js';
import { eventually } from '../support/sandbox-access.js';
import { CLUSTER_ROLE_BINDING, NODE_ACCOUNT, NODE_ACCOUNT_LIMITED, NODE_QUOTA, NODE_SPACE, REDIS_ACCOUNT_WITH_TEMPLATE, REDIS_MANDATORY_SPACE, TEMPLATE_DEFINITION } from '../support/walkthrough-yaml.js';

const files = new FileSet();
const f = (name: string) => `${files.dir}/${name}`;

beforeAll(async () => {
  // A reused sandbox may hold what other suites left under the walkthrough's names.
  await kubectl(['delete', 'accountquota', 'default-user-limits', '--ignore-not-found']);
  await kubectl(['delete', 'accounts.config.kiosk.sh', 'node-account', 'redis-account', '--ignore-not-found']);
  await kubectl(['delete', 'template', 'space-template', '--ignore-not-found']);
  await kubectl(['delete', 'clusterrolebinding', 'kiosk-role-binding', '--ignore-not-found']);
  await kubectl(['delete', 'ns', 'kiosk', 'node-space', 'node-space-2', 'node-space-3', 'redis-space', 'redis-mandatory-space',
    '--ignore-not-found', '--wait=true', '--timeout=120s'], { timeoutMs: 130_000 });
}, 150_000);

describe('Set up soft multi-tenancy with Kiosk (the walkthrough, on the sandbox)', () => {
  it('Install Kiosk', async () => {
    // 1. No worker nodes in a sandbox: the command works and lists none.
    const nodes = await kubectl(['get', 'nodes']);
    expect([nodes.code, nodes.stderr.trim()]).toEqual([0, 'No resources found']);
    // 2. The namespace is created; the server itself is already installed and registered.
    expect(await kubectlOk(['create', 'namespace', 'kiosk'])).toBe('namespace/kiosk created\n');
    expect(await kubectlOk(['get', 'apiservice', 'v1alpha1.tenancy.kiosk.sh', '-o', 'jsonpath={.status.conditions[0].status}'])).toBe('True');
  });

  it('Create a Kiosk account for each tenant', async () => {
    files.write('node-account.yml', NODE_ACCOUNT);
    expect(await kubectlOk(['apply', '-f', f('node-account.yml')])).toBe('account.tenancy.kiosk.sh/node-account created\n');
    files.write('redis-account.yml', `apiVersion: tenancy.kiosk.sh/v1alpha1
kind: Account
metadata:
  name: redis-account
spec:
  subjects:
  - kind: User
    name: dba
    apiGroup: rbac.authorization.k8s.io
`);
    expect(await kubectlOk(['apply', '-f', f('redis-account.yml')])).toBe('account.tenancy.kiosk.sh/redis-account created\n');
    const all = await kubectlOk(['get', 'accounts']);
    expect(all).toMatch(/^node-account\s+0\s+(<none>\s+)?\S+$/m);
    expect(all).toMatch(/^redis-account\s+0\s+(<none>\s+)?\S+$/m);
    // "You will have access to view only the accounts associated to this user."
    expect(await eventually(async () => {
      const r = await kubectl(['get', 'accounts', '--as=dev', '-o', 'name']);
      return r.stdout === 'account.tenancy.kiosk.sh/node-account\n';
    })).toBe(true);
  });

  it('Create a Kiosk space for each account', async () => {
    files.write('cluster-role-binding.yml', CLUSTER_ROLE_BINDING);
    const role = await kubectlOk(['get', 'clusterroles', 'kiosk-edit', '-n', 'kiosk', '-o', 'yaml']);
    expect(role).toContain('- spaces');
    expect(await kubectlOk(['apply', '-f', f('cluster-role-binding.yml')])).toBe('clusterrolebinding.rbac.authorization.k8s.io/kiosk-role-binding created\n');
    files.write('node-space.yml', NODE_SPACE);
    expect(await kubectlOk(['apply', '-f', f('node-space.yml'), '--as=dev'])).toBe('space.tenancy.kiosk.sh/node-space created\n');
    files.write('redis-space.yml', `apiVersion: tenancy.kiosk.sh/v1alpha1
kind: Space
metadata:
  name: redis-space
spec:
  account: redis-account
`);
    // 6. dev may not create a space in redis-account.
    const denied = await kubectl(['apply', '-f', f('redis-space.yml'), '--as=dev']);
    expect(denied.stderr.trim()).toBe(`Error from server (Forbidden): error when creating "${f('redis-space.yml')}": space.tenancy.kiosk.sh "redis-space" is forbidden: User "dev" cannot create resource "spaces" in API group "tenancy.kiosk.sh" at the cluster scope`);
    // 5. dba creates it.
    expect(await kubectlOk(['apply', '-f', f('redis-space.yml'), '--as=dba'])).toBe('space.tenancy.kiosk.sh/redis-space created\n');
    // 7. The admin sees both; 8. dev only node-space.
    const spaces = await kubectlOk(['get', 'spaces']);
    expect(spaces).toMatch(/^node-space\s+node-account\s+Active\s+\S+$/m);
    expect(spaces).toMatch(/^redis-space\s+redis-account\s+Active\s+\S+$/m);
    expect(await kubectlOk(['get', 'spaces', '--as=dev', '-o', 'name'])).toBe('space.tenancy.kiosk.sh/node-space\n');
    // 9. Spaces are namespaces.
    expect((await kubectl(['get', 'pods', '-n', 'redis-space'])).stderr.trim()).toBe('No resources found in redis-space namespace.');
  });

  it('Limit the number of spaces per account', async () => {
    files.write('node-account.yml', NODE_ACCOUNT_LIMITED);
    expect(await kubectlOk(['apply', '-f', f('node-account.yml')])).toBe('account.tenancy.kiosk.sh/node-account configured\n');
    const space = (name: string) => files.write(`${name}.yml`, `apiVersion: tenancy.kiosk.sh/v1alpha1\nkind: Space\nmetadata:\n  name: ${name}\nspec:\n  account: node-account\n`);
    expect(await kubectlOk(['apply', '-f', space('node-space-2'), '--as=dev'])).toBe('space.tenancy.kiosk.sh/node-space-2 created\n');
    const third = await kubectl(['apply', '-f', space('node-space-3'), '--as=dev']);
    expect(third.stderr.trim()).toMatch(/^Error from server \(Forbidden\): .*: space limit of 2 reached for account node-account$/);
    // 3. The same limit for redis-account.
    files.write('redis-account.yml', `apiVersion: tenancy.kiosk.sh/v1alpha1
kind: Account
metadata:
  name: redis-account
spec:
  space:
    limit: 2
  subjects:
  - kind: User
    name: dba
    apiGroup: rbac.authorization.k8s.io
`);
    expect(await kubectlOk(['apply', '-f', f('redis-account.yml')])).toBe('account.tenancy.kiosk.sh/redis-account configured\n');
  });

  it('Apply account quotas to existing accounts', async () => {
    files.write('node-quota.yml', NODE_QUOTA);
    expect(await kubectlOk(['apply', '-f', f('node-quota.yml')])).toBe('accountquota.config.kiosk.sh/default-user-limits created\n');
    // 3. The walkthrough prints only the last line of kubectl's error.
    const denied = await kubectl(['apply', '-f', f('node-quota.yml'), '--as=dev']);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('User "dev" cannot get resource "accountquotas" in API group "config.kiosk.sh" at the cluster scope');
    expect(await kubectlOk(['get', 'accountquotas'])).toMatch(/^default-user-limits\s+node-account\s+\S+$/m);
  });

  it('Create templates for spaces', async () => {
    files.write('template-definition.yml', TEMPLATE_DEFINITION);
    expect(await kubectlOk(['apply', '-f', f('template-definition.yml')])).toBe('template.config.kiosk.sh/space-template created\n');
    files.write('redis-account.yml', REDIS_ACCOUNT_WITH_TEMPLATE);
    expect(await kubectlOk(['apply', '-f', f('redis-account.yml')])).toBe('account.tenancy.kiosk.sh/redis-account configured\n');
    files.write('redis-mandatory-space.yml', REDIS_MANDATORY_SPACE);
    expect(await kubectlOk(['apply', '-f', f('redis-mandatory-space.yml')])).toBe('space.tenancy.kiosk.sh/redis-mandatory-space created\n');
    expect(await kubectlOk(['get', 'limitrange', '-n', 'redis-mandatory-space'])).toMatch(/^container-limit-range\s+\S+$/m);
    expect(await kubectlOk(['get', 'templateinstances', '-n', 'redis-mandatory-space'])).toMatch(/^space-template-\S+\s+space-template\s+Deployed\s+\S+$/m);
    expect(await eventually(async () => (await kubectl(['get', 'sa', 'default', '-n', 'redis-mandatory-space'])).code === 0, 20_000)).toBe(true);
    expect(await kubectlOk(['run', 'nginx', '--image', 'nginx', '-n', 'redis-mandatory-space', '--restart=Never'])).toBe('pod/nginx created\n');
    const described = await kubectlOk(['describe', 'pod', 'nginx', '-n', 'redis-mandatory-space']);
    expect(described).toMatch(/Limits:\s+cpu:\s+1\s/);
    expect(described).toMatch(/Requests:\s+cpu:\s+500m\s/);
    expect(await kubectlOk(['delete', 'pod', 'nginx', '-n', 'redis-mandatory-space'])).toBe('pod "nginx" deleted from redis-mandatory-space namespace\n');
  }, 120_000);

  it('Deploy applications in the two accounts', async () => {
    for (const ns of ['node-space', 'redis-space']) expect(await eventually(async () => (await kubectl(['get', 'sa', 'default', '-n', ns])).code === 0, 20_000)).toBe(true);
    files.write('node-deployment.yml', `apiVersion: apps/v1
kind: Deployment
metadata:
  name: nodejs
  labels:
    app: nodejs
spec:
  replicas: 1
  selector:
    matchLabels:
      app: nodejs
  strategy:
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 25%
    type: RollingUpdate
  template:
    metadata:
      labels:
        app: nodejs
    spec:
      containers:
      - image: brentley/ecsdemo-nodejs:latest
        imagePullPolicy: Always
        name: nodejs
        ports:
        - containerPort: 3000
          protocol: TCP
        resources:        
          requests:
            cpu: "1"
          limits:
            cpu: "2"
`);
    expect(await kubectlOk(['apply', '-f', f('node-deployment.yml'), '-n', 'node-space', '--as=dev'])).toBe('deployment.apps/nodejs created\n');
    // The quota admits the deployment's pod (1 of 2 pods, 2 of 4 cpu).
    expect(await eventually(async () => (await kubectlOk(['get', 'pods', '-n', 'node-space', '-o', 'name'])).startsWith('pod/nodejs-'), 30_000, 500)).toBe(true);
    expect(await kubectlOk(['create', 'deploy', 'redis', '--image', 'redis', '-n', 'redis-space', '--as=dba'])).toBe('deployment.apps/redis created\n');
    expect(await eventually(async () => (await kubectlOk(['get', 'pods', '-n', 'redis-space', '-o', 'name'])).startsWith('pod/redis-'), 30_000, 500)).toBe(true);
    expect(await eventually(async () => {
      const used = await kubectlOk(['get', 'accountquota', 'default-user-limits', '-o', 'jsonpath={.status.total.used}']);
      return used === JSON.stringify({ 'limits.cpu': '2', pods: '1' });
    }, 10_000)).toBe(true);
  }, 90_000);

  it('Verify account isolation', async () => {
    const own = await kubectlOk(['get', 'all', '-n', 'node-space', '--as=dev']);
    expect(own).toMatch(/^pod\/nodejs-\S+\s+0\/1\s+Pending\s/m);
    expect(own).toMatch(/^deployment\.apps\/nodejs\s/m);
    // "You will get plenty of errors."
    const other = await kubectl(['get', 'all', '-n', 'redis-space', '--as=dev']);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('Error from server (Forbidden): pods is forbidden: User "dev" cannot list resource "pods" in API group "" in the namespace "redis-space"');
  });

  it('Verify access between tenants (as far as the API goes)', async () => {
    expect(await kubectlOk(['get', 'pods', '-n', 'node-space', '--as=dev'])).toMatch(/^nodejs-\S+\s+0\/1\s+Pending\s/m);
    expect(await kubectlOk(['get', 'pods', '-n', 'redis-space', '-o', 'wide', '--as=dba'])).toMatch(/^redis-\S+\s+0\/1\s+Pending\s/m);
    // Step 3 (kubectl exec … ping) needs a running container, which a sandbox without nodes cannot have:
    // the API answers as it would on any cluster with a pod that is not running yet.
    const pod = (await kubectlOk(['get', 'pods', '-n', 'node-space', '-o', 'name', '--as=dev'])).trim().replace('pod/', '');
    const exec = await kubectl(['exec', '-n', 'node-space', pod, '--as=dev', '--', 'ping', '127.0.0.1']);
    expect(exec.code).not.toBe(0);
    expect(exec.stderr).toMatch(/pod .* does not have a host assigned|container not found|is not running|unable to upgrade connection/);
  });

  it('Secure the tenants (isolation)', async () => {
    // Beyond the walkthrough (issue 14): the admin asks for isolation on both accounts. Undone at the end: other
    // suites reuse these accounts (templates.test.ts runs an nginx pod in a redis-account space).
    try {
      await secureTheTenants();
    } finally {
      for (const account of ['node-account', 'redis-account']) {
        await kubectl(['patch', 'accounts.config.kiosk.sh', account, '--type', 'json', '-p', '[{"op":"remove","path":"/spec/isolation"}]']);
      }
      // The account controller takes back the Pod Security labels it set; the next suite starts after that.
      const labelled = async () => (await kubectlOk(['get', 'ns', '-l', 'kiosk.sh/account in (node-account,redis-account),pod-security.kubernetes.io/enforce', '-o', 'name'])).trim();
      expect(await eventually(async () => (await labelled()) === '', 30_000)).toBe(true);
    }
  });
});

/** The admin asks for isolation on both accounts: node-space admits only its account, and Pod Security holds. */
async function secureTheTenants(): Promise<void> {
  for (const account of ['node-account', 'redis-account']) {
    expect(await kubectlOk(['patch', 'accounts.config.kiosk.sh', account, '--type', 'merge', '-p', '{"spec":{"isolation":{"network":"Account","podSecurity":"restricted"}}}']))
      .toBe(`account.config.kiosk.sh/${account} patched\n`);
  }
  // node-space admits ingress only from namespaces labelled with its account: its own spaces, not redis-space.
  const from = async () => {
    const r = await kubectl(['get', 'networkpolicy', 'kiosk-account-isolation', '-n', 'node-space', '-o', 'jsonpath={.spec.ingress[*].from}']);
    return r.code === 0 ? r.stdout : '';
  };
  expect(await eventually(async () => (await from()) === JSON.stringify([{ namespaceSelector: { matchLabels: { 'kiosk.sh/account': 'node-account' } } }]), 20_000)).toBe(true);
  const admitted = await kubectlOk(['get', 'namespaces', '-l', 'kiosk.sh/account=node-account', '-o', 'name']);
  expect(admitted).toContain('namespace/node-space\n');
  expect(admitted).not.toContain('namespace/redis-space\n');
  // Pod Security Admission (kube-apiserver's own) refuses a privileged pod in node-space.
  expect(await eventually(async () => (await kubectlOk(['get', 'ns', 'node-space', '-o', 'jsonpath={.metadata.labels.pod-security\\.kubernetes\\.io/enforce}'])) === 'restricted', 20_000)).toBe(true);
  files.write('privileged-pod.yml', `apiVersion: v1
kind: Pod
metadata:
  name: privileged
spec:
  containers:
  - name: shell
    image: busybox
    securityContext:
      privileged: true
`);
  const refused = await kubectl(['apply', '-f', f('privileged-pod.yml'), '-n', 'node-space', '--as=dev']);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain('pods "privileged" is forbidden: violates PodSecurity "restricted:latest"');
}
