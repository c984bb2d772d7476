// Events for failures a tenant or admin must see: a TemplateInstance that cannot be deployed (a Warning in
// the space, visible to its tenant, whose repeats count up one Event's series), a deployed one (Normal),
// and an Account whose space ClusterRole the server may not bind (a Warning on the Account in `default`,
// and on the space's Namespace in that namespace).
import { kubectl, kubectlOk } from '../cluster/kubectl.js';
import { eventually } from '../support/sandbox-access.js';

const run = Date.now().toString(36);
const apply = (yaml: string) => kubectlOk(['apply', '-f', '-'], { stdin: yaml });

/** core/v1 Event, as `kubectl get events -o json` shows one. */
interface CoreEvent {
  type: string;
  reason: string;
  message: string;
  action: string;
  reportingComponent: string;
  reportingInstance: string;
  involvedObject: { apiVersion: string; kind: string; name: string; namespace?: string; uid?: string };
  series?: { count: number; lastObservedTime: string };
  metadata: { name: string; namespace: string };
}

/** events.k8s.io/v1 Event, as the server writes it. */
interface EventV1 {
  type: string;
  reason: string;
  note: string;
  regarding: { apiVersion: string; kind: string; name: string; namespace?: string; uid?: string };
  series?: { count: number };
  metadata: { name: string };
}

async function coreEvents(namespace: string, fieldSelector: string, as?: string): Promise<CoreEvent[]> {
  const args = ['get', 'events', '-n', namespace, '--field-selector', fieldSelector, '-o', 'json', ...(as ? [`--as=${as}`] : [])];
  return (JSON.parse(await kubectlOk(args)) as { items: CoreEvent[] }).items;
}

async function eventsV1(namespace: string, fieldSelector: string): Promise<EventV1[]> {
  return (JSON.parse(await kubectlOk(['get', 'events.v1.events.k8s.io', '-n', namespace, '--field-selector', fieldSelector, '-o', 'json'])) as { items: EventV1[] }).items;
}

const uidOf = async (args: string[]) => kubectlOk(['get', ...args, '-o', 'jsonpath={.metadata.uid}']);

describe('a TemplateInstance that cannot be deployed', () => {
  const acct = `ev-${run}`;
  const tenant = `ev-tenant-${run}`;
  const space = `ev-${run}-space`;
  const message = 'no matches for kind "NoSuchKind" in version "v1"';

  beforeAll(async () => {
    await apply(`apiVersion: config.kiosk.sh/v1alpha1
kind: Template
metadata: {name: ${acct}-broken}
resources:
  manifests:
  - {apiVersion: v1, kind: NoSuchKind, metadata: {name: broken}}
---
apiVersion: config.kiosk.sh/v1alpha1
kind: Template
metadata: {name: ${acct}-fine}
resources:
  manifests:
  - {apiVersion: v1, kind: ConfigMap, metadata: {name: fine}, data: {a: b}}
---
apiVersion: config.kiosk.sh/v1alpha1
kind: Account
metadata: {name: ${acct}}
spec:
  subjects: [{kind: User, name: ${tenant}, apiGroup: rbac.authorization.k8s.io}]
`);
    await apply(`apiVersion: tenancy.kiosk.sh/v1alpha1\nkind: Space\nmetadata: {name: ${space}}\nspec: {account: ${acct}}\n`);
    // The tenant administers the space once the account's RoleBinding is there.
    expect(await eventually(async () => (await kubectl(['auth', 'can-i', 'list', 'events', '-n', space, `--as=${tenant}`])).stdout.trim() === 'yes', 20_000)).toBe(true);
    await apply(`apiVersion: config.kiosk.sh/v1alpha1
kind: TemplateInstance
metadata: {name: broken, namespace: ${space}}
spec: {template: ${acct}-broken}
`);
  });

  afterAll(async () => {
    await kubectl(['delete', 'ns', space, '--wait=false', '--ignore-not-found']);
    await kubectl(['delete', 'account.config.kiosk.sh', acct, 'template', `${acct}-broken`, `${acct}-fine`, '--wait=false', '--ignore-not-found']);
  });

  it('is a Warning in the space the tenant sees, with the reason and the message of its status', async () => {
    const ti = await uidOf(['templateinstance', 'broken', '-n', space]);
    expect(await eventually(async () => (await coreEvents(space, 'involvedObject.name=broken', tenant)).length > 0, 30_000, 250)).toBe(true);
    const [event, ...more] = await coreEvents(space, 'involvedObject.name=broken', tenant);
    expect(more).toEqual([]);
    expect(event).toMatchObject({
      type: 'Warning', reason: 'DeployFailed', message, action: 'Deploying', reportingComponent: 'kiosk.sh/kiosk',
      involvedObject: { apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'TemplateInstance', name: 'broken', namespace: space, uid: ti },
    });
    expect(event!.reportingInstance).toMatch(/^\S+_\d+$/);
    expect(event!.metadata.name).toMatch(/^broken\.[0-9a-f]+$/);
    // The same message as the instance's status.
    expect(await kubectlOk(['get', 'templateinstance', 'broken', '-n', space, '-o', 'jsonpath={.status.reason}: {.status.message}'])).toBe(`FindObjectMapping: ${message}`);
    // As the tenant reads it.
    const table = await kubectlOk(['get', 'events', '-n', space, `--as=${tenant}`]);
    expect(table).toMatch(new RegExp(`^\\S+\\s+Warning\\s+DeployFailed\\s+templateinstance/broken\\s+${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  }, 60_000);

  it('repeats as series.count on that one Event, not as new Events', async () => {
    // The controller retries with backoff (0.5s, 1s, 2s, ...): three attempts within a few seconds.
    expect(await eventually(async () => ((await eventsV1(space, 'regarding.name=broken'))[0]?.series?.count ?? 0) >= 3, 30_000, 250)).toBe(true);
    const events = await eventsV1(space, 'regarding.name=broken');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'Warning', reason: 'DeployFailed', note: message, regarding: { kind: 'TemplateInstance', name: 'broken' } });
    const first = events[0]!.series!.count;
    expect(await eventually(async () => ((await eventsV1(space, 'regarding.name=broken'))[0]?.series?.count ?? 0) > first, 30_000, 500)).toBe(true);
    expect(await eventsV1(space, 'regarding.name=broken')).toHaveLength(1);
  }, 90_000);

  it('a deployed instance gets one Normal Deployed', async () => {
    await apply(`apiVersion: config.kiosk.sh/v1alpha1
kind: TemplateInstance
metadata: {name: fine, namespace: ${space}}
spec: {template: ${acct}-fine}
`);
    expect(await eventually(async () => (await coreEvents(space, 'involvedObject.name=fine', tenant)).length > 0, 30_000, 250)).toBe(true);
    // A later resync (a label change re-queues the instance) is no new transition.
    await kubectlOk(['label', 'templateinstance', 'fine', '-n', space, 'touched=yes']);
    await new Promise((r) => setTimeout(r, 1_500));
    const events = await coreEvents(space, 'involvedObject.name=fine', tenant);
    expect(events.map((e) => [e.type, e.reason, e.message, e.series?.count])).toEqual([['Normal', 'Deployed', `Deployed 1 object(s) of template '${acct}-fine'`, undefined]]);
  }, 60_000);
});

describe('an Account whose space ClusterRole the server may not bind', () => {
  const acct = `ev-rbac-${run}`;
  const space = `ev-rbac-${run}-space`;
  const account = (clusterRole: string) => `apiVersion: config.kiosk.sh/v1alpha1
kind: Account
metadata: {name: ${acct}}
spec:
  space: {clusterRole: ${clusterRole}}
  subjects: [{kind: User, name: ev-rbac-user-${run}, apiGroup: rbac.authorization.k8s.io}]
`;

  beforeAll(async () => {
    await apply(account('edit'));
    await apply(`apiVersion: tenancy.kiosk.sh/v1alpha1\nkind: Space\nmetadata: {name: ${space}}\nspec: {account: ${acct}}\n`);
    // An admin then names a role the server holds no `bind` on (manifests/server-rbac.yaml): it cannot make the binding.
    await apply(account('cluster-admin'));
  });

  afterAll(async () => {
    await kubectl(['delete', 'ns', space, '--wait=false', '--ignore-not-found']);
    await kubectl(['delete', 'account.config.kiosk.sh', acct, '--wait=false', '--ignore-not-found']);
  });

  it('is a Warning on the Account in default', async () => {
    const uid = await uidOf(['account.config.kiosk.sh', acct]);
    const selector = `involvedObject.kind=Account,involvedObject.name=${acct}`;
    expect(await eventually(async () => (await coreEvents('default', selector)).length > 0, 30_000, 250)).toBe(true);
    const [event, ...more] = await coreEvents('default', selector);
    expect(more).toEqual([]);
    expect(event).toMatchObject({
      type: 'Warning', reason: 'RBACSyncFailed', reportingComponent: 'kiosk.sh/kiosk',
      involvedObject: { apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'Account', name: acct, uid },
    });
    expect(event!.involvedObject.namespace).toBeUndefined();
    expect(event!.message).toMatch(new RegExp(`^RoleBinding kiosk-account-${acct} failed in 1 space\\(s\\) \\(${space}\\); ${space}: `
      + `Binding the subjects of account ${acct} to ClusterRole cluster-admin failed: rolebindings.rbac.authorization.k8s.io "kiosk-account-${acct}" is forbidden: `));
    // Retried with backoff: the repeats count up on the same Event.
    expect(await eventually(async () => ((await eventsV1('default', `regarding.name=${acct}`))[0]?.series?.count ?? 0) >= 2, 30_000, 250)).toBe(true);
    expect(await eventsV1('default', `regarding.name=${acct}`)).toHaveLength(1);
  }, 60_000);

  it('is a Warning on the space\'s Namespace, in that namespace', async () => {
    const uid = await uidOf(['ns', space]);
    const selector = 'involvedObject.kind=Namespace';
    expect(await eventually(async () => (await coreEvents(space, selector)).length > 0, 30_000, 250)).toBe(true);
    const [event, ...more] = await coreEvents(space, selector);
    expect(more).toEqual([]);
    expect(event).toMatchObject({
      type: 'Warning', reason: 'RoleBindingFailed', action: 'Binding',
      involvedObject: { apiVersion: 'v1', kind: 'Namespace', name: space, namespace: space, uid },
    });
    expect(event!.message).toMatch(new RegExp(`^Binding the subjects of account ${acct} to ClusterRole cluster-admin failed: .*attempting to grant RBAC permissions not currently held`));
  }, 60_000);
});
