// Guardrails tenants cannot undo, on the sandbox: reserved label prefixes on Spaces, and the objects of a mandatory
// template (and its TemplateInstance) kept by the protect.kiosk.sh webhook, for tenants only.
import { kubectl, kubectlOk } from '../cluster/kubectl.js';
import { eventually } from '../support/sandbox-access.js';

const run = Date.now().toString(36);
const acct = `gr-${run}`;
const tenant = `gr-user-${run}`;
const space = `${acct}-s`;
const apply = (yaml: string, as?: string) => kubectl(['apply', '-f', '-', ...(as ? [`--as=${as}`] : [])], { stdin: yaml });
const spaceYaml = (name: string, labels: Record<string, string>) => `apiVersion: tenancy.kiosk.sh/v1alpha1
kind: Space
metadata: {name: ${name}, labels: ${JSON.stringify(labels)}}
spec: {account: ${acct}}
`;

beforeAll(async () => {
  // The walkthrough's kiosk-edit (create spaces), and `update` on this space's namespace, which a Space update
  // needs and no tenant role gives (granted by name: it does not make the tenant one who may update every namespace).
  const rbac = await apply(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ${tenant}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kiosk-edit}
subjects: [{kind: User, name: ${tenant}, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: ${tenant}-namespaces}
rules: [{apiGroups: [""], resources: [namespaces], verbs: [update, patch], resourceNames: [${space}]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ${tenant}-namespaces}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ${tenant}-namespaces}
subjects: [{kind: User, name: ${tenant}, apiGroup: rbac.authorization.k8s.io}]
`);
  expect(rbac.stderr).toBe('');
  const applied = await apply(`apiVersion: config.kiosk.sh/v1alpha1
kind: Template
metadata: {name: ${acct}-netpol}
resources:
  manifests:
  - apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: deny-from-other-namespaces}
    spec:
      podSelector: {}
      ingress: [{from: [{podSelector: {}}]}]
---
apiVersion: config.kiosk.sh/v1alpha1
kind: Template
metadata: {name: ${acct}-later}
resources:
  manifests:
  - {apiVersion: v1, kind: ConfigMap, metadata: {name: added-later}, data: {a: b}}
---
apiVersion: config.kiosk.sh/v1alpha1
kind: Account
metadata: {name: ${acct}}
spec:
  space: {templateInstances: [{spec: {template: ${acct}-netpol}}]}
  subjects: [{kind: User, name: ${tenant}, apiGroup: rbac.authorization.k8s.io}]
`);
  expect(applied.stderr).toBe('');
  // `get` on spaces comes from the ClusterRole the account controller makes for the account's subjects, a moment
  // after the Account; and kube-apiserver's authorizer sees any new binding through its informers.
  for (const [verb, resource] of [['get', 'spaces.tenancy.kiosk.sh'], ['create', 'spaces.tenancy.kiosk.sh'], ['update', `namespaces/${space}`]] as const) {
    expect(await eventually(async () => (await kubectl(['auth', 'can-i', verb, resource, `--as=${tenant}`])).stdout.trim() === 'yes', 30_000)).toBe(true);
  }
}, 120_000);

afterAll(async () => {
  await kubectl(['delete', 'ns', space, `${space}-admin`, '--ignore-not-found', '--wait=false']);
  await kubectl(['delete', 'account.config.kiosk.sh', acct, '--ignore-not-found']);
  await kubectl(['delete', 'template', `${acct}-netpol`, `${acct}-later`, '--ignore-not-found']);
  await kubectl(['delete', 'clusterrolebinding', tenant, `${tenant}-namespaces`, '--ignore-not-found']);
  await kubectl(['delete', 'clusterrole', `${tenant}-namespaces`, '--ignore-not-found']);
}, 60_000);

describe('reserved label and annotation prefixes on Spaces', () => {
  it('refuses a tenant a Pod Security level of their own choosing, on create and on update, and lets an admin set it', async () => {
    const refused = await apply(spaceYaml(space, { 'pod-security.kubernetes.io/enforce': 'privileged' }), tenant);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`spaces.tenancy.kiosk.sh "${space}" is forbidden: label "pod-security.kubernetes.io/enforce": `
      + 'keys under pod-security.kubernetes.io/, kiosk.sh/ are reserved');
    expect((await kubectl(['get', 'ns', space])).stderr).toContain('not found');

    expect((await apply(spaceYaml(space, { team: 'a' }), tenant)).stdout).toBe(`space.tenancy.kiosk.sh/${space} created\n`);
    for (const change of ['pod-security.kubernetes.io/enforce=privileged', 'x.kiosk.sh/owner=me']) {
      const label = await kubectl(['label', 'space', space, change, `--as=${tenant}`]);
      expect(label.code).toBe(1);
      expect(label.stderr).toContain('is forbidden: label');
    }
    const annotate = await kubectl(['annotate', 'space', space, 'kiosk.sh/note=x', `--as=${tenant}`]);
    expect(annotate.stderr).toContain('is forbidden: annotation "kiosk.sh/note"');
    // Other labels stay the tenant's.
    expect(await kubectlOk(['label', 'space', space, 'team=b', '--overwrite', `--as=${tenant}`])).toBe(`space.tenancy.kiosk.sh/${space} labeled\n`);
    expect(await kubectlOk(['get', 'ns', space, '-o', 'jsonpath={.metadata.labels}'])).not.toContain('pod-security');

    // The cluster admin (system:masters) may.
    expect((await apply(spaceYaml(`${space}-admin`, { 'pod-security.kubernetes.io/enforce': 'baseline' }))).stdout).toBe(`space.tenancy.kiosk.sh/${space}-admin created\n`);
    expect(await kubectlOk(['get', 'ns', `${space}-admin`, '-o', 'jsonpath={.metadata.labels.pod-security\\.kubernetes\\.io/enforce}'])).toBe('baseline');
  }, 90_000);
});

describe('objects of a mandatory template', () => {
  const policy = 'deny-from-other-namespaces';

  it('cannot be deleted, changed or unlabelled by a tenant whom RBAC allows it, and the instance stays', async () => {
    const can = (verb: string, resource: string) => eventually(async () => (await kubectl(['auth', 'can-i', verb, resource, '-n', space, `--as=${tenant}`])).stdout.trim() === 'yes', 30_000);
    expect(await can('delete', 'networkpolicies')).toBe(true);
    const deleted = await kubectl(['delete', 'networkpolicy', policy, '-n', space, `--as=${tenant}`]);
    expect(deleted.code).toBe(1);
    expect(deleted.stderr).toContain(`admission webhook "protect.kiosk.sh" denied the request: networkpolicies.networking.k8s.io "${policy}" is forbidden: `
      + `it was deployed by template ${acct}-netpol, mandatory in account ${acct}; only cluster admins may delete it`);
    const opened = await kubectl(['patch', 'networkpolicy', policy, '-n', space, '--type=merge', '-p', '{"spec":{"ingress":[{}]}}', `--as=${tenant}`]);
    expect(opened.stderr).toContain('only cluster admins may update it');
    const unlabelled = await kubectl(['label', 'networkpolicy', policy, '-n', space, 'kiosk.sh/protected-', `--as=${tenant}`]);
    expect(unlabelled.stderr).toContain('only cluster admins may update it');
    // No tenant role lets a tenant delete TemplateInstances; were one to (an admin's own role), the webhook still refuses.
    await kubectlOk(['create', 'role', 'ti-deleter', '-n', space, '--verb=delete', '--resource=templateinstances.config.kiosk.sh']);
    await kubectlOk(['create', 'rolebinding', 'ti-deleter', '-n', space, '--role=ti-deleter', `--user=${tenant}`]);
    expect(await can('delete', 'templateinstances.config.kiosk.sh')).toBe(true);
    const instance = (await kubectlOk(['get', 'templateinstances', '-n', space, '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
    const instanceDeleted = await kubectl(['delete', 'templateinstance', instance, '-n', space, `--as=${tenant}`]);
    expect(instanceDeleted.stderr).toContain(`it instantiates template ${acct}-netpol, mandatory in account ${acct}; only cluster admins may delete it`);
    expect(await kubectlOk(['get', 'networkpolicy', policy, '-n', space, '-o', 'jsonpath={.spec.ingress}'])).toBe('[{"from":[{"podSelector":{}}]}]');
    expect(await kubectlOk(['get', 'templateinstance', instance, '-n', space, '-o', 'jsonpath={.status.status}'])).toBe('Deployed');
    // The attempts are on the namespace's record.
    expect(await eventually(async () => (await kubectlOk(['get', 'events', '-n', space, '--field-selector', 'reason=ProtectedObject', '-o', 'name'])).trim() !== '', 30_000)).toBe(true);
  }, 90_000);

  it('reaches spaces that existed before the template became mandatory', async () => {
    await kubectlOk(['patch', 'account.config.kiosk.sh', acct, '--type=merge', '-p',
      JSON.stringify({ spec: { space: { templateInstances: [{ spec: { template: `${acct}-netpol` } }, { spec: { template: `${acct}-later` } }] } } })]);
    expect(await eventually(async () => (await kubectl(['get', 'configmap', 'added-later', '-n', space, '-o', 'jsonpath={.metadata.labels.kiosk\\.sh/protected}'])).stdout === 'true', 60_000)).toBe(true);
    const deleted = await kubectl(['delete', 'configmap', 'added-later', '-n', space, `--as=${tenant}`]);
    expect(deleted.stderr).toContain(`it was deployed by template ${acct}-later, mandatory in account ${acct}`);
  }, 90_000);

  it('keeps the account\'s isolation policy: a tenant may neither delete nor open it', async () => {
    await kubectlOk(['patch', 'account.config.kiosk.sh', acct, '--type=merge', '-p', JSON.stringify({ spec: { isolation: { network: 'Account' } } })]);
    expect(await eventually(async () => (await kubectl(['get', 'networkpolicy', 'kiosk-account-isolation', '-n', space])).code === 0, 30_000)).toBe(true);
    const deleted = await kubectl(['delete', 'networkpolicy', 'kiosk-account-isolation', '-n', space, `--as=${tenant}`]);
    expect(deleted.stderr).toContain('admission webhook "protect.kiosk.sh" denied the request: networkpolicies.networking.k8s.io "kiosk-account-isolation" is forbidden: '
      + `it keeps the network isolation of account ${acct}; only cluster admins may delete it`);
    const opened = await kubectl(['patch', 'networkpolicy', 'kiosk-account-isolation', '-n', space, '--type=json', '-p', '[{"op":"replace","path":"/spec/ingress","value":[{}]}]', `--as=${tenant}`]);
    expect(opened.stderr).toContain('only cluster admins may update it');
    expect(await kubectlOk(['get', 'networkpolicy', 'kiosk-account-isolation', '-n', space, '-o', 'jsonpath={.spec.ingress[0].from[0].namespaceSelector.matchLabels}']))
      .toBe(JSON.stringify({ 'kiosk.sh/account': acct }));
  }, 90_000);

  it('is the tenant\'s again once the account no longer mandates the template, and admins may always', async () => {
    await kubectlOk(['patch', 'account.config.kiosk.sh', acct, '--type=merge', '-p', JSON.stringify({ spec: { space: { templateInstances: [{ spec: { template: `${acct}-netpol` } }] } } })]);
    expect(await eventually(async () => (await kubectl(['delete', 'configmap', 'added-later', '-n', space, `--as=${tenant}`])).code === 0, 30_000)).toBe(true);
    expect(await kubectlOk(['delete', 'networkpolicy', policy, '-n', space])).toBe(`networkpolicy.networking.k8s.io "${policy}" deleted from ${space} namespace\n`);
  }, 90_000);
});
