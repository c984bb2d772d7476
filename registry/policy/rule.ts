import type { AccountPolicy } from '../account/types.js';
import { isPlainObject } from '../../storage/apimachinery/go-json.js';

/** What a rule judges: the object (and on UPDATE the old one) against its account's policy. */
export interface RuleInput {
  account: string;
  policy: AccountPolicy;
  object: Record<string, unknown>;
  /** The stored object on UPDATE: a rule judges only what changed, so objects older than the policy stay manageable. */
  oldObject?: Record<string, unknown>;
}

/** A rule: undefined when the object complies, else why it is refused (the part after "is forbidden: "). */
export type Rule = (input: RuleInput) => string | undefined;

/** A JSON member of a JSON object, nothing for anything else (a review's object may hold any JSON). */
export const member = (v: unknown, key: string): unknown => (isPlainObject(v) ? v[key] : undefined);

/** A list of allowed values as a refusal prints it: "" shown quoted, so an empty entry is visible; none as "none". */
export function allowedList(values: readonly string[]): string {
  return values.length === 0 ? 'none' : values.map((v) => (v === '' ? '""' : v)).join(', ');
}

/**
 * The rule of one class-like field (storage, ingress, priority class): with the list set, the object's value
 * must be in it; on UPDATE a value that did not change is not judged again.
 */
export function classRule(list: (p: AccountPolicy) => string[] | undefined, valueOf: (object: Record<string, unknown>) => string, what: string): Rule {
  return ({ account, policy, object, oldObject }) => {
    const allowed = list(policy);
    if (allowed === undefined) return undefined;
    const value = valueOf(object);
    if (oldObject && valueOf(oldObject) === value) return undefined;
    if (allowed.includes(value)) return undefined;
    return `${what} class "${value}" is not allowed in account ${account} (allowed ${what} classes: ${allowedList(allowed)})`;
  };
}
