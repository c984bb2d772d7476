import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CustomObjectsApi, KubeConfig, makeInformer } from '@kubernetes/client-node';
import type { KubernetesObject } from '@kubernetes/client-node';
import { kubeconfigYaml } from '../cluster/control-plane.js';
import { kubectl, kubectlOk } from '../cluster/kubectl.js';
import { sandboxPaths } from '../cluster/paths.js';
import { createLeaf } from '../cluster/pki.js';
import { KubectlWatch } from '../support/kubectl-watch.js';
import { grantSpacesReader } from '../support/rbac.js';
import { eventually, pki, sandboxState } from '../support/sandbox-access.js';

// Names unique to this run, so the suite can run again on a sandbox that is reused.
const run = Date.now().toString(36);
const apply = (yaml: string) => kubectlOk(['apply', '-f', '-'], { stdin: yaml });
const names = (out: string): string[] => out.trim().split('\n').filter(Boolean).map((l) => l.split(/\s+/)[0] ?? '').filter((n) => n !== 'NAME');

const account = (name: string, subjects: string) => `apiVersion: config.kiosk.sh/v1alpha1
kind: Account
metadata: {name: ${name}}
spec:
  subjects: ${subjects}
`;
const namespace = (name: string, acct: string) => `apiVersion: v1
kind: Namespace
metadata: {name: ${name}, labels: {kiosk.sh/account: ${acct}}}
`;
const adminBinding = (ns: string, subjects: string) => `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: tenant-admin, namespace: ${ns}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin}
subjects: ${subjects}
`;

beforeAll(async () => {
  await apply([
    account('rp-dev-account', '[{kind: User, name: rp-dev, apiGroup: rbac.authorization.k8s.io}]'),
    account('rp-dba-account', '[{kind: User, name: rp-dba, apiGroup: rbac.authorization.k8s.io}]'),
    account('rp-team-account', '[{kind: Group, name: rp-team, apiGroup: rbac.authorization.k8s.io}]'),
    account('rp-robot-account', '[{kind: ServiceAccount, name: robot, namespace: rp-ci}]'),
    namespace('rp-dev-space', 'rp-dev-account'), namespace('rp-dev-space-2', 'rp-dev-account'),
    namespace('rp-dba-space', 'rp-dba-account'), namespace('rp-team-space', 'rp-team-account'),
    namespace('rp-robot-space', 'rp-robot-account'),
  ].join('---\n'));
  await apply([
    adminBinding('rp-dev-space', '[{kind: User, name: rp-dev, apiGroup: rbac.authorization.k8s.io}]'),
    adminBinding('rp-dev-space-2', '[{kind: User, name: rp-dev, apiGroup: rbac.authorization.k8s.io}]'),
    adminBinding('rp-dba-space', '[{kind: User, name: rp-dba, apiGroup: rbac.authorization.k8s.io}]'),
    adminBinding('rp-team-space', '[{kind: Group, name: rp-team, apiGroup: rbac.authorization.k8s.io}]'),
    adminBinding('rp-robot-space', '[{kind: ServiceAccount, name: robot, namespace: rp-ci}]'),
  ].join('---\n'));
  // The account controller grants each account's subjects the tenancy read roles.
  expect(await eventually(async () => (await kubectl(['get', 'spaces', '--as=rp-dev'])).code === 0, 15_000)).toBe(true);
});

describe('spaces and accounts, per requesting user', () => {
  it('shows dev only dev\'s spaces, and the admin all of them', async () => {
    expect(names(await kubectlOk(['get', 'spaces', '--as=rp-dev'])).filter((n) => !n.startsWith('rp-watch'))).toEqual(['rp-dev-space', 'rp-dev-space-2']);
    const all = names(await kubectlOk(['get', 'spaces']));
    expect(all).toEqual(expect.arrayContaining(['default', 'kube-system', 'rp-dba-space', 'rp-dev-space', 'rp-team-space']));
  });

  it('prints NAME ACCOUNT STATUS AGE with the account taken from the label', async () => {
    const out = await kubectlOk(['get', 'spaces', '--as=rp-dev']);
    expect(out.split('\n')[0]).toMatch(/^NAME\s+ACCOUNT\s+STATUS\s+AGE$/);
    expect(out).toMatch(/^rp-dev-space\s+rp-dev-account\s+Active\s+\d+[smhd]\S*$/m);
  });

  it('shows dev only dev\'s accounts', async () => {
    expect(names(await kubectlOk(['get', 'accounts', '--as=rp-dev']))).toEqual(['rp-dev-account']);
    const out = await kubectlOk(['get', 'accounts', '--as=rp-dev']);
    expect(out.split('\n')[0]).toMatch(/^NAME\s+SPACES\s+LIMIT\s+AGE$/);
    expect(await eventually(async () => /^rp-dev-account\s+[2-9]\d*\s/m.test(await kubectlOk(['get', 'accounts', '--as=rp-dev'])))).toBe(true);
  });

  it('works for a user who gets access only through a group', async () => {
    expect(names(await kubectlOk(['get', 'spaces', '--as=someone-in-team', '--as-group=rp-team']))).toEqual(['rp-team-space']);
    expect(names(await kubectlOk(['get', 'accounts', '--as=someone-in-team', '--as-group=rp-team']))).toEqual(['rp-team-account']);
  });

  it('works for a ServiceAccount subject', async () => {
    const sa = '--as=system:serviceaccount:rp-ci:robot';
    expect(names(await kubectlOk(['get', 'spaces', sa]))).toEqual(['rp-robot-space']);
    expect(names(await kubectlOk(['get', 'accounts', sa]))).toEqual(['rp-robot-account']);
  });

  it('answers NotFound, never Forbidden, for someone else\'s space and account', async () => {
    const space = await kubectl(['get', 'space', 'rp-dba-space', '--as=rp-dev']);
    expect(space.code).toBe(1);
    expect(space.stderr.trim()).toBe('Error from server (NotFound): spaces.tenancy.kiosk.sh "rp-dba-space" not found');
    const acct = await kubectl(['get', 'account', 'rp-dba-account', '--as=rp-dev']);
    expect(acct.stderr.trim()).toMatch(/^Error from server \((NotFound|Forbidden)\)/);
  });

  it('returns a Space shaped like its namespace', async () => {
    type Meta = { metadata: { uid: string; resourceVersion: string; creationTimestamp: string; labels: Record<string, string> } };
    const space = JSON.parse(await kubectlOk(['get', 'space', 'rp-dev-space', '-o', 'json', '--as=rp-dev'])) as Meta;
    const ns = JSON.parse(await kubectlOk(['get', 'ns', 'rp-dev-space', '-o', 'json'])) as Meta;
    expect(space).toMatchObject({ apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'Space', spec: { account: 'rp-dev-account' }, status: { phase: 'Active' } });
    expect(space.metadata.uid).toBe(ns.metadata.uid);
    expect(space.metadata.resourceVersion).toBe(ns.metadata.resourceVersion);
    expect(space.metadata.creationTimestamp).toBe(ns.metadata.creationTimestamp);
    expect(space.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'rp-dev-space' });
  });
});

describe('watching spaces as permissions change', () => {
  it('adds a row within a second of a grant, and sends DELETED when the grant is removed', async () => {
    const ns = `rp-watch-grant-${run}`;
    await kubectlOk(['create', 'ns', ns]);
    const watch = new KubectlWatch(['get', 'spaces', '--as=rp-dev', '-w', '--output-watch-events', '-o', 'json']);
    try {
      await watch.waitFor(/"name":"rp-dev-space-2"/);
      const granted = Date.now();
      await kubectlOk(['create', 'rolebinding', 'rp-watch', '-n', ns, '--clusterrole=view', '--user=rp-dev']);
      await watch.waitFor(new RegExp(`"name":"${ns}"`), 1_000);
      expect(Date.now() - granted).toBeLessThan(2_000);
      await kubectlOk(['delete', 'rolebinding', 'rp-watch', '-n', ns]);
      await watch.waitFor(/"type":"DELETED"/, 2_000);
      // With --output-watch-events -o json, kubectl prints one event per line.
      const events = watch.lines.filter((l) => l.startsWith('{')).map((e) => JSON.parse(e) as { type: string; object: { metadata: { name: string } } });
      const forNs = events.filter((e) => e.object.metadata.name === ns).map((e) => e.type);
      expect(forNs).toEqual(['ADDED', 'DELETED']);
    } finally {
      watch.stop();
    }
  });

  it('prints a table row for a new space in a table watch', async () => {
    const watch = new KubectlWatch(['get', 'spaces', '--as=rp-dev', '-w']);
    try {
      await watch.waitFor(/^rp-dev-space-2\s/);
      const ns = `rp-watch-new-${run}`;
      await apply(namespace(ns, 'rp-dev-account') + '---\n' + adminBinding(ns, '[{kind: User, name: rp-dev, apiGroup: rbac.authorization.k8s.io}]'));
      const row = await watch.waitFor(new RegExp(`^${ns}\\s`), 2_000);
      expect(row).toMatch(new RegExp(`^${ns}\\s+rp-dev-account\\s+Active\\s+\\d+s$`));
      expect(watch.lines.filter((l) => l.startsWith('NAME')).length).toBe(1);
    } finally {
      watch.stop();
    }
  });
});

describe('an informer from @kubernetes/client-node as dev', () => {
  it('stays equal to a fresh list through 100 random grants, revokes, creations and deletions', async () => {
    const paths = sandboxPaths();
    if (!existsSync(join(paths.pki, 'rp-informer.crt'))) await createLeaf(paths.pki, 'rp-informer', '/CN=rp-informer', 'ca', 'clientAuth');
    const kc = new KubeConfig();
    kc.loadFromString(kubeconfigYaml(`https://127.0.0.1:${sandboxState().ports.apiserver}`, pki().caCert,
      { certFile: join(paths.pki, 'rp-informer.crt'), keyFile: join(paths.pki, 'rp-informer.key') }));
    await grantSpacesReader('rp-informer-spaces', 'rp-informer');
    const api = kc.makeApiClient(CustomObjectsApi);
    const informer = makeInformer<KubernetesObject>(kc, '/apis/tenancy.kiosk.sh/v1alpha1/spaces',
      () => api.listClusterCustomObject({ group: 'tenancy.kiosk.sh', version: 'v1alpha1', plural: 'spaces' }));
    const errors: unknown[] = [];
    informer.on('error', (err) => errors.push(err));
    await informer.start();
    const freshList = async () => {
      const list = await api.listClusterCustomObject({ group: 'tenancy.kiosk.sh', version: 'v1alpha1', plural: 'spaces' }) as { items: Array<{ metadata: { name: string }; status: { phase?: string } }> };
      return list.items.map((s) => `${s.metadata.name}/${String(s.status.phase)}`).sort();
    };
    const cached = () => informer.list().map((s) => `${String(s.metadata!.name)}/${String((s as unknown as { status: { phase?: string } }).status.phase)}`).sort();

    // A seeded generator keeps the sequence the same from run to run.
    let seed = 42;
    const random = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
    const pool = Array.from({ length: 8 }, (_, i) => `rp-inf-${run}-${i}`);
    const existing = new Set<string>();
    const granted = new Set<string>();
    try {
      for (let step = 0; step < 100; step++) {
        const ns = pool[random(pool.length)]!;
        const op = random(4);
        if (op === 0 && !existing.has(ns)) {
          await kubectlOk(['create', 'ns', ns]);
          existing.add(ns);
        } else if (op === 1 && existing.has(ns) && !granted.has(ns)) {
          await kubectlOk(['create', 'rolebinding', 'rp-inf', '-n', ns, '--clusterrole=view', '--user=rp-informer']);
          granted.add(ns);
        } else if (op === 2 && granted.has(ns)) {
          await kubectlOk(['delete', 'rolebinding', 'rp-inf', '-n', ns]);
          granted.delete(ns);
        } else if (op === 3 && existing.has(ns)) {
          await kubectlOk(['delete', 'ns', ns, '--wait=false']);
          existing.delete(ns);
          granted.delete(ns);
          // The namespace stays (Terminating) until the namespace controller finishes; wait for it so
          // that it can be created again later in the run.
          await kubectlOk(['wait', '--for=delete', `ns/${ns}`, '--timeout=60s'], { timeoutMs: 70_000 });
        }
        if (step % 10 === 9) {
          const settled = await eventually(async () => JSON.stringify(cached()) === JSON.stringify(await freshList()), 5_000);
          expect({ step, cached: cached(), settled }).toEqual({ step, cached: await freshList(), settled: true });
        }
      }
      expect(errors).toEqual([]);
    } finally {
      await informer.stop();
    }
  });
});
