import { nodeSelectorGaps, nodeSelectorOf } from './node-selector.js';
import type { Rule } from './rule.js';

/**
 * A pod must carry each of the account's nodeSelector entries with the account's value. policy-defaults
 * added the absent ones at create, so here a missing entry means the pod got past it (another mutating
 * webhook removed it); a different value is the tenant's and is refused. On UPDATE (a gated pod's selector
 * may still grow) only a changed selector is judged.
 */
export const nodeSelectorRule: Rule = ({ account, policy, object, oldObject }) => {
  if (!policy.nodeSelector) return undefined;
  if (oldObject && JSON.stringify(nodeSelectorOf(oldObject)) === JSON.stringify(nodeSelectorOf(object))) return undefined;
  const { conflicting, missing } = nodeSelectorGaps(policy, object);
  const [conflict] = conflicting;
  if (conflict) return `node selector ${conflict[0]}=${conflict[1]} conflicts with ${conflict[0]}=${conflict[2]} required in account ${account}`;
  const [absent] = missing;
  if (absent) return `node selector ${absent[0]}=${absent[1]} is required in account ${account}`;
  return undefined;
};
