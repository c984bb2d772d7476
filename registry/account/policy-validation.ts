import type { FieldError } from '../../storage/apimachinery/field-errors.js';
import { fieldError } from '../../storage/apimachinery/field-errors.js';
import { isPlainObject } from '../../storage/apimachinery/go-json.js';
import { isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from '../../storage/apimachinery/validation.js';

/**
 * The most entries a policy list or the nodeSelector may hold: every pod, PVC and Ingress of the account is
 * judged against them, and a guardrail that long is a mistake rather than a policy.
 */
export const MAX_POLICY_ENTRIES = 64;

/** The class lists: "" is an entry of its own (an object that names no class), anything else a class name. */
const CLASS_LISTS = ['allowedStorageClasses', 'allowedIngressClasses', 'allowedPriorityClasses'] as const;

const tooMany = (field: string, n: number): FieldError =>
  ({ field, type: 'FieldValueTooMany', detail: `Too many: ${n}: must have at most ${MAX_POLICY_ENTRIES} items` });
const typeInvalid = (field: string, what: string): FieldError =>
  ({ field, type: 'FieldValueTypeInvalid', detail: `Invalid value: must be ${what}` });

/** A list of strings, each checked by `entry`; null and absent are no rule. */
function validateList(value: unknown, field: string, entry: (s: string, path: string) => FieldError[]): FieldError[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return [typeInvalid(field, 'a list of strings')];
  if (value.length > MAX_POLICY_ENTRIES) return [tooMany(field, value.length)];
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  value.forEach((s: unknown, i) => {
    const path = `${field}[${String(i)}]`;
    if (typeof s !== 'string') errors.push(typeInvalid(path, 'a string'));
    else if (seen.has(s)) errors.push(fieldError.duplicate(path, s));
    else {
      seen.add(s);
      errors.push(...entry(s, path));
    }
  });
  return errors;
}

/** An image prefix: "" would allow every image, which is what leaving the list unset says. */
const registryPrefix = (s: string, path: string): FieldError[] =>
  (s === '' ? [fieldError.required(path, 'an empty prefix would allow every image; leave allowedRegistries unset for no rule')] : []);

/** Storage, ingress and priority classes are all named as DNS subdomains. */
const className = (s: string, path: string): FieldError[] => (s === '' ? [] : isDNS1123Subdomain(s).map((m) => fieldError.invalid(path, s, m)));

function validateNodeSelector(value: unknown, field: string): FieldError[] {
  if (value === undefined || value === null) return [];
  if (!isPlainObject(value)) return [typeInvalid(field, 'a map of label keys to values')];
  const entries = Object.entries(value);
  if (entries.length > MAX_POLICY_ENTRIES) return [tooMany(field, entries.length)];
  // As upstream's ValidateLabels: a bad key is reported on the map, a bad value under its key.
  return entries.flatMap(([k, v]) => [
    ...isQualifiedName(k).map((m) => fieldError.invalid(field, k, m)),
    ...(typeof v === 'string' ? isValidLabelValue(v).map((m) => fieldError.invalid(`${field}[${k}]`, v, m)) : [typeInvalid(`${field}[${k}]`, 'a string')]),
  ]);
}

/**
 * spec.policy of an Account, as any JSON may arrive from a review: lists of distinct strings (at most
 * MAX_POLICY_ENTRIES), non-empty image prefixes, class names that could name a class, and a nodeSelector of
 * valid label keys and values. Unset (or null) is no policy.
 */
export function validatePolicy(policy: unknown): FieldError[] {
  if (policy === undefined || policy === null) return [];
  if (!isPlainObject(policy)) return [typeInvalid('spec.policy', 'an object')];
  return [
    ...validateList(policy.allowedRegistries, 'spec.policy.allowedRegistries', registryPrefix),
    ...CLASS_LISTS.flatMap((list) => validateList(policy[list], `spec.policy.${list}`, className)),
    ...validateNodeSelector(policy.nodeSelector, 'spec.policy.nodeSelector'),
  ];
}
