import type { FieldError } from '../../storage/apimachinery/field-errors.js';
import { isPlainObject } from '../../storage/apimachinery/go-json.js';
import { validateIsolation } from './isolation-validation.js';
import type { Subject } from './types.js';
import { ACCOUNT_LABEL } from './types.js';
import { validatePolicy } from './policy-validation.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const q = (v: unknown) => JSON.stringify(v);
/** A field of a JSON object; nothing of anything else (the Account may come from a review, with any JSON types). */
const member = (v: unknown, key: string): unknown => (isPlainObject(v) ? v[key] : undefined);

/** `s` is any JSON object: a subject from a review may lack any of its fields. */
function validateSubject(s: Partial<Subject>, path: string): FieldError[] {
  const errors: FieldError[] = [];
  if (!s.name) errors.push({ field: `${path}.name`, type: 'FieldValueRequired', detail: 'Required value' });
  switch (s.kind) {
    case 'ServiceAccount':
      if (s.apiGroup) errors.push({ field: `${path}.apiGroup`, type: 'FieldValueNotSupported', detail: `Unsupported value: ${q(s.apiGroup)}: supported values: ""` });
      if (!s.namespace) errors.push({ field: `${path}.namespace`, type: 'FieldValueRequired', detail: 'Required value' });
      if (s.name && (s.name.length > 253 || !DNS1123_SUBDOMAIN.test(s.name))) {
        errors.push({ field: `${path}.name`, type: 'FieldValueInvalid', detail: `Invalid value: ${q(s.name)}: a ServiceAccount name must be a lowercase RFC 1123 subdomain` });
      }
      break;
    case 'User':
    case 'Group':
      if (s.apiGroup !== RBAC_GROUP) {
        errors.push({ field: `${path}.apiGroup`, type: 'FieldValueNotSupported', detail: `Unsupported value: ${q(s.apiGroup ?? '')}: supported values: "${RBAC_GROUP}"` });
      }
      break;
    default:
      errors.push({ field: `${path}.kind`, type: 'FieldValueNotSupported', detail: `Unsupported value: ${q(s.kind ?? '')}: supported values: "ServiceAccount", "User", "Group"` });
  }
  return errors;
}

/**
 * Kiosk's Account rules (its /validate webhook), with field paths: well-formed RBAC subjects (they are
 * copied into RoleBindings), a non-negative space limit, and no account label forged through the space
 * template (it would move every new space into another account).
 */
export function validateAccount(account: unknown): FieldError[] {
  const errors: FieldError[] = [];
  errors.push(...validateIsolation(account));
  // kube-apiserver checks the CRD schema before it calls the webhook; a review that did not come from it
  // (or an object decoded without types) still gets field errors, never a TypeError.
  const spec = member(account, 'spec');
  const subjects = member(spec, 'subjects');
  if (subjects !== undefined && subjects !== null && !Array.isArray(subjects)) {
    errors.push({ field: 'spec.subjects', type: 'FieldValueTypeInvalid', detail: 'Invalid value: must be a list of subjects' });
  } else {
    (subjects ?? []).forEach((s, i) => {
      if (typeof s !== 'object' || s === null || Array.isArray(s)) {
        errors.push({ field: `spec.subjects[${String(i)}]`, type: 'FieldValueTypeInvalid', detail: 'Invalid value: must be a subject object' });
      } else errors.push(...validateSubject(s as Partial<Subject>, `spec.subjects[${String(i)}]`));
    });
  }
  const space = member(spec, 'space');
  const limit = member(space, 'limit');
  if (limit !== undefined && limit !== null && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0)) {
    // Printed as JavaScript prints it, as this message always has: any JSON value may arrive here from a review.
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- an object prints as "[object Object]", as it always has
    errors.push({ field: 'spec.space.limit', type: 'FieldValueInvalid', detail: `Invalid value: ${String(limit)}: must be greater than or equal to 0` });
  }
  const forged = member(member(member(member(space, 'spaceTemplate'), 'metadata'), 'labels'), ACCOUNT_LABEL);
  if (forged) {
    errors.push({
      field: `spec.space.spaceTemplate.metadata.labels[${ACCOUNT_LABEL}]`, type: 'FieldValueForbidden',
      detail: 'Forbidden: the account label is set by the server from spec.account and cannot be set by a template',
    });
  }
  const instances = member(space, 'templateInstances');
  if (instances !== undefined && instances !== null && !Array.isArray(instances)) {
    errors.push({ field: 'spec.space.templateInstances', type: 'FieldValueTypeInvalid', detail: 'Invalid value: must be a list' });
  } else (instances ?? []).forEach((t, i) => {
    if (!member(member(t, 'spec'), 'template')) errors.push({ field: `spec.space.templateInstances[${String(i)}].spec.template`, type: 'FieldValueRequired', detail: 'Required value' });
  });
  errors.push(...validatePolicy(member(spec, 'policy')));
  return errors;
}
