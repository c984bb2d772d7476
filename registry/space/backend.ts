import type { AccessAttributes, AccessDecision } from '../../storage/authorization/subject-access-reviewer.js';
import type { ObjectMeta } from '../../storage/apimachinery/object-meta.js';
import type { UserInfo } from '../../storage/user-info.js';
import type { NetworkPolicyObject } from '../account/isolation.js';
import type { Account } from '../account/types.js';
import type { StoredApplyOptions, StoredWriteOptions } from '../generic/strategy.js';

export interface NamespaceObject {
  apiVersion?: 'v1';
  kind?: 'Namespace';
  metadata: ObjectMeta & { name: string };
  spec?: { finalizers?: string[] };
  status?: { phase?: string };
}

export interface RoleBindingObject {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: 'RoleBinding';
  metadata: ObjectMeta & { name: string; namespace: string };
  roleRef: { apiGroup: string; kind: string; name: string };
  subjects: Array<{ kind: string; apiGroup?: string; name: string; namespace?: string }>;
}

export interface TemplateInstanceObject {
  apiVersion: 'config.kiosk.sh/v1alpha1';
  kind: 'TemplateInstance';
  metadata: ObjectMeta & { namespace: string };
  spec: { template: string; sync?: boolean; parameters?: Array<{ name: string; value: string }> };
}

/**
 * What writing Spaces needs from kube-apiserver and from the caches. Errors from kube-apiserver come
 * back as KubeApiError with its Status; the registry decides what the client sees.
 */
export interface SpaceBackend {
  createNamespace(ns: NamespaceObject, options: StoredWriteOptions): Promise<NamespaceObject>;
  getNamespace(name: string): Promise<NamespaceObject | undefined>;
  updateNamespace(ns: NamespaceObject, options: StoredWriteOptions): Promise<NamespaceObject>;
  /** Server-side apply of a Namespace apply configuration (preconditions in its metadata). */
  applyNamespace(name: string, config: NamespaceObject, options: StoredApplyOptions): Promise<NamespaceObject>;
  /** A JSON merge patch of the namespace, by the server's own manager (clearing the creating mark). */
  patchNamespace(name: string, patch: unknown): Promise<NamespaceObject>;
  deleteNamespace(name: string, options: { dryRun: boolean; propagationPolicy?: string; uid?: string; resourceVersion?: string }): Promise<NamespaceObject>;
  /** Namespaces carrying `label=value`, read live (never from a cache), for limit checks. */
  namespacesWithLabel(label: string, value: string): Promise<Set<string>>;
  applyRoleBinding(rb: RoleBindingObject, dryRun: boolean): Promise<void>;
  /** Server-side apply of the account's isolation NetworkPolicy in a space (the server's field manager). */
  applyNetworkPolicy(policy: NetworkPolicyObject): Promise<void>;
  deleteRoleBinding(namespace: string, name: string): Promise<void>;
  /** Creates the instance; resolves with its name (generated when the account gave generateName). */
  createTemplateInstance(ti: TemplateInstanceObject, dryRun: boolean): Promise<string>;
  /** The config Account: from the informer cache, or read live when the cache has not seen it yet. */
  account(name: string): Promise<Account | undefined>;
  authorize(user: UserInfo, attributes: AccessAttributes): Promise<AccessDecision>;
  /** A slot of the account's space limit: held, refused at the limit, or `busy` (not decided in time: retry). */
  reserveSpace(account: string, space: string, limit: number, dryRun: boolean): Promise<{ ok: true } | { ok: false; count: number } | { ok: false; busy: true }>;
  releaseSpace(account: string, space: string): Promise<void>;
}
