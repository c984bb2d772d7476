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
type Meta = { metadata: { name: string; uid: string; resourceVersion: string; creationTimestamp: string; labels: Record<string, string> } };
type SpaceList = { metadata: { resourceVersion: string }; items: Meta[] };
const spacesPath = '/apis/tenancy.kiosk.sh/v1alpha1/spaces';
const versions = (list: SpaceList) => list.items.map((s) => `${s.metadata.name}@${s.metadata.resourceVersion}`);
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
      const added = JSON.parse(await watch.waitFor(new RegExp(`"name":"${ns}"`), 1_000)) as { type: string; object: Meta };
      expect(Date.now() - granted).toBeLessThan(2_000);
      // The space as it is, under its own version (the Namespace's), never the grant's: one state, one version.
      const got = JSON.parse(await kubectlOk(['get', 'space', ns, '-o', 'json', '--as=rp-dev'])) as Meta;
      expect({ type: added.type, resourceVersion: added.object.metadata.resourceVersion }).toEqual({ type: 'ADDED', resourceVersion: got.metadata.resourceVersion });
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

describe('lists at an older resourceVersion', () => {
  it('answers resourceVersionMatch=Exact at a list\'s version of a few seconds ago with that list\'s items', async () => {
    const then = JSON.parse(await kubectlOk(['get', '--raw', spacesPath, '--as=rp-dev'])) as SpaceList;
    // Change what dev sees: a new space, and a change of one dev already had.
    const ns = `rp-exact-${run}`;
    await apply(namespace(ns, 'rp-dev-account') + '---\n' + adminBinding(ns, '[{kind: User, name: rp-dev, apiGroup: rbac.authorization.k8s.io}]'));
    await kubectlOk(['label', 'ns', 'rp-dev-space-2', `rp-exact=${run}`, '--overwrite']);
    expect(await eventually(async () => names(await kubectlOk(['get', 'spaces', '--as=rp-dev'])).includes(ns))).toBe(true);
    const now = JSON.parse(await kubectlOk(['get', '--raw', spacesPath, '--as=rp-dev'])) as SpaceList;
    expect(versions(now)).not.toEqual(versions(then));
    const exact = JSON.parse(await kubectlOk(['get', '--raw', `${spacesPath}?resourceVersion=${then.metadata.resourceVersion}&resourceVersionMatch=Exact`, '--as=rp-dev'])) as SpaceList;
    expect(exact.metadata.resourceVersion).toBe(then.metadata.resourceVersion);
    expect(versions(exact)).toEqual(versions(then));
  });
});

describe('moving a space between two accounts of the same user', () => {
  it('shows a watch of that user only MODIFIED events, never DELETED and ADDED', async () => {
    const [a, b] = [`rp-mv-a-${run}`, `rp-mv-b-${run}`];
    await apply([a, b].map((n) => account(n, '[{kind: User, name: rp-both, apiGroup: rbac.authorization.k8s.io}]')).join('---\n'));
    const n = `rp-mv-${run}`;
    await kubectlOk(['create', '-f', '-'], { stdin: `apiVersion: tenancy.kiosk.sh/v1alpha1
kind: Space
metadata: {name: ${n}, labels: {rp-move: ${run}}}
spec: {account: ${a}}
` });
    expect(await eventually(async () => (await kubectl(['get', 'spaces', '--as=rp-both', '-o', 'name'])).stdout.includes(n), 15_000)).toBe(true);
    const watch = new KubectlWatch(['get', 'spaces', '--as=rp-both', '-l', `rp-move=${run}`, '-w', '--output-watch-events', '-o', 'json']);
    const move = (to: string) => kubectlOk(['patch', 'space', n, '--type=merge', '-p', JSON.stringify({ spec: { account: to } })]);
    const bindingsIn = async () => (JSON.parse(await kubectlOk(['get', 'rolebindings', '-n', n, '-o', 'json'])) as { items: Meta[] })
      .items.map((i) => i.metadata.name).sort().join(',');
    try {
      await watch.waitFor(new RegExp(`"type":"ADDED".*"name":"${n}"`));
      await move(b);
      await move(a);
      // Settled: only a's binding left (the controllers of both accounts are done with the space).
      expect(await eventually(async () => (await bindingsIn()) === `kiosk-account-${a}`, 15_000)).toBe(true);
      // A last change of ours, after which nothing about the moves can still arrive in the stream.
      await kubectlOk(['patch', 'space', n, '--type=merge', '-p', JSON.stringify({ metadata: { labels: { 'rp-moved': run } } })]);
      await watch.waitFor(new RegExp(`"rp-moved":"${run}"`), 5_000);
      const events = watch.lines.filter((l) => l.startsWith('{')).map((e) => JSON.parse(e) as { type: string; object: Meta })
        .filter((e) => e.object.metadata.name === n).map((e) => e.type);
      expect(events[0]).toBe('ADDED');
      expect(events.slice(1).filter((t) => t !== 'MODIFIED')).toEqual([]);
      expect(events.length).toBeGreaterThanOrEqual(4);
    } finally {
      watch.stop();
    }
  }, 60_000);
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
    // Every version each Namespace had, from an admin's watch of namespaces: a Space event must carry one of
    // them (the state it shows, under its own version, as a GET of it then answered), never a grant's.
    const nsWatch = new KubectlWatch(['get', 'namespaces', '-w', '--output-watch-events', '-o', 'json']);
    const nsVersions = () => {
      const seen = new Set<string>();
      for (const l of nsWatch.lines) {
        if (!l.startsWith('{')) continue;
        const e = JSON.parse(l) as { object: Meta };
        seen.add(`${e.object.metadata.name}@${e.object.metadata.resourceVersion}`);
      }
      return seen;
    };
    const spaceEvents: string[] = [];
    for (const verb of ['add', 'update', 'delete'] as const) {
      informer.on(verb, (s) => { spaceEvents.push(`${String(s.metadata?.name)}@${String(s.metadata?.resourceVersion)}`); });
    }
    const foreignVersions = async () => {
      await eventually(async () => { const seen = nsVersions(); return Promise.resolve(spaceEvents.every((e) => seen.has(e))); }, 5_000);
      const seen = nsVersions();
      return spaceEvents.filter((e) => !seen.has(e));
    };
    await informer.start();
    type Listed = { metadata: { name: string; resourceVersion: string }; status: { phase?: string } };
    const show = (s: Listed) => `${s.metadata.name}/${String(s.status.phase)}@${s.metadata.resourceVersion}`;
    const freshList = async () => {
      const list = await api.listClusterCustomObject({ group: 'tenancy.kiosk.sh', version: 'v1alpha1', plural: 'spaces' }) as { items: Listed[] };
      return list.items.map(show).sort();
    };
    const cached = () => informer.list().map((s) => show(s as unknown as Listed)).sort();

    // A seeded generator keeps the sequence the same from run to run. (The LCG this replaced lost precision in
    // floating point and settled on one namespace and one operation: the run did next to nothing.)
    let seed = 42;
    const random = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 16) % n; };
    const pick = (from: string[]) => from[random(from.length)];
    const pool = Array.from({ length: 8 }, (_, i) => `rp-inf-${run}-${i}`);
    const existing = new Set<string>();
    const granted = new Set<string>();
    const ops = { create: 0, grant: 0, revoke: 0, relabel: 0, delete: 0 };
    try {
      for (let step = 0; step < 100; step++) {
        // Each operation on a namespace it applies to (none: the step does nothing).
        const roll = random(10);
        if (roll < 3) {
          const ns = pick(pool.filter((n) => !existing.has(n)));
          if (ns) {
            await kubectlOk(['create', 'ns', ns]);
            existing.add(ns);
            ops.create++;
          }
        } else if (roll < 6) {
          const ns = pick([...existing].filter((n) => !granted.has(n)));
          if (ns) {
            await kubectlOk(['create', 'rolebinding', 'rp-inf', '-n', ns, '--clusterrole=view', '--user=rp-informer']);
            granted.add(ns);
            ops.grant++;
          }
        } else if (roll < 8) {
          const ns = pick([...granted]);
          if (ns) {
            await kubectlOk(['delete', 'rolebinding', 'rp-inf', '-n', ns]);
            granted.delete(ns);
            ops.revoke++;
          }
        } else if (roll < 9) {
          // A change of the namespace itself: MODIFIED for whoever sees it, under the namespace's new version.
          const ns = pick([...existing]);
          if (ns) {
            await kubectlOk(['label', 'ns', ns, `rp-step=${step}`, '--overwrite']);
            ops.relabel++;
          }
        } else {
          const ns = pick([...existing]);
          if (ns) {
            await kubectlOk(['delete', 'ns', ns, '--wait=false']);
            existing.delete(ns);
            granted.delete(ns);
            ops.delete++;
            // The namespace stays (Terminating) until the namespace controller finishes; wait for it so
            // that it can be created again later in the run.
            await kubectlOk(['wait', '--for=delete', `ns/${ns}`, '--timeout=60s'], { timeoutMs: 70_000 });
          }
        }
        if (step % 10 === 9) {
          const settled = await eventually(async () => JSON.stringify(cached()) === JSON.stringify(await freshList()), 5_000);
          expect({ step, cached: cached(), settled }).toEqual({ step, cached: await freshList(), settled: true });
          expect({ step, foreign: await foreignVersions() }).toEqual({ step, foreign: [] });
        }
      }
      expect(errors).toEqual([]);
      // The run did what it claims: every kind of step, many times, and the informer saw their events.
      for (const [op, count] of Object.entries(ops)) expect({ op, many: count >= 5 }).toEqual({ op, many: true });
      expect(spaceEvents.length).toBeGreaterThan(30);
    } finally {
      await informer.stop();
      nsWatch.stop();
    }
  }, 300_000);
});
