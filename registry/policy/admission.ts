import type { AdmissionDecision, AdmissionRequest } from '../admission.js';
import { reviewedName } from '../accountquota/review-object.js';
import type { EventSink } from '../events.js';
import { discardEvents, referenceTo } from '../events.js';
import { forbidden } from '../../storage/apimachinery/errors.js';
import { isPlainObject } from '../../storage/apimachinery/go-json.js';
import { imagesRule } from './images-rule.js';
import { ingressClassRule } from './ingress-class-rule.js';
import { nodeSelectorPatch } from './node-selector-patch.js';
import { nodeSelectorRule } from './node-selector-rule.js';
import { policyOf } from './policy-of.js';
import { priorityClassRule } from './priority-class-rule.js';
import type { Rule } from './rule.js';
import { storageClassRule } from './storage-class-rule.js';

/** Where the decision reads an account's policy: the informers (apiserver/wiring.ts), never kube-apiserver. */
export interface PolicySource {
  /** The account a namespace belongs to (its kiosk.sh/account label). */
  accountOfNamespace(namespace: string): string | undefined;
  /** The stored config.kiosk.sh Account (any JSON), or undefined. */
  account(name: string): unknown;
}

/** The Event a refusal leaves on the namespace, so an admin sees what the account's tenants keep trying. */
export const POLICY_VIOLATION = 'PolicyViolation';

/**
 * The rules of each resource the policy.kiosk.sh webhook is sent (manifests/webhook.yaml), in the order a
 * refusal reports them: the first rule that refuses is the one the tenant reads.
 */
function rulesFor(request: AdmissionRequest): Rule[] {
  const { group, resource } = request.resource;
  const sub = request.subResource ?? '';
  if (group === '' && resource === 'pods' && (sub === '' || sub === 'ephemeralcontainers')) return [imagesRule, priorityClassRule, nodeSelectorRule];
  if (group === '' && resource === 'persistentvolumeclaims' && sub === '') return [storageClassRule];
  if (group === 'networking.k8s.io' && resource === 'ingresses' && sub === '') return [ingressClassRule];
  return [];
}

/**
 * An Account's spec.policy, applied to the pods, PersistentVolumeClaims and Ingresses of its spaces.
 * `validate` (policy.kiosk.sh) refuses what breaks a rule with a 403 and a Warning Event on the namespace
 * (none for a dry run); `defaults` (policy-defaults.kiosk.sh) adds the nodeSelector entries a new pod lacks.
 * A namespace outside any account, or an account without a policy, is not judged at all.
 */
export class PolicyAdmission {
  constructor(private readonly source: PolicySource, private readonly events: EventSink = discardEvents) {}

  private policy(request: AdmissionRequest) {
    const account = request.namespace ? this.source.accountOfNamespace(request.namespace) : undefined;
    const policy = account === undefined ? undefined : policyOf(this.source.account(account));
    return account === undefined || policy === undefined ? undefined : { account, policy };
  }

  validate(request: AdmissionRequest): AdmissionDecision {
    if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return { allowed: true };
    const object = request.object;
    const found = this.policy(request);
    if (!found || !isPlainObject(object)) return { allowed: true };
    const oldObject = request.operation === 'UPDATE' && isPlainObject(request.oldObject) ? request.oldObject : undefined;
    for (const rule of rulesFor(request)) {
      const reason = rule({ ...found, object, oldObject });
      if (reason === undefined) continue;
      const error = forbidden({ group: request.resource.group, resource: request.resource.resource }, reviewedName(request), reason);
      if (request.dryRun !== true) {
        // The note leaves out the object's name: a ReplicaSet retrying generated names then aggregates into one Event.
        const what = request.resource.group ? `${request.resource.resource}.${request.resource.group}` : request.resource.resource;
        this.events.record({
          regarding: referenceTo('v1', 'Namespace', { name: request.namespace ?? '' }), type: 'Warning', reason: POLICY_VIOLATION,
          action: request.operation === 'CREATE' ? 'Create' : 'Update', note: `${what}: ${reason}`,
        });
      }
      return { allowed: false, error };
    }
    return { allowed: true };
  }

  defaults(request: AdmissionRequest): AdmissionDecision {
    const { group, resource } = request.resource;
    if (request.operation !== 'CREATE' || group !== '' || resource !== 'pods' || request.subResource) return { allowed: true };
    const found = this.policy(request);
    if (!found?.policy.nodeSelector || !isPlainObject(request.object)) return { allowed: true };
    const patch = nodeSelectorPatch(found.policy, request.object);
    return patch.length ? { allowed: true, patch } : { allowed: true };
  }
}
