// Rows 25-42 of the compliance checklist (shared/reference/aggregation-contract.md §9), bad input, and
// moving a space between accounts.
import { kubectl, kubectlOk } from '../cluster/kubectl.js';
import { FileSet } from '../support/files.js';
import { KubectlWatch } from '../support/kubectl-watch.js';
import { eventually, viaApiserver } from '../support/sandbox-access.js';

const run = Date.now().toString(36);
const files = new FileSet();
const SPACES = '/apis/tenancy.kiosk.sh/v1alpha1/spaces';
const acct = `wc-${run}`;
const space = (name: string, extra = '') => `apiVersion: tenancy.kiosk.sh/v1alpha1
kind: Space
metadata:
  name: ${name}${extra}
spec:
  account: ${acct}
`;

beforeAll(async () => {
  await kubectlOk(['apply', '-f', '-'], {
    stdin: `apiVersion: config.kiosk.sh/v1alpha1
kind: Account
metadata: {name: ${acct}}
spec:
  subjects: [{kind: User, name: wc-user-${run}, apiGroup: rbac.authorization.k8s.io}]
`,
  });
});

describe('checklist rows 25-31: create, apply', () => {
  const name = `wc-x-${run}`;

  it('25, 26: create, then AlreadyExists', async () => {
    const file = files.write('space.yaml', space(name));
    expect(await kubectlOk(['create', '-f', file])).toBe(`space.tenancy.kiosk.sh/${name} created\n`);
    const again = await kubectl(['create', '-f', file]);
    expect(again.stderr.trim()).toBe(`Error from server (AlreadyExists): error when creating "${file}": spaces.tenancy.kiosk.sh "${name}" already exists`);
  });

  it('27: generateName', async () => {
    const file = files.write('gen.yaml', space('', '').replace(/ {2}name: \n/, `  generateName: wc-t-${run}-\n`));
    expect(await kubectlOk(['create', '-f', file])).toMatch(new RegExp(`^space\\.tenancy\\.kiosk\\.sh/wc-t-${run}-[bcdfghjklmnpqrstvwxz2456789]{5} created\\n$`));
  });

  it('28: server dry run persists nothing', async () => {
    const file = files.write('y.yaml', space(`wc-y-${run}`));
    expect(await kubectlOk(['create', '-f', file, '--dry-run=server'])).toBe(`space.tenancy.kiosk.sh/wc-y-${run} created (server dry run)\n`);
    expect((await kubectl(['get', 'space', `wc-y-${run}`])).stderr.trim()).toBe(`Error from server (NotFound): spaces.tenancy.kiosk.sh "wc-y-${run}" not found`);
    expect((await kubectl(['get', 'ns', `wc-y-${run}`])).code).toBe(1);
  });

  it('29: strict field validation, and Warn', async () => {
    const file = files.write('bogus.yaml', space(`wc-b-${run}`).replace('spec:\n', 'spec:\n  bogus: 1\n'));
    const strict = await kubectl(['create', '-f', file]);
    expect(strict.stderr.trim()).toBe(`Error from server (BadRequest): error when creating "${file}": Space in version "v1alpha1" cannot be handled as a Space: strict decoding error: unknown field "spec.bogus"`);
    const warn = await kubectl(['create', '-f', file, '--validate=warn']);
    expect(warn.code).toBe(0);
    expect(warn.stderr).toContain('Warning: unknown field "spec.bogus"');
    expect(warn.stdout).toBe(`space.tenancy.kiosk.sh/wc-b-${run} created\n`);
  });

  it('30: an invalid name is 422 Invalid with the field', async () => {
    const file = files.write('badname.yaml', space('X'));
    const r = await kubectl(['create', '-f', file]);
    expect(r.stderr.trim()).toBe('The Space "X" is invalid: metadata.name: Invalid value: "X": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character (e.g. \'my-name\',  or \'123-abc\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?\')');
  });

  it('31: client-side apply created, unchanged, configured, with the annotation kept', async () => {
    const n = `wc-a-${run}`;
    const file = files.write('apply.yaml', space(n));
    expect(await kubectlOk(['apply', '-f', file])).toBe(`space.tenancy.kiosk.sh/${n} created\n`);
    expect(await kubectlOk(['apply', '-f', file])).toBe(`space.tenancy.kiosk.sh/${n} unchanged\n`);
    files.write('apply.yaml', space(n).replace(`name: ${n}`, `name: ${n}\n  labels: {team: blue}`));
    expect(await kubectlOk(['apply', '-f', file])).toBe(`space.tenancy.kiosk.sh/${n} configured\n`);
    const annotation = await kubectlOk(['get', 'space', n, '-o', 'jsonpath={.metadata.annotations.kubectl\\.kubernetes\\.io/last-applied-configuration}']);
    expect(JSON.parse(annotation)).toMatchObject({ kind: 'Space', metadata: { name: n, labels: { team: 'blue' } } });
  });
});

describe('checklist rows 32-36: server-side apply, patches, edits, conflicts', () => {
  const n = `wc-p-${run}`;
  beforeAll(() => kubectlOk(['create', '-f', files.write('p.yaml', space(n))]));

  it('32: server-side apply works as for any object (gitops.test.ts has the rest)', async () => {
    expect(await kubectlOk(['apply', '--server-side', '-f', `${files.dir}/p.yaml`])).toBe(`space.tenancy.kiosk.sh/${n} serverside-applied\n`);
  });

  it('33: merge and JSON patch, and a patch with no change', async () => {
    expect(await kubectlOk(['patch', 'space', n, '--type=merge', '-p', '{"metadata":{"labels":{"a":"b"}}}'])).toBe(`space.tenancy.kiosk.sh/${n} patched\n`);
    expect(await kubectlOk(['patch', 'space', n, '--type=json', '-p', '[{"op":"add","path":"/metadata/labels/c","value":"d"}]'])).toBe(`space.tenancy.kiosk.sh/${n} patched\n`);
    const rv = await kubectlOk(['get', 'space', n, '-o', 'jsonpath={.metadata.resourceVersion}']);
    expect(await kubectlOk(['patch', 'space', n, '--type=merge', '-p', '{"metadata":{"labels":{"a":"b"}}}'])).toBe(`space.tenancy.kiosk.sh/${n} patched (no change)\n`);
    expect(await kubectlOk(['get', 'space', n, '-o', 'jsonpath={.metadata.resourceVersion}'])).toBe(rv);
    expect(JSON.parse(await kubectlOk(['get', 'ns', n, '-o', 'jsonpath={.metadata.labels}']))).toMatchObject({ a: 'b', c: 'd', 'kiosk.sh/account': acct });
  });

  it('34: strategic merge patch is 415, as for custom resources (the same words as for a config.kiosk.sh Account)', async () => {
    const r = await kubectl(['patch', 'space', n, '-p', '{"metadata":{"labels":{"e":"f"}}}']);
    expect(r.stderr.trim()).toBe('error: application/strategic-merge-patch+json is not supported by tenancy.kiosk.sh/v1alpha1, Kind=Space: the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml');
  });

  it('35: label, annotate and edit', async () => {
    expect(await kubectlOk(['label', 'space', n, 'k=v'])).toBe(`space.tenancy.kiosk.sh/${n} labeled\n`);
    expect(await kubectlOk(['annotate', 'space', n, 'k=v'])).toBe(`space.tenancy.kiosk.sh/${n} annotated\n`);
    const edit = await kubectlOk(['edit', 'space', n], { env: { KUBE_EDITOR: 'sed -i s/k:\\ v/k:\\ w/' } });
    expect(edit).toBe(`space.tenancy.kiosk.sh/${n} edited\n`);
    expect(await kubectlOk(['get', 'space', n, '-o', 'jsonpath={.metadata.labels.k}'])).toBe('w');
  });

  it('36: replacing a stale copy is a Conflict', async () => {
    const old = files.write('old.yaml', await kubectlOk(['get', 'space', n, '-o', 'yaml']));
    await kubectlOk(['label', 'space', n, 'z=1']);
    const r = await kubectl(['replace', '-f', old]);
    expect(r.stderr.trim()).toBe(`Error from server (Conflict): error when replacing "${old}": Operation cannot be fulfilled on spaces.tenancy.kiosk.sh "${n}": the object has been modified; please apply your changes to the latest version and try again`);
  });
});

describe('checklist rows 38-42: denials, delete, preconditions, collection, garbage collection', () => {
  it('38: the server\'s own policy denial in the upstream format', async () => {
    await kubectlOk(['create', 'clusterrolebinding', `wc-edit-${run}`, '--clusterrole=kiosk-edit', `--user=outsider-${run}`]);
    const file = files.write('denied.yaml', space(`wc-d-${run}`));
    const r = await kubectl(['create', '-f', file, `--as=outsider-${run}`]);
    expect(r.stderr.trim()).toBe(`Error from server (Forbidden): error when creating "${file}": space.tenancy.kiosk.sh "wc-d-${run}" is forbidden: User "outsider-${run}" cannot create resource "spaces" in API group "tenancy.kiosk.sh" at the cluster scope`);
  });

  it('39, 40: delete returns promptly, then NotFound; a uid precondition that does not match is 409', async () => {
    const n = `wc-del-${run}`;
    await kubectlOk(['create', '-f', files.write('del.yaml', space(n))]);
    const mismatch = await viaApiserver({
      method: 'DELETE', path: `${SPACES}/${n}`, headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: '00000000-0000-0000-0000-000000000000' } }),
    });
    expect(mismatch.status).toBe(409);
    expect(mismatch.json()).toMatchObject({ reason: 'Conflict' });
    const started = Date.now();
    expect(await kubectlOk(['delete', 'space', n, '--wait=false'])).toBe(`space.tenancy.kiosk.sh "${n}" deleted\n`);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await kubectlOk(['get', 'ns', n, '-o', 'jsonpath={.status.phase}']).catch(() => 'gone')).toMatch(/Terminating|gone/);
    await kubectlOk(['wait', '--for=delete', `ns/${n}`, '--timeout=60s'], { timeoutMs: 70_000 });
    expect((await kubectl(['delete', 'space', n])).stderr.trim()).toBe(`Error from server (NotFound): spaces.tenancy.kiosk.sh "${n}" not found`);
  }, 90_000);

  it('41: delete of the collection is 405', async () => {
    const res = await viaApiserver({ method: 'DELETE', path: SPACES });
    expect(res.status).toBe(405);
    expect(res.json()).toMatchObject({ kind: 'Status', reason: 'MethodNotAllowed', code: 405, message: 'deletecollection is not supported on resources of kind "spaces.tenancy.kiosk.sh"' });
  });

  it('42: the garbage collector removes a space whose owner is deleted', async () => {
    const owner = `wc-owner-${run}`;
    await kubectlOk(['create', 'clusterrole', owner, '--verb=get', '--resource=pods']);
    const uid = await kubectlOk(['get', 'clusterrole', owner, '-o', 'jsonpath={.metadata.uid}']);
    const n = `wc-owned-${run}`;
    await kubectlOk(['create', '-f', files.write('owned.yaml', space(n, `\n  ownerReferences: [{apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, name: ${owner}, uid: ${uid}}]`))]);
    await kubectlOk(['delete', 'clusterrole', owner]);
    expect(await eventually(async () => (await kubectl(['get', 'space', n])).stderr.includes('not found'), 90_000, 1_000)).toBe(true);
  }, 120_000);
});

describe('bad input gets a 4xx Status with a clear message, never a 5xx', () => {
  const post = (body: string, contentType = 'application/json') => viaApiserver({ method: 'POST', path: `${SPACES}?fieldValidation=Strict`, headers: { 'Content-Type': contentType }, body });
  it.each([
    ['malformed JSON', '{"apiVersion": "tenancy.kiosk.sh/v1alpha1", "kind": "Space", "metadata": {', 400],
    ['the wrong kind', JSON.stringify({ apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'Account', metadata: { name: 'bad' } }), 422],
    ['no kind', JSON.stringify({ apiVersion: 'tenancy.kiosk.sh/v1alpha1', metadata: { name: 'bad' } }), 400],
    ['the wrong apiVersion', JSON.stringify({ apiVersion: 'tenancy.kiosk.sh/v1', kind: 'Space', metadata: { name: 'bad' } }), 400],
    ['an unknown field (strict)', JSON.stringify({ apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'Space', metadata: { name: 'bad' }, spec: { account: acct, nope: 1 } }), 400],
    ['an invalid name', JSON.stringify({ apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'Space', metadata: { name: 'Not_Valid' }, spec: { account: acct } }), 422],
    ['no name at all', JSON.stringify({ apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'Space', metadata: {}, spec: { account: acct } }), 422],
    ['a nonexistent account', JSON.stringify({ apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'Space', metadata: { name: `wc-na-${run}` }, spec: { account: 'no-such-account' } }), 422],
    ['a 4 MiB body', JSON.stringify({ apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'Space', metadata: { name: 'big', annotations: { a: 'x'.repeat(4 << 20) } } }), 413],
    ['a resourceVersion on create', JSON.stringify({ apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'Space', metadata: { name: 'rv', resourceVersion: '5' }, spec: { account: acct } }), 400],
  ])('%s', async (_what, body, code) => {
    const res = await post(body);
    const status = res.json<{ kind: string; code: number; message: string; reason: string }>();
    expect([res.status, status.kind, status.code]).toEqual([code, 'Status', code]);
    expect(status.message.length).toBeGreaterThan(10);
  });

  it('a missing account, for a user who may not create namespaces', async () => {
    await kubectlOk(['create', 'clusterrolebinding', `wc-noacct-${run}`, '--clusterrole=kiosk-edit', `--user=wc-user-${run}`]);
    const r = await kubectl(['create', '-f', files.write('noacct.yaml', 'apiVersion: tenancy.kiosk.sh/v1alpha1\nkind: Space\nmetadata:\n  name: wc-noacct\nspec: {}\n'), `--as=wc-user-${run}`]);
    expect(r.stderr.trim()).toBe('The Space "wc-noacct" is invalid: spec.account: Required value: the account the space belongs to (only users who may create namespaces can omit it)');
  });

  it('a YAML body with the wrong content type is 415', async () => {
    const res = await post('kind: Space', 'text/plain');
    expect(res.status).toBe(415);
    expect(res.json()).toMatchObject({ reason: 'UnsupportedMediaType' });
  });
});

describe('moving a space between accounts', () => {
  it('takes access from the old account\'s users (watch DELETED) and gives it to the new one\'s', async () => {
    const from = `wc-from-${run}`;
    const to = `wc-to-${run}`;
    await kubectlOk(['apply', '-f', '-'], {
      stdin: [from, to].map((a) => `apiVersion: config.kiosk.sh/v1alpha1
kind: Account
metadata: {name: ${a}}
spec:
  subjects: [{kind: User, name: ${a}-user, apiGroup: rbac.authorization.k8s.io}]
`).join('---\n'),
    });
    const n = `wc-move-${run}`;
    await kubectlOk(['create', '-f', files.write('move.yaml', space(n).replace(`account: ${acct}`, `account: ${from}`))]);
    expect(await eventually(async () => (await kubectl(['get', 'spaces', `--as=${from}-user`, '-o', 'name'])).stdout.includes(n))).toBe(true);
    const watch = new KubectlWatch(['get', 'spaces', `--as=${from}-user`, '-w', '--output-watch-events', '-o', 'json']);
    try {
      await watch.waitFor(new RegExp(`"type":"ADDED".*"name":"${n}"`));
      expect(await kubectlOk(['patch', 'space', n, '--type=merge', '-p', JSON.stringify({ spec: { account: to } })])).toBe(`space.tenancy.kiosk.sh/${n} patched\n`);
      await watch.waitFor(new RegExp(`"type":"DELETED".*"name":"${n}"`), 5_000);
    } finally {
      watch.stop();
    }
    expect(await eventually(async () => (await kubectl(['get', 'spaces', `--as=${to}-user`, '-o', 'name'])).stdout.includes(n))).toBe(true);
    expect((await kubectl(['get', 'space', n, `--as=${from}-user`])).stderr).toContain('not found');
    const rb = JSON.parse(await kubectlOk(['get', 'rolebindings', '-n', n, '-o', 'json'])) as { items: Array<{ metadata: { name: string } }> };
    expect(rb.items.map((i) => i.metadata.name)).toEqual([`kiosk-account-${to}`]);
  }, 60_000);
});
