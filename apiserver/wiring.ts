import type { AccountController } from '../registry/account/controller.js';
import type { Account } from '../registry/account/types.js';
import type { ClusterInformers } from '../storage/informers/cluster-informers.js';

/** Routes the informer events the account controller reacts to. */
export function wireAccountController(informers: ClusterInformers, controller: AccountController): void {
  const account = (o: unknown) => controller.onAccount(o as Account);
  informers.accounts.addHandlers({
    onAdd: account, onUpdate: (_b, o) => account(o), onDelete: (o) => controller.onAccountDeleted(o as unknown as Account),
  });
  informers.namespaces.addHandlers({
    onAdd: (ns) => controller.onNamespace(ns),
    onUpdate: (_b, ns) => controller.onNamespace(ns),
    onDelete: (ns) => controller.onNamespace(ns, true),
  });
  for (const informer of [informers.clusterRoles, informers.clusterRoleBindings, informers.roleBindings]) {
    informer.addHandlers({ onUpdate: (_b, o) => controller.onOwnedObject(o), onDelete: (o) => controller.onOwnedObject(o) });
  }
}
