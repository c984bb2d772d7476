import type { AccessAttributes, AccessDecision } from '../../storage/authorization/subject-access-reviewer.js';
import { forbidden } from '../../storage/apimachinery/errors.js';
import type { UserInfo } from '../../storage/user-info.js';
import type { AdmissionDecision, AdmissionRequest } from '../admission.js';
import type { EventSink } from '../events.js';
import { discardEvents, referenceTo } from '../events.js';
import type { ProtectionSource } from './protected-objects.js';
import { protectionOf } from './protected-objects.js';

/** What the protection webhook asks besides the informers. */
export interface ProtectionDeps extends ProtectionSource {
  accountOfNamespace(namespace: string): string | undefined;
  authorize(user: UserInfo, attributes: AccessAttributes): Promise<AccessDecision>;
  /** The server's own user name (its writes keep what it protects up to date); undefined while unknown. */
  ownUsername(): Promise<string | undefined>;
}

/**
 * Mandatory means kept: a tenant's UPDATE or DELETE of a protected object (protected-objects.ts) in a space is
 * refused, so the space is never without its isolation policy or its mandatory templates, not even for the
 * seconds a repair would take, and the TemplateInstance never reports Deployed over objects that are gone.
 * Refusing beats repairing here: a repair re-applies what the template says, but what the tenant did in between
 * (a Deployment scaled to 0, a NetworkPolicy opened) has already had its effect.
 * Admins may do anything: a user who may make the same write in every namespace (a ClusterRoleBinding, never a
 * space's RoleBinding) is let through, and so is the server itself. Each refusal is also a Warning Event on the
 * Namespace, so the account's admins and tenants see attempts in `kubectl get events`.
 */
export class ProtectedObjectsAdmission {
  constructor(private readonly deps: ProtectionDeps, private readonly events: EventSink = discardEvents) {}

  async admit(request: AdmissionRequest): Promise<AdmissionDecision> {
    if ((request.operation !== 'UPDATE' && request.operation !== 'DELETE') || request.subResource) return { allowed: true };
    const namespace = request.namespace ?? '';
    const account = namespace ? this.deps.accountOfNamespace(namespace) : undefined;
    if (!account) return { allowed: true };
    const why = protectionOf(request.oldObject, namespace, account, this.deps);
    if (!why) return { allowed: true };
    const { username, uid, groups, extra } = request.userInfo;
    const user: UserInfo = { username, groups: groups ?? [], extra: extra ?? {}, ...(uid ? { uid } : {}) };
    if (user.username === await this.deps.ownUsername()) return { allowed: true };
    const verb = request.operation === 'DELETE' ? 'delete' : 'update';
    const { group, version, resource } = request.resource;
    const admin = await this.deps.authorize(user, { verb, resource: { group, version, resource } });
    if (admin.allowed) return { allowed: true };
    const name = request.name ?? '';
    const reason = `it ${why}; only cluster admins may ${verb} it`;
    if (!request.dryRun) {
      this.events.record({
        regarding: referenceTo('v1', 'Namespace', { name: namespace }), type: 'Warning', reason: 'ProtectedObject', action: verb === 'delete' ? 'Deleting' : 'Updating',
        note: `${request.userInfo.username} may not ${verb} ${resource} ${name}: it ${why}`,
      });
    }
    return { allowed: false, error: forbidden({ group, resource }, name, reason) };
  }
}
