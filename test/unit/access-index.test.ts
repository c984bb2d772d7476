import type { CollectionName } from '../../storage/visibility/history.js';
import type { User } from './visibility-fixtures.js';
import {
  Cluster, groupSubject, oracleVisible, rules, saSubject, serviceAccountUser, user, userSubject,
} from './visibility-fixtures.js';

const alice = user('alice');
const bob = user('bob');
const dev = user('dave', 'devs');
const anonymous: User = { username: 'system:anonymous', groups: ['system:unauthenticated'] };
const builderA = serviceAccountUser('a', 'builder');
const builderB = serviceAccountUser('b', 'builder');
const robotC = serviceAccountUser('c', 'robot');
const everyone = { alice, bob, dev, anonymous, builderA, builderB, robotC };
type Who = keyof typeof everyone;

interface Scenario {
  name: string;
  setup: (c: Cluster) => void;
  /** Users not listed see nothing. */
  sees: Partial<Record<Who, string[]>>;
}

/** Each scenario starts from namespaces a, b and c, and the usual ClusterRoles. */
function baseCluster(): Cluster {
  const c = new Cluster();
  for (const n of ['a', 'b', 'c']) c.namespace(n);
  c.clusterRole('view', [rules.getNamespaces(), rules.getPods()]);
  c.clusterRole('admin', [rules.everything()]);
  c.clusterRole('pod-reader', [rules.getPods()]);
  c.clusterRole('ns-lister', [rules.listNamespacesOnly()]);
  return c;
}

describe('AccessIndex: namespace visibility', () => {
  const scenarios: Scenario[] = [
    { name: 'nobody sees anything without bindings', setup: () => undefined, sees: {} },
    {
      name: 'a RoleBinding to a view-like ClusterRole shows its namespace',
      setup: (c) => c.roleBinding('a', 'alice-view', 'ClusterRole/view', [userSubject('alice')]),
      sees: { alice: ['a'] },
    },
    {
      name: 'a RoleBinding to an admin-like (*) ClusterRole shows only its namespace',
      setup: (c) => c.roleBinding('b', 'alice-admin', 'ClusterRole/admin', [userSubject('alice')]),
      sees: { alice: ['b'] },
    },
    {
      name: 'a RoleBinding to a Role in the same namespace',
      setup: (c) => {
        c.role('b', 'ns-getter', [rules.getNamespaces()]);
        c.roleBinding('b', 'rb', 'Role/ns-getter', [userSubject('alice')]);
      },
      sees: { alice: ['b'] },
    },
    {
      name: 'a RoleBinding names a Role of its own namespace, never of another',
      setup: (c) => {
        c.role('a', 'ns-getter', [rules.getNamespaces()]);
        c.roleBinding('b', 'rb', 'Role/ns-getter', [userSubject('alice')]);
      },
      sees: {},
    },
    {
      name: 'a ClusterRoleBinding to a Role grants nothing',
      setup: (c) => {
        c.role('a', 'ns-getter', [rules.getNamespaces()]);
        c.clusterRoleBinding('crb', 'Role/ns-getter', [userSubject('alice')]);
      },
      sees: {},
    },
    {
      name: 'a ClusterRoleBinding with get namespaces shows every namespace',
      setup: (c) => c.clusterRoleBinding('bob-view', 'view', [userSubject('bob')]),
      sees: { bob: ['a', 'b', 'c'] },
    },
    {
      name: 'resourceNames on a cluster-wide grant limit it to those names (that exist)',
      setup: (c) => {
        c.clusterRole('some', [rules.getNamespaces('a', 'c', 'zz')]);
        c.clusterRoleBinding('bob-some', 'some', [userSubject('bob')]);
      },
      sees: { bob: ['a', 'c'] },
    },
    {
      name: 'resourceNames in a RoleBinding\'s role count only when they include its namespace',
      setup: (c) => {
        c.clusterRole('only-a', [rules.getNamespaces('a')]);
        c.roleBinding('a', 'rb', 'ClusterRole/only-a', [userSubject('alice')]);
        c.roleBinding('b', 'rb', 'ClusterRole/only-a', [userSubject('alice')]);
      },
      sees: { alice: ['a'] },
    },
    {
      name: 'a RoleBinding never reaches beyond its namespace, whatever the resourceNames',
      setup: (c) => {
        c.clusterRole('a-and-c', [rules.getNamespaces('a', 'c')]);
        c.roleBinding('b', 'rb', 'ClusterRole/a-and-c', [userSubject('alice')]);
      },
      sees: {},
    },
    {
      name: 'list without get, or other resources, show nothing',
      setup: (c) => {
        c.roleBinding('a', 'lister', 'ClusterRole/ns-lister', [userSubject('alice')]);
        c.clusterRoleBinding('pods', 'pod-reader', [userSubject('alice')]);
      },
      sees: {},
    },
    {
      name: 'a binding to a missing role grants nothing',
      setup: (c) => {
        c.roleBinding('a', 'rb', 'ClusterRole/not-yet', [userSubject('alice')]);
        c.clusterRoleBinding('crb', 'not-yet', [userSubject('bob')]);
      },
      sees: {},
    },
    {
      name: 'a binding without subjects grants nothing',
      setup: (c) => c.clusterRoleBinding('crb', 'view', []),
      sees: {},
    },
    {
      name: 'a RoleBinding for a namespace that does not exist lists nothing',
      setup: (c) => c.roleBinding('ghost', 'rb', 'ClusterRole/view', [userSubject('alice')]),
      sees: {},
    },
    {
      name: 'a Group subject reaches its members only',
      setup: (c) => c.roleBinding('c', 'devs', 'ClusterRole/view', [groupSubject('devs')]),
      sees: { dev: ['c'] },
    },
    {
      name: 'system:authenticated reaches every authenticated user, not anonymous',
      setup: (c) => {
        c.clusterRole('public', [rules.getNamespaces('b')]);
        c.clusterRoleBinding('public', 'public', [groupSubject('system:authenticated')]);
      },
      sees: { alice: ['b'], bob: ['b'], dev: ['b'], builderA: ['b'], builderB: ['b'], robotC: ['b'] },
    },
    {
      name: 'system:unauthenticated reaches anonymous',
      setup: (c) => c.roleBinding('a', 'anon', 'ClusterRole/view', [groupSubject('system:unauthenticated')]),
      sees: { anonymous: ['a'] },
    },
    {
      name: 'a ServiceAccount subject without namespace is of the RoleBinding\'s namespace',
      setup: (c) => c.roleBinding('a', 'builder', 'ClusterRole/view', [saSubject('builder')]),
      sees: { builderA: ['a'] },
    },
    {
      name: 'a ServiceAccount subject of another namespace',
      setup: (c) => c.roleBinding('c', 'builder', 'ClusterRole/view', [saSubject('builder', 'b')]),
      sees: { builderB: ['c'] },
    },
    {
      name: 'a ServiceAccount without namespace in a ClusterRoleBinding matches nobody',
      setup: (c) => c.clusterRoleBinding('sa', 'view', [saSubject('builder')]),
      sees: {},
    },
    {
      name: 'a User subject named like a service account is that service account',
      setup: (c) => c.roleBinding('b', 'rb', 'ClusterRole/view', [userSubject('system:serviceaccount:c:robot')]),
      sees: { robotC: ['b'] },
    },
    {
      name: 'system:serviceaccounts:<ns> reaches the service accounts of that namespace',
      setup: (c) => c.roleBinding('c', 'sas', 'ClusterRole/view', [groupSubject('system:serviceaccounts:a')]),
      sees: { builderA: ['c'] },
    },
    {
      name: 'system:serviceaccounts reaches every service account',
      setup: (c) => {
        c.clusterRole('only-a', [rules.getNamespaces('a')]);
        c.clusterRoleBinding('sas', 'only-a', [groupSubject('system:serviceaccounts')]);
      },
      sees: { builderA: ['a'], builderB: ['a'], robotC: ['a'] },
    },
    {
      name: 'grants add up across subjects and bindings',
      setup: (c) => {
        c.roleBinding('a', 'x', 'ClusterRole/view', [userSubject('alice'), groupSubject('devs')]);
        c.roleBinding('b', 'y', 'ClusterRole/admin', [groupSubject('devs')]);
        c.clusterRole('c-only', [rules.getNamespaces('c')]);
        c.clusterRoleBinding('z', 'c-only', [userSubject('dave'), userSubject('alice')]);
      },
      sees: { alice: ['a', 'c'], dev: ['a', 'b', 'c'] },
    },
    {
      name: 'subjects of a foreign apiGroup or unknown kind match nobody',
      setup: (c) => c.clusterRoleBinding('odd', 'view', [
        { kind: 'User', apiGroup: 'example.com', name: 'alice' }, { kind: 'Robot', name: 'bob' }]),
      sees: {},
    },
  ];

  it.each(scenarios.map((s) => [s.name, s] as const))('%s', (_name, s) => {
    const c = baseCluster();
    s.setup(c);
    for (const [who, u] of Object.entries(everyone) as Array<[Who, User]>) {
      expect({ who, names: c.visible('namespaces', u) }).toEqual({ who, names: s.sees[who] ?? [] });
    }
  });

  it.each(scenarios.map((s) => [s.name, s] as const))(
    'agrees with a brute-force RBAC evaluation: %s', (_name, s) => {
      const c = baseCluster();
      s.setup(c);
      for (const u of Object.values(everyone)) expect(c.visible('namespaces', u)).toEqual(oracleVisible(c, 'namespaces', u));
    });

  it('a namespace created after its RoleBinding becomes visible', () => {
    const c = baseCluster();
    c.roleBinding('late', 'rb', 'ClusterRole/view', [userSubject('alice')]);
    expect(c.visible('namespaces', alice)).toEqual([]);
    c.namespace('late');
    expect(c.visible('namespaces', alice)).toEqual(['late']);
    c.deleteNamespace('late');
    expect(c.visible('namespaces', alice)).toEqual([]);
  });
});

describe('AccessIndex: role and binding changes', () => {
  it('a ClusterRole whose rules change later updates every binding that references it', () => {
    const c = baseCluster();
    c.clusterRole('aggregated', null); // as created before the aggregation controller fills it
    c.roleBinding('a', 'rb', 'ClusterRole/aggregated', [userSubject('alice')]);
    c.roleBinding('b', 'rb', 'ClusterRole/aggregated', [groupSubject('devs'), userSubject('alice')]);
    c.clusterRoleBinding('crb', 'aggregated', [userSubject('bob')]);
    const check = (a: string[], b: string[], d: string[]) => {
      expect(c.visible('namespaces', alice)).toEqual(a);
      expect(c.visible('namespaces', bob)).toEqual(b);
      expect(c.visible('namespaces', dev)).toEqual(d);
      for (const u of [alice, bob, dev]) expect(c.visible('namespaces', u)).toEqual(oracleVisible(c, 'namespaces', u));
    };
    check([], [], []);
    c.clusterRole('aggregated', [rules.getPods(), rules.getNamespaces()]);
    check(['a', 'b'], ['a', 'b', 'c'], ['b']);
    c.clusterRole('aggregated', [rules.getNamespaces('b', 'c')]);
    check(['b'], ['b', 'c'], ['b']);
    c.clusterRole('aggregated', [rules.getPods()]);
    check([], [], []);
    c.clusterRole('aggregated', [rules.everything()]);
    check(['a', 'b'], ['a', 'b', 'c'], ['b']);
    c.deleteClusterRole('aggregated');
    check([], [], []);
    c.clusterRole('aggregated', [rules.getNamespaces()]);
    check(['a', 'b'], ['a', 'b', 'c'], ['b']);
  });

  it('a binding to a missing role grants nothing until the role appears', () => {
    const c = baseCluster();
    c.roleBinding('a', 'rb', 'Role/getter', [userSubject('alice')]);
    c.clusterRoleBinding('crb', 'later', [userSubject('bob')]);
    expect(c.visible('namespaces', alice)).toEqual([]);
    expect(c.visible('namespaces', bob)).toEqual([]);
    c.role('b', 'getter', [rules.getNamespaces()]); // same name, other namespace
    expect(c.visible('namespaces', alice)).toEqual([]);
    c.role('a', 'getter', [rules.getNamespaces()]);
    expect(c.visible('namespaces', alice)).toEqual(['a']);
    c.clusterRole('later', [rules.getNamespaces('c')]);
    expect(c.visible('namespaces', bob)).toEqual(['c']);
    c.deleteRole('a', 'getter');
    expect(c.visible('namespaces', alice)).toEqual([]);
  });

  it('deleting one of two bindings keeps what the other grants', () => {
    const c = baseCluster();
    c.roleBinding('a', 'one', 'ClusterRole/view', [userSubject('alice')]);
    c.roleBinding('a', 'two', 'ClusterRole/admin', [groupSubject('system:authenticated')]);
    c.clusterRoleBinding('all', 'view', [userSubject('alice')]);
    expect(c.visible('namespaces', alice)).toEqual(['a', 'b', 'c']);
    c.deleteClusterRoleBinding('all');
    expect(c.visible('namespaces', alice)).toEqual(['a']);
    c.deleteRoleBinding('a', 'one');
    expect(c.visible('namespaces', alice)).toEqual(['a']);
    c.deleteRoleBinding('a', 'two');
    expect(c.visible('namespaces', alice)).toEqual([]);
  });

  it('a binding update moves the grant between subjects', () => {
    const c = baseCluster();
    c.roleBinding('a', 'rb', 'ClusterRole/view', [userSubject('alice')]);
    c.roleBinding('a', 'rb', 'ClusterRole/view', [userSubject('bob')]);
    expect(c.visible('namespaces', alice)).toEqual([]);
    expect(c.visible('namespaces', bob)).toEqual(['a']);
  });

  it('a binding re-created with another roleRef no longer follows the old role', () => {
    const c = baseCluster();
    c.clusterRole('first', [rules.getNamespaces()]);
    c.clusterRole('second', []);
    c.roleBinding('a', 'rb', 'ClusterRole/first', [userSubject('alice')]);
    c.deleteRoleBinding('a', 'rb');
    c.roleBinding('a', 'rb', 'ClusterRole/second', [userSubject('alice')]);
    expect(c.visible('namespaces', alice)).toEqual([]);
    c.clusterRole('first', [rules.everything()]);
    expect(c.visible('namespaces', alice)).toEqual([]);
    c.clusterRole('second', [rules.getNamespaces()]);
    expect(c.visible('namespaces', alice)).toEqual(['a']);
  });

  it('a Role change re-evaluates only bindings of its namespace', () => {
    const c = baseCluster();
    c.role('a', 'r', []);
    c.role('b', 'r', []);
    c.roleBinding('a', 'rb', 'Role/r', [userSubject('alice')]);
    c.roleBinding('b', 'rb', 'Role/r', [userSubject('alice')]);
    c.role('b', 'r', [rules.getNamespaces()]);
    expect(c.visible('namespaces', alice)).toEqual(['b']);
    c.role('a', 'r', [rules.getNamespaces()]);
    expect(c.visible('namespaces', alice)).toEqual(['a', 'b']);
  });
});

describe('AccessIndex: account visibility', () => {
  function accountCluster(): Cluster {
    const c = baseCluster();
    c.account('acme', [userSubject('alice')]);
    c.account('devshop', [groupSubject('devs')]);
    c.account('robots', [saSubject('robot', 'c')]);
    c.account('loose-sa', [saSubject('builder')]); // no namespace: nobody
    c.account('empty', []);
    return c;
  }

  interface AccountScenario {
    name: string;
    setup: (c: Cluster) => void;
    sees: Partial<Record<Who, string[]>>;
  }
  const membership = { alice: ['acme'], dev: ['devshop'], robotC: ['robots'] };
  const scenarios: AccountScenario[] = [
    { name: 'subjects see their accounts (user, group, service account with namespace)', setup: () => undefined, sees: membership },
    {
      name: 'a ClusterRoleBinding granting get accounts with resourceNames',
      setup: (c) => {
        c.clusterRole('acc', [rules.getAccounts('empty', 'loose-sa', 'missing')]);
        c.clusterRoleBinding('bob-acc', 'acc', [userSubject('bob')]);
      },
      sees: { ...membership, bob: ['empty', 'loose-sa'] },
    },
    {
      name: 'a ClusterRoleBinding granting get on every account',
      setup: (c) => {
        c.clusterRole('acc', [rules.getAccounts()]);
        c.clusterRoleBinding('bob-acc', 'acc', [userSubject('bob')]);
      },
      sees: { ...membership, bob: ['acme', 'devshop', 'empty', 'loose-sa', 'robots'] },
    },
    {
      name: 'a grant and a membership add up',
      setup: (c) => {
        c.clusterRole('acc', [rules.getAccounts('empty')]);
        c.clusterRoleBinding('alice-acc', 'acc', [userSubject('alice')]);
      },
      sees: { ...membership, alice: ['acme', 'empty'] },
    },
    {
      name: 'get accounts of config.kiosk.sh is not get accounts of tenancy.kiosk.sh',
      setup: (c) => {
        c.clusterRole('cfg', [{ verbs: ['get'], apiGroups: ['config.kiosk.sh'], resources: ['accounts'] }]);
        c.clusterRoleBinding('bob-cfg', 'cfg', [userSubject('bob')]);
      },
      sees: membership,
    },
    {
      name: 'cluster-admin-like grants see every account',
      setup: (c) => c.clusterRoleBinding('root', 'admin', [userSubject('bob')]),
      sees: { ...membership, bob: ['acme', 'devshop', 'empty', 'loose-sa', 'robots'] },
    },
    {
      name: 'RoleBindings never grant accounts',
      setup: (c) => {
        c.clusterRole('acc', [rules.getAccounts()]);
        c.roleBinding('a', 'acc', 'ClusterRole/acc', [userSubject('bob')]);
        c.roleBinding('b', 'root', 'ClusterRole/admin', [userSubject('bob')]);
        c.role('a', 'acc-role', [rules.getAccounts()]);
        c.roleBinding('a', 'acc-role', 'Role/acc-role', [userSubject('bob')]);
      },
      sees: membership,
    },
    {
      name: 'namespace grants are not account grants',
      setup: (c) => c.clusterRoleBinding('bob-view', 'view', [userSubject('bob')]),
      sees: membership,
    },
  ];

  it.each(scenarios.map((s) => [s.name, s] as const))('%s', (_name, s) => {
    const c = accountCluster();
    s.setup(c);
    for (const [who, u] of Object.entries(everyone) as Array<[Who, User]>) {
      expect({ who, names: c.visible('accounts', u) }).toEqual({ who, names: s.sees[who] ?? [] });
      expect(c.visible('accounts', u)).toEqual(oracleVisible(c, 'accounts', u));
    }
  });

  it('follows membership changes and deletes', () => {
    const c = accountCluster();
    c.account('acme', [userSubject('bob'), groupSubject('devs')]);
    expect(c.visible('accounts', alice)).toEqual([]);
    expect(c.visible('accounts', bob)).toEqual(['acme']);
    expect(c.visible('accounts', dev)).toEqual(['acme', 'devshop']);
    c.deleteAccount('devshop');
    expect(c.visible('accounts', dev)).toEqual(['acme']);
    c.account('devshop', [groupSubject('devs')]);
    expect(c.visible('accounts', dev)).toEqual(['acme', 'devshop']);
  });

  it('isVisible judges any state of an account, by membership or by grant', () => {
    const c = accountCluster();
    const acme = c.index.object('accounts', 'acme');
    const view = c.index.view('accounts', alice);
    expect(c.index.isVisible('accounts', view, 'acme', acme)).toBe(true);
    expect(c.index.isVisible('accounts', view, 'acme', undefined)).toBe(false);
    expect(c.index.isVisible('accounts', view, 'acme', { metadata: { name: 'acme' } })).toBe(false);
    expect(c.index.isVisible('accounts', c.index.view('accounts', bob), 'acme', acme)).toBe(false);
  });
});

describe('AccessIndex: names, versions and the view cache', () => {
  it('visibleNames is sorted and excludes granted names that do not exist', () => {
    const c = new Cluster();
    for (const n of ['zeta', 'alpha', 'mid', 'beta-2', 'beta-10', 'x1']) c.namespace(n);
    c.clusterRole('some', [rules.getNamespaces('zeta', 'beta-2', 'nope', 'alpha', 'beta-10')]);
    c.clusterRoleBinding('some', 'some', [userSubject('alice')]);
    c.roleBinding('mid', 'rb', 'ClusterRole/some', [userSubject('alice')]); // 'mid' not in resourceNames
    c.clusterRole('all', [rules.getNamespaces()]);
    c.clusterRoleBinding('all', 'all', [userSubject('bob')]);
    expect(c.visible('namespaces', alice)).toEqual(['alpha', 'beta-10', 'beta-2', 'zeta']);
    expect(c.visible('namespaces', bob)).toEqual(['alpha', 'beta-10', 'beta-2', 'mid', 'x1', 'zeta']);
    c.namespace('nope');
    c.namespace('aaa');
    expect(c.visible('namespaces', alice)).toEqual(['alpha', 'beta-10', 'beta-2', 'nope', 'zeta']);
    expect(c.visible('namespaces', bob)).toEqual(['aaa', 'alpha', 'beta-10', 'beta-2', 'mid', 'nope', 'x1', 'zeta']);
    c.deleteNamespace('alpha');
    expect(c.visible('namespaces', bob)).toEqual(['aaa', 'beta-10', 'beta-2', 'mid', 'nope', 'x1', 'zeta']);
    expect(c.index.allNames('namespaces')).toEqual(['aaa', 'beta-10', 'beta-2', 'mid', 'nope', 'x1', 'zeta']);
    expect(c.index.count('namespaces')).toBe(7);
  });

  it('resourceVersion follows the newest observed version, and stamps late or unversioned changes one past the clock', () => {
    const c = new Cluster();
    const ns = (name: string, rv: string | undefined) => ({ metadata: { name, ...(rv === undefined ? {} : { resourceVersion: rv }) } });
    const seen: number[] = [];
    const step = (f: () => void) => {
      f();
      seen.push(c.index.resourceVersion);
    };
    step(() => c.index.setObject('namespaces', ns('a', '10')));
    step(() => c.index.setObject('namespaces', ns('b', '7'))); // another informer, behind
    step(() => c.index.setRole('ClusterRole', { metadata: { name: 'r', resourceVersion: '3' }, rules: [rules.getNamespaces()] }));
    step(() => c.index.setObject('namespaces', ns('c', undefined)));
    step(() => c.index.setObject('namespaces', ns('d', 'garbage')));
    step(() => c.index.setBinding({
      metadata: { name: 'x', resourceVersion: '12' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'r' },
      subjects: [userSubject('alice')],
    }));
    step(() => c.index.deleteObject('namespaces', ns('a', '11')));
    step(() => c.index.setObject('namespaces', ns('e', '20')));
    // b (7), c (none), d (garbage), the grant (12) and the delete (11) are not newer than the clock, so
    // each is stamped one past it: versions handed out before them stay strictly older.
    expect(seen).toEqual([10, 11, 11, 12, 13, 14, 15, 20]);
    expect(c.visible('namespaces', alice)).toEqual(['b', 'c', 'd', 'e']);
  });

  it('a binding change that grants nothing new still advances the version but commits no record', () => {
    const c = baseCluster();
    const before = c.index.sizes().history;
    c.roleBinding('a', 'pods', 'ClusterRole/pod-reader', [userSubject('alice')]);
    expect(c.index.resourceVersion).toBe(c.rv);
    expect(c.index.sizes().history).toBe(before);
  });

  it('the view cache serves a fresh view after every grant change', () => {
    const c = baseCluster();
    const v1 = c.index.view('namespaces', alice);
    expect(c.index.visibleNames('namespaces', v1)).toEqual([]);
    expect(c.index.view('namespaces', alice)).toBe(v1); // cached while nothing changes
    c.namespace('d'); // objects do not invalidate views, and need not
    expect(c.index.view('namespaces', alice)).toBe(v1);
    c.roleBinding('d', 'rb', 'ClusterRole/view', [userSubject('alice')]);
    expect(c.visible('namespaces', alice)).toEqual(['d']);
    c.clusterRoleBinding('all', 'view', [groupSubject('devs')]);
    expect(c.visible('namespaces', alice)).toEqual(['d']);
    expect(c.visible('namespaces', { username: 'alice', groups: ['devs'] })).toEqual(['a', 'b', 'c', 'd']);
    c.clusterRole('view', [rules.getPods()]);
    expect(c.visible('namespaces', alice)).toEqual([]);
    expect(c.visible('namespaces', { username: 'alice', groups: ['devs'] })).toEqual([]);
    c.clusterRole('view', [rules.getNamespaces()]);
    expect(c.visible('namespaces', alice)).toEqual(['d']);
    c.deleteRoleBinding('d', 'rb');
    expect(c.visible('namespaces', alice)).toEqual([]);
    // The old view is a snapshot; it was never mutated behind its holder's back.
    expect(c.index.visibleNames('namespaces', v1)).toEqual([]);
    expect(c.index.stats.viewHits).toBeGreaterThan(0);
  });

  it('views are cached per user and per set of groups, whatever their order', () => {
    const c = baseCluster();
    c.roleBinding('a', 'x', 'ClusterRole/view', [groupSubject('x')]);
    c.roleBinding('b', 'y', 'ClusterRole/view', [groupSubject('y')]);
    c.roleBinding('c', 'alice', 'ClusterRole/view', [userSubject('alice')]);
    const cases: Array<[User, string[]]> = [
      [{ username: 'alice', groups: ['x', 'y'] }, ['a', 'b', 'c']],
      [{ username: 'alice', groups: ['y', 'x'] }, ['a', 'b', 'c']],
      [{ username: 'bob', groups: ['y', 'x'] }, ['a', 'b']],
      [{ username: 'bob', groups: ['x'] }, ['a']],
      [{ username: 'bob', groups: [] }, []],
      [{ username: 'alice', groups: [] }, ['c']],
      // Separator confusion must not merge identities: a user named like another's name-plus-group.
      [{ username: 'bob\0x', groups: [] }, []],
      [{ username: 'x', groups: [] }, []],
    ];
    for (const round of [1, 2]) {
      for (const [u, names] of cases) expect({ round, u, names: c.visible('namespaces', u) }).toEqual({ round, u, names });
    }
    expect(c.index.view('namespaces', { username: 'alice', groups: ['x', 'y'] }))
      .toBe(c.index.view('namespaces', { username: 'alice', groups: ['y', 'x'] }));
    expect(c.index.view('namespaces', alice)).not.toBe(c.index.view('accounts', alice));
  });

  it('serves a user with 500 groups', () => {
    const c = baseCluster();
    const groups = Array.from({ length: 500 }, (_, i) => `team-${i}`);
    const many: User = { username: 'many', groups };
    c.roleBinding('a', 'g1', 'ClusterRole/view', [groupSubject('team-499')]);
    c.roleBinding('c', 'g2', 'ClusterRole/view', [groupSubject('team-0'), groupSubject('unrelated')]);
    c.roleBinding('b', 'g3', 'ClusterRole/view', [groupSubject('team-500')]);
    expect(c.visible('namespaces', many)).toEqual(['a', 'c']);
    expect(c.visible('namespaces', { username: 'many', groups: [...groups].reverse() })).toEqual(['a', 'c']);
    expect(c.visible('namespaces', many)).toEqual(oracleVisible(c, 'namespaces', many));
  });

  it.each<[CollectionName]>([['namespaces'], ['accounts']])('sizes() reports the %s it holds', (collection) => {
    const c = new Cluster();
    if (collection === 'namespaces') c.namespace('a');
    else c.account('a', []);
    expect(c.index.sizes()[collection]).toBe(1);
    expect(c.index.count(collection)).toBe(1);
  });
});
