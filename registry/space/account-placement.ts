import { KubeApiError } from '../../storage/kube-api-error.js';
import type { UserInfo } from '../../storage/user-info.js';
import type { GroupResource } from '../../storage/apimachinery/group-version.js';
import { forbidden, invalid, tooManyRequests } from '../../storage/apimachinery/errors.js';
import { spaceRoleBinding } from '../account/rbac.js';
import type { Account } from '../account/types.js';
import type { RequestContext } from '../rest.js';
import { isAccountMember, spaceClusterRole } from '../account/subjects.js';
import type { SpaceBackend } from './backend.js';

export const SPACES: GroupResource = { group: 'tenancy.kiosk.sh', resource: 'spaces' };
/** Kiosk words its create denial with the singular resource; the walkthrough shows exactly that message. */
const SPACE_SINGULAR: GroupResource = { group: 'tenancy.kiosk.sh', resource: 'space' };

/**
 * Kiosk's rules for the account a space belongs to, on create and on a move: membership or namespace-creation
 * rights decide who may put a space in an account; the space limit holds under concurrency (reserved on a
 * Lease across replicas); the account's subjects get their ClusterRole in the space.
 */
export class AccountPlacement {
  constructor(private readonly backend: Pick<SpaceBackend, 'account' | 'authorize' | 'reserveSpace' | 'releaseSpace' | 'applyRoleBinding'>) {}

  private async mayCreateNamespaces(user: UserInfo): Promise<boolean> {
    const decision = await this.backend.authorize(user, { verb: 'create', resource: { group: '', version: 'v1', resource: 'namespaces' } });
    return decision.allowed;
  }

  /** The account a user may put a space in, or the error they get. Admins may use any existing account. */
  async accountFor(ctx: RequestContext, name: string, accountName: string | undefined, verb: 'create' | 'update'): Promise<Account | undefined> {
    const user = ctx.user;
    if (!accountName) {
      if (await this.mayCreateNamespaces(user)) return undefined;
      throw invalid('Space', 'tenancy.kiosk.sh', name, [{
        field: 'spec.account', type: 'FieldValueRequired',
        detail: 'Required value: the account the space belongs to (only users who may create namespaces can omit it)',
      }]);
    }
    const account = await this.backend.account(accountName);
    if (account && isAccountMember(user, account)) return account;
    if (!(await this.mayCreateNamespaces(user))) {
      throw forbidden(SPACE_SINGULAR, name, `User "${user.username}" cannot ${verb} resource "spaces" in API group "tenancy.kiosk.sh" at the cluster scope`);
    }
    if (!account) {
      throw invalid('Space', 'tenancy.kiosk.sh', name, [{ field: 'spec.account', type: 'FieldValueNotFound', detail: `Not found: ${JSON.stringify(accountName)}` }]);
    }
    return account;
  }

  /**
   * Holds one of the account's space slots for `space` (403 when none is left): the release to call once the
   * namespace write has landed or failed, or undefined when nothing is held (no limit, or a dry run).
   */
  async reserve(account: Account, space: string, dryRun: boolean): Promise<(() => Promise<void>) | undefined> {
    // JSON null reads as no limit, as unset does.
    const limit = account.spec.space?.limit as number | null | undefined;
    if (limit === undefined || limit === null) return undefined;
    const accountName = account.metadata.name ?? '';
    const outcome = await this.backend.reserveSpace(accountName, space, limit, dryRun);
    if (!outcome.ok && 'busy' in outcome) throw tooManyRequests(`too many concurrent space creates in account ${accountName}; retry`, 1);
    if (!outcome.ok) throw forbidden(SPACES, space, `space limit of ${String(limit)} reached for account ${accountName}`);
    // Once the namespace exists the live count includes it; if it failed, the slot is free again.
    return dryRun ? undefined : () => this.backend.releaseSpace(accountName, space);
  }

  /** The RoleBinding giving the account's subjects its space ClusterRole in the namespace, owned by the Account. */
  async bind(namespace: string, account: Account): Promise<void> {
    const role = spaceClusterRole(account);
    if (!role) return;
    try {
      await this.backend.applyRoleBinding(spaceRoleBinding(account, namespace, role), false);
    } catch (err) {
      if (err instanceof KubeApiError && err.statusCode === 403) {
        throw forbidden(SPACES, namespace, `the kiosk server may not bind ClusterRole "${role}" for account ${String(account.metadata.name)}: ${err.status?.message ?? err.message}`);
      }
      throw err;
    }
  }
}
