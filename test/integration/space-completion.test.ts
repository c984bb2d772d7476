// What the account controller does with a namespace it finds in an account with a mandatory template,
// without timing a crash: namespaces made by hand as a dead create, a Kiosk migration or a tenant would
// leave them. The tenant's RoleBinding never comes before the template's objects (resourceVersions from
// the sandbox's one etcd order them), a dead create is finished or removed, and the mark cannot be forged.
import { kubectl, kubectlOk } from '../cluster/kubectl.js';
import { KubectlWatch } from '../support/kubectl-watch.js';
import { eventually } from '../support/sandbox-access.js';

const run = Date.now().toString(36);
const USER = `sc-user-${run}`;
const GOOD = `sc-good-${run}`;
const BAD = `sc-bad-${run}`;
const apply = (yaml: string) => kubectlOk(['apply', '-f', '-'], { stdin: yaml });
const rv = async (args: string[]) => Number(await kubectlOk([...args, '-o', 'jsonpath={.metadata.resourceVersion}']));
const exists = async (args: string[]) => (await kubectl(args)).code === 0;
const annotations = async (ns: string) => JSON.parse(await kubectlOk(['get', 'ns', ns, '-o', 'jsonpath={.metadata.annotations}']) || '{}') as Record<string, string>;

const account = (name: string, template: string) => `apiVersion: config.kiosk.sh/v1alpha1
kind: Account
metadata: {name: ${name}}
spec:
  subjects: [{kind: User, name: ${USER}, apiGroup: rbac.authorization.k8s.io}]
  space: {templateInstances: [{spec: {template: ${template}}}]}
`;

/** A namespace as a create that died left it: labelled, marked by a replica that no longer runs. */
const halfMade = (name: string, acct: string) => apply(`apiVersion: v1
kind: Namespace
metadata:
  name: ${name}
  labels: {kiosk.sh/account: ${acct}}
  annotations: {kiosk.sh/space-phase: creating, kiosk.sh/space-creator: gone-host_4242}
`);

beforeAll(async () => {
  await apply(`apiVersion: config.kiosk.sh/v1alpha1
kind: Template
metadata: {name: ${GOOD}}
resources:
  manifests:
  - apiVersion: v1
    kind: LimitRange
    metadata: {name: sc-limits}
    spec: {limits: [{type: Container, default: {cpu: "1"}}]}
---
apiVersion: config.kiosk.sh/v1alpha1
kind: Template
metadata: {name: ${BAD}}
resources:
  manifests:
  - {apiVersion: v1, kind: NoSuchKind, metadata: {name: broken}}
---
${account(GOOD, GOOD)}---
${account(BAD, BAD)}---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ${USER}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kiosk-edit}
subjects: [{kind: User, name: ${USER}, apiGroup: rbac.authorization.k8s.io}]
`);
});

/** The namespace complete: binding present, mark gone; and the binding written after the LimitRange. */
async function expectCompleteInOrder(ns: string, acct: string): Promise<void> {
  expect(await eventually(async () => await exists(['get', 'rolebinding', `kiosk-account-${acct}`, '-n', ns])
    && !('kiosk.sh/space-phase' in await annotations(ns)), 60_000, 250)).toBe(true);
  const instance = await kubectlOk(['get', 'templateinstances', '-n', ns, '-o', 'jsonpath={.items[*].status.status}']);
  expect(instance).toBe('Deployed');
  expect(await rv(['get', 'rolebinding', `kiosk-account-${acct}`, '-n', ns])).toBeGreaterThan(await rv(['get', 'limitrange', 'sc-limits', '-n', ns]));
}

describe('a namespace whose create died', () => {
  it('is completed: instance Deployed, LimitRange, then the binding, then the mark cleared', async () => {
    const ns = `${GOOD}-half`;
    await halfMade(ns, GOOD);
    await expectCompleteInOrder(ns, GOOD);
  }, 90_000);

  it('is removed when its mandatory template fails, as the create removes it', async () => {
    const ns = `${BAD}-half`;
    // Every RoleBinding from before the namespace on (the initial list shows the server's own: the watch runs).
    const bindings = new KubectlWatch(['get', 'rolebindings', '-A', '-w', '-o', 'jsonpath={.metadata.namespace} {.metadata.name}{"\\n"}']);
    try {
      await bindings.waitFor(/^kiosk-system /, 15_000);
      await halfMade(ns, BAD);
      expect(await eventually(async () => (await kubectl(['get', 'ns', ns])).stderr.includes('not found'), 90_000, 500)).toBe(true);
      expect(bindings.lines.filter((l) => l.startsWith(`${ns} `))).toEqual([]);
    } finally {
      bindings.stop();
    }
  }, 120_000);
});

describe('a namespace without the mark (Kiosk migration, adoption)', () => {
  it('gets its instance rolled out, and its binding only once that is Deployed', async () => {
    const ns = `${GOOD}-adopted`;
    await apply(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n  labels: {kiosk.sh/account: ${GOOD}}\n`);
    await expectCompleteInOrder(ns, GOOD);
  }, 90_000);

  it('with its instance already Deployed (as Kiosk left it) is bound', async () => {
    const ns = `${GOOD}-kiosk`;
    await kubectlOk(['create', 'ns', ns]);
    await apply(`apiVersion: config.kiosk.sh/v1alpha1\nkind: TemplateInstance\nmetadata: {name: from-kiosk, namespace: ${ns}}\nspec: {template: ${GOOD}}\n`);
    expect(await eventually(async () => (await kubectlOk(['get', 'templateinstance', 'from-kiosk', '-n', ns, '-o', 'jsonpath={.status.status}'])) === 'Deployed', 30_000, 250)).toBe(true);
    await kubectlOk(['label', 'ns', ns, `kiosk.sh/account=${GOOD}`]);
    expect(await eventually(() => exists(['get', 'rolebinding', `kiosk-account-${GOOD}`, '-n', ns]), 30_000, 250)).toBe(true);
    // No second instance: the one Kiosk made counts.
    expect(await kubectlOk(['get', 'templateinstances', '-n', ns, '-o', 'jsonpath={.items[*].metadata.name}'])).toBe('from-kiosk');
  }, 60_000);
});

describe('the creating mark through the Space API', () => {
  // Tenants may not update their namespace at all; whoever may (an admin) still cannot forge the mark through
  // a Space, which would have the controller judge a complete space half-made. (Clearing: unit-tested.)
  it('a created space carries no mark, and a Space update cannot set it', async () => {
    const space = `${GOOD}-s`;
    await kubectlOk(['apply', '--as', USER, '-f', '-'], { stdin: `apiVersion: tenancy.kiosk.sh/v1alpha1\nkind: Space\nmetadata: {name: ${space}}\nspec: {account: ${GOOD}}\n` });
    expect(await annotations(space)).not.toHaveProperty('kiosk.sh/space-phase');
    await kubectlOk(['annotate', 'space', space, 'kiosk.sh/space-phase=creating', 'kiosk.sh/space-creator=me', 'other=kept']);
    const after = await annotations(space);
    expect(after).toHaveProperty('other', 'kept');
    expect(after).not.toHaveProperty('kiosk.sh/space-phase');
    expect(after).not.toHaveProperty('kiosk.sh/space-creator');
  }, 60_000);
});
