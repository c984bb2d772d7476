// The space limit under concurrency, on one server and on two server processes at once, and what a
// failure half-way through a create leaves behind.
import { kubectl, kubectlOk } from '../cluster/kubectl.js';
import { startExtraServer } from '../cluster/sandbox.js';
import { direct, eventually, frontProxyCredentials, sandboxState } from '../support/sandbox-access.js';

const run = Date.now().toString(36);
const SPACES = '/apis/tenancy.kiosk.sh/v1alpha1/spaces';

async function account(name: string, extra = ''): Promise<void> {
  await kubectlOk(['apply', '-f', '-'], {
    stdin: `apiVersion: config.kiosk.sh/v1alpha1
kind: Account
metadata: {name: ${name}}
spec:
  subjects: [{kind: User, name: racer-${run}, apiGroup: rbac.authorization.k8s.io}]
  space: {limit: 2${extra}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: racer-${run}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kiosk-edit}
subjects: [{kind: User, name: racer-${run}, apiGroup: rbac.authorization.k8s.io}]
`,
  });
}

/** Creates a space as the account's user, straight to a server process (the registered one or another). */
function createSpace(name: string, acct: string, port?: number) {
  return direct({
    method: 'POST', path: SPACES, port,
    headers: { 'X-Remote-User': `racer-${run}`, 'Content-Type': 'application/json' }, ...frontProxyCredentials(),
    body: JSON.stringify({ apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'Space', metadata: { name }, spec: { account: acct } }),
  });
}

async function spacesOf(acct: string): Promise<string[]> {
  return (await kubectlOk(['get', 'ns', '-l', `kiosk.sh/account=${acct}`, '-o', 'name'])).trim().split('\n').filter(Boolean);
}

describe('the space limit under concurrency', () => {
  it('fifty concurrent creates at limit 2 give exactly two spaces and 48 Forbidden', async () => {
    const acct = `race-one-${run}`;
    await account(acct);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => createSpace(`${acct}-${i}`, acct)));
    const created = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status === 403);
    expect([created.length, refused.length]).toEqual([2, 48]);
    for (const r of refused) {
      const name = (JSON.parse(r.body) as { details: { name: string } }).details.name;
      expect(r.json()).toMatchObject({ reason: 'Forbidden', message: `spaces.tenancy.kiosk.sh "${name}" is forbidden: space limit of 2 reached for account ${acct}` });
    }
    expect(await spacesOf(acct)).toHaveLength(2);
  }, 120_000);

  it('holds with two server processes serving at once', async () => {
    const acct = `race-two-${run}`;
    await account(acct);
    const second = await startExtraServer(sandboxState());
    try {
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => createSpace(`${acct}-${i}`, acct, i % 2 === 0 ? undefined : second.port)));
      expect(results.filter((r) => r.status >= 500)).toEqual([]);
      expect([results.filter((r) => r.status === 201).length, results.filter((r) => r.status === 403).length]).toEqual([2, 48]);
      expect(await spacesOf(acct)).toHaveLength(2);
    } finally {
      await second.stop();
    }
  }, 120_000);
});

describe('a create that fails after the namespace exists', () => {
  it('removes the namespace again and says why', async () => {
    // The server may not bind cluster-admin (see manifests/server-rbac.yaml): the RoleBinding step fails.
    const acct = `race-bind-${run}`;
    await account(acct, ', clusterRole: cluster-admin');
    const name = `${acct}-space`;
    const res = await createSpace(name, acct);
    expect(res.status).toBe(403);
    expect(res.json<{ message: string }>().message).toMatch(new RegExp(`^spaces\\.tenancy\\.kiosk\\.sh "${name}" is forbidden: the kiosk server may not bind ClusterRole "cluster-admin" for account ${acct}: `));
    const gone = await eventually(async () => (await kubectl(['get', 'ns', name])).stderr.includes('not found'), 60_000, 500);
    expect(gone).toBe(true);
  }, 90_000);
});
