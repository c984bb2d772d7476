// Shared builders for the access-index, user-watch and property tests: realistic RBAC and tenancy objects
// fed into an AccessIndex with a growing resourceVersion, a watch recorder, and a brute-force RBAC oracle.
import type { KubeObject } from '../../storage/informers/informer.js';
import type { BindingObject, PolicyRule, RbacSubject, RoleObject } from '../../storage/rbac/types.js';
import type { UserInfo } from '../../storage/user-info.js';
import { AccessIndex } from '../../storage/visibility/access-index.js';
import type { CollectionName } from '../../storage/visibility/history.js';
import type { VisibilityEvent, WatchStart } from '../../storage/visibility/user-watch.js';
import { openWatch } from '../../storage/visibility/user-watch.js';

export type User = Pick<UserInfo, 'username' | 'groups'>;

export const RBAC = 'rbac.authorization.k8s.io';
export const TENANCY = 'tenancy.kiosk.sh';

export const userSubject = (name: string): RbacSubject => ({ kind: 'User', apiGroup: RBAC, name });
export const groupSubject = (name: string): RbacSubject => ({ kind: 'Group', apiGroup: RBAC, name });
export const saSubject = (name: string, namespace?: string): RbacSubject =>
  (namespace === undefined ? { kind: 'ServiceAccount', name } : { kind: 'ServiceAccount', name, namespace });

export const user = (username: string, ...groups: string[]): User => ({ username, groups: [...groups, 'system:authenticated'] });
export const serviceAccountUser = (namespace: string, name: string): User => ({
  username: `system:serviceaccount:${namespace}:${name}`,
  groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
});

/** Rules as the built-in roles and Kiosk's per-account roles write them. */
export const rules = {
  getNamespaces: (...resourceNames: string[]): PolicyRule => ({
    verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['namespaces'], ...(resourceNames.length ? { resourceNames } : {}),
  }),
  listNamespacesOnly: (): PolicyRule => ({ verbs: ['list', 'watch'], apiGroups: [''], resources: ['namespaces'] }),
  getPods: (): PolicyRule => ({ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods', 'pods/log'] }),
  everything: (): PolicyRule => ({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }),
  getAccounts: (...resourceNames: string[]): PolicyRule => ({
    verbs: ['get'], apiGroups: [TENANCY], resources: ['accounts'], ...(resourceNames.length ? { resourceNames } : {}),
  }),
};

interface Meta { labels?: Record<string, string> }

/**
 * A tiny cluster: every write gets the next resourceVersion (as etcd would) and goes into the index
 * exactly as the informer handlers of ClusterInformers.feed route it.
 */
export class Cluster {
  readonly index: AccessIndex;
  rv = 0;
  readonly namespaces = new Map<string, KubeObject>();
  readonly accounts = new Map<string, KubeObject & { spec: { subjects: RbacSubject[] } }>();
  readonly clusterRoles = new Map<string, RoleObject>();
  readonly roles = new Map<string, RoleObject>();
  readonly bindings = new Map<string, BindingObject>();

  constructor(historyCapacity?: number) {
    this.index = new AccessIndex(historyCapacity);
  }

  /**
   * How far the RBAC informers lag behind the others: their events carry a revision this much older than
   * the newest one written, as when the RoleBinding informer delivers after the Namespace informer.
   */
  rbacLag = 0;

  private next(): string {
    return String(++this.rv);
  }

  private rbacVersion(): string {
    const v = ++this.rv;
    return String(Math.max(1, v - this.rbacLag));
  }

  namespace(name: string, meta: Meta = {}): KubeObject {
    const obj: KubeObject = {
      apiVersion: 'v1', kind: 'Namespace',
      metadata: { name, resourceVersion: this.next(), uid: `uid-${name}`, ...(meta.labels ? { labels: meta.labels } : {}) },
    };
    this.namespaces.set(name, obj);
    this.index.setObject('namespaces', obj);
    return obj;
  }

  deleteNamespace(name: string): void {
    const obj = this.namespaces.get(name);
    if (!obj) throw new Error(`no namespace ${name}`);
    this.namespaces.delete(name);
    this.index.deleteObject('namespaces', { ...obj, metadata: { ...obj.metadata, resourceVersion: this.next() } });
  }

  account(name: string, subjects: RbacSubject[]): KubeObject {
    const obj = {
      apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'Account',
      metadata: { name, resourceVersion: this.next(), uid: `uid-${name}` }, spec: { subjects },
    };
    this.accounts.set(name, obj);
    this.index.setObject('accounts', obj);
    return obj;
  }

  deleteAccount(name: string): void {
    const obj = this.accounts.get(name);
    if (!obj) throw new Error(`no account ${name}`);
    this.accounts.delete(name);
    this.index.deleteObject('accounts', { ...obj, metadata: { ...obj.metadata, resourceVersion: this.next() } });
  }

  /** Creates or updates a ClusterRole; `null` rules are what an aggregated role starts with. */
  clusterRole(name: string, roleRules: PolicyRule[] | null): RoleObject {
    const obj: RoleObject = { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name, resourceVersion: this.rbacVersion() }, rules: roleRules };
    this.clusterRoles.set(name, obj);
    this.index.setRole('ClusterRole', obj);
    return obj;
  }

  deleteClusterRole(name: string): void {
    const obj = this.clusterRoles.get(name);
    if (!obj) throw new Error(`no clusterrole ${name}`);
    this.clusterRoles.delete(name);
    this.index.deleteRole('ClusterRole', { ...obj, metadata: { ...obj.metadata, resourceVersion: this.rbacVersion() } });
  }

  role(namespace: string, name: string, roleRules: PolicyRule[]): RoleObject {
    const obj: RoleObject = { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name, namespace, resourceVersion: this.rbacVersion() }, rules: roleRules };
    this.roles.set(`${namespace}/${name}`, obj);
    this.index.setRole('Role', obj);
    return obj;
  }

  deleteRole(namespace: string, name: string): void {
    const obj = this.roles.get(`${namespace}/${name}`);
    if (!obj) throw new Error(`no role ${namespace}/${name}`);
    this.roles.delete(`${namespace}/${name}`);
    this.index.deleteRole('Role', { ...obj, metadata: { ...obj.metadata, resourceVersion: this.rbacVersion() } });
  }

  /** A RoleBinding in `namespace` to a ClusterRole (`role` = 'ClusterRole/x') or a Role ('Role/x'). */
  roleBinding(namespace: string, name: string, role: string, subjects: RbacSubject[]): BindingObject {
    return this.binding({ name, namespace }, role, subjects);
  }

  /** A ClusterRoleBinding to a ClusterRole (`x`), or to a Role (`Role/x`, which RBAC ignores). */
  clusterRoleBinding(name: string, clusterRole: string, subjects: RbacSubject[]): BindingObject {
    return this.binding({ name }, clusterRole.includes('/') ? clusterRole : `ClusterRole/${clusterRole}`, subjects);
  }

  private binding(meta: { name: string; namespace?: string }, role: string, subjects: RbacSubject[]): BindingObject {
    const [kind, roleName] = role.split('/') as [string, string];
    const obj: BindingObject = {
      apiVersion: `${RBAC}/v1`, kind: meta.namespace ? 'RoleBinding' : 'ClusterRoleBinding',
      metadata: { ...meta, resourceVersion: this.rbacVersion() },
      roleRef: { apiGroup: RBAC, kind, name: roleName }, subjects,
    };
    this.bindings.set(bindingId(obj), obj);
    this.index.setBinding(obj);
    return obj;
  }

  deleteRoleBinding(namespace: string, name: string): void {
    this.deleteBinding(`RoleBinding/${namespace}/${name}`);
  }

  deleteClusterRoleBinding(name: string): void {
    this.deleteBinding(`ClusterRoleBinding/${name}`);
  }

  private deleteBinding(id: string): void {
    const obj = this.bindings.get(id);
    if (!obj) throw new Error(`no binding ${id}`);
    this.bindings.delete(id);
    this.index.deleteBinding({ ...obj, metadata: { ...obj.metadata, resourceVersion: this.rbacVersion() } });
  }

  /** What the index answers for a user, through a fresh view (as a list request would). */
  visible(collection: CollectionName, u: User): string[] {
    return this.index.visibleNames(collection, this.index.view(collection, u));
  }
}

const bindingId = (b: BindingObject) =>
  (b.metadata.namespace ? `RoleBinding/${b.metadata.namespace}/${b.metadata.name}` : `ClusterRoleBinding/${b.metadata.name}`);

// ---- brute-force oracle: RBAC evaluated from scratch, written independently of storage/rbac ----------

function appliesTo(u: User, s: RbacSubject, bindingNamespace: string): boolean {
  switch (s.kind) {
    case 'User':
      return (s.apiGroup ?? RBAC) === RBAC && s.name === u.username;
    case 'Group':
      return (s.apiGroup ?? RBAC) === RBAC && u.groups.includes(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace || bindingNamespace;
      return !!ns && u.username === `system:serviceaccount:${ns}:${s.name}`;
    }
    default:
      return false;
  }
}

const listHas = (list: string[] | undefined, v: string) => (list ?? []).some((x) => x === '*' || x === v);

/** RBAC's authorizer for a named resource request: ClusterRoleBindings, then RoleBindings of `namespace`. */
export function oracleAllows(c: Cluster, u: User, verb: string, apiGroup: string, resource: string, name: string, namespace: string): boolean {
  for (const b of c.bindings.values()) {
    const bns = b.metadata.namespace ?? '';
    if (bns !== '' && bns !== namespace) continue;
    if (!(b.subjects ?? []).some((s) => appliesTo(u, s, bns))) continue;
    const role = b.roleRef.kind === 'ClusterRole' ? c.clusterRoles.get(b.roleRef.name)
      : bns ? c.roles.get(`${bns}/${b.roleRef.name}`) : undefined;
    for (const r of role?.rules ?? []) {
      if (!listHas(r.verbs, verb) || !listHas(r.apiGroups, apiGroup) || !listHas(r.resources, resource)) continue;
      if (!r.resourceNames?.length || r.resourceNames.includes(name)) return true;
    }
  }
  return false;
}

export function oracleVisible(c: Cluster, collection: CollectionName, u: User): string[] {
  if (collection === 'namespaces') {
    return [...c.namespaces.keys()].filter((n) => oracleAllows(c, u, 'get', '', 'namespaces', n, n)).sort();
  }
  return [...c.accounts.values()]
    .filter((a) => a.spec.subjects.some((s) => appliesTo(u, s, '')) || oracleAllows(c, u, 'get', TENANCY, 'accounts', a.metadata.name, ''))
    .map((a) => a.metadata.name).sort();
}

// ---- watch recording ---------------------------------------------------------------------------------

/**
 * A client of a watch: the events it received and the state a reflector would build from them. The
 * state is strict: ADDED for a name already present, or MODIFIED/DELETED for an absent one, is recorded
 * as a protocol violation (a precise watch never sends them).
 */
export class WatchClient {
  readonly events: VisibilityEvent[] = [];
  readonly state: Map<string, KubeObject>;
  readonly violations: string[] = [];
  /** The resume markers received, each with the number of events received before it. */
  readonly resumes: Array<{ rv: number; afterEvents: number }> = [];
  readonly start: WatchStart;

  constructor(index: AccessIndex, options: {
    collection?: CollectionName; user: User; matches?: (o: KubeObject) => boolean; resumeFrom?: number;
    initial?: ReadonlyMap<string, KubeObject>;
  }) {
    this.state = new Map(options.initial ?? []);
    this.start = openWatch(index, {
      collection: options.collection ?? 'namespaces',
      user: options.user,
      matches: options.matches ?? (() => true),
      ...(options.resumeFrom === undefined ? {} : { resumeFrom: options.resumeFrom }),
      sink: (e) => { this.apply(e); },
      resume: (rv) => { this.resumes.push({ rv, afterEvents: this.events.length }); },
    });
  }

  private apply(e: VisibilityEvent): void {
    this.events.push(e);
    const name = e.object.metadata.name;
    const present = this.state.has(name);
    if (e.type === 'ADDED' && present) this.violations.push(`ADDED ${name} at ${e.rv} while present`);
    if (e.type !== 'ADDED' && !present) this.violations.push(`${e.type} ${name} at ${e.rv} while absent`);
    if (e.type === 'DELETED') this.state.delete(name);
    else this.state.set(name, e.object);
  }

  /** Events as compact strings, e.g. `ADDED a@7`. */
  get log(): string[] {
    return this.events.map((e) => `${e.type} ${e.object.metadata.name}@${e.rv}`);
  }

  names(): string[] {
    return [...this.state.keys()].sort();
  }

  close(): void {
    if (this.start.ok) this.start.close();
  }
}

export const hasLabel = (key: string, value: string) => (o: KubeObject) => o.metadata.labels?.[key] === value;
