import type { AccountPolicy } from '../account/types.js';
import { isPlainObject } from '../../storage/apimachinery/go-json.js';

const LISTS = ['allowedRegistries', 'allowedStorageClasses', 'allowedIngressClasses', 'allowedPriorityClasses'] as const;

/**
 * An Account's spec.policy as the informers hold it, read defensively: the CRD schema and validate-account
 * keep it well formed, but a list that is somehow not a list of strings fails closed (it allows nothing)
 * rather than open. No policy (unset, null) is undefined.
 */
export function policyOf(account: unknown): AccountPolicy | undefined {
  const spec = isPlainObject(account) ? account.spec : undefined;
  const raw = isPlainObject(spec) ? spec.policy : undefined;
  if (!isPlainObject(raw)) return undefined;
  const policy: AccountPolicy = {};
  for (const list of LISTS) {
    const value = raw[list];
    if (value === undefined || value === null) continue;
    policy[list] = Array.isArray(value) ? value.filter((s): s is string => typeof s === 'string') : [];
  }
  if (isPlainObject(raw.nodeSelector)) {
    policy.nodeSelector = Object.fromEntries(Object.entries(raw.nodeSelector).filter((e): e is [string, string] => typeof e[1] === 'string'));
  }
  return policy;
}
