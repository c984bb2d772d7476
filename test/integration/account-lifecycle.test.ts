// Ownership and lifecycle beyond Kiosk: account changes reach every space's RoleBinding, namespaces can
// be adopted, and deleting an account leaves its spaces unless it opted in.
import { isRunning, stopComponent } from '../cluster/component.js';
import { kubectl, kubectlOk } from '../cluster/kubectl.js';
import { readState, restartServer } from '../cluster/sandbox.js';
import { eventually, sandboxState } from '../support/sandbox-access.js';

const run = Date.now().toString(36);
const apply = (yaml: string) => kubectlOk(['apply', '-f', '-'], { stdin: yaml });
const account = (name: string, spec: string, annotations = '') => `apiVersion: tenancy.kiosk.sh/v1alpha1
kind: Account
metadata:
  name: ${name}${annotations}
spec:
${spec}`;
const space = (name: string, acct: string) => `apiVersion: tenancy.kiosk.sh/v1alpha1
kind: Space
metadata: {name: ${name}}
spec: {account: ${acct}}
`;
const rbOf = async (ns: string, acct: string) => {
  const r = await kubectl(['get', 'rolebinding', `kiosk-account-${acct}`, '-n', ns, '-o', 'json']);
  return r.code === 0 ? JSON.parse(r.stdout) as { roleRef: { name: string }; subjects: Array<{ name: string }> } : undefined;
};

describe('account changes reach the RoleBindings of all its spaces', () => {
  const acct = `lc-${run}`;
  const spaces = [`lc-${run}-a`, `lc-${run}-b`];

  beforeAll(async () => {
    await apply(account(acct, '  subjects: [{kind: User, name: lc-one, apiGroup: rbac.authorization.k8s.io}]\n'));
    for (const s of spaces) await apply(space(s, acct));
  });

  it('updates the subjects in every space', async () => {
    await apply(account(acct, '  subjects: [{kind: User, name: lc-one, apiGroup: rbac.authorization.k8s.io}, {kind: Group, name: lc-team, apiGroup: rbac.authorization.k8s.io}]\n'));
    for (const s of spaces) {
      expect(await eventually(async () => (await rbOf(s, acct))?.subjects.map((x) => x.name).join(',') === 'lc-one,lc-team')).toBe(true);
    }
    expect((await kubectl(['auth', 'can-i', 'create', 'pods', '-n', spaces[0]!, '--as=someone', '--as-group=lc-team'])).stdout.trim()).toBe('yes');
  });

  it('replaces the binding when space.clusterRole changes, and removes it for ""', async () => {
    await apply(account(acct, '  space: {clusterRole: view}\n  subjects: [{kind: User, name: lc-one, apiGroup: rbac.authorization.k8s.io}]\n'));
    for (const s of spaces) expect(await eventually(async () => (await rbOf(s, acct))?.roleRef.name === 'view')).toBe(true);
    expect((await kubectl(['auth', 'can-i', 'create', 'pods', '-n', spaces[0]!, '--as=lc-one'])).stdout.trim()).toBe('no');
    await apply(account(acct, '  space: {clusterRole: ""}\n  subjects: [{kind: User, name: lc-one, apiGroup: rbac.authorization.k8s.io}]\n'));
    for (const s of spaces) expect(await eventually(async () => (await rbOf(s, acct)) === undefined)).toBe(true);
  });

  it('keeps status.namespaces current', async () => {
    const status = async () => JSON.parse(await kubectlOk(['get', 'account', acct, '-o', 'jsonpath={.status.namespaces}']) || '[]') as Array<{ name: string }>;
    expect(await eventually(async () => JSON.stringify((await status()).map((n) => n.name)) === JSON.stringify(spaces))).toBe(true);
  });
});

describe('adopting an existing namespace', () => {
  it('gives a labelled namespace the account\'s RoleBinding, and takes it away when the label goes', async () => {
    const acct = `lc-adopt-${run}`;
    await apply(account(acct, '  subjects: [{kind: User, name: lc-adopter, apiGroup: rbac.authorization.k8s.io}]\n'));
    const ns = `lc-existing-${run}`;
    await kubectlOk(['create', 'ns', ns]);
    await kubectlOk(['label', 'ns', ns, `kiosk.sh/account=${acct}`]);
    expect(await eventually(async () => (await rbOf(ns, acct))?.roleRef.name === 'admin')).toBe(true);
    expect(await eventually(async () => (await kubectl(['get', 'spaces', '--as=lc-adopter', '-o', 'name'])).stdout.includes(ns))).toBe(true);
    await kubectlOk(['label', 'ns', ns, 'kiosk.sh/account-']);
    expect(await eventually(async () => (await rbOf(ns, acct)) === undefined)).toBe(true);
  });
});

describe('deleting an account', () => {
  it('leaves its spaces by default', async () => {
    const acct = `lc-keep-${run}`;
    await apply(account(acct, '  subjects: [{kind: User, name: lc-k, apiGroup: rbac.authorization.k8s.io}]\n'));
    await apply(space(`lc-kept-${run}`, acct));
    await kubectlOk(['delete', 'account', acct]);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await kubectlOk(['get', 'ns', `lc-kept-${run}`, '-o', 'jsonpath={.status.phase}'])).toBe('Active');
  });

  it('deletes them with the opt-in annotation', async () => {
    const acct = `lc-drop-${run}`;
    await apply(account(acct, '  subjects: [{kind: User, name: lc-d, apiGroup: rbac.authorization.k8s.io}]\n',
      '\n  annotations: {kiosk.sh/delete-spaces-with-account: "true"}'));
    await apply(space(`lc-dropped-${run}`, acct));
    expect(await eventually(async () => (await kubectl(['get', 'ns', `lc-dropped-${run}`])).code === 0)).toBe(true);
    await kubectlOk(['delete', 'account', acct]);
    expect(await eventually(async () => {
      const r = await kubectl(['get', 'ns', `lc-dropped-${run}`, '-o', 'jsonpath={.status.phase}']);
      return r.code !== 0 || r.stdout === 'Terminating';
    }, 20_000)).toBe(true);
  });
});

describe('deleting an opted-in account while no server runs', () => {
  afterAll(async () => {
    const state = await readState();
    if (state && !state.components.some((c) => c.name === 'kiosk-apiserver' && isRunning(c))) await restartServer(state);
  }, 90_000);

  it('waits, Terminating, behind the finalizer until a server deletes its spaces', async () => {
    const acct = `lc-down-${run}`;
    await apply(account(acct, '  subjects: [{kind: User, name: lc-o, apiGroup: rbac.authorization.k8s.io}]\n',
      '\n  annotations: {kiosk.sh/delete-spaces-with-account: "true"}'));
    await apply(space(`lc-down-${run}`, acct));
    const finalizers = async () => (await kubectl(['get', 'accounts.config.kiosk.sh', acct, '-o', 'jsonpath={.metadata.finalizers}'])).stdout;
    expect(await eventually(async () => (await finalizers()) === '["kiosk.sh/delete-spaces"]', 15_000)).toBe(true);

    const state = sandboxState();
    await stopComponent(state.components.find((c) => c.name === 'kiosk-apiserver')!);
    await kubectlOk(['delete', 'accounts.config.kiosk.sh', acct, '--wait=false']);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await kubectlOk(['get', 'accounts.config.kiosk.sh', acct, '-o', 'jsonpath={.metadata.deletionTimestamp}'])).not.toBe('');
    expect(await kubectlOk(['get', 'ns', `lc-down-${run}`, '-o', 'jsonpath={.status.phase}'])).toBe('Active');

    await restartServer(state);
    expect(await eventually(async () => (await kubectl(['get', 'accounts.config.kiosk.sh', acct])).code !== 0, 30_000, 250)).toBe(true);
    const phase = await kubectl(['get', 'ns', `lc-down-${run}`, '-o', 'jsonpath={.status.phase}']);
    expect(phase.code !== 0 || phase.stdout === 'Terminating').toBe(true);
  }, 120_000);

  it('drops the finalizer when the annotation goes, so the account deletes like any other', async () => {
    const acct = `lc-undo-${run}`;
    await apply(account(acct, '  subjects: [{kind: User, name: lc-u, apiGroup: rbac.authorization.k8s.io}]\n',
      '\n  annotations: {kiosk.sh/delete-spaces-with-account: "true"}'));
    const finalizers = async () => (await kubectl(['get', 'accounts.config.kiosk.sh', acct, '-o', 'jsonpath={.metadata.finalizers}'])).stdout;
    expect(await eventually(async () => (await finalizers()) === '["kiosk.sh/delete-spaces"]', 15_000)).toBe(true);
    await kubectlOk(['annotate', 'accounts.config.kiosk.sh', acct, 'kiosk.sh/delete-spaces-with-account-']);
    expect(await eventually(async () => (await finalizers()) === '', 15_000)).toBe(true);
  });
});

describe('Accounts written as config.kiosk.sh objects', () => {
  it('get the checks of the tenancy API from the validate-account webhook, as Kiosk\'s /validate did', async () => {
    const name = `cfg-bad-${run}`;
    const r = await kubectl(['apply', '-f', '-'], {
      stdin: `apiVersion: config.kiosk.sh/v1alpha1
kind: Account
metadata: {name: ${name}}
spec:
  subjects: [{kind: User, name: someone}]
  space: {spaceTemplate: {metadata: {labels: {kiosk.sh/account: other}}}}
`,
    });
    expect({ code: r.code, stderr: r.stderr.trim() }).toEqual({
      code: 1,
      stderr: `The Account "${name}" is invalid: \n`
        + '* spec.subjects[0].apiGroup: Unsupported value: "": supported values: "rbac.authorization.k8s.io"\n'
        + '* spec.space.spaceTemplate.metadata.labels[kiosk.sh/account]: Forbidden: the account label is set by the server from spec.account and cannot be set by a template',
    });
    expect((await kubectl(['get', 'accounts.config.kiosk.sh', name])).code).toBe(1);
    // A well-formed one passes, and the server's own status writes are not sent to the webhook.
    await apply(`apiVersion: config.kiosk.sh/v1alpha1
kind: Account
metadata: {name: cfg-ok-${run}}
spec:
  subjects: [{kind: User, name: someone, apiGroup: rbac.authorization.k8s.io}]
`);
    expect(await eventually(async () => (await kubectl(['get', 'clusterrole', `kiosk-account-cfg-ok-${run}`])).code === 0, 15_000)).toBe(true);
  });
});
