import type { Account, Subject } from './types.js';

/** ClusterRole and ClusterRoleBinding names of an account: deterministic, so replicas and retries converge. */
function accountRbacName(account: string): string {
  const name = `kiosk-account-${account}`;
  // Object names may be 253 characters; an account name close to that gets a hashed tail instead.
  if (name.length <= 253) return name;
  let hash = 0;
  for (const ch of account) hash = (Math.imul(hash, 31) + ch.charCodeAt(0)) >>> 0;
  return `${name.slice(0, 240)}-${hash.toString(16)}`;
}

/**
 * The name of an Account as kube-apiserver returns it: every stored object has one, so an Account without
 * it here is a programming error, not input to turn into objects named "kiosk-account-undefined".
 */
export function accountName(account: Account): string {
  const name = account.metadata.name;
  if (name === undefined) throw new Error('an Account without metadata.name');
  return name;
}

export function ownerReference(account: Account) {
  return {
    apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'Account', name: accountName(account), uid: account.metadata.uid,
    controller: true,
  };
}

/**
 * What each account's subjects may do through the tenancy API, as Kiosk grants it (plus watch, so that
 * `kubectl get spaces -w` works): the server still filters every answer to what the user may see.
 */
export function accountClusterRole(account: Account) {
  const name = accountRbacName(accountName(account));
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name, labels: { 'app.kubernetes.io/name': 'kiosk', 'kiosk.sh/account': accountName(account) }, ownerReferences: [ownerReference(account)] },
    rules: [
      { apiGroups: ['tenancy.kiosk.sh'], resources: ['spaces'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['tenancy.kiosk.sh'], resources: ['accounts'], verbs: ['list', 'watch'] },
      { apiGroups: ['tenancy.kiosk.sh'], resources: ['accounts'], resourceNames: [accountName(account)], verbs: ['get'] },
      // kubectl lists CRDs before applying a file (to choose its validation); see manifests/server-rbac.yaml.
      { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['get', 'list', 'watch'] },
    ],
  };
}

/** RBAC subjects need apiGroup on User and Group; Account subjects are written like them but may omit it. */
export function rbacSubjects(subjects: Subject[] | undefined): Subject[] {
  return (subjects ?? []).map((s) => (s.kind === 'ServiceAccount'
    ? { kind: s.kind, name: s.name, ...(s.namespace ? { namespace: s.namespace } : {}) }
    : { kind: s.kind, apiGroup: 'rbac.authorization.k8s.io', name: s.name }));
}

export function accountClusterRoleBinding(account: Account) {
  const name = accountRbacName(accountName(account));
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name, labels: { 'app.kubernetes.io/name': 'kiosk', 'kiosk.sh/account': accountName(account) }, ownerReferences: [ownerReference(account)] },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
    subjects: rbacSubjects(account.spec.subjects),
  };
}

/** The name of the RoleBinding through which an account's subjects reach one of its spaces. */
export const spaceRoleBindingName = (account: string) => `kiosk-account-${account}`.slice(0, 253);

/** That RoleBinding: the account's subjects bound to `role` in the namespace, owned by the Account. */
export function spaceRoleBinding(account: Account, namespace: string, role: string) {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1' as const,
    kind: 'RoleBinding' as const,
    metadata: {
      name: spaceRoleBindingName(accountName(account)), namespace,
      labels: { 'app.kubernetes.io/name': 'kiosk', 'kiosk.sh/account': accountName(account) },
      ownerReferences: [ownerReference(account)],
    },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: rbacSubjects(account.spec.subjects),
  };
}
