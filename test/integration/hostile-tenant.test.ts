// Hardening I, the attacks as written in the issue: a tenant with the walkthrough's rights, and anyone who can
// reach the server's port, send what a careless or hostile client would. After each: the server process has the
// same pid, another tenant's list answers normally, and the attack left nothing behind.
import { kubectl, kubectlOk } from '../cluster/kubectl.js';
import { admissionCredentials, direct, eventually, frontProxyCredentials, sandboxState, viaApiserver } from '../support/sandbox-access.js';

const run = Date.now().toString(36);
const acct = `ht-${run}`;
const tenant = `ht-dev-${run}`;
const other = `ht-other-${run}`;
const space = `ht-s-${run}`;
const otherSpace = `ht-o-${run}`;
const SPACES = '/apis/tenancy.kiosk.sh/v1alpha1/spaces';
const apply = (yaml: string) => kubectlOk(['apply', '-f', '-'], { stdin: yaml });

const serverPid = () => sandboxState().components.find((c) => c.name === 'kiosk-apiserver')!.pid;
let pid = 0;

/** What must hold after every attack: same process, other tenants served, metrics (which iterate objects) intact. */
async function serverUnharmed(): Promise<void> {
  expect(serverPid()).toBe(pid);
  const list = await viaApiserver({ path: SPACES, as: other });
  expect(list.status).toBe(200);
  expect(list.json<{ items: Array<{ metadata: { name: string } }> }>().items.map((i) => i.metadata.name)).toEqual([otherSpace]);
  const metrics = await direct({ path: '/metrics', headers: { 'X-Remote-User': 'admin', 'X-Remote-Group': 'system:masters' }, ...frontProxyCredentials() });
  expect(metrics.status).toBe(200);
  expect(metrics.body).toContain('apiserver_request_total');
  const health = await direct({ path: '/livez' });
  expect(health.status).toBe(200);
}

beforeAll(async () => {
  pid = serverPid();
  for (const [name, user] of [[acct, tenant], [`${acct}-o`, other]] as const) {
    await apply(`apiVersion: tenancy.kiosk.sh/v1alpha1
kind: Account
metadata: {name: ${name}}
spec:
  subjects: [{kind: User, name: ${user}, apiGroup: rbac.authorization.k8s.io}]
`);
  }
  // The walkthrough's rights: kiosk-edit lets the tenants create spaces.
  await apply(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ${acct}}
subjects: [{kind: User, name: ${tenant}, apiGroup: rbac.authorization.k8s.io}, {kind: User, name: ${other}, apiGroup: rbac.authorization.k8s.io}]
roleRef: {kind: ClusterRole, name: kiosk-edit, apiGroup: rbac.authorization.k8s.io}
`);
  await apply(`apiVersion: tenancy.kiosk.sh/v1alpha1\nkind: Space\nmetadata: {name: ${space}}\nspec: {account: ${acct}}\n`);
  await apply(`apiVersion: tenancy.kiosk.sh/v1alpha1\nkind: Space\nmetadata: {name: ${otherSpace}}\nspec: {account: ${acct}-o}\n`);
  for (const [s, user] of [[space, tenant], [otherSpace, other]] as const) {
    expect(await eventually(async () => (await viaApiserver({ path: `${SPACES}/${s}`, as: user })).status === 200, 20_000)).toBe(true);
  }
});

afterAll(async () => {
  await kubectl(['delete', 'ns', space, otherSpace, `ht-admin-${run}`, `ht-u-${run}`, '--ignore-not-found', '--wait=false']);
  await kubectl(['delete', 'accounts.config.kiosk.sh', acct, `${acct}-o`, '--ignore-not-found']);
  await kubectl(['delete', 'clusterrolebinding', acct, '--ignore-not-found']);
});

describe('prototype keys in patches are data, never the server\'s prototypes', () => {
  it.each([
    ['merge', 'merge', '{"__proto__":{"denied":true}}'],
    ['merge, nested', 'merge', '{"metadata":{"__proto__":{"denied":true}},"spec":{"constructor":{"prototype":{"denied":true}}}}'],
    ['json', 'json', '[{"op":"add","path":"/__proto__/denied","value":true}]'],
    ['json, constructor.prototype', 'json', '[{"op":"add","path":"/constructor/prototype/denied","value":true}]'],
  ])('kubectl patch space --type=%s as the tenant leaves the server serving', async (_label, type, patch) => {
    const r = await kubectl(['patch', 'space', space, `--as=${tenant}`, `--type=${type}`, '-p', patch]);
    // Whatever the verdict (the tenant may lack patch on namespaces), it is a 4xx or a success, never a 5xx.
    expect(r.stderr).not.toMatch(/InternalError|ServiceUnavailable|Error from server \(\w*\): .*(50\d)/);
    await serverUnharmed();
    // Nothing inherited a "denied" field: a fresh object from the server has none.
    const fresh = await viaApiserver({ path: `${SPACES}/${space}`, as: tenant });
    expect(fresh.body).not.toContain('denied');
  });

  it('the same patches sent by an admin are applied as plain data or refused with 4xx', async () => {
    for (const [type, patch] of [['merge', '{"__proto__":{"denied":true}}'], ['json', '[{"op":"add","path":"/__proto__","value":{"denied":true}}]']] as const) {
      const r = await viaApiserver({
        method: 'PATCH', path: `${SPACES}/${space}`, body: patch,
        headers: { 'Content-Type': type === 'merge' ? 'application/merge-patch+json' : 'application/json-patch+json' },
      });
      expect(r.status).toBeLessThan(500);
      await serverUnharmed();
    }
  });
});

describe('bodies of any shape are a 4xx, never a 5xx (Kiosk\'s examples/space.yaml leads users to a Space without spec)', () => {
  const post = (body: unknown, as?: string) => viaApiserver({
    method: 'POST', path: SPACES, as, headers: { 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

  it('an admin creating a Space without spec, or with spec null, gets an ownerless space', async () => {
    const created = await post({ apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'Space', metadata: { name: `ht-admin-${run}` } });
    expect(created.status).toBe(201);
    expect(created.json<{ spec?: { account?: string } }>().spec?.account).toBeUndefined();
    const again = await post({ apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'Space', metadata: { name: `ht-admin-${run}` }, spec: null });
    expect(again.status).toBe(409);
    await serverUnharmed();
  });

  it('a tenant creating a Space without spec or with spec null gets spec.account: Required value', async () => {
    for (const spec of [undefined, null]) {
      const r = await post({ apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'Space', metadata: { name: `ht-t-${run}` }, ...(spec === null ? { spec } : {}) }, tenant);
      expect(r.status).toBe(422);
      const status = r.json<{ reason: string; details: { causes: Array<{ field: string; reason: string }> } }>();
      expect(status.reason).toBe('Invalid');
      expect(status.details.causes).toEqual([expect.objectContaining({ field: 'spec.account', reason: 'FieldValueRequired' })]);
    }
    await serverUnharmed();
  });

  it('update and merge patch with spec null are decided, not crashed on', async () => {
    // An admin's update with spec null takes the space out of its account (an ownerless space).
    const moved = `ht-u-${run}`;
    await apply(`apiVersion: tenancy.kiosk.sh/v1alpha1\nkind: Space\nmetadata: {name: ${moved}}\nspec: {account: ${acct}}\n`);
    const current = (await viaApiserver({ path: `${SPACES}/${moved}` })).json();
    const put = await viaApiserver({
      method: 'PUT', path: `${SPACES}/${moved}`, headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...current, spec: null }),
    });
    expect(put.status).toBe(200);
    expect(put.json<{ spec?: { account?: string } }>().spec?.account).toBeUndefined();
    // A tenant's merge patch with spec null is decided like any patch: the admin role in a space does not
    // include patching the namespace itself.
    const patch = await viaApiserver({
      method: 'PATCH', path: `${SPACES}/${space}`, as: tenant, headers: { 'Content-Type': 'application/merge-patch+json' }, body: '{"spec":null}',
    });
    expect(patch.status).toBe(403);
    expect(patch.json<{ message: string }>().message).toContain(`User "${tenant}" cannot update resource "namespaces"`);
    await serverUnharmed();
  });

  it.each([
    ['metadata as a string', { apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'Space', metadata: 'x', spec: { account: acct } }, 400],
    ['spec as a string', { apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'Space', metadata: { name: `ht-x-${run}` }, spec: 'x' }, 400],
    ['spec.account as a number', { apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'Space', metadata: { name: `ht-x-${run}` }, spec: { account: 7 } }, 400],
  ])('%s: %s', async (_label, body, code) => {
    const r = await post(body, tenant);
    expect(r.status).toBe(code);
    expect(r.json<{ message: string }>().message).toContain('cannot be handled as a Space: json: cannot unmarshal');
    await serverUnharmed();
  });

  it('labels nested 10,000 deep', async () => {
    const nest = `${'{"a":'.repeat(10_000)}"x"${'}'.repeat(10_000)}`;
    const body = `{"apiVersion":"tenancy.kiosk.sh/v1alpha1","kind":"Space","metadata":{"name":"ht-deep-${run}","labels":${nest}},"spec":{"account":"${acct}"}}`;
    const r = await post(body, tenant);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    await serverUnharmed();
  });
});

describe('an AdmissionReview with a 200 KB quantity, sent to the port without credentials', () => {
  it('is answered without freezing the server, and other tenants are served meanwhile', async () => {
    await apply(`apiVersion: config.kiosk.sh/v1alpha1
kind: AccountQuota
metadata: {name: ${acct}-q}
spec: {account: ${acct}, quota: {hard: {limits.cpu: "4"}}}
`);
    // Pods need the namespace's default ServiceAccount, which the controller manager creates.
    expect(await eventually(async () => (await kubectl(['get', 'sa', 'default', '-n', space])).code === 0, 30_000)).toBe(true);
    // The quota is in force once a pod without a cpu limit is refused (so the huge quantity is really parsed).
    expect(await eventually(async () => (await kubectl(['run', 'probe', '--image=x', '-n', space, '--restart=Never', '--dry-run=server']))
      .stderr.includes(`failed quota: ${acct}-q: must specify limits.cpu`), 30_000)).toBe(true);
    const cpu = `1${'0'.repeat(200_000)}`;
    const review = {
      apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
      request: {
        uid: `ht-${run}`, kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' },
        namespace: space, name: 'p', operation: 'CREATE', userInfo: { username: tenant },
        object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: space }, spec: { containers: [{ name: 'c', image: 'x', resources: { limits: { cpu } } }] } },
      },
    };
    const answers = Promise.allSettled([0, 1, 2].map(() => direct({
      // With kube-apiserver's admission certificate, so the huge quantity is really parsed (without it: 401 first).
      method: 'POST', path: '/admission/accountquota', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(review), ...admissionCredentials(),
    })));
    // Meanwhile another tenant lists as usual.
    const list = await viaApiserver({ path: SPACES, as: other });
    expect(list.status).toBe(200);
    for (const r of await answers) {
      // A decision in the review (allowed or denied), never a failure.
      expect(r.status === 'fulfilled' ? r.value.status : String(r.reason)).toBe(200);
    }
    await serverUnharmed();
  });
});
