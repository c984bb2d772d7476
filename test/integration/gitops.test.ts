// GitOps tools manage Spaces and Accounts as they manage everything else: server-side apply with field
// ownership (managedFields), conflicts naming the manager and the field, --force-conflicts, server dry runs
// that write nothing; Flux's way (kustomize-controller: dry-run pre-flight, forced apply, drift corrected,
// prune by deletion) and Argo CD's (argocd-controller: server-side diff by dry run, a second manager in
// conflict), as a tenant on Spaces and as an admin on Accounts; and the same apply on a tenancy Account as on
// the config.kiosk.sh CRD it is stored as.
import { kubectl, kubectlOk } from '../cluster/kubectl.js';
import { FileSet } from '../support/files.js';
import { viaApiserver } from '../support/sandbox-access.js';
import type { DirectResponse } from '../support/sandbox-access.js';

const run = Date.now().toString(36);
const files = new FileSet();
const SPACES = '/apis/tenancy.kiosk.sh/v1alpha1/spaces';
const ACCOUNTS = '/apis/tenancy.kiosk.sh/v1alpha1/accounts';
const CONFIG_ACCOUNTS = '/apis/config.kiosk.sh/v1alpha1/accounts';
const tenant = `go-dev-${run}`;
const acct = `go-${run}`;
const other = `go-other-${run}`;
const APPLY = { 'Content-Type': 'application/apply-patch+yaml' };

interface ManagedFieldsEntry {
  manager: string;
  operation: string;
  apiVersion: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  time?: string;
}

interface Obj {
  kind?: string;
  metadata: { name: string; labels?: Record<string, string>; resourceVersion?: string; managedFields?: ManagedFieldsEntry[] };
  spec?: Record<string, unknown>;
}

/** `labels: {...}` when there are any (an empty map is a field of its own to server-side apply). */
const labelsLine = (labels: Record<string, string>) => (Object.keys(labels).length > 0 ? `\n  labels: ${JSON.stringify(labels)}` : '');

const spaceYaml = (name: string, labels: Record<string, string>, account = acct) => `apiVersion: tenancy.kiosk.sh/v1alpha1
kind: Space
metadata:
  name: ${name}${labelsLine(labels)}
spec:
  account: ${account}
`;

const accountYaml = (name: string, group: 'tenancy' | 'config', limit: number, labels: Record<string, string> = {}) => `apiVersion: ${group}.kiosk.sh/v1alpha1
kind: Account
metadata:
  name: ${name}${labelsLine(labels)}
spec:
  space: {limit: ${String(limit)}}
  subjects: [{kind: User, name: ${tenant}, apiGroup: rbac.authorization.k8s.io}]
`;

/** A server-side apply as a GitOps controller sends it: PATCH, apply-patch+yaml, its fieldManager, force. */
function apply(path: string, yaml: string, manager: string, options: { as?: string; force?: boolean; dryRun?: boolean } = {}): Promise<DirectResponse> {
  const query = new URLSearchParams({ fieldManager: manager, ...(options.force ? { force: 'true' } : {}), ...(options.dryRun ? { dryRun: 'All' } : {}) });
  return viaApiserver({ method: 'PATCH', path: `${path}?${query.toString()}`, headers: APPLY, body: yaml, ...(options.as ? { as: options.as } : {}) });
}

const get = async (path: string, as?: string): Promise<Obj> => {
  const r = await viaApiserver({ path, ...(as ? { as } : {}) });
  expect({ path, status: r.status }).toEqual({ path, status: 200 });
  return r.json<Obj>();
};

/** Who owns what: each manager's operation and field set, without times (they differ run to run). */
const ownership = (o: Obj) => (o.metadata.managedFields ?? []).map(({ manager, operation, apiVersion, fieldsV1 }) => ({ manager, operation, apiVersion, fieldsV1 }));
/** A Space's labels but the one kube-apiserver puts on every namespace. */
const ownLabels = (o: Obj) => {
  const { 'kubernetes.io/metadata.name': _name, ...labels } = o.metadata.labels ?? {};
  return labels;
};
const managers = (o: Obj) => (o.metadata.managedFields ?? []).map((m) => `${m.manager}/${m.operation}`).sort();
const ownerOf = (o: Obj, has: (fields: Record<string, unknown>) => boolean) =>
  (o.metadata.managedFields ?? []).filter((m) => m.fieldsV1 && has(m.fieldsV1)).map((m) => `${m.manager}/${m.operation}`).sort();
const labelOwner = (label: string) => (f: Record<string, unknown>) =>
  Object.prototype.hasOwnProperty.call((f['f:metadata'] as Record<string, Record<string, unknown>> | undefined)?.['f:labels'] ?? {}, `f:${label}`);

beforeAll(async () => {
  // The walkthrough's rights: kiosk-edit lets the tenant (and a stranger) create, update and patch spaces. A Space
  // update also needs `update` on its namespace, which no tenant role gives, and a delete `delete` (which
  // kiosk-space-admin gives): here, for this file's spaces by name.
  await kubectlOk(['apply', '-f', '-'], {
    stdin: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ${tenant}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kiosk-edit}
subjects:
- {kind: User, name: ${tenant}, apiGroup: rbac.authorization.k8s.io}
- {kind: User, name: ${tenant}-stranger, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: ${tenant}-namespaces}
rules:
- apiGroups: [""]
  resources: [namespaces]
  verbs: [update, patch, delete]
  resourceNames: [${['k', 'f', 'a', 'u'].map((x) => `go-${x}-${run}`).join(', ')}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ${tenant}-namespaces}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ${tenant}-namespaces}
subjects: [{kind: User, name: ${tenant}, apiGroup: rbac.authorization.k8s.io}]
`,
  });
  await kubectlOk(['apply', '-f', '-'], { stdin: accountYaml(acct, 'config', 20) });
  await kubectlOk(['apply', '-f', '-'], { stdin: accountYaml(other, 'config', 20).replace(tenant, `${tenant}-not`) });
});

afterAll(async () => {
  await kubectl(['delete', 'clusterrolebinding', tenant, `${tenant}-namespaces`, '--ignore-not-found']);
  await kubectl(['delete', 'clusterrole', `${tenant}-namespaces`, '--ignore-not-found']);
});

describe('kubectl apply --server-side on a Space, as a tenant', () => {
  const name = `go-k-${run}`;

  it('applies twice with a changed label: serverside-applied both times, the label changed, the manager owns it', async () => {
    const file = files.write('space.yaml', spaceYaml(name, { team: 'blue' }));
    expect(await kubectlOk(['apply', '--server-side', '-f', file, `--as=${tenant}`])).toBe(`space.tenancy.kiosk.sh/${name} serverside-applied\n`);
    files.write('space.yaml', spaceYaml(name, { team: 'green' }));
    expect(await kubectlOk(['apply', '--server-side', '-f', file, `--as=${tenant}`])).toBe(`space.tenancy.kiosk.sh/${name} serverside-applied\n`);
    const space = JSON.parse(await kubectlOk(['get', 'space', name, '-o', 'json', '--show-managed-fields', `--as=${tenant}`])) as Obj;
    expect(ownLabels(space)).toEqual({ team: 'green' });
    expect(space.spec).toEqual({ account: acct, finalizers: ['kubernetes'] });
    const applied = space.metadata.managedFields?.find((m) => m.manager === 'kubectl' && m.operation === 'Apply');
    expect(applied).toMatchObject({ apiVersion: 'tenancy.kiosk.sh/v1alpha1', fieldsType: 'FieldsV1' });
    // The account label is the Space's spec.account: that is the field the applier owns.
    expect(applied?.fieldsV1).toEqual({ 'f:metadata': { 'f:labels': { 'f:team': {} } }, 'f:spec': { 'f:account': {} } });
    // Without --show-managed-fields kubectl hides them, as for any object.
    expect(await kubectlOk(['get', 'space', name, '-o', 'yaml', `--as=${tenant}`])).not.toContain('managedFields');
    // A list and a watch carry them too.
    const list = (await viaApiserver({ path: `${SPACES}?fieldSelector=metadata.name=${name}`, as: tenant })).json<{ items: Obj[] }>();
    expect(list.items.map((o) => ownership(o))).toEqual([ownership(space)]);
    const watch = await viaApiserver({ path: `${SPACES}?watch=true&timeoutSeconds=1&fieldSelector=metadata.name=${name}`, as: tenant });
    const events = watch.body.trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: Obj });
    expect(events.map((e) => [e.type, ownership(e.object)])).toEqual([['ADDED', ownership(space)]]);
  });

  it('a second manager changing the same field is a 409 naming the owner and the field; --force-conflicts takes it over', async () => {
    const file = files.write('space-other.yaml', spaceYaml(name, { team: 'red' }));
    const conflict = await kubectl(['apply', '--server-side', '--field-manager=platform', '-f', file, `--as=${tenant}`]);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain('Apply failed with 1 conflict: conflict with "kubectl": .metadata.labels.team');
    expect(ownLabels(await get(`${SPACES}/${name}`, tenant))).toEqual({ team: 'green' });

    const forced = await kubectlOk(['apply', '--server-side', '--force-conflicts', '--field-manager=platform', '-f', file, `--as=${tenant}`]);
    expect(forced).toBe(`space.tenancy.kiosk.sh/${name} serverside-applied\n`);
    const space = await get(`${SPACES}/${name}`, tenant);
    expect(ownLabels(space)).toEqual({ team: 'red' });
    expect(ownerOf(space, labelOwner('team'))).toEqual(['platform/Apply']);
  });

  it('a conflict on spec.account names the Space\'s field, not the label it is stored as', async () => {
    const r = await apply(`${SPACES}/${name}`, spaceYaml(name, {}, other), 'mover', { as: tenant });
    expect(r.status).toBe(409);
    const status = r.json<{ details: { causes: Array<{ message: string }> } }>();
    expect(status).toMatchObject({
      kind: 'Status', reason: 'Conflict', code: 409,
      // Both appliers sent spec.account before: both own it. kube-apiserver sorts the message by manager, not the causes.
      message: 'Apply failed with 2 conflicts: conflicts with "kubectl":\n- .spec.account\nconflicts with "platform":\n- .spec.account',
    });
    expect(status.details.causes.toSorted((a, b) => a.message.localeCompare(b.message))).toEqual([
      { reason: 'FieldManagerConflict', message: 'conflict with "kubectl"', field: '.spec.account' },
      { reason: 'FieldManagerConflict', message: 'conflict with "platform"', field: '.spec.account' },
    ]);
  });

  it('--dry-run=server writes nothing', async () => {
    const before = await get(`${SPACES}/${name}`, tenant);
    const file = files.write('space-dry.yaml', spaceYaml(name, { team: 'dry' }));
    expect(await kubectlOk(['apply', '--server-side', '--force-conflicts', '--dry-run=server', '-f', file, `--as=${tenant}`]))
      .toBe(`space.tenancy.kiosk.sh/${name} serverside-applied (server dry run)\n`);
    const after = await get(`${SPACES}/${name}`, tenant);
    expect(ownLabels(after)).toEqual({ team: 'red' });
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    // A new space in a dry run: nothing is created.
    const fresh = files.write('space-new-dry.yaml', spaceYaml(`${name}-dry`, {}));
    expect(await kubectlOk(['apply', '--server-side', '--dry-run=server', '-f', fresh, `--as=${tenant}`])).toBe(`space.tenancy.kiosk.sh/${name}-dry serverside-applied (server dry run)\n`);
    expect((await kubectl(['get', 'namespace', `${name}-dry`])).code).toBe(1);
  });

  it('checks the tenant\'s permissions as for a create and an update', async () => {
    // Not a subject of the other account: no space there (as a create).
    const elsewhere = await apply(`${SPACES}/${name}-x`, spaceYaml(`${name}-x`, {}, other), 'kubectl', { as: tenant });
    expect(elsewhere.status).toBe(403);
    expect((await kubectl(['get', 'namespace', `${name}-x`])).code).toBe(1);
    // A stranger cannot apply to the tenant's space: it is not there for them (as an update).
    const stranger = await apply(`${SPACES}/${name}`, spaceYaml(name, { team: 'evil' }), 'kubectl', { as: `${tenant}-stranger`, force: true });
    expect([stranger.status, stranger.json<{ message: string }>().message]).toEqual([404, `spaces.tenancy.kiosk.sh "${name}" not found`]);
    // Nor to a namespace that exists outside every account.
    const hidden = await apply('/apis/tenancy.kiosk.sh/v1alpha1/spaces/kube-system', spaceYaml('kube-system', {}), 'kubectl', { as: tenant, force: true });
    expect(hidden.status).toBe(404);
    expect(await kubectlOk(['get', 'namespace', 'kube-system', '-o', 'jsonpath={.metadata.labels.kiosk\\.sh/account}'])).toBe('');
  });
});

describe('Flux-style (kustomize-controller: pre-flight dry run, forced apply, drift, prune)', () => {
  const manager = 'kustomize-controller';

  it('on a Space, as the tenant', async () => {
    const name = `go-f-${run}`;
    const path = `${SPACES}/${name}`;
    const desired = spaceYaml(name, { app: 'web', tier: 'front' });
    const preflight = await apply(path, desired, manager, { as: tenant, force: true, dryRun: true });
    expect(preflight.status).toBe(201);
    expect((await viaApiserver({ path, as: tenant })).status).toBe(404);

    const created = await apply(path, desired, manager, { as: tenant, force: true });
    expect(created.status).toBe(201);
    expect(ownerOf(created.json<Obj>(), labelOwner('app'))).toEqual([`${manager}/Apply`]);

    // Drift: someone labels it by hand; Flux's next apply puts its value back and owns the field again.
    await kubectlOk(['label', 'space', name, 'app=hand', '--overwrite', `--as=${tenant}`]);
    expect(ownLabels(await get(path, tenant)).app).toBe('hand');
    const corrected = await apply(path, desired, manager, { as: tenant, force: true });
    expect(corrected.status).toBe(200);
    const after = corrected.json<Obj>();
    expect(ownLabels(after)).toEqual({ app: 'web', tier: 'front' });
    expect(ownerOf(after, labelOwner('app'))).toEqual([`${manager}/Apply`]);

    // A label removed from Git is removed from the space (the applier owned it alone).
    const fewer = await apply(path, spaceYaml(name, { app: 'web' }), manager, { as: tenant, force: true });
    expect(ownLabels(fewer.json<Obj>())).toEqual({ app: 'web' });

    // Prune: the object left Git, Flux deletes it.
    const deleted = await viaApiserver({ method: 'DELETE', path, as: tenant });
    expect(deleted.status).toBe(200);
    expect(await kubectlOk(['get', 'namespace', name, '-o', 'jsonpath={.status.phase}'])).toBe('Terminating');
  });

  it('on an Account, as the admin', async () => {
    const name = `go-fa-${run}`;
    const path = `${ACCOUNTS}/${name}`;
    const desired = accountYaml(name, 'tenancy', 3, { owner: 'team-a' });
    expect((await apply(path, desired, manager, { force: true, dryRun: true })).status).toBe(201);
    expect((await viaApiserver({ path: `${CONFIG_ACCOUNTS}/${name}` })).status).toBe(404);
    expect((await apply(path, desired, manager, { force: true })).status).toBe(201);

    await kubectlOk(['patch', 'accounts.tenancy.kiosk.sh', name, '--type=merge', '-p', '{"spec":{"space":{"limit":9}}}']);
    expect((await get(path)).spec).toMatchObject({ space: { limit: 9 } });
    const corrected = await apply(path, desired, manager, { force: true });
    expect(corrected.status).toBe(200);
    expect(corrected.json<Obj>().spec).toMatchObject({ space: { limit: 3 } });
    expect(ownerOf(corrected.json<Obj>(), (f) => JSON.stringify(f).includes('"f:limit"'))).toEqual([`${manager}/Apply`]);

    expect((await viaApiserver({ method: 'DELETE', path })).status).toBe(200);
    expect((await viaApiserver({ path: `${CONFIG_ACCOUNTS}/${name}` })).status).toBe(404);
  });
});

describe('Argo-style (argocd-controller: server-side diff by dry run, a second manager in conflict)', () => {
  const manager = 'argocd-controller';

  /** Argo CD's server-side diff: the live object against what a dry-run apply of the desired one would make. */
  async function inSync(path: string, yaml: string, as?: string): Promise<boolean> {
    const predicted = await apply(path, yaml, manager, { ...(as ? { as } : {}), force: true, dryRun: true });
    expect(predicted.status).toBe(200);
    const live = await get(path, as);
    const strip = (o: Obj) => ({ labels: o.metadata.labels, spec: o.spec, owners: ownership(o).map((m) => ({ ...m })) });
    return JSON.stringify(strip(predicted.json<Obj>())) === JSON.stringify(strip(live));
  }

  it('on a Space, as the tenant', async () => {
    const name = `go-a-${run}`;
    const path = `${SPACES}/${name}`;
    const desired = spaceYaml(name, { app: 'api' });
    expect((await apply(path, desired, manager, { as: tenant, force: true })).status).toBe(201);
    expect(await inSync(path, desired, tenant)).toBe(true);
    const hand = await apply(path, spaceYaml(name, { app: 'by-hand' }), 'kubectl', { as: tenant });
    expect(hand.status).toBe(409);
    expect(hand.json<{ message: string }>().message).toBe(`Apply failed with 1 conflict: conflict with "${manager}": .metadata.labels.app`);
    await kubectlOk(['label', 'space', name, 'app=by-hand', '--overwrite', `--as=${tenant}`]);
    expect(await inSync(path, desired, tenant)).toBe(false);
    expect((await apply(path, desired, manager, { as: tenant, force: true })).status).toBe(200);
    expect(await inSync(path, desired, tenant)).toBe(true);
  });

  it('on an Account, as the admin', async () => {
    const name = `go-aa-${run}`;
    const path = `${ACCOUNTS}/${name}`;
    const desired = accountYaml(name, 'tenancy', 2);
    expect((await apply(path, desired, manager, { force: true })).status).toBe(201);
    expect(await inSync(path, desired)).toBe(true);
    const rival = await apply(path, accountYaml(name, 'tenancy', 7), 'helm');
    expect(rival.status).toBe(409);
    expect(rival.json()).toMatchObject({ message: `Apply failed with 1 conflict: conflict with "${manager}": .spec.space.limit`, reason: 'Conflict' });
    expect((await apply(path, accountYaml(name, 'tenancy', 7), 'helm', { force: true })).status).toBe(200);
    expect(await inSync(path, desired)).toBe(false);
  });
});

describe('the same apply on a tenancy Account as on the config.kiosk.sh CRD', () => {
  it('gives the same ownership and the same conflicts, in the version the client used', async () => {
    const results: Array<{ owners: unknown; conflict: unknown }> = [];
    for (const [group, base] of [['config', CONFIG_ACCOUNTS], ['tenancy', ACCOUNTS]] as const) {
      const name = `go-same-${group}-${run}`;
      const yaml = (limit: number, labels: Record<string, string>) => accountYaml(name, group, limit, labels);
      expect((await apply(`${base}/${name}`, yaml(1, { a: '1', b: '2' }), 'first')).status).toBe(201);
      const conflict = await apply(`${base}/${name}`, yaml(5, { a: '1' }), 'second');
      expect((await apply(`${base}/${name}`, yaml(5, { a: '1' }), 'second', { force: true })).status).toBe(200);
      expect((await apply(`${base}/${name}`, yaml(1, { b: '3' }), 'first', { force: true })).status).toBe(200);
      const final = await get(`${base}/${name}`);
      results.push({
        owners: ownership(final).map((m) => ({ ...m, apiVersion: m.apiVersion.replace(`${group}.kiosk.sh`, 'GROUP') })),
        conflict: { status: conflict.status, body: conflict.json<{ message: string; details: unknown }>() },
      });
      await kubectlOk(['delete', 'accounts.config.kiosk.sh', name, '--wait=false']);
    }
    expect(results[1]).toEqual(results[0]);
  });
});

describe('write conflicts between apply and the other verbs', () => {
  it('an update through our API records the client\'s manager, so an apply conflicts with it by name', async () => {
    const name = `go-u-${run}`;
    const path = `${SPACES}/${name}`;
    expect((await apply(path, spaceYaml(name, { env: 'prod' }), 'gitops', { as: tenant })).status).toBe(201);
    await kubectlOk(['label', 'space', name, 'env=dev', '--overwrite', `--as=${tenant}`]);
    const space = await get(path, tenant);
    expect(ownerOf(space, labelOwner('env'))).toEqual(['kubectl-label/Update']);
    const r = await apply(path, spaceYaml(name, { env: 'prod' }), 'gitops', { as: tenant });
    expect(r.status).toBe(409);
    expect(r.json<{ message: string }>().message).toBe('Apply failed with 1 conflict: conflict with "kubectl-label" using tenancy.kiosk.sh/v1alpha1: .metadata.labels.env');
    expect(managers(space)).toContain('gitops/Apply');
  });
});
