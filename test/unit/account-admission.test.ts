import type { AdmissionRequest } from '../../registry/admission.js';
import { validateConfigAccount } from '../../registry/account/admission.js';

const request = (operation: 'CREATE' | 'UPDATE', object: Record<string, unknown>, oldObject?: Record<string, unknown>): AdmissionRequest => ({
  uid: 'u', operation, kind: { group: 'config.kiosk.sh', version: 'v1alpha1', kind: 'Account' },
  resource: { group: 'config.kiosk.sh', version: 'v1alpha1', resource: 'accounts' }, userInfo: { username: 'admin' },
  object, ...(oldObject ? { oldObject } : {}),
});
const bad = { metadata: { name: 'a' }, spec: { subjects: [{ kind: 'User', name: 'x' }] } };
const good = { metadata: { name: 'a' }, spec: { subjects: [{ kind: 'User', name: 'x', apiGroup: 'rbac.authorization.k8s.io' }] } };

describe('validate-account (config.kiosk.sh Accounts)', () => {
  it('refuses a malformed Account with a 422 naming each field', () => {
    const decision = validateConfigAccount(request('CREATE', bad));
    expect(decision.allowed).toBe(false);
    if (decision.allowed) return;
    const status = decision.error.toStatus();
    expect(status).toMatchObject({ code: 422, reason: 'Invalid', details: { name: 'a', group: 'config.kiosk.sh', kind: 'Account' } });
    expect(status.details?.causes).toEqual([{ field: 'spec.subjects[0].apiGroup', reason: 'FieldValueNotSupported', message: 'Unsupported value: "": supported values: "rbac.authorization.k8s.io"' }]);
  });

  it('allows a well-formed one, and an update that leaves a stored spec as it was', () => {
    expect(validateConfigAccount(request('CREATE', good))).toEqual({ allowed: true });
    // e.g. the server adding its finalizer to an Account Kiosk stored without apiGroup
    expect(validateConfigAccount(request('UPDATE', { ...bad, metadata: { name: 'a', finalizers: ['kiosk.sh/delete-spaces'] } }, bad))).toEqual({ allowed: true });
    expect(validateConfigAccount(request('UPDATE', { ...bad, spec: { ...bad.spec, space: { limit: 1 } } }, bad)).allowed).toBe(false);
  });
});
