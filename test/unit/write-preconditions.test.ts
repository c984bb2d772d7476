import { statusOf } from '../support/status-of.js';
import {
  OPTIMISTIC_LOCK_ERROR_MSG, checkDeletePreconditions, checkResourceVersion, optimisticLockConflict,
} from '../../registry/generic/preconditions.js';

const spaces = { group: 'tenancy.kiosk.sh', resource: 'spaces' };
const current = { uid: 'uid-b', resourceVersion: '12' };
const PREFIX = 'Operation cannot be fulfilled on spaces.tenancy.kiosk.sh "x": ';

describe('checkDeletePreconditions', () => {
  it.each([
    [undefined],
    [{}],
    [{ uid: 'uid-b' }],
    [{ resourceVersion: '12' }],
    [{ uid: 'uid-b', resourceVersion: '12' }],
    // An empty value is no precondition (the writers before the generic store read it so).
    [{ uid: '' }],
    [{ resourceVersion: '' }],
  ])('%j holds', (pre) => {
    expect(() => { checkDeletePreconditions(spaces, 'x', pre, current); }).not.toThrow();
  });

  it.each([
    [{ uid: 'uid-a' }, 'Precondition failed: UID in precondition: uid-a, UID in object meta: uid-b'],
    [{ uid: 'uid-a', resourceVersion: '1' }, 'Precondition failed: UID in precondition: uid-a, UID in object meta: uid-b'],
    [{ resourceVersion: '11' }, 'Precondition failed: ResourceVersion in precondition: 11, ResourceVersion in object meta: 12'],
    [{ uid: 'uid-b', resourceVersion: '13' }, 'Precondition failed: ResourceVersion in precondition: 13, ResourceVersion in object meta: 12'],
  ])('%j fails with 409', (pre, text) => {
    const err = statusOf(() => { checkDeletePreconditions(spaces, 'x', pre, current); });
    expect(err.toStatus()).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Conflict', code: 409,
      message: `${PREFIX}${text}`, details: { name: 'x', group: 'tenancy.kiosk.sh', kind: 'spaces' },
    });
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

  it.each([[undefined, false], ['', false], ['12', false], ['11', true], ['0', true], ['99999999', true]])('requested %j against 12 conflicts: %s', (requested, conflicts) => {
    const check = () => { checkResourceVersion(spaces, 'x', requested, '12'); };
    if (conflicts) expect(check).toThrow(OPTIMISTIC_LOCK_ERROR_MSG);
    else expect(check).not.toThrow();
  });
});
