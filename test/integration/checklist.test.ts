// Rows of the compliance checklist in shared/reference/aggregation-contract.md §9 for the read path,
// each checked as a user would see it (kubectl) or on the wire (requests through kube-apiserver).
import { readFile } from 'node:fs/promises';
import { kubectl, kubectlOk } from '../cluster/kubectl.js';
import { sandboxPaths } from '../cluster/paths.js';
import { SERVER_DNS_NAME } from '../cluster/sandbox.js';
import { grantSpacesReader } from '../support/rbac.js';
import { direct, eventually, frontProxyCredentials, viaApiserver } from '../support/sandbox-access.js';

const SPACES = '/apis/tenancy.kiosk.sh/v1alpha1/spaces';
const run = Date.now().toString(36);
const ns = `cl-${run}`;

beforeAll(async () => {
  await kubectlOk(['apply', '-f', '-'], {
    stdin: `apiVersion: v1
kind: Namespace
metadata: {name: ${ns}, labels: {account: a, tier: gold, cl-run: ${run}}}
---
apiVersion: v1
kind: Namespace
metadata: {name: ${ns}-b, labels: {account: b, cl-run: ${run}}}
`,
  });
  await grantSpacesReader('cl-spaces-reader', 'cl-nobody-sees');
  await kubectlOk(['apply', '-f', '-'], {
    stdin: `apiVersion: config.kiosk.sh/v1alpha1\nkind: Account\nmetadata: {name: cl-${run}}\nspec:\n  subjects: [{kind: User, name: cl-u, apiGroup: rbac.authorization.k8s.io}]\n`,
  });
});

describe('checklist rows 6-11: discovery and OpenAPI', () => {
  it('6: legacy discovery names the kind of every resource and its verbs', async () => {
    const doc = JSON.parse(await kubectlOk(['get', '--raw', '/apis/tenancy.kiosk.sh/v1alpha1'])) as {
      resources: Array<{ name: string; kind: string; namespaced: boolean; verbs: string[] }>;
    };
    expect(doc.resources.map((r) => [r.name, r.kind, r.namespaced, r.verbs]))
      .toEqual([
        ['spaces', 'Space', false, ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']],
        ['accounts', 'Account', false, ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']],
      ]);
  });

  it('9: the group-version is Current in the cluster\'s aggregated discovery', async () => {
    const res = await viaApiserver({ path: '/apis', headers: { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' } });
    const group = res.json<{ items: Array<{ metadata: { name: string }; versions: Array<{ version: string; freshness?: string; resources: unknown[] }> }> }>()
      .items.find((g) => g.metadata.name === 'tenancy.kiosk.sh');
    expect(group?.versions.map((v) => [v.version, v.freshness ?? 'Current', v.resources.length])).toEqual([['v1alpha1', 'Current', 2]]);
  });

  it('10: the OpenAPI v3 root lists only our group-version', async () => {
    // kube-apiserver's OpenAPI aggregation picks a (re)started backend up on its own schedule.
    const ourKeys = async () => Object.keys((JSON.parse(await kubectlOk(['get', '--raw', '/openapi/v3'])) as { paths: object }).paths).filter((k) => k.includes('tenancy.kiosk.sh'));
    expect(await eventually(async () => (await ourKeys()).length > 0, 90_000, 1_000)).toBe(true);
    expect(await ourKeys()).toEqual(['apis/tenancy.kiosk.sh/v1alpha1']);
    // Our own root carries nothing else: the aggregator merges every key of it into the cluster's root.
    const ours = await direct({ path: '/openapi/v3', headers: { 'X-Remote-User': 'system:aggregator' }, ...frontProxyCredentials() });
    expect(Object.keys(ours.json<{ paths: object }>().paths)).toEqual(['apis/tenancy.kiosk.sh/v1alpha1']);
  });

  it('11: kubectl explain spaces', async () => {
    expect(await eventually(async () => (await kubectl(['explain', 'spaces'])).code === 0, 90_000, 1_000)).toBe(true);
    const out = await kubectlOk(['explain', 'spaces']);
    expect(out).toMatch(/^GROUP:\s+tenancy\.kiosk\.sh$/m);
    expect(out).toMatch(/^KIND:\s+Space$/m);
    expect(out).toMatch(/^VERSION:\s+v1alpha1$/m);
    expect(await kubectlOk(['explain', 'space.spec.account'])).toMatch(/FIELD:\s+account/);
  });

  it('47: a wrong OpenAPI hash gets the document, never a redirect', async () => {
    const out = await kubectlOk(['get', '--raw', '/openapi/v3/apis/tenancy.kiosk.sh/v1alpha1?hash=bogus']);
    expect((JSON.parse(out) as { openapi: string }).openapi).toMatch(/^3\./);
  });
});

describe('checklist rows 12-18: tables, objects, paging, selectors', () => {
  it('12: table output, -o wide and --show-labels', async () => {
    expect((await kubectlOk(['get', 'spaces', ns])).split('\n')[0]).toMatch(/^NAME\s+ACCOUNT\s+STATUS\s+AGE$/);
    const labels = await kubectlOk(['get', 'spaces', ns, '--show-labels']);
    expect(labels).toMatch(new RegExp(`^${ns}\\s+Active\\s+\\S+\\s+account=a,cl-run=${run},kubernetes.io/metadata.name=${ns},tier=gold$`, 'm'));
    expect((await kubectlOk(['get', 'accounts', '-o', 'wide'])).split('\n')[0]).toMatch(/^NAME\s+SPACES\s+LIMIT\s+AGE\s+SUBJECTS\s+CLUSTER ROLE$/);
  });

  it('13: the Table wire format', async () => {
    const res = await viaApiserver({ path: SPACES, headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } });
    const table = res.json<{ kind: string; columnDefinitions: Array<{ name: string }>; rows: Array<{ object: { kind: string; apiVersion: string } }> }>();
    expect(res.headers['content-type']).toBe('application/json');
    expect(table.kind).toBe('Table');
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Account', 'Status', 'Age']);
    expect(table.rows[0]!.object).toMatchObject({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1' });
  });

  it('14: an empty list prints No resources found', async () => {
    const r = await kubectl(['get', 'spaces', '--as=cl-nobody-sees']);
    expect([r.code, r.stdout, r.stderr.trim()]).toEqual([0, '', 'No resources found']);
  });

  it('15: a missing object is NotFound', async () => {
    const r = await kubectl(['get', 'space', 'nope']);
    expect(r.stderr.trim()).toBe('Error from server (NotFound): spaces.tenancy.kiosk.sh "nope" not found');
  });

  it('16: object shape', async () => {
    const space = JSON.parse(await kubectlOk(['get', 'space', ns, '-o', 'json'])) as { metadata: Record<string, string> };
    expect(space).toMatchObject({ apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'Space' });
    expect(space.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(space.metadata.resourceVersion).toMatch(/^\d+$/);
    expect(space.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('17: paging with --chunk-size=1 prints every row once', async () => {
    const r = await kubectl(['get', 'spaces', '--chunk-size=1', '-v=6']);
    const rows = r.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/)[0]);
    expect(new Set(rows).size).toBe(rows.length);
    expect(rows).toEqual([...rows].sort());
    expect(rows).toEqual(expect.arrayContaining([ns, `${ns}-b`, 'default', 'kube-system']));
    expect(r.stderr).toMatch(/verb="GET" url="https:\/\/\S+\/apis\/tenancy\.kiosk\.sh\/v1alpha1\/spaces\?continue=\S+&limit=1" status="200 OK"/);
  });

  it('18: label and field selectors, and the upstream error for an unknown field', async () => {
    expect(await kubectlOk(['get', 'spaces', '-l', `account in (a),cl-run=${run}`, '-o', 'name'])).toBe(`space.tenancy.kiosk.sh/${ns}\n`);
    expect(await kubectlOk(['get', 'spaces', '--field-selector', `metadata.name=${ns}-b`, '-o', 'name'])).toBe(`space.tenancy.kiosk.sh/${ns}-b\n`);
    const bad = await kubectl(['get', 'spaces', '--field-selector', 'spec.foo=1']);
    // kubectl 1.36 wraps the server's message (as it does for built-in resources) with the selectors it sent.
    expect(bad.stderr.trim()).toBe('Error from server (BadRequest): Unable to find "tenancy.kiosk.sh/v1alpha1, Resource=spaces" that match label selector "", '
      + 'field selector "spec.foo=1": "spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"');
  });
});

describe('checklist rows 19-24: watch and content negotiation', () => {
  it('20: a watch from a resourceVersion older than the history gets an Expired ERROR event', async () => {
    const out = await kubectlOk(['get', '--raw', `${SPACES}?watch=true&resourceVersion=1&timeoutSeconds=5`]);
    const event = JSON.parse(out.trim().split('\n')[0]!) as unknown;
    expect(event).toMatchObject({ type: 'ERROR', object: { kind: 'Status', reason: 'Expired', code: 410 } });
  });

  it('21: watch-list sends the initial ADDED events, then the initial-events-end bookmark', async () => {
    const out = await kubectlOk(['get', '--raw',
      `${SPACES}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=2`]);
    const events = out.trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: { metadata: { name?: string; annotations?: Record<string, string> } } });
    const bookmark = events.findIndex((e) => e.type === 'BOOKMARK' && e.object.metadata.annotations?.['k8s.io/initial-events-end'] === 'true');
    expect(bookmark).toBeGreaterThan(0);
    expect(events.slice(0, bookmark).every((e) => e.type === 'ADDED')).toBe(true);
    expect(events.slice(0, bookmark).map((e) => e.object.metadata.name)).toEqual(expect.arrayContaining([ns, 'default']));
  });

  it('21: sendInitialEvents without resourceVersionMatch is the upstream 422', async () => {
    const r = await kubectl(['get', '--raw', `${SPACES}?watch=true&sendInitialEvents=true`]);
    expect(r.stderr).toContain('resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan');
  });

  it('22: a metadata watch gets PartialObjectMetadata events', async () => {
    const res = await viaApiserver({ path: `${SPACES}?watch=true&timeoutSeconds=1`, headers: { Accept: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1' } });
    const kinds = res.body.trim().split('\n').map((l) => (JSON.parse(l) as { object: { kind: string } }).object.kind);
    expect(kinds.length).toBeGreaterThan(0);
    expect(new Set(kinds)).toEqual(new Set(['PartialObjectMetadata']));
  });

  it('22: kube-controller-manager logs no errors about tenancy.kiosk.sh', async () => {
    const log = await readFile(`${sandboxPaths().logs}/kube-controller-manager.log`, 'utf8');
    // The garbage collector's and quota monitors' list/watch of our resources must never fail. (While our
    // server restarts, as the test harness and the resilience suite make it, discovery is briefly stale;
    // that is logged as "stale GroupVersion discovery" and is not a list or watch failure.)
    const lines = log.split('\n').filter((l) => l.includes('tenancy.kiosk.sh') && !l.includes('stale GroupVersion discovery')
      && /unable to decode|failed to list|failed to watch|couldn't|error/i.test(l));
    expect(lines).toEqual([]);
  });

  it('23: PartialObjectMetadataList', async () => {
    const res = await viaApiserver({ path: SPACES, headers: { Accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1' } });
    expect(res.json()).toMatchObject({ kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1' });
  });

  it('24: 406 for an Accept it cannot honour', async () => {
    const res = await viaApiserver({ path: SPACES, headers: { Accept: 'application/json;as=Foo;v=v1;g=meta.k8s.io' } });
    expect(res.status).toBe(406);
    expect(res.json()).toMatchObject({ kind: 'Status', reason: 'NotAcceptable', code: 406 });
  });
});

describe('checklist rows 37, 44, 45, 48: denials, audit id, limits, connections', () => {
  it('37: kube-apiserver denies a user without RBAC for spaces', async () => {
    const r = await kubectl(['get', 'spaces', '--as=nobody']);
    expect(r.stderr.trim()).toBe('Error from server (Forbidden): spaces.tenancy.kiosk.sh is forbidden: User "nobody" cannot list resource "spaces" in API group "tenancy.kiosk.sh" at the cluster scope');
  });

  it('44: the Audit-ID kube-apiserver gives a request appears in our request log', async () => {
    const res = await viaApiserver({ path: `${SPACES}/${ns}` });
    const auditId = res.headers['audit-id'] as string;
    expect(auditId).toMatch(/^[0-9a-f-]{36}$/);
    const found = await eventually(async () => (await readFile(`${sandboxPaths().logs}/kiosk-apiserver.log`, 'utf8')).includes(`"auditID":"${auditId}"`), 3_000);
    expect(found).toBe(true);
  });

  it('44: a request sent straight to the server gets a request id of its own, echoed and logged', async () => {
    const res = await direct({ path: '/readyz' });
    const auditId = res.headers['audit-id'] as string;
    expect(auditId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const found = await eventually(async () => (await readFile(`${sandboxPaths().logs}/kiosk-apiserver.log`, 'utf8')).includes(`"auditID":"${auditId}"`), 3_000);
    expect(found).toBe(true);
  });

  it('45: a 4 MiB body is 413 RequestEntityTooLarge', async () => {
    const res = await viaApiserver({ method: 'POST', path: SPACES, headers: { 'Content-Type': 'application/json' }, body: 'x'.repeat(4 * 1024 * 1024) });
    expect(res.status).toBe(413);
    expect(res.json()).toMatchObject({ kind: 'Status', reason: 'RequestEntityTooLarge', code: 413 });
  });

  it('48: a user in 800 groups gets through (no 431)', async () => {
    const groups = Array.from({ length: 800 }, (_, i) => `--as-group=group-${String(i).padStart(4, '0')}-abcdefghijklmnop`);
    const r = await kubectl(['get', 'spaces', '--as=dev-many-groups', ...groups, '--as-group=system:masters']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(ns);
  });

  it('48: keep-alive outlives Node\'s 5 s default, so the aggregator never reuses a closed connection', async () => {
    const { Agent, request } = await import('node:https');
    const { readFileSync } = await import('node:fs');
    const { pki, sandboxState } = await import('../support/sandbox-access.js');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const sockets: unknown[] = [];
    const once = () => new Promise<number>((resolve, reject) => {
      const r = request({
        host: '127.0.0.1', port: sandboxState().ports.server, path: '/readyz', agent, ca: readFileSync(pki().extensionCaCert),
        headers: { 'X-Remote-User': 'keep-alive-probe' },
        servername: SERVER_DNS_NAME, ...frontProxyCredentials(),
      }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      r.on('socket', (s) => sockets.push(s));
      r.on('error', reject);
      r.end();
    });
    expect(await once()).toBe(200);
    await new Promise((r) => setTimeout(r, 6_000));
    expect(await once()).toBe(200);
    expect(sockets[0]).toBe(sockets[1]);
    agent.destroy();
  }, 20_000);

  it('46: health endpoints answer anonymously', async () => {
    expect((await direct({ path: '/readyz' })).body).toBe('ok');
  });
});
