// Crash-consistent space creation: the server is SIGKILLed at random points of concurrent Space creates
// in an account with a mandatory template, then restarted. Every namespace labelled with the account must
// end either removed or complete (its TemplateInstance Deployed, the template's LimitRange there, the
// tenant's RoleBinding, no creating mark), the space limit must hold, and watches started before the
// creates must never show the tenant's RoleBinding before the template's objects.
// The kill points come from a seeded random: set CRASH_SEED to replay a failure (the seed is printed).
import { kubectlOk } from '../cluster/kubectl.js';
import { restartServer } from '../cluster/sandbox.js';
import { KubectlWatch } from '../support/kubectl-watch.js';
import type { DirectResponse } from '../support/sandbox-access.js';
import { direct, eventually, frontProxyCredentials, sandboxState } from '../support/sandbox-access.js';

const run = Date.now().toString(36);
const SEED = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const TEMPLATE = `crash-${run}`;
const USER = `crash-user-${run}`;
const LIMIT = 5;
const CONCURRENT = 12;
const SPACES = '/apis/tenancy.kiosk.sh/v1alpha1/spaces';

/** mulberry32: a small seeded generator, so a failing run can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = seeded(SEED);
const randomDelay = () => 50 + Math.floor(random() * 1450);
// Fixed points across the create (before, around and after the namespace and template writes), random ones,
// and one not on a clock: the moment the first TemplateInstance of the round appears, when every create that
// got that far is waiting for its template (so this round catches half-made spaces on any machine speed).
const FIRST_INSTANCE = 'first-instance';
const ROUNDS: Array<number | typeof FIRST_INSTANCE> = [50, 650, 1500, randomDelay(), randomDelay(), FIRST_INSTANCE];

type Outcome = { name: string; status: number } | { name: string; error: string };

function createSpace(name: string, account: string): Promise<Outcome> {
  return direct({
    method: 'POST', path: SPACES,
    headers: { 'X-Remote-User': USER, 'Content-Type': 'application/json' }, ...frontProxyCredentials(),
    body: JSON.stringify({ apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'Space', metadata: { name }, spec: { account } }),
  }).then((r: DirectResponse) => ({ name, status: r.status }), (err: unknown) => ({ name, error: (err as Error).message }));
}

/** `kubectl get -A -w` printing one line per event: type, namespace, name, resourceVersion, status. */
function watchAll(resource: string): KubectlWatch {
  return new KubectlWatch(['get', resource, '-A', '-w', '--output-watch-events',
    '-o', 'jsonpath={.type} {.object.metadata.namespace} {.object.metadata.name} {.object.metadata.resourceVersion} {.object.status.status}{"\\n"}']);
}

interface Seen { type: string; namespace: string; name: string; rv: number; status: string }
const parse = (line: string): Seen | undefined => {
  const [type, namespace, name, rv, status] = line.split(' ');
  return type && namespace && name && rv ? { type, namespace, name, rv: Number(rv), status: status ?? '' } : undefined;
};

interface Item { metadata: { name: string; namespace?: string; annotations?: Record<string, string>; deletionTimestamp?: string }; spec?: { template?: string }; status?: { status?: string } }
const getJson = async (args: string[]) => (JSON.parse(await kubectlOk([...args, '-o', 'json'])) as { items: Item[] }).items;

/** The account's namespaces, and for each whether it is complete; undefined while any is still on its way. */
async function settled(account: string): Promise<{ complete: string[] } | undefined> {
  const namespaces = await getJson(['get', 'namespaces', '-l', `kiosk.sh/account=${account}`]);
  const [instances, limits, bindings] = await Promise.all(['templateinstances', 'limitranges', 'rolebindings'].map((r) => getJson(['get', r, '-A'])));
  const complete: string[] = [];
  for (const ns of namespaces) {
    const n = ns.metadata.name;
    if (ns.metadata.deletionTimestamp) return undefined;
    if (ns.metadata.annotations?.['kiosk.sh/space-phase']) return undefined;
    if (!instances!.some((ti) => ti.metadata.namespace === n && ti.spec?.template === TEMPLATE && ti.status?.status === 'Deployed')) return undefined;
    if (!limits!.some((l) => l.metadata.namespace === n && l.metadata.name === 'crash-limits')) return undefined;
    if (!bindings!.some((b) => b.metadata.namespace === n && b.metadata.name === `kiosk-account-${account}`)) return undefined;
    complete.push(n);
  }
  return { complete: complete.sort() };
}

let watches: Record<'rolebindings' | 'limitranges' | 'templateinstances', KubectlWatch>;
const recoveries: string[] = [];
/** Namespaces whose create got no 201 and that the restarted server completed, over all rounds. */
let completedAfterCrash = 0;

beforeAll(async () => {
  process.stdout.write(`crash-consistency seed: ${SEED} (replay with CRASH_SEED=${SEED}); kill points (ms after the creates start): ${ROUNDS.join(', ')}\n`);
  await kubectlOk(['apply', '-f', '-'], {
    stdin: `apiVersion: config.kiosk.sh/v1alpha1
kind: Template
metadata: {name: ${TEMPLATE}}
resources:
  manifests:
  - apiVersion: v1
    kind: LimitRange
    metadata: {name: crash-limits}
    spec:
      limits:
      - type: Container
        default: {cpu: "1"}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ${USER}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kiosk-edit}
subjects: [{kind: User, name: ${USER}, apiGroup: rbac.authorization.k8s.io}]
`,
  });
  // Started before any create, so that every RoleBinding and every template object is seen as it comes.
  watches = { rolebindings: watchAll('rolebindings'), limitranges: watchAll('limitranges'), templateinstances: watchAll('templateinstances') };
  // A watch is running once it shows an object made after it started: one of each kind in a namespace of
  // the test's own, outside any account.
  const marker = `crash-${run}-marker`;
  await kubectlOk(['create', 'namespace', marker]);
  await kubectlOk(['apply', '-n', marker, '-f', '-'], {
    stdin: `apiVersion: config.kiosk.sh/v1alpha1
kind: TemplateInstance
metadata: {name: marker}
spec: {template: ${TEMPLATE}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: marker}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: User, name: nobody, apiGroup: rbac.authorization.k8s.io}]
`,
  });
  await Promise.all(Object.values(watches).map((w) => w.waitFor(new RegExp(`^ADDED ${marker} `), 30_000)));
}, 60_000);

afterAll(async () => {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset if beforeAll failed
  for (const w of Object.values(watches ?? {})) w.stop();
  await kubectlOk(['delete', 'namespace', `crash-${run}-marker`, '--wait=false', '--ignore-not-found']);
  process.stdout.write(`crash-consistency recoveries (seed ${SEED}):\n${recoveries.join('\n')}\n`);
});

describe('a server killed in the middle of concurrent space creates', () => {
  it.each(ROUNDS.map((delay, round) => [round, delay]))('round %i: SIGKILL at %s (ms), then restart: every namespace complete or gone', async (round, delay) => {
    const account = `crash-${run}-${round}`;
    await kubectlOk(['apply', '-f', '-'], {
      stdin: `apiVersion: config.kiosk.sh/v1alpha1
kind: Account
metadata: {name: ${account}}
spec:
  subjects: [{kind: User, name: ${USER}, apiGroup: rbac.authorization.k8s.io}]
  space:
    limit: ${LIMIT}
    templateInstances: [{spec: {template: ${TEMPLATE}}}]
`,
    });
    const state = sandboxState();
    const server = state.components.find((c) => c.name === 'kiosk-apiserver')!;
    const creates = Array.from({ length: CONCURRENT }, (_, i) => createSpace(`${account}-${i}`, account));
    // The kill point of this round: a delay (not a wait for anything), or the first instance seen.
    if (delay === FIRST_INSTANCE) await watches.templateinstances.waitFor(new RegExp(`^ADDED ${account}-`), 60_000);
    else await new Promise((r) => setTimeout(r, delay));
    process.kill(server.pid, 'SIGKILL');
    const killedAt = Date.now();
    const outcomes = await Promise.all(creates);
    await restartServer(state);
    const readyAt = Date.now();

    let result: { complete: string[] } | undefined;
    expect(await eventually(async () => (result = await settled(account)) !== undefined, 120_000, 250)).toBe(true);
    const settledAt = Date.now();
    const created = outcomes.filter((o): o is { name: string; status: number } => 'status' in o && o.status === 201).map((o) => o.name);
    const summary = outcomes.map((o) => ('status' in o ? String(o.status) : 'error')).reduce<Record<string, number>>((m, s) => ({ ...m, [s]: (m[s] ?? 0) + 1 }), {});
    const finished = result!.complete.filter((n) => !created.includes(n));
    completedAfterCrash += finished.length;
    recoveries.push(`  round ${round} (kill at ${delay}): clients ${JSON.stringify(summary)}; namespaces complete ${result!.complete.length} `
      + `(${finished.length} without a 201, completed after the restart), others removed; settled ${settledAt - killedAt} ms after the kill, ${settledAt - readyAt} ms after the restarted server was ready`);

    // Every 201 is a complete space; no more spaces than the limit, whatever the crash did.
    expect(result!.complete).toEqual(expect.arrayContaining(created));
    expect(result!.complete.length).toBeLessThanOrEqual(LIMIT);

    // The watches saw each surviving space's binding; none came before its template's objects.
    for (const ns of result!.complete) await watches.rolebindings.waitFor(new RegExp(`^ADDED ${ns} kiosk-account-${account} `), 15_000);
    const seen = (w: KubectlWatch) => w.lines.map(parse).filter((e): e is Seen => e !== undefined && e.namespace.startsWith(`${account}-`));
    const instances = seen(watches.templateinstances);
    const limits = seen(watches.limitranges);
    // One etcd behind the sandbox: resourceVersions of every kind come from one revision counter, so they order
    // the events of different watches.
    for (const rb of seen(watches.rolebindings).filter((e) => e.name === `kiosk-account-${account}` && e.type !== 'DELETED')) {
      const deployedBefore = instances.some((ti) => ti.namespace === rb.namespace && ti.status === 'Deployed' && ti.rv < rb.rv);
      const limitBefore = limits.some((l) => l.namespace === rb.namespace && l.type === 'ADDED' && l.rv < rb.rv);
      expect({ namespace: rb.namespace, rv: rb.rv, deployedBefore, limitBefore }).toEqual({ namespace: rb.namespace, rv: rb.rv, deployedBefore: true, limitBefore: true });
    }
  }, 240_000);

  it('caught creates half-way: some namespace had no 201 and was completed after the restart', () => {
    expect(completedAfterCrash).toBeGreaterThan(0);
  });
});
