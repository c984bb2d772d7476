import type { Clients } from './clients.js';
import { ACCOUNTS_PATH, ADMIN, SPACES_PATH, remoteUser } from './clients.js';
import type { HttpsEndpoint } from './http.js';
import { Limiter, sleep } from './limiter.js';
import {
  ACCOUNT_LABEL, BENCH_BINDINGS_PER_NAMESPACE, BINDINGS_PER_NAMESPACE, FANOUT_NAMESPACES, NAMESPACES_PER_ACCOUNT, SET_LABEL, SYNC_NAMESPACE, SYNC_USER, VISIBILITY_NAMESPACES,
  account, clusterRoleBindings, clusterRoles, fanoutNamespace, namespace, roleBinding, tenantBindings,
  tenantNamespaceObject, visibilityNamespace,
} from './model.js';

type Log = (line: string) => void;

/** Requests in flight against kube-apiserver while generating; enough to keep it busy on a small machine. */
const WRITE_CONCURRENCY = 32;
/** Namespaces handled per batch: bounds the promises held at once, and paces the progress lines. */
const BATCH = 500;

const COLLECTION: Record<string, string> = {
  Namespace: '/api/v1/namespaces',
  ClusterRole: '/apis/rbac.authorization.k8s.io/v1/clusterroles',
  ClusterRoleBinding: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
  Account: '/apis/config.kiosk.sh/v1alpha1/accounts',
};

export function collectionPath(obj: { kind: string; metadata: { namespace?: string } }): string {
  if (obj.kind === 'RoleBinding') return `/apis/rbac.authorization.k8s.io/v1/namespaces/${String(obj.metadata.namespace)}/rolebindings`;
  const path = COLLECTION[obj.kind];
  if (!path) throw new Error(`no collection path for kind ${obj.kind}`);
  return path;
}

/**
 * Creates an object; AlreadyExists counts as done, so a run against a kept sandbox only adds what is
 * missing. Returns the object's resourceVersion (empty when it already existed).
 */
export async function create(apiserver: HttpsEndpoint, obj: { kind: string; metadata: { name: string; namespace?: string } }): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const res = await apiserver.request(collectionPath(obj), { method: 'POST', body: obj });
    if (res.status === 201 || res.status === 200) return (JSON.parse(res.body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    if (res.status === 409) return '';
    // 429 and 5xx are kube-apiserver shedding load during the burst: back off and retry a few times.
    if ((res.status === 429 || res.status >= 500) && attempt < 5) {
      await sleep(200 * attempt);
      continue;
    }
    throw new Error(`creating ${obj.kind} ${obj.metadata.namespace ?? ''}/${obj.metadata.name}: ${res.status} ${res.body.slice(0, 300)}`);
  }
}

/** All RoleBindings in the cluster, from one page of one (remainingItemCount is exact without selectors). */
export async function countRoleBindings(apiserver: HttpsEndpoint): Promise<number> {
  const page = await apiserver.json<{ items: unknown[]; metadata: { remainingItemCount?: number } }>(
    '/apis/rbac.authorization.k8s.io/v1/rolebindings?limit=1');
  return page.items.length + (page.metadata.remainingItemCount ?? 0);
}

/**
 * The fixed part: roles, the tenancy API grant, and the namespaces the measurements use. Returns the
 * RoleBindings that exist besides the tenants' (the system's own), the base of later counts.
 */
export async function installBase(clients: Clients): Promise<number> {
  const limiter = new Limiter(WRITE_CONCURRENCY);
  const objects = [
    ...clusterRoles(), ...clusterRoleBindings(),
    ...Array.from({ length: VISIBILITY_NAMESPACES }, (_, k) => namespace(visibilityNamespace(k), 'visibility')),
    ...Array.from({ length: FANOUT_NAMESPACES }, (_, k) => namespace(fanoutNamespace(k), 'fanout')),
    namespace(SYNC_NAMESPACE, 'sync'),
  ];
  await Promise.all(objects.map((o) => limiter.run(() => create(clients.apiserver, o))));
  // A sentinel left by an interrupted run would make the first catch-up check pass too early.
  await clients.apiserver.json(collectionPath({ kind: 'RoleBinding', metadata: { namespace: SYNC_NAMESPACE } }), { method: 'DELETE' });
  const tenants = await clients.apiserver.json<{ items: unknown[] }>(
    `/apis/rbac.authorization.k8s.io/v1/rolebindings?labelSelector=${encodeURIComponent(`${SET_LABEL}=tenant`)}`);
  return (await countRoleBindings(clients.apiserver)) - tenants.items.length;
}

/**
 * Grows the tenant population from `from` to `to` namespaces: their accounts first (the namespaces'
 * account label names them), then each namespace followed by its RoleBindings. Returns objects created.
 */
export async function growTo(clients: Clients, from: number, to: number, log: Log): Promise<number> {
  const limiter = new Limiter(WRITE_CONCURRENCY);
  const write = (o: Parameters<typeof create>[1]) => limiter.run(() => create(clients.apiserver, o));
  let created = 0;
  const firstAccount = Math.ceil(from / NAMESPACES_PER_ACCOUNT);
  const lastAccount = Math.ceil(to / NAMESPACES_PER_ACCOUNT);
  await Promise.all(Array.from({ length: lastAccount - firstAccount }, (_, k) => write(account(firstAccount + k))));
  created += lastAccount - firstAccount;
  const started = Date.now();
  for (let batch = from; batch < to; batch += BATCH) {
    const end = Math.min(to, batch + BATCH);
    await Promise.all(Array.from({ length: end - batch }, async (_, k) => {
      const i = batch + k;
      await write(tenantNamespaceObject(i));
      await Promise.all(tenantBindings(i).map(write));
    }));
    created += (end - batch) * (1 + BENCH_BINDINGS_PER_NAMESPACE);
    const rate = ((end - from) * (1 + BENCH_BINDINGS_PER_NAMESPACE)) / ((Date.now() - started) / 1000);
    log(`  ${end}/${to} namespaces (${Math.round(rate)} objects/s)`);
  }
  return created;
}

/** The number of objects our server lists for a label selector, read with limit=1 and remainingItemCount. */
async function countVisible(server: HttpsEndpoint, path: string, selector: string): Promise<number> {
  // A whole list: as upstream, the server gives no remainingItemCount under a label selector.
  const list = await server.json<{ items: unknown[] }>(`${path}?labelSelector=${encodeURIComponent(selector)}`, { headers: remoteUser(ADMIN) });
  return list.items.length;
}

let syncSequence = 0;

/**
 * The account controller gives every Account a ClusterRole and ClusterRoleBinding (labelled with it).
 * Its work queue may still be writing them after the informers caught up, while the process looks
 * idle (it waits on kube-apiserver): a restart then would measure leftover work as start-up work.
 */
async function accountBindings(apiserver: HttpsEndpoint): Promise<number> {
  const list = await apiserver.json<{ items: unknown[] }>(
    `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?labelSelector=${encodeURIComponent(ACCOUNT_LABEL)}`);
  return list.items.length;
}

/**
 * Waits until the cluster and our server have caught up with the generator. First the account
 * controller: every Account has its ClusterRoleBinding and every tenant namespace its per-space
 * RoleBinding, so the cluster holds `base` + 5 per namespace RoleBindings. Then our server: it lists all
 * tenant namespaces and accounts, and a RoleBinding written after every other one is already visible
 * (each informer delivers in order). Bounded by `timeoutMs`; returns the seconds waited for each part.
 */
export async function waitForServer(clients: Clients, namespaces: number, base: number, timeoutMs = 600_000): Promise<{ controllerSeconds: number; serverSeconds: number }> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  const expectedAccounts = Math.ceil(namespaces / NAMESPACES_PER_ACCOUNT);
  const expectedBindings = base + namespaces * BINDINGS_PER_NAMESPACE;
  for (;;) {
    const [bindings, owned] = await Promise.all([countRoleBindings(clients.apiserver), accountBindings(clients.apiserver)]);
    if (bindings >= expectedBindings && owned >= expectedAccounts) break;
    if (Date.now() > deadline) {
      throw new Error(`the account controller did not catch up within ${timeoutMs / 1000}s: ${bindings}/${expectedBindings} RoleBindings, ` +
        `${owned}/${expectedAccounts} account ClusterRoleBindings`);
    }
    await sleep(500);
  }
  const controllerDone = Date.now();

  const sentinel = `bench-sync-${process.pid}-${++syncSequence}`;
  await create(clients.apiserver, roleBinding(SYNC_NAMESPACE, sentinel, 'bench:space-viewer', [{ kind: 'User', name: SYNC_USER }], 'sync'));
  const selector = `${SET_LABEL}=tenant`;
  for (;;) {
    const [spaces, accounts, sync] = await Promise.all([
      countVisible(clients.server, SPACES_PATH, selector),
      countVisible(clients.server, ACCOUNTS_PATH, selector),
      clients.server.json<{ items: unknown[] }>(SPACES_PATH, { headers: remoteUser({ username: SYNC_USER, groups: [] }) }),
    ]);
    if (spaces === namespaces && accounts === expectedAccounts && sync.items.length === 1) break;
    if (Date.now() > deadline) {
      throw new Error(`our server did not catch up within ${timeoutMs / 1000}s: ${spaces}/${namespaces} spaces, ${accounts}/${expectedAccounts} accounts, ` +
        `sync binding ${sync.items.length === 1 ? 'seen' : 'not seen'}`);
    }
    await sleep(250);
  }
  await clients.apiserver.json(`${collectionPath({ kind: 'RoleBinding', metadata: { namespace: SYNC_NAMESPACE } })}/${sentinel}`, { method: 'DELETE' }, [200, 404]);
  return { controllerSeconds: (controllerDone - started) / 1000, serverSeconds: (Date.now() - controllerDone) / 1000 };
}
