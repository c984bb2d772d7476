import type { KubeClient } from '../client.js';
import type { Logger } from '../logger.js';
import type { BindingObject, RoleObject } from '../rbac/types.js';
import type { AccessIndex } from '../visibility/access-index.js';
import type { KubeObject } from './informer.js';
import { Informer } from './informer.js';

/**
 * The informers the access index is fed from, each kept in sync by its own supervised list+watch.
 * `Account` is what the accounts collection holds, as the registry types it (storage does not know it).
 */
export class ClusterInformers<Account extends KubeObject = KubeObject> {
  readonly namespaces: Informer<KubeObject>;
  readonly accounts: Informer<Account>;
  readonly roles: Informer<RoleObject>;
  readonly clusterRoles: Informer<RoleObject>;
  readonly roleBindings: Informer<BindingObject>;
  readonly clusterRoleBindings: Informer<BindingObject>;
  /** Every informer the index is fed from. */
  readonly all: ReadonlyArray<Informer<KubeObject>>;

  constructor(client: KubeClient, log: Logger) {
    const make = <T extends KubeObject>(name: string, path: string, keepManagedFields = false) =>
      new Informer<T>(client, { name, path, keepManagedFields }, log);
    // Spaces and Accounts are served with their managedFields (server-side apply clients read them).
    this.namespaces = make('namespaces', '/api/v1/namespaces', true);
    this.accounts = make<Account>('accounts.config.kiosk.sh', '/apis/config.kiosk.sh/v1alpha1/accounts', true);
    this.roles = make('roles', '/apis/rbac.authorization.k8s.io/v1/roles');
    this.clusterRoles = make('clusterroles', '/apis/rbac.authorization.k8s.io/v1/clusterroles');
    this.roleBindings = make('rolebindings', '/apis/rbac.authorization.k8s.io/v1/rolebindings');
    this.clusterRoleBindings = make('clusterrolebindings', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings');
    this.all = [this.namespaces, this.accounts, this.roles, this.clusterRoles, this.roleBindings, this.clusterRoleBindings];
  }

  /** Routes every informer event into the index (its single writer). */
  feed(index: AccessIndex): void {
    this.namespaces.addHandlers({
      onAdd: (o) => index.setObject('namespaces', o), onUpdate: (_b, o) => index.setObject('namespaces', o),
      onDelete: (o) => index.deleteObject('namespaces', o),
    });
    this.accounts.addHandlers({
      onAdd: (o) => index.setObject('accounts', o), onUpdate: (_b, o) => index.setObject('accounts', o),
      onDelete: (o) => index.deleteObject('accounts', o),
    });
    for (const [informer, kind] of [[this.roles, 'Role'], [this.clusterRoles, 'ClusterRole']] as const) {
      informer.addHandlers({
        onAdd: (r) => index.setRole(kind, r), onUpdate: (_b, r) => index.setRole(kind, r), onDelete: (r) => index.deleteRole(kind, r),
      });
    }
    for (const informer of [this.roleBindings, this.clusterRoleBindings]) {
      informer.addHandlers({
        onAdd: (b) => index.setBinding(b), onUpdate: (_b, b) => index.setBinding(b), onDelete: (b) => index.deleteBinding(b),
      });
    }
  }

  start(): void {
    for (const i of this.all) i.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.all.map((i) => i.stop()));
  }

  synced(): boolean {
    return this.all.every((i) => i.synced());
  }

  async waitForSync(): Promise<void> {
    await Promise.all(this.all.map((i) => i.waitForSync()));
  }

  /** Per-informer figures for metrics. */
  stats(): Array<{ name: string; objects: number; relists: number; errors: number; events: number; synced: boolean; current: boolean }> {
    const named = {
      namespaces: this.namespaces, accounts: this.accounts, roles: this.roles, clusterroles: this.clusterRoles,
      rolebindings: this.roleBindings, clusterrolebindings: this.clusterRoleBindings,
    };
    return Object.entries(named).map(([name, i]) => ({
      name,
      objects: i.size, relists: i.stats.relists, errors: i.stats.errors, events: i.stats.events, synced: i.synced(), current: i.isCurrent(),
    }));
  }
}
