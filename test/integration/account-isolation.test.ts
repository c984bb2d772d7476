// Account spec.isolation on the sandbox (issue 14): the pod-security labels and the NetworkPolicy
// kiosk-account-isolation reach every space of the account (new ones before their tenant is bound, existing
// ones when the account changes), drift by an admin is put back, switching isolation off takes away what
// the server set, and kube-apiserver's Pod Security Admission then refuses a privileged pod.
// The sandbox has no CNI, so the NetworkPolicy is checked as an object, not as traffic.
import { isDeepStrictEqual } from 'node:util';
import { kubectl, kubectlOk } from '../cluster/kubectl.js';
import { eventually } from '../support/sandbox-access.js';

const run = Date.now().toString(36);
const apply = (yaml: string) => kubectlOk(['apply', '-f', '-'], { stdin: yaml });
const account = (name: string, isolation: string) => `apiVersion: tenancy.kiosk.sh/v1alpha1
kind: Account
metadata: {name: ${name}}
spec:
  subjects: [{kind: User, name: iso-${run}, apiGroup: rbac.authorization.k8s.io}]
${isolation}`;
const space = (name: string, acct: string) => `apiVersion: tenancy.kiosk.sh/v1alpha1
kind: Space
metadata: {name: ${name}}
spec: {account: ${acct}}
`;
const PSA = ['enforce', 'warn', 'audit'].map((m) => `pod-security.kubernetes.io/${m}`);

interface Meta { labels?: Record<string, string>; annotations?: Record<string, string> }
const namespaceMeta = async (ns: string) => (JSON.parse(await kubectlOk(['get', 'namespace', ns, '-o', 'json'])) as { metadata: Meta }).metadata;
const psaLabels = async (ns: string) => {
  const { labels = {} } = await namespaceMeta(ns);
  return PSA.map((l) => labels[l] ?? '-').join(',');
};
const policy = async (ns: string) => {
  const r = await kubectl(['get', 'networkpolicy', 'kiosk-account-isolation', '-n', ns, '-o', 'json']);
  return r.code === 0 ? JSON.parse(r.stdout) as { metadata: { labels: Record<string, string> }; spec: Record<string, unknown> } : undefined;
};
const conditions = async (ns: string) => {
  const s = JSON.parse(await kubectlOk(['get', 'space', ns, '-o', 'json'])) as { status: { conditions?: Array<{ type: string; status: string }> } };
  return (s.status.conditions ?? []).map((c) => `${c.type}=${c.status}`).join(',');
};
const expectedSpec = (acct: string, ...extra: unknown[]) => ({
  podSelector: {}, policyTypes: ['Ingress'],
  ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kiosk.sh/account': acct } } }, ...extra] }],
});
const ingressNginx = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } };
const office = { ipBlock: { cidr: '192.0.2.0/24', except: ['192.0.2.128/25'] } };

describe('an account with spec.isolation', () => {
  const acct = `iso-${run}`;
  const fresh = `iso-${run}-new`;

  beforeAll(async () => {
    await apply(account(acct, `  isolation:
    podSecurity: restricted
    network: Account
    allowFrom:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}
    - ipBlock: {cidr: 192.0.2.0/24, except: [192.0.2.128/25]}
`));
  });

  it('gives a new space the three labels and the policy before the create returns', async () => {
    // The account controller may not have run yet: what the create itself wrote is there when it returns.
    await apply(space(fresh, acct));
    expect(await psaLabels(fresh)).toBe('restricted,restricted,restricted');
    const p = await policy(fresh);
    expect(p?.spec).toEqual(expectedSpec(acct, ingressNginx, office));
    expect(p?.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'kiosk', 'kiosk.sh/account': acct, 'kiosk.sh/protected': 'true' });
    expect(await conditions(fresh)).toBe('PodSecurityEnforced=True,NetworkIsolated=True');
  });

  it('makes kube-apiserver refuse a privileged pod in the space', async () => {
    // The ServiceAccount admission plugin runs before Pod Security and wants the default ServiceAccount.
    expect(await eventually(async () => (await kubectl(['get', 'sa', 'default', '-n', fresh])).code === 0, 30_000, 250)).toBe(true);
    const r = await kubectl(['apply', '-n', fresh, '-f', '-'], { stdin: `apiVersion: v1
kind: Pod
metadata: {name: privileged}
spec:
  containers:
  - {name: c, image: nginx, securityContext: {privileged: true}}
` });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('pods "privileged" is forbidden: violates PodSecurity "restricted:latest"');
  });

  it('puts back a label an admin changes and a policy an admin deletes, with an IsolationRepaired event', async () => {
    await kubectlOk(['label', 'namespace', fresh, '--overwrite', 'pod-security.kubernetes.io/enforce=privileged']);
    expect(await eventually(async () => (await psaLabels(fresh)) === 'restricted,restricted,restricted')).toBe(true);
    await kubectlOk(['delete', 'networkpolicy', 'kiosk-account-isolation', '-n', fresh]);
    expect(await eventually(async () => isDeepStrictEqual((await policy(fresh))?.spec, expectedSpec(acct, ingressNginx, office)))).toBe(true);
    expect(await eventually(async () => (await kubectlOk(['get', 'events', '-n', fresh, '--field-selector', 'reason=IsolationRepaired', '-o', 'name'])) !== '')).toBe(true);
  });
});

describe('changing an account\'s isolation', () => {
  const acct = `iso-${run}-later`;
  const existing = `iso-${run}-old`;

  beforeAll(async () => {
    await apply(account(acct, ''));
    await apply(space(existing, acct));
  });

  it('an account without isolation gives a space without labels, policy or conditions', async () => {
    expect(await psaLabels(existing)).toBe('-,-,-');
    expect(await policy(existing)).toBeUndefined();
    expect(await conditions(existing)).toBe('');
    const { annotations = {} } = await namespaceMeta(existing);
    expect(Object.keys(annotations).filter((a) => a.startsWith('kiosk.sh/'))).toEqual([]);
  });

  it('reaches an existing space when the account asks for it', async () => {
    await apply(account(acct, '  isolation: {podSecurity: baseline, network: Account}\n'));
    expect(await eventually(async () => (await psaLabels(existing)) === 'baseline,baseline,baseline')).toBe(true);
    expect(await eventually(async () => isDeepStrictEqual((await policy(existing))?.spec, expectedSpec(acct)))).toBe(true);
    expect(await eventually(async () => (await conditions(existing)) === 'PodSecurityEnforced=True,NetworkIsolated=True')).toBe(true);
  });

  it('takes the policy away when the account switches to None, and the labels when isolation goes', async () => {
    await apply(account(acct, '  isolation: {podSecurity: baseline, network: None}\n'));
    expect(await eventually(async () => (await policy(existing)) === undefined)).toBe(true);
    expect(await eventually(async () => (await conditions(existing)) === 'PodSecurityEnforced=True')).toBe(true);
    await apply(account(acct, ''));
    expect(await eventually(async () => (await psaLabels(existing)) === '-,-,-')).toBe(true);
    expect(await eventually(async () => (await conditions(existing)) === '')).toBe(true);
  });

  it('leaves alone pod-security labels an admin set himself', async () => {
    await kubectlOk(['label', 'namespace', existing, '--overwrite', 'pod-security.kubernetes.io/enforce=baseline']);
    await apply(account(acct, '  isolation: {network: Account}\n'));
    // The namespace patch that records the policy is the one that would have removed them.
    expect(await eventually(async () => (await conditions(existing)) === 'NetworkIsolated=True')).toBe(true);
    expect(await psaLabels(existing)).toBe('baseline,-,-');
  });

  it('refuses an invalid isolation with field causes', async () => {
    const r = await kubectl(['apply', '-f', '-'], { stdin: account(acct, `  isolation:
    allowFrom:
    - ipBlock: {cidr: 10.0.0.0/8}
      podSelector: {}
`) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('spec.isolation.allowFrom[0]: Forbidden: may not specify both ipBlock and another peer');
  });
});

describe('a space that moves between accounts', () => {
  const from = `iso-${run}-from`;
  const to = `iso-${run}-to`;
  const moving = `iso-${run}-moving`;

  it('gets the new account\'s isolation, and loses the old account\'s policy', async () => {
    await apply(account(from, '  isolation: {podSecurity: restricted, network: Account}\n'));
    await apply(account(to, '  isolation: {podSecurity: baseline}\n'));
    await apply(space(moving, from));
    expect(await policy(moving)).toBeDefined();
    await apply(space(moving, to));
    expect(await eventually(async () => (await psaLabels(moving)) === 'baseline,baseline,baseline')).toBe(true);
    expect(await eventually(async () => (await policy(moving)) === undefined)).toBe(true);
    expect(await eventually(async () => (await conditions(moving)) === 'PodSecurityEnforced=True')).toBe(true);
  });
});
