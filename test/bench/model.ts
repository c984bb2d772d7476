// The synthetic tenant population, as pure functions of an index: the generator creates it, the
// measurements know who sees what without asking the cluster, and a size can grow by creating only the
// objects with higher indices (100 -> 1,000 -> 10,000 keeps every earlier object as it was).

const RBAC = 'rbac.authorization.k8s.io';

/** Label on every object the benchmark creates: which part of the population it belongs to. */
export const SET_LABEL = 'bench.kiosk.sh/set';
export const ACCOUNT_LABEL = 'kiosk.sh/account';

/**
 * Namespaces per Account, and RoleBindings per tenant namespace: the benchmark writes four, and the
 * server's account controller adds the fifth, Kiosk's per-space binding of the Account's subjects
 * (kiosk-account-<account>, ClusterRole admin) -> 50,000 at 10,000 namespaces.
 */
export const NAMESPACES_PER_ACCOUNT = 10;
export const BENCH_BINDINGS_PER_NAMESPACE = 4;
export const BINDINGS_PER_NAMESPACE = BENCH_BINDINGS_PER_NAMESPACE + 1;

// Population sizes: a user owns a few namespaces, a team group spans many at large sizes.
const OWNERS = 2_000;
const DEVELOPERS = 3_000;
const TEAMS = 200;
const ACCOUNT_GROUPS = 50;

/** The user whose list is measured: 20 namespaces, 19 bound to the user and one to a group of theirs. */
export const BENCH_USER = { username: 'bench-user', groups: ['bench-user-team'] };
/** A user in 500 groups who also sees 20 namespaces, each through a different group. */
export const WIDE_USER = { username: 'bench-wide-user', groups: Array.from({ length: 500 }, (_, g) => `bench-wide-${g}`) };
export const MEASURED_VISIBLE = 20;
/** The user whose grants and revokes are timed; starts with no namespace at all. */
export const VISIBILITY_USER = 'bench-vis-user';
/** Every fan-out watcher is in this group, so one RoleBinding to it is an event for all of them. */
export const FANOUT_GROUP = 'bench-fanout';
export const SYNC_USER = 'bench-sync-user';

export const VISIBILITY_NAMESPACES = 50;
export const FANOUT_NAMESPACES = 20;

const pad = (n: number, width: number) => String(n).padStart(width, '0');
export const tenantNamespace = (i: number) => `bench-t${pad(i, 5)}`;
export const accountName = (a: number) => `bench-acct-${pad(a, 4)}`;
export const visibilityNamespace = (k: number) => `bench-vis-${pad(k, 2)}`;
export const fanoutNamespace = (k: number) => `bench-fan-${pad(k, 2)}`;
export const SYNC_NAMESPACE = 'bench-sync';

/** The tenant namespaces bench-user sees (the first 100 exist at every size, so the set never moves). */
export const benchUserNamespaces = () => Array.from({ length: MEASURED_VISIBLE }, (_, k) => tenantNamespace(k * 5));
export const wideUserNamespaces = () => Array.from({ length: MEASURED_VISIBLE }, (_, k) => tenantNamespace(k * 5 + 2));

type Subject = { kind: string; name: string; apiGroup?: string; namespace?: string };
const user = (name: string): Subject => ({ kind: 'User', apiGroup: RBAC, name });
const group = (name: string): Subject => ({ kind: 'Group', apiGroup: RBAC, name });

/**
 * ClusterRoles the bindings refer to: two grant `get namespaces` (so the namespace becomes a Space for
 * the subjects), one does not (a CI role: a binding the index must see but that grants no Space), and
 * one lets every authenticated user call the tenancy API (the server filters what they see).
 */
export function clusterRoles() {
  const role = (name: string, rules: object[]) => ({ apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name, labels: { [SET_LABEL]: 'base' } }, rules });
  return [
    role('bench:space-owner', [
      { apiGroups: [''], resources: ['namespaces'], verbs: ['get'] },
      { apiGroups: ['', 'apps'], resources: ['pods', 'services', 'configmaps', 'secrets', 'deployments'], verbs: ['*'] },
    ]),
    role('bench:space-viewer', [
      { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['pods', 'services'], verbs: ['get', 'list', 'watch'] },
    ]),
    role('bench:ci', [
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['*'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
    ]),
    role('bench:tenancy-user', [{ apiGroups: ['tenancy.kiosk.sh'], resources: ['spaces', 'accounts'], verbs: ['get', 'list', 'watch'] }]),
  ];
}

export function clusterRoleBindings() {
  return [{
    apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'bench:tenancy-user', labels: { [SET_LABEL]: 'base' } },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'bench:tenancy-user' }, subjects: [group('system:authenticated')],
  }];
}

export function namespace(name: string, set: string, labels: Record<string, string> = {}) {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { [SET_LABEL]: set, ...labels } } };
}

export function roleBinding(namespace: string, name: string, clusterRole: string, subjects: Subject[], set = 'tenant') {
  return {
    apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { name, namespace, labels: { [SET_LABEL]: set } },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: clusterRole }, subjects,
  };
}

const accountSubjects = (a: number) => [user(`bench-acct-user-${a}`), group(`bench-acct-group-${a % ACCOUNT_GROUPS}`)];

export function account(a: number) {
  return {
    apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'Account',
    metadata: { name: accountName(a), labels: { [SET_LABEL]: 'tenant' } },
    spec: { subjects: accountSubjects(a) },
  };
}

export function tenantNamespaceObject(i: number) {
  return namespace(tenantNamespace(i), 'tenant', { [ACCOUNT_LABEL]: accountName(Math.floor(i / NAMESPACES_PER_ACCOUNT)) });
}

/** The extra subjects that put the measured users into exactly their 20 namespaces. */
function measuredSubjects(i: number): Subject[] {
  if (i < 5 * MEASURED_VISIBLE && i % 5 === 0) return [i / 5 === MEASURED_VISIBLE - 1 ? group(BENCH_USER.groups[0]!) : user(BENCH_USER.username)];
  if (i < 5 * MEASURED_VISIBLE && i % 5 === 2) return [group(WIDE_USER.groups[((i - 2) / 5) * 25]!)];
  return [];
}

/** The RoleBindings the benchmark writes in tenant namespace i: owner, team, developers, and a CI binding that grants no Space. */
export function tenantBindings(i: number) {
  const ns = tenantNamespace(i);
  return [
    roleBinding(ns, 'owner', 'bench:space-owner', [user(`bench-owner-${i % OWNERS}`)]),
    roleBinding(ns, 'team', 'bench:space-viewer', [group(`bench-team-${i % TEAMS}`)]),
    roleBinding(ns, 'developers', 'bench:space-viewer', [
      user(`bench-dev-${(i * 7) % DEVELOPERS}`), user(`bench-dev-${(i * 7 + 1) % DEVELOPERS}`), ...measuredSubjects(i)]),
    roleBinding(ns, 'ci', 'bench:ci', [{ kind: 'ServiceAccount', name: 'ci', namespace: ns }]),
  ];
}

/** Distinct users and groups that appear in the bindings and accounts of a population of n namespaces. */
export function population(n: number): { users: number; groups: number } {
  const users = new Set<string>([BENCH_USER.username, WIDE_USER.username]);
  const groups = new Set<string>([...BENCH_USER.groups, ...WIDE_USER.groups]);
  const add = (s: Subject) => (s.kind === 'Group' ? groups : users).add(s.kind === 'ServiceAccount' ? `sa:${String(s.namespace)}:${s.name}` : s.name);
  for (let i = 0; i < n; i++) for (const b of tenantBindings(i)) b.subjects.forEach(add);
  for (let a = 0; a < Math.ceil(n / NAMESPACES_PER_ACCOUNT); a++) accountSubjects(a).forEach(add);
  return { users: users.size, groups: groups.size };
}
