import { kubectl, kubectlOk } from '../cluster/kubectl.js';
import { restartApiserver } from '../cluster/sandbox.js';
import { grantSpacesReader } from '../support/rbac.js';
import { direct, eventually, frontProxyCredentials, sandboxState } from '../support/sandbox-access.js';

const run = Date.now().toString(36);

// Other suites share this control plane: leave it as found, with the APIService serving again.
// kube-controller-manager's watches resume with a back-off after a restart: until they do, a new namespace gets no
// default ServiceAccount, and the next suite's pods would wait for it. Wait for a probe namespace to get one.
afterAll(async () => {
  await kubectlOk(['wait', '--for=condition=Available', 'apiservice/v1alpha1.tenancy.kiosk.sh', '--timeout=90s'], { timeoutMs: 100_000 });
  const probe = `resilience-probe-${run}`;
  await kubectlOk(['create', 'namespace', probe]);
  const controllersBack = await eventually(async () => (await kubectl(['get', 'serviceaccount', 'default', '-n', probe])).code === 0, 90_000, 500);
  await kubectl(['delete', 'namespace', probe, '--wait=false']);
  expect(controllersBack).toBe(true);
}, 220_000);

describe('when kube-apiserver restarts under our server', () => {
  it('recovers by itself and lists correctly afterwards, including changes made meanwhile', async () => {
    const before = `rs-before-${run}`;
    const after = `rs-after-${run}`;
    await kubectlOk(['create', 'ns', before]);
    await kubectlOk(['create', 'rolebinding', 'rs', '-n', before, '--clusterrole=view', '--user=rs-user']);
    await grantSpacesReader('rs-spaces-reader', 'rs-user');

    await restartApiserver(sandboxState());
    // Changes right after the restart must reach the server's informers once their watches resume.
    await kubectlOk(['create', 'ns', after]);
    await kubectlOk(['create', 'rolebinding', 'rs', '-n', after, '--clusterrole=view', '--user=rs-user']);
    await kubectlOk(['delete', 'rolebinding', 'rs', '-n', before]);

    const list = async () => {
      const res = await direct({ path: '/apis/tenancy.kiosk.sh/v1alpha1/spaces', headers: { 'X-Remote-User': 'rs-user' }, ...frontProxyCredentials() });
      return res.status === 200 ? res.json<{ items: Array<{ metadata: { name: string } }> }>().items.map((i) => i.metadata.name).filter((n) => n.endsWith(run)) : [];
    };
    expect(await eventually(async () => JSON.stringify(await list()) === JSON.stringify([after]), 30_000, 250)).toBe(true);
    expect((await direct({ path: '/readyz' })).body).toBe('ok');
    // And through the aggregator again, as a user would.
    const r = await kubectl(['get', 'space', after, '--as=rs-user']);
    expect(r.code).toBe(0);
  }, 120_000);

  it('reads what kube-apiserver has while the informers catch up after its restart, never a 404 for what exists', async () => {
    const acct = `rs-live-${run}`;
    const ns = `rs-live-ns-${run}`;
    await restartApiserver(sandboxState());
    // Written behind our server's back (straight to the CRD and to namespaces) the moment kube-apiserver is
    // back, while our informers are still retrying or replaying: reads must answer from kube-apiserver.
    await kubectlOk(['create', '-f', '-'], {
      stdin: `apiVersion: config.kiosk.sh/v1alpha1\nkind: Account\nmetadata: {name: ${acct}}\nspec:\n  space: {limit: 3}\n  subjects: [{kind: User, name: rs-user, apiGroup: rbac.authorization.k8s.io}]\n`,
    });
    await kubectlOk(['create', 'ns', ns]);
    const asAdmin = (path: string) => direct({ path, headers: { 'X-Remote-User': 'rs-admin', 'X-Remote-Group': 'system:masters' }, ...frontProxyCredentials() });
    const account = await asAdmin(`/apis/tenancy.kiosk.sh/v1alpha1/accounts/${acct}`);
    expect(account.status).toBe(200);
    expect(account.json<{ spec: { space: { limit: number } } }>().spec.space.limit).toBe(3);
    expect((await asAdmin(`/apis/tenancy.kiosk.sh/v1alpha1/spaces/${ns}`)).status).toBe(200);
    await kubectlOk(['delete', 'accounts.config.kiosk.sh', acct, '--wait=false']);
    await kubectlOk(['delete', 'ns', ns, '--wait=false']);
  }, 150_000);

  it('answers an Account write only once its own reads show it, even while the CRD storage warms up', async () => {
    // Right after a restart kube-apiserver answers CRD watches with 429 for a moment, so the accounts
    // informer lags; a second `kubectl apply` (GET, then PATCH) must still find what the first created.
    await restartApiserver(sandboxState());
    await kubectlOk(['wait', '--for=condition=Available', 'apiservice/v1alpha1.tenancy.kiosk.sh', '--timeout=90s'], { timeoutMs: 100_000 });
    const acct = `rs-acct-${run}`;
    const account = (limit: number) => `apiVersion: tenancy.kiosk.sh/v1alpha1\nkind: Account\nmetadata: {name: ${acct}}\nspec:\n  space: {limit: ${limit}}\n  subjects: [{kind: User, name: rs-user, apiGroup: rbac.authorization.k8s.io}]\n`;
    expect(await kubectlOk(['apply', '-f', '-'], { stdin: account(1) })).toBe(`account.tenancy.kiosk.sh/${acct} created\n`);
    expect(await kubectlOk(['apply', '-f', '-'], { stdin: account(2) })).toBe(`account.tenancy.kiosk.sh/${acct} configured\n`);
    expect(await kubectlOk(['get', 'account', acct, '-o', 'jsonpath={.spec.space.limit}'])).toBe('2');
  }, 150_000);
});
