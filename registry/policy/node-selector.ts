import type { AccountPolicy } from '../account/types.js';
import { isPlainObject } from '../../storage/apimachinery/go-json.js';
import { member } from './rule.js';

/** A pod's spec.nodeSelector, its string entries only (absent: empty). */
export function nodeSelectorOf(pod: unknown): Record<string, string> {
  const selector = member(member(pod, 'spec'), 'nodeSelector');
  if (!isPlainObject(selector)) return {};
  return Object.fromEntries(Object.entries(selector).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/** The account's required entries a pod asks another value for, and those it lacks. */
export function nodeSelectorGaps(policy: AccountPolicy, pod: unknown): { conflicting: Array<[string, string, string]>; missing: Array<[string, string]> } {
  const has = nodeSelectorOf(pod);
  const conflicting: Array<[string, string, string]> = [];
  const missing: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(policy.nodeSelector ?? {})) {
    const own = Object.hasOwn(has, key) ? has[key] : undefined;
    if (own === undefined) missing.push([key, value]);
    else if (own !== value) conflicting.push([key, own, value]);
  }
  return { conflicting, missing };
}
