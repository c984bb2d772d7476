import { LRUCache } from 'lru-cache';
import type { KubeObject } from '../informers/informer.js';
import { allowedNames } from '../rbac/policy-rule.js';
import { RbacStore } from '../rbac/rbac-store.js';
import { subjectKeys, userKeys } from '../rbac/subjects.js';
import type { BindingObject, RbacSubject, RoleObject } from '../rbac/types.js';
import type { UserInfo } from '../user-info.js';
import { GrantIndex } from './grant-index.js';
import type { BindingDelta, Grant } from './grants.js';
import type { GrantCounter } from './grants.js';
import type { Change, CollectionName, HistoryRecord } from './history.js';
import { History } from './history.js';

/** The permission that makes an object of a collection visible, as RBAC request attributes. */
interface Permission {
  verb: string;
  apiGroup: string;
  resource: string;
  /** Namespaces are checked as `get namespaces` in that namespace, so RoleBindings there count too. */
  namespaceScoped: boolean;
}

const PERMISSIONS: Record<CollectionName, Permission> = {
  namespaces: { verb: 'get', apiGroup: '', resource: 'namespaces', namespaceScoped: true },
  accounts: { verb: 'get', apiGroup: 'tenancy.kiosk.sh', resource: 'accounts', namespaceScoped: false },
};

interface AccountLike extends KubeObject {
  spec?: { subjects?: RbacSubject[] };
}

export type Listener = (record: HistoryRecord<KubeObject>) => void;

/** A user's standing in one collection: the grants reaching them, and their identity keys. */
export interface UserView {
  keys: ReadonlySet<string>;
  counter: GrantCounter;
}

const memberKeys = (o: AccountLike | undefined) => subjectKeys(o?.spec?.subjects);

/**
 * The per-user access index. A single writer (the informer event handlers, which Node runs one at a
 * time) commits each change as a history record with a growing resourceVersion; readers take views
 * that are plain values and never block it.
 *
 * - A Space (namespace) is visible when RBAC allows `get namespaces` on it: through RoleBindings in it
 *   and ClusterRoleBindings (resourceNames respected).
 * - An Account is visible when the user is one of its subjects, or RBAC allows `get accounts` in
 *   tenancy.kiosk.sh on its name (ClusterRoleBindings only: it is cluster-scoped).
 *
 * A binding change re-evaluates that binding; a role change re-evaluates only the bindings that
 * reference it. Nothing is rebuilt periodically.
 */
export class AccessIndex {
  private readonly rbac = new RbacStore();
  private readonly grants: Record<CollectionName, GrantIndex> = { namespaces: new GrantIndex(), accounts: new GrantIndex() };
  private readonly objects: Record<CollectionName, Map<string, KubeObject>> = { namespaces: new Map(), accounts: new Map() };
  private readonly sortedNames: Record<CollectionName, string[] | undefined> = { namespaces: undefined, accounts: undefined };
  /** Account membership by subject key: the accounts whose spec.subjects name it. */
  private readonly members = new Map<string, Set<string>>();
  private readonly listeners = new Set<Listener>();
  private readonly history: History<KubeObject>;
  private readonly viewCache = new LRUCache<string, { generation: number; view: UserView }>({ max: 10_000 });
  private clock = 0;
  private generation = 0;
  /** Counts for metrics: commits of each kind, and views served from cache or computed. */
  readonly stats = { objectCommits: 0, grantCommits: 0, viewHits: 0, viewMisses: 0 };

  constructor(historyCapacity = 10_000) {
    this.history = new History(historyCapacity);
  }

  // ---- writer side: called by informer handlers -------------------------------------------------

  /**
   * The resourceVersion a new record is stamped with: the observed one, or one past the clock when the
   * observed one is not newer. Each resource has its own informer, so an older etcd revision can arrive
   * after a newer one; stamps must still grow strictly, or a watch resumed from a version a client
   * already saw would skip the late change.
   */
  private stamp(resourceVersion: string | undefined): number {
    const rv = Number(resourceVersion);
    this.clock = Number.isFinite(rv) && rv > this.clock ? rv : this.clock + 1;
    return this.clock;
  }

  private commit(rv: number, change: Change<KubeObject>): void {
    const record = { rv, change };
    this.history.append(record);
    for (const l of this.listeners) l(record);
  }

  /** Marks the end of the initial sync: watches may resume from here on. */
  markSynced(): void {
    this.history.setFloor(this.clock);
  }

  setObject(collection: CollectionName, obj: KubeObject): void {
    this.writeObject(collection, obj.metadata.name, obj, obj.metadata.resourceVersion);
  }

  deleteObject(collection: CollectionName, obj: KubeObject): void {
    this.writeObject(collection, obj.metadata.name, undefined, obj.metadata.resourceVersion);
  }

  private writeObject(collection: CollectionName, name: string, after: KubeObject | undefined, resourceVersion: string | undefined): void {
    const store = this.objects[collection];
    const before = store.get(name);
    if (after) store.set(name, after);
    else store.delete(name);
    if (!before !== !after) this.sortedNames[collection] = undefined;
    if (collection === 'accounts') this.reindexMembers(name, memberKeys(before), memberKeys(after));
    this.stats.objectCommits++;
    this.commit(this.stamp(resourceVersion), { kind: 'object', collection, name, before, after });
  }

  private reindexMembers(account: string, before: ReadonlySet<string>, after: ReadonlySet<string>): void {
    for (const k of before) {
      if (after.has(k)) continue;
      const set = this.members.get(k);
      set?.delete(account);
      if (set && set.size === 0) this.members.delete(k);
    }
    for (const k of after) {
      let set = this.members.get(k);
      if (!set) this.members.set(k, (set = new Set()));
      set.add(account);
    }
  }

  setRole(kind: 'Role' | 'ClusterRole', role: RoleObject): void {
    this.reevaluate(this.rbac.setRole(kind, role), role.metadata.resourceVersion);
  }

  deleteRole(kind: 'Role' | 'ClusterRole', role: RoleObject): void {
    this.reevaluate(this.rbac.setRole(kind, role, true), role.metadata.resourceVersion);
  }

  setBinding(binding: BindingObject): void {
    this.reevaluate([this.rbac.setBinding(binding)], binding.metadata.resourceVersion);
  }

  deleteBinding(binding: BindingObject): void {
    const key = this.rbac.deleteBinding(binding);
    this.commitGrants({ namespaces: [this.grants.namespaces.delete(key)], accounts: [this.grants.accounts.delete(key)] },
      binding.metadata.resourceVersion);
  }

  private reevaluate(bindingKeys: string[], resourceVersion: string | undefined): void {
    const deltas: Record<CollectionName, Array<BindingDelta | undefined>> = { namespaces: [], accounts: [] };
    for (const key of bindingKeys) {
      const binding = this.rbac.binding(key);
      for (const collection of ['namespaces', 'accounts'] as const) {
        const index = this.grants[collection];
        if (!binding) {
          deltas[collection].push(index.delete(key));
          continue;
        }
        const namespace = binding.metadata.namespace ?? '';
        deltas[collection].push(index.set(key, subjectKeys(binding.subjects, namespace), this.grantOf(binding, PERMISSIONS[collection])));
      }
    }
    this.commitGrants(deltas, resourceVersion);
  }

  private grantOf(binding: BindingObject, p: Permission): Grant | undefined {
    const names = allowedNames(this.rbac.rulesOf(binding), { verb: p.verb, apiGroup: p.apiGroup, resource: p.resource });
    const namespace = binding.metadata.namespace;
    if (!namespace) return names;
    // A RoleBinding grants only inside its namespace, and only namespaced permissions.
    if (!p.namespaceScoped) return undefined;
    return names === 'all' || names.has(namespace) ? new Set([namespace]) : undefined;
  }

  private commitGrants(raw: Record<CollectionName, Array<BindingDelta | undefined>>, resourceVersion: string | undefined): void {
    const deltas = {
      namespaces: raw.namespaces.filter((d): d is BindingDelta => d !== undefined),
      accounts: raw.accounts.filter((d): d is BindingDelta => d !== undefined),
    };
    if (deltas.namespaces.length === 0 && deltas.accounts.length === 0) {
      // Nothing visible changed: no record, but a newer observed version still moves the clock, so that
      // "not older than" reads of it are answered.
      const observed = Number(resourceVersion);
      if (Number.isFinite(observed) && observed > this.clock) this.clock = observed;
      return;
    }
    const rv = this.stamp(resourceVersion);
    this.generation++;
    this.stats.grantCommits++;
    this.commit(rv, { kind: 'grants', deltas });
  }

  // ---- reader side ------------------------------------------------------------------------------

  /** The resourceVersion of the latest committed change: lists carry it, watches resume from it. */
  get resourceVersion(): number {
    return this.clock;
  }

  get oldestResumable(): number {
    return this.history.oldestResumable();
  }

  historySince(rv: number): HistoryRecord<KubeObject>[] | undefined {
    return this.history.since(rv);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Resolves true as soon as `condition` holds (checked now and after every commit), false after the
   * timeout or when the signal aborts. Read-your-writes waits on the object itself, not on a version.
   */
  waitFor(condition: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (condition()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        unsubscribe();
        signal?.removeEventListener('abort', onAbort);
        resolve(ok);
      };
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), timeoutMs);
      const unsubscribe = this.subscribe(() => {
        if (condition()) done(true);
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  object(collection: CollectionName, name: string): KubeObject | undefined {
    return this.objects[collection].get(name);
  }

  count(collection: CollectionName): number {
    return this.objects[collection].size;
  }

  /** The user's grants in a collection, cached per (user, groups) until the next grant change. */
  view(collection: CollectionName, user: Pick<UserInfo, 'username' | 'groups'>): UserView {
    const cacheKey = `${collection}\0${user.username}\0${[...user.groups].sort().join('\0')}`;
    const cached = this.viewCache.get(cacheKey);
    if (cached && cached.generation === this.generation) {
      this.stats.viewHits++;
      return cached.view;
    }
    this.stats.viewMisses++;
    const keys = userKeys(user);
    const view = { keys, counter: this.grants[collection].counterFor(keys) };
    this.viewCache.set(cacheKey, { generation: this.generation, view });
    return view;
  }

  /** Whether `obj` (the current or a past state of an object) is visible under `view`. */
  isVisible(collection: CollectionName, view: UserView, name: string, obj: KubeObject | undefined): boolean {
    if (!obj) return false;
    if (view.counter.allows(name)) return true;
    if (collection !== 'accounts') return false;
    const members = memberKeys(obj);
    for (const k of view.keys) if (members.has(k)) return true;
    return false;
  }

  /** Names of the objects the user may see, sorted; cost grows with what they see, except for "all". */
  visibleNames(collection: CollectionName, view: UserView): string[] {
    if (view.counter.allowsAll) return this.allNames(collection);
    const store = this.objects[collection];
    const names = new Set<string>();
    for (const n of view.counter.grantedNames()) if (store.has(n)) names.add(n);
    if (collection === 'accounts') {
      for (const k of view.keys) for (const n of this.members.get(k) ?? []) names.add(n);
    }
    return [...names].sort();
  }

  /** Every object name of a collection, sorted (cached until an object is added or removed). */
  allNames(collection: CollectionName): string[] {
    let names = this.sortedNames[collection];
    if (!names) {
      names = [...this.objects[collection].keys()].sort();
      this.sortedNames[collection] = names;
    }
    return names;
  }

  /** Sizes for metrics and logs. */
  sizes(): Record<string, number> {
    return {
      namespaces: this.objects.namespaces.size, accounts: this.objects.accounts.size,
      bindings: this.rbac.bindingCount, namespaceGrants: this.grants.namespaces.size, accountGrants: this.grants.accounts.size,
      history: this.history.length,
    };
  }
}
