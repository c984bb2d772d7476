// The walkthrough's sections "Create a Kiosk account for each tenant", "Create a Kiosk space for each
// account" and "Limit the number of spaces per account", run as written (with the sandbox kubeconfig),
// plus what issue "the write path" asks beyond it.
import { kubectl, kubectlOk } from '../cluster/kubectl.js';
import { FileSet } from '../support/files.js';
import { eventually } from '../support/sandbox-access.js';
import { CLUSTER_ROLE_BINDING, NODE_ACCOUNT, NODE_ACCOUNT_LIMITED, NODE_SPACE } from '../support/walkthrough-yaml.js';

const files = new FileSet();
const names = (out: string): string[] => out.trim().split('\n').filter(Boolean).map((l) => l.split(/\s+/)[0] ?? '').filter((n) => n !== 'NAME');

async function clean(): Promise<void> {
  // A sandbox that is reused may hold what an earlier run left: remove it so messages read "created".
  await kubectl(['delete', 'accounts.config.kiosk.sh', 'node-account', 'redis-account', '--ignore-not-found']);
  await kubectl(['delete', 'clusterrolebinding', 'kiosk-role-binding', '--ignore-not-found']);
  await kubectl(['delete', 'ns', 'node-space', 'redis-space', 'node-space-2', 'node-space-3', '--ignore-not-found', '--wait=true', '--timeout=90s'], { timeoutMs: 100_000 });
}

beforeAll(clean, 120_000);

const nodeAccount = NODE_ACCOUNT;

describe('walkthrough: Create a Kiosk account for each tenant', () => {
  it('creates the accounts with kubectl apply, and each user sees only theirs', async () => {
    expect(await kubectlOk(['apply', '-f', files.write('node-account.yml', nodeAccount)])).toBe('account.tenancy.kiosk.sh/node-account created\n');
    const redis = nodeAccount.replace('node-account', 'redis-account').replace('name: dev', 'name: dba');
    expect(await kubectlOk(['apply', '-f', files.write('redis-account.yml', redis)])).toBe('account.tenancy.kiosk.sh/redis-account created\n');
    expect(names(await kubectlOk(['get', 'accounts']))).toEqual(expect.arrayContaining(['node-account', 'redis-account']));
    expect(await eventually(async () => JSON.stringify(names((await kubectl(['get', 'accounts', '--as=dev'])).stdout)) === '["node-account"]')).toBe(true);
    expect(names(await kubectlOk(['get', 'accounts', '--as=dba']))).toEqual(['redis-account']);
  });

  it('re-applies unchanged, and returns the stored object with a fresh resourceVersion', async () => {
    expect(await kubectlOk(['apply', '-f', `${files.dir}/node-account.yml`])).toBe('account.tenancy.kiosk.sh/node-account unchanged\n');
    type AccountJson = { metadata: { uid: string }; spec: unknown };
    const viaTenancy = JSON.parse(await kubectlOk(['get', 'accounts.tenancy.kiosk.sh', 'node-account', '-o', 'json'])) as AccountJson;
    const stored = JSON.parse(await kubectlOk(['get', 'accounts.config.kiosk.sh', 'node-account', '-o', 'json'])) as AccountJson;
    expect(viaTenancy.metadata.uid).toBe(stored.metadata.uid);
    expect(viaTenancy.spec).toEqual(stored.spec);
  });
});

describe('walkthrough: Create a Kiosk space for each account', () => {
  it('lets dev and dba create spaces in their own accounts', async () => {
    await kubectlOk(['apply', '-f', files.write('cluster-role-binding.yml', CLUSTER_ROLE_BINDING)]);
    const nodeSpace = files.write('node-space.yml', NODE_SPACE);
    expect(await kubectlOk(['apply', '-f', nodeSpace, '--as=dev'])).toBe('space.tenancy.kiosk.sh/node-space created\n');
    const redisSpace = files.write('redis-space.yml', `apiVersion: tenancy.kiosk.sh/v1alpha1
kind: Space
metadata:
  name: redis-space
spec:
  account: redis-account
`);
    const denied = await kubectl(['apply', '-f', redisSpace, '--as=dev']);
    expect(denied.code).toBe(1);
    expect(denied.stderr.trim()).toBe(`Error from server (Forbidden): error when creating "${redisSpace}": space.tenancy.kiosk.sh "redis-space" is forbidden: User "dev" cannot create resource "spaces" in API group "tenancy.kiosk.sh" at the cluster scope`);
    expect(await kubectlOk(['apply', '-f', redisSpace, '--as=dba'])).toBe('space.tenancy.kiosk.sh/redis-space created\n');
  });

  it('shows the admin both spaces and dev only node-space, right after the create', async () => {
    expect(names(await kubectlOk(['get', 'spaces']))).toEqual(expect.arrayContaining(['node-space', 'redis-space']));
    expect(names(await kubectlOk(['get', 'spaces', '--as=dev']))).toEqual(['node-space']);
    const pods = await kubectl(['get', 'pods', '-n', 'redis-space']);
    expect(pods.stderr.trim()).toBe('No resources found in redis-space namespace.');
  });

  it('labels the namespace with its account and binds the account subjects to admin in it', async () => {
    const ns = JSON.parse(await kubectlOk(['get', 'ns', 'node-space', '-o', 'json'])) as { metadata: { labels: Record<string, string> } };
    expect(ns.metadata.labels['kiosk.sh/account']).toBe('node-account');
    const rb = JSON.parse(await kubectlOk(['get', 'rolebinding', 'kiosk-account-node-account', '-n', 'node-space', '-o', 'json'])) as {
      roleRef: unknown; subjects: unknown; metadata: { ownerReferences: unknown[] };
    };
    expect(rb.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' });
    expect(rb.subjects).toEqual([{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'dev' }]);
    expect(rb.metadata.ownerReferences[0]).toMatchObject({ kind: 'Account', name: 'node-account', controller: true });
    expect((await kubectl(['auth', 'can-i', 'create', 'deployments', '-n', 'node-space', '--as=dev'])).stdout.trim()).toBe('yes');
    expect((await kubectl(['auth', 'can-i', 'create', 'deployments', '-n', 'redis-space', '--as=dev'])).stdout.trim()).toBe('no');
  });
});

describe('walkthrough: Limit the number of spaces per account', () => {
  it('configures the limit and refuses the third space with the walkthrough\'s message', async () => {
    const limited = files.write('node-account.yml', NODE_ACCOUNT_LIMITED);
    expect(await kubectlOk(['apply', '-f', limited])).toBe('account.tenancy.kiosk.sh/node-account configured\n');
    const second = files.write('node-space-2.yml', 'apiVersion: tenancy.kiosk.sh/v1alpha1\nkind: Space\nmetadata:\n  name: node-space-2\nspec:\n  account: node-account\n');
    expect(await kubectlOk(['apply', '-f', second, '--as=dev'])).toBe('space.tenancy.kiosk.sh/node-space-2 created\n');
    const third = files.write('node-space-3.yml', 'apiVersion: tenancy.kiosk.sh/v1alpha1\nkind: Space\nmetadata:\n  name: node-space-3\nspec:\n  account: node-account\n');
    const denied = await kubectl(['apply', '-f', third, '--as=dev']);
    expect(denied.stderr.trim()).toBe(`Error from server (Forbidden): error when creating "${third}": spaces.tenancy.kiosk.sh "node-space-3" is forbidden: space limit of 2 reached for account node-account`);
    expect(await eventually(async () => /^node-account\s+2\s+2\s/m.test(await kubectlOk(['get', 'accounts'])))).toBe(true);
  });
});
