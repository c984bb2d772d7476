// spec.policy's field errors (registry/account/policy-validation.ts), as validateAccount returns them for both
// the tenancy.kiosk.sh writes and the validate-account webhook.
import { validateAccount } from '../../registry/account/validation.js';

const errorsOf = (policy: unknown) => validateAccount({ spec: { policy } });

describe('spec.policy validation', () => {
  it('accepts no policy, an empty one, and a full one ("" allowed in the class lists)', () => {
    expect(errorsOf(undefined)).toEqual([]);
    expect(errorsOf(null)).toEqual([]);
    expect(errorsOf({})).toEqual([]);
    expect(errorsOf({
      allowedRegistries: ['registry.example.com/'], allowedStorageClasses: ['gp3', ''], allowedIngressClasses: [], allowedPriorityClasses: ['tenant'],
      nodeSelector: { pool: 'tenants', 'kubernetes.io/os': 'linux' },
    })).toEqual([]);
  });

  it('names each bad field', () => {
    expect(errorsOf('strict')).toEqual([{ field: 'spec.policy', type: 'FieldValueTypeInvalid', detail: 'Invalid value: must be an object' }]);
    expect(errorsOf({ allowedRegistries: 'quay.io/' })).toEqual([{ field: 'spec.policy.allowedRegistries', type: 'FieldValueTypeInvalid', detail: 'Invalid value: must be a list of strings' }]);
    expect(errorsOf({ allowedRegistries: ['', 'quay.io/', 'quay.io/', 3] })).toEqual([
      { field: 'spec.policy.allowedRegistries[0]', type: 'FieldValueRequired', detail: 'Required value: an empty prefix would allow every image; leave allowedRegistries unset for no rule' },
      { field: 'spec.policy.allowedRegistries[2]', type: 'FieldValueDuplicate', detail: 'Duplicate value: "quay.io/"' },
      { field: 'spec.policy.allowedRegistries[3]', type: 'FieldValueTypeInvalid', detail: 'Invalid value: must be a string' },
    ]);
    expect(errorsOf({ allowedStorageClasses: ['Fast_SSD'] })).toEqual([expect.objectContaining({ field: 'spec.policy.allowedStorageClasses[0]', type: 'FieldValueInvalid' })]);
    expect(errorsOf({ allowedPriorityClasses: Array.from({ length: 65 }, (_, i) => `c${String(i)}`) }))
      .toEqual([{ field: 'spec.policy.allowedPriorityClasses', type: 'FieldValueTooMany', detail: 'Too many: 65: must have at most 64 items' }]);
  });

  it('holds nodeSelector to label keys and values, as upstream\'s ValidateLabels reports them', () => {
    const errors = errorsOf({ nodeSelector: { 'bad key!': 'x', pool: 'not ok', n: 1 } });
    expect(errors.map((e) => [e.field, e.type])).toEqual([
      ['spec.policy.nodeSelector', 'FieldValueInvalid'],
      ['spec.policy.nodeSelector[pool]', 'FieldValueInvalid'],
      ['spec.policy.nodeSelector[n]', 'FieldValueTypeInvalid'],
    ]);
    expect(errors[0]?.detail).toMatch(/^Invalid value: "bad key!": name part must consist of alphanumeric characters/);
    expect(errorsOf({ nodeSelector: ['pool=tenants'] })).toEqual([{ field: 'spec.policy.nodeSelector', type: 'FieldValueTypeInvalid', detail: 'Invalid value: must be a map of label keys to values' }]);
  });
});
