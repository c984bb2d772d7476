import type { ObjectMeta } from '../../storage/apimachinery/object-meta.js';
import {
  ISOLATION_POLICY_NAME, NETWORK_ISOLATION_ANNOTATION, NETWORK_ISOLATION_APPLIED, NETWORK_ISOLATION_PENDING, POD_SECURITY_ANNOTATION, POD_SECURITY_LABELS,
} from '../account/isolation.js';
import type { SpaceCondition } from './types.js';

/**
 * Whether the account's isolation is in place in a space, read from its Namespace alone (so that a list or
 * watch of Spaces costs no other lookup): the annotations the server writes say what it set up, the labels
 * whether they still hold. A space whose account asks for no isolation has none of them, and no condition.
 */
export function isolationConditions(meta: Pick<ObjectMeta, 'labels' | 'annotations'>): SpaceCondition[] {
  const conditions: SpaceCondition[] = [];
  const level = meta.annotations?.[POD_SECURITY_ANNOTATION];
  if (level !== undefined) {
    const off = POD_SECURITY_LABELS.filter((l) => meta.labels?.[l] !== level);
    conditions.push(off.length === 0
      ? { type: 'PodSecurityEnforced', status: 'True', reason: 'LabelsSet', message: `Pods must meet the "${level}" Pod Security Standard (enforce, warn and audit)` }
      : { type: 'PodSecurityEnforced', status: 'False', reason: 'LabelsChanged', message: `${off.join(', ')} not "${level}"; the account controller is restoring them` });
  }
  const network = meta.annotations?.[NETWORK_ISOLATION_ANNOTATION];
  if (network === NETWORK_ISOLATION_APPLIED) {
    conditions.push({ type: 'NetworkIsolated', status: 'True', reason: 'NetworkPolicyApplied',
      message: `NetworkPolicy ${ISOLATION_POLICY_NAME} admits ingress only from the account's spaces and spec.isolation.allowFrom (enforced by a NetworkPolicy-capable CNI)` });
  } else if (network !== undefined) {
    conditions.push({ type: 'NetworkIsolated', status: 'False', reason: network === NETWORK_ISOLATION_PENDING ? 'Pending' : 'Unknown',
      message: `NetworkPolicy ${ISOLATION_POLICY_NAME} is not applied yet` });
  }
  return conditions;
}
