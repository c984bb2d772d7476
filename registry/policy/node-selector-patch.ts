import type { AccountPolicy } from '../account/types.js';
import type { JsonPatchOperation } from '../admission.js';
import { member } from './rule.js';
import { nodeSelectorGaps } from './node-selector.js';

/** RFC 6901: a key as one JSON Pointer token ("kubernetes.io/os" -> "kubernetes.io~1os"). */
const pointerToken = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * The JSON patch that adds the account's nodeSelector entries a new pod lacks. Entries the pod sets to
 * another value are left alone: the validating webhook refuses them with a message the tenant can act on,
 * where overwriting would silently move the pod. No patch when nothing is missing.
 */
export function nodeSelectorPatch(policy: AccountPolicy, pod: unknown): JsonPatchOperation[] {
  const { missing } = nodeSelectorGaps(policy, pod);
  if (missing.length === 0) return [];
  // A pod without a nodeSelector map (absent or null) gets the whole map; "add" into a missing parent fails.
  const selector = member(member(pod, 'spec'), 'nodeSelector');
  if (selector === undefined || selector === null) return [{ op: 'add', path: '/spec/nodeSelector', value: Object.fromEntries(missing) }];
  return missing.map(([key, value]) => ({ op: 'add', path: `/spec/nodeSelector/${pointerToken(key)}`, value }));
}
