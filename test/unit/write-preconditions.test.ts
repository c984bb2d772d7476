import { statusOf } from '../support/status-of.js';
import {
  OPTIMISTIC_LOCK_ERROR_MSG, checkPreconditions, checkResourceVersion, optimisticLockConflict, storageKey,
} from '../../registry/generic/preconditions.js';

const spaces = { group: 'tenancy.kiosk.sh', resource: 'spaces' };
const current = { uid: 'uid-b', resourceVersion: '12' };
const PREFIX = 'Operation cannot be fulfilled on spaces.tenancy.kiosk.sh "x": StorageError: invalid object, Code: 4, '
  + 'Key: /registry/tenancy.kiosk.sh/spaces/x, ResourceVersion: 0, AdditionalErrorMsg: ';

describe('checkPreconditions', () => {
  it.each([
    [undefined],
    [{}],
    [{ uid: 'uid-b' }],
    [{ resourceVersion: '12' }],
    [{ uid: 'uid-b', resourceVersion: '12' }],
  ])('%j holds', (pre) => {
    expect(() => checkPreconditions(spaces, 'x', pre, current)).not.toThrow();
  });

  it.each([
    [{ uid: 'uid-a' }, 'Precondition failed: UID in precondition: uid-a, UID in object meta: uid-b'],
    [{ uid: 'uid-a', resourceVersion: '1' }, 'Precondition failed: UID in precondition: uid-a, UID in object meta: uid-b'],
    [{ resourceVersion: '11' }, 'Precondition failed: ResourceVersion in precondition: 11, ResourceVersion in object meta: 12'],
    [{ uid: 'uid-b', resourceVersion: '13' }, 'Precondition failed: ResourceVersion in precondition: 13, ResourceVersion in object meta: 12'],
    [{ uid: '' }, 'Precondition failed: UID in precondition: , UID in object meta: uid-b'],
  ])('%j fails with 409', (pre, text) => {
    const err = statusOf(() => checkPreconditions(spaces, 'x', pre, current));
    expect(err.toStatus()).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Conflict', code: 409,
      message: `${PREFIX}${text}`, details: { name: 'x', group: 'tenancy.kiosk.sh', kind: 'spaces' },
    });
  });

  it('reports the storage key given', () => {
    expect(() => checkPreconditions(spaces, 'x', { uid: 'a' }, current, { storageKey: '/registry/namespaces/x' }))
      .toThrow('StorageError: invalid object, Code: 4, Key: /registry/namespaces/x, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed');
  });

  it.each([
    [{ group: 'tenancy.kiosk.sh', resource: 'spaces' }, '/registry/tenancy.kiosk.sh/spaces/x'],
    [{ group: '', resource: 'namespaces' }, '/registry/namespaces/x'],
  ])('storageKey(%j)', (gr, key) => {
    expect(storageKey(gr, 'x')).toBe(key);
  });
});

describe('optimistic concurrency', () => {
  it('is the upstream conflict', () => {
    expect(optimisticLockConflict(spaces, 'x').toStatus()).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Conflict', code: 409,
      message: 'Operation cannot be fulfilled on spaces.tenancy.kiosk.sh "x": the object has been modified; please apply your changes to the latest version and try again',
      details: { name: 'x', group: 'tenancy.kiosk.sh', kind: 'spaces' },
    });
    expect(OPTIMISTIC_LOCK_ERROR_MSG).toBe('the object has been modified; please apply your changes to the latest version and try again');
  });

  it.each([[undefined, false], ['', false], ['12', false], ['11', true], ['0', true]])('requested %j against 12 conflicts: %s', (requested, conflicts) => {
    const check = () => checkResourceVersion(spaces, 'x', requested, '12');
    if (conflicts) expect(check).toThrow(OPTIMISTIC_LOCK_ERROR_MSG);
    else expect(check).not.toThrow();
  });
});
