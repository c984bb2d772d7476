import { RbacStore, bindingKey } from '../../storage/rbac/rbac-store.js';
import { intersects, subjectKey, subjectKeys, userKeys } from '../../storage/rbac/subjects.js';
import type { BindingObject, RbacSubject, RoleObject } from '../../storage/rbac/types.js';

const RBAC = 'rbac.authorization.k8s.io';

describe('subjectKey', () => {
  it.each<[string, RbacSubject, string, string | undefined]>([
    ['User', { kind: 'User', apiGroup: RBAC, name: 'alice' }, '', 'user:alice'],
    ['User without apiGroup', { kind: 'User', name: 'alice' }, '', 'user:alice'],
    ['User with the empty apiGroup', { kind: 'User', apiGroup: '', name: 'alice' }, '', 'user:alice'],
    ['User of a foreign apiGroup', { kind: 'User', apiGroup: 'example.com', name: 'alice' }, '', undefined],
    ['User in a RoleBinding ignores the namespace', { kind: 'User', apiGroup: RBAC, name: 'alice' }, 'ns1', 'user:alice'],
    ['User named like a service account', { kind: 'User', apiGroup: RBAC, name: 'system:serviceaccount:ns1:sa' }, '', 'user:system:serviceaccount:ns1:sa'],
    ['Group', { kind: 'Group', apiGroup: RBAC, name: 'devs' }, '', 'group:devs'],
    ['Group system:authenticated', { kind: 'Group', apiGroup: RBAC, name: 'system:authenticated' }, '', 'group:system:authenticated'],
    ['Group system:serviceaccounts:ns1', { kind: 'Group', apiGroup: RBAC, name: 'system:serviceaccounts:ns1' }, 'ns2', 'group:system:serviceaccounts:ns1'],
    ['Group of a foreign apiGroup', { kind: 'Group', apiGroup: 'example.com', name: 'devs' }, '', undefined],
    ['ServiceAccount with a namespace', { kind: 'ServiceAccount', name: 'sa', namespace: 'ns1' }, '', 'user:system:serviceaccount:ns1:sa'],
    ['ServiceAccount with a namespace in a RoleBinding elsewhere', { kind: 'ServiceAccount', name: 'sa', namespace: 'ns1' }, 'ns2',
      'user:system:serviceaccount:ns1:sa'],
    ['ServiceAccount defaults to the RoleBinding namespace', { kind: 'ServiceAccount', name: 'sa' }, 'ns2', 'user:system:serviceaccount:ns2:sa'],
    ['ServiceAccount with empty namespace defaults too', { kind: 'ServiceAccount', name: 'sa', namespace: '' }, 'ns2', 'user:system:serviceaccount:ns2:sa'],
    ['ServiceAccount without namespace in a ClusterRoleBinding', { kind: 'ServiceAccount', name: 'sa' }, '', undefined],
    ['ServiceAccount without a name', { kind: 'ServiceAccount', name: '', namespace: 'ns1' }, '', undefined],
    ['unknown kind', { kind: 'Robot', name: 'r2' }, 'ns1', undefined],
    ['kinds are case-sensitive', { kind: 'user', apiGroup: RBAC, name: 'alice' }, '', undefined],
    ['kinds are case-sensitive (group)', { kind: 'group', apiGroup: RBAC, name: 'devs' }, '', undefined],
  ])('%s', (_name, subject, bindingNamespace, key) => {
    expect(subjectKey(subject, bindingNamespace)).toBe(key);
  });

  it('uses no namespace by default', () => {
    expect(subjectKey({ kind: 'ServiceAccount', name: 'sa' })).toBeUndefined();
  });
});

describe('subjectKeys', () => {
  it.each<[string, RbacSubject[] | null | undefined, string, string[]]>([
    ['null subjects', null, 'ns1', []],
    ['undefined subjects', undefined, 'ns1', []],
    ['duplicates collapse', [{ kind: 'User', name: 'a' }, { kind: 'User', apiGroup: RBAC, name: 'a' }], '', ['user:a']],
    ['unknown kinds are dropped', [{ kind: 'User', name: 'a' }, { kind: 'Robot', name: 'b' }, { kind: 'Group', name: 'g' }], '', ['group:g', 'user:a']],
    ['service accounts default to the binding namespace',
      [{ kind: 'ServiceAccount', name: 'x' }, { kind: 'ServiceAccount', name: 'y', namespace: 'other' }], 'ns1',
      ['user:system:serviceaccount:ns1:x', 'user:system:serviceaccount:other:y']],
    ['a service account and a user of the same identity collapse',
      [{ kind: 'ServiceAccount', name: 'x', namespace: 'ns1' }, { kind: 'User', name: 'system:serviceaccount:ns1:x' }], '',
      ['user:system:serviceaccount:ns1:x']],
  ])('%s', (_name, subjects, ns, keys) => {
    expect([...subjectKeys(subjects, ns)].sort()).toEqual(keys);
  });
});

describe('userKeys', () => {
  it.each<[string, { username: string; groups: string[] }, string[]]>([
    ['a user without groups', { username: 'alice', groups: [] }, ['user:alice']],
    ['a user with groups', { username: 'alice', groups: ['devs', 'system:authenticated'] },
      ['group:devs', 'group:system:authenticated', 'user:alice']],
    ['a service account', {
      username: 'system:serviceaccount:ns1:sa',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:ns1', 'system:authenticated'],
    }, ['group:system:authenticated', 'group:system:serviceaccounts', 'group:system:serviceaccounts:ns1', 'user:system:serviceaccount:ns1:sa']],
    ['repeated groups', { username: 'u', groups: ['g', 'g'] }, ['group:g', 'user:u']],
    ['a group named like the user stays a group', { username: 'x', groups: ['x'] }, ['group:x', 'user:x']],
  ])('%s', (_name, u, keys) => {
    expect([...userKeys(u)].sort()).toEqual(keys);
  });

  it.each<[string, RbacSubject[], string, { username: string; groups: string[] }, boolean]>([
    ['direct user', [{ kind: 'User', name: 'alice' }], '', { username: 'alice', groups: [] }, true],
    ['other user', [{ kind: 'User', name: 'bob' }], '', { username: 'alice', groups: [] }, false],
    ['group member', [{ kind: 'Group', name: 'devs' }], '', { username: 'alice', groups: ['devs'] }, true],
    ['a user is not a group of the same name', [{ kind: 'Group', name: 'alice' }], '', { username: 'alice', groups: [] }, false],
    ['a group is not a user of the same name', [{ kind: 'User', name: 'devs' }], '', { username: 'alice', groups: ['devs'] }, false],
    ['service account in its namespace', [{ kind: 'ServiceAccount', name: 'sa' }], 'ns1',
      { username: 'system:serviceaccount:ns1:sa', groups: [] }, true],
    ['service account of another namespace', [{ kind: 'ServiceAccount', name: 'sa' }], 'ns2',
      { username: 'system:serviceaccount:ns1:sa', groups: [] }, false],
    ['all service accounts of a namespace', [{ kind: 'Group', name: 'system:serviceaccounts:ns1' }], 'ns2',
      { username: 'system:serviceaccount:ns1:sa', groups: ['system:serviceaccounts', 'system:serviceaccounts:ns1'] }, true],
  ])('binding subjects vs user: %s', (_name, subjects, ns, u, expected) => {
    expect(intersects(subjectKeys(subjects, ns), userKeys(u))).toBe(expected);
  });
});

describe('intersects', () => {
  it.each<[string[], string[], boolean]>([
    [[], [], false],
    [['a'], [], false],
    [['a'], ['a'], true],
    [['a', 'b', 'c'], ['c'], true],
    [['c'], ['a', 'b', 'c'], true],
    [['a', 'b'], ['c', 'd', 'e'], false],
  ])('%j and %j: %s', (a, b, expected) => {
    expect(intersects(new Set(a), new Set(b))).toBe(expected);
  });
});

describe('RbacStore', () => {
  let rv = 0;
  const role = (name: string, namespace?: string, rules: RoleObject['rules'] = [{ verbs: ['get'], apiGroups: [''], resources: ['namespaces'] }]): RoleObject =>
    ({ metadata: { name, ...(namespace ? { namespace } : {}), resourceVersion: String(++rv) }, rules });
  const binding = (name: string, namespace: string | undefined, kind: string, roleName: string): BindingObject => ({
    metadata: { name, ...(namespace ? { namespace } : {}), resourceVersion: String(++rv) },
    roleRef: { apiGroup: RBAC, kind, name: roleName }, subjects: [{ kind: 'User', name: 'alice' }],
  });

  it('keys bindings uniquely across kinds', () => {
    expect(bindingKey(binding('x', 'ns1', 'Role', 'r'))).toBe('RoleBinding/ns1/x');
    expect(bindingKey(binding('x', undefined, 'ClusterRole', 'r'))).toBe('ClusterRoleBinding/x');
  });

  it('resolves a binding to the role it references, or to no rules', () => {
    const s = new RbacStore();
    const rb = binding('rb', 'ns1', 'Role', 'reader');
    s.setBinding(rb);
    expect(s.rulesOf(rb)).toEqual([]);
    s.setRole('Role', role('reader', 'ns2'));
    expect(s.rulesOf(rb)).toEqual([]);
    s.setRole('Role', role('reader', 'ns1', [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }]));
    expect(s.rulesOf(rb)).toEqual([{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }]);
    s.setRole('Role', role('reader', 'ns1'), true);
    expect(s.rulesOf(rb)).toEqual([]);
    expect(s.rulesOf(binding('crb', undefined, 'ClusterRole', 'missing'))).toEqual([]);
    s.setRole('ClusterRole', role('nullrules', undefined, null));
    expect(s.rulesOf(binding('crb', undefined, 'ClusterRole', 'nullrules'))).toEqual([]);
  });

  it('a ClusterRole and a Role of the same name are different roles', () => {
    const s = new RbacStore();
    const toCluster = binding('a', 'ns1', 'ClusterRole', 'same');
    const toRole = binding('b', 'ns1', 'Role', 'same');
    s.setBinding(toCluster);
    s.setBinding(toRole);
    expect(s.setRole('ClusterRole', role('same'))).toEqual(['RoleBinding/ns1/a']);
    expect(s.setRole('Role', role('same', 'ns1'))).toEqual(['RoleBinding/ns1/b']);
    expect(s.setRole('Role', role('same', 'ns2'))).toEqual([]);
  });

  it('returns the bindings referencing a role, and follows binding changes and deletes', () => {
    const s = new RbacStore();
    s.setBinding(binding('crb1', undefined, 'ClusterRole', 'view'));
    s.setBinding(binding('rb1', 'ns1', 'ClusterRole', 'view'));
    s.setBinding(binding('rb2', 'ns2', 'ClusterRole', 'edit'));
    expect(s.setRole('ClusterRole', role('view')).sort()).toEqual(['ClusterRoleBinding/crb1', 'RoleBinding/ns1/rb1']);
    // Same key, new roleRef (delete and re-create with another role): only the new role lists it.
    s.setBinding(binding('rb1', 'ns1', 'ClusterRole', 'edit'));
    expect(s.setRole('ClusterRole', role('view'))).toEqual(['ClusterRoleBinding/crb1']);
    expect(s.setRole('ClusterRole', role('edit')).sort()).toEqual(['RoleBinding/ns1/rb1', 'RoleBinding/ns2/rb2']);
    s.deleteBinding(binding('rb2', 'ns2', 'ClusterRole', 'edit'));
    expect(s.setRole('ClusterRole', role('edit'))).toEqual(['RoleBinding/ns1/rb1']);
    expect(s.binding('RoleBinding/ns2/rb2')).toBeUndefined();
    expect(s.bindingCount).toBe(2);
    // Deleting a binding that is not there changes nothing.
    s.deleteBinding(binding('ghost', 'ns9', 'ClusterRole', 'edit'));
    expect(s.bindingCount).toBe(2);
  });
});
