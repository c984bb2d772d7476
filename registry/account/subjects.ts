/** An Account's subjects: who is a member of it, and the role they get in each of its spaces (Kiosk's rules). */
import { intersects, subjectKeys, userKeys } from '../../storage/rbac/subjects.js';
import type { UserInfo } from '../../storage/user-info.js';
import type { Account } from './types.js';

/** Whether the user is one of the account's subjects: by name, through a group, or as its ServiceAccount. */
export function isAccountMember(user: Pick<UserInfo, 'username' | 'groups'>, account: Account): boolean {
  return intersects(subjectKeys(account.spec.subjects), userKeys(user));
}

/** Kiosk's default: the account's subjects administer each of its spaces. `""` means no binding at all. */
export function spaceClusterRole(account: Account): string | undefined {
  const role = account.spec.space?.clusterRole;
  if (role === undefined || role === null) return 'admin';
  return role === '' ? undefined : role;
}
