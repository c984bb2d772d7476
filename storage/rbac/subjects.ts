import type { UserInfo } from '../user-info.js';
import type { RbacSubject } from './types.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

/**
 * A subject as an index key: `user:<name>` or `group:<name>`. A ServiceAccount is the user
 * `system:serviceaccount:<ns>:<name>`; in a RoleBinding its namespace defaults to the binding's own,
 * as RBAC's appliesToUser does. Returns undefined for a subject RBAC would never match.
 */
export function subjectKey(subject: RbacSubject, bindingNamespace = ''): string | undefined {
  switch (subject.kind) {
    case 'User':
      return subject.apiGroup === undefined || subject.apiGroup === '' || subject.apiGroup === RBAC_GROUP ? `user:${subject.name}` : undefined;
    case 'Group':
      return subject.apiGroup === undefined || subject.apiGroup === '' || subject.apiGroup === RBAC_GROUP ? `group:${subject.name}` : undefined;
    case 'ServiceAccount': {
      const namespace = subject.namespace || bindingNamespace;
      return namespace && subject.name ? `user:${SERVICE_ACCOUNT_PREFIX}${namespace}:${subject.name}` : undefined;
    }
    default:
      return undefined;
  }
}

export function subjectKeys(subjects: RbacSubject[] | null | undefined, bindingNamespace = ''): Set<string> {
  const keys = new Set<string>();
  for (const s of subjects ?? []) {
    const k = subjectKey(s, bindingNamespace);
    if (k) keys.add(k);
  }
  return keys;
}

/** The keys a user is matched by: their name and each of their groups (service-account groups included). */
export function userKeys(user: Pick<UserInfo, 'username' | 'groups'>): Set<string> {
  const keys = new Set([`user:${user.username}`]);
  for (const g of user.groups) keys.add(`group:${g}`);
  return keys;
}

export function intersects(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const k of small) if (large.has(k)) return true;
  return false;
}
